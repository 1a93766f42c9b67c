/* unit-sources: common/sgx_sigstruct.c common/sha256.c common/string.c */
/* Tests of SIGSTRUCT checking: a SIGSTRUCT signed by OpenSSL through enclos-sign (the
 * fixture) verifies; one flipped bit anywhere in the bytes EINIT looks at is refused with the
 * matching reason; MRSIGNER and the signed hash are what the SDM says. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/sgx_sigstruct.h"
#include "common/sha256.h"
#include "tests/unit/check.h"
#include "tests/unit/fixtures/sigstruct_sample.h"

static struct sgx_sigstruct sample(void) {
    struct sgx_sigstruct s;
    memcpy(&s, sigstruct_sample, sizeof(s));
    return s;
}

static void test_sample_verifies(void) {
    struct sgx_sigstruct s = sample();
    char why[256] = "";
    CHECK(sgx_sigstruct_verify(&s, why, sizeof(why)) == 0, "the sample does not verify: %s", why);
    uint8_t signer[32];
    char hex[65];
    sgx_sigstruct_signer(&s, signer);
    sha256_hex(signer, hex);
    CHECK(!strcmp(hex, SIGSTRUCT_SAMPLE_MRSIGNER), "MRSIGNER %s", hex);
    sha256_hex(s.enclavehash, hex);
    CHECK(!strcmp(hex, SIGSTRUCT_SAMPLE_MRENCLAVE), "ENCLAVEHASH %s", hex);
    CHECK(s.exponent == 3 && s.vendor == 0, "exponent and vendor");
    CHECK(s.attributes.flags == (SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT) &&
              s.attributes.xfrm == SGX_XFRM_LEGACY,
          "attributes");
}

static void expect_refused(const struct sgx_sigstruct *s, const char *reason, const char *what) {
    char why[256] = "";
    CHECK(sgx_sigstruct_verify(s, why, sizeof(why)) < 0, "%s: accepted", what);
    CHECK(strstr(why, reason) != NULL, "%s: reason '%s' lacks '%s'", what, why, reason);
}

static void flip(struct sgx_sigstruct *s, size_t offset) {
    ((uint8_t *)s)[offset] ^= 0x01;
}

static void test_flipped_fields(void) {
    static const struct {
        size_t offset;
        const char *reason, *what;
    } cases[] = {
        {0, "HEADER", "HEADER"},
        {24, "HEADER", "HEADER2"},
        {16, "VENDOR", "VENDOR"},
        {offsetof(struct sgx_sigstruct, exponent), "exponent", "EXPONENT"},
        {50, "reserved", "RESERVED (44..127)"},
        {offsetof(struct sgx_sigstruct, reserved4) + 11, "reserved", "RESERVED (1028..1039)"},
        {20, "signed fields", "DATE"},
        {40, "signed fields", "SWDEFINED"},
        {900, "signed fields", "MISCSELECT"},
        {928, "signed fields", "ATTRIBUTES"},
        {960, "signed fields", "ENCLAVEHASH, first byte"},
        {991, "signed fields", "ENCLAVEHASH, last byte"},
        {1024, "signed fields", "ISVPRODID"},
        {1027, "signed fields", "ISVSVN"},
        {offsetof(struct sgx_sigstruct, signature), "Q1", "SIGNATURE"},
        {offsetof(struct sgx_sigstruct, q1) + 100, "Q1", "Q1"},
        {offsetof(struct sgx_sigstruct, q2), "Q2", "Q2"},
        {offsetof(struct sgx_sigstruct, modulus) + 200, "", "MODULUS"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sgx_sigstruct s = sample();
        flip(&s, cases[i].offset);
        expect_refused(&s, cases[i].reason, cases[i].what);
    }
}

/* Every byte EINIT reads, one bit flipped at a time: nothing is left unchecked. */
static void test_every_byte(void) {
    unsigned accepted = 0;
    for (size_t offset = 0; offset < sizeof(struct sgx_sigstruct); offset++) {
        struct sgx_sigstruct s = sample();
        flip(&s, offset);
        char why[256];
        if (sgx_sigstruct_verify(&s, why, sizeof(why)) == 0) {
            accepted++;
            printf("a flipped bit at byte %zu is accepted\n", offset);
        }
    }
    CHECK(accepted == 0, "%u flipped bytes accepted", accepted);
}

static void test_out_of_range(void) {
    struct sgx_sigstruct s = sample();
    memcpy(s.signature, s.modulus, sizeof(s.signature));
    expect_refused(&s, "not below the modulus", "signature = modulus");
    s = sample();
    s.modulus[SGX_RSA_KEY_SIZE - 1] &= 0x7f;
    expect_refused(&s, "3072-bit", "a 3071-bit modulus");
    s = sample();
    memset(s.q1, 0xff, sizeof(s.q1));
    expect_refused(&s, "Q1", "Q1 too large");
    s = sample();
    memset(s.q2, 0, sizeof(s.q2));
    expect_refused(&s, "Q2", "Q2 zero");

    /* A short reason buffer is filled and terminated, never overrun. */
    s = sample();
    s.exponent = 65537;
    char why[8];
    memset(why, 'x', sizeof(why));
    CHECK(sgx_sigstruct_verify(&s, why, 6) < 0, "exponent 65537 accepted");
    CHECK(why[5] == 0 && why[6] == 'x', "short reason buffer");
}

static void test_init_and_hash(void) {
    struct sgx_sigstruct s;
    memset(&s, 0x5a, sizeof(s));
    sgx_sigstruct_init(&s);
    static const uint8_t header[16] = {6, 0, 0, 0, 0xe1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0};
    static const uint8_t header2[16] = {1, 1, 0, 0, 0x60, 0, 0, 0, 0x60, 0, 0, 0, 1, 0, 0, 0};
    CHECK(!memcmp(s.header, header, 16) && !memcmp(s.header2, header2, 16), "headers");
    CHECK(s.exponent == 3 && s.vendor == 0 && s.isvsvn == 0 && s.q2[383] == 0, "the rest zeroed");

    struct sgx_sigstruct sig = sample();
    uint8_t signed_bytes[256], want[32], got[32];
    memcpy(signed_bytes, &sig, 128);
    memcpy(signed_bytes + 128, (const uint8_t *)&sig + 900, 128);
    sha256(signed_bytes, sizeof(signed_bytes), want);
    sgx_sigstruct_signed_hash(&sig, got);
    CHECK(!memcmp(want, got, 32), "the signed hash covers bytes 0..127 and 900..1027");
}

int main(void) {
    test_sample_verifies();
    test_flipped_fields();
    test_every_byte();
    test_out_of_range();
    test_init_and_hash();
    return unit_report("test_sigstruct");
}
