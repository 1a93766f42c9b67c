/* timerfd_create, timerfd_settime, timerfd_gettime: a host timerfd, so expirations, reads
 * of the count, poll and epoll behave as the host's; its clocks are the ones the app reads
 * (the host's, through the vDSO). The LibOS checks what Linux checks before the host sees
 * a pointer: flags, clocks, the timer values. */
#include "libos/syscall.h"
#include "libos/fd.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include <linux/fcntl.h>
#include <linux/time.h>
#include <linux/time_types.h>

#define TFD_CLOEXEC O_CLOEXEC
#define TFD_NONBLOCK O_NONBLOCK
#define TFD_TIMER_ABSTIME 1
#define TFD_TIMER_CANCEL_ON_SET 2
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9

SYSCALL(timerfd_create, SUPPORT_FULL) {
    int clockid = ARG_INT(0), flags = ARG_INT(1);
    if (flags & ~(TFD_CLOEXEC | TFD_NONBLOCK))
        return -EINVAL;
    if (clockid != CLOCK_MONOTONIC && clockid != CLOCK_REALTIME && clockid != CLOCK_BOOTTIME &&
        clockid != CLOCK_REALTIME_ALARM && clockid != CLOCK_BOOTTIME_ALARM)
        return -EINVAL;
    long h = pal_timerfd_create(clockid, flags & TFD_NONBLOCK);
    if (h < 0)
        return h;
    return fd_install_host((int)h, O_RDWR | (flags & TFD_NONBLOCK), (flags & TFD_CLOEXEC) != 0);
}

static bool timespec_valid(const struct __kernel_timespec *ts) {
    return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000;
}

SYSCALL(timerfd_settime, SUPPORT_FULL) {
    int flags = ARG_INT(1);
    const struct __kernel_itimerspec *unew = ARG_PTR(const struct __kernel_itimerspec *, 2);
    struct __kernel_itimerspec *uold = ARG_PTR(struct __kernel_itimerspec *, 3);
    if (!UACCESS_READ(unew, sizeof(*unew)))
        return -EFAULT;
    struct __kernel_itimerspec new_value = *unew, old_value;
    if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) ||
        !timespec_valid(&new_value.it_value) || !timespec_valid(&new_value.it_interval))
        return -EINVAL;
    struct libos_file *f;
    long r = fd_get_host(ARG_INT(0), -EINVAL, &f); /* one the LibOS makes is no timerfd */
    if (r < 0)
        return r;
    r = pal_timerfd_settime(f->handle, flags, &new_value, uold ? &old_value : NULL);
    file_put(f);
    if (r < 0 || !uold)
        return r;
    if (!UACCESS_WRITE(uold, sizeof(*uold)))
        return -EFAULT;
    *uold = old_value;
    return r;
}

SYSCALL(timerfd_gettime, SUPPORT_FULL) {
    struct __kernel_itimerspec *ucur = ARG_PTR(struct __kernel_itimerspec *, 1);
    struct libos_file *f;
    long r = fd_get_host(ARG_INT(0), -EINVAL, &f); /* one the LibOS makes is no timerfd */
    if (r < 0)
        return r;
    struct __kernel_itimerspec cur;
    r = pal_timerfd_gettime(f->handle, &cur);
    file_put(f);
    if (r < 0)
        return r;
    if (!UACCESS_WRITE(ucur, sizeof(*ucur)))
        return -EFAULT;
    *ucur = cur;
    return 0;
}
