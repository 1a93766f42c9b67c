/* Futex costs as a program sees them: a wake that finds no waiter, and a ping-pong between
 * two threads (one round = two waits and two wakes). Run natively and under enclos in the
 * same benchmark run; prints "NAME NANOSECONDS". */
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static long futex(uint32_t *w, int op, uint32_t val) {
    return syscall(SYS_futex, w, op, val, NULL, NULL, 0);
}

static uint32_t token;
static long rounds;

static void *ponger(void *arg) {
    for (long i = 0; i < rounds; i++) {
        while (__atomic_load_n(&token, __ATOMIC_SEQ_CST) != 1)
            futex(&token, FUTEX_WAIT_PRIVATE, 0);
        __atomic_store_n(&token, 0, __ATOMIC_SEQ_CST);
        futex(&token, FUTEX_WAKE_PRIVATE, 1);
    }
    return arg;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 200000;
    uint32_t idle = 0;
    double best = 1e30;
    for (int round = 0; round < 5; round++) {
        double t0 = now_ns();
        for (long i = 0; i < n; i++)
            futex(&idle, FUTEX_WAKE_PRIVATE, 1);
        double per = (now_ns() - t0) / n;
        best = per < best ? per : best;
    }
    printf("futex_wake_no_waiter %.1f\n", best);

    rounds = n / 10;
    pthread_t p;
    double t0 = now_ns();
    pthread_create(&p, NULL, ponger, NULL);
    for (long i = 0; i < rounds; i++) {
        __atomic_store_n(&token, 1, __ATOMIC_SEQ_CST);
        futex(&token, FUTEX_WAKE_PRIVATE, 1);
        while (__atomic_load_n(&token, __ATOMIC_SEQ_CST) != 0)
            futex(&token, FUTEX_WAIT_PRIVATE, 1);
    }
    pthread_join(p, NULL);
    printf("futex_ping_pong_round %.1f\n", (now_ns() - t0) / rounds);
    return 0;
}
