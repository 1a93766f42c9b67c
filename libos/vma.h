/* The VMA tree: the LibOS's record of every mapped range of the address space, app and
 * runtime alike, with what Linux keeps per VMA (protection, shared/private, the file and
 * offset behind it, a special name). It is a pure data structure: it never calls the PAL,
 * so the syscalls built on it (libos/sys/mmap.c) can ask the tree what really changes and
 * then ask the PAL for exactly that.
 *
 * Locking: the tree has one spinlock, and every function below except the vma_file ones,
 * vma_tree_init and vma_tree_destroy expects the caller to hold it (vma_lock/vma_unlock).
 * The callers hold it across whole syscalls (choose an address, update the tree, call the
 * PAL, roll back on failure), which no per-function lock could make atomic.
 *
 * Memory: the tree never calls rt_malloc while locked, because the runtime heap gets its
 * pages from libos_mem_map_runtime, which takes this lock (and the heap holds its own lock
 * while it asks for pages). Nodes come from a pool of page chunks that the tree's node
 * source maps, and files dropped under the lock are freed by vma_unlock. */
#ifndef LIBOS_VMA_H
#define LIBOS_VMA_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "common/avltree.h"
#include "common/spinlock.h"

#define VMA_PAGE_SIZE 4096ULL
#define VMA_PAGE_DOWN(x) ((uint64_t)(x) & ~(VMA_PAGE_SIZE - 1))
#define VMA_PAGE_UP(x) (((uint64_t)(x) + VMA_PAGE_SIZE - 1) & ~(VMA_PAGE_SIZE - 1))
/* The end of the user address space (x86-64, 4-level paging): Linux's TASK_SIZE. */
#define USER_SPACE_END 0x7ffffffff000ULL

/* Protections: the Linux PROT_* values. */
#define VMA_PROT_READ 0x1
#define VMA_PROT_WRITE 0x2
#define VMA_PROT_EXEC 0x4

/* Flags of a VMA. */
#define VMA_SHARED 0x01       /* MAP_SHARED: 's' in /proc/self/maps */
#define VMA_ANONYMOUS 0x02    /* no file (shared anonymous memory still has a vma_file) */
#define VMA_GROWSDOWN 0x04    /* MAP_GROWSDOWN / the main stack */
#define VMA_NORESERVE 0x08    /* MAP_NORESERVE */
#define VMA_NO_MAYWRITE 0x10  /* shared mapping of a file opened without write access */
#define VMA_APP_READABLE 0x20 /* runtime memory the app may read and pass to syscalls (vDSO) */
/* Set by madvise; like the kernel's VM_* flags they split and merge VMAs. */
#define VMA_HUGEPAGE 0x40    /* MADV_HUGEPAGE */
#define VMA_NOHUGEPAGE 0x80  /* MADV_NOHUGEPAGE */
#define VMA_DONTFORK 0x100   /* MADV_DONTFORK */
#define VMA_DONTDUMP 0x200   /* MADV_DONTDUMP */
#define VMA_WIPEONFORK 0x400 /* MADV_WIPEONFORK */
#define VMA_MERGEABLE 0x800  /* MADV_MERGEABLE */
#define VMA_SEQ_READ 0x1000  /* MADV_SEQUENTIAL */
#define VMA_RAND_READ 0x2000 /* MADV_RANDOM */

enum vma_owner {
    VMA_OWNER_APP,     /* created by the app (or by the loader for it) */
    VMA_OWNER_RUNTIME, /* the runtime's image, heap, stacks, the host's vDSO... */
};

/* The file behind a mapping, as /proc/self/maps shows it. Reference counted: every VMA
 * holds one reference, split VMAs share it. */
struct vma_file {
    int refcount;
    uint64_t dev; /* st_dev as stat returns it */
    uint64_t ino;
    struct vma_file *next_dead;
    char path[];
};

/* Everything about a mapping but its range. */
struct vma_attrs {
    int prot;
    int flags;
    enum vma_owner owner;
    struct vma_file *file; /* NULL for private anonymous memory */
    uint64_t offset;       /* file offset of the first byte (meaningful with a file) */
    const char *name;      /* "[heap]", "[stack]"...: must be a string that never goes away */
};

struct vma {
    struct avl_node node;
    uint64_t start, end; /* page aligned, half open */
    int prot;
    int flags;
    enum vma_owner owner;
    struct vma_file *file;
    uint64_t offset;
    const char *name;
    /* Subtree summary for the gap search: the lowest start, the highest end, and the
     * largest free gap between two VMAs of the subtree. */
    uint64_t subtree_start, subtree_end, subtree_gap;
    struct vma *next_free; /* node pool link */
};

/* Where the tree's nodes come from. With record set, each chunk the pool maps is entered
 * into the tree itself as runtime memory named "[enclos]". */
struct vma_node_source {
    void *(*map)(void *arg, size_t len); /* NULL on failure */
    void (*unmap)(void *arg, void *addr, size_t len);
    void *arg;
    bool record;
};

struct vma_tree {
    struct avl_tree avl;
    spinlock_t lock;
    struct vma_node_source source;
    struct vma *free_nodes;
    size_t free_count;
    void *chunks; /* pool chunks, linked through their first word */
    size_t count;
    struct vma_file *dead_files; /* released under the lock, freed by vma_unlock */
    /* Bumped by every change of the tree. Read without the lock by callers that keep a
     * span they found (libos/uaccess.c): while it is the same, the span still holds. */
    uint64_t generation;
};

/* One VMA's range and what the app may do there (VMA_PROT_READ/WRITE, see
 * vma_range_accessible). */
struct vma_span {
    uint64_t start, end;
    int app_prot;
};

/* Reports a sub-range that an operation changed; old_prot is its protection before. */
typedef void (*vma_range_fn)(void *arg, uint64_t start, uint64_t end, int old_prot);

void vma_tree_init(struct vma_tree *t, const struct vma_node_source *source);
/* Frees every VMA and the node pool (tests; the runtime's tree lives forever). */
void vma_tree_destroy(struct vma_tree *t);
void vma_lock(struct vma_tree *t);
/* Unlocks, then frees the files released under the lock. */
void vma_unlock(struct vma_tree *t);
/* Unlocks and leaves those frees to the next vma_unlock: for callers that may run inside
 * the runtime heap (its page source), where rt_free would take the heap's lock again. */
void vma_unlock_deferring_frees(struct vma_tree *t);

/* path may be NULL (shown as nothing). Returns NULL when out of memory. Call without the
 * tree lock (it allocates). */
struct vma_file *vma_file_new(const char *path, uint64_t dev, uint64_t ino);
void vma_file_get(struct vma_file *f);
/* Drops a reference; without the tree lock held. */
void vma_file_put(struct vma_file *f);
/* Drops a reference with the tree lock held; the free happens at vma_unlock. */
void vma_file_put_locked(struct vma_tree *t, struct vma_file *f);

/* ---- Changes. Ranges are page aligned with start < end. Each returns 0 or -ENOMEM (no
 * memory for tree nodes), and on error has changed nothing. ---- */

/* Maps [start, end) with attrs, replacing whatever was there (MAP_FIXED semantics) and
 * merging with equal neighbours. Takes its own reference on attrs->file. */
long vma_insert(struct vma_tree *t, uint64_t start, uint64_t end, const struct vma_attrs *attrs);
/* Like vma_insert, but only into the parts of [start, end) that are unmapped. */
long vma_fill_holes(struct vma_tree *t, uint64_t start, uint64_t end,
                    const struct vma_attrs *attrs);
/* Unmaps [start, end), splitting VMAs that straddle its ends; reports every removed piece
 * (in address order) to changed, which may be NULL. */
long vma_remove(struct vma_tree *t, uint64_t start, uint64_t end, vma_range_fn changed, void *arg);
/* Sets the protection of [start, end) as mprotect does, and reports exactly the pieces
 * whose protection really changes (in address order); an mprotect to the protection a page
 * already has reports nothing. Fails, changing nothing, with -ENOMEM if a page of the range
 * is unmapped or belongs to another owner, and with -EACCES if write access is asked for a
 * VMA_NO_MAYWRITE mapping (the first problem in address order decides). */
long vma_protect(struct vma_tree *t, uint64_t start, uint64_t end, int prot, enum vma_owner owner,
                 vma_range_fn changed, void *arg);
/* What vma_protect would do, without doing it: the same result and the same reports. Lets a
 * caller make the PAL calls first and leave the tree untouched when one fails. */
long vma_protect_preview(const struct vma_tree *t, uint64_t start, uint64_t end, int prot,
                         enum vma_owner owner, vma_range_fn changed, void *arg);

/* Sets the flags in set and clears those in clear on owner's VMAs in [start, end) (holes
 * and other owners' memory are skipped, as madvise skips them), reporting the pieces whose
 * flags really change. */
long vma_update_flags(struct vma_tree *t, uint64_t start, uint64_t end, int set, int clear,
                      enum vma_owner owner, vma_range_fn changed, void *arg);
/* The reports vma_update_flags would make, without changing anything. */
void vma_update_flags_preview(const struct vma_tree *t, uint64_t start, uint64_t end, int set,
                              int clear, enum vma_owner owner, vma_range_fn changed, void *arg);

/* ---- Queries ---- */

/* The VMA containing addr, or NULL. */
struct vma *vma_find(const struct vma_tree *t, uint64_t addr);
/* The first VMA that ends above addr (it contains addr or lies after it), or NULL. */
struct vma *vma_first_from(const struct vma_tree *t, uint64_t addr);
struct vma *vma_first(const struct vma_tree *t);
struct vma *vma_next(const struct vma *v);
struct vma *vma_prev(const struct vma *v);
size_t vma_count(const struct vma_tree *t);

/* Nothing mapped in [start, end). */
bool vma_range_free(const struct vma_tree *t, uint64_t start, uint64_t end);
/* No VMA in [start, end) belongs to an owner other than owner (holes are fine). */
bool vma_range_owned_by(const struct vma_tree *t, uint64_t start, uint64_t end,
                        enum vma_owner owner);
/* Every page of [start, end) is mapped for the app with at least prot: app memory, or
 * VMA_APP_READABLE runtime memory when prot asks no write access. */
bool vma_range_accessible(const struct vma_tree *t, uint64_t start, uint64_t end, int prot);
/* The VMA holding addr as a span; false if none does. */
bool vma_span_at(const struct vma_tree *t, uint64_t addr, struct vma_span *out);
/* The highest address a, aligned to align (a power of two >= the page size), with
 * [a, a + len) free and inside [low, high); -ENOMEM when there is none. */
long vma_find_gap(const struct vma_tree *t, uint64_t len, uint64_t align, uint64_t low,
                  uint64_t high);
/* The attributes of v from addr on (the file offset moved along); no new file reference. */
void vma_attrs_at(const struct vma *v, uint64_t addr, struct vma_attrs *out);

/* Checks every invariant: the tree's, ranges ordered, aligned and disjoint, summaries
 * right, no two neighbours that should have merged. For tests. */
bool vma_verify(const struct vma_tree *t);

/* ---- The LibOS's tree and memory counters (libos/sys/mmap.c) ---- */

/* The app's tree (libos/sys/mmap.c); inline, since every buffer check asks for it. */
extern struct vma_tree g_vmas;
static inline struct vma_tree *libos_vma_tree(void) {
    return &g_vmas;
}

/* fork, in the child: MADV_DONTFORK ranges are unmapped, MADV_WIPEONFORK ones zeroed. */
void libos_memory_after_fork_child(void);

struct libos_memory_stats {
    uint64_t pal_calls;         /* PAL memory calls made for app syscalls */
    uint64_t pal_calls_avoided; /* app syscalls answered from the tree alone */
    uint64_t host_resyncs;      /* unknown host mappings found in the way */
};
const struct libos_memory_stats *libos_memory_stats(void);
/* Top of the region searched for mappings without an address (below the app stack). */
void libos_mem_set_mmap_base(uint64_t base);

#endif
