/* fd control: dup family, fcntl, ioctl. fd flags (close-on-exec) live in the LibOS fd
 * table; status flags and locks of host objects are the host's. */
#include "libos/syscall.h"
#include "libos/fd.h"
#include "libos/drain.h"
#include "libos/fs/vfs.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include <asm/ioctls.h>
#include <linux/fcntl.h>

/* Status flags F_SETFL may change, as on Linux. */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | FASYNC | O_DIRECT | O_NOATIME)

SYSCALL(dup, SUPPORT_FULL) {
    struct libos_file *f = fd_get(ARG_INT(0));
    if (!f)
        return -EBADF;
    return fd_install(f, 0, false);
}

SYSCALL(dup2, SUPPORT_FULL) {
    int oldfd = ARG_INT(0), newfd = ARG_INT(1);
    if (oldfd == newfd)
        return fd_get_cloexec(oldfd) < 0 ? -EBADF : newfd;
    return fd_dup_to(oldfd, newfd, false);
}

SYSCALL(dup3, SUPPORT_FULL) {
    int oldfd = ARG_INT(0), newfd = ARG_INT(1), flags = ARG_INT(2);
    if (flags & ~O_CLOEXEC)
        return -EINVAL;
    if (oldfd == newfd)
        return -EINVAL;
    return fd_dup_to(oldfd, newfd, (flags & O_CLOEXEC) != 0);
}

static long dup_from(int fd, long min_fd, bool cloexec) {
    if (min_fd < 0 || min_fd >= FD_MAX)
        return -EINVAL;
    if ((unsigned long)min_fd >= fd_limit() && (unsigned long)min_fd >= fd_limit_refresh())
        return -EINVAL;
    struct libos_file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    return fd_install(f, (int)min_fd, cloexec);
}

static long set_status_flags(struct libos_file *f, long arg) {
    int flags = (int)arg;
    long r = 0;
    if (f->handle >= 0)
        r = pal_set_status_flags(f->handle, flags);
    if (r == 0)
        f->status_flags = (f->status_flags & ~SETFL_MASK) | (flags & SETFL_MASK);
    return r;
}

static long lock_command(struct libos_file *f, int cmd, void *arg) {
    bool get = cmd == F_GETLK || cmd == F_OFD_GETLK;
    if (!uaccess_ok(arg, sizeof(struct flock), get))
        return -EFAULT;
    if (f->handle < 0)
        return get ? -EINVAL : -EBADF; /* synthetic files are not open for writing */
    return pal_fcntl(f->handle, cmd, (unsigned long)arg);
}

SYSCALL(fcntl, SUPPORT_FULL) {
    int fd = ARG_INT(0), cmd = ARG_INT(1);
    long arg = ARG_LONG(2);
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        return dup_from(fd, arg, cmd == F_DUPFD_CLOEXEC);
    case F_GETFD: {
        long r = fd_get_cloexec(fd);
        return r < 0 ? r : (r ? FD_CLOEXEC : 0);
    }
    case F_SETFD:
        return fd_set_cloexec(fd, (arg & FD_CLOEXEC) != 0);
    default:
        break;
    }
    struct libos_file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    long r;
    switch (cmd) {
    case F_GETFL:
        r = f->handle >= 0 ? pal_get_status_flags(f->handle) : (f->status_flags | O_LARGEFILE);
        break;
    case F_SETFL:
        r = set_status_flags(f, arg);
        break;
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
        r = lock_command(f, cmd, (void *)arg);
        break;
    case F_GETOWN_EX:
    case F_SETOWN_EX:
        if (!uaccess_ok((void *)arg, sizeof(struct f_owner_ex), cmd == F_GETOWN_EX))
            r = -EFAULT;
        else
            r = f->handle >= 0 ? pal_fcntl(f->handle, cmd, (unsigned long)arg) : -EINVAL;
        break;
    case F_GETOWN:
    case F_SETOWN:
    case F_GETSIG:
    case F_SETSIG:
    case F_GETLEASE:
    case F_SETLEASE:
    case F_NOTIFY:
    case F_GETPIPE_SZ:
    case F_SETPIPE_SZ:
    case F_ADD_SEALS:
    case F_GET_SEALS:
        /* Integer arguments only: nothing the host could write into app memory. */
        r = f->handle >= 0 ? pal_fcntl(f->handle, cmd, (unsigned long)arg) : -EINVAL;
        break;
    default:
        r = -EINVAL;
        break;
    }
    file_put(f);
    return r;
}

SYSCALL(ioctl, SUPPORT_PARTIAL) {
    int fd = ARG_INT(0);
    unsigned long req = ARG_ULONG(1);
    void *arg = ARG_PTR(void *, 2);
    if (req == FIOCLEX || req == FIONCLEX)
        return fd_set_cloexec(fd, req == FIOCLEX);
    struct libos_file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    long (*ioctl)(struct libos_file *, unsigned long, void *) = FILE_OP(f, ioctl);
    long r;
    drain_forget(f); /* FIONREAD and the like tell what has arrived */
    if (ioctl) {
        r = ioctl(f, req, arg);
    } else if (req == FIONBIO) {
        if (!uaccess_ok(arg, sizeof(int), false)) {
            r = -EFAULT;
        } else {
            f->status_flags =
                *(int *)arg ? f->status_flags | O_NONBLOCK : f->status_flags & ~O_NONBLOCK;
            r = 0;
        }
    } else {
        r = -ENOTTY;
    }
    file_put(f);
    return r;
}
