/* Enclave memory: every LibOS memory call becomes what SGX allows over the EPCM, and the host
 * page protections follow the EPCM (a page that is not valid is inaccessible on the host, so
 * touching it comes to pal_memory_fault).
 *
 * SGX1 (no EDMM): every heap page was added at start with RWX; permissions never change, an
 * unmapped page stays in the enclave and is zeroed before it is mapped again.
 * SGX2 (EDMM): pages are added by EAUG (the OS, on a page fault) and EACCEPTed; eagerly for a
 * mapping without MAP_NORESERVE, on first touch with it. More permissions: EMODPE and a
 * page-table change (an exit); fewer: EMODPR (an exit) and EACCEPT per page. Freeing: EMODT
 * to PT_TRIM (an exit), EACCEPT per page, EREMOVE (an exit); with lazy free, freed pages
 * stay valid until sgx.edmm_lazyfree_threshold bytes wait, then go in one batch.
 * Shared mappings are host memory placed in the range (untrusted, as SGX allows no shared
 * enclave pages); private file mappings are the file's pages read into enclave pages. */
#include "pal/sgx-sim/internal.h"
#include "common/log.h"
#include "common/spinlock.h"
#include "common/string.h"
#include <linux/mman.h>

/* One lock over the EPCM: memory calls are rare next to the work they set up. */
static spinlock_t g_mem_lock = SPINLOCK_INIT;

static uint8_t to_epcm(int prot) {
    return (uint8_t)((prot & PAL_PROT_READ ? EPCM_R : 0) | (prot & PAL_PROT_WRITE ? EPCM_W : 0) |
                     (prot & PAL_PROT_EXEC ? EPCM_X : 0));
}

static int host_prot(uint8_t perms) {
    return (perms & EPCM_R ? PROT_READ : 0) | (perms & EPCM_W ? PROT_WRITE : 0) |
           (perms & EPCM_X ? PROT_EXEC : 0);
}

static uint8_t want_of(const struct epcm_entry *e) {
    return e->want;
}

static void set_want(struct epcm_entry *e, uint8_t perms) {
    e->want = perms;
    if (perms)
        e->pal |= PG_USED;
}

static bool page_usable(const struct epcm_entry *e) {
    return (e->status & EPCM_VALID) && !(e->status & (EPCM_PENDING | EPCM_MODIFIED));
}

/* What the host allows on a page: its EPCM permissions when it is a usable enclave page,
 * the mapping's own for shared host memory, nothing otherwise. */
static int page_host_prot(const struct epcm_entry *e) {
    if (e->pal & PG_SHARED)
        return host_prot(want_of(e));
    if (!page_usable(e) || e->type != EPCM_PT_REG)
        return PROT_NONE;
    /* A mapped page is never more accessible than its mapping asks (PROT_NONE over an
     * added page); an added page no mapping covers keeps its EPCM permissions. */
    return host_prot((e->pal & PG_MAPPED) ? (uint8_t)(e->perms & e->want) : e->perms);
}

/* Brings the host protections of [start, end) in line with the EPCM, one host call per run
 * of pages that want the same protection. One exit covers the batch when `exit` says the OS
 * had to change page tables outside a page fault (a fault's EAUG maps its page itself). */
static void sync_host_prot(uint64_t start, uint64_t end, bool exit) {
    uint64_t run = start;
    while (run < end) {
        int prot = page_host_prot(sgx_page(run));
        uint64_t next = run + SGX_PAGE;
        while (next < end && page_host_prot(sgx_page(next)) == prot)
            next += SGX_PAGE;
        host_syscall3(__NR_mprotect, run, next - run, prot);
        run = next;
    }
    if (exit)
        sgx_count(&g_sgx.mem_exits[MEM_EXIT_PROTECT], 1);
}

/* Zeroes a page the enclave reuses, unless it already reads as zero (an untouched page costs
 * nothing then: the host maps its zero page for the reads). */
static void zero_page(uint64_t addr) {
    const uint64_t *w = (const uint64_t *)addr;
    for (size_t i = 0; i < SGX_PAGE / 8; i++) {
        if (w[i]) {
            memset((void *)addr, 0, SGX_PAGE);
            sgx_count(&g_sgx.zeroed_pages, 1);
            return;
        }
    }
}

/* EAUG (the OS, on the #PF that the enclave's EACCEPT of a missing page raises) and EACCEPT:
 * each page added costs an asynchronous exit. */
static void accept_new_page(struct epcm_entry *e) {
    static const struct epcm_accept pending = {EPCM_PENDING, EPCM_R | EPCM_W, EPCM_PT_REG};
    enum epcm_result r = epcm_eaccept(e, &pending);
    if (r != EPCM_OK)
        log_error("sgx-sim: EACCEPT of a new page: %s", epcm_result_name(r));
    sgx_count(&g_sgx.eaug, 1);
    sgx_count(&g_sgx.eaccept, 1);
    sgx_count(&g_sgx.edmm_faults, 1);
}

static void add_page(struct epcm_entry *e) {
    epcm_eaug(e);
    accept_new_page(e);
}

/* Gives a valid page the permissions `want` (EDMM): EMODPE for more, EMODPR and EACCEPT for
 * fewer. Returns true when the OS had to act (an exit for the batch). */
static bool change_perms(struct epcm_entry *e, uint8_t want) {
    bool os = false;
    uint8_t drop = e->perms & ~want, add = want & ~e->perms;
    if (drop) {
        epcm_emodpr(e, e->perms & want);
        struct epcm_accept pr = {EPCM_PR, e->perms, EPCM_PT_REG};
        epcm_eaccept(e, &pr);
        sgx_count(&g_sgx.emodpr, 1);
        sgx_count(&g_sgx.eaccept, 1);
        os = true;
    }
    if (add) {
        epcm_emodpe(e, add);
        sgx_count(&g_sgx.emodpe, 1);
        os = true; /* the page tables must allow it too */
    }
    return os;
}

/* Makes [start, end) enclave pages with the permissions prot, added now (eager) or on first
 * touch (lazy). Pages already valid (preheated, lazily freed, SGX1) are zeroed for reuse. */
static void map_private(uint64_t start, uint64_t end, uint8_t perms, bool lazy, bool zero) {
    bool edmm = g_enclave.boot.edmm;
    bool added = false, os = false;
    for (uint64_t a = start; a < end; a += SGX_PAGE) {
        struct epcm_entry *e = sgx_page(a);
        bool was_valid = page_usable(e);
        int host_before = page_host_prot(e);
        bool used = (e->pal & PG_USED) != 0; /* else it is still the zero page it was added as */
        e->pal = (uint8_t)((e->pal & PG_USED) | PG_MAPPED | (lazy && edmm ? PG_LAZY : 0));
        set_want(e, perms);
        if (!edmm) {
            if (zero && used)
                zero_page(a); /* SGX1: the page is RWX from the start */
            continue;
        }
        if (was_valid) {
            /* Preheated or lazily freed: reused as it is, zeroed in the enclave. */
            if (zero && used) {
                if ((e->perms & (EPCM_R | EPCM_W)) != (EPCM_R | EPCM_W)) {
                    os |= change_perms(e, e->perms | EPCM_R | EPCM_W);
                    host_syscall3(__NR_mprotect, a, SGX_PAGE, PROT_READ | PROT_WRITE);
                }
                zero_page(a);
            }
            /* A PROT_NONE mapping over pages already added (preheat, lazy free) keeps them:
             * the page tables alone make them inaccessible. */
            if (perms)
                os |= change_perms(e, perms);
            /* Any page-table change of a page that stays in the enclave is the OS's. */
            os |= page_host_prot(e) != host_before;
            continue;
        }
        if (lazy || !perms)
            continue; /* added on first touch, or a reservation */
        add_page(e);
        change_perms(e, perms);
        added = true;
    }
    if (added || os)
        sync_host_prot(start, end, os);
}

/* ---- Freeing: trim, accept, remove ------------------------------------------------------ */

#define LAZY_RANGES 1024
static struct { uint64_t start, end; } g_lazy[LAZY_RANGES];
static unsigned g_lazy_count;
static uint64_t g_lazy_bytes;

/* Trims the valid pages of [start, end) that `pick` selects: EMODT (one exit), EACCEPT each,
 * EREMOVE (one exit); the host range goes back to an inaccessible reservation. */
static uint64_t trim_range(uint64_t start, uint64_t end, uint8_t only_bit) {
    static const struct epcm_accept trim = {EPCM_MODIFIED, 0, EPCM_PT_TRIM};
    uint64_t trimmed = 0;
    for (uint64_t a = start; a < end; a += SGX_PAGE) {
        struct epcm_entry *e = sgx_page(a);
        if (!(e->status & EPCM_VALID) || (only_bit && !(e->pal & only_bit)))
            continue;
        if (e->type != EPCM_PT_REG)
            continue;
        epcm_emodt(e, EPCM_PT_TRIM);
        epcm_eaccept(e, &trim);
        epcm_eremove(e);
        e->pal &= (uint8_t) ~(PG_FREED);
        trimmed++;
    }
    if (trimmed) {
        sgx_count(&g_sgx.emodt, trimmed);
        sgx_count(&g_sgx.eaccept, trimmed);
        sgx_count(&g_sgx.eremove, trimmed);
    }
    return trimmed;
}

/* Gives the host range back to the reservation: inaccessible, no memory behind it. */
static void host_reserve(uint64_t start, uint64_t end) {
    host_syscall6(__NR_mmap, (long)start, (long)(end - start), PROT_NONE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
}

/* The lazy-free batch: every range still waiting is trimmed at once. */
static void flush_lazy_free(void) {
    uint64_t trimmed = 0;
    for (unsigned i = 0; i < g_lazy_count; i++) {
        uint64_t n = trim_range(g_lazy[i].start, g_lazy[i].end, PG_FREED);
        trimmed += n;
        if (n) {
            /* Only pages not mapped again go back to the host. */
            for (uint64_t a = g_lazy[i].start; a < g_lazy[i].end; a += SGX_PAGE)
                if (!(sgx_page(a)->pal & PG_MAPPED))
                    host_reserve(a, a + SGX_PAGE);
        }
    }
    g_lazy_count = 0;
    g_lazy_bytes = 0;
    if (trimmed) {
        sgx_count(&g_sgx.mem_exits[MEM_EXIT_TRIM], 1);
        sgx_count(&g_sgx.mem_exits[MEM_EXIT_REMOVE], 1);
        sgx_count(&g_sgx.lazy_trim_batches, 1);
    }
}

/* Unmaps [start, end): shared host memory goes back to the reservation; enclave pages are
 * trimmed (EDMM), left for the lazy-free batch, or kept (SGX1). */
static void unmap_range(uint64_t start, uint64_t end) {
    bool edmm = g_enclave.boot.edmm;
    bool shared = false, file = false, valid = false;
    for (uint64_t a = start; a < end; a += SGX_PAGE) {
        struct epcm_entry *e = sgx_page(a);
        shared |= (e->pal & PG_SHARED) != 0;
        file |= (e->pal & PG_FILE) != 0;
        valid |= (e->status & EPCM_VALID) != 0;
    }
    if (shared) {
        sgx_count(&g_sgx.mem_exits[MEM_EXIT_MAP_SHARED], 1);
        for (uint64_t a = start; a < end; a += SGX_PAGE)
            if (sgx_page(a)->pal & PG_SHARED)
                host_reserve(a, a + SGX_PAGE);
    }
    if (!edmm) {
        /* SGX1: the pages stay in the enclave, RWX, to be zeroed when mapped again; host
         * pages of a file or shared mapping are replaced by plain memory again. */
        for (uint64_t a = start; a < end; a += SGX_PAGE) {
            struct epcm_entry *e = sgx_page(a);
            if (e->pal & (PG_SHARED | PG_FILE))
                host_syscall6(__NR_mmap, (long)a, (long)SGX_PAGE,
                              PROT_READ | PROT_WRITE | PROT_EXEC,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
            e->pal &= PG_USED;
        }
        return;
    }
    uint64_t threshold = g_enclave.boot.lazyfree_threshold;
    if (threshold && valid && !file && g_lazy_count < LAZY_RANGES) {
        uint64_t pages = 0;
        for (uint64_t a = start; a < end; a += SGX_PAGE) {
            struct epcm_entry *e = sgx_page(a);
            e->pal = (e->status & EPCM_VALID) && !(e->pal & PG_SHARED)
                         ? (uint8_t)(PG_FREED | (e->pal & PG_USED))
                         : 0;
            pages += (e->pal & PG_FREED) != 0;
        }
        g_lazy[g_lazy_count].start = start;
        g_lazy[g_lazy_count].end = end;
        g_lazy_count++;
        g_lazy_bytes += pages * SGX_PAGE;
        if (g_lazy_bytes >= threshold)
            flush_lazy_free();
        return;
    }
    uint64_t trimmed = valid ? trim_range(start, end, 0) : 0;
    for (uint64_t a = start; a < end; a += SGX_PAGE)
        sgx_page(a)->pal = 0;
    if (trimmed || file) {
        host_reserve(start, end);
        sgx_count(&g_sgx.mem_exits[MEM_EXIT_TRIM], 1);
        sgx_count(&g_sgx.mem_exits[MEM_EXIT_REMOVE], 1);
    } else if (!shared) {
        host_reserve(start, end); /* a reservation (PROT_NONE) mapping: nothing to trim */
    }
}

/* ---- The runtime's own allocations (the PAL picks the address) -------------------------- */

#define ZONE_FREE_MAX 256
static struct { uint64_t start, end; } g_zone_free[ZONE_FREE_MAX];
static unsigned g_zone_free_count;

long sgx_zone_alloc(uint64_t len) {
    for (unsigned i = 0; i < g_zone_free_count; i++) {
        if (g_zone_free[i].end - g_zone_free[i].start < len)
            continue;
        uint64_t addr = g_zone_free[i].end - len; /* from the top, like the host */
        g_zone_free[i].end = addr;
        if (g_zone_free[i].start == g_zone_free[i].end)
            g_zone_free[i] = g_zone_free[--g_zone_free_count];
        return (long)addr;
    }
    return -12; /* ENOMEM */
}

static void zone_release(uint64_t start, uint64_t end) {
    for (unsigned i = 0; i < g_zone_free_count; i++) {
        if (g_zone_free[i].end == start) {
            g_zone_free[i].end = end;
            return;
        }
        if (g_zone_free[i].start == end) {
            g_zone_free[i].start = start;
            return;
        }
    }
    if (g_zone_free_count < ZONE_FREE_MAX) {
        g_zone_free[g_zone_free_count].start = start;
        g_zone_free[g_zone_free_count++].end = end;
    } /* else the range stays unused: the zone is large and this does not happen in practice */
}

static bool in_zone(uint64_t addr) {
    return addr >= g_enclave.zone_start && addr < g_enclave.zone_end;
}

void sgx_memory_init(void) {
    g_zone_free[0].start = g_enclave.zone_start;
    g_zone_free[0].end = g_enclave.zone_end;
    g_zone_free_count = 1;
}

/* SGX2 hybrid preheat: pages added at start where the app will map first. */
void sgx_preheat(uint64_t bytes) {
    if (!g_enclave.boot.edmm || !bytes)
        return;
    uint64_t top = pal_app_mmap_top(g_enclave.app_start, g_enclave.app_end);
    bytes = (bytes + SGX_PAGE - 1) & ~(SGX_PAGE - 1);
    uint64_t start =
        top - bytes < g_enclave.app_start || bytes > top ? g_enclave.app_start : top - bytes;
    spin_lock(&g_mem_lock);
    uint64_t added = 0;
    for (uint64_t a = start; a < top; a += SGX_PAGE) {
        struct epcm_entry *e = sgx_page(a);
        if (e->status & EPCM_VALID)
            continue;
        add_page(e);
        added++;
    }
    sgx_count(&g_sgx.start_eaug, added);
    sgx_count(&g_sgx.start_faults, added);
    host_syscall3(__NR_mprotect, start, top - start, PROT_READ | PROT_WRITE);
    spin_unlock(&g_mem_lock);
}

/* ---- The PAL ABI ---------------------------------------------------------------------- */

long pal_mem_map(void *addr, size_t len, int prot, int flags, int handle, uint64_t offset) {
    if (!g_enclave.inside)
        return host_pal_mem_map(addr, len, prot, flags, handle, offset);
    uint64_t start = (uint64_t)addr;
    len = (len + SGX_PAGE - 1) & ~(SGX_PAGE - 1);
    if (!len)
        return -22; /* EINVAL */
    spin_lock(&g_mem_lock);
    if (!addr) {
        long z = sgx_zone_alloc(len);
        if (z < 0) {
            spin_unlock(&g_mem_lock);
            log_error("sgx-sim: the runtime's part of the enclave is full (%lu bytes asked); "
                      "raise sgx.enclave_size",
                      (unsigned long)len);
            return z;
        }
        start = (uint64_t)z;
    } else if (!sgx_in_enclave(start, len) || start < g_enclave.app_start ||
               start + len > g_enclave.app_end) {
        /* Outside the enclave, or over the runtime's part of it. */
        spin_unlock(&g_mem_lock);
        return (flags & PAL_MAP_NOREPLACE) ? -17 /* EEXIST */ : -12 /* ENOMEM */;
    }
    uint64_t end = start + len;
    if (flags & PAL_MAP_NOREPLACE) {
        for (uint64_t a = start; a < end; a += SGX_PAGE) {
            if (sgx_page(a)->pal & PG_MAPPED) {
                spin_unlock(&g_mem_lock);
                return -17; /* EEXIST */
            }
        }
    } else if ((flags & PAL_MAP_FIXED) && (handle >= 0 || (flags & PAL_MAP_SHARED))) {
        unmap_range(start, end);
    } else if (flags & PAL_MAP_FIXED) {
        /* Private memory over private memory (Go mapping its heap over its reservation):
         * enclave pages already there are reused, zeroed, not trimmed and added again. Only
         * host pages (shared, file) go. */
        for (uint64_t a = start; a < end; a += SGX_PAGE)
            if (sgx_page(a)->pal & (PG_SHARED | PG_FILE))
                unmap_range(a, a + SGX_PAGE);
    }
    long r = (long)start;
    if ((flags & PAL_MAP_SHARED) && handle >= -1) {
        /* Untrusted host memory in the range (SGX has no shared enclave pages). */
        int hflags = MAP_SHARED | MAP_FIXED | (handle < 0 ? MAP_ANONYMOUS : 0);
        r = host_syscall6(__NR_mmap, (long)start, (long)len, host_prot(to_epcm(prot)), hflags,
                          handle, (long)offset);
        sgx_count(&g_sgx.mem_exits[MEM_EXIT_MAP_SHARED], 1);
        if (r >= 0) {
            for (uint64_t a = start; a < end; a += SGX_PAGE) {
                struct epcm_entry *e = sgx_page(a);
                e->pal = PG_MAPPED | PG_SHARED;
                set_want(e, to_epcm(prot));
            }
        } else {
            host_reserve(start, end);
        }
    } else if (handle >= 0) {
        /* A private file mapping: the file's pages read into enclave pages. The host's private
         * mapping of the file stands for the copy (same bytes, read when touched). */
        map_private(start, end, to_epcm(prot), false, false);
        int hprot =
            g_enclave.boot.edmm ? host_prot(to_epcm(prot)) : PROT_READ | PROT_WRITE | PROT_EXEC;
        r = host_syscall6(__NR_mmap, (long)start, (long)len, hprot, MAP_PRIVATE | MAP_FIXED, handle,
                          (long)offset);
        sgx_count(&g_sgx.mem_exits[MEM_EXIT_MAP_FILE], 1);
        if (r >= 0) {
            for (uint64_t a = start; a < end; a += SGX_PAGE)
                sgx_page(a)->pal |= PG_FILE;
        } else {
            unmap_range(start, end);
        }
    } else {
        map_private(start, end, to_epcm(prot), (flags & PAL_MAP_NORESERVE) != 0, true);
    }
    spin_unlock(&g_mem_lock);
    return r < 0 ? r : (long)start;
}

long pal_mem_protect(void *addr, size_t len, int prot) {
    if (!g_enclave.inside)
        return host_pal_mem_protect(addr, len, prot);
    uint64_t start = (uint64_t)addr, end = start + ((len + SGX_PAGE - 1) & ~(SGX_PAGE - 1));
    if (!sgx_in_enclave(start, end - start))
        return -12;
    uint8_t perms = to_epcm(prot);
    spin_lock(&g_mem_lock);
    bool os = false, shared = false;
    for (uint64_t a = start; a < end; a += SGX_PAGE) {
        struct epcm_entry *e = sgx_page(a);
        if (want_of(e) == perms)
            continue;
        set_want(e, perms);
        if (e->pal & PG_SHARED) {
            shared = true;
            continue;
        }
        if (!g_enclave.boot.edmm) {
            /* SGX1: the enclave page keeps the permissions it was added with. */
            sgx_count(&g_sgx.sgx1_prot_unchanged, 1);
            continue;
        }
        if (page_usable(e)) {
            os |= change_perms(e, perms);
        } else if (perms && (e->pal & PG_MAPPED) && !(e->pal & PG_LAZY)) {
            add_page(e); /* a reservation made accessible: its pages are added now */
            change_perms(e, perms);
            os = true;
        }
    }
    if (os || shared)
        sync_host_prot(start, end, true);
    spin_unlock(&g_mem_lock);
    return 0;
}

long pal_mem_unmap(void *addr, size_t len) {
    if (!g_enclave.inside)
        return host_pal_mem_unmap(addr, len);
    uint64_t start = (uint64_t)addr, end = start + ((len + SGX_PAGE - 1) & ~(SGX_PAGE - 1));
    if (!sgx_in_enclave(start, end - start))
        return -22;
    spin_lock(&g_mem_lock);
    unmap_range(start, end);
    if (in_zone(start))
        zone_release(start, end);
    spin_unlock(&g_mem_lock);
    return 0;
}

long pal_mem_advise(void *addr, size_t len, int advice) {
    if (!g_enclave.inside)
        return host_pal_mem_advise(addr, len, advice);
    uint64_t start = (uint64_t)addr, end = start + ((len + SGX_PAGE - 1) & ~(SGX_PAGE - 1));
    if (!sgx_in_enclave(start, end - start))
        return -12;
    if (advice != MADV_DONTNEED && advice != MADV_FREE && advice != MADV_REMOVE)
        return 0; /* hints the enclave has no use for */
    spin_lock(&g_mem_lock);
    bool host = false, trimmed = false;
    for (uint64_t a = start; a < end; a += SGX_PAGE) {
        struct epcm_entry *e = sgx_page(a);
        if (e->pal & (PG_SHARED | PG_FILE)) {
            host = true; /* the host's pages: the host drops them */
            continue;
        }
        if (!page_usable(e))
            continue;
        if (g_enclave.boot.edmm && (e->pal & PG_LAZY)) {
            /* Added on touch: give the page back; touching it again adds a zero page. */
            trim_range(a, a + SGX_PAGE, 0);
            host_reserve(a, a + SGX_PAGE);
            trimmed = true;
        } else if (e->perms & EPCM_W) {
            zero_page(a); /* in the enclave: Linux's "reads as zero afterwards" */
        } else {
            host = true;
        }
    }
    if (trimmed) {
        sgx_count(&g_sgx.mem_exits[MEM_EXIT_TRIM], 1);
        sgx_count(&g_sgx.mem_exits[MEM_EXIT_REMOVE], 1);
    }
    long r = 0;
    if (host) {
        sgx_count(&g_sgx.mem_exits[MEM_EXIT_HOST_ADVICE], 1);
        for (uint64_t a = start; a < end; a += SGX_PAGE) {
            struct epcm_entry *e = sgx_page(a);
            if ((e->pal & (PG_SHARED | PG_FILE)) || (page_usable(e) && !(e->perms & EPCM_W)))
                r = host_syscall3(__NR_madvise, a, SGX_PAGE, advice);
        }
    }
    spin_unlock(&g_mem_lock);
    return r;
}

long pal_mem_remap(void *old, size_t old_len, size_t new_len, int flags, void *new_addr) {
    if (!g_enclave.inside)
        return host_pal_mem_remap(old, old_len, new_len, flags, new_addr);
    uint64_t from = (uint64_t)old;
    old_len = (old_len + SGX_PAGE - 1) & ~(SGX_PAGE - 1);
    new_len = (new_len + SGX_PAGE - 1) & ~(SGX_PAGE - 1);
    if (!sgx_in_enclave(from, old_len))
        return -22;
    struct epcm_entry first = *sgx_page(from);
    uint8_t perms = want_of(&first);
    if (first.pal & (PG_SHARED | PG_FILE)) {
        /* Host pages: the host moves them. */
        long r = host_pal_mem_remap(old, old_len, new_len, flags, new_addr);
        if (r >= 0) {
            spin_lock(&g_mem_lock);
            uint64_t to = (uint64_t)r;
            for (uint64_t i = 0; i < new_len; i += SGX_PAGE) {
                struct epcm_entry *e = sgx_page(to + i);
                e->pal = (uint8_t)(PG_MAPPED | (first.pal & (PG_SHARED | PG_FILE)));
                set_want(e, perms);
            }
            if (!(flags & MREMAP_DONTUNMAP) && to != from)
                for (uint64_t i = 0; i < old_len; i += SGX_PAGE)
                    if (from + i < to || from + i >= to + new_len) {
                        host_reserve(from + i, from + i + SGX_PAGE);
                        sgx_page(from + i)->pal = 0;
                    }
            spin_unlock(&g_mem_lock);
        }
        return r;
    }
    if (!(flags & MREMAP_FIXED)) {
        /* Growing in place: the LibOS checked the pages after it are free. */
        long r =
            pal_mem_map((void *)(from + old_len), new_len - old_len, host_prot(perms),
                        PAL_MAP_NOREPLACE | ((first.pal & PG_LAZY) ? PAL_MAP_NORESERVE : 0), -1, 0);
        return r < 0 ? r : (long)from;
    }
    /* Moving enclave pages: new pages, the bytes copied in the enclave, the old ones freed. */
    uint64_t to = (uint64_t)new_addr;
    long r = pal_mem_map(new_addr, new_len, PAL_PROT_READ | PAL_PROT_WRITE,
                         PAL_MAP_FIXED | ((first.pal & PG_LAZY) ? PAL_MAP_NORESERVE : 0), -1, 0);
    if (r < 0)
        return r;
    uint64_t copy = old_len < new_len ? old_len : new_len;
    for (uint64_t i = 0; i < copy; i += SGX_PAGE) {
        struct epcm_entry *e = sgx_page(from + i);
        if (page_usable(e) && (e->perms & EPCM_R))
            memcpy((void *)(to + i), (const void *)(from + i), SGX_PAGE);
    }
    if (perms != (EPCM_R | EPCM_W))
        pal_mem_protect(new_addr, new_len, host_prot(perms));
    if (!(flags & MREMAP_DONTUNMAP))
        pal_mem_unmap(old, old_len);
    return (long)to;
}

struct host_range_filter {
    void (*cb)(void *arg, uint64_t start, uint64_t end, int prot, const char *name);
    void *arg;
};

static void outside_only(void *arg, uint64_t start, uint64_t end, int prot, const char *name) {
    struct host_range_filter *f = arg;
    if (end <= g_enclave.base || start >= g_enclave.end) {
        f->cb(f->arg, start, end, prot, name);
        return;
    }
    if (start < g_enclave.base)
        f->cb(f->arg, start, g_enclave.base, prot, name);
    if (end > g_enclave.end)
        f->cb(f->arg, g_enclave.end, end, prot, name);
}

long pal_mem_host_ranges(void (*cb)(void *arg, uint64_t start, uint64_t end, int prot,
                                    const char *name),
                         void *arg) {
    if (!g_enclave.inside)
        return host_pal_mem_host_ranges(cb, arg);
    struct host_range_filter f = {cb, arg};
    long r = host_pal_mem_host_ranges(outside_only, &f);
    /* Inside: the runtime's part (image, manifest, thread slots, its own allocations). */
    cb(arg, g_enclave.app_end, g_enclave.end, PAL_PROT_READ | PAL_PROT_WRITE, "[enclos]");
    return r;
}

/* A page fault in the enclave: a page of a MAP_NORESERVE mapping touched for the first time
 * is added now (the OS's EAUG on the #PF, the enclave's EACCEPT); anything else is the app's
 * (or the runtime's) fault. */
bool pal_memory_fault(const struct pal_fault *fault, bool in_runtime, siginfo_t *si) {
    if (!g_enclave.inside)
        return false;
    uint64_t addr = fault->address & ~(SGX_PAGE - 1);
    if (!sgx_in_enclave(addr, SGX_PAGE))
        return false;
    uint8_t access = (fault->error_code & 2) ? EPCM_W : (fault->error_code & 16) ? EPCM_X : EPCM_R;
    /* In signal context: no lock can be taken; a racing add of the same page by another
     * thread is resolved by the EPCM state check below (both see VALID and return). */
    struct epcm_entry *e = sgx_page(addr);
    if (!(e->pal & PG_MAPPED)) {
        /* No mapping here: the host's reservation answered with an access error, Linux
         * would report a missing mapping. */
        if (si->si_code == SEGV_ACCERR)
            si->si_code = SEGV_MAPERR;
        return false;
    }
    if (!g_enclave.boot.edmm || !(e->pal & PG_LAZY) || (e->pal & PG_SHARED))
        return false;
    uint8_t want = want_of(e);
    if (!(want & access))
        return false;
    /* Of threads touching the page at once, the one whose EAUG succeeds accepts it; the
     * others wait below until it is usable. */
    if (epcm_eaug(e) == EPCM_OK) {
        accept_new_page(e);
        change_perms(e, want);
    }
    while (!page_usable(e) && (e->pal & PG_MAPPED))
        __builtin_ia32_pause();
    host_syscall3(__NR_mprotect, addr, SGX_PAGE, page_host_prot(e));
    return page_usable(e) && (e->perms & access);
}
