/* poll, ppoll, select, pselect6: the app's fds become PAL handles for one host wait.
 * Synthetic files are always ready, as regular files are on Linux. The signal masks of
 * ppoll and pselect6 are checked but not applied yet (docs/files.md). */
#include "libos/syscall.h"
#include "libos/fd.h"
#include "libos/drain.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include "common/alloc.h"
#include "common/string.h"
#include <linux/poll.h>
#include <linux/posix_types.h>
#include <linux/time.h>
#include <linux/time_types.h>

#define NSEC_PER_SEC 1000000000LL
#define CLOCK_MONOTONIC_ID 1
#define ALWAYS_READY (POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM)
#define SELECT_IN (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define SELECT_OUT (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define SELECT_EX POLLPRI

/* Waits on fds (in LibOS memory; fd, events in, revents out). Returns the number of
 * entries with events, or -errno. */
static long poll_fds(struct pollfd *fds, unsigned n, int64_t timeout_ns) {
    struct pollfd *host = NULL;
    struct libos_file **files = NULL;
    if (n) {
        host = rt_malloc(n * sizeof(*host));
        files = rt_calloc(n, sizeof(*files));
        if (!host || !files) {
            rt_free(host);
            rt_free(files);
            return -ENOMEM;
        }
    }
    unsigned ready = 0;
    for (unsigned i = 0; i < n; i++) {
        fds[i].revents = 0;
        host[i].fd = -1;
        host[i].events = 0;
        host[i].revents = 0;
        if (fds[i].fd < 0)
            continue;
        struct libos_file *f = fd_get(fds[i].fd);
        if (!f) {
            fds[i].revents = POLLNVAL;
            ready++;
            continue;
        }
        files[i] = f;
        if (f->handle >= 0) {
            host[i].fd = f->handle;
            host[i].events = fds[i].events;
        } else {
            fds[i].revents = (short)(fds[i].events & ALWAYS_READY);
            ready += fds[i].revents != 0;
        }
    }
    long r = pal_poll(host, n, ready ? 0 : timeout_ns);
    if (r >= 0) {
        r = 0;
        for (unsigned i = 0; i < n; i++) {
            if (host[i].fd >= 0) {
                fds[i].revents = host[i].revents;
                drain_polled(files[i], host[i].revents);
            }
            r += fds[i].revents != 0;
        }
    }
    if (r > 0)
        drain_readiness_reported();
    for (unsigned i = 0; i < n; i++)
        file_put(files[i]);
    rt_free(host);
    rt_free(files);
    return r;
}

static int64_t now_ns(void) {
    struct __kernel_timespec ts;
    if (pal_clock_gettime(CLOCK_MONOTONIC_ID, &ts) < 0)
        return 0;
    return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int64_t to_ns(int64_t sec, int64_t nsec) {
    if (sec >= INT64_MAX / NSEC_PER_SEC - 1)
        return INT64_MAX / 2;
    return sec * NSEC_PER_SEC + nsec;
}

/* Reads an app timespec timeout (NULL: wait forever, -1). */
static long read_timespec(const struct __kernel_timespec *uts, int64_t *ns) {
    *ns = -1;
    if (!uts)
        return 0;
    if (!uaccess_ok(uts, sizeof(*uts), false))
        return -EFAULT;
    struct __kernel_timespec ts = *uts;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC)
        return -EINVAL;
    *ns = to_ns(ts.tv_sec, ts.tv_nsec);
    return 0;
}

/* Linux writes the time left back into the app's timeout. */
static void write_timespec_left(struct __kernel_timespec *uts, int64_t timeout_ns, int64_t start) {
    if (!uts || timeout_ns < 0 || !uaccess_ok(uts, sizeof(*uts), true))
        return;
    int64_t left = timeout_ns - (now_ns() - start);
    if (left < 0)
        left = 0;
    uts->tv_sec = left / NSEC_PER_SEC;
    uts->tv_nsec = left % NSEC_PER_SEC;
}

static long do_poll(struct pollfd *ufds, unsigned long nfds, int64_t timeout_ns) {
    if (nfds > fd_limit() && nfds > fd_limit_refresh())
        return -EINVAL;
    size_t bytes = nfds * sizeof(struct pollfd);
    if (nfds && !uaccess_ok(ufds, bytes, true))
        return -EFAULT;
    struct pollfd *fds = NULL;
    if (nfds) {
        fds = rt_malloc(bytes);
        if (!fds)
            return -ENOMEM;
        memcpy(fds, ufds, bytes);
    }
    long r = poll_fds(fds, (unsigned)nfds, timeout_ns);
    if (r >= 0)
        for (unsigned long i = 0; i < nfds; i++)
            ufds[i].revents = fds[i].revents;
    rt_free(fds);
    return r;
}

SYSCALL(poll, SUPPORT_FULL) {
    int timeout_ms = ARG_INT(2);
    return do_poll(ARG_PTR(struct pollfd *, 0), ARG_ULONG(1),
                   timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000000);
}

SYSCALL(ppoll, SUPPORT_PARTIAL) {
    struct __kernel_timespec *uts = ARG_PTR(struct __kernel_timespec *, 2);
    if (ARG_PTR(void *, 3) && ARG_ULONG(4) != 8)
        return -EINVAL;
    int64_t timeout;
    long r = read_timespec(uts, &timeout);
    if (r < 0)
        return r;
    int64_t start = now_ns();
    r = do_poll(ARG_PTR(struct pollfd *, 0), ARG_ULONG(1), timeout);
    write_timespec_left(uts, timeout, start);
    return r;
}

#define BITS_PER_WORD 64

static bool bit_test(const uint64_t *set, int fd) {
    return set && (set[fd / BITS_PER_WORD] >> (fd % BITS_PER_WORD)) & 1;
}

static void bit_set(uint64_t *set, int fd) {
    set[fd / BITS_PER_WORD] |= 1ULL << (fd % BITS_PER_WORD);
}

/* select over the app's three sets (any may be NULL). */
static long do_select(int nfds, uint64_t *usets[3], int64_t timeout_ns) {
    if (nfds < 0)
        return -EINVAL;
    if (nfds > FD_MAX)
        nfds = FD_MAX;
    size_t words = ((size_t)nfds + BITS_PER_WORD - 1) / BITS_PER_WORD;
    size_t bytes = words * sizeof(uint64_t);
    for (int s = 0; s < 3; s++)
        if (usets[s] && bytes && !uaccess_ok(usets[s], bytes, true))
            return -EFAULT;
    uint64_t *in = rt_calloc(3 * words + 1, sizeof(uint64_t));
    struct pollfd *fds = NULL;
    if (!in)
        return -ENOMEM;
    uint64_t *sets[3];
    for (int s = 0; s < 3; s++) {
        sets[s] = usets[s] ? in + s * words : NULL;
        if (sets[s])
            memcpy(sets[s], usets[s], bytes);
    }
    unsigned n = 0;
    for (int fd = 0; fd < nfds; fd++)
        n += bit_test(sets[0], fd) || bit_test(sets[1], fd) || bit_test(sets[2], fd);
    long r = 0;
    if (n && !(fds = rt_malloc(n * sizeof(*fds))))
        r = -ENOMEM;
    unsigned k = 0;
    for (int fd = 0; r == 0 && fd < nfds; fd++) {
        short events = (short)((bit_test(sets[0], fd) ? POLLIN | POLLRDNORM | POLLRDBAND : 0) |
                               (bit_test(sets[1], fd) ? POLLOUT | POLLWRNORM | POLLWRBAND : 0) |
                               (bit_test(sets[2], fd) ? POLLPRI : 0));
        if (events)
            fds[k++] = (struct pollfd){fd, events, 0};
    }
    if (r == 0)
        r = poll_fds(fds, n, timeout_ns);
    for (unsigned i = 0; r >= 0 && i < n; i++)
        if (fds[i].revents & POLLNVAL)
            r = -EBADF;
    if (r >= 0) {
        r = 0;
        memset(in, 0, 3 * words * sizeof(uint64_t));
        for (unsigned i = 0; i < n; i++) {
            static const short wanted[3] = {SELECT_IN, SELECT_OUT, SELECT_EX};
            static const short asked[3] = {POLLIN, POLLOUT, POLLPRI};
            for (int s = 0; s < 3; s++) {
                if (sets[s] && (fds[i].events & asked[s]) && (fds[i].revents & wanted[s])) {
                    bit_set(sets[s], fds[i].fd);
                    r++;
                }
            }
        }
        for (int s = 0; s < 3; s++)
            if (sets[s])
                memcpy(usets[s], sets[s], bytes);
    }
    rt_free(fds);
    rt_free(in);
    return r;
}

SYSCALL(select, SUPPORT_FULL) {
    uint64_t *sets[3] = {ARG_PTR(uint64_t *, 1), ARG_PTR(uint64_t *, 2), ARG_PTR(uint64_t *, 3)};
    struct __kernel_old_timeval *utv = ARG_PTR(struct __kernel_old_timeval *, 4);
    int64_t timeout = -1;
    if (utv) {
        if (!uaccess_ok(utv, sizeof(*utv), true))
            return -EFAULT;
        if (utv->tv_sec < 0 || utv->tv_usec < 0 || utv->tv_usec >= 1000000)
            return -EINVAL;
        timeout = to_ns(utv->tv_sec, utv->tv_usec * 1000);
    }
    int64_t start = now_ns();
    long r = do_select(ARG_INT(0), sets, timeout);
    if (utv) {
        int64_t left = timeout - (now_ns() - start);
        if (left < 0)
            left = 0;
        utv->tv_sec = left / NSEC_PER_SEC;
        utv->tv_usec = (left % NSEC_PER_SEC) / 1000;
    }
    return r;
}

SYSCALL(pselect6, SUPPORT_PARTIAL) {
    uint64_t *sets[3] = {ARG_PTR(uint64_t *, 1), ARG_PTR(uint64_t *, 2), ARG_PTR(uint64_t *, 3)};
    struct __kernel_timespec *uts = ARG_PTR(struct __kernel_timespec *, 4);
    const struct {
        const void *mask;
        size_t size;
    } *sig = ARG_PTR(const void *, 5);
    if (sig) {
        if (!uaccess_ok(sig, sizeof(*sig), false))
            return -EFAULT;
        if (sig->mask && sig->size != 8)
            return -EINVAL;
    }
    int64_t timeout;
    long r = read_timespec(uts, &timeout);
    if (r < 0)
        return r;
    int64_t start = now_ns();
    r = do_select(ARG_INT(0), sets, timeout);
    write_timespec_left(uts, timeout, start);
    return r;
}
