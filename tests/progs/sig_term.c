/* Death by a signal's default action: SIGTERM, blocked while it is sent, waits pending;
 * unblocking it ends the whole process (also a second thread blocked in a pipe read) with
 * the signal, as natively: the runner sees "killed by SIGTERM" (a shell reports 143).
 * The program kills itself rather than a child, so that it needs no fork. */
#include "testlib.h"

#include <pthread.h>
#include <signal.h>

#define SIGSET_SIZE 8

static int pipe_fds[2];

static void *blocked_reader(void *arg) {
    char byte;
    RAW(SYS_read, pipe_fds[0], &byte, 1);
    return NULL;
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "sig_term");
    uint64_t term = 1ull << (SIGTERM - 1), pending = 0;
    EXPECT_OK("block SIGTERM", RAW(SYS_rt_sigprocmask, SIG_BLOCK, &term, NULL, SIGSET_SIZE));
    pthread_t thread;
    if (pipe(pipe_fds) != 0 || pthread_create(&thread, NULL, blocked_reader, NULL) != 0)
        tl_die("setup");
    EXPECT_OK("kill SIGTERM to self", RAW(SYS_kill, RAW(SYS_getpid), SIGTERM));
    RAW(SYS_rt_sigpending, &pending, SIGSET_SIZE);
    EXPECT_TRUE("SIGTERM is pending while blocked", (pending & term) != 0);
    printf("unblocking SIGTERM\n");
    fflush(stdout);
    RAW(SYS_rt_sigprocmask, SIG_UNBLOCK, &term, NULL, SIGSET_SIZE);
    printf("FAIL: still running after SIGTERM was unblocked\n");
    return 1;
}
