/* x86-64 instruction decoder: see x86_decode.h.
 *
 * Table-driven: one descriptor byte per opcode for the one-byte and 0F maps, lists of defined
 * opcode ranges for the other maps, and a short list of ModRM constraints (which ModRM.reg
 * values exist, which need a memory operand). Lengths never depend on the SIMD prefix (66, F3,
 * F2, VEX/EVEX.pp) except for SSE4a's 0F 78, so that prefix only decides validity: per opcode
 * and prefix, not per operand size or vector length (VEX.L, EVEX.W...). Opcode facts: Intel SDM
 * vol. 2 appendix A, AMD APM vol. 3 (3DNow!, XOP, SSE4a); the VEX, EVEX and XOP opcode lists
 * were cross-checked against binutils 2.40's objdump, opcode by opcode (docs/x86-decoder.md). */
#include "common/x86_decode.h"

#include "common/string.h"

/* ---- Opcode descriptors -------------------------------------------------------------- */

/* The immediate an opcode carries (low 4 bits of a descriptor). */
enum imm_kind {
    IMM_NONE,
    IMM_B,     /* ib */
    IMM_W,     /* iw */
    IMM_D,     /* id, whatever the prefixes (XOP map A) */
    IMM_Z,     /* iz: 2 bytes with 66 and no REX.W, else 4 */
    IMM_V,     /* B8+r: 8 bytes with REX.W, else like iz */
    IMM_WB,    /* enter: iw ib */
    IMM_BB,    /* extrq/insertq: ib ib */
    IMM_REL8,  /* 8-bit branch displacement */
    IMM_REL32, /* rel32, or rel16 with 66 and no REX.W (as objdump decodes, the AMD way) */
    IMM_MOFFS, /* A0-A3: 8-byte address, 4 with 67 (reported as the displacement) */
    IMM_GRP3,  /* F6/F7: test (/0, /1) takes ib/iz, not/neg/mul/div nothing */
};
#define D_IMM_MASK 0x0f
#define D_MODRM 0x10
#define D_INVALID 0x20 /* undefined, or not an instruction in 64-bit mode */
#define D_CTRLREG 0x40 /* mov to/from CR/DR: ModRM is a register form whatever mod says */

/* Short names so that a map reads as a 16x16 grid. PF: a prefix or escape byte, consumed
 * before the table is consulted. */
#define __ D_INVALID
#define PF 0
#define NN IMM_NONE
#define NB IMM_B
#define NW IMM_W
#define NZ IMM_Z
#define NV IMM_V
#define EN IMM_WB
#define R8 IMM_REL8
#define RZ IMM_REL32
#define MO IMM_MOFFS
#define M_ D_MODRM
#define MB (D_MODRM | IMM_B)
#define MZ (D_MODRM | IMM_Z)
#define MT (D_MODRM | IMM_GRP3)
#define CR (D_MODRM | D_CTRLREG)

static const uint8_t primary_map[256] = {
    /*       0   1   2   3   4   5   6   7   8   9   A   B   C   D   E   F */
    /* 0 */ M_, M_, M_, M_, NB, NZ, __, __, M_, M_, M_, M_, NB, NZ, __, PF,
    /* 1 */ M_, M_, M_, M_, NB, NZ, __, __, M_, M_, M_, M_, NB, NZ, __, __,
    /* 2 */ M_, M_, M_, M_, NB, NZ, PF, __, M_, M_, M_, M_, NB, NZ, PF, __,
    /* 3 */ M_, M_, M_, M_, NB, NZ, PF, __, M_, M_, M_, M_, NB, NZ, PF, __,
    /* 4 */ PF, PF, PF, PF, PF, PF, PF, PF, PF, PF, PF, PF, PF, PF, PF, PF,
    /* 5 */ NN, NN, NN, NN, NN, NN, NN, NN, NN, NN, NN, NN, NN, NN, NN, NN,
    /* 6 */ __, __, PF, M_, PF, PF, PF, PF, NZ, MZ, NB, MB, NN, NN, NN, NN,
    /* 7 */ R8, R8, R8, R8, R8, R8, R8, R8, R8, R8, R8, R8, R8, R8, R8, R8,
    /* 8 */ MB, MZ, __, MB, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
    /* 9 */ NN, NN, NN, NN, NN, NN, NN, NN, NN, NN, __, NN, NN, NN, NN, NN,
    /* A */ MO, MO, MO, MO, NN, NN, NN, NN, NB, NZ, NN, NN, NN, NN, NN, NN,
    /* B */ NB, NB, NB, NB, NB, NB, NB, NB, NV, NV, NV, NV, NV, NV, NV, NV,
    /* C */ MB, MB, NW, NN, PF, PF, MB, MZ, EN, NN, NW, NN, NN, NB, __, NN,
    /* D */ M_, M_, M_, M_, __, __, __, NN, M_, M_, M_, M_, M_, M_, M_, M_,
    /* E */ R8, R8, R8, R8, NB, NB, NB, NB, RZ, RZ, __, R8, NN, NN, NN, NN,
    /* F */ PF, NN, PF, PF, NN, NN, MT, MT, NN, NN, NN, NN, NN, NN, M_, M_,
};

static const uint8_t map_0f[256] = {
    /*       0   1   2   3   4   5   6   7   8   9   A   B   C   D   E   F */
    /* 0 */ M_, M_, M_, M_, __, NN, NN, NN, NN, NN, __, NN, __, M_, NN, PF,
    /* 1 */ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
    /* 2 */ CR, CR, CR, CR, __, __, __, __, M_, M_, M_, M_, M_, M_, M_, M_,
    /* 3 */ NN, NN, NN, NN, NN, NN, __, NN, PF, __, PF, __, __, __, __, __,
    /* 4 */ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
    /* 5 */ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
    /* 6 */ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
    /* 7 */ MB, MB, MB, MB, M_, M_, M_, NN, M_, M_, __, __, M_, M_, M_, M_,
    /* 8 */ RZ, RZ, RZ, RZ, RZ, RZ, RZ, RZ, RZ, RZ, RZ, RZ, RZ, RZ, RZ, RZ,
    /* 9 */ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
    /* A */ NN, NN, NN, M_, MB, M_, M_, M_, NN, NN, NN, M_, MB, M_, M_, M_,
    /* B */ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, MB, M_, M_, M_, M_, M_,
    /* C */ M_, M_, MB, M_, MB, MB, MB, M_, NN, NN, NN, NN, NN, NN, NN, NN,
    /* D */ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
    /* E */ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
    /* F */ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
};

#undef __
#undef PF
#undef NN
#undef NB
#undef NW
#undef NZ
#undef NV
#undef EN
#undef R8
#undef RZ
#undef MO
#undef M_
#undef MB
#undef MZ
#undef MT
#undef CR

/* The range tables pack several ranges a line. */
/* clang-format off */
/* Defined opcodes, as ranges, each under the SIMD prefixes `pp` (one bit each). For the maps
 * where every opcode has a ModRM byte (all but the one-byte and 0F maps) this is all the
 * decoder needs to know. */
#define PP_NONE 0x1
#define PP_66 0x2
#define PP_F3 0x4
#define PP_F2 0x8
#define PP_ANY 0xf

struct op_range {
    uint8_t first, last, pp;
};

#define PP_NONE_66 (PP_NONE | PP_66)

/* Legacy 0F opcodes that exist only under some SIMD prefixes (SSE, MMX); the others take any
 * prefix. 0F 78/79 and 0F B8 are handled apart (their operands depend on the prefix). */
static const struct op_range legacy_0f_simd[] = {
    {0x13, 0x15, PP_NONE_66}, {0x16, 0x16, PP_NONE_66 | PP_F3}, {0x17, 0x17, PP_NONE_66},
    {0x28, 0x29, PP_NONE_66}, {0x2e, 0x2f, PP_NONE_66}, {0x50, 0x50, PP_NONE_66},
    {0x52, 0x53, PP_NONE | PP_F3}, {0x54, 0x57, PP_NONE_66}, {0x5b, 0x5b, PP_NONE_66 | PP_F3},
    {0x60, 0x6b, PP_NONE_66}, {0x6c, 0x6d, PP_66}, {0x6e, 0x6e, PP_NONE_66},
    {0x6f, 0x6f, PP_NONE_66 | PP_F3}, {0x71, 0x76, PP_NONE_66}, {0x77, 0x77, PP_NONE},
    {0x7c, 0x7d, PP_66 | PP_F2}, {0x7e, 0x7f, PP_NONE_66 | PP_F3}, {0xc3, 0xc3, PP_NONE},
    {0xc4, 0xc6, PP_NONE_66}, {0xd0, 0xd0, PP_66 | PP_F2}, {0xd1, 0xd5, PP_NONE_66},
    {0xd6, 0xd6, PP_66 | PP_F3 | PP_F2}, {0xd7, 0xe5, PP_NONE_66},
    {0xe6, 0xe6, PP_66 | PP_F3 | PP_F2}, {0xe7, 0xef, PP_NONE_66}, {0xf0, 0xf0, PP_F2},
    {0xf1, 0xfe, PP_NONE_66}, {0, 0, 0}};

static const struct op_range legacy_0f38[] = {
    {0x00, 0x0b, PP_NONE_66}, {0x10, 0x10, PP_66}, {0x14, 0x15, PP_66}, {0x17, 0x17, PP_66},
    {0x1c, 0x1e, PP_NONE_66}, {0x20, 0x25, PP_66}, {0x28, 0x2b, PP_66}, {0x30, 0x35, PP_66},
    {0x37, 0x41, PP_66}, {0x80, 0x82, PP_66}, {0xc8, 0xcd, PP_NONE}, {0xcf, 0xcf, PP_66},
    {0xd8, 0xd8, PP_F3}, {0xdb, 0xdb, PP_66}, {0xdc, 0xdf, PP_66 | PP_F3},
    {0xf0, 0xf1, PP_NONE_66 | PP_F2}, {0xf5, 0xf5, PP_66}, {0xf6, 0xf6, PP_NONE_66 | PP_F3},
    {0xf8, 0xf8, PP_66 | PP_F3 | PP_F2}, {0xf9, 0xf9, PP_NONE}, {0xfa, 0xfb, PP_F3},
    {0xfc, 0xfc, PP_ANY}, {0, 0, 0}};

static const struct op_range legacy_0f3a[] = {
    {0x08, 0x0e, PP_66}, {0x0f, 0x0f, PP_NONE_66}, {0x14, 0x17, PP_66}, {0x20, 0x22, PP_66},
    {0x40, 0x42, PP_66}, {0x44, 0x44, PP_66}, {0x60, 0x63, PP_66}, {0xcc, 0xcc, PP_NONE},
    {0xce, 0xcf, PP_66}, {0xdf, 0xdf, PP_66}, {0, 0, 0}};

/* VEX map 1 (0F): SSE/AVX under the prefixes that define them, and the AVX-512 mask
 * instructions (41-4B, 90-99) that are VEX-encoded. */
static const struct op_range vex_0f[] = {
    {0x10, 0x12, PP_ANY}, {0x13, 0x15, PP_NONE_66}, {0x16, 0x16, PP_NONE_66 | PP_F3},
    {0x17, 0x17, PP_NONE_66}, {0x28, 0x29, PP_NONE_66}, {0x2a, 0x2a, PP_F3 | PP_F2},
    {0x2b, 0x2b, PP_NONE_66}, {0x2c, 0x2d, PP_F3 | PP_F2}, {0x2e, 0x2f, PP_NONE_66},
    {0x41, 0x42, PP_NONE_66}, {0x44, 0x47, PP_NONE_66}, {0x4a, 0x4b, PP_NONE_66},
    {0x50, 0x50, PP_NONE_66}, {0x51, 0x51, PP_ANY}, {0x52, 0x53, PP_NONE | PP_F3},
    {0x54, 0x57, PP_NONE_66}, {0x58, 0x5a, PP_ANY}, {0x5b, 0x5b, PP_NONE_66 | PP_F3},
    {0x5c, 0x5f, PP_ANY}, {0x60, 0x6e, PP_66}, {0x6f, 0x6f, PP_66 | PP_F3},
    {0x70, 0x70, PP_66 | PP_F3 | PP_F2}, {0x71, 0x76, PP_66}, {0x77, 0x77, PP_NONE},
    {0x7c, 0x7d, PP_66 | PP_F2}, {0x7e, 0x7f, PP_66 | PP_F3}, {0x90, 0x91, PP_NONE_66},
    {0x92, 0x93, PP_NONE_66 | PP_F2}, {0x98, 0x99, PP_NONE_66}, {0xae, 0xae, PP_NONE},
    {0xc2, 0xc2, PP_ANY}, {0xc4, 0xc5, PP_66}, {0xc6, 0xc6, PP_NONE_66},
    {0xd0, 0xd0, PP_66 | PP_F2}, {0xd1, 0xe5, PP_66}, {0xe6, 0xe6, PP_66 | PP_F3 | PP_F2},
    {0xe7, 0xef, PP_66}, {0xf0, 0xf0, PP_F2}, {0xf1, 0xfe, PP_66}, {0, 0, 0}};

static const struct op_range vex_0f38[] = {
    {0x00, 0x0f, PP_66}, {0x13, 0x13, PP_66}, {0x16, 0x1a, PP_66}, {0x1c, 0x1e, PP_66},
    {0x20, 0x25, PP_66}, {0x28, 0x41, PP_66}, {0x45, 0x47, PP_66},
    {0x49, 0x49, PP_NONE_66 | PP_F2}, {0x4b, 0x4b, PP_66 | PP_F3 | PP_F2}, {0x50, 0x51, PP_ANY},
    {0x52, 0x53, PP_66}, {0x58, 0x5a, PP_66}, {0x5c, 0x5c, PP_F3 | PP_F2}, {0x5e, 0x5e, PP_ANY},
    {0x72, 0x72, PP_F3}, {0x78, 0x79, PP_66}, {0x8c, 0x8c, PP_66}, {0x8e, 0x8e, PP_66},
    {0x90, 0x93, PP_66}, {0x96, 0x9f, PP_66}, {0xa6, 0xaf, PP_66}, {0xb0, 0xb0, PP_ANY},
    {0xb1, 0xb1, PP_66 | PP_F3}, {0xb4, 0xbf, PP_66}, {0xcf, 0xcf, PP_66}, {0xdb, 0xef, PP_66},
    {0xf2, 0xf3, PP_NONE}, {0xf5, 0xf5, PP_NONE | PP_F3 | PP_F2}, {0xf6, 0xf6, PP_F2},
    {0xf7, 0xf7, PP_ANY}, {0, 0, 0}};

static const struct op_range vex_0f3a[] = {
    {0x00, 0x02, PP_66}, {0x04, 0x06, PP_66}, {0x08, 0x0f, PP_66}, {0x14, 0x19, PP_66},
    {0x1d, 0x1d, PP_66}, {0x20, 0x22, PP_66}, {0x30, 0x33, PP_66}, {0x38, 0x39, PP_66},
    {0x40, 0x42, PP_66}, {0x44, 0x44, PP_66}, {0x46, 0x46, PP_66}, {0x48, 0x4c, PP_66},
    {0x5c, 0x63, PP_66}, {0x68, 0x6f, PP_66}, {0x78, 0x7f, PP_66}, {0xce, 0xcf, PP_66},
    {0xde, 0xdf, PP_66}, {0xf0, 0xf0, PP_F2}, {0, 0, 0}};

/* EVEX (AVX-512, AVX512-FP16): maps 1-3, 5 and 6. */
static const struct op_range evex_0f[] = {
    {0x10, 0x12, PP_ANY}, {0x13, 0x15, PP_NONE_66}, {0x16, 0x16, PP_NONE_66 | PP_F3},
    {0x17, 0x17, PP_NONE_66}, {0x28, 0x29, PP_NONE_66}, {0x2a, 0x2a, PP_F3 | PP_F2},
    {0x2b, 0x2b, PP_NONE_66}, {0x2c, 0x2d, PP_F3 | PP_F2}, {0x2e, 0x2f, PP_NONE_66},
    {0x51, 0x51, PP_ANY}, {0x54, 0x57, PP_NONE_66}, {0x58, 0x5a, PP_ANY},
    {0x5b, 0x5b, PP_NONE_66 | PP_F3}, {0x5c, 0x5f, PP_ANY}, {0x60, 0x6e, PP_66},
    {0x6f, 0x70, PP_66 | PP_F3 | PP_F2}, {0x71, 0x76, PP_66}, {0x78, 0x79, PP_ANY},
    {0x7a, 0x7b, PP_66 | PP_F3 | PP_F2}, {0x7e, 0x7e, PP_66 | PP_F3},
    {0x7f, 0x7f, PP_66 | PP_F3 | PP_F2}, {0xc2, 0xc2, PP_ANY}, {0xc4, 0xc5, PP_66},
    {0xc6, 0xc6, PP_NONE_66}, {0xd1, 0xd6, PP_66}, {0xd8, 0xe5, PP_66},
    {0xe6, 0xe6, PP_66 | PP_F3 | PP_F2}, {0xe7, 0xef, PP_66}, {0xf1, 0xf6, PP_66},
    {0xf8, 0xfe, PP_66}, {0, 0, 0}};

static const struct op_range evex_0f38[] = {
    {0x00, 0x00, PP_66}, {0x04, 0x04, PP_66}, {0x0b, 0x0d, PP_66}, {0x10, 0x15, PP_66 | PP_F3},
    {0x16, 0x16, PP_66}, {0x18, 0x1f, PP_66}, {0x20, 0x2a, PP_66 | PP_F3}, {0x2b, 0x2d, PP_66},
    {0x30, 0x35, PP_66 | PP_F3}, {0x36, 0x37, PP_66}, {0x38, 0x3a, PP_66 | PP_F3},
    {0x3b, 0x40, PP_66}, {0x42, 0x47, PP_66}, {0x4c, 0x4d, PP_66}, {0x4e, 0x4e, PP_ANY},
    {0x4f, 0x4f, PP_66}, {0x50, 0x51, PP_ANY}, {0x52, 0x52, PP_66 | PP_F3 | PP_F2},
    {0x53, 0x53, PP_66 | PP_F2}, {0x54, 0x55, PP_66}, {0x58, 0x5b, PP_66}, {0x62, 0x66, PP_66},
    {0x68, 0x68, PP_F2}, {0x70, 0x71, PP_66}, {0x72, 0x72, PP_66 | PP_F3 | PP_F2},
    {0x73, 0x73, PP_66}, {0x75, 0x7f, PP_66}, {0x83, 0x83, PP_66}, {0x88, 0x8b, PP_66},
    {0x8d, 0x8d, PP_66}, {0x8f, 0x93, PP_66}, {0x96, 0x99, PP_66}, {0x9a, 0x9b, PP_66 | PP_F2},
    {0x9c, 0xa3, PP_66}, {0xa6, 0xa9, PP_66}, {0xaa, 0xab, PP_66 | PP_F2}, {0xac, 0xaf, PP_66},
    {0xb4, 0xbf, PP_66}, {0xc4, 0xc4, PP_66}, {0xc6, 0xc8, PP_66}, {0xca, 0xcd, PP_66},
    {0xcf, 0xcf, PP_66}, {0xdc, 0xdf, PP_66}, {0, 0, 0}};

static const struct op_range evex_0f3a[] = {
    {0x00, 0x01, PP_66}, {0x03, 0x05, PP_66}, {0x08, 0x08, PP_NONE_66}, {0x09, 0x09, PP_66},
    {0x0a, 0x0a, PP_NONE_66}, {0x0b, 0x0b, PP_66}, {0x0f, 0x0f, PP_66}, {0x14, 0x1b, PP_66},
    {0x1d, 0x23, PP_66}, {0x25, 0x25, PP_66}, {0x26, 0x27, PP_NONE_66}, {0x38, 0x3b, PP_66},
    {0x3e, 0x3f, PP_66}, {0x42, 0x42, PP_ANY}, {0x43, 0x44, PP_66}, {0x50, 0x51, PP_66},
    {0x54, 0x55, PP_66}, {0x56, 0x57, PP_NONE_66}, {0x66, 0x67, PP_NONE_66}, {0x70, 0x70, PP_ANY},
    {0x71, 0x71, PP_66}, {0x72, 0x72, PP_ANY}, {0x73, 0x73, PP_66}, {0xc2, 0xc2, PP_NONE | PP_F3},
    {0xce, 0xcf, PP_66}, {0, 0, 0}};

static const struct op_range evex_map5[] = {
    {0x10, 0x11, PP_F3}, {0x1d, 0x1d, PP_NONE_66}, {0x2a, 0x2a, PP_F3}, {0x2c, 0x2d, PP_F3},
    {0x2e, 0x2f, PP_NONE}, {0x51, 0x51, PP_NONE | PP_F3}, {0x58, 0x59, PP_NONE | PP_F3},
    {0x5a, 0x5a, PP_ANY}, {0x5b, 0x5b, PP_NONE_66 | PP_F3}, {0x5c, 0x5f, PP_NONE | PP_F3},
    {0x6e, 0x6e, PP_66}, {0x78, 0x79, PP_NONE_66 | PP_F3}, {0x7a, 0x7a, PP_66 | PP_F2},
    {0x7b, 0x7b, PP_66 | PP_F3}, {0x7c, 0x7c, PP_NONE_66}, {0x7d, 0x7d, PP_ANY},
    {0x7e, 0x7e, PP_66}, {0, 0, 0}};

static const struct op_range evex_map6[] = {
    {0x13, 0x13, PP_NONE_66}, {0x2c, 0x2d, PP_66}, {0x42, 0x43, PP_66}, {0x4c, 0x4f, PP_66},
    {0x56, 0x57, PP_F3 | PP_F2}, {0x96, 0x9f, PP_66}, {0xa6, 0xaf, PP_66}, {0xb6, 0xbf, PP_66},
    {0xd6, 0xd7, PP_F3 | PP_F2}, {0, 0, 0}};

/* XOP (AMD): maps 8, 9 and A. */
static const struct op_range xop_8[] = {
    {0x85, 0x87, PP_ANY}, {0x8e, 0x8f, PP_ANY}, {0x95, 0x97, PP_ANY}, {0x9e, 0x9f, PP_ANY},
    {0xa2, 0xa3, PP_ANY}, {0xa6, 0xa6, PP_ANY}, {0xb6, 0xb6, PP_ANY}, {0xc0, 0xc3, PP_ANY},
    {0xcc, 0xcf, PP_ANY}, {0xec, 0xef, PP_ANY}, {0, 0, 0}};

static const struct op_range xop_9[] = {
    {0x01, 0x02, PP_ANY}, {0x12, 0x12, PP_ANY}, {0x80, 0x83, PP_ANY}, {0x90, 0x9b, PP_ANY},
    {0xc1, 0xc3, PP_ANY}, {0xc6, 0xc7, PP_ANY}, {0xcb, 0xcb, PP_ANY}, {0xd1, 0xd3, PP_ANY},
    {0xd6, 0xd7, PP_ANY}, {0xdb, 0xdb, PP_ANY}, {0xe1, 0xe3, PP_ANY}, {0, 0, 0}};

static const struct op_range xop_a[] = {
    {0x10, 0x10, PP_ANY}, {0x12, 0x12, PP_ANY}, {0, 0, 0}};

/* clang-format on */

/* 3DNow! (0F 0F modrm suffix): the defined suffix bytes. */
static const uint8_t amd3dnow_suffixes[] = {0x0c, 0x0d, 0x1c, 0x1d, 0x8a, 0x8e, 0x90, 0x94,
                                            0x96, 0x97, 0x9a, 0x9e, 0xa0, 0xa4, 0xa6, 0xa7,
                                            0xaa, 0xae, 0xb0, 0xb4, 0xb6, 0xb7, 0xbb, 0xbf};

/* ModRM constraints, one table per map: the ModRM.reg values (one bit each) defined with a
 * memory operand and with a register operand (mod=3), under the SIMD prefixes `pp`. 0xff: all;
 * 0x00: that form does not exist. In opcode order; the first matching rule decides; no rule:
 * all defined. */
struct modrm_rule {
    uint8_t opcode, pp, mem_regs, reg_regs;
};

#define MEMORY_ONLY 0xff, 0x00
#define REGISTER_ONLY 0x00, 0xff
#define END_OF_RULES                                                                               \
    { 0, 0, 0, 0 }

static const struct modrm_rule primary_rules[] = {
    {0x8c, PP_ANY, 0x3f, 0x3f},  /* mov r/m, Sreg: es..gs */
    {0x8d, PP_ANY, MEMORY_ONLY}, /* lea */
    {0x8e, PP_ANY, 0x3d, 0x3d},  /* mov Sreg, r/m: not cs */
    {0x8f, PP_ANY, 0x01, 0x01},  /* pop r/m */
    {0xc6, PP_ANY, 0x01, 0x01},  /* mov (xabort apart) */
    {0xc7, PP_ANY, 0x01, 0x01},  /* mov (xbegin apart) */
    {0xfe, PP_ANY, 0x03, 0x03},  /* inc, dec */
    {0xff, PP_ANY, 0x7f, 0x57},  /* far call/jmp: memory */
    END_OF_RULES};

static const struct modrm_rule legacy_0f_rules[] = {
    {0x00, PP_ANY, 0x3f, 0x3f},           /* sldt str lldt ltr verr verw */
    {0x0d, PP_ANY, MEMORY_ONLY},          /* prefetch, prefetchw */
    {0x12, PP_66, MEMORY_ONLY},           /* movlpd (movhlps is NP) */
    {0x13, PP_ANY, MEMORY_ONLY},          /* movlps/movlpd store */
    {0x16, PP_66, MEMORY_ONLY},           /* movhpd (movlhps is NP) */
    {0x17, PP_ANY, MEMORY_ONLY},          /* movhps/movhpd store */
    {0x2b, PP_ANY, MEMORY_ONLY},          /* movntps/movntpd/movntss/movntsd */
    {0x50, PP_ANY, REGISTER_ONLY},        /* movmskps/movmskpd */
    {0x71, PP_ANY, 0x00, 0x54},           /* psrlw psraw psllw imm */
    {0x72, PP_ANY, 0x00, 0x54},           /* psrld psrad pslld imm */
    {0x73, PP_66, 0x00, 0xcc},            /* psrlq psrldq psllq pslldq */
    {0x73, PP_ANY, 0x00, 0x44},           /* psrlq psllq (MMX) */
    {0xa6, PP_ANY, 0x00, 0x07},           /* VIA PadLock: montmul xsha1 xsha256 */
    {0xa7, PP_ANY, 0x00, 0x3f},           /* VIA PadLock: xstore xcrypt* */
    {0xae, PP_NONE, 0xff, 0xe0},          /* fxsave..clflush; lfence mfence sfence */
    {0xb2, PP_ANY, MEMORY_ONLY},          /* lss */
    {0xb4, PP_ANY, MEMORY_ONLY},          /* lfs */
    {0xb5, PP_ANY, MEMORY_ONLY},          /* lgs */
    {0xba, PP_ANY, 0xf0, 0xf0},           /* bt bts btr btc imm */
    {0xc3, PP_ANY, MEMORY_ONLY},          /* movnti */
    {0xc5, PP_ANY, REGISTER_ONLY},        /* pextrw */
    {0xc7, PP_ANY, 0xfa, 0xc0},           /* cmpxchg8b..vmptrst; rdrand rdseed rdpid */
    {0xd6, PP_F3 | PP_F2, REGISTER_ONLY}, /* movq2dq, movdq2q */
    {0xd7, PP_ANY, REGISTER_ONLY},        /* pmovmskb */
    {0xe7, PP_ANY, MEMORY_ONLY},          /* movntq/movntdq */
    {0xf0, PP_ANY, MEMORY_ONLY},          /* lddqu */
    {0xf7, PP_ANY, REGISTER_ONLY},        /* maskmovq/maskmovdqu */
    END_OF_RULES};

static const struct modrm_rule legacy_0f38_rules[] = {
    {0x2a, PP_ANY, MEMORY_ONLY}, /* movntdqa */
    {0x80, PP_ANY, MEMORY_ONLY}, /* invept */
    {0x81, PP_ANY, MEMORY_ONLY}, /* invvpid */
    {0x82, PP_ANY, MEMORY_ONLY}, /* invpcid */
    {0xd8, PP_ANY, 0x0f, 0x00},  /* Key Locker aes*wide*kl */
    {0xdd, PP_F3, MEMORY_ONLY},  /* Key Locker aes*kl (F3 DC is loadiwkey too; 66: AES) */
    {0xde, PP_F3, MEMORY_ONLY},
    {0xdf, PP_F3, MEMORY_ONLY},
    {0xf0, PP_NONE_66, MEMORY_ONLY}, /* movbe (F2: crc32, any) */
    {0xf1, PP_NONE_66, MEMORY_ONLY},
    {0xf5, PP_ANY, MEMORY_ONLY},   /* wruss */
    {0xf6, PP_NONE, MEMORY_ONLY},  /* wrss (66, F3: adcx, adox) */
    {0xf8, PP_ANY, MEMORY_ONLY},   /* movdir64b, enqcmd(s) */
    {0xf9, PP_ANY, MEMORY_ONLY},   /* movdiri */
    {0xfa, PP_ANY, REGISTER_ONLY}, /* encodekey128 */
    {0xfb, PP_ANY, REGISTER_ONLY}, /* encodekey256 */
    {0xfc, PP_ANY, MEMORY_ONLY},   /* aadd aand aor axor */
    END_OF_RULES};

static const struct modrm_rule vex_0f_rules[] = {
    {0x41, PP_ANY, REGISTER_ONLY}, /* mask logic: kand kandn ... */
    {0x42, PP_ANY, REGISTER_ONLY},
    {0x44, PP_ANY, REGISTER_ONLY},
    {0x45, PP_ANY, REGISTER_ONLY},
    {0x46, PP_ANY, REGISTER_ONLY},
    {0x47, PP_ANY, REGISTER_ONLY},
    {0x4a, PP_ANY, REGISTER_ONLY},
    {0x4b, PP_ANY, REGISTER_ONLY},
    {0x50, PP_ANY, REGISTER_ONLY}, /* vmovmskps/pd */
    {0x71, PP_ANY, 0x00, 0x54},    /* vpsrlw vpsraw vpsllw imm */
    {0x72, PP_ANY, 0x00, 0x54},
    {0x73, PP_ANY, 0x00, 0xcc},
    {0x91, PP_ANY, MEMORY_ONLY},   /* kmov store */
    {0x92, PP_ANY, REGISTER_ONLY}, /* kmov from/to general registers */
    {0x93, PP_ANY, REGISTER_ONLY},
    {0x98, PP_ANY, REGISTER_ONLY}, /* kortest, ktest */
    {0x99, PP_ANY, REGISTER_ONLY},
    {0xae, PP_ANY, 0x0c, 0x00},    /* vldmxcsr, vstmxcsr */
    {0xd7, PP_ANY, REGISTER_ONLY}, /* vpmovmskb */
    {0xe7, PP_ANY, MEMORY_ONLY},   /* vmovntdq */
    {0xf0, PP_ANY, MEMORY_ONLY},   /* vlddqu */
    {0xf7, PP_ANY, REGISTER_ONLY}, /* vmaskmovdqu */
    END_OF_RULES};

#undef MEMORY_ONLY
#undef REGISTER_ONLY
#undef END_OF_RULES

/* x87 (D8-DF): ModRM.reg values defined with a memory operand, per opcode... */
static const uint8_t x87_mem_regs[8] = {0xff, 0xfd, 0xff, 0xaf, 0xff, 0xdf, 0xff, 0xff};
/* ...and the register forms (bit n: ModRM C0+n) the SDM and objdump define. */
static const uint64_t x87_reg_forms[8] = {
    /* D8 */ 0xffffffffffffffffull,
    /* D9: fld fxch fnop, fchs fabs ftst fxam, fld1..fldz, f2xm1..fcos */
    0xffff7f330001ffffull,
    /* DA: fcmov*, fucompp */
    0x00000200ffffffffull,
    /* DB: fcmovn*, feni fdisi fclex finit fsetpm frstpm, fucomi fcomi */
    0x00ffff3fffffffffull,
    /* DC: fadd fmul, fsub* fdiv* (D0-DF undefined) */
    0xffffffff0000ffffull,
    /* DD: ffree, fst fstp, fucom fucomp */
    0x0000ffffffff00ffull,
    /* DE: faddp fmulp, fcompp, fsub*p fdiv*p */
    0xffffffff0200ffffull,
    /* DF: ffreep, fnstsw ax, fucomip fcomip */
    0x00ffff01000000ffull,
};

/* ---- Reading bytes ------------------------------------------------------------------- */

struct cursor {
    const uint8_t *code;
    size_t avail;
    size_t pos;
};

/* 0 when n more bytes may be read, else why not. The 15-byte limit comes first: past it the
 * instruction is invalid whatever follows. */
static int need(const struct cursor *c, size_t n) {
    if (c->pos + n > X86_MAX_INSN_LENGTH)
        return X86_DECODE_INVALID;
    if (c->pos + n > c->avail)
        return X86_DECODE_TRUNCATED;
    return 0;
}

/* The ranges are in ascending order. */
static bool in_ranges(const struct op_range *ranges, uint8_t opcode, unsigned pp_bit) {
    for (const struct op_range *r = ranges; r->pp && opcode >= r->first; r++)
        if (opcode <= r->last)
            return (r->pp & pp_bit) != 0;
    return false;
}

/* Whether `ranges` mentions the opcode at all. */
static bool prefix_restricted(const struct op_range *ranges, uint8_t opcode) {
    return in_ranges(ranges, opcode, PP_ANY);
}

static unsigned pp_bit(const struct x86_insn *in) {
    switch (in->simd_prefix) {
    case 0x66:
        return PP_66;
    case 0xf3:
        return PP_F3;
    case 0xf2:
        return PP_F2;
    default:
        return PP_NONE;
    }
}

static unsigned modrm_mod(const struct x86_insn *in) {
    return in->modrm >> 6;
}
static unsigned modrm_reg(const struct x86_insn *in) {
    return (in->modrm >> 3) & 7;
}

/* ---- Prefixes and opcode ------------------------------------------------------------- */

static int read_prefixes(struct cursor *c, struct x86_insn *in) {
    uint8_t rex = 0, last_rep = 0;
    for (;;) {
        int err = need(c, 1);
        if (err)
            return err;
        uint8_t b = c->code[c->pos];
        switch (b) {
        case 0x66:
            in->prefixes |= X86_PREFIX_OPSIZE;
            break;
        case 0x67:
            in->prefixes |= X86_PREFIX_ADDRSIZE;
            break;
        case 0xf0:
            in->prefixes |= X86_PREFIX_LOCK;
            break;
        case 0xf2:
            in->prefixes |= X86_PREFIX_REPNE;
            last_rep = b;
            break;
        case 0xf3:
            in->prefixes |= X86_PREFIX_REP;
            last_rep = b;
            break;
        case 0x26:
        case 0x2e:
        case 0x36:
        case 0x3e:
        case 0x64:
        case 0x65:
            in->prefixes |= X86_PREFIX_SEGMENT;
            in->segment = b;
            break;
        default:
            if ((b & 0xf0) == 0x40) {
                rex = b; /* of several, the last one counts */
                c->pos++;
                continue;
            }
            in->rex = rex;
            in->w = (rex >> 3) & 1;
            in->simd_prefix = last_rep ? last_rep : (in->prefixes & X86_PREFIX_OPSIZE) ? 0x66 : 0;
            return 0;
        }
        rex = 0; /* a REX prefix followed by a legacy prefix is ignored */
        c->pos++;
    }
}

/* C4/C5 (VEX), 62 (EVEX) or 8F with map >= 8 (XOP), then the opcode byte. */
static int read_vex(struct cursor *c, struct x86_insn *in) {
    static const uint8_t pp_prefix[4] = {0, 0x66, 0xf3, 0xf2};
    uint8_t escape = c->code[c->pos];
    size_t size = escape == 0xc5 ? 2 : escape == 0x62 ? 4 : 3;
    int err = need(c, size + 1);
    if (err)
        return err;
    /* #UD: these prefixes would collide with the fields VEX encodes. */
    if (in->rex ||
        (in->prefixes & (X86_PREFIX_OPSIZE | X86_PREFIX_LOCK | X86_PREFIX_REP | X86_PREFIX_REPNE)))
        return X86_DECODE_INVALID;
    const uint8_t *p = c->code + c->pos + 1;
    /* W vvvv L pp (VEX, XOP); W vvvv 1 pp (EVEX P1) */
    uint8_t last = escape == 0x62 ? p[1] : p[size - 2];
    in->simd_prefix = pp_prefix[last & 3];
    if (escape == 0xc5) {
        in->encoding = X86_ENC_VEX;
        in->map = X86_MAP_0F;
        in->vector_length = (last >> 2) & 1;
    } else if (escape == 0x62) {
        in->encoding = X86_ENC_EVEX;
        in->map = p[0] & 7;
        in->w = last >> 7;
        in->vector_length = (p[2] >> 5) & 3;
        if ((p[0] & 0x08) || !(last & 0x04)) /* reserved bits */
            return X86_DECODE_INVALID;
        if (in->map == 0 || in->map == 4 || in->map == 7)
            return X86_DECODE_INVALID;
    } else {
        in->encoding = escape == 0xc4 ? X86_ENC_VEX : X86_ENC_XOP;
        in->map = p[0] & 0x1f;
        in->w = last >> 7;
        in->vector_length = (last >> 2) & 1;
        bool known = escape == 0xc4 ? in->map >= 1 && in->map <= 3
                                    : in->map >= X86_MAP_XOP8 && in->map <= X86_MAP_XOPA;
        if (!known)
            return X86_DECODE_INVALID;
    }
    c->pos += size;
    in->opcode_offset = (uint8_t)c->pos;
    in->opcode = c->code[c->pos++];
    return 0;
}

static int read_legacy_opcode(struct cursor *c, struct x86_insn *in) {
    in->opcode_offset = (uint8_t)c->pos;
    uint8_t b = c->code[c->pos++];
    if (b != 0x0f) {
        in->map = X86_MAP_PRIMARY;
        in->opcode = b;
        return 0;
    }
    int err = need(c, 1);
    if (err)
        return err;
    b = c->code[c->pos++];
    if (b == 0x38 || b == 0x3a) {
        err = need(c, 1);
        if (err)
            return err;
        in->map = b == 0x38 ? X86_MAP_0F38 : X86_MAP_0F3A;
        in->opcode = c->code[c->pos++];
    } else if (b == 0x0f) {
        in->map = X86_MAP_3DNOW; /* the opcode is the suffix, read after the operands */
    } else {
        in->map = X86_MAP_0F;
        in->opcode = b;
    }
    return 0;
}

/* The descriptor (D_* | enum imm_kind) of the opcode in `in`. */
static unsigned descriptor(const struct x86_insn *in) {
    uint8_t op = in->opcode;
    unsigned pp = pp_bit(in);
    bool vex_imm = (op >= 0x70 && op <= 0x73) || op == 0xc2 || (op >= 0xc4 && op <= 0xc6);
    switch (in->encoding) {
    case X86_ENC_LEGACY:
        switch (in->map) {
        case X86_MAP_PRIMARY:
            return primary_map[op];
        case X86_MAP_0F:
            if (prefix_restricted(legacy_0f_simd, op) && !in_ranges(legacy_0f_simd, op, pp))
                return D_INVALID;
            return map_0f[op];
        case X86_MAP_0F38:
            return in_ranges(legacy_0f38, op, pp) ? D_MODRM : D_INVALID;
        case X86_MAP_0F3A:
            return in_ranges(legacy_0f3a, op, pp) ? D_MODRM | IMM_B : D_INVALID;
        default: /* 3DNow!: the suffix byte reads like an ib */
            return D_MODRM | IMM_B;
        }
    case X86_ENC_VEX:
        switch (in->map) {
        case X86_MAP_0F:
            if (!in_ranges(vex_0f, op, pp))
                return D_INVALID;
            if (op == 0x77) /* vzeroupper, vzeroall */
                return IMM_NONE;
            return D_MODRM | (vex_imm ? IMM_B : IMM_NONE);
        case X86_MAP_0F38:
            return in_ranges(vex_0f38, op, pp) ? D_MODRM : D_INVALID;
        default:
            return in_ranges(vex_0f3a, op, pp) ? D_MODRM | IMM_B : D_INVALID;
        }
    case X86_ENC_EVEX:
        switch (in->map) {
        case X86_MAP_0F:
            if (!in_ranges(evex_0f, op, pp))
                return D_INVALID;
            return D_MODRM | (vex_imm ? IMM_B : IMM_NONE);
        case X86_MAP_0F38:
            return in_ranges(evex_0f38, op, pp) ? D_MODRM : D_INVALID;
        case X86_MAP_0F3A:
            return in_ranges(evex_0f3a, op, pp) ? D_MODRM | IMM_B : D_INVALID;
        case X86_MAP_EVEX5:
            return in_ranges(evex_map5, op, pp) ? D_MODRM : D_INVALID;
        default:
            return in_ranges(evex_map6, op, pp) ? D_MODRM : D_INVALID;
        }
    default: /* XOP */
        switch (in->map) {
        case X86_MAP_XOP8:
            return in_ranges(xop_8, op, PP_ANY) ? D_MODRM | IMM_B : D_INVALID;
        case X86_MAP_XOP9:
            return in_ranges(xop_9, op, PP_ANY) ? D_MODRM : D_INVALID;
        default:
            return in_ranges(xop_a, op, PP_ANY) ? D_MODRM | IMM_D : D_INVALID;
        }
    }
}

/* ---- Operands ------------------------------------------------------------------------ */

/* ModRM, SIB and displacement (64-bit addressing; 67 keeps the same forms). */
static int read_modrm(struct cursor *c, struct x86_insn *in, bool register_only) {
    int err = need(c, 1);
    if (err)
        return err;
    in->flags |= X86_INSN_HAS_MODRM;
    in->modrm_offset = (uint8_t)c->pos;
    in->modrm = c->code[c->pos++];
    unsigned mod = in->modrm >> 6, rm = in->modrm & 7;
    if (register_only || mod == 3)
        return 0;
    size_t disp = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    if (rm == 4) {
        err = need(c, 1);
        if (err)
            return err;
        in->flags |= X86_INSN_HAS_SIB;
        in->sib = c->code[c->pos++];
        if (mod == 0 && (in->sib & 7) == 5)
            disp = 4;
    } else if (mod == 0 && rm == 5) {
        in->flags |= X86_INSN_RIP_RELATIVE;
        disp = 4;
    }
    if (disp) {
        err = need(c, disp);
        if (err)
            return err;
        in->disp_offset = (uint8_t)c->pos;
        in->disp_size = (uint8_t)disp;
        c->pos += disp;
    }
    return 0;
}

static size_t immediate_size(const struct x86_insn *in, unsigned imm) {
    bool opsize16 = (in->prefixes & X86_PREFIX_OPSIZE) && !in->w;
    switch (imm) {
    case IMM_B:
    case IMM_REL8:
        return 1;
    case IMM_W:
    case IMM_BB:
        return 2;
    case IMM_WB:
        return 3;
    case IMM_D:
        return 4;
    case IMM_Z:
    case IMM_REL32:
        return opsize16 ? 2 : 4;
    case IMM_V:
        return in->w ? 8 : opsize16 ? 2 : 4;
    case IMM_GRP3:
        if (modrm_reg(in) >= 2)
            return 0;
        return in->opcode == 0xf6 ? 1 : opsize16 ? 2 : 4;
    default:
        return 0;
    }
}

/* ---- Validity ------------------------------------------------------------------------ */

static const struct modrm_rule *modrm_rules_of(const struct x86_insn *in) {
    if (in->encoding == X86_ENC_VEX)
        return in->map == X86_MAP_0F ? vex_0f_rules : NULL;
    if (in->encoding != X86_ENC_LEGACY)
        return NULL;
    switch (in->map) {
    case X86_MAP_PRIMARY:
        return primary_rules;
    case X86_MAP_0F:
        return legacy_0f_rules;
    case X86_MAP_0F38:
        return legacy_0f38_rules;
    default:
        return NULL;
    }
}

static bool modrm_allowed(const struct x86_insn *in) {
    unsigned reg = modrm_reg(in);
    bool registers = modrm_mod(in) == 3;
    if (in->encoding == X86_ENC_LEGACY && in->map == X86_MAP_PRIMARY && in->opcode >= 0xd8 &&
        in->opcode <= 0xdf) {
        unsigned x87 = in->opcode - 0xd8;
        if (registers)
            return (x87_reg_forms[x87] >> (in->modrm - 0xc0)) & 1;
        return (x87_mem_regs[x87] >> reg) & 1;
    }
    const struct modrm_rule *rules = modrm_rules_of(in);
    for (const struct modrm_rule *r = rules; r && r->pp && r->opcode <= in->opcode; r++)
        if (r->opcode == in->opcode && (r->pp & pp_bit(in)))
            return ((registers ? r->reg_regs : r->mem_regs) >> reg) & 1;
    return true;
}

/* LOCK needs a read-modify-write instruction with a memory destination. */
static bool lock_allowed(const struct x86_insn *in) {
    if (in->encoding != X86_ENC_LEGACY || !(in->flags & X86_INSN_HAS_MODRM) || modrm_mod(in) == 3)
        return false;
    uint8_t op = in->opcode;
    unsigned reg = modrm_reg(in);
    if (in->map == X86_MAP_PRIMARY) {
        if (op < 0x38 && (op & 7) < 2) /* add or adc sbb and sub xor r/m, reg */
            return true;
        switch (op) {
        case 0x80:
        case 0x81:
        case 0x83:
            return reg != 7; /* not cmp */
        case 0x86:
        case 0x87:
            return true;
        case 0xf6:
        case 0xf7:
            return reg == 2 || reg == 3; /* not, neg */
        case 0xfe:
        case 0xff:
            return reg <= 1; /* inc, dec */
        }
        return false;
    }
    if (in->map == X86_MAP_0F) {
        switch (op) {
        case 0xab: /* bts */
        case 0xb3: /* btr */
        case 0xbb: /* btc */
        case 0xb0: /* cmpxchg */
        case 0xb1:
        case 0xc0: /* xadd */
        case 0xc1:
            return true;
        case 0xba:
            return reg >= 5;
        case 0xc7:
            return reg == 1; /* cmpxchg8b/16b */
        }
    }
    return false;
}

/* Opcodes whose operands or meaning depend on the mandatory prefix in ways that change the
 * length or validity. Returns the (possibly changed) immediate kind, or -1 if invalid. */
static int prefix_dependent(const struct x86_insn *in, unsigned imm) {
    bool registers = modrm_mod(in) == 3;
    if (in->encoding != X86_ENC_LEGACY)
        return (int)imm;
    if (in->map == X86_MAP_0F && (in->opcode == 0x78 || in->opcode == 0x79)) {
        if (in->simd_prefix == 0) /* vmread, vmwrite */
            return (int)imm;
        /* SSE4a extrq (66) / insertq (F2): register forms; 0F 78 takes two bytes. */
        if (in->simd_prefix == 0xf3 || !registers)
            return -1;
        if (in->opcode == 0x78 && in->simd_prefix == 0x66 && modrm_reg(in) != 0)
            return -1;
        return in->opcode == 0x78 ? IMM_BB : IMM_NONE;
    }
    if (in->map == X86_MAP_0F && in->opcode == 0xb8) /* popcnt; plain 0F B8 is IA-64 jmpe */
        return in->simd_prefix == 0xf3 ? (int)imm : -1;
    return (int)imm;
}

/* ---- Control flow -------------------------------------------------------------------- */

static void set_kind(struct x86_insn *in, enum x86_kind kind, bool falls_through, bool stack) {
    in->kind = (uint8_t)kind;
    if (!falls_through)
        in->flags &= (uint16_t)~X86_INSN_FALLS_THROUGH;
    if (stack)
        in->flags |= X86_INSN_USES_STACK;
}

static void classify_primary(struct x86_insn *in, const uint8_t *code) {
    uint8_t op = in->opcode;
    unsigned reg = modrm_reg(in);
    if (op >= 0x50 && op <= 0x5f) { /* push, pop */
        set_kind(in, X86_KIND_OTHER, true, true);
        return;
    }
    if (op >= 0x70 && op <= 0x7f) {
        set_kind(in, X86_KIND_JCC, true, false);
        return;
    }
    switch (op) {
    case 0x68: /* push imm */
    case 0x6a:
    case 0x8f: /* pop r/m */
    case 0x9c: /* pushf */
    case 0x9d: /* popf */
    case 0xc8: /* enter */
    case 0xc9: /* leave */
        set_kind(in, X86_KIND_OTHER, true, true);
        break;
    case 0x90: /* not xchg r8, rax; not pause */
        if (!(in->rex & 1) && in->simd_prefix != 0xf3)
            set_kind(in, X86_KIND_NOP, true, false);
        break;
    case 0xc2:
    case 0xc3:
        set_kind(in, X86_KIND_RET, false, true);
        break;
    case 0xc7:
        if (in->modrm == 0xf8)
            set_kind(in, X86_KIND_XBEGIN, true, false);
        break;
    case 0xca:
    case 0xcb:
        set_kind(in, X86_KIND_RETF, false, true);
        break;
    case 0xcc:
        set_kind(in, X86_KIND_INT3, false, false);
        break;
    case 0xcd:
        set_kind(in, code[in->imm_offset] == 0x80 ? X86_KIND_INT80 : X86_KIND_INT, true, false);
        break;
    case 0xcf:
        set_kind(in, X86_KIND_IRET, false, true);
        break;
    case 0xe0:
    case 0xe1:
    case 0xe2:
        set_kind(in, X86_KIND_LOOP, true, false);
        break;
    case 0xe3:
        set_kind(in, X86_KIND_JRCXZ, true, false);
        break;
    case 0xe8:
        set_kind(in, X86_KIND_CALL, true, true);
        break;
    case 0xe9:
    case 0xeb:
        set_kind(in, X86_KIND_JMP, false, false);
        break;
    case 0xf1:
        set_kind(in, X86_KIND_INT1, true, false);
        break;
    case 0xf4:
        set_kind(in, X86_KIND_HLT, false, false);
        break;
    case 0xff:
        if (reg == 2)
            set_kind(in, X86_KIND_CALL_INDIRECT, true, true);
        else if (reg == 3)
            set_kind(in, X86_KIND_CALL_FAR, true, true);
        else if (reg == 4)
            set_kind(in, X86_KIND_JMP_INDIRECT, false, false);
        else if (reg == 5)
            set_kind(in, X86_KIND_JMP_FAR, false, false);
        else if (reg == 6) /* push r/m */
            set_kind(in, X86_KIND_OTHER, true, true);
        break;
    }
}

static void classify_0f(struct x86_insn *in) {
    uint8_t op = in->opcode;
    if (op >= 0x80 && op <= 0x8f) {
        set_kind(in, X86_KIND_JCC, true, false);
        return;
    }
    switch (op) {
    case 0x05:
        set_kind(in, X86_KIND_SYSCALL, true, false);
        break;
    case 0x34:
        set_kind(in, X86_KIND_SYSENTER, true, false);
        break;
    case 0x07: /* sysret */
    case 0x35: /* sysexit */
        set_kind(in, X86_KIND_SYSRET, false, false);
        break;
    case 0x0b: /* ud2 */
    case 0xb9: /* ud1 */
    case 0xff: /* ud0 */
        set_kind(in, X86_KIND_UD, false, false);
        break;
    case 0x1e:
        if (in->simd_prefix == 0xf3 && (in->modrm == 0xfa || in->modrm == 0xfb))
            set_kind(in, X86_KIND_ENDBR, true, false);
        break;
    case 0x1f:
        if (modrm_reg(in) == 0)
            set_kind(in, X86_KIND_NOP, true, false);
        break;
    case 0xa0: /* push fs, pop fs, push gs, pop gs */
    case 0xa1:
    case 0xa8:
    case 0xa9:
        set_kind(in, X86_KIND_OTHER, true, true);
        break;
    }
}

static int64_t read_signed(const uint8_t *p, size_t size) {
    switch (size) {
    case 1:
        return (int8_t)p[0];
    case 2:
        return (int16_t)(uint16_t)(p[0] | p[1] << 8);
    default:
        return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                         (uint32_t)p[3] << 24);
    }
}

/* ---- Entry point --------------------------------------------------------------------- */

int x86_decode(const uint8_t *code, size_t avail, uint64_t address, struct x86_insn *out) {
    struct x86_insn in;
    memset(&in, 0, sizeof(in));
    struct cursor c = {code, avail, 0};
    int err = read_prefixes(&c, &in);
    if (err)
        return err;

    uint8_t first = code[c.pos];
    bool vex = first == 0xc4 || first == 0xc5 || first == 0x62;
    if (first == 0x8f) { /* pop r/m, or XOP when the field under ModRM.reg/rm says map >= 8 */
        err = need(&c, 2);
        if (err)
            return err;
        vex = (code[c.pos + 1] & 0x1f) >= 8;
    }
    err = vex ? read_vex(&c, &in) : read_legacy_opcode(&c, &in);
    if (err)
        return err;

    unsigned desc = descriptor(&in);
    if (desc & D_INVALID)
        return X86_DECODE_INVALID;
    unsigned imm = desc & D_IMM_MASK;
    if (desc & D_MODRM) {
        err = read_modrm(&c, &in, desc & D_CTRLREG);
        if (err)
            return err;
        bool transaction = in.map == X86_MAP_PRIMARY && in.encoding == X86_ENC_LEGACY &&
                           (in.opcode == 0xc6 || in.opcode == 0xc7) && in.modrm == 0xf8;
        if (transaction) /* xabort ib, xbegin rel32 */
            imm = in.opcode == 0xc6 ? IMM_B : IMM_REL32;
        else if (!modrm_allowed(&in))
            return X86_DECODE_INVALID;
        int adjusted = prefix_dependent(&in, imm);
        if (adjusted < 0)
            return X86_DECODE_INVALID;
        imm = (unsigned)adjusted;
    }
    if ((in.prefixes & X86_PREFIX_LOCK) && !lock_allowed(&in))
        return X86_DECODE_INVALID;

    if (imm == IMM_MOFFS) {
        size_t size = (in.prefixes & X86_PREFIX_ADDRSIZE) ? 4 : 8;
        err = need(&c, size);
        if (err)
            return err;
        in.disp_offset = (uint8_t)c.pos;
        in.disp_size = (uint8_t)size;
        c.pos += size;
    }
    size_t imm_size = immediate_size(&in, imm);
    if (imm_size) {
        err = need(&c, imm_size);
        if (err)
            return err;
        in.imm_offset = (uint8_t)c.pos;
        in.imm_size = (uint8_t)imm_size;
        c.pos += imm_size;
    }
    if (in.map == X86_MAP_3DNOW) {
        in.opcode = code[in.imm_offset];
        if (!memchr(amd3dnow_suffixes, in.opcode, sizeof(amd3dnow_suffixes)))
            return X86_DECODE_INVALID;
    }
    in.length = (uint8_t)c.pos;
    uint64_t next = address + in.length;

    in.flags |= X86_INSN_FALLS_THROUGH;
    if (in.encoding == X86_ENC_LEGACY && in.map == X86_MAP_PRIMARY)
        classify_primary(&in, code);
    else if (in.encoding == X86_ENC_LEGACY && in.map == X86_MAP_0F)
        classify_0f(&in);

    if (imm == IMM_REL8 || imm == IMM_REL32) {
        in.flags |= X86_INSN_HAS_TARGET;
        in.target = next + (uint64_t)read_signed(code + in.imm_offset, imm_size);
        if ((in.prefixes & X86_PREFIX_OPSIZE) && !in.w)
            in.flags |= X86_INSN_BRANCH_OPSIZE16;
        if (imm_size == 2) /* objdump's reading: the AMD rel16 truncates RIP */
            in.target &= 0xffff;
    }
    if (in.flags & X86_INSN_RIP_RELATIVE) {
        in.rip_target = next + (uint64_t)read_signed(code + in.disp_offset, 4);
        if (in.prefixes & X86_PREFIX_ADDRSIZE) /* EIP-relative */
            in.rip_target &= 0xffffffffu;
    }
    *out = in;
    return in.length;
}

const char *x86_kind_name(unsigned kind) {
    static const char *const names[] = {
        [X86_KIND_OTHER] = "other",
        [X86_KIND_NOP] = "nop",
        [X86_KIND_ENDBR] = "endbr",
        [X86_KIND_SYSCALL] = "syscall",
        [X86_KIND_SYSENTER] = "sysenter",
        [X86_KIND_INT80] = "int80",
        [X86_KIND_INT] = "int",
        [X86_KIND_INT1] = "int1",
        [X86_KIND_INT3] = "int3",
        [X86_KIND_JMP] = "jmp",
        [X86_KIND_JCC] = "jcc",
        [X86_KIND_CALL] = "call",
        [X86_KIND_LOOP] = "loop",
        [X86_KIND_JRCXZ] = "jrcxz",
        [X86_KIND_XBEGIN] = "xbegin",
        [X86_KIND_JMP_INDIRECT] = "jmp-indirect",
        [X86_KIND_CALL_INDIRECT] = "call-indirect",
        [X86_KIND_JMP_FAR] = "jmp-far",
        [X86_KIND_CALL_FAR] = "call-far",
        [X86_KIND_RET] = "ret",
        [X86_KIND_RETF] = "retf",
        [X86_KIND_IRET] = "iret",
        [X86_KIND_SYSRET] = "sysret",
        [X86_KIND_UD] = "ud",
        [X86_KIND_HLT] = "hlt",
    };
    if (kind >= sizeof(names) / sizeof(names[0]) || !names[kind])
        return "?";
    return names[kind];
}
