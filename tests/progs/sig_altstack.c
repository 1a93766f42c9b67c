/* The alternate signal stack: nested handlers on it (three deep, each frame below the one
 * it interrupted, a handler without SA_ONSTACK staying on it once there), SS_ONSTACK
 * reported inside, EPERM for changing it while on it, uc_stack and the interrupted RSP in
 * the frames, SS_DISABLE, SS_AUTODISARM (disarmed inside the handler, given back by
 * rt_sigreturn), a new thread starting without one, and a stack overflow caught by a
 * SIGSEGV handler running on it. */
#include "testlib.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

#define ALTSTACK_SIZE (64 * 1024)
#define KERNEL_MINSIGSTKSZ 2048

static char *altstack;

static bool on_altstack(const void *address) {
    return (const char *)address >= altstack && (const char *)address < altstack + ALTSTACK_SIZE;
}

static const char *flags_name(int flags) {
    switch ((unsigned)flags) {
    case 0:
        return "0";
    case SS_ONSTACK:
        return "SS_ONSTACK";
    case SS_DISABLE:
        return "SS_DISABLE";
    case SS_AUTODISARM:
        return "SS_AUTODISARM";
    case SS_ONSTACK | SS_AUTODISARM:
        return "SS_ONSTACK|SS_AUTODISARM";
    default:
        return "other";
    }
}

static stack_t query(void) {
    stack_t now;
    memset(&now, 0xff, sizeof(now));
    if (RAW(SYS_sigaltstack, NULL, &now) != 0)
        tl_die("sigaltstack query");
    return now;
}

static void install(int signo, void (*action)(int, siginfo_t *, void *), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = action;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(signo, &sa, NULL) != 0)
        tl_die("sigaction");
}

/* ---- Nesting ---------------------------------------------------------------------------- */

struct level {
    char *local;       /* a local variable of the handler */
    unsigned long rsp; /* the RSP the handler interrupted */
    void *uc_stack_sp; /* the frame's uc_stack */
    size_t uc_stack_size;
    int query_flags; /* sigaltstack's answer inside the handler */
};

static struct level levels[4];
static volatile int depth, max_depth;
static long change_result, disable_result;

static void nesting_handler(int signo, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    char local;
    int level = ++depth;
    if (level > max_depth)
        max_depth = level;
    if (level < 4) {
        levels[level].local = &local;
        levels[level].rsp = uc->uc_mcontext.gregs[REG_RSP];
        levels[level].uc_stack_sp = uc->uc_stack.ss_sp;
        levels[level].uc_stack_size = uc->uc_stack.ss_size;
        levels[level].query_flags = query().ss_flags;
    }
    if (signo == SIGUSR1) {
        tl_send_self(SIGUSR2);
    } else if (signo == SIGUSR2) {
        stack_t other = {.ss_sp = altstack, .ss_size = ALTSTACK_SIZE / 2, .ss_flags = 0};
        change_result = RAW(SYS_sigaltstack, &other, NULL);
        stack_t disable = {.ss_flags = SS_DISABLE};
        disable_result = RAW(SYS_sigaltstack, &disable, NULL);
        tl_send_self(SIGRTMIN);
    }
    depth--;
}

static void check_nesting(void) {
    stack_t initial = query();
    EXPECT_STR("initial state", flags_name(initial.ss_flags), "SS_DISABLE");
    stack_t stack = {.ss_sp = altstack, .ss_size = ALTSTACK_SIZE, .ss_flags = 0};
    EXPECT_OK("sigaltstack", RAW(SYS_sigaltstack, &stack, NULL));
    stack_t now = query();
    EXPECT_TRUE("query returns it", now.ss_sp == altstack && now.ss_size == ALTSTACK_SIZE);
    EXPECT_STR("query flags outside a handler", flags_name(now.ss_flags), "0");

    install(SIGUSR1, nesting_handler, SA_ONSTACK);
    install(SIGUSR2, nesting_handler, SA_ONSTACK);
    install(SIGRTMIN, nesting_handler, 0); /* no SA_ONSTACK: stays on the current stack */
    memset(levels, 0, sizeof(levels));
    max_depth = 0;
    tl_send_self(SIGUSR1);
    EXPECT_VAL("nesting depth (SIGUSR1 raises SIGUSR2 raises SIGRTMIN)", max_depth, 3);
    bool all_on = true, ordered = true, flags_ok = true, uc_stack_ok = true;
    for (int level = 1; level <= 3; level++) {
        all_on = all_on && on_altstack(levels[level].local);
        flags_ok = flags_ok && levels[level].query_flags == SS_ONSTACK;
        uc_stack_ok = uc_stack_ok && levels[level].uc_stack_sp == altstack &&
                      levels[level].uc_stack_size == ALTSTACK_SIZE;
        if (level > 1)
            ordered = ordered && levels[level].local < levels[level - 1].local &&
                      levels[level].rsp < (unsigned long)levels[level - 1].local;
    }
    EXPECT_TRUE("all three handlers ran on the alternate stack", all_on);
    EXPECT_TRUE("each nested frame is below the handler it interrupted", ordered);
    EXPECT_TRUE("sigaltstack says SS_ONSTACK in each handler", flags_ok);
    EXPECT_TRUE("uc_stack holds the alternate stack in each frame", uc_stack_ok);
    EXPECT_TRUE("the first frame's RSP is the interrupted normal stack",
                !on_altstack((void *)levels[1].rsp));
    EXPECT_TRUE("the nested frames' RSPs are on the alternate stack",
                on_altstack((void *)levels[2].rsp) && on_altstack((void *)levels[3].rsp));
    EXPECT_ERR("changing the alternate stack while on it", change_result, EPERM);
    EXPECT_ERR("disabling the alternate stack while on it", disable_result, EPERM);
    now = query();
    EXPECT_TRUE("afterwards it is still set, flags 0",
                now.ss_sp == altstack && now.ss_size == ALTSTACK_SIZE && now.ss_flags == 0);

    install(SIGUSR2, nesting_handler, 0);
    memset(levels, 0, sizeof(levels));
    max_depth = 0;
    tl_send_self(SIGUSR2);
    EXPECT_TRUE("a handler without SA_ONSTACK runs on the normal stack",
                levels[1].local && !on_altstack(levels[1].local));
    EXPECT_STR("and sigaltstack says flags 0 there", flags_name(levels[1].query_flags), "0");
}

static void check_disable(void) {
    stack_t disable = {.ss_flags = SS_DISABLE};
    EXPECT_OK("SS_DISABLE", RAW(SYS_sigaltstack, &disable, NULL));
    EXPECT_STR("query after SS_DISABLE", flags_name(query().ss_flags), "SS_DISABLE");
    install(SIGUSR2, nesting_handler, SA_ONSTACK);
    memset(levels, 0, sizeof(levels));
    tl_send_self(SIGUSR2);
    EXPECT_TRUE("an SA_ONSTACK handler runs on the normal stack when it is disabled",
                levels[1].local && !on_altstack(levels[1].local));
    EXPECT_STR("sigaltstack in that handler", flags_name(levels[1].query_flags), "SS_DISABLE");

    /* The kernel's MINSIGSTKSZ; glibc's macro may be a larger sysconf value. */
    stack_t minimum = {.ss_sp = altstack, .ss_size = KERNEL_MINSIGSTKSZ, .ss_flags = 0};
    EXPECT_OK("sigaltstack of 2048 bytes", RAW(SYS_sigaltstack, &minimum, NULL));
    minimum.ss_size = KERNEL_MINSIGSTKSZ - 1;
    EXPECT_ERR("sigaltstack of 2047 bytes", RAW(SYS_sigaltstack, &minimum, NULL), ENOMEM);
    EXPECT_ERR("sigaltstack with a bad pointer", RAW(SYS_sigaltstack, BAD_PTR, NULL), EFAULT);
    EXPECT_ERR("sigaltstack query to a bad pointer", RAW(SYS_sigaltstack, NULL, BAD_PTR), EFAULT);
    RAW(SYS_sigaltstack, &disable, NULL);
}

/* ---- SS_AUTODISARM ---------------------------------------------------------------------- */

static void check_autodisarm(void) {
    stack_t stack = {.ss_sp = altstack, .ss_size = ALTSTACK_SIZE, .ss_flags = SS_AUTODISARM};
    EXPECT_OK("sigaltstack SS_AUTODISARM", RAW(SYS_sigaltstack, &stack, NULL));
    EXPECT_STR("query flags", flags_name(query().ss_flags), "SS_AUTODISARM");
    install(SIGUSR1, nesting_handler, SA_ONSTACK);
    install(SIGUSR2, nesting_handler, SA_ONSTACK);
    install(SIGRTMIN, nesting_handler, SA_ONSTACK);
    memset(levels, 0, sizeof(levels));
    max_depth = 0;
    tl_send_self(SIGUSR1);
    EXPECT_VAL("nesting depth", max_depth, 3);
    EXPECT_TRUE("the first handler runs on the alternate stack", on_altstack(levels[1].local));
    EXPECT_STR("inside, the stack is disarmed", flags_name(levels[1].query_flags), "SS_DISABLE");
    EXPECT_TRUE("uc_stack holds the armed stack",
                levels[1].uc_stack_sp == altstack && levels[1].uc_stack_size == ALTSTACK_SIZE);
    EXPECT_TRUE("nested SA_ONSTACK handlers continue below it on the same memory",
                on_altstack(levels[2].local) && on_altstack(levels[3].local) &&
                    levels[3].local < levels[2].local && levels[2].local < levels[1].local);
    EXPECT_OK("changing the stack inside a disarmed handler is allowed", change_result);
    stack_t now = query();
    EXPECT_TRUE("rt_sigreturn gives the stack back",
                now.ss_sp == altstack && now.ss_size == ALTSTACK_SIZE);
    EXPECT_STR("with its flags", flags_name(now.ss_flags), "SS_AUTODISARM");
    stack_t disable = {.ss_flags = SS_DISABLE};
    RAW(SYS_sigaltstack, &disable, NULL);
}

/* ---- Threads and stack overflow --------------------------------------------------------- */

static stack_t thread_initial;
static sigjmp_buf overflow_recover;
static volatile bool overflow_on_altstack;
static volatile int overflow_signo;
static char *thread_altstack;

static void overflow_handler(int signo, siginfo_t *info, void *context) {
    char local;
    overflow_signo = signo;
    overflow_on_altstack = &local >= thread_altstack && &local < thread_altstack + ALTSTACK_SIZE;
    siglongjmp(overflow_recover, 1);
}

/* Far more than fits in the thread's stack; volatile, so the recursion is not finite to the
 * compiler's eyes. */
static volatile int recursion_limit = 1 << 30;

static int recurse(int n) {
    volatile char frame[1024];
    frame[0] = (char)n;
    if (n >= recursion_limit)
        return 0;
    return recurse(n + 1) + frame[0];
}

static void *overflow_thread(void *arg) {
    thread_initial = query();
    stack_t stack = {.ss_sp = thread_altstack, .ss_size = ALTSTACK_SIZE, .ss_flags = 0};
    if (RAW(SYS_sigaltstack, &stack, NULL) != 0)
        return NULL;
    if (sigsetjmp(overflow_recover, 1) == 0)
        recurse(0);
    stack_t disable = {.ss_flags = SS_DISABLE};
    RAW(SYS_sigaltstack, &disable, NULL);
    return NULL;
}

static void check_thread_overflow(void) {
    thread_altstack =
        mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (thread_altstack == MAP_FAILED)
        tl_die("mmap");
    /* The main thread has one: the new thread must not inherit it. */
    stack_t stack = {.ss_sp = altstack, .ss_size = ALTSTACK_SIZE, .ss_flags = 0};
    RAW(SYS_sigaltstack, &stack, NULL);
    install(SIGSEGV, overflow_handler, SA_ONSTACK);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_attr_setguardsize(&attr, 64 * 1024);
    pthread_t thread;
    if (pthread_create(&thread, &attr, overflow_thread, NULL) != 0)
        tl_die("pthread_create");
    pthread_join(thread, NULL);
    EXPECT_STR("a new thread starts without an alternate stack",
               flags_name(thread_initial.ss_flags), "SS_DISABLE");
    EXPECT_VAL("a stack overflow raises SIGSEGV", overflow_signo, SIGSEGV);
    EXPECT_TRUE("caught by a handler on the thread's alternate stack", overflow_on_altstack);
    stack_t disable = {.ss_flags = SS_DISABLE};
    RAW(SYS_sigaltstack, &disable, NULL);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "sig_altstack");
    tl_start_watchdog(10);
    altstack =
        mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (altstack == MAP_FAILED)
        tl_die("mmap");
    check_nesting();
    check_disable();
    check_autodisarm();
    check_thread_overflow();
    return tl_finish();
}
