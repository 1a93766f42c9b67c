/* Placement and measurement of the sgx-sim initial enclave (enclave_layout.h). The runtime
 * ELF comes from a file the host controls, so every field read from it is bounds-checked
 * before use: a malformed file is an error with a reason, never a wild read. */
#include "common/enclave_layout.h"
#include "common/elf_check.h"
#include "common/fmt.h"
#include "common/sgx_measure.h"
#include "common/string.h"

#define PAGE ENCLAVE_PAGE_SIZE
#define EINVAL 22

_Static_assert(ENCLAVE_PAGE_SIZE == SGX_PAGE_SIZE, "one page size");
_Static_assert(ENCLAVE_SLOT_SIZE % ENCLAVE_PAGE_SIZE == 0, "slots are whole pages");

/* The PT_LOAD segments of the runtime that occupy memory, checked against the file. */
struct runtime_image {
    Elf64_Phdr loads[ELF_MAX_PHDRS];
    unsigned load_count;
    uint64_t size;  /* page-rounded end of the highest segment; the image starts at 0 */
    uint64_t entry; /* e_entry, inside the image */
};

static uint64_t page_round_up(uint64_t n) {
    return (n + PAGE - 1) & ~(PAGE - 1);
}

static int fail(char *why, size_t whylen, int error, const char *message) {
    str_copy(why, message, whylen);
    return error;
}

static int parse_runtime(const uint8_t *elf, size_t elf_size, struct runtime_image *img, char *why,
                         size_t whylen) {
    if (!elf || elf_size == 0)
        return fail(why, whylen, ENCLAVE_LAYOUT_BAD_RUNTIME, "the runtime image is empty");
    struct elf_info info;
    char reason[160];
    if (elf_check(elf, elf_size, elf_size, &info, reason, sizeof(reason)) < 0) {
        fmt_snprintf(why, whylen, "the runtime image: %s", reason);
        return ENCLAVE_LAYOUT_BAD_RUNTIME;
    }
    if (!info.pie || info.has_interp)
        return fail(why, whylen, ENCLAVE_LAYOUT_BAD_RUNTIME,
                    "the runtime image is not a static PIE");
    if (info.min_vaddr != 0)
        return fail(why, whylen, ENCLAVE_LAYOUT_BAD_RUNTIME,
                    "the runtime image's first segment does not start at address 0");
    img->load_count = 0;
    for (unsigned i = 0; i < info.phnum && i < ELF_MAX_PHDRS; i++) {
        const Elf64_Phdr *ph = &info.phdrs[i];
        if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
            continue;
        /* elf_check checked these too; the copy below relies on them, so they stay here. */
        if (ph->p_filesz > ph->p_memsz || ph->p_offset > elf_size ||
            ph->p_filesz > elf_size - ph->p_offset || ph->p_vaddr > info.max_vaddr ||
            ph->p_memsz > info.max_vaddr - ph->p_vaddr)
            return fail(why, whylen, ENCLAVE_LAYOUT_BAD_RUNTIME,
                        "the runtime image has a segment outside its file or image");
        img->loads[img->load_count++] = *ph;
    }
    img->size = info.max_vaddr;
    img->entry = info.entry;
    if (img->size == 0 || img->entry >= img->size)
        return fail(why, whylen, ENCLAVE_LAYOUT_BAD_RUNTIME,
                    "the runtime image's entry point is outside its segments");
    return 0;
}

/* The page's SECINFO permissions and bytes (page may be NULL); -1 when no segment has it. */
static int runtime_page(const struct runtime_image *img, const uint8_t *elf, uint64_t offset,
                        uint8_t *page) {
    if (page)
        memset(page, 0, PAGE);
    int perms = -1;
    for (unsigned i = 0; i < img->load_count; i++) {
        const Elf64_Phdr *ph = &img->loads[i];
        if (offset >= ph->p_vaddr + ph->p_memsz || offset + PAGE <= ph->p_vaddr)
            continue;
        perms = (perms < 0 ? 0 : perms) | (ph->p_flags & PF_R ? (int)SGX_SECINFO_R : 0) |
                (ph->p_flags & PF_W ? (int)SGX_SECINFO_W : 0) |
                (ph->p_flags & PF_X ? (int)SGX_SECINFO_X : 0);
        uint64_t lo = offset > ph->p_vaddr ? offset : ph->p_vaddr;
        uint64_t file_end = ph->p_vaddr + ph->p_filesz;
        uint64_t hi = offset + PAGE < file_end ? offset + PAGE : file_end;
        if (page && lo < hi)
            memcpy(page + (lo - offset), elf + ph->p_offset + (lo - ph->p_vaddr), hi - lo);
    }
    return perms;
}

unsigned enclave_default_slots(uint64_t max_threads, bool edmm) {
    if (max_threads == 0)
        return edmm ? ENCLAVE_DEFAULT_SLOTS_EDMM : ENCLAVE_DEFAULT_SLOTS_SGX1;
    return max_threads > UINT32_MAX ? UINT32_MAX : (unsigned)max_threads;
}

uint64_t enclave_default_size(bool edmm) {
    return edmm ? ENCLAVE_DEFAULT_SIZE_EDMM : ENCLAVE_DEFAULT_SIZE_SGX1;
}

static int place(const struct enclave_layout_input *in, const struct runtime_image *img,
                 struct enclave_layout *layout, char *why, size_t whylen) {
    uint64_t size = in->enclave_size;
    if (size < ENCLAVE_MIN_SIZE || size > ENCLAVE_MAX_SIZE || (size & (size - 1)) != 0) {
        fmt_snprintf(why, whylen,
                     "the enclave size %#lx is not a power of two between 16 MiB and 64 TiB",
                     (unsigned long)size);
        return ENCLAVE_LAYOUT_BAD_INPUT;
    }
    if (in->thread_slots == 0)
        return fail(why, whylen, ENCLAVE_LAYOUT_BAD_INPUT,
                    "an enclave needs at least one thread slot");
    if (in->manifest_size && !in->manifest)
        return fail(why, whylen, ENCLAVE_LAYOUT_BAD_INPUT, "the manifest has a size but no bytes");
    /* Each part is below 2^47 and there are few of them: no sum below can overflow. */
    uint64_t manifest_pages = page_round_up(in->manifest_size > size ? size : in->manifest_size);
    uint64_t slots = (uint64_t)in->thread_slots * ENCLAVE_SLOT_SIZE;
    uint64_t region = img->size + PAGE + manifest_pages + PAGE + slots + PAGE;
    if (in->manifest_size > size || region + ENCLAVE_HEAP_OFFSET + PAGE > size) {
        fmt_snprintf(why, whylen,
                     "an enclave of %lu MiB is too small for the runtime (%lu KiB), the manifest "
                     "(%lu KiB) and %u thread slots (%lu KiB)",
                     (unsigned long)(size >> 20), (unsigned long)(img->size >> 10),
                     (unsigned long)(manifest_pages >> 10), in->thread_slots,
                     (unsigned long)(slots >> 10));
        return ENCLAVE_LAYOUT_TOO_SMALL;
    }
    memset(layout, 0, sizeof(*layout));
    layout->runtime_offset = size - img->size;
    layout->runtime_size = img->size;
    layout->manifest_size = manifest_pages;
    layout->manifest_offset = layout->runtime_offset - PAGE - manifest_pages;
    layout->slot_size = ENCLAVE_SLOT_SIZE;
    layout->slot_count = in->thread_slots;
    layout->slots_offset = layout->manifest_offset - PAGE - slots;
    layout->heap_offset = ENCLAVE_HEAP_OFFSET;
    layout->heap_end = layout->slots_offset - PAGE;
    layout->entry_offset = layout->runtime_offset + img->entry;
    return 0;
}

int enclave_layout_compute(const struct enclave_layout_input *in, struct enclave_layout *layout,
                           char *why, size_t whylen) {
    struct runtime_image img;
    int r = parse_runtime(in->runtime_elf, in->runtime_elf_size, &img, why, whylen);
    return r < 0 ? r : place(in, &img, layout, why, whylen);
}

int enclave_runtime_page(const struct enclave_layout_input *in, uint64_t offset,
                         uint8_t page[ENCLAVE_PAGE_SIZE]) {
    struct runtime_image img;
    char why[8];
    if (parse_runtime(in->runtime_elf, in->runtime_elf_size, &img, why, sizeof(why)) < 0 ||
        offset % PAGE != 0 || offset >= img.size) {
        memset(page, 0, PAGE);
        return -1;
    }
    return runtime_page(&img, in->runtime_elf, offset, page);
}

void enclave_tcs_init(const struct enclave_layout *layout, uint64_t slot_offset,
                      struct enclave_tcs *tcs) {
    memset(tcs, 0, sizeof(*tcs));
    tcs->ossa = slot_offset + ENCLAVE_SLOT_SSA_OFFSET;
    tcs->cssa = 0;
    tcs->nssa = ENCLAVE_SSA_FRAME_PAGES;
    tcs->oentry = layout->entry_offset;
    tcs->ogsbase = slot_offset + ENCLAVE_SLOT_CONTROL_OFFSET;
    tcs->fslimit = 0xffffffff;
    tcs->gslimit = 0xffffffff;
}

static bool same_layout(const struct enclave_layout *a, const struct enclave_layout *b) {
    return a->runtime_offset == b->runtime_offset && a->runtime_size == b->runtime_size &&
           a->manifest_offset == b->manifest_offset && a->manifest_size == b->manifest_size &&
           a->slots_offset == b->slots_offset && a->slot_size == b->slot_size &&
           a->slot_count == b->slot_count && a->heap_offset == b->heap_offset &&
           a->heap_end == b->heap_end && a->entry_offset == b->entry_offset;
}

static void measure_pages(struct sgx_measure *m, uint64_t start, uint64_t end, uint64_t flags) {
    for (uint64_t offset = start; offset < end; offset += PAGE)
        measure_eadd(m, offset, flags);
}

static void measure_slot(struct sgx_measure *m, const struct enclave_layout *layout,
                         uint64_t base) {
    const uint64_t rw = SGX_SECINFO(SGX_PT_REG, SGX_SECINFO_R | SGX_SECINFO_W);
    struct enclave_tcs tcs;
    measure_pages(m, base + ENCLAVE_SLOT_LIBOS_STACK_OFFSET,
                  base + ENCLAVE_SLOT_LIBOS_STACK_OFFSET + ENCLAVE_SLOT_LIBOS_STACK_SIZE, rw);
    /* The signal stack and the control block above it. */
    measure_pages(m, base + ENCLAVE_SLOT_SIGNAL_STACK_OFFSET,
                  base + ENCLAVE_SLOT_CONTROL_OFFSET + PAGE, rw);
    enclave_tcs_init(layout, base, &tcs);
    measure_add_page(m, base + ENCLAVE_SLOT_TCS_OFFSET, SGX_SECINFO(SGX_PT_TCS, 0), &tcs, true);
    measure_eadd(m, base + ENCLAVE_SLOT_SSA_OFFSET, rw);
}

int enclave_measure(const struct enclave_layout_input *in, const struct enclave_layout *layout,
                    uint8_t mrenclave[32]) {
    struct runtime_image img;
    uint8_t page[PAGE];
    struct enclave_layout expected;
    char why[8];
    if (parse_runtime(in->runtime_elf, in->runtime_elf_size, &img, why, sizeof(why)) < 0 ||
        place(in, &img, &expected, why, sizeof(why)) < 0 || !same_layout(&expected, layout))
        return -EINVAL;

    struct sgx_measure m;
    measure_ecreate(&m, ENCLAVE_SSA_FRAME_PAGES, in->enclave_size);
    for (uint64_t offset = 0; offset < img.size; offset += PAGE) {
        int perms = runtime_page(&img, in->runtime_elf, offset, page);
        if (perms >= 0)
            measure_add_page(&m, layout->runtime_offset + offset,
                             SGX_SECINFO(SGX_PT_REG, (uint64_t)perms), page, true);
    }
    for (uint64_t at = 0; at < layout->manifest_size; at += PAGE) {
        size_t n = in->manifest_size - at < PAGE ? in->manifest_size - at : PAGE;
        memset(page, 0, PAGE);
        memcpy(page, in->manifest + at, n);
        measure_add_page(&m, layout->manifest_offset + at, SGX_SECINFO(SGX_PT_REG, SGX_SECINFO_R),
                         page, true);
    }
    for (unsigned i = 0; i < layout->slot_count; i++)
        measure_slot(&m, layout, layout->slots_offset + (uint64_t)i * layout->slot_size);
    if (!in->edmm)
        measure_pages(&m, layout->heap_offset, layout->heap_end,
                      SGX_SECINFO(SGX_PT_REG, SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X));
    measure_final(&m, mrenclave);
    return 0;
}
