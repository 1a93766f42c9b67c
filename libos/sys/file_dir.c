/* The namespace: directories (getdents, cwd) and the calls that add, remove or rename
 * names. Every path is resolved to a virtual path and translated through the mounts;
 * mount points themselves cannot be removed or renamed (EBUSY). */
#include "libos/syscall.h"
#include "libos/fd.h"
#include "libos/fs/mount.h"
#include "libos/fs/vfs.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include "common/fmt.h"
#include "common/string.h"
#include <asm/stat.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/stat.h>

static long do_getdents64(int fd, void *buf, size_t n) {
    struct libos_file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    long (*getdents)(struct libos_file *, void *, size_t) = FILE_OP(f, getdents64);
    long r;
    if (!getdents) {
        r = -ENOTDIR;
    } else {
        size_t ok = vfs_user_prefix(buf, n, true);
        r = n && !ok ? -EFAULT : getdents(f, buf, ok);
    }
    file_put(f);
    return r;
}

SYSCALL(getdents64, SUPPORT_FULL) {
    return do_getdents64(ARG_INT(0), ARG_PTR(void *, 1), ARG_UINT(2));
}

/* The old struct linux_dirent has the same record size as linux_dirent64 for every name
 * (8+8+2 + name + NUL + type, 8-aligned), so the records are rewritten in place: the name
 * moves down a byte and the type goes to the record's last byte. */
SYSCALL(getdents, SUPPORT_FULL) {
    char *buf = ARG_PTR(char *, 1);
    long r = do_getdents64(ARG_INT(0), buf, ARG_UINT(2));
    for (long off = 0; r > 0 && off < r;) {
        char *rec = buf + off;
        uint16_t reclen;
        memcpy(&reclen, rec + 16, sizeof(reclen));
        char type = rec[18];
        size_t name_len = strlen(rec + 19);
        memmove(rec + 18, rec + 19, name_len + 1);
        rec[reclen - 1] = type;
        off += reclen;
    }
    return r;
}

SYSCALL(getcwd, SUPPORT_FULL) {
    char *ubuf = ARG_PTR(char *, 0);
    size_t size = ARG_ULONG(1);
    struct vfs_path *p = vfs_path_new();
    if (!p)
        return -ENOMEM;
    size_t n = vfs_get_cwd(p->vpath);
    long r;
    if (n + 1 > FS_PATH_MAX)
        r = -ENAMETOOLONG; /* Linux builds the name in PATH_MAX bytes, whatever size is */
    else if (size < n + 1)
        r = -ERANGE;
    else if (!uaccess_ok(ubuf, n + 1, true))
        r = -EFAULT;
    else {
        memcpy(ubuf, p->vpath, n + 1);
        r = (long)(n + 1);
    }
    vfs_path_free(p);
    return r;
}

SYSCALL(chdir, SUPPORT_FULL) {
    struct vfs_path *p = vfs_path_new();
    if (!p)
        return -ENOMEM;
    long r = vfs_resolve(AT_FDCWD, ARG_PTR(const char *, 0), VFS_FOLLOW, p);
    if (r == 0)
        r = vfs_chdir(p);
    vfs_path_free(p);
    return r;
}

SYSCALL(fchdir, SUPPORT_FULL) {
    struct libos_file *f = fd_get(ARG_INT(0));
    if (!f)
        return -EBADF;
    long r = vfs_fchdir(f);
    file_put(f);
    return r;
}

/* Resolves a path whose last component is being created or removed (never followed).
 * Synthetic nodes are read-only: ro_error is what changing them gives. */
static long resolve_for_change(int dirfd, const char *path, struct vfs_path *p, long ro_error) {
    long r = vfs_resolve(dirfd, path, 0, p);
    if (r == 0 && p->kind != VFS_HOST)
        r = ro_error;
    return r;
}

static long mkdir_at(int dirfd, const char *path, int mode) {
    struct vfs_path *p = vfs_path_new();
    if (!p)
        return -ENOMEM;
    long r = resolve_for_change(dirfd, path, p, -EEXIST);
    if (r == 0 && p->info.last_dot) {
        /* "x/." names x only if it exists: normalized away, it must not create x. */
        struct stat st;
        r = pal_stat(p->hpath, &st, true);
        r = r == 0 ? -EEXIST : r;
    } else if (r == 0) {
        r = pal_mkdir(p->hpath, mode & 07777);
    }
    vfs_path_free(p);
    return r;
}

SYSCALL(mkdir, SUPPORT_FULL) {
    return mkdir_at(AT_FDCWD, ARG_PTR(const char *, 0), ARG_INT(1));
}

SYSCALL(mkdirat, SUPPORT_FULL) {
    return mkdir_at(ARG_INT(0), ARG_PTR(const char *, 1), ARG_INT(2));
}

static long unlink_at(int dirfd, const char *path, int flags) {
    if (flags & ~AT_REMOVEDIR)
        return -EINVAL;
    struct vfs_path *p = vfs_path_new();
    if (!p)
        return -ENOMEM;
    long r = resolve_for_change(dirfd, path, p, -EPERM);
    if (r == 0 && (flags & AT_REMOVEDIR)) {
        if (p->info.last_dot == 1)
            r = -EINVAL;
        else if (p->info.last_dot == 2)
            r = -ENOTEMPTY;
        else if (mount_is_mount_point(p->vpath) || !strcmp(p->vpath, "/"))
            r = -EBUSY;
    }
    if (r == 0)
        r = pal_unlink(p->hpath, flags);
    vfs_path_free(p);
    return r;
}

SYSCALL(unlink, SUPPORT_FULL) {
    return unlink_at(AT_FDCWD, ARG_PTR(const char *, 0), 0);
}

SYSCALL(unlinkat, SUPPORT_FULL) {
    return unlink_at(ARG_INT(0), ARG_PTR(const char *, 1), ARG_INT(2));
}

SYSCALL(rmdir, SUPPORT_FULL) {
    return unlink_at(AT_FDCWD, ARG_PTR(const char *, 0), AT_REMOVEDIR);
}

/* Two names on different mounts are on different file systems for the app. Host links
 * reached through /proc/self/fd/N (MOUNT_ID_PSEUDO) are left to the host to judge. */
static bool crosses_mounts(const struct vfs_path *a, const struct vfs_path *b) {
    return a->mount_id >= 0 && b->mount_id >= 0 && a->mount_id != b->mount_id;
}

static long rename_at(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
                      unsigned flags) {
    if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
        return -EINVAL;
    if ((flags & RENAME_NOREPLACE) && (flags & (RENAME_EXCHANGE | RENAME_WHITEOUT)))
        return -EINVAL;
    if ((flags & RENAME_EXCHANGE) && (flags & RENAME_WHITEOUT))
        return -EINVAL;
    struct vfs_path *from = vfs_path_new(), *to = vfs_path_new();
    long r = from && to ? 0 : -ENOMEM;
    if (r == 0)
        r = resolve_for_change(olddirfd, oldpath, from, -EPERM);
    if (r == 0)
        r = resolve_for_change(newdirfd, newpath, to, -EPERM);
    if (r == 0 && (from->info.last_dot || to->info.last_dot))
        r = -EBUSY;
    if (r == 0 && (mount_is_mount_point(from->vpath) || mount_is_mount_point(to->vpath)))
        r = -EBUSY;
    if (r == 0 && crosses_mounts(from, to))
        r = -EXDEV;
    if (r == 0)
        r = pal_rename(from->hpath, to->hpath, flags);
    vfs_path_free(from);
    vfs_path_free(to);
    return r;
}

SYSCALL(rename, SUPPORT_FULL) {
    return rename_at(AT_FDCWD, ARG_PTR(const char *, 0), AT_FDCWD, ARG_PTR(const char *, 1), 0);
}

SYSCALL(renameat, SUPPORT_FULL) {
    return rename_at(ARG_INT(0), ARG_PTR(const char *, 1), ARG_INT(2), ARG_PTR(const char *, 3), 0);
}

SYSCALL(renameat2, SUPPORT_FULL) {
    return rename_at(ARG_INT(0), ARG_PTR(const char *, 1), ARG_INT(2), ARG_PTR(const char *, 3),
                     ARG_UINT(4));
}

static long link_at(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
                    int flags) {
    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    bool follow = flags & AT_SYMLINK_FOLLOW;
    struct vfs_path *from = vfs_path_new(), *to = vfs_path_new();
    long r = from && to ? 0 : -ENOMEM;
    if (r == 0)
        r = vfs_resolve(olddirfd, oldpath,
                        (follow ? VFS_FOLLOW : 0) | (flags & AT_EMPTY_PATH ? VFS_EMPTY_PATH : 0),
                        from);
    if (r == 0 && from->kind == VFS_EMPTY) {
        /* linkat(fd, "", AT_EMPTY_PATH): the host's link of the fd names the object. */
        struct libos_file *f = from->file;
        if (f->handle < 0) {
            r = -ENOENT;
        } else {
            fmt_snprintf(from->hpath, sizeof(from->hpath), "/proc/self/fd/%d", f->handle);
            from->kind = VFS_HOST;
            from->mount_id = MOUNT_ID_PSEUDO;
            follow = true;
        }
    } else if (r == 0 && from->kind != VFS_HOST) {
        r = -EXDEV;
    }
    if (r == 0)
        r = resolve_for_change(newdirfd, newpath, to, -EEXIST);
    if (r == 0 && crosses_mounts(from, to))
        r = -EXDEV;
    if (r == 0)
        r = follow ? pal_link_follow(from->hpath, to->hpath) : pal_link(from->hpath, to->hpath);
    vfs_path_free(from);
    vfs_path_free(to);
    return r;
}

SYSCALL(link, SUPPORT_FULL) {
    return link_at(AT_FDCWD, ARG_PTR(const char *, 0), AT_FDCWD, ARG_PTR(const char *, 1), 0);
}

SYSCALL(linkat, SUPPORT_FULL) {
    return link_at(ARG_INT(0), ARG_PTR(const char *, 1), ARG_INT(2), ARG_PTR(const char *, 3),
                   ARG_INT(4));
}

/* The target is stored as given; the LibOS path walk reads it back as an app path, so an
 * absolute target under a chroot mount means the app's root (docs/files.md). */
static long symlink_at(const char *utarget, int newdirfd, const char *linkpath) {
    long len = uaccess_strlen(utarget, FS_PATH_MAX);
    if (len < 0)
        return len;
    if (len == 0)
        return -ENOENT;
    struct vfs_path *p = vfs_path_new(), *target = vfs_path_new();
    long r = p && target ? 0 : -ENOMEM;
    if (r == 0) {
        memcpy(target->vpath, utarget, (size_t)len);
        target->vpath[len] = 0;
        r = resolve_for_change(newdirfd, linkpath, p, -EEXIST);
    }
    if (r == 0)
        r = pal_symlink(target->vpath, p->hpath);
    vfs_path_free(p);
    vfs_path_free(target);
    return r;
}

SYSCALL(symlink, SUPPORT_PARTIAL) {
    return symlink_at(ARG_PTR(const char *, 0), AT_FDCWD, ARG_PTR(const char *, 1));
}

SYSCALL(symlinkat, SUPPORT_PARTIAL) {
    return symlink_at(ARG_PTR(const char *, 0), ARG_INT(1), ARG_PTR(const char *, 2));
}

static long mknod_at(int dirfd, const char *path, int mode, unsigned long dev) {
    struct vfs_path *p = vfs_path_new();
    if (!p)
        return -ENOMEM;
    long r = resolve_for_change(dirfd, path, p, -EEXIST);
    if (r == 0)
        r = pal_mknod(p->hpath, mode, dev);
    vfs_path_free(p);
    return r;
}

SYSCALL(mknod, SUPPORT_FULL) {
    return mknod_at(AT_FDCWD, ARG_PTR(const char *, 0), ARG_INT(1), ARG_ULONG(2));
}

SYSCALL(mknodat, SUPPORT_FULL) {
    return mknod_at(ARG_INT(0), ARG_PTR(const char *, 1), ARG_INT(2), ARG_ULONG(3));
}
