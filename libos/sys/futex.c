/* futex(2) over the LibOS futex (libos/futex.c). */
#include "libos/syscall.h"
#include "libos/futex.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include <linux/futex.h>
#include <linux/time.h>
#include <linux/time_types.h>

#define NSEC 1000000000LL

static bool timespec_valid(const struct __kernel_timespec *ts) {
    return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < NSEC;
}

/* Converts the app's timeout to an absolute CLOCK_MONOTONIC deadline for the PAL. */
static long deadline(const struct __kernel_timespec *user, bool absolute, bool realtime,
                     struct __kernel_timespec *out) {
    if (!UACCESS_READ(user, sizeof(*user)))
        return -EFAULT;
    struct __kernel_timespec t = *user;
    if (!timespec_valid(&t))
        return -EINVAL;
    struct __kernel_timespec now;
    pal_clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ns;
    if (!absolute) {
        ns = t.tv_sec * NSEC + t.tv_nsec;
    } else if (realtime) {
        struct __kernel_timespec real;
        pal_clock_gettime(CLOCK_REALTIME, &real);
        ns = (t.tv_sec - real.tv_sec) * NSEC + (t.tv_nsec - real.tv_nsec);
    } else {
        *out = t;
        return 0;
    }
    if (ns < 0)
        ns = 0;
    int64_t abs = now.tv_sec * NSEC + now.tv_nsec + ns;
    out->tv_sec = abs / NSEC;
    out->tv_nsec = abs % NSEC;
    return 0;
}

SYSCALL_WARM(futex, SUPPORT_PARTIAL) {
    uint32_t *uaddr = ARG_PTR(uint32_t *, 0);
    int op = ARG_INT(1);
    uint32_t val = ARG_UINT(2);
    const struct __kernel_timespec *timeout = ARG_PTR(const struct __kernel_timespec *, 3);
    uint32_t *uaddr2 = ARG_PTR(uint32_t *, 4);
    uint32_t val3 = ARG_UINT(5);
    int cmd = op & FUTEX_CMD_MASK;
    bool realtime = op & FUTEX_CLOCK_REALTIME;
    /* One process: private and shared futexes are the same queues. */
    if (((uintptr_t)uaddr & 3) != 0)
        return -EINVAL;
    if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
        return -ENOSYS;
    switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
        uint32_t bitset = cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : val3;
        if (!bitset)
            return -EINVAL;
        if (!UACCESS_READ(uaddr, sizeof(*uaddr)))
            return -EFAULT;
        struct __kernel_timespec abs, *absp = NULL;
        if (timeout) {
            long r = deadline(timeout, cmd == FUTEX_WAIT_BITSET, realtime, &abs);
            if (r < 0)
                return r;
            absp = &abs;
        }
        return libos_futex_wait(uaddr, val, absp, bitset);
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
        uint32_t bitset = cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : val3;
        if (!bitset)
            return -EINVAL;
        return libos_futex_wake(uaddr, (int)(val > 0x7fffffff ? 0x7fffffff : val), bitset);
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
        long count2 = (long)(uintptr_t)timeout; /* val2 travels in the timeout slot */
        if ((int)val < 0 || count2 < 0 || ((uintptr_t)uaddr2 & 3))
            return -EINVAL;
        if (cmd == FUTEX_CMP_REQUEUE && !UACCESS_READ(uaddr, sizeof(*uaddr)))
            return -EFAULT;
        return libos_futex_requeue(uaddr, uaddr2, (int)val,
                                   (int)(count2 > 0x7fffffff ? 0x7fffffff : count2),
                                   cmd == FUTEX_CMP_REQUEUE, val3);
    }
    case FUTEX_WAKE_OP: {
        long count2 = (long)(uintptr_t)timeout;
        if (((uintptr_t)uaddr2 & 3))
            return -EINVAL;
        if (!UACCESS_WRITE(uaddr2, sizeof(*uaddr2)))
            return -EFAULT;
        return libos_futex_wake_op(uaddr, uaddr2, (int)val, (int)count2, val3);
    }
    default:
        /* Priority-inheritance futexes need the owner-tid protocol; not provided. */
        return -ENOSYS;
    }
}
