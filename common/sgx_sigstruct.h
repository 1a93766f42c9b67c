/* SIGSTRUCT, the enclave signature structure (Intel SDM vol. 3D, "Enclave Signature
 * Structure"), and EINIT's check of it: an RSA-3072 signature with exponent 3 over its
 * HEADER (bytes 0..127) and BODY (bytes 900..1027), verified with the precomputed quotients
 * Q1 and Q2 so that only multiplication, subtraction and comparison are needed. All numbers
 * are little-endian. */
#ifndef COMMON_SGX_SIGSTRUCT_H
#define COMMON_SGX_SIGSTRUCT_H

#include <stddef.h>
#include <stdint.h>

#define SGX_RSA_KEY_SIZE 384 /* bytes of a 3072-bit modulus */
#define SGX_RSA_EXPONENT 3

/* SECS.ATTRIBUTES.FLAGS bits. */
#define SGX_ATTR_INIT 0x01ULL
#define SGX_ATTR_DEBUG 0x02ULL
#define SGX_ATTR_MODE64BIT 0x04ULL
/* XFRM: x87 and SSE state, the least an enclave may have. */
#define SGX_XFRM_LEGACY 0x03ULL

#define SGX_SIGSTRUCT_VENDOR_INTEL 0x8086
#define SGX_SIGSTRUCT_HEADER_SIZE 128 /* signed: bytes 0..127 */
#define SGX_SIGSTRUCT_BODY_OFFSET 900 /* signed: bytes 900..1027 */
#define SGX_SIGSTRUCT_BODY_SIZE 128

extern const uint8_t sgx_sigstruct_header[16];
extern const uint8_t sgx_sigstruct_header2[16];

struct sgx_attributes {
    uint64_t flags;
    uint64_t xfrm;
};

struct sgx_sigstruct {
    uint8_t header[16];
    uint32_t vendor; /* 0, or 0x8086 for Intel's enclaves */
    uint32_t date;   /* 0xYYYYMMDD, each digit one hex nibble */
    uint8_t header2[16];
    uint32_t swdefined;
    uint8_t reserved1[84];
    uint8_t modulus[SGX_RSA_KEY_SIZE];
    uint32_t exponent; /* 3 */
    uint8_t signature[SGX_RSA_KEY_SIZE];
    uint32_t miscselect;
    uint32_t miscmask;
    uint8_t reserved2[20];
    struct sgx_attributes attributes;
    struct sgx_attributes attributemask;
    uint8_t enclavehash[32]; /* MRENCLAVE */
    uint8_t reserved3[32];
    uint16_t isvprodid;
    uint16_t isvsvn;
    uint8_t reserved4[12];
    uint8_t q1[SGX_RSA_KEY_SIZE]; /* floor(signature^2 / modulus) */
    uint8_t q2[SGX_RSA_KEY_SIZE]; /* floor(signature * (signature^2 mod modulus) / modulus) */
};

_Static_assert(sizeof(struct sgx_sigstruct) == 1808, "SIGSTRUCT is 1808 bytes");
_Static_assert(__builtin_offsetof(struct sgx_sigstruct, vendor) == 16, "VENDOR");
_Static_assert(__builtin_offsetof(struct sgx_sigstruct, header2) == 24, "HEADER2");
_Static_assert(__builtin_offsetof(struct sgx_sigstruct, swdefined) == 40, "SWDEFINED");
_Static_assert(__builtin_offsetof(struct sgx_sigstruct, modulus) == 128, "MODULUS");
_Static_assert(__builtin_offsetof(struct sgx_sigstruct, exponent) == 512, "EXPONENT");
_Static_assert(__builtin_offsetof(struct sgx_sigstruct, signature) == 516, "SIGNATURE");
_Static_assert(__builtin_offsetof(struct sgx_sigstruct, miscselect) == 900, "MISCSELECT");
_Static_assert(__builtin_offsetof(struct sgx_sigstruct, attributes) == 928, "ATTRIBUTES");
_Static_assert(__builtin_offsetof(struct sgx_sigstruct, attributemask) == 944, "ATTRIBUTEMASK");
_Static_assert(__builtin_offsetof(struct sgx_sigstruct, enclavehash) == 960, "ENCLAVEHASH");
_Static_assert(__builtin_offsetof(struct sgx_sigstruct, isvprodid) == 1024, "ISVPRODID");
_Static_assert(__builtin_offsetof(struct sgx_sigstruct, isvsvn) == 1026, "ISVSVN");
_Static_assert(__builtin_offsetof(struct sgx_sigstruct, q1) == 1040, "Q1");
_Static_assert(__builtin_offsetof(struct sgx_sigstruct, q2) == 1424, "Q2");

/* Zeroes s and sets the two fixed headers and the exponent. */
void sgx_sigstruct_init(struct sgx_sigstruct *s);

/* SHA-256 of the signed bytes: HEADER (0..127) then BODY (900..1027). */
void sgx_sigstruct_signed_hash(const struct sgx_sigstruct *s, uint8_t out[32]);

/* EINIT's check: the fixed headers, VENDOR, exponent 3, reserved fields zero, and the RSA
 * signature through Q1 and Q2: s < n, s^2 = Q1*n + r1 and s*r1 = Q2*n + r2 with
 * 0 <= r1, r2 < n, r2 the PKCS#1 v1.5 encoding of the SHA-256 of the signed bytes. Returns
 * 0, or -1 with one line in why ("Q1 does not match the signature", ...). */
int sgx_sigstruct_verify(const struct sgx_sigstruct *s, char *why, size_t whylen);

/* MRSIGNER: the SHA-256 of the modulus (its 384 little-endian bytes). */
void sgx_sigstruct_signer(const struct sgx_sigstruct *s, uint8_t mrsigner[32]);

#endif
