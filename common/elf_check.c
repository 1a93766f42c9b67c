#include "common/elf_check.h"
#include "common/fmt.h"
#include "common/string.h"

#define PAGE 4096ULL

static int fail(char *err, size_t errsize, const char *msg) {
    str_copy(err, msg, errsize);
    return -1;
}

int elf_check(const unsigned char *buf, size_t buf_len, uint64_t file_size, struct elf_info *info,
              char *err, size_t errsize) {
    memset(info, 0, sizeof(*info));
    if (buf_len < 4 || memcmp(buf, ELFMAG, SELFMAG) != 0)
        return fail(err, errsize, "not an ELF executable");
    if (buf_len < EI_NIDENT)
        return fail(err, errsize, "truncated ELF header");
    if (buf[EI_CLASS] == ELFCLASS32)
        return fail(err, errsize, "32-bit ELF executables are not supported (x86-64 only)");
    if (buf[EI_CLASS] != ELFCLASS64)
        return fail(err, errsize, "unknown ELF class");
    if (buf[EI_DATA] != ELFDATA2LSB)
        return fail(err, errsize, "big-endian ELF executables are not supported");
    if (buf_len < sizeof(Elf64_Ehdr))
        return fail(err, errsize, "truncated ELF header");
    Elf64_Ehdr eh;
    memcpy(&eh, buf, sizeof(eh));
    if (eh.e_machine != EM_X86_64) {
        char msg[96];
        fmt_snprintf(msg, sizeof(msg), "ELF machine %u is not x86-64", eh.e_machine);
        return fail(err, errsize, msg);
    }
    if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
        return fail(err, errsize, "ELF file is not an executable (e_type is not EXEC or DYN)");
    if (eh.e_phentsize != sizeof(Elf64_Phdr))
        return fail(err, errsize, "corrupt ELF header: bad program header size");
    if (eh.e_phnum == 0 || eh.e_phnum > ELF_MAX_PHDRS)
        return fail(err, errsize, "corrupt ELF header: bad number of program headers");
    uint64_t ph_end = eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr);
    if (eh.e_phoff > file_size || ph_end > file_size || ph_end < eh.e_phoff)
        return fail(err, errsize, "truncated ELF file: program headers past the end");
    if (ph_end > buf_len)
        return fail(err, errsize, "program headers not in the bytes read");
    info->pie = eh.e_type == ET_DYN;
    info->entry = eh.e_entry;
    info->phoff = eh.e_phoff;
    info->phnum = eh.e_phnum;
    memcpy(info->phdrs, buf + eh.e_phoff, (size_t)eh.e_phnum * sizeof(Elf64_Phdr));

    bool have_load = false;
    uint64_t prev_end = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        const Elf64_Phdr *ph = &info->phdrs[i];
        if (ph->p_type == PT_INTERP) {
            if (ph->p_filesz == 0 || ph->p_filesz > sizeof(info->interp) ||
                ph->p_offset > file_size || ph->p_offset + ph->p_filesz > file_size)
                return fail(err, errsize, "corrupt ELF file: bad PT_INTERP");
            info->has_interp = true;
            if (ph->p_offset + ph->p_filesz <= buf_len) {
                memcpy(info->interp, buf + ph->p_offset, ph->p_filesz);
                info->interp[sizeof(info->interp) - 1] = 0;
            }
        } else if (ph->p_type == PT_GNU_STACK) {
            info->exec_stack = (ph->p_flags & PF_X) != 0;
        } else if (ph->p_type == PT_PHDR) {
            info->phdr_vaddr = ph->p_vaddr;
        } else if (ph->p_type == PT_LOAD) {
            if (ph->p_memsz == 0)
                continue;
            if (ph->p_filesz > ph->p_memsz)
                return fail(err, errsize,
                            "corrupt ELF file: segment file size exceeds memory size");
            if (ph->p_offset > file_size || ph->p_filesz > file_size - ph->p_offset)
                return fail(err, errsize, "truncated ELF file: a segment extends past the end");
            if ((ph->p_vaddr - ph->p_offset) % PAGE != 0)
                return fail(err, errsize,
                            "corrupt ELF file: segment offset and address misaligned");
            if (ph->p_vaddr + ph->p_memsz < ph->p_vaddr ||
                ph->p_vaddr + ph->p_memsz > 0x7ff000000000ULL)
                return fail(err, errsize,
                            "corrupt ELF file: segment outside the user address space");
            uint64_t start = ph->p_vaddr & ~(PAGE - 1);
            uint64_t end = (ph->p_vaddr + ph->p_memsz + PAGE - 1) & ~(PAGE - 1);
            if (have_load && start < prev_end && ph->p_vaddr < prev_end)
                return fail(err, errsize, "corrupt ELF file: overlapping or unordered segments");
            if (!have_load || start < info->min_vaddr)
                info->min_vaddr = start;
            if (end > info->max_vaddr)
                info->max_vaddr = end;
            prev_end = ph->p_vaddr + ph->p_memsz;
            have_load = true;
            /* The program headers are visible to the app when a segment maps them. */
            if (!info->phdr_vaddr && eh.e_phoff >= ph->p_offset &&
                ph_end <= ph->p_offset + ph->p_filesz)
                info->phdr_vaddr = ph->p_vaddr + (eh.e_phoff - ph->p_offset);
        }
    }
    if (!have_load)
        return fail(err, errsize, "ELF file has no loadable segments");
    if (!info->pie && info->min_vaddr < 0x10000)
        return fail(err, errsize, "ELF segments below 64 KiB cannot be mapped");
    if (info->entry < info->min_vaddr - (info->pie ? 0 : 0) || info->entry >= info->max_vaddr)
        return fail(err, errsize, "corrupt ELF header: entry point outside the loaded segments");
    return 0;
}
