/* unit-sources: common/x86_decode.c */
/* The x86-64 decoder: lengths and kinds of every instruction class, branch and RIP-relative
 * targets, operand offsets, invalid and truncated input, and a fuzz loop (under ASan) that
 * checks the decoder never reads past `avail` and never needs more bytes than it reports. */
#include "common/x86_decode.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/check.h"

#define NONE 0xffffffffffffffffull

/* "48 8b 05 ..." -> bytes; returns the count. */
static size_t parse_hex(const char *hex, uint8_t *out, size_t max) {
    size_t n = 0;
    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned byte;
        if (n == max || sscanf(p, "%2x", &byte) != 1) {
            printf("bad test vector: %s\n", hex);
            exit(2);
        }
        out[n++] = (uint8_t)byte;
        p += 2;
    }
    return n;
}

/* Decodes `hex` from a heap buffer of exactly `avail` bytes, so that ASan sees any read
 * beyond it. */
static int decode_exact(const uint8_t *bytes, size_t avail, uint64_t address,
                        struct x86_insn *insn) {
    uint8_t *copy = malloc(avail ? avail : 1);
    memcpy(copy, bytes, avail);
    int result = x86_decode(copy, avail, address, insn);
    free(copy);
    return result;
}

/* ---- Lengths, kinds, fall-through, stack use ----------------------------------------- */

#define FT X86_INSN_FALLS_THROUGH
#define STACK X86_INSN_USES_STACK

struct length_case {
    const char *hex;
    int length;
    enum x86_kind kind;
    unsigned flags; /* expected value of FALLS_THROUGH | USES_STACK */
};

static const struct length_case length_cases[] = {
    /* nops and hints */
    {"90", 1, X86_KIND_NOP, FT},
    {"66 90", 2, X86_KIND_NOP, FT},
    {"41 90", 2, X86_KIND_OTHER, FT}, /* xchg r8d, eax */
    {"f3 90", 2, X86_KIND_OTHER, FT}, /* pause */
    {"0f 1f 00", 3, X86_KIND_NOP, FT},
    {"0f 1f 40 00", 4, X86_KIND_NOP, FT},
    {"0f 1f 44 00 00", 5, X86_KIND_NOP, FT},
    {"66 0f 1f 44 00 00", 6, X86_KIND_NOP, FT},
    {"0f 1f 80 00 00 00 00", 7, X86_KIND_NOP, FT},
    {"0f 1f 84 00 00 00 00 00", 8, X86_KIND_NOP, FT},
    {"66 2e 0f 1f 84 00 00 00 00 00", 10, X86_KIND_NOP, FT},
    {"f3 0f 1e fa", 4, X86_KIND_ENDBR, FT},
    {"f3 0f 1e fb", 4, X86_KIND_ENDBR, FT},
    {"0f 18 08", 3, X86_KIND_OTHER, FT}, /* prefetcht0 */
    {"0f 0d 08", 3, X86_KIND_OTHER, FT}, /* prefetchw */
    /* system call instructions */
    {"0f 05", 2, X86_KIND_SYSCALL, FT},
    {"0f 34", 2, X86_KIND_SYSENTER, FT},
    {"cd 80", 2, X86_KIND_INT80, FT},
    {"cd 03", 2, X86_KIND_INT, FT},
    {"cc", 1, X86_KIND_INT3, 0},
    {"f1", 1, X86_KIND_INT1, FT},
    {"0f 07", 2, X86_KIND_SYSRET, 0},
    /* returns, traps, halts */
    {"c3", 1, X86_KIND_RET, STACK},
    {"f3 c3", 2, X86_KIND_RET, STACK},
    {"c2 08 00", 3, X86_KIND_RET, STACK},
    {"cb", 1, X86_KIND_RETF, STACK},
    {"ca 04 00", 3, X86_KIND_RETF, STACK},
    {"48 cf", 2, X86_KIND_IRET, STACK},
    {"0f 0b", 2, X86_KIND_UD, 0},
    {"0f b9 00", 3, X86_KIND_UD, 0},
    {"0f ff c0", 3, X86_KIND_UD, 0},
    {"f4", 1, X86_KIND_HLT, 0},
    /* direct branches */
    {"eb fe", 2, X86_KIND_JMP, 0},
    {"e9 00 00 00 00", 5, X86_KIND_JMP, 0},
    {"f2 e9 00 00 00 00", 6, X86_KIND_JMP, 0}, /* bnd jmp */
    {"e8 00 00 00 00", 5, X86_KIND_CALL, FT | STACK},
    {"74 00", 2, X86_KIND_JCC, FT},
    {"2e 74 00", 3, X86_KIND_JCC, FT}, /* branch hints */
    {"3e 74 00", 3, X86_KIND_JCC, FT},
    {"0f 84 00 00 00 00", 6, X86_KIND_JCC, FT},
    {"e0 fe", 2, X86_KIND_LOOP, FT},
    {"e1 fe", 2, X86_KIND_LOOP, FT},
    {"e2 fe", 2, X86_KIND_LOOP, FT},
    {"e3 fe", 2, X86_KIND_JRCXZ, FT},
    {"67 e3 fe", 3, X86_KIND_JRCXZ, FT},
    {"c7 f8 00 00 00 00", 6, X86_KIND_XBEGIN, FT},
    {"c6 f8 01", 3, X86_KIND_OTHER, FT}, /* xabort */
    /* near branches with 66: rel16, as objdump decodes them (the AMD reading) */
    {"66 e9 10 00", 4, X86_KIND_JMP, 0},
    {"66 e8 10 00", 4, X86_KIND_CALL, FT | STACK},
    {"66 0f 84 10 00", 5, X86_KIND_JCC, FT},
    {"66 c7 f8 10 00", 5, X86_KIND_XBEGIN, FT},
    {"66 48 e8 00 00 00 00", 7, X86_KIND_CALL, FT | STACK}, /* REX.W wins: rel32 */
    {"66 eb 10", 3, X86_KIND_JMP, 0},
    /* indirect branches */
    {"ff d0", 2, X86_KIND_CALL_INDIRECT, FT | STACK},
    {"41 ff d3", 3, X86_KIND_CALL_INDIRECT, FT | STACK},
    {"ff 15 00 00 00 00", 6, X86_KIND_CALL_INDIRECT, FT | STACK},
    {"ff e0", 2, X86_KIND_JMP_INDIRECT, 0},
    {"3e ff e0", 3, X86_KIND_JMP_INDIRECT, 0}, /* notrack */
    {"ff 25 00 00 00 00", 6, X86_KIND_JMP_INDIRECT, 0},
    {"ff 24 c5 00 00 00 00", 7, X86_KIND_JMP_INDIRECT, 0}, /* jump table */
    {"ff 18", 2, X86_KIND_CALL_FAR, FT | STACK},
    {"ff 28", 2, X86_KIND_JMP_FAR, 0},
    /* implicit stack use */
    {"50", 1, X86_KIND_OTHER, FT | STACK},
    {"41 57", 2, X86_KIND_OTHER, FT | STACK},
    {"5d", 1, X86_KIND_OTHER, FT | STACK},
    {"6a 00", 2, X86_KIND_OTHER, FT | STACK},
    {"68 00 00 00 00", 5, X86_KIND_OTHER, FT | STACK},
    {"66 68 00 00", 4, X86_KIND_OTHER, FT | STACK},
    {"9c", 1, X86_KIND_OTHER, FT | STACK},
    {"9d", 1, X86_KIND_OTHER, FT | STACK},
    {"c8 10 00 00", 4, X86_KIND_OTHER, FT | STACK},
    {"c9", 1, X86_KIND_OTHER, FT | STACK},
    {"8f 00", 2, X86_KIND_OTHER, FT | STACK},
    {"ff 30", 2, X86_KIND_OTHER, FT | STACK},
    {"0f a0", 2, X86_KIND_OTHER, FT | STACK},
    {"0f a9", 2, X86_KIND_OTHER, FT | STACK},
    {"48 89 e5", 3, X86_KIND_OTHER, FT}, /* explicit rsp use is not implicit */
    /* immediates: iz with and without 66 and REX.W */
    {"04 01", 2, X86_KIND_OTHER, FT},
    {"05 00 00 00 00", 5, X86_KIND_OTHER, FT},
    {"66 05 00 00", 4, X86_KIND_OTHER, FT},
    {"48 05 00 00 00 00", 6, X86_KIND_OTHER, FT},
    {"66 48 05 00 00 00 00", 7, X86_KIND_OTHER, FT},
    {"80 c0 01", 3, X86_KIND_OTHER, FT},
    {"81 00 00 00 00 00", 6, X86_KIND_OTHER, FT},
    {"66 81 c0 00 00", 5, X86_KIND_OTHER, FT},
    {"83 c0 01", 3, X86_KIND_OTHER, FT},
    {"69 c0 00 00 00 00", 6, X86_KIND_OTHER, FT},
    {"6b c0 01", 3, X86_KIND_OTHER, FT},
    {"c0 e0 01", 3, X86_KIND_OTHER, FT},
    {"c1 e0 01", 3, X86_KIND_OTHER, FT},
    {"d1 e0", 2, X86_KIND_OTHER, FT},
    {"e4 60", 2, X86_KIND_OTHER, FT},
    {"a8 01", 2, X86_KIND_OTHER, FT},
    {"a9 00 00 00 00", 5, X86_KIND_OTHER, FT},
    {"c6 00 01", 3, X86_KIND_OTHER, FT},
    {"c7 00 00 00 00 00", 6, X86_KIND_OTHER, FT},
    {"66 c7 00 00 00", 5, X86_KIND_OTHER, FT},
    /* group 3: only test (/0, /1) has an immediate */
    {"f6 c0 01", 3, X86_KIND_OTHER, FT},
    {"f6 48 08 01", 4, X86_KIND_OTHER, FT},
    {"f6 d0", 2, X86_KIND_OTHER, FT},
    {"f7 c0 00 00 00 00", 6, X86_KIND_OTHER, FT},
    {"66 f7 c0 00 00", 5, X86_KIND_OTHER, FT},
    {"48 f7 d8", 3, X86_KIND_OTHER, FT},
    {"f7 f1", 2, X86_KIND_OTHER, FT},
    /* mov r, imm: imm64 with REX.W */
    {"b8 00 00 00 00", 5, X86_KIND_OTHER, FT},
    {"41 b8 00 00 00 00", 6, X86_KIND_OTHER, FT},
    {"66 b8 00 00", 4, X86_KIND_OTHER, FT},
    {"48 b8 00 00 00 00 00 00 00 00", 10, X86_KIND_OTHER, FT},
    {"b0 01", 2, X86_KIND_OTHER, FT},
    /* moffs: 8 bytes, 4 with 67 */
    {"a0 00 00 00 00 00 00 00 00", 9, X86_KIND_OTHER, FT},
    {"48 a1 00 00 00 00 00 00 00 00", 10, X86_KIND_OTHER, FT},
    {"66 a3 00 00 00 00 00 00 00 00", 10, X86_KIND_OTHER, FT},
    {"67 a0 00 00 00 00", 6, X86_KIND_OTHER, FT},
    /* ModRM, SIB, displacements */
    {"8b 00", 2, X86_KIND_OTHER, FT},
    {"8b 04 24", 3, X86_KIND_OTHER, FT},
    {"8b 44 24 08", 4, X86_KIND_OTHER, FT},
    {"8b 84 24 00 01 00 00", 7, X86_KIND_OTHER, FT},
    {"8b 04 25 00 10 00 00", 7, X86_KIND_OTHER, FT}, /* SIB, no base: disp32 */
    {"8b 45 f8", 3, X86_KIND_OTHER, FT},
    {"8b 05 00 00 00 00", 6, X86_KIND_OTHER, FT},
    {"4c 8b 2c 24", 4, X86_KIND_OTHER, FT},
    {"67 8b 04 24", 4, X86_KIND_OTHER, FT}, /* 67 keeps the 64-bit forms */
    {"48 63 c7", 3, X86_KIND_OTHER, FT},
    {"8d 04 80", 3, X86_KIND_OTHER, FT},
    {"8c d8", 2, X86_KIND_OTHER, FT},
    {"8e d8", 2, X86_KIND_OTHER, FT},
    /* x87 */
    {"d9 7d fc", 3, X86_KIND_OTHER, FT},
    {"dd 04 24", 3, X86_KIND_OTHER, FT},
    {"d9 e8", 2, X86_KIND_OTHER, FT},
    {"de c9", 2, X86_KIND_OTHER, FT},
    {"df e0", 2, X86_KIND_OTHER, FT},
    {"9b", 1, X86_KIND_OTHER, FT}, /* fwait is an instruction of its own */
    /* legacy prefixes */
    {"f0 48 0f b1 0e", 5, X86_KIND_OTHER, FT},
    {"f0 ff 00", 3, X86_KIND_OTHER, FT},
    {"f0 80 08 01", 4, X86_KIND_OTHER, FT},
    {"f0 0f c7 0e", 4, X86_KIND_OTHER, FT},
    {"64 48 8b 04 25 28 00 00 00", 9, X86_KIND_OTHER, FT},
    {"f3 48 a5", 3, X86_KIND_OTHER, FT},
    {"f2 ae", 2, X86_KIND_OTHER, FT},
    {"2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 01 00", 15, X86_KIND_OTHER, FT},
    {"40 66 01 01", 4, X86_KIND_OTHER, FT},    /* REX then 66: REX ignored */
    {"48 66 b8 00 00", 5, X86_KIND_OTHER, FT}, /* ...so no imm64, but imm16 */
    {"48 49 89 c0", 4, X86_KIND_OTHER, FT},    /* two REX: the last counts */
    /* 0F map */
    {"0f b6 c0", 3, X86_KIND_OTHER, FT},
    {"0f 4c c1", 3, X86_KIND_OTHER, FT},
    {"0f a2", 2, X86_KIND_OTHER, FT},
    {"0f 31", 2, X86_KIND_OTHER, FT},
    {"0f a4 c0 01", 4, X86_KIND_OTHER, FT},
    {"0f ba e0 01", 4, X86_KIND_OTHER, FT},
    {"48 0f c7 0e", 4, X86_KIND_OTHER, FT},
    {"0f c7 f0", 3, X86_KIND_OTHER, FT},
    {"0f 20 c0", 3, X86_KIND_OTHER, FT},
    {"0f 20 05", 3, X86_KIND_OTHER, FT}, /* mov from CR: mod is ignored, no disp32 */
    {"0f 22 d8", 3, X86_KIND_OTHER, FT},
    {"0f 01 d0", 3, X86_KIND_OTHER, FT},
    {"0f ae e8", 3, X86_KIND_OTHER, FT},
    {"0f ae 38", 3, X86_KIND_OTHER, FT},
    {"f3 0f ae c0", 4, X86_KIND_OTHER, FT},
    {"0f a7 c0", 3, X86_KIND_OTHER, FT},
    {"f3 0f b8 c0", 4, X86_KIND_OTHER, FT},
    {"f3 0f bc c0", 4, X86_KIND_OTHER, FT},
    {"0f c8", 2, X86_KIND_OTHER, FT},
    /* SSE, 0F38, 0F3A, SSE4a, 3DNow! */
    {"66 0f 6f 05 00 00 00 00", 8, X86_KIND_OTHER, FT},
    {"f3 0f 6f 00", 4, X86_KIND_OTHER, FT},
    {"0f 28 c1", 3, X86_KIND_OTHER, FT},
    {"66 0f 70 c0 1b", 5, X86_KIND_OTHER, FT},
    {"0f 71 d0 01", 4, X86_KIND_OTHER, FT},
    {"66 0f 73 d8 08", 5, X86_KIND_OTHER, FT},
    {"0f c2 c1 00", 4, X86_KIND_OTHER, FT},
    {"66 0f 38 00 c1", 5, X86_KIND_OTHER, FT},
    {"66 44 0f 38 00 c1", 6, X86_KIND_OTHER, FT},
    {"0f 38 00 c1", 4, X86_KIND_OTHER, FT},
    {"66 0f 3a 0f c1 08", 6, X86_KIND_OTHER, FT},
    {"66 0f 3a 44 c1 00", 6, X86_KIND_OTHER, FT},
    {"f2 0f 38 f1 c0", 5, X86_KIND_OTHER, FT},
    {"66 f2 0f 38 f1 c0", 6, X86_KIND_OTHER, FT},
    {"0f 38 f0 00", 4, X86_KIND_OTHER, FT},
    {"66 0f 78 c0 01 02", 6, X86_KIND_OTHER, FT},
    {"f2 0f 78 c1 01 02", 6, X86_KIND_OTHER, FT},
    {"66 0f 79 c1", 4, X86_KIND_OTHER, FT},
    {"0f 78 c1", 3, X86_KIND_OTHER, FT},
    {"0f 0f c0 9e", 4, X86_KIND_OTHER, FT},
    {"0f 0f 44 24 08 b4", 6, X86_KIND_OTHER, FT},
    /* VEX */
    {"c5 f8 77", 3, X86_KIND_OTHER, FT},
    {"c5 fc 77", 3, X86_KIND_OTHER, FT},
    {"c5 fc 28 c1", 4, X86_KIND_OTHER, FT},
    {"c5 fd 6f 05 00 00 00 00", 8, X86_KIND_OTHER, FT},
    {"c5 f9 70 c0 1b", 5, X86_KIND_OTHER, FT},
    {"c4 e1 7d 6f c0", 5, X86_KIND_OTHER, FT},
    {"c4 e2 7d 58 c0", 5, X86_KIND_OTHER, FT},
    {"c4 e3 7d 18 c0 01", 6, X86_KIND_OTHER, FT},
    {"c4 e3 7b f0 c0 05", 6, X86_KIND_OTHER, FT},
    {"c4 e2 78 f2 c1", 5, X86_KIND_OTHER, FT},
    {"c4 61 7d 6f 05 00 00 00 00", 9, X86_KIND_OTHER, FT},
    {"c5 fb 93 c0", 4, X86_KIND_OTHER, FT},
    {"c5 f8 ae 10", 4, X86_KIND_OTHER, FT},
    /* EVEX: disp8*N does not change the length */
    {"62 f1 7c 48 10 05 00 00 00 00", 10, X86_KIND_OTHER, FT},
    {"62 f1 fe 48 6f 08", 6, X86_KIND_OTHER, FT},
    {"62 f1 fe 48 6f 50 01", 7, X86_KIND_OTHER, FT},
    {"62 f1 fe 48 6f 90 00 01 00 00", 10, X86_KIND_OTHER, FT},
    {"62 e2 7d 28 7a c6", 6, X86_KIND_OTHER, FT},
    {"62 f3 7d 20 3f 47 01 00", 8, X86_KIND_OTHER, FT},
    {"62 f3 7d 08 08 c1 01", 7, X86_KIND_OTHER, FT},
    {"62 f1 7d 48 72 c0 05", 7, X86_KIND_OTHER, FT},
    {"62 f5 7c 08 58 c1", 6, X86_KIND_OTHER, FT},
    {"62 f6 7d 08 2c c1", 6, X86_KIND_OTHER, FT},
    /* XOP */
    {"8f e9 78 c2 c0", 5, X86_KIND_OTHER, FT},
    {"8f e8 78 a2 c1 10", 6, X86_KIND_OTHER, FT},
    {"8f ea 78 10 c0 00 00 00 00", 9, X86_KIND_OTHER, FT},
};

static void check_lengths(void) {
    for (size_t i = 0; i < sizeof(length_cases) / sizeof(length_cases[0]); i++) {
        const struct length_case *c = &length_cases[i];
        uint8_t bytes[32];
        size_t n = parse_hex(c->hex, bytes, 16);
        memset(bytes + n, 0x90, sizeof(bytes) - n);
        struct x86_insn insn;
        int length = decode_exact(bytes, n, 0x1000, &insn);
        CHECK(length == c->length, "%s: length %d, want %d", c->hex, length, c->length);
        if (length < 0)
            continue;
        CHECK(insn.length == length, "%s: insn.length %u", c->hex, insn.length);
        CHECK(insn.kind == c->kind, "%s: kind %s, want %s", c->hex, x86_kind_name(insn.kind),
              x86_kind_name(c->kind));
        unsigned flags = insn.flags & (FT | STACK);
        CHECK(flags == c->flags, "%s: flags %#x, want %#x", c->hex, flags, c->flags);
        /* More bytes after it change nothing. */
        struct x86_insn longer;
        CHECK(decode_exact(bytes, sizeof(bytes), 0x1000, &longer) == length &&
                  memcmp(&longer, &insn, sizeof(insn)) == 0,
              "%s: decodes differently with more bytes after it", c->hex);
        /* Every proper prefix is truncated. */
        for (size_t avail = 0; avail < n; avail++) {
            int r = decode_exact(bytes, avail, 0x1000, &longer);
            CHECK(r == X86_DECODE_TRUNCATED, "%s: first %zu bytes give %d, want truncated", c->hex,
                  avail, r);
        }
    }
}

/* ---- Targets and operand offsets ------------------------------------------------------ */

struct operand_case {
    const char *hex;
    uint64_t address;
    uint64_t target;     /* NONE: no direct branch */
    uint64_t rip_target; /* NONE: no RIP-relative operand */
    int disp_offset, disp_size, imm_offset, imm_size;
};

static const struct operand_case operand_cases[] = {
    /* direct branches: address + length + rel */
    {"e8 fb ff ff ff", 0x1000, 0x1000, NONE, 0, 0, 1, 4},
    {"e9 00 01 00 00", 0x401000, 0x401105, NONE, 0, 0, 1, 4},
    {"eb fe", 0x2000, 0x2000, NONE, 0, 0, 1, 1},
    {"74 80", 0x1000, 0xf82, NONE, 0, 0, 1, 1},
    {"0f 85 00 01 00 00", 0x1000, 0x1106, NONE, 0, 0, 2, 4},
    {"e2 fe", 0x10, 0x10, NONE, 0, 0, 1, 1},
    {"e3 10", 0x10, 0x22, NONE, 0, 0, 1, 1},
    {"2e 74 02", 0x100, 0x105, NONE, 0, 0, 2, 1},
    {"c7 f8 10 00 00 00", 0x1000, 0x1016, NONE, 0, 0, 2, 4},
    {"e8 00 00 00 80", 0x7fff00000000, 0x7ffe80000005, NONE, 0, 0, 1, 4},
    /* rel16 (66, no REX.W): the target wraps at 64 KiB, as objdump computes it */
    {"66 e9 10 00", 0x401000, 0x1014, NONE, 0, 0, 2, 2},
    {"66 0f 84 10 00", 0x401000, 0x1015, NONE, 0, 0, 3, 2},
    {"66 eb 10", 0x401000, 0x401013, NONE, 0, 0, 2, 1},
    /* RIP-relative operands: disp32 offset, and the immediate after it */
    {"8b 05 10 00 00 00", 0x401000, NONE, 0x401016, 2, 4, 0, 0},
    {"8b 05 f0 ff ff ff", 0x1000, NONE, 0xff6, 2, 4, 0, 0},
    {"48 8d 3d 00 10 00 00", 0x1000, NONE, 0x2007, 3, 4, 0, 0},
    {"c7 05 10 00 00 00 2a 00 00 00", 0x1000, NONE, 0x101a, 2, 4, 6, 4},
    {"48 81 3d f0 ff ff ff 00 01 00 00", 0x1000, NONE, 0xffb, 3, 4, 7, 4},
    {"80 3d 00 00 00 00 01", 0x1000, NONE, 0x1007, 2, 4, 6, 1},
    {"66 81 3d 00 00 00 00 34 12", 0x1000, NONE, 0x1009, 3, 4, 7, 2},
    {"ff 15 00 01 00 00", 0x1000, NONE, 0x1106, 2, 4, 0, 0},
    {"ff 25 00 00 00 00", 0x1000, NONE, 0x1006, 2, 4, 0, 0},
    {"66 0f 6f 05 00 00 00 00", 0x1000, NONE, 0x1008, 4, 4, 0, 0},
    {"66 0f 3a 0f 05 00 00 00 00 08", 0x1000, NONE, 0x100a, 5, 4, 9, 1},
    {"c5 fd 6f 05 00 00 00 00", 0x1000, NONE, 0x1008, 4, 4, 0, 0},
    {"c4 e3 79 0f 05 00 00 00 00 04", 0x1000, NONE, 0x100a, 5, 4, 9, 1},
    {"62 f1 7c 48 10 05 00 00 00 00", 0x1000, NONE, 0x100a, 6, 4, 0, 0},
    {"62 f3 7d 08 08 05 00 00 00 00 01", 0x1000, NONE, 0x100b, 6, 4, 10, 1},
    {"0f 0f 05 00 00 00 00 9e", 0x1000, NONE, 0x1008, 3, 4, 7, 1},
    {"67 8b 05 00 00 00 00", 0x100000000, NONE, 0x7, 3, 4, 0, 0}, /* EIP-relative */
    /* not RIP-relative: SIB without base, CR moves, register forms */
    {"8b 04 25 00 10 00 00", 0x1000, NONE, NONE, 3, 4, 0, 0},
    {"0f 20 05", 0x1000, NONE, NONE, 0, 0, 0, 0},
    {"8b 45 f8", 0x1000, NONE, NONE, 2, 1, 0, 0},
    {"8b 84 24 00 01 00 00", 0x1000, NONE, NONE, 3, 4, 0, 0},
    /* moffs is reported as the displacement */
    {"48 a1 88 77 66 55 44 33 22 11", 0x1000, NONE, NONE, 2, 8, 0, 0},
    {"67 a0 44 33 22 11", 0x1000, NONE, NONE, 2, 4, 0, 0},
    /* immediates */
    {"48 b8 08 07 06 05 04 03 02 01", 0x1000, NONE, NONE, 0, 0, 2, 8},
    {"c8 10 00 01", 0x1000, NONE, NONE, 0, 0, 1, 3},
    {"66 0f 78 c0 01 02", 0x1000, NONE, NONE, 0, 0, 4, 2},
    {"8f ea 78 10 c0 44 33 22 11", 0x1000, NONE, NONE, 0, 0, 5, 4},
};

static void check_operands(void) {
    for (size_t i = 0; i < sizeof(operand_cases) / sizeof(operand_cases[0]); i++) {
        const struct operand_case *c = &operand_cases[i];
        uint8_t bytes[16];
        size_t n = parse_hex(c->hex, bytes, sizeof(bytes));
        struct x86_insn insn;
        int length = decode_exact(bytes, n, c->address, &insn);
        CHECK(length == (int)n, "%s: length %d, want %zu", c->hex, length, n);
        if (length < 0)
            continue;
        bool has_target = insn.flags & X86_INSN_HAS_TARGET;
        CHECK(has_target == (c->target != NONE), "%s: has target %d", c->hex, has_target);
        if (has_target && c->target != NONE)
            CHECK(insn.target == c->target, "%s: target %#llx, want %#llx", c->hex,
                  (unsigned long long)insn.target, (unsigned long long)c->target);
        bool rip = insn.flags & X86_INSN_RIP_RELATIVE;
        CHECK(rip == (c->rip_target != NONE), "%s: RIP-relative %d", c->hex, rip);
        if (rip && c->rip_target != NONE)
            CHECK(insn.rip_target == c->rip_target, "%s: RIP target %#llx, want %#llx", c->hex,
                  (unsigned long long)insn.rip_target, (unsigned long long)c->rip_target);
        CHECK(insn.disp_offset == c->disp_offset && insn.disp_size == c->disp_size,
              "%s: displacement at %u size %u, want %d size %d", c->hex, insn.disp_offset,
              insn.disp_size, c->disp_offset, c->disp_size);
        CHECK(insn.imm_offset == c->imm_offset && insn.imm_size == c->imm_size,
              "%s: immediate at %u size %u, want %d size %d", c->hex, insn.imm_offset,
              insn.imm_size, c->imm_offset, c->imm_size);
    }
}

/* ---- Prefixes, maps, encodings -------------------------------------------------------- */

static struct x86_insn decode_hex(const char *hex) {
    uint8_t bytes[16];
    size_t n = parse_hex(hex, bytes, sizeof(bytes));
    struct x86_insn insn;
    memset(&insn, 0, sizeof(insn));
    int length = decode_exact(bytes, n, 0, &insn);
    CHECK(length == (int)n, "%s: length %d, want %zu", hex, length, n);
    return insn;
}

static void check_fields(void) {
    struct x86_insn in = decode_hex("f0 48 0f b1 0e");
    CHECK(in.encoding == X86_ENC_LEGACY && in.map == X86_MAP_0F && in.opcode == 0xb1,
          "lock cmpxchg: encoding %u map %u opcode %#x", in.encoding, in.map, in.opcode);
    CHECK(in.prefixes == X86_PREFIX_LOCK && in.rex == 0x48 && in.w == 1,
          "lock cmpxchg: prefixes %#x rex %#x w %u", in.prefixes, in.rex, in.w);
    CHECK(in.opcode_offset == 2 && in.modrm_offset == 4 && in.modrm == 0x0e &&
              (in.flags & X86_INSN_HAS_MODRM) && !(in.flags & X86_INSN_HAS_SIB),
          "lock cmpxchg: opcode at %u, modrm %#x at %u", in.opcode_offset, in.modrm,
          in.modrm_offset);

    in = decode_hex("2e 3e 74 00");
    CHECK((in.prefixes & X86_PREFIX_SEGMENT) && in.segment == 0x3e, "segment %#x", in.segment);

    in = decode_hex("40 66 01 01");
    CHECK(in.rex == 0 && in.prefixes == X86_PREFIX_OPSIZE, "REX before 66: rex %#x", in.rex);
    in = decode_hex("48 49 89 c0");
    CHECK(in.rex == 0x49, "two REX: rex %#x, want the last", in.rex);

    in = decode_hex("66 f3 0f b8 c0");
    CHECK(in.simd_prefix == 0xf3, "simd prefix %#x, want f3", in.simd_prefix);
    in = decode_hex("66 0f 38 00 c1");
    CHECK(in.map == X86_MAP_0F38 && in.opcode == 0x00 && in.simd_prefix == 0x66,
          "pshufb: map %u opcode %#x", in.map, in.opcode);
    in = decode_hex("66 0f 3a 0f c1 08");
    CHECK(in.map == X86_MAP_0F3A && in.opcode == 0x0f && in.imm_size == 1, "palignr: map %u",
          in.map);

    in = decode_hex("c4 e2 7d 58 c0");
    CHECK(in.encoding == X86_ENC_VEX && in.map == X86_MAP_0F38 && in.opcode == 0x58 &&
              in.simd_prefix == 0x66 && in.vector_length == 1 && in.opcode_offset == 3,
          "vpbroadcastd: encoding %u map %u opcode %#x pp %#x L %u", in.encoding, in.map, in.opcode,
          in.simd_prefix, in.vector_length);
    in = decode_hex("c5 f8 77");
    CHECK(in.encoding == X86_ENC_VEX && in.map == X86_MAP_0F && in.opcode == 0x77 &&
              !(in.flags & X86_INSN_HAS_MODRM),
          "vzeroupper: map %u opcode %#x", in.map, in.opcode);
    in = decode_hex("62 f1 fe 48 6f 08");
    CHECK(in.encoding == X86_ENC_EVEX && in.map == X86_MAP_0F && in.opcode == 0x6f &&
              in.simd_prefix == 0xf3 && in.w == 1 && in.vector_length == 2 && in.opcode_offset == 4,
          "vmovdqu64: encoding %u pp %#x w %u L %u", in.encoding, in.simd_prefix, in.w,
          in.vector_length);
    in = decode_hex("62 f5 7c 08 58 c1");
    CHECK(in.map == X86_MAP_EVEX5 && in.opcode == 0x58, "vaddph: map %u", in.map);
    in = decode_hex("8f e9 78 c2 c0");
    CHECK(in.encoding == X86_ENC_XOP && in.map == X86_MAP_XOP9 && in.opcode == 0xc2,
          "vphaddbd: encoding %u map %u", in.encoding, in.map);
    in = decode_hex("8f 40 08");
    CHECK(in.encoding == X86_ENC_LEGACY && in.map == X86_MAP_PRIMARY && in.opcode == 0x8f,
          "pop with map bits < 8 is a pop");
    in = decode_hex("0f 0f c0 9e");
    CHECK(in.map == X86_MAP_3DNOW && in.opcode == 0x9e, "pfadd: map %u opcode %#x", in.map,
          in.opcode);
    in = decode_hex("66 e9 10 00");
    CHECK(in.flags & X86_INSN_BRANCH_OPSIZE16, "66 jmp: no BRANCH_OPSIZE16 flag");
    in = decode_hex("e9 10 00 00 00");
    CHECK(!(in.flags & X86_INSN_BRANCH_OPSIZE16), "jmp: BRANCH_OPSIZE16 flag");

    CHECK(strcmp(x86_kind_name(X86_KIND_SYSCALL), "syscall") == 0, "kind name");
    CHECK(strcmp(x86_kind_name(X86_KIND_HLT), "hlt") == 0, "kind name");
    CHECK(strcmp(x86_kind_name(1000), "?") == 0, "kind name of a bad value");
}

/* ---- Invalid and truncated input ------------------------------------------------------ */

static const char *const invalid_cases[] = {
    /* not instructions in 64-bit mode */
    "06",
    "07",
    "0e",
    "16",
    "17",
    "1e",
    "1f",
    "27",
    "2f",
    "37",
    "3f",
    "60",
    "61",
    "82 c0 01",
    "9a 00 00 00 00 00 00",
    "ce",
    "d4 0a",
    "d5 0a",
    "d6",
    "ea 00 00 00 00 00 00",
    /* undefined ModRM.reg values and forms */
    "fe d0",
    "ff f8",
    "ff 38",
    "ff d8",
    "ff e8",
    "8f 20",
    "c6 c8 00",
    "c6 f9 00",
    "c7 c8 00 00 00 00",
    "8d c0",
    "8c f0",
    "8e c8",
    "0f 00 f0",
    "0f ba c0 01",
    "0f ba 08 01",
    "0f c7 c8",
    "0f c7 00",
    "0f 0d c0",
    "0f ae c0",
    "0f 38 f0 c0",
    "66 0f 78 00 01 02",
    "f3 0f 78 c0 01 02",
    "66 0f 12 c0",
    "0f 71 00 01",
    /* undefined opcodes */
    "0f 04",
    "0f 0a",
    "0f 0c",
    "0f 24 c0",
    "0f 26 c0",
    "0f 36",
    "0f 39",
    "0f 3b",
    "0f 7a c0",
    "0f b8 c0",
    "0f 38 ff c0",
    "0f 3a ff c0 00",
    "0f 38 18 c0",
    "0f 3a 00 c0 00",
    "0f 0f c0 00",
    "0f 7c c0",
    "66 0f 77",
    "f2 0f 6f c0",
    /* x87 reserved forms */
    "d9 08",
    "d9 d8",
    "d9 e2",
    "dd c8",
    "de d0",
    "df f8",
    "db 20",
    /* LOCK where it does not belong */
    "f0 90",
    "f0 01 c0",
    "f0 8b 00",
    "f0 0f 05",
    "f0 c5 f8 77",
    /* VEX/EVEX/XOP: prefixes that collide, reserved fields, unknown maps and opcodes */
    "66 c5 f8 77",
    "48 c5 f8 77",
    "f3 c5 f8 77",
    "f2 c4 e1 7d 6f c0",
    "c4 e0 7d 6f c0",
    "c4 e4 7d 6f c0",
    "c5 9c f9 11",
    "c5 f9 77",
    "c4 e2 7d ff c0",
    "62 f1 78 48 10 c0",
    "62 f9 7c 48 10 c0",
    "62 f0 7c 48 10 c0",
    "62 f4 7c 48 10 c0",
    "62 f7 7c 48 10 c0",
    "62 f1 7c 48 77",
    "62 f1 7c 48 ff c0",
    "8f eb 78 10 c0",
    "8f e8 78 10 c0 00",
    "48 8f e9 78 c2 c0",
    /* longer than 15 bytes */
    "2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 01 00",
    "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90",
    "66 66 66 66 66 66 66 66 66 66 66 48 b8 00 00 00 00 00 00 00 00",
};

static void check_invalid(void) {
    for (size_t i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
        uint8_t bytes[32];
        size_t n = parse_hex(invalid_cases[i], bytes, sizeof(bytes));
        struct x86_insn insn;
        int r = decode_exact(bytes, n, 0, &insn);
        CHECK(r == X86_DECODE_INVALID, "%s: %d, want invalid", invalid_cases[i], r);
        /* Also with more bytes after it: invalid does not depend on what follows. */
        memset(bytes + n, 0, sizeof(bytes) - n);
        r = decode_exact(bytes, sizeof(bytes), 0, &insn);
        CHECK(r == X86_DECODE_INVALID, "%s + zeros: %d, want invalid", invalid_cases[i], r);
    }
    /* 15 prefixes and nothing else: invalid whatever follows, even with only 15 bytes. */
    uint8_t prefixes[15];
    memset(prefixes, 0x66, sizeof(prefixes));
    struct x86_insn insn;
    CHECK(decode_exact(prefixes, sizeof(prefixes), 0, &insn) == X86_DECODE_INVALID,
          "15 prefixes: want invalid");
    CHECK(decode_exact(prefixes, 14, 0, &insn) == X86_DECODE_TRUNCATED,
          "14 prefixes: want truncated");
    CHECK(decode_exact(prefixes, 0, 0, &insn) == X86_DECODE_TRUNCATED, "nothing: truncated");
}

/* ---- Fuzz ------------------------------------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Random bytes, biased towards prefixes and escapes so that every path is reached. */
static void random_instruction(uint8_t *bytes, size_t n) {
    static const uint8_t interesting[] = {0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e, 0x48, 0x41,
                                          0x0f, 0x38, 0x3a, 0xc4, 0xc5, 0x62, 0x8f, 0x05,
                                          0x04, 0x25, 0x44, 0x84, 0xc0, 0xf8, 0xe8, 0xff};
    for (size_t i = 0; i < n; i++) {
        uint64_t r = next_random();
        bytes[i] = (r & 3) == 0 ? interesting[(r >> 8) % sizeof(interesting)] : (uint8_t)(r >> 16);
    }
}

static void check_fuzz(void) {
    enum { ROUNDS = 200000 };
    unsigned counts[3] = {0, 0, 0};
    for (int round = 0; round < ROUNDS; round++) {
        uint8_t bytes[20];
        size_t avail = next_random() % 21;
        random_instruction(bytes, avail);
        struct x86_insn insn;
        int length = decode_exact(bytes, avail, next_random(), &insn);
        if (length == X86_DECODE_TRUNCATED || length == X86_DECODE_INVALID) {
            counts[-length]++;
            continue;
        }
        counts[0]++;
        if (length < 1 || length > 15 || (size_t)length > avail) {
            CHECK(0, "fuzz: length %d with %zu bytes", length, avail);
            continue;
        }
        CHECK(insn.opcode_offset < length && insn.disp_offset + insn.disp_size <= length &&
                  insn.imm_offset + insn.imm_size <= length &&
                  (!(insn.flags & X86_INSN_HAS_MODRM) || insn.modrm_offset < length),
              "fuzz: fields outside the instruction");
        /* Exactly `length` bytes suffice; one fewer does not. */
        struct x86_insn again;
        CHECK(decode_exact(bytes, (size_t)length, 0, &again) == length,
              "fuzz: needs more than its length");
        CHECK(decode_exact(bytes, (size_t)length - 1, 0, &again) == X86_DECODE_TRUNCATED,
              "fuzz: decodes with fewer bytes than its length");
    }
    printf("fuzz: %d inputs, %u decoded, %u truncated, %u invalid\n", ROUNDS, counts[0], counts[1],
           counts[2]);
    CHECK(counts[0] > ROUNDS / 4 && counts[1] > 0 && counts[2] > 0,
          "fuzz: the inputs do not reach every outcome");
}

int main(void) {
    check_lengths();
    check_operands();
    check_fields();
    check_invalid();
    check_fuzz();
    return unit_report("x86_decode");
}
