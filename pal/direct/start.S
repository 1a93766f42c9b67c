/* Process entry of the runtime image (a static PIE started by the host kernel). */
    .text
    .globl _start
    .type _start, @function
_start:
    xor %ebp, %ebp
    mov %rsp, %rdi          /* argc, argv, envp, auxv as the kernel laid them out */
    and $-16, %rsp
    call pal_direct_start
    ud2
    .size _start, . - _start
    .section .note.GNU-stack, "", @progbits
