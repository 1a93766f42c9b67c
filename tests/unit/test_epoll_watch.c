/* unit-sources: libos/sys/epoll_watch.c libos/drain.c common/string.c */
/* An epoll set's watch records and cookies (libos/sys/epoll_watch.h): events of a watch
 * come back with the app's data and only the bits the app would see, a socket reporting end
 * of file, an error or urgent data is marked, events of removed watches (old generations)
 * are dropped, other data passes untouched. */
#include <string.h>

#include "libos/libos.h"
#include "libos/drain.h"
#include "libos/sys/epoll_watch.h"
#include "tests/unit/check.h"

struct libos_config g_libos_config;

/* libos/sys/epoll.c's, which drain_share calls; not used here. */
void drain_epoll_shared(struct libos_file *set) {
    (void)set;
}

static struct epoll_event event(uint32_t events, uint64_t data) {
    return (struct epoll_event){events, data};
}

int main(void) {
    struct watch_table t;
    memset(&t, 0, sizeof(t));
    struct libos_file a, b, c;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    memset(&c, 0, sizeof(c));
    a.drain_flags = b.drain_flags = c.drain_flags = DRAIN_TCP;
    uint32_t go = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    long wa = watch_add(&t, &a, 0xc000010000, go);
    long wb = watch_add(&t, &b, 42, EPOLLIN | EPOLLET);
    CHECK(wa == 0 && wb == 1, "indexes %ld %ld", wa, wb);
    CHECK(watch_host_events(EPOLLIN | EPOLLET) == (EPOLLIN | EPOLLET | EPOLLRDHUP | EPOLLPRI),
          "host events %#x", watch_host_events(EPOLLIN | EPOLLET));
    uint64_t ca = watch_cookie(&t, 0), cb = watch_cookie(&t, 1);
    CHECK(ca >> 48 == WATCH_TAG && cb >> 48 == WATCH_TAG && ca != cb, "cookies %#lx %#lx",
          (unsigned long)ca, (unsigned long)cb);

    struct epoll_event ev[6] = {
        event(EPOLLIN | EPOLLOUT, ca),
        event(EPOLLIN | EPOLLPRI, cb),           /* urgent data: b marked, bit not shown */
        event(EPOLLPRI | EPOLLRDHUP, cb),        /* nothing b asked for: dropped */
        event(EPOLLIN, 7),                       /* an entry that is not a watch */
        event(EPOLLIN | EPOLLRDHUP, ca),         /* end of file: a marked, asked for RDHUP */
        event(EPOLLIN | EPOLLERR | EPOLLHUP, cb) /* errors are always shown */
    };
    int n = watch_translate(&t, ev, 6);
    CHECK(n == 5, "%d events kept, want 5", n);
    CHECK(ev[0].events == (EPOLLIN | EPOLLOUT) && ev[0].data == 0xc000010000, "0: %#x %#lx",
          ev[0].events, (unsigned long)ev[0].data);
    CHECK(ev[1].events == EPOLLIN && ev[1].data == 42, "1: %#x %#lx", ev[1].events,
          (unsigned long)ev[1].data);
    CHECK(ev[2].events == EPOLLIN && ev[2].data == 7, "2: %#x %#lx", ev[2].events,
          (unsigned long)ev[2].data);
    CHECK(ev[3].events == (EPOLLIN | EPOLLRDHUP) && ev[3].data == 0xc000010000, "3: %#x",
          ev[3].events);
    CHECK(ev[4].events == (EPOLLIN | EPOLLERR | EPOLLHUP) && ev[4].data == 42, "4: %#x",
          ev[4].events);
    CHECK(a.drain_flags == (DRAIN_TCP | DRAIN_NEVER), "a flags %#x", a.drain_flags);
    CHECK(b.drain_flags == (DRAIN_TCP | DRAIN_NEVER), "b flags %#x", b.drain_flags);

    /* A removed watch's index comes back with a new generation: its old events drop. */
    watch_remove(&t, 1);
    long wc = watch_add(&t, &c, 99, EPOLLIN | EPOLLET);
    CHECK(wc == 1 && watch_cookie(&t, 1) != cb, "reused index %ld", wc);
    ev[0] = event(EPOLLIN, cb);
    ev[1] = event(EPOLLIN, watch_cookie(&t, 1));
    ev[2] = event(EPOLLIN, WATCH_TAG << 48 | 1000); /* no such record */
    n = watch_translate(&t, ev, 3);
    CHECK(n == 1 && ev[0].data == 99, "%d kept, data %#lx", n, (unsigned long)ev[0].data);
    CHECK(c.drain_flags == DRAIN_TCP, "c not marked: %#x", c.drain_flags);

    watch_update(&t, 1, 100, EPOLLIN | EPOLLET | EPOLLRDHUP);
    ev[0] = event(EPOLLIN | EPOLLRDHUP, watch_cookie(&t, 1));
    n = watch_translate(&t, ev, 1);
    CHECK(n == 1 && ev[0].data == 100 && ev[0].events == (EPOLLIN | EPOLLRDHUP), "updated: %d %#x",
          n, ev[0].events);

    /* Records grow past their first allocation. */
    struct libos_file many[40];
    memset(many, 0, sizeof(many));
    for (int i = 0; i < 40; i++)
        CHECK(watch_add(&t, &many[i], (uint64_t)i, EPOLLIN | EPOLLET) == 2 + i, "add %d", i);
    watch_mark_all(&t, DRAIN_SHARED);
    CHECK(many[39].drain_flags == DRAIN_SHARED && (c.drain_flags & DRAIN_SHARED) &&
              !(b.drain_flags & DRAIN_SHARED),
          "mark_all: %#x %#x %#x", many[39].drain_flags, c.drain_flags, b.drain_flags);
    watch_table_free(&t);
    return unit_report("epoll_watch");
}
