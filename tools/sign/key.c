/* The signing key (RSA-3072, public exponent 3, as SGX requires) and the signature: OpenSSL
 * makes the PKCS#1 v1.5 SHA-256 signature and the quotients Q1 and Q2 that EINIT needs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "tools/sign/sign_tool.h"
#include "common/sgx_sigstruct.h"

#define DEFAULT_KEY_PATH "enclave-key.pem"

/* An encrypted key would make OpenSSL prompt on the terminal; refuse it instead. */
static int no_passphrase(char *buf, int size, int rwflag, void *user) {
    (void)buf, (void)size, (void)rwflag, (void)user;
    return -1;
}

EVP_PKEY *load_signing_key(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fail("key %s: %s", path, strerror(errno));
        return NULL;
    }
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
    fclose(f);
    if (!key) {
        fail("key %s: not an unencrypted PEM private key (make one with 'enclos gen-key')", path);
        return NULL;
    }
    BIGNUM *e = NULL;
    const char *problem = NULL;
    if (!EVP_PKEY_is_a(key, "RSA"))
        problem = "not an RSA key";
    else if (EVP_PKEY_get_bits(key) != 3072)
        problem = "not a 3072-bit RSA key";
    else if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) || !BN_is_word(e, 3))
        problem = "its public exponent is not 3";
    BN_free(e);
    if (problem) {
        fail("key %s: %s; SGX needs RSA-3072 with exponent 3 (make one with 'enclos gen-key')",
             path, problem);
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}

static EVP_PKEY *generate_key(void) {
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    BIGNUM *e = BN_new();
    if (!ctx || !e || !BN_set_word(e, SGX_RSA_EXPONENT) || EVP_PKEY_keygen_init(ctx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 8 * SGX_RSA_KEY_SIZE) <= 0 ||
        EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e) <= 0 || EVP_PKEY_generate(ctx, &key) <= 0) {
        fail_openssl("generating an RSA-3072 key");
        key = NULL;
    }
    BN_free(e);
    EVP_PKEY_CTX_free(ctx);
    return key;
}

int command_gen_key(int argc, char **argv) {
    const char *path = DEFAULT_KEY_PATH;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            path = argv[++i];
        else if (!strncmp(argv[i], "--output=", 9))
            path = argv[i] + 9;
        else {
            fail("unknown argument '%s'; usage: enclos gen-key [-o KEY.pem]", argv[i]);
            return EXIT_BAD_INPUT;
        }
    }
    /* O_EXCL: an existing key is never replaced, not even by a race. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            fail("%s already exists; not overwriting a key (remove it or choose another -o)", path);
        else
            fail("cannot create %s: %s", path, strerror(errno));
        return EXIT_BAD_INPUT;
    }
    EVP_PKEY *key = generate_key();
    FILE *f = fdopen(fd, "w");
    bool ok = key && f && PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    if (key && f && !ok)
        fail_openssl("writing the key");
    if (f ? fclose(f) != 0 : close(fd) != 0) {
        if (ok)
            fail("cannot write %s: %s", path, strerror(errno));
        ok = false;
    }
    EVP_PKEY_free(key);
    if (!ok) {
        unlink(path);
        return EXIT_BAD_INPUT;
    }
    printf("wrote %s (RSA-3072, exponent 3); keep it private\n", path);
    return 0;
}

int sign_sigstruct(struct sgx_sigstruct *s, EVP_PKEY *key) {
    BIGNUM *n = NULL, *sig = BN_new(), *t = BN_new(), *r1 = BN_new(), *q1 = BN_new();
    BIGNUM *q2 = BN_new();
    BN_CTX *bn = BN_CTX_new();
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t big_endian[SGX_RSA_KEY_SIZE];
    size_t len = sizeof(big_endian);
    int r = -1;
    const uint8_t *bytes = (const uint8_t *)s;
    if (!sig || !t || !r1 || !q1 || !q2 || !bn || !md ||
        !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) ||
        BN_bn2lebinpad(n, s->modulus, SGX_RSA_KEY_SIZE) != SGX_RSA_KEY_SIZE) {
        fail_openssl("reading the key's modulus");
        goto out;
    }
    /* The signed bytes exclude MODULUS, SIGNATURE, Q1 and Q2, so they can be filled after. */
    if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) <= 0 ||
        EVP_DigestSignUpdate(md, bytes, SGX_SIGSTRUCT_HEADER_SIZE) <= 0 ||
        EVP_DigestSignUpdate(md, bytes + SGX_SIGSTRUCT_BODY_OFFSET, SGX_SIGSTRUCT_BODY_SIZE) <= 0 ||
        EVP_DigestSignFinal(md, big_endian, &len) <= 0 || len != SGX_RSA_KEY_SIZE) {
        fail_openssl("signing");
        goto out;
    }
    /* Q1 = floor(s^2 / n), Q2 = floor(s * (s^2 mod n) / n). */
    if (!BN_bin2bn(big_endian, SGX_RSA_KEY_SIZE, sig) ||
        BN_bn2lebinpad(sig, s->signature, SGX_RSA_KEY_SIZE) != SGX_RSA_KEY_SIZE ||
        !BN_sqr(t, sig, bn) || !BN_div(q1, r1, t, n, bn) || !BN_mul(t, sig, r1, bn) ||
        !BN_div(q2, NULL, t, n, bn) ||
        BN_bn2lebinpad(q1, s->q1, SGX_RSA_KEY_SIZE) != SGX_RSA_KEY_SIZE ||
        BN_bn2lebinpad(q2, s->q2, SGX_RSA_KEY_SIZE) != SGX_RSA_KEY_SIZE) {
        fail_openssl("computing Q1 and Q2");
        goto out;
    }
    r = 0;
out:
    EVP_MD_CTX_free(md);
    BN_CTX_free(bn);
    BN_free(n);
    BN_free(sig);
    BN_free(t);
    BN_free(r1);
    BN_free(q1);
    BN_free(q2);
    return r;
}
