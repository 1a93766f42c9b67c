/* The manifest: a TOML file (docs/manifest.md) that says which program to run and how.
 * manifest_parse turns it into struct manifest and validates every key, so that a typo or a
 * wrong type stops enclos with one line naming the file, the line and the key. */
#ifndef LOADER_MANIFEST_H
#define LOADER_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/log.h"

#define MANIFEST_DEFAULT_STACK_SIZE (8ull << 20)   /* Linux's default RLIMIT_STACK */
#define MANIFEST_DEFAULT_BRK_MAX_SIZE (1ull << 30) /* as the built-in manifest (loader) */

enum manifest_pal { MANIFEST_PAL_DIRECT, MANIFEST_PAL_SGX_SIM };

enum manifest_mount_type { MANIFEST_MOUNT_CHROOT };

struct manifest_env {
    char *name;
    char *value;
};

struct manifest_mount {
    char *path;      /* absolute path the app sees, normalized ("/a//b/" becomes "/a/b") */
    char *host_path; /* the uri without "file:"; relative to enclos's working directory */
    enum manifest_mount_type type;
    int line;
};

/* Which keys the manifest set explicitly, so that command-line options and later defaults
 * can tell "left at the default" from "asked for the default value". */
struct manifest_set {
    bool entrypoint, argv, env, insecure_use_host_env, log_level, mounts, start_dir;
    bool stack_size, brk_max_size, max_threads, enclave_size;
    bool syscall_patching, drained_reads, pal, edmm_enable, edmm_preheat_size,
        edmm_lazyfree_threshold;
    bool trusted_files;
};

struct manifest {
    char *entrypoint; /* libos.entrypoint without "file:"; NULL only before parsing */

    char **argv; /* loader.argv; NULL-terminated; NULL when unset */
    size_t argc;
    struct manifest_env *env; /* loader.env.NAME, in document order */
    size_t env_count;
    bool insecure_use_host_env; /* loader.insecure__use_host_env */
    enum log_level log_level;   /* loader.log_level */
    enum manifest_pal pal;      /* loader.pal */

    struct manifest_mount *mounts; /* fs.mounts, in document order */
    size_t mount_count;
    char *start_dir; /* fs.start_dir, normalized; NULL when unset */

    uint64_t stack_size;   /* sys.stack.size, bytes */
    uint64_t brk_max_size; /* sys.brk.max_size, bytes */

    uint64_t max_threads;  /* sgx.max_threads; 0 = unlimited */
    uint64_t enclave_size; /* sgx.enclave_size; 0 = the PAL picks */
    bool edmm_enable;
    uint64_t edmm_preheat_size;
    uint64_t edmm_lazyfree_threshold;
    char **trusted_files; /* sgx.trusted_files without "file:"; NULL-terminated or NULL */
    size_t trusted_file_count;
    /* [sgx.trusted_hashes] (written by enclos sign): host path and SHA-256 in hex, each. */
    char **trusted_hash_paths, **trusted_hashes;
    size_t trusted_hash_count;

    bool syscall_patching; /* libos.syscall_patching */
    bool drained_reads;    /* libos.drained_reads */

    struct manifest_set set;
};

/* Fills m with the defaults (docs/manifest.md) and allocates nothing. */
void manifest_defaults(struct manifest *m);

/* Parses and validates len bytes of TOML text. filename is used only in messages. On
 * success returns 0 and fills m (starting from the defaults). On failure returns -1, writes
 * one line such as "app.manifest.toml:12: unknown key 'sys.stak.size'" to err and leaves m
 * holding the defaults. Either way, release m with manifest_free. */
int manifest_parse(const char *text, size_t len, const char *filename, struct manifest *m,
                   char *err, size_t errsize);

/* Frees what manifest_parse allocated and leaves m holding the defaults. */
void manifest_free(struct manifest *m);

/* Parses a size: an integer number of bytes, optionally followed by K, M, G or T (binary
 * multiples: 1K = 1024) and an optional B, in either case ("8M", "64kb", "4096"). Returns
 * false on anything else and on overflow of 64 bits. */
bool manifest_parse_size(const char *text, uint64_t *bytes);

const char *manifest_log_level_name(enum log_level level);
const char *manifest_pal_name(enum manifest_pal pal);

#endif
