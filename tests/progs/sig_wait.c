/* Taking signals synchronously. rt_sigtimedwait: EAGAIN with a zero and with a short
 * timeout, a pending signal dequeued with its siginfo (and no handler run), a wait
 * without timeout woken by another thread, EINTR from a handled signal outside the set,
 * argument errors. signalfd: EAGAIN and poll/epoll readiness, struct signalfd_siginfo
 * fields (ssi_signo, ssi_code, ssi_pid, ssi_uid, ssi_int, ssi_ptr), several queued
 * signals in one read, changing the mask of an existing signalfd, a blocking read woken
 * by another thread, and its errors. */
#include "testlib.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

#define SIGSET_SIZE 8

static volatile int handled;

static void counting_handler(int signo) {
    handled++;
}

static void install(int signo, void (*handler)(int)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    if (sigaction(signo, &sa, NULL) != 0)
        tl_die("sigaction");
}

static void sleep_ms(int ms) {
    struct timespec delay = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&delay, &delay) != 0) {
    }
}

/* ---- A sender thread -------------------------------------------------------------------- */

struct sender {
    long target;
    int signo;          /* sent once after a short delay... */
    int repeat_signo;   /* ...or this one every 2 ms until `stop` (0: none) */
    int fallback_signo; /* after 3 s of repeating without effect */
    volatile int stop;
    pthread_t thread;
};

static void *sender_main(void *arg) {
    struct sender *sender = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    sleep_ms(20);
    if (sender->signo)
        RAW(SYS_tgkill, RAW(SYS_getpid), sender->target, sender->signo);
    uint64_t deadline = tl_monotonic_ns() + 3000000000ull;
    while (sender->repeat_signo && !sender->stop) {
        if (tl_monotonic_ns() > deadline) {
            RAW(SYS_tgkill, RAW(SYS_getpid), sender->target, sender->fallback_signo);
            break;
        }
        RAW(SYS_tgkill, RAW(SYS_getpid), sender->target, sender->repeat_signo);
        sleep_ms(2);
    }
    return NULL;
}

static void start_sender(struct sender *sender) {
    sender->target = RAW(SYS_gettid);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    if (pthread_create(&sender->thread, NULL, sender_main, sender) != 0)
        tl_die("pthread_create");
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void join_sender(struct sender *sender) {
    sender->stop = 1;
    pthread_join(sender->thread, NULL);
}

/* ---- rt_sigtimedwait -------------------------------------------------------------------- */

static void check_sigtimedwait(void) {
    install(SIGUSR1, counting_handler);
    install(SIGUSR2, counting_handler);
    uint64_t usr1 = tl_sigbit(SIGUSR1);
    tl_set_sigmask(usr1);
    siginfo_t info;
    struct timespec zero = {0, 0}, short_wait = {0, 30 * 1000000};
    EXPECT_ERR("rt_sigtimedwait, nothing pending, zero timeout",
               RAW(SYS_rt_sigtimedwait, &usr1, &info, &zero, SIGSET_SIZE), EAGAIN);
    EXPECT_ERR("rt_sigtimedwait, nothing pending, 30 ms timeout",
               RAW(SYS_rt_sigtimedwait, &usr1, &info, &short_wait, SIGSET_SIZE), EAGAIN);

    tl_send_self(SIGUSR1);
    memset(&info, 0, sizeof(info));
    EXPECT_VAL("rt_sigtimedwait takes a pending signal",
               RAW(SYS_rt_sigtimedwait, &usr1, &info, &zero, SIGSET_SIZE), SIGUSR1);
    EXPECT_VAL("its si_signo", info.si_signo, SIGUSR1);
    EXPECT_VAL("its si_code SI_TKILL", info.si_code, SI_TKILL);
    EXPECT_TRUE("its si_pid is ours", info.si_pid == RAW(SYS_getpid));
    EXPECT_TRUE("it is no longer pending", (tl_pending_signals() & usr1) == 0);
    EXPECT_VAL("the handler did not run", handled, 0);

    RAW(SYS_kill, RAW(SYS_getpid), SIGUSR1);
    EXPECT_VAL("a process-directed signal, without siginfo",
               RAW(SYS_rt_sigtimedwait, &usr1, NULL, &zero, SIGSET_SIZE), SIGUSR1);

    struct sender sender = {.signo = SIGUSR1};
    start_sender(&sender);
    memset(&info, 0, sizeof(info));
    EXPECT_VAL("rt_sigtimedwait without a timeout, woken by another thread",
               RAW(SYS_rt_sigtimedwait, &usr1, &info, NULL, SIGSET_SIZE), SIGUSR1);
    join_sender(&sender);
    EXPECT_TRUE("si_pid of a signal from another thread is still the process",
                info.si_pid == RAW(SYS_getpid) && info.si_code == SI_TKILL);

    /* SIGUSR2 is not blocked and has a handler: it interrupts the wait. */
    struct sender interrupter = {.repeat_signo = SIGUSR2, .fallback_signo = SIGUSR1};
    start_sender(&interrupter);
    struct timespec long_wait = {60, 0};
    EXPECT_ERR("a handled signal outside the set interrupts it",
               RAW(SYS_rt_sigtimedwait, &usr1, &info, &long_wait, SIGSET_SIZE), EINTR);
    join_sender(&interrupter);
    EXPECT_TRUE("and its handler ran", handled > 0);
    struct timespec none = {0, 0};
    RAW(SYS_rt_sigtimedwait, &usr1, NULL, &none, SIGSET_SIZE); /* a late fallback, if any */

    EXPECT_ERR("rt_sigtimedwait with sigsetsize 4",
               RAW(SYS_rt_sigtimedwait, &usr1, &info, &zero, 4), EINVAL);
    struct timespec bad = {0, 1000000000};
    EXPECT_ERR("rt_sigtimedwait with tv_nsec 1e9",
               RAW(SYS_rt_sigtimedwait, &usr1, &info, &bad, SIGSET_SIZE), EINVAL);
    EXPECT_ERR("rt_sigtimedwait with a bad set pointer",
               RAW(SYS_rt_sigtimedwait, BAD_PTR, &info, &zero, SIGSET_SIZE), EFAULT);
    tl_send_self(SIGUSR1);
    EXPECT_ERR("rt_sigtimedwait with a bad siginfo pointer",
               RAW(SYS_rt_sigtimedwait, &usr1, BAD_PTR, &zero, SIGSET_SIZE), EFAULT);
    EXPECT_TRUE("the signal was dequeued all the same", (tl_pending_signals() & usr1) == 0);
    tl_set_sigmask(0);
}

/* ---- signalfd --------------------------------------------------------------------------- */

static long signalfd_raw(int fd, uint64_t mask, int flags) {
    return RAW(SYS_signalfd4, fd, &mask, SIGSET_SIZE, flags);
}

static int readable(int fd) {
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    long n = RAW(SYS_poll, &pfd, 1, 0);
    return n == 1 && (pfd.revents & POLLIN);
}

static void check_signalfd(void) {
    uint64_t blocked =
        tl_sigbit(SIGUSR1) | tl_sigbit(SIGUSR2) | tl_sigbit(SIGRTMIN) | tl_sigbit(SIGRTMIN + 1);
    tl_set_sigmask(blocked);
    long fd = EXPECT_OK("signalfd4 for SIGUSR1",
                        signalfd_raw(-1, tl_sigbit(SIGUSR1), SFD_NONBLOCK | SFD_CLOEXEC));
    if (fd < 0)
        return;
    struct signalfd_siginfo ssi[4];
    EXPECT_ERR("read with nothing pending", RAW(SYS_read, fd, ssi, sizeof(ssi)), EAGAIN);
    EXPECT_TRUE("poll: not readable", !readable(fd));

    tl_send_self(SIGUSR1);
    EXPECT_TRUE("poll: readable once SIGUSR1 is pending", readable(fd));
    memset(ssi, 0, sizeof(ssi));
    EXPECT_VAL("read returns one signalfd_siginfo", RAW(SYS_read, fd, ssi, sizeof(ssi)),
               sizeof(ssi[0]));
    EXPECT_VAL("ssi_signo", ssi[0].ssi_signo, SIGUSR1);
    EXPECT_VAL("ssi_code SI_TKILL", ssi[0].ssi_code, SI_TKILL);
    EXPECT_TRUE("ssi_pid and ssi_uid are ours", ssi[0].ssi_pid == (uint32_t)RAW(SYS_getpid) &&
                                                    ssi[0].ssi_uid == (uint32_t)RAW(SYS_getuid));
    EXPECT_TRUE("the signal is no longer pending",
                (tl_pending_signals() & tl_sigbit(SIGUSR1)) == 0);
    EXPECT_TRUE("poll: not readable after the read", !readable(fd));

    union sigval value = {.sival_int = 77};
    sigqueue(getpid(), SIGUSR1, value);
    memset(ssi, 0, sizeof(ssi));
    RAW(SYS_read, fd, ssi, sizeof(ssi));
    EXPECT_VAL("sigqueue: ssi_code SI_QUEUE", ssi[0].ssi_code, SI_QUEUE);
    EXPECT_VAL("sigqueue: ssi_int", ssi[0].ssi_int, 77);
    EXPECT_VAL("sigqueue: ssi_ptr", ssi[0].ssi_ptr, 77);

    tl_send_self(SIGUSR2);
    EXPECT_TRUE("a signal outside the mask: not readable", !readable(fd));
    EXPECT_TRUE("changing the mask of the same signalfd returns its fd",
                signalfd_raw((int)fd, blocked, 0) == fd);
    EXPECT_TRUE("now readable", readable(fd));
    memset(ssi, 0, sizeof(ssi));
    RAW(SYS_read, fd, ssi, sizeof(ssi));
    EXPECT_VAL("and gives SIGUSR2", ssi[0].ssi_signo, SIGUSR2);

    for (int i = 0; i < 3; i++) {
        union sigval v = {.sival_int = 10 + i};
        sigqueue(getpid(), i == 1 ? SIGRTMIN : SIGRTMIN + 1, v);
    }
    memset(ssi, 0, sizeof(ssi));
    EXPECT_VAL("three queued signals in one read", RAW(SYS_read, fd, ssi, sizeof(ssi)),
               3 * sizeof(ssi[0]));
    EXPECT_TRUE("lowest first, each number in order",
                ssi[0].ssi_signo == (uint32_t)SIGRTMIN && ssi[0].ssi_int == 11 &&
                    ssi[1].ssi_signo == (uint32_t)SIGRTMIN + 1 && ssi[1].ssi_int == 10 &&
                    ssi[2].ssi_signo == (uint32_t)SIGRTMIN + 1 && ssi[2].ssi_int == 12);

    tl_send_self(SIGUSR1);
    EXPECT_ERR("read with a buffer smaller than one record", RAW(SYS_read, fd, ssi, 100), EINVAL);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event event = {.events = EPOLLIN, .data.u64 = 5}, out;
    epoll_ctl(ep, EPOLL_CTL_ADD, (int)fd, &event);
    EXPECT_VAL("epoll_wait reports the signalfd", RAW(SYS_epoll_wait, ep, &out, 1, 0), 1);
    RAW(SYS_read, fd, ssi, sizeof(ssi));
    EXPECT_VAL("and nothing after the read", RAW(SYS_epoll_wait, ep, &out, 1, 0), 0);
    RAW(SYS_close, ep);
    RAW(SYS_close, fd);

    /* A blocking read, woken by another thread's signal. */
    fd = signalfd_raw(-1, tl_sigbit(SIGUSR2), SFD_CLOEXEC);
    struct sender sender = {.signo = SIGUSR2};
    start_sender(&sender);
    memset(ssi, 0, sizeof(ssi));
    EXPECT_VAL("a blocking read woken by another thread's tgkill",
               RAW(SYS_read, fd, ssi, sizeof(ssi)), sizeof(ssi[0]));
    join_sender(&sender);
    EXPECT_VAL("gives its signal", ssi[0].ssi_signo, SIGUSR2);
    RAW(SYS_close, fd);

    /* A blocking epoll_wait on a signalfd, woken by another process's kill (a host signal). */
    fd = signalfd_raw(-1, tl_sigbit(SIGUSR1), SFD_CLOEXEC);
    ep = epoll_create1(EPOLL_CLOEXEC);
    epoll_ctl(ep, EPOLL_CTL_ADD, (int)fd, &event);
    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        sleep_ms(50);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    long n;
    do
        n = RAW(SYS_epoll_wait, ep, &out, 1, 5000);
    while (n == -EINTR);
    EXPECT_VAL("epoll_wait woken by another process's kill", n, 1);
    memset(ssi, 0, sizeof(ssi));
    EXPECT_VAL("read after it", RAW(SYS_read, fd, ssi, sizeof(ssi)), sizeof(ssi[0]));
    EXPECT_TRUE("ssi_code SI_USER, ssi_pid the sender's",
                ssi[0].ssi_code == SI_USER && ssi[0].ssi_pid == (uint32_t)child);
    waitpid(child, NULL, 0);
    RAW(SYS_close, ep);
    RAW(SYS_close, fd);

    uint64_t mask = tl_sigbit(SIGUSR1);
    EXPECT_ERR("signalfd4 with sigsetsize 4", RAW(SYS_signalfd4, -1, &mask, 4, 0), EINVAL);
    EXPECT_ERR("signalfd4 with bad flags", RAW(SYS_signalfd4, -1, &mask, SIGSET_SIZE, 1), EINVAL);
    EXPECT_ERR("signalfd4 with a bad mask pointer", RAW(SYS_signalfd4, -1, BAD_PTR, SIGSET_SIZE, 0),
               EFAULT);
    int fds[2];
    if (pipe(fds) != 0)
        tl_die("pipe");
    EXPECT_ERR("signalfd4 on a pipe", signalfd_raw(fds[0], mask, 0), EINVAL);
    EXPECT_ERR("signalfd4 on a closed fd", signalfd_raw(999, mask, 0), EBADF);
    close(fds[0]);
    close(fds[1]);
    tl_set_sigmask(0);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "sig_wait");
    tl_start_watchdog(10);
    check_sigtimedwait();
    check_signalfd();
    return tl_finish();
}
