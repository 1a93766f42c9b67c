/* The LibOS futex: waiter queues keyed by address, each waiter sleeping on its own
 * thread's PAL event. The app's futex words never reach the host, as an enclave needs, and
 * a wake that finds no waiter makes no host call. */
#ifndef LIBOS_FUTEX_H
#define LIBOS_FUTEX_H

#include <stdint.h>
#include <stdbool.h>
#include <linux/time_types.h>

/* Sleeps while *uaddr == val, until woken by a wake whose bitset intersects bitset, until
 * abs_timeout (CLOCK_MONOTONIC; NULL = forever). Returns 0, -EAGAIN, -ETIMEDOUT or -EINTR.
 * The caller has checked that uaddr is readable. */
long libos_futex_wait(uint32_t *uaddr, uint32_t val, const struct __kernel_timespec *abs_timeout,
                      uint32_t bitset);
/* Wakes up to count waiters on uaddr whose bitset intersects bitset; returns how many. */
long libos_futex_wake(uint32_t *uaddr, int count, uint32_t bitset);
/* Wakes up to wake_count waiters on uaddr and moves up to requeue_count others to uaddr2.
 * With check, fails with -EAGAIN unless *uaddr == cmpval (FUTEX_CMP_REQUEUE). */
long libos_futex_requeue(uint32_t *uaddr, uint32_t *uaddr2, int wake_count, int requeue_count,
                         bool check, uint32_t cmpval);
/* FUTEX_WAKE_OP: atomically applies op to *uaddr2, wakes on uaddr, and wakes on uaddr2 if
 * the old value of *uaddr2 passes op's comparison. */
long libos_futex_wake_op(uint32_t *uaddr, uint32_t *uaddr2, int count, int count2, uint32_t op);

/* How many threads wait on uaddr right now (tests and diagnostics). */
int libos_futex_waiters(const uint32_t *uaddr);
/* fork: the child starts with no waiters (they were other threads). */
void libos_futex_after_fork_child(void);

struct libos_futex_stats {
    uint64_t waits, wakes, wakes_without_waiters;
};
const struct libos_futex_stats *libos_futex_stats(void);

#endif
