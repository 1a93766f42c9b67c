/* Host files for the direct PAL: each call is one host syscall on an absolute host path
 * or a host fd, and returns what the host returns (a value or -errno). A host path longer
 * than the host's PATH_MAX takes a few more calls (see at_start). */
#include "pal/direct/internal.h"
#include "common/fmt.h"
#include "common/string.h"
#include <linux/fcntl.h>
#include <linux/time_types.h>
#include <asm-generic/errno.h>

/* ---- Paths --------------------------------------------------------------------------- */

/* The host's limit on a path argument, with its NUL (Linux's PATH_MAX). The LibOS may pass
 * longer host paths: a cwd deeper than that, which Linux allows, with a short relative path
 * below it. */
#define HOST_PATH_MAX 4096

/* A host path as a directory and a path relative to it that the host accepts. */
struct host_at {
    int dirfd;        /* AT_FDCWD, or a directory opened O_PATH that at_end closes */
    const char *path; /* fewer than HOST_PATH_MAX bytes */
};

/* The walk of a long path: opens a chunk of it (below HOST_PATH_MAX, cut at a '/') as a
 * directory, the next chunk relative to that one, and so on until the rest fits. The host
 * sees the same components in the same order, symlinks and all, as it would in one call. */
static __attribute__((noinline)) long at_walk(struct host_at *at) {
    char chunk[HOST_PATH_MAX];
    const char *rest = at->path;
    while (strnlen(rest, HOST_PATH_MAX) == HOST_PATH_MAX) {
        size_t cut = HOST_PATH_MAX - 1;
        while (cut > 0 && rest[cut] != '/')
            cut--;
        if (cut == 0)
            return -ENAMETOOLONG; /* one component of 4 KiB: longer than any file system's */
        memcpy(chunk, rest, cut);
        chunk[cut] = 0;
        long fd = host_syscall4(__NR_openat, at->dirfd, chunk, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        if (at->dirfd != AT_FDCWD)
            host_syscall1(__NR_close, at->dirfd);
        at->dirfd = AT_FDCWD;
        if (fd < 0)
            return fd;
        at->dirfd = (int)fd;
        rest += cut;
        while (*rest == '/')
            rest++;
        if (!*rest)
            rest = "."; /* trailing slashes: the directory itself */
    }
    at->path = rest;
    return 0;
}

/* Prepares path for an *at call. A path that fits goes to the host as it is, with
 * AT_FDCWD: no host call here. Returns 0 or -errno; at_end is due either way. */
static long at_start(struct host_at *at, const char *path) {
    at->dirfd = AT_FDCWD;
    at->path = path;
    if (strnlen(path, HOST_PATH_MAX) < HOST_PATH_MAX)
        return 0;
    return at_walk(at);
}

/* Two paths (rename, link): the second is not walked when the first failed. */
static long at_start2(struct host_at *a, const char *path_a, struct host_at *b,
                      const char *path_b) {
    b->dirfd = AT_FDCWD;
    long r = at_start(a, path_a);
    return r < 0 ? r : at_start(b, path_b);
}

/* Closes what at_start opened; returns r. */
static long at_end(struct host_at *at, long r) {
    if (at->dirfd != AT_FDCWD)
        host_syscall1(__NR_close, at->dirfd);
    return r;
}

long pal_open(const char *path, int flags, int mode) {
    struct host_at at;
    long r = at_start(&at, path);
    if (r == 0)
        r = host_syscall4(__NR_openat, at.dirfd, at.path, flags, mode);
    return at_end(&at, r);
}

long pal_stat(const char *path, struct stat *st, bool follow) {
    struct host_at at;
    long r = at_start(&at, path);
    if (r == 0)
        r = host_syscall4(__NR_newfstatat, at.dirfd, at.path, st, follow ? 0 : AT_SYMLINK_NOFOLLOW);
    return at_end(&at, r);
}

long pal_statx(const char *path, int flags, unsigned mask, struct statx *stx) {
    struct host_at at;
    long r = at_start(&at, path);
    if (r == 0)
        r = host_syscall5(__NR_statx, at.dirfd, at.path, flags, mask, stx);
    return at_end(&at, r);
}

long pal_readlink(const char *path, char *buf, size_t size) {
    struct host_at at;
    long r = at_start(&at, path);
    if (r == 0)
        r = host_syscall4(__NR_readlinkat, at.dirfd, at.path, buf, size);
    return at_end(&at, r);
}

long pal_access(const char *path, int mode, int flags) {
    struct host_at at;
    long r = at_start(&at, path);
    if (r == 0)
        r = host_syscall4(__NR_faccessat2, at.dirfd, at.path, mode, flags);
    if (r == -ENOSYS && flags == 0) /* hosts older than Linux 5.8 */
        r = host_syscall3(__NR_faccessat, at.dirfd, at.path, mode);
    return at_end(&at, r);
}

long pal_mkdir(const char *path, int mode) {
    struct host_at at;
    long r = at_start(&at, path);
    if (r == 0)
        r = host_syscall3(__NR_mkdirat, at.dirfd, at.path, mode);
    return at_end(&at, r);
}

long pal_unlink(const char *path, int flags) {
    struct host_at at;
    long r = at_start(&at, path);
    if (r == 0)
        r = host_syscall3(__NR_unlinkat, at.dirfd, at.path, flags);
    return at_end(&at, r);
}

long pal_rename(const char *from, const char *to, unsigned flags) {
    struct host_at a, b;
    long r = at_start2(&a, from, &b, to);
    if (r == 0 && flags == 0)
        r = host_syscall4(__NR_renameat, a.dirfd, a.path, b.dirfd, b.path);
    else if (r == 0)
        r = host_syscall5(__NR_renameat2, a.dirfd, a.path, b.dirfd, b.path, flags);
    return at_end(&a, at_end(&b, r));
}

long pal_symlink(const char *target, const char *path) {
    struct host_at at;
    long r = at_start(&at, path);
    if (r == 0)
        r = host_syscall3(__NR_symlinkat, target, at.dirfd, at.path);
    return at_end(&at, r);
}

static long link_at(const char *from, const char *to, int flags) {
    struct host_at a, b;
    long r = at_start2(&a, from, &b, to);
    if (r == 0)
        r = host_syscall5(__NR_linkat, a.dirfd, a.path, b.dirfd, b.path, flags);
    return at_end(&a, at_end(&b, r));
}

long pal_link(const char *from, const char *to) {
    return link_at(from, to, 0);
}

long pal_link_follow(const char *from, const char *to) {
    return link_at(from, to, AT_SYMLINK_FOLLOW);
}

long pal_chmod(const char *path, int mode) {
    struct host_at at;
    long r = at_start(&at, path);
    if (r == 0)
        r = host_syscall3(__NR_fchmodat, at.dirfd, at.path, mode);
    return at_end(&at, r);
}

long pal_truncate(const char *path, uint64_t len) {
    struct host_at at;
    long r = at_start(&at, path);
    if (r == 0 && at.dirfd == AT_FDCWD)
        return host_syscall2(__NR_truncate, path, len);
    if (r == 0) {
        /* No truncateat: the file by the host's magic link of an O_PATH fd, which truncate
         * follows and checks for write permission as it would the path. */
        r = host_syscall4(__NR_openat, at.dirfd, at.path, O_PATH | O_CLOEXEC, 0);
        if (r >= 0) {
            char link[32];
            fmt_snprintf(link, sizeof(link), "/proc/self/fd/%ld", r);
            long fd = r;
            r = host_syscall2(__NR_truncate, link, len);
            host_syscall1(__NR_close, fd);
        }
    }
    return at_end(&at, r);
}

long pal_utimens(const char *path, const struct __kernel_timespec *times, int flags) {
    struct host_at at;
    long r = at_start(&at, path);
    if (r == 0)
        r = host_syscall4(__NR_utimensat, at.dirfd, at.path, times, flags);
    return at_end(&at, r);
}

long pal_chown(const char *path, unsigned uid, unsigned gid, bool follow) {
    struct host_at at;
    long r = at_start(&at, path);
    if (r == 0)
        r = host_syscall5(__NR_fchownat, at.dirfd, at.path, uid, gid,
                          follow ? 0 : AT_SYMLINK_NOFOLLOW);
    return at_end(&at, r);
}

long pal_statfs(const char *path, void *statfs_buf) {
    struct host_at at;
    long r = at_start(&at, path);
    if (r == 0 && at.dirfd == AT_FDCWD)
        return host_syscall2(__NR_statfs, path, statfs_buf);
    if (r == 0) {
        /* No statfsat: fstatfs works on an O_PATH fd. */
        r = host_syscall4(__NR_openat, at.dirfd, at.path, O_PATH | O_CLOEXEC, 0);
        if (r >= 0) {
            long fd = r;
            r = host_syscall2(__NR_fstatfs, fd, statfs_buf);
            host_syscall1(__NR_close, fd);
        }
    }
    return at_end(&at, r);
}

long pal_mknod(const char *path, int mode, unsigned long dev) {
    struct host_at at;
    long r = at_start(&at, path);
    if (r == 0)
        r = host_syscall4(__NR_mknodat, at.dirfd, at.path, mode, dev);
    return at_end(&at, r);
}

/* ---- Handles ------------------------------------------------------------------------- */

long pal_read(int h, void *buf, size_t n) {
    return host_blocking_syscall3(__NR_read, h, (long)buf, (long)n);
}

long pal_write(int h, const void *buf, size_t n) {
    return host_blocking_syscall3(__NR_write, h, (long)buf, (long)n);
}

long pal_pread(int h, void *buf, size_t n, uint64_t off) {
    return host_syscall4(__NR_pread64, h, buf, n, off);
}

long pal_pwrite(int h, const void *buf, size_t n, uint64_t off) {
    return host_syscall4(__NR_pwrite64, h, buf, n, off);
}

long pal_readv(int h, const struct iovec *iov, int cnt) {
    return host_blocking_syscall3(__NR_readv, h, (long)iov, cnt);
}

long pal_writev(int h, const struct iovec *iov, int cnt) {
    return host_blocking_syscall3(__NR_writev, h, (long)iov, cnt);
}

long pal_seek(int h, int64_t off, int whence) {
    return host_syscall3(__NR_lseek, h, off, whence);
}

long pal_close(int h) {
    return host_syscall1(__NR_close, h);
}

long pal_dup(int h) {
    return host_syscall3(__NR_fcntl, h, F_DUPFD_CLOEXEC, 0);
}

long pal_fstat(int h, struct stat *st) {
    return host_syscall2(__NR_fstat, h, st);
}

long pal_fstatx(int h, unsigned mask, struct statx *stx) {
    return host_syscall5(__NR_statx, h, "", AT_EMPTY_PATH, mask, stx);
}

long pal_ftruncate(int h, uint64_t len) {
    return host_syscall2(__NR_ftruncate, h, len);
}

long pal_fsync(int h, bool data_only) {
    return host_syscall1(data_only ? __NR_fdatasync : __NR_fsync, h);
}

long pal_getdents64(int h, void *buf, size_t n) {
    return host_syscall3(__NR_getdents64, h, buf, n);
}

long pal_ioctl(int h, unsigned long req, void *arg) {
    return host_syscall3(__NR_ioctl, h, req, arg);
}

long pal_get_status_flags(int h) {
    return host_syscall2(__NR_fcntl, h, F_GETFL);
}

long pal_set_status_flags(int h, int flags) {
    return host_syscall3(__NR_fcntl, h, F_SETFL, flags);
}

long pal_fchmod(int h, int mode) {
    return host_syscall2(__NR_fchmod, h, mode);
}

long pal_fallocate(int h, int mode, uint64_t off, uint64_t len) {
    return host_syscall4(__NR_fallocate, h, mode, off, len);
}

long pal_pipe(int handles[2], int flags) {
    return host_syscall2(__NR_pipe2, handles, flags);
}

long pal_poll(struct pollfd *fds, unsigned n, int64_t timeout_ns) {
    struct __kernel_timespec ts, *tsp = NULL;
    if (timeout_ns >= 0) {
        ts.tv_sec = timeout_ns / 1000000000;
        ts.tv_nsec = timeout_ns % 1000000000;
        tsp = &ts;
    }
    return host_blocking_syscall(__NR_ppoll, (long)fds, n, (long)tsp, 0, 8, 0);
}

long pal_fchown(int h, unsigned uid, unsigned gid) {
    return host_syscall3(__NR_fchown, h, uid, gid);
}

long pal_fstatfs(int h, void *statfs_buf) {
    return host_syscall2(__NR_fstatfs, h, statfs_buf);
}

long pal_memfd_create(const char *name, unsigned flags) {
    return host_syscall2(__NR_memfd_create, name, flags | 1 /* MFD_CLOEXEC */);
}

/* For the calls with no *at form (xattrs before Linux 6.13, inotify_add_watch): a path the
 * host cannot take whole goes through the directory at_start opened, as
 * /proc/self/fd/N/REST. */
static long whole_path(struct host_at *at, const char *path, char *buf, size_t size) {
    long r = at_start(at, path);
    if (r < 0 || at->dirfd == AT_FDCWD)
        return r;
    r = fmt_snprintf(buf, size, "/proc/self/fd/%d/%s", at->dirfd, at->path);
    at->path = buf;
    return r < (long)size ? 0 : -ENAMETOOLONG;
}

long pal_getxattr(const char *path, const char *name, void *value, size_t size, bool follow) {
    struct host_at at;
    char buf[HOST_PATH_MAX];
    long r = whole_path(&at, path, buf, sizeof(buf));
    if (r == 0)
        r = host_syscall4(follow ? __NR_getxattr : __NR_lgetxattr, at.path, name, value, size);
    return at_end(&at, r);
}

long pal_listxattr(const char *path, char *list, size_t size, bool follow) {
    struct host_at at;
    char buf[HOST_PATH_MAX];
    long r = whole_path(&at, path, buf, sizeof(buf));
    if (r == 0)
        r = host_syscall3(follow ? __NR_listxattr : __NR_llistxattr, at.path, list, size);
    return at_end(&at, r);
}

long pal_setxattr(const char *path, const char *name, const void *value, size_t size, int flags,
                  bool follow) {
    struct host_at at;
    char buf[HOST_PATH_MAX];
    long r = whole_path(&at, path, buf, sizeof(buf));
    if (r == 0)
        r = host_syscall5(follow ? __NR_setxattr : __NR_lsetxattr, at.path, name, value, size,
                          flags);
    return at_end(&at, r);
}

long pal_removexattr(const char *path, const char *name, bool follow) {
    struct host_at at;
    char buf[HOST_PATH_MAX];
    long r = whole_path(&at, path, buf, sizeof(buf));
    if (r == 0)
        r = host_syscall2(follow ? __NR_removexattr : __NR_lremovexattr, at.path, name);
    return at_end(&at, r);
}

long pal_inotify_init(int flags) {
    return host_syscall1(__NR_inotify_init1, flags | O_CLOEXEC);
}

long pal_inotify_add_watch(int h, const char *path, unsigned mask) {
    struct host_at at;
    char buf[HOST_PATH_MAX];
    long r = whole_path(&at, path, buf, sizeof(buf));
    if (r == 0)
        r = host_syscall3(__NR_inotify_add_watch, h, at.path, mask);
    return at_end(&at, r);
}

long pal_inotify_rm_watch(int h, int wd) {
    return host_syscall2(__NR_inotify_rm_watch, h, wd);
}

long pal_fgetxattr(int h, const char *name, void *value, size_t size) {
    return host_syscall4(__NR_fgetxattr, h, name, value, size);
}

long pal_flistxattr(int h, char *list, size_t size) {
    return host_syscall3(__NR_flistxattr, h, list, size);
}

long pal_fsetxattr(int h, const char *name, const void *value, size_t size, int flags) {
    return host_syscall5(__NR_fsetxattr, h, name, value, size, flags);
}

long pal_fremovexattr(int h, const char *name) {
    return host_syscall2(__NR_fremovexattr, h, name);
}

long pal_flock(int h, int operation) {
    return host_blocking_syscall(__NR_flock, h, operation, 0, 0, 0, 0);
}

long pal_sendfile(int out_h, int in_h, int64_t *off, size_t count) {
    return host_syscall4(__NR_sendfile, out_h, in_h, off, count);
}

long pal_fcntl(int h, int cmd, unsigned long arg) {
    return host_syscall3(__NR_fcntl, h, cmd, arg);
}

long pal_futimens(int h, const struct __kernel_timespec *times) {
    return host_syscall4(__NR_utimensat, h, NULL, times, 0);
}
