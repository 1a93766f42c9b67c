/* Go's .gopclntab function table (layouts in common/gopclntab.h). Facts from the Go runtime's
 * pcHeader/moduledata/_func definitions (runtime/symtab.go, runtime/runtime2.go) and
 * debug/gosym; every offset and count is checked against the table's size. */
#include "common/gopclntab.h"

#include <linux/elf.h>

#include "common/fmt.h"
#include "common/string.h"

/* moduledata starts with pcHeader, six slices (3 words each), findfunctab, minpc, maxpc,
 * text: the same from Go 1.18 through 1.26 (checked on binaries of both). */
#define MODULEDATA_FUNCNAMETAB_WORD 1
#define MODULEDATA_MINPC_WORD 20
#define MODULEDATA_TEXT_WORD 22

struct pcln {
    struct file_cache *cache;
    uint64_t offset, size; /* of the table in the file */
};

/* A pointer-sized or 4-byte little-endian field at off in the table. */
static int read_field(const struct pcln *t, uint64_t off, unsigned width, uint64_t *value) {
    if (!span_fits(off, width, t->size))
        return -1;
    if (width == 8)
        return file_cache_u64(t->cache, t->offset + off, value);
    uint32_t v32;
    if (file_cache_u32(t->cache, t->offset + off, &v32) != 0)
        return -1;
    *value = v32;
    return 0;
}

static const char *layout_name(uint32_t magic) {
    switch (magic) {
    case GO_MAGIC_12:
        return "Go 1.2-1.15";
    case GO_MAGIC_116:
        return "Go 1.16-1.17";
    case GO_MAGIC_118:
        return "Go 1.18-1.19";
    case GO_MAGIC_120:
        return "Go 1.20+";
    }
    return NULL;
}

/* Reads and checks the header; fills the layout fields of info. 0, or -1 with a message. */
static int parse_header(const struct pcln *t, struct func_go_info *info, char *msg, size_t msz) {
    unsigned char head[8];
    if (t->size < sizeof(head) || file_cache_read(t->cache, t->offset, head, sizeof(head)) != 0) {
        fmt_snprintf(msg, msz, "pclntab too short for its header");
        return -1;
    }
    uint32_t magic = get_le32(head);
    info->magic = magic;
    info->layout = layout_name(magic);
    if (!info->layout) {
        fmt_snprintf(msg, msz, "unknown pclntab layout 0x%08x", magic);
        return -1;
    }
    uint8_t quantum = head[6], ptrsize = head[7];
    if (head[4] != 0 || head[5] != 0 || (quantum != 1 && quantum != 2 && quantum != 4) ||
        (ptrsize != 4 && ptrsize != 8)) {
        fmt_snprintf(msg, msz, "pclntab header has bad pad/quantum/pointer size");
        return -1;
    }
    info->quantum = quantum;
    info->ptrsize = ptrsize;

    /* The header words after the first 8 bytes, pointer-sized. */
    uint64_t word[8] = {0};
    unsigned words = magic == GO_MAGIC_12 ? 1 : (magic == GO_MAGIC_116 ? 7 : 8);
    for (unsigned i = 0; i < words; i++) {
        if (read_field(t, 8 + (uint64_t)i * ptrsize, ptrsize, &word[i]) != 0) {
            fmt_snprintf(msg, msz, "pclntab too short for its header");
            return -1;
        }
    }
    info->nfunc = word[0];
    info->text_start = 0;
    switch (magic) {
    case GO_MAGIC_12:
        info->functab = 8 + (uint64_t)ptrsize;
        info->funcnametab = 0; /* names are offsets from the table's start */
        info->field_size = ptrsize;
        break;
    case GO_MAGIC_116:
        info->funcnametab = word[2];
        info->functab = word[6];
        info->field_size = ptrsize;
        break;
    default: /* 1.18, 1.20+ */
        info->text_start = word[2];
        info->funcnametab = word[3];
        info->functab = word[7];
        info->field_size = 4;
        break;
    }
    if (info->funcnametab >= t->size || info->functab >= t->size) {
        fmt_snprintf(msg, msz, "pclntab table offsets past its end");
        return -1;
    }
    if (info->nfunc == 0) {
        fmt_snprintf(msg, msz, "pclntab lists no functions");
        return -1;
    }
    /* The functab holds 2*nfunc+1 fields. */
    uint64_t room = (t->size - info->functab) / info->field_size;
    if (room == 0 || info->nfunc > (room - 1) / 2) {
        fmt_snprintf(msg, msz, "pclntab function count %llu does not fit in the table",
                     (unsigned long long)info->nfunc);
        return -1;
    }
    return 0;
}

/* Field k of the functab, as read (offsets not yet added to text_start). */
static int functab_field(const struct pcln *t, const struct func_go_info *info, uint64_t k,
                         uint64_t *value) {
    return read_field(t, info->functab + k * info->field_size, info->field_size, value);
}

/* moduledata records the text start the 1.18+ offsets are relative to; newer linkers leave
 * the header's copy zero. Found by its first words (the table's address, then the name
 * table's), checked by minpc == text + first offset. */
static bool text_start_from_moduledata(struct elf_image *image, const struct func_go_info *info,
                                       uint64_t first_offset, uint64_t *text) {
    uint64_t want_names = info->table_vaddr + info->funcnametab;
    for (size_t s = 0; s < image->segment_count; s++) {
        const struct elf_segment *seg = &image->segments[s];
        if (seg->type != PT_LOAD || !(seg->flags & PF_W) || (seg->flags & PF_X))
            continue;
        uint64_t skip = (8 - (seg->vaddr & 7)) & 7;
        for (uint64_t pos = skip; pos + 8 * (MODULEDATA_TEXT_WORD + 1) <= seg->filesz; pos += 8) {
            uint64_t word;
            if (file_cache_u64(&image->cache, seg->offset + pos, &word) != 0)
                return false;
            if (word != info->table_vaddr)
                continue;
            uint64_t names, minpc, start;
            if (file_cache_u64(&image->cache, seg->offset + pos + 8 * MODULEDATA_FUNCNAMETAB_WORD,
                               &names) != 0 ||
                file_cache_u64(&image->cache, seg->offset + pos + 8 * MODULEDATA_MINPC_WORD,
                               &minpc) != 0 ||
                file_cache_u64(&image->cache, seg->offset + pos + 8 * MODULEDATA_TEXT_WORD,
                               &start) != 0)
                return false;
            if (names == want_names && start + first_offset == minpc &&
                elf_image_code_at(image, minpc)) {
                *text = start;
                return true;
            }
        }
    }
    return false;
}

static int resolve_text_start(struct elf_image *image, const struct pcln *t,
                              struct func_go_info *info, char *msg, size_t msz) {
    uint64_t first;
    if (functab_field(t, info, 0, &first) != 0) {
        fmt_snprintf(msg, msz, "pclntab functab past its end");
        return -1;
    }
    if (info->text_start != 0 && elf_image_code_at(image, info->text_start + first)) {
        info->text_start_from = "header";
        return 0;
    }
    uint64_t text;
    if (text_start_from_moduledata(image, info, first, &text)) {
        info->text_start = text;
        info->text_start_from = "moduledata";
        return 0;
    }
    const struct elf_section *sec = elf_image_section(image, ".text");
    if (sec && elf_image_code_at(image, sec->addr + first)) {
        info->text_start = sec->addr;
        info->text_start_from = ".text section";
        return 0;
    }
    fmt_snprintf(msg, msz, "cannot find the text start of the pclntab offsets");
    return -1;
}

static int collect_functab(struct elf_image *image, const struct pcln *t,
                           const struct func_go_info *info, struct cand_list *out, char *msg,
                           size_t msz) {
    struct file_cache cache;
    if (file_cache_init(&cache, image->reader) != 0) {
        fmt_snprintf(msg, msz, "out of memory");
        return -1;
    }
    /* Its own window: the functab is read in one forward sweep. */
    struct pcln table = *t;
    table.cache = &cache;
    bool relative = info->magic == GO_MAGIC_118 || info->magic == GO_MAGIC_120;
    uint64_t base = relative ? info->text_start : 0;
    int rc = 0;
    uint64_t prev = 0;
    for (uint64_t i = 0; i <= info->nfunc; i++) {
        uint64_t field;
        if (functab_field(&table, info, 2 * i, &field) != 0) {
            fmt_snprintf(msg, msz, "pclntab functab past its end");
            rc = -1;
            break;
        }
        uint64_t pc = base + field;
        if (pc < base) {
            fmt_snprintf(msg, msz, "pclntab entry %llu overflows", (unsigned long long)i);
            rc = -1;
            break;
        }
        if (i > 0 && pc < prev) {
            fmt_snprintf(msg, msz, "pclntab functab not sorted at entry %llu",
                         (unsigned long long)i);
            rc = -1;
            break;
        }
        if (i > 0 && pc > prev &&
            cand_push(out, prev, pc, (uint32_t)(i - 1), FUNC_SRC_GOPCLNTAB, 0) != 0) {
            fmt_snprintf(msg, msz, "out of memory for %llu functions",
                         (unsigned long long)info->nfunc);
            rc = -1;
            break;
        }
        prev = pc;
    }
    file_cache_fini(&cache);
    return rc;
}

/* A plausible table at this file offset: known magic, sane header, sorted first entries. */
static bool plausible_table(struct elf_image *image, uint64_t offset, uint64_t size) {
    unsigned char head[8];
    if (file_cache_read(&image->cache, offset, head, sizeof(head)) != 0)
        return false;
    if (!layout_name(get_le32(head)) || head[4] != 0 || head[5] != 0 || head[6] != 1 ||
        head[7] != 8)
        return false;
    struct pcln t = {&image->cache, offset, size};
    struct func_go_info info = {0};
    char msg[8];
    if (parse_header(&t, &info, msg, sizeof(msg)) != 0)
        return false;
    uint64_t a, b;
    return functab_field(&t, &info, 0, &a) == 0 && functab_field(&t, &info, 2, &b) == 0 && a <= b;
}

/* Without section headers: the table by its magic, 8-aligned, in read-only data first, then
 * in writable data (position-independent binaries keep it in RELRO data). */
static bool scan_for_table(struct elf_image *image, struct pcln *t, uint64_t *vaddr) {
    for (size_t k = 0; k < 2 * image->segment_count; k++) {
        const struct elf_segment *seg = &image->segments[k % image->segment_count];
        bool writable_pass = k >= image->segment_count;
        if (seg->type != PT_LOAD || (seg->flags & PF_X) || !(seg->flags & PF_W) != !writable_pass)
            continue;
        uint64_t skip = (8 - (seg->vaddr & 7)) & 7;
        for (uint64_t pos = skip; pos + 16 <= seg->filesz; pos += 8) {
            uint32_t magic;
            if (file_cache_u32(&image->cache, seg->offset + pos, &magic) != 0)
                return false;
            if (!layout_name(magic) ||
                !plausible_table(image, seg->offset + pos, seg->filesz - pos))
                continue;
            t->offset = seg->offset + pos;
            t->size = seg->filesz - pos;
            *vaddr = seg->vaddr + pos;
            return true;
        }
    }
    return false;
}

enum func_source_state gopclntab_collect(struct elf_image *image, struct cand_list *out,
                                         struct func_go_info *info, char *msg, size_t msz) {
    memset(info, 0, sizeof(*info));
    struct pcln t = {.cache = &image->cache};
    /* Position-independent Go binaries put it in RELRO data under a longer name. */
    const struct elf_section *sec = elf_image_section(image, ".gopclntab");
    if (!sec)
        sec = elf_image_section(image, ".data.rel.ro.gopclntab");
    if (sec) {
        if (sec->type == SHT_NOBITS || sec->size == 0) {
            fmt_snprintf(msg, msz, ".gopclntab is empty");
            return FUNC_STATE_FAILED;
        }
        t.offset = sec->offset;
        t.size = sec->size;
        info->table_vaddr = sec->addr;
    } else if (image->section_count == 0) {
        if (!scan_for_table(image, &t, &info->table_vaddr)) {
            fmt_snprintf(msg, msz, "no section headers, and no pclntab magic in the data");
            return FUNC_STATE_ABSENT;
        }
        info->found_by_scan = true;
    } else {
        fmt_snprintf(msg, msz, "no .gopclntab section");
        return FUNC_STATE_ABSENT;
    }
    info->table_offset = t.offset;
    info->table_size = t.size;
    if (parse_header(&t, info, msg, msz) != 0)
        return FUNC_STATE_FAILED;
    bool relative = info->magic == GO_MAGIC_118 || info->magic == GO_MAGIC_120;
    if (relative && resolve_text_start(image, &t, info, msg, msz) != 0)
        return FUNC_STATE_FAILED;
    size_t before = out->count;
    if (collect_functab(image, &t, info, out, msg, msz) != 0) {
        out->count = before;
        return FUNC_STATE_FAILED;
    }
    if (relative)
        fmt_snprintf(msg, msz,
                     "%s layout (magic 0x%08x), %llu functions, text start 0x%llx from %s%s",
                     info->layout, info->magic, (unsigned long long)info->nfunc,
                     (unsigned long long)info->text_start, info->text_start_from,
                     info->found_by_scan ? ", table found by its magic" : "");
    else
        fmt_snprintf(msg, msz, "%s layout (magic 0x%08x), %llu functions%s", info->layout,
                     info->magic, (unsigned long long)info->nfunc,
                     info->found_by_scan ? ", table found by its magic" : "");
    return FUNC_STATE_USED;
}

static int read_at(const struct elf_reader *reader, const struct func_go_info *info, uint64_t off,
                   unsigned width, uint64_t *value) {
    unsigned char b[8];
    if (!span_fits(off, width, info->table_size) ||
        reader->read(reader->ctx, info->table_offset + off, b, width) != 0)
        return -1;
    *value = width == 8 ? get_le64(b) : get_le32(b);
    return 0;
}

int gopclntab_name(const struct elf_reader *reader, const struct func_go_info *info, uint32_t index,
                   char *buf, size_t size) {
    if (size == 0 || !info->layout || index >= info->nfunc ||
        !span_fits(info->table_offset, info->table_size, reader->size))
        return -1;
    unsigned fs = info->field_size;
    bool relative = info->magic == GO_MAGIC_118 || info->magic == GO_MAGIC_120;
    uint64_t pc, funcoff, entry, nameoff;
    if (read_at(reader, info, info->functab + 2 * (uint64_t)index * fs, fs, &pc) != 0 ||
        read_at(reader, info, info->functab + (2 * (uint64_t)index + 1) * fs, fs, &funcoff) != 0)
        return -1;
    /* _func: the entry (uint32 offset from 1.18 on, else a pointer), then int32 nameoff. */
    uint64_t func = (info->magic == GO_MAGIC_12 ? 0 : info->functab) + funcoff;
    unsigned entry_size = relative ? 4 : info->ptrsize;
    if (func < funcoff || read_at(reader, info, func, entry_size, &entry) != 0 ||
        read_at(reader, info, func + entry_size, 4, &nameoff) != 0)
        return -1;
    if (entry != pc || (nameoff & 0x80000000u))
        return -1;
    uint64_t at = info->funcnametab + nameoff;
    if (at >= info->table_size)
        return -1;
    uint64_t avail = info->table_size - at;
    size_t len = size - 1 < avail ? size - 1 : (size_t)avail;
    if (reader->read(reader->ctx, info->table_offset + at, buf, len) != 0)
        return -1;
    buf[len] = '\0';
    return (int)strnlen(buf, len);
}
