/* Validation of an ELF executable's headers before anything is mapped, as a pure function
 * over the bytes read from the file, so that every refusal is a clear message and no input
 * can crash the loader. */
#ifndef COMMON_ELF_CHECK_H
#define COMMON_ELF_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <linux/elf.h>

#define ELF_MAX_PHDRS 64

struct elf_info {
    bool pie;       /* ET_DYN: loaded at a base the loader chooses */
    uint64_t entry; /* e_entry, unbiased */
    uint64_t phoff;
    uint16_t phnum;
    Elf64_Phdr phdrs[ELF_MAX_PHDRS];
    uint64_t min_vaddr, max_vaddr; /* page-aligned extent of the PT_LOAD segments */
    bool has_interp;
    char interp[256];    /* PT_INTERP path, if any */
    bool exec_stack;     /* PT_GNU_STACK with PF_X */
    uint64_t phdr_vaddr; /* where the program headers are in memory, 0 if nowhere */
};

/* header: at least the first min(file_size, 64 + phdr table) bytes of the file, or a buffer
 * holding the ELF header and program headers; read_at fetches other ranges (PT_INTERP).
 * Returns 0, or -1 with a one-line reason in err. */
int elf_check(const unsigned char *buf, size_t buf_len, uint64_t file_size, struct elf_info *info,
              char *err, size_t errsize);

#endif
