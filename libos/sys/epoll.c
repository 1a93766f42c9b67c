/* epoll over host epoll instances. epoll_ctl gives the host the host handle of the app's fd
 * and the app's event unchanged, so epoll_wait returns the app's data as it was given;
 * EPOLLET, EPOLLONESHOT, EPOLLEXCLUSIVE and the other flags are the host's.
 *
 * Linux keys an entry by (file, fd number) and drops it when the file is released. The host
 * keys by (file, host fd), and the LibOS has one host handle per description, so the host
 * drops an entry exactly when Linux would (the LibOS closes the handle when the last app fd
 * of the description goes). Only the key differs: two app fds of one description (dup) are
 * two entries on Linux. The first fd of a description goes into the main host instance;
 * another fd of the same description goes into an overflow host instance ("level" 1, 2...),
 * itself watched by the main one. Each LibOS epoll remembers which app fd owns each host
 * handle's entry at each level, so ADD, MOD and DEL find the entry the app's fd names. A
 * record can outlive its entry (the host dropped it when the file was released); the host's
 * answer then corrects it.
 *
 * An entry that watches a TCP socket edge-triggered for input lets the LibOS answer some
 * reads of it itself (libos/drain.h). Such a watch is registered with the host under a
 * cookie of the LibOS's instead of the app's data (libos/sys/epoll_watch.h), and events
 * are translated back before the app sees them. */
#include "libos/syscall.h"
#include "libos/fd.h"
#include "libos/drain.h"
#include "libos/sys/epoll_watch.h"
#include "libos/fs/vfs.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include "common/alloc.h"
#include "common/spinlock.h"
#include "common/string.h"
#include <linux/eventpoll.h>
#include <linux/fcntl.h>
#include <linux/time_types.h>

_Static_assert(sizeof(struct epoll_event) == 12, "the x86-64 epoll_event is packed");

#define EP_MAX_EVENTS (0x7fffffff / sizeof(struct epoll_event))
#define NSEC_PER_SEC 1000000000LL
#define NSEC_PER_MSEC 1000000LL
#define KERNEL_SIGSET_SIZE 8
/* How many fds of one description one epoll set may watch at once. */
#define MAX_LEVELS 64
/* Events fetched per host wait when overflow instances exist. */
#define WAIT_BATCH 128

/* What the app asked of an entry. */
struct entry_info {
    uint64_t data;
    uint32_t events;
    int watch; /* 1 + its watch record's index (libos/drain.h), or 0 */
};

static const struct entry_info no_info = {0, 0, 0};

/* The entry of host handle h in the main instance. */
struct main_record {
    int owner; /* 1 + the app fd whose entry it is, or 0 */
    struct entry_info info;
};

/* An entry for an app fd that is not the first of its description in this set. */
struct overflow_entry {
    int fd;     /* the app's fd */
    int handle; /* the host handle of its description */
    int level;  /* 1..MAX_LEVELS: which overflow instance holds it */
    struct entry_info info;
    /* Its description (weak: descriptions are never freed) and that one's generation: the
     * host dropped the entry when the description was released. */
    struct libos_file *file;
    uint32_t generation;
};

struct epoll_state {
    spinlock_t lock;
    int main_handle;
    struct main_record *main; /* indexed by host handle */
    unsigned main_size;
    struct watch_table watches;
    struct overflow_entry *overflow;
    unsigned overflow_count, overflow_capacity;
    int levels[MAX_LEVELS]; /* host handles of the overflow instances */
    int level_count;
};

static void epoll_release(struct libos_file *f) {
    struct epoll_state *s = f->priv;
    if (!s)
        return;
    for (int i = 0; i < s->level_count; i++)
        pal_close(s->levels[i]);
    /* Their counts stay: the sockets leave the drained-read rules instead. */
    watch_mark_all(&s->watches, DRAIN_NEVER);
    watch_table_free(&s->watches);
    rt_free(s->main);
    rt_free(s->overflow);
    rt_free(s);
}

/* Other operations are the host's (read and write on an epoll fd fail there). */
static spinlock_t *epoll_object_lock(struct libos_file *f) {
    struct epoll_state *s = f->priv;
    return s ? &s->lock : NULL;
}

static const struct file_ops epoll_file_ops = {.release = epoll_release,
                                               .object_lock = epoll_object_lock};

/* The main instance reports a ready overflow instance with this data: an address in the
 * LibOS's state, which the app has no reason to use as its own data. */
static uint64_t level_marker(struct epoll_state *s, int level) {
    return (uint64_t)(uintptr_t)s + (uint64_t)level;
}

static int marker_level(struct epoll_state *s, uint64_t data) {
    uint64_t base = (uint64_t)(uintptr_t)s;
    if (data <= base || data > base + (uint64_t)s->level_count)
        return 0;
    return (int)(data - base);
}

static long create_epoll(bool cloexec) {
    struct epoll_state *s = rt_calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    long h = pal_epoll_create();
    if (h < 0) {
        rt_free(s);
        return h;
    }
    s->lock = (spinlock_t)SPINLOCK_INIT;
    s->main_handle = (int)h;
    struct libos_file *f = file_new(FILE_HOST, &epoll_file_ops, (int)h);
    if (!f) {
        pal_close((int)h);
        rt_free(s);
        return -ENOMEM;
    }
    f->status_flags = O_RDWR;
    f->priv = s;
    drain_epoll_made(f);
    return fd_install(f, 0, cloexec);
}

SYSCALL(epoll_create, SUPPORT_FULL) {
    if (ARG_INT(0) <= 0)
        return -EINVAL;
    return create_epoll(false);
}

SYSCALL(epoll_create1, SUPPORT_FULL) {
    int flags = ARG_INT(0);
    if (flags & ~EPOLL_CLOEXEC)
        return -EINVAL;
    return create_epoll((flags & EPOLL_CLOEXEC) != 0);
}

/* ---- Entry records (called with the state locked) ---------------------------------------- */

static int owner_of(struct epoll_state *s, int handle) {
    return (unsigned)handle < s->main_size ? s->main[handle].owner - 1 : -1;
}

/* Makes fd the owner of handle's main entry; its info is set_info's to replace. */
static bool set_owner(struct epoll_state *s, int handle, int fd) {
    if ((unsigned)handle >= s->main_size) {
        unsigned size = s->main_size ? s->main_size : 64;
        while (size <= (unsigned)handle)
            size *= 2;
        struct main_record *grown = rt_realloc(s->main, size * sizeof(*grown));
        if (!grown)
            return false;
        memset(grown + s->main_size, 0, (size - s->main_size) * sizeof(*grown));
        s->main = grown;
        s->main_size = size;
    }
    s->main[handle].owner = fd + 1;
    return true;
}

/* Replaces an entry's info; target is the description the entry watches. old_live: the
 * old info is target's (not when the host had dropped the entry with a description since
 * released, whose watch count went with it). */
static void set_info(struct epoll_state *s, struct entry_info *slot, const struct entry_info *info,
                     struct libos_file *target, bool old_live) {
    if (slot->watch && slot->watch != info->watch)
        watch_remove(&s->watches, (unsigned)slot->watch - 1);
    if (old_live && slot->watch)
        drain_watch_removed(target);
    if (info->watch)
        drain_watch_added(target);
    *slot = *info;
}

static struct overflow_entry *find_overflow(struct epoll_state *s, int fd, int handle) {
    for (unsigned i = 0; i < s->overflow_count; i++)
        if (s->overflow[i].fd == fd && s->overflow[i].handle == handle)
            return &s->overflow[i];
    return NULL;
}

static void drop_overflow(struct epoll_state *s, struct overflow_entry *e) {
    *e = s->overflow[--s->overflow_count];
}

/* The level (0: main instance) holding the entry of (fd, handle), or -1. */
static int level_of(struct epoll_state *s, int fd, int handle) {
    if (owner_of(s, handle) == fd)
        return 0;
    struct overflow_entry *e = find_overflow(s, fd, handle);
    return e ? e->level : -1;
}

static int level_handle(struct epoll_state *s, int level) {
    return level == 0 ? s->main_handle : s->levels[level - 1];
}

/* The lowest overflow level without an entry for handle, created if needed; -errno. */
static long free_level(struct epoll_state *s, int handle) {
    bool used[MAX_LEVELS + 1] = {false};
    for (unsigned i = 0; i < s->overflow_count; i++)
        if (s->overflow[i].handle == handle)
            used[s->overflow[i].level] = true;
    int level = 1;
    while (level <= MAX_LEVELS && used[level])
        level++;
    if (level > MAX_LEVELS)
        return -ENOSPC;
    if (level <= s->level_count)
        return level;
    long h = pal_epoll_create();
    if (h < 0)
        return h;
    struct epoll_event watch = {EPOLLIN, level_marker(s, level)};
    long r = pal_epoll_ctl(s->main_handle, EPOLL_CTL_ADD, (int)h, &watch);
    if (r < 0) {
        pal_close((int)h);
        return r;
    }
    s->levels[s->level_count] = (int)h;
    __atomic_store_n(&s->level_count, s->level_count + 1, __ATOMIC_RELEASE);
    return level;
}

/* Forgets the overflow entries of target's host handle that belonged to a description
 * released since (the host dropped them with it): else they would hold their levels. */
static void drop_released(struct epoll_state *s, struct libos_file *target) {
    for (unsigned i = s->overflow_count; i-- > 0;) {
        struct overflow_entry *e = &s->overflow[i];
        if (e->handle == target->handle &&
            (e->file != target || e->generation != target->generation)) {
            set_info(s, &e->info, &no_info, target, false);
            drop_overflow(s, e);
        }
    }
}

static struct entry_info *info_of(struct epoll_state *s, int level, int fd, int handle) {
    return level == 0 ? &s->main[handle].info : &find_overflow(s, fd, handle)->info;
}

static long add_overflow(struct epoll_state *s, int fd, struct libos_file *target,
                         struct epoll_event *event, const struct entry_info *info) {
    int handle = target->handle;
    if (s->overflow_count == s->overflow_capacity) {
        unsigned capacity = s->overflow_capacity ? 2 * s->overflow_capacity : 8;
        struct overflow_entry *grown = rt_realloc(s->overflow, capacity * sizeof(*grown));
        if (!grown)
            return -ENOMEM;
        s->overflow = grown;
        s->overflow_capacity = capacity;
    }
    long level = free_level(s, handle);
    if (level < 0)
        return level;
    long r = pal_epoll_ctl(level_handle(s, (int)level), EPOLL_CTL_ADD, handle, event);
    if (r == 0) {
        struct overflow_entry *e = &s->overflow[s->overflow_count++];
        *e = (struct overflow_entry){fd, handle, (int)level, {0, 0, 0}, target, target->generation};
        set_info(s, &e->info, info, target, false);
    }
    return r;
}

/* The host's event for an entry with info: a watch's carries its cookie. */
static struct epoll_event host_event(struct epoll_state *s, const struct entry_info *info) {
    if (!info->watch)
        return (struct epoll_event){info->events, info->data};
    return (struct epoll_event){watch_host_events(info->events),
                                watch_cookie(&s->watches, (unsigned)info->watch - 1)};
}

/* ctl_add and ctl_change free the watch record in info when the entry does not keep it. */
static long ctl_add(struct epoll_state *s, int fd, struct libos_file *target,
                    const struct entry_info *info) {
    int handle = target->handle;
    drop_released(s, target);
    struct epoll_event event = host_event(s, info);
    int level = level_of(s, fd, handle);
    long r;
    if (level >= 0) { /* EEXIST, unless the host dropped the entry with its file */
        r = pal_epoll_ctl(level_handle(s, level), EPOLL_CTL_ADD, handle, &event);
        if (r == 0)
            set_info(s, info_of(s, level, fd, handle), info, target, false);
    } else {
        r = pal_epoll_ctl(s->main_handle, EPOLL_CTL_ADD, handle, &event);
        if (r == 0 && !set_owner(s, handle, fd)) {
            pal_epoll_ctl(s->main_handle, EPOLL_CTL_DEL, handle, NULL);
            r = -ENOMEM;
        } else if (r == 0) {
            set_info(s, &s->main[handle].info, info, target, false);
        } else if (r == -EEXIST) { /* another fd of this description owns the main entry */
            r = add_overflow(s, fd, target, &event, info);
        }
    }
    if (r < 0 && info->watch)
        watch_remove(&s->watches, (unsigned)info->watch - 1);
    return r;
}

/* MOD keeps a watch's record (and cookie), so an event in flight still finds it. */
static long ctl_change(struct epoll_state *s, int op, int fd, struct libos_file *target,
                       struct entry_info *info) {
    int handle = target->handle;
    int level = level_of(s, fd, handle);
    if (level < 0) {
        if (info->watch)
            watch_remove(&s->watches, (unsigned)info->watch - 1);
        return op == EPOLL_CTL_MOD && (info->events & EPOLLEXCLUSIVE) ? -EINVAL : -ENOENT;
    }
    struct entry_info *slot = info_of(s, level, fd, handle);
    long r;
    if (op == EPOLL_CTL_MOD) {
        bool fresh = info->watch && !slot->watch;
        if (info->watch && slot->watch) {
            watch_remove(&s->watches, (unsigned)info->watch - 1);
            info->watch = slot->watch;
        }
        struct epoll_event event = host_event(s, info);
        r = pal_epoll_ctl(level_handle(s, level), op, handle, &event);
        if (r == 0 && info->watch)
            watch_update(&s->watches, (unsigned)info->watch - 1, info->data, info->events);
        if (r == 0)
            set_info(s, slot, info, target, true);
        else if (fresh)
            watch_remove(&s->watches, (unsigned)info->watch - 1);
    } else {
        r = pal_epoll_ctl(level_handle(s, level), op, handle, NULL);
    }
    if ((op == EPOLL_CTL_DEL && r == 0) || r == -ENOENT) {
        set_info(s, slot, &no_info, target, r == 0);
        if (level == 0)
            s->main[handle].owner = 0;
        else
            drop_overflow(s, find_overflow(s, fd, handle));
    }
    return r;
}

/* The entry the app asks for, with a watch record if it is a watch. */
static long entry_for(struct epoll_state *s, struct libos_file *ep, struct libos_file *target,
                      int op, const struct epoll_event *event, struct entry_info *info) {
    *info = (struct entry_info){event->data, event->events, 0};
    if (op == EPOLL_CTL_DEL)
        return 0;
    if (!drain_watches(ep, target, event->events)) {
        drain_not_watched(target);
        return 0;
    }
    long w = watch_add(&s->watches, target, event->data, event->events);
    if (w < 0)
        return w;
    info->watch = (int)w + 1;
    return 0;
}

SYSCALL(epoll_ctl, SUPPORT_FULL) {
    int epfd = ARG_INT(0), op = ARG_INT(1), fd = ARG_INT(2);
    const struct epoll_event *uevent = ARG_PTR(const struct epoll_event *, 3);
    struct epoll_event event = {0, 0};
    /* Linux reads the event before it looks at the fds. */
    if (op != EPOLL_CTL_DEL) {
        if (!uaccess_ok(uevent, sizeof(event), false))
            return -EFAULT;
        event = *uevent;
    }
    struct libos_file *ep = fd_get(epfd);
    if (!ep)
        return -EBADF;
    struct libos_file *target = fd_get(fd);
    long r;
    if (!target) {
        r = -EBADF;
    } else if (target->handle < 0) {
        r = -EPERM; /* synthetic files cannot be watched, like regular files */
    } else if (ep->handle < 0 || target == ep) {
        r = -EINVAL;
    } else if (ep->ops != &epoll_file_ops) {
        /* A host epoll fd the app got from elsewhere (SCM_RIGHTS): keyed as the host keys. */
        if (op != EPOLL_CTL_DEL)
            drain_not_watched(target);
        r = pal_epoll_ctl(ep->handle, op, target->handle, op == EPOLL_CTL_DEL ? NULL : &event);
    } else if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL) {
        r = -EINVAL;
    } else {
        struct epoll_state *s = ep->priv;
        struct entry_info info;
        spin_lock(&s->lock);
        r = entry_for(s, ep, target, op, &event, &info);
        if (r == 0)
            r = op == EPOLL_CTL_ADD ? ctl_add(s, fd, target, &info)
                                    : ctl_change(s, op, fd, target, &info);
        spin_unlock(&s->lock);
    }
    file_put(target);
    file_put(ep);
    return r;
}

/* ---- Waiting ------------------------------------------------------------------------------ */

static int64_t now_ns(void) {
    struct __kernel_timespec ts;
    if (pal_clock_gettime(1 /* CLOCK_MONOTONIC */, &ts) < 0)
        return 0;
    return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* A wait on a set with overflow instances: the main instance reports the app's entries and
 * the ready overflow instances, whose entries are then collected without waiting. */
static long wait_with_levels(struct epoll_state *s, struct epoll_event *uevents, int max,
                             int64_t timeout_ns) {
    int batch = max < WAIT_BATCH ? max : WAIT_BATCH;
    struct epoll_event *events = rt_malloc((size_t)batch * sizeof(*events));
    if (!events)
        return -ENOMEM;
    int64_t deadline = timeout_ns > 0 ? now_ns() + timeout_ns : 0;
    long r;
    for (;;) {
        r = pal_epoll_wait(s->main_handle, events, batch, timeout_ns);
        if (r <= 0)
            break;
        bool ready[MAX_LEVELS + 1] = {false};
        int out = 0;
        for (long i = 0; i < r; i++) {
            int level = marker_level(s, events[i].data);
            if (level)
                ready[level] = true;
            else
                events[out++] = events[i];
        }
        for (int level = 1; level <= MAX_LEVELS && out < batch; level++) {
            if (!ready[level])
                continue;
            long n = pal_epoll_wait(level_handle(s, level), events + out, batch - out, 0);
            if (n > 0)
                out += (int)n;
        }
        if (out > 0 || timeout_ns == 0) {
            memcpy(uevents, events, (size_t)out * sizeof(*events));
            r = out;
            break;
        }
        /* Only overflow instances woke us, and their entries were taken meanwhile. */
        if (timeout_ns > 0 && (timeout_ns = deadline - now_ns()) <= 0) {
            r = 0;
            break;
        }
    }
    rt_free(events);
    return r;
}

/* A watch becomes a plain entry with the app's data (the set goes where no one translates
 * cookies); its socket leaves the drained-read rules. False: the host had dropped it. */
static bool unwatch(struct epoll_state *s, int level, int handle, struct entry_info *slot) {
    struct libos_file *file = s->watches.records[slot->watch - 1].file;
    struct epoll_event plain = {slot->events, slot->data};
    long r = pal_epoll_ctl(level_handle(s, level), EPOLL_CTL_MOD, handle, &plain);
    drain_mark(file, DRAIN_SHARED);
    struct entry_info info = {slot->data, slot->events, 0};
    set_info(s, slot, r == -ENOENT ? &no_info : &info, file, r == 0);
    return r != -ENOENT;
}

void drain_epoll_shared(struct libos_file *set) {
    if (set->ops != &epoll_file_ops || !set->priv)
        return;
    struct epoll_state *s = set->priv;
    spin_lock(&s->lock);
    drain_mark(set, DRAIN_SHARED);
    for (unsigned h = 0; h < s->main_size; h++)
        if (s->main[h].owner && s->main[h].info.watch && !unwatch(s, 0, (int)h, &s->main[h].info))
            s->main[h].owner = 0;
    for (unsigned i = s->overflow_count; i-- > 0;) {
        struct overflow_entry *e = &s->overflow[i];
        if (e->info.watch && !unwatch(s, e->level, e->handle, &e->info))
            drop_overflow(s, e);
    }
    spin_unlock(&s->lock);
}

void drain_epoll_forked(struct libos_file *set) {
    drain_mark(set, DRAIN_SHARED);
    if (set->ops == &epoll_file_ops && set->priv)
        watch_mark_all(&((struct epoll_state *)set->priv)->watches, DRAIN_SHARED);
}

static bool may_translate(struct epoll_state *s) {
    return s && __atomic_load_n(&s->watches.ever_used, __ATOMIC_ACQUIRE);
}

/* One host wait into the app's buffer, its events as the app must see them; *dropped_all:
 * the host had events, and each was dropped. */
static long wait_once(struct libos_file *ep, struct epoll_state *s, struct epoll_event *uevents,
                      int max, int64_t timeout_ns, bool *dropped_all) {
    *dropped_all = false;
    if (!s)
        return pal_epoll_wait(ep->handle, uevents, max, timeout_ns);
    long r = __atomic_load_n(&s->level_count, __ATOMIC_ACQUIRE)
                 ? wait_with_levels(s, uevents, max, timeout_ns)
                 : pal_epoll_wait(ep->handle, uevents, max, timeout_ns);
    if (r > 0 && may_translate(s)) {
        spin_lock(&s->lock);
        r = watch_translate(&s->watches, uevents, (int)r);
        spin_unlock(&s->lock);
        *dropped_all = r == 0;
    }
    return r;
}

/* The host writes the events straight into the app's buffer: only its accessible part is
 * offered (Linux would fault at the first event that does not fit). A wait whose every
 * event was one the app did not ask for (a watch's EPOLLRDHUP or EPOLLPRI), or of an entry
 * removed meanwhile, waits on. */
static long do_epoll_wait(int epfd, struct epoll_event *uevents, int maxevents,
                          int64_t timeout_ns) {
    if (maxevents <= 0 || (size_t)maxevents > EP_MAX_EVENTS)
        return -EINVAL;
    size_t usable = vfs_user_prefix(uevents, (size_t)maxevents * sizeof(struct epoll_event), true) /
                    sizeof(struct epoll_event);
    if (!usable)
        return -EFAULT;
    struct libos_file *ep = fd_get(epfd);
    if (!ep)
        return -EBADF;
    if (ep->handle < 0) {
        file_put(ep);
        return -EINVAL;
    }
    struct epoll_state *s = ep->ops == &epoll_file_ops ? ep->priv : NULL;
    /* Only a set that may drop events waits again, for the time left (for the whole timeout
     * again if its first watch came during the wait). */
    int64_t deadline = timeout_ns > 0 && may_translate(s) ? now_ns() + timeout_ns : 0;
    long r;
    bool dropped_all;
    while ((r = wait_once(ep, s, uevents, (int)usable, timeout_ns, &dropped_all)) == 0 &&
           dropped_all && timeout_ns != 0 &&
           (timeout_ns < 0 || !deadline || (timeout_ns = deadline - now_ns()) > 0))
        ;
    if (r > 0)
        drain_readiness_reported();
    file_put(ep);
    return r;
}

/* The signal mask is checked, not yet applied (it comes with the signals work). */
static long check_sigmask(const void *mask, size_t size) {
    if (!mask)
        return 0;
    if (size != KERNEL_SIGSET_SIZE)
        return -EINVAL;
    return uaccess_ok(mask, size, false) ? 0 : -EFAULT;
}

static int64_t ms_to_ns(int timeout_ms) {
    return timeout_ms < 0 ? -1 : (int64_t)timeout_ms * NSEC_PER_MSEC;
}

SYSCALL_WARM(epoll_wait, SUPPORT_FULL) {
    return do_epoll_wait(ARG_INT(0), ARG_PTR(struct epoll_event *, 1), ARG_INT(2),
                         ms_to_ns(ARG_INT(3)));
}

SYSCALL_WARM(epoll_pwait, SUPPORT_PARTIAL) {
    long r = check_sigmask(ARG_PTR(const void *, 4), ARG_ULONG(5));
    if (r < 0)
        return r;
    return do_epoll_wait(ARG_INT(0), ARG_PTR(struct epoll_event *, 1), ARG_INT(2),
                         ms_to_ns(ARG_INT(3)));
}

SYSCALL(epoll_pwait2, SUPPORT_PARTIAL) {
    const struct __kernel_timespec *uts = ARG_PTR(const struct __kernel_timespec *, 3);
    int64_t timeout_ns = -1;
    if (uts) {
        if (!uaccess_ok(uts, sizeof(*uts), false))
            return -EFAULT;
        struct __kernel_timespec ts = *uts;
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC)
            return -EINVAL;
        timeout_ns = ts.tv_sec >= INT64_MAX / NSEC_PER_SEC - 1
                         ? INT64_MAX / 2
                         : ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
    }
    long r = check_sigmask(ARG_PTR(const void *, 4), ARG_ULONG(5));
    if (r < 0)
        return r;
    return do_epoll_wait(ARG_INT(0), ARG_PTR(struct epoll_event *, 1), ARG_INT(2), timeout_ns);
}
