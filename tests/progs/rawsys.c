/* Raw `syscall` instructions in hand-written assembly: what a library OS must keep exactly
 * as the kernel does (registers, red zone, vector registers, flags), syscall sites that a
 * binary patcher must handle with care (a branch target on the syscall, a RIP-relative
 * instruction after it), and syscalls in code generated at run time. Ends with a raw
 * exit_group(42). */
#include "testlib.h"

#include <sys/mman.h>

#define NR_GETPID 39
#define NR_GETPPID 110
#define NR_GETTID 186

/* ---- Register preservation --------------------------------------------------------- */

/* Values loaded before the syscall, and what the registers hold right after it. Order:
 * rbx rbp rdi rsi rdx r8 r9 r10 r12 r13 r14 r15, then xmm0..xmm15, the 16 red-zone
 * slots below %rsp, and rflags. */
#define GPR_COUNT 12
uint64_t preserve_gpr_before[GPR_COUNT] = {
    0x1111111111111111, 0x2222222222222222, 0x3333333333333333, 0x4444444444444444,
    0x5555555555555555, 0x6666666666666666, 0x7777777777777777, 0x8888888888888888,
    0x9999999999999999, 0xaaaaaaaaaaaaaaaa, 0xbbbbbbbbbbbbbbbb, 0xcccccccccccccccc,
};
uint8_t preserve_xmm_before[16][16];
struct {
    uint64_t gpr[GPR_COUNT];
    uint8_t xmm[16][16];
    uint64_t red_zone[16];
    uint64_t rflags;
    uint64_t result;
} preserve_after;

long syscall_preserves_state(void);
__asm__(".text\n"
        ".globl syscall_preserves_state\n"
        ".type syscall_preserves_state,@function\n"
        "syscall_preserves_state:\n"
        "    push %rbx\n    push %rbp\n    push %r12\n    push %r13\n    push %r14\n"
        "    push %r15\n"
        "    lea preserve_xmm_before(%rip), %rax\n"
        "    movdqu 0(%rax), %xmm0\n    movdqu 16(%rax), %xmm1\n    movdqu 32(%rax), %xmm2\n"
        "    movdqu 48(%rax), %xmm3\n    movdqu 64(%rax), %xmm4\n    movdqu 80(%rax), %xmm5\n"
        "    movdqu 96(%rax), %xmm6\n    movdqu 112(%rax), %xmm7\n"
        "    movdqu 128(%rax), %xmm8\n    movdqu 144(%rax), %xmm9\n"
        "    movdqu 160(%rax), %xmm10\n    movdqu 176(%rax), %xmm11\n"
        "    movdqu 192(%rax), %xmm12\n    movdqu 208(%rax), %xmm13\n"
        "    movdqu 224(%rax), %xmm14\n    movdqu 240(%rax), %xmm15\n"
        "    lea preserve_gpr_before(%rip), %rax\n"
        "    mov 0(%rax), %rbx\n    mov 8(%rax), %rbp\n    mov 16(%rax), %rdi\n"
        "    mov 24(%rax), %rsi\n    mov 32(%rax), %rdx\n    mov 40(%rax), %r8\n"
        "    mov 48(%rax), %r9\n    mov 56(%rax), %r10\n    mov 64(%rax), %r12\n"
        "    mov 72(%rax), %r13\n    mov 80(%rax), %r14\n    mov 88(%rax), %r15\n"
        /* The red zone: 128 bytes below %rsp that a leaf function may use. */
        "    movq $0x5a000001, -8(%rsp)\n    movq $0x5a000002, -16(%rsp)\n"
        "    movq $0x5a000003, -24(%rsp)\n    movq $0x5a000004, -32(%rsp)\n"
        "    movq $0x5a000005, -40(%rsp)\n    movq $0x5a000006, -48(%rsp)\n"
        "    movq $0x5a000007, -56(%rsp)\n    movq $0x5a000008, -64(%rsp)\n"
        "    movq $0x5a000009, -72(%rsp)\n    movq $0x5a00000a, -80(%rsp)\n"
        "    movq $0x5a00000b, -88(%rsp)\n    movq $0x5a00000c, -96(%rsp)\n"
        "    movq $0x5a00000d, -104(%rsp)\n    movq $0x5a00000e, -112(%rsp)\n"
        "    movq $0x5a00000f, -120(%rsp)\n    movq $0x5a000010, -128(%rsp)\n"
        /* Direction flag set across the syscall: the kernel keeps it, and a library OS
         * must neither trust nor lose it. */
        "    std\n"
        "    mov $39, %eax\n"
        "    syscall\n"
        "    mov %rax, preserve_after+488(%rip)\n"
        "    lea preserve_after(%rip), %rax\n"
        "    mov %rbx, 0(%rax)\n    mov %rbp, 8(%rax)\n    mov %rdi, 16(%rax)\n"
        "    mov %rsi, 24(%rax)\n    mov %rdx, 32(%rax)\n    mov %r8, 40(%rax)\n"
        "    mov %r9, 48(%rax)\n    mov %r10, 56(%rax)\n    mov %r12, 64(%rax)\n"
        "    mov %r13, 72(%rax)\n    mov %r14, 80(%rax)\n    mov %r15, 88(%rax)\n"
        "    movdqu %xmm0, 96(%rax)\n    movdqu %xmm1, 112(%rax)\n    movdqu %xmm2, 128(%rax)\n"
        "    movdqu %xmm3, 144(%rax)\n    movdqu %xmm4, 160(%rax)\n    movdqu %xmm5, 176(%rax)\n"
        "    movdqu %xmm6, 192(%rax)\n    movdqu %xmm7, 208(%rax)\n    movdqu %xmm8, 224(%rax)\n"
        "    movdqu %xmm9, 240(%rax)\n    movdqu %xmm10, 256(%rax)\n"
        "    movdqu %xmm11, 272(%rax)\n    movdqu %xmm12, 288(%rax)\n"
        "    movdqu %xmm13, 304(%rax)\n    movdqu %xmm14, 320(%rax)\n"
        "    movdqu %xmm15, 336(%rax)\n"
        "    mov -8(%rsp), %rcx\n    mov %rcx, 352(%rax)\n"
        "    mov -16(%rsp), %rcx\n    mov %rcx, 360(%rax)\n"
        "    mov -24(%rsp), %rcx\n    mov %rcx, 368(%rax)\n"
        "    mov -32(%rsp), %rcx\n    mov %rcx, 376(%rax)\n"
        "    mov -40(%rsp), %rcx\n    mov %rcx, 384(%rax)\n"
        "    mov -48(%rsp), %rcx\n    mov %rcx, 392(%rax)\n"
        "    mov -56(%rsp), %rcx\n    mov %rcx, 400(%rax)\n"
        "    mov -64(%rsp), %rcx\n    mov %rcx, 408(%rax)\n"
        "    mov -72(%rsp), %rcx\n    mov %rcx, 416(%rax)\n"
        "    mov -80(%rsp), %rcx\n    mov %rcx, 424(%rax)\n"
        "    mov -88(%rsp), %rcx\n    mov %rcx, 432(%rax)\n"
        "    mov -96(%rsp), %rcx\n    mov %rcx, 440(%rax)\n"
        "    mov -104(%rsp), %rcx\n    mov %rcx, 448(%rax)\n"
        "    mov -112(%rsp), %rcx\n    mov %rcx, 456(%rax)\n"
        "    mov -120(%rsp), %rcx\n    mov %rcx, 464(%rax)\n"
        "    mov -128(%rsp), %rcx\n    mov %rcx, 472(%rax)\n"
        /* Only now touch the stack: pushfq writes into what was the red zone. */
        "    pushfq\n"
        "    cld\n"
        "    popq 480(%rax)\n"
        "    pop %r15\n    pop %r14\n    pop %r13\n    pop %r12\n    pop %rbp\n    pop %rbx\n"
        "    mov preserve_after+488(%rip), %rax\n"
        "    ret\n"
        ".size syscall_preserves_state, .-syscall_preserves_state\n");

_Static_assert(__builtin_offsetof(__typeof__(preserve_after), rflags) == 480, "layout");
_Static_assert(__builtin_offsetof(__typeof__(preserve_after), result) == 488, "layout");
_Static_assert(__builtin_offsetof(__typeof__(preserve_after), red_zone) == 352, "layout");

static void check_preservation(void) {
    static const char *names[GPR_COUNT] = {"rbx", "rbp", "rdi", "rsi", "rdx", "r8",
                                           "r9",  "r10", "r12", "r13", "r14", "r15"};
    char label[64];
    for (int i = 0; i < 16; i++) {
        for (int j = 0; j < 16; j++)
            preserve_xmm_before[i][j] = (uint8_t)(0x10 * i + j + 1);
    }
    long pid = syscall_preserves_state();
    EXPECT_TRUE("raw getpid in the preservation test", pid == getpid());
    for (int i = 0; i < GPR_COUNT; i++) {
        snprintf(label, sizeof(label), "syscall preserves %s", names[i]);
        EXPECT_TRUE(label, preserve_after.gpr[i] == preserve_gpr_before[i]);
    }
    for (int i = 0; i < 16; i++) {
        snprintf(label, sizeof(label), "syscall preserves xmm%d", i);
        EXPECT_TRUE(label, !memcmp(preserve_after.xmm[i], preserve_xmm_before[i], 16));
    }
    bool red_zone_kept = true;
    for (int i = 0; i < 16; i++)
        red_zone_kept = red_zone_kept && preserve_after.red_zone[i] == 0x5a000001u + i;
    EXPECT_TRUE("syscall preserves the 128-byte red zone", red_zone_kept);
    EXPECT_TRUE("syscall preserves the direction flag", (preserve_after.rflags & 0x400) != 0);
}

/* Writes with the direction flag set: a library OS that copies the buffer with string
 * instructions must clear the flag first. */
long raw_write_with_direction_flag(long fd, const void *buf, long len);
__asm__(".text\n"
        ".globl raw_write_with_direction_flag\n"
        ".type raw_write_with_direction_flag,@function\n"
        "raw_write_with_direction_flag:\n"
        "    std\n"
        "    mov $1, %eax\n"
        "    syscall\n"
        "    cld\n"
        "    ret\n"
        ".size raw_write_with_direction_flag, .-raw_write_with_direction_flag\n");

/* ---- Syscall sites that are awkward to patch --------------------------------------- */

/* The syscall instruction is a branch target: getpid when rdi == 0, else getppid. */
long syscall_at_branch_target(long want_parent);
__asm__(".text\n"
        ".globl syscall_at_branch_target\n"
        ".type syscall_at_branch_target,@function\n"
        "syscall_at_branch_target:\n"
        "    mov $39, %eax\n"
        "    test %rdi, %rdi\n"
        "    jz 1f\n"
        "    mov $110, %eax\n"
        "1:  syscall\n"
        "    ret\n"
        ".size syscall_at_branch_target, .-syscall_at_branch_target\n");

/* A RIP-relative load right after the syscall: returns getpid() + syscall_offset. */
long syscall_offset = 1000;
long syscall_then_rip_relative(void);
__asm__(".text\n"
        ".globl syscall_then_rip_relative\n"
        ".type syscall_then_rip_relative,@function\n"
        "syscall_then_rip_relative:\n"
        "    mov $39, %eax\n"
        "    syscall\n"
        "    mov syscall_offset(%rip), %rdx\n"
        "    add %rdx, %rax\n"
        "    ret\n"
        ".size syscall_then_rip_relative, .-syscall_then_rip_relative\n");

/* Back-to-back syscalls with nothing between them. */
long two_syscalls_in_a_row(void);
__asm__(".text\n"
        ".globl two_syscalls_in_a_row\n"
        ".type two_syscalls_in_a_row,@function\n"
        "two_syscalls_in_a_row:\n"
        "    mov $39, %eax\n"
        "    syscall\n"
        "    mov %rax, %rdi\n"
        "    mov $186, %eax\n"
        "    syscall\n"
        "    sub %rdi, %rax\n"
        "    ret\n"
        ".size two_syscalls_in_a_row, .-two_syscalls_in_a_row\n");

static void check_awkward_sites(void) {
    long pid = RAW(NR_GETPID), ppid = RAW(NR_GETPPID);
    EXPECT_TRUE("syscall at a branch target, fall-through path",
                syscall_at_branch_target(0) == pid);
    EXPECT_TRUE("syscall at a branch target, jump path", syscall_at_branch_target(1) == ppid);
    EXPECT_TRUE("RIP-relative load after a syscall", syscall_then_rip_relative() == pid + 1000);
    EXPECT_VAL("two syscalls in a row (gettid - getpid)", two_syscalls_in_a_row(), 0);
    long sum = 0;
    for (int i = 0; i < 1000; i++)
        sum += syscall_then_rip_relative() - 1000 - pid;
    EXPECT_VAL("the same site 1000 times", sum, 0);
}

/* ---- Code generated at run time -------------------------------------------------- */

static void check_generated_code(void) {
    static const unsigned char getpid_code[] = {
        0xb8, NR_GETPID, 0, 0, 0, /* mov $39, %eax */
        0x0f, 0x05,               /* syscall */
        0xc3,                     /* ret */
    };
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *code = (unsigned char *)RAW(SYS_mmap, NULL, page, PROT_READ | PROT_WRITE,
                                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if ((long)code < 0) {
        EXPECT_OK("mmap for generated code", (long)code);
        return;
    }
    memcpy(code, getpid_code, sizeof(getpid_code));
    EXPECT_OK("mprotect generated code executable",
              RAW(SYS_mprotect, code, page, PROT_READ | PROT_EXEC));
    long (*generated)(void) = (long (*)(void))code;
    EXPECT_TRUE("syscall in generated code", generated() == RAW(NR_GETPID));

    EXPECT_OK("mprotect generated code writable",
              RAW(SYS_mprotect, code, page, PROT_READ | PROT_WRITE));
    code[1] = NR_GETPPID;
    EXPECT_OK("mprotect rewritten code executable",
              RAW(SYS_mprotect, code, page, PROT_READ | PROT_EXEC));
    EXPECT_TRUE("syscall in rewritten code", generated() == RAW(NR_GETPPID));

    /* The same code mapped straight in as read-write-execute, then changed in place. */
    unsigned char *rwx =
        (unsigned char *)RAW(SYS_mmap, NULL, page, PROT_READ | PROT_WRITE | PROT_EXEC,
                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if ((long)rwx > 0) {
        memcpy(rwx, getpid_code, sizeof(getpid_code));
        generated = (long (*)(void))rwx;
        EXPECT_TRUE("syscall in RWX code", generated() == RAW(NR_GETPID));
        rwx[1] = NR_GETTID;
        EXPECT_TRUE("syscall in RWX code changed in place", generated() == RAW(NR_GETTID));
        RAW(SYS_munmap, rwx, page);
    }
    RAW(SYS_munmap, code, page);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "rawsys");
    static const char message[] = "raw write: ok\n";
    fflush(stdout);
    EXPECT_VAL("raw write length", RAW(SYS_write, 1, message, sizeof(message) - 1),
               (long)sizeof(message) - 1);
    long pid = RAW(NR_GETPID);
    EXPECT_TRUE("raw getpid equals libc getpid", pid == getpid() && pid > 0);
    EXPECT_TRUE("raw gettid equals raw getpid", RAW(NR_GETTID) == pid);
    EXPECT_ERR("raw read from a bad fd", RAW(SYS_read, 999, NULL, 0), EBADF);
    EXPECT_ERR("raw unknown syscall 1000", RAW(1000), ENOSYS);
    EXPECT_ERR("raw syscall number -1", RAW(-1), ENOSYS);
    EXPECT_ERR("raw write from a bad pointer", RAW(SYS_write, 1, BAD_PTR, 10), EFAULT);

    int fds[2];
    char buf[32] = {0};
    if (pipe(fds) != 0)
        tl_die("pipe");
    static const char df_message[] = "written with DF set";
    EXPECT_VAL("write with the direction flag set",
               raw_write_with_direction_flag(fds[1], df_message, sizeof(df_message) - 1),
               (long)sizeof(df_message) - 1);
    RAW(SYS_read, fds[0], buf, sizeof(buf) - 1);
    EXPECT_STR("data written with the direction flag set", buf, df_message);
    RAW(SYS_close, fds[0]);
    RAW(SYS_close, fds[1]);

    check_preservation();
    check_awkward_sites();
    check_generated_code();

    int status = tl_finish();
    fflush(stdout);
    RAW(SYS_exit_group, status ? status : 42);
    return 99; /* not reached */
}
