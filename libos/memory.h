/* The LibOS's memory entry points for its own parts (loader, threads, allocator): each
 * records the range in the VMA tree and asks the PAL only for what changes. */
#ifndef LIBOS_MEMORY_H
#define LIBOS_MEMORY_H

#include <stdint.h>
#include <stddef.h>

#define LIBOS_MAP_PRIVATE 0x0
#define LIBOS_MAP_SHARED 0x1
#define LIBOS_MAP_FIXED 0x2 /* exactly at addr, replacing what is there */
#define LIBOS_MAP_STACK 0x4 /* the main stack: named [stack], grows down */

/* Maps app memory (handle < 0: anonymous); addr 0 lets the LibOS choose, near addr when it is
 * a hint. Returns the address or -errno. */
long libos_mem_map_app(uint64_t addr, size_t len, int prot, int flags, int handle, uint64_t offset,
                       const char *name);
long libos_mem_protect_app(uint64_t addr, size_t len, int prot);
/* execve: unmaps every app mapping and forgets the break; runtime memory stays. */
void libos_mem_release_app(void);
/* Memory for the runtime itself (owner: runtime); NULL on failure. */
void *libos_mem_map_runtime(size_t len);
void libos_mem_unmap_runtime(void *addr, size_t len);

/* A free range of len bytes whose every byte is within `reach` of every byte of
 * [near_lo, near_hi) (patch trampolines: rel32 jumps); the highest such below near_lo if
 * any, else above near_hi. -ENOMEM when there is none. */
long libos_mem_free_near(uint64_t near_lo, uint64_t near_hi, size_t len, uint64_t reach);

/* Where app mappings may go: what the PAL gave the app (the whole user space, or an
 * enclave's range less the runtime's part). */
void libos_mem_window(uint64_t *low, uint64_t *high);

void libos_memory_init(void);
void libos_brk_init(uint64_t start, uint64_t max_size);

#endif
