/* unit-sources: common/elf_check.c common/string.c common/fmt.c */
/* ELF header validation: every refusal has its message, and no input crashes it. */
#include "common/elf_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/check.h"

struct image {
    Elf64_Ehdr eh;
    Elf64_Phdr ph[4];
    unsigned char body[8192];
};

static void make_valid(struct image *im, int type) {
    memset(im, 0, sizeof(*im));
    memcpy(im->eh.e_ident, ELFMAG, SELFMAG);
    im->eh.e_ident[EI_CLASS] = ELFCLASS64;
    im->eh.e_ident[EI_DATA] = ELFDATA2LSB;
    im->eh.e_ident[EI_VERSION] = EV_CURRENT;
    im->eh.e_type = (Elf64_Half)type;
    im->eh.e_machine = EM_X86_64;
    im->eh.e_phoff = sizeof(Elf64_Ehdr);
    im->eh.e_phentsize = sizeof(Elf64_Phdr);
    im->eh.e_phnum = 2;
    uint64_t base = type == ET_EXEC ? 0x400000 : 0;
    im->eh.e_entry = base + 0x1000;
    im->ph[0] = (Elf64_Phdr){.p_type = PT_LOAD,
                             .p_flags = PF_R | PF_X,
                             .p_offset = 0,
                             .p_vaddr = base,
                             .p_filesz = 0x1100,
                             .p_memsz = 0x1100};
    im->ph[1] = (Elf64_Phdr){.p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W};
}

static int check(struct image *im, size_t len, char *err) {
    struct elf_info info;
    return elf_check((const unsigned char *)im, len, len, &info, err, 160);
}

static void expect_error(struct image *im, size_t len, const char *want, const char *what) {
    char err[160] = "";
    int r = check(im, len, err);
    CHECK(r == -1, "%s: accepted", what);
    CHECK(strstr(err, want) != NULL, "%s: message '%s' lacks '%s'", what, err, want);
}

int main(void) {
    struct image im;
    char err[160];
    struct elf_info info;

    make_valid(&im, ET_EXEC);
    CHECK(elf_check((unsigned char *)&im, sizeof(im), sizeof(im), &info, err, sizeof(err)) == 0,
          "valid non-PIE refused: %s", err);
    CHECK(!info.pie && info.min_vaddr == 0x400000 && info.max_vaddr == 0x402000, "extent %lx-%lx",
          (unsigned long)info.min_vaddr, (unsigned long)info.max_vaddr);
    CHECK(info.phdr_vaddr == 0x400000 + sizeof(Elf64_Ehdr), "phdr vaddr %lx",
          (unsigned long)info.phdr_vaddr);
    CHECK(!info.exec_stack, "stack should not be executable");

    make_valid(&im, ET_DYN);
    CHECK(check(&im, sizeof(im), err) == 0, "valid static PIE refused: %s", err);

    expect_error((struct image *)"hello world, this is text", 25, "not an ELF", "text file");
    make_valid(&im, ET_EXEC);
    expect_error(&im, 10, "truncated", "10 bytes");
    make_valid(&im, ET_EXEC);
    expect_error(&im, 40, "truncated", "40 bytes");
    make_valid(&im, ET_EXEC);
    im.eh.e_ident[EI_CLASS] = ELFCLASS32;
    expect_error(&im, sizeof(im), "32-bit", "32-bit class");
    make_valid(&im, ET_EXEC);
    im.eh.e_ident[EI_DATA] = ELFDATA2MSB;
    expect_error(&im, sizeof(im), "big-endian", "big endian");
    make_valid(&im, ET_EXEC);
    im.eh.e_machine = 183; /* aarch64 */
    expect_error(&im, sizeof(im), "not x86-64", "machine");
    make_valid(&im, ET_EXEC);
    im.eh.e_type = ET_REL;
    expect_error(&im, sizeof(im), "not an executable", "relocatable");
    make_valid(&im, ET_EXEC);
    im.eh.e_phnum = 0;
    expect_error(&im, sizeof(im), "number of program headers", "no phdrs");
    make_valid(&im, ET_EXEC);
    im.eh.e_phoff = 1u << 30;
    expect_error(&im, sizeof(im), "past the end", "phoff beyond file");
    make_valid(&im, ET_EXEC);
    im.ph[0].p_filesz = 1u << 20;
    im.ph[0].p_memsz = 1u << 20;
    expect_error(&im, sizeof(im), "past the end", "segment beyond file");
    make_valid(&im, ET_EXEC);
    im.ph[0].p_memsz = 0x10;
    expect_error(&im, sizeof(im), "exceeds memory size", "filesz > memsz");
    make_valid(&im, ET_EXEC);
    im.ph[0].p_vaddr = 0x400123;
    expect_error(&im, sizeof(im), "misaligned", "misaligned segment");
    make_valid(&im, ET_EXEC);
    im.eh.e_entry = 0x900000;
    expect_error(&im, sizeof(im), "entry point", "entry outside");
    make_valid(&im, ET_EXEC);
    im.ph[0].p_vaddr = 0xfffffffffffff000ULL;
    expect_error(&im, sizeof(im), "outside the user address space", "wrapping segment");
    make_valid(&im, ET_EXEC);
    im.ph[1].p_type = PT_INTERP;
    im.ph[1].p_offset = 0x200;
    im.ph[1].p_filesz = 28;
    memcpy((char *)&im + 0x200, "/lib64/ld-linux-x86-64.so.2", 28);
    CHECK(check(&im, sizeof(im), err) == 0, "interp refused: %s", err);
    elf_check((unsigned char *)&im, sizeof(im), sizeof(im), &info, err, sizeof(err));
    CHECK(info.has_interp && !strcmp(info.interp, "/lib64/ld-linux-x86-64.so.2"), "interp '%s'",
          info.interp);

    /* Random corruption of a valid header never crashes or reads out of bounds (ASan). */
    srand(1);
    for (int i = 0; i < 200000; i++) {
        make_valid(&im, i & 1 ? ET_EXEC : ET_DYN);
        unsigned char *bytes = (unsigned char *)&im;
        size_t span = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr);
        for (int k = 0; k < 1 + rand() % 6; k++)
            bytes[rand() % span] = (unsigned char)rand();
        size_t len = (size_t)rand() % sizeof(im);
        unsigned char *copy = malloc(len ? len : 1);
        memcpy(copy, &im, len);
        elf_check(copy, len, len, &info, err, sizeof(err));
        free(copy);
    }

    return unit_report("test_elf_check");
}
