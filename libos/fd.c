/* The fd table: one array of slots indexed by fd, grown on demand up to FD_MAX, guarded
 * by one spinlock. Descriptions are refcounted; the last file_put releases the host
 * handle, always outside the table lock. */
#include "common/hot.h"
#include "libos/fd.h"
#include "libos/drain.h"
#include "pal/pal.h"
#include "common/alloc.h"
#include "common/spinlock.h"
#include "common/string.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>
#include <linux/resource.h>

struct fd_slot {
    struct libos_file *file; /* NULL: free; &g_reserved: taken, not yet installed */
    bool cloexec;
};

static struct libos_file g_reserved;
/* The table starts in the runtime's hot page (common/hot.h) and moves to the heap only
 * for a process that opens more files than it holds.
 *
 * fd_get, on every read and write, takes no lock: it reads the slot, takes a reference
 * unless the count is already zero, and checks the slot still holds that description.
 * That is safe because the memory it reads never becomes anything else: a table the
 * table outgrew is kept (together less than the current one), and descriptions are
 * never given back to the heap, only reused as descriptions (g_free_files). Writers of
 * slots hold g_fd_lock; they store with release order, so a reader sees a whole
 * description. Before this, two app threads doing I/O passed the lock's cache line back
 * and forth on every call. */
#define INITIAL_SLOTS 64
static struct fd_slot g_initial_slots[INITIAL_SLOTS] HOT_DATA;
static struct fd_slot *g_slots HOT_DATA = g_initial_slots;
static unsigned g_slot_count HOT_DATA = INITIAL_SLOTS;
static unsigned g_limit = 1024;
static spinlock_t g_fd_lock HOT_DATA = SPINLOCK_INIT;
/* Released descriptions (refcount 0), linked through next_free; and every description
 * ever made, linked through next_all (fork recounts them in the child). Both under
 * g_free_lock. */
static struct libos_file *g_free_files, *g_all_files;
static spinlock_t g_free_lock = SPINLOCK_INIT;

static void slot_set(unsigned fd, struct libos_file *f) {
    __atomic_store_n(&g_slots[fd].file, f, __ATOMIC_RELEASE);
}

struct libos_file *file_new(enum file_kind kind, const struct file_ops *ops, int handle) {
    spin_lock(&g_free_lock);
    struct libos_file *f = g_free_files;
    if (f)
        g_free_files = f->next_free;
    spin_unlock(&g_free_lock);
    if (!f) {
        if (!(f = rt_calloc(1, sizeof(*f))))
            return NULL;
        spin_lock(&g_free_lock);
        f->next_all = g_all_files;
        g_all_files = f;
        spin_unlock(&g_free_lock);
    }
    /* The count is 0 here, so a late fd_get that still sees this memory leaves it alone
     * until the store below; after it, fd_get finds the slot changed and lets go. The
     * count itself is only ever touched atomically. */
    _Static_assert(__builtin_offsetof(struct libos_file, refcount) == 0, "refcount comes first");
    _Static_assert(__builtin_offsetof(struct libos_file, generation) == 4, "then generation");
    _Static_assert(__builtin_offsetof(struct libos_file, next_all) == 8, "next_all comes next");
    size_t keep = __builtin_offsetof(struct libos_file, next_all) + sizeof(f->next_all);
    memset((char *)f + keep, 0, sizeof(*f) - keep);
    f->generation++;
    f->kind = kind;
    f->ops = ops;
    f->handle = handle;
    __atomic_store_n(&f->refcount, 1, __ATOMIC_RELEASE);
    return f;
}

struct libos_file *file_new_host(int handle, int status_flags, const char *path) {
    struct libos_file *f = file_new(FILE_HOST, &host_file_ops, handle);
    if (!f)
        return NULL;
    f->status_flags = status_flags;
    if (path && !(f->path = rt_strdup(path))) {
        f->handle = -1; /* the caller still owns the handle */
        file_put(f);
        return NULL;
    }
    return f;
}

void file_get(struct libos_file *f) {
    __atomic_add_fetch(&f->refcount, 1, __ATOMIC_RELAXED);
}

/* Out of the hot pages: every read and write drops a reference, few drop the last. */
__attribute__((noinline, cold)) static void file_release(struct libos_file *f) {
    if (f->ops && f->ops->release)
        f->ops->release(f);
    if (f->handle >= 0)
        pal_close(f->handle);
    rt_free(f->path);
    f->path = NULL;
    spin_lock(&g_free_lock);
    f->next_free = g_free_files;
    g_free_files = f;
    spin_unlock(&g_free_lock);
}

HOT_PATH void file_put(struct libos_file *f) {
    if (f && __atomic_sub_fetch(&f->refcount, 1, __ATOMIC_ACQ_REL) == 0)
        file_release(f);
}

/* A new reference, unless the last one is already gone. */
static bool file_get_unless_released(struct libos_file *f) {
    int n = __atomic_load_n(&f->refcount, __ATOMIC_RELAXED);
    while (n > 0)
        if (__atomic_compare_exchange_n(&f->refcount, &n, n + 1, true, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return true;
    return false;
}

/* The description in slot fd of the current table, without the lock. */
static struct libos_file *slot_peek(unsigned fd) {
    /* The count first: a table is published before the count that covers it. */
    unsigned count = __atomic_load_n(&g_slot_count, __ATOMIC_ACQUIRE);
    struct fd_slot *slots = __atomic_load_n(&g_slots, __ATOMIC_ACQUIRE);
    return fd < count ? __atomic_load_n(&slots[fd].file, __ATOMIC_ACQUIRE) : NULL;
}

static unsigned host_soft_limit(void) {
    struct rlimit rl;
    if (pal_host_rlimit(RLIMIT_NOFILE, NULL, &rl) < 0)
        return g_limit;
    return rl.rlim_cur > FD_MAX ? FD_MAX : (unsigned)rl.rlim_cur;
}

/* The free list's lock too: a thread releasing a description when another forks must not
 * leave it held in the child, where that thread does not exist. */
static spinlock_t *object_lock_of(struct libos_file *f) {
    return f->ops && f->ops->object_lock ? f->ops->object_lock(f) : NULL;
}

/* The object locks come after the table's (no one takes the table's under an object's)
 * and before the free list's and the allocator's (an epoll set allocates under its lock).
 * Each description once, however many fds it has. */
void fd_fork_lock(bool only_kept_by_exec) {
    spin_lock(&g_fd_lock);
    for (unsigned fd = 0; fd < g_slot_count; fd++) {
        struct libos_file *f = g_slots[fd].file;
        if (!f || f == &g_reserved || f->fork_locked)
            continue;
        spinlock_t *lock = object_lock_of(f);
        if (lock) {
            spin_lock(lock);
            f->fork_locked = true;
        }
    }
    /* The epoll sets the child can wait on (with them locked, so no entry becomes a watch
     * meanwhile): it could take the events of the sockets they watch (libos/drain.h). */
    for (unsigned fd = 0; fd < g_slot_count; fd++) {
        struct libos_file *f = g_slots[fd].file;
        if (f && f != &g_reserved && (f->drain_flags & DRAIN_EPOLL) &&
            !(only_kept_by_exec && g_slots[fd].cloexec))
            drain_epoll_forked(f);
    }
    spin_lock(&g_free_lock);
}

void fd_fork_unlock(void) {
    spin_unlock(&g_free_lock);
    for (unsigned fd = 0; fd < g_slot_count; fd++) {
        struct libos_file *f = g_slots[fd].file;
        if (f && f != &g_reserved && f->fork_locked) {
            f->fork_locked = false;
            spin_unlock(object_lock_of(f));
        }
    }
    spin_unlock(&g_fd_lock);
}

void fd_after_fork_child(void) {
    struct libos_file *dropped = NULL;
    spin_lock(&g_fd_lock);
    spin_lock(&g_free_lock);
    for (struct libos_file *f = g_all_files; f; f = f->next_all)
        f->fork_refs = 0;
    for (unsigned fd = 0; fd < g_slot_count; fd++) {
        struct libos_file *f = g_slots[fd].file;
        if (f == &g_reserved)
            slot_set(fd, NULL); /* another thread's open, never finished in the child */
        else if (f)
            f->fork_refs++;
    }
    for (struct libos_file *f = g_all_files; f; f = f->next_all) {
        if (f->refcount == 0 || f->refcount == f->fork_refs)
            continue;
        if (f->fork_refs) {
            f->refcount = f->fork_refs;
        } else {
            f->refcount = 1; /* released below, outside the locks */
            f->next_free = dropped;
            dropped = f;
        }
    }
    spin_unlock(&g_free_lock);
    spin_unlock(&g_fd_lock);
    while (dropped) {
        struct libos_file *f = dropped;
        dropped = f->next_free;
        file_put(f);
    }
}

unsigned fd_limit(void) {
    return __atomic_load_n(&g_limit, __ATOMIC_RELAXED);
}

void fd_set_limit(unsigned limit) {
    __atomic_store_n(&g_limit, limit > FD_MAX ? FD_MAX : limit, __ATOMIC_RELAXED);
}

unsigned fd_limit_refresh(void) {
    fd_set_limit(host_soft_limit());
    return fd_limit();
}

/* Called when the cached limit is about to make a call fail: the app may have raised its
 * limit through the host since we last looked. Must run without the table lock. */
static bool limit_allows(unsigned fd) {
    return fd < fd_limit() || fd < fd_limit_refresh();
}

/* Grows the table to hold index fd. Called without the lock: the allocator may need the
 * memory layer, which must never wait for the fd table while holding its own lock. The
 * table never shrinks, so an index checked here stays valid. */
static bool grow_table(unsigned fd) {
    for (;;) {
        spin_lock(&g_fd_lock);
        unsigned have = g_slot_count;
        spin_unlock(&g_fd_lock);
        if (fd < have)
            return true;
        unsigned count = have;
        while (count <= fd)
            count *= 2;
        if (count > FD_MAX)
            count = FD_MAX;
        struct fd_slot *slots = rt_calloc(count, sizeof(*slots));
        if (!slots)
            return false;
        spin_lock(&g_fd_lock);
        if (g_slot_count < count) {
            memcpy(slots, g_slots, g_slot_count * sizeof(*slots));
            /* The old table stays allocated: fd_get may still be reading it. */
            __atomic_store_n(&g_slots, slots, __ATOMIC_RELEASE);
            __atomic_store_n(&g_slot_count, count, __ATOMIC_RELEASE);
            slots = NULL;
        }
        spin_unlock(&g_fd_lock);
        rt_free(slots);
    }
}

static bool slot_free(unsigned fd) {
    return fd >= g_slot_count || !g_slots[fd].file;
}

/* The lowest free fd >= min_fd, taken as reserved; -EMFILE if none below the limit. */
static long take_lowest(unsigned min_fd) {
    bool refreshed = false;
    for (;;) {
        spin_lock(&g_fd_lock);
        unsigned fd = min_fd;
        while (!slot_free(fd))
            fd++;
        bool allowed = fd < fd_limit();
        if (allowed && fd < g_slot_count) {
            slot_set(fd, &g_reserved);
            g_slots[fd].cloexec = false;
            spin_unlock(&g_fd_lock);
            return fd;
        }
        spin_unlock(&g_fd_lock);
        if (allowed) {
            if (!grow_table(fd))
                return -ENOMEM;
        } else if (refreshed || fd >= fd_limit_refresh()) {
            return -EMFILE;
        } else {
            refreshed = true;
        }
    }
}

long fd_reserve(int min_fd) {
    if (min_fd < 0)
        return -EINVAL;
    return take_lowest((unsigned)min_fd);
}

void fd_install_reserved(int fd, struct libos_file *f, bool cloexec) {
    spin_lock(&g_fd_lock);
    slot_set(fd, f);
    g_slots[fd].cloexec = cloexec;
    spin_unlock(&g_fd_lock);
}

void fd_unreserve(int fd) {
    spin_lock(&g_fd_lock);
    if (g_slots[fd].file == &g_reserved)
        slot_set(fd, NULL);
    spin_unlock(&g_fd_lock);
}

long fd_install(struct libos_file *f, int min_fd, bool cloexec) {
    long fd = fd_reserve(min_fd);
    if (fd < 0) {
        file_put(f);
        return fd;
    }
    fd_install_reserved((int)fd, f, cloexec);
    return fd;
}

long fd_install_host(int handle, int status_flags, bool cloexec) {
    struct libos_file *f = file_new_host(handle, status_flags, NULL);
    if (!f) {
        pal_close(handle);
        return -ENOMEM;
    }
    return fd_install(f, 0, cloexec);
}

long fd_get_host(int fd, long synthetic_error, struct libos_file **out) {
    struct libos_file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    if (f->handle < 0) {
        file_put(f);
        return synthetic_error;
    }
    *out = f;
    return 0;
}

HOT_PATH struct libos_file *fd_get(int fd) {
    if (fd < 0)
        return NULL;
    for (;;) {
        struct libos_file *f = slot_peek((unsigned)fd);
        if (!f || f == &g_reserved)
            return NULL;
        if (file_get_unless_released(f)) {
            if (slot_peek((unsigned)fd) == f)
                return f;
            file_put(f); /* closed or replaced meanwhile: look again */
        }
    }
}

long fd_close(int fd) {
    struct libos_file *f = NULL;
    if (fd < 0)
        return -EBADF;
    spin_lock(&g_fd_lock);
    if ((unsigned)fd < g_slot_count && g_slots[fd].file && g_slots[fd].file != &g_reserved) {
        f = g_slots[fd].file;
        slot_set(fd, NULL);
    }
    spin_unlock(&g_fd_lock);
    if (!f)
        return -EBADF;
    file_put(f);
    return 0;
}

long fd_dup_to(int oldfd, int newfd, bool cloexec) {
    if (newfd < 0 || !limit_allows((unsigned)newfd))
        return -EBADF;
    struct libos_file *f = fd_get(oldfd);
    if (!f)
        return -EBADF;
    if (!grow_table((unsigned)newfd)) {
        file_put(f);
        return -ENOMEM;
    }
    struct libos_file *replaced = NULL;
    long r = newfd;
    spin_lock(&g_fd_lock);
    if (oldfd == newfd) {
        /* dup2 to itself: nothing changes. */
    } else if (g_slots[newfd].file == &g_reserved) {
        r = -EBUSY; /* as Linux, when an open of that fd is in flight */
    } else {
        replaced = g_slots[newfd].file;
        slot_set(newfd, f);
        g_slots[newfd].cloexec = cloexec;
        f = NULL; /* the slot took the reference */
    }
    spin_unlock(&g_fd_lock);
    file_put(f);
    file_put(replaced);
    return r;
}

long fd_get_cloexec(int fd) {
    long r = -EBADF;
    if (fd < 0)
        return r;
    spin_lock(&g_fd_lock);
    if ((unsigned)fd < g_slot_count && g_slots[fd].file && g_slots[fd].file != &g_reserved)
        r = g_slots[fd].cloexec;
    spin_unlock(&g_fd_lock);
    return r;
}

long fd_set_cloexec(int fd, bool cloexec) {
    long r = -EBADF;
    if (fd < 0)
        return r;
    spin_lock(&g_fd_lock);
    if ((unsigned)fd < g_slot_count && g_slots[fd].file && g_slots[fd].file != &g_reserved) {
        g_slots[fd].cloexec = cloexec;
        r = 0;
    }
    spin_unlock(&g_fd_lock);
    return r;
}

/* Makes host fd h the app's fd h (the app inherits it, as a program inherits the fds of
 * its parent). */
static void adopt_host_fd(int h) {
    long flags = pal_get_status_flags(h);
    if (flags < 0 || (unsigned)h >= FD_MAX)
        return;
    struct libos_file *f = file_new_host(h, (int)flags, NULL);
    if (!f)
        return;
    if (!grow_table((unsigned)h)) {
        f->handle = -1;
        file_put(f);
        return;
    }
    spin_lock(&g_fd_lock);
    if (!g_slots[h].file) {
        slot_set(h, f);
        g_slots[h].cloexec = false;
        f = NULL;
    }
    spin_unlock(&g_fd_lock);
    if (f) {
        f->handle = -1;
        file_put(f);
    }
}

/* Adopts every host fd the runtime inherited from its parent. Those are the ones without
 * FD_CLOEXEC: every handle the runtime opens itself (the log channel, files) is
 * close-on-exec. Returns false if the host's fd list cannot be read. */
static bool adopt_inherited_fds(void) {
    long dir = pal_open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (dir < 0)
        return false;
    char buf[2048];
    long n;
    while ((n = pal_getdents64((int)dir, buf, sizeof(buf))) > 0) {
        for (long off = 0; off < n;) {
            uint16_t reclen;
            memcpy(&reclen, buf + off + 16, sizeof(reclen));
            const char *name = buf + off + 19;
            off += reclen;
            uint64_t h;
            if (!str_to_u64(name, &h) || h >= FD_MAX || (long)h == dir)
                continue;
            long fd_flags = pal_fcntl((int)h, F_GETFD, 0);
            if (fd_flags >= 0 && !(fd_flags & FD_CLOEXEC))
                adopt_host_fd((int)h);
        }
    }
    pal_close((int)dir);
    return true;
}

void fd_init_std(void) {
    fd_set_limit(host_soft_limit());
    /* The app's fds are the host's own: the runtime logs through a private dup, so the app
     * may close or redirect 0, 1 and 2 freely. */
    if (!adopt_inherited_fds())
        for (int fd = 0; fd < 3; fd++)
            adopt_host_fd(fd);
}

void fd_for_each(void (*cb)(void *arg, int fd, struct libos_file *f), void *arg) {
    spin_lock(&g_fd_lock);
    for (unsigned fd = 0; fd < g_slot_count; fd++)
        if (g_slots[fd].file && g_slots[fd].file != &g_reserved)
            cb(arg, (int)fd, g_slots[fd].file);
    spin_unlock(&g_fd_lock);
}

/* Takes the descriptions of the fds in [first, last] that match out of the table and
 * drops them outside the lock, a batch at a time. */
static void close_matching(unsigned first, unsigned last, bool only_cloexec) {
    struct libos_file *batch[32];
    unsigned fd = first;
    for (;;) {
        unsigned n = 0;
        spin_lock(&g_fd_lock);
        for (; fd < g_slot_count && fd <= last && n < 32; fd++) {
            struct fd_slot *s = &g_slots[fd];
            if (!s->file || s->file == &g_reserved || (only_cloexec && !s->cloexec))
                continue;
            batch[n++] = s->file;
            slot_set(fd, NULL);
        }
        bool done = fd >= g_slot_count || fd > last;
        spin_unlock(&g_fd_lock);
        for (unsigned i = 0; i < n; i++)
            file_put(batch[i]);
        if (done)
            return;
    }
}

void fd_close_range(unsigned first, unsigned last, bool cloexec) {
    if (!cloexec) {
        close_matching(first, last, false);
        return;
    }
    spin_lock(&g_fd_lock);
    for (unsigned fd = first; fd < g_slot_count && fd <= last; fd++)
        if (g_slots[fd].file && g_slots[fd].file != &g_reserved)
            g_slots[fd].cloexec = true;
    spin_unlock(&g_fd_lock);
}

void fd_close_on_exec(void) {
    close_matching(0, ~0u, true);
    /* An epoll set that stays still watches the sockets that stay, but the new program
     * does not know it and will not wait for those events (libos/drain.h). */
    spin_lock(&g_fd_lock);
    for (unsigned fd = 0; fd < g_slot_count; fd++) {
        struct libos_file *f = g_slots[fd].file;
        if (f && f != &g_reserved && (f->drain_flags & DRAIN_TCP))
            drain_mark(f, DRAIN_NEVER);
    }
    spin_unlock(&g_fd_lock);
}
