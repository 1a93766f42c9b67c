/* SIGSTRUCT checks as EINIT does them (sgx_sigstruct.h). The RSA arithmetic works on
 * 64-bit limbs, least significant first, with schoolbook multiplication: Q1 and Q2 replace
 * the two modular reductions of s^3 mod n, so no division is needed. */
#include "common/sgx_sigstruct.h"
#include "common/sha256.h"
#include "common/string.h"

#define LIMBS (SGX_RSA_KEY_SIZE / 8)

const uint8_t sgx_sigstruct_header[16] = {0x06, 0x00, 0x00, 0x00, 0xe1, 0x00, 0x00, 0x00,
                                          0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};
const uint8_t sgx_sigstruct_header2[16] = {0x01, 0x01, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00,
                                           0x60, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};

/* The DER DigestInfo prefix of a SHA-256 hash in EMSA-PKCS1-v1_5 (RFC 8017, section 9.2). */
static const uint8_t sha256_digest_info[19] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                               0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                               0x01, 0x05, 0x00, 0x04, 0x20};

void sgx_sigstruct_init(struct sgx_sigstruct *s) {
    memset(s, 0, sizeof(*s));
    memcpy(s->header, sgx_sigstruct_header, sizeof(s->header));
    memcpy(s->header2, sgx_sigstruct_header2, sizeof(s->header2));
    s->exponent = SGX_RSA_EXPONENT;
}

void sgx_sigstruct_signed_hash(const struct sgx_sigstruct *s, uint8_t out[32]) {
    const uint8_t *bytes = (const uint8_t *)s;
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, bytes, SGX_SIGSTRUCT_HEADER_SIZE);
    sha256_update(&ctx, bytes + SGX_SIGSTRUCT_BODY_OFFSET, SGX_SIGSTRUCT_BODY_SIZE);
    sha256_final(&ctx, out);
}

void sgx_sigstruct_signer(const struct sgx_sigstruct *s, uint8_t mrsigner[32]) {
    sha256(s->modulus, sizeof(s->modulus), mrsigner);
}

/* Little-endian bytes (the SIGSTRUCT's numbers) to limbs. */
static void load_le(uint64_t out[LIMBS], const uint8_t in[SGX_RSA_KEY_SIZE]) {
    for (int i = 0; i < LIMBS; i++) {
        uint64_t v = 0;
        for (int b = 7; b >= 0; b--)
            v = v << 8 | in[8 * i + b];
        out[i] = v;
    }
}

/* Big-endian bytes (the PKCS#1 encoded message) to limbs. */
static void load_be(uint64_t out[LIMBS], const uint8_t in[SGX_RSA_KEY_SIZE]) {
    for (int i = 0; i < LIMBS; i++) {
        uint64_t v = 0;
        for (int b = 0; b < 8; b++)
            v = v << 8 | in[SGX_RSA_KEY_SIZE - 8 * (i + 1) + b];
        out[i] = v;
    }
}

static void multiply(uint64_t out[2 * LIMBS], const uint64_t a[LIMBS], const uint64_t b[LIMBS]) {
    for (int i = 0; i < 2 * LIMBS; i++)
        out[i] = 0;
    for (int i = 0; i < LIMBS; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < LIMBS; j++) {
            unsigned __int128 t = (unsigned __int128)a[i] * b[j] + out[i + j] + carry;
            out[i + j] = (uint64_t)t;
            carry = (uint64_t)(t >> 64);
        }
        out[i + LIMBS] = carry;
    }
}

static int compare(const uint64_t *a, const uint64_t *b, int limbs) {
    for (int i = limbs - 1; i >= 0; i--)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

/* a -= b, for a >= b. */
static void subtract(uint64_t *a, const uint64_t *b, int limbs) {
    uint64_t borrow = 0;
    for (int i = 0; i < limbs; i++) {
        uint64_t d = a[i] - b[i] - borrow;
        borrow = (a[i] < b[i]) || (a[i] == b[i] && borrow);
        a[i] = d;
    }
}

/* remainder = x*y - q*n when that lies in [0, n); false when q is not the quotient. */
static bool reduce_with_quotient(uint64_t remainder[LIMBS], const uint64_t x[LIMBS],
                                 const uint64_t y[LIMBS], const uint64_t q[LIMBS],
                                 const uint64_t n[LIMBS]) {
    uint64_t product[2 * LIMBS], qn[2 * LIMBS];
    multiply(product, x, y);
    multiply(qn, q, n);
    if (compare(product, qn, 2 * LIMBS) < 0)
        return false;
    subtract(product, qn, 2 * LIMBS);
    for (int i = LIMBS; i < 2 * LIMBS; i++)
        if (product[i])
            return false;
    if (compare(product, n, LIMBS) >= 0)
        return false;
    for (int i = 0; i < LIMBS; i++)
        remainder[i] = product[i];
    return true;
}

static bool all_zero(const uint8_t *p, size_t n) {
    uint8_t any = 0;
    for (size_t i = 0; i < n; i++)
        any |= p[i];
    return any == 0;
}

static int fail(char *why, size_t whylen, const char *message) {
    str_copy(why, message, whylen);
    return -1;
}

int sgx_sigstruct_verify(const struct sgx_sigstruct *s, char *why, size_t whylen) {
    if (memcmp(s->header, sgx_sigstruct_header, sizeof(s->header)) != 0 ||
        memcmp(s->header2, sgx_sigstruct_header2, sizeof(s->header2)) != 0)
        return fail(why, whylen, "not a SIGSTRUCT: wrong HEADER or HEADER2");
    if (s->vendor != 0 && s->vendor != SGX_SIGSTRUCT_VENDOR_INTEL)
        return fail(why, whylen, "VENDOR is neither 0 nor 0x8086");
    if (s->exponent != SGX_RSA_EXPONENT)
        return fail(why, whylen, "the RSA exponent is not 3");
    if (!all_zero(s->reserved1, sizeof(s->reserved1)) ||
        !all_zero(s->reserved2, sizeof(s->reserved2)) ||
        !all_zero(s->reserved3, sizeof(s->reserved3)) ||
        !all_zero(s->reserved4, sizeof(s->reserved4)))
        return fail(why, whylen, "a reserved field is not zero");

    uint64_t n[LIMBS], sig[LIMBS], q1[LIMBS], q2[LIMBS], r1[LIMBS], r2[LIMBS], expected[LIMBS];
    load_le(n, s->modulus);
    load_le(sig, s->signature);
    load_le(q1, s->q1);
    load_le(q2, s->q2);
    if (n[LIMBS - 1] >> 63 == 0)
        return fail(why, whylen, "the modulus is not a 3072-bit number");
    if (compare(sig, n, LIMBS) >= 0)
        return fail(why, whylen, "the signature is not below the modulus");
    if (!reduce_with_quotient(r1, sig, sig, q1, n))
        return fail(why, whylen, "Q1 does not match the signature and modulus");
    if (!reduce_with_quotient(r2, sig, r1, q2, n))
        return fail(why, whylen, "Q2 does not match the signature and modulus");

    /* EMSA-PKCS1-v1_5: 00 01 FF..FF 00 DigestInfo hash, as a big-endian number. */
    uint8_t encoded[SGX_RSA_KEY_SIZE];
    size_t tail = sizeof(sha256_digest_info) + SHA256_DIGEST_SIZE;
    encoded[0] = 0x00;
    encoded[1] = 0x01;
    memset(encoded + 2, 0xff, SGX_RSA_KEY_SIZE - 3 - tail);
    encoded[SGX_RSA_KEY_SIZE - tail - 1] = 0x00;
    memcpy(encoded + SGX_RSA_KEY_SIZE - tail, sha256_digest_info, sizeof(sha256_digest_info));
    sgx_sigstruct_signed_hash(s, encoded + SGX_RSA_KEY_SIZE - SHA256_DIGEST_SIZE);
    load_be(expected, encoded);
    if (compare(r2, expected, LIMBS) != 0)
        return fail(why, whylen, "the signature does not match the signed fields or the modulus");
    return 0;
}
