/* APP.manifest.sgx, the measured manifest: the manifest's text unchanged, then a
 * [sgx.trusted_hashes] table with the SHA-256 of each trusted file. The manifest is
 * validated by the loader's own parser (loader/manifest.c), so that what the tool signs is
 * what the runtime accepts. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/sign/sign_tool.h"
#include "common/enclave_layout.h"
#include "common/sha256.h"
#include "common/toml.h"
#include "loader/manifest.h"

#define MAX_MANIFEST_SIZE (16u << 20)
#define HASHES_TABLE "sgx.trusted_hashes"

/* Optional 16-bit keys of the SIGSTRUCT: sgx.isvprodid and sgx.isvsvn. */
static int get_u16(const char *path, const struct toml_table *root, const char *key,
                   uint16_t *out) {
    const struct toml_value *v = toml_get_path(root, key);
    *out = 0;
    if (!v)
        return 0;
    if (v->type != TOML_INTEGER || v->as.integer < 0 || v->as.integer > 0xffff)
        return fail("%s:%d: '%s' must be an integer from 0 to 65535", path, v->line, key);
    *out = (uint16_t)v->as.integer;
    return 0;
}

/* A TOML basic string: quotes, backslashes and control characters escaped. */
static void put_toml_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* Relative trusted paths are relative to the manifest's directory. */
static char *resolve_trusted_path(const char *manifest_path, const char *path) {
    const char *slash = strrchr(manifest_path, '/');
    char *resolved;
    if (path[0] == '/' || !slash)
        resolved = strdup(path);
    else if (asprintf(&resolved, "%.*s/%s", (int)(slash - manifest_path), manifest_path, path) < 0)
        resolved = NULL;
    if (!resolved)
        fail("out of memory");
    return resolved;
}

static int append_hashes(const char *manifest_path, const struct manifest *m, FILE *out,
                         size_t *count) {
    fputs("\n# Added by enclos sign: SHA-256 of each trusted file.\n[" HASHES_TABLE "]\n", out);
    *count = 0;
    for (size_t i = 0; i < m->trusted_file_count; i++) {
        const char *path = m->trusted_files[i];
        bool seen = false; /* a key twice would make the TOML invalid */
        for (size_t j = 0; j < i && !seen; j++)
            seen = !strcmp(m->trusted_files[j], path);
        if (seen)
            continue;
        char *resolved = resolve_trusted_path(manifest_path, path);
        uint8_t digest[32];
        char hex[65];
        if (!resolved || hash_file(resolved, digest) < 0) {
            free(resolved);
            return -1;
        }
        free(resolved);
        sha256_hex(digest, hex);
        put_toml_string(out, path);
        fprintf(out, " = \"%s\"\n", hex);
        (*count)++;
    }
    return 0;
}

/* The result must still be one valid manifest (a manifest whose sgx table is inline, for
 * instance, cannot take a [sgx.trusted_hashes] header). */
static int check_result(const char *manifest_path, const struct signed_manifest *sm) {
    struct toml_error error;
    struct toml_table *root = toml_parse(sm->text, sm->size, &error);
    if (!root)
        return fail("%s: adding [" HASHES_TABLE "] makes it invalid TOML (line %d: %s); define "
                    "the sgx keys under an [sgx] header",
                    manifest_path, error.line, error.message);
    const struct toml_value *table = toml_get_path(root, HASHES_TABLE);
    bool ok = table && table->type == TOML_TABLE && table->as.table->count == sm->trusted_files;
    toml_free(root);
    return ok ? 0 : fail("%s: the appended [" HASHES_TABLE "] does not read back", manifest_path);
}

int make_signed_manifest(const char *manifest_path, struct signed_manifest *sm) {
    memset(sm, 0, sizeof(*sm));
    uint8_t *text;
    size_t size;
    if (read_whole_file(manifest_path, "manifest", MAX_MANIFEST_SIZE, &text, &size) < 0)
        return -1;

    struct toml_error error;
    struct toml_table *root = toml_parse((const char *)text, size, &error);
    if (!root) {
        free(text);
        return fail("%s:%d: %s", manifest_path, error.line, error.message);
    }
    int r = 0;
    if (toml_get_path(root, HASHES_TABLE))
        r = fail("%s already has [" HASHES_TABLE "]: sign the .manifest.toml it was made from",
                 manifest_path);
    if (r == 0)
        r = get_u16(manifest_path, root, "sgx.isvprodid", &sm->isvprodid);
    if (r == 0)
        r = get_u16(manifest_path, root, "sgx.isvsvn", &sm->isvsvn);
    toml_free(root);

    struct manifest m;
    manifest_defaults(&m);
    char err[512];
    if (r == 0 && manifest_parse((const char *)text, size, manifest_path, &m, err, sizeof(err)) < 0)
        r = fail("%s", err);
    if (r < 0) {
        manifest_free(&m);
        free(text);
        return -1;
    }
    sm->edmm = m.edmm_enable;
    sm->enclave_size = m.enclave_size ? m.enclave_size : enclave_default_size(m.edmm_enable);
    sm->max_threads = m.max_threads;

    FILE *out = open_memstream(&sm->text, &sm->size);
    if (!out) {
        manifest_free(&m);
        free(text);
        return fail("out of memory");
    }
    fwrite(text, 1, size, out);
    r = append_hashes(manifest_path, &m, out, &sm->trusted_files);
    if (fclose(out) != 0 && r == 0)
        r = fail("out of memory");
    manifest_free(&m);
    free(text);
    if (r == 0)
        r = check_result(manifest_path, sm);
    if (r < 0) {
        free_signed_manifest(sm);
        return -1;
    }
    return 0;
}

void free_signed_manifest(struct signed_manifest *sm) {
    free(sm->text);
    sm->text = NULL;
    sm->size = 0;
}
