/* A freestanding TOML 1.0 parser for manifests.
 *
 * Supported: comments, bare, quoted and dotted keys, [table] and [[array of tables]]
 * headers, basic and literal strings (single- and multi-line, all TOML 1.0 escapes),
 * integers (decimal with '_', 0x, 0o, 0b, sign), booleans, arrays (nested, multi-line,
 * trailing comma, mixed types) and inline tables. Floats, dates and times are rejected
 * with a clear error, since no manifest key needs them and the runtime has no FPU code.
 *
 * The whole document must be valid UTF-8. Duplicate keys, redefined tables and every
 * other construct that TOML 1.0 calls invalid are errors. Containers may nest at most
 * TOML_MAX_DEPTH deep, so that neither parsing nor walking a tree recurses without bound.
 *
 * Every value records the line it starts on, so that a consumer can point at it. Tables
 * keep their keys in document order, so that a consumer can reject the keys it does not
 * know. Memory comes from rt_malloc and is returned by toml_free. */
#ifndef COMMON_TOML_H
#define COMMON_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOML_MAX_DEPTH 64

enum toml_type { TOML_STRING, TOML_INTEGER, TOML_BOOLEAN, TOML_ARRAY, TOML_TABLE };

/* Always NUL-terminated at data[len]; data may hold NUL bytes itself (from "\u0000"). */
struct toml_string {
    char *data;
    size_t len;
};

struct toml_table;
struct toml_array;

struct toml_value {
    enum toml_type type;
    int line; /* 1-based line where the value (or the table's header) starts */
    union {
        struct toml_string string;
        int64_t integer;
        bool boolean;
        struct toml_array *array;
        struct toml_table *table;
    } as;
};

struct toml_key_value {
    struct toml_string key; /* one key segment: "b" for `a.b = 1` inside table a */
    struct toml_value value;
};

/* How a table came to exist decides what may later add to it (TOML 1.0 section "Table"). */
enum toml_table_origin {
    TOML_TABLE_ROOT,
    TOML_TABLE_IMPLICIT, /* parent named in a [header] only; a later [header] may define it */
    TOML_TABLE_HEADER,   /* defined by [header] or as an element of [[header]] */
    TOML_TABLE_DOTTED,   /* created by a dotted key such as `a.b = 1` */
    TOML_TABLE_INLINE,   /* { ... }: complete as written, nothing may add to it */
};

struct toml_table {
    struct toml_key_value *items; /* in document order */
    size_t count;
    size_t capacity;
    int depth; /* 0 for the root */
    enum toml_table_origin origin;
};

struct toml_array {
    struct toml_value *items;
    size_t count;
    size_t capacity;
    int depth;
    bool of_tables; /* built by [[header]]; only such arrays accept more [[header]] elements */
};

struct toml_error {
    int line;          /* line of the offending input (1-based) */
    char message[192]; /* without the line, e.g. "expected '=' after key" */
};

/* Parses len bytes of text (which need not be NUL-terminated). Returns the root table, or
 * NULL with *error filled. Callers print errors as "line %d: %s" or "FILE:%d: %s". */
struct toml_table *toml_parse(const char *text, size_t len, struct toml_error *error);

void toml_free(struct toml_table *table);

/* The value of one key of table (no dot splitting), or NULL. */
const struct toml_value *toml_table_get(const struct toml_table *table, const char *key);

/* The value at a dotted path of bare keys such as "sys.stack.size", or NULL. Each segment
 * but the last must name a table. */
const struct toml_value *toml_get_path(const struct toml_table *table, const char *path);

/* "a string", "an integer", "a boolean", "an array", "a table": for error messages. */
const char *toml_type_name(enum toml_type type);

#endif
