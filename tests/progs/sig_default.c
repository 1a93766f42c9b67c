/* Default and ignore actions that let the program live on: a signal set to SIG_IGN does
 * nothing, is not left pending and does not interrupt a blocking read; signals whose
 * default action is to ignore (SIGCHLD, SIGURG, SIGWINCH, SIGCONT) do the same under
 * SIG_DFL; while blocked, an ignored signal stays pending (it could be caught by the time
 * it is unblocked) and vanishes on unblock. rt_sigaction keeps an action exactly (handler,
 * flags, restorer, mask without SIGKILL and SIGSTOP) and refuses to change SIGKILL and
 * SIGSTOP. Death by a signal's default action is sig_term's part. */
#include "testlib.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

#define SIGSET_SIZE 8
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

static const char *name(int signo) {
    switch (signo) {
    case SIGUSR1:
        return "SIGUSR1";
    case SIGCHLD:
        return "SIGCHLD";
    case SIGURG:
        return "SIGURG";
    case SIGWINCH:
        return "SIGWINCH";
    case SIGCONT:
        return "SIGCONT";
    default:
        return "?";
    }
}

/* ---- A blocking read that a stream of signals must not interrupt ------------------------ */

static int pipe_fds[2];
static long reader_tid;
static int stream_signo;

static void *signal_then_write(void *arg) {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    for (int i = 0; i < 5; i++) {
        struct timespec delay = {0, 2000000};
        nanosleep(&delay, NULL);
        RAW(SYS_tgkill, RAW(SYS_getpid), reader_tid, stream_signo);
    }
    RAW(SYS_write, pipe_fds[1], "w", 1);
    return NULL;
}

static long read_under_signals(int signo) {
    pthread_t thread;
    char byte;
    stream_signo = signo;
    reader_tid = RAW(SYS_gettid);
    if (pthread_create(&thread, NULL, signal_then_write, NULL) != 0)
        tl_die("pthread_create");
    long result = RAW(SYS_read, pipe_fds[0], &byte, 1);
    pthread_join(thread, NULL);
    return result;
}

/* ---- The checks ------------------------------------------------------------------------- */

static void check_ignored(int signo, void (*action)(int)) {
    char label[128];
    const char *how = action == SIG_IGN ? "SIG_IGN" : "SIG_DFL";
    signal(signo, action);
    snprintf(label, sizeof(label), "%s under %s: tgkill", name(signo), how);
    EXPECT_OK(label, RAW(SYS_tgkill, RAW(SYS_getpid), RAW(SYS_gettid), signo));
    snprintf(label, sizeof(label), "%s under %s: kill", name(signo), how);
    EXPECT_OK(label, RAW(SYS_kill, RAW(SYS_getpid), signo));
    snprintf(label, sizeof(label), "%s under %s: not pending", name(signo), how);
    EXPECT_TRUE(label, (tl_pending_signals() & tl_sigbit(signo)) == 0);
    snprintf(label, sizeof(label), "%s under %s: a blocking read is not interrupted", name(signo),
             how);
    EXPECT_VAL(label, read_under_signals(signo), 1);

    tl_set_sigmask(tl_sigbit(signo));
    tl_send_self(signo);
    snprintf(label, sizeof(label), "%s under %s: pending while blocked", name(signo), how);
    EXPECT_TRUE(label, (tl_pending_signals() & tl_sigbit(signo)) != 0);
    tl_set_sigmask(0);
    snprintf(label, sizeof(label), "%s under %s: gone after unblocking", name(signo), how);
    EXPECT_TRUE(label, (tl_pending_signals() & tl_sigbit(signo)) == 0);
}

struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

static void some_handler(int signo) {}
static void some_restorer(void) {}

static void check_action_round_trip(void) {
    struct kernel_sigaction set, old, now;
    memset(&set, 0, sizeof(set));
    set.handler = (void *)some_handler;
    set.flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER | SA_RESETHAND | SA_RESTORER;
    set.restorer = (void *)some_restorer;
    set.mask = tl_sigbit(SIGHUP) | tl_sigbit(SIGKILL) | tl_sigbit(SIGSTOP) | tl_sigbit(SIGRTMAX);
    EXPECT_OK("rt_sigaction SIGUSR2 with every flag",
              RAW(SYS_rt_sigaction, SIGUSR2, &set, &old, SIGSET_SIZE));
    EXPECT_TRUE("the old action was SIG_DFL", old.handler == SIG_DFL);
    memset(&now, 0xff, sizeof(now));
    EXPECT_OK("rt_sigaction query", RAW(SYS_rt_sigaction, SIGUSR2, NULL, &now, SIGSET_SIZE));
    EXPECT_TRUE("the handler is kept", now.handler == (void *)some_handler);
    EXPECT_TRUE("the flags are kept", now.flags == set.flags);
    EXPECT_TRUE("the restorer is kept", now.restorer == (void *)some_restorer);
    EXPECT_TRUE("the mask is kept without SIGKILL and SIGSTOP",
                now.mask == (tl_sigbit(SIGHUP) | tl_sigbit(SIGRTMAX)));
    struct kernel_sigaction dfl = {.handler = SIG_DFL};
    RAW(SYS_rt_sigaction, SIGUSR2, &dfl, NULL, SIGSET_SIZE);

    struct kernel_sigaction ign = {.handler = SIG_IGN};
    EXPECT_ERR("rt_sigaction SIGKILL to SIG_IGN", RAW(SYS_rt_sigaction, SIGKILL, &ign, NULL, 8),
               EINVAL);
    EXPECT_ERR("rt_sigaction SIGSTOP to a handler", RAW(SYS_rt_sigaction, SIGSTOP, &set, NULL, 8),
               EINVAL);
    EXPECT_ERR("rt_sigaction SIGKILL to SIG_DFL", RAW(SYS_rt_sigaction, SIGKILL, &dfl, NULL, 8),
               EINVAL);
    memset(&now, 0xff, sizeof(now));
    EXPECT_OK("querying SIGKILL is allowed", RAW(SYS_rt_sigaction, SIGKILL, NULL, &now, 8));
    EXPECT_TRUE("and says SIG_DFL", now.handler == SIG_DFL);
    EXPECT_ERR("rt_sigaction with a bad action pointer",
               RAW(SYS_rt_sigaction, SIGUSR2, BAD_PTR, NULL, 8), EFAULT);
    EXPECT_ERR("rt_sigaction with a bad old-action pointer",
               RAW(SYS_rt_sigaction, SIGUSR2, NULL, BAD_PTR, 8), EFAULT);
    EXPECT_OK("tgkill with signal 0 probes the thread",
              RAW(SYS_tgkill, RAW(SYS_getpid), RAW(SYS_gettid), 0));
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "sig_default");
    if (pipe(pipe_fds) != 0)
        tl_die("pipe");
    check_ignored(SIGUSR1, SIG_IGN);
    check_ignored(SIGCHLD, SIG_DFL);
    check_ignored(SIGURG, SIG_DFL);
    check_ignored(SIGWINCH, SIG_DFL);
    check_ignored(SIGCONT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    check_action_round_trip();
    return tl_finish();
}
