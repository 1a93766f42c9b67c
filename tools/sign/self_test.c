/* enclos-sign self-test: the freestanding SHA-256 and SIGSTRUCT verifier against OpenSSL,
 * which the unit tests cannot link. Prints one line per failure and a summary; exit 0 when
 * every check passed, 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "tools/sign/sign_tool.h"
#include "common/sgx_sigstruct.h"
#include "common/sha256.h"

static unsigned g_checks, g_failures;

static void check(bool ok, const char *what) {
    g_checks++;
    if (!ok) {
        g_failures++;
        printf("FAIL: %s\n", what);
    }
}

/* Random lengths and random splits into update calls, against OpenSSL's SHA256. */
static void test_sha256(void) {
    enum { MAX_LEN = 1 << 16 };
    uint8_t *data = malloc(MAX_LEN);
    if (!data || RAND_bytes(data, MAX_LEN) != 1) {
        check(false, "random test data");
        free(data);
        return;
    }
    for (int round = 0; round < 2000; round++) {
        uint32_t r;
        RAND_bytes((uint8_t *)&r, sizeof(r));
        size_t len = round < 300 ? (size_t)round : r % MAX_LEN;
        uint8_t want[32], got[32];
        SHA256(data, len, want);
        struct sha256_ctx ctx;
        sha256_init(&ctx);
        for (size_t at = 0; at < len;) {
            uint32_t step;
            RAND_bytes((uint8_t *)&step, sizeof(step));
            size_t n = step % 200;
            if (n > len - at)
                n = len - at;
            sha256_update(&ctx, data + at, n);
            at += n;
        }
        sha256_final(&ctx, got);
        check(!memcmp(want, got, 32), "sha256 in pieces equals OpenSSL's SHA256");
        sha256(data, len, got);
        check(!memcmp(want, got, 32), "sha256 in one call equals OpenSSL's SHA256");
    }
    free(data);
}

static void expect_rejected(const struct sgx_sigstruct *good, size_t byte, const char *what) {
    struct sgx_sigstruct bad = *good;
    ((uint8_t *)&bad)[byte] ^= 0x10;
    char why[256];
    char label[160];
    snprintf(label, sizeof(label), "a flipped bit in %s is rejected", what);
    check(sgx_sigstruct_verify(&bad, why, sizeof(why)) < 0, label);
}

/* Sign with a fresh key and OpenSSL, verify with the freestanding verifier. */
static void test_sigstruct(void) {
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    BIGNUM *e = BN_new();
    if (!ctx || !e || !BN_set_word(e, 3) || EVP_PKEY_keygen_init(ctx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 3072) <= 0 ||
        EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e) <= 0 || EVP_PKEY_generate(ctx, &key) <= 0)
        key = NULL;
    BN_free(e);
    EVP_PKEY_CTX_free(ctx);
    check(key != NULL, "generating an RSA-3072 key with exponent 3");
    if (!key)
        return;
    for (int round = 0; round < 8; round++) {
        struct sgx_sigstruct s;
        sgx_sigstruct_init(&s);
        RAND_bytes(s.enclavehash, sizeof(s.enclavehash));
        s.date = 0x20240229;
        s.isvprodid = (uint16_t)round;
        s.attributes.flags = SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT;
        s.attributes.xfrm = SGX_XFRM_LEGACY;
        char why[256] = "";
        check(sign_sigstruct(&s, key) == 0, "signing");
        bool ok = sgx_sigstruct_verify(&s, why, sizeof(why)) == 0;
        check(ok, "an OpenSSL signature verifies");
        if (!ok)
            printf("  (%s)\n", why);
        expect_rejected(&s, offsetof(struct sgx_sigstruct, date), "DATE");
        expect_rejected(&s, offsetof(struct sgx_sigstruct, enclavehash) + 31, "ENCLAVEHASH");
        expect_rejected(&s, offsetof(struct sgx_sigstruct, isvsvn), "ISVSVN");
        expect_rejected(&s, offsetof(struct sgx_sigstruct, signature) + (size_t)round * 40,
                        "SIGNATURE");
        expect_rejected(&s, offsetof(struct sgx_sigstruct, modulus) + (size_t)round * 40,
                        "MODULUS");
        expect_rejected(&s, offsetof(struct sgx_sigstruct, q1) + (size_t)round * 40, "Q1");
        expect_rejected(&s, offsetof(struct sgx_sigstruct, q2) + (size_t)round * 40, "Q2");
    }
    EVP_PKEY_free(key);
}

int command_self_test(int argc, char **argv) {
    (void)argv;
    if (argc != 1) {
        fail("usage: enclos-sign self-test");
        return EXIT_BAD_INPUT;
    }
    test_sha256();
    test_sigstruct();
    printf("self-test: %u checks, %u failed\n", g_checks, g_failures);
    return g_failures ? 1 : 0;
}
