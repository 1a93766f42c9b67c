/* `enclos profile` (libos/profile.h): the figures the hooks collect, and the manifest
 * fragment printed from them at the app's end. The sizing rules are in docs/profile.md
 * ("Sizing rules"); the constants below are those rules. */
#include "libos/profile.h"
#include "libos/file_hash.h"
#include "libos/thread.h"
#include "libos/vma.h"
#include "libos/fs/vfs.h"
#include "common/alloc.h"
#include "common/fmt.h"
#include "common/log.h"
#include "common/sha256.h"
#include "common/spinlock.h"
#include "common/string.h"
#include "pal/pal.h"
#include <asm-generic/errno.h>
#include <asm/stat.h>
#include <linux/fcntl.h>
#include <linux/stat.h>

/* sgx.max_threads: the peak plus a quarter, never fewer than this. */
#define MIN_MAX_THREADS 4
#define THREAD_HEADROOM_PERCENT 25
/* What one thread slot takes in the enclave besides the app's memory (the LibOS and signal
 * stacks, the control block, TCS and SSA pages, guard pages): an allowance rounded up from
 * the sgx-sim PAL's slot, so that the LibOS need not know the PAL's layout. */
#define THREAD_SLOT_ALLOWANCE (512ULL << 10)
/* sgx.enclave_size: the next power of two at least twice what the run needed at once. */
#define ENCLAVE_HEADROOM_FACTOR 2
#define MIN_ENCLAVE_SIZE (64ULL << 20)
/* sgx.edmm_preheat_size: the peak committed memory rounded up to this. */
#define PREHEAT_GRANULE (16ULL << 20)

/* Files: at most this many are kept; the table is open addressing at most half full. */
#define MAX_FILES 4096
#define FILE_SLOTS (2 * MAX_FILES)
/* log_raw formats into a buffer of about 1000 bytes: longer text goes out in pieces. */
#define PRINT_CHUNK 512

/* ---- The profiled process ----------------------------------------------------------------- */

/* The process the profile belongs to: the first to reach a hook (the loader maps the program
 * before any fork). A forked child sees its own pid differ and leaves everything alone. */
static long g_profiled_pid;

static bool in_profiled_process(void) {
    long pid = libos_pid();
    long owner = 0;
    if (__atomic_compare_exchange_n(&g_profiled_pid, &owner, pid, false, __ATOMIC_RELAXED,
                                    __ATOMIC_RELAXED))
        return true;
    return owner == pid;
}

/* ---- Memory ------------------------------------------------------------------------------- */

/* Peaks in bytes. Written only under the VMA tree's lock (the hook's caller holds it), read
 * at exit without it. */
static uint64_t g_peak_reserved;  /* every app mapping, PROT_NONE reservations included */
static uint64_t g_peak_committed; /* private app mappings with some access */
static uint64_t g_peak_runtime;   /* the runtime's own mappings (image, heap, stacks) */

static void raise_peak(uint64_t *peak, uint64_t now) {
    if (now > __atomic_load_n(peak, __ATOMIC_RELAXED))
        __atomic_store_n(peak, now, __ATOMIC_RELAXED);
}

void libos_profile_memory_slow(const struct vma_tree *t) {
    if (!in_profiled_process())
        return;
    uint64_t reserved = 0, committed = 0, runtime = 0;
    for (const struct vma *v = vma_first(t); v; v = vma_next(v)) {
        uint64_t size = v->end - v->start;
        if (v->owner == VMA_OWNER_APP) {
            reserved += size;
            /* Shared mappings are host memory outside the enclave's pages; PROT_NONE ones
             * are reservations that take no page. */
            if (v->prot && !(v->flags & VMA_SHARED))
                committed += size;
        } else if (!(v->flags & VMA_APP_READABLE)) {
            runtime += size; /* the host's vDSO and vvar pages are not the runtime's */
        }
    }
    raise_peak(&g_peak_reserved, reserved);
    raise_peak(&g_peak_committed, committed);
    raise_peak(&g_peak_runtime, runtime);
}

/* ---- Files -------------------------------------------------------------------------------- */

struct profiled_file {
    bool written; /* opened for writing at least once: not a trusted file */
    bool program; /* mapped as a program or an interpreter */
    /* The file as first seen: another path to a file written (a link, a name it was
     * renamed to) is not a trusted file either. */
    uint64_t dev, ino;
    char *app_path; /* the path the app used: host_path itself, or the text after it */
    char host_path[];
};

static spinlock_t g_files_lock = SPINLOCK_INIT;

void libos_profile_fork_lock(void) {
    spin_lock(&g_files_lock);
}

void libos_profile_fork_unlock(void) {
    spin_unlock(&g_files_lock);
}
/* Under g_files_lock. g_file_slots (FILE_SLOTS, by host path) and g_file_order (MAX_FILES,
 * in the order first seen) are one allocation, made at the first file. */
static struct profiled_file **g_file_slots, **g_file_order;
static unsigned g_file_count;
static uint64_t g_opens_not_kept; /* opens of new files once MAX_FILES were kept */
static bool g_files_frozen;       /* the fragment is being printed */
static bool g_files_out_of_memory;

static uint64_t path_hash(const char *s) {
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
    return h;
}

/* The slot holding host_path, or the empty slot where it would go. Under the lock. */
static struct profiled_file **file_slot(const char *host_path) {
    uint64_t i = path_hash(host_path) & (FILE_SLOTS - 1);
    while (g_file_slots[i] && strcmp(g_file_slots[i]->host_path, host_path) != 0)
        i = (i + 1) & (FILE_SLOTS - 1);
    return &g_file_slots[i];
}

/* Marks a file already kept; false when it is not kept yet. Under the lock. */
static bool mark_known(const char *host_path, bool written, bool program) {
    struct profiled_file *f = *file_slot(host_path);
    if (!f)
        return false;
    f->written |= written;
    f->program |= program;
    return true;
}

static bool make_tables(void) {
    spin_lock(&g_files_lock);
    bool ready = g_file_slots != NULL;
    spin_unlock(&g_files_lock);
    if (ready)
        return true;
    /* Allocated without the lock held (the heap may map memory); a racing thread's table
     * wins and this one goes back. */
    struct profiled_file **tables = rt_calloc(FILE_SLOTS + MAX_FILES, sizeof(*tables));
    spin_lock(&g_files_lock);
    if (!g_file_slots && tables) {
        g_file_slots = tables;
        g_file_order = tables + FILE_SLOTS;
        tables = NULL;
    }
    ready = g_file_slots != NULL;
    if (!ready)
        g_files_out_of_memory = true;
    spin_unlock(&g_files_lock);
    rt_free(tables);
    return ready;
}

static void record_file(const char *app_path, const char *host_path, const struct stat *st,
                        bool written, bool program) {
    if (!make_tables())
        return;
    spin_lock(&g_files_lock);
    bool done = g_files_frozen || mark_known(host_path, written, program);
    spin_unlock(&g_files_lock);
    if (done)
        return;
    size_t host_len = strlen(host_path), app_len = strlen(app_path);
    bool same = !strcmp(app_path, host_path);
    struct profiled_file *fresh =
        rt_malloc(sizeof(*fresh) + host_len + 1 + (same ? 0 : app_len + 1));
    if (fresh) {
        fresh->written = written;
        fresh->program = program;
        fresh->dev = st->st_dev;
        fresh->ino = st->st_ino;
        memcpy(fresh->host_path, host_path, host_len + 1);
        fresh->app_path = fresh->host_path;
        if (!same) {
            fresh->app_path = fresh->host_path + host_len + 1;
            memcpy(fresh->app_path, app_path, app_len + 1);
        }
    }
    spin_lock(&g_files_lock);
    if (g_files_frozen || mark_known(host_path, written, program)) {
        /* another thread kept it meanwhile */
    } else if (!fresh) {
        g_files_out_of_memory = true;
    } else if (g_file_count >= MAX_FILES) {
        g_opens_not_kept++;
    } else {
        *file_slot(host_path) = fresh;
        g_file_order[g_file_count++] = fresh;
        fresh = NULL;
    }
    spin_unlock(&g_files_lock);
    rt_free(fresh);
}

/* Kernel-made content that no file holds. */
static bool is_pseudo_file(const char *host_path) {
    return str_starts_with(host_path, "/proc/") || str_starts_with(host_path, "/sys/") ||
           str_starts_with(host_path, "/dev/");
}

void libos_profile_file_opened_slow(const char *app_path, const char *host_path, int open_flags,
                                    int handle) {
    /* O_PATH opens no content; O_TMPFILE names a directory, not the file it makes. */
    if (!app_path || !host_path || handle < 0 || (open_flags & (O_PATH | __O_TMPFILE)) ||
        is_pseudo_file(host_path) || !in_profiled_process())
        return;
    struct stat st;
    if (pal_fstat(handle, &st) < 0 || !S_ISREG(st.st_mode))
        return;
    bool written = (open_flags & O_ACCMODE) != O_RDONLY || (open_flags & O_TRUNC);
    record_file(app_path, host_path, &st, written, false);
}

void libos_profile_file_mapped_slow(const char *app_path) {
    if (!app_path || !in_profiled_process())
        return;
    struct vfs_path *p = vfs_path_new();
    if (!p)
        return;
    struct stat st;
    if (vfs_resolve_kernel(AT_FDCWD, app_path, VFS_FOLLOW, p) == 0 && p->kind == VFS_HOST &&
        !is_pseudo_file(p->hpath) && pal_stat(p->hpath, &st, true) == 0)
        record_file(p->vpath, p->hpath, &st, false, true);
    vfs_path_free(p);
}

/* ---- Formatting --------------------------------------------------------------------------- */

/* "182.4 MiB": binary units, one decimal. */
static void format_bytes(uint64_t n, char *out, size_t cap) {
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
    unsigned u = 0;
    uint64_t scale = 1;
    while (u + 1 < sizeof(units) / sizeof(units[0]) && n / scale >= 1024) {
        scale *= 1024;
        u++;
    }
    if (!u) {
        fmt_snprintf(out, cap, "%lu bytes", (unsigned long)n);
        return;
    }
    uint64_t tenths = n / scale * 10 + ((n % scale) * 10 + scale / 2) / scale;
    fmt_snprintf(out, cap, "%lu.%lu %s", (unsigned long)(tenths / 10), (unsigned long)(tenths % 10),
                 units[u]);
}

/* A manifest size: "4G", "192M", with the largest unit that divides it. */
static void format_size_value(uint64_t n, char *out, size_t cap) {
    static const char units[] = "KMGT";
    int u = -1;
    while (u + 1 < 4 && n && n % (1ULL << (10 * (u + 2))) == 0)
        u++;
    if (u < 0)
        fmt_snprintf(out, cap, "%lu", (unsigned long)n);
    else
        fmt_snprintf(out, cap, "%lu%c", (unsigned long)(n >> (10 * (u + 1))), units[u]);
}

static uint64_t next_power_of_two(uint64_t n) {
    uint64_t p = 1;
    while (p < n && p < (1ULL << 63))
        p <<= 1;
    return p;
}

static uint64_t round_up(uint64_t n, uint64_t granule) {
    return (n + granule - 1) / granule * granule;
}

/* The length of the UTF-8 sequence at s (1 to 4), or 0 when it is not one (overlong forms,
 * surrogates and values beyond U+10FFFF included). */
static size_t utf8_sequence(const uint8_t *s) {
    uint8_t c = s[0];
    if (c < 0x80)
        return 1;
    size_t len = c >= 0xc2 && c <= 0xdf   ? 2
                 : c >= 0xe0 && c <= 0xef ? 3
                 : c >= 0xf0 && c <= 0xf4 ? 4
                                          : 0;
    if (!len)
        return 0;
    uint8_t lo = 0x80, hi = 0xbf; /* the second byte's range */
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return len;
}

/* path as the inside of a TOML basic string: quotes, backslashes and control characters
 * escaped. Bytes that are not UTF-8 (which no TOML text may hold) become \xNN, which is
 * right in a comment only: *utf8 says whether there were none. The result is rt_malloc'd
 * (NULL when out of memory). */
static char *escape_path(const char *path, bool *utf8) {
    size_t len = strlen(path);
    char *out = rt_malloc(len * 6 + 1);
    if (!out)
        return NULL;
    *utf8 = true;
    size_t n = 0;
    const uint8_t *s = (const uint8_t *)path;
    while (*s) {
        size_t seq = utf8_sequence(s);
        if (*s == '"' || *s == '\\') {
            out[n++] = '\\';
            out[n++] = (char)*s++;
        } else if (*s < 0x20 || *s == 0x7f) {
            n += (size_t)fmt_snprintf(out + n, 7, "\\u%04x", *s++);
        } else if (!seq) {
            n += (size_t)fmt_snprintf(out + n, 5, "\\x%02x", *s++);
            *utf8 = false;
        } else {
            memcpy(out + n, s, seq);
            n += seq;
            s += seq;
        }
    }
    out[n] = 0;
    return out;
}

/* Text of any length on the log channel. */
static void print_text(const char *text) {
    size_t len = strlen(text);
    for (size_t at = 0; at < len; at += PRINT_CHUNK) {
        size_t piece = len - at < PRINT_CHUNK ? len - at : PRINT_CHUNK;
        log_raw("%.*s", (int)piece, text + at);
    }
}

/* ---- The fragment ------------------------------------------------------------------------- */

static void print_header(int exit_status, int signal) {
    const char *program = NULL;
    for (unsigned i = 0; i < g_file_count && !program; i++)
        if (g_file_order[i]->program)
            program = g_file_order[i]->app_path;
    bool utf8;
    char *shown = escape_path(program ? program : "?", &utf8);
    print_text("# enclos profile of ");
    print_text(shown ? shown : "?");
    rt_free(shown);
    if (signal)
        log_raw(" (killed by signal %d)\n", signal);
    else
        log_raw(" (exit status %d)\n", exit_status);
    log_raw("# A manifest fragment sized from this run; the figures behind each value are in\n"
            "# its comments, the rules in docs/profile.md. Put it before the manifest's first\n"
            "# [table] header. Forked child processes are not part of it.\n");
}

static unsigned print_threads(void) {
    unsigned peak = libos_thread_peak();
    unsigned threads = (unsigned)(((uint64_t)peak * (100 + THREAD_HEADROOM_PERCENT) + 99) / 100);
    if (threads < MIN_MAX_THREADS)
        threads = MIN_MAX_THREADS;
    log_raw("# peak threads %u (+%d%% headroom, at least %d)\n", peak, THREAD_HEADROOM_PERCENT,
            MIN_MAX_THREADS);
    log_raw("sgx.max_threads = %u\n", threads);
    return threads;
}

static void print_memory(unsigned threads) {
    uint64_t reserved = __atomic_load_n(&g_peak_reserved, __ATOMIC_RELAXED);
    uint64_t committed = __atomic_load_n(&g_peak_committed, __ATOMIC_RELAXED);
    uint64_t runtime = __atomic_load_n(&g_peak_runtime, __ATOMIC_RELAXED);
    uint64_t slots = threads * THREAD_SLOT_ALLOWANCE;
    uint64_t enclave = next_power_of_two(ENCLAVE_HEADROOM_FACTOR * (reserved + runtime + slots));
    if (enclave < MIN_ENCLAVE_SIZE)
        enclave = MIN_ENCLAVE_SIZE;
    uint64_t preheat = round_up(committed, PREHEAT_GRANULE);
    char a[32], b[32], c[32], d[32], value[32];
    format_bytes(committed, a, sizeof(a));
    format_bytes(reserved, b, sizeof(b));
    format_bytes(runtime, c, sizeof(c));
    format_bytes(THREAD_SLOT_ALLOWANCE, d, sizeof(d));
    log_raw("# peak committed memory %s (private app mappings with some access, at once)\n", a);
    log_raw("# peak reserved address space %s (every app mapping, PROT_NONE ones included)\n", b);
    log_raw("# runtime %s (its image, heap and stacks) + %u thread slots of %s\n", c, threads, d);
    format_size_value(enclave, value, sizeof(value));
    format_size_value(MIN_ENCLAVE_SIZE, a, sizeof(a));
    log_raw("sgx.enclave_size = \"%s\"  # next power of two >= %dx (reserved + runtime + slots), "
            "at least %s\n",
            value, ENCLAVE_HEADROOM_FACTOR, a);
    format_size_value(preheat, value, sizeof(value));
    format_size_value(PREHEAT_GRANULE, a, sizeof(a));
    log_raw("sgx.edmm_preheat_size = \"%s\"  # peak committed rounded up to %s (used with "
            "sgx.edmm_enable = true)\n",
            value, a);
}

/* One trusted file: its entry, or a comment saying why it cannot be one. */
static void print_trusted_file(const struct profiled_file *f) {
    bool host_utf8, app_utf8 = true;
    char *host = escape_path(f->host_path, &host_utf8);
    char *app = f->app_path != f->host_path ? escape_path(f->app_path, &app_utf8) : NULL;
    char hex[65], size_text[32];
    uint64_t size = 0;
    const char *why =
        host_utf8 ? libos_hash_host_file(f->host_path, hex, &size) : "its path is not UTF-8";
    if (!host) {
        log_raw("  # a file not listed: out of memory\n");
    } else if (why) {
        print_text("  # not listed: ");
        print_text(host);
        log_raw(" (%s)\n", why);
    } else {
        format_bytes(size, size_text, sizeof(size_text));
        print_text("  \"file:");
        print_text(host);
        log_raw("\",  # sha256 %s, %s%s", hex, size_text,
                f->program ? ", loaded as a program" : "");
        if (app) {
            print_text(", seen by the app as ");
            print_text(app);
        }
        log_raw("\n");
    }
    rt_free(host);
    rt_free(app);
}

/* Files reached through another path that was opened for writing become written too. */
static void spread_written(void) {
    for (unsigned i = 0; i < g_file_count; i++) {
        struct profiled_file *w = g_file_order[i];
        if (!w->written)
            continue;
        for (unsigned j = 0; j < g_file_count; j++) {
            struct profiled_file *r = g_file_order[j];
            if (!r->written && r->dev == w->dev && r->ino == w->ino)
                r->written = true;
        }
    }
}

static void print_files(void) {
    spread_written();
    unsigned read_only = 0, written = 0;
    for (unsigned i = 0; i < g_file_count; i++) {
        if (g_file_order[i]->written)
            written++;
        else
            read_only++;
    }
    log_raw("# files the app read: %u (regular files, as trusted files with their SHA-256 at the "
            "end of the run)\n",
            read_only);
    if (g_opens_not_kept)
        log_raw("# %lu more opens of files not kept: this list holds at most %d files\n",
                (unsigned long)g_opens_not_kept, MAX_FILES);
    if (g_files_out_of_memory)
        log_raw("# some files are missing: the runtime ran out of memory for the list\n");
    log_raw("sgx.trusted_files = [\n");
    for (unsigned i = 0; i < g_file_count; i++)
        if (!g_file_order[i]->written)
            print_trusted_file(g_file_order[i]);
    log_raw("]\n");
    if (!written)
        return;
    log_raw("# files the app opened for writing: %u (not trusted files: their content changes; "
            "give them a mount)\n",
            written);
    for (unsigned i = 0; i < g_file_count; i++) {
        if (!g_file_order[i]->written)
            continue;
        bool utf8;
        char *shown = escape_path(g_file_order[i]->app_path, &utf8);
        print_text("#   ");
        print_text(shown ? shown : "(out of memory)");
        log_raw("\n");
        rt_free(shown);
    }
}

void libos_profile_print(int exit_status, int signal) {
    static bool printed;
    if (!in_profiled_process() || __atomic_exchange_n(&printed, true, __ATOMIC_RELAXED))
        return;
    /* Threads still running may open files: the list stays as it is from here on. */
    spin_lock(&g_files_lock);
    g_files_frozen = true;
    spin_unlock(&g_files_lock);
    print_header(exit_status, signal);
    unsigned threads = print_threads();
    print_memory(threads);
    print_files();
}
