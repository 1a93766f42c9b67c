#include "libos/futex.h"
#include "libos/thread.h"
#include "common/spinlock.h"
#include "pal/pal.h"
#include <asm-generic/errno.h>
#include <linux/futex.h>

#define BUCKETS 256

struct waiter {
    uint32_t *uaddr;
    uint32_t bitset;
    struct libos_thread *thread;
    volatile uint32_t claimed; /* taken off the queue by a waker (under the bucket lock) */
    volatile uint32_t woken;   /* the waker is done with this waiter */
    struct waiter *next, *prev;
};

struct bucket {
    spinlock_t lock;
    struct waiter *head, *tail;
};

static struct bucket g_buckets[BUCKETS];
static struct libos_futex_stats g_stats;

const struct libos_futex_stats *libos_futex_stats(void) {
    return &g_stats;
}

void libos_futex_after_fork_child(void) {
    /* Every queued waiter was another thread, and those do not exist in the child. */
    for (unsigned i = 0; i < BUCKETS; i++) {
        g_buckets[i].lock = (spinlock_t)SPINLOCK_INIT;
        g_buckets[i].head = g_buckets[i].tail = NULL;
    }
}

static struct bucket *bucket_of(const uint32_t *uaddr) {
    uintptr_t a = (uintptr_t)uaddr >> 2;
    a ^= a >> 9;
    a *= 0x9E3779B97F4A7C15ULL;
    return &g_buckets[(a >> 56) % BUCKETS];
}

static void enqueue(struct bucket *b, struct waiter *w) {
    w->next = NULL;
    w->prev = b->tail;
    if (b->tail)
        b->tail->next = w;
    else
        b->head = w;
    b->tail = w;
}

static void dequeue(struct bucket *b, struct waiter *w) {
    if (w->prev)
        w->prev->next = w->next;
    else
        b->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        b->tail = w->prev;
    w->next = w->prev = NULL;
}

/* Waking is two steps. Under the bucket lock a waker claims the waiter (dequeues it and
 * sets `claimed`) and keeps it on a private list; after unlocking it signals each one. The
 * host wake happens outside the lock, so a woken thread never spins on a lock held by a
 * thread that is busy in the host. */
static void claim_waiter(struct bucket *b, struct waiter *w, struct waiter **list) {
    dequeue(b, w);
    w->claimed = 1;
    w->next = *list;
    *list = w;
}

/* The waiter may return as soon as `woken` is set: read what we need from w first. */
static void signal_claimed(struct waiter *list) {
    while (list) {
        struct waiter *w = list;
        list = w->next;
        struct libos_thread *t = w->thread;
        __atomic_store_n(&w->woken, 1, __ATOMIC_SEQ_CST);
        __atomic_store_n(&t->event, 1, __ATOMIC_SEQ_CST);
        pal_event_wake(&t->event, 1);
    }
}

long libos_futex_wait(uint32_t *uaddr, uint32_t val, const struct __kernel_timespec *abs_timeout,
                      uint32_t bitset) {
    struct libos_thread *self = libos_current_thread();
    struct bucket *b = bucket_of(uaddr);
    struct waiter w = {.uaddr = uaddr, .bitset = bitset, .thread = self};
    __atomic_fetch_add(&g_stats.waits, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&self->event, 0, __ATOMIC_RELAXED);
    spin_lock(&b->lock);
    /* Compared under the bucket lock: a waker that changed the word takes this lock to
     * wake, so it either sees us queued or we see its new value. */
    if (__atomic_load_n(uaddr, __ATOMIC_SEQ_CST) != val) {
        spin_unlock(&b->lock);
        return -EAGAIN;
    }
    enqueue(b, &w);
    spin_unlock(&b->lock);

    long r = 0;
    while (!__atomic_load_n(&w.woken, __ATOMIC_SEQ_CST)) {
        r = pal_event_wait(&self->event, 0, abs_timeout);
        if (__atomic_load_n(&w.woken, __ATOMIC_ACQUIRE))
            break;
        if (r == -ETIMEDOUT || r == -EINTR)
            break;
        /* Reset before the next check of `woken`: a waker sets `woken` before `event`. */
        __atomic_store_n(&self->event, 0, __ATOMIC_SEQ_CST);
    }
    if (__atomic_load_n(&w.woken, __ATOMIC_ACQUIRE))
        return 0;
    /* Timed out or interrupted: leave the queue unless a waker claimed us meanwhile. */
    spin_lock(&b->lock);
    bool claimed = w.claimed;
    if (!claimed)
        dequeue(b, &w);
    spin_unlock(&b->lock);
    if (!claimed)
        return r;
    /* A waker owns `w` until it sets `woken`; it is between two stores, never blocked. */
    while (!__atomic_load_n(&w.woken, __ATOMIC_SEQ_CST))
        __builtin_ia32_pause();
    return 0;
}

long libos_futex_wake(uint32_t *uaddr, int count, uint32_t bitset) {
    struct bucket *b = bucket_of(uaddr);
    __atomic_fetch_add(&g_stats.wakes, 1, __ATOMIC_RELAXED);
    /* The queue is read under the lock, never before it: a waiter compares the word and
     * queues itself under this lock, so a wake that follows the app's store either finds it
     * queued or it finds the new word. (A lock-free peek at the queue could run between the
     * waiter's compare and its enqueue and lose the wakeup.) */
    struct waiter *claimed = NULL;
    int n = 0;
    spin_lock(&b->lock);
    for (struct waiter *w = b->head, *next; w && n < count; w = next) {
        next = w->next;
        if (w->uaddr != uaddr || !(w->bitset & bitset))
            continue;
        claim_waiter(b, w, &claimed);
        n++;
    }
    spin_unlock(&b->lock);
    signal_claimed(claimed);
    if (!n)
        __atomic_fetch_add(&g_stats.wakes_without_waiters, 1, __ATOMIC_RELAXED);
    return n;
}

int libos_futex_waiters(const uint32_t *uaddr) {
    struct bucket *b = bucket_of(uaddr);
    int n = 0;
    spin_lock(&b->lock);
    for (struct waiter *w = b->head; w; w = w->next)
        n += w->uaddr == uaddr;
    spin_unlock(&b->lock);
    return n;
}

static void lock_two(struct bucket *a, struct bucket *b) {
    if (a == b) {
        spin_lock(&a->lock);
        return;
    }
    if (a > b) {
        struct bucket *t = a;
        a = b;
        b = t;
    }
    spin_lock(&a->lock);
    spin_lock(&b->lock);
}

static void unlock_two(struct bucket *a, struct bucket *b) {
    spin_unlock(&a->lock);
    if (a != b)
        spin_unlock(&b->lock);
}

long libos_futex_requeue(uint32_t *uaddr, uint32_t *uaddr2, int wake_count, int requeue_count,
                         bool check, uint32_t cmpval) {
    struct bucket *b1 = bucket_of(uaddr), *b2 = bucket_of(uaddr2);
    lock_two(b1, b2);
    if (check && __atomic_load_n(uaddr, __ATOMIC_SEQ_CST) != cmpval) {
        unlock_two(b1, b2);
        return -EAGAIN;
    }
    long done = 0;
    int requeued = 0;
    struct waiter *claimed = NULL;
    for (struct waiter *w = b1->head, *next; w; w = next) {
        next = w->next;
        if (w->uaddr != uaddr)
            continue;
        if (done < wake_count) {
            claim_waiter(b1, w, &claimed);
            done++;
        } else if (requeued < requeue_count) {
            dequeue(b1, w);
            w->uaddr = uaddr2;
            enqueue(b2, w);
            requeued++;
        } else {
            break;
        }
    }
    unlock_two(b1, b2);
    signal_claimed(claimed);
    /* FUTEX_CMP_REQUEUE counts woken plus requeued waiters; FUTEX_REQUEUE only the woken,
     * as Linux returns them. */
    return check ? done + requeued : done;
}

long libos_futex_wake_op(uint32_t *uaddr, uint32_t *uaddr2, int count, int count2, uint32_t op) {
    unsigned kind = (op >> 28) & 7, cmp = (op >> 24) & 15;
    uint32_t oparg = (op >> 12) & 0xfff, cmparg = op & 0xfff;
    if (op & (8u << 28))
        oparg = 1u << (oparg & 31);
    /* Sign-extend the 12-bit fields as Linux does. */
    int32_t soparg = (op & (8u << 28)) ? (int32_t)oparg : ((int32_t)(oparg << 20) >> 20);
    int32_t scmparg = (int32_t)(cmparg << 20) >> 20;
    struct bucket *b1 = bucket_of(uaddr), *b2 = bucket_of(uaddr2);
    lock_two(b1, b2);
    uint32_t old = __atomic_load_n(uaddr2, __ATOMIC_SEQ_CST), next;
    do {
        switch (kind) {
        case FUTEX_OP_SET:
            next = (uint32_t)soparg;
            break;
        case FUTEX_OP_ADD:
            next = old + (uint32_t)soparg;
            break;
        case FUTEX_OP_OR:
            next = old | (uint32_t)soparg;
            break;
        case FUTEX_OP_ANDN:
            next = old & ~(uint32_t)soparg;
            break;
        case FUTEX_OP_XOR:
            next = old ^ (uint32_t)soparg;
            break;
        default:
            unlock_two(b1, b2);
            return -ENOSYS;
        }
    } while (!__atomic_compare_exchange_n(uaddr2, &old, next, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST));
    bool pass;
    int32_t sold = (int32_t)old;
    switch (cmp) {
    case FUTEX_OP_CMP_EQ:
        pass = sold == scmparg;
        break;
    case FUTEX_OP_CMP_NE:
        pass = sold != scmparg;
        break;
    case FUTEX_OP_CMP_LT:
        pass = sold < scmparg;
        break;
    case FUTEX_OP_CMP_LE:
        pass = sold <= scmparg;
        break;
    case FUTEX_OP_CMP_GT:
        pass = sold > scmparg;
        break;
    case FUTEX_OP_CMP_GE:
        pass = sold >= scmparg;
        break;
    default:
        unlock_two(b1, b2);
        return -ENOSYS;
    }
    long woken = 0;
    struct waiter *claimed = NULL;
    struct bucket *bs[2] = {b1, b2};
    uint32_t *addrs[2] = {uaddr, uaddr2};
    int counts[2] = {count, pass ? count2 : 0};
    for (int k = 0; k < 2; k++) {
        int n = 0;
        for (struct waiter *w = bs[k]->head, *nx; w && n < counts[k]; w = nx) {
            nx = w->next;
            if (w->uaddr != addrs[k])
                continue;
            claim_waiter(bs[k], w, &claimed);
            n++;
        }
        woken += n;
    }
    unlock_two(b1, b2);
    signal_claimed(claimed);
    return woken;
}
