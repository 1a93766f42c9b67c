/* unit-sources: libos/futex.c common/spinlock.c */
/* The LibOS futex on the host: the PAL events and the current thread are stood in for by
 * host futexes and pthread-local state, and real threads race through wait/wake/requeue. */
#define _GNU_SOURCE
#include "libos/futex.h"
#include "libos/thread.h"
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <sched.h>
#include "common/spinlock.h"
#include "tests/unit/check.h"

static __thread struct libos_thread t_self;

struct libos_thread *libos_current_thread(void) {
    return &t_self;
}

static long host_futex(volatile uint32_t *w, int op, uint32_t val, const void *ts, int v3) {
    long r = syscall(SYS_futex, w, op, val, ts, NULL, v3);
    return r < 0 ? -errno : r;
}

long pal_event_wait(volatile uint32_t *word, uint32_t expected,
                    const struct __kernel_timespec *abs_timeout) {
    return host_futex(word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, expected, abs_timeout,
                      FUTEX_BITSET_MATCH_ANY);
}

long pal_event_wake(volatile uint32_t *word, int count) {
    return host_futex(word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, (uint32_t)count, NULL, 0);
}

static struct __kernel_timespec in_ms(long ms) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long ns = now.tv_sec * 1000000000LL + now.tv_nsec + ms * 1000000LL;
    return (struct __kernel_timespec){ns / 1000000000LL, ns % 1000000000LL};
}

static uint32_t word, word2;
static int woke_count;

static void *waiter(void *arg) {
    long r = libos_futex_wait(&word, 0, NULL, (uint32_t)(uintptr_t)arg);
    CHECK(r == 0, "waiter returned %ld", r);
    __atomic_fetch_add(&woke_count, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Waits until n threads sit in the queue of addr, however loaded the machine is. */
static void settle(const uint32_t *addr, int n) {
    while (libos_futex_waiters(addr) != n)
        usleep(1000);
}

/* Waits until the woken threads have counted themselves. */
static void settle_woken(int n) {
    while (__atomic_load_n(&woke_count, __ATOMIC_SEQ_CST) != n)
        usleep(1000);
}

/* Lost-wakeup stress: ping-pong a token between two threads many times. */
static uint32_t token;
#define ROUNDS 5000
static void *ponger(void *arg) {
    for (int i = 0; i < ROUNDS; i++) {
        while (__atomic_load_n(&token, __ATOMIC_SEQ_CST) != 1)
            libos_futex_wait(&token, 0, NULL, ~0u);
        __atomic_store_n(&token, 0, __ATOMIC_SEQ_CST);
        libos_futex_wake(&token, 1, ~0u);
    }
    return arg;
}

int main(void) {
    /* As the runtime does: a spinning waiter yields, since a lock holder may be preempted. */
    g_spin_yield = (void (*)(void))sched_yield;
    /* Value mismatch: EAGAIN without sleeping. */
    word = 1;
    CHECK(libos_futex_wait(&word, 0, NULL, ~0u) == -EAGAIN, "mismatch should be EAGAIN");

    /* Timeout. */
    word = 0;
    struct __kernel_timespec dl = in_ms(30);
    CHECK(libos_futex_wait(&word, 0, &dl, ~0u) == -ETIMEDOUT, "expected ETIMEDOUT");

    /* Wake with no waiter counts as such. */
    uint64_t before = libos_futex_stats()->wakes_without_waiters;
    CHECK(libos_futex_wake(&word, 1, ~0u) == 0, "wake of nobody");
    CHECK(libos_futex_stats()->wakes_without_waiters == before + 1, "no-waiter wake not counted");

    /* Wake count and bitsets: 4 waiters with bitset 1, 2 with bitset 2. */
    pthread_t th[6];
    for (int i = 0; i < 6; i++)
        pthread_create(&th[i], NULL, waiter, (void *)(uintptr_t)(i < 4 ? 1 : 2));
    settle(&word, 6);
    CHECK(libos_futex_wake(&word, 2, 1) == 2, "wake 2 of bitset 1");
    settle_woken(2);
    CHECK(libos_futex_waiters(&word) == 4, "4 left waiting");
    CHECK(libos_futex_wake(&word, 10, 2) == 2, "wake bitset 2");
    CHECK(libos_futex_wake(&word, 10, ~0u) == 2, "wake the rest");
    for (int i = 0; i < 6; i++)
        pthread_join(th[i], NULL);
    CHECK(woke_count == 6, "woke %d, want 6", woke_count);

    /* Requeue: 3 waiters on word; wake 1, move 2 to word2; then wake word2. */
    woke_count = 0;
    for (int i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, waiter, (void *)(uintptr_t)~0u);
    settle(&word, 3);
    CHECK(libos_futex_requeue(&word, &word2, 1, 10, true, 1) == -EAGAIN, "cmp mismatch");
    CHECK(libos_futex_requeue(&word, &word2, 1, 10, true, 0) == 3, "cmp_requeue count");
    settle_woken(1);
    CHECK(libos_futex_waiters(&word2) == 2, "two requeued to word2");
    CHECK(libos_futex_wake(&word, 10, ~0u) == 0, "nobody left on word");
    CHECK(libos_futex_wake(&word2, 10, ~0u) == 2, "two moved to word2");
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);

    /* WAKE_OP: set word2 = 5 (old 0), wake on word2 if old == 0. */
    word2 = 0;
    uint32_t op = (FUTEX_OP_SET << 28) | (FUTEX_OP_CMP_EQ << 24) | (5 << 12) | 0;
    CHECK(libos_futex_wake_op(&word, &word2, 1, 1, op) == 0, "wake_op with no waiters");
    CHECK(word2 == 5, "wake_op set word2=%u", word2);
    op = (FUTEX_OP_ADD << 28) | (FUTEX_OP_CMP_GT << 24) | (1 << 12) | 4;
    libos_futex_wake_op(&word, &word2, 1, 1, op);
    CHECK(word2 == 6, "wake_op add word2=%u", word2);

    /* No lost wakeups under a ping-pong. */
    pthread_t p;
    pthread_create(&p, NULL, ponger, NULL);
    for (int i = 0; i < ROUNDS; i++) {
        __atomic_store_n(&token, 1, __ATOMIC_SEQ_CST);
        libos_futex_wake(&token, 1, ~0u);
        while (__atomic_load_n(&token, __ATOMIC_SEQ_CST) != 0)
            libos_futex_wait(&token, 1, NULL, ~0u);
    }
    pthread_join(p, NULL);

    return unit_report("test_futex");
}
