/* A test-and-set lock for short runtime critical sections. The runtime cannot use
 * futex-backed locks for its own bookkeeping because the LibOS implements futex. */
#ifndef COMMON_SPINLOCK_H
#define COMMON_SPINLOCK_H

typedef struct {
    volatile int locked;
} spinlock_t;

#define SPINLOCK_INIT                                                                              \
    { 0 }

/* Called by a waiter that has spun for a while: the holder may be preempted (on a busy
 * machine, or waking another thread through the host), so give the CPU away. The runtime
 * installs the host's sched_yield here. */
extern void (*g_spin_yield)(void);

static inline void spin_lock(spinlock_t *l) {
    unsigned spins = 0;
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
            __builtin_ia32_pause();
            if (++spins % 256 == 0 && g_spin_yield)
                g_spin_yield();
        }
}

static inline int spin_trylock(spinlock_t *l) {
    return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_unlock(spinlock_t *l) {
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
