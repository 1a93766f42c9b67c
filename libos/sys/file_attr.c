/* Changing files: permissions, owners, sizes, times, syncing, locks, umask. Synthetic
 * (/proc) nodes refuse changes as Linux's /proc does. */
#include "libos/syscall.h"
#include "libos/fd.h"
#include "libos/fs/vfs.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include "common/string.h"
#include <asm/stat.h>
#include <linux/stat.h>
#include <linux/fcntl.h>
#include <linux/time.h>
#include <linux/time_types.h>
#include <linux/utime.h>

#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8

/* Resolves path for a change; synthetic nodes give ro_error. The caller frees *out. */
static long resolve_host(int dirfd, const char *path, int resolve_flags, long ro_error,
                         struct vfs_path **out) {
    struct vfs_path *p = vfs_path_new();
    if (!p)
        return -ENOMEM;
    long r = vfs_resolve(dirfd, path, resolve_flags, p);
    if (r == 0 && p->kind == VFS_SYNTHETIC)
        r = ro_error;
    if (r < 0) {
        vfs_path_free(p);
        return r;
    }
    *out = p;
    return 0;
}

static long chmod_at(int dirfd, const char *path, int mode) {
    struct vfs_path *p;
    long r = resolve_host(dirfd, path, VFS_FOLLOW, -EPERM, &p);
    if (r < 0)
        return r;
    r = pal_chmod(p->hpath, mode & 07777);
    vfs_path_free(p);
    return r;
}

SYSCALL(chmod, SUPPORT_FULL) {
    return chmod_at(AT_FDCWD, ARG_PTR(const char *, 0), ARG_INT(1));
}

SYSCALL(fchmodat, SUPPORT_FULL) {
    return chmod_at(ARG_INT(0), ARG_PTR(const char *, 1), ARG_INT(2));
}

SYSCALL(fchmod, SUPPORT_FULL) {
    struct libos_file *f;
    long r = fd_get_host(ARG_INT(0), -EPERM, &f);
    if (r < 0)
        return r;
    r = pal_fchmod(f->handle, ARG_INT(1) & 07777);
    file_put(f);
    return r;
}

static long chown_at(int dirfd, const char *path, unsigned uid, unsigned gid, int flags) {
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    bool follow = !(flags & AT_SYMLINK_NOFOLLOW);
    struct vfs_path *p;
    long r = resolve_host(dirfd, path,
                          (follow ? VFS_FOLLOW : 0) | (flags & AT_EMPTY_PATH ? VFS_EMPTY_PATH : 0),
                          -EPERM, &p);
    if (r < 0)
        return r;
    if (p->kind == VFS_EMPTY)
        r = p->file->handle >= 0 ? pal_fchown(p->file->handle, uid, gid) : -EPERM;
    else
        r = pal_chown(p->hpath, uid, gid, follow);
    vfs_path_free(p);
    return r;
}

SYSCALL(chown, SUPPORT_FULL) {
    return chown_at(AT_FDCWD, ARG_PTR(const char *, 0), ARG_UINT(1), ARG_UINT(2), 0);
}

SYSCALL(lchown, SUPPORT_FULL) {
    return chown_at(AT_FDCWD, ARG_PTR(const char *, 0), ARG_UINT(1), ARG_UINT(2),
                    AT_SYMLINK_NOFOLLOW);
}

SYSCALL(fchownat, SUPPORT_FULL) {
    return chown_at(ARG_INT(0), ARG_PTR(const char *, 1), ARG_UINT(2), ARG_UINT(3), ARG_INT(4));
}

SYSCALL(fchown, SUPPORT_FULL) {
    struct libos_file *f;
    long r = fd_get_host(ARG_INT(0), -EPERM, &f);
    if (r < 0)
        return r;
    r = pal_fchown(f->handle, ARG_UINT(1), ARG_UINT(2));
    file_put(f);
    return r;
}

SYSCALL(truncate, SUPPORT_FULL) {
    if (ARG_LONG(1) < 0)
        return -EINVAL;
    struct vfs_path *p;
    long r = resolve_host(AT_FDCWD, ARG_PTR(const char *, 0), VFS_FOLLOW, -EACCES, &p);
    if (r < 0)
        return r;
    r = pal_truncate(p->hpath, (uint64_t)ARG_LONG(1));
    vfs_path_free(p);
    return r;
}

SYSCALL(ftruncate, SUPPORT_FULL) {
    if (ARG_LONG(1) < 0)
        return -EINVAL;
    struct libos_file *f;
    long r = fd_get_host(ARG_INT(0), -EINVAL, &f);
    if (r < 0)
        return r;
    r = pal_ftruncate(f->handle, (uint64_t)ARG_LONG(1));
    file_put(f);
    return r;
}

static long sync_fd(int fd, bool data_only) {
    struct libos_file *f;
    long r = fd_get_host(fd, -EINVAL, &f);
    if (r < 0)
        return r;
    r = pal_fsync(f->handle, data_only);
    file_put(f);
    return r;
}

#define SYNC_FILE_RANGE_ALL 7 /* WAIT_BEFORE | WRITE | WAIT_AFTER */

/* Writing back a range is at most fdatasync of the whole file: the host has no call for
 * a range of a handle the LibOS could not widen, and more written back is never wrong. */
SYSCALL(sync_file_range, SUPPORT_FULL) {
    int64_t off = ARG_LONG(1), n = ARG_LONG(2);
    unsigned flags = ARG_UINT(3);
    if ((flags & ~SYNC_FILE_RANGE_ALL) || off < 0 || n < 0 || off + n < off)
        return -EINVAL;
    struct libos_file *f;
    long r = fd_get_host(ARG_INT(0), -ESPIPE, &f);
    if (r < 0)
        return r;
    struct stat st;
    r = pal_fstat(f->handle, &st);
    if (r == 0 && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode) && !S_ISDIR(st.st_mode) &&
        !S_ISLNK(st.st_mode))
        r = -ESPIPE;
    if (r == 0 && flags)
        r = pal_fsync(f->handle, true);
    file_put(f);
    return r;
}

SYSCALL(fsync, SUPPORT_FULL) {
    return sync_fd(ARG_INT(0), false);
}

SYSCALL(fdatasync, SUPPORT_FULL) {
    return sync_fd(ARG_INT(0), true);
}

/* Syncing the whole host file system is the host's business: fsync of what the app
 * writes is what gives durability. */
SYSCALL(sync, SUPPORT_STUB) {
    return 0;
}

SYSCALL(syncfs, SUPPORT_STUB) {
    struct libos_file *f = fd_get(ARG_INT(0));
    if (!f)
        return -EBADF;
    file_put(f);
    return 0;
}

SYSCALL(fallocate, SUPPORT_FULL) {
    int64_t off = ARG_LONG(2), len = ARG_LONG(3);
    if (off < 0 || len <= 0)
        return -EINVAL;
    struct libos_file *f;
    long r = fd_get_host(ARG_INT(0), -EBADF, &f);
    if (r < 0)
        return r;
    r = pal_fallocate(f->handle, ARG_INT(1), (uint64_t)off, (uint64_t)len);
    file_put(f);
    return r;
}

/* times (in LibOS memory, or NULL for "now") applied to dirfd/path, or to dirfd alone
 * when path is NULL (the futimens form). */
static long utimens_at(int dirfd, const char *path, const struct __kernel_timespec *times,
                       int flags) {
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if (!path) {
        if (dirfd == AT_FDCWD)
            return -EFAULT;
        struct libos_file *f;
        long r = fd_get_host(dirfd, -EPERM, &f);
        if (r < 0)
            return r;
        r = pal_futimens(f->handle, times);
        file_put(f);
        return r;
    }
    bool follow = !(flags & AT_SYMLINK_NOFOLLOW);
    struct vfs_path *p;
    long r = resolve_host(dirfd, path,
                          (follow ? VFS_FOLLOW : 0) | (flags & AT_EMPTY_PATH ? VFS_EMPTY_PATH : 0),
                          -EPERM, &p);
    if (r < 0)
        return r;
    if (p->kind == VFS_EMPTY)
        r = p->file->handle >= 0 ? pal_futimens(p->file->handle, times) : -EPERM;
    else
        r = pal_utimens(p->hpath, times, flags & AT_SYMLINK_NOFOLLOW);
    vfs_path_free(p);
    return r;
}

SYSCALL(utimensat, SUPPORT_FULL) {
    const struct __kernel_timespec *utimes = ARG_PTR(const struct __kernel_timespec *, 2);
    struct __kernel_timespec times[2];
    if (utimes) {
        if (!uaccess_ok(utimes, sizeof(times), false))
            return -EFAULT;
        memcpy(times, utimes, sizeof(times));
    }
    return utimens_at(ARG_INT(0), ARG_PTR(const char *, 1), utimes ? times : NULL, ARG_INT(3));
}

static long timevals_to_timespecs(const struct __kernel_old_timeval *utv,
                                  struct __kernel_timespec times[2]) {
    if (!uaccess_ok(utv, 2 * sizeof(*utv), false))
        return -EFAULT;
    for (int i = 0; i < 2; i++) {
        if (utv[i].tv_usec < 0 || utv[i].tv_usec >= 1000000)
            return -EINVAL;
        times[i].tv_sec = utv[i].tv_sec;
        times[i].tv_nsec = utv[i].tv_usec * 1000;
    }
    return 0;
}

static long utimes_at(int dirfd, const char *path, const struct __kernel_old_timeval *utv) {
    struct __kernel_timespec times[2];
    if (utv) {
        long r = timevals_to_timespecs(utv, times);
        if (r < 0)
            return r;
    }
    if (!path)
        return -EFAULT;
    return utimens_at(dirfd, path, utv ? times : NULL, 0);
}

SYSCALL(utimes, SUPPORT_FULL) {
    return utimes_at(AT_FDCWD, ARG_PTR(const char *, 0),
                     ARG_PTR(const struct __kernel_old_timeval *, 1));
}

SYSCALL(futimesat, SUPPORT_FULL) {
    return utimes_at(ARG_INT(0), ARG_PTR(const char *, 1),
                     ARG_PTR(const struct __kernel_old_timeval *, 2));
}

SYSCALL(utime, SUPPORT_FULL) {
    const struct utimbuf *ubuf = ARG_PTR(const struct utimbuf *, 1);
    struct __kernel_timespec times[2];
    if (ubuf) {
        if (!uaccess_ok(ubuf, sizeof(*ubuf), false))
            return -EFAULT;
        times[0].tv_sec = ubuf->actime;
        times[1].tv_sec = ubuf->modtime;
        times[0].tv_nsec = times[1].tv_nsec = 0;
    }
    const char *path = ARG_PTR(const char *, 0);
    if (!path)
        return -EFAULT;
    return utimens_at(AT_FDCWD, path, ubuf ? times : NULL, 0);
}

SYSCALL(umask, SUPPORT_FULL) {
    return vfs_set_umask(ARG_INT(0));
}

SYSCALL(flock, SUPPORT_FULL) {
    int op = ARG_INT(1);
    int kind = op & ~LOCK_NB;
    if (kind != LOCK_SH && kind != LOCK_EX && kind != LOCK_UN)
        return -EINVAL;
    struct libos_file *f = fd_get(ARG_INT(0));
    if (!f)
        return -EBADF;
    /* Synthetic files are private to this process: a lock on them can never conflict. */
    long r = f->handle >= 0 ? pal_flock(f->handle, op) : 0;
    file_put(f);
    return r;
}
