/* Extended attributes: get, list, set and remove, by path (following the last symlink or
 * not) and by fd. Host files keep theirs on the host; the LibOS checks names, sizes and
 * buffers as Linux does first. The nodes the LibOS makes (/proc/self/..., /dev/fd) list
 * none and refuse the rest with EOPNOTSUPP, as procfs answers for its own files. */
#include "libos/syscall.h"
#include "libos/fd.h"
#include "libos/fs/vfs.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include "common/string.h"
#include <linux/fcntl.h>

#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536
#define XATTR_LIST_MAX 65536
#define XATTR_CREATE 1
#define XATTR_REPLACE 2

/* Where an xattr call goes: a host path, or a host handle (fd forms). */
struct xattr_target {
    struct vfs_path *path;
    struct libos_file *file;
    bool follow;
};

static long target_path(const char *user_path, bool follow, struct xattr_target *t) {
    t->file = NULL;
    t->follow = follow;
    t->path = vfs_path_new();
    if (!t->path)
        return -ENOMEM;
    long r = vfs_resolve(AT_FDCWD, user_path, follow ? VFS_FOLLOW : 0, t->path);
    if (r < 0) {
        vfs_path_free(t->path);
        t->path = NULL;
    }
    return r;
}

static long target_fd(int fd, struct xattr_target *t) {
    t->path = NULL;
    t->follow = true;
    t->file = fd_get(fd);
    if (!t->file)
        return -EBADF;
    if (t->file->status_flags & O_PATH) {
        file_put(t->file);
        t->file = NULL;
        return -EBADF; /* as Linux: an O_PATH fd does no I/O */
    }
    return 0;
}

static void target_done(struct xattr_target *t) {
    if (t->path)
        vfs_path_free(t->path);
    if (t->file)
        file_put(t->file);
}

/* True when the LibOS makes the object: no attributes there. */
static bool target_synthetic(const struct xattr_target *t) {
    return t->file ? t->file->handle < 0 : t->path->kind == VFS_SYNTHETIC;
}

/* The attribute name, copied in: Linux's ERANGE for an empty or too long one. */
static long copy_name(const char *uname, char *out) {
    long len = uaccess_strlen(uname, XATTR_NAME_MAX + 1);
    if (len == -ENAMETOOLONG || len == 0)
        return -ERANGE;
    if (len < 0)
        return len;
    memcpy(out, uname, (size_t)len + 1);
    return 0;
}

/* What Linux returns when the app's buffer cannot be written: it fetches first and fails
 * on the copy, so an error, an empty result or a too small buffer come before EFAULT.
 * needed is the host's answer to the same call with size 0. */
static long copy_out_result(long needed, size_t size) {
    if (needed <= 0)
        return needed;
    return (size_t)needed > size ? -ERANGE : -EFAULT;
}

static long get_xattr(struct xattr_target *t, const char *uname, void *value, size_t size) {
    char name[XATTR_NAME_MAX + 1];
    long r = copy_name(uname, name);
    if (r < 0)
        return r;
    if (size > XATTR_SIZE_MAX)
        size = XATTR_SIZE_MAX;
    if (target_synthetic(t))
        return -EOPNOTSUPP;
    bool bad_buffer = size && !UACCESS_WRITE(value, size);
    size_t ask = bad_buffer ? 0 : size; /* the host must not write there: ask for the size */
    r = t->file ? pal_fgetxattr(t->file->handle, name, value, ask)
                : pal_getxattr(t->path->hpath, name, value, ask, t->follow);
    return bad_buffer ? copy_out_result(r, size) : r;
}

static long list_xattr(struct xattr_target *t, char *list, size_t size) {
    if (size > XATTR_LIST_MAX)
        size = XATTR_LIST_MAX;
    if (target_synthetic(t))
        return 0;
    bool bad_buffer = size && !UACCESS_WRITE(list, size);
    size_t ask = bad_buffer ? 0 : size;
    long r = t->file ? pal_flistxattr(t->file->handle, list, ask)
                     : pal_listxattr(t->path->hpath, list, ask, t->follow);
    return bad_buffer ? copy_out_result(r, size) : r;
}

static long set_xattr(struct xattr_target *t, const char *uname, const void *value, size_t size,
                      int flags) {
    if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
        return -EINVAL;
    char name[XATTR_NAME_MAX + 1];
    long r = copy_name(uname, name);
    if (r < 0)
        return r;
    if (size > XATTR_SIZE_MAX)
        return -E2BIG;
    if (size && !UACCESS_READ(value, size))
        return -EFAULT;
    if (target_synthetic(t))
        return -EOPNOTSUPP;
    if (t->file)
        return pal_fsetxattr(t->file->handle, name, value, size, flags);
    return pal_setxattr(t->path->hpath, name, value, size, flags, t->follow);
}

static long remove_xattr(struct xattr_target *t, const char *uname) {
    char name[XATTR_NAME_MAX + 1];
    long r = copy_name(uname, name);
    if (r < 0)
        return r;
    if (target_synthetic(t))
        return -EOPNOTSUPP;
    if (t->file)
        return pal_fremovexattr(t->file->handle, name);
    return pal_removexattr(t->path->hpath, name, t->follow);
}

/* Each syscall: find the target (path or fd), run the operation, let the target go. */
#define XATTR_SYSCALL(sys, find, call)                                                             \
    SYSCALL(sys, SUPPORT_FULL) {                                                                   \
        struct xattr_target t;                                                                     \
        long r = find;                                                                             \
        if (r < 0)                                                                                 \
            return r;                                                                              \
        r = call;                                                                                  \
        target_done(&t);                                                                           \
        return r;                                                                                  \
    }

#define BY_PATH(follow) target_path(ARG_PTR(const char *, 0), (follow), &t)
#define BY_FD target_fd(ARG_INT(0), &t)
#define GET get_xattr(&t, ARG_PTR(const char *, 1), ARG_PTR(void *, 2), ARG_ULONG(3))
#define LIST list_xattr(&t, ARG_PTR(char *, 1), ARG_ULONG(2))
#define SET                                                                                        \
    set_xattr(&t, ARG_PTR(const char *, 1), ARG_PTR(const void *, 2), ARG_ULONG(3), ARG_INT(4))
#define REMOVE remove_xattr(&t, ARG_PTR(const char *, 1))

XATTR_SYSCALL(getxattr, BY_PATH(true), GET)
XATTR_SYSCALL(lgetxattr, BY_PATH(false), GET)
XATTR_SYSCALL(fgetxattr, BY_FD, GET)
XATTR_SYSCALL(listxattr, BY_PATH(true), LIST)
XATTR_SYSCALL(llistxattr, BY_PATH(false), LIST)
XATTR_SYSCALL(flistxattr, BY_FD, LIST)
XATTR_SYSCALL(setxattr, BY_PATH(true), SET)
XATTR_SYSCALL(lsetxattr, BY_PATH(false), SET)
XATTR_SYSCALL(fsetxattr, BY_FD, SET)
XATTR_SYSCALL(removexattr, BY_PATH(true), REMOVE)
XATTR_SYSCALL(lremovexattr, BY_PATH(false), REMOVE)
XATTR_SYSCALL(fremovexattr, BY_FD, REMOVE)
