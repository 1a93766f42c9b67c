/* Signals: handlers with siginfo, masks and pending sets, synchronous faults with the
 * right si_addr and si_code, handlers that edit the interrupted context, the alternate
 * stack, vector state across a handler, and EINTR versus SA_RESTART. */
#include "testlib.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#define KERNEL_SIGSET_SIZE 8

static volatile sig_atomic_t handled_count;
static volatile int handled_signo, handled_code;
static volatile long handled_pid;
static volatile void *handled_addr;
static volatile bool handled_on_altstack;
static sigjmp_buf recover;
static char *altstack;
static size_t altstack_size;

static void counting_handler(int signo, siginfo_t *info, void *context) {
    handled_count++;
    handled_signo = signo;
    handled_code = info->si_code;
    handled_pid = info->si_pid;
    char local;
    handled_on_altstack = altstack && &local >= altstack && &local < altstack + altstack_size;
}

static void fault_handler(int signo, siginfo_t *info, void *context) {
    handled_signo = signo;
    handled_code = info->si_code;
    handled_addr = info->si_addr;
    siglongjmp(recover, 1);
}

/* Instructions with labels, so handlers can check the faulting RIP and step past it. */
extern char ud2_start[], ud2_end[], div_start[], div_end[], int3_end[];
static void run_ud2(void) {
    __asm__ volatile(".globl ud2_start, ud2_end\n"
                     "ud2_start: ud2\n"
                     "ud2_end:\n");
}
static void run_divide_by_zero(void) {
    __asm__ volatile(".globl div_start, div_end\n"
                     "xor %%edx, %%edx\n"
                     "mov $1, %%eax\n"
                     "xor %%ecx, %%ecx\n"
                     "div_start: div %%rcx\n"
                     "div_end:\n" ::
                         : "rax", "rcx", "rdx");
}
static void run_int3(void) {
    __asm__ volatile(".globl int3_end\n"
                     "int3\n"
                     "int3_end:\n");
}

static volatile unsigned long context_rip;
static void skipping_handler(int signo, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    handled_signo = signo;
    handled_code = info->si_code;
    handled_addr = info->si_addr;
    context_rip = uc->uc_mcontext.gregs[REG_RIP];
    if (signo == SIGILL)
        uc->uc_mcontext.gregs[REG_RIP] = (greg_t)ud2_end;
    else if (signo == SIGFPE)
        uc->uc_mcontext.gregs[REG_RIP] = (greg_t)div_end;
}

static void install(int signo, void (*handler)(int, siginfo_t *, void *), int flags) {
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_sigaction = handler;
    action.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&action.sa_mask);
    if (sigaction(signo, &action, NULL) != 0)
        tl_die("sigaction");
}

static void check_handlers_and_masks(void) {
    long pid = RAW(SYS_getpid), tid = RAW(SYS_gettid);
    install(SIGUSR1, counting_handler, 0);
    EXPECT_OK("tgkill SIGUSR1 to self", RAW(SYS_tgkill, pid, tid, SIGUSR1));
    EXPECT_VAL("handler ran once", handled_count, 1);
    EXPECT_VAL("handler saw SIGUSR1", handled_signo, SIGUSR1);
    EXPECT_VAL("si_code is SI_TKILL", handled_code, SI_TKILL);
    EXPECT_TRUE("si_pid is our pid", handled_pid == pid);
    EXPECT_OK("kill SIGUSR1 to self", RAW(SYS_kill, pid, SIGUSR1));
    EXPECT_VAL("kill delivered", handled_count, 2);
    EXPECT_VAL("kill si_code is SI_USER", handled_code, SI_USER);

    uint64_t block = 1ull << (SIGUSR1 - 1), old = 0, pending = 0;
    EXPECT_OK("rt_sigprocmask block SIGUSR1",
              RAW(SYS_rt_sigprocmask, SIG_BLOCK, &block, &old, KERNEL_SIGSET_SIZE));
    RAW(SYS_tgkill, pid, tid, SIGUSR1);
    RAW(SYS_tgkill, pid, tid, SIGUSR1);
    EXPECT_VAL("blocked signal not delivered", handled_count, 2);
    EXPECT_OK("rt_sigpending", RAW(SYS_rt_sigpending, &pending, KERNEL_SIGSET_SIZE));
    EXPECT_TRUE("SIGUSR1 is pending", (pending & block) != 0);
    EXPECT_OK("rt_sigprocmask unblock",
              RAW(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, KERNEL_SIGSET_SIZE));
    EXPECT_VAL("a standard signal sent twice while blocked arrives once", handled_count, 3);
    RAW(SYS_rt_sigpending, &pending, KERNEL_SIGSET_SIZE);
    EXPECT_TRUE("nothing pending after delivery", (pending & block) == 0);

    /* Real-time signals queue. */
    install(SIGRTMIN + 1, counting_handler, 0);
    uint64_t rt_block = 1ull << (SIGRTMIN + 1 - 1);
    handled_count = 0;
    RAW(SYS_rt_sigprocmask, SIG_BLOCK, &rt_block, NULL, KERNEL_SIGSET_SIZE);
    for (int i = 0; i < 3; i++)
        RAW(SYS_tgkill, pid, tid, SIGRTMIN + 1);
    RAW(SYS_rt_sigprocmask, SIG_UNBLOCK, &rt_block, NULL, KERNEL_SIGSET_SIZE);
    EXPECT_VAL("a real-time signal sent three times arrives three times", handled_count, 3);

    signal(SIGUSR2, SIG_IGN);
    EXPECT_OK("kill an ignored signal", RAW(SYS_kill, pid, SIGUSR2));
    struct sigaction query;
    EXPECT_OK("sigaction query", LIBC(sigaction(SIGUSR2, NULL, &query)));
    EXPECT_TRUE("query returns SIG_IGN", query.sa_handler == SIG_IGN);
    signal(SIGUSR2, SIG_DFL);

    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = SIG_IGN;
    EXPECT_ERR("sigaction SIGKILL", LIBC(sigaction(SIGKILL, &action, NULL)), EINVAL);
    EXPECT_ERR("rt_sigaction bad sigset size", RAW(SYS_rt_sigaction, SIGUSR1, NULL, &action, 4),
               EINVAL);
    EXPECT_ERR("rt_sigaction signal 0", RAW(SYS_rt_sigaction, 0, NULL, &action, 8), EINVAL);
    EXPECT_ERR("rt_sigaction signal 65", RAW(SYS_rt_sigaction, 65, NULL, &action, 8), EINVAL);
    EXPECT_ERR("kill bad signal", RAW(SYS_kill, pid, 65), EINVAL);
    EXPECT_OK("kill signal 0 probes the process", RAW(SYS_kill, pid, 0));
    EXPECT_ERR("rt_sigprocmask bad how",
               RAW(SYS_rt_sigprocmask, 99, &block, NULL, KERNEL_SIGSET_SIZE), EINVAL);
    uint64_t kill_stop = (1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1));
    RAW(SYS_rt_sigprocmask, SIG_BLOCK, &kill_stop, NULL, KERNEL_SIGSET_SIZE);
    RAW(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &old, KERNEL_SIGSET_SIZE);
    EXPECT_TRUE("SIGKILL and SIGSTOP cannot be blocked", (old & kill_stop) == 0);
}

static void check_faults(void) {
    long page = sysconf(_SC_PAGESIZE);
    char *p = (char *)RAW(SYS_mmap, NULL, 2 * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    RAW(SYS_munmap, p + page, page);
    install(SIGSEGV, fault_handler, 0);
    handled_signo = 0;
    if (sigsetjmp(recover, 1) == 0)
        *(volatile char *)(p + 8) = 1;
    EXPECT_VAL("write to a read-only page raises SIGSEGV", handled_signo, SIGSEGV);
    EXPECT_VAL("si_code SEGV_ACCERR", handled_code, SEGV_ACCERR);
    EXPECT_TRUE("si_addr is the faulting address", handled_addr == p + 8);
    handled_signo = 0;
    if (sigsetjmp(recover, 1) == 0)
        (void)*(volatile char *)(p + page + 16);
    EXPECT_VAL("read of an unmapped page raises SIGSEGV", handled_signo, SIGSEGV);
    EXPECT_VAL("si_code SEGV_MAPERR", handled_code, SEGV_MAPERR);
    EXPECT_TRUE("si_addr is the unmapped address", handled_addr == p + page + 16);
    RAW(SYS_munmap, p, page);

    install(SIGILL, skipping_handler, 0);
    handled_signo = 0;
    run_ud2();
    EXPECT_VAL("ud2 raises SIGILL and the handler skips it", handled_signo, SIGILL);
    EXPECT_VAL("SIGILL si_code ILL_ILLOPN", handled_code, ILL_ILLOPN);
    EXPECT_TRUE("SIGILL si_addr and RIP are the ud2",
                handled_addr == ud2_start && context_rip == (unsigned long)ud2_start);
    install(SIGFPE, skipping_handler, 0);
    handled_signo = 0;
    run_divide_by_zero();
    EXPECT_VAL("divide by zero raises SIGFPE", handled_signo, SIGFPE);
    EXPECT_VAL("SIGFPE si_code FPE_INTDIV", handled_code, FPE_INTDIV);
    EXPECT_TRUE("SIGFPE RIP is the div", context_rip == (unsigned long)div_start);
    install(SIGTRAP, skipping_handler, 0);
    handled_signo = 0;
    run_int3();
    EXPECT_VAL("int3 raises SIGTRAP", handled_signo, SIGTRAP);
    EXPECT_TRUE("SIGTRAP RIP is after the int3", context_rip == (unsigned long)int3_end);
}

static void check_altstack(void) {
    altstack_size = 64 * 1024;
    altstack = malloc(altstack_size);
    stack_t stack = {.ss_sp = altstack, .ss_size = altstack_size, .ss_flags = 0}, old;
    EXPECT_OK("sigaltstack", RAW(SYS_sigaltstack, &stack, NULL));
    EXPECT_OK("sigaltstack query", RAW(SYS_sigaltstack, NULL, &old));
    EXPECT_TRUE("query returns the stack",
                old.ss_sp == altstack && old.ss_size == altstack_size && old.ss_flags == 0);
    install(SIGUSR1, counting_handler, SA_ONSTACK);
    handled_on_altstack = false;
    RAW(SYS_tgkill, RAW(SYS_getpid), RAW(SYS_gettid), SIGUSR1);
    EXPECT_TRUE("SA_ONSTACK handler runs on the alternate stack", handled_on_altstack);
    install(SIGUSR1, counting_handler, 0);
    RAW(SYS_tgkill, RAW(SYS_getpid), RAW(SYS_gettid), SIGUSR1);
    EXPECT_TRUE("handler without SA_ONSTACK runs on the normal stack", !handled_on_altstack);
    stack_t small = {.ss_sp = altstack, .ss_size = 512, .ss_flags = 0};
    EXPECT_ERR("sigaltstack too small", RAW(SYS_sigaltstack, &small, NULL), ENOMEM);
    stack_t bad_flags = {.ss_sp = altstack, .ss_size = altstack_size, .ss_flags = 0x1234};
    EXPECT_ERR("sigaltstack bad flags", RAW(SYS_sigaltstack, &bad_flags, NULL), EINVAL);
    stack_t disable = {.ss_flags = SS_DISABLE};
    EXPECT_OK("sigaltstack disable", RAW(SYS_sigaltstack, &disable, NULL));
    altstack = NULL;
}

/* xmm8 holds a pattern across a signal whose handler overwrites xmm8: the frame's fpstate
 * must bring it back. */
static void clobbering_handler(int signo) {
    __asm__ volatile("pcmpeqb %%xmm8, %%xmm8" ::: "xmm8");
    handled_count++;
}

static void check_vector_state(void) {
    static const uint8_t pattern[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    uint8_t after[16];
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = clobbering_handler;
    sigaction(SIGUSR2, &action, NULL);
    long pid = RAW(SYS_getpid), tid = RAW(SYS_gettid);
    handled_count = 0;
    __asm__ volatile("movdqu (%[pattern]), %%xmm8\n"
                     "mov %[pid], %%rdi\n"
                     "mov %[tid], %%rsi\n"
                     "mov $12, %%edx\n"  /* SIGUSR2 */
                     "mov $234, %%eax\n" /* tgkill */
                     "syscall\n"
                     "movdqu %%xmm8, (%[after])\n"
                     :
                     : [pattern] "r"(pattern), [after] "r"(after), [pid] "r"(pid), [tid] "r"(tid)
                     : "rax", "rcx", "rdx", "rsi", "rdi", "r11", "xmm8", "memory");
    EXPECT_VAL("the clobbering handler ran", handled_count, 1);
    EXPECT_MEM("xmm8 restored after the handler", after, pattern, 16);
}

static int interrupt_pipe[2];
static long main_tid;

static void *interrupter(void *arg) {
    struct timespec delay = {0, 100 * 1000000};
    nanosleep(&delay, NULL);
    RAW(SYS_tgkill, RAW(SYS_getpid), main_tid, SIGUSR1);
    nanosleep(&delay, NULL);
    RAW(SYS_write, interrupt_pipe[1], "z", 1);
    return NULL;
}

static long blocked_read_with_signal(int flags) {
    pthread_t thread;
    char byte;
    install(SIGUSR1, counting_handler, flags);
    main_tid = RAW(SYS_gettid);
    if (pipe(interrupt_pipe) != 0 || pthread_create(&thread, NULL, interrupter, NULL) != 0)
        tl_die("interrupter");
    long result = RAW(SYS_read, interrupt_pipe[0], &byte, 1);
    pthread_join(thread, NULL);
    RAW(SYS_close, interrupt_pipe[0]);
    RAW(SYS_close, interrupt_pipe[1]);
    return result;
}

static void check_interrupted_syscalls(void) {
    handled_count = 0;
    EXPECT_ERR("blocked read interrupted by a handler", blocked_read_with_signal(0), EINTR);
    EXPECT_VAL("the handler ran", handled_count, 1);
    EXPECT_VAL("SA_RESTART read resumes and gets the data", blocked_read_with_signal(SA_RESTART),
               1);
    EXPECT_VAL("the SA_RESTART handler ran", handled_count, 2);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "signals");
    check_handlers_and_masks();
    check_faults();
    check_altstack();
    check_vector_state();
    check_interrupted_syscalls();
    return tl_finish();
}
