/* Function discovery: runs the sources over the file and merges what they say into ranges
 * that do not overlap, each starting where some trusted source says a function starts.
 *
 * The merge, in short (docs/function-discovery.md has the reasoning):
 *  - candidates that do not start inside code are dropped; ends past their code region are
 *    clipped; a zero-size symbol ends at the next start of any source (FUNC_END_GUESSED);
 *  - sources rank gopclntab > symtab = dynsym > eh_frame; candidates with the same start
 *    collapse into one range that takes the end of its highest-ranked source;
 *  - a start strictly inside a range of a higher-ranked source (one with a real size) is not
 *    trusted: it is dropped with its extent (vetoed_starts);
 *  - the kept starts cut the covered addresses into pieces: a range ends at the next kept
 *    start (FUNC_SPLIT when its own end was further) or where the covered run ends
 *    (FUNC_EXTENDED when that is past its own end, inside an enclosing function). */
#include "common/func_discovery.h"

#include "common/alloc.h"
#include "common/eh_frame.h"
#include "common/elf_funcs.h"
#include "common/fmt.h"
#include "common/func_elf.h"
#include "common/gopclntab.h"
#include "common/string.h"

#include <linux/elf.h>

static unsigned source_rank(uint8_t source) {
    switch (source) {
    case FUNC_SRC_GOPCLNTAB:
        return 3;
    case FUNC_SRC_SYMTAB:
    case FUNC_SRC_DYNSYM:
        return 2;
    default:
        return 1;
    }
}

#define RANK_LEVELS 4

const char *func_source_name(unsigned source_bit) {
    switch (source_bit) {
    case FUNC_SRC_GOPCLNTAB:
        return "gopclntab";
    case FUNC_SRC_SYMTAB:
        return "symtab";
    case FUNC_SRC_DYNSYM:
        return "dynsym";
    case FUNC_SRC_EH_FRAME:
        return "eh_frame";
    }
    return "?";
}

/* By start; within a start, higher-ranked sources first, then by source and table index
 * (so the first named member of a group gives the best name), then by end. */
static int compare_cands(const void *pa, const void *pb) {
    const struct func_cand *a = pa, *b = pb;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    unsigned ra = source_rank(a->source), rb = source_rank(b->source);
    if (ra != rb)
        return ra > rb ? -1 : 1;
    if (a->source != b->source)
        return a->source < b->source ? -1 : 1;
    if (a->name_ref != b->name_ref)
        return a->name_ref < b->name_ref ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return 0;
}

static void run_source(struct elf_image *image, unsigned wanted, enum func_source_index index,
                       struct cand_list *cands, struct func_list *list) {
    struct func_source_report *report = &list->report[index];
    if (!(wanted & (1u << index))) {
        report->state = FUNC_STATE_NOT_ASKED;
        return;
    }
    size_t before = cands->count;
    switch (index) {
    case FUNC_SOURCE_GOPCLNTAB:
        report->state =
            gopclntab_collect(image, cands, &list->go, report->message, sizeof(report->message));
        break;
    case FUNC_SOURCE_SYMTAB:
        report->state = elf_funcs_collect(image, SHT_SYMTAB, FUNC_SRC_SYMTAB, cands, &list->symtab,
                                          report->message, sizeof(report->message));
        break;
    case FUNC_SOURCE_DYNSYM:
        report->state = elf_funcs_collect(image, SHT_DYNSYM, FUNC_SRC_DYNSYM, cands, &list->dynsym,
                                          report->message, sizeof(report->message));
        break;
    default:
        report->state =
            eh_frame_collect(image, cands, &list->eh, report->message, sizeof(report->message));
        break;
    }
    report->count = cands->count - before;
}

/* Raw lists: the candidates as they are. */
static int emit_raw(const struct cand_list *cands, struct func_list *list) {
    list->funcs = rt_calloc(cands->count ? cands->count : 1, sizeof(*list->funcs));
    if (!list->funcs)
        return FUNC_ERR_NOMEM;
    for (size_t i = 0; i < cands->count; i++) {
        const struct func_cand *c = &cands->items[i];
        struct func_range *r = &list->funcs[i];
        r->start = c->start;
        r->end = c->end;
        r->sources = c->source;
        r->name_source = c->source == FUNC_SRC_EH_FRAME ? 0 : c->source;
        r->name_ref = c->name_ref;
        r->flags = (c->flags & CAND_ZERO_SIZE) ? FUNC_ZERO_SIZE : 0;
    }
    list->count = cands->count;
    return 0;
}

/* Drops what does not start in code, clips ends to the start's code region, gives
 * zero-size symbols the next start as their end. Keeps the order. */
static void filter_and_fill_ends(const struct elf_image *image, struct cand_list *cands,
                                 struct func_merge_stats *stats) {
    size_t kept = 0;
    for (size_t i = 0; i < cands->count; i++) {
        struct func_cand c = cands->items[i];
        const struct addr_range *region = elf_image_code_at(image, c.start);
        if (!region) {
            stats->outside_code++;
            continue;
        }
        if (!(c.flags & CAND_ZERO_SIZE)) {
            if (c.end <= c.start) {
                stats->empty++;
                continue;
            }
            if (c.end > region->end) {
                c.end = region->end;
                c.flags |= CAND_CLIPPED;
            }
        }
        cands->items[kept++] = c;
    }
    cands->count = kept;
    uint64_t following = UINT64_MAX; /* the next larger start, whatever its source */
    for (size_t i = kept; i-- > 0;) {
        struct func_cand *c = &cands->items[i];
        if (i + 1 < kept && cands->items[i + 1].start != c->start)
            following = cands->items[i + 1].start;
        if (c->flags & CAND_ZERO_SIZE) {
            const struct addr_range *region = elf_image_code_at(image, c->start);
            c->end = following < region->end ? following : region->end;
        }
    }
}

/* One range per trusted start (see the top of the file); returns how many. */
static size_t collapse_groups(const struct func_cand *items, size_t count, struct func_range *out,
                              struct func_merge_stats *stats) {
    uint64_t max_end[RANK_LEVELS] = {0}; /* per rank, over kept starts with a real size */
    size_t n = 0;
    for (size_t g = 0; g < count;) {
        size_t h = g;
        while (h < count && items[h].start == items[g].start)
            h++;
        uint64_t start = items[g].start;
        unsigned group_rank = source_rank(items[g].source); /* sorted: the first is highest */
        bool vetoed = false;
        for (unsigned r = group_rank + 1; r < RANK_LEVELS; r++)
            if (max_end[r] > start)
                vetoed = true;
        if (vetoed) {
            stats->vetoed_starts++;
            g = h;
            continue;
        }
        struct func_range range = {.start = start};
        bool have_real_end = false, disagree = false;
        uint64_t guessed_end = 0;
        for (size_t i = g; i < h; i++) {
            const struct func_cand *c = &items[i];
            range.sources |= c->source;
            if (!range.name_source && c->source != FUNC_SRC_EH_FRAME) {
                range.name_source = c->source;
                range.name_ref = c->name_ref;
            }
            if (c->flags & CAND_ZERO_SIZE) {
                guessed_end = c->end;
                continue;
            }
            unsigned rank = source_rank(c->source);
            if (c->end > max_end[rank])
                max_end[rank] = c->end;
            if (!have_real_end) {
                range.end = c->end;
                range.flags = (c->flags & CAND_CLIPPED) ? FUNC_CLIPPED : 0;
                have_real_end = true;
                continue;
            }
            if (c->end != range.end)
                disagree = true;
            /* Equal rank: the union of what equally trusted sources say. */
            if (rank == source_rank(items[g].source) && c->end > range.end)
                range.end = c->end;
        }
        if (!have_real_end) {
            range.end = guessed_end;
            range.flags |= FUNC_END_GUESSED;
            stats->guessed_ends++;
        }
        if (disagree) {
            range.flags |= FUNC_END_DISAGREE;
            stats->end_disagreements++;
        }
        out[n++] = range;
        g = h;
    }
    return n;
}

/* Cuts the kept ranges at each other's starts; ends run to the end of the covered run. */
static void partition(struct func_range *ranges, size_t count, struct func_merge_stats *stats) {
    uint64_t run_end = 0;
    for (size_t i = 0; i < count; i++) {
        struct func_range *r = &ranges[i];
        uint64_t own_end = r->end;
        if (r->start < run_end) {
            if (own_end > run_end)
                run_end = own_end;
        } else {
            run_end = own_end;
        }
        uint64_t end = run_end;
        if (i + 1 < count && ranges[i + 1].start < end)
            end = ranges[i + 1].start;
        if (end < own_end) {
            r->flags |= FUNC_SPLIT;
            stats->splits++;
        } else if (end > own_end) {
            r->flags |= FUNC_EXTENDED;
            stats->extended++;
        }
        r->end = end;
    }
}

static int find_gaps(const struct elf_image *image, struct func_list *list) {
    list->gaps = rt_calloc(list->count + image->code_count + 1, sizeof(*list->gaps));
    if (!list->gaps)
        return FUNC_ERR_NOMEM;
    size_t f = 0;
    for (size_t i = 0; i < image->code_count; i++) {
        uint64_t cursor = image->code[i].start, end = image->code[i].end;
        while (f < list->count && list->funcs[f].end <= cursor)
            f++;
        while (cursor < end) {
            uint64_t next =
                f < list->count && list->funcs[f].start < end ? list->funcs[f].start : end;
            if (next > cursor) {
                list->gaps[list->gap_count++] = (struct func_gap){cursor, next};
                list->gap_bytes += next - cursor;
            }
            if (next == end)
                break;
            cursor = list->funcs[f].end;
            f++;
        }
    }
    return 0;
}

static int merge(const struct elf_image *image, struct cand_list *cands, struct func_list *list) {
    filter_and_fill_ends(image, cands, &list->merge);
    list->funcs = rt_calloc(cands->count ? cands->count : 1, sizeof(*list->funcs));
    if (!list->funcs)
        return FUNC_ERR_NOMEM;
    list->count = collapse_groups(cands->items, cands->count, list->funcs, &list->merge);
    partition(list->funcs, list->count, &list->merge);
    return find_gaps(image, list);
}

int func_discover(const struct elf_reader *reader, const struct func_options *options,
                  struct func_list *list, char *err, size_t errsize) {
    memset(list, 0, sizeof(*list));
    unsigned wanted = options && options->sources ? options->sources & FUNC_SRC_ALL : FUNC_SRC_ALL;
    bool raw = options && options->raw;
    if (errsize)
        err[0] = '\0';
    struct elf_image image;
    int rc = elf_image_open(&image, reader, err, errsize);
    if (rc != 0) {
        elf_image_close(&image);
        return rc;
    }
    for (size_t i = 0; i < image.code_count; i++)
        list->code_bytes += image.code[i].end - image.code[i].start;

    struct cand_list cands = {0};
    for (unsigned i = 0; i < FUNC_SOURCE_COUNT; i++)
        run_source(&image, wanted, (enum func_source_index)i, &cands, list);
    func_heapsort(cands.items, cands.count, sizeof(*cands.items), compare_cands);
    rc = raw ? emit_raw(&cands, list) : merge(&image, &cands, list);
    if (rc == FUNC_ERR_NOMEM)
        fmt_snprintf(err, errsize, "out of memory");
    rt_free(cands.items);
    elf_image_close(&image);
    return rc;
}

void func_list_free(struct func_list *list) {
    rt_free(list->funcs);
    rt_free(list->gaps);
    list->funcs = NULL;
    list->gaps = NULL;
    list->count = list->gap_count = 0;
}

const struct func_range *func_find(const struct func_list *list, uint64_t addr) {
    size_t lo = 0, hi = list->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (addr < list->funcs[mid].start)
            hi = mid;
        else if (addr >= list->funcs[mid].end)
            lo = mid + 1;
        else
            return &list->funcs[mid];
    }
    return NULL;
}

int func_name(const struct elf_reader *reader, const struct func_list *list,
              const struct func_range *range, char *buf, size_t size) {
    switch (range->name_source) {
    case FUNC_SRC_GOPCLNTAB:
        return gopclntab_name(reader, &list->go, range->name_ref, buf, size);
    case FUNC_SRC_SYMTAB:
        return elf_funcs_name(reader, &list->symtab, range->name_ref, buf, size);
    case FUNC_SRC_DYNSYM:
        return elf_funcs_name(reader, &list->dynsym, range->name_ref, buf, size);
    }
    return -1;
}
