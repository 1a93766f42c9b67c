/* Signal delivery round trip: raise a signal at the calling thread and return from its
 * handler (tgkill, frame setup with the FPU state, handler, rt_sigreturn). Prints
 * "name ns/op". */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static volatile long handled;

static void handler(int sig) {
    (void)sig;
    handled++;
}

int main(void) {
    struct sigaction sa = {.sa_handler = handler};
    sigaction(SIGUSR1, &sa, NULL);
    pid_t pid = getpid(), tid = (pid_t)syscall(SYS_gettid);
    const int n = 100000;
    for (int i = 0; i < 1000; i++) /* warm up */
        syscall(SYS_tgkill, pid, tid, SIGUSR1);
    double t0 = now_ns();
    for (int i = 0; i < n; i++)
        syscall(SYS_tgkill, pid, tid, SIGUSR1);
    double t1 = now_ns();
    printf("raise_and_handle %.1f\n", (t1 - t0) / n);
    return handled >= n ? 0 : 1;
}
