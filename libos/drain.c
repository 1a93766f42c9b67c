/* Drained-socket reads: the flags and watches behind the rules in libos/drain.h. */
#include "libos/drain.h"
#include "libos/libos.h"
#include "libos/sys/socket.h"
#include "common/hot.h"
#include <linux/eventpoll.h>
#include <linux/poll.h>

#define IPPROTO_TCP 6

HOT_DATA uint64_t g_drain_epoch;
uint64_t g_drain_answered;

void drain_forget(struct libos_file *f) {
    if (!__atomic_load_n(&f->drain_flags, __ATOMIC_RELAXED))
        return;
    uint64_t s = __atomic_load_n(&f->drain_state, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(
        &f->drain_state, &s, ((s & DRAIN_FORGET_MASK) + DRAIN_FORGET_ONE) & DRAIN_FORGET_MASK, true,
        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

/* Other stream protocols over IP (SCTP, MPTCP) may end a read at a message boundary with
 * more queued. */
void drain_socket_made(struct libos_file *f, int domain, int type, int protocol) {
    if (g_libos_config.drained_reads && (domain == AF_INET || domain == AF_INET6) &&
        (type & SOCK_TYPE_MASK) == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP))
        f->drain_flags = DRAIN_TCP;
}

/* A connection gets the listener's SO_RCVLOWAT (Linux copies the socket); it is shared
 * with nobody yet. */
void drain_socket_accepted(struct libos_file *conn, const struct libos_file *listener) {
    uint8_t flags = __atomic_load_n(&listener->drain_flags, __ATOMIC_RELAXED);
    if (flags & DRAIN_TCP)
        conn->drain_flags = DRAIN_TCP | (flags & DRAIN_LOWAT ? DRAIN_LOWAT : 0);
}

void drain_epoll_made(struct libos_file *set) {
    set->drain_flags = DRAIN_EPOLL;
}

void drain_mark(struct libos_file *f, uint8_t flags) {
    __atomic_fetch_or(&f->drain_flags, flags, __ATOMIC_RELAXED);
}

void drain_polled(struct libos_file *f, short revents) {
    if ((revents & (POLLRDHUP | POLLHUP | POLLERR | POLLPRI)) &&
        (__atomic_load_n(&f->drain_flags, __ATOMIC_RELAXED) & DRAIN_TCP))
        drain_mark(f, DRAIN_NEVER);
}

void drain_share(struct libos_file *f) {
    if (__atomic_load_n(&f->drain_flags, __ATOMIC_RELAXED) & DRAIN_EPOLL)
        drain_epoll_shared(f);
}

bool drain_watches(const struct libos_file *set, const struct libos_file *f, uint32_t events) {
    const uint32_t needed = EPOLLIN | EPOLLET;
    return __atomic_load_n(&f->drain_flags, __ATOMIC_RELAXED) == DRAIN_TCP &&
           __atomic_load_n(&set->drain_flags, __ATOMIC_RELAXED) == DRAIN_EPOLL &&
           (events & needed) == needed && !(events & (EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLPRI));
}

/* Another entry's events could tell the app of data the watch's next event reports only
 * later, or take the only event (EPOLLEXCLUSIVE, a shared set). */
void drain_not_watched(struct libos_file *f) {
    if (__atomic_load_n(&f->drain_flags, __ATOMIC_RELAXED) & DRAIN_TCP)
        drain_mark(f, DRAIN_NEVER);
}

void drain_watch_added(struct libos_file *f) {
    __atomic_add_fetch(&f->drain_watches, 1, __ATOMIC_RELAXED);
}

void drain_watch_removed(struct libos_file *f) {
    uint16_t n = __atomic_load_n(&f->drain_watches, __ATOMIC_RELAXED);
    while (n && !__atomic_compare_exchange_n(&f->drain_watches, &n, (uint16_t)(n - 1), false,
                                             __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}
