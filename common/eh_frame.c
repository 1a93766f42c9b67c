/* .eh_frame FDEs as function ranges (see common/eh_frame.h). */
#include "common/eh_frame.h"

#include <linux/elf.h>

#include "common/fmt.h"
#include "common/string.h"

#ifndef PT_GNU_EH_FRAME
#define PT_GNU_EH_FRAME 0x6474e550
#endif

/* ---- Cursor reads: every one bounded by cursor->end ---- */

static int cur_bytes(struct eh_cursor *c, void *dst, size_t len) {
    if (c->pos > c->end || len > c->end - c->pos)
        return EH_MALFORMED;
    if (file_cache_read(c->cache, c->pos, dst, len) != 0)
        return EH_MALFORMED;
    c->pos += len;
    return EH_OK;
}

static int cur_u8(struct eh_cursor *c, uint8_t *v) {
    return cur_bytes(c, v, 1);
}

static int cur_fixed(struct eh_cursor *c, unsigned size, uint64_t *v) {
    unsigned char b[8];
    int rc = cur_bytes(c, b, size);
    if (rc != EH_OK)
        return rc;
    *v = size == 2 ? get_le16(b) : size == 4 ? get_le32(b) : get_le64(b);
    return EH_OK;
}

/* LEB128: at most 10 bytes for 64 bits; longer is malformed. */
static int cur_leb(struct eh_cursor *c, bool is_signed, uint64_t *v) {
    uint64_t result = 0;
    unsigned shift = 0;
    for (int i = 0; i < 10; i++) {
        uint8_t byte;
        if (cur_u8(c, &byte) != EH_OK)
            return EH_MALFORMED;
        if (shift < 64)
            result |= (uint64_t)(byte & 0x7f) << shift;
        shift += 7;
        if (!(byte & 0x80)) {
            if (is_signed && shift < 64 && (byte & 0x40))
                result |= ~(uint64_t)0 << shift;
            *v = result;
            return EH_OK;
        }
    }
    return EH_MALFORMED;
}

static uint64_t cursor_vaddr(const struct eh_cursor *c, uint64_t pos) {
    return c->base_vaddr + (pos - c->base_offset);
}

int eh_read_encoded(struct eh_cursor *c, uint8_t encoding, bool apply, uint64_t *value) {
    uint64_t field_vaddr = cursor_vaddr(c, c->pos);
    uint64_t raw;
    int rc;
    switch (encoding & 0x0f) {
    case DW_EH_PE_absptr:
    case DW_EH_PE_signed: /* a signed pointer-sized value: 8 bytes here */
    case DW_EH_PE_udata8:
    case DW_EH_PE_sdata8:
        rc = cur_fixed(c, 8, &raw);
        break;
    case DW_EH_PE_udata2:
        rc = cur_fixed(c, 2, &raw);
        break;
    case DW_EH_PE_sdata2:
        rc = cur_fixed(c, 2, &raw);
        raw = (uint64_t)(int64_t)(int16_t)raw;
        break;
    case DW_EH_PE_udata4:
        rc = cur_fixed(c, 4, &raw);
        break;
    case DW_EH_PE_sdata4:
        rc = cur_fixed(c, 4, &raw);
        raw = (uint64_t)(int64_t)(int32_t)raw;
        break;
    case DW_EH_PE_uleb128:
        rc = cur_leb(c, false, &raw);
        break;
    case DW_EH_PE_sleb128:
        rc = cur_leb(c, true, &raw);
        break;
    default:
        return EH_UNSUPPORTED;
    }
    if (rc != EH_OK)
        return rc;
    if (!apply) {
        *value = raw;
        return EH_OK;
    }
    if (encoding & DW_EH_PE_indirect)
        return EH_UNSUPPORTED; /* the value would be read from memory at run time */
    switch (encoding & 0x70) {
    case DW_EH_PE_absptr:
        *value = raw;
        return EH_OK;
    case DW_EH_PE_pcrel:
        *value = raw + field_vaddr; /* modulo 2^64, as the unwinder computes it */
        return EH_OK;
    case DW_EH_PE_datarel:
        if (!c->has_data_base)
            return EH_UNSUPPORTED;
        *value = raw + c->data_base;
        return EH_OK;
    default: /* textrel, funcrel, aligned: not emitted for x86-64 */
        return EH_UNSUPPORTED;
    }
}

/* ---- CIEs ---- */

struct cie {
    uint64_t offset; /* file offset of its length field */
    uint8_t fde_encoding;
    bool has_augmentation_data; /* 'z': FDEs carry an augmentation length */
    bool signal_frame;          /* 'S': its FDEs start one byte before the code */
    const char *refusal;        /* non-NULL: its FDEs cannot be read, and why */
};

#define CIE_CACHE 16

struct eh_walk {
    struct elf_image *image;
    struct file_cache cache;
    uint64_t offset, size, vaddr; /* the .eh_frame bytes in the file */
    struct cie cies[CIE_CACHE];
    size_t cie_used, cie_next;
    struct func_eh_info *info;
    const char *first_refusal;
    char *msg;
    size_t msz;
};

static struct eh_cursor walk_cursor(struct eh_walk *w, uint64_t pos, uint64_t end) {
    return (struct eh_cursor){.cache = &w->cache,
                              .pos = pos,
                              .end = end,
                              .base_offset = w->offset,
                              .base_vaddr = w->vaddr};
}

/* An entry's header at pos: content (after the length) runs to *end; *id is the CIE id or
 * the FDE's CIE pointer, *after_id where the body starts. Returns 1 for the terminator. */
static int read_entry(struct eh_walk *w, uint64_t pos, uint64_t *content, uint64_t *end,
                      uint64_t *id, uint64_t *after_id) {
    struct eh_cursor c = walk_cursor(w, pos, w->offset + w->size);
    uint64_t length;
    if (cur_fixed(&c, 4, &length) != EH_OK)
        return EH_MALFORMED;
    if (length == 0)
        return 1;
    bool wide = length == 0xffffffffu;
    if (wide && cur_fixed(&c, 8, &length) != EH_OK)
        return EH_MALFORMED;
    *content = c.pos;
    if (length > c.end - c.pos)
        return EH_MALFORMED;
    *end = c.pos + length;
    c.end = *end;
    /* The CIE id / pointer stays 4 bytes even after a 64-bit length (as unwinders read it). */
    if (cur_fixed(&c, 4, id) != EH_OK)
        return EH_MALFORMED;
    *after_id = c.pos;
    return EH_OK;
}

static int parse_cie(struct eh_walk *w, uint64_t offset, struct cie *cie) {
    uint64_t content, end, id, body;
    int rc = read_entry(w, offset, &content, &end, &id, &body);
    if (rc != EH_OK || id != 0)
        return EH_MALFORMED; /* a CIE pointer must point at a CIE */
    memset(cie, 0, sizeof(*cie));
    cie->offset = offset;
    cie->fde_encoding = DW_EH_PE_absptr;
    struct eh_cursor c = walk_cursor(w, body, end);
    uint8_t version;
    if (cur_u8(&c, &version) != EH_OK)
        return EH_MALFORMED;
    if (version != 1 && version != 3 && version != 4) {
        cie->refusal = "CIE version not 1, 3 or 4";
        return EH_OK;
    }
    char aug[16];
    size_t aug_len = 0;
    for (;;) {
        uint8_t ch;
        if (cur_u8(&c, &ch) != EH_OK)
            return EH_MALFORMED;
        if (ch == 0)
            break;
        if (aug_len + 1 >= sizeof(aug)) {
            cie->refusal = "CIE augmentation string too long";
            return EH_OK;
        }
        aug[aug_len++] = (char)ch;
    }
    aug[aug_len] = '\0';
    uint64_t skip;
    if (aug[0] == 'e' && aug[1] == 'h' && cur_fixed(&c, 8, &skip) != EH_OK) /* old GCC */
        return EH_MALFORMED;
    if (version == 4 && (cur_u8(&c, &version) != EH_OK || cur_u8(&c, &version) != EH_OK))
        return EH_MALFORMED; /* address and segment selector sizes */
    uint64_t code_align, data_align, return_register;
    if (cur_leb(&c, false, &code_align) != EH_OK || cur_leb(&c, true, &data_align) != EH_OK)
        return EH_MALFORMED;
    bool register_ok;
    if (version == 1) {
        uint8_t reg;
        register_ok = cur_u8(&c, &reg) == EH_OK;
    } else {
        register_ok = cur_leb(&c, false, &return_register) == EH_OK;
    }
    if (!register_ok)
        return EH_MALFORMED;
    if (aug[0] != 'z') {
        if (aug[0] != '\0' && strcmp(aug, "eh") != 0)
            cie->refusal = "CIE augmentation without 'z'";
        return EH_OK;
    }
    cie->has_augmentation_data = true;
    uint64_t data_len;
    if (cur_leb(&c, false, &data_len) != EH_OK || data_len > c.end - c.pos)
        return EH_MALFORMED;
    c.end = c.pos + data_len;
    for (const char *p = aug + 1; *p; p++) {
        uint8_t enc;
        uint64_t ignored;
        switch (*p) {
        case 'R':
            if (cur_u8(&c, &cie->fde_encoding) != EH_OK)
                return EH_MALFORMED;
            break;
        case 'L':
            if (cur_u8(&c, &enc) != EH_OK)
                return EH_MALFORMED;
            break;
        case 'P':
            if (cur_u8(&c, &enc) != EH_OK)
                return EH_MALFORMED;
            /* Only its size matters, to reach what follows. */
            rc = eh_read_encoded(&c, enc, false, &ignored);
            if (rc == EH_UNSUPPORTED) {
                cie->refusal = "CIE personality encoding";
                return EH_OK;
            }
            if (rc != EH_OK)
                return EH_MALFORMED;
            break;
        case 'S':
            /* A signal trampoline (glibc's __restore_rt): its FDE starts one byte early, so
             * that an unwinder's "return address - 1" lands inside it. */
            cie->signal_frame = true;
            break;
        case 'B': /* AArch64 B-key */
        case 'G': /* MTE-tagged frame */
            break;
        default:
            /* An unknown letter may hide an 'R' after it. */
            cie->refusal = "unknown CIE augmentation letter";
            return EH_OK;
        }
    }
    return EH_OK;
}

static int find_cie(struct eh_walk *w, uint64_t offset, const struct cie **out) {
    for (size_t i = 0; i < w->cie_used; i++) {
        if (w->cies[i].offset == offset) {
            *out = &w->cies[i];
            return EH_OK;
        }
    }
    struct cie cie;
    int rc = parse_cie(w, offset, &cie);
    if (rc != EH_OK)
        return rc;
    w->info->cie_count++;
    size_t slot = w->cie_used < CIE_CACHE ? w->cie_used++ : (w->cie_next++ % CIE_CACHE);
    w->cies[slot] = cie;
    *out = &w->cies[slot];
    return EH_OK;
}

/* ---- FDEs ---- */

/* The FDE whose length field is at offset: *start and *end of its function, or *skipped
 * when its CIE's encoding is refused. */
static int parse_fde(struct eh_walk *w, uint64_t offset, uint64_t *start, uint64_t *end,
                     bool *signal_frame, bool *skipped) {
    uint64_t content, entry_end, id, body;
    int rc = read_entry(w, offset, &content, &entry_end, &id, &body);
    if (rc != EH_OK || id == 0)
        return EH_MALFORMED;
    /* The CIE pointer counts back from the pointer's own position. */
    if (id > content - w->offset)
        return EH_MALFORMED;
    const struct cie *cie;
    rc = find_cie(w, content - id, &cie);
    if (rc != EH_OK)
        return rc;
    *skipped = false;
    if (cie->refusal) {
        *skipped = true;
        if (!w->first_refusal)
            w->first_refusal = cie->refusal;
        return EH_OK;
    }
    struct eh_cursor c = walk_cursor(w, body, entry_end);
    uint64_t pc_begin, pc_range;
    rc = eh_read_encoded(&c, cie->fde_encoding, true, &pc_begin);
    if (rc == EH_OK)
        rc = eh_read_encoded(&c, cie->fde_encoding & 0x0f, false, &pc_range);
    if (rc == EH_UNSUPPORTED) {
        *skipped = true;
        if (!w->first_refusal)
            w->first_refusal = (cie->fde_encoding & DW_EH_PE_indirect)
                                   ? "indirect FDE pointer encoding"
                                   : "FDE pointer encoding (textrel, funcrel, aligned...)";
        return EH_OK;
    }
    if (rc != EH_OK)
        return rc;
    if (pc_begin + pc_range < pc_begin)
        return EH_MALFORMED;
    *signal_frame = cie->signal_frame;
    *start = pc_begin;
    *end = pc_begin + pc_range;
    return EH_OK;
}

static int add_fde(struct eh_walk *w, struct cand_list *out, uint64_t offset, bool check_start,
                   uint64_t expected_start) {
    uint64_t start, end;
    bool skipped, signal_frame = false;
    int rc = parse_fde(w, offset, &start, &end, &signal_frame, &skipped);
    if (rc != EH_OK) {
        fmt_snprintf(w->msg, w->msz, "malformed FDE at .eh_frame+0x%llx",
                     (unsigned long long)(offset - w->offset));
        return -1;
    }
    if (skipped) {
        w->info->fde_skipped++;
        return 0;
    }
    if (check_start && start != expected_start) {
        fmt_snprintf(w->msg, w->msz, ".eh_frame_hdr says 0x%llx, its FDE says 0x%llx",
                     (unsigned long long)expected_start, (unsigned long long)start);
        return -1;
    }
    /* The code itself starts after a signal frame's extra byte (an instruction boundary
     * there would be wrong: the byte belongs to what precedes it). */
    if (signal_frame && end - start > 1)
        start++;
    if (cand_push(out, start, end, 0, FUNC_SRC_EH_FRAME, 0) != 0) {
        fmt_snprintf(w->msg, w->msz, "out of memory");
        return -1;
    }
    w->info->fde_count++;
    return 0;
}

/* Every entry from the start of .eh_frame to its end or its zero terminator. */
static int walk_all(struct eh_walk *w, struct cand_list *out) {
    uint64_t pos = w->offset, limit = w->offset + w->size;
    while (pos < limit) {
        uint64_t content, end, id, body;
        int rc = read_entry(w, pos, &content, &end, &id, &body);
        if (rc == 1)
            break;
        if (rc != EH_OK) {
            fmt_snprintf(w->msg, w->msz, "malformed entry at .eh_frame+0x%llx",
                         (unsigned long long)(pos - w->offset));
            return -1;
        }
        if (id != 0 && add_fde(w, out, pos, false, 0) != 0)
            return -1;
        pos = end;
    }
    return 0;
}

struct eh_hdr {
    uint64_t offset, size, vaddr; /* .eh_frame_hdr in the file */
};

/* The .eh_frame_hdr table: (initial location, FDE address) pairs. Returns 1 when there is
 * no usable table (then the caller walks), 0 when done, -1 on error. */
static int walk_table(struct eh_walk *w, const struct eh_hdr *hdr, uint64_t table_pos,
                      uint8_t fde_count_enc, uint8_t table_enc, struct cand_list *out) {
    struct eh_cursor c = {.cache = &w->cache,
                          .pos = table_pos,
                          .end = hdr->offset + hdr->size,
                          .base_offset = hdr->offset,
                          .base_vaddr = hdr->vaddr,
                          .data_base = hdr->vaddr,
                          .has_data_base = true};
    if (fde_count_enc == DW_EH_PE_omit || table_enc == DW_EH_PE_omit)
        return 1;
    unsigned field;
    switch (table_enc & 0x0f) {
    case DW_EH_PE_udata2:
    case DW_EH_PE_sdata2:
        field = 2;
        break;
    case DW_EH_PE_udata4:
    case DW_EH_PE_sdata4:
        field = 4;
        break;
    case DW_EH_PE_absptr:
    case DW_EH_PE_udata8:
    case DW_EH_PE_sdata8:
        field = 8;
        break;
    default:
        return 1; /* not a binary-search table */
    }
    uint64_t count;
    int rc = eh_read_encoded(&c, fde_count_enc, true, &count);
    if (rc == EH_UNSUPPORTED)
        return 1;
    if (rc != EH_OK || count > (c.end - c.pos) / (2 * field)) {
        fmt_snprintf(w->msg, w->msz, ".eh_frame_hdr table runs past its end");
        return -1;
    }
    for (uint64_t i = 0; i < count; i++) {
        uint64_t initial, fde;
        rc = eh_read_encoded(&c, table_enc, true, &initial);
        if (rc == EH_OK)
            rc = eh_read_encoded(&c, table_enc, true, &fde);
        if (rc == EH_UNSUPPORTED && i == 0)
            return 1;
        if (rc != EH_OK) {
            fmt_snprintf(w->msg, w->msz, ".eh_frame_hdr table entry %llu unreadable",
                         (unsigned long long)i);
            return -1;
        }
        if (fde < w->vaddr || fde - w->vaddr >= w->size) {
            fmt_snprintf(w->msg, w->msz, ".eh_frame_hdr entry %llu points outside .eh_frame",
                         (unsigned long long)i);
            return -1;
        }
        if (add_fde(w, out, w->offset + (fde - w->vaddr), true, initial) != 0)
            return -1;
    }
    w->info->from_header_table = true;
    return 0;
}

static bool find_header(struct elf_image *image, struct eh_hdr *hdr) {
    for (size_t i = 0; i < image->segment_count; i++) {
        const struct elf_segment *seg = &image->segments[i];
        if (seg->type == PT_GNU_EH_FRAME && seg->filesz > 0 &&
            span_fits(seg->offset, seg->filesz, image->size)) {
            *hdr = (struct eh_hdr){seg->offset, seg->filesz, seg->vaddr};
            return true;
        }
    }
    const struct elf_section *sec = elf_image_section(image, ".eh_frame_hdr");
    if (sec && sec->type == SHT_PROGBITS && sec->size > 0) {
        *hdr = (struct eh_hdr){sec->offset, sec->size, sec->addr};
        return true;
    }
    return false;
}

static int collect(struct eh_walk *w, struct cand_list *out) {
    struct elf_image *image = w->image;
    struct eh_hdr hdr;
    bool have_hdr = find_header(image, &hdr);
    const struct elf_section *sec = elf_image_section(image, ".eh_frame");
    if (sec && sec->type == SHT_PROGBITS && sec->size > 0) {
        w->offset = sec->offset;
        w->size = sec->size;
        w->vaddr = sec->addr;
    } else if (!have_hdr) {
        fmt_snprintf(w->msg, w->msz, "no .eh_frame section and no PT_GNU_EH_FRAME");
        return 1;
    }
    if (!have_hdr)
        return walk_all(w, out);

    struct eh_cursor c = {.cache = &w->cache,
                          .pos = hdr.offset,
                          .end = hdr.offset + hdr.size,
                          .base_offset = hdr.offset,
                          .base_vaddr = hdr.vaddr,
                          .data_base = hdr.vaddr,
                          .has_data_base = true};
    uint8_t head[4];
    uint64_t frame_vaddr;
    if (cur_bytes(&c, head, sizeof(head)) != EH_OK || head[0] != 1 ||
        eh_read_encoded(&c, head[1], true, &frame_vaddr) != EH_OK) {
        fmt_snprintf(w->msg, w->msz, "unreadable .eh_frame_hdr");
        return -1;
    }
    if (w->size == 0) {
        /* No section headers: .eh_frame runs from where the header says to the end of the
         * segment holding it. */
        uint64_t offset, avail;
        if (elf_image_vaddr_to_offset(image, frame_vaddr, 1, &offset, &avail) != 0) {
            fmt_snprintf(w->msg, w->msz, ".eh_frame_hdr points outside the file");
            return -1;
        }
        w->offset = offset;
        w->size = avail;
        w->vaddr = frame_vaddr;
    }
    int rc = walk_table(w, &hdr, c.pos, head[2], head[3], out);
    if (rc == 1)
        return walk_all(w, out);
    return rc;
}

enum func_source_state eh_frame_collect(struct elf_image *image, struct cand_list *out,
                                        struct func_eh_info *info, char *msg, size_t msz) {
    memset(info, 0, sizeof(*info));
    struct eh_walk w = {.image = image, .info = info, .msg = msg, .msz = msz};
    if (file_cache_init(&w.cache, image->reader) != 0) {
        fmt_snprintf(msg, msz, "out of memory");
        return FUNC_STATE_FAILED;
    }
    size_t before = out->count;
    int rc = collect(&w, out);
    file_cache_fini(&w.cache);
    if (rc == 1)
        return FUNC_STATE_ABSENT;
    if (rc != 0) {
        out->count = before;
        return FUNC_STATE_FAILED;
    }
    if (info->fde_skipped)
        fmt_snprintf(msg, msz, "%zu FDEs (%s), %zu skipped: %s", info->fde_count,
                     info->from_header_table ? "from the .eh_frame_hdr table" : "walked .eh_frame",
                     info->fde_skipped, w.first_refusal);
    else
        fmt_snprintf(msg, msz, "%zu FDEs (%s)", info->fde_count,
                     info->from_header_table ? "from the .eh_frame_hdr table" : "walked .eh_frame");
    return FUNC_STATE_USED;
}
