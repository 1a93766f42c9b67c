/* x86-64 instruction decoder (64-bit mode only) for load-time syscall patching.
 *
 * It finds instruction boundaries, control flow (direct branch targets, what falls through)
 * and the parts of an instruction a patcher must rewrite when it moves one (the disp32 of a
 * RIP-relative operand, and the immediate that follows it). Covered: legacy prefixes, REX,
 * the one-byte, 0F, 0F38, 0F3A and 3DNow! maps, VEX (maps 1-3), EVEX (maps 1-3, 5, 6) and
 * XOP (maps 8-10). docs/x86-decoder.md says how it is tested against objdump.
 *
 * Near branches with a 66 prefix: Intel CPUs ignore the prefix on jmp/call/jcc rel32 in
 * 64-bit mode, AMD CPUs honour it (rel16, RIP truncated to 16 bits). The decoder follows
 * objdump, which decodes the AMD way, and flags such branches X86_INSN_BRANCH_OPSIZE16:
 * compilers never emit them, and a patcher should leave them alone. */
#ifndef COMMON_X86_DECODE_H
#define COMMON_X86_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define X86_MAX_INSN_LENGTH 15

/* Negative results of x86_decode. */
enum x86_decode_error {
    X86_DECODE_TRUNCATED = -1, /* the instruction goes on past `avail` bytes */
    X86_DECODE_INVALID = -2,   /* undefined opcode, #UD encoding, or longer than 15 bytes */
};

enum x86_encoding {
    X86_ENC_LEGACY, /* optional legacy prefixes and REX, then the opcode */
    X86_ENC_VEX,    /* C4 (3 bytes) or C5 (2 bytes) */
    X86_ENC_EVEX,   /* 62, 4 bytes */
    X86_ENC_XOP,    /* 8F with a map field >= 8 (AMD) */
};

enum x86_map {
    X86_MAP_PRIMARY = 0, /* one-byte opcodes */
    X86_MAP_0F = 1,
    X86_MAP_0F38 = 2,
    X86_MAP_0F3A = 3,
    X86_MAP_EVEX5 = 5, /* AVX512-FP16 */
    X86_MAP_EVEX6 = 6,
    X86_MAP_XOP8 = 8,
    X86_MAP_XOP9 = 9,
    X86_MAP_XOPA = 10,
    X86_MAP_3DNOW = 15, /* 0F 0F modrm suffix: `opcode` is the suffix byte */
};

enum x86_kind {
    X86_KIND_OTHER,
    X86_KIND_NOP,           /* 90 (not 41 90), 66 90, 0F 1F /0 */
    X86_KIND_ENDBR,         /* F3 0F 1E FA/FB: endbr64/endbr32 */
    X86_KIND_SYSCALL,       /* 0F 05 */
    X86_KIND_SYSENTER,      /* 0F 34 */
    X86_KIND_INT80,         /* CD 80 */
    X86_KIND_INT,           /* CD ib, any other vector */
    X86_KIND_INT1,          /* F1 */
    X86_KIND_INT3,          /* CC: counted as not falling through (padding, breakpoints) */
    X86_KIND_JMP,           /* EB rel8, E9 rel32 */
    X86_KIND_JCC,           /* 7x rel8, 0F 8x rel32 */
    X86_KIND_CALL,          /* E8 rel32 */
    X86_KIND_LOOP,          /* E0 loopne, E1 loope, E2 loop */
    X86_KIND_JRCXZ,         /* E3 jrcxz/jecxz */
    X86_KIND_XBEGIN,        /* C7 F8 rel32: `target` is the abort handler */
    X86_KIND_JMP_INDIRECT,  /* FF /4 */
    X86_KIND_CALL_INDIRECT, /* FF /2 */
    X86_KIND_JMP_FAR,       /* FF /5 (memory only) */
    X86_KIND_CALL_FAR,      /* FF /3 (memory only) */
    X86_KIND_RET,           /* C3, C2 iw */
    X86_KIND_RETF,          /* CB, CA iw */
    X86_KIND_IRET,          /* CF */
    X86_KIND_SYSRET,        /* 0F 07 sysret, 0F 35 sysexit */
    X86_KIND_UD,            /* 0F 0B ud2, 0F B9 ud1, 0F FF ud0 */
    X86_KIND_HLT,           /* F4 */
};

/* x86_insn.prefixes: the legacy prefixes present (in any order, repeats allowed). */
#define X86_PREFIX_OPSIZE 0x01   /* 66 */
#define X86_PREFIX_ADDRSIZE 0x02 /* 67 */
#define X86_PREFIX_LOCK 0x04     /* F0 */
#define X86_PREFIX_REP 0x08      /* F3 */
#define X86_PREFIX_REPNE 0x10    /* F2 */
#define X86_PREFIX_SEGMENT 0x20  /* 26 2E 36 3E 64 65; the last one is in `segment` */

/* x86_insn.flags */
#define X86_INSN_FALLS_THROUGH 0x01 /* control may continue at address + length */
#define X86_INSN_HAS_TARGET 0x02    /* direct branch: `target` is set */
#define X86_INSN_RIP_RELATIVE 0x04  /* ModRM mod=00 rm=101: disp32 and `rip_target` are set */
#define X86_INSN_USES_STACK 0x08    /* moves RSP or accesses the stack implicitly */
#define X86_INSN_HAS_MODRM 0x10
#define X86_INSN_HAS_SIB 0x20
#define X86_INSN_BRANCH_OPSIZE16 0x40 /* near branch with 66 and no REX.W: vendors differ */

struct x86_insn {
    uint8_t length;        /* 1..15 */
    uint8_t encoding;      /* enum x86_encoding */
    uint8_t map;           /* enum x86_map */
    uint8_t opcode;        /* opcode byte within its map */
    uint8_t kind;          /* enum x86_kind */
    uint8_t prefixes;      /* X86_PREFIX_* */
    uint8_t segment;       /* last segment override prefix byte, 0 if none */
    uint8_t rex;           /* REX byte in effect (0x40-0x4F), 0 if none or ignored */
    uint8_t simd_prefix;   /* 0, 0x66, 0xF3 or 0xF2: VEX/EVEX/XOP pp, else the legacy
                            * prefix an SSE opcode would read (last F2/F3, else 66) */
    uint8_t w;             /* REX.W, or VEX/EVEX/XOP .W */
    uint8_t vector_length; /* VEX.L / EVEX.L'L: 0 (128), 1 (256), 2 (512) */
    uint8_t opcode_offset; /* offset of the opcode byte (3DNow: of the 0F 0F escape) */
    uint8_t modrm_offset;  /* when X86_INSN_HAS_MODRM */
    uint8_t modrm;
    uint8_t sib;         /* when X86_INSN_HAS_SIB */
    uint8_t disp_offset; /* displacement: offset and size (0, 1, 4 or 8) */
    uint8_t disp_size;   /* moffs of A0-A3 counts as an 8-byte (4 with 67) displacement */
    uint8_t imm_offset;  /* immediates and rel8/16/32, all of them (enter: 3;
                          * 3DNow!: the suffix byte) */
    uint8_t imm_size;
    uint16_t flags;      /* X86_INSN_* */
    uint64_t target;     /* X86_INSN_HAS_TARGET: address + length + rel (rel16:
                          * modulo 64 KiB) */
    uint64_t rip_target; /* X86_INSN_RIP_RELATIVE: address + length + disp32
                          * (with 67: modulo 4 GiB) */
};

/* Decodes the instruction at `code` (at most `avail` bytes readable), which runs at
 * `address`. Returns its length (1..15) and fills *out, or a negative enum
 * x86_decode_error and leaves *out alone. Never reads code[avail] or beyond, and never needs
 * more bytes than the length it returns. */
int x86_decode(const uint8_t *code, size_t avail, uint64_t address, struct x86_insn *out);

/* "syscall", "jmp", ...: the name of an enum x86_kind value, for logs and tests. */
const char *x86_kind_name(unsigned kind);

#endif
