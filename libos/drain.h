/* Drained TCP sockets. An app driven by edge-triggered epoll (Go's netpoller, nginx, mio)
 * reads a nonblocking socket until EAGAIN, and the read after one that came back short
 * nearly always finds the queue still empty: a Go HTTP server spends one host call in three
 * learning that. The LibOS answers such a read EAGAIN itself when it can show the app
 * cannot tell the difference (docs/net.md, "Drained sockets"):
 *
 * - the last read took less than it asked for, so the host queue was empty then;
 * - the socket is in one of the process's epoll sets for EPOLLIN|EPOLLET, so every byte
 *   that arrives after that read queues an event there, which the app will wait for;
 * - no epoll, poll or select result has reached the app since that read began (the
 *   readiness epoch has not moved), so the app has not been told of any new data;
 * - nothing can make a read stop short with data left (SO_RCVLOWAT, urgent data), and no
 *   other process holds the socket or the epoll set (it could take the event).
 *
 * The EAGAIN then reads as if the read had come a moment earlier, and the event the app
 * waits for next is already queued if data came. At most DRAIN_ANSWER_LIMIT reads per short
 * read are answered so, which bounds what a stale watch (its epoll set closed) can cost an
 * app that never waits: a few extra EAGAINs. */
#ifndef LIBOS_DRAIN_H
#define LIBOS_DRAIN_H

#include "libos/fd.h"
#include <linux/fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libos_file.drain_flags */
enum {
    DRAIN_TCP = 1,    /* an IPv4 or IPv6 stream socket this process made (socket, accept) */
    DRAIN_SHARED = 2, /* another process may hold it (fork, SCM_RIGHTS) and take its events */
    /* A read may stop short with data left (SO_RCVLOWAT, urgent data), or what watches it
     * is not known (kept across execve). */
    DRAIN_NEVER = 4,
    DRAIN_EPOLL = 8, /* an epoll set (SHARED then means its entries' events may go elsewhere) */
};

/* libos_file.drain_state: the readiness epoch sampled before the last read (bits 0-31),
 * how many reads were answered since (bits 32-39), and whether it came back short. */
#define DRAIN_EMPTY (1ULL << 40)
#define DRAIN_ANSWERED_ONE (1ULL << 32)
#define DRAIN_ANSWER_LIMIT 2

/* Moves whenever readiness reaches the app (epoll, poll and select results). */
extern uint32_t g_drain_epoch;
/* Reads answered without a host call (--stats). */
extern uint64_t g_drain_answered;

static inline uint32_t drain_epoch(void) {
    return __atomic_load_n(&g_drain_epoch, __ATOMIC_ACQUIRE);
}

/* An epoll, poll or select call is about to report ready fds to the app. */
static inline void drain_readiness_reported(void) {
    __atomic_add_fetch(&g_drain_epoch, 1, __ATOMIC_RELEASE);
}

/* Before a read of n > 0 bytes from f (drain_flags set); nonblocking: O_NONBLOCK or
 * MSG_DONTWAIT. True: answer EAGAIN, no host call. Else *epoch is what drain_read_done
 * needs after the host read. */
static inline bool drain_read_begin(struct libos_file *f, bool nonblocking, uint32_t *epoch) {
    uint32_t now = drain_epoch();
    *epoch = now;
    uint64_t s = __atomic_load_n(&f->drain_state, __ATOMIC_RELAXED);
    if (f->drain_flags != DRAIN_TCP || !nonblocking || !(s & DRAIN_EMPTY) || (uint32_t)s != now ||
        (s >> 32 & 0xff) >= DRAIN_ANSWER_LIMIT ||
        !__atomic_load_n(&f->drain_watches, __ATOMIC_RELAXED) || (f->status_flags & FASYNC))
        return false;
    if (!__atomic_compare_exchange_n(&f->drain_state, &s, s + DRAIN_ANSWERED_ONE, false,
                                     __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        return false;
    __atomic_add_fetch(&g_drain_answered, 1, __ATOMIC_RELAXED);
    return true;
}

/* After the host read that drain_read_begin let through: r is its result. */
static inline void drain_read_done(struct libos_file *f, uint32_t epoch, long r, size_t n) {
    __atomic_store_n(&f->drain_state, r > 0 && (size_t)r < n ? DRAIN_EMPTY | epoch : 0,
                     __ATOMIC_RELAXED);
}

/* Any other receive call or query on f (recvmsg, readv, ioctl, getsockopt): the next read
 * goes to the host. */
static inline void drain_forget(struct libos_file *f) {
    if (f->drain_flags)
        __atomic_store_n(&f->drain_state, 0, __ATOMIC_RELAXED);
}

/* A new socket of (domain, type), a connection accepted on listener, a new epoll set. */
void drain_socket_made(struct libos_file *f, int domain, int type);
void drain_socket_accepted(struct libos_file *conn, const struct libos_file *listener);
void drain_epoll_made(struct libos_file *set);
/* Sets a flag: DRAIN_NEVER when a read of f may stop short with data left. */
void drain_mark(struct libos_file *f, uint8_t flag);
/* f goes to another process (SCM_RIGHTS): shared, and so is every socket an epoll set f
 * watches (drain_epoll_shared, in libos/sys/epoll.c). */
void drain_share(struct libos_file *f);
void drain_epoll_shared(struct libos_file *set);

/* Epoll entries (libos/sys/epoll.c). set is the epoll set's description, f the watched
 * one. drain_watches tells whether an entry with these app events counts as a watch; the
 * caller registers it with the host for EPOLLPRI too, so urgent data is seen. */
bool drain_watches(const struct libos_file *set, const struct libos_file *f, uint32_t events);
void drain_watch_added(struct libos_file *f);
void drain_watch_removed(struct libos_file *f);

#endif
