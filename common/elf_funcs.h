/* Function symbols of .symtab and .dynsym: STT_FUNC and STT_GNU_IFUNC symbols defined in
 * a section. Symbols without size are kept with CAND_ZERO_SIZE (the merge guesses their
 * end). The dynamic table is found through its section header only. */
#ifndef COMMON_ELF_FUNCS_H
#define COMMON_ELF_FUNCS_H

#include "common/func_elf.h"

/* table_type: SHT_SYMTAB or SHT_DYNSYM; source: the matching FUNC_SRC_* bit. Adds one
 * candidate per function symbol (name_ref = symbol index). Returns FUNC_STATE_USED,
 * FUNC_STATE_ABSENT or FUNC_STATE_FAILED with the reason in message; on failure no
 * candidate is left in out. */
enum func_source_state elf_funcs_collect(struct elf_image *image, uint32_t table_type,
                                         uint8_t source, struct cand_list *out,
                                         struct func_symtab_info *info, char *message,
                                         size_t message_size);

/* The name of symbol index into buf (terminated); its length, or -1. */
int elf_funcs_name(const struct elf_reader *reader, const struct func_symtab_info *info,
                   uint32_t index, char *buf, size_t size);

#endif
