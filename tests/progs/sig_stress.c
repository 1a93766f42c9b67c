/* Lost-signal stress: target threads sit in blocking calls (pipe read, futex wait,
 * epoll_wait, nanosleep) or run without blocking (a computation loop, a loop of cheap
 * syscalls; both yield the CPU between bursts so that a small machine is not starved), and
 * two senders send them signals with tgkill at random moments: a thread of this process and
 * a forked child process (which gets each of its signals through a MAP_SHARED mailbox, so a
 * signal reaches the process from outside, as a host signal under enclos, about half of the
 * time; which sender sends each signal is a random choice). Each target's handler
 * counts what it receives. The sender keeps one signal in flight per target: before it
 * sends the next one to a target it waits until the target's handler has counted the
 * previous one, so the coalescing of standard signals can never hide a loss; a signal not
 * observed within 5 s is reported as lost, naming the target. At the end every target is
 * woken and must finish; a watchdog ends the program with FAIL if anything stops making
 * progress, so it never hangs.
 *
 * The signals are SIGUSR1 (no SA_RESTART: blocking calls fail with EINTR and are called
 * again), SIGUSR2 (SA_RESTART: pipe reads and futex waits restart) and SIGRTMIN+1 (a
 * queued real-time signal). The sender's random choices use a fixed seed.
 *
 * Modes: argv[2] "long" sends 1000000 signals; the environment variable
 * ENCLOS_STRESS_SIGNALS=N sends N; the default is 20000. The output is the count and
 * "ok" lines only.
 */
#include "testlib.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#define DEFAULT_SIGNALS 20000
#define LONG_SIGNALS 1000000
#define ACK_LIMIT_NS 5000000000ull
#define FINISH_LIMIT_NS 5000000000ull
#define WATCHDOG_SECONDS 20

enum kind { PIPE_READ, FUTEX_WAIT, EPOLL_WAIT, NANOSLEEP, COMPUTE, SYSCALL_LOOP };
static const char *const kind_names[] = {"pipe read", "futex wait",  "epoll_wait",
                                         "nanosleep", "computation", "syscall loop"};
static const enum kind target_kinds[] = {PIPE_READ,  PIPE_READ,   FUTEX_WAIT, FUTEX_WAIT,
                                         EPOLL_WAIT, EPOLL_WAIT,  NANOSLEEP,  NANOSLEEP,
                                         COMPUTE,    SYSCALL_LOOP};
#define TARGETS ((int)(sizeof(target_kinds) / sizeof(target_kinds[0])))

struct target {
    enum kind kind;
    pthread_t thread;
    volatile long tid;
    int pipe_fds[2];
    int epoll_fd;
    int futex_word;
    volatile uint64_t received; /* counted by the handler */
    uint64_t sent;              /* counted by the sender */
    volatile int finished;
    volatile uint64_t sink;
};

static struct target targets[TARGETS];
static __thread struct target *self;
static volatile int stop;
static volatile uint64_t strays; /* signals handled by a thread that is not a target */
static volatile uint64_t progress;
static const char *volatile phase = "starting";
static volatile int phase_target = -1;

static void handler(int signo) {
    struct target *me = self;
    if (!me) {
        __atomic_add_fetch(&strays, 1, __ATOMIC_SEQ_CST);
        return;
    }
    __atomic_add_fetch(&me->received, 1, __ATOMIC_SEQ_CST);
}

static void install(int signo, int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(signo, &sa, NULL) != 0)
        tl_die("sigaction");
}

/* ---- The targets ------------------------------------------------------------------------ */

static void *target_main(void *arg) {
    struct target *me = arg;
    self = me;
    me->tid = RAW(SYS_gettid);
    char byte;
    struct epoll_event event;
    struct timespec nap = {0, 50 * 1000000};
    while (!stop) {
        switch (me->kind) {
        case PIPE_READ:
            RAW(SYS_read, me->pipe_fds[0], &byte, 1);
            break;
        case FUTEX_WAIT:
            RAW(SYS_futex, &me->futex_word, FUTEX_WAIT_PRIVATE, 0, NULL);
            break;
        case EPOLL_WAIT:
            RAW(SYS_epoll_wait, me->epoll_fd, &event, 1, -1);
            break;
        case NANOSLEEP:
            RAW(SYS_nanosleep, &nap, NULL);
            break;
        case COMPUTE:
            for (int i = 0; i < 20000; i++)
                me->sink = me->sink * 6364136223846793005ull + 1442695040888963407ull;
            RAW(SYS_sched_yield);
            break;
        case SYSCALL_LOOP:
            for (int i = 0; i < 50; i++)
                RAW(SYS_getppid);
            RAW(SYS_sched_yield);
            break;
        }
    }
    me->finished = 1;
    return NULL;
}

static void wake(struct target *target) {
    switch (target->kind) {
    case PIPE_READ:
    case EPOLL_WAIT:
        RAW(SYS_write, target->pipe_fds[1], "x", 1);
        break;
    case FUTEX_WAIT:
        __atomic_store_n(&target->futex_word, 1, __ATOMIC_SEQ_CST);
        RAW(SYS_futex, &target->futex_word, FUTEX_WAKE_PRIVATE, 1);
        break;
    default:
        break; /* ends its step by itself */
    }
}

/* ---- The watchdog ----------------------------------------------------------------------- */

static void fail_and_exit(const char *what, int index) {
    if (index >= 0)
        printf("%s: FAIL (thread %d, %s)\n", what, index, kind_names[targets[index].kind]);
    else
        printf("%s: FAIL\n", what);
    fflush(stdout);
    _exit(1);
}

static void *watchdog(void *arg) {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    uint64_t last = progress;
    int idle = 0;
    for (;;) {
        struct timespec second = {1, 0};
        nanosleep(&second, NULL);
        uint64_t now = progress;
        idle = now == last ? idle + 1 : 0;
        last = now;
        if (idle >= WATCHDOG_SECONDS) {
            char what[128];
            snprintf(what, sizeof(what), "watchdog: no progress for %d s while %s",
                     WATCHDOG_SECONDS, phase);
            fail_and_exit(what, phase_target);
        }
    }
    return NULL;
}

/* ---- The sender ------------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static volatile uint64_t spin_sink;

static void random_pause(void) {
    uint64_t r = next_random();
    switch (r % 4) {
    case 0:
        break; /* at once: often while the target returns from its handler */
    case 1:
        for (uint64_t i = 0; i < (r >> 8) % 4000; i++)
            spin_sink = spin_sink + i;
        break;
    case 2:
        RAW(SYS_sched_yield);
        break;
    case 3: {
        struct timespec delay = {0, (long)((r >> 8) % 20000)};
        RAW(SYS_nanosleep, &delay, NULL);
        break;
    }
    }
}

static void wait_for_ack(int index) {
    struct target *target = &targets[index];
    if (__atomic_load_n(&target->received, __ATOMIC_SEQ_CST) == target->sent)
        return;
    uint64_t deadline = tl_monotonic_ns() + ACK_LIMIT_NS;
    while (__atomic_load_n(&target->received, __ATOMIC_SEQ_CST) != target->sent) {
        if (tl_monotonic_ns() > deadline) {
            char what[160];
            snprintf(what, sizeof(what),
                     "signal %llu to a target not observed after 5 s (%llu observed)",
                     (unsigned long long)target->sent, (unsigned long long)target->received);
            fail_and_exit(what, index);
        }
        RAW(SYS_sched_yield);
    }
}

static uint64_t send_failures;

/* ---- The other process ------------------------------------------------------------------ */

/* Shared with the forked sender: one request at a time. */
struct mailbox {
    volatile int request; /* 0 empty, 1 a signal to send, -1 quit */
    volatile long pid, tid;
    volatile int signo;
    volatile uint64_t sent, failures;
};
static struct mailbox *mailbox;
static pid_t other_process;

static void other_process_main(void) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    rng_state ^= 0x5bd1e995; /* its own pauses, still reproducible */
    for (;;) {
        int request = __atomic_load_n(&mailbox->request, __ATOMIC_ACQUIRE);
        if (request < 0)
            _exit(0);
        if (request == 0) {
            RAW(SYS_sched_yield);
            continue;
        }
        random_pause();
        if (RAW(SYS_tgkill, mailbox->pid, mailbox->tid, mailbox->signo) != 0)
            mailbox->failures++;
        mailbox->sent++;
        __atomic_store_n(&mailbox->request, 0, __ATOMIC_RELEASE);
    }
}

static void start_other_process(void) {
    mailbox =
        mmap(NULL, sizeof(*mailbox), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mailbox == MAP_FAILED)
        tl_die("mmap");
    mailbox->request = 0;
    other_process = fork();
    if (other_process < 0)
        tl_die("fork");
    if (other_process == 0)
        other_process_main();
}

static void wait_for_empty_mailbox(int index) {
    uint64_t deadline = tl_monotonic_ns() + ACK_LIMIT_NS;
    while (__atomic_load_n(&mailbox->request, __ATOMIC_ACQUIRE) != 0) {
        if (tl_monotonic_ns() > deadline)
            fail_and_exit("the other process did not take a request within 5 s", index);
        RAW(SYS_sched_yield);
    }
}

/* Hands one signal to the other process once it has sent the previous one. */
static void send_through_other_process(long pid, long tid, int signo, int index) {
    wait_for_empty_mailbox(index);
    mailbox->pid = pid;
    mailbox->tid = tid;
    mailbox->signo = signo;
    __atomic_store_n(&mailbox->request, 1, __ATOMIC_RELEASE);
}

static void stop_other_process(void) {
    wait_for_empty_mailbox(-1);
    __atomic_store_n(&mailbox->request, -1, __ATOMIC_RELEASE);
    int status;
    if (waitpid(other_process, &status, 0) != other_process || !WIFEXITED(status))
        fail_and_exit("the other process did not exit cleanly", -1);
}

static uint64_t sent_from_here;

static void send_all(uint64_t total) {
    long pid = RAW(SYS_getpid);
    const int signals[] = {SIGUSR1, SIGUSR2, SIGRTMIN + 1};
    phase = "sending";
    for (uint64_t n = 0; n < total; n++) {
        int index = (int)(next_random() % TARGETS);
        phase_target = index;
        wait_for_ack(index);
        random_pause();
        uint64_t r = next_random();
        int signo = signals[r % 3];
        targets[index].sent++;
        if ((r >> 8) & 1) {
            send_through_other_process(pid, targets[index].tid, signo, index);
        } else {
            sent_from_here++;
            if (RAW(SYS_tgkill, pid, targets[index].tid, signo) != 0)
                send_failures++;
        }
        progress++;
    }
    phase = "waiting for the last signals";
    for (int i = 0; i < TARGETS; i++) {
        phase_target = i;
        wait_for_ack(i);
        progress++;
    }
}

static uint64_t signal_count(int argc, char **argv) {
    const char *env = getenv("ENCLOS_STRESS_SIGNALS");
    if (env && *env)
        return strtoull(env, NULL, 10);
    if (argc > 2 && strcmp(argv[2], "long") == 0)
        return LONG_SIGNALS;
    return DEFAULT_SIGNALS;
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "sig_stress");
    uint64_t total = signal_count(argc, argv);
    install(SIGUSR1, 0);
    install(SIGUSR2, SA_RESTART);
    install(SIGRTMIN + 1, 0);

    /* The watchdog starts with every signal blocked. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t watchdog_thread;
    if (pthread_create(&watchdog_thread, NULL, watchdog, NULL) != 0)
        tl_die("pthread_create");
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_detach(watchdog_thread);

    for (int i = 0; i < TARGETS; i++) {
        struct target *target = &targets[i];
        target->kind = target_kinds[i];
        if (pipe(target->pipe_fds) != 0)
            tl_die("pipe");
        target->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        struct epoll_event event = {.events = EPOLLIN, .data.u64 = (uint64_t)i};
        if (target->epoll_fd < 0 ||
            epoll_ctl(target->epoll_fd, EPOLL_CTL_ADD, target->pipe_fds[0], &event) != 0)
            tl_die("epoll");
        if (pthread_create(&target->thread, NULL, target_main, target) != 0)
            tl_die("pthread_create");
    }
    for (int i = 0; i < TARGETS; i++) {
        while (!targets[i].tid)
            sched_yield();
    }

    start_other_process();
    send_all(total);
    stop_other_process();

    uint64_t sent = 0, received = 0;
    bool each_matches = true;
    for (int i = 0; i < TARGETS; i++) {
        sent += targets[i].sent;
        received += targets[i].received;
        each_matches = each_matches && targets[i].received == targets[i].sent;
    }
    EXPECT_VAL("signals sent", sent, total);
    EXPECT_VAL("signals sent by another thread", sent_from_here, total - (uint64_t)mailbox->sent);
    EXPECT_TRUE("signals sent by another process: about half",
                mailbox->sent > total / 3 && mailbox->sent < total - total / 3);
    EXPECT_VAL("tgkill failures", send_failures + mailbox->failures, 0);
    EXPECT_TRUE("every signal observed by its target's handler", each_matches && received == total);
    EXPECT_VAL("signals observed by other threads", strays, 0);

    phase = "waiting for the targets to finish";
    stop = 1;
    for (int i = 0; i < TARGETS; i++)
        wake(&targets[i]);
    for (int i = 0; i < TARGETS; i++) {
        phase_target = i;
        uint64_t deadline = tl_monotonic_ns() + FINISH_LIMIT_NS;
        while (!targets[i].finished) {
            if (tl_monotonic_ns() > deadline)
                fail_and_exit("a target did not finish within 5 s after being woken", i);
            struct timespec step = {0, 1000000};
            nanosleep(&step, NULL);
        }
        pthread_join(targets[i].thread, NULL);
        progress++;
    }
    EXPECT_TRUE("every thread finished", true);
    return tl_finish();
}
