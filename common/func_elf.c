/* The ELF file under function discovery: cached reads, segments, sections, code regions. */
#include "common/func_elf.h"

#include <linux/elf.h>

#include "common/alloc.h"
#include "common/fmt.h"
#include "common/string.h"

#ifndef SHN_XINDEX
#define SHN_XINDEX 0xffff
#endif

int file_cache_init(struct file_cache *cache, const struct elf_reader *reader) {
    cache->reader = reader;
    cache->base = 0;
    cache->len = 0;
    cache->buf = rt_malloc(FILE_CACHE_SIZE);
    return cache->buf ? 0 : -1;
}

void file_cache_fini(struct file_cache *cache) {
    rt_free(cache->buf);
    cache->buf = NULL;
    cache->len = 0;
}

int file_cache_read(struct file_cache *cache, uint64_t offset, void *dst, size_t len) {
    const struct elf_reader *reader = cache->reader;
    if (!span_fits(offset, len, reader->size))
        return -1;
    if (len == 0)
        return 0;
    if (offset >= cache->base && offset - cache->base <= cache->len &&
        len <= cache->len - (offset - cache->base)) {
        memcpy(dst, cache->buf + (offset - cache->base), len);
        return 0;
    }
    if (len > FILE_CACHE_SIZE / 2)
        return reader->read(reader->ctx, offset, dst, len) == 0 ? 0 : -1;
    /* Refill from offset on: parsers read forward far more often than backward. */
    uint64_t fill = reader->size - offset;
    if (fill > FILE_CACHE_SIZE)
        fill = FILE_CACHE_SIZE;
    cache->len = 0;
    if (reader->read(reader->ctx, offset, cache->buf, (size_t)fill) != 0)
        return -1;
    cache->base = offset;
    cache->len = (size_t)fill;
    memcpy(dst, cache->buf, len);
    return 0;
}

int file_cache_u8(struct file_cache *cache, uint64_t offset, uint8_t *value) {
    return file_cache_read(cache, offset, value, 1);
}

int file_cache_u16(struct file_cache *cache, uint64_t offset, uint16_t *value) {
    unsigned char b[2];
    if (file_cache_read(cache, offset, b, sizeof(b)) != 0)
        return -1;
    *value = get_le16(b);
    return 0;
}

int file_cache_u32(struct file_cache *cache, uint64_t offset, uint32_t *value) {
    unsigned char b[4];
    if (file_cache_read(cache, offset, b, sizeof(b)) != 0)
        return -1;
    *value = get_le32(b);
    return 0;
}

int file_cache_u64(struct file_cache *cache, uint64_t offset, uint64_t *value) {
    unsigned char b[8];
    if (file_cache_read(cache, offset, b, sizeof(b)) != 0)
        return -1;
    *value = get_le64(b);
    return 0;
}

static int fail(char *err, size_t errsize, int code, const char *what) {
    fmt_snprintf(err, errsize, "%s", what);
    return code;
}

static int read_segments(struct elf_image *image, const Elf64_Ehdr *eh, char *err, size_t errsize) {
    if (eh->e_phnum == 0 || eh->e_phoff == 0)
        return fail(err, errsize, FUNC_ERR_FORMAT, "no program headers");
    if (eh->e_phentsize != sizeof(Elf64_Phdr))
        return fail(err, errsize, FUNC_ERR_FORMAT, "bad program header size");
    if (!span_fits(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), image->size))
        return fail(err, errsize, FUNC_ERR_FORMAT, "program headers past the end of the file");
    image->segments = rt_calloc(eh->e_phnum, sizeof(*image->segments));
    if (!image->segments)
        return fail(err, errsize, FUNC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr ph;
        if (file_cache_read(&image->cache, eh->e_phoff + i * sizeof(ph), &ph, sizeof(ph)) != 0)
            return fail(err, errsize, FUNC_ERR_READ, "cannot read the program headers");
        struct elf_segment *seg = &image->segments[image->segment_count++];
        seg->type = ph.p_type;
        seg->flags = ph.p_flags;
        seg->offset = ph.p_offset;
        seg->vaddr = ph.p_vaddr;
        seg->filesz = ph.p_filesz;
        seg->memsz = ph.p_memsz;
        if (ph.p_type != PT_LOAD)
            continue;
        /* Only what the file backs is code we can read; a segment running past the end of
         * the file or of the address space is a broken file. */
        if (!span_fits(ph.p_offset, ph.p_filesz, image->size))
            return fail(err, errsize, FUNC_ERR_FORMAT,
                        "a PT_LOAD segment runs past the end of the file");
        if (ph.p_vaddr + ph.p_memsz < ph.p_vaddr || ph.p_filesz > ph.p_memsz)
            return fail(err, errsize, FUNC_ERR_FORMAT, "a PT_LOAD segment has bad sizes");
    }
    return 0;
}

static int read_sections(struct elf_image *image, const Elf64_Ehdr *eh, char *err, size_t errsize) {
    if (eh->e_shoff == 0)
        return 0;
    if (eh->e_shentsize != sizeof(Elf64_Shdr))
        return fail(err, errsize, FUNC_ERR_FORMAT, "bad section header size");
    if (!span_fits(eh->e_shoff, sizeof(Elf64_Shdr), image->size))
        return fail(err, errsize, FUNC_ERR_FORMAT, "section headers past the end of the file");
    Elf64_Shdr first;
    if (file_cache_read(&image->cache, eh->e_shoff, &first, sizeof(first)) != 0)
        return fail(err, errsize, FUNC_ERR_READ, "cannot read the section headers");
    /* Past 0xff00 sections the real count and the name table's index live in section 0. */
    uint64_t count = eh->e_shnum ? eh->e_shnum : first.sh_size;
    uint64_t names = eh->e_shstrndx == SHN_XINDEX ? first.sh_link : eh->e_shstrndx;
    if (count == 0)
        return 0;
    if (count > ELF_MAX_SECTIONS)
        return fail(err, errsize, FUNC_ERR_FORMAT, "too many sections");
    if (!span_fits(eh->e_shoff, count * sizeof(Elf64_Shdr), image->size))
        return fail(err, errsize, FUNC_ERR_FORMAT, "section headers past the end of the file");
    image->sections = rt_calloc((size_t)count, sizeof(*image->sections));
    if (!image->sections)
        return fail(err, errsize, FUNC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < count; i++) {
        Elf64_Shdr sh;
        if (file_cache_read(&image->cache, eh->e_shoff + i * sizeof(sh), &sh, sizeof(sh)) != 0)
            return fail(err, errsize, FUNC_ERR_READ, "cannot read the section headers");
        struct elf_section *sec = &image->sections[i];
        sec->name = sh.sh_name;
        sec->type = sh.sh_type;
        sec->link = sh.sh_link;
        sec->flags = sh.sh_flags;
        sec->addr = sh.sh_addr;
        sec->offset = sh.sh_offset;
        sec->size = sh.sh_size;
        sec->entsize = sh.sh_entsize;
        /* A section whose bytes are not in the file is treated as empty, not as an error:
         * sources check what they need. */
        if (sh.sh_type != SHT_NOBITS && !span_fits(sh.sh_offset, sh.sh_size, image->size))
            sec->size = 0;
    }
    image->section_count = (size_t)count;
    if (names < count && image->sections[names].type == SHT_STRTAB)
        image->shstrtab = &image->sections[names];
    return 0;
}

static int compare_ranges(const void *a, const void *b) {
    const struct addr_range *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Sorted, overlaps merged (adjacent ranges stay apart: a section boundary is a boundary). */
static size_t normalize_ranges(struct addr_range *ranges, size_t count) {
    func_heapsort(ranges, count, sizeof(*ranges), compare_ranges);
    size_t out = 0;
    for (size_t i = 0; i < count; i++) {
        if (ranges[i].end <= ranges[i].start)
            continue;
        if (out > 0 && ranges[i].start < ranges[out - 1].end) {
            if (ranges[i].end > ranges[out - 1].end)
                ranges[out - 1].end = ranges[i].end;
            continue;
        }
        ranges[out++] = ranges[i];
    }
    return out;
}

static size_t collect_code_sections(const struct elf_image *image, struct addr_range *out);

static int find_code(struct elf_image *image, char *err, size_t errsize) {
    size_t exec_segments = 0;
    for (size_t i = 0; i < image->segment_count; i++)
        if (image->segments[i].type == PT_LOAD && (image->segments[i].flags & PF_X))
            exec_segments++;
    if (exec_segments == 0)
        return fail(err, errsize, FUNC_ERR_FORMAT, "no executable PT_LOAD segment");
    if (exec_segments > ELF_MAX_EXEC_SEGMENTS)
        return fail(err, errsize, FUNC_ERR_FORMAT, "too many executable PT_LOAD segments");
    /* First count the section/segment intersections, then fill exactly that many. */
    size_t n = collect_code_sections(image, NULL);
    if (n == 0)
        n = exec_segments;
    image->code = rt_calloc(n, sizeof(*image->code));
    if (!image->code)
        return fail(err, errsize, FUNC_ERR_NOMEM, "out of memory");
    n = collect_code_sections(image, image->code);
    if (n == 0) {
        for (size_t i = 0; i < image->segment_count; i++) {
            const struct elf_segment *seg = &image->segments[i];
            if (seg->type == PT_LOAD && (seg->flags & PF_X))
                image->code[n++] = (struct addr_range){seg->vaddr, seg->vaddr + seg->filesz};
        }
    }
    image->code_count = normalize_ranges(image->code, n);
    return 0;
}

/* The executable sections clipped to the executable segments; counts them when out is NULL. */
static size_t collect_code_sections(const struct elf_image *image, struct addr_range *out) {
    size_t n = 0;
    for (size_t s = 0; s < image->section_count; s++) {
        const struct elf_section *sec = &image->sections[s];
        if (sec->type != SHT_PROGBITS ||
            (sec->flags & (SHF_ALLOC | SHF_EXECINSTR)) != (SHF_ALLOC | SHF_EXECINSTR))
            continue;
        if (sec->size == 0 || sec->addr + sec->size < sec->addr)
            continue;
        for (size_t i = 0; i < image->segment_count; i++) {
            const struct elf_segment *seg = &image->segments[i];
            if (seg->type != PT_LOAD || !(seg->flags & PF_X))
                continue;
            uint64_t start = sec->addr > seg->vaddr ? sec->addr : seg->vaddr;
            uint64_t end = sec->addr + sec->size;
            if (end > seg->vaddr + seg->filesz)
                end = seg->vaddr + seg->filesz;
            if (start >= end)
                continue;
            if (out)
                out[n] = (struct addr_range){start, end};
            n++;
        }
    }
    return n;
}

int elf_image_open(struct elf_image *image, const struct elf_reader *reader, char *err,
                   size_t errsize) {
    memset(image, 0, sizeof(*image));
    image->reader = reader;
    image->size = reader->size;
    if (file_cache_init(&image->cache, reader) != 0)
        return fail(err, errsize, FUNC_ERR_NOMEM, "out of memory");
    Elf64_Ehdr eh;
    if (image->size < sizeof(eh))
        return fail(err, errsize, FUNC_ERR_FORMAT, "too short for an ELF header");
    if (file_cache_read(&image->cache, 0, &eh, sizeof(eh)) != 0)
        return fail(err, errsize, FUNC_ERR_READ, "cannot read the ELF header");
    if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
        return fail(err, errsize, FUNC_ERR_FORMAT, "not an ELF file");
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
        return fail(err, errsize, FUNC_ERR_FORMAT, "not a 64-bit little-endian ELF file");
    if (eh.e_machine != EM_X86_64)
        return fail(err, errsize, FUNC_ERR_FORMAT, "not an x86-64 ELF file");
    if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
        return fail(err, errsize, FUNC_ERR_FORMAT, "not an executable or shared object");
    image->type = eh.e_type;
    int rc = read_segments(image, &eh, err, errsize);
    if (rc == 0)
        rc = read_sections(image, &eh, err, errsize);
    if (rc == 0)
        rc = find_code(image, err, errsize);
    return rc;
}

void elf_image_close(struct elf_image *image) {
    file_cache_fini(&image->cache);
    rt_free(image->segments);
    rt_free(image->sections);
    rt_free(image->code);
    image->segments = NULL;
    image->sections = NULL;
    image->code = NULL;
}

static bool section_named(struct elf_image *image, const struct elf_section *sec,
                          const char *name) {
    const struct elf_section *names = image->shstrtab;
    size_t len = strlen(name) + 1;
    if (!names || sec->name >= names->size || len > names->size - sec->name)
        return false;
    char buf[64];
    if (len > sizeof(buf))
        return false;
    if (file_cache_read(&image->cache, names->offset + sec->name, buf, len) != 0)
        return false;
    return memcmp(buf, name, len) == 0;
}

const struct elf_section *elf_image_section(struct elf_image *image, const char *name) {
    for (size_t i = 0; i < image->section_count; i++)
        if (image->sections[i].type != SHT_NULL && section_named(image, &image->sections[i], name))
            return &image->sections[i];
    return NULL;
}

const struct elf_section *elf_image_section_by_type(struct elf_image *image, uint32_t type) {
    for (size_t i = 0; i < image->section_count; i++)
        if (image->sections[i].type == type)
            return &image->sections[i];
    return NULL;
}

int elf_image_vaddr_to_offset(const struct elf_image *image, uint64_t vaddr, uint64_t len,
                              uint64_t *offset, uint64_t *avail) {
    for (size_t i = 0; i < image->segment_count; i++) {
        const struct elf_segment *seg = &image->segments[i];
        if (seg->type != PT_LOAD || vaddr < seg->vaddr || vaddr - seg->vaddr >= seg->filesz)
            continue;
        uint64_t rest = seg->filesz - (vaddr - seg->vaddr);
        if (len > rest)
            continue;
        *offset = seg->offset + (vaddr - seg->vaddr);
        if (avail)
            *avail = rest;
        return 0;
    }
    return -1;
}

const struct addr_range *elf_image_code_at(const struct elf_image *image, uint64_t addr) {
    size_t lo = 0, hi = image->code_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (addr < image->code[mid].start)
            hi = mid;
        else if (addr >= image->code[mid].end)
            lo = mid + 1;
        else
            return &image->code[mid];
    }
    return NULL;
}

int cand_push(struct cand_list *list, uint64_t start, uint64_t end, uint32_t name_ref,
              uint8_t source, uint8_t flags) {
    if (list->count == list->capacity) {
        if (list->capacity >= FUNC_MAX_CANDIDATES)
            return -1;
        size_t capacity = list->capacity ? list->capacity * 2 : 1024;
        if (capacity > FUNC_MAX_CANDIDATES)
            capacity = FUNC_MAX_CANDIDATES;
        struct func_cand *items = rt_realloc(list->items, capacity * sizeof(*items));
        if (!items)
            return -1;
        list->items = items;
        list->capacity = capacity;
    }
    list->items[list->count++] = (struct func_cand){
        .start = start, .end = end, .name_ref = name_ref, .source = source, .flags = flags};
    return 0;
}

/* Heapsort: no recursion, no extra memory, O(n log n) whatever the input. */
static void swap_bytes(unsigned char *a, unsigned char *b, size_t size) {
    for (size_t i = 0; i < size; i++) {
        unsigned char t = a[i];
        a[i] = b[i];
        b[i] = t;
    }
}

static void sift_down(unsigned char *base, size_t root, size_t count, size_t size,
                      int (*compare)(const void *, const void *)) {
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= count)
            return;
        if (child + 1 < count && compare(base + child * size, base + (child + 1) * size) < 0)
            child++;
        if (compare(base + root * size, base + child * size) >= 0)
            return;
        swap_bytes(base + root * size, base + child * size, size);
        root = child;
    }
}

void func_heapsort(void *items, size_t count, size_t size,
                   int (*compare)(const void *, const void *)) {
    unsigned char *base = items;
    if (count < 2)
        return;
    for (size_t i = count / 2; i-- > 0;)
        sift_down(base, i, count, size, compare);
    for (size_t end = count - 1; end > 0; end--) {
        swap_bytes(base, base + end * size, size);
        sift_down(base, 0, end, size, compare);
    }
}
