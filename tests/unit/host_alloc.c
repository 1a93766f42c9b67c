/* The runtime heap for unit tests: rt_malloc & co map straight onto libc, so that
 * AddressSanitizer sees every block and reports leaks, overflows and double frees in the
 * code under test. Linked into every unit test that does not test common/alloc.c itself. */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

void alloc_init(const struct alloc_page_source *source) {
    (void)source;
}

void *rt_malloc(size_t size) {
    return malloc(size);
}

void *rt_calloc(size_t count, size_t size) {
    return calloc(count, size);
}

void *rt_realloc(void *ptr, size_t size) {
    return realloc(ptr, size);
}

void rt_free(void *ptr) {
    free(ptr);
}

char *rt_strdup(const char *s) {
    return strdup(s);
}
