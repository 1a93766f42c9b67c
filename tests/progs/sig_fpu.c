/* FPU, SSE, AVX and AVX-512 state across a signal handler that clobbers all of it: the
 * interrupted code gets back xmm0-15, ymm0-15 (when the CPU has AVX), zmm0-31 and k0-7
 * (when it has AVX-512), x87 st(0) and control word, MXCSR and the direction flag. The
 * handler starts with the default MXCSR and x87 control word and a clear direction flag,
 * whatever the interrupted code had set. Tried for a signal raised at a syscall and for
 * one sent by another thread while this one spins in a loop without syscalls (a host
 * signal interrupting app code). The output is the same on any CPU: a check for a
 * feature the CPU lacks passes without looking. */
#include "testlib.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

static bool has_avx, has_avx512;

static void detect_features(void) {
    unsigned int eax = 1, ebx, ecx = 0, edx;
    __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    bool osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1;
    if (!osxsave)
        return;
    unsigned int xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    has_avx = avx && (xcr0_low & 0x6) == 0x6;
    eax = 7;
    ecx = 0;
    __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    has_avx512 = has_avx && ((ebx >> 16) & 1) && (xcr0_low & 0xe0) == 0xe0;
}

/* ---- The handler: records the entry state, then clobbers everything --------------------- */

unsigned int entry_mxcsr;
unsigned short entry_fcw;
unsigned long entry_flags;
volatile int fpu_handled, fpu_ready;
static const unsigned int handler_mxcsr = 0x7f80; /* round toward zero */
static const unsigned short handler_fcw = 0x0c7f; /* round toward zero */
static const double handler_x87_value = -2.5;

void fpu_handler(int signo);
void fpu_handler_entry(int signo);
__asm__(".text\n"
        ".globl fpu_handler_entry\n"
        ".type fpu_handler_entry, @function\n"
        "fpu_handler_entry:\n"
        "    stmxcsr entry_mxcsr(%rip)\n"
        "    fnstcw entry_fcw(%rip)\n"
        "    pushfq\n"
        "    popq entry_flags(%rip)\n"
        "    jmp fpu_handler\n"
        ".size fpu_handler_entry, . - fpu_handler_entry\n");

#define ALL_XMM                                                                                    \
    "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",       \
        "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

void fpu_handler(int signo) {
    fpu_handled++;
    __asm__ volatile(
        "pcmpeqb %%xmm0, %%xmm0\n"
        "pcmpeqb %%xmm1, %%xmm1\n"
        "pcmpeqb %%xmm2, %%xmm2\n"
        "pcmpeqb %%xmm3, %%xmm3\n"
        "pcmpeqb %%xmm4, %%xmm4\n"
        "pcmpeqb %%xmm5, %%xmm5\n"
        "pcmpeqb %%xmm6, %%xmm6\n"
        "pcmpeqb %%xmm7, %%xmm7\n"
        "pcmpeqb %%xmm8, %%xmm8\n"
        "pcmpeqb %%xmm9, %%xmm9\n"
        "pcmpeqb %%xmm10, %%xmm10\n"
        "pcmpeqb %%xmm11, %%xmm11\n"
        "pcmpeqb %%xmm12, %%xmm12\n"
        "pcmpeqb %%xmm13, %%xmm13\n"
        "pcmpeqb %%xmm14, %%xmm14\n"
        "pcmpeqb %%xmm15, %%xmm15\n"
        "ldmxcsr %[mxcsr]\n"
        /* A full x87 stack of other values and another control word. */
        "fninit\n"
        "fldcw %[fcw]\n"
        "fldl %[x87]\n"
        "fldl %[x87]\n"
        "fldl %[x87]\n"
        "fldl %[x87]\n"
        "fldl %[x87]\n"
        "fldl %[x87]\n"
        "fldl %[x87]\n"
        "fldl %[x87]\n"
        "std\n"
        :
        : [mxcsr] "m"(handler_mxcsr), [fcw] "m"(handler_fcw), [x87] "m"(handler_x87_value)
        : ALL_XMM, "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)", "memory");
    if (has_avx)
        __asm__ volatile("vpcmpeqb %%ymm0, %%ymm0, %%ymm0\n"
                         "vpcmpeqb %%ymm1, %%ymm1, %%ymm1\n"
                         "vpcmpeqb %%ymm2, %%ymm2, %%ymm2\n"
                         "vpcmpeqb %%ymm3, %%ymm3, %%ymm3\n"
                         "vpcmpeqb %%ymm4, %%ymm4, %%ymm4\n"
                         "vpcmpeqb %%ymm5, %%ymm5, %%ymm5\n"
                         "vpcmpeqb %%ymm6, %%ymm6, %%ymm6\n"
                         "vpcmpeqb %%ymm7, %%ymm7, %%ymm7\n"
                         "vpcmpeqb %%ymm8, %%ymm8, %%ymm8\n"
                         "vpcmpeqb %%ymm9, %%ymm9, %%ymm9\n"
                         "vpcmpeqb %%ymm10, %%ymm10, %%ymm10\n"
                         "vpcmpeqb %%ymm11, %%ymm11, %%ymm11\n"
                         "vpcmpeqb %%ymm12, %%ymm12, %%ymm12\n"
                         "vpcmpeqb %%ymm13, %%ymm13, %%ymm13\n"
                         "vpcmpeqb %%ymm14, %%ymm14, %%ymm14\n"
                         "vpcmpeqb %%ymm15, %%ymm15, %%ymm15\n" ::
                             : ALL_XMM);
    /* The compiler never uses zmm16-31 or the mask registers in this file. */
    if (has_avx512)
        __asm__ volatile(
#define TERN(n) "vpternlogd $0xff, %%zmm" #n ", %%zmm" #n ", %%zmm" #n "\n"
            TERN(0) TERN(1) TERN(2) TERN(3) TERN(4) TERN(5) TERN(6) TERN(7) TERN(8) TERN(9) TERN(10)
                TERN(11) TERN(12) TERN(13) TERN(14) TERN(15) TERN(16) TERN(17) TERN(18) TERN(19)
                    TERN(20) TERN(21) TERN(22) TERN(23) TERN(24) TERN(25) TERN(26) TERN(27) TERN(28)
                        TERN(29) TERN(30) TERN(31)
#undef TERN
                            "kxnorq %%k0, %%k0, %%k0\n"
                            "kxnorq %%k1, %%k1, %%k1\n"
                            "kxnorq %%k2, %%k2, %%k2\n"
                            "kxnorq %%k3, %%k3, %%k3\n"
                            "kxnorq %%k4, %%k4, %%k4\n"
                            "kxnorq %%k5, %%k5, %%k5\n"
                            "kxnorq %%k6, %%k6, %%k6\n"
                            "kxnorq %%k7, %%k7, %%k7\n" ::
                                : ALL_XMM);
}

/* ---- The interrupted code --------------------------------------------------------------- */

static long pid, tid;

/* The middle of each sequence: raise SIGUSR1 with tgkill, or announce readiness and spin
 * until the handler has run. */
#define RAISE_AT_SYSCALL                                                                           \
    "mov %[pid], %%rdi\n"                                                                          \
    "mov %[tid], %%rsi\n"                                                                          \
    "mov $10, %%edx\n"                                                                             \
    "mov $234, %%eax\n"                                                                            \
    "syscall\n"
#define SPIN_UNTIL_HANDLED                                                                         \
    "movl $1, fpu_ready(%%rip)\n"                                                                  \
    "1: pause\n"                                                                                   \
    "cmpl $0, fpu_handled(%%rip)\n"                                                                \
    "je 1b\n"

struct sse_state {
    uint8_t xmm[16][16];
    double x87;
    unsigned int mxcsr;
    unsigned short fcw;
    unsigned long flags;
};

_Static_assert(__builtin_offsetof(struct sse_state, x87) == 256 &&
                   __builtin_offsetof(struct sse_state, mxcsr) == 264 &&
                   __builtin_offsetof(struct sse_state, fcw) == 268 &&
                   __builtin_offsetof(struct sse_state, flags) == 272,
               "the offsets the assembly uses");
/* Offsets in struct sse_state. */
#define SSE_X87 "256"
#define SSE_MXCSR "264"
#define SSE_FCW "268"
#define SSE_FLAGS "272"

#define LOAD_XMM(n) "movdqu " #n "*16(%[in]), %%xmm" #n "\n"
#define STORE_XMM(n) "movdqu %%xmm" #n ", " #n "*16(%[out])\n"
#define XMM_ALL(M)                                                                                 \
    M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)

#define SSE_SEQUENCE(MIDDLE)                                                                       \
    __asm__ volatile(XMM_ALL(LOAD_XMM) "fldl " SSE_X87 "(%[in])\n"                                 \
                                       "ldmxcsr " SSE_MXCSR "(%[in])\n"                            \
                                       "fldcw " SSE_FCW "(%[in])\n"                                \
                                       "std\n" MIDDLE "pushfq\n"                                   \
                                       "popq " SSE_FLAGS "(%[out])\n"                              \
                                       "cld\n"                                                     \
                                       "fstpl " SSE_X87 "(%[out])\n"                               \
                                       "stmxcsr " SSE_MXCSR "(%[out])\n"                           \
                                       "fnstcw " SSE_FCW "(%[out])\n"                              \
                                       "ldmxcsr %[default_mxcsr]\n"                                \
                                       "fldcw %[default_fcw]\n" XMM_ALL(STORE_XMM)                 \
                     :                                                                             \
                     : [in] "r"(in), [out] "r"(out), [pid] "r"(pid), [tid] "r"(tid),               \
                       [default_mxcsr] "m"(default_mxcsr), [default_fcw] "m"(default_fcw)          \
                     : "rax", "rcx", "rdx", "rsi", "rdi", "r11", ALL_XMM, "st", "memory", "cc")

static const unsigned int default_mxcsr = 0x1f80;
static const unsigned short default_fcw = 0x037f;

__attribute__((noinline)) static void sse_at_syscall(const struct sse_state *in,
                                                     struct sse_state *out) {
    SSE_SEQUENCE(RAISE_AT_SYSCALL);
}
__attribute__((noinline)) static void sse_spinning(const struct sse_state *in,
                                                   struct sse_state *out) {
    SSE_SEQUENCE(SPIN_UNTIL_HANDLED);
}

#define LOAD_YMM(n) "vmovdqu " #n "*32(%[in]), %%ymm" #n "\n"
#define STORE_YMM(n) "vmovdqu %%ymm" #n ", " #n "*32(%[out])\n"
#define AVX_SEQUENCE(MIDDLE)                                                                       \
    __asm__ volatile(XMM_ALL(LOAD_YMM) MIDDLE XMM_ALL(STORE_YMM) "vzeroupper\n"                    \
                     :                                                                             \
                     : [in] "r"(in), [out] "r"(out), [pid] "r"(pid), [tid] "r"(tid)                \
                     : "rax", "rcx", "rdx", "rsi", "rdi", "r11", ALL_XMM, "memory", "cc")

__attribute__((noinline)) static void avx_at_syscall(const uint8_t (*in)[32], uint8_t (*out)[32]) {
    AVX_SEQUENCE(RAISE_AT_SYSCALL);
}
__attribute__((noinline)) static void avx_spinning(const uint8_t (*in)[32], uint8_t (*out)[32]) {
    AVX_SEQUENCE(SPIN_UNTIL_HANDLED);
}

#define ZMM_ALL(M)                                                                                 \
    XMM_ALL(M)                                                                                     \
    M(16) M(17) M(18) M(19) M(20) M(21) M(22) M(23) M(24) M(25) M(26) M(27) M(28) M(29) M(30) M(31)
#define K_ALL(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7)
#define LOAD_ZMM(n) "vmovdqu64 " #n "*64(%[in]), %%zmm" #n "\n"
#define STORE_ZMM(n) "vmovdqu64 %%zmm" #n ", " #n "*64(%[out])\n"
#define LOAD_K(n) "kmovq 2048+" #n "*8(%[in]), %%k" #n "\n"
#define STORE_K(n) "kmovq %%k" #n ", 2048+" #n "*8(%[out])\n"
#define AVX512_SEQUENCE(MIDDLE)                                                                    \
    __asm__ volatile(ZMM_ALL(LOAD_ZMM) K_ALL(LOAD_K) MIDDLE ZMM_ALL(STORE_ZMM)                     \
                         K_ALL(STORE_K) "vzeroupper\n"                                             \
                     :                                                                             \
                     : [in] "r"(in), [out] "r"(out), [pid] "r"(pid), [tid] "r"(tid)                \
                     : "rax", "rcx", "rdx", "rsi", "rdi", "r11", ALL_XMM, "memory", "cc")

/* zmm0-31 (32 x 64 bytes) then k0-7 (8 x 8 bytes). */
#define AVX512_SIZE (32 * 64 + 8 * 8)
__attribute__((noinline)) static void avx512_at_syscall(const uint8_t *in, uint8_t *out) {
    AVX512_SEQUENCE(RAISE_AT_SYSCALL);
}
__attribute__((noinline)) static void avx512_spinning(const uint8_t *in, uint8_t *out) {
    AVX512_SEQUENCE(SPIN_UNTIL_HANDLED);
}

/* ---- The checks ------------------------------------------------------------------------- */

static void expect_hex(const char *label, unsigned long got, unsigned long want) {
    tl_checks++;
    if (got == want)
        printf("%s: %#lx\n", label, want);
    else
        tl_fail(label, "got %#lx, want %#lx", got, want);
}

static void *spin_sender(void *arg) {
    while (!fpu_ready)
        sched_yield();
    RAW(SYS_tgkill, pid, tid, SIGUSR1);
    return NULL;
}

static void fill(uint8_t *bytes, size_t len, unsigned seed) {
    for (size_t i = 0; i < len; i++)
        bytes[i] = (uint8_t)(seed + i * 7 + (i >> 5));
}

/* Runs one sequence, with the sender thread when spinning. */
#define RUN(spinning, call)                                                                        \
    do {                                                                                           \
        pthread_t sender;                                                                          \
        fpu_handled = 0;                                                                           \
        fpu_ready = 0;                                                                             \
        if ((spinning) && pthread_create(&sender, NULL, spin_sender, NULL) != 0)                   \
            tl_die("pthread_create");                                                              \
        call;                                                                                      \
        if (spinning)                                                                              \
            pthread_join(sender, NULL);                                                            \
    } while (0)

static void check(const char *how, bool spinning) {
    char label[160];
    struct sse_state in, out;
    memset(&in, 0, sizeof(in));
    memset(&out, 0, sizeof(out));
    fill(&in.xmm[0][0], sizeof(in.xmm), spinning ? 3 : 1);
    in.x87 = 1.75;
    in.mxcsr = 0x5f80; /* round up */
    in.fcw = 0x087f;   /* round up */
    RUN(spinning, spinning ? sse_spinning(&in, &out) : sse_at_syscall(&in, &out));
    snprintf(label, sizeof(label), "%s: the handler ran once", how);
    EXPECT_VAL(label, fpu_handled, 1);
    snprintf(label, sizeof(label), "%s: xmm0-15 preserved", how);
    EXPECT_MEM(label, out.xmm, in.xmm, sizeof(in.xmm));
    snprintf(label, sizeof(label), "%s: x87 st(0) preserved", how);
    EXPECT_TRUE(label, out.x87 == 1.75);
    snprintf(label, sizeof(label), "%s: x87 control word preserved", how);
    expect_hex(label, out.fcw, 0x087f);
    snprintf(label, sizeof(label), "%s: MXCSR preserved", how);
    expect_hex(label, out.mxcsr & 0xffc0, 0x5f80); /* without the sticky exception flags */
    snprintf(label, sizeof(label), "%s: direction flag preserved", how);
    EXPECT_VAL(label, (out.flags >> 10) & 1, 1);
    snprintf(label, sizeof(label), "%s: MXCSR at handler entry", how);
    expect_hex(label, entry_mxcsr & 0xffc0, 0x1f80);
    snprintf(label, sizeof(label), "%s: x87 control word at handler entry", how);
    expect_hex(label, entry_fcw, 0x37f);
    snprintf(label, sizeof(label), "%s: direction flag at handler entry", how);
    EXPECT_VAL(label, (entry_flags >> 10) & 1, 0);

    static uint8_t ymm_in[16][32], ymm_out[16][32];
    bool same = true;
    if (has_avx) {
        fill(&ymm_in[0][0], sizeof(ymm_in), spinning ? 5 : 9);
        memset(ymm_out, 0, sizeof(ymm_out));
        RUN(spinning, spinning ? avx_spinning(ymm_in, ymm_out) : avx_at_syscall(ymm_in, ymm_out));
        same = fpu_handled == 1 && !memcmp(ymm_in, ymm_out, sizeof(ymm_in));
    }
    snprintf(label, sizeof(label), "%s: ymm0-15 preserved (if the CPU has AVX)", how);
    EXPECT_TRUE(label, same);

    static uint8_t zmm_in[AVX512_SIZE], zmm_out[AVX512_SIZE];
    same = true;
    if (has_avx512) {
        fill(zmm_in, sizeof(zmm_in), spinning ? 11 : 13);
        memset(zmm_out, 0, sizeof(zmm_out));
        RUN(spinning,
            spinning ? avx512_spinning(zmm_in, zmm_out) : avx512_at_syscall(zmm_in, zmm_out));
        same = fpu_handled == 1 && !memcmp(zmm_in, zmm_out, sizeof(zmm_in));
    }
    snprintf(label, sizeof(label), "%s: zmm0-31 and k0-7 preserved (if the CPU has AVX-512)", how);
    EXPECT_TRUE(label, same);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "sig_fpu");
    tl_start_watchdog(10);
    detect_features();
    pid = RAW(SYS_getpid);
    tid = RAW(SYS_gettid);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fpu_handler_entry;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) != 0)
        tl_die("sigaction");
    check("signal at a syscall", false);
    check("signal while spinning", true);
    return tl_finish();
}
