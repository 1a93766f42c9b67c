/* File attributes by path or fd: stat family, statx, statfs, access, readlink. */
#include "libos/syscall.h"
#include "libos/fd.h"
#include "libos/fs/vfs.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include "common/fmt.h"
#include "common/string.h"
#include <asm/stat.h>
#include <asm/statfs.h>
#include <linux/fcntl.h>
#include <linux/stat.h>

#define PROC_SUPER_MAGIC 0x9fa0

static long copy_stat_out(struct stat *ust, const struct stat *st) {
    if (!uaccess_ok(ust, sizeof(*ust), true))
        return -EFAULT;
    memcpy(ust, st, sizeof(*st));
    return 0;
}

static long stat_at(int dirfd, const char *path, int flags, struct stat *ust) {
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
        return -EINVAL;
    bool follow = !(flags & AT_SYMLINK_NOFOLLOW);
    struct vfs_path *p = vfs_path_new();
    if (!p)
        return -ENOMEM;
    struct stat st;
    long r = vfs_resolve(
        dirfd, path, (follow ? VFS_FOLLOW : 0) | (flags & AT_EMPTY_PATH ? VFS_EMPTY_PATH : 0), p);
    if (r == 0)
        r = vfs_stat(p, follow, &st);
    vfs_path_free(p);
    return r < 0 ? r : copy_stat_out(ust, &st);
}

SYSCALL(stat, SUPPORT_FULL) {
    return stat_at(AT_FDCWD, ARG_PTR(const char *, 0), 0, ARG_PTR(struct stat *, 1));
}

SYSCALL(lstat, SUPPORT_FULL) {
    return stat_at(AT_FDCWD, ARG_PTR(const char *, 0), AT_SYMLINK_NOFOLLOW,
                   ARG_PTR(struct stat *, 1));
}

SYSCALL(newfstatat, SUPPORT_FULL) {
    return stat_at(ARG_INT(0), ARG_PTR(const char *, 1), ARG_INT(3), ARG_PTR(struct stat *, 2));
}

SYSCALL(fstat, SUPPORT_FULL) {
    struct libos_file *f = fd_get(ARG_INT(0));
    if (!f)
        return -EBADF;
    struct stat st;
    long r = vfs_fstat(f, &st);
    file_put(f);
    return r < 0 ? r : copy_stat_out(ARG_PTR(struct stat *, 1), &st);
}

static uint32_t dev_major(uint64_t dev) {
    return (uint32_t)(((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffULL));
}

static uint32_t dev_minor(uint64_t dev) {
    return (uint32_t)((dev & 0xff) | ((dev >> 12) & ~0xffULL));
}

static void statx_from_stat(const struct stat *st, struct statx *stx) {
    memset(stx, 0, sizeof(*stx));
    stx->stx_mask = STATX_BASIC_STATS;
    stx->stx_blksize = (uint32_t)st->st_blksize;
    stx->stx_nlink = (uint32_t)st->st_nlink;
    stx->stx_uid = st->st_uid;
    stx->stx_gid = st->st_gid;
    stx->stx_mode = (uint16_t)st->st_mode;
    stx->stx_ino = st->st_ino;
    stx->stx_size = (uint64_t)st->st_size;
    stx->stx_blocks = (uint64_t)st->st_blocks;
    stx->stx_atime.tv_sec = (int64_t)st->st_atime;
    stx->stx_atime.tv_nsec = (uint32_t)st->st_atime_nsec;
    stx->stx_mtime.tv_sec = (int64_t)st->st_mtime;
    stx->stx_mtime.tv_nsec = (uint32_t)st->st_mtime_nsec;
    stx->stx_ctime.tv_sec = (int64_t)st->st_ctime;
    stx->stx_ctime.tv_nsec = (uint32_t)st->st_ctime_nsec;
    stx->stx_rdev_major = dev_major(st->st_rdev);
    stx->stx_rdev_minor = dev_minor(st->st_rdev);
    stx->stx_dev_major = dev_major(st->st_dev);
    stx->stx_dev_minor = dev_minor(st->st_dev);
}

static long statx_resolved(struct vfs_path *p, int flags, unsigned mask, struct statx *stx) {
    struct stat st;
    long r;
    switch (p->kind) {
    case VFS_HOST:
        return pal_statx(p->hpath, flags & ~AT_EMPTY_PATH, mask, stx);
    case VFS_EMPTY:
        if (p->file->ops == &host_file_ops || (!p->file->ops && p->file->handle >= 0))
            return pal_fstatx(p->file->handle, mask, stx);
        r = vfs_fstat(p->file, &st);
        break;
    default:
        r = synth_stat(p, &st);
        break;
    }
    if (r == 0)
        statx_from_stat(&st, stx);
    return r;
}

SYSCALL(statx, SUPPORT_FULL) {
    int dirfd = ARG_INT(0), flags = ARG_INT(2);
    const char *path = ARG_PTR(const char *, 1);
    unsigned mask = ARG_UINT(3);
    struct statx *ustx = ARG_PTR(struct statx *, 4);
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE))
        return -EINVAL;
    if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (mask & STATX__RESERVED))
        return -EINVAL;
    struct vfs_path *p = vfs_path_new();
    if (!p)
        return -ENOMEM;
    int resolve = (flags & AT_SYMLINK_NOFOLLOW ? 0 : VFS_FOLLOW) |
                  (flags & AT_EMPTY_PATH ? VFS_EMPTY_PATH : 0);
    long r;
    /* Since Linux 6.11 a NULL path with AT_EMPTY_PATH means the dirfd itself. */
    if (!path && (flags & AT_EMPTY_PATH))
        r = vfs_resolve_kernel(dirfd, "", resolve, p);
    else
        r = vfs_resolve(dirfd, path, resolve, p);
    struct statx stx;
    if (r == 0)
        r = statx_resolved(p, flags, mask, &stx);
    vfs_path_free(p);
    if (r < 0)
        return r;
    if (!uaccess_ok(ustx, sizeof(*ustx), true))
        return -EFAULT;
    memcpy(ustx, &stx, sizeof(stx));
    return 0;
}

static void synthetic_statfs(struct statfs *sf) {
    memset(sf, 0, sizeof(*sf));
    sf->f_type = PROC_SUPER_MAGIC;
    sf->f_bsize = 4096;
    sf->f_namelen = 255;
    sf->f_frsize = 4096;
}

static long copy_statfs_out(struct statfs *usf, const struct statfs *sf) {
    if (!uaccess_ok(usf, sizeof(*usf), true))
        return -EFAULT;
    memcpy(usf, sf, sizeof(*sf));
    return 0;
}

SYSCALL(statfs, SUPPORT_FULL) {
    struct vfs_path *p = vfs_path_new();
    if (!p)
        return -ENOMEM;
    struct statfs sf;
    long r = vfs_resolve(AT_FDCWD, ARG_PTR(const char *, 0), VFS_FOLLOW, p);
    if (r == 0) {
        if (p->kind == VFS_HOST)
            r = pal_statfs(p->hpath, &sf);
        else
            synthetic_statfs(&sf);
    }
    vfs_path_free(p);
    return r < 0 ? r : copy_statfs_out(ARG_PTR(struct statfs *, 1), &sf);
}

SYSCALL(fstatfs, SUPPORT_FULL) {
    struct libos_file *f = fd_get(ARG_INT(0));
    if (!f)
        return -EBADF;
    struct statfs sf;
    long r = 0;
    if (f->handle >= 0)
        r = pal_fstatfs(f->handle, &sf);
    else
        synthetic_statfs(&sf);
    file_put(f);
    return r < 0 ? r : copy_statfs_out(ARG_PTR(struct statfs *, 1), &sf);
}

static long access_at(int dirfd, const char *path, int mode, int flags) {
    if (mode & ~7)
        return -EINVAL;
    if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    struct vfs_path *p = vfs_path_new();
    if (!p)
        return -ENOMEM;
    long r = vfs_resolve(dirfd, path,
                         (flags & AT_SYMLINK_NOFOLLOW ? 0 : VFS_FOLLOW) |
                             (flags & AT_EMPTY_PATH ? VFS_EMPTY_PATH : 0),
                         p);
    if (r == 0) {
        if (p->kind == VFS_HOST) {
            r = pal_access(p->hpath, mode, flags & ~AT_EMPTY_PATH);
        } else if (p->kind == VFS_SYNTHETIC) {
            r = synth_access(p, mode);
        } else if (p->file->handle >= 0) {
            char link[32];
            fmt_snprintf(link, sizeof(link), "/proc/self/fd/%d", p->file->handle);
            r = pal_access(link, mode, flags & AT_EACCESS);
        } else {
            r = mode & 2 /* W_OK */ ? -EACCES : 0;
        }
    }
    vfs_path_free(p);
    return r;
}

SYSCALL(access, SUPPORT_FULL) {
    return access_at(AT_FDCWD, ARG_PTR(const char *, 0), ARG_INT(1), 0);
}

SYSCALL(faccessat, SUPPORT_FULL) {
    return access_at(ARG_INT(0), ARG_PTR(const char *, 1), ARG_INT(2), 0);
}

SYSCALL(faccessat2, SUPPORT_FULL) {
    return access_at(ARG_INT(0), ARG_PTR(const char *, 1), ARG_INT(2), ARG_INT(3));
}

static long readlink_at(int dirfd, const char *path, char *ubuf, int size) {
    if (size <= 0)
        return -EINVAL;
    struct vfs_path *p = vfs_path_new();
    if (!p)
        return -ENOMEM;
    long r = vfs_resolve(dirfd, path, 0, p);
    /* vpath is free once resolved, and receives the target. */
    char *target = p->vpath;
    if (r == 0) {
        if (p->kind == VFS_HOST) {
            r = pal_readlink(p->hpath, target, FS_PATH_MAX);
        } else {
            target = p->hpath;
            r = synth_readlink(p, target);
        }
    }
    if (r >= 0) {
        size_t n = (size_t)r < (size_t)size ? (size_t)r : (size_t)size;
        if (!uaccess_ok(ubuf, n, true))
            r = -EFAULT;
        else {
            memcpy(ubuf, target, n);
            r = (long)n;
        }
    }
    vfs_path_free(p);
    return r;
}

SYSCALL(readlink, SUPPORT_FULL) {
    return readlink_at(AT_FDCWD, ARG_PTR(const char *, 0), ARG_PTR(char *, 1), ARG_INT(2));
}

SYSCALL(readlinkat, SUPPORT_FULL) {
    return readlink_at(ARG_INT(0), ARG_PTR(const char *, 1), ARG_PTR(char *, 2), ARG_INT(3));
}
