/* .eh_frame: the unwind tables C and C++ compilers emit for (nearly) every function, kept in
 * stripped binaries. Each FDE names one function's range [pc_begin, pc_begin + pc_range);
 * its CIE says how the two are encoded. The FDEs are found through .eh_frame_hdr's sorted
 * table when the file has one (PT_GNU_EH_FRAME or the section), else by walking .eh_frame.
 * Facts: the Linux Standard Base (Core, "Exception Frames") and DWARF 4 section 6.4. */
#ifndef COMMON_EH_FRAME_H
#define COMMON_EH_FRAME_H

#include "common/func_elf.h"

/* DW_EH_PE pointer encodings: the low nibble is the format, bits 4-6 what it is relative to,
 * bit 7 an indirection. */
#define DW_EH_PE_absptr 0x00
#define DW_EH_PE_uleb128 0x01
#define DW_EH_PE_udata2 0x02
#define DW_EH_PE_udata4 0x03
#define DW_EH_PE_udata8 0x04
#define DW_EH_PE_signed 0x08
#define DW_EH_PE_sleb128 0x09
#define DW_EH_PE_sdata2 0x0a
#define DW_EH_PE_sdata4 0x0b
#define DW_EH_PE_sdata8 0x0c
#define DW_EH_PE_pcrel 0x10
#define DW_EH_PE_textrel 0x20
#define DW_EH_PE_datarel 0x30
#define DW_EH_PE_funcrel 0x40
#define DW_EH_PE_aligned 0x50
#define DW_EH_PE_indirect 0x80
#define DW_EH_PE_omit 0xff

/* A bounded view of file bytes [pos, end) whose byte at file offset `base_offset` has the
 * virtual address `base_vaddr` (for pc-relative values). */
struct eh_cursor {
    struct file_cache *cache;
    uint64_t pos, end;
    uint64_t base_offset, base_vaddr;
    uint64_t data_base; /* DW_EH_PE_datarel base, or 0 when there is none */
    bool has_data_base;
};

#define EH_OK 0
#define EH_MALFORMED (-1)   /* truncated or inconsistent */
#define EH_UNSUPPORTED (-2) /* valid but refused: indirect, textrel, funcrel, aligned... */

/* Reads one encoded value at the cursor and advances it. apply=false reads the format only
 * (pc_range). Returns EH_OK, EH_MALFORMED or EH_UNSUPPORTED. */
int eh_read_encoded(struct eh_cursor *cursor, uint8_t encoding, bool apply, uint64_t *value);

/* Adds one candidate per FDE. Returns FUNC_STATE_USED, FUNC_STATE_ABSENT or FUNC_STATE_FAILED
 * with the reason in message; on failure no candidate is left in out. */
enum func_source_state eh_frame_collect(struct elf_image *image, struct cand_list *out,
                                        struct func_eh_info *info, char *message,
                                        size_t message_size);

#endif
