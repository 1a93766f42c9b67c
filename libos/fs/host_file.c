/* Descriptions over plain host objects (files, directories, pipes, ttys): each operation
 * is the PAL call on the handle. ioctl passes through only requests whose argument the
 * LibOS can check, so the host never writes into memory the app does not own. */
#include "common/hot.h"
#include "libos/fd.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include <asm-generic/errno.h>
#include <asm/ioctls.h>
#include <asm/ioctl.h>
#include <asm/termbits.h>
#include <linux/fcntl.h>

static long host_read(struct libos_file *f, void *buf, size_t n) {
    return pal_read(f->handle, buf, n);
}

static long host_write(struct libos_file *f, const void *buf, size_t n) {
    return pal_write(f->handle, buf, n);
}

static long host_pread(struct libos_file *f, void *buf, size_t n, uint64_t off) {
    return pal_pread(f->handle, buf, n, off);
}

static long host_pwrite(struct libos_file *f, const void *buf, size_t n, uint64_t off) {
    return pal_pwrite(f->handle, buf, n, off);
}

static long host_seek(struct libos_file *f, int64_t off, int whence) {
    return pal_seek(f->handle, off, whence);
}

static long host_fstat(struct libos_file *f, struct stat *st) {
    return pal_fstat(f->handle, st);
}

static long host_getdents64(struct libos_file *f, void *buf, size_t n) {
    return pal_getdents64(f->handle, buf, n);
}

static long host_readv(struct libos_file *f, const struct iovec *iov, int cnt) {
    return pal_readv(f->handle, iov, cnt);
}

static long host_writev(struct libos_file *f, const struct iovec *iov, int cnt) {
    return pal_writev(f->handle, iov, cnt);
}

/* struct winsize: four unsigned shorts (the UAPI headers do not define it). */
#define WINSIZE_SIZE 8

enum arg_use { ARG_NONE, ARG_VALUE, ARG_IN, ARG_OUT };

struct ioctl_rule {
    unsigned long req;
    enum arg_use use;
    unsigned size;
};

/* The legacy tty requests predate the size encoding, so their argument is listed here. */
static const struct ioctl_rule g_tty_rules[] = {
    {TCGETS, ARG_OUT, sizeof(struct termios)},
    {TCSETS, ARG_IN, sizeof(struct termios)},
    {TCSETSW, ARG_IN, sizeof(struct termios)},
    {TCSETSF, ARG_IN, sizeof(struct termios)},
    {TCSBRK, ARG_VALUE, 0},
    {TCSBRKP, ARG_VALUE, 0},
    {TCXONC, ARG_VALUE, 0},
    {TCFLSH, ARG_VALUE, 0},
    {TIOCEXCL, ARG_NONE, 0},
    {TIOCNXCL, ARG_NONE, 0},
    {TIOCSCTTY, ARG_VALUE, 0},
    {TIOCNOTTY, ARG_NONE, 0},
    {TIOCSBRK, ARG_NONE, 0},
    {TIOCCBRK, ARG_NONE, 0},
    {TIOCGPGRP, ARG_OUT, sizeof(int)},
    {TIOCSPGRP, ARG_IN, sizeof(int)},
    {TIOCGSID, ARG_OUT, sizeof(int)},
    {TIOCOUTQ, ARG_OUT, sizeof(int)},
    {TIOCSTI, ARG_IN, 1},
    {TIOCGWINSZ, ARG_OUT, WINSIZE_SIZE},
    {TIOCSWINSZ, ARG_IN, WINSIZE_SIZE},
    {TIOCMGET, ARG_OUT, sizeof(int)},
    {TIOCMBIS, ARG_IN, sizeof(int)},
    {TIOCMBIC, ARG_IN, sizeof(int)},
    {TIOCMSET, ARG_IN, sizeof(int)},
    {TIOCGETD, ARG_OUT, sizeof(int)},
    {TIOCSETD, ARG_IN, sizeof(int)},
    {TIOCPKT, ARG_IN, sizeof(int)},
    {FIONREAD, ARG_OUT, sizeof(int)},
    {FIONBIO, ARG_IN, sizeof(int)},
    {FIOASYNC, ARG_IN, sizeof(int)},
};

static bool arg_ok(enum arg_use use, void *arg, size_t size) {
    if (use == ARG_IN)
        return uaccess_ok(arg, size, false);
    if (use == ARG_OUT)
        return uaccess_ok(arg, size, true);
    return true;
}

static long host_ioctl(struct libos_file *f, unsigned long req, void *arg) {
    const struct ioctl_rule *rule = NULL;
    for (size_t i = 0; i < sizeof(g_tty_rules) / sizeof(g_tty_rules[0]); i++)
        if (g_tty_rules[i].req == req)
            rule = &g_tty_rules[i];
    if (rule) {
        if (!arg_ok(rule->use, arg, rule->size))
            return -EFAULT;
    } else {
        /* A size-encoded request: the kernel reads and/or writes exactly _IOC_SIZE bytes
         * at arg. Requests without an encoding could do anything with arg. */
        unsigned dir = _IOC_DIR(req);
        size_t size = _IOC_SIZE(req);
        if (dir == _IOC_NONE || size == 0)
            return -ENOTTY;
        if ((dir & _IOC_READ) && !uaccess_ok(arg, size, true))
            return -EFAULT;
        if ((dir & _IOC_WRITE) && !uaccess_ok(arg, size, false))
            return -EFAULT;
    }
    long r = pal_ioctl(f->handle, req, arg);
    /* The same flags as F_SETFL sets, which the LibOS reads back (libos/drain.h). */
    if (r == 0 && (req == FIONBIO || req == FIOASYNC)) {
        int flag = req == FIONBIO ? O_NONBLOCK : FASYNC;
        if (*(int *)arg)
            f->status_flags |= flag;
        else
            f->status_flags &= ~flag;
    }
    return r;
}

/* Read on every passthrough read and write: on the hot page (common/hot.h). */
const struct file_ops host_file_ops HOT_DATA = {
    .read = host_read,
    .write = host_write,
    .pread = host_pread,
    .pwrite = host_pwrite,
    .seek = host_seek,
    .fstat = host_fstat,
    .getdents64 = host_getdents64,
    .ioctl = host_ioctl,
    .readv = host_readv,
    .writev = host_writev,
};
