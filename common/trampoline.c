/* Trampolines of patched syscall windows: see trampoline.h. */
#include "common/trampoline.h"
#include "common/string.h"
#include "common/x86_decode.h"

static bool fits_rel32(int64_t v) {
    return v >= INT32_MIN && v <= INT32_MAX;
}

static void put32(uint8_t *p, int32_t v) {
    memcpy(p, &v, 4);
}

/* Copies one instruction to run at `to`; a RIP-relative operand keeps its target. */
static int relocate(const uint8_t *code, size_t len, uint64_t from, uint64_t to, uint8_t *out) {
    struct x86_insn insn;
    int n = x86_decode(code, len, from, &insn);
    if (n < 0)
        return -1;
    memcpy(out, code, (size_t)n);
    if (insn.flags & X86_INSN_RIP_RELATIVE) {
        int64_t disp = (int64_t)(insn.rip_target - (to + (uint64_t)n));
        /* With a 67 prefix the target wraps at 4 GiB: not worth moving. */
        if (!fits_rel32(disp) || insn.disp_size != 4 || (insn.prefixes & X86_PREFIX_ADDRSIZE))
            return -1;
        put32(out + insn.disp_offset, (int32_t)disp);
    }
    return n;
}

int trampoline_build(const uint8_t *code, const struct patch_window *w, uint64_t window_addr,
                     uint64_t tramp_addr, uint32_t gs_entry, uint8_t out[TRAMPOLINE_MAX],
                     struct trampoline *info) {
    size_t at = 0;
    memset(info, 0, sizeof(*info));
    for (int i = 0; i < w->insn_count; i++) {
        uint8_t from = w->insn_offset[i], len = (uint8_t)(w->insn_offset[i + 1] - from);
        info->insn_offset[i] = (uint8_t)at;
        if (i == w->syscall_index) {
            /* L: lea R(%rip), %rcx; jmp *%gs:gs_entry; jmp L; R: */
            static const uint8_t lea_rcx[] = {0x48, 0x8d, 0x0d};
            static const uint8_t jmp_gs[] = {0x65, 0xff, 0x24, 0x25};
            size_t label = at;
            memcpy(out + at, lea_rcx, 3);
            put32(out + at + 3, 7 + 8 + 2 - 7); /* from the lea's end to R */
            at += 7;
            memcpy(out + at, jmp_gs, 4);
            put32(out + at + 4, (int32_t)gs_entry);
            at += 8;
            out[at] = 0xeb;
            out[at + 1] = (uint8_t)(int8_t)((int64_t)label - (int64_t)(at + 2));
            at += 2;
            continue;
        }
        int n = relocate(code + from, len, window_addr + from, tramp_addr + at, out + at);
        if (n != len)
            return -1;
        at += (size_t)n;
    }
    info->insn_offset[w->insn_count] = (uint8_t)at;
    int64_t back = (int64_t)(window_addr + w->length - (tramp_addr + at + 5));
    if (!fits_rel32(back))
        return -1;
    out[at] = 0xe9;
    put32(out + at + 1, (int32_t)back);
    at += 5;
    info->length = (uint8_t)at;
    return (int)at;
}

int trampoline_patch_bytes(const struct patch_window *w, uint64_t window_addr, uint64_t tramp_addr,
                           uint8_t out[PATCH_WINDOW_MAX]) {
    int64_t rel = (int64_t)(tramp_addr - (window_addr + PATCH_JMP_LEN));
    if (!fits_rel32(rel) || w->length < PATCH_JMP_LEN)
        return -1;
    out[0] = 0xe9;
    put32(out + 1, (int32_t)rel);
    memset(out + PATCH_JMP_LEN, 0xcc, w->length - PATCH_JMP_LEN);
    return w->length;
}
