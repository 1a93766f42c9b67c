/* Go's pc-line table (.gopclntab): the function table every Go binary carries, stripped or
 * not, used by the Go runtime for tracebacks. Layouts by magic (little-endian):
 *   0xfffffffb  Go 1.2-1.15   functab of (pc, funcoff) pointer-sized pairs, absolute pcs
 *   0xfffffffa  Go 1.16-1.17  header with table offsets; pointer-sized absolute pcs
 *   0xfffffff0  Go 1.18-1.19  header adds textStart; functab fields are uint32 offsets
 *   0xfffffff1  Go 1.20+      same header and functab as 1.18 (the _func record changed)
 * Function i covers [pc(i), pc(i+1)); entry nfunc holds the end of the last function. */
#ifndef COMMON_GOPCLNTAB_H
#define COMMON_GOPCLNTAB_H

#include "common/func_elf.h"

#define GO_MAGIC_12 0xfffffffbu
#define GO_MAGIC_116 0xfffffffau
#define GO_MAGIC_118 0xfffffff0u
#define GO_MAGIC_120 0xfffffff1u

/* Adds one candidate per function (name_ref = functab index). Returns FUNC_STATE_USED,
 * FUNC_STATE_ABSENT or FUNC_STATE_FAILED with the reason in message; on failure no candidate
 * is left in out. */
enum func_source_state gopclntab_collect(struct elf_image *image, struct cand_list *out,
                                         struct func_go_info *info, char *message,
                                         size_t message_size);

/* The name of function index into buf (terminated); its length, or -1. */
int gopclntab_name(const struct elf_reader *reader, const struct func_go_info *info, uint32_t index,
                   char *buf, size_t size);

#endif
