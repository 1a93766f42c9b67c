/* unit-sources: common/patch_sites.c common/trampoline.c common/x86_decode.c common/string.c */
/* Syscall sites, their windows and trampolines, on hand-assembled code. */
#include "common/patch_sites.h"
#include "common/trampoline.h"
#include "common/x86_decode.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/check.h"

#define EXPECT(cond) CHECK(cond, "%s", #cond)

#define BASE 0x401000ULL

static struct patch_site_list find(const uint8_t *code, size_t len) {
    struct func_range fn = {.start = BASE, .end = BASE + len};
    struct patch_site_list list;
    EXPECT(patch_sites_find(code, BASE, len, &fn, 1, &list) == 0);
    return list;
}

static void test_simple_site(void) {
    /* mov $39,%eax; syscall; ret */
    static const uint8_t code[] = {0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0xc3};
    struct patch_site_list l = find(code, sizeof(code));
    EXPECT(l.count == 1);
    EXPECT(l.sites[0].address == BASE + 5);
    EXPECT(l.sites[0].reason == PATCH_OK);
    EXPECT(l.sites[0].window.start == BASE);
    EXPECT(l.sites[0].window.length == 7);
    EXPECT(l.sites[0].window.syscall_index == 1);
    EXPECT(l.sites[0].window.insn_count == 2);
    patch_sites_free(&l);
}

static void test_target_at_syscall(void) {
    /* mov $39,%eax; L: syscall; cmp $-4095,%rax; jne L; ret: the window starts at L. */
    static const uint8_t code[] = {0xb8, 0x27, 0,    0,    0,    0x0f, 0x05, 0x48,
                                   0x3d, 0x01, 0xf0, 0xff, 0xff, 0x75, 0xf6, 0xc3};
    struct patch_site_list l = find(code, sizeof(code));
    EXPECT(l.count == 1 && l.sites[0].reason == PATCH_OK);
    EXPECT(l.sites[0].window.start == BASE + 5);
    EXPECT(l.sites[0].window.length == 8);
    EXPECT(l.sites[0].window.syscall_index == 0);
    EXPECT(l.branch_targets == 1);
    patch_sites_free(&l);
}

static void test_no_window(void) {
    /* jmp L; nop...; L: syscall; ret: a target at the syscall, and nothing replayable after
     * it (ret is control flow), so fewer than 5 bytes: left to the catch. */
    static const uint8_t code[] = {0xeb, 0x03, 0x90, 0x90, 0x90, 0x0f, 0x05, 0xc3};
    struct patch_site_list l = find(code, sizeof(code));
    EXPECT(l.count == 1);
    EXPECT(l.sites[0].reason == PATCH_NO_WINDOW);
    patch_sites_free(&l);
}

static void test_sysenter_left(void) {
    static const uint8_t code[] = {0xb8, 0x27, 0, 0, 0, 0x0f, 0x34, 0xc3};
    struct patch_site_list l = find(code, sizeof(code));
    EXPECT(l.count == 1 && l.sites[0].kind == PATCH_SITE_SYSENTER);
    EXPECT(l.sites[0].reason == PATCH_SYSENTER);
    patch_sites_free(&l);
}

static void test_two_sites_do_not_overlap(void) {
    /* mov $39,%eax; syscall; mov $39,%eax; syscall; ret */
    static const uint8_t code[] = {0xb8, 0x27, 0, 0, 0,    0x0f, 0x05, 0xb8,
                                   0x27, 0,    0, 0, 0x0f, 0x05, 0xc3};
    struct patch_site_list l = find(code, sizeof(code));
    EXPECT(l.count == 2);
    EXPECT(l.sites[0].reason == PATCH_OK && l.sites[1].reason == PATCH_OK);
    EXPECT(l.sites[0].window.start + l.sites[0].window.length <= l.sites[1].window.start);
    patch_sites_free(&l);
}

/* Decodes the trampoline and checks its shape: the relocated instructions, the entry
 * sequence, the restart jump and the jump back. */
static void test_trampoline(void) {
    /* mov 0x100(%rip),%eax; syscall; ret: the load moves into the trampoline. */
    static const uint8_t code[] = {0x8b, 0x05, 0x00, 0x01, 0, 0, 0x0f, 0x05, 0xc3};
    struct patch_site_list l = find(code, sizeof(code));
    EXPECT(l.count == 1 && l.sites[0].reason == PATCH_OK);
    const struct patch_window *w = &l.sites[0].window;
    EXPECT(w->start == BASE && w->length == 8 && w->syscall_index == 1);
    uint64_t tramp = BASE - 0x10000;
    uint8_t out[TRAMPOLINE_MAX];
    struct trampoline info;
    int n = trampoline_build(code, w, BASE, tramp, 208, out, &info);
    EXPECT(n == 6 + 7 + 8 + 2 + 5);
    struct x86_insn insn;
    /* The displaced load still reads 0x100 past its original end. */
    EXPECT(x86_decode(out, (size_t)n, tramp, &insn) == 6);
    EXPECT((insn.flags & X86_INSN_RIP_RELATIVE) && insn.rip_target == BASE + 6 + 0x100);
    uint64_t label = tramp + 6, ret_point = label + 17;
    EXPECT(x86_decode(out + 6, (size_t)n - 6, label, &insn) == 7);
    EXPECT(insn.rip_target == ret_point); /* lea R(%rip), %rcx */
    EXPECT(x86_decode(out + 13, (size_t)n - 13, label + 7, &insn) == 8);
    EXPECT(insn.kind == X86_KIND_JMP_INDIRECT && insn.segment == 0x65);
    EXPECT(x86_decode(out + 21, (size_t)n - 21, label + 15, &insn) == 2);
    EXPECT(insn.kind == X86_KIND_JMP && insn.target == label); /* the restart */
    EXPECT(x86_decode(out + 23, (size_t)n - 23, ret_point, &insn) == 5);
    EXPECT(insn.kind == X86_KIND_JMP && insn.target == BASE + w->length);
    EXPECT(info.insn_offset[0] == 0 && info.insn_offset[1] == 6 && info.insn_offset[2] == 23);

    uint8_t patch[PATCH_WINDOW_MAX];
    EXPECT(trampoline_patch_bytes(w, BASE, tramp, patch) == 8);
    EXPECT(x86_decode(patch, 8, BASE, &insn) == 5 && insn.target == tramp);
    EXPECT(patch[5] == 0xcc && patch[6] == 0xcc && patch[7] == 0xcc);

    /* Out of reach: more than 2 GiB between the code and the trampoline. */
    EXPECT(trampoline_build(code, w, BASE, BASE + (3ULL << 31), 208, out, &info) < 0);
    EXPECT(trampoline_patch_bytes(w, BASE, BASE + (3ULL << 31), patch) < 0);
    patch_sites_free(&l);
}

/* A syscall with an instruction after it in the window: R replays that instruction and
 * jumps back. */
static void test_trampoline_syscall_first(void) {
    /* mov $39,%eax; L: syscall; cmp $-4095,%rax; jne L; ret: the window is [syscall, cmp]. */
    static const uint8_t code[] = {0xb8, 0x27, 0,    0,    0,    0x0f, 0x05, 0x48,
                                   0x3d, 0x01, 0xf0, 0xff, 0xff, 0x75, 0xf6, 0xc3};
    struct patch_site_list l = find(code, sizeof(code));
    EXPECT(l.count == 1 && l.sites[0].reason == PATCH_OK);
    const struct patch_window *w = &l.sites[0].window;
    EXPECT(w->syscall_index == 0 && w->insn_count == 2);
    uint64_t tramp = BASE - 0x10000;
    uint8_t out[TRAMPOLINE_MAX];
    struct trampoline info;
    int n = trampoline_build(code + 5, w, w->start, tramp, 208, out, &info);
    EXPECT(n == 7 + 8 + 2 + 6 + 5);
    struct x86_insn insn;
    uint64_t ret_point = tramp + 17;
    EXPECT(x86_decode(out, (size_t)n, tramp, &insn) == 7 && insn.rip_target == ret_point);
    EXPECT(x86_decode(out + 15, (size_t)n - 15, tramp + 15, &insn) == 2);
    EXPECT(insn.kind == X86_KIND_JMP && insn.target == tramp);           /* the restart */
    EXPECT(x86_decode(out + 17, (size_t)n - 17, ret_point, &insn) == 6); /* the cmp */
    EXPECT(x86_decode(out + 23, (size_t)n - 23, ret_point + 6, &insn) == 5);
    EXPECT(insn.kind == X86_KIND_JMP && insn.target == w->start + w->length);
    EXPECT(info.insn_offset[0] == 0 && info.insn_offset[1] == 17 && info.insn_offset[2] == 23);
    patch_sites_free(&l);
}

static void test_decode_error_stops_function(void) {
    /* An undefined opcode (06 is invalid in 64-bit mode) before the site: the function's
     * disassembly stops and the site is not found there. */
    static const uint8_t code[] = {0x06, 0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0xc3};
    struct patch_site_list l = find(code, sizeof(code));
    EXPECT(l.count == 0 && l.decode_errors == 1);
    patch_sites_free(&l);
}

int main(void) {
    test_simple_site();
    test_target_at_syscall();
    test_no_window();
    test_sysenter_left();
    test_two_sites_do_not_overlap();
    test_trampoline();
    test_trampoline_syscall_first();
    test_decode_error_stops_function();
    return unit_report("patch_sites");
}
