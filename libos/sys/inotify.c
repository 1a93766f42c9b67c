/* inotify: a host inotify instance, watching the host paths the app's paths resolve to, so
 * events, their names (relative to the watched directory), watch descriptors, poll and
 * epoll are the host's. The nodes the LibOS makes (/proc/self/..., /dev/fd) have no host
 * object to watch: EACCES. */
#include "libos/syscall.h"
#include "libos/fd.h"
#include "libos/fs/vfs.h"
#include "pal/pal.h"
#include <linux/fcntl.h>

#define IN_NONBLOCK O_NONBLOCK
#define IN_CLOEXEC O_CLOEXEC
#define IN_ALL_EVENTS 0x00000fffU
#define IN_ONLYDIR 0x01000000U
#define IN_DONT_FOLLOW 0x02000000U
#define IN_EXCL_UNLINK 0x04000000U
#define IN_MASK_CREATE 0x10000000U
#define IN_MASK_ADD 0x20000000U
#define IN_ONESHOT 0x80000000U
/* Linux refuses a mask without any bit it knows (events, the bits it reports, flags). */
#define IN_KNOWN_BITS                                                                              \
    (IN_ALL_EVENTS | 0xe000U /* IN_UNMOUNT, IN_Q_OVERFLOW, IN_IGNORED */ | IN_ONLYDIR |            \
     IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | 0x40000000U /* IN_ISDIR */ | \
     IN_ONESHOT)

/* Every operation is the host's (FILE_OP falls back to host_file_ops); the ops pointer
 * itself is what tells an inotify description from any other host description. */
static const struct file_ops inotify_ops;

static long inotify_new(int flags) {
    if (flags & ~(IN_NONBLOCK | IN_CLOEXEC))
        return -EINVAL;
    long h = pal_inotify_init(flags & IN_NONBLOCK);
    if (h < 0)
        return h;
    struct libos_file *f = file_new(FILE_HOST, &inotify_ops, (int)h);
    if (!f) {
        pal_close((int)h);
        return -ENOMEM;
    }
    f->status_flags = O_RDONLY | (flags & IN_NONBLOCK);
    return fd_install(f, 0, (flags & IN_CLOEXEC) != 0);
}

SYSCALL(inotify_init, SUPPORT_FULL) {
    return inotify_new(0);
}

SYSCALL(inotify_init1, SUPPORT_FULL) {
    return inotify_new(ARG_INT(0));
}

/* The description of an inotify fd: EBADF for no fd, EINVAL for any other kind, before
 * the path is looked at (Linux's order). */
static long instance(int fd, struct libos_file **out) {
    struct libos_file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    if (f->ops != &inotify_ops) {
        file_put(f);
        return -EINVAL;
    }
    *out = f;
    return 0;
}

SYSCALL(inotify_add_watch, SUPPORT_FULL) {
    const char *upath = ARG_PTR(const char *, 1);
    unsigned mask = ARG_UINT(2);
    if (!(mask & IN_KNOWN_BITS))
        return -EINVAL;
    if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE))
        return -EINVAL;
    struct libos_file *f;
    long r = instance(ARG_INT(0), &f);
    if (r < 0)
        return r;
    struct vfs_path *p = vfs_path_new();
    if (!p) {
        file_put(f);
        return -ENOMEM;
    }
    r = vfs_resolve(AT_FDCWD, upath, (mask & IN_DONT_FOLLOW) ? 0 : VFS_FOLLOW, p);
    if (r == 0 && p->kind != VFS_HOST)
        r = -EACCES;
    if (r == 0)
        r = pal_inotify_add_watch(f->handle, p->hpath, mask);
    vfs_path_free(p);
    file_put(f);
    return r;
}

SYSCALL(inotify_rm_watch, SUPPORT_FULL) {
    struct libos_file *f;
    long r = instance(ARG_INT(0), &f);
    if (r < 0)
        return r;
    r = pal_inotify_rm_watch(f->handle, ARG_INT(1));
    file_put(f);
    return r;
}
