/* Blocking calls interrupted by a signal with a handler: with SA_RESTART the calls Linux
 * restarts (read and write on pipes, futex wait without a timeout, eventfd read, recv,
 * accept) complete as if nothing happened; without it they fail with EINTR. The calls
 * Linux never restarts (nanosleep, clock_nanosleep, poll, ppoll, select, epoll_wait, a
 * futex wait with a timeout, pause) fail with EINTR even with SA_RESTART. A blocked signal
 * interrupts nothing. The signals come from another thread (tgkill) and from a timer
 * (setitimer ITIMER_REAL, a process-directed SIGALRM).
 *
 * No timing decides a result: for an EINTR check the other thread keeps sending a signal
 * every few milliseconds until the call has returned; for a restart check it sends three
 * that the handler has seen and only then completes the call (writes the byte, wakes the
 * futex). If no signal arrives for long, it completes the call anyway, which makes an
 * EINTR check fail instead of hang. */
#include "testlib.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>

#define SIGSET_SIZE 8
/* From linux/futex.h, which musl's include path lacks. */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

static volatile int handled;
static long main_tid;
/* How long a helper waits for a signal to show an effect; shortened once it has expired,
 * so that a runtime that never delivers does not make every check wait the full time. */
static int patience_ms = 3000;

static void counting_handler(int signo) {
    handled++;
}

static void install(int signo, void (*handler)(int), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(signo, &sa, NULL) != 0)
        tl_die("sigaction");
}

static void sleep_ms(int ms) {
    struct timespec delay = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&delay, &delay) != 0) {
    }
}

/* ---- The helper thread ------------------------------------------------------------------ */

enum helper_mode {
    INTERRUPT_UNTIL_RETURNED, /* EINTR expected: signal until the call returns */
    THREE_THEN_COMPLETE,      /* restart expected: three handled signals, then complete */
    ONLY_COMPLETE,            /* the signals come from elsewhere: complete on patience */
};

struct helper {
    enum helper_mode mode;
    void (*complete)(void);
    volatile int returned;
};

static void *helper_main(void *arg) {
    struct helper *helper = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    uint64_t deadline = tl_monotonic_ns() + (uint64_t)patience_ms * 1000000;
    int start = handled;
    bool sending = helper->mode != ONLY_COMPLETE;
    while (!helper->returned) {
        if (helper->mode == THREE_THEN_COMPLETE && handled - start >= 3)
            break;
        if (tl_monotonic_ns() > deadline) {
            patience_ms = 300;
            break;
        }
        if (sending)
            RAW(SYS_tgkill, RAW(SYS_getpid), main_tid, SIGUSR1);
        sleep_ms(2);
    }
    if (!helper->returned && helper->complete)
        helper->complete();
    return NULL;
}

/* Runs call() in this thread while the helper signals it. */
static long interrupted(enum helper_mode mode, long (*call)(void), void (*complete)(void)) {
    struct helper helper = {.mode = mode, .complete = complete};
    pthread_t thread;
    main_tid = RAW(SYS_gettid);
    /* The helper starts with every signal blocked: a timer's process-directed SIGALRM
     * must find the main thread. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    if (pthread_create(&thread, NULL, helper_main, &helper) != 0)
        tl_die("pthread_create");
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    long result = call();
    helper.returned = 1;
    pthread_join(thread, NULL);
    return result;
}

/* ---- The calls and what completes them -------------------------------------------------- */

static int pipe_fds[2], full_pipe[2], event_fd, socket_pair[2], listener, epoll_fd;
static int futex_word;
static char byte;

static long call_read(void) {
    return RAW(SYS_read, pipe_fds[0], &byte, 1);
}
static void complete_pipe(void) {
    RAW(SYS_write, pipe_fds[1], "x", 1);
}
static void drain_pipe(void) {
    struct pollfd pfd = {.fd = pipe_fds[0], .events = POLLIN};
    while (RAW(SYS_poll, &pfd, 1, 0) == 1)
        RAW(SYS_read, pipe_fds[0], &byte, 1);
}

static long call_write_full(void) {
    return RAW(SYS_write, full_pipe[1], "y", 1);
}
static void complete_write_full(void) {
    static char buffer[1 << 16];
    RAW(SYS_read, full_pipe[0], buffer, sizeof(buffer));
}
static void fill_pipe(void) {
    static char buffer[1 << 16];
    int flags = fcntl(full_pipe[1], F_GETFL);
    fcntl(full_pipe[1], F_SETFL, flags | O_NONBLOCK);
    while (RAW(SYS_write, full_pipe[1], buffer, sizeof(buffer)) > 0) {
    }
    fcntl(full_pipe[1], F_SETFL, flags);
}
static void empty_full_pipe(void) {
    static char buffer[1 << 16];
    int flags = fcntl(full_pipe[0], F_GETFL);
    fcntl(full_pipe[0], F_SETFL, flags | O_NONBLOCK);
    while (RAW(SYS_read, full_pipe[0], buffer, sizeof(buffer)) > 0) {
    }
    fcntl(full_pipe[0], F_SETFL, flags);
}

static long call_futex(void) {
    return RAW(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL);
}
static long call_futex_timeout(void) {
    struct timespec timeout = {patience_ms / 1000 + 1, 0};
    return RAW(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, &timeout);
}
static void complete_futex(void) {
    __atomic_store_n(&futex_word, 1, __ATOMIC_SEQ_CST);
    RAW(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1);
}

static long call_eventfd(void) {
    uint64_t value;
    return RAW(SYS_read, event_fd, &value, sizeof(value));
}
static void complete_eventfd(void) {
    uint64_t one = 1;
    RAW(SYS_write, event_fd, &one, sizeof(one));
}

static long call_recv(void) {
    return RAW(SYS_recvfrom, socket_pair[0], &byte, 1, 0, NULL, NULL);
}
static void complete_recv(void) {
    RAW(SYS_sendto, socket_pair[1], "s", 1, 0, NULL, 0);
}

static struct sockaddr_un listen_address;
static long call_accept(void) {
    long fd = RAW(SYS_accept4, listener, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0)
        RAW(SYS_close, fd);
    return fd < 0 ? fd : 0;
}
static void complete_accept(void) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    connect(fd, (struct sockaddr *)&listen_address, sizeof(listen_address));
    close(fd);
}

static long call_nanosleep(void) {
    struct timespec request = {patience_ms / 1000 + 1, 0}, left = {0, 0};
    long result = RAW(SYS_nanosleep, &request, &left);
    if (result == -EINTR && !(left.tv_sec > 0 || left.tv_nsec > 0))
        return -ERANGE; /* the remaining time must be reported */
    return result;
}
static long call_clock_nanosleep(void) {
    struct timespec request = {patience_ms / 1000 + 1, 0}, left = {0, 0};
    return RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &request, &left);
}
static long call_poll(void) {
    struct pollfd pfd = {.fd = pipe_fds[0], .events = POLLIN};
    return RAW(SYS_poll, &pfd, 1, -1);
}
static long call_poll_timeout(void) {
    struct pollfd pfd = {.fd = pipe_fds[0], .events = POLLIN};
    return RAW(SYS_poll, &pfd, 1, 60000);
}
static long call_ppoll(void) {
    struct pollfd pfd = {.fd = pipe_fds[0], .events = POLLIN};
    return RAW(SYS_ppoll, &pfd, 1, NULL, NULL, SIGSET_SIZE);
}
static long call_select(void) {
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(pipe_fds[0], &readable);
    return RAW(SYS_select, pipe_fds[0] + 1, &readable, NULL, NULL, NULL);
}
static long call_epoll_wait(void) {
    struct epoll_event event;
    return RAW(SYS_epoll_wait, epoll_fd, &event, 1, -1);
}
static long call_pause(void) {
    return RAW(SYS_pause);
}

static void setup(void) {
    if (pipe(pipe_fds) != 0 || pipe(full_pipe) != 0)
        tl_die("pipe");
    event_fd = eventfd(0, EFD_CLOEXEC);
    if (event_fd < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, socket_pair) != 0)
        tl_die("eventfd or socketpair");
    listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    listen_address.sun_family = AF_UNIX;
    strcpy(listen_address.sun_path, "listener.sock");
    unlink(listen_address.sun_path);
    if (bind(listener, (struct sockaddr *)&listen_address, sizeof(listen_address)) != 0 ||
        listen(listener, 4) != 0)
        tl_die("listen");
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event event = {.events = EPOLLIN, .data.u64 = 1};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, pipe_fds[0], &event) != 0)
        tl_die("epoll_ctl");
}

/* ---- The checks ------------------------------------------------------------------------- */

struct restartable {
    const char *name;
    long (*call)(void);
    void (*complete)(void);
    void (*before)(void);
    void (*after)(void);
};

static void reset_futex(void) {
    futex_word = 0;
}

static const struct restartable restartables[] = {
    {"read on an empty pipe", call_read, complete_pipe, NULL, drain_pipe},
    {"write to a full pipe", call_write_full, complete_write_full, fill_pipe, empty_full_pipe},
    {"futex wait without a timeout", call_futex, complete_futex, reset_futex, NULL},
    {"eventfd read", call_eventfd, complete_eventfd, NULL, NULL},
    {"recv on a socketpair", call_recv, complete_recv, NULL, NULL},
    {"accept", call_accept, complete_accept, NULL, NULL},
};

static void check_restartable(void) {
    char label[160];
    for (size_t i = 0; i < sizeof(restartables) / sizeof(restartables[0]); i++) {
        const struct restartable *r = &restartables[i];
        install(SIGUSR1, counting_handler, 0);
        if (r->before)
            r->before();
        handled = 0;
        snprintf(label, sizeof(label), "%s, handler without SA_RESTART", r->name);
        EXPECT_ERR(label, interrupted(INTERRUPT_UNTIL_RETURNED, r->call, r->complete), EINTR);
        if (r->after)
            r->after();

        install(SIGUSR1, counting_handler, SA_RESTART);
        if (r->before)
            r->before();
        handled = 0;
        long result = interrupted(THREE_THEN_COMPLETE, r->call, r->complete);
        snprintf(label, sizeof(label), "%s, SA_RESTART handler: the call completes", r->name);
        /* A restarted futex wait finds the word changed: EAGAIN, not EINTR. */
        if (r->call == call_futex && result == -EAGAIN)
            result = 0;
        EXPECT_OK(label, result);
        snprintf(label, sizeof(label), "%s, SA_RESTART handler: signals were handled", r->name);
        EXPECT_TRUE(label, handled >= 3);
        if (r->after)
            r->after();
    }
}

struct never_restarted {
    const char *name;
    long (*call)(void);
    void (*complete)(void);
    void (*before)(void);
};

static const struct never_restarted never_restarted[] = {
    {"nanosleep", call_nanosleep, NULL, NULL},
    {"clock_nanosleep", call_clock_nanosleep, NULL, NULL},
    {"poll without a timeout", call_poll, complete_pipe, NULL},
    {"poll with a timeout", call_poll_timeout, complete_pipe, NULL},
    {"ppoll", call_ppoll, complete_pipe, NULL},
    {"select", call_select, complete_pipe, NULL},
    {"epoll_wait", call_epoll_wait, complete_pipe, NULL},
    {"futex wait with a timeout", call_futex_timeout, complete_futex, reset_futex},
};

static void check_never_restarted(void) {
    char label[160];
    install(SIGUSR1, counting_handler, SA_RESTART);
    for (size_t i = 0; i < sizeof(never_restarted) / sizeof(never_restarted[0]); i++) {
        const struct never_restarted *n = &never_restarted[i];
        if (n->before)
            n->before();
        snprintf(label, sizeof(label), "%s, SA_RESTART handler", n->name);
        EXPECT_ERR(label, interrupted(INTERRUPT_UNTIL_RETURNED, n->call, n->complete), EINTR);
        drain_pipe();
    }
}

static void check_blocked_signal(void) {
    install(SIGUSR1, counting_handler, 0);
    uint64_t block = 1ull << (SIGUSR1 - 1), pending = 0;
    RAW(SYS_rt_sigprocmask, SIG_BLOCK, &block, NULL, SIGSET_SIZE);
    handled = 0;
    /* The helper sends until the patience runs out (a blocked signal is never handled). */
    int saved_patience = patience_ms;
    patience_ms = 50;
    EXPECT_VAL("a blocked signal does not interrupt a pipe read",
               interrupted(INTERRUPT_UNTIL_RETURNED, call_read, complete_pipe), 1);
    patience_ms = saved_patience;
    RAW(SYS_rt_sigpending, &pending, SIGSET_SIZE);
    EXPECT_TRUE("the signal is pending", (pending & block) != 0);
    EXPECT_VAL("no handler ran yet", handled, 0);
    RAW(SYS_rt_sigprocmask, SIG_UNBLOCK, &block, NULL, SIGSET_SIZE);
    EXPECT_VAL("the handler runs once when unblocked", handled, 1);
}

/* ---- A timer's SIGALRM while the main thread is blocked ---------------------------------- */

static void alarm_writing_handler(int signo) {
    if (++handled == 3)
        RAW(SYS_write, pipe_fds[1], "a", 1);
}

static void arm_timer(long interval_us) {
    struct itimerval timer = {{0, interval_us}, {0, interval_us}};
    if (setitimer(ITIMER_REAL, &timer, NULL) != 0)
        tl_die("setitimer");
}

static void check_timer_signal(void) {
    install(SIGALRM, counting_handler, 0);
    handled = 0;
    arm_timer(5000);
    EXPECT_ERR("pipe read interrupted by a periodic SIGALRM",
               interrupted(ONLY_COMPLETE, call_read, complete_pipe), EINTR);
    arm_timer(0);
    drain_pipe();

    /* The handler itself writes the byte on its third run: the restarted read gets it. */
    install(SIGALRM, alarm_writing_handler, SA_RESTART);
    handled = 0;
    arm_timer(5000);
    long result = interrupted(ONLY_COMPLETE, call_read, complete_pipe);
    arm_timer(0);
    EXPECT_VAL("SA_RESTART pipe read gets the byte the SIGALRM handler wrote", result, 1);
    EXPECT_TRUE("the byte is the handler's", byte == 'a');
    drain_pipe();
}

static void check_pause(void) {
    install(SIGUSR1, counting_handler, SA_RESTART);
    /* pause cannot be completed by the helper: the watchdog covers a lost signal. */
    EXPECT_ERR("pause, SA_RESTART handler", interrupted(INTERRUPT_UNTIL_RETURNED, call_pause, NULL),
               EINTR);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "sig_restart");
    tl_start_watchdog(30);
    setup();
    check_restartable();
    check_never_restarted();
    check_blocked_signal();
    check_timer_signal();
    check_pause();
    return tl_finish();
}
