/* enclos-sign: the host-side tool behind `enclos gen-key` and `enclos sign` (and `show`,
 * `self-test`). Every error is one line "enclos COMMAND: ..." on stderr and exit status 2. */
#ifndef TOOLS_SIGN_SIGN_TOOL_H
#define TOOLS_SIGN_SIGN_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#define EXIT_BAD_INPUT 2

/* The subcommand being run, for messages ("sign", "gen-key", ...). */
extern const char *g_command;

/* Prints "enclos COMMAND: MESSAGE" and returns -1. */
int fail(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* The same, with OpenSSL's last error appended. */
int fail_openssl(const char *what);

/* A whole file in a malloc'd buffer (NUL-terminated, not counted in size). At most max_size
 * bytes; 0 on success, else -1 after fail(). what names the file in messages. */
int read_whole_file(const char *path, const char *what, size_t max_size, uint8_t **data,
                    size_t *size);
/* Writes data to path through a temporary file and a rename, so that a failed write never
 * leaves half a file behind. */
int write_file_atomically(const char *path, const void *data, size_t size);
/* SHA-256 of a file's contents. */
int hash_file(const char *path, uint8_t digest[32]);

/* The key: RSA-3072 with exponent 3 (anything else is refused with a reason). */
EVP_PKEY *load_signing_key(const char *path);

/* Subcommands; each returns the exit status. */
int command_gen_key(int argc, char **argv);
int command_sign(int argc, char **argv);
int command_show(int argc, char **argv);
int command_self_test(int argc, char **argv);

/* The .manifest.sgx blob made from a manifest (manifest_sgx.c). */
struct signed_manifest {
    char *text; /* the manifest, then the trusted-file hashes; malloc'd */
    size_t size;
    size_t trusted_files;
    uint64_t enclave_size; /* sgx.enclave_size, or the default of the mode */
    bool edmm;
    uint64_t max_threads; /* sgx.max_threads, 0 when unset */
    uint16_t isvprodid, isvsvn;
};
int make_signed_manifest(const char *manifest_path, struct signed_manifest *out);
void free_signed_manifest(struct signed_manifest *sm);

/* Fills the SIGSTRUCT's MODULUS, SIGNATURE, Q1 and Q2 by signing its HEADER and BODY. */
struct sgx_sigstruct;
int sign_sigstruct(struct sgx_sigstruct *s, EVP_PKEY *key);

#endif
