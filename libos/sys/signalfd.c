/* signalfd and signalfd4: signals taken by read(2) instead of a handler. The LibOS owns the
 * pending sets, so a signalfd is a LibOS file; for poll and epoll it carries a PAL ready
 * flag that the signal core keeps readable while a signal of its mask is pending. */
#include "libos/syscall.h"
#include "libos/fd.h"
#include "libos/signal.h"
#include "libos/uaccess.h"
#include "common/alloc.h"
#include "common/string.h"
#include "pal/pal.h"
#include <linux/fcntl.h>
#include <linux/signal.h>
#include <linux/signalfd.h>
#include <linux/uio.h>

/* Bounds one vectored read's bounce buffer; a plain read copies straight to the app. */
#define READV_MAX_SIGNALS 64

struct signalfd_state {
    struct signal_watch watch;
};

static const struct file_ops signalfd_ops;

static uint64_t mask_of(struct libos_file *f) {
    return ((struct signalfd_state *)f->priv)->watch.mask;
}

/* Linux's signalfd_copyinfo: which union members are meaningful depends on how the
 * signal was sent. */
static void fill_info(struct signalfd_siginfo *out, const siginfo_t *in) {
    memset(out, 0, sizeof(*out));
    out->ssi_signo = (uint32_t)in->si_signo;
    out->ssi_errno = in->si_errno;
    out->ssi_code = in->si_code;
    int sig = in->si_signo, code = in->si_code;
    if (code == SI_TIMER) {
        out->ssi_tid = (uint32_t)in->si_tid;
        out->ssi_overrun = (uint32_t)in->si_overrun;
        out->ssi_int = in->si_int;
        out->ssi_ptr = (uint64_t)in->si_ptr;
    } else if (code == SI_SIGIO || (code > 0 && code != SI_KERNEL && sig == SIGIO)) {
        out->ssi_band = (uint32_t)in->si_band;
        out->ssi_fd = in->si_fd;
    } else if (code > 0 && code != SI_KERNEL &&
               (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
                sig == SIGTRAP)) {
        out->ssi_addr = (uint64_t)in->si_addr;
        if (sig == SIGBUS && (code == BUS_MCEERR_AR || code == BUS_MCEERR_AO))
            out->ssi_addr_lsb = (uint16_t)in->si_addr_lsb;
    } else if (code > 0 && code != SI_KERNEL && sig == SIGCHLD) {
        out->ssi_pid = (uint32_t)in->si_pid;
        out->ssi_uid = in->si_uid;
        out->ssi_status = in->si_status;
        out->ssi_utime = (uint64_t)in->si_utime;
        out->ssi_stime = (uint64_t)in->si_stime;
    } else if (code > 0 && code != SI_KERNEL && sig == SIGSYS) {
        out->ssi_call_addr = (uint64_t)in->si_call_addr;
        out->ssi_syscall = in->si_syscall;
        out->ssi_arch = in->si_arch;
    } else {
        /* kill, tgkill, sigqueue: the sender, and the value sigqueue carries. */
        out->ssi_pid = (uint32_t)in->si_pid;
        out->ssi_uid = in->si_uid;
        if (code < 0) {
            out->ssi_int = in->si_int;
            out->ssi_ptr = (uint64_t)in->si_ptr;
        }
    }
}

/* Takes up to max signals into out; only the first may wait (unless O_NONBLOCK). */
static long take_signals(struct libos_file *f, struct signalfd_siginfo *out, size_t max) {
    size_t n = 0;
    uint64_t mask = mask_of(f);
    while (n < max) {
        siginfo_t info;
        long sig;
        if (n == 0 && !(f->status_flags & O_NONBLOCK)) {
            sig = libos_signal_wait(mask, NULL, &info);
            if (sig < 0)
                return sig;
        } else {
            sig = libos_signal_dequeue(mask, &info);
            if (!sig)
                break;
        }
        fill_info(&out[n++], &info);
    }
    return n ? (long)n : -EAGAIN;
}

static long signalfd_read(struct libos_file *f, void *buf, size_t len) {
    size_t max = len / sizeof(struct signalfd_siginfo);
    if (!max)
        return -EINVAL;
    long n = take_signals(f, buf, max);
    return n < 0 ? n : n * (long)sizeof(struct signalfd_siginfo);
}

static long signalfd_readv(struct libos_file *f, const struct iovec *iov, int cnt) {
    size_t total = 0;
    for (int i = 0; i < cnt; i++)
        total += iov[i].iov_len;
    size_t max = total / sizeof(struct signalfd_siginfo);
    if (!max)
        return -EINVAL;
    if (max > READV_MAX_SIGNALS)
        max = READV_MAX_SIGNALS;
    struct signalfd_siginfo *bounce = rt_malloc(max * sizeof(*bounce));
    if (!bounce)
        return -ENOMEM;
    long n = take_signals(f, bounce, max);
    if (n > 0) {
        size_t left = (size_t)n * sizeof(*bounce), done = 0;
        for (int i = 0; i < cnt && left; i++) {
            size_t part = iov[i].iov_len < left ? iov[i].iov_len : left;
            memcpy(iov[i].iov_base, (char *)bounce + done, part);
            done += part;
            left -= part;
        }
        n = (long)done;
    }
    rt_free(bounce);
    return n;
}

static long signalfd_write(struct libos_file *f, const void *buf, size_t len) {
    return -EINVAL;
}

static void signalfd_release(struct libos_file *f) {
    struct signalfd_state *s = f->priv;
    libos_signal_watch_remove(&s->watch);
    rt_free(s);
}

static const struct file_ops signalfd_ops = {
    .read = signalfd_read,
    .readv = signalfd_readv,
    .write = signalfd_write,
    .release = signalfd_release,
};

static long do_signalfd(int fd, const uint64_t *umask, size_t size, int flags) {
    if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK))
        return -EINVAL;
    if (size != sizeof(uint64_t))
        return -EINVAL;
    if (!UACCESS_READ(umask, sizeof(*umask)))
        return -EFAULT;
    uint64_t mask = *umask & ~SIG_UNBLOCKABLE;
    if (fd != -1) {
        struct libos_file *f = fd_get(fd);
        if (!f)
            return -EBADF;
        long r = -EINVAL;
        if (f->ops == &signalfd_ops) {
            libos_signal_watch_set_mask(&((struct signalfd_state *)f->priv)->watch, mask);
            r = fd;
        }
        file_put(f);
        return r;
    }
    struct signalfd_state *s = rt_calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    long h = pal_ready_flag_create();
    if (h < 0) {
        rt_free(s);
        return h;
    }
    struct libos_file *f = file_new(FILE_HOST, &signalfd_ops, (int)h);
    if (!f) {
        pal_close((int)h);
        rt_free(s);
        return -ENOMEM;
    }
    f->status_flags = O_RDWR | (flags & SFD_NONBLOCK);
    f->priv = s;
    s->watch.mask = mask;
    s->watch.handle = (int)h;
    libos_signal_watch_add(&s->watch);
    return fd_install(f, 0, (flags & SFD_CLOEXEC) != 0);
}

SYSCALL(signalfd, SUPPORT_FULL) {
    return do_signalfd(ARG_INT(0), ARG_PTR(const uint64_t *, 1), ARG_ULONG(2), 0);
}

SYSCALL(signalfd4, SUPPORT_FULL) {
    return do_signalfd(ARG_INT(0), ARG_PTR(const uint64_t *, 1), ARG_ULONG(2), ARG_INT(3));
}
