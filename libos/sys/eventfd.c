/* eventfd and eventfd2: a host eventfd, so reads, writes, EFD_SEMAPHORE, poll and epoll
 * behave as the host's. */
#include "libos/syscall.h"
#include "libos/fd.h"
#include "pal/pal.h"
#include <linux/fcntl.h>

#define EFD_SEMAPHORE 1
#define EFD_CLOEXEC O_CLOEXEC
#define EFD_NONBLOCK O_NONBLOCK

static long do_eventfd(unsigned initial, int flags) {
    if (flags & ~(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK))
        return -EINVAL;
    long h = pal_eventfd(initial, flags & ~EFD_CLOEXEC);
    if (h < 0)
        return h;
    return fd_install_host((int)h, O_RDWR | (flags & EFD_NONBLOCK), (flags & EFD_CLOEXEC) != 0);
}

SYSCALL(eventfd, SUPPORT_FULL) {
    return do_eventfd(ARG_UINT(0), 0);
}

SYSCALL(eventfd2, SUPPORT_FULL) {
    return do_eventfd(ARG_UINT(0), ARG_INT(1));
}
