/* Clocks and sleeping. Reads go through the host vDSO inside the PAL: no host syscall. */
#include "libos/syscall.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include <linux/time.h>
#include <linux/time_types.h>

struct timezone_value {
    int minuteswest;
    int dsttime;
};

static bool clock_valid(int clock) {
    /* CPU-time clocks of other processes/threads are negative ids; own ones pass through. */
    return clock >= 0 ? clock <= 11 && clock != 10 /* CLOCK_SGI_CYCLE */ : true;
}

SYSCALL_WARM(clock_gettime, SUPPORT_FULL) {
    int clock = ARG_INT(0);
    struct __kernel_timespec *ts = ARG_PTR(struct __kernel_timespec *, 1);
    if (!clock_valid(clock))
        return -EINVAL;
    if (!UACCESS_WRITE(ts, sizeof(*ts)))
        return -EFAULT;
    return pal_clock_gettime(clock, ts);
}

SYSCALL(clock_getres, SUPPORT_FULL) {
    int clock = ARG_INT(0);
    struct __kernel_timespec *ts = ARG_PTR(struct __kernel_timespec *, 1);
    if (!clock_valid(clock))
        return -EINVAL;
    if (!ts)
        return pal_clock_getres(clock, NULL);
    if (!UACCESS_WRITE(ts, sizeof(*ts)))
        return -EFAULT;
    return pal_clock_getres(clock, ts);
}

SYSCALL(gettimeofday, SUPPORT_FULL) {
    struct __kernel_old_timeval *tv = ARG_PTR(struct __kernel_old_timeval *, 0);
    struct timezone_value *tz = ARG_PTR(struct timezone_value *, 1);
    if (tv && !UACCESS_WRITE(tv, sizeof(*tv)))
        return -EFAULT;
    if (tz && !UACCESS_WRITE(tz, sizeof(*tz)))
        return -EFAULT;
    if (tv) {
        struct __kernel_timespec ts;
        long r = pal_clock_gettime(CLOCK_REALTIME, &ts);
        if (r < 0)
            return r;
        tv->tv_sec = ts.tv_sec;
        tv->tv_usec = ts.tv_nsec / 1000;
    }
    if (tz) {
        tz->minuteswest = 0;
        tz->dsttime = 0;
    }
    return 0;
}

SYSCALL(time, SUPPORT_FULL) {
    long *out = ARG_PTR(long *, 0);
    if (out && !UACCESS_WRITE(out, sizeof(*out)))
        return -EFAULT;
    struct __kernel_timespec ts;
    long r = pal_clock_gettime(CLOCK_REALTIME, &ts);
    if (r < 0)
        return r;
    if (out)
        *out = ts.tv_sec;
    return ts.tv_sec;
}

static long sleep_checked(int clock, int flags, const struct __kernel_timespec *req,
                          struct __kernel_timespec *rem) {
    if (!UACCESS_READ(req, sizeof(*req)))
        return -EFAULT;
    if (rem && !UACCESS_WRITE(rem, sizeof(*rem)))
        return -EFAULT;
    if (req->tv_nsec < 0 || req->tv_nsec >= 1000000000 || req->tv_sec < 0)
        return -EINVAL;
    return pal_clock_nanosleep(clock, flags, req, rem);
}

SYSCALL(nanosleep, SUPPORT_FULL) {
    return sleep_checked(CLOCK_MONOTONIC, 0, ARG_PTR(const struct __kernel_timespec *, 0),
                         ARG_PTR(struct __kernel_timespec *, 1));
}

SYSCALL(clock_nanosleep, SUPPORT_FULL) {
    int clock = ARG_INT(0);
    int flags = ARG_INT(1);
    /* Which clocks can sleep (EINVAL/EOPNOTSUPP otherwise) is the host's answer. */
    if (flags & ~TIMER_ABSTIME)
        return -EINVAL;
    /* Linux returns the error (not -1/errno) from clock_nanosleep; the libc converts. */
    return sleep_checked(clock, flags, ARG_PTR(const struct __kernel_timespec *, 2),
                         (flags & TIMER_ABSTIME) ? NULL : ARG_PTR(struct __kernel_timespec *, 3));
}
