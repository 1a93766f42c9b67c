/* ELF function symbols as function ranges (see common/elf_funcs.h). */
#include "common/elf_funcs.h"

#include <linux/elf.h>

#include "common/fmt.h"
#include "common/string.h"

#ifndef STT_GNU_IFUNC
#define STT_GNU_IFUNC 10
#endif

enum func_source_state elf_funcs_collect(struct elf_image *image, uint32_t table_type,
                                         uint8_t source, struct cand_list *out,
                                         struct func_symtab_info *info, char *msg, size_t msz) {
    memset(info, 0, sizeof(*info));
    const char *name = table_type == SHT_SYMTAB ? ".symtab" : ".dynsym";
    if (image->section_count == 0) {
        fmt_snprintf(msg, msz, "no section headers");
        return FUNC_STATE_ABSENT;
    }
    const struct elf_section *table = elf_image_section_by_type(image, table_type);
    if (!table) {
        fmt_snprintf(msg, msz, "no %s", name);
        return FUNC_STATE_ABSENT;
    }
    if (table->entsize != sizeof(Elf64_Sym) || table->size % sizeof(Elf64_Sym) != 0) {
        fmt_snprintf(msg, msz, "%s has a bad entry size", name);
        return FUNC_STATE_FAILED;
    }
    if (table->link >= image->section_count || image->sections[table->link].type != SHT_STRTAB) {
        fmt_snprintf(msg, msz, "%s has no string table", name);
        return FUNC_STATE_FAILED;
    }
    const struct elf_section *strings = &image->sections[table->link];
    info->symbols_offset = table->offset;
    info->symbol_count = table->size / sizeof(Elf64_Sym);
    info->strings_offset = strings->offset;
    info->strings_size = strings->size;
    if (info->symbol_count > UINT32_MAX) {
        fmt_snprintf(msg, msz, "%s has too many symbols", name);
        return FUNC_STATE_FAILED;
    }

    struct file_cache cache;
    if (file_cache_init(&cache, image->reader) != 0) {
        fmt_snprintf(msg, msz, "out of memory");
        return FUNC_STATE_FAILED;
    }
    size_t before = out->count;
    size_t zero_size = 0, functions = 0;
    enum func_source_state state = FUNC_STATE_USED;
    for (uint64_t i = 1; i < info->symbol_count; i++) { /* symbol 0 is the null symbol */
        Elf64_Sym sym;
        if (file_cache_read(&cache, table->offset + i * sizeof(sym), &sym, sizeof(sym)) != 0) {
            fmt_snprintf(msg, msz, "cannot read %s", name);
            state = FUNC_STATE_FAILED;
            break;
        }
        unsigned type = ELF64_ST_TYPE(sym.st_info);
        if (type != STT_FUNC && type != STT_GNU_IFUNC)
            continue;
        if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE)
            continue; /* imported, absolute or common: no code here */
        if (sym.st_value + sym.st_size < sym.st_value) {
            fmt_snprintf(msg, msz, "%s symbol %llu wraps around", name, (unsigned long long)i);
            state = FUNC_STATE_FAILED;
            break;
        }
        uint8_t flags = sym.st_size == 0 ? CAND_ZERO_SIZE : 0;
        zero_size += sym.st_size == 0;
        if (cand_push(out, sym.st_value, sym.st_value + sym.st_size, (uint32_t)i, source, flags) !=
            0) {
            fmt_snprintf(msg, msz, "out of memory");
            state = FUNC_STATE_FAILED;
            break;
        }
        functions++;
    }
    file_cache_fini(&cache);
    if (state != FUNC_STATE_USED) {
        out->count = before;
        return state;
    }
    fmt_snprintf(msg, msz, "%zu function symbols of %llu, %zu without size", functions,
                 (unsigned long long)info->symbol_count, zero_size);
    return FUNC_STATE_USED;
}

int elf_funcs_name(const struct elf_reader *reader, const struct func_symtab_info *info,
                   uint32_t index, char *buf, size_t size) {
    if (size == 0 || index == 0 || index >= info->symbol_count)
        return -1;
    Elf64_Sym sym;
    uint64_t at = info->symbols_offset + (uint64_t)index * sizeof(sym);
    if (!span_fits(at, sizeof(sym), reader->size) ||
        reader->read(reader->ctx, at, &sym, sizeof(sym)) != 0)
        return -1;
    if (sym.st_name >= info->strings_size ||
        !span_fits(info->strings_offset, info->strings_size, reader->size))
        return -1;
    uint64_t avail = info->strings_size - sym.st_name;
    size_t len = size - 1 < avail ? size - 1 : (size_t)avail;
    if (reader->read(reader->ctx, info->strings_offset + sym.st_name, buf, len) != 0)
        return -1;
    buf[len] = '\0';
    return (int)strnlen(buf, len);
}
