/* Sockets, epoll, eventfd and timerfd for the direct PAL: each call is one host syscall on host fds
 * (or two, when an old host lacks epoll_pwait2). Every handle created here is close-on-exec
 * on the host, whatever the app asked for: close-on-exec of app fds is the LibOS's.
 *
 * The calls that may wait (accept, connect, sendmsg, recvmsg, epoll_wait, splice, tee) go through
 * host_blocking_syscall, the one place to change when blocking host calls become
 * interruptible by app signals. */
#include "pal/direct/internal.h"
#include <asm-generic/errno.h>
#include <linux/eventpoll.h>
#include <linux/fcntl.h>
#include <linux/time_types.h>

/* The host flag values of SOCK_CLOEXEC, EFD_CLOEXEC and MSG_CMSG_CLOEXEC (not in the UAPI
 * headers). */
#define HOST_SOCK_CLOEXEC O_CLOEXEC
#define HOST_EFD_CLOEXEC O_CLOEXEC
#define HOST_EFD_NONBLOCK O_NONBLOCK
#define HOST_MSG_CMSG_CLOEXEC 0x40000000

#define NSEC_PER_MSEC 1000000LL
#define NSEC_PER_SEC 1000000000LL

/* ---- Sockets --------------------------------------------------------------------------- */

long pal_socket(int domain, int type, int protocol) {
    return host_syscall3(__NR_socket, domain, type | HOST_SOCK_CLOEXEC, protocol);
}

long pal_socketpair(int domain, int type, int protocol, int handles[2]) {
    return host_syscall4(__NR_socketpair, domain, type | HOST_SOCK_CLOEXEC, protocol, handles);
}

long pal_bind(int h, const void *addr, unsigned len) {
    return host_syscall3(__NR_bind, h, addr, len);
}

long pal_listen(int h, int backlog) {
    return host_syscall2(__NR_listen, h, backlog);
}

long pal_accept(int h, void *addr, unsigned *len, int flags) {
    return host_blocking_syscall(__NR_accept4, h, (long)addr, (long)len, flags | HOST_SOCK_CLOEXEC,
                                 0, 0);
}

long pal_connect(int h, const void *addr, unsigned len) {
    return host_blocking_syscall(__NR_connect, h, (long)addr, len, 0, 0, 0);
}

long pal_getsockname(int h, void *addr, unsigned *len) {
    return host_syscall3(__NR_getsockname, h, addr, len);
}

long pal_getpeername(int h, void *addr, unsigned *len) {
    return host_syscall3(__NR_getpeername, h, addr, len);
}

long pal_setsockopt(int h, int level, int name, const void *value, unsigned len) {
    return host_syscall5(__NR_setsockopt, h, level, name, value, len);
}

long pal_getsockopt(int h, int level, int name, void *value, unsigned *len) {
    return host_syscall5(__NR_getsockopt, h, level, name, value, len);
}

long pal_sendmsg(int h, const struct msghdr *msg, int flags) {
    return host_blocking_syscall(__NR_sendmsg, h, (long)msg, flags, 0, 0, 0);
}

long pal_recvmsg(int h, struct msghdr *msg, int flags) {
    return host_blocking_syscall(__NR_recvmsg, h, (long)msg, flags | HOST_MSG_CMSG_CLOEXEC, 0, 0,
                                 0);
}

long pal_shutdown(int h, int how) {
    return host_syscall2(__NR_shutdown, h, how);
}

/* ---- Readiness ------------------------------------------------------------------------- */

long pal_epoll_create(void) {
    return host_syscall1(__NR_epoll_create1, EPOLL_CLOEXEC);
}

long pal_epoll_ctl(int epoll_h, int op, int h, struct epoll_event *event) {
    return host_syscall4(__NR_epoll_ctl, epoll_h, op, h, event);
}

/* Hosts before Linux 5.11 lack epoll_pwait2; they get the timeout in milliseconds. */
static bool g_no_epoll_pwait2;

long pal_epoll_wait(int epoll_h, struct epoll_event *events, int max, int64_t timeout_ns) {
    if (!__atomic_load_n(&g_no_epoll_pwait2, __ATOMIC_RELAXED)) {
        struct __kernel_timespec ts, *tsp = NULL;
        if (timeout_ns >= 0) {
            ts.tv_sec = timeout_ns / NSEC_PER_SEC;
            ts.tv_nsec = timeout_ns % NSEC_PER_SEC;
            tsp = &ts;
        }
        long r =
            host_blocking_syscall(__NR_epoll_pwait2, epoll_h, (long)events, max, (long)tsp, 0, 8);
        if (r != -ENOSYS)
            return r;
        __atomic_store_n(&g_no_epoll_pwait2, true, __ATOMIC_RELAXED);
    }
    long timeout_ms = -1;
    if (timeout_ns >= 0) {
        int64_t ms = (timeout_ns + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
        timeout_ms = ms > 0x7fffffff ? 0x7fffffff : ms;
    }
    return host_blocking_syscall(__NR_epoll_pwait, epoll_h, (long)events, max, timeout_ms, 0, 8);
}

long pal_eventfd(unsigned initial, int flags) {
    return host_syscall2(__NR_eventfd2, initial, flags | HOST_EFD_CLOEXEC);
}

long pal_timerfd_create(int clockid, int flags) {
    return host_syscall2(__NR_timerfd_create, clockid, flags | HOST_EFD_CLOEXEC);
}

long pal_timerfd_settime(int h, int flags, const struct __kernel_itimerspec *new_value,
                         struct __kernel_itimerspec *old_value) {
    return host_syscall4(__NR_timerfd_settime, h, flags, new_value, old_value);
}

long pal_timerfd_gettime(int h, struct __kernel_itimerspec *value) {
    return host_syscall2(__NR_timerfd_gettime, h, value);
}

long pal_ready_flag_create(void) {
    return host_syscall2(__NR_eventfd2, 0, HOST_EFD_NONBLOCK | HOST_EFD_CLOEXEC);
}

void pal_ready_flag_set(int h, bool readable) {
    uint64_t value = 1;
    /* Nonblocking eventfd: the write fails harmlessly if already set, the read if clear. */
    if (readable)
        host_syscall3(__NR_write, h, &value, sizeof(value));
    else
        host_syscall3(__NR_read, h, &value, sizeof(value));
}

long pal_splice(int in_h, int64_t *in_off, int out_h, int64_t *out_off, size_t len,
                unsigned flags) {
    return host_blocking_syscall(__NR_splice, in_h, (long)in_off, out_h, (long)out_off, (long)len,
                                 flags);
}

long pal_tee(int in_h, int out_h, size_t len, unsigned flags) {
    return host_blocking_syscall(__NR_tee, in_h, out_h, (long)len, flags, 0, 0);
}
