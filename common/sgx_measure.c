/* The measurement records, byte for byte as the SDM's ECREATE, EADD and EEXTEND operation
 * sections build TMP_UPDATEFIELD: an 8-byte tag, then little-endian fields, then zeros. */
#include "common/sgx_measure.h"

#define RECORD_SIZE 64

/* "ECREATE\0", "EADD\0\0\0\0" and "EEXTEND\0" read as little-endian 64-bit numbers. */
#define TAG_ECREATE 0x0045544145524345ULL
#define TAG_EADD 0x0000000044444145ULL
#define TAG_EEXTEND 0x00444E4554584545ULL

static void put_le(uint8_t *p, uint64_t v, unsigned bytes) {
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A record: tag, then the first field at byte 8 (size first_bytes), then the second field,
 * zeros to the end. Built word by word: this runs once per enclave page. */
static void hash_record(struct sgx_measure *m, uint64_t tag, uint64_t first, unsigned first_bytes,
                        uint64_t second) {
    uint8_t record[RECORD_SIZE];
    for (unsigned i = 0; i < RECORD_SIZE; i += 8)
        put_le(record + i, 0, 8);
    put_le(record, tag, 8);
    put_le(record + 8, first, first_bytes);
    put_le(record + 8 + first_bytes, second, 8);
    sha256_update(&m->sha, record, sizeof(record));
}

void measure_ecreate(struct sgx_measure *m, uint32_t ssa_frame_size_pages, uint64_t enclave_size) {
    sha256_init(&m->sha);
    /* SSAFRAMESIZE (4 bytes) at byte 8, SIZE (8 bytes) at byte 12. */
    hash_record(m, TAG_ECREATE, ssa_frame_size_pages, 4, enclave_size);
}

void measure_eadd(struct sgx_measure *m, uint64_t offset, uint64_t secinfo_flags) {
    /* The offset at byte 8, then SECINFO's first 48 bytes: FLAGS and reserved zeros. */
    hash_record(m, TAG_EADD, offset, 8, secinfo_flags);
}

void measure_eextend(struct sgx_measure *m, uint64_t offset,
                     const uint8_t chunk[SGX_EEXTEND_CHUNK]) {
    hash_record(m, TAG_EEXTEND, offset, 8, 0);
    sha256_update(&m->sha, chunk, SGX_EEXTEND_CHUNK);
}

void measure_add_page(struct sgx_measure *m, uint64_t offset, uint64_t secinfo_flags,
                      const void *page, bool extend) {
    static const uint8_t zeros[SGX_EEXTEND_CHUNK];
    measure_eadd(m, offset, secinfo_flags);
    if (!extend)
        return;
    const uint8_t *bytes = page;
    for (unsigned at = 0; at < SGX_PAGE_SIZE; at += SGX_EEXTEND_CHUNK)
        measure_eextend(m, offset + at, bytes ? bytes + at : zeros);
}

void measure_final(struct sgx_measure *m, uint8_t mrenclave[SHA256_DIGEST_SIZE]) {
    sha256_final(&m->sha, mrenclave);
}
