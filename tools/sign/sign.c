/* enclos sign -m APP.manifest.toml -k KEY.pem [--runtime=PATH] [-o APP.sig]: writes the
 * measured manifest APP.manifest.sgx, computes the enclave's MRENCLAVE exactly as the
 * sgx-sim runtime will while loading (common/enclave_layout.c), and writes APP.sig, a
 * SIGSTRUCT naming that measurement, signed with the key. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tools/sign/sign_tool.h"
#include "common/enclave_layout.h"
#include "common/sgx_sigstruct.h"
#include "common/sha256.h"

#define RUNTIME_NAME "enclos-sgx-sim"
#define MAX_RUNTIME_SIZE (1u << 30)
#define USAGE "usage: enclos sign -m APP.manifest.toml -k KEY.pem [--runtime=PATH] [-o APP.sig]"

struct sign_options {
    const char *manifest, *key, *runtime, *output;
};

/* Each option as "-m X", "--manifest X" or "--manifest=X". */
static int parse_options(int argc, char **argv, struct sign_options *o) {
    const struct {
        const char *short_name, *long_name;
        const char **value;
    } names[] = {
        {"-m", "--manifest", &o->manifest},
        {"-k", "--key", &o->key},
        {"-o", "--output", &o->output},
        {NULL, "--runtime", &o->runtime},
    };
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = NULL;
        const char **slot = NULL;
        for (size_t n = 0; n < sizeof(names) / sizeof(names[0]) && !slot; n++) {
            size_t len = strlen(names[n].long_name);
            if ((names[n].short_name && !strcmp(arg, names[n].short_name)) ||
                !strcmp(arg, names[n].long_name)) {
                if (i + 1 == argc)
                    return fail("%s needs a value; " USAGE, arg);
                slot = names[n].value;
                value = argv[++i];
            } else if (!strncmp(arg, names[n].long_name, len) && arg[len] == '=') {
                slot = names[n].value;
                value = arg + len + 1;
            }
        }
        if (!slot)
            return fail("unknown argument '%s'; " USAGE, arg);
        if (!*value)
            return fail("empty value for '%s'; " USAGE, arg);
        *slot = value;
    }
    if (!o->manifest)
        return fail("no manifest (-m); " USAGE);
    if (!o->key)
        return fail("no key (-k); make one with 'enclos gen-key'; " USAGE);
    return 0;
}

static char *replace_suffix(const char *path, const char *const *suffixes, size_t count,
                            const char *replacement) {
    size_t len = strlen(path);
    char *out;
    for (size_t i = 0; i < count; i++) {
        size_t s = strlen(suffixes[i]);
        if (len > s && !strcmp(path + len - s, suffixes[i])) {
            if (asprintf(&out, "%.*s%s", (int)(len - s), path, replacement) < 0)
                return NULL;
            return out;
        }
    }
    return asprintf(&out, "%s%s", path, replacement) < 0 ? NULL : out;
}

/* APP.manifest.toml and APP.toml give APP.manifest.sgx; anything else gets ".sgx" added. */
static char *manifest_sgx_path(const char *manifest) {
    static const char *const suffixes[] = {".manifest.toml", ".toml"};
    return replace_suffix(manifest, suffixes, 2, ".manifest.sgx");
}

/* APP.manifest.sgx gives APP.sig, the name the runtime looks for. */
static char *signature_path(const char *manifest_sgx) {
    static const char *const suffixes[] = {".manifest.sgx"};
    return replace_suffix(manifest_sgx, suffixes, 1, ".sig");
}

/* enclos-sgx-sim next to this tool. */
static char *default_runtime_path(void) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return strdup(RUNTIME_NAME);
    self[n] = 0;
    char *slash = strrchr(self, '/');
    char *out;
    if (asprintf(&out, "%.*s/%s", slash ? (int)(slash - self) : 1, slash ? self : ".",
                 RUNTIME_NAME) < 0)
        return NULL;
    return out;
}

static uint32_t to_bcd(unsigned value) {
    uint32_t bcd = 0;
    for (unsigned shift = 0; value; shift += 4, value /= 10)
        bcd |= (uint32_t)(value % 10) << shift;
    return bcd;
}

/* DATE: yyyymmdd with one decimal digit per hex nibble. */
static uint32_t today(void) {
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm))
        return 0;
    return to_bcd((unsigned)tm.tm_year + 1900) << 16 | to_bcd((unsigned)tm.tm_mon + 1) << 8 |
           to_bcd((unsigned)tm.tm_mday);
}

static void fill_sigstruct(struct sgx_sigstruct *s, const struct signed_manifest *sm,
                           const uint8_t mrenclave[32]) {
    sgx_sigstruct_init(s);
    s->vendor = 0;
    s->date = today();
    s->miscselect = 0;
    s->miscmask = 0xffffffff;
    /* sgx-sim enclaves are debug enclaves: nothing in them is confidential. */
    s->attributes.flags = SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT;
    s->attributes.xfrm = SGX_XFRM_LEGACY;
    s->attributemask.flags = ~0ULL;
    s->attributemask.xfrm = ~0ULL;
    memcpy(s->enclavehash, mrenclave, 32);
    s->isvprodid = sm->isvprodid;
    s->isvsvn = sm->isvsvn;
}

struct sign_job {
    struct sign_options options;
    char *runtime_path, *sgx_path, *sig_path;
    uint8_t *runtime;
    size_t runtime_size;
    struct signed_manifest manifest;
    EVP_PKEY *key;
};

static int run(struct sign_job *job) {
    struct sign_options *o = &job->options;
    job->key = load_signing_key(o->key);
    if (!job->key)
        return -1;
    job->runtime_path = o->runtime ? strdup(o->runtime) : default_runtime_path();
    job->sgx_path = manifest_sgx_path(o->manifest);
    job->sig_path = o->output ? strdup(o->output) : signature_path(job->sgx_path);
    if (!job->runtime_path || !job->sgx_path || !job->sig_path)
        return fail("out of memory");
    if (!strcmp(job->sgx_path, o->manifest))
        return fail("%s: would be overwritten by its own .manifest.sgx; sign the .manifest.toml",
                    o->manifest);
    if (!strcmp(job->sig_path, o->manifest) || !strcmp(job->sig_path, job->sgx_path))
        return fail("-o %s would overwrite the manifest", job->sig_path);
    if (access(job->runtime_path, F_OK) != 0 && !o->runtime)
        return fail("the runtime %s does not exist; build it (make) or pass --runtime=PATH",
                    job->runtime_path);
    if (read_whole_file(job->runtime_path, "runtime", MAX_RUNTIME_SIZE, &job->runtime,
                        &job->runtime_size) < 0)
        return -1;
    if (make_signed_manifest(o->manifest, &job->manifest) < 0)
        return -1;

    const struct signed_manifest *sm = &job->manifest;
    struct enclave_layout_input in = {
        .runtime_elf = job->runtime,
        .runtime_elf_size = job->runtime_size,
        .manifest = (const uint8_t *)sm->text,
        .manifest_size = sm->size,
        .enclave_size = sm->enclave_size,
        .edmm = sm->edmm,
        .thread_slots = enclave_default_slots(sm->max_threads, sm->edmm),
    };
    struct enclave_layout layout;
    char why[256];
    int r = enclave_layout_compute(&in, &layout, why, sizeof(why));
    if (r == ENCLAVE_LAYOUT_TOO_SMALL)
        return fail("%s; raise sgx.enclave_size (or lower sgx.max_threads) in %s", why,
                    o->manifest);
    if (r == ENCLAVE_LAYOUT_BAD_RUNTIME)
        return fail("%s: %s", job->runtime_path, why);
    if (r < 0)
        return fail("%s: %s", o->manifest, why);
    uint8_t mrenclave[32], mrsigner[32];
    if (enclave_measure(&in, &layout, mrenclave) < 0)
        return fail("cannot measure the enclave (runtime %s)", job->runtime_path);

    struct sgx_sigstruct sig;
    fill_sigstruct(&sig, sm, mrenclave);
    if (sign_sigstruct(&sig, job->key) < 0)
        return -1;
    /* The runtime's verifier must accept what OpenSSL signed, or nothing would ever run. */
    if (sgx_sigstruct_verify(&sig, why, sizeof(why)) < 0)
        return fail("internal error: the signature made does not verify (%s)", why);
    sgx_sigstruct_signer(&sig, mrsigner);

    if (write_file_atomically(job->sgx_path, sm->text, sm->size) < 0 ||
        write_file_atomically(job->sig_path, &sig, sizeof(sig)) < 0)
        return -1;
    char hex[65];
    sha256_hex(mrenclave, hex);
    printf("mrenclave: %s\n", hex);
    sha256_hex(mrsigner, hex);
    printf("mrsigner: %s\n", hex);
    printf("enclave: %lu MiB, EDMM %s, %u thread slots, runtime %s\n",
           (unsigned long)(sm->enclave_size >> 20), sm->edmm ? "on" : "off", layout.slot_count,
           job->runtime_path);
    printf("wrote %s (%zu trusted file%s)\n", job->sgx_path, sm->trusted_files,
           sm->trusted_files == 1 ? "" : "s");
    printf("wrote %s\n", job->sig_path);
    return 0;
}

int command_sign(int argc, char **argv) {
    struct sign_job job;
    memset(&job, 0, sizeof(job));
    int r = parse_options(argc, argv, &job.options);
    if (r == 0)
        r = run(&job);
    EVP_PKEY_free(job.key);
    free(job.runtime);
    free(job.runtime_path);
    free(job.sgx_path);
    free(job.sig_path);
    free_signed_manifest(&job.manifest);
    return r < 0 ? EXIT_BAD_INPUT : 0;
}
