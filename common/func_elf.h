/* Internal layer of function discovery (common/func_discovery.h): an ELF file seen through
 * the reader callback with a small read cache, its segments, sections and code regions, and
 * the candidate list the sources (gopclntab, symbols, eh_frame) fill before the merge.
 * Everything read from the file is bounds-checked here or by the caller against
 * image->size; nothing is trusted. */
#ifndef COMMON_FUNC_ELF_H
#define COMMON_FUNC_ELF_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "common/func_discovery.h"

/* Reads go through one window of the file; sources read mostly forward, so one window
 * per parser keeps the number of reader calls (host reads in the runtime) small. */
#define FILE_CACHE_SIZE 16384

struct file_cache {
    const struct elf_reader *reader;
    uint64_t base; /* file offset of buf[0] */
    size_t len;    /* valid bytes in buf */
    unsigned char *buf;
};

int file_cache_init(struct file_cache *cache, const struct elf_reader *reader);
void file_cache_fini(struct file_cache *cache);
/* 0, or -1 when [offset, offset+len) is not inside the file or the reader fails. */
int file_cache_read(struct file_cache *cache, uint64_t offset, void *dst, size_t len);
int file_cache_u8(struct file_cache *cache, uint64_t offset, uint8_t *value);
int file_cache_u16(struct file_cache *cache, uint64_t offset, uint16_t *value);
int file_cache_u32(struct file_cache *cache, uint64_t offset, uint32_t *value);
int file_cache_u64(struct file_cache *cache, uint64_t offset, uint64_t *value);

struct elf_segment {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz, memsz;
};

struct elf_section {
    uint32_t name, type, link;
    uint64_t flags, addr, offset, size, entsize;
};

/* A range of link-time virtual addresses [start, end). */
struct addr_range {
    uint64_t start, end;
};

/* Limits that keep allocations proportional to something sane whatever the headers say. */
#define ELF_MAX_EXEC_SEGMENTS 256
#define ELF_MAX_SECTIONS 65536

struct elf_image {
    const struct elf_reader *reader;
    uint64_t size;
    struct file_cache cache; /* for header and section-name reads */
    uint16_t type;           /* ET_EXEC or ET_DYN */
    struct elf_segment *segments;
    size_t segment_count;
    struct elf_section *sections; /* NULL when the file has no section headers */
    size_t section_count;
    const struct elf_section *shstrtab; /* NULL when names cannot be read */
    /* Where code is: the executable sections (SHF_EXECINSTR) clipped to executable PT_LOAD
     * segments when the file has section headers, else the file-backed part of the
     * executable PT_LOAD segments. Sorted, not overlapping. */
    struct addr_range *code;
    size_t code_count;
};

/* Returns 0, or a FUNC_ERR_* code with a one-line reason in err. */
int elf_image_open(struct elf_image *image, const struct elf_reader *reader, char *err,
                   size_t errsize);
void elf_image_close(struct elf_image *image);
/* The first section with this name, or NULL (also when the file has no section names). */
const struct elf_section *elf_image_section(struct elf_image *image, const char *name);
/* The first section of this type, or NULL. */
const struct elf_section *elf_image_section_by_type(struct elf_image *image, uint32_t type);
/* The file offset of [vaddr, vaddr+len) when a PT_LOAD holds all of it in the file; 0 or -1.
 * *avail (if not NULL) gets the file-backed bytes from vaddr to the end of that segment. */
int elf_image_vaddr_to_offset(const struct elf_image *image, uint64_t vaddr, uint64_t len,
                              uint64_t *offset, uint64_t *avail);
/* The code region holding addr, or NULL. */
const struct addr_range *elf_image_code_at(const struct elf_image *image, uint64_t addr);

/* ---- Candidates: what one source says, before the merge ---- */

#define CAND_ZERO_SIZE 0x01 /* an ELF symbol without size: its end is not known */
#define CAND_CLIPPED 0x02   /* its end was past the end of its code region */

struct func_cand {
    uint64_t start, end; /* end == start for CAND_ZERO_SIZE */
    uint32_t name_ref;   /* index in the source's own table (symbol index, functab index) */
    uint8_t source;      /* one FUNC_SRC_* bit */
    uint8_t flags;       /* CAND_* */
};

/* Total candidates over all sources; every source is also bounded by its section size. */
#define FUNC_MAX_CANDIDATES (1u << 22)

struct cand_list {
    struct func_cand *items;
    size_t count, capacity;
};

/* 0, or -1 when out of memory or past FUNC_MAX_CANDIDATES. */
int cand_push(struct cand_list *list, uint64_t start, uint64_t end, uint32_t name_ref,
              uint8_t source, uint8_t flags);

/* Sorts like qsort (not stable), in place, in O(n log n) for any input. */
void func_heapsort(void *items, size_t count, size_t size,
                   int (*compare)(const void *, const void *));

/* Little-endian decoding of bytes already read. */
static inline uint16_t get_le16(const unsigned char *p) {
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t get_le32(const unsigned char *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t get_le64(const unsigned char *p) {
    return (uint64_t)get_le32(p) | ((uint64_t)get_le32(p + 4) << 32);
}

/* True when [offset, offset+len) fits in [0, limit) without overflow. */
static inline bool span_fits(uint64_t offset, uint64_t len, uint64_t limit) {
    return offset <= limit && len <= limit - offset;
}

#endif
