/* Load-time syscall patching of app code (libos/patch.c, design section 3). */
#ifndef LIBOS_PATCH_H
#define LIBOS_PATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A private file mapping [addr, addr + len) of handle at offset, just made with prot:
 * when it is executable ELF code, its syscall sites are patched before it runs. */
void libos_patch_mapping(uint64_t addr, size_t len, int prot, int handle, uint64_t offset,
                         const char *name);
/* A trap at *rip (just after an int3) inside a patched window: *rip becomes the same point
 * in the window's trampoline and true is returned. Safe in host signal context. */
bool libos_patch_redirect(uint64_t *rip);
/* What the app sees of a RIP: an address in a trampoline becomes the address of the
 * original instruction it stands for (signal frames show the app's own code). */
uint64_t libos_patch_app_rip(uint64_t rip);
/* The reverse, for a context the app hands back (rt_sigreturn): a RIP at an instruction
 * inside a patched window becomes its copy in the trampoline. */
uint64_t libos_patch_resume_rip(uint64_t rip);
/* Code in [start, end) is going away (munmap, exec, MAP_FIXED over it): its windows are
 * forgotten, so that new code at the same addresses is not taken for them. */
void libos_patch_forget(uint64_t start, uint64_t end);
/* fork: the window table is locked across the copy (after the VMA tree: the VMA layer
 * calls libos_patch_forget with the tree locked). */
void libos_patch_fork_lock(void);
void libos_patch_fork_unlock(void);
/* Called by the patched entry stub (libos/entry.S). */
void libos_handle_patched_syscall(void);
uint64_t libos_patched_syscall_count(void);
/* --stats: per object, sites found, patched and left (each with its reason). */
void libos_patch_print_stats(void);

#endif
