/* unit-sources: common/sgx_measure.c common/sha256.c */
/* Tests of the MRENCLAVE records: a small enclave measured through the API equals the
 * SHA-256 of the records written out by hand, byte for byte as the SDM lays them out; and
 * the edge cases (zero pages, no EEXTEND, order, every field reaching the hash). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sgx_measure.h"
#include "tests/unit/check.h"

/* The hand-written log: records appended to one buffer, hashed in one call at the end. */
struct log {
    uint8_t bytes[64 * 1024];
    size_t len;
};

static void log_le(struct log *l, size_t at, uint64_t v, int n) {
    for (int i = 0; i < n; i++)
        l->bytes[at + i] = (uint8_t)(v >> (8 * i));
}

static size_t log_record(struct log *l, const char tag[8]) {
    size_t at = l->len;
    memset(l->bytes + at, 0, 64);
    memcpy(l->bytes + at, tag, 8);
    l->len += 64;
    return at;
}

static void log_ecreate(struct log *l, uint32_t ssa, uint64_t size) {
    size_t at = log_record(l, "ECREATE\0");
    log_le(l, at + 8, ssa, 4);
    log_le(l, at + 12, size, 8);
}

static void log_eadd(struct log *l, uint64_t offset, uint64_t flags) {
    size_t at = log_record(l, "EADD\0\0\0\0");
    log_le(l, at + 8, offset, 8);
    log_le(l, at + 16, flags, 8);
}

static void log_eextend(struct log *l, uint64_t offset, const uint8_t *chunk) {
    size_t at = log_record(l, "EEXTEND\0");
    log_le(l, at + 8, offset, 8);
    memcpy(l->bytes + l->len, chunk, 256);
    l->len += 256;
}

static void test_small_enclave(void) {
    static struct log log;
    static uint8_t code[4096], tcs[4096];
    for (int i = 0; i < 4096; i++)
        code[i] = (uint8_t)(i ^ (i >> 8));
    tcs[16] = 0x42;
    static const uint8_t zeros[256];
    const uint64_t size = 1ULL << 24;

    log.len = 0;
    log_ecreate(&log, 1, size);
    log_eadd(&log, 0x10000, 0x205); /* PT_REG, R X */
    for (int c = 0; c < 16; c++)
        log_eextend(&log, 0x10000 + 256 * c, code + 256 * c);
    log_eadd(&log, 0x11000, 0x100); /* PT_TCS */
    for (int c = 0; c < 16; c++)
        log_eextend(&log, 0x11000 + 256 * c, tcs + 256 * c);
    log_eadd(&log, 0x12000, 0x203); /* PT_REG, R W: not extended */
    log_eadd(&log, 0x13000, 0x201); /* a zero page, extended */
    for (int c = 0; c < 16; c++)
        log_eextend(&log, 0x13000 + 256 * c, zeros);
    uint8_t want[32];
    sha256(log.bytes, log.len, want);

    struct sgx_measure m;
    uint8_t got[32];
    measure_ecreate(&m, 1, size);
    measure_add_page(&m, 0x10000, SGX_SECINFO(SGX_PT_REG, SGX_SECINFO_R | SGX_SECINFO_X), code,
                     true);
    measure_add_page(&m, 0x11000, SGX_SECINFO(SGX_PT_TCS, 0), tcs, true);
    measure_add_page(&m, 0x12000, SGX_SECINFO(SGX_PT_REG, SGX_SECINFO_R | SGX_SECINFO_W), NULL,
                     false);
    measure_add_page(&m, 0x13000, SGX_SECINFO(SGX_PT_REG, SGX_SECINFO_R), NULL, true);
    measure_final(&m, got);
    CHECK(!memcmp(want, got, 32), "the enclave's measurement differs from the hand-made log");

    /* The same through the single-record calls. */
    measure_ecreate(&m, 1, size);
    measure_eadd(&m, 0x10000, 0x205);
    for (int c = 0; c < 16; c++)
        measure_eextend(&m, 0x10000 + 256 * c, code + 256 * c);
    measure_eadd(&m, 0x11000, 0x100);
    for (int c = 0; c < 16; c++)
        measure_eextend(&m, 0x11000 + 256 * c, tcs + 256 * c);
    measure_eadd(&m, 0x12000, 0x203);
    measure_eadd(&m, 0x13000, 0x201);
    for (int c = 0; c < 16; c++)
        measure_eextend(&m, 0x13000 + 256 * c, zeros);
    measure_final(&m, got);
    CHECK(!memcmp(want, got, 32), "single records differ from the hand-made log");
}

/* The constants are the SDM's. */
static void test_constants(void) {
    CHECK(SGX_SECINFO_R == 1 && SGX_SECINFO_W == 2 && SGX_SECINFO_X == 4, "R W X");
    CHECK(SGX_SECINFO_PENDING == 8 && SGX_SECINFO_MODIFIED == 16 && SGX_SECINFO_PR == 32,
          "PENDING MODIFIED PR");
    CHECK(SGX_PT_SECS == 0 && SGX_PT_TCS == 1 && SGX_PT_REG == 2 && SGX_PT_VA == 3 &&
              SGX_PT_TRIM == 4,
          "page types");
    CHECK(SGX_SECINFO(SGX_PT_TRIM, SGX_SECINFO_R) == 0x401, "SGX_SECINFO");
}

/* An ECREATE alone, then final: the hash of its one record. */
static void test_ecreate_only(void) {
    uint8_t record[64] = {'E', 'C', 'R', 'E', 'A', 'T', 'E', 0, 7, 0, 0, 0};
    record[12 + 4] = 1; /* SIZE = 1 << 32 */
    uint8_t want[32], got[32];
    sha256(record, sizeof(record), want);
    struct sgx_measure m;
    measure_ecreate(&m, 7, 1ULL << 32);
    measure_final(&m, got);
    CHECK(!memcmp(want, got, 32), "ECREATE record");
    /* ECREATE starts afresh: whatever came before is forgotten. */
    measure_ecreate(&m, 1, 4096);
    measure_eadd(&m, 0, 0x203);
    measure_ecreate(&m, 7, 1ULL << 32);
    measure_final(&m, got);
    CHECK(!memcmp(want, got, 32), "a second ECREATE restarts the measurement");
}

typedef void (*builder)(struct sgx_measure *m);

static void mr_of(builder b, uint8_t out[32]) {
    struct sgx_measure m;
    measure_ecreate(&m, 1, 1ULL << 30);
    b(&m);
    measure_final(&m, out);
}

static const uint64_t RW = SGX_SECINFO(SGX_PT_REG, SGX_SECINFO_R | SGX_SECINFO_W);

static void two_pages(struct sgx_measure *m) {
    measure_add_page(m, 0x20000, RW, NULL, false);
    measure_add_page(m, 0x21000, RW, NULL, false);
}
static void two_pages_swapped(struct sgx_measure *m) {
    measure_add_page(m, 0x21000, RW, NULL, false);
    measure_add_page(m, 0x20000, RW, NULL, false);
}
static void zero_page_extended(struct sgx_measure *m) {
    measure_add_page(m, 0x20000, RW, NULL, true);
}
static void explicit_zero_page_extended(struct sgx_measure *m) {
    static const uint8_t zero[4096];
    measure_add_page(m, 0x20000, RW, zero, true);
}
static void zero_page_not_extended(struct sgx_measure *m) {
    measure_add_page(m, 0x20000, RW, NULL, false);
}
static void page_with_x(struct sgx_measure *m) {
    measure_add_page(m, 0x20000, RW | SGX_SECINFO_X, NULL, false);
}
static void page_as_tcs(struct sgx_measure *m) {
    measure_add_page(m, 0x20000, SGX_SECINFO(SGX_PT_TCS, SGX_SECINFO_R | SGX_SECINFO_W), NULL,
                     false);
}
static void page_far_up(struct sgx_measure *m) {
    measure_add_page(m, 0x20000 | (1ULL << 45), RW, NULL, false);
}
static void page_last_byte_set(struct sgx_measure *m) {
    static uint8_t page[4096];
    page[4095] = 1;
    measure_add_page(m, 0x20000, RW, page, true);
}

static void test_every_input_counts(void) {
    uint8_t a[32], b[32];
    mr_of(zero_page_extended, a);
    mr_of(explicit_zero_page_extended, b);
    CHECK(!memcmp(a, b, 32), "a NULL page is a page of zeros");

    static const struct {
        builder one, other;
        const char *what;
    } differ[] = {
        {two_pages, two_pages_swapped, "the order of EADDs"},
        {zero_page_extended, zero_page_not_extended, "EEXTEND or not"},
        {zero_page_not_extended, page_with_x, "the X permission"},
        {zero_page_not_extended, page_as_tcs, "the page type"},
        {zero_page_not_extended, page_far_up, "a high bit of the offset"},
        {zero_page_extended, page_last_byte_set, "the page's last byte"},
    };
    for (size_t i = 0; i < sizeof(differ) / sizeof(differ[0]); i++) {
        mr_of(differ[i].one, a);
        mr_of(differ[i].other, b);
        CHECK(memcmp(a, b, 32) != 0, "%s does not change MRENCLAVE", differ[i].what);
    }

    /* SSAFRAMESIZE and SIZE reach the hash. */
    struct sgx_measure m;
    measure_ecreate(&m, 1, 1ULL << 30);
    measure_final(&m, a);
    measure_ecreate(&m, 2, 1ULL << 30);
    measure_final(&m, b);
    CHECK(memcmp(a, b, 32) != 0, "SSAFRAMESIZE does not change MRENCLAVE");
    measure_ecreate(&m, 1, 1ULL << 31);
    measure_final(&m, b);
    CHECK(memcmp(a, b, 32) != 0, "SIZE does not change MRENCLAVE");
}

int main(void) {
    test_constants();
    test_small_enclave();
    test_ecreate_only();
    test_every_input_counts();
    return unit_report("test_sgx_measure");
}
