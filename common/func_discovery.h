/* Function discovery for load-time syscall patching: the function ranges [start, end) of an
 * x86-64 ELF file (ET_EXEC or ET_DYN), in link-time virtual addresses, from Go's .gopclntab,
 * the ELF .symtab and .dynsym, and .eh_frame FDEs, merged into one sorted list of ranges that
 * do not overlap and each start at an instruction boundary some source vouches for; plus the
 * code not covered by any range (gaps). docs/function-discovery.md explains the merge.
 *
 * The file is read through a callback, so the same code runs in the runtime (reads through
 * the PAL) and in host tests. Nothing in the file is trusted: a malformed source is reported
 * (its state and message) and the others are still used; no input makes it crash or allocate
 * more than a small multiple of the file's size. */
#ifndef COMMON_FUNC_DISCOVERY_H
#define COMMON_FUNC_DISCOVERY_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct elf_reader {
    void *ctx;
    /* Reads exactly len bytes at offset into buf; returns 0, or negative on failure. Only
     * called for ranges inside [0, size). */
    int (*read)(void *ctx, uint64_t offset, void *buf, size_t len);
    uint64_t size; /* the file's size in bytes */
};

/* Sources, as bits (struct func_options.sources, struct func_range.sources) and as indexes
 * of struct func_list.report. */
enum func_source_index {
    FUNC_SOURCE_GOPCLNTAB,
    FUNC_SOURCE_SYMTAB,
    FUNC_SOURCE_DYNSYM,
    FUNC_SOURCE_EH_FRAME,
    FUNC_SOURCE_COUNT
};
#define FUNC_SRC_GOPCLNTAB (1u << FUNC_SOURCE_GOPCLNTAB)
#define FUNC_SRC_SYMTAB (1u << FUNC_SOURCE_SYMTAB)
#define FUNC_SRC_DYNSYM (1u << FUNC_SOURCE_DYNSYM)
#define FUNC_SRC_EH_FRAME (1u << FUNC_SOURCE_EH_FRAME)
#define FUNC_SRC_ALL 0x0fu

/* Range flags. */
#define FUNC_END_GUESSED 0x01  /* only zero-size symbols name this start: end = next start */
#define FUNC_END_DISAGREE 0x02 /* sources with this start gave different ends */
#define FUNC_EXTENDED 0x04     /* runs on past its own end through an enclosing function */
#define FUNC_SPLIT 0x08        /* its own end is further: another function starts inside */
#define FUNC_CLIPPED 0x10      /* a source's end was past its code region's end */
#define FUNC_ZERO_SIZE 0x20    /* raw lists only: a symbol without size (end == start) */

struct func_range {
    uint64_t start, end;
    uint32_t name_ref;   /* for func_name(): index in the table of name_source */
    uint8_t sources;     /* FUNC_SRC_* bits of every source that gave this start */
    uint8_t name_source; /* the FUNC_SRC_* bit whose table names it, 0 if none */
    uint8_t flags;       /* FUNC_* range flags */
    uint8_t reserved;
};

struct func_gap {
    uint64_t start, end;
};

enum func_source_state {
    FUNC_STATE_NOT_ASKED, /* not in func_options.sources */
    FUNC_STATE_ABSENT,    /* the file does not have it (message says what was looked for) */
    FUNC_STATE_USED,      /* parsed; count candidates */
    FUNC_STATE_FAILED,    /* present but malformed or unsupported: message says why */
};

struct func_source_report {
    enum func_source_state state;
    size_t count;      /* ranges this source gave before the merge */
    char message[160]; /* details when used (layout, skipped entries), the reason otherwise */
};

/* What name lookups and reports need from the pclntab. Offsets are file offsets. */
struct func_go_info {
    uint32_t magic;
    const char *layout; /* "Go 1.2-1.15", "Go 1.16-1.17", "Go 1.18-1.19", "Go 1.20+" */
    uint8_t quantum, ptrsize;
    uint64_t nfunc;
    uint64_t text_start;         /* 1.18+: base of the function offsets */
    const char *text_start_from; /* "header", "moduledata", ".text section" */
    bool found_by_scan;          /* no section headers: found by its magic in the data */
    uint64_t table_offset, table_size, table_vaddr;
    uint64_t functab;     /* offset in the table of the function table (funcdata base) */
    uint64_t funcnametab; /* offset in the table of the function names */
    uint8_t field_size;   /* bytes of one functab field: 4 (1.18+) or ptrsize */
};

struct func_symtab_info {
    uint64_t symbols_offset, symbol_count;
    uint64_t strings_offset, strings_size;
};

struct func_eh_info {
    bool from_header_table; /* FDEs found through .eh_frame_hdr's table, else by a walk */
    size_t cie_count;       /* CIEs read (again when evicted from the small cache) */
    size_t fde_count;
    size_t fde_skipped; /* FDEs with an encoding refused (indirect, textrel...) */
};

struct func_merge_stats {
    size_t outside_code;      /* candidates starting outside every code region: dropped */
    size_t empty;             /* candidates with end <= start (not zero-size symbols) */
    size_t vetoed_starts;     /* starts inside a higher-priority function: dropped */
    size_t end_disagreements; /* starts whose sources gave different ends */
    size_t splits, extended;  /* ranges with FUNC_SPLIT, FUNC_EXTENDED */
    size_t guessed_ends;      /* ranges with FUNC_END_GUESSED */
};

struct func_options {
    unsigned sources; /* FUNC_SRC_* bits; 0 means all */
    /* Raw: every candidate of the selected sources, sorted by start, unmerged and
     * unfiltered (zero-size symbols with FUNC_ZERO_SIZE and end == start); no gaps. For
     * comparing one source with another tool. */
    bool raw;
};

struct func_list {
    struct func_range *funcs; /* sorted by start, not overlapping (unless raw) */
    size_t count;
    struct func_gap *gaps; /* code not covered by any range, sorted */
    size_t gap_count;
    uint64_t code_bytes, gap_bytes;
    struct func_source_report report[FUNC_SOURCE_COUNT];
    struct func_merge_stats merge;
    struct func_go_info go;
    struct func_symtab_info symtab, dynsym;
    struct func_eh_info eh;
};

/* Errors of func_discover: the file as a whole cannot be used. */
#define FUNC_ERR_FORMAT (-1) /* not an x86-64 ET_EXEC/ET_DYN ELF, or broken headers */
#define FUNC_ERR_READ (-2)   /* the reader failed */
#define FUNC_ERR_NOMEM (-3)

/* Fills *list (allocated with rt_malloc; free with func_list_free, also after an error).
 * Returns 0, or a FUNC_ERR_* code with a one-line reason in err. A source that is absent or
 * malformed is not an error: see list->report. options may be NULL (all sources, merged). */
int func_discover(const struct elf_reader *reader, const struct func_options *options,
                  struct func_list *list, char *err, size_t errsize);
void func_list_free(struct func_list *list);

/* The range holding addr, or NULL. */
const struct func_range *func_find(const struct func_list *list, uint64_t addr);
/* The range's name (e.g. "runtime.rt_sigreturn") into buf, terminated, truncated to size;
 * returns its length, or -1 when the range has no name or the table cannot be read. */
int func_name(const struct elf_reader *reader, const struct func_list *list,
              const struct func_range *range, char *buf, size_t size);
/* "gopclntab", "symtab", "dynsym", "eh_frame" for one FUNC_SRC_* bit. */
const char *func_source_name(unsigned source_bit);

#endif
