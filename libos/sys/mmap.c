/* The memory syscalls (mmap, munmap, mprotect, madvise, mremap, brk) and the LibOS's own
 * memory entry points (libos/memory.h), over the VMA tree.
 *
 * The rule: the tree decides what really changes, the PAL is asked for exactly that and
 * nothing else (an mprotect to the protection a page already has makes no PAL call), and the
 * tree records the change once the PAL has made it. The tree's lock is held across all
 * three, so no thread sees the steps apart, and a PAL failure leaves tree and host agreeing.
 *
 * Addresses: the tree chooses them (the hint when its range is free, else the highest free
 * range below the mmap base), and the PAL maps there without replacing anything; if the
 * host says something the tree did not know lives there (a PAL-internal mapping), the tree
 * re-reads the host's mappings and tries again elsewhere. */
#include "libos/vma.h"
#include "libos/memory.h"
#include "libos/libos.h"
#include "libos/syscall.h"
#include "common/hot.h"
#include "libos/fd.h"
#include "libos/patch.h"
#include "libos/profile.h"
#include "pal/pal.h"
#include "common/log.h"
#include "common/string.h"
#include <asm/stat.h>
#include <linux/fcntl.h>
#include <linux/mman.h>
#include <linux/stat.h>

_Static_assert(VMA_PROT_READ == PROT_READ && VMA_PROT_WRITE == PROT_WRITE &&
                   VMA_PROT_EXEC == PROT_EXEC,
               "VMA protections are the Linux ones");
_Static_assert(PAL_PROT_READ == PROT_READ && PAL_PROT_WRITE == PROT_WRITE &&
                   PAL_PROT_EXEC == PROT_EXEC,
               "PAL protections are the Linux ones");

#define PAGE VMA_PAGE_SIZE
#define PROT_RWX (PROT_READ | PROT_WRITE | PROT_EXEC)

/* Linux's default vm.mmap_min_addr: nothing may be mapped below. */
#define MMAP_MIN_ADDR 0x10000ULL
/* The gap kept between the main stack and the mmap area (Linux's stack_guard_gap). */
#define STACK_GUARD_GAP (256 * PAGE)
/* MAP_32BIT: Linux gives addresses in [1 GiB, 2 GiB). */
#define MAP_32BIT_LOW 0x40000000ULL
#define MAP_32BIT_HIGH 0x80000000ULL
/* Flags mmap knows; MAP_SHARED_VALIDATE rejects the others with EOPNOTSUPP. */
#define KNOWN_MAP_FLAGS                                                                            \
    (MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_32BIT | MAP_GROWSDOWN | MAP_DENYWRITE |            \
     MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK |       \
     MAP_HUGETLB | MAP_FIXED_NOREPLACE | MAP_UNINITIALIZED | (MAP_HUGE_MASK << MAP_HUGE_SHIFT))
/* Tries at finding a free range before giving up with ENOMEM. */
#define PLACEMENT_TRIES 8

static const char RUNTIME_NAME[] = "[enclos]";

struct vma_tree g_vmas HOT_DATA;
static struct libos_memory_stats g_stats;
/* Where app mappings may go: the whole user space, or what the PAL reserved for the app
 * (an enclave's range). Set once at start. */
static uint64_t g_window_low = MMAP_MIN_ADDR, g_window_high = USER_SPACE_END;
static uint64_t g_mmap_base = USER_SPACE_END - (128ULL << 20);
/* The program break; under the tree's lock. */
static uint64_t g_brk_start, g_brk_current, g_brk_max_size;
static uint64_t g_shared_anon_ino;

static uint64_t default_mmap_base(void) {
    return pal_app_mmap_top(g_window_low, g_window_high);
}

void libos_mem_window(uint64_t *low, uint64_t *high) {
    *low = g_window_low;
    *high = g_window_high;
}

const struct libos_memory_stats *libos_memory_stats(void) {
    return &g_stats;
}

void libos_mem_set_mmap_base(uint64_t base) {
    vma_lock(&g_vmas);
    g_mmap_base = VMA_PAGE_DOWN(base);
    vma_unlock(&g_vmas);
}

static void count(uint64_t *counter) {
    __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

static long pal_map(uint64_t addr, uint64_t len, int prot, int flags, int handle, uint64_t offset) {
    count(&g_stats.pal_calls);
    return pal_mem_map((void *)addr, len, prot, flags, handle, offset);
}

static long pal_protect(uint64_t addr, uint64_t len, int prot) {
    count(&g_stats.pal_calls);
    return pal_mem_protect((void *)addr, len, prot);
}

static long pal_unmap(uint64_t addr, uint64_t len) {
    count(&g_stats.pal_calls);
    return pal_mem_unmap((void *)addr, len);
}

static long pal_advise(uint64_t addr, uint64_t len, int advice) {
    count(&g_stats.pal_calls);
    return pal_mem_advise((void *)addr, len, advice);
}

static long pal_remap(uint64_t old, uint64_t old_len, uint64_t new_len, int flags,
                      uint64_t new_addr) {
    count(&g_stats.pal_calls);
    return pal_mem_remap((void *)old, old_len, new_len, flags, (void *)new_addr);
}

static void warn_runtime_memory(const char *syscall, uint64_t addr) {
    static bool warned;
    if (!__atomic_exchange_n(&warned, true, __ATOMIC_RELAXED))
        log_warning("%s at %#lx: the range holds runtime memory, which the app may not change; "
                    "refused (reported once)",
                    syscall, (unsigned long)addr);
}

/* ---- Host mappings the tree did not make --------------------------------------------- */

/* Names kept from the host's maps (the app sees these); any other host range is the
 * runtime's and shows as "[enclos]". */
static const char *host_range_name(const char *name, int *flags) {
    static const char *const kept[] = {"[vdso]", "[vvar]", "[vvar_vclock]", "[vsyscall]"};
    for (unsigned i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        if (!strcmp(name, kept[i])) {
            *flags |= VMA_APP_READABLE; /* the app reads the vDSO and its data */
            return kept[i];
        }
    }
    return RUNTIME_NAME;
}

static void record_host_range(void *arg, uint64_t start, uint64_t end, int prot, const char *name) {
    struct vma_attrs attrs = {.prot = prot & PROT_RWX, .owner = VMA_OWNER_RUNTIME};
    attrs.name = host_range_name(name, &attrs.flags);
    if (start < end && vma_fill_holes(&g_vmas, VMA_PAGE_DOWN(start), VMA_PAGE_UP(end), &attrs) < 0)
        log_error("out of memory recording the host mapping %#lx-%#lx", (unsigned long)start,
                  (unsigned long)end);
}

/* The host has a mapping the tree lacks: enter every host mapping the tree lacks as
 * runtime memory. */
static void resync_host_ranges(void) {
    count(&g_stats.host_resyncs);
    long r = pal_mem_host_ranges(record_host_range, NULL);
    if (r < 0)
        log_warning("cannot read the host's mappings (error %ld)", -r);
}

static void *pool_map(void *arg, size_t len) {
    count(&g_stats.pal_calls);
    long r = pal_mem_map(NULL, len, PAL_PROT_READ | PAL_PROT_WRITE, 0, -1, 0);
    return r < 0 ? NULL : (void *)r;
}

static void pool_unmap(void *arg, void *addr, size_t len) {
    pal_unmap((uint64_t)addr, len);
}

void libos_memory_init(void) {
    const struct pal_host_info *hi = pal_host_info();
    if (hi->app_mem_end > hi->app_mem_start) {
        g_window_low =
            hi->app_mem_start > MMAP_MIN_ADDR ? VMA_PAGE_UP(hi->app_mem_start) : MMAP_MIN_ADDR;
        g_window_high =
            hi->app_mem_end < USER_SPACE_END ? VMA_PAGE_DOWN(hi->app_mem_end) : USER_SPACE_END;
    }
    g_mmap_base = default_mmap_base();
    static const struct vma_node_source source = {pool_map, pool_unmap, NULL, true};
    vma_tree_init(&g_vmas, &source);
    vma_lock(&g_vmas);
    long r = pal_mem_host_ranges(record_host_range, NULL);
    vma_unlock(&g_vmas);
    if (r < 0)
        log_warning("cannot read the host's mappings (error %ld); app mappings may collide "
                    "with runtime memory",
                    -r);
}

/* ---- Mapping ------------------------------------------------------------------------------ */

enum placement {
    PLACE_ANYWHERE,       /* the hint if free, else the tree's choice */
    PLACE_FIXED,          /* exactly there, replacing the owner's mappings */
    PLACE_FIXED_NOREPLACE /* exactly there, only if nothing is mapped */
};

struct map_request {
    uint64_t addr; /* the address, or the hint (0: none) */
    uint64_t len;
    int prot;
    int vma_flags;
    enum vma_owner owner;
    enum placement placement;
    uint64_t low, high; /* where PLACE_ANYWHERE may go */
    int handle;         /* PAL handle, or -1 for anonymous memory */
    int pal_flags;      /* PAL_MAP_SHARED, PAL_MAP_NORESERVE */
    struct vma_file *file;
    uint64_t offset;
    const char *name;
};

static long choose_address(uint64_t hint, uint64_t len, uint64_t low, uint64_t high) {
    if (hint >= low && len <= high && hint <= high - len &&
        vma_range_free(&g_vmas, hint, hint + len))
        return (long)hint;
    long addr = vma_find_gap(&g_vmas, len, PAGE, low, high < g_mmap_base ? high : g_mmap_base);
    if (addr < 0) /* as Linux falls back to the bottom-up search: anywhere in the window */
        addr = vma_find_gap(&g_vmas, len, PAGE, low, high);
    return addr;
}

static long record_mapping(uint64_t addr, const struct map_request *m) {
    struct vma_attrs attrs = {m->prot, m->vma_flags, m->owner, m->file, m->offset, m->name};
    long r = vma_insert(&g_vmas, addr, addr + m->len, &attrs);
    if (r < 0) {
        log_error("out of memory for the VMA tree; unmapping %#lx-%#lx again", (unsigned long)addr,
                  (unsigned long)(addr + m->len));
        pal_unmap(addr, m->len);
        vma_remove(&g_vmas, addr, addr + m->len, NULL, NULL);
        return r;
    }
    libos_profile_memory(&g_vmas);
    return (long)addr;
}

/* Maps as m says; with the tree locked. Returns the address or -errno. */
static long map_locked(const struct map_request *m) {
    if (m->placement != PLACE_ANYWHERE) {
        uint64_t end = m->addr + m->len;
        libos_patch_forget(m->addr, end);
        bool was_free = vma_range_free(&g_vmas, m->addr, end);
        if (m->placement == PLACE_FIXED_NOREPLACE && !was_free)
            return -EEXIST;
        if (!vma_range_owned_by(&g_vmas, m->addr, end, m->owner)) {
            warn_runtime_memory("mmap(MAP_FIXED)", m->addr);
            return -ENOMEM;
        }
        /* Into a free range without replacing, so that host memory the tree does not know
         * is never clobbered. */
        long r = pal_map(m->addr, m->len, m->prot,
                         m->pal_flags | (was_free ? PAL_MAP_NOREPLACE : PAL_MAP_FIXED), m->handle,
                         m->offset);
        if (r == -EEXIST && was_free) {
            resync_host_ranges();
            warn_runtime_memory("mmap(MAP_FIXED)", m->addr);
            return m->placement == PLACE_FIXED_NOREPLACE ? -EEXIST : -ENOMEM;
        }
        if (r < 0)
            return r;
        return record_mapping(m->addr, m);
    }
    for (int attempt = 0; attempt < PLACEMENT_TRIES; attempt++) {
        long addr = choose_address(m->addr, m->len, m->low, m->high);
        if (addr < 0)
            return -ENOMEM;
        long r = pal_map((uint64_t)addr, m->len, m->prot, m->pal_flags | PAL_MAP_NOREPLACE,
                         m->handle, m->offset);
        if (r == -EEXIST) {
            resync_host_ranges();
            if (vma_range_free(&g_vmas, (uint64_t)addr, (uint64_t)addr + m->len)) {
                /* The host's list did not show what is there: keep away from the range. */
                struct vma_attrs unknown = {.owner = VMA_OWNER_RUNTIME, .name = RUNTIME_NAME};
                vma_insert(&g_vmas, (uint64_t)addr, (uint64_t)addr + m->len, &unknown);
            }
            continue;
        }
        if (r < 0)
            return r;
        return record_mapping((uint64_t)addr, m);
    }
    return -ENOMEM;
}

/* Shared anonymous memory is a deleted /dev/zero file to the kernel, and so in maps. */
static struct vma_file *shared_anonymous_file(void) {
    uint64_t ino = __atomic_add_fetch(&g_shared_anon_ino, 1, __ATOMIC_RELAXED);
    return vma_file_new("/dev/zero (deleted)", 1 /* 00:01 */, ino);
}

/* ---- Runs of pages: one PAL call per contiguous run ------------------------------------ */

typedef long (*run_action)(uint64_t start, uint64_t len, void *ctx);

struct run_batch {
    uint64_t start, end; /* the pending run; empty when equal */
    run_action action;
    void *ctx;
    long error;
    uint64_t failed_at; /* with error: the runs below here were done */
    unsigned calls;
};

static void batch_flush(struct run_batch *b) {
    if (b->error || b->start == b->end)
        return;
    b->calls++;
    long r = b->action(b->start, b->end - b->start, b->ctx);
    if (r < 0) {
        b->error = r;
        b->failed_at = b->start;
    }
    b->start = b->end = 0;
}

static void batch_add(struct run_batch *b, uint64_t start, uint64_t end) {
    if (b->start != b->end && b->end == start) {
        b->end = end;
        return;
    }
    batch_flush(b);
    b->start = start;
    b->end = end;
}

static void batch_add_range(void *arg, uint64_t start, uint64_t end, int old_prot) {
    batch_add(arg, start, end);
}

/* ---- Unmapping, protecting ------------------------------------------------------------------- */

static long unmap_run(uint64_t start, uint64_t len, void *ctx) {
    return pal_unmap(start, len);
}

/* Unmaps what is mapped in [start, end) (the caller checked the owner): one PAL call per run
 * of mapped pages, none for holes. */
static long unmap_locked(uint64_t start, uint64_t end) {
    libos_patch_forget(start, end);
    struct run_batch b = {.action = unmap_run};
    for (struct vma *v = vma_first_from(&g_vmas, start); v && v->start < end; v = vma_next(v))
        batch_add(&b, v->start > start ? v->start : start, v->end < end ? v->end : end);
    batch_flush(&b);
    if (!b.calls)
        count(&g_stats.pal_calls_avoided);
    uint64_t done_end = b.error ? b.failed_at : end;
    if (done_end > start)
        vma_remove(&g_vmas, start, done_end, NULL, NULL);
    return b.error;
}

static long protect_run(uint64_t start, uint64_t len, void *ctx) {
    return pal_protect(start, len, *(int *)ctx);
}

static void restore_piece(void *arg, uint64_t start, uint64_t end, int old_prot) {
    pal_protect(start, end - start, old_prot);
}

/* mprotect over [start, end) for owner: the PAL is asked only for the pages whose protection
 * changes, one call per contiguous run of them. */
static long protect_locked(uint64_t start, uint64_t end, int prot, enum vma_owner owner) {
    struct run_batch b = {.action = protect_run, .ctx = &prot};
    long r = vma_protect_preview(&g_vmas, start, end, prot, owner, batch_add_range, &b);
    if (r < 0)
        return r;
    batch_flush(&b);
    if (!b.calls)
        count(&g_stats.pal_calls_avoided);
    if (b.error) {
        /* Put back what was changed below the failed run: the tree still has it. */
        if (b.failed_at > start)
            vma_protect_preview(&g_vmas, start, b.failed_at, prot, owner, restore_piece, NULL);
        return b.error;
    }
    if (b.calls) {
        r = vma_protect(&g_vmas, start, end, prot, owner, NULL, NULL);
        libos_profile_memory(&g_vmas);
    }
    return r;
}

/* ---- mmap --------------------------------------------------------------------------------- */

static long file_checks(struct libos_file *f, int type, int prot, int flags, uint64_t len,
                        uint64_t offset, struct stat *st) {
    if (f->kind != FILE_HOST || f->handle < 0)
        return -ENODEV;
    int access = f->status_flags & O_ACCMODE;
    bool readable = access == O_RDONLY || access == O_RDWR;
    bool writable = access == O_WRONLY || access == O_RDWR;
    if (type == MAP_SHARED_VALIDATE && (flags & ~KNOWN_MAP_FLAGS))
        return -EOPNOTSUPP;
    if (type == MAP_SHARED_VALIDATE && (flags & MAP_SYNC))
        return -EOPNOTSUPP; /* only DAX files support it */
    if (type != MAP_PRIVATE && (prot & PROT_WRITE) && !writable)
        return -EACCES;
    if (!readable)
        return -EACCES;
    long r = pal_fstat(f->handle, st);
    if (r < 0)
        return r;
    if (S_ISDIR(st->st_mode) || S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode))
        return -ENODEV; /* no mmap for these */
    if (flags & MAP_GROWSDOWN)
        return -EINVAL;
    if (offset > (uint64_t)INT64_MAX - len) /* file_mmap_ok: beyond the largest file */
        return -EOVERFLOW;
    return 0;
}

static long do_mmap(uint64_t addr, uint64_t len, int prot, int flags, struct libos_file *f,
                    uint64_t offset) {
    if (!len)
        return -EINVAL;
    bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
    if (!fixed) {
        addr = VMA_PAGE_DOWN(addr);
        if (addr && addr < MMAP_MIN_ADDR)
            addr = MMAP_MIN_ADDR;
    }
    if (len > USER_SPACE_END)
        return -ENOMEM;
    len = VMA_PAGE_UP(len);
    if (((offset >> 12) + (len >> 12)) < (offset >> 12))
        return -EOVERFLOW;
    if (fixed) {
        if (addr & (PAGE - 1))
            return -EINVAL;
        /* Below MMAP_MIN_ADDR the host decides (EPERM, or allowed with CAP_SYS_RAWIO). */
        if (addr > USER_SPACE_END - len)
            return -ENOMEM;
    }
    int type = flags & MAP_TYPE;
    struct map_request m = {
        .addr = addr,
        .len = len,
        .prot = prot & PROT_RWX,
        .owner = VMA_OWNER_APP,
        .placement = flags & MAP_FIXED_NOREPLACE ? PLACE_FIXED_NOREPLACE
                     : flags & MAP_FIXED         ? PLACE_FIXED
                                                 : PLACE_ANYWHERE,
        .low = g_window_low,
        .high = g_window_high,
        .handle = -1,
    };
    if ((flags & MAP_32BIT) && !fixed) {
        m.low = MAP_32BIT_LOW;
        m.high = MAP_32BIT_HIGH;
    }
    if (flags & MAP_NORESERVE) {
        m.vma_flags |= VMA_NORESERVE;
        m.pal_flags |= PAL_MAP_NORESERVE;
    }
    /* MAP_GROWSDOWN is recorded but not passed on: a host that grew the mapping behind the
     * tree's back would leave the tree wrong, so the mapping keeps its size. */
    if (flags & MAP_GROWSDOWN)
        m.vma_flags |= VMA_GROWSDOWN;

    struct vma_file *file = NULL;
    if (f) {
        if (type != MAP_SHARED && type != MAP_SHARED_VALIDATE && type != MAP_PRIVATE)
            return -EINVAL;
        if (flags & MAP_HUGETLB)
            return -EINVAL; /* only hugetlbfs files, which the LibOS does not offer */
        struct stat st;
        long r = file_checks(f, type, prot, flags, len, offset, &st);
        if (r < 0)
            return r;
        file = vma_file_new(f->path, st.st_dev, st.st_ino);
        if (!file)
            return -ENOMEM;
        m.handle = f->handle;
        m.offset = offset;
        if (type != MAP_PRIVATE) {
            m.vma_flags |= VMA_SHARED;
            m.pal_flags |= PAL_MAP_SHARED;
            if ((f->status_flags & O_ACCMODE) != O_RDWR)
                m.vma_flags |= VMA_NO_MAYWRITE;
        }
    } else {
        if (type != MAP_SHARED && type != MAP_PRIVATE)
            return -EINVAL;
        if (flags & MAP_HUGETLB)
            return -ENOMEM; /* no huge pages are reserved for the app */
        m.vma_flags |= VMA_ANONYMOUS;
        if (type == MAP_SHARED) {
            if (flags & MAP_GROWSDOWN)
                return -EINVAL;
            file = shared_anonymous_file();
            if (!file)
                return -ENOMEM;
            m.vma_flags |= VMA_SHARED;
            m.pal_flags |= PAL_MAP_SHARED;
        }
    }
    m.file = file;
    vma_lock(&g_vmas);
    long r = map_locked(&m);
    vma_unlock(&g_vmas);
    vma_file_put(file);
    /* New code is patched before the app can run it; a shared mapping is not (the patch
     * would reach the file). */
    if (r >= 0 && f && type == MAP_PRIVATE && (prot & PROT_EXEC))
        libos_patch_mapping((uint64_t)r, len, m.prot, f->handle, offset, f->path);
    return r;
}

/* Partial: MAP_GROWSDOWN mappings do not grow, MAP_HUGETLB finds no huge pages (see
 * docs/memory.md). */
SYSCALL(mmap, SUPPORT_PARTIAL) {
    uint64_t offset = ARG_ULONG(5);
    int flags = ARG_INT(3);
    if (offset & (PAGE - 1))
        return -EINVAL;
    struct libos_file *f = NULL;
    if (!(flags & MAP_ANONYMOUS)) {
        f = fd_get(ARG_INT(4));
        if (!f)
            return -EBADF;
        if (f->status_flags & O_PATH) {
            file_put(f);
            return -EBADF;
        }
    }
    long r = do_mmap(ARG_ULONG(0), ARG_ULONG(1), ARG_INT(2), flags, f, offset);
    if (f)
        file_put(f);
    return r;
}

/* ---- munmap, mprotect ------------------------------------------------------------------------ */

/* The direct PAL's host fork has done both already (then the calls below change nothing);
 * an enclave's copy is whole, so the LibOS does them. */
void libos_memory_after_fork_child(void) {
    vma_lock(&g_vmas);
    struct vma *v;
    for (uint64_t pos = 0; (v = vma_first_from(&g_vmas, pos));) {
        pos = v->end;
        if (v->owner == VMA_OWNER_APP && (v->flags & VMA_DONTFORK))
            unmap_locked(v->start, v->end);
    }
    for (v = vma_first(&g_vmas); v; v = vma_next(v))
        if (v->owner == VMA_OWNER_APP && (v->flags & VMA_WIPEONFORK) &&
            (v->flags & VMA_ANONYMOUS) && !(v->flags & VMA_SHARED))
            pal_advise(v->start, v->end - v->start, MADV_DONTNEED);
    vma_unlock(&g_vmas);
}

SYSCALL(munmap, SUPPORT_FULL) {
    uint64_t addr = ARG_ULONG(0), len = ARG_ULONG(1);
    if ((addr & (PAGE - 1)) || !len || len > USER_SPACE_END)
        return -EINVAL;
    len = VMA_PAGE_UP(len);
    if (addr > USER_SPACE_END - len)
        return -EINVAL;
    vma_lock(&g_vmas);
    long r;
    if (!vma_range_owned_by(&g_vmas, addr, addr + len, VMA_OWNER_APP)) {
        warn_runtime_memory("munmap", addr);
        r = -EINVAL;
    } else {
        r = unmap_locked(addr, addr + len);
    }
    vma_unlock(&g_vmas);
    return r;
}

static long do_mprotect(uint64_t start, uint64_t len, int prot);

SYSCALL(mprotect, SUPPORT_FULL) {
    return do_mprotect(ARG_ULONG(0), ARG_ULONG(1), ARG_INT(2));
}

/* Memory protection keys: the app gets none (the LibOS does not give the host's keys out,
 * so no range can carry one): pkey_alloc fails as Linux does, with EINVAL on a host
 * without keys and ENOSPC (none free) on one with them; pkey_free has nothing to free;
 * pkey_mprotect with key -1 (none) is mprotect. */
SYSCALL(pkey_alloc, SUPPORT_PARTIAL) {
    unsigned flags = ARG_UINT(0), access = ARG_UINT(1);
    if (flags || (access & ~3U /* PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE */))
        return -EINVAL;
    return pal_host_has_pkeys() ? -ENOSPC : -EINVAL;
}

SYSCALL(pkey_free, SUPPORT_PARTIAL) {
    return -EINVAL;
}

SYSCALL(pkey_mprotect, SUPPORT_PARTIAL) {
    if (ARG_INT(3) != -1)
        return -EINVAL;
    return do_mprotect(ARG_ULONG(0), ARG_ULONG(1), ARG_INT(2));
}

static long do_mprotect(uint64_t start, uint64_t len, int prot) {
    int grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
    prot &= ~grows;
    if (grows == (PROT_GROWSDOWN | PROT_GROWSUP))
        return -EINVAL;
    if (start & (PAGE - 1))
        return -EINVAL;
    if (!len)
        return 0;
    if (len > USER_SPACE_END)
        return -ENOMEM;
    uint64_t end = start + VMA_PAGE_UP(len);
    if (end <= start)
        return -ENOMEM;
    if (prot & ~(PROT_RWX | PROT_SEM))
        return -EINVAL;
    prot &= PROT_RWX;
    if (grows & PROT_GROWSUP)
        return -EINVAL; /* no VMA grows up on x86 */
    vma_lock(&g_vmas);
    long r = 0;
    if (grows & PROT_GROWSDOWN) {
        struct vma *v = vma_first_from(&g_vmas, start);
        if (!v || v->start >= end)
            r = -ENOMEM;
        else if (!(v->flags & VMA_GROWSDOWN))
            r = -EINVAL;
        else
            start = v->start;
    }
    if (r == 0)
        r = protect_locked(start, end, prot, VMA_OWNER_APP);
    vma_unlock(&g_vmas);
    return r;
}

/* ---- madvise ----------------------------------------------------------------------------------
 */

/* What an advice does: a kernel VMA flag to set and clear (which splits and merges VMAs,
 * visible in /proc/self/maps), and whether the host must act on the pages. Pure hints
 * (readahead, reclaim) are answered from the tree alone. */
struct advice {
    int set, clear;
    bool host;
};

static bool advice_lookup(int advice, struct advice *out) {
    *out = (struct advice){0};
    switch (advice) {
    case MADV_NORMAL:
        out->clear = VMA_SEQ_READ | VMA_RAND_READ;
        return true;
    case MADV_RANDOM:
        out->set = VMA_RAND_READ;
        out->clear = VMA_SEQ_READ;
        return true;
    case MADV_SEQUENTIAL:
        out->set = VMA_SEQ_READ;
        out->clear = VMA_RAND_READ;
        return true;
    case MADV_WILLNEED:
    case MADV_COLD:
    case MADV_PAGEOUT:
        return true;
    case MADV_DONTNEED:
    case MADV_DONTNEED_LOCKED:
    case MADV_FREE:
    case MADV_REMOVE:
    case MADV_POPULATE_READ:
    case MADV_POPULATE_WRITE:
    case MADV_COLLAPSE:
        out->host = true;
        return true;
    case MADV_HUGEPAGE:
        *out = (struct advice){VMA_HUGEPAGE, VMA_NOHUGEPAGE, true};
        return true;
    case MADV_NOHUGEPAGE:
        *out = (struct advice){VMA_NOHUGEPAGE, VMA_HUGEPAGE, true};
        return true;
    case MADV_DONTFORK:
        *out = (struct advice){VMA_DONTFORK, 0, true};
        return true;
    case MADV_DOFORK:
        *out = (struct advice){0, VMA_DONTFORK, true};
        return true;
    case MADV_DONTDUMP:
        *out = (struct advice){VMA_DONTDUMP, 0, true};
        return true;
    case MADV_DODUMP:
        *out = (struct advice){0, VMA_DONTDUMP, true};
        return true;
    case MADV_WIPEONFORK:
        *out = (struct advice){VMA_WIPEONFORK, 0, true};
        return true;
    case MADV_KEEPONFORK:
        *out = (struct advice){0, VMA_WIPEONFORK, true};
        return true;
    case MADV_MERGEABLE:
        *out = (struct advice){VMA_MERGEABLE, 0, true};
        return true;
    case MADV_UNMERGEABLE:
        *out = (struct advice){0, VMA_MERGEABLE, true};
        return true;
    default:
        return false;
    }
}

static long advise_run(uint64_t start, uint64_t len, void *ctx) {
    return pal_advise(start, len, *(int *)ctx);
}

/* Applies advice to the app's pages in [start, end); with the tree locked. */
static long advise_locked(uint64_t start, uint64_t end, int advice, const struct advice *a) {
    struct run_batch b = {.action = advise_run, .ctx = &advice};
    bool flags = a->set || a->clear;
    if (a->host && flags) {
        /* Only where the flag really changes: the host already has it elsewhere. */
        vma_update_flags_preview(&g_vmas, start, end, a->set, a->clear, VMA_OWNER_APP,
                                 batch_add_range, &b);
    } else if (a->host) {
        for (struct vma *v = vma_first_from(&g_vmas, start); v && v->start < end; v = vma_next(v))
            if (v->owner == VMA_OWNER_APP)
                batch_add(&b, v->start > start ? v->start : start, v->end < end ? v->end : end);
    }
    batch_flush(&b);
    if (!b.calls)
        count(&g_stats.pal_calls_avoided);
    uint64_t done_end = b.error ? b.failed_at : end;
    if (flags && done_end > start)
        vma_update_flags(&g_vmas, start, done_end, a->set, a->clear, VMA_OWNER_APP, NULL, NULL);
    return b.error;
}

SYSCALL(madvise, SUPPORT_FULL) {
    uint64_t start = ARG_ULONG(0), len_in = ARG_ULONG(1);
    int advice = ARG_INT(2);
    struct advice what;
    if (advice == MADV_HWPOISON || advice == MADV_SOFT_OFFLINE)
        return -EPERM; /* needs CAP_SYS_ADMIN, which the app does not get */
    if (!advice_lookup(advice, &what))
        return -EINVAL;
    if (start & (PAGE - 1))
        return -EINVAL;
    uint64_t len = VMA_PAGE_UP(len_in);
    if (len_in && !len)
        return -EINVAL;
    uint64_t end = start + len;
    if (end < start)
        return -EINVAL;
    if (end == start)
        return 0;
    vma_lock(&g_vmas);
    /* Linux applies the advice to the mapped parts and then reports the holes; the
     * runtime's pages count as holes, being none of the app's business. */
    bool hole = false;
    uint64_t pos = start;
    for (struct vma *v = vma_first_from(&g_vmas, start); pos < end && !hole; v = vma_next(v)) {
        hole = !v || v->start > pos || v->owner != VMA_OWNER_APP;
        if (v)
            pos = v->end;
    }
    long r = advise_locked(start, end, advice, &what);
    vma_unlock(&g_vmas);
    if (r < 0)
        return r;
    return hole ? -ENOMEM : 0;
}

/* ---- mremap -----------------------------------------------------------------------------------
 */

/* Moves [addr, addr + old_len) to target (free or the app's, checked) as new_len bytes. */
static long move_locked(uint64_t addr, uint64_t old_len, uint64_t new_len, uint64_t target,
                        const struct vma_attrs *attrs, int flags) {
    long r = pal_remap(addr, old_len, new_len,
                       MREMAP_MAYMOVE | MREMAP_FIXED | (flags & MREMAP_DONTUNMAP), target);
    if (r < 0)
        return r;
    if (old_len && !(flags & MREMAP_DONTUNMAP))
        vma_remove(&g_vmas, addr, addr + old_len, NULL, NULL);
    vma_insert(&g_vmas, target, target + new_len, attrs);
    return (long)target;
}

static long remap_locked(uint64_t addr, uint64_t old_len, uint64_t new_len, int flags,
                         uint64_t new_addr) {
    struct vma *v = vma_find(&g_vmas, addr);
    if (!v || v->owner != VMA_OWNER_APP)
        return -EFAULT;
    if (old_len == new_len && !(flags & (MREMAP_FIXED | MREMAP_DONTUNMAP))) {
        count(&g_stats.pal_calls_avoided);
        return (long)addr;
    }
    if (old_len == 0 && !(v->flags & VMA_SHARED))
        return -EINVAL; /* a second view of private pages does not exist */
    if (old_len > v->end - addr)
        return -EFAULT; /* the range must lie within one mapping */
    struct vma_attrs attrs;
    vma_attrs_at(v, addr, &attrs);
    if (old_len == 0 && !(flags & MREMAP_MAYMOVE))
        return -ENOMEM;

    if (new_len < old_len) {
        long r = unmap_locked(addr + new_len, addr + old_len);
        if (r < 0)
            return r;
        if (!(flags & MREMAP_FIXED))
            return (long)addr;
        old_len = new_len;
    }
    if (flags & MREMAP_FIXED) {
        if (!vma_range_owned_by(&g_vmas, new_addr, new_addr + new_len, VMA_OWNER_APP)) {
            warn_runtime_memory("mremap(MREMAP_FIXED)", new_addr);
            return -ENOMEM;
        }
        vma_file_get(attrs.file); /* v may go away in the move */
        long r = move_locked(addr, old_len, new_len, new_addr, &attrs, flags);
        vma_file_put_locked(&g_vmas, attrs.file);
        return r;
    }
    if (new_len > old_len && old_len && addr + old_len == v->end &&
        new_len <= USER_SPACE_END - addr &&
        vma_range_free(&g_vmas, addr + old_len, addr + new_len)) {
        long r = pal_remap(addr, old_len, new_len, 0, 0);
        if (r >= 0) {
            struct vma_attrs tail;
            vma_attrs_at(v, v->end, &tail);
            vma_insert(&g_vmas, addr + old_len, addr + new_len, &tail);
            return (long)addr;
        }
        if (r != -ENOMEM)
            return r;
        resync_host_ranges(); /* the host has something there that the tree lacked */
    }
    if (!(flags & MREMAP_MAYMOVE))
        return -ENOMEM;
    for (int attempt = 0; attempt < PLACEMENT_TRIES; attempt++) {
        long target = choose_address(0, new_len, g_window_low, g_window_high);
        if (target < 0)
            return -ENOMEM;
        /* Reserve the target first: the move replaces whatever is there, and the tree might
         * not know everything the host has. */
        long r =
            pal_map((uint64_t)target, new_len, 0, PAL_MAP_NOREPLACE | PAL_MAP_NORESERVE, -1, 0);
        if (r == -EEXIST) {
            resync_host_ranges();
            continue;
        }
        if (r < 0)
            return r;
        vma_file_get(attrs.file);
        r = move_locked(addr, old_len, new_len, (uint64_t)target, &attrs, flags);
        vma_file_put_locked(&g_vmas, attrs.file);
        if (r < 0)
            pal_unmap((uint64_t)target, new_len);
        return r;
    }
    return -ENOMEM;
}

SYSCALL(mremap, SUPPORT_FULL) {
    uint64_t addr = ARG_ULONG(0), old_len = ARG_ULONG(1), new_len = ARG_ULONG(2);
    int flags = ARG_INT(3);
    uint64_t new_addr = ARG_ULONG(4);
    if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
        return -EINVAL;
    if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
        return -EINVAL;
    if (addr & (PAGE - 1))
        return -EINVAL;
    if (old_len > USER_SPACE_END || new_len > USER_SPACE_END)
        return -EINVAL;
    old_len = VMA_PAGE_UP(old_len);
    new_len = VMA_PAGE_UP(new_len);
    if (!new_len)
        return -EINVAL;
    if ((flags & MREMAP_DONTUNMAP) && (!(flags & MREMAP_MAYMOVE) || old_len != new_len))
        return -EINVAL;
    if (addr > USER_SPACE_END - old_len)
        return -EFAULT;
    if (flags & MREMAP_FIXED) {
        if (new_addr & (PAGE - 1))
            return -EINVAL;
        if (new_addr > USER_SPACE_END - new_len || new_addr < MMAP_MIN_ADDR)
            return -EINVAL;
        if (new_addr < addr + old_len && addr < new_addr + new_len)
            return -EINVAL; /* overlapping ranges */
    }
    vma_lock(&g_vmas);
    long r = remap_locked(addr, old_len, new_len, flags, new_addr);
    libos_profile_memory(&g_vmas);
    vma_unlock(&g_vmas);
    return r;
}

/* ---- brk --------------------------------------------------------------------------------------
 */

void libos_brk_init(uint64_t start, uint64_t max_size) {
    vma_lock(&g_vmas);
    g_brk_start = g_brk_current = VMA_PAGE_UP(start);
    g_brk_max_size = max_size;
    vma_unlock(&g_vmas);
}

static uint64_t brk_locked(uint64_t want) {
    if (!g_brk_start || want < g_brk_start || want - g_brk_start > g_brk_max_size)
        return g_brk_current; /* brk(0) and refusals answer with the current break */
    uint64_t old_top = VMA_PAGE_UP(g_brk_current), new_top = VMA_PAGE_UP(want);
    if (new_top > old_top) {
        /* Linux keeps a page free above the break. */
        if (new_top >= USER_SPACE_END || !vma_range_free(&g_vmas, old_top, new_top + PAGE))
            return g_brk_current;
        struct map_request m = {
            .addr = old_top,
            .len = new_top - old_top,
            .prot = PROT_READ | PROT_WRITE,
            .vma_flags = VMA_ANONYMOUS,
            .owner = VMA_OWNER_APP,
            .placement = PLACE_FIXED_NOREPLACE,
            .handle = -1,
            .name = "[heap]",
        };
        if (map_locked(&m) < 0)
            return g_brk_current;
    } else if (new_top < old_top) {
        if (!vma_range_owned_by(&g_vmas, new_top, old_top, VMA_OWNER_APP) ||
            unmap_locked(new_top, old_top) < 0)
            return g_brk_current;
    } else {
        count(&g_stats.pal_calls_avoided);
    }
    g_brk_current = want;
    return want;
}

SYSCALL(brk, SUPPORT_FULL) {
    vma_lock(&g_vmas);
    uint64_t r = brk_locked(ARG_ULONG(0));
    vma_unlock(&g_vmas);
    return (long)r;
}

/* ---- The LibOS's own entry points (libos/memory.h) ------------------------------------------- */

/* Special names the loader may give anonymous memory; others are dropped (the tree keeps
 * only names that never go away). */
static const char *special_name(const char *name) {
    static const char *const names[] = {"[stack]", "[heap]", "[vdso]", "[vvar]"};
    for (unsigned i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(name, names[i]))
            return names[i];
    return NULL;
}

long libos_mem_map_app(uint64_t addr, size_t len, int prot, int flags, int handle, uint64_t offset,
                       const char *name) {
    if (!len || (addr & (PAGE - 1)) || (offset & (PAGE - 1)) || len > USER_SPACE_END)
        return -EINVAL;
    len = VMA_PAGE_UP(len);
    struct map_request m = {
        .addr = addr,
        .len = len,
        .prot = prot & PROT_RWX,
        .owner = VMA_OWNER_APP,
        .placement = flags & LIBOS_MAP_FIXED ? PLACE_FIXED : PLACE_ANYWHERE,
        .low = g_window_low,
        .high = g_window_high,
        .handle = handle < 0 ? -1 : handle,
        .offset = handle < 0 ? 0 : offset,
    };
    if ((flags & LIBOS_MAP_FIXED) && addr > USER_SPACE_END - len)
        return -ENOMEM;
    if (flags & LIBOS_MAP_SHARED) {
        m.vma_flags |= VMA_SHARED;
        m.pal_flags |= PAL_MAP_SHARED;
    }
    if (flags & LIBOS_MAP_STACK) {
        m.vma_flags |= VMA_GROWSDOWN;
        /* A stack's pages appear as it grows (Linux commits them on touch): an enclave adds
         * them on first touch instead of all at once. */
        m.pal_flags |= PAL_MAP_NORESERVE;
    }
    struct vma_file *file = NULL;
    if (handle >= 0) {
        struct stat st;
        long r = pal_fstat(handle, &st);
        if (r < 0)
            return r;
        file = vma_file_new(name, st.st_dev, st.st_ino);
        if (!file)
            return -ENOMEM;
    } else {
        m.vma_flags |= VMA_ANONYMOUS;
        m.name = special_name(name);
        if ((flags & LIBOS_MAP_STACK) && !m.name)
            m.name = "[stack]";
        if (flags & LIBOS_MAP_SHARED) {
            file = shared_anonymous_file();
            if (!file)
                return -ENOMEM;
        }
    }
    m.file = file;
    vma_lock(&g_vmas);
    long r = map_locked(&m);
    /* Keep the mmap area clear of the main stack, as Linux's mmap_base does. */
    if (r >= 0 && (flags & LIBOS_MAP_STACK) && (uint64_t)r - STACK_GUARD_GAP < g_mmap_base)
        g_mmap_base = (uint64_t)r - STACK_GUARD_GAP;
    vma_unlock(&g_vmas);
    vma_file_put(file);
    if (r >= 0 && handle >= 0)
        libos_profile_file_mapped(name);
    if (r >= 0 && handle >= 0 && !(flags & LIBOS_MAP_SHARED) && (prot & PROT_EXEC))
        libos_patch_mapping((uint64_t)r, len, m.prot, handle, offset, name);
    return r;
}

long libos_mem_free_near(uint64_t near_lo, uint64_t near_hi, size_t len, uint64_t reach) {
    len = VMA_PAGE_UP(len);
    if (near_hi - near_lo + len > reach)
        return -ENOMEM;
    uint64_t low = near_hi > reach ? near_hi - reach : 0;
    if (low < g_window_low)
        low = g_window_low;
    uint64_t high = near_lo + reach < g_window_high ? near_lo + reach : g_window_high;
    vma_lock(&g_vmas);
    long r = -ENOMEM;
    if (VMA_PAGE_DOWN(near_lo) > low)
        r = vma_find_gap(&g_vmas, len, PAGE, low, VMA_PAGE_DOWN(near_lo));
    if (r < 0 && VMA_PAGE_UP(near_hi) < high)
        r = vma_find_gap(&g_vmas, len, PAGE, VMA_PAGE_UP(near_hi), high);
    vma_unlock(&g_vmas);
    return r;
}

void libos_mem_release_app(void) {
    vma_lock(&g_vmas);
    uint64_t addr = 0;
    for (;;) {
        struct vma *v = vma_first_from(&g_vmas, addr);
        while (v && v->owner != VMA_OWNER_APP)
            v = vma_next(v);
        if (!v)
            break;
        uint64_t start = v->start, end = v->end;
        /* One run of adjacent app mappings per call. */
        for (struct vma *n = vma_next(v); n && n->start == end && n->owner == VMA_OWNER_APP;
             n = vma_next(n))
            end = n->end;
        unmap_locked(start, end);
        addr = end;
    }
    g_brk_start = g_brk_current = 0;
    g_mmap_base = default_mmap_base();
    vma_unlock(&g_vmas);
}

long libos_mem_protect_app(uint64_t addr, size_t len, int prot) {
    if ((addr & (PAGE - 1)) || len > USER_SPACE_END || addr > USER_SPACE_END - len)
        return -EINVAL;
    if (!len)
        return 0;
    vma_lock(&g_vmas);
    long r = protect_locked(addr, addr + VMA_PAGE_UP(len), prot & PROT_RWX, VMA_OWNER_APP);
    vma_unlock(&g_vmas);
    return r;
}

void *libos_mem_map_runtime(size_t len) {
    if (!len || len > USER_SPACE_END)
        return NULL;
    len = VMA_PAGE_UP(len);
    static const struct vma_attrs runtime = {
        .prot = PROT_READ | PROT_WRITE,
        .flags = VMA_ANONYMOUS,
        .owner = VMA_OWNER_RUNTIME,
        .name = RUNTIME_NAME,
    };
    vma_lock(&g_vmas);
    /* The host picks the address: it knows every mapping, the tree only those it was told. */
    long addr = pal_map(0, len, PAL_PROT_READ | PAL_PROT_WRITE, 0, -1, 0);
    if (addr >= 0 && vma_insert(&g_vmas, (uint64_t)addr, (uint64_t)addr + len, &runtime) < 0) {
        pal_unmap((uint64_t)addr, len);
        addr = -ENOMEM;
    }
    vma_unlock_deferring_frees(&g_vmas); /* the heap may be calling, holding its lock */
    return addr < 0 ? NULL : (void *)addr;
}

void libos_mem_unmap_runtime(void *addr, size_t len) {
    uint64_t start = (uint64_t)addr, end = start + VMA_PAGE_UP(len);
    vma_lock(&g_vmas);
    if (!vma_range_owned_by(&g_vmas, start, end, VMA_OWNER_RUNTIME)) {
        log_error("runtime unmap of %#lx-%#lx covers app memory; not unmapped",
                  (unsigned long)start, (unsigned long)end);
    } else {
        pal_unmap(start, end - start);
        vma_remove(&g_vmas, start, end, NULL, NULL);
    }
    vma_unlock_deferring_frees(&g_vmas);
}
