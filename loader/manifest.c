/* Manifest validation: a walk over the TOML tree that sends every leaf to the handler of
 * its key in g_rules, so that a key with no rule, at any depth, is an error. */
#include "loader/manifest.h"
#include "common/alloc.h"
#include "common/fmt.h"
#include "common/string.h"
#include "common/toml.h"
#include <stdarg.h>

#define KEY_NAME_MAX 160

struct context {
    const char *filename;
    char *err;
    size_t errsize;
    struct manifest *m;
    int enclave_size_line;
    int preheat_size_line;
};

static int report(struct context *cx, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int report(struct context *cx, int line, const char *fmt, ...) {
    char message[256];
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    if (line > 0)
        fmt_snprintf(cx->err, cx->errsize, "%s:%d: %s", cx->filename, line, message);
    else
        fmt_snprintf(cx->err, cx->errsize, "%s: %s", cx->filename, message);
    return -1;
}

static int out_of_memory(struct context *cx) {
    return report(cx, 0, "out of memory");
}

/* ---- What a wrong value looks like in a message ---- */

static void describe_value(const struct toml_value *v, char *buf, size_t size) {
    switch (v->type) {
    case TOML_STRING: {
        char shown[48];
        size_t n = 0, i = 0;
        for (; i < v->as.string.len && n + 1 < 41; i++) {
            unsigned char c = (unsigned char)v->as.string.data[i];
            shown[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
        }
        shown[n] = 0;
        fmt_snprintf(buf, size, "\"%s%s\"", shown, i < v->as.string.len ? "..." : "");
        return;
    }
    case TOML_INTEGER:
        fmt_snprintf(buf, size, "%ld", (long)v->as.integer);
        return;
    case TOML_BOOLEAN:
        fmt_snprintf(buf, size, "%s", v->as.boolean ? "true" : "false");
        return;
    case TOML_ARRAY:
        fmt_snprintf(buf, size, "%s", v->as.array->count ? "an array" : "an empty array");
        return;
    case TOML_TABLE:
        fmt_snprintf(buf, size, "a table");
        return;
    }
}

static int wrong_value(struct context *cx, const char *key, const struct toml_value *v,
                       const char *expected) {
    char got[64];
    describe_value(v, got, sizeof(got));
    return report(cx, v->line, "'%s' must be %s, got %s", key, expected, got);
}

/* ---- Typed getters ---- */

static int get_string(struct context *cx, const char *key, const struct toml_value *v,
                      const char *expected, const char **out) {
    if (v->type != TOML_STRING)
        return wrong_value(cx, key, v, expected);
    if (strlen(v->as.string.data) != v->as.string.len)
        return report(cx, v->line, "'%s' must not contain a NUL character", key);
    *out = v->as.string.data;
    return 0;
}

static int get_bool(struct context *cx, const char *key, const struct toml_value *v, bool *out) {
    if (v->type != TOML_BOOLEAN)
        return wrong_value(cx, key, v, "true or false");
    *out = v->as.boolean;
    return 0;
}

static const char g_size_expected[] = "a size such as \"8M\"";

static int get_size(struct context *cx, const char *key, const struct toml_value *v,
                    uint64_t *out) {
    if (v->type == TOML_INTEGER && v->as.integer >= 0) {
        *out = (uint64_t)v->as.integer;
        return 0;
    }
    if (v->type == TOML_STRING) {
        const char *text;
        if (get_string(cx, key, v, g_size_expected, &text) < 0)
            return -1;
        if (manifest_parse_size(text, out))
            return 0;
    }
    return wrong_value(cx, key, v, g_size_expected);
}

static int dup_string(struct context *cx, const char *s, char **out) {
    *out = rt_strdup(s);
    return *out ? 0 : out_of_memory(cx);
}

/* Strips the "file:" of a URI; the rest must not be empty. */
static const char *file_uri_path(const char *uri) {
    if (!str_starts_with(uri, "file:") || !uri[5])
        return NULL;
    return uri + 5;
}

/* "/a//b/./c/" becomes "/a/b/c". Returns NULL for relative paths and paths with "..", and
 * sets *out_of_memory when that is why. */
static char *normalize_absolute_path(const char *path, bool *no_memory) {
    *no_memory = false;
    if (path[0] != '/')
        return NULL;
    size_t len = strlen(path);
    char *out = rt_malloc(len + 1);
    if (!out) {
        *no_memory = true;
        return NULL;
    }
    size_t n = 0;
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        const char *start = p;
        while (*p && *p != '/')
            p++;
        size_t part = (size_t)(p - start);
        if (part == 0 || (part == 1 && start[0] == '.'))
            continue;
        if (part == 2 && start[0] == '.' && start[1] == '.') {
            rt_free(out);
            return NULL;
        }
        out[n++] = '/';
        memcpy(out + n, start, part);
        n += part;
    }
    if (n == 0)
        out[n++] = '/';
    out[n] = 0;
    return out;
}

static const char g_path_expected[] = "an absolute path without \"..\" such as \"/data\"";

static int get_absolute_path(struct context *cx, const char *key, const struct toml_value *v,
                             char **out) {
    const char *text;
    if (get_string(cx, key, v, g_path_expected, &text) < 0)
        return -1;
    bool no_memory;
    *out = normalize_absolute_path(text, &no_memory);
    if (*out)
        return 0;
    return no_memory ? out_of_memory(cx) : wrong_value(cx, key, v, g_path_expected);
}

/* A NULL-terminated copy of an array of strings; each element may be checked by accept. */
static int get_string_array(struct context *cx, const char *key, const struct toml_value *v,
                            const char *(*accept)(const char *), const char *element_expected,
                            char ***out, size_t *count) {
    if (v->type != TOML_ARRAY)
        return wrong_value(cx, key, v, "an array of strings");
    const struct toml_array *a = v->as.array;
    char **items = rt_calloc(a->count + 1, sizeof(*items));
    if (!items)
        return out_of_memory(cx);
    *out = items;
    *count = 0;
    for (size_t i = 0; i < a->count; i++) {
        char name[KEY_NAME_MAX];
        fmt_snprintf(name, sizeof(name), "%s[%zu]", key, i);
        const char *text;
        if (get_string(cx, name, &a->items[i], element_expected, &text) < 0)
            return -1;
        const char *accepted = accept ? accept(text) : text;
        if (!accepted)
            return wrong_value(cx, name, &a->items[i], element_expected);
        if (dup_string(cx, accepted, &items[i]) < 0)
            return -1;
        (*count)++;
    }
    return 0;
}

/* ---- Key handlers ---- */

typedef int (*key_handler)(struct context *cx, const char *key, const struct toml_value *v);

static int apply_entrypoint(struct context *cx, const char *key, const struct toml_value *v) {
    static const char expected[] = "a program path such as \"/bin/app\" or \"file:/bin/app\"";
    const char *text;
    if (get_string(cx, key, v, expected, &text) < 0)
        return -1;
    if (str_starts_with(text, "file:"))
        text += 5;
    if (!text[0])
        return wrong_value(cx, key, v, expected);
    cx->m->set.entrypoint = true;
    return dup_string(cx, text, &cx->m->entrypoint);
}

static int apply_syscall_patching(struct context *cx, const char *key, const struct toml_value *v) {
    cx->m->set.syscall_patching = true;
    return get_bool(cx, key, v, &cx->m->syscall_patching);
}

static int apply_drained_reads(struct context *cx, const char *key, const struct toml_value *v) {
    cx->m->set.drained_reads = true;
    return get_bool(cx, key, v, &cx->m->drained_reads);
}

static int apply_argv(struct context *cx, const char *key, const struct toml_value *v) {
    struct manifest *m = cx->m;
    m->set.argv = true;
    if (get_string_array(cx, key, v, NULL, "a string", &m->argv, &m->argc) < 0)
        return -1;
    if (m->argc == 0)
        return report(cx, v->line, "'%s' must hold at least argv[0], got an empty array", key);
    return 0;
}

static bool valid_env_name(const struct toml_string *name) {
    return name->len > 0 && strlen(name->data) == name->len && !strchr(name->data, '=');
}

static int apply_env(struct context *cx, const char *key, const struct toml_value *v) {
    struct manifest *m = cx->m;
    if (v->type != TOML_TABLE)
        return wrong_value(cx, key, v, "a table of strings such as { HOME = \"/root\" }");
    const struct toml_table *t = v->as.table;
    m->set.env = true;
    m->env = rt_calloc(t->count ? t->count : 1, sizeof(*m->env));
    if (!m->env)
        return out_of_memory(cx);
    for (size_t i = 0; i < t->count; i++) {
        const struct toml_key_value *kv = &t->items[i];
        char name[KEY_NAME_MAX];
        fmt_snprintf(name, sizeof(name), "%s.%s", key, kv->key.data);
        if (!valid_env_name(&kv->key))
            return report(cx, kv->value.line, "'%s' is not a valid environment variable name",
                          name);
        const char *value;
        if (get_string(cx, name, &kv->value, "a string", &value) < 0)
            return -1;
        struct manifest_env *e = &m->env[m->env_count];
        if (dup_string(cx, kv->key.data, &e->name) < 0)
            return -1;
        m->env_count++;
        if (dup_string(cx, value, &e->value) < 0)
            return -1;
    }
    return 0;
}

static int apply_insecure_use_host_env(struct context *cx, const char *key,
                                       const struct toml_value *v) {
    cx->m->set.insecure_use_host_env = true;
    return get_bool(cx, key, v, &cx->m->insecure_use_host_env);
}

static const char *const g_log_level_names[] = {
    [LOG_NONE] = "none", [LOG_ERROR] = "error", [LOG_WARNING] = "warning",
    [LOG_INFO] = "info", [LOG_DEBUG] = "debug", [LOG_TRACE] = "trace",
};

static const char *const g_pal_names[] = {
    [MANIFEST_PAL_DIRECT] = "direct",
    [MANIFEST_PAL_SGX_SIM] = "sgx-sim",
};

static int get_enum(struct context *cx, const char *key, const struct toml_value *v,
                    const char *const *names, size_t count, int *out) {
    char expected[128];
    size_t n = (size_t)fmt_snprintf(expected, sizeof(expected), "one of");
    for (size_t i = 0; i < count && n < sizeof(expected); i++)
        n += (size_t)fmt_snprintf(expected + n, sizeof(expected) - n, "%s \"%s\"", i ? "," : "",
                                  names[i]);
    const char *text;
    if (get_string(cx, key, v, expected, &text) < 0)
        return -1;
    for (size_t i = 0; i < count; i++) {
        if (!strcmp(text, names[i])) {
            *out = (int)i;
            return 0;
        }
    }
    return wrong_value(cx, key, v, expected);
}

static int apply_log_level(struct context *cx, const char *key, const struct toml_value *v) {
    int level;
    if (get_enum(cx, key, v, g_log_level_names, 6, &level) < 0)
        return -1;
    cx->m->log_level = (enum log_level)level;
    cx->m->set.log_level = true;
    return 0;
}

static int apply_pal(struct context *cx, const char *key, const struct toml_value *v) {
    int pal;
    if (get_enum(cx, key, v, g_pal_names, 2, &pal) < 0)
        return -1;
    cx->m->pal = (enum manifest_pal)pal;
    cx->m->set.pal = true;
    return 0;
}

static int apply_mount(struct context *cx, const char *key, const struct toml_value *v,
                       struct manifest_mount *mount) {
    if (v->type != TOML_TABLE)
        return wrong_value(cx, key, v, "a table such as { path = \"/data\", uri = \"file:data\" }");
    mount->line = v->line;
    mount->type = MANIFEST_MOUNT_CHROOT;
    const struct toml_table *t = v->as.table;
    for (size_t i = 0; i < t->count; i++) {
        const struct toml_key_value *kv = &t->items[i];
        char name[KEY_NAME_MAX];
        fmt_snprintf(name, sizeof(name), "%s.%s", key, kv->key.data);
        const char *text;
        if (!strcmp(kv->key.data, "path")) {
            if (get_absolute_path(cx, name, &kv->value, &mount->path) < 0)
                return -1;
        } else if (!strcmp(kv->key.data, "uri")) {
            static const char expected[] = "a host path as \"file:PATH\"";
            if (get_string(cx, name, &kv->value, expected, &text) < 0)
                return -1;
            if (!file_uri_path(text))
                return wrong_value(cx, name, &kv->value, expected);
            if (dup_string(cx, file_uri_path(text), &mount->host_path) < 0)
                return -1;
        } else if (!strcmp(kv->key.data, "type")) {
            static const char expected[] = "\"chroot\" (the only mount type so far)";
            if (get_string(cx, name, &kv->value, expected, &text) < 0)
                return -1;
            if (strcmp(text, "chroot") != 0)
                return wrong_value(cx, name, &kv->value, expected);
        } else {
            return report(cx, kv->value.line, "unknown key '%s'", name);
        }
    }
    if (!mount->path || !mount->host_path)
        return report(cx, v->line, "'%s' needs both 'path' and 'uri' (missing '%s')", key,
                      mount->path ? "uri" : "path");
    return 0;
}

static int apply_mounts(struct context *cx, const char *key, const struct toml_value *v) {
    struct manifest *m = cx->m;
    if (v->type != TOML_ARRAY)
        return wrong_value(cx, key, v, "an array of tables such as [[fs.mounts]]");
    const struct toml_array *a = v->as.array;
    m->set.mounts = true;
    m->mounts = rt_calloc(a->count ? a->count : 1, sizeof(*m->mounts));
    if (!m->mounts)
        return out_of_memory(cx);
    for (size_t i = 0; i < a->count; i++) {
        char name[KEY_NAME_MAX];
        fmt_snprintf(name, sizeof(name), "%s[%zu]", key, i);
        struct manifest_mount *mount = &m->mounts[i];
        m->mount_count++;
        if (apply_mount(cx, name, &a->items[i], mount) < 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(m->mounts[j].path, mount->path))
                return report(cx, mount->line, "'%s.path' \"%s\" is already mounted by %s[%zu]",
                              name, mount->path, key, j);
    }
    return 0;
}

static int apply_start_dir(struct context *cx, const char *key, const struct toml_value *v) {
    cx->m->set.start_dir = true;
    return get_absolute_path(cx, key, v, &cx->m->start_dir);
}

static int apply_stack_size(struct context *cx, const char *key, const struct toml_value *v) {
    cx->m->set.stack_size = true;
    if (get_size(cx, key, v, &cx->m->stack_size) < 0)
        return -1;
    if (cx->m->stack_size == 0)
        return report(cx, v->line, "'%s' must not be 0", key);
    return 0;
}

static int apply_brk_max_size(struct context *cx, const char *key, const struct toml_value *v) {
    cx->m->set.brk_max_size = true;
    return get_size(cx, key, v, &cx->m->brk_max_size);
}

static int apply_max_threads(struct context *cx, const char *key, const struct toml_value *v) {
    if (v->type != TOML_INTEGER || v->as.integer < 1)
        return wrong_value(cx, key, v, "an integer of at least 1");
    cx->m->max_threads = (uint64_t)v->as.integer;
    cx->m->set.max_threads = true;
    return 0;
}

static int apply_enclave_size(struct context *cx, const char *key, const struct toml_value *v) {
    static const char expected[] = "a power of two such as \"64G\"";
    uint64_t size;
    if (get_size(cx, key, v, &size) < 0)
        return -1;
    if (size == 0 || (size & (size - 1)) != 0)
        return wrong_value(cx, key, v, expected);
    cx->m->enclave_size = size;
    cx->m->set.enclave_size = true;
    cx->enclave_size_line = v->line;
    return 0;
}

static int apply_edmm_enable(struct context *cx, const char *key, const struct toml_value *v) {
    cx->m->set.edmm_enable = true;
    return get_bool(cx, key, v, &cx->m->edmm_enable);
}

static int apply_edmm_preheat_size(struct context *cx, const char *key,
                                   const struct toml_value *v) {
    cx->m->set.edmm_preheat_size = true;
    cx->preheat_size_line = v->line;
    return get_size(cx, key, v, &cx->m->edmm_preheat_size);
}

static int apply_edmm_lazyfree_threshold(struct context *cx, const char *key,
                                         const struct toml_value *v) {
    cx->m->set.edmm_lazyfree_threshold = true;
    return get_size(cx, key, v, &cx->m->edmm_lazyfree_threshold);
}

/* sgx.isvprodid and sgx.isvsvn go into the signature (enclos sign); the runtime only checks
 * them. */
static int apply_isv_number(struct context *cx, const char *key, const struct toml_value *v) {
    if (v->type != TOML_INTEGER || v->as.integer < 0 || v->as.integer > 65535)
        return wrong_value(cx, key, v, "an integer from 0 to 65535");
    return 0;
}

/* [sgx.trusted_hashes], which `enclos sign` appends: "PATH" = "SHA-256 in hex" per file. */
static int apply_trusted_hashes(struct context *cx, const char *key, const struct toml_value *v) {
    if (v->type != TOML_TABLE)
        return wrong_value(cx, key, v, "a table of \"PATH\" = \"SHA-256\"");
    for (size_t i = 0; i < v->as.table->count; i++) {
        const struct toml_value *hash = &v->as.table->items[i].value;
        bool ok = hash->type == TOML_STRING && hash->as.string.len == 64;
        for (size_t k = 0; ok && k < 64; k++) {
            char c = hash->as.string.data[k];
            ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        }
        if (!ok)
            return report(cx, hash->line,
                          "'%s' needs the SHA-256 of each file as 64 lowercase hex digits; "
                          "run 'enclos sign' again",
                          key);
    }
    size_t n = v->as.table->count;
    struct manifest *m = cx->m;
    m->trusted_hash_paths = rt_calloc(n + 1, sizeof(char *));
    m->trusted_hashes = rt_calloc(n + 1, sizeof(char *));
    if (!m->trusted_hash_paths || !m->trusted_hashes)
        return report(cx, v->line, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const struct toml_key_value *kv = &v->as.table->items[i];
        m->trusted_hash_count = i + 1;
        if (dup_string(cx, kv->key.data, &m->trusted_hash_paths[i]) < 0 ||
            dup_string(cx, kv->value.as.string.data, &m->trusted_hashes[i]) < 0)
            return -1;
    }
    return 0;
}

static int apply_trusted_files(struct context *cx, const char *key, const struct toml_value *v) {
    struct manifest *m = cx->m;
    m->set.trusted_files = true;
    return get_string_array(cx, key, v, file_uri_path, "a host path as \"file:PATH\"",
                            &m->trusted_files, &m->trusted_file_count);
}

struct key_rule {
    const char *key;
    key_handler apply;
};

static const struct key_rule g_rules[] = {
    {"libos.drained_reads", apply_drained_reads},
    {"libos.entrypoint", apply_entrypoint},
    {"libos.syscall_patching", apply_syscall_patching},
    {"loader.argv", apply_argv},
    {"loader.env", apply_env},
    {"loader.insecure__use_host_env", apply_insecure_use_host_env},
    {"loader.log_level", apply_log_level},
    {"loader.pal", apply_pal},
    {"fs.mounts", apply_mounts},
    {"fs.start_dir", apply_start_dir},
    {"sys.stack.size", apply_stack_size},
    {"sys.brk.max_size", apply_brk_max_size},
    {"sgx.max_threads", apply_max_threads},
    {"sgx.enclave_size", apply_enclave_size},
    {"sgx.edmm_enable", apply_edmm_enable},
    {"sgx.edmm_preheat_size", apply_edmm_preheat_size},
    {"sgx.edmm_lazyfree_threshold", apply_edmm_lazyfree_threshold},
    {"sgx.trusted_files", apply_trusted_files},
    {"sgx.trusted_hashes", apply_trusted_hashes},
    {"sgx.isvprodid", apply_isv_number},
    {"sgx.isvsvn", apply_isv_number},
};

#define RULE_COUNT (sizeof(g_rules) / sizeof(g_rules[0]))

/* ---- The walk ---- */

static const struct key_rule *find_rule(const char *path) {
    for (size_t i = 0; i < RULE_COUNT; i++)
        if (!strcmp(g_rules[i].key, path))
            return &g_rules[i];
    return NULL;
}

/* True when some key lives inside the table at path. */
static bool is_rule_prefix(const char *path) {
    size_t n = strlen(path);
    for (size_t i = 0; i < RULE_COUNT; i++)
        if (!strncmp(g_rules[i].key, path, n) && g_rules[i].key[n] == '.')
            return true;
    return false;
}

static bool is_bare_key(const struct toml_string *key) {
    if (key->len == 0)
        return false;
    for (size_t i = 0; i < key->len; i++) {
        char c = key->data[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* Appends ".key" to path for messages. Keys that need quotes in TOML are shown quoted and
 * make the path match no rule (so `"sys.stack.size" = 1` is not sys.stack.size). */
static bool append_key(char *path, size_t size, const struct toml_string *key) {
    size_t n = strlen(path);
    bool bare = is_bare_key(key);
    if (n && n + 1 < size)
        path[n++] = '.';
    if (!bare && n + 1 < size)
        path[n++] = '"';
    for (size_t i = 0; i < key->len && n + 1 < size; i++) {
        unsigned char c = (unsigned char)key->data[i];
        path[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    if (!bare && n + 1 < size)
        path[n++] = '"';
    path[n] = 0;
    return bare && n + 1 < size;
}

/* Names the first leaf under an unknown key, so that "[sys.stak]\nsize = 1" is reported as
 * 'sys.stak.size' on the line of size. */
static int report_unknown(struct context *cx, char *path, size_t size, const struct toml_value *v) {
    while (v->type == TOML_TABLE && v->as.table->count > 0) {
        const struct toml_key_value *first = &v->as.table->items[0];
        append_key(path, size, &first->key);
        v = &first->value;
    }
    return report(cx, v->line, "unknown key '%s'", path);
}

static int check_table(struct context *cx, const struct toml_table *t, char *path, size_t size) {
    size_t base = strlen(path);
    for (size_t i = 0; i < t->count; i++) {
        const struct toml_key_value *kv = &t->items[i];
        path[base] = 0;
        bool matchable = append_key(path, size, &kv->key);
        const struct key_rule *rule = matchable ? find_rule(path) : NULL;
        int rc;
        if (rule)
            rc = rule->apply(cx, path, &kv->value);
        else if (matchable && is_rule_prefix(path) && kv->value.type == TOML_TABLE)
            rc = check_table(cx, kv->value.as.table, path, size);
        else if (matchable && is_rule_prefix(path))
            rc = wrong_value(cx, path, &kv->value, "a table");
        else
            rc = report_unknown(cx, path, size, &kv->value);
        if (rc < 0)
            return -1;
    }
    path[base] = 0;
    return 0;
}

static int check_consistency(struct context *cx) {
    struct manifest *m = cx->m;
    if (!m->entrypoint)
        return report(cx, 0, "missing 'libos.entrypoint' (the program to run)");
    if (m->enclave_size && m->edmm_preheat_size > m->enclave_size)
        return report(cx, cx->preheat_size_line,
                      "'sgx.edmm_preheat_size' is larger than 'sgx.enclave_size' (line %d)",
                      cx->enclave_size_line);
    return 0;
}

/* ---- Entry points ---- */

void manifest_defaults(struct manifest *m) {
    memset(m, 0, sizeof(*m));
    m->log_level = LOG_WARNING;
    m->pal = MANIFEST_PAL_DIRECT;
    m->stack_size = MANIFEST_DEFAULT_STACK_SIZE;
    m->brk_max_size = MANIFEST_DEFAULT_BRK_MAX_SIZE;
    m->syscall_patching = true;
    m->drained_reads = true;
}

static void free_string_array(char **items, size_t count) {
    if (!items)
        return;
    for (size_t i = 0; i < count; i++)
        rt_free(items[i]);
    rt_free(items);
}

void manifest_free(struct manifest *m) {
    rt_free(m->entrypoint);
    free_string_array(m->argv, m->argc);
    for (size_t i = 0; i < m->env_count; i++) {
        rt_free(m->env[i].name);
        rt_free(m->env[i].value);
    }
    rt_free(m->env);
    for (size_t i = 0; i < m->mount_count; i++) {
        rt_free(m->mounts[i].path);
        rt_free(m->mounts[i].host_path);
    }
    rt_free(m->mounts);
    rt_free(m->start_dir);
    free_string_array(m->trusted_files, m->trusted_file_count);
    free_string_array(m->trusted_hash_paths, m->trusted_hash_count);
    free_string_array(m->trusted_hashes, m->trusted_hash_count);
    manifest_defaults(m);
}

int manifest_parse(const char *text, size_t len, const char *filename, struct manifest *m,
                   char *err, size_t errsize) {
    struct context cx = {
        .filename = filename ? filename : "manifest", .err = err, .errsize = errsize, .m = m};
    manifest_defaults(m);
    if (err && errsize)
        err[0] = 0;
    struct toml_error toml_error;
    struct toml_table *doc = toml_parse(text, len, &toml_error);
    if (!doc)
        return report(&cx, toml_error.line, "%s", toml_error.message);
    char path[KEY_NAME_MAX] = "";
    int rc = check_table(&cx, doc, path, sizeof(path));
    toml_free(doc);
    if (rc == 0)
        rc = check_consistency(&cx);
    if (rc < 0)
        manifest_free(m);
    return rc;
}

bool manifest_parse_size(const char *text, uint64_t *bytes) {
    uint64_t value = 0;
    const char *p = text;
    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return false;
        value = value * 10 + digit;
    }
    unsigned shift = 0;
    switch (*p | 0x20) {
    case 'k':
        shift = 10;
        break;
    case 'm':
        shift = 20;
        break;
    case 'g':
        shift = 30;
        break;
    case 't':
        shift = 40;
        break;
    default:
        break;
    }
    if (shift)
        p++;
    if ((*p | 0x20) == 'b')
        p++;
    if (*p)
        return false;
    if (shift && value > (UINT64_MAX >> shift))
        return false;
    *bytes = value << shift;
    return true;
}

const char *manifest_log_level_name(enum log_level level) {
    return (unsigned)level <= LOG_TRACE ? g_log_level_names[level] : "?";
}

const char *manifest_pal_name(enum manifest_pal pal) {
    return (unsigned)pal <= MANIFEST_PAL_SGX_SIM ? g_pal_names[pal] : "?";
}
