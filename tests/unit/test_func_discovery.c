/* unit-sources: common/func_discovery.c common/func_elf.c common/gopclntab.c common/eh_frame.c
 * common/elf_funcs.c common/fmt.c */
/* Function discovery over hand-built ELF images: every pclntab layout, .eh_frame with its
 * pointer encodings (with and without .eh_frame_hdr), symbols, the merge's conflict rules,
 * and malformed input (truncation, random corruption, a failing reader): no crash, one
 * clear message. */
#include "common/func_discovery.h"
#include "common/eh_frame.h"
#include "common/gopclntab.h"

#include <linux/elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"

/* ---- A small ELF image: vaddr = VBASE + file offset ----
 *   0x0000  ELF header, program headers      PT_LOAD R
 *   0x1000  .text (int3 filled)              PT_LOAD R+X
 *   0x2000  other sections, appended         PT_LOAD R
 *   0x8000  writable data (moduledata)       PT_LOAD RW
 *   0x9000  .shstrtab, section headers       (not loaded) */
#define VBASE 0x400000ull
#define TEXT_OFF 0x1000u
#define TEXT_SIZE 0x1000u
#define TEXT_VA (VBASE + TEXT_OFF)
#define DATA_OFF 0x2000u
#define DATA_END 0x8000u
#define RW_OFF 0x8000u
#define RW_SIZE 0x1000u
#define TAIL_OFF 0x9000u
#define IMG_MAX 0xc000u

struct img {
    unsigned char b[IMG_MAX];
    size_t next; /* next free offset in the data region */
    Elf64_Shdr sh[24];
    int nsh;
    char shstr[1024];
    size_t shstr_len;
    bool eh_hdr_segment;
    uint64_t eh_hdr_off, eh_hdr_size;
    bool no_sections;
    size_t size;
};

static uint32_t shstr_add(struct img *im, const char *name) {
    uint32_t at = (uint32_t)im->shstr_len;
    size_t len = strlen(name) + 1;
    memcpy(im->shstr + at, name, len);
    im->shstr_len += len;
    return at;
}

static void img_init(struct img *im) {
    memset(im, 0, sizeof(*im));
    im->next = DATA_OFF;
    im->nsh = 1; /* the null section */
    im->shstr_len = 1;
    memset(im->b + TEXT_OFF, 0xcc, TEXT_SIZE);
    Elf64_Shdr *text = &im->sh[im->nsh++];
    text->sh_name = shstr_add(im, ".text");
    text->sh_type = SHT_PROGBITS;
    text->sh_flags = SHF_ALLOC | SHF_EXECINSTR;
    text->sh_addr = TEXT_VA;
    text->sh_offset = TEXT_OFF;
    text->sh_size = TEXT_SIZE;
}

/* Where the next section will go (8-aligned), so that contents can use their address. */
static uint64_t img_next(struct img *im) {
    return (im->next + 7) & ~(size_t)7;
}

static int img_add_at(struct img *im, uint64_t off, const char *name, uint32_t type, uint64_t flags,
                      const void *data, size_t len, uint32_t link, uint64_t entsize) {
    memcpy(im->b + off, data, len);
    Elf64_Shdr *sh = &im->sh[im->nsh];
    sh->sh_name = shstr_add(im, name);
    sh->sh_type = type;
    sh->sh_flags = flags;
    sh->sh_addr = (flags & SHF_ALLOC) ? VBASE + off : 0;
    sh->sh_offset = off;
    sh->sh_size = len;
    sh->sh_link = link;
    sh->sh_entsize = entsize;
    return im->nsh++;
}

static int img_add(struct img *im, const char *name, uint32_t type, uint64_t flags,
                   const void *data, size_t len, uint32_t link, uint64_t entsize) {
    uint64_t off = img_next(im);
    if (off + len > DATA_END) {
        fprintf(stderr, "test image full\n");
        exit(2);
    }
    im->next = off + len;
    return img_add_at(im, off, name, type, flags, data, len, link, entsize);
}

static void img_finish(struct img *im) {
    Elf64_Ehdr *eh = (Elf64_Ehdr *)im->b;
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = ET_EXEC;
    eh->e_machine = EM_X86_64;
    eh->e_version = EV_CURRENT;
    eh->e_entry = TEXT_VA;
    eh->e_phoff = sizeof(Elf64_Ehdr);
    eh->e_ehsize = sizeof(Elf64_Ehdr);
    eh->e_phentsize = sizeof(Elf64_Phdr);
    Elf64_Phdr *ph = (Elf64_Phdr *)(im->b + eh->e_phoff);
    Elf64_Phdr loads[] = {
        {PT_LOAD, PF_R, 0, VBASE, VBASE, 0x1000, 0x1000, 0x1000},
        {PT_LOAD, PF_R | PF_X, TEXT_OFF, TEXT_VA, TEXT_VA, TEXT_SIZE, TEXT_SIZE, 0x1000},
        {PT_LOAD, PF_R, DATA_OFF, VBASE + DATA_OFF, VBASE + DATA_OFF, DATA_END - DATA_OFF,
         DATA_END - DATA_OFF, 0x1000},
        {PT_LOAD, PF_R | PF_W, RW_OFF, VBASE + RW_OFF, VBASE + RW_OFF, RW_SIZE, RW_SIZE, 0x1000},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof(loads) / sizeof(loads[0]); i++)
        ph[n++] = loads[i];
    if (im->eh_hdr_segment)
        ph[n++] = (Elf64_Phdr){0x6474e550,
                               PF_R,
                               im->eh_hdr_off,
                               VBASE + im->eh_hdr_off,
                               VBASE + im->eh_hdr_off,
                               im->eh_hdr_size,
                               im->eh_hdr_size,
                               4};
    eh->e_phnum = (uint16_t)n;
    eh->e_shoff = 0;
    eh->e_shnum = 0;
    eh->e_shstrndx = 0;
    if (im->no_sections) {
        im->size = TAIL_OFF;
        return;
    }
    /* Local copies: finishing twice (after an edit) gives the same layout. */
    char shstr[sizeof(im->shstr)];
    Elf64_Shdr sh[sizeof(im->sh) / sizeof(im->sh[0])];
    memcpy(shstr, im->shstr, im->shstr_len);
    memcpy(sh, im->sh, sizeof(sh));
    size_t shstr_len = im->shstr_len;
    uint32_t name = (uint32_t)shstr_len;
    memcpy(shstr + shstr_len, ".shstrtab", 10);
    shstr_len += 10;
    int nsh = im->nsh;
    uint64_t str_off = TAIL_OFF;
    memcpy(im->b + str_off, shstr, shstr_len);
    memset(&sh[nsh], 0, sizeof(sh[nsh]));
    sh[nsh].sh_name = name;
    sh[nsh].sh_type = SHT_STRTAB;
    sh[nsh].sh_offset = str_off;
    sh[nsh].sh_size = shstr_len;
    eh->e_shstrndx = (uint16_t)nsh++;
    uint64_t shoff = (str_off + shstr_len + 7) & ~7ull;
    memcpy(im->b + shoff, sh, sizeof(Elf64_Shdr) * nsh);
    eh->e_shoff = shoff;
    eh->e_shentsize = sizeof(Elf64_Shdr);
    eh->e_shnum = (uint16_t)nsh;
    im->size = shoff + sizeof(Elf64_Shdr) * nsh;
}

/* ---- Reading from memory ---- */

struct mem {
    const unsigned char *data;
    size_t size;
    int fail_after; /* calls before the reader fails; <0: never */
    int calls;
};

static int mem_read(void *ctx, uint64_t offset, void *buf, size_t len) {
    struct mem *m = ctx;
    if (m->fail_after >= 0 && m->calls++ >= m->fail_after)
        return -1;
    if (offset > m->size || len > m->size - offset) {
        printf("FAIL reader called past the end: %llu+%zu > %zu\n", (unsigned long long)offset, len,
               m->size);
        failures++;
        return -1;
    }
    memcpy(buf, m->data + offset, len);
    return 0;
}

static struct mem mem_of(const struct img *im) {
    return (struct mem){im->b, im->size, -1, 0};
}

static struct elf_reader reader_of(struct mem *m) {
    return (struct elf_reader){m, mem_read, m->size};
}

static int discover(const struct img *im, unsigned sources, bool raw, struct func_list *list,
                    struct mem *m, struct elf_reader *r) {
    *m = mem_of(im);
    *r = reader_of(m);
    struct func_options options = {sources, raw};
    char err[160];
    int rc = func_discover(r, &options, list, err, sizeof(err));
    if (rc != 0)
        printf("func_discover: %s\n", err);
    return rc;
}

static bool has_range(const struct func_list *list, uint64_t start, uint64_t end) {
    for (size_t i = 0; i < list->count; i++)
        if (list->funcs[i].start == start && list->funcs[i].end == end)
            return true;
    return false;
}

static const struct func_range *range_at(const struct func_list *list, uint64_t start) {
    for (size_t i = 0; i < list->count; i++)
        if (list->funcs[i].start == start)
            return &list->funcs[i];
    return NULL;
}

/* ---- Byte builders ---- */

struct bytes {
    unsigned char b[4096];
    size_t n;
};

static void put(struct bytes *o, const void *p, size_t n) {
    memcpy(o->b + o->n, p, n);
    o->n += n;
}
static void put8(struct bytes *o, uint8_t v) {
    put(o, &v, 1);
}
static void put16(struct bytes *o, uint16_t v) {
    put(o, &v, 2);
}
static void put32(struct bytes *o, uint32_t v) {
    put(o, &v, 4);
}
static void put64(struct bytes *o, uint64_t v) {
    put(o, &v, 8);
}
static void put_uleb(struct bytes *o, uint64_t v) {
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        put8(o, byte | (v ? 0x80 : 0));
    } while (v);
}
static void put_sleb(struct bytes *o, int64_t v) {
    for (;;) {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
        put8(o, byte | (done ? 0 : 0x80));
        if (done)
            return;
    }
}
static void put_str(struct bytes *o, const char *s) {
    put(o, s, strlen(s) + 1);
}
static void align(struct bytes *o, size_t a) {
    while (o->n % a)
        put8(o, 0);
}
static void set32(struct bytes *o, size_t at, uint32_t v) {
    memcpy(o->b + at, &v, 4);
}
static void set64(struct bytes *o, size_t at, uint64_t v) {
    memcpy(o->b + at, &v, 8);
}

/* ---- pclntab ---- */

/* Three functions at text+0x0, +0x40, +0x100, ending at +0x180. */
static const uint64_t go_offsets[] = {0x0, 0x40, 0x100, 0x180};
static const char *go_names[] = {"main.a", "main.b", "runtime.rt_sigreturn"};
#define GO_NFUNC 3

/* A table of the given layout; header_text is what the 1.18+ header says textStart is. */
static void build_pclntab(struct bytes *o, uint32_t magic, uint64_t header_text) {
    memset(o, 0, sizeof(*o));
    put32(o, magic);
    put8(o, 0);
    put8(o, 0);
    put8(o, 1); /* quantum */
    put8(o, 8); /* pointer size */
    bool relative = magic == GO_MAGIC_118 || magic == GO_MAGIC_120;
    size_t words = magic == GO_MAGIC_12 ? 1 : relative ? 8 : 7;
    size_t header = o->n;
    for (size_t i = 0; i < words; i++)
        put64(o, 0);
    set64(o, header, GO_NFUNC);
    if (magic == GO_MAGIC_12) {
        /* functab right after the header; _func and names at table offsets */
        size_t functab = o->n;
        for (int i = 0; i <= GO_NFUNC; i++) {
            put64(o, TEXT_VA + go_offsets[i]);
            if (i < GO_NFUNC)
                put64(o, 0);
        }
        put32(o, 0); /* filetab offset */
        for (int i = 0; i < GO_NFUNC; i++) {
            align(o, 8);
            set64(o, functab + (2 * i + 1) * 8, o->n);
            put64(o, TEXT_VA + go_offsets[i]);
            size_t nameoff_at = o->n;
            put32(o, 0);
            put32(o, 0);
            set32(o, nameoff_at, (uint32_t)o->n); /* name right after, table-relative */
            put_str(o, go_names[i]);
        }
        return;
    }
    size_t names = o->n;
    size_t name_at[GO_NFUNC];
    for (int i = 0; i < GO_NFUNC; i++) {
        name_at[i] = o->n - names;
        put_str(o, go_names[i]);
    }
    align(o, 8);
    size_t functab = o->n;
    unsigned fs = relative ? 4 : 8;
    size_t table_bytes = (2 * GO_NFUNC + 1) * fs;
    for (size_t i = 0; i < table_bytes; i++)
        put8(o, 0);
    for (int i = 0; i <= GO_NFUNC; i++) {
        size_t at = functab + 2 * i * fs;
        if (relative)
            set32(o, at, (uint32_t)go_offsets[i]);
        else
            set64(o, at, TEXT_VA + go_offsets[i]);
    }
    for (int i = 0; i < GO_NFUNC; i++) {
        align(o, 8);
        size_t funcoff = o->n - functab;
        if (relative) {
            set32(o, functab + (2 * i + 1) * 4, (uint32_t)funcoff);
            put32(o, (uint32_t)go_offsets[i]);
        } else {
            set64(o, functab + (2 * i + 1) * 8, funcoff);
            put64(o, TEXT_VA + go_offsets[i]);
        }
        put32(o, (uint32_t)name_at[i]);
        put32(o, 0);
    }
    if (relative) {
        set64(o, header + 2 * 8, header_text);
        set64(o, header + 3 * 8, names);
        set64(o, header + 7 * 8, functab);
    } else {
        set64(o, header + 2 * 8, names);
        set64(o, header + 6 * 8, functab);
    }
}

static void check_go_functions(const struct func_list *list, const struct elf_reader *r,
                               const char *what) {
    CHECK(list->report[FUNC_SOURCE_GOPCLNTAB].state == FUNC_STATE_USED, "%s: state %d: %s", what,
          list->report[FUNC_SOURCE_GOPCLNTAB].state, list->report[FUNC_SOURCE_GOPCLNTAB].message);
    CHECK(list->count == GO_NFUNC, "%s: %zu ranges", what, list->count);
    for (int i = 0; i < GO_NFUNC && i < (int)list->count; i++) {
        const struct func_range *f = &list->funcs[i];
        CHECK(f->start == TEXT_VA + go_offsets[i] && f->end == TEXT_VA + go_offsets[i + 1],
              "%s: function %d is %llx-%llx", what, i, (unsigned long long)f->start,
              (unsigned long long)f->end);
        CHECK(f->sources == FUNC_SRC_GOPCLNTAB, "%s: sources %x", what, f->sources);
        char name[64];
        int len = func_name(r, list, f, name, sizeof(name));
        CHECK(len >= 0 && strcmp(name, go_names[i]) == 0, "%s: name %d is '%s'", what, i,
              len >= 0 ? name : "(none)");
    }
    /* Truncated names stay terminated. */
    if (list->count == GO_NFUNC) {
        char small[5];
        int len = func_name(r, list, &list->funcs[2], small, sizeof(small));
        CHECK(len == 4 && strcmp(small, "runt") == 0, "%s: truncated name '%s'", what, small);
    }
}

static void test_pclntab_layouts(void) {
    static const struct {
        uint32_t magic;
        const char *layout;
    } layouts[] = {{GO_MAGIC_12, "Go 1.2-1.15"},
                   {GO_MAGIC_116, "Go 1.16-1.17"},
                   {GO_MAGIC_118, "Go 1.18-1.19"},
                   {GO_MAGIC_120, "Go 1.20+"}};
    for (size_t k = 0; k < sizeof(layouts) / sizeof(layouts[0]); k++) {
        static struct img im;
        struct bytes tab;
        img_init(&im);
        build_pclntab(&tab, layouts[k].magic, TEXT_VA);
        img_add(&im, ".gopclntab", SHT_PROGBITS, SHF_ALLOC, tab.b, tab.n, 0, 0);
        img_finish(&im);
        struct func_list list;
        struct mem m;
        struct elf_reader r;
        CHECK(discover(&im, 0, false, &list, &m, &r) == 0, "layout %s", layouts[k].layout);
        check_go_functions(&list, &r, layouts[k].layout);
        CHECK(list.go.magic == layouts[k].magic && list.go.layout &&
                  strcmp(list.go.layout, layouts[k].layout) == 0,
              "%s: layout %s", layouts[k].layout, list.go.layout ? list.go.layout : "(null)");
        CHECK(list.gap_count == 1 && list.gap_bytes == TEXT_SIZE - 0x180,
              "%s: %zu gaps, %llu bytes", layouts[k].layout, list.gap_count,
              (unsigned long long)list.gap_bytes);
        CHECK(func_find(&list, TEXT_VA + 0x41) == &list.funcs[1], "func_find");
        CHECK(func_find(&list, TEXT_VA + 0x180) == NULL, "func_find past the end");
        func_list_free(&list);
    }
}

/* 1.18+ header with textStart 0: from moduledata, else the .text section. */
static void test_pclntab_text_start(void) {
    static struct img im;
    struct bytes tab;
    struct func_list list;
    struct mem m;
    struct elf_reader r;

    img_init(&im);
    build_pclntab(&tab, GO_MAGIC_120, 0);
    int idx = img_add(&im, ".gopclntab", SHT_PROGBITS, SHF_ALLOC, tab.b, tab.n, 0, 0);
    img_finish(&im);
    CHECK(discover(&im, 0, false, &list, &m, &r) == 0, "text start from .text");
    check_go_functions(&list, &r, "text start from .text");
    CHECK(list.go.text_start_from && strcmp(list.go.text_start_from, ".text section") == 0,
          "text start from %s", list.go.text_start_from ? list.go.text_start_from : "(null)");
    func_list_free(&list);

    /* moduledata: pcHeader, funcnametab.ptr at word 1, minpc at 20, text at 22. The .text
     * section is renamed so that only moduledata gives the right answer. */
    uint64_t table_va = im.sh[idx].sh_addr;
    uint64_t names_off;
    memcpy(&names_off, tab.b + 8 + 3 * 8, 8);
    uint64_t md[24] = {0};
    md[0] = table_va;
    md[1] = table_va + names_off;
    md[20] = TEXT_VA;
    md[22] = TEXT_VA;
    img_init(&im);
    im.sh[1].sh_name = shstr_add(&im, ".code"); /* no .text to fall back on */
    img_add(&im, ".gopclntab", SHT_PROGBITS, SHF_ALLOC, tab.b, tab.n, 0, 0);
    memcpy(im.b + RW_OFF + 0x40, md, sizeof(md));
    img_finish(&im);
    CHECK(discover(&im, 0, true, &list, &m, &r) == 0, "text start from moduledata");
    CHECK(list.go.text_start_from && strcmp(list.go.text_start_from, "moduledata") == 0,
          "text start from %s: %s", list.go.text_start_from ? list.go.text_start_from : "(null)",
          list.report[FUNC_SOURCE_GOPCLNTAB].message);
    CHECK(list.count == GO_NFUNC && list.funcs[0].start == TEXT_VA, "moduledata ranges");
    func_list_free(&list);

    /* Without section headers: the table is found by its magic, moduledata gives text. */
    img_init(&im);
    img_add(&im, ".gopclntab", SHT_PROGBITS, SHF_ALLOC, tab.b, tab.n, 0, 0);
    memcpy(im.b + RW_OFF + 0x40, md, sizeof(md));
    im.no_sections = true;
    img_finish(&im);
    CHECK(discover(&im, 0, false, &list, &m, &r) == 0, "no section headers");
    CHECK(list.go.found_by_scan, "found by scan: %s", list.report[FUNC_SOURCE_GOPCLNTAB].message);
    check_go_functions(&list, &r, "no section headers");
    CHECK(list.report[FUNC_SOURCE_SYMTAB].state == FUNC_STATE_ABSENT &&
              strstr(list.report[FUNC_SOURCE_SYMTAB].message, "no section headers"),
          "symtab without section headers: %s", list.report[FUNC_SOURCE_SYMTAB].message);
    func_list_free(&list);
}

/* ---- Symbols ---- */

struct symbols {
    Elf64_Sym syms[16];
    int n;
    char str[512];
    size_t str_len;
};

static void sym_init(struct symbols *s) {
    memset(s, 0, sizeof(*s));
    s->n = 1;
    s->str_len = 1;
}

static int sym_add(struct symbols *s, const char *name, unsigned type, uint16_t shndx,
                   uint64_t value, uint64_t size) {
    Elf64_Sym *sym = &s->syms[s->n];
    sym->st_name = (uint32_t)s->str_len;
    memcpy(s->str + s->str_len, name, strlen(name) + 1);
    s->str_len += strlen(name) + 1;
    sym->st_info = (unsigned char)((STB_GLOBAL << 4) | (type & 0xf));
    sym->st_shndx = shndx;
    sym->st_value = value;
    sym->st_size = size;
    return s->n++;
}

static void add_symbols(struct img *im, const struct symbols *s, bool dynamic) {
    int str = img_add(im, dynamic ? ".dynstr" : ".strtab", SHT_STRTAB, dynamic ? SHF_ALLOC : 0,
                      s->str, s->str_len, 0, 0);
    img_add(im, dynamic ? ".dynsym" : ".symtab", dynamic ? SHT_DYNSYM : SHT_SYMTAB,
            dynamic ? SHF_ALLOC : 0, s->syms, sizeof(Elf64_Sym) * s->n, str, sizeof(Elf64_Sym));
}

static void test_symbols(void) {
    static struct img im;
    struct symbols s;
    img_init(&im);
    sym_init(&s);
    sym_add(&s, "f", STT_FUNC, 1, TEXT_VA, 0x20);
    sym_add(&s, "resolver", 10 /* STT_GNU_IFUNC */, 1, TEXT_VA + 0x20, 0x10);
    sym_add(&s, "asm_label", STT_FUNC, 1, TEXT_VA + 0x40, 0);
    sym_add(&s, "data", STT_OBJECT, 1, TEXT_VA + 0x80, 8);
    sym_add(&s, "imported", STT_FUNC, SHN_UNDEF, 0, 0);
    sym_add(&s, "absolute", STT_FUNC, SHN_ABS, 0x1234, 4);
    sym_add(&s, "g", STT_FUNC, 1, TEXT_VA + 0x100, 0x30);
    sym_add(&s, "in_data", STT_FUNC, 1, VBASE + DATA_OFF, 0x10);
    sym_add(&s, "too_long", STT_FUNC, 1, TEXT_VA + TEXT_SIZE - 0x10, 0x40);
    add_symbols(&im, &s, false);
    struct symbols d;
    sym_init(&d);
    sym_add(&d, "g_dyn", STT_FUNC, 1, TEXT_VA + 0x100, 0x30);
    add_symbols(&im, &d, true);
    img_finish(&im);

    struct func_list list;
    struct mem m;
    struct elf_reader r;
    CHECK(discover(&im, 0, true, &list, &m, &r) == 0, "symbols raw");
    CHECK(list.report[FUNC_SOURCE_SYMTAB].count == 6, "symtab count %zu: %s",
          list.report[FUNC_SOURCE_SYMTAB].count, list.report[FUNC_SOURCE_SYMTAB].message);
    CHECK(list.report[FUNC_SOURCE_DYNSYM].count == 1, "dynsym count %zu",
          list.report[FUNC_SOURCE_DYNSYM].count);
    const struct func_range *label = range_at(&list, TEXT_VA + 0x40);
    CHECK(label && (label->flags & FUNC_ZERO_SIZE) && label->end == label->start, "zero-size raw");
    func_list_free(&list);

    CHECK(discover(&im, 0, false, &list, &m, &r) == 0, "symbols merged");
    CHECK(list.count == 5, "%zu merged ranges", list.count);
    CHECK(has_range(&list, TEXT_VA, TEXT_VA + 0x20), "f");
    CHECK(has_range(&list, TEXT_VA + 0x20, TEXT_VA + 0x30), "ifunc");
    label = range_at(&list, TEXT_VA + 0x40);
    CHECK(label && label->end == TEXT_VA + 0x100 && (label->flags & FUNC_END_GUESSED),
          "zero-size symbol ends at the next start");
    const struct func_range *g = range_at(&list, TEXT_VA + 0x100);
    CHECK(g && g->end == TEXT_VA + 0x130 && g->sources == (FUNC_SRC_SYMTAB | FUNC_SRC_DYNSYM),
          "symtab and dynsym collapse");
    char name[32];
    CHECK(g && func_name(&r, &list, g, name, sizeof(name)) > 0 && strcmp(name, "g") == 0,
          "symtab names before dynsym: %s", name);
    const struct func_range *clipped = range_at(&list, TEXT_VA + TEXT_SIZE - 0x10);
    CHECK(clipped && clipped->end == TEXT_VA + TEXT_SIZE && (clipped->flags & FUNC_CLIPPED),
          "clipped at the end of .text");
    CHECK(list.merge.outside_code == 1, "outside code %zu", list.merge.outside_code);
    func_list_free(&list);
}

/* ---- .eh_frame ---- */

struct eh_builder {
    struct bytes o;
    uint64_t va; /* address of o.b[0] */
    size_t fde_at[16];
    uint64_t fde_start[16];
    int nfde;
};

/* A CIE with augmentation aug; 'R' gets fde_enc, 'P' a pcrel sdata4 personality (through
 * an indirect encoding), 'L' lsda_enc. Returns its offset. */
static size_t eh_cie(struct eh_builder *e, uint8_t version, const char *aug, uint8_t fde_enc) {
    struct bytes *o = &e->o;
    size_t at = o->n;
    put32(o, 0); /* length, set below */
    put32(o, 0); /* CIE id */
    put8(o, version);
    put_str(o, aug);
    put_uleb(o, 1);
    put_sleb(o, -8);
    if (version == 1)
        put8(o, 16);
    else
        put_uleb(o, 16);
    if (aug[0] == 'z') {
        struct bytes data = {.n = 0};
        for (const char *p = aug + 1; *p; p++) {
            if (*p == 'R')
                put8(&data, fde_enc);
            if (*p == 'P') {
                put8(&data, 0x9b);
                put32(&data, 0x1000);
            }
            if (*p == 'L')
                put8(&data, 0x1b);
        }
        put_uleb(o, data.n);
        put(o, data.b, data.n);
    }
    put8(o, 0x0c); /* DW_CFA_def_cfa r7 8: instructions are not read, but are real */
    put8(o, 7);
    put8(o, 8);
    align(o, 8);
    set32(o, at, (uint32_t)(o->n - at - 4));
    return at;
}

static void put_encoded(struct eh_builder *e, uint8_t enc, uint64_t value, bool apply) {
    struct bytes *o = &e->o;
    uint64_t field_va = e->va + o->n;
    if (apply && (enc & 0x70) == DW_EH_PE_pcrel)
        value -= field_va;
    switch (enc & 0x0f) {
    case DW_EH_PE_absptr:
    case DW_EH_PE_udata8:
    case DW_EH_PE_sdata8:
        put64(o, value);
        break;
    case DW_EH_PE_udata4:
    case DW_EH_PE_sdata4:
        put32(o, (uint32_t)value);
        break;
    case DW_EH_PE_udata2:
    case DW_EH_PE_sdata2:
        put16(o, (uint16_t)value);
        break;
    case DW_EH_PE_uleb128:
        put_uleb(o, value);
        break;
    case DW_EH_PE_sleb128:
        put_sleb(o, (int64_t)value);
        break;
    }
}

static void eh_fde(struct eh_builder *e, size_t cie, uint8_t enc, bool z, bool wide, uint64_t start,
                   uint64_t len) {
    struct bytes *o = &e->o;
    size_t at = o->n;
    if (wide) {
        put32(o, 0xffffffffu);
        put64(o, 0);
    } else {
        put32(o, 0);
    }
    size_t pointer_at = o->n;
    put32(o, (uint32_t)(pointer_at - cie));
    put_encoded(e, enc, start, true);
    put_encoded(e, enc & 0x0f, len, false);
    if (z)
        put_uleb(o, 0);
    align(o, 8);
    if (wide)
        set64(o, at + 4, o->n - at - 12);
    else
        set32(o, at, (uint32_t)(o->n - at - 4));
    e->fde_at[e->nfde] = at;
    e->fde_start[e->nfde] = start;
    e->nfde++;
}

/* The FDEs every .eh_frame test uses: seven readable, two refused. */
static void build_eh_frame(struct eh_builder *e, uint64_t va) {
    memset(e, 0, sizeof(*e));
    e->va = va;
    size_t zr = eh_cie(e, 1, "zR", 0x1b);
    eh_fde(e, zr, 0x1b, true, false, TEXT_VA, 0x40);
    size_t zplr = eh_cie(e, 1, "zPLR", 0x1b);
    eh_fde(e, zplr, 0x1b, true, false, TEXT_VA + 0x40, 0xc0);
    size_t v3 = eh_cie(e, 3, "zR", DW_EH_PE_udata8);
    eh_fde(e, v3, DW_EH_PE_udata8, true, false, TEXT_VA + 0x100, 0x80);
    size_t plain = eh_cie(e, 1, "", 0);
    eh_fde(e, plain, DW_EH_PE_absptr, false, false, TEXT_VA + 0x180, 0x20);
    size_t sleb = eh_cie(e, 1, "zR", DW_EH_PE_sleb128);
    eh_fde(e, sleb, DW_EH_PE_sleb128, true, false, TEXT_VA + 0x1a0, 0x20);
    size_t datarel = eh_cie(e, 1, "zR", DW_EH_PE_datarel | DW_EH_PE_udata4);
    eh_fde(e, datarel, DW_EH_PE_datarel | DW_EH_PE_udata4, true, false, 0x300, 0x20);
    size_t indirect = eh_cie(e, 1, "zR", 0x9b);
    eh_fde(e, indirect, 0x9b, true, false, TEXT_VA + 0x400, 0x20);
    eh_fde(e, zr, 0x1b, true, true, TEXT_VA + 0x1c0, 0x20); /* 64-bit length */
    size_t short_pc = eh_cie(e, 1, "zR", DW_EH_PE_pcrel | DW_EH_PE_sdata2);
    eh_fde(e, short_pc, DW_EH_PE_pcrel | DW_EH_PE_sdata2, true, false, TEXT_VA + 0x1e0, 0x20);
    put32(&e->o, 0); /* terminator */
}

static const uint64_t eh_expected[][2] = {
    {0x0, 0x40},    {0x40, 0x100},  {0x100, 0x180}, {0x180, 0x1a0},
    {0x1a0, 0x1c0}, {0x1c0, 0x1e0}, {0x1e0, 0x200},
};
#define EH_EXPECTED 7

static void check_eh(const struct func_list *list, const char *what) {
    const struct func_source_report *rep = &list->report[FUNC_SOURCE_EH_FRAME];
    CHECK(rep->state == FUNC_STATE_USED, "%s: state %d: %s", what, rep->state, rep->message);
    CHECK(list->eh.fde_count == EH_EXPECTED && list->eh.fde_skipped == 2,
          "%s: %zu FDEs, %zu skipped: %s", what, list->eh.fde_count, list->eh.fde_skipped,
          rep->message);
    for (int i = 0; i < EH_EXPECTED; i++)
        CHECK(has_range(list, TEXT_VA + eh_expected[i][0], TEXT_VA + eh_expected[i][1]),
              "%s: FDE %d missing", what, i);
}

/* .eh_frame_hdr for the builder's FDEs, sorted by start, datarel sdata4 entries. */
static void build_eh_hdr(struct bytes *o, uint64_t hdr_va, const struct eh_builder *e) {
    memset(o, 0, sizeof(*o));
    put8(o, 1);
    put8(o, 0x1b);
    put8(o, 0x03);
    put8(o, 0x3b);
    put32(o, (uint32_t)(e->va - (hdr_va + o->n)));
    put32(o, (uint32_t)e->nfde);
    int order[16];
    for (int i = 0; i < e->nfde; i++)
        order[i] = i;
    for (int i = 1; i < e->nfde; i++)
        for (int j = i; j > 0 && e->fde_start[order[j - 1]] > e->fde_start[order[j]]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (int k = 0; k < e->nfde; k++) {
        int i = order[k];
        put32(o, (uint32_t)(e->fde_start[i] - hdr_va));
        put32(o, (uint32_t)(e->va + e->fde_at[i] - hdr_va));
    }
}

static void test_eh_frame(void) {
    static struct img im;
    struct eh_builder e;
    struct func_list list;
    struct mem m;
    struct elf_reader r;

    img_init(&im);
    build_eh_frame(&e, VBASE + img_next(&im));
    img_add(&im, ".eh_frame", SHT_PROGBITS, SHF_ALLOC, e.o.b, e.o.n, 0, 0);
    img_finish(&im);
    CHECK(discover(&im, 0, true, &list, &m, &r) == 0, "eh_frame walk");
    check_eh(&list, "walk");
    CHECK(!list.eh.from_header_table, "walk without a header");
    func_list_free(&list);

    /* With .eh_frame_hdr (section and PT_GNU_EH_FRAME). */
    img_init(&im);
    uint64_t frame_off = img_next(&im);
    build_eh_frame(&e, VBASE + frame_off);
    img_add(&im, ".eh_frame", SHT_PROGBITS, SHF_ALLOC, e.o.b, e.o.n, 0, 0);
    uint64_t hdr_off = img_next(&im);
    struct bytes hdr;
    build_eh_hdr(&hdr, VBASE + hdr_off, &e);
    img_add(&im, ".eh_frame_hdr", SHT_PROGBITS, SHF_ALLOC, hdr.b, hdr.n, 0, 0);
    im.eh_hdr_segment = true;
    im.eh_hdr_off = hdr_off;
    im.eh_hdr_size = hdr.n;
    img_finish(&im);
    CHECK(discover(&im, 0, true, &list, &m, &r) == 0, "eh_frame_hdr");
    check_eh(&list, "header table");
    CHECK(list.eh.from_header_table, "through the header table");
    func_list_free(&list);

    /* Without section headers: PT_GNU_EH_FRAME alone leads to the FDEs. */
    im.no_sections = true;
    img_finish(&im);
    CHECK(discover(&im, 0, true, &list, &m, &r) == 0, "eh_frame_hdr, no sections");
    check_eh(&list, "header table, no section headers");
    func_list_free(&list);

    /* A header entry that disagrees with its FDE is a failed source, not a crash. Entry 0
     * is the refused datarel FDE (lowest address); entry 1 is the first one read. */
    im.no_sections = false;
    uint32_t wrong;
    memcpy(&wrong, im.b + hdr_off + 12 + 8, 4);
    wrong += 4;
    memcpy(im.b + hdr_off + 12 + 8, &wrong, 4);
    img_finish(&im);
    CHECK(discover(&im, 0, false, &list, &m, &r) == 0, "bad header");
    CHECK(list.report[FUNC_SOURCE_EH_FRAME].state == FUNC_STATE_FAILED &&
              list.report[FUNC_SOURCE_EH_FRAME].count == 0 && list.count == 0,
          "bad header: state %d (%s), %zu ranges", list.report[FUNC_SOURCE_EH_FRAME].state,
          list.report[FUNC_SOURCE_EH_FRAME].message, list.count);
    func_list_free(&list);
}

static void test_encodings(void) {
    struct bytes o = {.n = 0};
    put16(&o, 0xfffe);      /* sdata2 -2 */
    put_sleb(&o, -1000000); /* sleb128 */
    put_uleb(&o, 624485);   /* uleb128 */
    put32(&o, 0xfffffff0);  /* pcrel sdata4 -16 */
    put64(&o, 0x1122334455667788ull);
    put32(&o, 8);                /* datarel udata4 */
    for (int i = 0; i < 11; i++) /* an over-long LEB128 */
        put8(&o, 0x80);
    static struct img im;
    img_init(&im);
    memcpy(im.b + DATA_OFF, o.b, o.n);
    im.size = DATA_OFF + o.n;
    struct mem m = {im.b, im.size, -1, 0};
    struct elf_reader r = reader_of(&m);
    struct file_cache cache;
    CHECK(file_cache_init(&cache, &r) == 0, "cache");
    struct eh_cursor c = {.cache = &cache,
                          .pos = DATA_OFF,
                          .end = DATA_OFF + o.n,
                          .base_offset = DATA_OFF,
                          .base_vaddr = 0x500000,
                          .data_base = 0x600000,
                          .has_data_base = true};
    uint64_t v = 0;
    CHECK(eh_read_encoded(&c, DW_EH_PE_sdata2, true, &v) == EH_OK && v == (uint64_t)-2, "sdata2");
    CHECK(eh_read_encoded(&c, DW_EH_PE_sleb128, true, &v) == EH_OK && v == (uint64_t)-1000000,
          "sleb128 %lld", (long long)v);
    CHECK(eh_read_encoded(&c, DW_EH_PE_uleb128, true, &v) == EH_OK && v == 624485, "uleb128");
    uint64_t field = 0x500000 + (c.pos - DATA_OFF);
    CHECK(eh_read_encoded(&c, DW_EH_PE_pcrel | DW_EH_PE_sdata4, true, &v) == EH_OK &&
              v == field - 16,
          "pcrel sdata4");
    CHECK(eh_read_encoded(&c, DW_EH_PE_absptr, true, &v) == EH_OK && v == 0x1122334455667788ull,
          "absptr");
    uint64_t before = c.pos;
    CHECK(eh_read_encoded(&c, DW_EH_PE_indirect | DW_EH_PE_udata4, true, &v) == EH_UNSUPPORTED,
          "indirect refused");
    c.pos = before;
    CHECK(eh_read_encoded(&c, DW_EH_PE_textrel | DW_EH_PE_udata4, true, &v) == EH_UNSUPPORTED,
          "textrel refused");
    c.pos = before;
    CHECK(eh_read_encoded(&c, DW_EH_PE_datarel | DW_EH_PE_udata4, true, &v) == EH_OK &&
              v == 0x600008,
          "datarel");
    CHECK(eh_read_encoded(&c, DW_EH_PE_uleb128, true, &v) == EH_MALFORMED, "long LEB128");
    CHECK(eh_read_encoded(&c, 0x07, true, &v) == EH_UNSUPPORTED, "unknown format");
    c.pos = c.end - 2;
    CHECK(eh_read_encoded(&c, DW_EH_PE_udata4, true, &v) == EH_MALFORMED, "truncated");
    file_cache_fini(&cache);
}

/* ---- The merge ---- */

static void test_merge(void) {
    static struct img im;
    struct bytes tab;
    struct symbols s;
    struct eh_builder e;
    img_init(&im);
    /* Go: [0,0x40) [0x40,0x100) [0x100,0x180) */
    build_pclntab(&tab, GO_MAGIC_118, TEXT_VA);
    img_add(&im, ".gopclntab", SHT_PROGBITS, SHF_ALLOC, tab.b, tab.n, 0, 0);
    sym_init(&s);
    sym_add(&s, "go_a_sym", STT_FUNC, 1, TEXT_VA, 0x3b);         /* same start, shorter: disagree */
    sym_add(&s, "inside_go", STT_FUNC, 1, TEXT_VA + 0x50, 0x10); /* vetoed by Go */
    sym_add(&s, "outer", STT_FUNC, 1, TEXT_VA + 0x200, 0x100);
    sym_add(&s, "nested", STT_FUNC, 1, TEXT_VA + 0x240, 0x20); /* splits outer */
    sym_add(&s, "label", STT_FUNC, 1, TEXT_VA + 0x400, 0);     /* guessed end */
    add_symbols(&im, &s, false);
    /* eh_frame: one inside "outer" (vetoed), one agreeing with "label", one alone */
    memset(&e, 0, sizeof(e));
    e.va = VBASE + img_next(&im);
    size_t cie = eh_cie(&e, 1, "zR", 0x1b);
    eh_fde(&e, cie, 0x1b, true, false, TEXT_VA + 0x280, 0x40); /* inside outer */
    eh_fde(&e, cie, 0x1b, true, false, TEXT_VA + 0x400, 0x30); /* gives label its end */
    eh_fde(&e, cie, 0x1b, true, false, TEXT_VA + 0x500, 0x20); /* eh only */
    eh_fde(&e, cie, 0x1b, true, false, TEXT_VA + 0x510, 0x20); /* overlaps it */
    eh_fde(&e, cie, 0x1b, true, false, 0, 0x20);               /* discarded function */
    eh_fde(&e, cie, 0x1b, true, false, TEXT_VA + 0x600, 0);    /* empty */
    put32(&e.o, 0);
    img_add(&im, ".eh_frame", SHT_PROGBITS, SHF_ALLOC, e.o.b, e.o.n, 0, 0);
    img_finish(&im);

    struct func_list list;
    struct mem m;
    struct elf_reader r;
    CHECK(discover(&im, 0, false, &list, &m, &r) == 0, "merge");
    const struct func_merge_stats *st = &list.merge;
    CHECK(st->vetoed_starts == 2, "vetoed %zu", st->vetoed_starts);
    CHECK(st->end_disagreements == 1, "disagreements %zu", st->end_disagreements);
    CHECK(st->outside_code == 1 && st->empty == 1, "outside %zu empty %zu", st->outside_code,
          st->empty);
    const struct func_range *a = range_at(&list, TEXT_VA);
    CHECK(a && a->end == TEXT_VA + 0x40 && (a->flags & FUNC_END_DISAGREE) &&
              a->sources == (FUNC_SRC_GOPCLNTAB | FUNC_SRC_SYMTAB),
          "Go's end wins");
    char name[32];
    CHECK(a && func_name(&r, &list, a, name, sizeof(name)) > 0 && strcmp(name, "main.a") == 0,
          "Go names first: %s", name);
    CHECK(!range_at(&list, TEXT_VA + 0x50) && !range_at(&list, TEXT_VA + 0x280),
          "vetoed starts are gone");
    CHECK(has_range(&list, TEXT_VA + 0x200, TEXT_VA + 0x240) &&
              (range_at(&list, TEXT_VA + 0x200)->flags & FUNC_SPLIT),
          "outer split at nested");
    const struct func_range *nested = range_at(&list, TEXT_VA + 0x240);
    CHECK(nested && nested->end == TEXT_VA + 0x300 && (nested->flags & FUNC_EXTENDED),
          "nested runs on through outer");
    const struct func_range *label = range_at(&list, TEXT_VA + 0x400);
    CHECK(label && label->end == TEXT_VA + 0x430 && !(label->flags & FUNC_END_GUESSED) &&
              label->sources == (FUNC_SRC_SYMTAB | FUNC_SRC_EH_FRAME),
          "an FDE gives a zero-size symbol its end");
    CHECK(has_range(&list, TEXT_VA + 0x500, TEXT_VA + 0x510) &&
              has_range(&list, TEXT_VA + 0x510, TEXT_VA + 0x530),
          "overlapping FDEs cut");
    for (size_t i = 1; i < list.count; i++)
        CHECK(list.funcs[i - 1].end <= list.funcs[i].start, "ranges %zu and %zu overlap", i - 1, i);
    /* Gaps: 0x180-0x200, 0x300-0x400, 0x430-0x500, 0x530-end. */
    uint64_t covered = 0;
    for (size_t i = 0; i < list.count; i++)
        covered += list.funcs[i].end - list.funcs[i].start;
    CHECK(list.gap_count == 4 && covered + list.gap_bytes == TEXT_SIZE,
          "%zu gaps, %llu + %llu bytes", list.gap_count, (unsigned long long)covered,
          (unsigned long long)list.gap_bytes);
    CHECK(list.gap_count == 4 && list.gaps[0].start == TEXT_VA + 0x180 &&
              list.gaps[0].end == TEXT_VA + 0x200 && list.gaps[3].start == TEXT_VA + 0x530,
          "gap positions");
    func_list_free(&list);

    /* An unknown pclntab magic: a clear message, and the other sources still used. */
    uint32_t magic = 0xfffffff7u;
    memcpy(im.b + DATA_OFF, &magic, 4);
    CHECK(discover(&im, 0, false, &list, &m, &r) == 0, "unknown magic");
    CHECK(list.report[FUNC_SOURCE_GOPCLNTAB].state == FUNC_STATE_FAILED &&
              strcmp(list.report[FUNC_SOURCE_GOPCLNTAB].message,
                     "unknown pclntab layout 0xfffffff7") == 0,
          "unknown magic: %s", list.report[FUNC_SOURCE_GOPCLNTAB].message);
    CHECK(list.report[FUNC_SOURCE_SYMTAB].state == FUNC_STATE_USED &&
              range_at(&list, TEXT_VA + 0x50),
          "symtab used without Go");
    func_list_free(&list);
}

static void test_bad_pclntab(void) {
    static struct img im;
    struct bytes tab;
    struct func_list list;
    struct mem m;
    struct elf_reader r;

    build_pclntab(&tab, GO_MAGIC_118, TEXT_VA);
    /* Unsorted functab. */
    struct bytes bad = tab;
    uint64_t functab;
    memcpy(&functab, bad.b + 8 + 7 * 8, 8);
    set32(&bad, functab + 8, 0x10); /* second entry before the first one's... */
    set32(&bad, functab, 0x20);
    img_init(&im);
    img_add(&im, ".gopclntab", SHT_PROGBITS, SHF_ALLOC, bad.b, bad.n, 0, 0);
    img_finish(&im);
    CHECK(discover(&im, 0, false, &list, &m, &r) == 0, "unsorted");
    CHECK(list.report[FUNC_SOURCE_GOPCLNTAB].state == FUNC_STATE_FAILED &&
              strstr(list.report[FUNC_SOURCE_GOPCLNTAB].message, "not sorted") && list.count == 0,
          "unsorted: %s", list.report[FUNC_SOURCE_GOPCLNTAB].message);
    func_list_free(&list);

    /* A huge function count: refused before any allocation. */
    bad = tab;
    set64(&bad, 8, 0x4000000000000000ull);
    img_init(&im);
    img_add(&im, ".gopclntab", SHT_PROGBITS, SHF_ALLOC, bad.b, bad.n, 0, 0);
    img_finish(&im);
    CHECK(discover(&im, 0, false, &list, &m, &r) == 0, "huge nfunc");
    CHECK(list.report[FUNC_SOURCE_GOPCLNTAB].state == FUNC_STATE_FAILED &&
              strstr(list.report[FUNC_SOURCE_GOPCLNTAB].message, "does not fit"),
          "huge nfunc: %s", list.report[FUNC_SOURCE_GOPCLNTAB].message);
    func_list_free(&list);

    /* A _func record whose entry disagrees with the functab: no name rather than a wrong
     * one. */
    bad = tab;
    uint32_t funcoff;
    memcpy(&funcoff, bad.b + functab + 4, 4);
    set32(&bad, functab + funcoff, 0x8);
    img_init(&im);
    img_add(&im, ".gopclntab", SHT_PROGBITS, SHF_ALLOC, bad.b, bad.n, 0, 0);
    img_finish(&im);
    CHECK(discover(&im, 0, false, &list, &m, &r) == 0 && list.count == GO_NFUNC, "entry");
    char name[32];
    CHECK(list.count == GO_NFUNC && func_name(&r, &list, &list.funcs[0], name, sizeof(name)) < 0 &&
              func_name(&r, &list, &list.funcs[1], name, sizeof(name)) > 0,
          "mismatched _func entry gives no name");
    func_list_free(&list);

    /* Bad quantum. */
    bad = tab;
    bad.b[6] = 3;
    img_init(&im);
    img_add(&im, ".gopclntab", SHT_PROGBITS, SHF_ALLOC, bad.b, bad.n, 0, 0);
    img_finish(&im);
    CHECK(discover(&im, 0, false, &list, &m, &r) == 0, "bad quantum");
    CHECK(list.report[FUNC_SOURCE_GOPCLNTAB].state == FUNC_STATE_FAILED, "bad quantum: %s",
          list.report[FUNC_SOURCE_GOPCLNTAB].message);
    func_list_free(&list);
}

/* ---- Malformed input ---- */

static void test_not_elf(void) {
    static struct img im;
    img_init(&im);
    img_finish(&im);
    struct func_list list;
    struct mem m = mem_of(&im);
    struct elf_reader r = reader_of(&m);
    char err[160];
    im.b[0] = 'X';
    CHECK(func_discover(&r, NULL, &list, err, sizeof(err)) == FUNC_ERR_FORMAT &&
              strcmp(err, "not an ELF file") == 0,
          "not ELF: %s", err);
    func_list_free(&list);
    im.b[0] = 0x7f;
    im.b[EI_CLASS] = ELFCLASS32;
    CHECK(func_discover(&r, NULL, &list, err, sizeof(err)) == FUNC_ERR_FORMAT, "32-bit: %s", err);
    func_list_free(&list);
    im.b[EI_CLASS] = ELFCLASS64;
    ((Elf64_Ehdr *)im.b)->e_machine = EM_AARCH64;
    CHECK(func_discover(&r, NULL, &list, err, sizeof(err)) == FUNC_ERR_FORMAT &&
              strstr(err, "x86-64"),
          "machine: %s", err);
    func_list_free(&list);
}

/* An image with every source, the base of the corruption runs. */
static void build_full(struct img *im) {
    struct bytes tab;
    struct symbols s;
    struct eh_builder e;
    img_init(im);
    build_pclntab(&tab, GO_MAGIC_120, TEXT_VA);
    img_add(im, ".gopclntab", SHT_PROGBITS, SHF_ALLOC, tab.b, tab.n, 0, 0);
    sym_init(&s);
    sym_add(&s, "a", STT_FUNC, 1, TEXT_VA, 0x40);
    sym_add(&s, "z", STT_FUNC, 1, TEXT_VA + 0x300, 0);
    sym_add(&s, "n", STT_FUNC, 1, TEXT_VA + 0x320, 0x10);
    add_symbols(im, &s, false);
    add_symbols(im, &s, true);
    uint64_t frame_off = img_next(im);
    build_eh_frame(&e, VBASE + frame_off);
    img_add(im, ".eh_frame", SHT_PROGBITS, SHF_ALLOC, e.o.b, e.o.n, 0, 0);
    uint64_t hdr_off = img_next(im);
    struct bytes hdr;
    build_eh_hdr(&hdr, VBASE + hdr_off, &e);
    img_add(im, ".eh_frame_hdr", SHT_PROGBITS, SHF_ALLOC, hdr.b, hdr.n, 0, 0);
    im->eh_hdr_segment = true;
    im->eh_hdr_off = hdr_off;
    im->eh_hdr_size = hdr.n;
    img_finish(im);
}

/* Whatever the input, a successful result is sorted, not overlapping, inside the file's
 * code; names and lookups work on every range. */
static void check_invariants(const struct func_list *list, const struct elf_reader *r,
                             const char *what, unsigned long seed) {
    for (size_t i = 0; i < list->count; i++) {
        const struct func_range *f = &list->funcs[i];
        if (f->start >= f->end || (i > 0 && list->funcs[i - 1].end > f->start)) {
            CHECK(0, "%s (seed %lu): range %zu bad", what, seed, i);
            return;
        }
        char name[16];
        func_name(r, list, f, name, sizeof(name));
        CHECK(func_find(list, f->start) == f, "%s (seed %lu): func_find", what, seed);
    }
    for (size_t i = 0; i < list->gap_count; i++)
        CHECK(list->gaps[i].start < list->gaps[i].end, "%s (seed %lu): empty gap", what, seed);
}

static void test_truncated(void) {
    static struct img full, im;
    build_full(&full);
    for (size_t len = 0; len < full.size; len += (len < 0x200 ? 1 : 61)) {
        memcpy(&im, &full, sizeof(im));
        im.size = len;
        struct func_list list;
        struct mem m = mem_of(&im);
        struct elf_reader r = reader_of(&m);
        char err[160];
        int rc = func_discover(&r, NULL, &list, err, sizeof(err));
        if (rc == 0)
            check_invariants(&list, &r, "truncated", len);
        else
            CHECK(err[0] != '\0', "truncated at %zu: error without a message", len);
        func_list_free(&list);
    }
}

static void test_corruption(void) {
    static struct img full, im;
    build_full(&full);
    struct func_list list;
    struct mem m = mem_of(&full);
    struct elf_reader r = reader_of(&m);
    char err[160];
    CHECK(func_discover(&r, NULL, &list, err, sizeof(err)) == 0, "full image: %s", err);
    for (int i = 0; i < FUNC_SOURCE_COUNT; i++)
        CHECK(list.report[i].state == FUNC_STATE_USED, "full image: source %d: %s", i,
              list.report[i].message);
    func_list_free(&list);

    /* Where the interesting bytes are: headers, and the data sections. */
    srand(12345);
    for (unsigned long seed = 0; seed < 20000; seed++) {
        memcpy(&im, &full, sizeof(im));
        int flips = 1 + rand() % 8;
        for (int k = 0; k < flips; k++) {
            size_t at;
            switch (rand() % 4) {
            case 0:
                at = (size_t)rand() % 0x200;
                break;
            case 1:
                at = full.size - 1 - (size_t)rand() % 0x400;
                break;
            default:
                at = DATA_OFF + (size_t)rand() % (full.next - DATA_OFF);
                break;
            }
            unsigned char value = (unsigned char)rand();
            if (rand() % 3 == 0)
                value = (unsigned char[]){0x00, 0xff, 0x7f, 0x80}[rand() % 4];
            im.b[at] = value;
        }
        m = mem_of(&im);
        r = reader_of(&m);
        struct func_options options = {(unsigned)(rand() % 16), rand() % 4 == 0};
        int rc = func_discover(&r, &options, &list, err, sizeof(err));
        if (rc == 0 && !options.raw)
            check_invariants(&list, &r, "corrupted", seed);
        if (rc != 0)
            CHECK(err[0] != '\0', "corrupted (seed %lu): error without a message", seed);
        func_list_free(&list);
    }
}

static void test_failing_reader(void) {
    static struct img full;
    build_full(&full);
    for (int n = 0; n < 200; n++) {
        struct mem m = mem_of(&full);
        m.fail_after = n;
        struct elf_reader r = reader_of(&m);
        struct func_list list;
        char err[160];
        int rc = func_discover(&r, NULL, &list, err, sizeof(err));
        if (rc == 0)
            check_invariants(&list, &r, "failing reader", (unsigned long)n);
        func_list_free(&list);
    }
}

int main(void) {
    test_pclntab_layouts();
    test_pclntab_text_start();
    test_bad_pclntab();
    test_symbols();
    test_encodings();
    test_eh_frame();
    test_merge();
    test_not_elf();
    test_truncated();
    test_corruption();
    test_failing_reader();
    return unit_report("test_func_discovery");
}
