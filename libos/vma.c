#include "common/hot.h"
#include "libos/vma.h"
#include "common/alloc.h"
#include "common/string.h"
#include <asm-generic/errno.h>

#define POOL_CHUNK_SIZE (64 * 1024UL)
/* vma_lock tops the pool up to this, so that the pool's own chunk mappings happen before a
 * syscall picks its address, never in the middle of a change. */
#define POOL_LOW_WATER 16
/* The most nodes one change needs: two splits and the new VMA. */
#define NODES_PER_CHANGE 3

static struct vma *vma_of(const struct avl_node *n) {
    return n ? avl_entry(n, struct vma, node) : NULL;
}

static int cmp_vmas(const struct avl_node *a, const struct avl_node *b) {
    uint64_t x = vma_of(a)->start, y = vma_of(b)->start;
    return x < y ? -1 : x > y;
}

static int cmp_addr(const void *key, const struct avl_node *n) {
    uint64_t x = *(const uint64_t *)key, y = vma_of(n)->start;
    return x < y ? -1 : x > y;
}

static uint64_t max_u64(uint64_t a, uint64_t b) {
    return a > b ? a : b;
}

static uint64_t min_u64(uint64_t a, uint64_t b) {
    return a < b ? a : b;
}

static void update_summary(struct avl_node *n) {
    struct vma *v = vma_of(n), *left = vma_of(n->left), *right = vma_of(n->right);
    uint64_t gap = 0;
    v->subtree_start = left ? left->subtree_start : v->start;
    v->subtree_end = right ? right->subtree_end : v->end;
    if (left)
        gap = max_u64(left->subtree_gap, v->start - left->subtree_end);
    if (right)
        gap = max_u64(gap, max_u64(right->subtree_gap, right->subtree_start - v->end));
    v->subtree_gap = gap;
}

/* ---- Files ---------------------------------------------------------------------------- */

struct vma_file *vma_file_new(const char *path, uint64_t dev, uint64_t ino) {
    size_t len = path ? strlen(path) : 0;
    struct vma_file *f = rt_malloc(sizeof(*f) + len + 1);
    if (!f)
        return NULL;
    f->refcount = 1;
    f->dev = dev;
    f->ino = ino;
    f->next_dead = NULL;
    if (len)
        memcpy(f->path, path, len);
    f->path[len] = 0;
    return f;
}

void vma_file_get(struct vma_file *f) {
    if (f)
        __atomic_add_fetch(&f->refcount, 1, __ATOMIC_RELAXED);
}

void vma_file_put(struct vma_file *f) {
    if (f && __atomic_sub_fetch(&f->refcount, 1, __ATOMIC_ACQ_REL) == 0)
        rt_free(f);
}

void vma_file_put_locked(struct vma_tree *t, struct vma_file *f) {
    if (f && __atomic_sub_fetch(&f->refcount, 1, __ATOMIC_ACQ_REL) == 0) {
        f->next_dead = t->dead_files;
        t->dead_files = f;
    }
}

static bool same_file(const struct vma_file *a, const struct vma_file *b) {
    if (a == b)
        return true;
    /* Separate mmap calls on one file have separate vma_files but should merge, as the
     * kernel merges mappings of one open file. */
    return a && b && a->dev == b->dev && a->ino == b->ino && !strcmp(a->path, b->path);
}

static bool same_name(const char *a, const char *b) {
    return a == b || (a && b && !strcmp(a, b));
}

/* ---- Node pool -------------------------------------------------------------------------- */

static long insert_locked(struct vma_tree *t, uint64_t start, uint64_t end,
                          const struct vma_attrs *attrs);

static long pool_refill(struct vma_tree *t) {
    char *chunk = t->source.map ? t->source.map(t->source.arg, POOL_CHUNK_SIZE) : NULL;
    if (!chunk)
        return -ENOMEM;
    *(void **)chunk = t->chunks;
    t->chunks = chunk;
    size_t first = (sizeof(void *) + _Alignof(struct vma) - 1) & ~(_Alignof(struct vma) - 1);
    for (size_t off = first; off + sizeof(struct vma) <= POOL_CHUNK_SIZE;
         off += sizeof(struct vma)) {
        struct vma *v = (struct vma *)(chunk + off);
        v->next_free = t->free_nodes;
        t->free_nodes = v;
        t->free_count++;
    }
    if (t->source.record) {
        static const struct vma_attrs pool_attrs = {
            .prot = VMA_PROT_READ | VMA_PROT_WRITE,
            .flags = VMA_ANONYMOUS,
            .owner = VMA_OWNER_RUNTIME,
            .name = "[enclos]",
        };
        return insert_locked(t, (uint64_t)chunk, (uint64_t)chunk + POOL_CHUNK_SIZE, &pool_attrs);
    }
    return 0;
}

static long pool_reserve(struct vma_tree *t, size_t nodes) {
    while (t->free_count < nodes) {
        long r = pool_refill(t);
        if (r < 0)
            return r;
    }
    return 0;
}

static struct vma *node_take(struct vma_tree *t) {
    struct vma *v = t->free_nodes;
    t->free_nodes = v->next_free;
    t->free_count--;
    memset(v, 0, sizeof(*v));
    return v;
}

static void node_release(struct vma_tree *t, struct vma *v) {
    vma_file_put_locked(t, v->file);
    v->file = NULL;
    v->next_free = t->free_nodes;
    t->free_nodes = v;
    t->free_count++;
}

/* ---- Tree life ------------------------------------------------------------------------- */

void vma_tree_init(struct vma_tree *t, const struct vma_node_source *source) {
    memset(t, 0, sizeof(*t));
    avl_init(&t->avl, cmp_vmas, update_summary);
    t->source = *source;
}

void vma_lock(struct vma_tree *t) {
    spin_lock(&t->lock);
    if (t->free_count < POOL_LOW_WATER)
        pool_reserve(t, POOL_LOW_WATER); /* a failure shows up in the change that needs it */
}

void vma_unlock(struct vma_tree *t) {
    struct vma_file *dead = t->dead_files;
    t->dead_files = NULL;
    spin_unlock(&t->lock);
    while (dead) {
        struct vma_file *next = dead->next_dead;
        rt_free(dead);
        dead = next;
    }
}

void vma_unlock_deferring_frees(struct vma_tree *t) {
    spin_unlock(&t->lock);
}

static void tree_changed(struct vma_tree *t) {
    __atomic_store_n(&t->generation, t->generation + 1, __ATOMIC_RELEASE);
}

static void unlink_vma(struct vma_tree *t, struct vma *v) {
    tree_changed(t);
    avl_remove(&t->avl, &v->node);
    t->count--;
    node_release(t, v);
}

void vma_tree_destroy(struct vma_tree *t) {
    tree_changed(t);
    spin_lock(&t->lock);
    while (!avl_empty(&t->avl))
        unlink_vma(t, vma_of(t->avl.root));
    vma_unlock(t);
    while (t->chunks) {
        void *chunk = t->chunks;
        t->chunks = *(void **)chunk;
        if (t->source.unmap)
            t->source.unmap(t->source.arg, chunk, POOL_CHUNK_SIZE);
    }
    t->free_nodes = NULL;
    t->free_count = 0;
}

/* ---- Queries ---------------------------------------------------------------------------- */

struct vma *vma_first(const struct vma_tree *t) {
    return vma_of(avl_first(&t->avl));
}

struct vma *vma_next(const struct vma *v) {
    return vma_of(avl_next(&v->node));
}

struct vma *vma_prev(const struct vma *v) {
    return vma_of(avl_prev(&v->node));
}

size_t vma_count(const struct vma_tree *t) {
    return t->count;
}

struct vma *vma_find(const struct vma_tree *t, uint64_t addr) {
    struct vma *v = vma_of(avl_find_le(&t->avl, &addr, cmp_addr));
    return v && addr < v->end ? v : NULL;
}

struct vma *vma_first_from(const struct vma_tree *t, uint64_t addr) {
    struct vma *v = vma_of(avl_find_le(&t->avl, &addr, cmp_addr));
    if (v && addr < v->end)
        return v;
    return v ? vma_next(v) : vma_first(t);
}

bool vma_range_free(const struct vma_tree *t, uint64_t start, uint64_t end) {
    struct vma *v = vma_first_from(t, start);
    return !v || v->start >= end;
}

bool vma_range_owned_by(const struct vma_tree *t, uint64_t start, uint64_t end,
                        enum vma_owner owner) {
    for (struct vma *v = vma_first_from(t, start); v && v->start < end; v = vma_next(v))
        if (v->owner != owner)
            return false;
    return true;
}

static bool attrs_allow(int vprot, int owner, int flags, int prot) {
    if ((vprot & prot) != prot)
        return false;
    return owner == VMA_OWNER_APP || ((flags & VMA_APP_READABLE) && !(prot & VMA_PROT_WRITE));
}

bool vma_range_accessible(const struct vma_tree *t, uint64_t start, uint64_t end, int prot) {
    uint64_t pos = start;
    for (struct vma *v = vma_first_from(t, start); pos < end; v = vma_next(v)) {
        if (!v || v->start > pos || !attrs_allow(v->prot, v->owner, v->flags, prot))
            return false;
        pos = v->end;
    }
    return true;
}

bool vma_span_at(const struct vma_tree *t, uint64_t addr, struct vma_span *out) {
    struct vma *v = vma_find(t, addr);
    if (!v)
        return false;
    out->start = v->start;
    out->end = v->end;
    out->app_prot = 0;
    if (attrs_allow(v->prot, v->owner, v->flags, VMA_PROT_READ))
        out->app_prot |= VMA_PROT_READ;
    if (attrs_allow(v->prot, v->owner, v->flags, VMA_PROT_WRITE))
        out->app_prot |= VMA_PROT_WRITE;
    return true;
}

void vma_attrs_at(const struct vma *v, uint64_t addr, struct vma_attrs *out) {
    out->prot = v->prot;
    out->flags = v->flags;
    out->owner = v->owner;
    out->file = v->file;
    out->offset = v->file ? v->offset + (addr - v->start) : 0;
    out->name = v->name;
}

/* ---- Gap search -------------------------------------------------------------------------- */

struct gap_query {
    uint64_t len, align, low, high;
};

/* The highest fitting address in the free range [lb, rb). */
static bool fit_top(uint64_t lb, uint64_t rb, const struct gap_query *q, uint64_t *out) {
    lb = max_u64(lb, q->low);
    rb = min_u64(rb, q->high);
    if (rb <= lb || rb - lb < q->len)
        return false;
    uint64_t a = (rb - q->len) & ~(q->align - 1);
    if (a < lb)
        return false;
    *out = a;
    return true;
}

/* Searches the free space between lb (the end of the VMA before this subtree) and rb (the
 * start of the VMA after it), highest addresses first. The summaries prune subtrees with no
 * gap big enough, so this is logarithmic unless alignment keeps rejecting big gaps. */
static bool search_top_down(const struct avl_node *n, uint64_t lb, uint64_t rb,
                            const struct gap_query *q, uint64_t *out) {
    if (!n)
        return fit_top(lb, rb, q, out);
    uint64_t clipped_lb = max_u64(lb, q->low), clipped_rb = min_u64(rb, q->high);
    if (clipped_rb <= clipped_lb || clipped_rb - clipped_lb < q->len)
        return false;
    const struct vma *v = vma_of(n);
    if (v->subtree_start - lb < q->len && v->subtree_gap < q->len && rb - v->subtree_end < q->len)
        return false;
    if (search_top_down(n->right, v->end, rb, q, out))
        return true;
    return search_top_down(n->left, lb, v->start, q, out);
}

long vma_find_gap(const struct vma_tree *t, uint64_t len, uint64_t align, uint64_t low,
                  uint64_t high) {
    if (align < VMA_PAGE_SIZE)
        align = VMA_PAGE_SIZE;
    if (!len || (align & (align - 1)))
        return -EINVAL;
    struct gap_query q = {len, align, low, high};
    uint64_t addr;
    if (!search_top_down(t->avl.root, 0, UINT64_MAX, &q, &addr))
        return -ENOMEM;
    return (long)addr;
}

/* ---- Changes ---------------------------------------------------------------------------- */

static void insert_node(struct vma_tree *t, struct vma *v) {
    avl_insert(&t->avl, &v->node);
    t->count++;
}

/* Makes addr a VMA boundary if it falls inside one. The pool must hold a node. */
static void split_at(struct vma_tree *t, uint64_t addr) {
    struct vma *v = vma_find(t, addr);
    if (!v || v->start == addr)
        return;
    struct vma *right = node_take(t);
    struct vma_attrs attrs;
    vma_attrs_at(v, addr, &attrs);
    right->start = addr;
    right->end = v->end;
    right->prot = attrs.prot;
    right->flags = attrs.flags;
    right->owner = attrs.owner;
    right->file = attrs.file;
    right->offset = attrs.offset;
    right->name = attrs.name;
    vma_file_get(right->file);
    v->end = addr;
    avl_node_changed(&t->avl, &v->node);
    insert_node(t, right);
}

static bool mergeable(const struct vma *a, const struct vma *b) {
    return a->end == b->start && a->prot == b->prot && a->flags == b->flags &&
           a->owner == b->owner && same_name(a->name, b->name) && same_file(a->file, b->file) &&
           (!a->file || a->offset + (a->end - a->start) == b->offset);
}

/* Merges neighbours with equal attributes among the VMAs touching [start, end]. */
static void merge_around(struct vma_tree *t, uint64_t start, uint64_t end) {
    struct vma *v = vma_first_from(t, start ? start - 1 : 0);
    while (v && v->start <= end) {
        struct vma *next = vma_next(v);
        if (next && mergeable(v, next)) {
            uint64_t new_end = next->end;
            unlink_vma(t, next); /* first, so that ranges never overlap in the tree */
            v->end = new_end;
            avl_node_changed(&t->avl, &v->node);
            continue;
        }
        v = next;
    }
}

static void remove_locked(struct vma_tree *t, uint64_t start, uint64_t end, vma_range_fn changed,
                          void *arg) {
    split_at(t, start);
    split_at(t, end);
    struct vma *v = vma_first_from(t, start);
    while (v && v->start < end) {
        struct vma *next = vma_next(v);
        if (changed)
            changed(arg, v->start, v->end, v->prot);
        unlink_vma(t, v);
        v = next;
    }
}

static long insert_locked(struct vma_tree *t, uint64_t start, uint64_t end,
                          const struct vma_attrs *attrs) {
    long r = pool_reserve(t, NODES_PER_CHANGE);
    if (r < 0)
        return r;
    remove_locked(t, start, end, NULL, NULL);
    struct vma *v = node_take(t);
    v->start = start;
    v->end = end;
    v->prot = attrs->prot;
    v->flags = attrs->flags;
    v->owner = attrs->owner;
    v->file = attrs->file;
    v->offset = attrs->file ? attrs->offset : 0;
    v->name = attrs->name;
    vma_file_get(v->file);
    insert_node(t, v);
    merge_around(t, start, end);
    return 0;
}

long vma_insert(struct vma_tree *t, uint64_t start, uint64_t end, const struct vma_attrs *attrs) {
    tree_changed(t);
    return insert_locked(t, start, end, attrs);
}

long vma_fill_holes(struct vma_tree *t, uint64_t start, uint64_t end,
                    const struct vma_attrs *attrs) {
    tree_changed(t);
    uint64_t pos = start;
    while (pos < end) {
        struct vma *v = vma_first_from(t, pos);
        uint64_t hole_end = v ? min_u64(v->start, end) : end;
        /* Read before the insert, which may merge v away. */
        uint64_t next = v ? v->end : end;
        if (hole_end > pos) {
            long r = insert_locked(t, pos, hole_end, attrs);
            if (r < 0)
                return r;
        }
        pos = next;
    }
    return 0;
}

long vma_remove(struct vma_tree *t, uint64_t start, uint64_t end, vma_range_fn changed, void *arg) {
    tree_changed(t);
    long r = pool_reserve(t, 2);
    if (r < 0)
        return r;
    remove_locked(t, start, end, changed, arg);
    return 0;
}

static long check_protect(const struct vma_tree *t, uint64_t start, uint64_t end, int prot,
                          enum vma_owner owner) {
    uint64_t pos = start;
    for (struct vma *v = vma_first_from(t, start); pos < end; v = vma_next(v)) {
        if (!v || v->start > pos || v->owner != owner)
            return -ENOMEM;
        if ((prot & VMA_PROT_WRITE) && (v->flags & VMA_NO_MAYWRITE))
            return -EACCES;
        pos = v->end;
    }
    return 0;
}

long vma_protect_preview(const struct vma_tree *t, uint64_t start, uint64_t end, int prot,
                         enum vma_owner owner, vma_range_fn changed, void *arg) {
    long r = check_protect(t, start, end, prot, owner);
    if (r < 0)
        return r;
    for (struct vma *v = vma_first_from(t, start); v && v->start < end; v = vma_next(v))
        if (v->prot != prot && changed)
            changed(arg, max_u64(v->start, start), min_u64(v->end, end), v->prot);
    return 0;
}

long vma_protect(struct vma_tree *t, uint64_t start, uint64_t end, int prot, enum vma_owner owner,
                 vma_range_fn changed, void *arg) {
    tree_changed(t);
    long r = check_protect(t, start, end, prot, owner);
    if (r < 0)
        return r;
    r = pool_reserve(t, 2);
    if (r < 0)
        return r;
    struct vma *v = vma_first_from(t, start);
    while (v && v->start < end) {
        if (v->prot != prot) {
            /* Only a VMA that really changes is split, and only the first and the last
             * can straddle the range. */
            if (v->start < start) {
                split_at(t, start);
                v = vma_find(t, start);
            }
            if (v->end > end)
                split_at(t, end);
            int old_prot = v->prot;
            v->prot = prot;
            if (changed)
                changed(arg, v->start, v->end, old_prot);
        }
        v = vma_next(v);
    }
    merge_around(t, start, end);
    return 0;
}

static int updated_flags(const struct vma *v, int set, int clear) {
    return (v->flags | set) & ~clear;
}

void vma_update_flags_preview(const struct vma_tree *t, uint64_t start, uint64_t end, int set,
                              int clear, enum vma_owner owner, vma_range_fn changed, void *arg) {
    for (struct vma *v = vma_first_from(t, start); v && v->start < end; v = vma_next(v))
        if (v->owner == owner && updated_flags(v, set, clear) != v->flags && changed)
            changed(arg, max_u64(v->start, start), min_u64(v->end, end), v->prot);
}

long vma_update_flags(struct vma_tree *t, uint64_t start, uint64_t end, int set, int clear,
                      enum vma_owner owner, vma_range_fn changed, void *arg) {
    tree_changed(t);
    long r = pool_reserve(t, 2);
    if (r < 0)
        return r;
    struct vma *v = vma_first_from(t, start);
    while (v && v->start < end) {
        if (v->owner == owner && updated_flags(v, set, clear) != v->flags) {
            if (v->start < start) {
                split_at(t, start);
                v = vma_find(t, start);
            }
            if (v->end > end)
                split_at(t, end);
            v->flags = updated_flags(v, set, clear);
            if (changed)
                changed(arg, v->start, v->end, v->prot);
        }
        v = vma_next(v);
    }
    merge_around(t, start, end);
    return 0;
}

/* ---- Verification ------------------------------------------------------------------------ */

static bool verify_summaries(const struct avl_node *n) {
    if (!n)
        return true;
    const struct vma *v = vma_of(n);
    struct vma copy = *v;
    update_summary(&copy.node);
    return copy.subtree_start == v->subtree_start && copy.subtree_end == v->subtree_end &&
           copy.subtree_gap == v->subtree_gap && verify_summaries(n->left) &&
           verify_summaries(n->right);
}

bool vma_verify(const struct vma_tree *t) {
    long count = avl_verify(&t->avl);
    if (count < 0 || (size_t)count != t->count)
        return false;
    const struct vma *prev = NULL;
    for (const struct vma *v = vma_first(t); v; v = vma_next(v)) {
        if (v->start >= v->end || (v->start | v->end) & (VMA_PAGE_SIZE - 1))
            return false;
        if (prev && (prev->end > v->start || mergeable(prev, v)))
            return false;
        if (v->file && v->file->refcount < 1)
            return false;
        prev = v;
    }
    return verify_summaries(t->avl.root);
}
