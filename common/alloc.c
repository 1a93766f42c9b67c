#include "common/alloc.h"
#include "common/spinlock.h"
#include "common/string.h"
#include <stdint.h>

#define PAGE 4096UL
#define MIN_SHIFT 4  /* 16-byte blocks */
#define MAX_SHIFT 11 /* 2 KiB blocks; larger requests are page runs */
#define CHUNK (64 * 1024UL)

/* Every block is preceded by a 16-byte header so rt_free can find its class. */
struct header {
    size_t size; /* class size for small blocks, mapped length for large ones */
    size_t large;
};

struct free_block {
    struct free_block *next;
};

static struct alloc_page_source g_source;
static struct free_block *g_free[MAX_SHIFT + 1];
static spinlock_t g_lock = SPINLOCK_INIT;

void alloc_init(const struct alloc_page_source *source) {
    g_source = *source;
}

static unsigned class_of(size_t total) {
    unsigned shift = MIN_SHIFT;
    while (((size_t)1 << shift) < total)
        shift++;
    return shift;
}

void alloc_fork_lock(void) {
    spin_lock(&g_lock);
}

void alloc_fork_unlock(void) {
    spin_unlock(&g_lock);
}

static int refill(unsigned shift) {
    char *chunk = g_source.map(CHUNK);
    if (!chunk)
        return -1;
    size_t block = (size_t)1 << shift;
    for (size_t off = 0; off + block <= CHUNK; off += block) {
        struct free_block *fb = (struct free_block *)(chunk + off);
        fb->next = g_free[shift];
        g_free[shift] = fb;
    }
    return 0;
}

void *rt_malloc(size_t size) {
    if (size > SIZE_MAX - PAGE - sizeof(struct header))
        return NULL;
    size_t total = size + sizeof(struct header);
    if (total > ((size_t)1 << MAX_SHIFT)) {
        size_t len = (total + PAGE - 1) & ~(PAGE - 1);
        struct header *h = g_source.map(len);
        if (!h)
            return NULL;
        h->size = len;
        h->large = 1;
        return h + 1;
    }
    unsigned shift = class_of(total);
    spin_lock(&g_lock);
    if (!g_free[shift] && refill(shift) < 0) {
        spin_unlock(&g_lock);
        return NULL;
    }
    struct free_block *fb = g_free[shift];
    g_free[shift] = fb->next;
    spin_unlock(&g_lock);
    struct header *h = (struct header *)fb;
    h->size = (size_t)1 << shift;
    h->large = 0;
    return h + 1;
}

void *rt_calloc(size_t count, size_t size) {
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = rt_malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void rt_free(void *ptr) {
    if (!ptr)
        return;
    struct header *h = (struct header *)ptr - 1;
    if (h->large) {
        g_source.unmap(h, h->size);
        return;
    }
    unsigned shift = class_of(h->size);
    struct free_block *fb = (struct free_block *)h;
    spin_lock(&g_lock);
    fb->next = g_free[shift];
    g_free[shift] = fb;
    spin_unlock(&g_lock);
}

void *rt_realloc(void *ptr, size_t size) {
    if (!ptr)
        return rt_malloc(size);
    struct header *h = (struct header *)ptr - 1;
    size_t have = h->size - sizeof(struct header);
    if (size <= have)
        return ptr;
    void *n = rt_malloc(size);
    if (!n)
        return NULL;
    memcpy(n, ptr, have);
    rt_free(ptr);
    return n;
}

char *rt_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = rt_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}
