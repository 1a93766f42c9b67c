/* unit-sources: libos/vma.c libos/proc_maps.c libos/uaccess.c common/avltree.c common/fmt.c
 * common/spinlock.c */
/* The VMA tree: inserts that split and merge, MAP_FIXED replacement, protection changes that
 * report exactly the pages that change (and nothing for a no-op mprotect), the gap search,
 * /proc/self/maps lines, and long random operation sequences checked page by page against
 * a plain array model. */
#include "libos/vma.h"
#include "libos/proc_maps.h"
#include "libos/uaccess.h"
#include "libos/thread.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <asm/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "tests/unit/check.h"

#define PAGE VMA_PAGE_SIZE
#define RW (VMA_PROT_READ | VMA_PROT_WRITE)
#define RO VMA_PROT_READ
#define RX (VMA_PROT_READ | VMA_PROT_EXEC)

/* ---- Node source over malloc, with an optional failure after N chunks -------------------- */

static int chunks_left = -1; /* -1: unlimited */
static int chunks_mapped;

static void *test_map(void *arg, size_t len) {
    if (chunks_left == 0)
        return NULL;
    if (chunks_left > 0)
        chunks_left--;
    chunks_mapped++;
    return aligned_alloc(PAGE, len);
}

static void test_unmap(void *arg, void *addr, size_t len) {
    free(addr);
}

static const struct vma_node_source test_source = {test_map, test_unmap, NULL, false};

/* The tree uaccess checks against (libos_vma_tree). */
struct vma_tree g_vmas;

/* uaccess keeps the VMAs it found in the thread's control block, found through %gs as in
 * the runtime: this test is one thread, and %gs points at a block of its own. */
static struct pal_tcb g_tcb = {.self = &g_tcb};

static void tree_init(struct vma_tree *t) {
    vma_tree_init(t, &test_source);
}

/* ---- Recording changed ranges ------------------------------------------------------------ */

struct change {
    uint64_t start, end;
    int old_prot;
};

struct changes {
    int n;
    struct change c[512];
};

static void record_change(void *arg, uint64_t start, uint64_t end, int old_prot) {
    struct changes *ch = arg;
    if (ch->n < 512)
        ch->c[ch->n] = (struct change){start, end, old_prot};
    ch->n++;
}

static const struct vma_attrs anon_rw = {.prot = RW, .flags = VMA_ANONYMOUS};

static struct vma_attrs attrs(int prot, int flags, struct vma_file *file, uint64_t offset,
                              const char *name) {
    return (struct vma_attrs){.prot = prot,
                              .flags = flags,
                              .owner = VMA_OWNER_APP,
                              .file = file,
                              .offset = offset,
                              .name = name};
}

struct range {
    uint64_t start, end;
    int prot;
};

#define LAYOUT(...)                                                                                \
    (const struct range[]){__VA_ARGS__},                                                           \
        (int)(sizeof((const struct range[]){__VA_ARGS__}) / sizeof(struct range))

/* Checks the tree is exactly the listed ranges. */
static void expect_layout(struct vma_tree *t, const char *what, const struct range *want, int n) {
    int i = 0;
    bool same = vma_verify(t);
    CHECK(same, "%s: tree invariants", what);
    for (struct vma *v = vma_first(t); v; v = vma_next(v), i++) {
        if (i >= n || v->start != want[i].start || v->end != want[i].end ||
            v->prot != want[i].prot) {
            CHECK(0, "%s: VMA %d is %#lx-%#lx prot %d", what, i, (unsigned long)v->start,
                  (unsigned long)v->end, v->prot);
            return;
        }
    }
    CHECK(i == n, "%s: %d VMAs, expected %d", what, i, n);
}

/* ---- Fixed cases -------------------------------------------------------------------------- */

static void test_insert_split_merge(void) {
    struct vma_tree t;
    tree_init(&t);
    vma_lock(&t);
    const uint64_t b = 0x10000000;
    CHECK(vma_insert(&t, b, b + 4 * PAGE, &anon_rw) == 0, "insert");
    CHECK(vma_insert(&t, b + 4 * PAGE, b + 8 * PAGE, &anon_rw) == 0, "insert adjacent");
    expect_layout(&t, "adjacent equal mappings merge", LAYOUT({b, b + 8 * PAGE, RW}));
    CHECK(vma_insert(&t, b - 2 * PAGE, b, &anon_rw) == 0, "insert adjacent below");
    expect_layout(&t, "merge below too", LAYOUT({b - 2 * PAGE, b + 8 * PAGE, RW}));

    struct vma_attrs ro = attrs(RO, VMA_ANONYMOUS, NULL, 0, NULL);
    CHECK(vma_insert(&t, b + 2 * PAGE, b + 3 * PAGE, &ro) == 0, "insert in the middle");
    expect_layout(&t, "MAP_FIXED in the middle splits in three",
                  LAYOUT({b - 2 * PAGE, b + 2 * PAGE, RW}, {b + 2 * PAGE, b + 3 * PAGE, RO},
                         {b + 3 * PAGE, b + 8 * PAGE, RW}));
    CHECK(vma_count(&t) == 3, "count is 3");
    CHECK(vma_insert(&t, b + 2 * PAGE, b + 3 * PAGE, &anon_rw) == 0, "insert back");
    expect_layout(&t, "replacing with equal attributes merges back",
                  LAYOUT({b - 2 * PAGE, b + 8 * PAGE, RW}));

    /* A replacement spanning several VMAs and holes. */
    CHECK(vma_insert(&t, b + 20 * PAGE, b + 22 * PAGE, &ro) == 0, "insert far");
    struct vma_attrs rx = attrs(RX, VMA_ANONYMOUS, NULL, 0, NULL);
    CHECK(vma_insert(&t, b + 6 * PAGE, b + 21 * PAGE, &rx) == 0, "insert across a hole");
    expect_layout(&t, "replacement across a hole",
                  LAYOUT({b - 2 * PAGE, b + 6 * PAGE, RW}, {b + 6 * PAGE, b + 21 * PAGE, RX},
                         {b + 21 * PAGE, b + 22 * PAGE, RO}));

    /* Names and owners keep equal-protection neighbours apart. */
    struct vma_attrs heap = attrs(RW, VMA_ANONYMOUS, NULL, 0, "[heap]");
    CHECK(vma_insert(&t, b + 22 * PAGE, b + 23 * PAGE, &heap) == 0, "insert heap");
    struct vma_attrs heap2 = heap;
    heap2.name = strdup("[heap]"); /* an equal name at another address still merges */
    CHECK(vma_insert(&t, b + 23 * PAGE, b + 24 * PAGE, &heap2) == 0, "insert heap 2");
    struct vma_attrs runtime = anon_rw;
    runtime.owner = VMA_OWNER_RUNTIME;
    CHECK(vma_insert(&t, b + 24 * PAGE, b + 25 * PAGE, &runtime) == 0, "insert runtime");
    CHECK(vma_insert(&t, b + 25 * PAGE, b + 26 * PAGE, &anon_rw) == 0, "insert app");
    expect_layout(&t, "names and owners",
                  LAYOUT({b - 2 * PAGE, b + 6 * PAGE, RW}, {b + 6 * PAGE, b + 21 * PAGE, RX},
                         {b + 21 * PAGE, b + 22 * PAGE, RO}, {b + 22 * PAGE, b + 24 * PAGE, RW},
                         {b + 24 * PAGE, b + 25 * PAGE, RW}, {b + 25 * PAGE, b + 26 * PAGE, RW}));
    CHECK(vma_find(&t, b + 23 * PAGE) && !strcmp(vma_find(&t, b + 23 * PAGE)->name, "[heap]"),
          "heap VMA keeps its name");
    vma_unlock(&t);
    vma_tree_destroy(&t);
    free((char *)heap2.name);
}

static void test_files(void) {
    struct vma_tree t;
    tree_init(&t);
    struct vma_file *a = vma_file_new("/bin/a", 0xfe00, 11);
    struct vma_file *a_again = vma_file_new("/bin/a", 0xfe00, 11);
    struct vma_file *b = vma_file_new("/bin/b", 0xfe00, 12);
    vma_lock(&t);
    const uint64_t base = 0x400000;
    struct vma_attrs fa = attrs(RO, 0, a, 0, NULL);
    CHECK(vma_insert(&t, base, base + 2 * PAGE, &fa) == 0, "map file a");
    CHECK(a->refcount == 2, "the VMA holds a reference (%d)", a->refcount);
    struct vma_attrs fa2 = attrs(RO, 0, a_again, 2 * PAGE, NULL);
    CHECK(vma_insert(&t, base + 2 * PAGE, base + 3 * PAGE, &fa2) == 0, "map file a again");
    expect_layout(&t, "contiguous offsets of one file merge", LAYOUT({base, base + 3 * PAGE, RO}));
    struct vma_attrs gap = attrs(RO, 0, a, 9 * PAGE, NULL);
    CHECK(vma_insert(&t, base + 3 * PAGE, base + 4 * PAGE, &gap) == 0, "map a at offset 9");
    struct vma_attrs fb = attrs(RO, 0, b, 4 * PAGE, NULL);
    CHECK(vma_insert(&t, base + 4 * PAGE, base + 5 * PAGE, &fb) == 0, "map file b");
    expect_layout(&t, "offsets apart and other files do not merge",
                  LAYOUT({base, base + 3 * PAGE, RO}, {base + 3 * PAGE, base + 4 * PAGE, RO},
                         {base + 4 * PAGE, base + 5 * PAGE, RO}));

    /* A protection change in the middle splits and keeps each piece's offset. */
    struct changes ch = {0};
    CHECK(vma_protect(&t, base + PAGE, base + 2 * PAGE, RW, VMA_OWNER_APP, record_change, &ch) == 0,
          "mprotect a file page");
    struct vma *mid = vma_find(&t, base + PAGE), *right = vma_find(&t, base + 2 * PAGE);
    CHECK(mid && mid->offset == PAGE && mid->file && !strcmp(mid->file->path, "/bin/a"),
          "middle piece has offset one page");
    CHECK(right && right->offset == 2 * PAGE, "right piece has offset two pages");
    CHECK(ch.n == 1 && ch.c[0].start == base + PAGE && ch.c[0].old_prot == RO,
          "one change reported");
    ch.n = 0;
    CHECK(vma_protect(&t, base, base + 3 * PAGE, RO, VMA_OWNER_APP, record_change, &ch) == 0,
          "mprotect back");
    CHECK(ch.n == 1 && ch.c[0].start == base + PAGE && ch.c[0].end == base + 2 * PAGE,
          "only the changed page is reported");
    CHECK(vma_find(&t, base)->end == base + 3 * PAGE, "pieces merged back");

    /* Removing part of a file mapping keeps the offsets of what stays. */
    CHECK(vma_remove(&t, base, base + PAGE, NULL, NULL) == 0, "unmap the first page");
    CHECK(vma_find(&t, base + PAGE)->offset == PAGE, "offset of the remaining piece");
    vma_unlock(&t);
    vma_tree_destroy(&t);
    CHECK(a->refcount == 1 && b->refcount == 1 && a_again->refcount == 1,
          "destroy drops every reference (%d %d %d)", a->refcount, b->refcount, a_again->refcount);
    vma_file_put(a);
    vma_file_put(a_again);
    vma_file_put(b);
}

static void test_protect(void) {
    struct vma_tree t;
    tree_init(&t);
    vma_lock(&t);
    const uint64_t b = 0x20000000;
    const int n = 64;
    CHECK(vma_insert(&t, b, b + n * PAGE, &anon_rw) == 0, "map 64 pages");

    /* The workload behind the no-op rule: mmap RW, then mprotect RW page by page. */
    struct changes ch = {0};
    for (int i = 0; i < n; i++)
        CHECK(vma_protect(&t, b + i * PAGE, b + (i + 1) * PAGE, RW, VMA_OWNER_APP, record_change,
                          &ch) == 0,
              "mprotect page %d", i);
    CHECK(ch.n == 0, "a no-op mprotect reports no change (%d reported)", ch.n);
    expect_layout(&t, "no-op mprotects leave one VMA", LAYOUT({b, b + n * PAGE, RW}));

    CHECK(vma_protect(&t, b + 3 * PAGE, b + 5 * PAGE, RO, VMA_OWNER_APP, record_change, &ch) == 0,
          "mprotect 2 pages RO");
    CHECK(ch.n == 1 && ch.c[0].start == b + 3 * PAGE && ch.c[0].end == b + 5 * PAGE &&
              ch.c[0].old_prot == RW,
          "exactly the two pages reported");
    ch.n = 0;
    /* Over a range partly RO already: only the RW pages change. */
    CHECK(vma_protect(&t, b + 2 * PAGE, b + 6 * PAGE, RO, VMA_OWNER_APP, record_change, &ch) == 0,
          "mprotect a wider range RO");
    CHECK(ch.n == 2 && ch.c[0].start == b + 2 * PAGE && ch.c[0].end == b + 3 * PAGE &&
              ch.c[1].start == b + 5 * PAGE && ch.c[1].end == b + 6 * PAGE,
          "only the pages that were RW are reported (%d)", ch.n);
    expect_layout(&t, "RO hole in RW",
                  LAYOUT({b, b + 2 * PAGE, RW}, {b + 2 * PAGE, b + 6 * PAGE, RO},
                         {b + 6 * PAGE, b + n * PAGE, RW}));
    ch.n = 0;
    CHECK(vma_protect(&t, b, b + n * PAGE, 0, VMA_OWNER_APP, record_change, &ch) == 0,
          "mprotect all PROT_NONE");
    CHECK(ch.n == 3, "three pieces change (%d)", ch.n);
    expect_layout(&t, "all PROT_NONE merges", LAYOUT({b, b + n * PAGE, 0}));

    /* Over a hole: fails, changes nothing, reports nothing. */
    CHECK(vma_remove(&t, b + 10 * PAGE, b + 11 * PAGE, NULL, NULL) == 0, "punch a hole");
    ch.n = 0;
    CHECK(vma_protect(&t, b + 8 * PAGE, b + 12 * PAGE, RW, VMA_OWNER_APP, record_change, &ch) ==
              -ENOMEM,
          "mprotect over a hole is ENOMEM");
    CHECK(ch.n == 0, "nothing reported");
    expect_layout(&t, "mprotect over a hole changes nothing",
                  LAYOUT({b, b + 10 * PAGE, 0}, {b + 11 * PAGE, b + n * PAGE, 0}));
    CHECK(vma_protect(&t, b + 10 * PAGE, b + 11 * PAGE, RW, VMA_OWNER_APP, NULL, NULL) == -ENOMEM,
          "mprotect of an unmapped page");
    CHECK(vma_protect(&t, b - PAGE, b + PAGE, RW, VMA_OWNER_APP, NULL, NULL) == -ENOMEM,
          "mprotect starting before the mapping");
    CHECK(vma_protect(&t, b + (n - 1) * PAGE, b + (n + 1) * PAGE, RW, VMA_OWNER_APP, NULL, NULL) ==
              -ENOMEM,
          "mprotect ending after the mapping");

    /* Another owner's memory counts as unmapped. */
    struct vma_attrs runtime = anon_rw;
    runtime.owner = VMA_OWNER_RUNTIME;
    CHECK(vma_insert(&t, b + n * PAGE, b + (n + 1) * PAGE, &runtime) == 0, "runtime page");
    CHECK(vma_protect(&t, b + (n - 1) * PAGE, b + (n + 1) * PAGE, RW, VMA_OWNER_APP, NULL, NULL) ==
              -ENOMEM,
          "app mprotect over runtime memory");
    CHECK(vma_find(&t, b + (n - 1) * PAGE)->prot == 0, "app page unchanged");

    /* A shared mapping of a read-only file cannot become writable. */
    struct vma_file *f = vma_file_new("/ro", 1, 2);
    struct vma_attrs shared_ro = attrs(RO, VMA_SHARED | VMA_NO_MAYWRITE, f, 0, NULL);
    const uint64_t s = 0x30000000;
    CHECK(vma_insert(&t, s, s + 2 * PAGE, &shared_ro) == 0, "shared read-only file");
    CHECK(vma_insert(&t, s - PAGE, s, &anon_rw) == 0, "anon page before it");
    CHECK(vma_protect(&t, s - PAGE, s + 2 * PAGE, RW, VMA_OWNER_APP, NULL, NULL) == -EACCES,
          "PROT_WRITE on it is EACCES");
    CHECK(vma_find(&t, s - PAGE)->prot == RW && vma_find(&t, s)->prot == RO, "nothing changed");
    CHECK(vma_protect(&t, s, s + 2 * PAGE, RX, VMA_OWNER_APP, NULL, NULL) == 0,
          "other protections are fine");
    /* The first problem in address order decides. */
    CHECK(vma_protect(&t, s - 2 * PAGE, s + 2 * PAGE, RW, VMA_OWNER_APP, NULL, NULL) == -ENOMEM,
          "hole before the read-only file: ENOMEM");
    CHECK(vma_remove(&t, s + PAGE, s + 2 * PAGE, NULL, NULL) == 0, "unmap its second page");
    CHECK(vma_protect(&t, s, s + 2 * PAGE, RW, VMA_OWNER_APP, NULL, NULL) == -EACCES,
          "read-only file before a hole: EACCES");
    vma_unlock(&t);
    vma_tree_destroy(&t);
    vma_file_put(f);
}

static void test_remove(void) {
    struct vma_tree t;
    tree_init(&t);
    vma_lock(&t);
    const uint64_t b = 0x50000000;
    CHECK(vma_insert(&t, b, b + 10 * PAGE, &anon_rw) == 0, "map");
    struct changes ch = {0};
    CHECK(vma_remove(&t, b + 3 * PAGE, b + 5 * PAGE, record_change, &ch) == 0, "unmap middle");
    CHECK(ch.n == 1 && ch.c[0].start == b + 3 * PAGE && ch.c[0].end == b + 5 * PAGE,
          "the removed middle is reported");
    expect_layout(&t, "remove splits",
                  LAYOUT({b, b + 3 * PAGE, RW}, {b + 5 * PAGE, b + 10 * PAGE, RW}));
    ch.n = 0;
    CHECK(vma_remove(&t, b + 3 * PAGE, b + 5 * PAGE, record_change, &ch) == 0, "unmap it again");
    CHECK(ch.n == 0, "unmapping a hole reports nothing");
    ch.n = 0;
    CHECK(vma_remove(&t, b + 2 * PAGE, b + 6 * PAGE, record_change, &ch) == 0,
          "unmap across the hole");
    CHECK(ch.n == 2 && ch.c[0].start == b + 2 * PAGE && ch.c[0].end == b + 3 * PAGE &&
              ch.c[1].start == b + 5 * PAGE && ch.c[1].end == b + 6 * PAGE,
          "only mapped pieces are reported");
    CHECK(vma_remove(&t, 0, UINT64_MAX & ~(PAGE - 1), NULL, NULL) == 0, "unmap everything");
    CHECK(vma_count(&t) == 0 && vma_first(&t) == NULL, "tree empty");
    vma_unlock(&t);
    vma_tree_destroy(&t);
}

static void test_queries(void) {
    struct vma_tree t;
    tree_init(&t);
    vma_lock(&t);
    const uint64_t b = 0x60000000;
    CHECK(vma_insert(&t, b, b + 2 * PAGE, &anon_rw) == 0, "map rw");
    struct vma_attrs ro = attrs(RO, VMA_ANONYMOUS, NULL, 0, NULL);
    CHECK(vma_insert(&t, b + 2 * PAGE, b + 3 * PAGE, &ro) == 0, "map ro");
    CHECK(vma_insert(&t, b + 4 * PAGE, b + 5 * PAGE, &anon_rw) == 0, "map after a hole");
    struct vma_attrs vdso = attrs(RX, VMA_APP_READABLE, NULL, 0, "[vdso]");
    vdso.owner = VMA_OWNER_RUNTIME;
    CHECK(vma_insert(&t, b + 8 * PAGE, b + 9 * PAGE, &vdso) == 0, "map vdso");
    struct vma_attrs runtime = anon_rw;
    runtime.owner = VMA_OWNER_RUNTIME;
    CHECK(vma_insert(&t, b + 9 * PAGE, b + 10 * PAGE, &runtime) == 0, "map runtime");

    CHECK(!vma_find(&t, b - 1), "find below");
    CHECK(vma_find(&t, b) && vma_find(&t, b)->start == b, "find at start");
    CHECK(vma_find(&t, b + 2 * PAGE - 1)->end == b + 2 * PAGE, "find at last byte");
    CHECK(!vma_find(&t, b + 3 * PAGE), "find in the hole");
    CHECK(vma_first_from(&t, b + 3 * PAGE)->start == b + 4 * PAGE, "first_from in the hole");
    CHECK(vma_first_from(&t, 0)->start == b, "first_from 0");
    CHECK(!vma_first_from(&t, b + 10 * PAGE), "first_from past the end");

    CHECK(vma_range_free(&t, b + 3 * PAGE, b + 4 * PAGE), "the hole is free");
    CHECK(!vma_range_free(&t, b + 3 * PAGE, b + 4 * PAGE + 1), "one byte more is not");
    CHECK(vma_range_free(&t, b + 10 * PAGE, b + 100 * PAGE), "above everything is free");
    CHECK(vma_range_owned_by(&t, b, b + 8 * PAGE, VMA_OWNER_APP), "app range with a hole");
    CHECK(!vma_range_owned_by(&t, b, b + 9 * PAGE, VMA_OWNER_APP), "reaching the vdso");

    CHECK(vma_range_accessible(&t, b, b + 3 * PAGE, VMA_PROT_READ), "readable across VMAs");
    CHECK(!vma_range_accessible(&t, b, b + 3 * PAGE, VMA_PROT_WRITE), "not writable at the end");
    CHECK(vma_range_accessible(&t, b, b + 2 * PAGE, VMA_PROT_WRITE), "writable part");
    CHECK(!vma_range_accessible(&t, b, b + 5 * PAGE, VMA_PROT_READ), "hole makes it fail");
    CHECK(vma_range_accessible(&t, b + 8 * PAGE, b + 9 * PAGE, VMA_PROT_READ), "vdso readable");
    CHECK(!vma_range_accessible(&t, b + 8 * PAGE, b + 9 * PAGE, VMA_PROT_WRITE),
          "vdso never writable for the app");
    CHECK(!vma_range_accessible(&t, b + 9 * PAGE, b + 10 * PAGE, VMA_PROT_READ),
          "runtime memory is not the app's");

    struct vma_attrs got;
    vma_attrs_at(vma_find(&t, b), b + PAGE, &got);
    CHECK(got.prot == RW && got.offset == 0 && got.file == NULL, "attrs_at of anonymous memory");

    /* Holes fill around what is there. */
    struct vma_attrs filler = attrs(RX, VMA_ANONYMOUS, NULL, 0, NULL);
    CHECK(vma_fill_holes(&t, b - PAGE, b + 6 * PAGE, &filler) == 0, "fill holes");
    expect_layout(&t, "holes filled",
                  LAYOUT({b - PAGE, b, RX}, {b, b + 2 * PAGE, RW}, {b + 2 * PAGE, b + 3 * PAGE, RO},
                         {b + 3 * PAGE, b + 4 * PAGE, RX}, {b + 4 * PAGE, b + 5 * PAGE, RW},
                         {b + 5 * PAGE, b + 6 * PAGE, RX}, {b + 8 * PAGE, b + 9 * PAGE, RX},
                         {b + 9 * PAGE, b + 10 * PAGE, RW}));
    vma_unlock(&t);
    vma_tree_destroy(&t);
}

static void test_gaps(void) {
    struct vma_tree t;
    tree_init(&t);
    vma_lock(&t);
    const uint64_t top = 0x7ffff7fff000;
    CHECK(vma_find_gap(&t, 4 * PAGE, PAGE, 0x10000, top) == (long)(top - 4 * PAGE),
          "empty tree: just below the top");
    CHECK(vma_insert(&t, top - 4 * PAGE, top, &anon_rw) == 0, "take it");
    CHECK(vma_find_gap(&t, 4 * PAGE, PAGE, 0x10000, top) == (long)(top - 8 * PAGE),
          "next one goes right below");
    CHECK(vma_insert(&t, top - 10 * PAGE, top - 5 * PAGE, &anon_rw) == 0, "leave a 1-page gap");
    CHECK(vma_find_gap(&t, PAGE, PAGE, 0x10000, top) == (long)(top - 5 * PAGE),
          "a 1-page request fills the 1-page gap");
    CHECK(vma_find_gap(&t, 2 * PAGE, PAGE, 0x10000, top) == (long)(top - 12 * PAGE),
          "a 2-page request skips it");
    /* Alignment: 64 KiB. */
    long a = vma_find_gap(&t, PAGE, 0x10000, 0x10000, top);
    CHECK(a > 0 && (a & 0xffff) == 0 && a + PAGE <= top - 10 * PAGE, "aligned gap %#lx", a);
    CHECK(a == (long)((top - 10 * PAGE - PAGE) & ~0xffffUL), "highest aligned gap");
    /* Windows. */
    CHECK(vma_find_gap(&t, PAGE, PAGE, 0x40000000, 0x80000000) == 0x80000000 - PAGE,
          "window below 2 GiB");
    CHECK(vma_find_gap(&t, 8 * PAGE, PAGE, top - 12 * PAGE, top) == -ENOMEM,
          "no room in a tight window");
    CHECK(vma_find_gap(&t, 2 * PAGE, PAGE, top - 12 * PAGE, top) == (long)(top - 12 * PAGE),
          "exact fit at the window's bottom");
    CHECK(vma_find_gap(&t, 0x10000, PAGE, 0x10000, 0x20000) == 0x10000, "whole window");
    CHECK(vma_find_gap(&t, 0x10000 + PAGE, PAGE, 0x10000, 0x20000) == -ENOMEM, "too big");
    CHECK(vma_find_gap(&t, PAGE, 3 * PAGE, 0, top) == -EINVAL, "bad alignment");

    /* Many VMAs: the search finds the one big gap deep in the tree. */
    for (int i = 0; i < 500; i++)
        CHECK(vma_insert(&t, 0x100000000 + i * 2 * PAGE, 0x100000000 + i * 2 * PAGE + PAGE,
                         &anon_rw) == 0,
              "map %d", i);
    CHECK(vma_remove(&t, 0x100000000 + 300 * 2 * PAGE, 0x100000000 + 304 * 2 * PAGE, NULL, NULL) ==
              0,
          "open a gap");
    CHECK(vma_find_gap(&t, 5 * PAGE, PAGE, 0x100000000, 0x100000000 + 1000 * PAGE) ==
              (long)(0x100000000 + 304 * 2 * PAGE - 5 * PAGE),
          "found the gap in a tree of 500 VMAs");
    vma_unlock(&t);
    vma_tree_destroy(&t);
}

static void test_pool_exhaustion(void) {
    struct vma_tree t;
    tree_init(&t);
    chunks_left = 1;
    vma_lock(&t);
    const uint64_t b = 0x70000000;
    long r = 0;
    int mapped = 0;
    /* Alternate protections so that nothing merges, until the one chunk runs out. */
    for (int i = 0; i < 100000 && r == 0; i++) {
        struct vma_attrs a = attrs(i & 1 ? RO : RW, VMA_ANONYMOUS, NULL, 0, NULL);
        r = vma_insert(&t, b + i * PAGE, b + (i + 1) * PAGE, &a);
        if (r == 0)
            mapped++;
    }
    CHECK(r == -ENOMEM, "inserts fail with ENOMEM when nodes run out (%ld)", r);
    CHECK(vma_count(&t) == (size_t)mapped && vma_verify(&t), "the failed insert changed nothing");
    uint64_t mid = b + (mapped / 2) * PAGE;
    long pr = vma_protect(&t, mid, mid + 2 * PAGE, VMA_PROT_EXEC, VMA_OWNER_APP, NULL, NULL);
    if (pr == -ENOMEM)
        CHECK(vma_count(&t) == (size_t)mapped && vma_find(&t, mid)->prot != VMA_PROT_EXEC,
              "a failed protect changed nothing");
    else
        CHECK(pr == 0 && vma_find(&t, mid)->prot == VMA_PROT_EXEC, "protect worked");
    CHECK(vma_verify(&t), "still consistent");
    chunks_left = -1;
    CHECK(vma_insert(&t, b + mapped * PAGE, b + (mapped + 1) * PAGE, &anon_rw) == 0,
          "inserts work again once memory is back");
    vma_unlock(&t);
    vma_tree_destroy(&t);
}

/* ---- /proc/self/maps lines ------------------------------------------------------------------ */

static void expect_line(const struct vma *v, const char *want) {
    char buf[512];
    size_t n = proc_maps_format_line(v, buf, sizeof(buf));
    CHECK(n == strlen(want) && !strcmp(buf, want), "maps line\n got: [%s]\nwant: [%s]", buf, want);
    /* A buffer one byte short gets nothing but the length. */
    char small[512];
    memset(small, 'Z', sizeof(small));
    CHECK(proc_maps_format_line(v, small, strlen(want)) == strlen(want) && small[0] == 'Z',
          "short buffer untouched");
}

static void test_proc_maps(void) {
    /* Expected lines are copied from a real /proc/self/maps. */
    struct vma_file *head = vma_file_new("/usr/bin/head", 0xfe00, 247498);
    struct vma v = {
        .start = 0x557fa09ca000, .end = 0x557fa09d0000, .prot = RX, .file = head, .offset = 0x2000};
    expect_line(&v, "557fa09ca000-557fa09d0000 r-xp 00002000 fe:00 247498                     "
                    "/usr/bin/head\n");
    v = (struct vma){.start = 0x55a884f2e000,
                     .end = 0x55a884f71000,
                     .prot = RW,
                     .flags = VMA_ANONYMOUS,
                     .name = "[heap]"};
    expect_line(&v, "55a884f2e000-55a884f71000 rw-p 00000000 00:00 0                          "
                    "[heap]\n");
    v = (struct vma){
        .start = 0x7f0ea59a4000, .end = 0x7f0ea59a5000, .prot = RW, .flags = VMA_ANONYMOUS};
    expect_line(&v, "7f0ea59a4000-7f0ea59a5000 rw-p 00000000 00:00 0 \n");
    v = (struct vma){.start = 0xffffffffff600000,
                     .end = 0xffffffffff601000,
                     .prot = VMA_PROT_EXEC,
                     .owner = VMA_OWNER_RUNTIME,
                     .name = "[vsyscall]"};
    expect_line(&v, "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  "
                    "[vsyscall]\n");
    struct vma_file *zero = vma_file_new("/dev/zero (deleted)", 1, 1030);
    v = (struct vma){.start = 0x7f42f5231000,
                     .end = 0x7f42f5232000,
                     .prot = RO,
                     .flags = VMA_SHARED | VMA_ANONYMOUS,
                     .file = zero,
                     .offset = 0x1000};
    expect_line(&v, "7f42f5231000-7f42f5232000 r--s 00001000 00:01 1030                       "
                    "/dev/zero (deleted)\n");
    char want[256];
    v = (struct vma){.start = 0x400000, .end = 0x401000, .prot = 0, .owner = VMA_OWNER_RUNTIME};
    snprintf(want, sizeof(want), "%-72s %s\n", "00400000-00401000 ---p 00000000 00:00 0 ",
             "[enclos]");
    expect_line(&v, want);
    /* A big device number (major 259, minor 65537) and inode: the kernel's split of st_dev. */
    struct vma_file *nvme = vma_file_new("/x", (259ULL << 8) | 1 | (0x100ULL << 12), 123456789);
    v = (struct vma){.start = 0x400000, .end = 0x401000, .prot = RO, .file = nvme};
    snprintf(want, sizeof(want), "%-72s %s\n", "00400000-00401000 r--p 00000000 103:101 123456789 ",
             "/x");
    expect_line(&v, want);

    struct vma_tree *t = &g_vmas;
    tree_init(t);
    vma_lock(t);
    struct vma_attrs fh = attrs(RO, 0, head, 0, NULL);
    vma_insert(t, 0x557fa09c8000, 0x557fa09ca000, &fh);
    struct vma_attrs heap = attrs(RW, VMA_ANONYMOUS, NULL, 0, "[heap]");
    vma_insert(t, 0x55a884f2e000, 0x55a884f71000, &heap);
    vma_unlock(t);
    char *text = NULL;
    size_t len = 0;
    CHECK(proc_maps_generate(&text, &len) == 0, "generate");
    const char *whole = "557fa09c8000-557fa09ca000 r--p 00000000 fe:00 247498                     "
                        "/usr/bin/head\n"
                        "55a884f2e000-55a884f71000 rw-p 00000000 00:00 0                          "
                        "[heap]\n";
    CHECK(text && len == strlen(whole) && !strcmp(text, whole), "whole text:\n%s", text);
    free(text);
    vma_tree_destroy(t);
    tree_init(t);
    CHECK(proc_maps_generate(&text, &len) == 0 && len == 0 && text[0] == 0, "empty tree");
    free(text);
    vma_tree_destroy(t);
    vma_file_put(head);
    vma_file_put(zero);
    vma_file_put(nvme);
}

/* ---- App pointer checks over the tree -------------------------------------------------------- */

static void test_uaccess(void) {
    struct vma_tree *t = &g_vmas;
    tree_init(t);
    /* Three real pages; the tree says the first two are the app's and the third is not
     * mapped, so reading it would be a bug the result exposes (it holds a NUL). */
    char *mem = aligned_alloc(PAGE, 3 * PAGE);
    uint64_t m = (uint64_t)mem;
    vma_lock(t);
    vma_insert(t, m, m + PAGE, &anon_rw);
    struct vma_attrs ro = attrs(RO, VMA_ANONYMOUS, NULL, 0, NULL);
    vma_insert(t, m + PAGE, m + 2 * PAGE, &ro);
    vma_unlock(t);

    CHECK(uaccess_ok(mem, 2 * PAGE, false), "two mapped pages are readable");
    CHECK(!uaccess_ok(mem, 2 * PAGE, true), "the read-only page is not writable");
    CHECK(uaccess_ok(mem, PAGE, true), "the first page is writable");
    CHECK(uaccess_ok(mem + PAGE - 1, 1, true), "its last byte");
    CHECK(!uaccess_ok(mem + PAGE - 1, 2, true), "a write straddling into the read-only page");
    CHECK(!uaccess_ok(mem, 2 * PAGE + 1, false), "one byte into the unmapped page");
    CHECK(!uaccess_ok(mem + 2 * PAGE, 1, false), "the unmapped page");
    CHECK(!uaccess_ok(NULL, 1, false), "NULL");
    CHECK(uaccess_ok(NULL, 0, false), "NULL with length 0 is fine (as access_ok)");
    CHECK(!uaccess_ok((void *)-4096L, 1, false), "kernel address");
    CHECK(!uaccess_ok((void *)-1L, 0, false), "kernel address with length 0");
    CHECK(!uaccess_ok(mem, SIZE_MAX, false), "length that wraps");
    CHECK(!uaccess_ok((void *)0x7ffffffff000ULL, 1, false), "above the user space");

    /* Each thread remembers the VMAs it found; every change of the tree must forget them. */
    CHECK(uaccess_ok(mem, 16, true) && uaccess_ok(mem + PAGE, 16, false), "both VMAs known");
    vma_lock(t);
    CHECK(vma_protect(t, m, m + PAGE, RO, VMA_OWNER_APP, NULL, NULL) == 0, "mprotect");
    vma_unlock(t);
    CHECK(!uaccess_ok(mem, 16, true), "not writable after mprotect, though it was cached");
    CHECK(uaccess_ok(mem, 16, false), "still readable");
    vma_lock(t);
    CHECK(vma_remove(t, m + PAGE, m + 2 * PAGE, NULL, NULL) == 0, "munmap");
    vma_unlock(t);
    CHECK(!uaccess_ok(mem + PAGE, 16, false), "not readable after munmap, though it was cached");
    vma_lock(t);
    vma_insert(t, m + PAGE, m + 2 * PAGE, &ro);
    CHECK(vma_protect(t, m, m + PAGE, RW, VMA_OWNER_APP, NULL, NULL) == 0, "mprotect back");
    vma_unlock(t);

    memset(mem, 'a', 3 * PAGE);
    mem[2 * PAGE] = 0;
    strcpy(mem, "hello");
    CHECK(uaccess_strlen(mem, 4096) == 5, "short string");
    CHECK(uaccess_strlen(mem, 6) == 5, "NUL at the last allowed byte");
    CHECK(uaccess_strlen(mem, 5) == -ENAMETOOLONG, "NUL one byte past max");
    CHECK(uaccess_strlen(mem, 0) == -ENAMETOOLONG, "max 0");
    strcpy(mem + PAGE - 3, "abcdef");
    CHECK(uaccess_strlen(mem + PAGE - 3, 4096) == 6, "string across the page boundary");
    mem[PAGE + 3] = 'x';
    CHECK(uaccess_strlen(mem + PAGE - 3, 3 * PAGE) == -EFAULT,
          "string running into the unmapped page is EFAULT (%ld)",
          uaccess_strlen(mem + PAGE - 3, 3 * PAGE));
    CHECK(uaccess_strlen(mem + PAGE - 3, PAGE + 3) == -ENAMETOOLONG,
          "ENAMETOOLONG when max ends before the unmapped page");
    CHECK(uaccess_strlen(mem + 2 * PAGE, 10) == -EFAULT, "string in the unmapped page");
    CHECK(uaccess_strlen(NULL, 10) == -EFAULT, "NULL string");
    CHECK(uaccess_strlen((const char *)-4096L, 10) == -EFAULT, "kernel string");
    vma_tree_destroy(t);
    free(mem);
}

/* ---- Random sequences against a page array ----------------------------------------------------
 */

#define MODEL_PAGES 160
#define MODEL_BASE 0x40000000ULL

struct page_state {
    bool mapped;
    int prot, flags;
    enum vma_owner owner;
    int file_id; /* 0 for none; equal ids are the same file */
    uint64_t offset;
    const char *name;
};

static struct page_state model[MODEL_PAGES];
static struct vma_file *model_files[4]; /* 1 and 3 name the same file */

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int file_id_of(const struct vma_file *f) {
    if (!f)
        return 0;
    for (int i = 1; i < 4; i++)
        if (f == model_files[i])
            return i == 3 ? 1 : i;
    return -1;
}

static uint64_t page_addr(int i) {
    return MODEL_BASE + (uint64_t)i * PAGE;
}

static struct vma_attrs random_attrs(void) {
    static const char *names[] = {NULL, NULL, NULL, "[heap]"};
    struct vma_attrs a = {0};
    a.prot = (int)(rng() % 8);
    a.owner = rng() % 8 == 0 ? VMA_OWNER_RUNTIME : VMA_OWNER_APP;
    int kind = (int)(rng() % 4);
    if (kind == 0) {
        int id = (int)(rng() % 3) + 1;
        a.file = model_files[id];
        a.offset = (rng() % 8) * PAGE;
        a.flags = rng() % 2 ? VMA_SHARED : 0;
        if ((a.flags & VMA_SHARED) && rng() % 2) {
            a.flags |= VMA_NO_MAYWRITE;
            a.prot &= ~VMA_PROT_WRITE;
        }
    } else {
        a.flags = VMA_ANONYMOUS;
        a.name = names[rng() % 4];
    }
    return a;
}

static bool same_page(const struct page_state *p, const struct vma *v, uint64_t addr) {
    int id = file_id_of(v->file);
    uint64_t offset = v->file ? v->offset + (addr - v->start) : 0;
    return p->mapped && p->prot == v->prot && p->flags == v->flags && p->owner == v->owner &&
           p->file_id == id && p->offset == offset &&
           (p->name == v->name || (p->name && v->name && !strcmp(p->name, v->name)));
}

static bool tree_matches_model(struct vma_tree *t, int step) {
    bool covered[MODEL_PAGES] = {false};
    for (struct vma *v = vma_first(t); v; v = vma_next(v)) {
        if (v->start < MODEL_BASE || v->end > page_addr(MODEL_PAGES)) {
            CHECK(0, "step %d: VMA %#lx-%#lx outside the model", step, (unsigned long)v->start,
                  (unsigned long)v->end);
            return false;
        }
        for (uint64_t a = v->start; a < v->end; a += PAGE) {
            int i = (int)((a - MODEL_BASE) / PAGE);
            covered[i] = true;
            if (!same_page(&model[i], v, a)) {
                CHECK(0, "step %d: page %d differs from the model", step, i);
                return false;
            }
        }
    }
    for (int i = 0; i < MODEL_PAGES; i++) {
        if (model[i].mapped != covered[i]) {
            CHECK(0, "step %d: page %d mapped in the model %d, in the tree %d", step, i,
                  model[i].mapped, covered[i]);
            return false;
        }
    }
    return true;
}

/* The reported ranges must be disjoint, ascending, and exactly the pages in want[]. */
static bool changes_match(const struct changes *ch, const bool *want, const int *old_prot) {
    bool got[MODEL_PAGES] = {false};
    uint64_t last_end = 0;
    for (int k = 0; k < ch->n; k++) {
        const struct change *c = &ch->c[k];
        if (c->start < last_end || c->start >= c->end)
            return false;
        last_end = c->end;
        for (uint64_t a = c->start; a < c->end; a += PAGE) {
            int i = (int)((a - MODEL_BASE) / PAGE);
            if (i < 0 || i >= MODEL_PAGES || got[i] || old_prot[i] != c->old_prot)
                return false;
            got[i] = true;
        }
    }
    return !memcmp(got, want, sizeof(got));
}

static void random_step(struct vma_tree *t, int step) {
    int first = (int)(rng() % MODEL_PAGES);
    int count = 1 + (int)(rng() % (rng() % 4 == 0 ? MODEL_PAGES : 12));
    if (first + count > MODEL_PAGES)
        count = MODEL_PAGES - first;
    uint64_t start = page_addr(first), end = page_addr(first + count);
    int old_prot[MODEL_PAGES];
    for (int i = 0; i < MODEL_PAGES; i++)
        old_prot[i] = model[i].prot;
    bool want[MODEL_PAGES] = {false};
    struct changes ch = {0};
    int op = (int)(rng() % 10);

    if (op < 4) {
        struct vma_attrs a = random_attrs();
        CHECK(vma_insert(t, start, end, &a) == 0, "step %d: insert", step);
        for (int i = first; i < first + count; i++) {
            model[i] = (struct page_state){true,
                                           a.prot,
                                           a.flags,
                                           a.owner,
                                           file_id_of(a.file),
                                           a.file ? a.offset + (uint64_t)(i - first) * PAGE : 0,
                                           a.name};
        }
    } else if (op < 6) {
        CHECK(vma_remove(t, start, end, record_change, &ch) == 0, "step %d: remove", step);
        for (int i = first; i < first + count; i++) {
            want[i] = model[i].mapped;
            model[i].mapped = false;
            model[i].prot = 0;
        }
        CHECK(changes_match(&ch, want, old_prot), "step %d: remove reports the mapped pages", step);
        for (int i = first; i < first + count; i++)
            model[i] = (struct page_state){0};
    } else if (op == 8 && rng() % 2) {
        static const int bits[] = {VMA_HUGEPAGE, VMA_NOHUGEPAGE, VMA_DONTFORK, 0};
        int set = bits[rng() % 4], clear = bits[rng() % 4] & ~set;
        static struct changes preview;
        preview.n = 0;
        vma_update_flags_preview(t, start, end, set, clear, VMA_OWNER_APP, record_change, &preview);
        CHECK(vma_update_flags(t, start, end, set, clear, VMA_OWNER_APP, record_change, &ch) == 0,
              "step %d: update flags", step);
        for (int i = first; i < first + count; i++) {
            if (!model[i].mapped || model[i].owner != VMA_OWNER_APP)
                continue;
            int flags = (model[i].flags | set) & ~clear;
            want[i] = flags != model[i].flags;
            model[i].flags = flags;
        }
        CHECK(changes_match(&ch, want, old_prot), "step %d: flag update reports the changes", step);
        CHECK(
            preview.n == ch.n &&
                !memcmp(preview.c, ch.c, sizeof(struct change) * (size_t)(ch.n < 512 ? ch.n : 512)),
            "step %d: the flag preview announces the update", step);
    } else if (op < 9) {
        int prot = (int)(rng() % 8);
        long expect = 0;
        for (int i = first; i < first + count && !expect; i++) {
            if (!model[i].mapped || model[i].owner != VMA_OWNER_APP)
                expect = -ENOMEM;
            else if ((prot & VMA_PROT_WRITE) && (model[i].flags & VMA_NO_MAYWRITE))
                expect = -EACCES;
        }
        static struct changes preview;
        preview.n = 0;
        long pr = vma_protect_preview(t, start, end, prot, VMA_OWNER_APP, record_change, &preview);
        long r = vma_protect(t, start, end, prot, VMA_OWNER_APP, record_change, &ch);
        CHECK(r == expect, "step %d: protect gives %ld, expected %ld", step, r, expect);
        CHECK(
            pr == r && preview.n == ch.n &&
                !memcmp(preview.c, ch.c, sizeof(struct change) * (size_t)(ch.n < 512 ? ch.n : 512)),
            "step %d: the preview announces what protect does", step);
        if (expect == 0) {
            for (int i = first; i < first + count; i++) {
                want[i] = model[i].prot != prot;
                model[i].prot = prot;
            }
        }
        CHECK(changes_match(&ch, want, old_prot), "step %d: protect reports exactly the changes",
              step);
    } else {
        /* Gap search against a brute force over the model. */
        uint64_t len = (1 + rng() % 10) * PAGE;
        uint64_t align = PAGE << (rng() % 4);
        uint64_t low = MODEL_BASE + (rng() % MODEL_PAGES) * PAGE;
        uint64_t high = low + (rng() % MODEL_PAGES) * PAGE;
        if (high > page_addr(MODEL_PAGES))
            high = page_addr(MODEL_PAGES);
        long expect = -ENOMEM;
        for (uint64_t a = high >= len ? (high - len) & ~(align - 1) : 0;
             a >= low && a + len <= high; a -= align) {
            bool free_range = true;
            for (uint64_t p = a; p < a + len && free_range; p += PAGE)
                free_range = !model[(p - MODEL_BASE) / PAGE].mapped;
            if (free_range) {
                expect = (long)a;
                break;
            }
            if (a < align)
                break;
        }
        long got = vma_find_gap(t, len, align, low, high);
        CHECK(got == expect, "step %d: gap of %lu aligned %lu in [%#lx, %#lx): %#lx, want %#lx",
              step, (unsigned long)len, (unsigned long)align, (unsigned long)low,
              (unsigned long)high, got, expect);
        /* And the simple queries over the same range. */
        bool any = false, other = false, readable = true;
        for (int i = first; i < first + count; i++) {
            any = any || model[i].mapped;
            other = other || (model[i].mapped && model[i].owner != VMA_OWNER_APP);
            readable = readable && model[i].mapped && model[i].owner == VMA_OWNER_APP &&
                       (model[i].prot & VMA_PROT_READ);
        }
        CHECK(vma_range_free(t, start, end) == !any, "step %d: range_free", step);
        CHECK(vma_range_owned_by(t, start, end, VMA_OWNER_APP) == !other, "step %d: owned_by",
              step);
        CHECK(vma_range_accessible(t, start, end, VMA_PROT_READ) == readable, "step %d: accessible",
              step);
        struct vma *v = vma_find(t, start);
        CHECK(model[first].mapped ? v && same_page(&model[first], v, start) : !v, "step %d: find",
              step);
    }
    if (!vma_verify(t))
        CHECK(0, "step %d: tree invariants broken", step);
    tree_matches_model(t, step);
}

static void test_random(void) {
    struct vma_tree t;
    tree_init(&t);
    model_files[1] = vma_file_new("/data/one", 0x801, 100);
    model_files[2] = vma_file_new("/data/two", 0x801, 200);
    model_files[3] = vma_file_new("/data/one", 0x801, 100);
    memset(model, 0, sizeof(model));
    vma_lock(&t);
    int failures_before = failures;
    for (int step = 0; step < 30000 && failures - failures_before < 10; step++)
        random_step(&t, step);
    vma_unlock(&t);
    vma_tree_destroy(&t);
    for (int i = 1; i < 4; i++) {
        CHECK(model_files[i]->refcount == 1, "file %d references all dropped (%d)", i,
              model_files[i]->refcount);
        vma_file_put(model_files[i]);
    }
}

int main(void) {
    if (syscall(SYS_arch_prctl, ARCH_SET_GS, &g_tcb) != 0) {
        perror("arch_prctl(ARCH_SET_GS)");
        return 1;
    }
    test_insert_split_merge();
    test_files();
    test_protect();
    test_remove();
    test_queries();
    test_gaps();
    test_pool_exhaustion();
    test_proc_maps();
    test_uaccess();
    test_random();
    if (failures) {
        printf("test_vma: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_vma: ok\n");
    return 0;
}
