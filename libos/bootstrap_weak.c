/* Interim weak definitions so the core links before the memory and files layers land;
 * each is overridden by the real definition. To be deleted once those layers are in. */
#include "libos/libos.h"
#include "libos/memory.h"
#include "libos/uaccess.h"
#include "libos/fd.h"
#include "pal/pal.h"
#include "pal/direct/host.h"
#include "common/string.h"

#define WEAK __attribute__((weak))

WEAK bool uaccess_ok(const void *addr, size_t len, bool write) { return (uintptr_t)addr >= 4096; }
WEAK long libos_mem_map_app(uint64_t addr, size_t len, int prot, int flags, int handle,
                            uint64_t offset, const char *name) {
    return pal_mem_map((void *)addr, len, prot,
                       (flags & LIBOS_MAP_FIXED ? PAL_MAP_FIXED : 0) |
                           (flags & LIBOS_MAP_SHARED ? PAL_MAP_SHARED : 0),
                       handle, offset);
}
WEAK long libos_mem_protect_app(uint64_t addr, size_t len, int prot) {
    return pal_mem_protect((void *)addr, len, prot);
}
WEAK void *libos_mem_map_runtime(size_t len) {
    long r = pal_mem_map(NULL, len, PAL_PROT_READ | PAL_PROT_WRITE, 0, -1, 0);
    return r < 0 ? NULL : (void *)r;
}
WEAK void libos_mem_unmap_runtime(void *addr, size_t len) { pal_mem_unmap(addr, len); }
WEAK void libos_memory_init(void) {}
WEAK void libos_brk_init(uint64_t start, uint64_t max) {}
WEAK long uaccess_strlen(const char *s, size_t max) {
    if ((uintptr_t)s < 4096)
        return -14;
    size_t n = strnlen(s, max);
    return n == max ? -36 : (long)n;
}
