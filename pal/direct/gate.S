/* The gate: the only region of the runtime that holds host `syscall` instructions. The
 * kernel catch (Syscall User Dispatch or seccomp) allows syscalls from [pal_gate_start,
 * pal_gate_end) and traps every other one, so nothing but these stubs reaches the host. */

    /* With the rest of the syscall fast path (common/hot.h): every passthrough call runs
     * through here. */
    .section .text.hot, "ax", @progbits
    .globl pal_gate_start, pal_gate_end
    .hidden pal_gate_start, pal_gate_end

/* Every host call is counted in the thread's control block (pal_tcb.host_calls, %gs:192)
 * and, for --stats, process-wide. */
.macro count_host_call
    cmpb $0, g_pal_count_host_calls(%rip)
    je .Lcounted\@
    lock incq g_pal_host_calls(%rip)
.Lcounted\@:
    incq %gs:192
.endm

    .p2align 6
pal_gate_start:

/* long host_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6) */
    .globl host_syscall6
    .hidden host_syscall6
    .type host_syscall6, @function
host_syscall6:
    count_host_call
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

/* long pal_gate_clone(unsigned long flags, void *child_stack, int *parent_tid, int *child_tid)
 * The child starts here on child_stack, whose top word holds its control block. Its %gs
 * still points at the parent's block, so it installs its own before anything else. */
    .globl pal_gate_clone
    .hidden pal_gate_clone
    .type pal_gate_clone, @function
pal_gate_clone:
    mov %rcx, %r10
    xor %r8d, %r8d
    mov $56, %eax           /* __NR_clone */
    syscall
    test %rax, %rax
    jnz 1f
    mov (%rsp), %rsi        /* the child's control block */
    mov $0x1001, %edi       /* ARCH_SET_GS */
    mov $158, %eax
    syscall
    mov (%rsp), %rdi
    call pal_thread_child_main
    ud2
1:  ret
    .size pal_gate_clone, . - pal_gate_clone

/* void pal_gate_thread_exit(void): the host exit of one thread; nothing may touch the
 * stack afterwards, which another thread may free once the kernel clears `alive`. */
    .globl pal_gate_thread_exit
    .hidden pal_gate_thread_exit
    .type pal_gate_thread_exit, @function
pal_gate_thread_exit:
    xor %edi, %edi
    mov $60, %eax           /* __NR_exit */
    syscall
    ud2
    .size pal_gate_thread_exit, . - pal_gate_thread_exit

/* long host_blocking_syscall(long nr, long a1, ..., long a6): a host call that may wait.
 * It does not start while %gs:200 (signal_pending) is set, and returns -EINTR instead. A
 * host signal that lands between that check and the syscall instruction would find the
 * flag already tested: the runtime's host signal handler moves such a thread to the -EINTR
 * exit (pal_gate_blocking_window). A signal during the call interrupts it (no SA_RESTART);
 * one after it finds rip past the call, and its result stands.
 *
 * long host_blocking_syscall3(long nr, long a1, long a2, long a3): the same for calls of
 * three arguments, which all come in registers, so a C caller's `return` of it is a jump
 * and leaves no frame of its own across the host call (each return into such a frame
 * mispredicts after the kernel's return: docs/benchmarks.md). */
    .globl host_blocking_syscall, host_blocking_syscall3, pal_gate_blocking_check
    .globl pal_gate_blocking_syscall, pal_gate_blocking_eintr
    .hidden host_blocking_syscall, host_blocking_syscall3, pal_gate_blocking_check
    .hidden pal_gate_blocking_syscall, pal_gate_blocking_eintr
    .type host_blocking_syscall3, @function
host_blocking_syscall3:
    mov %rdi, %rax
    mov %rsi, %rdi
    mov %rdx, %rsi
    mov %rcx, %rdx
    jmp 2f
    .size host_blocking_syscall3, . - host_blocking_syscall3
    .type host_blocking_syscall, @function
host_blocking_syscall:
    mov %rdi, %rax
    mov %rsi, %rdi
    mov %rdx, %rsi
    mov %rcx, %rdx
    mov %r8, %r10
    mov %r9, %r8
    mov 8(%rsp), %r9
2:  count_host_call
    cmpb $0, g_pal_gate_unchecked(%rip)    /* debug switch: the unsafe gate */
    jne pal_gate_blocking_syscall
pal_gate_blocking_check:
    cmpq $0, %gs:200
    jne pal_gate_blocking_eintr
pal_gate_blocking_syscall:
    syscall
    ret
pal_gate_blocking_eintr:
    mov $-4, %rax           /* -EINTR */
    ret
    .size host_blocking_syscall, . - host_blocking_syscall

/* void pal_read_then(int h, void *buf, size_t n, pal_then then) and pal_write_then: the
 * blocking read or write of host_blocking_syscall3, which does not return but jumps to
 * then(result); the caller's frames are left behind (pal.h). On this kind of host the
 * kernel leaves the return predictor empty, so the first return into a frame made before
 * a host call costs tens of nanoseconds; an indirect jump is predicted from its own
 * history. The window between the check and the syscall is pal_gate_then_check..
 * pal_gate_then_syscall, handled like host_blocking_syscall's. */
    .globl pal_read_then, pal_write_then
    .globl pal_gate_then_check, pal_gate_then_syscall, pal_gate_then_eintr
    .hidden pal_gate_then_check, pal_gate_then_syscall, pal_gate_then_eintr
    .type pal_read_then, @function
pal_read_then:
    xor %eax, %eax          /* __NR_read */
    jmp 3f
    .size pal_read_then, . - pal_read_then
    .type pal_write_then, @function
pal_write_then:
    mov $1, %eax            /* __NR_write */
3:  mov %rcx, %r8           /* the syscall keeps r8 */
    movslq %edi, %rdi
    count_host_call
    cmpb $0, g_pal_gate_unchecked(%rip)
    jne pal_gate_then_syscall
pal_gate_then_check:
    cmpq $0, %gs:200
    jne pal_gate_then_eintr
pal_gate_then_syscall:
    syscall
    mov %rax, %rdi
    jmp *%r8
pal_gate_then_eintr:
    mov $-4, %rdi           /* -EINTR */
    jmp *%r8
    .size pal_write_then, . - pal_write_then

pal_gate_end:
    .section .note.GNU-stack, "", @progbits
