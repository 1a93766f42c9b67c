/* The watch records of an epoll set and their cookies (libos/sys/epoll_watch.h). */
#include "libos/sys/epoll_watch.h"
#include "libos/drain.h"
#include "common/alloc.h"
#include "common/string.h"
#include <linux/errno.h>
#include <linux/eventpoll.h>

/* What can stop a read short with something left behind the data. */
#define CLOSING_EVENTS (EPOLLRDHUP | EPOLLHUP | EPOLLERR | EPOLLPRI)

long watch_add(struct watch_table *t, struct libos_file *file, uint64_t app_data,
               uint32_t app_events) {
    unsigned i = 0;
    while (i < t->capacity && t->records[i].used)
        i++;
    if (i == t->capacity) {
        unsigned capacity = t->capacity ? 2 * t->capacity : 16;
        struct watch_record *grown = rt_realloc(t->records, capacity * sizeof(*grown));
        if (!grown)
            return -ENOMEM;
        memset(grown + t->capacity, 0, (capacity - t->capacity) * sizeof(*grown));
        t->records = grown;
        t->capacity = capacity;
    }
    struct watch_record *w = &t->records[i];
    w->used = true;
    w->file = file;
    w->app_data = app_data;
    w->app_events = app_events;
    __atomic_store_n(&t->ever_used, true, __ATOMIC_RELEASE); /* read by waits without the lock */
    return i;
}

void watch_update(struct watch_table *t, unsigned index, uint64_t app_data, uint32_t app_events) {
    t->records[index].app_data = app_data;
    t->records[index].app_events = app_events;
}

void watch_remove(struct watch_table *t, unsigned index) {
    t->records[index].used = false;
    t->records[index].generation++;
}

uint64_t watch_cookie(const struct watch_table *t, unsigned index) {
    return WATCH_TAG << 48 | (uint64_t)t->records[index].generation << 32 | index;
}

uint32_t watch_host_events(uint32_t app_events) {
    return app_events | EPOLLRDHUP | EPOLLPRI;
}

/* The record a cookie names, or NULL for one removed since. */
static struct watch_record *named(struct watch_table *t, uint64_t cookie) {
    uint32_t index = (uint32_t)cookie;
    if (index >= t->capacity)
        return NULL;
    struct watch_record *w = &t->records[index];
    return w->used && w->generation == (uint16_t)(cookie >> 32) ? w : NULL;
}

int watch_translate(struct watch_table *t, struct epoll_event *events, int n) {
    int kept = 0;
    for (int i = 0; i < n; i++) {
        struct epoll_event e = events[i];
        if (e.data >> 48 == WATCH_TAG) {
            struct watch_record *w = named(t, e.data);
            if (!w)
                continue;
            if (e.events & CLOSING_EVENTS)
                drain_mark(w->file, DRAIN_NEVER);
            /* Linux reports errors and hang-ups whether asked for or not. */
            e.events &= w->app_events | EPOLLERR | EPOLLHUP;
            e.data = w->app_data;
        }
        if (e.events)
            events[kept++] = e;
    }
    return kept;
}

void watch_mark_all(struct watch_table *t, uint8_t flags) {
    for (unsigned i = 0; i < t->capacity; i++)
        if (t->records[i].used)
            drain_mark(t->records[i].file, flags);
}

void watch_table_free(struct watch_table *t) {
    rt_free(t->records);
    memset(t, 0, sizeof(*t));
}
