/* Socket data: sendto, recvfrom, sendmsg, recvmsg, sendmmsg, recvmmsg. Every buffer of the
 * app is checked whole before the host sees it (EFAULT, with nothing transferred); the
 * message header, address and control data are copied into LibOS memory, so the host reads
 * and writes only checked app buffers and LibOS copies.
 *
 * SCM_RIGHTS carries fds: on the way out the app's fds become host handles, on the way in
 * the host handles received become new app fds (MSG_CMSG_CLOEXEC decides their
 * close-on-exec flag). Other control messages pass through. */
#include "libos/syscall.h"
#include "libos/sys/socket.h"
#include "libos/drain.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include "common/alloc.h"
#include "common/string.h"
#include <linux/fcntl.h>
#include <linux/time_types.h>
#include <linux/uio.h>

/* Linux caps one transfer at INT_MAX rounded down to a page. */
#define MAX_RW_COUNT 0x7ffff000UL
/* Linux refuses control data beyond optmem_max (ENOBUFS); this is the LibOS's bound. */
#define CONTROL_MAX 65536
#define IOV_STACK 8
#define NSEC_PER_SEC 1000000000LL
#define CLOCK_MONOTONIC_ID 1
#define MSG_CMSG_COMPAT 0x80000000u

/* One message on its way to or from the host, in LibOS memory. */
struct message {
    struct msghdr host; /* what the host sees */
    struct socket_address addr;
    struct iovec iov_stack[IOV_STACK];
    struct iovec *iov;
    char *control;
    size_t total; /* bytes the buffers hold */
    /* Descriptions whose handles an outgoing SCM_RIGHTS names, kept open for the call. */
    struct libos_file **passed;
    size_t passed_count;
};

static void message_init(struct message *m) {
    memset(&m->host, 0, sizeof(m->host));
    m->iov = NULL;
    m->control = NULL;
    m->total = 0;
    m->passed = NULL;
    m->passed_count = 0;
}

static void message_free(struct message *m) {
    if (m->iov != m->iov_stack)
        rt_free(m->iov);
    rt_free(m->control);
    for (size_t i = 0; i < m->passed_count; i++)
        file_put(m->passed[i]);
    rt_free(m->passed);
}

/* Copies the app's iovec array and checks every buffer whole. Lengths beyond what one
 * transfer moves are cut, as Linux's import_iovec does. */
static long import_iovec(struct message *m, const struct iovec *uiov, size_t count, bool to_app) {
    if (count > UIO_MAXIOV)
        return -EMSGSIZE;
    m->iov = m->iov_stack;
    if (count == 0)
        return 0;
    size_t bytes = count * sizeof(struct iovec);
    if (!uaccess_ok(uiov, bytes, false))
        return -EFAULT;
    if (count > IOV_STACK && !(m->iov = rt_malloc(bytes)))
        return -ENOMEM;
    memcpy(m->iov, uiov, bytes);
    for (size_t i = 0; i < count; i++) {
        if ((long)m->iov[i].iov_len < 0)
            return -EINVAL;
        if (m->iov[i].iov_len > MAX_RW_COUNT - m->total)
            m->iov[i].iov_len = MAX_RW_COUNT - m->total;
        m->total += m->iov[i].iov_len;
    }
    for (size_t i = 0; i < count; i++)
        if (!uaccess_ok(m->iov[i].iov_base, m->iov[i].iov_len, to_app))
            return -EFAULT;
    m->host.msg_iov = m->iov;
    m->host.msg_iovlen = count;
    return 0;
}

/* One buffer (sendto, recvfrom). */
static long import_buffer(struct message *m, void *buf, size_t len, bool to_app) {
    if (len > MAX_RW_COUNT)
        len = MAX_RW_COUNT;
    if (!uaccess_ok(buf, len, to_app))
        return -EFAULT;
    m->iov = m->iov_stack;
    m->iov[0].iov_base = buf;
    m->iov[0].iov_len = len;
    m->total = len;
    m->host.msg_iov = m->iov;
    m->host.msg_iovlen = 1;
    return 0;
}

/* Calls cb for each well-formed control message of (control, len), as the kernel walks
 * them; the walk stops at a malformed one, which the host then refuses. */
static void for_each_cmsg(char *control, size_t len, void (*cb)(void *arg, struct cmsghdr *c),
                          void *arg) {
    size_t off = 0;
    while (len >= sizeof(struct cmsghdr) && off <= len - sizeof(struct cmsghdr)) {
        struct cmsghdr *c = (struct cmsghdr *)(control + off);
        if (c->cmsg_len < sizeof(struct cmsghdr) || c->cmsg_len > len - off)
            return;
        cb(arg, c);
        size_t step = CMSG_ALIGN(c->cmsg_len);
        if (step > len - off)
            return;
        off += step;
    }
}

static bool is_rights(const struct cmsghdr *c) {
    return c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS;
}

static int *rights_fds(struct cmsghdr *c, size_t *count) {
    *count = (c->cmsg_len - CMSG_HEADER_SIZE) / sizeof(int);
    return (int *)((char *)c + CMSG_HEADER_SIZE);
}

/* An app fd in an outgoing SCM_RIGHTS becomes its host handle; one that is not open (or
 * has no host object) becomes -1, so the host fails the call as Linux would. */
static void pass_rights(void *arg, struct cmsghdr *c) {
    struct message *m = arg;
    if (!is_rights(c))
        return;
    size_t count;
    int *fds = rights_fds(c, &count);
    for (size_t i = 0; i < count; i++) {
        struct libos_file *f = fd_get(fds[i]);
        fds[i] = f ? f->handle : -1;
        if (f) {
            drain_share(f); /* the receiver may read it, or wait on it */
            m->passed[m->passed_count++] = f;
        }
    }
}

static long import_send_control(struct message *m, const void *ucontrol, size_t len) {
    if (len == 0)
        return 0;
    if (len > CONTROL_MAX)
        return -ENOBUFS;
    if (!uaccess_ok(ucontrol, len, false))
        return -EFAULT;
    if (!(m->control = rt_malloc(len)) ||
        !(m->passed = rt_malloc((len / sizeof(int) + 1) * sizeof(*m->passed))))
        return -ENOMEM;
    memcpy(m->control, ucontrol, len);
    for_each_cmsg(m->control, len, pass_rights, m);
    m->host.msg_control = m->control;
    m->host.msg_controllen = len;
    return 0;
}

/* Linux's rules for the name of a message header: ignored without a buffer, a negative
 * length is EINVAL, a longer one than any address is cut. */
static long name_length(const struct msghdr *umsg, int *len) {
    *len = umsg->msg_name ? umsg->msg_namelen : 0;
    if (*len < 0)
        return -EINVAL;
    if (*len > SOCKADDR_STORAGE_SIZE)
        *len = SOCKADDR_STORAGE_SIZE;
    return 0;
}

static long import_send(struct message *m, const struct msghdr *uhdr) {
    if (!uaccess_ok(uhdr, sizeof(*uhdr), false))
        return -EFAULT;
    struct msghdr u = *uhdr;
    int namelen;
    long r = name_length(&u, &namelen);
    if (r == 0 && namelen) {
        r = socket_address_import(u.msg_name, namelen, &m->addr);
        m->host.msg_name = &m->addr.storage;
        m->host.msg_namelen = (int)m->addr.len;
    }
    if (r == 0)
        r = import_iovec(m, u.msg_iov, u.msg_iovlen, false);
    if (r == 0 && u.msg_controllen > 0x7fffffff)
        r = -ENOBUFS;
    if (r == 0)
        r = import_send_control(m, u.msg_control, u.msg_controllen);
    m->host.msg_flags = u.msg_flags;
    return r;
}

/* sendmsg of one app message header; *total is what its buffers hold. */
static long send_one(struct libos_file *f, const struct msghdr *uhdr, int flags, size_t *total) {
    struct message m;
    message_init(&m);
    long r = import_send(&m, uhdr);
    if (r < 0)
        r = socket_check_error(f, r);
    else
        r = pal_sendmsg(f->handle, &m.host, flags);
    *total = m.total;
    message_free(&m);
    return r;
}

/* ---- Receiving ------------------------------------------------------------------------- */

struct received_rights {
    bool cloexec;
    bool install_failed;
    bool truncated;
};

static struct libos_file *received_file(int handle) {
    long flags = pal_get_status_flags(handle);
    struct libos_file *f = file_new_host(handle, flags < 0 ? O_RDWR : (int)flags, NULL);
    if (!f)
        pal_close(handle);
    return f;
}

/* Host handles received become app fds. As on Linux, when the fd table is full the fds
 * that do not fit are closed and the message is flagged MSG_CTRUNC. */
static void install_rights(void *arg, struct cmsghdr *c) {
    struct received_rights *rr = arg;
    if (!is_rights(c))
        return;
    size_t count, kept = 0;
    int *fds = rights_fds(c, &count);
    for (size_t i = 0; i < count; i++) {
        long fd = -1;
        if (!rr->install_failed) {
            struct libos_file *f = received_file(fds[i]);
            fd = f ? fd_install(f, 0, rr->cloexec) : -ENOMEM;
        } else {
            pal_close(fds[i]);
        }
        if (fd < 0) {
            rr->install_failed = true;
            continue;
        }
        fds[kept++] = (int)fd;
    }
    if (kept < count) {
        c->cmsg_len = CMSG_HEADER_SIZE + kept * sizeof(int);
        rr->truncated = true;
    }
}

static void close_rights(void *arg, struct cmsghdr *c) {
    if (!is_rights(c))
        return;
    size_t count;
    int *fds = rights_fds(c, &count);
    for (size_t i = 0; i < count; i++)
        pal_close(fds[i]);
}

/* Checks and copies in what a receive needs: the header must be writable (the LibOS
 * writes the lengths and flags back). */
static long import_recv(struct message *m, struct msghdr *uhdr, struct msghdr *u) {
    if (!uaccess_ok(uhdr, sizeof(*uhdr), true))
        return -EFAULT;
    *u = *uhdr;
    int namelen;
    long r = name_length(u, &namelen);
    if (r < 0)
        return r;
    if (u->msg_name) {
        m->host.msg_name = &m->addr.storage;
        m->host.msg_namelen = SOCKADDR_STORAGE_SIZE;
    }
    r = import_iovec(m, u->msg_iov, u->msg_iovlen, true);
    if (r == 0 && u->msg_control && u->msg_controllen) {
        size_t len = u->msg_controllen > CONTROL_MAX ? CONTROL_MAX : u->msg_controllen;
        if (!(m->control = rt_calloc(1, len)))
            return -ENOMEM;
        m->host.msg_control = m->control;
        m->host.msg_controllen = len;
    }
    return r;
}

/* Gives the app what a successful host receive produced: fds, control data, the sender's
 * address, lengths and flags. */
static long finish_recv(struct message *m, struct msghdr *uhdr, const struct msghdr *u, int flags) {
    size_t used = m->host.msg_control ? m->host.msg_controllen : 0;
    if (used && !uaccess_ok(u->msg_control, used, true)) {
        for_each_cmsg(m->control, used, close_rights, NULL);
        return -EFAULT;
    }
    struct received_rights rr = {(flags & MSG_CMSG_CLOEXEC) != 0, false, false};
    for_each_cmsg(m->control, used, install_rights, &rr);
    if (used)
        memcpy(u->msg_control, m->control, used);
    if (u->msg_name) {
        m->addr.len = (unsigned)m->host.msg_namelen;
        socket_address_export(&m->addr);
        long r = socket_address_to_user(&m->addr, u->msg_name, &uhdr->msg_namelen);
        if (r < 0)
            return r;
    }
    /* The host always got MSG_CMSG_CLOEXEC; Linux echoes it only when the app asked. */
    unsigned out_flags = m->host.msg_flags & ~MSG_CMSG_CLOEXEC;
    uhdr->msg_flags = out_flags | (flags & MSG_CMSG_CLOEXEC) | (rr.truncated ? MSG_CTRUNC : 0);
    uhdr->msg_controllen = used;
    return 0;
}

/* recvmsg into one app message header; *out_flags gets the message's flags. */
static long recv_one(struct libos_file *f, struct msghdr *uhdr, int flags, unsigned *out_flags) {
    struct message m;
    struct msghdr u;
    message_init(&m);
    drain_forget(f);
    long r = import_recv(&m, uhdr, &u);
    if (r < 0) {
        r = socket_check_error(f, r);
    } else {
        r = pal_recvmsg(f->handle, &m.host, flags);
        if (r >= 0) {
            long done = finish_recv(&m, uhdr, &u, flags);
            if (done < 0)
                r = done;
            else
                *out_flags = uhdr->msg_flags;
        }
    }
    message_free(&m);
    return r;
}

/* ---- Syscalls -------------------------------------------------------------------------- */

SYSCALL(sendto, SUPPORT_FULL) {
    void *buf = ARG_PTR(void *, 1);
    size_t len = ARG_ULONG(2);
    int flags = ARG_INT(3);
    const void *uaddr = ARG_PTR(const void *, 4);
    struct libos_file *f;
    long r = socket_lookup(ARG_INT(0), &f);
    if (r < 0)
        return r;
    struct message m;
    message_init(&m);
    r = import_buffer(&m, buf, len, false);
    if (r == 0 && uaddr) {
        r = socket_address_import(uaddr, ARG_INT(5), &m.addr);
        m.host.msg_name = &m.addr.storage;
        m.host.msg_namelen = (int)m.addr.len;
    }
    r = r < 0 ? socket_check_error(f, r) : pal_sendmsg(f->handle, &m.host, flags);
    message_free(&m);
    file_put(f);
    return r;
}

SYSCALL(recvfrom, SUPPORT_FULL) {
    void *buf = ARG_PTR(void *, 1);
    size_t len = ARG_ULONG(2);
    int flags = ARG_INT(3);
    void *uaddr = ARG_PTR(void *, 4);
    int *ulen = ARG_PTR(int *, 5);
    struct libos_file *f;
    long r = socket_lookup(ARG_INT(0), &f);
    if (r < 0)
        return r;
    struct message m;
    message_init(&m);
    r = import_buffer(&m, buf, len, true);
    if (r == 0 && uaddr) {
        m.host.msg_name = &m.addr.storage;
        m.host.msg_namelen = SOCKADDR_STORAGE_SIZE;
    }
    struct drain_read dr;
    if (r < 0) {
        r = socket_check_error(f, r);
    } else if (!(f->drain_flags & DRAIN_TCP) || !len || uaddr || (flags & ~MSG_DONTWAIT)) {
        drain_forget(f);
        r = pal_recvmsg(f->handle, &m.host, flags);
    } else if (drain_read_begin(f, (flags & MSG_DONTWAIT) || (f->status_flags & O_NONBLOCK), &dr)) {
        r = -EAGAIN;
    } else {
        r = pal_recvmsg(f->handle, &m.host, flags);
        drain_read_done(f, &dr, r, m.total);
    }
    file_put(f);
    /* As on Linux, the address is given after the data is taken. */
    if (r >= 0 && uaddr) {
        m.addr.len = (unsigned)m.host.msg_namelen;
        socket_address_export(&m.addr);
        long done = socket_address_to_user(&m.addr, uaddr, ulen);
        if (done < 0)
            r = done;
    }
    message_free(&m);
    return r;
}

SYSCALL(sendmsg, SUPPORT_FULL) {
    int flags = ARG_INT(2);
    if ((unsigned)flags & MSG_CMSG_COMPAT)
        return -EINVAL;
    struct libos_file *f;
    long r = socket_lookup(ARG_INT(0), &f);
    if (r < 0)
        return r;
    size_t total;
    r = send_one(f, ARG_PTR(const struct msghdr *, 1), flags, &total);
    file_put(f);
    return r;
}

SYSCALL(recvmsg, SUPPORT_FULL) {
    int flags = ARG_INT(2);
    if ((unsigned)flags & MSG_CMSG_COMPAT)
        return -EINVAL;
    struct libos_file *f;
    long r = socket_lookup(ARG_INT(0), &f);
    if (r < 0)
        return r;
    unsigned out_flags;
    r = recv_one(f, ARG_PTR(struct msghdr *, 1), flags, &out_flags);
    file_put(f);
    return r;
}

/* Stores a message's length in the app's mmsghdr. */
static bool put_msg_len(struct mmsghdr *entry, long len) {
    if (!uaccess_ok(&entry->msg_len, sizeof(entry->msg_len), true))
        return false;
    entry->msg_len = (unsigned)len;
    return true;
}

/* As Linux: messages are sent until one fails or is sent partly; an error is returned only
 * when no message was sent. */
SYSCALL(sendmmsg, SUPPORT_FULL) {
    struct mmsghdr *vec = ARG_PTR(struct mmsghdr *, 1);
    unsigned vlen = ARG_UINT(2);
    int flags = ARG_INT(3);
    if ((unsigned)flags & MSG_CMSG_COMPAT)
        return -EINVAL;
    struct libos_file *f;
    long r = socket_lookup(ARG_INT(0), &f);
    if (r < 0)
        return r;
    if (vlen > UIO_MAXIOV)
        vlen = UIO_MAXIOV;
    long sent = 0;
    r = 0;
    for (unsigned i = 0; i < vlen; i++) {
        size_t total;
        r = send_one(f, &vec[i].msg_hdr, i + 1 < vlen ? flags | MSG_BATCH : flags, &total);
        if (r < 0)
            break;
        if (!put_msg_len(&vec[i], r)) {
            r = -EFAULT;
            break;
        }
        sent++;
        if ((size_t)r < total)
            break;
    }
    file_put(f);
    return sent ? sent : r;
}

static int64_t now_ns(void) {
    struct __kernel_timespec ts;
    if (pal_clock_gettime(CLOCK_MONOTONIC_ID, &ts) < 0)
        return 0;
    return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* As Linux: the timeout is checked after each message (a receive itself may wait longer),
 * MSG_WAITFORONE makes the receives after the first non-blocking, and an error is returned
 * only when no message was received. The time left is written back when any was. */
SYSCALL(recvmmsg, SUPPORT_FULL) {
    struct mmsghdr *vec = ARG_PTR(struct mmsghdr *, 1);
    unsigned vlen = ARG_UINT(2);
    int flags = ARG_INT(3);
    struct __kernel_timespec *uts = ARG_PTR(struct __kernel_timespec *, 4);
    if ((unsigned)flags & MSG_CMSG_COMPAT)
        return -EINVAL;
    struct __kernel_timespec timeout = {0, 0};
    int64_t end = 0;
    if (uts) {
        if (!uaccess_ok(uts, sizeof(*uts), false))
            return -EFAULT;
        timeout = *uts;
        if (timeout.tv_sec < 0 || timeout.tv_nsec < 0 || timeout.tv_nsec >= NSEC_PER_SEC)
            return -EINVAL;
        int64_t span = timeout.tv_sec >= INT64_MAX / NSEC_PER_SEC - 1
                           ? INT64_MAX / 2
                           : timeout.tv_sec * NSEC_PER_SEC + timeout.tv_nsec;
        end = now_ns() + span;
    }
    struct libos_file *f;
    long r = socket_lookup(ARG_INT(0), &f);
    if (r < 0)
        return r;
    if (vlen > UIO_MAXIOV)
        vlen = UIO_MAXIOV;
    long received = 0;
    r = 0;
    for (unsigned i = 0; i < vlen; i++) {
        unsigned msg_flags = 0;
        r = recv_one(f, &vec[i].msg_hdr, flags & ~MSG_WAITFORONE, &msg_flags);
        if (r < 0)
            break;
        if (!put_msg_len(&vec[i], r)) {
            r = -EFAULT;
            break;
        }
        r = 0;
        received++;
        if (flags & MSG_WAITFORONE)
            flags |= MSG_DONTWAIT;
        if (uts) {
            int64_t left = end - now_ns();
            if (left < 0)
                left = 0;
            timeout.tv_sec = left / NSEC_PER_SEC;
            timeout.tv_nsec = left % NSEC_PER_SEC;
            if (left == 0)
                break;
        }
        if (msg_flags & MSG_OOB)
            break;
    }
    file_put(f);
    if (!received)
        return r;
    if (uts) {
        if (!uaccess_ok(uts, sizeof(*uts), true))
            return -EFAULT;
        *uts = timeout;
    }
    return received;
}
