/* splice and tee: moving data between host pipes, sockets and files without a copy through
 * the app (Go's io.Copy between connections splices through a pipe). Both are the host's
 * on the handles; the offsets go through LibOS memory. */
#include "libos/syscall.h"
#include "libos/fd.h"
#include "libos/drain.h"
#include "libos/uaccess.h"
#include "pal/pal.h"

/* Reads an app offset (NULL: none) into *off; returns the pointer to use or an error. */
static long read_offset(int64_t *uoff, int64_t *off, int64_t **use) {
    *use = NULL;
    if (!uoff)
        return 0;
    if (!uaccess_ok(uoff, sizeof(*uoff), false))
        return -EFAULT;
    *off = *uoff;
    *use = off;
    return 0;
}

static long write_offset(int64_t *uoff, const int64_t *off) {
    if (!uoff)
        return 0;
    if (!uaccess_ok(uoff, sizeof(*uoff), true))
        return -EFAULT;
    *uoff = *off;
    return 0;
}

SYSCALL(splice, SUPPORT_FULL) {
    int64_t *uoff_in = ARG_PTR(int64_t *, 1), *uoff_out = ARG_PTR(int64_t *, 3);
    size_t len = ARG_ULONG(4);
    unsigned flags = ARG_UINT(5);
    struct libos_file *in = fd_get(ARG_INT(0));
    struct libos_file *out = fd_get(ARG_INT(2));
    int64_t off_in = 0, off_out = 0, *use_in = NULL, *use_out = NULL;
    long r;
    if (!in || !out)
        r = -EBADF;
    else if (in->handle < 0 || out->handle < 0)
        r = -EINVAL; /* synthetic files have no host object to splice */
    else if ((r = read_offset(uoff_in, &off_in, &use_in)) == 0 &&
             (r = read_offset(uoff_out, &off_out, &use_out)) == 0) {
        drain_forget(in);
        r = pal_splice(in->handle, use_in, out->handle, use_out, len, flags);
    }
    if (r >= 0) {
        long w = write_offset(uoff_in, &off_in);
        if (w == 0)
            w = write_offset(uoff_out, &off_out);
        if (w < 0)
            r = w;
    }
    file_put(in);
    file_put(out);
    return r;
}

SYSCALL(tee, SUPPORT_FULL) {
    struct libos_file *in = fd_get(ARG_INT(0));
    struct libos_file *out = fd_get(ARG_INT(1));
    long r;
    if (!in || !out)
        r = -EBADF;
    else if (in->handle < 0 || out->handle < 0)
        r = -EINVAL;
    else
        r = pal_tee(in->handle, out->handle, ARG_ULONG(2), ARG_UINT(3));
    file_put(in);
    file_put(out);
    return r;
}
