/* Timers that send signals: alarm (its return value, the SIGALRM), setitimer and getitimer
 * for ITIMER_REAL (one-shot and periodic, the remaining time, the old value), ITIMER_VIRTUAL
 * and ITIMER_PROF (CPU time), and POSIX timers through the raw syscalls: timer_create with
 * SIGEV_SIGNAL, SIGEV_NONE and SIGEV_THREAD_ID (to a chosen thread), timer_settime
 * relative and TIMER_ABSTIME, timer_gettime, timer_getoverrun, timer_delete, the siginfo
 * of a timer signal (SI_TIMER, si_value, si_timerid) and the errors. Nothing depends on
 * timing beyond "a timer fires eventually" and "the remaining time is not more than was
 * set"; waits are bounded, so a signal that never comes makes a check fail. */
#include "testlib.h"

#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#define SIGSET_SIZE 8
#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID 4
#endif

/* How long a wait lasts at most; shortened once one has expired, so that a runtime that
 * never delivers fails quickly. */
static uint64_t wait_limit_ns = 5000000000ull;

static bool expired(uint64_t deadline) {
    if (tl_monotonic_ns() <= deadline)
        return false;
    wait_limit_ns = 500000000ull;
    return true;
}

static volatile int counts[65];
static volatile int last_code, last_value, last_timerid;
static volatile long last_tid;

static void counting_handler(int signo, siginfo_t *info, void *context) {
    counts[signo]++;
    last_code = info->si_code;
    last_value = info->si_value.sival_int;
    last_timerid = info->si_timerid;
    last_tid = RAW(SYS_gettid);
}

static void install(int signo) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = counting_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(signo, &sa, NULL) != 0)
        tl_die("sigaction");
    counts[signo] = 0;
}

/* Sleeps in short steps until the handler of signo has run `want` times or the limit
 * passes; true if it has. */
static bool wait_for(int signo, int want) {
    uint64_t deadline = tl_monotonic_ns() + wait_limit_ns;
    while (counts[signo] < want) {
        if (expired(deadline))
            return false;
        struct timespec step = {0, 1000000};
        nanosleep(&step, NULL);
    }
    return true;
}

static bool within(const struct timeval *value, long max_us) {
    long us = value->tv_sec * 1000000L + value->tv_usec;
    return us > 0 && us <= max_us;
}

/* ---- alarm ------------------------------------------------------------------------------ */

static void check_alarm(void) {
    install(SIGALRM);
    EXPECT_VAL("alarm(0) with no alarm set", RAW(SYS_alarm, 0), 0);
    EXPECT_VAL("alarm(10)", RAW(SYS_alarm, 10), 0);
    EXPECT_VAL("alarm(5) returns the 10 s left, rounded", RAW(SYS_alarm, 5), 10);
    EXPECT_VAL("alarm(0) cancels and returns 5", RAW(SYS_alarm, 0), 5);
    EXPECT_VAL("alarm(1)", RAW(SYS_alarm, 1), 0);
    EXPECT_TRUE("SIGALRM arrives", wait_for(SIGALRM, 1));
    EXPECT_VAL("its si_code is SI_KERNEL", last_code, SI_KERNEL);
    EXPECT_VAL("no alarm left afterwards", RAW(SYS_alarm, 0), 0);
}

/* ---- setitimer and getitimer ------------------------------------------------------------ */

static void check_itimer_real(void) {
    install(SIGALRM);
    struct itimerval set = {{0, 0}, {0, 200000}}, old, now;
    memset(&old, 0xff, sizeof(old));
    EXPECT_OK("setitimer ITIMER_REAL 200 ms", RAW(SYS_setitimer, ITIMER_REAL, &set, &old));
    EXPECT_TRUE("the old value is zero", old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0 &&
                                             old.it_interval.tv_sec == 0 &&
                                             old.it_interval.tv_usec == 0);
    EXPECT_OK("getitimer", RAW(SYS_getitimer, ITIMER_REAL, &now));
    EXPECT_TRUE("the remaining time is positive and at most 200 ms", within(&now.it_value, 200000));
    EXPECT_TRUE("no interval", now.it_interval.tv_sec == 0 && now.it_interval.tv_usec == 0);
    EXPECT_TRUE("SIGALRM arrives", wait_for(SIGALRM, 1));
    RAW(SYS_getitimer, ITIMER_REAL, &now);
    EXPECT_TRUE("a one-shot timer is disarmed after it fired",
                now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0);

    struct itimerval periodic = {{0, 10000}, {0, 10000}}, off = {{0, 0}, {0, 0}};
    install(SIGALRM);
    EXPECT_OK("setitimer ITIMER_REAL every 10 ms",
              RAW(SYS_setitimer, ITIMER_REAL, &periodic, NULL));
    EXPECT_TRUE("SIGALRM arrives three times", wait_for(SIGALRM, 3));
    EXPECT_OK("disarming", RAW(SYS_setitimer, ITIMER_REAL, &off, &old));
    EXPECT_TRUE("the old value has the 10 ms interval",
                old.it_interval.tv_sec == 0 && old.it_interval.tv_usec == 10000);
    EXPECT_TRUE("and at most 10 ms to go",
                old.it_value.tv_sec == 0 && old.it_value.tv_usec <= 10000);

    struct itimerval bad = {{0, 0}, {0, 1000000}};
    EXPECT_ERR("setitimer with tv_usec 1000000", RAW(SYS_setitimer, ITIMER_REAL, &bad, NULL),
               EINVAL);
    EXPECT_ERR("setitimer of timer 5", RAW(SYS_setitimer, 5, &set, NULL), EINVAL);
    EXPECT_ERR("getitimer of timer 5", RAW(SYS_getitimer, 5, &now), EINVAL);
    EXPECT_ERR("getitimer to a bad pointer", RAW(SYS_getitimer, ITIMER_REAL, BAD_PTR), EFAULT);
}

static volatile unsigned long burned;

/* Burns CPU in user mode until the handler of signo has run or the limit passes. */
static bool burn_until(int signo) {
    uint64_t deadline = tl_monotonic_ns() + wait_limit_ns;
    while (counts[signo] == 0) {
        for (int i = 0; i < 100000; i++)
            burned = burned * 31 + i;
        if (expired(deadline))
            return false;
    }
    return true;
}

static void check_itimer_cpu(void) {
    struct itimerval set = {{0, 0}, {0, 10000}}, now, off = {{0, 0}, {0, 0}};
    install(SIGVTALRM);
    EXPECT_OK("setitimer ITIMER_VIRTUAL 10 ms", RAW(SYS_setitimer, ITIMER_VIRTUAL, &set, NULL));
    EXPECT_OK("getitimer ITIMER_VIRTUAL", RAW(SYS_getitimer, ITIMER_VIRTUAL, &now));
    /* Linux rounds CPU-time timers to its tick: only "armed" is compared. */
    EXPECT_TRUE("it is armed", now.it_value.tv_sec > 0 || now.it_value.tv_usec > 0);
    EXPECT_TRUE("SIGVTALRM arrives while the program computes", burn_until(SIGVTALRM));
    RAW(SYS_setitimer, ITIMER_VIRTUAL, &off, NULL);

    install(SIGPROF);
    EXPECT_OK("setitimer ITIMER_PROF 10 ms", RAW(SYS_setitimer, ITIMER_PROF, &set, NULL));
    EXPECT_TRUE("SIGPROF arrives while the program computes", burn_until(SIGPROF));
    RAW(SYS_setitimer, ITIMER_PROF, &off, NULL);
}

/* ---- POSIX timers ----------------------------------------------------------------------- */

/* The kernel's struct sigevent. */
struct kernel_sigevent {
    union sigval value;
    int signo;
    int notify;
    union {
        int tid;
        int pad[12];
    } u;
};

static long timer_create_raw(int clock, int notify, int signo, int value, long tid) {
    struct kernel_sigevent event;
    memset(&event, 0, sizeof(event));
    event.value.sival_int = value;
    event.signo = signo;
    event.notify = notify;
    event.u.tid = (int)tid;
    int id = -1;
    long result = RAW(SYS_timer_create, clock, &event, &id);
    return result < 0 ? result : id;
}

static long arm(long id, int flags, long value_ns, long interval_ns) {
    struct itimerspec spec = {{interval_ns / 1000000000, interval_ns % 1000000000},
                              {value_ns / 1000000000, value_ns % 1000000000}};
    return RAW(SYS_timer_settime, id, flags, &spec, NULL);
}

static bool remaining_within(long id, long max_ns) {
    struct itimerspec now;
    if (RAW(SYS_timer_gettime, id, &now) != 0)
        return false;
    long ns = now.it_value.tv_sec * 1000000000L + now.it_value.tv_nsec;
    return ns > 0 && ns <= max_ns;
}

static void check_posix_timers(void) {
    int signo = SIGRTMIN + 1;
    uint64_t block = tl_sigbit(signo);
    tl_set_sigmask(block);
    long id = EXPECT_OK("timer_create CLOCK_MONOTONIC SIGEV_SIGNAL",
                        timer_create_raw(CLOCK_MONOTONIC, SIGEV_SIGNAL, signo, 42, 0));
    EXPECT_OK("timer_settime 200 ms", arm(id, 0, 200000000, 0));
    EXPECT_TRUE("timer_gettime: positive, at most 200 ms", remaining_within(id, 200000000));
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    struct timespec limit = {(long)(wait_limit_ns / 1000000000),
                             (long)(wait_limit_ns % 1000000000)};
    EXPECT_TRUE("the timer's signal, taken by rt_sigtimedwait",
                RAW(SYS_rt_sigtimedwait, &block, &info, &limit, SIGSET_SIZE) == signo);
    EXPECT_VAL("si_code SI_TIMER", info.si_code, SI_TIMER);
    EXPECT_VAL("si_value is the sigevent's", info.si_value.sival_int, 42);
    EXPECT_TRUE("si_timerid is the timer", info.si_timerid == (int)id);
    EXPECT_VAL("si_overrun", info.si_overrun, 0);
    struct itimerspec now;
    RAW(SYS_timer_gettime, id, &now);
    EXPECT_TRUE("disarmed after firing", now.it_value.tv_sec == 0 && now.it_value.tv_nsec == 0);
    tl_set_sigmask(0);

    install(signo);
    EXPECT_OK("timer_settime every 5 ms", arm(id, 0, 5000000, 5000000));
    EXPECT_TRUE("its handler runs three times", wait_for(signo, 3));
    EXPECT_TRUE("with SI_TIMER and the value", last_code == SI_TIMER && last_value == 42);
    EXPECT_OK("timer_getoverrun", RAW(SYS_timer_getoverrun, id));
    struct itimerspec old;
    struct itimerspec zero;
    memset(&zero, 0, sizeof(zero));
    EXPECT_OK("timer_settime to zero disarms", RAW(SYS_timer_settime, id, 0, &zero, &old));
    EXPECT_TRUE("the old value has the 5 ms interval",
                old.it_interval.tv_sec == 0 && old.it_interval.tv_nsec == 5000000);
    EXPECT_OK("timer_delete", RAW(SYS_timer_delete, id));
    EXPECT_ERR("timer_delete again", RAW(SYS_timer_delete, id), EINVAL);
    EXPECT_ERR("timer_settime of a deleted timer", arm(id, 0, 1000000, 0), EINVAL);
    EXPECT_ERR("timer_gettime of a deleted timer", RAW(SYS_timer_gettime, id, &now), EINVAL);

    install(signo);
    id = timer_create_raw(CLOCK_REALTIME, SIGEV_SIGNAL, signo, 7, 0);
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    long deadline_ns = wall.tv_sec * 1000000000L + wall.tv_nsec + 20000000;
    EXPECT_OK("timer_settime TIMER_ABSTIME on CLOCK_REALTIME",
              arm(id, TIMER_ABSTIME, deadline_ns, 0));
    EXPECT_TRUE("it fires", wait_for(signo, 1));
    RAW(SYS_timer_delete, id);

    id = EXPECT_OK("timer_create SIGEV_NONE",
                   timer_create_raw(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, 0));
    arm(id, 0, 1000000000, 0);
    EXPECT_TRUE("timer_gettime counts down without a signal", remaining_within(id, 1000000000));
    RAW(SYS_timer_delete, id);

    EXPECT_ERR("timer_create with clock 99", timer_create_raw(99, SIGEV_SIGNAL, signo, 0, 0),
               EINVAL);
    EXPECT_ERR("timer_create with signal 0",
               timer_create_raw(CLOCK_MONOTONIC, SIGEV_SIGNAL, 0, 0, 0), EINVAL);
    EXPECT_ERR("timer_create SIGEV_THREAD_ID to a tid outside the process",
               timer_create_raw(CLOCK_MONOTONIC, SIGEV_THREAD_ID, signo, 0, 0x3fffffff), EINVAL);
    id = timer_create_raw(CLOCK_MONOTONIC, SIGEV_SIGNAL, signo, 0, 0);
    struct itimerspec bad = {{0, 0}, {0, 1000000000}};
    EXPECT_ERR("timer_settime with tv_nsec 1e9", RAW(SYS_timer_settime, id, 0, &bad, NULL), EINVAL);
    EXPECT_ERR("timer_settime of timer id 12345", arm(12345, 0, 1000000, 0), EINVAL);
    RAW(SYS_timer_delete, id);
}

/* ---- A timer signal for one thread ------------------------------------------------------ */

static volatile int target_stop;
static long target_tid;

static void *target_main(void *arg) {
    target_tid = RAW(SYS_gettid);
    uint64_t none = 0;
    tl_set_sigmask(none);
    while (!target_stop) {
        struct timespec step = {0, 1000000};
        nanosleep(&step, NULL);
    }
    return NULL;
}

static void check_thread_targets(void) {
    int signo = SIGRTMIN + 2;
    install(signo);
    /* The main thread blocks the signal; the target thread does not. */
    tl_set_sigmask(tl_sigbit(signo));
    pthread_t thread;
    target_stop = 0;
    target_tid = 0;
    if (pthread_create(&thread, NULL, target_main, NULL) != 0)
        tl_die("pthread_create");
    while (!__atomic_load_n(&target_tid, __ATOMIC_SEQ_CST))
        sched_yield();

    long id = EXPECT_OK("timer_create SIGEV_THREAD_ID for the other thread",
                        timer_create_raw(CLOCK_MONOTONIC, SIGEV_THREAD_ID, signo, 5, target_tid));
    arm(id, 0, 5000000, 5000000);
    EXPECT_TRUE("its handler runs twice", wait_for(signo, 2));
    EXPECT_TRUE("in the target thread", last_tid == target_tid);
    RAW(SYS_timer_delete, id);

    /* A process-directed timer signal goes to a thread that does not block it. */
    counts[signo] = 0;
    last_tid = 0;
    id = timer_create_raw(CLOCK_MONOTONIC, SIGEV_SIGNAL, signo, 6, 0);
    arm(id, 0, 5000000, 0);
    EXPECT_TRUE("a SIGEV_SIGNAL timer's signal arrives", wait_for(signo, 1));
    EXPECT_TRUE("in the thread that does not block it", last_tid == target_tid);
    RAW(SYS_timer_delete, id);

    target_stop = 1;
    pthread_join(thread, NULL);
    tl_set_sigmask(0);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "sig_timers");
    check_itimer_real();
    check_itimer_cpu();
    check_posix_timers();
    check_thread_targets();
    check_alarm();
    return tl_finish();
}
