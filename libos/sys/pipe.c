/* pipe and pipe2: a host pipe whose two ends become LibOS fds. */
#include "libos/syscall.h"
#include "libos/fd.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include <linux/fcntl.h>

#define O_NOTIFICATION_PIPE O_EXCL

static long do_pipe2(int *ufds, int flags) {
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT | O_NOTIFICATION_PIPE))
        return -EINVAL;
    if (flags & O_NOTIFICATION_PIPE)
        return -ENOPKG; /* as a kernel built without watch queues */
    if (!uaccess_ok(ufds, 2 * sizeof(int), true))
        return -EFAULT;
    long fds[2];
    fds[0] = fd_reserve(0);
    if (fds[0] < 0)
        return fds[0];
    fds[1] = fd_reserve(0);
    if (fds[1] < 0) {
        fd_unreserve((int)fds[0]);
        return fds[1];
    }
    int handles[2];
    long r = pal_pipe(handles, (flags & ~O_CLOEXEC) | O_CLOEXEC);
    struct libos_file *ends[2] = {NULL, NULL};
    if (r == 0) {
        int status = flags & (O_NONBLOCK | O_DIRECT);
        ends[0] = file_new_host(handles[0], O_RDONLY | status, NULL);
        ends[1] = file_new_host(handles[1], O_WRONLY | status, NULL);
        if (!ends[0] || !ends[1]) {
            for (int i = 0; i < 2; i++) {
                if (ends[i])
                    file_put(ends[i]);
                else
                    pal_close(handles[i]);
            }
            r = -ENFILE;
        }
    }
    if (r < 0) {
        fd_unreserve((int)fds[0]);
        fd_unreserve((int)fds[1]);
        return r;
    }
    for (int i = 0; i < 2; i++) {
        fd_install_reserved((int)fds[i], ends[i], (flags & O_CLOEXEC) != 0);
        ufds[i] = (int)fds[i];
    }
    return 0;
}

SYSCALL(pipe, SUPPORT_FULL) {
    return do_pipe2(ARG_PTR(int *, 0), 0);
}

SYSCALL(pipe2, SUPPORT_FULL) {
    return do_pipe2(ARG_PTR(int *, 0), ARG_INT(1));
}
