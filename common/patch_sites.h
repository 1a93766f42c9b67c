/* Finding the syscall sites of an object's code and choosing the patch window of each
 * (design section 3). Pure: it reads the code bytes and the function list it is given and
 * decides; the LibOS (libos/patch.c) writes the patches.
 *
 * Every function is disassembled linearly from its start; direct branch targets of the whole
 * object are collected first, so that no window covers a place some branch lands on (other
 * than the window's start). A window is the site's `syscall` plus whole instructions around
 * it, at least 5 bytes (a jmp rel32), all of them instructions a trampoline can replay
 * (no control flow, no other site), inside one function. Among the valid windows the one
 * with the fewest instruction starts under the jmp's displacement (offsets 1-4, which a
 * stray jump could not be redirected from) wins, then the shortest. */
#ifndef COMMON_PATCH_SITES_H
#define COMMON_PATCH_SITES_H

#include <stddef.h>
#include <stdint.h>
#include "common/func_discovery.h"

#define PATCH_JMP_LEN 5
#define PATCH_WINDOW_MAX 32 /* bytes */
#define PATCH_WINDOW_INSNS 8

enum patch_site_kind { PATCH_SITE_SYSCALL, PATCH_SITE_SYSENTER };

/* Why a site stays on the kernel catch. */
enum patch_reason {
    PATCH_OK,
    PATCH_NO_WINDOW,  /* no run of replayable instructions of 5 bytes without a target */
    PATCH_SYSENTER,   /* sysenter: 32-bit ABI, never patched */
    PATCH_TRAMPOLINE, /* the trampoline could not be built (RIP-relative out of reach) */
    PATCH_UNWRITABLE, /* the code could not be made writable */
    PATCH_REASON_COUNT
};

struct patch_window {
    uint64_t start;                              /* link-time address of the first byte replaced */
    uint8_t length;                              /* bytes replaced: a jmp rel32, then int3 */
    uint8_t syscall_index;                       /* which of the instructions is the site */
    uint8_t insn_count;                          /* instructions in the window, the site included */
    uint8_t insn_offset[PATCH_WINDOW_INSNS + 1]; /* starts, then the window's length */
};

struct patch_site {
    uint64_t address;           /* link-time address of the syscall instruction */
    uint8_t kind;               /* enum patch_site_kind */
    uint8_t reason;             /* enum patch_reason */
    uint32_t func;              /* index of its function in the list it was found with */
    struct patch_window window; /* when reason == PATCH_OK */
};

struct patch_site_list {
    struct patch_site *sites; /* sorted by address; rt_malloc'd */
    size_t count;
    size_t decode_errors;  /* functions whose linear disassembly stopped early */
    size_t branch_targets; /* distinct direct branch targets inside the code */
};

/* The code of one executable region: `code` holds `len` bytes that live at link-time
 * address `address`. funcs: the object's functions (func_discover), sorted. Returns 0 or
 * -1 (out of memory). */
int patch_sites_find(const uint8_t *code, uint64_t address, size_t len,
                     const struct func_range *funcs, size_t nfuncs, struct patch_site_list *out);
void patch_sites_free(struct patch_site_list *list);

const char *patch_reason_text(unsigned reason);

#endif
