/* unit-sources: common/sha256.c */
/* Tests of SHA-256: the FIPS 180 examples, lengths around every padding boundary (expected
 * values from Python's hashlib), and the same digests through every way of splitting the
 * input over update calls. The comparison with OpenSSL over random inputs is in
 * `enclos-sign self-test`, which links libcrypto. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sha256.h"
#include "tests/unit/check.h"

static void hex_of(const void *data, size_t len, char out[65]) {
    uint8_t digest[32];
    sha256(data, len, digest);
    sha256_hex(digest, out);
}

static void test_fips_examples(void) {
    char hex[65];
    hex_of("", 0, hex);
    CHECK(!strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
          "empty: %s", hex);
    hex_of("abc", 3, hex);
    CHECK(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
          "abc: %s", hex);
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex_of(two_blocks, strlen(two_blocks), hex);
    CHECK(!strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
          "448-bit message: %s", hex);
    const char *long_message = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                               "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    hex_of(long_message, strlen(long_message), hex);
    CHECK(!strcmp(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
          "896-bit message: %s", hex);

    /* A million 'a', fed in uneven pieces. */
    static char a_block[1000];
    memset(a_block, 'a', sizeof(a_block));
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    size_t fed = 0, step = 1;
    while (fed < 1000000) {
        size_t n = step % sizeof(a_block);
        if (n > 1000000 - fed)
            n = 1000000 - fed;
        sha256_update(&ctx, a_block, n);
        fed += n;
        step = step * 7 + 3;
    }
    uint8_t digest[32];
    sha256_final(&ctx, digest);
    sha256_hex(digest, hex);
    CHECK(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
          "a million 'a': %s", hex);
}

/* Byte i of the pattern is i*7+3 (mod 256). */
static const struct {
    size_t len;
    const char *hex;
} pattern_digests[] = {
    {1, "084fed08b978af4d7d196a7446a86b58009e636b611db16211b65a9aadff29c5"},
    {55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"},
    {56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"},
    {57, "35df609437dcfea3279283ab79fd554e2bf78f8f7ae2de532d8ee300b09e8f73"},
    {63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"},
    {64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"},
    {65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"},
    {119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e"},
    {120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5"},
    {127, "a8d23e75d936f303d248888d9b165ee543f4cbafcad3c9dd2a79bd84faa11d07"},
    {128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6"},
    {129, "307f8fc2c1622b92762e818d39a185d4d667ad49a4b07ceae1f4afa008a93ec4"},
    {255, "3c8af6e36699077166f180b277f93992e354c66a63a3541ef18d61524eac85e9"},
    {256, "d9c76fa34978cb9620dab8c3f46bbe075fddc145eb282b39009141f98d0cfe82"},
    {1000, "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371"},
    {4096, "7486da8f1e13943fae21a0b043f1e99640d7d8ebafb25266478b5cddae1272b5"},
};

static uint8_t *pattern(size_t len) {
    uint8_t *p = malloc(len); /* exact size, so that ASan sees any read past the end */
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(i * 7 + 3);
    return p;
}

static void test_padding_boundaries(void) {
    for (size_t t = 0; t < sizeof(pattern_digests) / sizeof(pattern_digests[0]); t++) {
        size_t len = pattern_digests[t].len;
        uint8_t *data = pattern(len);
        char hex[65];
        hex_of(data, len, hex);
        CHECK(!strcmp(hex, pattern_digests[t].hex), "pattern of %zu bytes: %s", len, hex);
        free(data);
    }
}

/* Every split of a 300-byte input into two updates, and byte-at-a-time, give one digest. */
static void test_splits(void) {
    enum { LEN = 300 };
    uint8_t *data = pattern(LEN);
    uint8_t whole[32], part[32];
    sha256(data, LEN, whole);
    for (size_t cut = 0; cut <= LEN; cut++) {
        struct sha256_ctx ctx;
        sha256_init(&ctx);
        sha256_update(&ctx, data, cut);
        sha256_update(&ctx, data + cut, LEN - cut);
        sha256_final(&ctx, part);
        CHECK(!memcmp(whole, part, 32), "split at %zu differs", cut);
    }
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    for (size_t i = 0; i < LEN; i++)
        sha256_update(&ctx, data + i, 1);
    sha256_update(&ctx, data, 0);
    sha256_final(&ctx, part);
    CHECK(!memcmp(whole, part, 32), "byte-at-a-time differs");
    free(data);
}

static void test_hex(void) {
    uint8_t digest[32];
    for (int i = 0; i < 32; i++)
        digest[i] = (uint8_t)(i * 8 + 1);
    char hex[66];
    hex[65] = 'X';
    sha256_hex(digest, hex);
    CHECK(!strcmp(hex, "0109111921293139414951596169717981899199a1a9b1b9c1c9d1d9e1e9f1f9"),
          "hex: %s", hex);
    CHECK(hex[65] == 'X', "sha256_hex wrote past its 65 bytes");
}

int main(void) {
    test_fips_examples();
    test_padding_boundaries();
    test_splits();
    test_hex();
    return unit_report("test_sha256");
}
