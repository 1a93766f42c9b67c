/* The runtime's heap. Small blocks come from power-of-two size classes carved out of
 * pages; large blocks are page runs of their own. Pages come from a provider that the
 * layer owning the address space installs (the LibOS, so its VMA tree sees them). */
#ifndef COMMON_ALLOC_H
#define COMMON_ALLOC_H

#include <stddef.h>

struct alloc_page_source {
    void *(*map)(size_t len); /* returns NULL on failure; len is page multiple */
    void (*unmap)(void *addr, size_t len);
};

void alloc_init(const struct alloc_page_source *source);
/* fork: the heap is locked across the copy so the child gets it in a consistent state. */
void alloc_fork_lock(void);
void alloc_fork_unlock(void);
void *rt_malloc(size_t size);
void *rt_calloc(size_t count, size_t size);
void *rt_realloc(void *ptr, size_t size);
void rt_free(void *ptr);
char *rt_strdup(const char *s);

#endif
