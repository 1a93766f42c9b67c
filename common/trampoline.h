/* The per-site trampoline of a patched syscall window (design section 3).
 *
 *        <the window's instructions before the syscall, RIP-relative operands fixed up>
 *     L: lea  R(%rip), %rcx          the return point, in rcx (syscall clobbers rcx anyway)
 *        jmp  *%gs:ENTRY             the LibOS's patched-syscall entry
 *        jmp  L                      R - 2: a restarted syscall comes back here (RIP - 2)
 *     R: <the window's instructions after the syscall>
 *        jmp  <end of the window>
 *
 * Nothing touches the app's stack, so the red zone, Go's small goroutine stacks, vfork's
 * popped return address and clone's new stack all stay as they are. The LibOS entry saves
 * the app's registers with RIP = rcx, runs the syscall and resumes at that RIP (or at
 * RIP - 2 to restart it, as after a `syscall` instruction). */
#ifndef COMMON_TRAMPOLINE_H
#define COMMON_TRAMPOLINE_H

#include <stddef.h>
#include <stdint.h>
#include "common/patch_sites.h"

#define TRAMPOLINE_MAX (PATCH_WINDOW_MAX + 7 + 8 + 2 + 5)

struct trampoline {
    uint8_t length;
    /* For each instruction start of the window (and its end): where the same point is in
     * the trampoline, so that a jump into the window can be redirected. */
    uint8_t insn_offset[PATCH_WINDOW_INSNS + 1];
};

/* Builds the trampoline of window w, whose original bytes are `code` (w->length of them)
 * and which lives at `window_addr`, to run at `tramp_addr`; gs_entry is the %gs offset of
 * the entry's address. Returns its length, or -1 when a RIP-relative operand or the jumps
 * do not reach (more than 2 GiB away). */
int trampoline_build(const uint8_t *code, const struct patch_window *w, uint64_t window_addr,
                     uint64_t tramp_addr, uint32_t gs_entry, uint8_t out[TRAMPOLINE_MAX],
                     struct trampoline *info);

/* The patch itself: jmp rel32 to the trampoline, then int3 up to the window's length.
 * Returns -1 when the trampoline is out of reach. */
int trampoline_patch_bytes(const struct patch_window *w, uint64_t window_addr, uint64_t tramp_addr,
                           uint8_t out[PATCH_WINDOW_MAX]);

#endif
