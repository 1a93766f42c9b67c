/* Opening and closing: open, openat, openat2, creat, close, close_range. */
#include "libos/syscall.h"
#include "libos/fd.h"
#include "libos/fs/vfs.h"
#include "libos/uaccess.h"
#include <linux/fcntl.h>
#include <linux/openat2.h>
#include <linux/close_range.h>

#define VALID_OPEN_FLAGS                                                                           \
    (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC |         \
     FASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC |          \
     __O_SYNC | O_PATH | __O_TMPFILE)

/* The first struct open_how (Linux 5.6): flags, mode, resolve. */
#define OPEN_HOW_SIZE_VER0 24

static long do_openat(int dirfd, const char *path, int flags, int mode) {
    if (flags & (O_CREAT | __O_TMPFILE))
        mode &= 07777;
    else
        mode = 0;
    /* As Linux, a full table fails before anything is created. */
    long fd = fd_reserve(0);
    if (fd < 0)
        return fd;
    struct vfs_path *p = vfs_path_new();
    if (!p) {
        fd_unreserve((int)fd);
        return -ENOMEM;
    }
    bool exclusive_create = (flags & O_CREAT) && (flags & O_EXCL);
    int resolve_flags = (flags & O_NOFOLLOW) || exclusive_create ? 0 : VFS_FOLLOW;
    struct libos_file *f = NULL;
    long r = vfs_resolve(dirfd, path, resolve_flags, p);
    if (r == 0)
        r = vfs_open(p, flags, mode, &f);
    vfs_path_free(p);
    if (r < 0) {
        fd_unreserve((int)fd);
        return r;
    }
    fd_install_reserved((int)fd, f, (flags & O_CLOEXEC) != 0);
    return fd;
}

SYSCALL(open, SUPPORT_FULL) {
    return do_openat(AT_FDCWD, ARG_PTR(const char *, 0), ARG_INT(1), ARG_INT(2));
}

SYSCALL(openat, SUPPORT_FULL) {
    return do_openat(ARG_INT(0), ARG_PTR(const char *, 1), ARG_INT(2), ARG_INT(3));
}

SYSCALL(creat, SUPPORT_FULL) {
    return do_openat(AT_FDCWD, ARG_PTR(const char *, 0), O_CREAT | O_WRONLY | O_TRUNC, ARG_INT(1));
}

/* openat2 without RESOLVE_* restrictions is openat with strict flag checks; the
 * restrictions are not implemented (ENOSYS makes callers fall back to openat). */
SYSCALL(openat2, SUPPORT_PARTIAL) {
    const struct open_how *uhow = ARG_PTR(const struct open_how *, 2);
    size_t size = ARG_ULONG(3);
    if (size < OPEN_HOW_SIZE_VER0 || size > 4096)
        return size < OPEN_HOW_SIZE_VER0 ? -EINVAL : -E2BIG;
    if (!uaccess_ok(uhow, size, false))
        return -EFAULT;
    struct open_how how = *uhow;
    for (size_t i = sizeof(how); i < size; i++)
        if (((const char *)uhow)[i])
            return -E2BIG;
    if (how.flags >> 32 || (how.flags & ~(uint64_t)VALID_OPEN_FLAGS))
        return -EINVAL;
    if (how.mode & ~07777ULL || (how.mode && !(how.flags & (O_CREAT | __O_TMPFILE))))
        return -EINVAL;
    if (how.resolve)
        return -ENOSYS;
    return do_openat(ARG_INT(0), ARG_PTR(const char *, 1), (int)how.flags, (int)how.mode);
}

SYSCALL(close, SUPPORT_FULL) {
    return fd_close(ARG_INT(0));
}

SYSCALL(close_range, SUPPORT_FULL) {
    unsigned first = ARG_UINT(0), last = ARG_UINT(1), flags = ARG_UINT(2);
    if (flags & ~(unsigned)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) || first > last)
        return -EINVAL;
    /* CLOSE_RANGE_UNSHARE: the table is never shared with another process. */
    fd_close_range(first, last, (flags & CLOSE_RANGE_CLOEXEC) != 0);
    return 0;
}
