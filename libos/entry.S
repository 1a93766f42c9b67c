/* Entry from app code into the LibOS and the way back. On entry the PAL (catch) or a
 * patched site's trampoline has saved the app registers in the thread control block
 * (%gs:PAL_TCB_APP) and switched to the LibOS stack. */

#define APP 32
#define RAX (APP + 0)
#define RBX (APP + 8)
#define RCX (APP + 16)
#define RDX (APP + 24)
#define RSI (APP + 32)
#define RDI (APP + 40)
#define RBP (APP + 48)
#define RSP (APP + 56)
#define R8 (APP + 64)
#define R9 (APP + 72)
#define R10 (APP + 80)
#define R11 (APP + 88)
#define R12 (APP + 96)
#define R13 (APP + 104)
#define R14 (APP + 112)
#define R15 (APP + 120)
#define RIP (APP + 128)
#define RFLAGS (APP + 136)
#define SYSCALL_NR (APP + 144)
#define FPSTATE (APP + 152)
#define IN_RUNTIME 16
#define LIBOS_STACK_TOP 8

    /* The entry and the way back are on every syscall's path: with the rest of it in
     * .text.hot (common/hot.h). */
    .section .text.hot, "ax", @progbits
    .globl libos_syscall_entry
    .hidden libos_syscall_entry
    .type libos_syscall_entry, @function
libos_syscall_entry:
    mov %gs:LIBOS_STACK_TOP, %rsp
    xor %ebp, %ebp
    call libos_handle_syscall
    jmp libos_return_to_app
    .size libos_syscall_entry, . - libos_syscall_entry

/* A patched syscall site's trampoline jumps here (through %gs:208) with the app's registers
 * as the syscall instruction would see them and the return point in rcx, which a syscall
 * clobbers anyway. The app's stack is not touched: the registers go straight into the
 * control block, flags through the LibOS stack. From here on it is a syscall entry like the
 * kernel catch's, so restarts (RIP - 2) and signal delivery work the same way. */
    .globl libos_patched_syscall_entry
    .hidden libos_patched_syscall_entry
    .type libos_patched_syscall_entry, @function
libos_patched_syscall_entry:
    movq $1, %gs:IN_RUNTIME
    mov %rsp, %gs:RSP
    mov %gs:LIBOS_STACK_TOP, %rsp
    pushfq
    popq %gs:RFLAGS
    cld
    mov %rax, %gs:RAX
    mov %rax, %gs:SYSCALL_NR
    mov %rcx, %gs:RIP
    mov %rcx, %gs:RCX
    mov %rbx, %gs:RBX
    mov %rdx, %gs:RDX
    mov %rsi, %gs:RSI
    mov %rdi, %gs:RDI
    mov %rbp, %gs:RBP
    mov %r8, %gs:R8
    mov %r9, %gs:R9
    mov %r10, %gs:R10
    mov %r11, %gs:R11
    mov %r12, %gs:R12
    mov %r13, %gs:R13
    mov %r14, %gs:R14
    mov %r15, %gs:R15
    movq $0, %gs:FPSTATE
    xor %ebp, %ebp
    call libos_handle_patched_syscall
    jmp libos_return_to_app
    .size libos_patched_syscall_entry, . - libos_patched_syscall_entry

/* A thread interrupted in app code (pal_thread_interrupt) arrives here the same way. */
    .globl libos_interrupt_entry
    .hidden libos_interrupt_entry
    .type libos_interrupt_entry, @function
libos_interrupt_entry:
    mov %gs:LIBOS_STACK_TOP, %rsp
    xor %ebp, %ebp
    call libos_handle_interrupt
    jmp libos_return_to_app
    .size libos_interrupt_entry, . - libos_interrupt_entry

/* Restores every app register from the control block and resumes the app. Flags are set
 * first (popfq needs a stack, and the LibOS stack is still ours); nothing after that may
 * touch them, and the final jump reads its target through %gs so no register is lost. */
    .globl libos_return_to_app
    .hidden libos_return_to_app
    .type libos_return_to_app, @function
libos_return_to_app:
    mov %gs:LIBOS_STACK_TOP, %rsp
    pushq %gs:RFLAGS
    popfq
    mov %gs:RAX, %rax
    mov %gs:RBX, %rbx
    mov %gs:RCX, %rcx
    mov %gs:RDX, %rdx
    mov %gs:RSI, %rsi
    mov %gs:RDI, %rdi
    mov %gs:RBP, %rbp
    mov %gs:R8, %r8
    mov %gs:R9, %r9
    mov %gs:R10, %r10
    mov %gs:R11, %r11
    mov %gs:R12, %r12
    mov %gs:R13, %r13
    mov %gs:R14, %r14
    mov %gs:R15, %r15
    movq $0, %gs:IN_RUNTIME
    mov %gs:RSP, %rsp
    jmp *%gs:RIP
    .globl libos_return_to_app_end
    .hidden libos_return_to_app_end
libos_return_to_app_end:
    .size libos_return_to_app, . - libos_return_to_app
    .section .note.GNU-stack, "", @progbits
