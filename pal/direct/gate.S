/* The gate: the only region of the runtime that holds host `syscall` instructions. The
 * kernel catch (Syscall User Dispatch or seccomp) allows syscalls from [pal_gate_start,
 * pal_gate_end) and traps every other one, so nothing but these stubs reaches the host. */

    .text
    .globl pal_gate_start, pal_gate_end
    .hidden pal_gate_start, pal_gate_end

    .p2align 6
pal_gate_start:

/* long host_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6) */
    .globl host_syscall6
    .hidden host_syscall6
    .type host_syscall6, @function
host_syscall6:
    lock incq g_pal_host_calls(%rip)
    incq %gs:192            /* pal_tcb.host_calls */
    mov %rdi, %rax
    mov %rsi, %rdi
    mov %rdx, %rsi
    mov %rcx, %rdx
    mov %r8, %r10
    mov %r9, %r8
    mov 8(%rsp), %r9
    syscall
    ret
    .size host_syscall6, . - host_syscall6

/* Restorer for the runtime's host signal handlers: rt_sigreturn must itself come from the
 * gate, or it would be trapped while the selector blocks. */
    .globl pal_gate_sigreturn
    .hidden pal_gate_sigreturn
    .type pal_gate_sigreturn, @function
pal_gate_sigreturn:
    mov $15, %eax
    syscall
    ud2
    .size pal_gate_sigreturn, . - pal_gate_sigreturn

/* long pal_gate_set_gs(void *base): arch_prctl(ARCH_SET_GS) without touching %gs, for a
 * thread that has no control block yet (host_syscall6 counts calls through %gs). */
    .globl pal_gate_set_gs
    .hidden pal_gate_set_gs
    .type pal_gate_set_gs, @function
pal_gate_set_gs:
    mov %rdi, %rsi
    mov $0x1001, %edi       /* ARCH_SET_GS */
    mov $158, %eax          /* __NR_arch_prctl */
    syscall
    ret
    .size pal_gate_set_gs, . - pal_gate_set_gs

pal_gate_end:
    .section .note.GNU-stack, "", @progbits
