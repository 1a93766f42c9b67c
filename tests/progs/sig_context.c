/* The signal frame and the context a handler may edit. The frame at handler entry: a
 * 16-byte aligned stack with the return address (sa_restorer) on top and the ucontext just
 * above it, rdi/rsi/rdx holding the signal, siginfo and ucontext. The ucontext: the
 * interrupted RIP, RSP, general registers, flags and CS; fpregs pointing at an XSAVE area
 * with the FP_XSTATE magic numbers and the interrupted xmm registers. Edits: RIP set to
 * another label (the skipped instruction never runs), a call injected by pushing the old
 * RIP and setting RIP to a function that returns to it (what Go does for asynchronous
 * preemption), general registers, the carry flag and an xmm register changed in the
 * context all take effect after rt_sigreturn. Each edit is tried for a signal raised by
 * the thread itself at a syscall and for one sent by another thread while this one spins
 * in a loop without syscalls. */
#include "testlib.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <ucontext.h>

#define XSTATE_MAGIC1 0x46505853u
#define XSTATE_MAGIC2 0x46505845u
#ifndef UC_FP_XSTATE
#define UC_FP_XSTATE 0x1
#endif
#define FPREGS_XMM_OFFSET 160
#define FPREGS_SW_RESERVED_OFFSET 464

static long pid;

static void install(int signo, void (*action)(int, siginfo_t *, void *)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = action;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(signo, &sa, NULL) != 0)
        tl_die("sigaction");
}

static bool cpu_has_osxsave(void) {
    unsigned int eax = 1, ebx, ecx = 0, edx;
    __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    return (ecx >> 27) & 1;
}

/* ---- The frame at handler entry --------------------------------------------------------- */

/* The handler's first instructions record the registers before any compiled code runs. */
unsigned long entry_rsp, entry_rdi, entry_rsi, entry_rdx;
void probe_handler(int signo, siginfo_t *info, void *context);
void entry_probe(int signo, siginfo_t *info, void *context);
__asm__(".text\n"
        ".globl entry_probe\n"
        ".type entry_probe, @function\n"
        "entry_probe:\n"
        "    mov %rsp, entry_rsp(%rip)\n"
        "    mov %rdi, entry_rdi(%rip)\n"
        "    mov %rsi, entry_rsi(%rip)\n"
        "    mov %rdx, entry_rdx(%rip)\n"
        "    jmp probe_handler\n"
        ".size entry_probe, . - entry_probe\n");

static volatile int probe_count;
static unsigned long probe_return_address;
static ucontext_t probe_context;
static unsigned char probe_fpregs[16][16];
static uint32_t probe_magic1, probe_magic2, probe_xstate_size;
static uint64_t probe_xfeatures;
static bool probe_fpregs_present;
static bool probe_fpregs_in_frame;

void probe_handler(int signo, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    probe_count++;
    probe_return_address = *(unsigned long *)entry_rsp;
    probe_context = *uc;
    const unsigned char *fp = (const unsigned char *)uc->uc_mcontext.fpregs;
    probe_fpregs_present = fp != NULL;
    if (!fp)
        return;
    /* The XSAVE area lies in the frame, above the ucontext. */
    probe_fpregs_in_frame = (unsigned long)fp > entry_rsp && (unsigned long)fp < entry_rsp + 65536;
    memcpy(probe_fpregs, fp + FPREGS_XMM_OFFSET, sizeof(probe_fpregs));
    memcpy(&probe_magic1, fp + FPREGS_SW_RESERVED_OFFSET, 4);
    memcpy(&probe_xfeatures, fp + FPREGS_SW_RESERVED_OFFSET + 8, 8);
    memcpy(&probe_xstate_size, fp + FPREGS_SW_RESERVED_OFFSET + 16, 4);
    if (probe_magic1 == XSTATE_MAGIC1 && probe_xstate_size >= 576 && probe_xstate_size < 65536)
        memcpy(&probe_magic2, fp + probe_xstate_size, 4);
}

extern char probe_after_syscall[];
static unsigned long rsp_at_syscall;
static const uint8_t xmm8_pattern[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                         0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xf0, 0x01};

__attribute__((noinline)) static void raise_with_known_registers(long tid) {
    __asm__ volatile("movdqu (%[xmm8]), %%xmm8\n"
                     "mov %[pid], %%rdi\n"
                     "mov %[tid], %%rsi\n"
                     "mov $10, %%edx\n" /* SIGUSR1 */
                     "mov $0x1212121212121212, %%r12\n"
                     "mov $0x1313131313131313, %%r13\n"
                     "mov $0x1414141414141414, %%r14\n"
                     "mov $0x1515151515151515, %%r15\n"
                     "mov %%rsp, %[rsp_out]\n"
                     "mov $234, %%eax\n" /* tgkill */
                     "syscall\n"
                     ".globl probe_after_syscall\n"
                     "probe_after_syscall:\n"
                     : [rsp_out] "=m"(rsp_at_syscall)
                     : [xmm8] "r"(xmm8_pattern), [pid] "r"(pid), [tid] "r"(tid)
                     : "rax", "rcx", "rdx", "rsi", "rdi", "r11", "r12", "r13", "r14", "r15", "xmm8",
                       "memory");
}

static void check_frame(void) {
    install(SIGUSR1, entry_probe);
    struct {
        void *handler;
        unsigned long flags;
        void *restorer;
        uint64_t mask;
    } kernel_action;
    RAW(SYS_rt_sigaction, SIGUSR1, NULL, &kernel_action, 8);
    raise_with_known_registers(RAW(SYS_gettid));
    EXPECT_VAL("the handler ran", probe_count, 1);
    EXPECT_VAL("RSP + 8 is 16-byte aligned at handler entry", (entry_rsp + 8) % 16, 0);
    EXPECT_TRUE("the return address on top is sa_restorer",
                probe_return_address == (unsigned long)kernel_action.restorer);
    EXPECT_VAL("rdi is the signal number", entry_rdi, SIGUSR1);
    EXPECT_TRUE("rdx is the ucontext, just above the return address", entry_rdx == entry_rsp + 8);
    EXPECT_TRUE("rsi is the siginfo, above the ucontext", entry_rsi > entry_rdx);
    EXPECT_VAL("the siginfo's si_signo", ((siginfo_t *)entry_rsi)->si_signo, SIGUSR1);

    greg_t *gregs = probe_context.uc_mcontext.gregs;
    EXPECT_TRUE("REG_RIP is the instruction after the syscall",
                gregs[REG_RIP] == (greg_t)probe_after_syscall);
    EXPECT_TRUE("REG_RSP is the interrupted stack pointer",
                gregs[REG_RSP] == (greg_t)rsp_at_syscall);
    EXPECT_VAL("REG_RAX is the syscall's result", gregs[REG_RAX], 0);
    EXPECT_TRUE("REG_RDI, REG_RSI, REG_RDX keep the syscall's arguments",
                gregs[REG_RDI] == pid && gregs[REG_RSI] == RAW(SYS_gettid) &&
                    gregs[REG_RDX] == SIGUSR1);
    EXPECT_TRUE("REG_R12 to REG_R15 hold the interrupted values",
                gregs[REG_R12] == 0x1212121212121212 && gregs[REG_R13] == 0x1313131313131313 &&
                    gregs[REG_R14] == 0x1414141414141414 && gregs[REG_R15] == 0x1515151515151515);
    EXPECT_VAL("CS in REG_CSGSFS is the 64-bit user code segment", gregs[REG_CSGSFS] & 0xffff,
               0x33);
    EXPECT_TRUE("uc_mcontext.fpregs is set, inside the frame",
                probe_fpregs_present && probe_fpregs_in_frame);
    EXPECT_MEM("fpregs holds the interrupted xmm8", probe_fpregs[8], xmm8_pattern, 16);
    /* Linux writes an XSAVE area when the CPU has it; print the same either way. */
    bool xsave = cpu_has_osxsave();
    EXPECT_TRUE("uc_flags has UC_FP_XSTATE", !xsave || (probe_context.uc_flags & UC_FP_XSTATE));
    EXPECT_TRUE("FP_XSTATE_MAGIC1 in the fxsave area's software bytes",
                !xsave || probe_magic1 == XSTATE_MAGIC1);
    EXPECT_TRUE("xfeatures include x87 and SSE", !xsave || (probe_xfeatures & 3) == 3);
    EXPECT_TRUE("FP_XSTATE_MAGIC2 after the XSAVE area", !xsave || probe_magic2 == XSTATE_MAGIC2);
}

/* ---- Edits at a syscall ----------------------------------------------------------------- */

extern char skip_from[], skip_to[], injected_call[];
volatile int injected_count;
static volatile int skipped_marker;
static uint8_t xmm9_edit[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf};

/* Called by no one: the handler makes the interrupted code "call" it. It keeps every
 * register and the flags, as an injected function must. */
__asm__(".text\n"
        ".globl injected_call\n"
        "injected_call:\n"
        "    pushfq\n"
        "    lock incl injected_count(%rip)\n"
        "    popfq\n"
        "    ret\n");

static int edit_mode;
enum { EDIT_SKIP = 1, EDIT_INJECT, EDIT_REGISTERS };

static void editing_handler(int signo, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    greg_t *gregs = uc->uc_mcontext.gregs;
    if (edit_mode == EDIT_SKIP) {
        if (gregs[REG_RIP] == (greg_t)skip_from)
            gregs[REG_RIP] = (greg_t)skip_to;
    } else if (edit_mode == EDIT_INJECT) {
        gregs[REG_RSP] -= 8;
        *(greg_t *)gregs[REG_RSP] = gregs[REG_RIP];
        gregs[REG_RIP] = (greg_t)injected_call;
    } else if (edit_mode == EDIT_REGISTERS) {
        gregs[REG_RAX] = 77;
        gregs[REG_RBX] = 0x0b0b0b0b;
        gregs[REG_R12] = 0x12341234;
        gregs[REG_EFL] |= 1; /* the carry flag */
        unsigned char *fp = (unsigned char *)uc->uc_mcontext.fpregs;
        if (fp)
            memcpy(fp + FPREGS_XMM_OFFSET + 9 * 16, xmm9_edit, 16);
    }
}

__attribute__((noinline)) static void skip_at_syscall(long tid) {
    /* The handler moves RIP from skip_from to skip_to: the marker store never runs. */
    __asm__ volatile("mov %[pid], %%rdi\n"
                     "mov %[tid], %%rsi\n"
                     "mov $10, %%edx\n"
                     "mov $234, %%eax\n"
                     "syscall\n"
                     ".globl skip_from, skip_to\n"
                     "skip_from:\n"
                     "movl $1, %[marker]\n"
                     "skip_to:\n"
                     : [marker] "=m"(skipped_marker)
                     : [pid] "r"(pid), [tid] "r"(tid)
                     : "rax", "rcx", "rdx", "rsi", "rdi", "r11", "memory");
}

__attribute__((noinline)) static void inject_at_syscall(long tid) {
    /* Below the red zone, so that the pushed return address clobbers nothing. */
    __asm__ volatile("lea -128(%%rsp), %%rsp\n"
                     "mov %[pid], %%rdi\n"
                     "mov %[tid], %%rsi\n"
                     "mov $10, %%edx\n"
                     "mov $234, %%eax\n"
                     "syscall\n"
                     "lea 128(%%rsp), %%rsp\n"
                     :
                     : [pid] "r"(pid), [tid] "r"(tid)
                     : "rax", "rcx", "rdx", "rsi", "rdi", "r11", "memory", "cc");
}

struct register_results {
    unsigned long rax, rbx, r12;
    unsigned char carry;
    uint8_t xmm9[16];
};
struct register_results register_results;

__attribute__((noinline)) static void edit_registers_at_syscall(long tid) {
    __asm__ volatile("xor %%ebx, %%ebx\n"
                     "xor %%r12d, %%r12d\n"
                     "pxor %%xmm9, %%xmm9\n"
                     "mov %[pid], %%rdi\n"
                     "mov %[tid], %%rsi\n"
                     "mov $10, %%edx\n"
                     "mov $234, %%eax\n"
                     "clc\n"
                     "syscall\n"
                     "setc %%cl\n"
                     "mov %%rax, register_results+0(%%rip)\n"
                     "mov %%rbx, register_results+8(%%rip)\n"
                     "mov %%r12, register_results+16(%%rip)\n"
                     "mov %%cl, register_results+24(%%rip)\n"
                     "movdqu %%xmm9, register_results+25(%%rip)\n"
                     :
                     : [pid] "r"(pid), [tid] "r"(tid)
                     : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r11", "r12", "xmm9", "memory",
                       "cc");
}

static void check_edits_at_syscall(void) {
    long tid = RAW(SYS_gettid);
    install(SIGUSR1, editing_handler);
    edit_mode = EDIT_SKIP;
    skipped_marker = 0;
    skip_at_syscall(tid);
    EXPECT_VAL("a new RIP: execution resumes there, the skipped store never runs", skipped_marker,
               0);

    edit_mode = EDIT_INJECT;
    injected_count = 0;
    inject_at_syscall(tid);
    EXPECT_VAL("an injected call runs and returns to the interrupted code", injected_count, 1);

    edit_mode = EDIT_REGISTERS;
    memset(&register_results, 0, sizeof(register_results));
    edit_registers_at_syscall(tid);
    struct register_results results = register_results;
    EXPECT_VAL("an edited REG_RAX replaces the syscall's result", results.rax, 77);
    EXPECT_VAL("an edited REG_RBX", results.rbx, 0x0b0b0b0b);
    EXPECT_VAL("an edited REG_R12", results.r12, 0x12341234);
    EXPECT_VAL("a carry flag set in REG_EFL", results.carry, 1);
    EXPECT_MEM("an xmm9 edited in fpregs", results.xmm9, xmm9_edit, 16);
}

/* ---- Edits of a thread spinning without syscalls ---------------------------------------- */

extern char spin_loop[], spin_loop_end[], spin_escape[];
static volatile int spinning;
static volatile unsigned long interrupted_rip;
static volatile int spin_edit_mode;
enum { SPIN_ESCAPE = 1, SPIN_INJECT };

static void spin_handler(int signo, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    greg_t *gregs = uc->uc_mcontext.gregs;
    interrupted_rip = gregs[REG_RIP];
    if (spin_edit_mode == SPIN_ESCAPE) {
        if (gregs[REG_RIP] >= (greg_t)spin_loop && gregs[REG_RIP] < (greg_t)spin_loop_end)
            gregs[REG_RIP] = (greg_t)spin_escape;
    } else {
        gregs[REG_RSP] -= 8;
        *(greg_t *)gregs[REG_RSP] = gregs[REG_RIP];
        gregs[REG_RIP] = (greg_t)injected_call;
    }
}

static long spinner_tid;

static void *spin_sender(void *arg) {
    while (!spinning)
        sched_yield();
    RAW(SYS_tgkill, pid, spinner_tid, SIGUSR2);
    return NULL;
}

__attribute__((noinline)) static void spin_until_escaped(void) {
    /* An endless loop: only a handler that moves RIP out of it ends it. */
    __asm__ volatile("movl $1, %[spinning]\n"
                     ".globl spin_loop, spin_loop_end, spin_escape\n"
                     "spin_loop:\n"
                     "pause\n"
                     "jmp spin_loop\n"
                     "spin_loop_end:\n"
                     "spin_escape:\n"
                     : [spinning] "=m"(spinning)
                     :
                     : "memory");
}

__attribute__((noinline)) static void spin_until_injected(void) {
    /* Loops until injected_count changes: only the injected call changes it. */
    __asm__ volatile("lea -128(%%rsp), %%rsp\n"
                     "movl $1, %[spinning]\n"
                     "1:\n"
                     "pause\n"
                     "cmpl $0, injected_count(%%rip)\n"
                     "je 1b\n"
                     "lea 128(%%rsp), %%rsp\n"
                     : [spinning] "=m"(spinning)
                     :
                     : "memory", "cc");
}

static void check_edits_while_spinning(void) {
    install(SIGUSR2, spin_handler);
    pthread_t thread;
    spinner_tid = RAW(SYS_gettid);

    spin_edit_mode = SPIN_ESCAPE;
    spinning = 0;
    if (pthread_create(&thread, NULL, spin_sender, NULL) != 0)
        tl_die("pthread_create");
    spin_until_escaped();
    pthread_join(thread, NULL);
    EXPECT_TRUE("a signal from another thread interrupts a loop without syscalls, RIP in it",
                interrupted_rip >= (unsigned long)spin_loop &&
                    interrupted_rip < (unsigned long)spin_loop_end);
    EXPECT_TRUE("moving RIP out of the endless loop ends it", true);

    spin_edit_mode = SPIN_INJECT;
    spinning = 0;
    injected_count = 0;
    if (pthread_create(&thread, NULL, spin_sender, NULL) != 0)
        tl_die("pthread_create");
    spin_until_injected();
    pthread_join(thread, NULL);
    EXPECT_VAL("a call injected into the loop runs once and the loop goes on", injected_count, 1);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "sig_context");
    tl_start_watchdog(10);
    pid = RAW(SYS_getpid);
    check_frame();
    check_edits_at_syscall();
    check_edits_while_spinning();
    return tl_finish();
}
