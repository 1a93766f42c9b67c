/* Syscall sites and their patch windows: see patch_sites.h. */
#include "common/patch_sites.h"
#include "common/alloc.h"
#include "common/string.h"
#include "common/x86_decode.h"

struct finder {
    const uint8_t *code;
    uint64_t address;
    size_t len;
    uint8_t *targets; /* one bit per code byte: some direct branch lands there */
    struct patch_site *sites;
    size_t count, cap;
};

static bool is_target(const struct finder *f, uint64_t addr) {
    uint64_t off = addr - f->address;
    return off < f->len && (f->targets[off / 8] & (1u << (off % 8)));
}

static void mark_target(struct finder *f, uint64_t addr) {
    uint64_t off = addr - f->address;
    if (off < f->len)
        f->targets[off / 8] |= (uint8_t)(1u << (off % 8));
}

static int add_site(struct finder *f, uint64_t addr, int kind, uint32_t func) {
    if (f->count == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        struct patch_site *grown = rt_malloc(cap * sizeof(*grown));
        if (!grown)
            return -1;
        if (f->count)
            memcpy(grown, f->sites, f->count * sizeof(*grown));
        rt_free(f->sites);
        f->sites = grown;
        f->cap = cap;
    }
    struct patch_site *s = &f->sites[f->count++];
    memset(s, 0, sizeof(*s));
    s->address = addr;
    s->kind = (uint8_t)kind;
    s->func = func;
    s->reason = kind == PATCH_SITE_SYSENTER ? PATCH_SYSENTER : PATCH_NO_WINDOW;
    return 0;
}

/* The part of a function inside the code region, as offsets; false if none. */
static bool clip(const struct finder *f, const struct func_range *fn, uint64_t *lo, uint64_t *hi) {
    uint64_t start = fn->start > f->address ? fn->start : f->address;
    uint64_t end = fn->end < f->address + f->len ? fn->end : f->address + f->len;
    if (start >= end)
        return false;
    *lo = start - f->address;
    *hi = end - f->address;
    return true;
}

/* Pass 1: every function's direct branch targets and syscall sites. */
static int scan_function(struct finder *f, const struct func_range *fn, uint32_t index,
                         size_t *decode_errors) {
    uint64_t off, end;
    if (!clip(f, fn, &off, &end))
        return 0;
    while (off < end) {
        struct x86_insn insn;
        int n = x86_decode(f->code + off, end - off, f->address + off, &insn);
        if (n < 0) {
            (*decode_errors)++;
            return 0;
        }
        if (insn.flags & X86_INSN_HAS_TARGET)
            mark_target(f, insn.target);
        if (insn.kind == X86_KIND_SYSCALL || insn.kind == X86_KIND_SYSENTER) {
            int kind = insn.kind == X86_KIND_SYSCALL ? PATCH_SITE_SYSCALL : PATCH_SITE_SYSENTER;
            if (add_site(f, f->address + off, kind, index) < 0)
                return -1;
        }
        off += (uint64_t)n;
    }
    return 0;
}

/* Instructions a trampoline can run elsewhere: no control flow, nothing whose meaning
 * depends on where it is beyond a RIP-relative operand (fixed up when copied). */
static bool replayable(const struct x86_insn *insn) {
    if (insn->flags & X86_INSN_BRANCH_OPSIZE16)
        return false;
    return insn->kind == X86_KIND_OTHER || insn->kind == X86_KIND_NOP ||
           insn->kind == X86_KIND_ENDBR;
}

struct neighbourhood {
    uint64_t start[2 * PATCH_WINDOW_INSNS + 2]; /* offsets of instruction starts */
    uint8_t length[2 * PATCH_WINDOW_INSNS + 2];
    bool ok[2 * PATCH_WINDOW_INSNS + 2]; /* replayable */
    int count, site;                     /* site: index of the syscall */
};

/* Pass 2 for one site: the instructions just before and after it in its function. */
static bool neighbourhood_of(const struct finder *f, const struct func_range *fn, uint64_t site,
                             struct neighbourhood *nb) {
    uint64_t off, end;
    if (!clip(f, fn, &off, &end))
        return false;
    uint64_t site_off = site - f->address;
    uint64_t ring_start[PATCH_WINDOW_INSNS];
    uint8_t ring_len[PATCH_WINDOW_INSNS];
    bool ring_ok[PATCH_WINDOW_INSNS];
    unsigned seen = 0;
    while (off < site_off) {
        struct x86_insn insn;
        int n = x86_decode(f->code + off, end - off, f->address + off, &insn);
        if (n < 0)
            return false;
        ring_start[seen % PATCH_WINDOW_INSNS] = off;
        ring_len[seen % PATCH_WINDOW_INSNS] = (uint8_t)n;
        ring_ok[seen % PATCH_WINDOW_INSNS] = replayable(&insn);
        seen++;
        off += (uint64_t)n;
    }
    if (off != site_off)
        return false; /* the site is not on this function's instruction boundaries */
    nb->count = 0;
    unsigned before = seen < PATCH_WINDOW_INSNS ? seen : PATCH_WINDOW_INSNS;
    for (unsigned i = seen - before; i < seen; i++) {
        nb->start[nb->count] = ring_start[i % PATCH_WINDOW_INSNS];
        nb->length[nb->count] = ring_len[i % PATCH_WINDOW_INSNS];
        nb->ok[nb->count] = ring_ok[i % PATCH_WINDOW_INSNS];
        nb->count++;
    }
    nb->site = nb->count;
    for (int i = 0; i <= PATCH_WINDOW_INSNS && off < end; i++) {
        struct x86_insn insn;
        int n = x86_decode(f->code + off, end - off, f->address + off, &insn);
        if (n < 0)
            break;
        nb->start[nb->count] = off;
        nb->length[nb->count] = (uint8_t)n;
        nb->ok[nb->count] = i > 0 && replayable(&insn);
        nb->count++;
        off += (uint64_t)n;
    }
    return true;
}

/* The best window of instructions [first, last] around the site; false if none. */
static bool choose_window(const struct finder *f, const struct neighbourhood *nb,
                          uint64_t not_before, struct patch_window *out) {
    int best_score = -1;
    for (int first = nb->site; first >= 0 && first > nb->site - PATCH_WINDOW_INSNS; first--) {
        if (first < nb->site && !nb->ok[first])
            break;
        if (nb->start[first] + f->address < not_before)
            break;
        for (int last = nb->site; last < nb->count && last - first < PATCH_WINDOW_INSNS; last++) {
            if (last > nb->site && !nb->ok[last])
                break;
            uint64_t start = nb->start[first];
            uint64_t length = nb->start[last] + nb->length[last] - start;
            if (length > PATCH_WINDOW_MAX)
                break;
            bool target_inside = false;
            int under_jmp = 0;
            for (int i = first + 1; i <= last; i++) {
                target_inside |= is_target(f, f->address + nb->start[i]);
                under_jmp += nb->start[i] - start < PATCH_JMP_LEN;
            }
            if (target_inside)
                break; /* a longer window keeps the target inside */
            if (length < PATCH_JMP_LEN)
                continue;
            int score = under_jmp * 256 + (int)length;
            if (best_score >= 0 && score >= best_score)
                continue;
            best_score = score;
            out->start = f->address + start;
            out->length = (uint8_t)length;
            out->syscall_index = (uint8_t)(nb->site - first);
            out->insn_count = (uint8_t)(last - first + 1);
            for (int i = first; i <= last; i++)
                out->insn_offset[i - first] = (uint8_t)(nb->start[i] - start);
            out->insn_offset[last - first + 1] = (uint8_t)length;
        }
    }
    return best_score >= 0;
}

static int compare_sites(const void *a, const void *b) {
    uint64_t x = ((const struct patch_site *)a)->address,
             y = ((const struct patch_site *)b)->address;
    return x < y ? -1 : x > y;
}

/* Sites come out of pass 1 in function order, which is address order for sorted functions;
 * an insertion sort keeps the rare exception cheap. */
static void sort_sites(struct patch_site *s, size_t n) {
    for (size_t i = 1; i < n; i++) {
        struct patch_site key = s[i];
        size_t j = i;
        while (j > 0 && compare_sites(&s[j - 1], &key) > 0) {
            s[j] = s[j - 1];
            j--;
        }
        s[j] = key;
    }
}

int patch_sites_find(const uint8_t *code, uint64_t address, size_t len,
                     const struct func_range *funcs, size_t nfuncs, struct patch_site_list *out) {
    memset(out, 0, sizeof(*out));
    struct finder f = {.code = code, .address = address, .len = len};
    f.targets = rt_calloc(len / 8 + 1, 1);
    if (!f.targets)
        return -1;
    for (size_t i = 0; i < nfuncs; i++) {
        if (scan_function(&f, &funcs[i], (uint32_t)i, &out->decode_errors) < 0) {
            rt_free(f.targets);
            rt_free(f.sites);
            return -1;
        }
    }
    for (size_t i = 0; i < len / 8 + 1; i++)
        out->branch_targets += (size_t)__builtin_popcount(f.targets[i]); /* no bit past len */
    sort_sites(f.sites, f.count);
    uint64_t free_from = 0; /* windows may not overlap */
    for (size_t i = 0; i < f.count; i++) {
        struct patch_site *s = &f.sites[i];
        if (s->kind != PATCH_SITE_SYSCALL)
            continue;
        struct neighbourhood nb;
        if (!neighbourhood_of(&f, &funcs[s->func], s->address, &nb))
            continue;
        /* The next site's window may not reach back over this one's syscall either. */
        if (choose_window(&f, &nb, free_from, &s->window)) {
            s->reason = PATCH_OK;
            free_from = s->window.start + s->window.length;
        }
    }
    rt_free(f.targets);
    out->sites = f.sites;
    out->count = f.count;
    return 0;
}

void patch_sites_free(struct patch_site_list *list) {
    rt_free(list->sites);
    memset(list, 0, sizeof(*list));
}

const char *patch_reason_text(unsigned reason) {
    static const char *const text[PATCH_REASON_COUNT] = {
        [PATCH_OK] = "patched",
        [PATCH_NO_WINDOW] = "no window: fewer than 5 bytes of replayable instructions "
                            "without a branch target around it",
        [PATCH_SYSENTER] = "sysenter (the 32-bit entry) is left to the kernel catch",
        [PATCH_TRAMPOLINE] = "a displaced instruction's RIP-relative operand is out of reach",
        [PATCH_UNWRITABLE] = "the code could not be made writable",
    };
    return reason < PATCH_REASON_COUNT && text[reason] ? text[reason] : "?";
}
