/* unit-sources: common/enclave_layout.c common/sgx_measure.c common/sha256.c
 *               common/elf_check.c common/fmt.c common/string.c */
/* Tests of the sgx-sim initial enclave: the placement of a small synthetic runtime, its
 * pages as measured (segments sharing a page, .bss, a gap), MRENCLAVE against a reference
 * written out independently in this file, and malformed runtimes and settings: each an error
 * with a reason, none a crash (mutated ELF headers run under ASan). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/elf.h>

#include "common/enclave_layout.h"
#include "common/sgx_measure.h"
#include "tests/unit/check.h"

#define PAGE 4096
#define FILE_SIZE 0x3010
#define PHNUM 5
#define HEADERS_END (64 + PHNUM * 56)
#define ENTRY 0x2010

/* The synthetic runtime: a static PIE with
 *   R   file 0x0000+0x1200 at 0x0000
 *   RX  file 0x2000+0x0800 at 0x2000
 *   RW  file 0x2900+0x0100 at 0x2900, memsz 0x3000 (.bss up to 0x5900; shares page 0x2000)
 *   R   file 0x3000+0x0010 at 0x8000 (pages 0x6000 and 0x7000 belong to no segment)
 * and a PT_GNU_STACK. The image is 0x9000 bytes. */
static uint8_t g_elf[FILE_SIZE];

static void build_elf(uint8_t *elf) {
    for (int i = 0; i < FILE_SIZE; i++)
        elf[i] = (uint8_t)(i * 13 + 5);
    Elf64_Ehdr eh;
    memset(&eh, 0, sizeof(eh));
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_DYN;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_entry = ENTRY;
    eh.e_phoff = 64;
    eh.e_ehsize = 64;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = PHNUM;
    memcpy(elf, &eh, sizeof(eh));
    const Elf64_Phdr ph[PHNUM] = {
        {PT_LOAD, PF_R, 0x0000, 0x0000, 0x0000, 0x1200, 0x1200, PAGE},
        {PT_LOAD, PF_R | PF_X, 0x2000, 0x2000, 0x2000, 0x0800, 0x0800, PAGE},
        {PT_LOAD, PF_R | PF_W, 0x2900, 0x2900, 0x2900, 0x0100, 0x3000, PAGE},
        {PT_LOAD, PF_R, 0x3000, 0x8000, 0x8000, 0x0010, 0x0010, PAGE},
        {PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16},
    };
    memcpy(elf + 64, ph, sizeof(ph));
}

static Elf64_Phdr *phdr(uint8_t *elf, int i) {
    return (Elf64_Phdr *)(elf + 64 + i * sizeof(Elf64_Phdr));
}

/* The manifest blob: 5000 bytes, the text then zeros; two pages with the padding. */
#define BLOB_SIZE 5000
static const char g_manifest[] = "libos.entrypoint = \"file:/app\"\n";
static uint8_t g_blob[2 * PAGE];

static struct enclave_layout_input input(const uint8_t *elf, size_t elf_size, uint64_t size,
                                         bool edmm, unsigned slots) {
    struct enclave_layout_input in = {elf, elf_size, g_blob, BLOB_SIZE, size, edmm, slots};
    return in;
}

static void test_constants(void) {
    CHECK(ENCLAVE_SLOT_LIBOS_STACK_OFFSET == 0x1000, "LibOS stack after one guard page");
    CHECK(ENCLAVE_SLOT_SIGNAL_STACK_OFFSET == 0x42000, "signal stack after the second guard");
    CHECK(ENCLAVE_SLOT_CONTROL_OFFSET == 0x52000, "control block after the signal stack");
    CHECK(ENCLAVE_SLOT_TCS_OFFSET == 0x53000, "TCS after the control block");
    CHECK(ENCLAVE_SLOT_SSA_OFFSET == 0x54000, "SSA after the TCS");
    CHECK(ENCLAVE_SLOT_SIZE == 0x55000, "a slot is 85 pages");
    CHECK(enclave_default_slots(0, false) == 32, "SGX1 default slots");
    CHECK(enclave_default_slots(0, true) == 4, "EDMM default slots");
    CHECK(enclave_default_slots(7, false) == 7 && enclave_default_slots(7, true) == 7,
          "sgx.max_threads slots");
    CHECK(enclave_default_slots(1ULL << 40, false) == UINT32_MAX, "saturated slots");
    CHECK(enclave_default_size(false) == 256ULL << 20, "SGX1 default size");
    CHECK(enclave_default_size(true) == 64ULL << 30, "EDMM default size");
}

static void test_layout(void) {
    struct enclave_layout_input in = input(g_elf, FILE_SIZE, 16 << 20, false, 2);
    struct enclave_layout l;
    char why[256] = "";
    CHECK(enclave_layout_compute(&in, &l, why, sizeof(why)) == 0, "compute: %s", why);
    CHECK(l.runtime_offset == 0xff7000 && l.runtime_size == 0x9000, "runtime %#lx+%#lx",
          (unsigned long)l.runtime_offset, (unsigned long)l.runtime_size);
    CHECK(l.manifest_offset == 0xff4000 && l.manifest_size == 0x2000, "manifest %#lx+%#lx",
          (unsigned long)l.manifest_offset, (unsigned long)l.manifest_size);
    CHECK(l.slots_offset == 0xf49000 && l.slot_size == 0x55000 && l.slot_count == 2,
          "slots at %#lx", (unsigned long)l.slots_offset);
    CHECK(l.heap_offset == 0x10000 && l.heap_end == 0xf48000, "heap %#lx-%#lx",
          (unsigned long)l.heap_offset, (unsigned long)l.heap_end);
    CHECK(l.entry_offset == 0xff9010, "entry %#lx", (unsigned long)l.entry_offset);

    /* No manifest: its two guard pages stay. */
    in.manifest = NULL;
    in.manifest_size = 0;
    CHECK(enclave_layout_compute(&in, &l, why, sizeof(why)) == 0, "no manifest: %s", why);
    CHECK(l.manifest_size == 0 && l.manifest_offset == 0xff6000, "empty manifest at %#lx",
          (unsigned long)l.manifest_offset);
    CHECK(l.slots_offset == 0xff5000 - 2 * 0x55000, "slots below an empty manifest");
}

static void expect_page(uint64_t offset, int want_perms, const uint8_t *want) {
    uint8_t page[PAGE];
    struct enclave_layout_input in = input(g_elf, FILE_SIZE, 16 << 20, false, 1);
    int perms = enclave_runtime_page(&in, offset, page);
    CHECK(perms == want_perms, "page %#lx: permissions %d, expected %d", (unsigned long)offset,
          perms, want_perms);
    CHECK(!memcmp(page, want, PAGE), "page %#lx: wrong bytes", (unsigned long)offset);
}

/* The runtime's pages as the reference sees them: permissions (or -1) and bytes. */
static int reference_page(uint64_t offset, uint8_t page[PAGE]) {
    memset(page, 0, PAGE);
    switch (offset) {
    case 0x0000:
        memcpy(page, g_elf, PAGE);
        return SGX_SECINFO_R;
    case 0x1000:
        memcpy(page, g_elf + 0x1000, 0x200);
        return SGX_SECINFO_R;
    case 0x2000:
        memcpy(page, g_elf + 0x2000, 0x800);
        memcpy(page + 0x900, g_elf + 0x2900, 0x100);
        return SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X;
    case 0x3000:
    case 0x4000:
    case 0x5000:
        return SGX_SECINFO_R | SGX_SECINFO_W;
    case 0x8000:
        memcpy(page, g_elf + 0x3000, 0x10);
        return SGX_SECINFO_R;
    default:
        return -1;
    }
}

static void test_runtime_pages(void) {
    uint8_t want[PAGE];
    for (uint64_t offset = 0; offset < 0x9000; offset += PAGE) {
        int perms = reference_page(offset, want);
        expect_page(offset, perms, want);
    }
    memset(want, 0, PAGE);
    expect_page(0x9000, -1, want); /* past the image */
    expect_page(0x123, -1, want);  /* not a page boundary */
    struct enclave_layout_input bad = input(g_elf, 100, 16 << 20, false, 1);
    uint8_t page[PAGE];
    CHECK(enclave_runtime_page(&bad, 0, page) == -1, "a truncated runtime gives no page");
}

/* ---- The reference measurement: every record written out as bytes, hashed at once. ---- */

struct log {
    uint8_t *bytes;
    size_t len, capacity;
};

static uint8_t *log_grow(struct log *l, size_t n) {
    if (l->len + n > l->capacity) {
        l->capacity = (l->len + n) * 2;
        l->bytes = realloc(l->bytes, l->capacity);
    }
    uint8_t *p = l->bytes + l->len;
    memset(p, 0, n);
    l->len += n;
    return p;
}

static void put_le(uint8_t *p, uint64_t v, int n) {
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void log_eadd(struct log *l, uint64_t offset, uint64_t flags, const uint8_t *extend) {
    uint8_t *r = log_grow(l, 64);
    memcpy(r, "EADD", 4);
    put_le(r + 8, offset, 8);
    put_le(r + 16, flags, 8);
    for (int c = 0; extend && c < 16; c++) {
        r = log_grow(l, 64 + 256);
        memcpy(r, "EEXTEND", 7);
        put_le(r + 8, offset + 256 * c, 8);
        memcpy(r + 64, extend + 256 * c, 256);
    }
}

static void reference_mrenclave(uint64_t size, bool edmm, unsigned slots, uint8_t out[32]) {
    struct log l = {0};
    uint8_t *r = log_grow(&l, 64);
    memcpy(r, "ECREATE", 7);
    put_le(r + 8, 1, 4);
    put_le(r + 12, size, 8);
    const uint64_t runtime = size - 0x9000;
    uint8_t page[PAGE];
    for (uint64_t offset = 0; offset < 0x9000; offset += PAGE) {
        int perms = reference_page(offset, page);
        if (perms >= 0)
            log_eadd(&l, runtime + offset, 0x200 | (uint64_t)perms, page);
    }
    const uint64_t manifest = runtime - PAGE - 0x2000;
    log_eadd(&l, manifest, 0x201, g_blob);
    log_eadd(&l, manifest + PAGE, 0x201, g_blob + PAGE);
    const uint64_t slot0 = manifest - PAGE - slots * 0x55000;
    for (unsigned s = 0; s < slots; s++) {
        uint64_t base = slot0 + s * 0x55000;
        for (uint64_t p = base + 0x1000; p < base + 0x41000; p += PAGE)
            log_eadd(&l, p, 0x203, NULL);
        for (uint64_t p = base + 0x42000; p < base + 0x53000; p += PAGE)
            log_eadd(&l, p, 0x203, NULL);
        uint8_t tcs[PAGE] = {0};
        put_le(tcs + 16, base + 0x54000, 8);  /* OSSA */
        put_le(tcs + 28, 1, 4);               /* NSSA */
        put_le(tcs + 32, runtime + ENTRY, 8); /* OENTRY */
        put_le(tcs + 56, base + 0x52000, 8);  /* OGSBASE */
        put_le(tcs + 64, 0xffffffff, 4);      /* FSLIMIT */
        put_le(tcs + 68, 0xffffffff, 4);      /* GSLIMIT */
        log_eadd(&l, base + 0x53000, 0x100, tcs);
        log_eadd(&l, base + 0x54000, 0x203, NULL);
    }
    if (!edmm)
        for (uint64_t p = 0x10000; p < slot0 - PAGE; p += PAGE)
            log_eadd(&l, p, 0x207, NULL);
    sha256(l.bytes, l.len, out);
    free(l.bytes);
}

static int measure(const struct enclave_layout_input *in, uint8_t out[32]) {
    struct enclave_layout l;
    char why[256];
    if (enclave_layout_compute(in, &l, why, sizeof(why)) != 0) {
        printf("compute: %s\n", why);
        return -1;
    }
    return enclave_measure(in, &l, out);
}

static void test_mrenclave(void) {
    static const struct {
        uint64_t size;
        bool edmm;
        unsigned slots;
    } cases[] = {{16 << 20, false, 1}, {16 << 20, false, 3}, {32 << 20, true, 2}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct enclave_layout_input in =
            input(g_elf, FILE_SIZE, cases[i].size, cases[i].edmm, cases[i].slots);
        uint8_t want[32], got[32];
        reference_mrenclave(cases[i].size, cases[i].edmm, cases[i].slots, want);
        CHECK(measure(&in, got) == 0, "case %zu: measure failed", i);
        CHECK(!memcmp(want, got, 32), "case %zu: MRENCLAVE differs from the reference", i);
    }
}

static void test_what_changes_mrenclave(void) {
    uint8_t base[32], other[32];
    struct enclave_layout_input in = input(g_elf, FILE_SIZE, 16 << 20, false, 1);
    CHECK(measure(&in, base) == 0, "measure");
    CHECK(measure(&in, other) == 0 && !memcmp(base, other, 32), "measuring twice differs");

    static uint8_t manifest[BLOB_SIZE];
    memcpy(manifest, g_blob, BLOB_SIZE);
    manifest[BLOB_SIZE - 1] ^= 1;
    struct enclave_layout_input changed = in;
    changed.manifest = manifest;
    CHECK(measure(&changed, other) == 0 && memcmp(base, other, 32), "a manifest byte");

    static uint8_t elf[FILE_SIZE];
    memcpy(elf, g_elf, FILE_SIZE);
    elf[0x3005] ^= 1; /* inside the last segment's file bytes */
    changed = in;
    changed.runtime_elf = elf;
    CHECK(measure(&changed, other) == 0 && memcmp(base, other, 32), "a runtime byte");

    changed = in;
    changed.thread_slots = 2;
    CHECK(measure(&changed, other) == 0 && memcmp(base, other, 32), "the slot count");
    changed = in;
    changed.edmm = true;
    CHECK(measure(&changed, other) == 0 && memcmp(base, other, 32), "EDMM");
    changed = in;
    changed.enclave_size = 32 << 20;
    CHECK(measure(&changed, other) == 0 && memcmp(base, other, 32), "the enclave size");

    /* A layout that is not the input's is refused. */
    struct enclave_layout l;
    char why[256];
    CHECK(enclave_layout_compute(&in, &l, why, sizeof(why)) == 0, "compute");
    l.heap_end -= PAGE;
    CHECK(enclave_measure(&in, &l, other) == -22, "a foreign layout is measured");
}

static void expect_error(const struct enclave_layout_input *in, int error, const char *text,
                         const char *what) {
    struct enclave_layout l;
    char why[256] = "";
    int r = enclave_layout_compute(in, &l, why, sizeof(why));
    CHECK(r == error, "%s: returned %d, expected %d (%s)", what, r, error, why);
    CHECK(strstr(why, text) != NULL, "%s: reason '%s' lacks '%s'", what, why, text);
    uint8_t mr[32];
    CHECK(enclave_measure(in, &l, mr) == -22, "%s: measured anyway", what);
}

static void test_bad_settings(void) {
    struct enclave_layout_input in = input(g_elf, FILE_SIZE, 48 << 20, false, 1);
    expect_error(&in, ENCLAVE_LAYOUT_BAD_INPUT, "power of two", "48 MiB");
    in.enclave_size = 8 << 20;
    expect_error(&in, ENCLAVE_LAYOUT_BAD_INPUT, "power of two", "8 MiB");
    in.enclave_size = 0;
    expect_error(&in, ENCLAVE_LAYOUT_BAD_INPUT, "power of two", "size 0");
    in.enclave_size = 1ULL << 50;
    expect_error(&in, ENCLAVE_LAYOUT_BAD_INPUT, "power of two", "2^50");
    in.enclave_size = 16 << 20;
    in.thread_slots = 0;
    expect_error(&in, ENCLAVE_LAYOUT_BAD_INPUT, "thread slot", "no slot");
    in.thread_slots = 100;
    expect_error(&in, ENCLAVE_LAYOUT_TOO_SMALL, "too small", "100 slots in 16 MiB");
    in.thread_slots = UINT32_MAX;
    in.enclave_size = 1ULL << 46;
    expect_error(&in, ENCLAVE_LAYOUT_TOO_SMALL, "too small", "4G slots");
    in = input(g_elf, FILE_SIZE, 16 << 20, false, 1);
    in.manifest = NULL;
    expect_error(&in, ENCLAVE_LAYOUT_BAD_INPUT, "manifest", "manifest size without bytes");
    in = input(g_elf, FILE_SIZE, 16 << 20, false, 1);
    in.manifest_size = (size_t)-1;
    expect_error(&in, ENCLAVE_LAYOUT_TOO_SMALL, "too small", "a huge manifest");

    /* The largest slot count that fits leaves one heap page; one more does not fit. */
    in = input(g_elf, FILE_SIZE, 16 << 20, false, 1);
    uint64_t room = (16 << 20) - 0x10000 - PAGE - (0x9000 + PAGE + 0x2000 + PAGE + PAGE);
    in.thread_slots = (unsigned)(room / 0x55000);
    struct enclave_layout l;
    char why[256] = "";
    CHECK(enclave_layout_compute(&in, &l, why, sizeof(why)) == 0, "%u slots: %s", in.thread_slots,
          why);
    CHECK(l.heap_end > l.heap_offset, "the heap is not empty");
    in.thread_slots++;
    expect_error(&in, ENCLAVE_LAYOUT_TOO_SMALL, "too small", "one slot more");
}

static void expect_bad_runtime(const uint8_t *elf, size_t size, const char *what) {
    struct enclave_layout_input in = input(elf, size, 16 << 20, false, 1);
    expect_error(&in, ENCLAVE_LAYOUT_BAD_RUNTIME, "runtime image", what);
}

static void test_bad_runtimes(void) {
    static uint8_t elf[FILE_SIZE];
    expect_bad_runtime(NULL, 0, "no runtime");
    /* Every truncation: the last segment ends at the end of the file. */
    for (size_t len = 0; len < FILE_SIZE; len++) {
        uint8_t *copy = malloc(len ? len : 1); /* exact size for ASan */
        memcpy(copy, g_elf, len);
        struct enclave_layout_input in = input(copy, len, 16 << 20, false, 1);
        struct enclave_layout l;
        char why[256];
        CHECK(enclave_layout_compute(&in, &l, why, sizeof(why)) == ENCLAVE_LAYOUT_BAD_RUNTIME,
              "truncated to %zu bytes: accepted", len);
        free(copy);
    }

    memcpy(elf, g_elf, FILE_SIZE);
    ((Elf64_Ehdr *)elf)->e_type = ET_EXEC;
    expect_bad_runtime(elf, FILE_SIZE, "ET_EXEC");

    memcpy(elf, g_elf, FILE_SIZE);
    for (int i = 0; i < 4; i++)
        phdr(elf, i)->p_vaddr += 0x10000;
    ((Elf64_Ehdr *)elf)->e_entry += 0x10000;
    expect_bad_runtime(elf, FILE_SIZE, "first segment above 0");

    memcpy(elf, g_elf, FILE_SIZE);
    phdr(elf, 4)->p_type = PT_INTERP;
    phdr(elf, 4)->p_offset = 0x100;
    phdr(elf, 4)->p_filesz = 8;
    expect_bad_runtime(elf, FILE_SIZE, "an interpreter");

    memcpy(elf, g_elf, FILE_SIZE);
    phdr(elf, 1)->p_filesz = 0x900;
    expect_bad_runtime(elf, FILE_SIZE, "filesz > memsz");

    memcpy(elf, g_elf, FILE_SIZE);
    phdr(elf, 3)->p_offset = 0xfffffffffffff000ULL;
    phdr(elf, 3)->p_vaddr = 0xfffffffffffff000ULL + 0x5000;
    expect_bad_runtime(elf, FILE_SIZE, "offset past the end");

    memcpy(elf, g_elf, FILE_SIZE);
    phdr(elf, 2)->p_memsz = 0xffffffffffff0000ULL;
    expect_bad_runtime(elf, FILE_SIZE, "memsz wrapping around");

    memcpy(elf, g_elf, FILE_SIZE);
    ((Elf64_Ehdr *)elf)->e_entry = 0x9000;
    expect_bad_runtime(elf, FILE_SIZE, "entry past the image");

    memcpy(elf, g_elf, FILE_SIZE);
    ((Elf64_Ehdr *)elf)->e_phoff = 0xfffffffffffffff0ULL;
    expect_bad_runtime(elf, FILE_SIZE, "e_phoff wrapping around");

    memcpy(elf, g_elf, FILE_SIZE);
    ((Elf64_Ehdr *)elf)->e_phnum = 0xffff;
    expect_bad_runtime(elf, FILE_SIZE, "65535 program headers");

    memcpy(elf, g_elf, FILE_SIZE);
    elf[EI_CLASS] = ELFCLASS32;
    expect_bad_runtime(elf, FILE_SIZE, "32-bit");
}

/* Random corruption of the headers: whatever is accepted is measured and paged without a
 * read outside the file (ASan would stop the test). */
static void test_mutations(void) {
    srand(12345);
    uint8_t *elf = malloc(FILE_SIZE);
    unsigned accepted = 0;
    for (int round = 0; round < 1000; round++) {
        memcpy(elf, g_elf, FILE_SIZE);
        int flips = 1 + rand() % 4;
        for (int f = 0; f < flips; f++) {
            int at = round % 3 == 0 ? rand() % FILE_SIZE : rand() % HEADERS_END;
            elf[at] ^= (uint8_t)(1u << (rand() % 8));
        }
        /* EDMM: no heap pages to add, so that rounds stay fast. */
        struct enclave_layout_input in = input(elf, FILE_SIZE, 16 << 20, true, 1);
        struct enclave_layout l;
        char why[256];
        if (enclave_layout_compute(&in, &l, why, sizeof(why)) != 0)
            continue;
        accepted++;
        uint8_t mr[32], page[PAGE];
        CHECK(enclave_measure(&in, &l, mr) == 0, "round %d: accepted but not measured", round);
        for (uint64_t offset = 0; offset < l.runtime_size && offset < 64 * PAGE; offset += PAGE)
            enclave_runtime_page(&in, offset, page);
    }
    free(elf);
    CHECK(accepted > 0 && accepted < 1000, "mutations: %u of 1000 accepted", accepted);
}

static void test_tcs(void) {
    struct enclave_layout l = {.entry_offset = 0x123456};
    struct enclave_tcs tcs;
    memset(&tcs, 0xaa, sizeof(tcs));
    enclave_tcs_init(&l, 0x800000, &tcs);
    CHECK(tcs.ossa == 0x854000 && tcs.nssa == 1 && tcs.cssa == 0, "SSA fields");
    CHECK(tcs.oentry == 0x123456 && tcs.ogsbase == 0x852000 && tcs.ofsbase == 0, "entry and bases");
    CHECK(tcs.fslimit == 0xffffffff && tcs.gslimit == 0xffffffff, "limits");
    CHECK(tcs.state == 0 && tcs.flags == 0 && tcs.aep == 0, "state, flags, AEP");
    bool reserved_zero = true;
    for (size_t i = 0; i < sizeof(tcs.reserved); i++)
        reserved_zero &= tcs.reserved[i] == 0;
    CHECK(reserved_zero, "reserved bytes");
}

int main(void) {
    build_elf(g_elf);
    memcpy(g_blob, g_manifest, sizeof(g_manifest));
    test_constants();
    test_layout();
    test_runtime_pages();
    test_mrenclave();
    test_what_changes_mrenclave();
    test_bad_settings();
    test_bad_runtimes();
    test_mutations();
    test_tcs();
    return unit_report("test_enclave_layout");
}
