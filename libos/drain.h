/* Drained TCP sockets. An app driven by edge-triggered epoll (Go's netpoller, nginx, mio)
 * reads a nonblocking socket until EAGAIN, and the read after one that came back short
 * nearly always finds the queue still empty: a Go HTTP server spends one host call in three
 * learning that. The LibOS answers such a read EAGAIN itself when it can show the app
 * cannot tell the difference (docs/net.md, "Drained sockets"):
 *
 * - the last read took less than it asked for, so the host queue was empty then, with no
 *   end of file, error or urgent mark behind the data (those are seen on the way: below);
 * - every epoll entry of the socket is a watch: EPOLLIN|EPOLLET in a set no other process
 *   holds, so every byte that arrives after that read queues an event the app will wait
 *   for; the LibOS registers watches under its own data, so each event names its socket;
 * - no epoll, poll or select result has reached the app since that read began (the
 *   readiness epoch has not moved), so the app has not been told of any new data;
 * - nothing can make a read stop short with something left: an event or poll result with
 *   EPOLLRDHUP, EPOLLHUP, EPOLLERR or EPOLLPRI (end of file, error, urgent data) takes the
 *   socket out for good, as do SO_RCVLOWAT and TCP_ULP; and no other process holds it.
 *
 * The EAGAIN then reads as if the read had come a moment earlier, and the event the app
 * waits for next is already queued if data came. At most DRAIN_ANSWER_LIMIT reads per short
 * read are answered so. */
#ifndef LIBOS_DRAIN_H
#define LIBOS_DRAIN_H

#include "libos/fd.h"
#include <linux/fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libos_file.drain_flags; a socket is answered for only while they are DRAIN_TCP alone. */
enum {
    DRAIN_TCP = 1, /* a TCP socket this process made (socket, accept) */
    /* An epoll set another process may wait on (fork, SCM_RIGHTS), taking events; a socket
     * it watched. (A socket another process holds is no matter: that process can take
     * data, not the events of this one's sets.) */
    DRAIN_SHARED = 2,
    /* A read may stop short with something left (end of file, error, urgent data, kTLS),
     * or the socket has an epoll entry that is not a watch, or its watches are not known
     * (kept across execve, its epoll set closed). */
    DRAIN_NEVER = 4,
    DRAIN_EPOLL = 8,  /* an epoll set (SHARED then means its events may go elsewhere) */
    DRAIN_LOWAT = 16, /* SO_RCVLOWAT set: accepted connections inherit it */
};

/* libos_file.drain_state: the readiness epoch sampled before the last read (bits 0-47), how
 * many reads were answered since (48-55), whether it came back short (56), and a count of
 * drain_forget calls (57-63), so that a read in flight does not undo one. */
#define DRAIN_EPOCH_MASK ((1ULL << 48) - 1)
#define DRAIN_ANSWERED_ONE (1ULL << 48)
#define DRAIN_EMPTY (1ULL << 56)
#define DRAIN_FORGET_ONE (1ULL << 57)
#define DRAIN_FORGET_MASK (~0ULL << 57)
#define DRAIN_ANSWER_LIMIT 2

/* Moves whenever readiness reaches the app (epoll, poll and select results). */
extern uint64_t g_drain_epoch;
/* Reads answered without a host call (--stats). */
extern uint64_t g_drain_answered;

static inline uint64_t drain_epoch(void) {
    return __atomic_load_n(&g_drain_epoch, __ATOMIC_ACQUIRE) & DRAIN_EPOCH_MASK;
}

/* An epoll, poll or select call is about to report ready fds to the app. */
static inline void drain_readiness_reported(void) {
    __atomic_add_fetch(&g_drain_epoch, 1, __ATOMIC_RELEASE);
}

/* What a read saw before it went to the host. */
struct drain_read {
    uint64_t epoch, state;
};

/* Before a read of n > 0 bytes from f (drain_flags set); nonblocking: O_NONBLOCK or
 * MSG_DONTWAIT. True: answer EAGAIN, no host call. Else *dr is what drain_read_done needs
 * after the host read. */
static inline bool drain_read_begin(struct libos_file *f, bool nonblocking, struct drain_read *dr) {
    uint64_t now = drain_epoch();
    uint64_t s = __atomic_load_n(&f->drain_state, __ATOMIC_RELAXED);
    dr->epoch = now;
    dr->state = s;
    if (__atomic_load_n(&f->drain_flags, __ATOMIC_RELAXED) != DRAIN_TCP || !nonblocking ||
        !(s & DRAIN_EMPTY) || (s & DRAIN_EPOCH_MASK) != now ||
        (s >> 48 & 0xff) >= DRAIN_ANSWER_LIMIT ||
        !__atomic_load_n(&f->drain_watches, __ATOMIC_RELAXED) || (f->status_flags & FASYNC))
        return false;
    if (!__atomic_compare_exchange_n(&f->drain_state, &s, s + DRAIN_ANSWERED_ONE, false,
                                     __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        return false;
    __atomic_add_fetch(&g_drain_answered, 1, __ATOMIC_RELAXED);
    return true;
}

/* After the host read that drain_read_begin let through: r is its result. Unless another
 * call changed the state meanwhile (a drain_forget), the read's outcome becomes it. */
static inline void drain_read_done(struct libos_file *f, const struct drain_read *dr, long r,
                                   size_t n) {
    uint64_t next = dr->state & DRAIN_FORGET_MASK;
    if (r > 0 && (size_t)r < n)
        next |= DRAIN_EMPTY | dr->epoch;
    uint64_t expected = dr->state;
    __atomic_compare_exchange_n(&f->drain_state, &expected, next, false, __ATOMIC_RELAXED,
                                __ATOMIC_RELAXED);
}

/* Any other receive call or query on f (recvmsg, readv, ioctl, getsockopt): the next read
 * goes to the host. */
void drain_forget(struct libos_file *f);

/* A new socket of (domain, type, protocol), a connection accepted on listener, a new
 * epoll set. */
void drain_socket_made(struct libos_file *f, int domain, int type, int protocol);
void drain_socket_accepted(struct libos_file *conn, const struct libos_file *listener);
void drain_epoll_made(struct libos_file *set);
/* Sets flags (DRAIN_NEVER...). */
void drain_mark(struct libos_file *f, uint8_t flags);
/* A poll or select result for f. */
void drain_polled(struct libos_file *f, short revents);
/* f goes to another process (SCM_RIGHTS). An epoll set becomes shared, and its watches
 * plain entries, before the receiver can wait on it (drain_epoll_shared, in
 * libos/sys/epoll.c); drain_epoll_forked does the marking for fork, the set locked. */
void drain_share(struct libos_file *f);
void drain_epoll_shared(struct libos_file *set);
void drain_epoll_forked(struct libos_file *set);

/* Epoll entries (libos/sys/epoll.c), with set's lock held. set is the epoll set's
 * description, f the watched one. drain_watches tells whether an entry with these app
 * events is a watch; drain_not_watched takes a socket with any other entry out. */
bool drain_watches(const struct libos_file *set, const struct libos_file *f, uint32_t events);
void drain_not_watched(struct libos_file *f);
void drain_watch_added(struct libos_file *f);
void drain_watch_removed(struct libos_file *f);

#endif
