/* x86_sweep: linear sweep of an ELF's executable sections with common/x86_decode.c, one
 * line per instruction, for the differential test against objdump (decoder_tests.py).
 *
 *   x86_sweep [--sync FILE] ELF
 *   x86_sweep [--sync FILE] --raw FILE      the whole file is code, at address 0
 *
 * Output, addresses and values in hex:
 *   ADDR LEN [k=KIND] [t=TARGET] [r=RIP_TARGET]    a decoded instruction
 *   ADDR bad                                       undecodable (invalid or truncated)
 * k= is left out for ordinary instructions; t= is the target of a direct branch, r= the
 * address a RIP-relative operand refers to.
 *
 * --sync FILE lists addresses (hex, one a line) where the sweep restarts, the way objdump
 * restarts at each symbol and after "(bad)": an instruction that runs over such an address
 * is printed whole and the sweep goes on from the address. After a bad byte the sweep goes
 * on at the next sync address in the section, or at the next byte when there is none. */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/x86_decode.h"

struct sync_list {
    uint64_t *addresses;
    size_t count;
};

static void die(const char *what, const char *detail) {
    fprintf(stderr, "x86_sweep: %s: %s\n", what, detail);
    exit(2);
}

static unsigned char *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f)
        die(path, strerror(errno));
    size_t capacity = 1 << 20, used = 0;
    unsigned char *data = malloc(capacity);
    for (;;) {
        if (!data)
            die(path, "out of memory");
        used += fread(data + used, 1, capacity - used, f);
        if (used < capacity)
            break;
        capacity *= 2;
        data = realloc(data, capacity);
    }
    if (ferror(f))
        die(path, "read error");
    fclose(f);
    *size = used;
    return data;
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static struct sync_list read_sync(const char *path) {
    struct sync_list list = {NULL, 0};
    FILE *f = fopen(path, "r");
    if (!f)
        die(path, strerror(errno));
    size_t capacity = 0;
    char line[64];
    while (fgets(line, sizeof(line), f)) {
        char *end;
        uint64_t address = strtoull(line, &end, 16);
        if (end == line)
            continue;
        if (list.count == capacity) {
            capacity = capacity ? capacity * 2 : 1024;
            list.addresses = realloc(list.addresses, capacity * sizeof(uint64_t));
            if (!list.addresses)
                die(path, "out of memory");
        }
        list.addresses[list.count++] = address;
    }
    fclose(f);
    qsort(list.addresses, list.count, sizeof(uint64_t), compare_u64);
    return list;
}

/* Index of the first sync address >= address. */
static size_t first_sync_at(const struct sync_list *sync, uint64_t address) {
    size_t low = 0, high = sync->count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (sync->addresses[mid] < address)
            low = mid + 1;
        else
            high = mid;
    }
    return low;
}

static void sweep_section(const unsigned char *bytes, uint64_t start, uint64_t size,
                          const struct sync_list *sync) {
    uint64_t end = start + size, pos = start;
    size_t next_sync = first_sync_at(sync, start);
    while (pos < end) {
        while (next_sync < sync->count && sync->addresses[next_sync] <= pos)
            next_sync++;
        bool sync_ahead = next_sync < sync->count && sync->addresses[next_sync] < end;
        struct x86_insn insn;
        int length = x86_decode(bytes + (pos - start), end - pos, pos, &insn);
        uint64_t next;
        if (length < 0) {
            printf("%" PRIx64 " bad\n", pos);
            next = sync_ahead ? sync->addresses[next_sync] : pos + 1;
        } else {
            printf("%" PRIx64 " %d", pos, length);
            if (insn.kind != X86_KIND_OTHER)
                printf(" k=%s", x86_kind_name(insn.kind));
            if (insn.flags & X86_INSN_HAS_TARGET)
                printf(" t=%" PRIx64, insn.target);
            if (insn.flags & X86_INSN_RIP_RELATIVE)
                printf(" r=%" PRIx64, insn.rip_target);
            putchar('\n');
            next = pos + (uint64_t)length;
            if (sync_ahead && sync->addresses[next_sync] < next)
                next = sync->addresses[next_sync];
        }
        pos = next;
    }
}

static int finish(unsigned char *file, struct sync_list *sync) {
    if (fflush(stdout) != 0)
        die("stdout", strerror(errno));
    free(sync->addresses);
    free(file);
    return 0;
}

int main(int argc, char **argv) {
    struct sync_list sync = {NULL, 0};
    int arg = 1;
    if (arg + 1 < argc && strcmp(argv[arg], "--sync") == 0) {
        sync = read_sync(argv[arg + 1]);
        arg += 2;
    }
    bool raw = arg + 1 < argc && strcmp(argv[arg], "--raw") == 0;
    if (raw)
        arg++;
    if (arg + 1 != argc) {
        fprintf(stderr, "usage: x86_sweep [--sync FILE] [--raw] FILE\n");
        return 2;
    }
    const char *path = argv[arg];
    size_t size;
    unsigned char *file = read_file(path, &size);
    static char out_buffer[1 << 16];
    setvbuf(stdout, out_buffer, _IOFBF, sizeof(out_buffer));
    if (raw) {
        sweep_section(file, 0, size, &sync);
        return finish(file, &sync);
    }
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)file;
    if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64)
        die(path, "not a 64-bit x86-64 ELF file");
    if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > size ||
        (size - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum)
        die(path, "section headers out of the file");
    const Elf64_Shdr *sections = (const Elf64_Shdr *)(file + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        const Elf64_Shdr *sh = &sections[i];
        if (!(sh->sh_flags & SHF_EXECINSTR) || sh->sh_type == SHT_NOBITS || sh->sh_size == 0)
            continue;
        if (sh->sh_offset > size || sh->sh_size > size - sh->sh_offset)
            die(path, "an executable section lies outside the file");
        sweep_section(file + sh->sh_offset, sh->sh_addr, sh->sh_size, &sync);
    }
    return finish(file, &sync);
}
