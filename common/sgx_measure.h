/* MRENCLAVE as SGX computes it (Intel SDM vol. 3D, ECREATE, EADD, EEXTEND, EINIT): a SHA-256
 * over one 64-byte record per ECREATE and EADD, and a 64-byte record followed by the 256
 * measured bytes per EEXTEND, finalized by EINIT. Offsets are from the enclave's base. */
#ifndef COMMON_SGX_MEASURE_H
#define COMMON_SGX_MEASURE_H

#include <stdbool.h>
#include <stdint.h>
#include "common/sha256.h"

/* SECINFO.FLAGS (SDM "SECINFO Flags"): permissions, EDMM states, page type in bits 8..15. */
#define SGX_SECINFO_R 0x01ULL
#define SGX_SECINFO_W 0x02ULL
#define SGX_SECINFO_X 0x04ULL
#define SGX_SECINFO_PENDING 0x08ULL
#define SGX_SECINFO_MODIFIED 0x10ULL
#define SGX_SECINFO_PR 0x20ULL
#define SGX_SECINFO_PAGE_TYPE_SHIFT 8
#define SGX_SECINFO_PAGE_TYPE_MASK (0xffULL << SGX_SECINFO_PAGE_TYPE_SHIFT)

/* Page types. */
#define SGX_PT_SECS 0
#define SGX_PT_TCS 1
#define SGX_PT_REG 2
#define SGX_PT_VA 3
#define SGX_PT_TRIM 4

/* SECINFO flags of a page of a type with permissions, e.g. SGX_SECINFO(SGX_PT_REG, R | X). */
#define SGX_SECINFO(page_type, perms)                                                              \
    (((uint64_t)(page_type) << SGX_SECINFO_PAGE_TYPE_SHIFT) | (uint64_t)(perms))

#define SGX_PAGE_SIZE 4096
#define SGX_EEXTEND_CHUNK 256 /* bytes measured by one EEXTEND */

struct sgx_measure {
    struct sha256_ctx sha;
};

/* Starts a measurement, as ECREATE does: SSAFRAMESIZE (in pages) and SIZE of the SECS. */
void measure_ecreate(struct sgx_measure *m, uint32_t ssa_frame_size_pages, uint64_t enclave_size);

/* EADD of the page at offset with SECINFO.FLAGS (the rest of SECINFO is reserved, zero). */
void measure_eadd(struct sgx_measure *m, uint64_t offset, uint64_t secinfo_flags);

/* EEXTEND of the 256 bytes at offset. */
void measure_eextend(struct sgx_measure *m, uint64_t offset,
                     const uint8_t chunk[SGX_EEXTEND_CHUNK]);

/* EADD of one page, then, when extend is set, EEXTEND of its 16 chunks in order. page is
 * SGX_PAGE_SIZE bytes, or NULL for a page of zeros. */
void measure_add_page(struct sgx_measure *m, uint64_t offset, uint64_t secinfo_flags,
                      const void *page, bool extend);

/* EINIT's finalization: the MRENCLAVE. */
void measure_final(struct sgx_measure *m, uint8_t mrenclave[SHA256_DIGEST_SIZE]);

#endif
