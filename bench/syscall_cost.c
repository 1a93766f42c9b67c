/* Cost of single syscalls, measured from inside the program: run natively and under
 * enclos in the same benchmark run, the ratios are what matters (absolute times on a
 * shared machine mean little). Prints "NAME NANOSECONDS_PER_CALL" lines. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static inline long raw_syscall3(long nr, long a, long b, long c) {
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "0"(nr), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return ret;
}

/* Best of several rounds: the least disturbed round is the closest to the real cost. */
static double measure(long nr, long a, long b, long c, long iterations) {
    double best = 1e30;
    for (int round = 0; round < 7; round++) {
        double t0 = now_ns();
        for (long i = 0; i < iterations; i++)
            raw_syscall3(nr, a, b, c);
        double per = (now_ns() - t0) / iterations;
        if (per < best)
            best = per;
    }
    return best;
}

int main(int argc, char **argv) {
    long iterations = argc > 1 ? atol(argv[1]) : 200000;
    int devnull = open("/dev/null", O_WRONLY);
    int pipefd[2];
    if (devnull < 0 || pipe(pipefd) < 0)
        return 1;
    static char byte = 'x';
    static struct timespec ts;
    printf("getpid %.1f\n", measure(39, 0, 0, 0, iterations));
    /* The syscall itself, not the vDSO: what a program without the vDSO falls back to. */
    printf("clock_gettime %.1f\n", measure(228, CLOCK_MONOTONIC, (long)&ts, 0, iterations));
    printf("write_devnull %.1f\n", measure(1, devnull, (long)&byte, 1, iterations));
    /* The pipe stays full enough: write one, read one per pair of calls. */
    double best = 1e30;
    for (int round = 0; round < 7; round++) {
        double t0 = now_ns();
        for (long i = 0; i < iterations; i++) {
            raw_syscall3(1, pipefd[1], (long)&byte, 1);
            raw_syscall3(0, pipefd[0], (long)&byte, 1);
        }
        double per = (now_ns() - t0) / iterations / 2;
        if (per < best)
            best = per;
    }
    printf("pipe_rw %.1f\n", best);
    return 0;
}
