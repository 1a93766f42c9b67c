/* Real-time signals and queued values: several SIGRTMIN+n queued while blocked are
 * delivered lowest number first and, for one number, in the order they were sent, each
 * with its own si_value and si_code SI_QUEUE (sigqueue, rt_sigqueueinfo,
 * rt_tgsigqueueinfo); a hundred of one number all arrive in order; a standard signal sent
 * twice while blocked arrives once, with the first sender's value; sigtimedwait dequeues
 * in the same order. Signal numbers are printed relative to SIGRTMIN, which glibc and musl
 * place differently. */
#include "testlib.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

#define SIGSET_SIZE 8
#define MANY 100

static const char *signal_name(int signo) {
    static char name[32];
    if (signo == SIGUSR1)
        return "SIGUSR1";
    if (signo == SIGUSR2)
        return "SIGUSR2";
    if (signo >= SIGRTMIN && signo <= SIGRTMAX)
        snprintf(name, sizeof(name), "RTMIN+%d", signo - SIGRTMIN);
    else
        snprintf(name, sizeof(name), "signal %d", signo);
    return name;
}

static char log_text[4096];
static volatile int handled;
static int many_values[MANY];
static volatile bool codes_ok = true, pids_ok = true;
static volatile int expected_code = SI_QUEUE;

static void note(const char *text) {
    size_t used = strlen(log_text);
    snprintf(log_text + used, sizeof(log_text) - used, "%s%s", used ? " " : "", text);
}

static void logging_handler(int signo, siginfo_t *info, void *context) {
    char entry[64];
    if (info->si_code != expected_code)
        codes_ok = false;
    if (info->si_pid != RAW(SYS_getpid))
        pids_ok = false;
    if (signo == SIGRTMIN + 4) {
        if (handled < MANY)
            many_values[handled] = info->si_value.sival_int;
    } else {
        snprintf(entry, sizeof(entry), "%s:%d", signal_name(signo), info->si_value.sival_int);
        note(entry);
    }
    handled++;
}

/* One sa_mask blocks every signal of the test while a handler runs, so that each handler
 * returns before the next signal is delivered and the log shows the delivery order. */
static uint64_t test_signals(void) {
    uint64_t set = tl_sigbit(SIGUSR1) | tl_sigbit(SIGUSR2);
    for (int n = 0; n <= 4; n++)
        set |= tl_sigbit(SIGRTMIN + n);
    return set;
}

static void install_all(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = logging_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    for (int signo = 1; signo <= 64; signo++) {
        if (test_signals() & tl_sigbit(signo))
            sigaddset(&sa.sa_mask, signo);
    }
    for (int signo = 1; signo <= 64; signo++) {
        if ((test_signals() & tl_sigbit(signo)) && sigaction(signo, &sa, NULL) != 0)
            tl_die("sigaction");
    }
}

static long queue_to_process(int signo, int value) {
    union sigval sv = {.sival_int = value};
    return LIBC(sigqueue(getpid(), signo, sv));
}

static long queue_to_thread(int signo, int value) {
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    info.si_signo = signo;
    info.si_code = SI_QUEUE;
    info.si_pid = getpid();
    info.si_uid = getuid();
    info.si_value.sival_int = value;
    return RAW(SYS_rt_tgsigqueueinfo, RAW(SYS_getpid), RAW(SYS_gettid), signo, &info);
}

static void check_order(const char *how, long (*queue)(int, int)) {
    char label[128];
    install_all();
    tl_set_sigmask(test_signals());
    log_text[0] = 0;
    handled = 0;
    codes_ok = pids_ok = true;
    long result = 0;
    static const struct {
        int offset; /* from SIGRTMIN; -1 for SIGUSR1 */
        int value;
    } sends[] = {{2, 1}, {0, 2}, {2, 3}, {1, 4}, {-1, 5}, {0, 6}, {-1, 7}, {3, 8}, {2, 9}};
    for (size_t i = 0; i < sizeof(sends) / sizeof(sends[0]); i++) {
        int signo = sends[i].offset < 0 ? SIGUSR1 : SIGRTMIN + sends[i].offset;
        long one = queue(signo, sends[i].value);
        if (one < 0)
            result = one;
    }
    snprintf(label, sizeof(label), "%s: nine signals queued while blocked", how);
    EXPECT_OK(label, result);
    snprintf(label, sizeof(label), "%s: all pending", how);
    uint64_t want = tl_sigbit(SIGUSR1);
    for (int n = 0; n <= 3; n++)
        want |= tl_sigbit(SIGRTMIN + n);
    EXPECT_TRUE(label, tl_pending_signals() == want);
    snprintf(label, sizeof(label), "%s: nothing delivered while blocked", how);
    EXPECT_VAL(label, handled, 0);
    tl_set_sigmask(0);
    snprintf(label, sizeof(label), "%s: delivery order after unblocking", how);
    EXPECT_STR(label, log_text,
               "SIGUSR1:5 RTMIN+0:2 RTMIN+0:6 RTMIN+1:4 RTMIN+2:1 RTMIN+2:3 RTMIN+2:9 RTMIN+3:8");
    snprintf(label, sizeof(label), "%s: si_code SI_QUEUE", how);
    EXPECT_TRUE(label, codes_ok);
    snprintf(label, sizeof(label), "%s: si_pid is our pid", how);
    EXPECT_TRUE(label, pids_ok);
    snprintf(label, sizeof(label), "%s: nothing pending afterwards", how);
    EXPECT_TRUE(label, tl_pending_signals() == 0);
}

static void check_many(void) {
    install_all();
    tl_set_sigmask(test_signals());
    handled = 0;
    long result = 0;
    for (int i = 0; i < MANY; i++) {
        long one = queue_to_process(SIGRTMIN + 4, 1000 + i);
        if (one < 0)
            result = one;
    }
    EXPECT_OK("a hundred RTMIN+4 queued", result);
    tl_set_sigmask(0);
    EXPECT_VAL("a hundred delivered", handled, MANY);
    bool in_order = true;
    for (int i = 0; i < MANY; i++)
        in_order = in_order && many_values[i] == 1000 + i;
    EXPECT_TRUE("their values in the order sent", in_order);
}

static void check_standard_coalesces(void) {
    install_all();
    tl_set_sigmask(test_signals());
    log_text[0] = 0;
    handled = 0;
    queue_to_process(SIGUSR2, 11);
    queue_to_process(SIGUSR2, 12);
    queue_to_thread(SIGUSR2, 13);
    queue_to_thread(SIGUSR2, 14);
    tl_set_sigmask(0);
    /* One pending instance per set: the thread's, then the process's. */
    EXPECT_STR("a standard signal queued twice to the thread and twice to the process", log_text,
               "SIGUSR2:13 SIGUSR2:11");
}

static void check_codes(void) {
    install_all();
    log_text[0] = 0;
    handled = 0;
    codes_ok = true;
    expected_code = SI_TKILL;
    RAW(SYS_tgkill, RAW(SYS_getpid), RAW(SYS_gettid), SIGRTMIN + 1);
    EXPECT_TRUE("tgkill of a real-time signal: si_code SI_TKILL", codes_ok && handled > 0);
    codes_ok = true;
    expected_code = SI_USER;
    RAW(SYS_kill, RAW(SYS_getpid), SIGRTMIN + 1);
    EXPECT_TRUE("kill of a real-time signal: si_code SI_USER", codes_ok);
    expected_code = SI_QUEUE;

    siginfo_t info;
    memset(&info, 0, sizeof(info));
    info.si_code = SI_QUEUE;
    info.si_pid = getpid();
    info.si_value.sival_ptr = (void *)&log_text[123];
    siginfo_t waited;
    uint64_t block = tl_sigbit(SIGRTMIN + 2);
    tl_set_sigmask(block);
    EXPECT_OK("rt_sigqueueinfo with a pointer value",
              RAW(SYS_rt_sigqueueinfo, RAW(SYS_getpid), SIGRTMIN + 2, &info));
    struct timespec zero = {0, 0};
    long signo = RAW(SYS_rt_sigtimedwait, &block, &waited, &zero, SIGSET_SIZE);
    EXPECT_TRUE("dequeued with its 64-bit pointer value",
                signo == SIGRTMIN + 2 && waited.si_value.sival_ptr == (void *)&log_text[123]);
    EXPECT_ERR("rt_sigqueueinfo of signal 65", RAW(SYS_rt_sigqueueinfo, RAW(SYS_getpid), 65, &info),
               EINVAL);
    EXPECT_ERR("rt_sigqueueinfo with a bad siginfo pointer",
               RAW(SYS_rt_sigqueueinfo, RAW(SYS_getpid), SIGRTMIN + 2, BAD_PTR), EFAULT);
    tl_set_sigmask(0);
}

static void check_sigtimedwait_order(void) {
    uint64_t block = test_signals();
    tl_set_sigmask(block);
    queue_to_process(SIGRTMIN + 3, 31);
    queue_to_process(SIGRTMIN + 1, 11);
    queue_to_process(SIGRTMIN + 3, 32);
    queue_to_process(SIGRTMIN + 1, 12);
    queue_to_process(SIGRTMIN, 1);
    log_text[0] = 0;
    struct timespec zero = {0, 0};
    siginfo_t info;
    long signo;
    while ((signo = RAW(SYS_rt_sigtimedwait, &block, &info, &zero, SIGSET_SIZE)) > 0) {
        char entry[64];
        snprintf(entry, sizeof(entry), "%s:%d", signal_name((int)signo), info.si_value.sival_int);
        note(entry);
    }
    EXPECT_STR("sigtimedwait dequeues lowest first, each number in order", log_text,
               "RTMIN+0:1 RTMIN+1:11 RTMIN+1:12 RTMIN+3:31 RTMIN+3:32");
    EXPECT_ERR("then finds nothing", signo, EAGAIN);
    tl_set_sigmask(0);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "sig_rt");
    tl_start_watchdog(10);
    check_order("sigqueue to the process", queue_to_process);
    check_order("rt_tgsigqueueinfo to the thread", queue_to_thread);
    check_many();
    check_standard_coalesces();
    check_codes();
    check_sigtimedwait_order();
    return tl_finish();
}
