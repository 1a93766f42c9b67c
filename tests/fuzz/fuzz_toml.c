/* unit-sources: common/toml.c loader/manifest.c common/string.c common/fmt.c */
/* Fuzz target for the TOML parser (common/toml.c) and the manifest layer above it
 * (loader/manifest.c). For every input it checks that parsing either fails with a message
 * and a line inside the input, or yields a tree whose invariants hold and which survives a
 * round trip: printed back as TOML (inline form) and parsed again, it must be equal.
 *
 * libFuzzer (clang):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_toml.c \
 *       common/toml.c loader/manifest.c common/string.c common/fmt.c tests/unit/host_alloc.c \
 *       -o build/fuzz_toml
 *   mkdir -p build/fuzz-corpus
 *   build/fuzz_toml -max_len=4096 build/fuzz-corpus tests/fuzz/corpus
 *   (the first directory collects new inputs; tests/fuzz/corpus stays as it is)
 *
 * Standalone (any compiler, no libFuzzer; runs in `make test` in a few seconds):
 *   gcc -DFUZZ_STANDALONE -std=gnu11 -g -fsanitize=address,undefined \
 *       -fno-sanitize-recover=all -I. tests/fuzz/fuzz_toml.c common/toml.c \
 *       loader/manifest.c common/string.c common/fmt.c tests/unit/host_alloc.c \
 *       -o build/fuzz_toml_standalone
 *   build/fuzz_toml_standalone [-n MUTATIONS] [FILE_OR_DIR...]   (default: 20000 mutations
 *   of the files in tests/fuzz/corpus). It runs every file as is, then deterministic
 *   pseudo-random mutations of them, and exits non-zero on the first broken invariant. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/toml.h"
#include "loader/manifest.h"

#define MAX_INPUT 8192

static void die(const char *what, const uint8_t *data, size_t size) {
    fprintf(stderr, "fuzz_toml: %s\ninput (%zu bytes):\n", what, size);
    fwrite(data, 1, size, stderr);
    fputc('\n', stderr);
    abort();
}

/* ---- Printing a tree back as TOML ---- */

struct text {
    char *data;
    size_t len, capacity;
};

static void put(struct text *t, const char *s, size_t n) {
    if (t->len + n + 1 > t->capacity) {
        t->capacity = (t->len + n + 1) * 2;
        t->data = realloc(t->data, t->capacity);
        if (!t->data)
            abort();
    }
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = 0;
}

static void put_str(struct text *t, const char *s) {
    put(t, s, strlen(s));
}

static void put_quoted(struct text *t, const struct toml_string *s) {
    put_str(t, "\"");
    for (size_t i = 0; i < s->len; i++) {
        unsigned char c = (unsigned char)s->data[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(t, esc, 2);
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            put_str(t, esc);
        } else {
            put(t, (const char *)&c, 1);
        }
    }
    put_str(t, "\"");
}

static void print_table_inline(struct text *t, const struct toml_table *table);

static void print_value(struct text *t, const struct toml_value *v) {
    char num[32];
    switch (v->type) {
    case TOML_STRING:
        put_quoted(t, &v->as.string);
        break;
    case TOML_INTEGER:
        snprintf(num, sizeof(num), "%lld", (long long)v->as.integer);
        put_str(t, num);
        break;
    case TOML_BOOLEAN:
        put_str(t, v->as.boolean ? "true" : "false");
        break;
    case TOML_ARRAY:
        put_str(t, "[");
        for (size_t i = 0; i < v->as.array->count; i++) {
            if (i)
                put_str(t, ", ");
            print_value(t, &v->as.array->items[i]);
        }
        put_str(t, "]");
        break;
    case TOML_TABLE:
        print_table_inline(t, v->as.table);
        break;
    }
}

static void print_table_inline(struct text *t, const struct toml_table *table) {
    put_str(t, "{");
    for (size_t i = 0; i < table->count; i++) {
        put_str(t, i ? ", " : " ");
        put_quoted(t, &table->items[i].key);
        put_str(t, " = ");
        print_value(t, &table->items[i].value);
    }
    put_str(t, table->count ? " }" : "}");
}

static void print_document(struct text *t, const struct toml_table *root) {
    for (size_t i = 0; i < root->count; i++) {
        put_quoted(t, &root->items[i].key);
        put_str(t, " = ");
        print_value(t, &root->items[i].value);
        put_str(t, "\n");
    }
}

/* ---- Invariants ---- */

struct check {
    const uint8_t *data;
    size_t size;
    int lines;
};

static void check_string(const struct check *c, const struct toml_string *s) {
    if (!s->data || s->data[s->len] != 0)
        die("string not NUL-terminated", c->data, c->size);
}

static void check_table(const struct check *c, const struct toml_table *t, int depth);

static void check_value(const struct check *c, const struct toml_value *v, int depth) {
    if (v->line < 1 || v->line > c->lines)
        die("value line outside the input", c->data, c->size);
    switch (v->type) {
    case TOML_STRING:
        check_string(c, &v->as.string);
        break;
    case TOML_INTEGER:
    case TOML_BOOLEAN:
        break;
    case TOML_ARRAY:
        if (v->as.array->depth != depth || depth > TOML_MAX_DEPTH)
            die("array depth wrong", c->data, c->size);
        if (v->as.array->count > v->as.array->capacity)
            die("array count above capacity", c->data, c->size);
        for (size_t i = 0; i < v->as.array->count; i++) {
            const struct toml_value *item = &v->as.array->items[i];
            if (v->as.array->of_tables && item->type != TOML_TABLE)
                die("array of tables holds a non-table", c->data, c->size);
            check_value(c, item, depth + 1);
        }
        break;
    case TOML_TABLE:
        check_table(c, v->as.table, depth);
        break;
    default:
        die("bad value type", c->data, c->size);
    }
}

static void check_table(const struct check *c, const struct toml_table *t, int depth) {
    if (t->depth != depth || depth > TOML_MAX_DEPTH)
        die("table depth wrong", c->data, c->size);
    for (size_t i = 0; i < t->count; i++) {
        const struct toml_key_value *kv = &t->items[i];
        check_string(c, &kv->key);
        for (size_t j = 0; j < i; j++)
            if (t->items[j].key.len == kv->key.len &&
                memcmp(t->items[j].key.data, kv->key.data, kv->key.len) == 0)
                die("duplicate key in a table", c->data, c->size);
        check_value(c, &kv->value, depth + 1);
    }
}

static bool values_equal(const struct toml_value *a, const struct toml_value *b);

static bool tables_equal(const struct toml_table *a, const struct toml_table *b) {
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++) {
        const struct toml_string *ka = &a->items[i].key, *kb = &b->items[i].key;
        if (ka->len != kb->len || memcmp(ka->data, kb->data, ka->len) != 0 ||
            !values_equal(&a->items[i].value, &b->items[i].value))
            return false;
    }
    return true;
}

static bool values_equal(const struct toml_value *a, const struct toml_value *b) {
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case TOML_STRING:
        return a->as.string.len == b->as.string.len &&
               memcmp(a->as.string.data, b->as.string.data, a->as.string.len) == 0;
    case TOML_INTEGER:
        return a->as.integer == b->as.integer;
    case TOML_BOOLEAN:
        return a->as.boolean == b->as.boolean;
    case TOML_ARRAY:
        if (a->as.array->count != b->as.array->count)
            return false;
        for (size_t i = 0; i < a->as.array->count; i++)
            if (!values_equal(&a->as.array->items[i], &b->as.array->items[i]))
                return false;
        return true;
    case TOML_TABLE:
        return tables_equal(a->as.table, b->as.table);
    }
    return false;
}

static void run_manifest(const uint8_t *data, size_t size) {
    struct manifest m;
    char err[256];
    memset(err, 'x', sizeof(err));
    int rc = manifest_parse((const char *)data, size, "fuzz.toml", &m, err, sizeof(err));
    if (rc == 0 && (!m.entrypoint || !m.entrypoint[0] || err[0] != 0))
        die("manifest accepted without an entrypoint or with an error", data, size);
    if (rc == 0 && m.argv && m.argv[m.argc] != NULL)
        die("manifest argv not NULL-terminated", data, size);
    if (rc != 0 && (rc != -1 || strncmp(err, "fuzz.toml:", 10) != 0 || !memchr(err, 0, 256)))
        die("manifest error not reported as FILE:LINE: message", data, size);
    manifest_free(&m);
    if (m.entrypoint || m.argv || m.env || m.mounts || m.trusted_files)
        die("manifest_free left allocations behind", data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > MAX_INPUT)
        return 0;
    struct check c = {data, size, 1};
    for (size_t i = 0; i < size; i++)
        c.lines += data[i] == '\n';

    struct toml_error error;
    memset(&error, 'x', sizeof(error));
    struct toml_table *root = toml_parse((const char *)data, size, &error);
    if (!root) {
        if (error.line < 1 || error.line > c.lines || !error.message[0] ||
            !memchr(error.message, 0, sizeof(error.message)))
            die("error without a line or a message", data, size);
    } else {
        check_table(&c, root, 0);
        struct text printed = {0};
        print_document(&printed, root);
        struct toml_table *again = toml_parse(printed.data, printed.len, &error);
        if (!again) {
            fprintf(stderr, "reparse error: line %d: %s\nprinted:\n%s\n", error.line, error.message,
                    printed.data ? printed.data : "");
            die("printed tree does not parse", data, size);
        }
        if (!tables_equal(root, again))
            die("round trip changed the tree", data, size);
        toml_free(again);
        free(printed.data);
        toml_free(root);
    }
    run_manifest(data, size);
    return 0;
}

#ifdef FUZZ_STANDALONE
#include <dirent.h>
#include <sys/stat.h>

struct corpus {
    char **data;
    size_t *size;
    size_t count;
};

static void add_file(struct corpus *c, const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    char *buf = malloc(MAX_INPUT);
    size_t n = fread(buf, 1, MAX_INPUT, f);
    fclose(f);
    c->data = realloc(c->data, (c->count + 1) * sizeof(*c->data));
    c->size = realloc(c->size, (c->count + 1) * sizeof(*c->size));
    c->data[c->count] = buf;
    c->size[c->count] = n;
    c->count++;
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_path(struct corpus *c, const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        exit(2);
    }
    if (!S_ISDIR(st.st_mode)) {
        add_file(c, path);
        return;
    }
    /* Sorted, so that every run mutates the same inputs in the same way. */
    DIR *dir = opendir(path);
    char **names = NULL;
    size_t count = 0;
    for (struct dirent *e; dir && (e = readdir(dir));) {
        if (e->d_name[0] == '.')
            continue;
        names = realloc(names, (count + 1) * sizeof(*names));
        names[count] = malloc(strlen(path) + strlen(e->d_name) + 2);
        sprintf(names[count], "%s/%s", path, e->d_name);
        count++;
    }
    if (dir)
        closedir(dir);
    qsort(names, count, sizeof(*names), compare_names);
    for (size_t i = 0; i < count; i++) {
        add_file(c, names[i]);
        free(names[i]);
    }
    free(names);
}

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void) {
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

static size_t random_below(size_t n) {
    return n ? (size_t)(next_random() % n) : 0;
}

static const char *const g_tokens[] = {
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    ",",
    ".",
    "\"",
    "'",
    "\"\"\"",
    "'''",
    "\\",
    "\\u",
    "\\U0010FFFF",
    "\\uD800",
    "#",
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "0x",
    "0o",
    "0b",
    "_",
    "-",
    "+",
    "1.5",
    "true",
    "false",
    "inf",
    "1979-05-27",
    "9223372036854775808",
    "a.b.c",
    "\xc3\xa9",
    "\xff",
    "\x00",
    "\x7f",
    "file:",
    "8M",
    "sys.stack.size",
    "loader.env.X",
    "[[fs.mounts]]",
};

static size_t mutate(char *buf, size_t len, const struct corpus *c) {
    int rounds = 1 + (int)random_below(4);
    for (int r = 0; r < rounds; r++) {
        size_t pos = random_below(len + 1);
        switch (random_below(7)) {
        case 0: /* flip a bit */
            if (len)
                buf[random_below(len)] ^= (char)(1u << random_below(8));
            break;
        case 1: /* replace a byte with a token's first byte */
            if (len)
                buf[random_below(len)] =
                    g_tokens[random_below(sizeof(g_tokens) / sizeof(g_tokens[0]))][0];
            break;
        case 2: { /* insert a token (tokens holding NUL insert one byte) */
            const char *tok = g_tokens[random_below(sizeof(g_tokens) / sizeof(g_tokens[0]))];
            size_t n = tok[0] ? strlen(tok) : 1;
            if (len + n > MAX_INPUT)
                break;
            memmove(buf + pos + n, buf + pos, len - pos);
            memcpy(buf + pos, tok, n);
            len += n;
            break;
        }
        case 3: { /* delete a range */
            size_t n = random_below(len - pos + 1);
            if (n > 16)
                n = random_below(16);
            memmove(buf + pos, buf + pos + n, len - pos - n);
            len -= n;
            break;
        }
        case 4: { /* duplicate a range somewhere else */
            if (!len)
                break;
            size_t from = random_below(len);
            size_t n = 1 + random_below(len - from < 64 ? len - from : 64);
            if (len + n > MAX_INPUT)
                break;
            char chunk[64];
            memcpy(chunk, buf + from, n);
            memmove(buf + pos + n, buf + pos, len - pos);
            memcpy(buf + pos, chunk, n);
            len += n;
            break;
        }
        case 5: { /* splice: keep a head, take another file's tail */
            size_t k = random_below(c->count);
            size_t from = random_below(c->size[k] + 1);
            size_t n = c->size[k] - from;
            if (pos + n > MAX_INPUT)
                n = MAX_INPUT - pos;
            memcpy(buf + pos, c->data[k] + from, n);
            len = pos + n;
            break;
        }
        case 6: /* truncate */
            len = pos;
            break;
        }
    }
    return len;
}

int main(int argc, char **argv) {
    long mutations = 20000;
    struct corpus c = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            mutations = strtol(argv[++i], NULL, 10);
        else
            add_path(&c, argv[i]);
    }
    if (c.count == 0)
        add_path(&c, "tests/fuzz/corpus");
    if (c.count == 0) {
        fprintf(stderr, "fuzz_toml: empty corpus\n");
        return 2;
    }
    for (size_t i = 0; i < c.count; i++)
        LLVMFuzzerTestOneInput((const uint8_t *)c.data[i], c.size[i]);
    char *buf = malloc(MAX_INPUT);
    for (long i = 0; i < mutations; i++) {
        size_t k = random_below(c.count);
        memcpy(buf, c.data[k], c.size[k]);
        size_t len = mutate(buf, c.size[k], &c);
        /* An exact-size copy, so that ASan sees reads past the end. */
        char *input = malloc(len ? len : 1);
        memcpy(input, buf, len);
        LLVMFuzzerTestOneInput((const uint8_t *)input, len);
        free(input);
    }
    free(buf);
    for (size_t i = 0; i < c.count; i++)
        free(c.data[i]);
    free(c.data);
    free(c.size);
    printf("fuzz_toml: %zu corpus files and %ld mutations passed\n", c.count, mutations);
    return 0;
}
#endif
