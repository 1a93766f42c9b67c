/* Load-time syscall patching (design section 3). Every private file mapping that becomes
 * executable (the program and its interpreter from the loader, later mmaps with PROT_EXEC)
 * is patched before any of it runs: its functions come from the file (common/
 * func_discovery.c), its syscall sites and windows from linear disassembly (common/
 * patch_sites.c), and each window becomes a jmp to a trampoline (common/trampoline.c) in a
 * mapping placed within reach of the code. A jump into the middle of a window hits int3;
 * libos_patch_redirect sends it to the same point in the trampoline. Sites that cannot be
 * patched stay on the kernel catch, and --stats lists them with the reason. */
#include "common/hot.h"
#include "libos/patch.h"
#include "libos/libos.h"
#include "libos/memory.h"
#include "common/alloc.h"
#include "common/fmt.h"
#include "common/func_discovery.h"
#include "common/log.h"
#include "common/patch_sites.h"
#include "common/spinlock.h"
#include "common/string.h"
#include "common/trampoline.h"
#include "pal/pal.h"
#include <linux/elf.h>
#include <asm/stat.h>

#define PAGE 4096ULL
#define PAGE_DOWN(x) ((x) & ~(PAGE - 1))
#define PAGE_UP(x) (((x) + PAGE - 1) & ~(PAGE - 1))
#define MAX_PHDRS 64

/* ---- The windows, for redirecting jumps into them (read in host signal context) ------ */

struct live_window {
    uint64_t start, tramp;
    uint8_t length, count, tramp_length;
    uint8_t window_offset[PATCH_WINDOW_INSNS + 1];
    uint8_t tramp_offset[PATCH_WINDOW_INSNS + 1];
};

struct window_table {
    size_t count;
    struct live_window *by_tramp; /* the same windows, sorted by trampoline address */
    struct live_window w[];       /* sorted by window address */
};

/* Replaced whole, never changed in place: a reader holds a consistent table. Old tables
 * are not freed (a fault handler may still read one); they are few and small. */
static struct window_table *volatile g_windows;
static spinlock_t g_lock = SPINLOCK_INIT;

void libos_patch_fork_lock(void) {
    spin_lock(&g_lock);
}

void libos_patch_fork_unlock(void) {
    spin_unlock(&g_lock);
}

static bool dead(const struct live_window *w) {
    return __atomic_load_n(&w->length, __ATOMIC_RELAXED) == 0;
}

/* Adds n windows (sorted) to the table. Never allocates with g_lock held: the allocator
 * may map memory, which takes the VMA lock, and the VMA layer calls libos_patch_forget
 * with that lock held. */
static void publish_windows(const struct live_window *add, size_t n) {
    for (;;) {
        struct window_table *seen = __atomic_load_n(&g_windows, __ATOMIC_ACQUIRE);
        size_t have = seen ? seen->count : 0;
        struct window_table *t = rt_malloc(sizeof(*t) + (have + n) * sizeof(t->w[0]));
        struct live_window *by_tramp = rt_malloc((have + n + 1) * sizeof(*by_tramp));
        if (!t || !by_tramp) {
            rt_free(t);
            rt_free(by_tramp);
            return;
        }
        spin_lock(&g_lock);
        struct window_table *old = g_windows;
        if (old != seen) { /* changed meanwhile: size again */
            spin_unlock(&g_lock);
            rt_free(t);
            rt_free(by_tramp);
            continue;
        }
        /* Merge two sorted runs, leaving out the windows forgotten since. */
        size_t i = 0, j = 0, k = 0;
        while (i < have || j < n) {
            if (j == n || (i < have && old->w[i].start < add[j].start)) {
                if (!dead(&old->w[i]))
                    t->w[k++] = old->w[i];
                i++;
            } else {
                t->w[k++] = add[j++];
            }
        }
        t->count = k;
        for (i = 0; i < k; i++) {
            struct live_window key = t->w[i];
            for (j = i; j > 0 && by_tramp[j - 1].tramp > key.tramp; j--)
                by_tramp[j] = by_tramp[j - 1];
            by_tramp[j] = key;
        }
        t->by_tramp = by_tramp;
        __atomic_store_n(&g_windows, t, __ATOMIC_RELEASE);
        spin_unlock(&g_lock);
        return;
    }
}

/* The first window (table sorted by window start) or trampoline (by_tramp) that ends
 * after addr; count if none. Both tables are sorted by their ends too. */
static size_t first_ending_after(const struct live_window *w, size_t count, uint64_t addr,
                                 bool by_tramp) {
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uint64_t end = by_tramp ? w[mid].tramp + w[mid].tramp_length : w[mid].start + w[mid].length;
        if (end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The window or trampoline holding addr, or NULL. */
static const struct live_window *find_window(const struct live_window *w, size_t count,
                                             uint64_t addr, bool by_tramp) {
    size_t i = first_ending_after(w, count, addr, by_tramp);
    if (i == count || addr < (by_tramp ? w[i].tramp : w[i].start))
        return NULL;
    return &w[i];
}

void libos_patch_forget(uint64_t start, uint64_t end) {
    if (!__atomic_load_n(&g_windows, __ATOMIC_ACQUIRE))
        return;
    /* Marked dead in place (length 0 keeps both tables sorted by their ends), without
     * allocating: this runs with the VMA lock held, on every munmap. */
    spin_lock(&g_lock);
    struct window_table *t = g_windows;
    for (size_t i = first_ending_after(t->w, t->count, start, false);
         i < t->count && t->w[i].start < end; i++) {
        struct live_window *w = &t->w[i];
        if (dead(w))
            continue;
        size_t k = first_ending_after(t->by_tramp, t->count, w->tramp, true);
        if (k < t->count && t->by_tramp[k].tramp == w->tramp)
            __atomic_store_n(&t->by_tramp[k].tramp_length, 0, __ATOMIC_RELEASE);
        __atomic_store_n(&w->length, 0, __ATOMIC_RELEASE);
    }
    spin_unlock(&g_lock);
}

uint64_t libos_patch_app_rip(uint64_t rip) {
    struct window_table *t = __atomic_load_n(&g_windows, __ATOMIC_ACQUIRE);
    const struct live_window *w = t ? find_window(t->by_tramp, t->count, rip, true) : NULL;
    if (!w)
        return rip;
    /* The original instruction whose copy holds rip: the syscall for the entry sequence
     * (the return point R is the copy of the instruction after it). */
    uint64_t off = rip - w->tramp;
    int k = 0;
    while (k < w->count && w->tramp_offset[k + 1] <= off)
        k++;
    return w->start + w->window_offset[k];
}

uint64_t libos_patch_resume_rip(uint64_t rip) {
    struct window_table *t = __atomic_load_n(&g_windows, __ATOMIC_ACQUIRE);
    const struct live_window *w = t ? find_window(t->w, t->count, rip, false) : NULL;
    if (!w)
        return rip;
    for (int k = 1; k < w->count; k++)
        if (w->start + w->window_offset[k] == rip)
            return w->tramp + w->tramp_offset[k];
    return rip;
}

bool libos_patch_redirect(uint64_t *rip) {
    struct window_table *t = __atomic_load_n(&g_windows, __ATOMIC_ACQUIRE);
    uint64_t at = *rip - 1; /* the int3 that trapped */
    const struct live_window *w = t ? find_window(t->w, t->count, at, false) : NULL;
    if (!w)
        return false;
    for (int i = 1; i < w->count; i++) {
        if (w->start + w->window_offset[i] == at) {
            *rip = w->tramp + w->tramp_offset[i];
            return true;
        }
    }
    return false;
}

/* ---- Statistics ------------------------------------------------------------------------ */

struct left_site {
    uint64_t address; /* run-time address */
    uint8_t reason;
    char func[56];
};

struct patched_object {
    char name[64];
    size_t found, patched;
    size_t left_count;
    struct left_site *left;
    uint64_t code_bytes, gap_bytes;
    char functions[96]; /* where the function list came from */
    struct patched_object *next;
};

static struct patched_object *g_objects, **g_objects_tail = &g_objects;
static uint64_t g_patched_calls;

HOT_PATH void libos_handle_patched_syscall(void) {
    if (g_libos_config.stats)
        __atomic_fetch_add(&g_patched_calls, 1, __ATOMIC_RELAXED);
    libos_handle_syscall();
}

uint64_t libos_patched_syscall_count(void) {
    return __atomic_load_n(&g_patched_calls, __ATOMIC_RELAXED);
}

void libos_patch_print_stats(void) {
    if (!g_libos_config.syscall_patching) {
        log_raw("  syscall patching: off\n");
        return;
    }
    for (struct patched_object *o = g_objects; o; o = o->next) {
        log_raw("  patched %s: %lu syscall sites, %lu patched, %lu left to the kernel catch; "
                "functions from %s; %lu of %lu code bytes outside known functions\n",
                o->name, (unsigned long)o->found, (unsigned long)o->patched,
                (unsigned long)o->left_count, o->functions, (unsigned long)o->gap_bytes,
                (unsigned long)o->code_bytes);
        for (size_t i = 0; i < o->left_count; i++)
            log_raw("    left %#lx in %s: %s\n", (unsigned long)o->left[i].address,
                    o->left[i].func[0] ? o->left[i].func : "?",
                    patch_reason_text(o->left[i].reason));
    }
}

/* ---- Reading the file ------------------------------------------------------------------ */

/* Function discovery reads symbols and unwind entries a few bytes at a time: each read is
 * served from a window of the file read ahead, so that a library costs tens of host calls
 * (each an enclave exit under sgx-sim), not thousands. */
#define READ_WINDOW (64 * 1024UL)
#define READ_WINDOWS 4 /* symbols and their names, unwind tables and their index */
struct read_cache {
    int handle;
    uint8_t *buf; /* READ_WINDOWS windows of READ_WINDOW bytes */
    struct {
        uint64_t start, len; /* what the window holds */
        uint64_t used;       /* when it last served a read, for replacing the oldest */
    } w[READ_WINDOWS];
    uint64_t clock;
};

static int pread_all(int h, void *buf, size_t len, uint64_t offset) {
    size_t done = 0;
    while (done < len) {
        long r = pal_pread(h, (char *)buf + done, len - done, offset + done);
        if (r <= 0)
            return -1;
        done += (size_t)r;
    }
    return 0;
}

static int read_handle(void *ctx, uint64_t offset, void *buf, size_t len) {
    struct read_cache *c = ctx;
    if (!c->buf || len > READ_WINDOW / 2)
        return pread_all(c->handle, buf, len, offset);
    unsigned pick = 0;
    for (unsigned i = 0; i < READ_WINDOWS; i++) {
        if (offset >= c->w[i].start && offset + len <= c->w[i].start + c->w[i].len) {
            pick = i;
            goto hit;
        }
        if (c->w[i].used < c->w[pick].used)
            pick = i;
    }
    uint8_t *win = c->buf + pick * READ_WINDOW;
    c->w[pick].start = offset & ~(uint64_t)4095;
    c->w[pick].len = 0;
    long r;
    do {
        r = pal_pread(c->handle, win + c->w[pick].len, READ_WINDOW - c->w[pick].len,
                      c->w[pick].start + c->w[pick].len);
        if (r > 0)
            c->w[pick].len += (uint64_t)r;
    } while (r > 0 && c->w[pick].len < READ_WINDOW);
    if (r < 0 || offset + len > c->w[pick].start + c->w[pick].len) {
        c->w[pick].len = 0;
        return -1;
    }
hit:
    c->w[pick].used = ++c->clock;
    memcpy(buf, c->buf + pick * READ_WINDOW + (offset - c->w[pick].start), len);
    return 0;
}

/* The executable PT_LOAD that holds file offset `offset`; false if none. */
static bool exec_segment(const struct elf_reader *rd, uint64_t offset, Elf64_Phdr *out) {
    Elf64_Ehdr eh;
    if (rd->size < sizeof(eh) || rd->read(rd->ctx, 0, &eh, sizeof(eh)) < 0)
        return false;
    if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_phentsize != sizeof(Elf64_Phdr) ||
        eh.e_phnum > MAX_PHDRS || eh.e_phoff > rd->size ||
        eh.e_phnum * sizeof(Elf64_Phdr) > rd->size - eh.e_phoff)
        return false;
    Elf64_Phdr ph[MAX_PHDRS];
    if (rd->read(rd->ctx, eh.e_phoff, ph, eh.e_phnum * sizeof(Elf64_Phdr)) < 0)
        return false;
    for (int i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X) &&
            PAGE_DOWN(ph[i].p_offset) <= offset && offset < ph[i].p_offset + ph[i].p_filesz) {
            *out = ph[i];
            return true;
        }
    }
    return false;
}

static void describe_sources(const struct func_list *fl, char *out, size_t size) {
    size_t n = 0;
    out[0] = 0;
    for (int s = 0; s < FUNC_SOURCE_COUNT; s++) {
        if (fl->report[s].state != FUNC_STATE_USED)
            continue;
        int w = fmt_snprintf(out + n, size - n, "%s%s (%lu)", n ? ", " : "",
                             func_source_name(1u << s), (unsigned long)fl->report[s].count);
        if (w < 0 || (size_t)w >= size - n)
            break;
        n += (size_t)w;
    }
    if (!n)
        str_copy(out, "nowhere (no symbols, pclntab or eh_frame)", size);
}

/* The functions and the gaps between them, as one sorted list of ranges. */
static struct func_range *with_gaps(const struct func_list *fl, size_t *count) {
    struct func_range *out = rt_calloc(fl->count + fl->gap_count + 1, sizeof(*out));
    if (!out)
        return NULL;
    size_t i = 0, j = 0, n = 0;
    while (i < fl->count || j < fl->gap_count) {
        if (j == fl->gap_count || (i < fl->count && fl->funcs[i].start < fl->gaps[j].start)) {
            out[n++] = fl->funcs[i++];
        } else {
            out[n].start = fl->gaps[j].start;
            out[n++].end = fl->gaps[j++].end;
        }
    }
    *count = n;
    return out;
}

/* ---- Patching one mapping ------------------------------------------------------------- */

struct patch_job {
    const struct elf_reader *reader;
    struct func_list funcs;
    struct patch_site_list sites;
    uint64_t bias;   /* run-time address minus link-time address */
    uint64_t lo, hi; /* run-time code range being patched */
    struct patched_object *object;
};

static void record_left(struct patch_job *job, const struct patch_site *s) {
    struct patched_object *o = job->object;
    struct left_site *l = &o->left[o->left_count++];
    l->address = s->address + job->bias;
    l->reason = s->reason;
    str_copy(l->func, "code outside known functions", sizeof(l->func));
    const struct func_range *fr = func_find(&job->funcs, s->address);
    if (fr && func_name(job->reader, &job->funcs, fr, l->func, sizeof(l->func)) < 0)
        fmt_snprintf(l->func, sizeof(l->func), "function at %#lx",
                     (unsigned long)(fr->start + job->bias));
}

/* Every site that had a window stays on the kernel catch, for this reason. */
static void refuse_all(struct patch_site_list *sl, enum patch_reason reason) {
    for (size_t i = 0; i < sl->count; i++)
        if (sl->sites[i].reason == PATCH_OK)
            sl->sites[i].reason = (uint8_t)reason;
}

/* Trampolines for every site with a window, in one mapping near the code. */
static void apply(struct patch_job *job, int code_prot) {
    struct patch_site_list *sl = &job->sites;
    size_t candidates = 0;
    for (size_t i = 0; i < sl->count; i++)
        candidates += sl->sites[i].reason == PATCH_OK;
    if (!candidates)
        return;
    size_t area = PAGE_UP(candidates * TRAMPOLINE_MAX);
    /* Within +-2 GiB of the code (rel32 jumps both ways), with a margin for the
     * RIP-relative operands of displaced instructions. */
    struct live_window *live = rt_calloc(candidates, sizeof(*live));
    long base =
        live ? libos_mem_free_near(job->lo, job->hi, area, (1ULL << 31) - (64ULL << 20)) : -ENOMEM;
    if (base >= 0)
        base = libos_mem_map_app((uint64_t)base, area, PAL_PROT_READ | PAL_PROT_WRITE, 0, -1, 0,
                                 "[enclos trampolines]");
    if (base < 0) {
        rt_free(live);
        refuse_all(sl, PATCH_TRAMPOLINE);
        return;
    }
    if (pal_mem_protect((void *)PAGE_DOWN(job->lo), PAGE_UP(job->hi) - PAGE_DOWN(job->lo),
                        code_prot | PAL_PROT_WRITE) < 0) {
        refuse_all(sl, PATCH_UNWRITABLE);
        libos_mem_protect_app((uint64_t)base, area, 0); /* the app never sees it used */
        rt_free(live);
        return;
    }
    uint64_t next = (uint64_t)base;
    size_t n = 0;
    for (size_t i = 0; i < sl->count; i++) {
        struct patch_site *s = &sl->sites[i];
        if (s->reason != PATCH_OK)
            continue;
        uint64_t window = s->window.start + job->bias;
        uint8_t tramp[TRAMPOLINE_MAX], patch[PATCH_WINDOW_MAX];
        struct trampoline info;
        int tl = trampoline_build((const uint8_t *)window, &s->window, window, next,
                                  PAL_TCB_PATCHED_SYSCALL_ENTRY, tramp, &info);
        if (tl < 0 || trampoline_patch_bytes(&s->window, window, next, patch) < 0) {
            s->reason = PATCH_TRAMPOLINE;
            continue;
        }
        memcpy((void *)next, tramp, (size_t)tl);
        struct live_window *lw = &live[n++];
        lw->start = window;
        lw->tramp = next;
        lw->length = s->window.length;
        lw->count = s->window.insn_count;
        lw->tramp_length = (uint8_t)tl;
        memcpy(lw->window_offset, s->window.insn_offset, sizeof(lw->window_offset));
        memcpy(lw->tramp_offset, info.insn_offset, sizeof(lw->tramp_offset));
        memcpy((void *)window, patch, s->window.length);
        log_trace("patch window %#lx+%u syscall #%u of %u -> %#lx", (unsigned long)window,
                  s->window.length, s->window.syscall_index, s->window.insn_count,
                  (unsigned long)next);
        next += (uint64_t)tl;
    }
    pal_mem_protect((void *)PAGE_DOWN(job->lo), PAGE_UP(job->hi) - PAGE_DOWN(job->lo), code_prot);
    libos_mem_protect_app((uint64_t)base, area, PAL_PROT_READ | PAL_PROT_EXEC);
    publish_windows(live, n);
    rt_free(live);
}

static void patch_object(const struct elf_reader *rd, uint64_t addr, size_t len, int prot,
                         uint64_t offset, const char *name);

void libos_patch_mapping(uint64_t addr, size_t len, int prot, int handle, uint64_t offset,
                         const char *name) {
    if (!g_libos_config.syscall_patching || !(prot & PAL_PROT_EXEC) || handle < 0)
        return;
    struct stat st;
    if (pal_fstat(handle, &st) < 0)
        return;
    struct read_cache cache = {.handle = handle, .buf = rt_malloc(READ_WINDOWS * READ_WINDOW)};
    struct elf_reader reader = {&cache, read_handle, (uint64_t)st.st_size};
    patch_object(&reader, addr, len, prot, offset, name);
    rt_free(cache.buf);
}

/* Finds and patches the syscall sites of the code that [addr, addr + len) maps. */
static void patch_object(const struct elf_reader *rd, uint64_t addr, size_t len, int prot,
                         uint64_t offset, const char *name) {
    struct elf_reader reader = *rd;
    Elf64_Phdr ph;
    if (!exec_segment(&reader, offset, &ph))
        return; /* not ELF code (a JIT's file, say): the kernel catch covers it */
    /* Link-time address of the mapping's first byte, and the code range it holds. */
    uint64_t link = ph.p_vaddr - ph.p_offset + offset;
    uint64_t bias = addr - link;
    uint64_t lo = addr > ph.p_vaddr + bias ? addr : ph.p_vaddr + bias;
    uint64_t hi = ph.p_vaddr + ph.p_filesz + bias;
    if (hi > addr + len)
        hi = addr + len;
    if (lo >= hi)
        return;

    struct patch_job job = {.reader = &reader, .bias = bias, .lo = lo, .hi = hi};
    char err[128];
    if (func_discover(&reader, NULL, &job.funcs, err, sizeof(err)) < 0) {
        log_warning("syscall patching: %s: %s; its syscalls go through the kernel catch",
                    name ? name : "?", err);
        func_list_free(&job.funcs);
        return;
    }
    /* Code outside every known function (assembly without unwind tables, say) is
     * disassembled too, linearly from where the previous function ends, as objdump does. */
    size_t nranges = 0;
    struct func_range *ranges = with_gaps(&job.funcs, &nranges);
    int found = ranges ? patch_sites_find((const uint8_t *)lo, lo - bias, hi - lo, ranges, nranges,
                                          &job.sites)
                       : -1;
    rt_free(ranges);
    if (found < 0) {
        func_list_free(&job.funcs);
        return;
    }
    struct patched_object *o = rt_calloc(1, sizeof(*o));
    if (o)
        o->left = rt_calloc(job.sites.count ? job.sites.count : 1, sizeof(*o->left));
    if (!o || !o->left) {
        if (o)
            rt_free(o);
        patch_sites_free(&job.sites);
        func_list_free(&job.funcs);
        return;
    }
    const char *base = name ? strrchr(name, '/') : NULL;
    str_copy(o->name, base ? base + 1 : name ? name : "?", sizeof(o->name));
    job.object = o;
    apply(&job, prot & (PAL_PROT_READ | PAL_PROT_EXEC));
    o->found = job.sites.count;
    for (size_t i = 0; i < job.sites.count; i++) {
        if (job.sites.sites[i].reason == PATCH_OK)
            o->patched++;
        else
            record_left(&job, &job.sites.sites[i]);
    }
    o->code_bytes = job.funcs.code_bytes;
    o->gap_bytes = job.funcs.gap_bytes;
    describe_sources(&job.funcs, o->functions, sizeof(o->functions));
    log_debug("syscall patching: %s: %lu sites, %lu patched", o->name, (unsigned long)o->found,
              (unsigned long)o->patched);
    spin_lock(&g_lock);
    *g_objects_tail = o;
    g_objects_tail = &o->next;
    spin_unlock(&g_lock);
    patch_sites_free(&job.sites);
    func_list_free(&job.funcs);
}
