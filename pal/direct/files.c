/* Host files for the direct PAL: each call is one host syscall on an absolute host path
 * or a host fd, and returns what the host returns (a value or -errno). */
#include "pal/direct/internal.h"
#include <linux/fcntl.h>
#include <linux/time_types.h>
#include <asm-generic/errno.h>

/* ---- Paths --------------------------------------------------------------------------- */

long pal_open(const char *path, int flags, int mode) {
    return host_syscall4(__NR_openat, AT_FDCWD, path, flags, mode);
}

long pal_stat(const char *path, struct stat *st, bool follow) {
    return host_syscall4(__NR_newfstatat, AT_FDCWD, path, st, follow ? 0 : AT_SYMLINK_NOFOLLOW);
}

long pal_statx(const char *path, int flags, unsigned mask, struct statx *stx) {
    return host_syscall5(__NR_statx, AT_FDCWD, path, flags, mask, stx);
}

long pal_readlink(const char *path, char *buf, size_t size) {
    return host_syscall4(__NR_readlinkat, AT_FDCWD, path, buf, size);
}

long pal_access(const char *path, int mode, int flags) {
    long r = host_syscall4(__NR_faccessat2, AT_FDCWD, path, mode, flags);
    if (r == -ENOSYS && flags == 0) /* hosts older than Linux 5.8 */
        r = host_syscall3(__NR_faccessat, AT_FDCWD, path, mode);
    return r;
}

long pal_mkdir(const char *path, int mode) {
    return host_syscall3(__NR_mkdirat, AT_FDCWD, path, mode);
}

long pal_unlink(const char *path, int flags) {
    return host_syscall3(__NR_unlinkat, AT_FDCWD, path, flags);
}

long pal_rename(const char *from, const char *to, unsigned flags) {
    if (flags == 0)
        return host_syscall4(__NR_renameat, AT_FDCWD, from, AT_FDCWD, to);
    return host_syscall5(__NR_renameat2, AT_FDCWD, from, AT_FDCWD, to, flags);
}

long pal_symlink(const char *target, const char *path) {
    return host_syscall3(__NR_symlinkat, target, AT_FDCWD, path);
}

long pal_link(const char *from, const char *to) {
    return host_syscall5(__NR_linkat, AT_FDCWD, from, AT_FDCWD, to, 0);
}

long pal_link_follow(const char *from, const char *to) {
    return host_syscall5(__NR_linkat, AT_FDCWD, from, AT_FDCWD, to, AT_SYMLINK_FOLLOW);
}

long pal_chmod(const char *path, int mode) {
    return host_syscall3(__NR_fchmodat, AT_FDCWD, path, mode);
}

long pal_truncate(const char *path, uint64_t len) {
    return host_syscall2(__NR_truncate, path, len);
}

long pal_utimens(const char *path, const struct __kernel_timespec *times, int flags) {
    return host_syscall4(__NR_utimensat, AT_FDCWD, path, times, flags);
}

long pal_chown(const char *path, unsigned uid, unsigned gid, bool follow) {
    return host_syscall5(__NR_fchownat, AT_FDCWD, path, uid, gid, follow ? 0 : AT_SYMLINK_NOFOLLOW);
}

long pal_statfs(const char *path, void *statfs_buf) {
    return host_syscall2(__NR_statfs, path, statfs_buf);
}

long pal_mknod(const char *path, int mode, unsigned long dev) {
    return host_syscall4(__NR_mknodat, AT_FDCWD, path, mode, dev);
}

/* ---- Handles ------------------------------------------------------------------------- */

long pal_read(int h, void *buf, size_t n) {
    return host_blocking_syscall(__NR_read, h, (long)buf, (long)n, 0, 0, 0);
}

long pal_write(int h, const void *buf, size_t n) {
    return host_blocking_syscall(__NR_write, h, (long)buf, (long)n, 0, 0, 0);
}

long pal_pread(int h, void *buf, size_t n, uint64_t off) {
    return host_syscall4(__NR_pread64, h, buf, n, off);
}

long pal_pwrite(int h, const void *buf, size_t n, uint64_t off) {
    return host_syscall4(__NR_pwrite64, h, buf, n, off);
}

long pal_readv(int h, const struct iovec *iov, int cnt) {
    return host_blocking_syscall(__NR_readv, h, (long)iov, cnt, 0, 0, 0);
}

long pal_writev(int h, const struct iovec *iov, int cnt) {
    return host_blocking_syscall(__NR_writev, h, (long)iov, cnt, 0, 0, 0);
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
