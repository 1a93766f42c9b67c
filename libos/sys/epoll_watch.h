/* The watches of one epoll set (libos/drain.h): entries registered with the host under a
 * cookie the LibOS makes instead of the app's data, so that each event names its socket
 * exactly (a socket that reports end of file, an error or urgent data leaves the drained-read
 * rules before the app sees the event) and carries back the app's data and events.
 *
 * A cookie is WATCH_TAG in bits 48-63 (no canonical address has it), a generation in bits
 * 32-47 and the record's index below: an event still in flight when its entry was removed
 * (another thread's EPOLL_CTL_DEL or MOD) names a record whose generation moved on, and is
 * dropped, as if the removal had come first. Callers hold the set's lock. */
#ifndef LIBOS_SYS_EPOLL_WATCH_H
#define LIBOS_SYS_EPOLL_WATCH_H

#include "libos/fd.h"
#include <linux/eventpoll.h>
#include <stdbool.h>
#include <stdint.h>

#define WATCH_TAG 0xd7a1ULL

struct watch_record {
    uint64_t app_data;
    uint32_t app_events;
    uint16_t generation;
    bool used;
    /* Weak: descriptions are never freed, only reused (libos/fd.c), so flagging a stale
     * one only makes the LibOS answer fewer reads of the file that reuses it. */
    struct libos_file *file;
};

struct watch_table {
    struct watch_record *records;
    unsigned capacity;
    bool ever_used; /* cookies may be in flight: every event is looked at */
};

/* A new record: its index, or -ENOMEM. */
long watch_add(struct watch_table *t, struct libos_file *file, uint64_t app_data,
               uint32_t app_events);
void watch_update(struct watch_table *t, unsigned index, uint64_t app_data, uint32_t app_events);
void watch_remove(struct watch_table *t, unsigned index);
uint64_t watch_cookie(const struct watch_table *t, unsigned index);
/* The events the host registers for a watch: the app's, plus what the LibOS must see. */
uint32_t watch_host_events(uint32_t app_events);
/* Turns the host's events[0..n) into the app's, in place: a watch's event gets the app's
 * data and only the bits the app would see; an event left empty, or naming a removed
 * watch, is dropped. Marks sockets that report end of file, errors or urgent data.
 * Returns how many events are left. */
int watch_translate(struct watch_table *t, struct epoll_event *events, int n);
/* Sets flags on the socket of every record (the set goes to another process, or away). */
void watch_mark_all(struct watch_table *t, uint8_t flags);
void watch_table_free(struct watch_table *t);

#endif
