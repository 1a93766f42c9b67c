/* Data transfer: read, write, their positional and vectored forms, lseek, sendfile,
 * copy_file_range, fadvise64. App buffers are checked first; as on Linux, a transfer
 * stops at the first inaccessible page and fails with EFAULT only when nothing moved. */
#include "common/hot.h"
#include "libos/syscall.h"
#include "libos/fd.h"
#include "libos/drain.h"
#include "libos/fs/vfs.h"
#include "libos/uaccess.h"
#include "libos/libos.h"
#include "libos/thread.h"
#include "pal/pal.h"
#include "common/alloc.h"
#include "common/string.h"
#include <asm/stat.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/stat.h>
#include <linux/uio.h>
#include <linux/fadvise.h>

/* Linux caps one transfer at INT_MAX rounded down to a page. */
#define MAX_RW_COUNT 0x7ffff000UL
#define COPY_CHUNK 65536

static long no_read_error(struct libos_file *f) {
    if (f->status_flags & O_PATH)
        return -EBADF;
    return f->is_dir ? -EISDIR : -EINVAL;
}

/* A read or write whose op is the host object's own ends in its host call: the PAL goes on
 * in rw_done (pal_read_then), and no frame made before the call is returned into. What
 * rw_done needs is kept in the thread's control block. */
struct rw_continuation {
    struct libos_file *file;
    size_t asked; /* a TCP read's length, for drain_read_done; 0: not one */
    struct drain_read drain;
};
_Static_assert(sizeof(struct rw_continuation) <=
                   sizeof(((struct libos_thread_hot *)0)->continuation),
               "the control block keeps a read's or write's continuation");

static inline struct rw_continuation *rw_continuation(void) {
    return (struct rw_continuation *)libos_thread_hot()->continuation;
}

HOT_PATH __attribute__((noreturn)) static void rw_done(long r) {
    struct rw_continuation *c = rw_continuation();
    if (c->asked)
        drain_read_done(c->file, &c->drain, r, c->asked);
    file_put(c->file);
    libos_syscall_continue(r);
}

/* What rw_done needs after a transfer of n bytes on f; dr: a TCP read's drain state, else
 * NULL. */
static inline void rw_continue_with(struct libos_file *f, size_t n, const struct drain_read *dr) {
    struct rw_continuation *c = rw_continuation();
    c->file = f;
    c->asked = dr ? n : 0;
    if (dr)
        c->drain = *dr;
}

HOT_PATH static long do_read(int fd, void *buf, size_t n, int64_t off, bool positional) {
    struct libos_file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    long r;
    long (*read)(struct libos_file *, void *, size_t) = FILE_OP(f, read);
    long (*pread)(struct libos_file *, void *, size_t, uint64_t) = FILE_OP(f, pread);
    if (positional && off < 0) {
        r = -EINVAL;
    } else if (!(positional ? (void *)pread : (void *)read)) {
        r = positional && read && !f->is_dir ? -ESPIPE : no_read_error(f);
    } else {
        if (n > MAX_RW_COUNT)
            n = MAX_RW_COUNT;
        size_t ok = vfs_user_prefix(buf, n, true);
        struct drain_read dr;
        bool tcp = (f->drain_flags & DRAIN_TCP) && ok; /* drained-socket bookkeeping */
        if (n && !ok) {
            r = -EFAULT;
        } else if (positional) {
            r = pread(f, buf, ok, (uint64_t)off);
        } else if (tcp && drain_read_begin(f, (f->status_flags & O_NONBLOCK) != 0, &dr)) {
            r = -EAGAIN;
        } else {
            if (read == host_file_ops.read) {
                rw_continue_with(f, ok, tcp ? &dr : NULL);
                pal_read_then(f->handle, buf, ok, rw_done);
            }
            r = read(f, buf, ok);
            if (tcp)
                drain_read_done(f, &dr, r, ok);
        }
    }
    file_put(f);
    return r;
}

HOT_PATH static long do_write(int fd, const void *buf, size_t n, int64_t off, bool positional) {
    struct libos_file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    long r;
    long (*write)(struct libos_file *, const void *, size_t) = FILE_OP(f, write);
    long (*pwrite)(struct libos_file *, const void *, size_t, uint64_t) = FILE_OP(f, pwrite);
    if (positional && off < 0) {
        r = -EINVAL;
    } else if (!(positional ? (void *)pwrite : (void *)write)) {
        r = positional && write ? -ESPIPE : -EBADF;
    } else {
        if (n > MAX_RW_COUNT)
            n = MAX_RW_COUNT;
        size_t ok = vfs_user_prefix(buf, n, false);
        if (n && !ok) {
            r = -EFAULT;
        } else if (!positional && write == host_file_ops.write) {
            rw_continue_with(f, ok, NULL);
            pal_write_then(f->handle, buf, ok, rw_done);
        } else {
            r = positional ? pwrite(f, buf, ok, (uint64_t)off) : write(f, buf, ok);
        }
    }
    file_put(f);
    return r;
}

SYSCALL_HOT(read, SUPPORT_FULL) {
    return do_read(ARG_INT(0), ARG_PTR(void *, 1), ARG_ULONG(2), 0, false);
}

SYSCALL_HOT(write, SUPPORT_FULL) {
    return do_write(ARG_INT(0), ARG_PTR(const void *, 1), ARG_ULONG(2), 0, false);
}

SYSCALL(pread64, SUPPORT_FULL) {
    return do_read(ARG_INT(0), ARG_PTR(void *, 1), ARG_ULONG(2), ARG_LONG(3), true);
}

SYSCALL(pwrite64, SUPPORT_FULL) {
    return do_write(ARG_INT(0), ARG_PTR(const void *, 1), ARG_ULONG(2), ARG_LONG(3), true);
}

/* Copies the app's iovec array in and checks every buffer. Entries after the first one
 * that is not wholly accessible are dropped (that one is cut short), so the transfer
 * stops where Linux's would fault. Returns the count kept, or -errno. */
static long import_iovec(const struct iovec *uiov, int cnt, bool to_app, struct iovec **out) {
    if (cnt < 0 || cnt > UIO_MAXIOV)
        return -EINVAL;
    *out = NULL;
    if (cnt == 0)
        return 0;
    size_t bytes = (size_t)cnt * sizeof(struct iovec);
    if (!uaccess_ok(uiov, bytes, false))
        return -EFAULT;
    struct iovec *iov = rt_malloc(bytes);
    if (!iov)
        return -ENOMEM;
    memcpy(iov, uiov, bytes);
    size_t total = 0;
    for (int i = 0; i < cnt; i++) {
        if ((long)iov[i].iov_len < 0) {
            rt_free(iov);
            return -EINVAL;
        }
        if (iov[i].iov_len > MAX_RW_COUNT - total)
            iov[i].iov_len = MAX_RW_COUNT - total;
        total += iov[i].iov_len;
    }
    int kept = cnt;
    bool moved_any = false;
    for (int i = 0; i < cnt; i++) {
        size_t ok = vfs_user_prefix(iov[i].iov_base, iov[i].iov_len, to_app);
        if (ok < iov[i].iov_len) {
            if (!ok && !moved_any) {
                rt_free(iov);
                return -EFAULT;
            }
            iov[i].iov_len = ok;
            kept = i + 1;
            break;
        }
        moved_any |= ok > 0;
    }
    *out = iov;
    return kept;
}

/* One transfer per buffer, stopping at the first short one; used where the object has no
 * vectored operation, and for the positional forms. */
static long loop_transfer(struct libos_file *f, struct iovec *iov, int cnt, int64_t off,
                          bool positional, bool write) {
    long done = 0;
    for (int i = 0; i < cnt; i++) {
        if (!iov[i].iov_len)
            continue;
        long r;
        if (write)
            r = positional
                    ? FILE_OP(f, pwrite)(f, iov[i].iov_base, iov[i].iov_len, (uint64_t)(off + done))
                    : FILE_OP(f, write)(f, iov[i].iov_base, iov[i].iov_len);
        else
            r = positional
                    ? FILE_OP(f, pread)(f, iov[i].iov_base, iov[i].iov_len, (uint64_t)(off + done))
                    : FILE_OP(f, read)(f, iov[i].iov_base, iov[i].iov_len);
        if (r < 0)
            return done ? done : r;
        done += r;
        if ((size_t)r < iov[i].iov_len)
            break;
    }
    return done;
}

static long do_vector(int fd, const struct iovec *uiov, int cnt, int64_t off, bool positional,
                      bool write) {
    struct libos_file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    long r;
    bool have_plain = write ? FILE_OP(f, write) != NULL : FILE_OP(f, read) != NULL;
    bool have_pos = write ? FILE_OP(f, pwrite) != NULL : FILE_OP(f, pread) != NULL;
    if (positional && off < 0)
        r = -EINVAL;
    else if (!(positional ? have_pos : have_plain))
        r = positional && have_plain ? -ESPIPE : write ? -EBADF : no_read_error(f);
    else {
        struct iovec *iov;
        if (!write)
            drain_forget(f);
        r = import_iovec(uiov, cnt, !write, &iov);
        if (r >= 0) {
            int kept = (int)r;
            long (*vec)(struct libos_file *, const struct iovec *, int) =
                write ? FILE_OP(f, writev) : FILE_OP(f, readv);
            if (!positional && vec)
                r = vec(f, iov, kept);
            else
                r = loop_transfer(f, iov, kept, off, positional, write);
            rt_free(iov);
        }
    }
    file_put(f);
    return r;
}

SYSCALL(readv, SUPPORT_FULL) {
    return do_vector(ARG_INT(0), ARG_PTR(const struct iovec *, 1), ARG_INT(2), 0, false, false);
}

SYSCALL(writev, SUPPORT_FULL) {
    return do_vector(ARG_INT(0), ARG_PTR(const struct iovec *, 1), ARG_INT(2), 0, false, true);
}

SYSCALL(preadv, SUPPORT_FULL) {
    return do_vector(ARG_INT(0), ARG_PTR(const struct iovec *, 1), ARG_INT(2), ARG_LONG(3), true,
                     false);
}

SYSCALL(pwritev, SUPPORT_FULL) {
    return do_vector(ARG_INT(0), ARG_PTR(const struct iovec *, 1), ARG_INT(2), ARG_LONG(3), true,
                     true);
}

/* RWF_* flags other than HIPRI (a hint) are not supported. */
SYSCALL(preadv2, SUPPORT_PARTIAL) {
    if (ARG_INT(5) & ~RWF_HIPRI)
        return -EOPNOTSUPP;
    int64_t off = ARG_LONG(3);
    return do_vector(ARG_INT(0), ARG_PTR(const struct iovec *, 1), ARG_INT(2), off, off != -1,
                     false);
}

SYSCALL(pwritev2, SUPPORT_PARTIAL) {
    if (ARG_INT(5) & ~RWF_HIPRI)
        return -EOPNOTSUPP;
    int64_t off = ARG_LONG(3);
    return do_vector(ARG_INT(0), ARG_PTR(const struct iovec *, 1), ARG_INT(2), off, off != -1,
                     true);
}

SYSCALL(lseek, SUPPORT_FULL) {
    struct libos_file *f = fd_get(ARG_INT(0));
    if (!f)
        return -EBADF;
    long (*seek)(struct libos_file *, int64_t, int) = FILE_OP(f, seek);
    long r = seek ? seek(f, ARG_LONG(1), ARG_INT(2)) : -ESPIPE;
    file_put(f);
    return r;
}

/* Copies through a LibOS buffer, for objects the host cannot splice between. in_off and
 * out_off (may be NULL: use and advance the file positions) are updated. */
static long copy_through(struct libos_file *in, int64_t *in_off, struct libos_file *out,
                         int64_t *out_off, size_t count) {
    long (*read)(struct libos_file *, void *, size_t) = FILE_OP(in, read);
    long (*pread)(struct libos_file *, void *, size_t, uint64_t) = FILE_OP(in, pread);
    long (*write)(struct libos_file *, const void *, size_t) = FILE_OP(out, write);
    long (*pwrite)(struct libos_file *, const void *, size_t, uint64_t) = FILE_OP(out, pwrite);
    if (in_off ? !pread : !read)
        return in_off && read ? -ESPIPE : -EBADF;
    if (out_off ? !pwrite : !write)
        return out_off && write ? -ESPIPE : -EBADF;
    char *buf = rt_malloc(COPY_CHUNK);
    if (!buf)
        return -ENOMEM;
    if (count > MAX_RW_COUNT)
        count = MAX_RW_COUNT;
    size_t done = 0;
    long err = 0;
    while (done < count) {
        size_t want = count - done < COPY_CHUNK ? count - done : COPY_CHUNK;
        long got = in_off ? pread(in, buf, want, (uint64_t)*in_off) : read(in, buf, want);
        if (got <= 0) {
            err = got;
            break;
        }
        long put = 0;
        while (put < got) {
            long w = out_off ? pwrite(out, buf + put, (size_t)(got - put), (uint64_t)*out_off)
                             : write(out, buf + put, (size_t)(got - put));
            if (w <= 0) {
                err = w;
                break;
            }
            put += w;
            if (out_off)
                *out_off += w;
        }
        if (in_off) {
            *in_off += put;
        } else if (put < got && FILE_OP(in, seek)) {
            /* Give back what was read but not written, where the input can seek. */
            FILE_OP(in, seek)(in, put - got, 1 /* SEEK_CUR */);
        }
        done += (size_t)put;
        if (put < got || (size_t)got < want)
            break;
    }
    rt_free(buf);
    return done ? (long)done : err;
}

static bool is_regular(struct libos_file *f) {
    struct stat st;
    return vfs_fstat(f, &st) == 0 && S_ISREG(st.st_mode);
}

static long read_offset(int64_t *uoff, int64_t *value) {
    if (!uoff)
        return 0;
    if (!uaccess_ok(uoff, sizeof(*uoff), true))
        return -EFAULT;
    *value = *uoff;
    return *value < 0 ? -EINVAL : 0;
}

SYSCALL(sendfile, SUPPORT_FULL) {
    int64_t *uoff = ARG_PTR(int64_t *, 2);
    size_t count = ARG_ULONG(3);
    int64_t off = 0;
    struct libos_file *out = fd_get(ARG_INT(0));
    struct libos_file *in = fd_get(ARG_INT(1));
    long r = !out || !in ? -EBADF : read_offset(uoff, &off);
    if (r == 0) {
        if (in->ops == &host_file_ops && out->ops == &host_file_ops)
            r = pal_sendfile(out->handle, in->handle, uoff ? &off : NULL, count);
        else
            r = copy_through(in, uoff ? &off : NULL, out, NULL, count);
        if (uoff)
            *uoff = off;
    }
    file_put(in);
    file_put(out);
    return r;
}

SYSCALL(copy_file_range, SUPPORT_FULL) {
    int64_t *uin_off = ARG_PTR(int64_t *, 1), *uout_off = ARG_PTR(int64_t *, 3);
    size_t count = ARG_ULONG(4);
    if (ARG_UINT(5))
        return -EINVAL;
    int64_t in_off = 0, out_off = 0;
    struct libos_file *in = fd_get(ARG_INT(0));
    struct libos_file *out = fd_get(ARG_INT(2));
    long r = !out || !in ? -EBADF : read_offset(uin_off, &in_off);
    if (r == 0)
        r = read_offset(uout_off, &out_off);
    if (r == 0 && (vfs_file_is_dir(in) || vfs_file_is_dir(out)))
        r = -EISDIR;
    if (r == 0 && (!is_regular(in) || !is_regular(out)))
        r = -EINVAL;
    if (r == 0 && (out->status_flags & O_APPEND))
        r = -EBADF;
    if (r == 0) {
        r = copy_through(in, uin_off ? &in_off : NULL, out, uout_off ? &out_off : NULL, count);
        if (uin_off)
            *uin_off = in_off;
        if (uout_off)
            *uout_off = out_off;
    }
    file_put(in);
    file_put(out);
    return r;
}

/* Advice is only a hint: checked, then accepted without effect. */
SYSCALL(fadvise64, SUPPORT_STUB) {
    struct libos_file *f = fd_get(ARG_INT(0));
    if (!f)
        return -EBADF;
    bool seekable = FILE_OP(f, seek) != NULL;
    file_put(f);
    int advice = ARG_INT(3);
    if (advice < POSIX_FADV_NORMAL || advice > POSIX_FADV_NOREUSE || ARG_LONG(2) < 0)
        return -EINVAL;
    return seekable ? 0 : -ESPIPE;
}

/* A hint, like fadvise64 above: the host reads ahead by itself. Linux's errors stay. */
SYSCALL(readahead, SUPPORT_STUB) {
    struct libos_file *f = fd_get(ARG_INT(0));
    if (!f)
        return -EBADF;
    long r = 0;
    struct stat st;
    if ((f->status_flags & O_ACCMODE) == O_WRONLY || (f->status_flags & O_PATH))
        r = -EBADF;
    else if (f->handle < 0 || pal_fstat(f->handle, &st) < 0 ||
             (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)))
        r = -EINVAL;
    file_put(f);
    return r;
}
