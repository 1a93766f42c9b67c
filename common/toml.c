/* TOML 1.0 parser: one pass over the text with a cursor, building the tree as it goes.
 * Every function that can fail returns false after recording the first error, and leaves
 * whatever it allocated either attached to the tree (freed with the root) or freed. */
#include "common/toml.h"
#include "common/alloc.h"
#include "common/fmt.h"
#include "common/string.h"
#include <stdarg.h>

struct parser {
    const char *pos;
    const char *end;
    int line;
    struct toml_error *error;
    bool failed;
    struct toml_table *current; /* where key/value lines go: the last [header]'s table */
    struct toml_table *root;
};

struct key_path {
    struct toml_string *parts;
    size_t count;
    size_t capacity;
};

struct byte_buffer {
    char *data;
    size_t len;
    size_t capacity;
};

#define KEY_TEXT_MAX 80

static bool fail_at(struct parser *ps, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail_va(struct parser *ps, int line, const char *fmt, va_list ap) {
    if (!ps->failed) {
        ps->failed = true;
        ps->error->line = line;
        fmt_vsnprintf(ps->error->message, sizeof(ps->error->message), fmt, ap);
    }
    return false;
}

static bool fail_at(struct parser *ps, int line, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fail_va(ps, line, fmt, ap);
    va_end(ap);
    return false;
}

static bool fail(struct parser *ps, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fail_va(ps, ps->line, fmt, ap);
    va_end(ap);
    return false;
}

/* ---- Character level ---- */

static int peek_at(const struct parser *ps, size_t offset) {
    if ((size_t)(ps->end - ps->pos) <= offset)
        return -1;
    return (unsigned char)ps->pos[offset];
}

static int peek(const struct parser *ps) {
    return peek_at(ps, 0);
}

static bool is_control(int c) {
    return (c >= 0 && c < 0x20) || c == 0x7f;
}

static bool is_bare_key_char(int c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static bool at_newline(const struct parser *ps) {
    int c = peek(ps);
    return c == '\n' || (c == '\r' && peek_at(ps, 1) == '\n');
}

static void consume_newline(struct parser *ps) {
    ps->pos += peek(ps) == '\r' ? 2 : 1;
    ps->line++;
}

static void skip_whitespace(struct parser *ps) {
    while (peek(ps) == ' ' || peek(ps) == '\t')
        ps->pos++;
}

/* Names the next input character for an error message. */
static const char *describe_next(const struct parser *ps, char *buf, size_t size) {
    int c = peek(ps);
    if (c < 0)
        return "end of input";
    if (c == '\n' || at_newline(ps))
        return "end of line";
    if (c == '\r')
        return "a carriage return without a line feed";
    if (c >= 0x20 && c < 0x7f)
        fmt_snprintf(buf, size, "'%c'", c);
    else
        fmt_snprintf(buf, size, "byte 0x%02x", (unsigned)c);
    return buf;
}

static bool fail_expected(struct parser *ps, const char *what) {
    char buf[16];
    return fail(ps, "expected %s, got %s", what, describe_next(ps, buf, sizeof(buf)));
}

static bool fail_control_char(struct parser *ps, int c, const char *where) {
    if (c == '\r')
        return fail(ps, "carriage return without a line feed %s", where);
    return fail(ps, "control character U+%04X is not allowed %s", (unsigned)c, where);
}

static bool skip_comment(struct parser *ps) {
    if (peek(ps) != '#')
        return true;
    ps->pos++;
    for (int c; (c = peek(ps)) >= 0 && !at_newline(ps); ps->pos++)
        if (is_control(c) && c != '\t')
            return fail_control_char(ps, c, "in a comment");
    return true;
}

/* Skips whitespace, comments and newlines, as allowed between array elements. */
static bool skip_blank(struct parser *ps) {
    for (;;) {
        skip_whitespace(ps);
        if (!skip_comment(ps))
            return false;
        if (!at_newline(ps))
            return true;
        consume_newline(ps);
    }
}

static bool expect_end_of_line(struct parser *ps, const char *after) {
    skip_whitespace(ps);
    if (!skip_comment(ps))
        return false;
    if (peek(ps) < 0)
        return true;
    if (at_newline(ps)) {
        consume_newline(ps);
        return true;
    }
    char buf[16], what[48];
    fmt_snprintf(what, sizeof(what), "a new line after %s", after);
    return fail(ps, "expected %s, got %s", what, describe_next(ps, buf, sizeof(buf)));
}

/* ---- Memory ---- */

static bool buffer_append(struct parser *ps, struct byte_buffer *b, const char *data, size_t n) {
    if (b->len + n + 1 > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 32;
        while (capacity < b->len + n + 1)
            capacity *= 2;
        char *grown = rt_realloc(b->data, capacity);
        if (!grown)
            return fail(ps, "out of memory");
        b->data = grown;
        b->capacity = capacity;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = 0;
    return true;
}

static bool buffer_finish(struct parser *ps, struct byte_buffer *b, struct toml_string *out) {
    if (!b->data && !buffer_append(ps, b, "", 0))
        return false;
    out->data = b->data;
    out->len = b->len;
    return true;
}

static bool copy_string(struct parser *ps, const char *data, size_t n, struct toml_string *out) {
    struct byte_buffer b = {0};
    if (!buffer_append(ps, &b, data, n) || !buffer_finish(ps, &b, out)) {
        rt_free(b.data);
        return false;
    }
    return true;
}

static void free_table(struct toml_table *t);

static void free_array(struct toml_array *a) {
    for (size_t i = 0; i < a->count; i++) {
        struct toml_value *v = &a->items[i];
        if (v->type == TOML_STRING)
            rt_free(v->as.string.data);
        else if (v->type == TOML_ARRAY)
            free_array(v->as.array);
        else if (v->type == TOML_TABLE)
            free_table(v->as.table);
    }
    rt_free(a->items);
    rt_free(a);
}

static void free_value(struct toml_value *v) {
    if (v->type == TOML_STRING)
        rt_free(v->as.string.data);
    else if (v->type == TOML_ARRAY)
        free_array(v->as.array);
    else if (v->type == TOML_TABLE)
        free_table(v->as.table);
}

static void free_table(struct toml_table *t) {
    for (size_t i = 0; i < t->count; i++) {
        rt_free(t->items[i].key.data);
        free_value(&t->items[i].value);
    }
    rt_free(t->items);
    rt_free(t);
}

void toml_free(struct toml_table *table) {
    if (table)
        free_table(table);
}

static bool check_depth(struct parser *ps, int depth) {
    if (depth > TOML_MAX_DEPTH)
        return fail(ps, "tables and arrays nest deeper than %d levels", TOML_MAX_DEPTH);
    return true;
}

static struct toml_table *new_table(struct parser *ps, int depth, enum toml_table_origin origin) {
    if (!check_depth(ps, depth))
        return NULL;
    struct toml_table *t = rt_calloc(1, sizeof(*t));
    if (!t) {
        fail(ps, "out of memory");
        return NULL;
    }
    t->depth = depth;
    t->origin = origin;
    return t;
}

static struct toml_array *new_array(struct parser *ps, int depth, bool of_tables) {
    if (!check_depth(ps, depth))
        return NULL;
    struct toml_array *a = rt_calloc(1, sizeof(*a));
    if (!a) {
        fail(ps, "out of memory");
        return NULL;
    }
    a->depth = depth;
    a->of_tables = of_tables;
    return a;
}

/* Makes room for one more element; returns the (possibly moved) items, or NULL. */
static void *grow(struct parser *ps, void *items, size_t *capacity, size_t count, size_t size) {
    if (count < *capacity)
        return items;
    size_t grown = *capacity ? *capacity * 2 : 4;
    void *p = rt_realloc(items, grown * size);
    if (!p) {
        fail(ps, "out of memory");
        return NULL;
    }
    *capacity = grown;
    return p;
}

static struct toml_value *table_find(const struct toml_table *t, const char *key, size_t len) {
    for (size_t i = 0; i < t->count; i++)
        if (t->items[i].key.len == len && memcmp(t->items[i].key.data, key, len) == 0)
            return &t->items[i].value;
    return NULL;
}

/* Adds a copy of key with value to t. */
static bool table_add(struct parser *ps, struct toml_table *t, const struct toml_string *key,
                      const struct toml_value *value) {
    struct toml_key_value *items = grow(ps, t->items, &t->capacity, t->count, sizeof(*items));
    if (!items)
        return false;
    t->items = items;
    struct toml_key_value *kv = &t->items[t->count];
    if (!copy_string(ps, key->data, key->len, &kv->key))
        return false;
    kv->value = *value;
    t->count++;
    return true;
}

static bool array_add(struct parser *ps, struct toml_array *a, const struct toml_value *value) {
    struct toml_value *items = grow(ps, a->items, &a->capacity, a->count, sizeof(*items));
    if (!items)
        return false;
    a->items = items;
    a->items[a->count++] = *value;
    return true;
}

/* Adds a new empty table under key in t and returns it. */
static struct toml_table *add_subtable(struct parser *ps, struct toml_table *t,
                                       const struct toml_string *key, enum toml_table_origin origin,
                                       int line) {
    struct toml_table *sub = new_table(ps, t->depth + 1, origin);
    if (!sub)
        return NULL;
    struct toml_value v = {.type = TOML_TABLE, .line = line, .as.table = sub};
    if (!table_add(ps, t, key, &v)) {
        free_table(sub);
        return NULL;
    }
    return sub;
}

static void key_path_free(struct key_path *kp) {
    for (size_t i = 0; i < kp->count; i++)
        rt_free(kp->parts[i].data);
    rt_free(kp->parts);
}

/* The first count parts of kp joined with '.', for error messages. */
static const char *key_text(const struct key_path *kp, size_t count, char *buf, size_t size) {
    size_t n = 0;
    for (size_t i = 0; i < count && n + 1 < size; i++) {
        if (i)
            buf[n++] = '.';
        for (size_t j = 0; j < kp->parts[i].len && n + 1 < size; j++) {
            unsigned char c = (unsigned char)kp->parts[i].data[j];
            buf[n++] = is_control(c) ? '?' : (char)c;
        }
    }
    buf[n] = 0;
    return buf;
}

/* ---- Strings ---- */

static int hex_digit_value(int c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static size_t encode_utf8(uint32_t cp, char *out) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decodes the escape at ps->pos (which is at the backslash) and appends its bytes. */
static bool parse_escape(struct parser *ps, struct byte_buffer *b) {
    int c = peek_at(ps, 1);
    const char *simple = NULL;
    switch (c) {
    case 'b':
        simple = "\b";
        break;
    case 't':
        simple = "\t";
        break;
    case 'n':
        simple = "\n";
        break;
    case 'f':
        simple = "\f";
        break;
    case 'r':
        simple = "\r";
        break;
    case '"':
        simple = "\"";
        break;
    case '\\':
        simple = "\\";
        break;
    default:
        break;
    }
    if (simple) {
        ps->pos += 2;
        return buffer_append(ps, b, simple, 1);
    }
    if (c != 'u' && c != 'U') {
        if (c > 0x20 && c < 0x7f)
            return fail(ps, "invalid escape sequence '\\%c' in string", c);
        return fail(ps, "invalid escape sequence in string: '\\' must be followed by one of "
                        "b t n f r \" \\ u U");
    }
    int digits = c == 'u' ? 4 : 8;
    uint32_t cp = 0;
    for (int i = 0; i < digits; i++) {
        int d = hex_digit_value(peek_at(ps, 2 + (size_t)i));
        if (d < 0)
            return fail(ps, "'\\%c' must be followed by %d hex digits", c, digits);
        cp = cp << 4 | (uint32_t)d;
    }
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return fail(ps, "'\\%c%.*s' is not a Unicode scalar value", c, digits, ps->pos + 2);
    ps->pos += 2 + (size_t)digits;
    char utf8[4];
    return buffer_append(ps, b, utf8, encode_utf8(cp, utf8));
}

/* "..." and '...' on one line; the cursor is at the opening quote. */
static bool parse_single_line_string(struct parser *ps, struct toml_string *out) {
    char quote = *ps->pos++;
    bool escapes = quote == '"';
    struct byte_buffer b = {0};
    for (;;) {
        int c = peek(ps);
        if (c < 0 || c == '\n' || (c == '\r' && at_newline(ps))) {
            fail(ps, "unterminated string: missing closing %c before the end of the line", quote);
            goto failed;
        }
        if (c == quote) {
            ps->pos++;
            break;
        }
        if (c == '\\' && escapes) {
            if (!parse_escape(ps, &b))
                goto failed;
            continue;
        }
        if (is_control(c) && c != '\t') {
            fail_control_char(ps, c, "in a string (use an escape)");
            goto failed;
        }
        const char *start = ps->pos++;
        for (int next; (next = peek(ps)) >= 0 && next != quote && !is_control(next) &&
                       !(next == '\\' && escapes);)
            ps->pos++;
        if (!buffer_append(ps, &b, start, (size_t)(ps->pos - start)))
            goto failed;
    }
    if (buffer_finish(ps, &b, out))
        return true;
failed:
    rt_free(b.data);
    return false;
}

/* In a multi-line basic string, a backslash that ends a line removes itself, the newline
 * and all whitespace and newlines that follow. */
static bool skip_line_ending_backslash(struct parser *ps) {
    const char *save = ps->pos;
    ps->pos++;
    skip_whitespace(ps);
    if (!at_newline(ps)) {
        ps->pos = save;
        return fail(ps, "invalid escape sequence in string: '\\' followed by whitespace must end "
                        "the line");
    }
    while (peek(ps) == ' ' || peek(ps) == '\t' || at_newline(ps)) {
        if (at_newline(ps))
            consume_newline(ps);
        else
            ps->pos++;
    }
    return true;
}

/* """...""" and '''...'''; the cursor is at the first of the three opening quotes. */
static bool parse_multi_line_string(struct parser *ps, struct toml_string *out) {
    char quote = *ps->pos;
    bool escapes = quote == '"';
    int start_line = ps->line;
    struct byte_buffer b = {0};
    ps->pos += 3;
    if (at_newline(ps))
        consume_newline(ps); /* a newline right after the opening quotes is not content */
    for (;;) {
        int c = peek(ps);
        if (c < 0) {
            fail_at(ps, start_line, "unterminated multi-line string: missing closing %c%c%c", quote,
                    quote, quote);
            goto failed;
        }
        if (c == quote) {
            size_t run = 0;
            while (peek_at(ps, run) == quote)
                run++;
            if (run >= 3 && run <= 5) {
                /* Up to two quotes may sit right before the closing three. */
                if (!buffer_append(ps, &b, ps->pos, run - 3))
                    goto failed;
                ps->pos += run;
                break;
            }
            if (run > 5) {
                fail(ps, "%zu %c characters in a row in a multi-line string (escape them)", run,
                     quote);
                goto failed;
            }
            if (!buffer_append(ps, &b, ps->pos, run))
                goto failed;
            ps->pos += run;
            continue;
        }
        if (at_newline(ps)) {
            consume_newline(ps);
            if (!buffer_append(ps, &b, "\n", 1))
                goto failed;
            continue;
        }
        if (c == '\\' && escapes) {
            int next = peek_at(ps, 1);
            bool line_end = next == ' ' || next == '\t' || next == '\n' || next == '\r';
            if (!(line_end ? skip_line_ending_backslash(ps) : parse_escape(ps, &b)))
                goto failed;
            continue;
        }
        if (is_control(c) && c != '\t') {
            fail_control_char(ps, c, "in a string (use an escape)");
            goto failed;
        }
        if (!buffer_append(ps, &b, ps->pos, 1))
            goto failed;
        ps->pos++;
    }
    if (buffer_finish(ps, &b, out))
        return true;
failed:
    rt_free(b.data);
    return false;
}

static bool at_triple_quote(const struct parser *ps) {
    int c = peek(ps);
    return (c == '"' || c == '\'') && peek_at(ps, 1) == c && peek_at(ps, 2) == c;
}

/* ---- Keys ---- */

static bool parse_key_part(struct parser *ps, struct toml_string *out) {
    int c = peek(ps);
    if (c == '"' || c == '\'') {
        if (at_triple_quote(ps))
            return fail(ps, "a key cannot be a multi-line string");
        return parse_single_line_string(ps, out);
    }
    const char *start = ps->pos;
    while (is_bare_key_char(peek(ps)))
        ps->pos++;
    if (ps->pos == start)
        return fail_expected(ps, "a key");
    return copy_string(ps, start, (size_t)(ps->pos - start), out);
}

static bool parse_key_path(struct parser *ps, struct key_path *kp) {
    for (;;) {
        if (kp->count == TOML_MAX_DEPTH)
            return fail(ps, "key has more than %d dotted parts", TOML_MAX_DEPTH);
        struct toml_string *parts = grow(ps, kp->parts, &kp->capacity, kp->count, sizeof(*parts));
        if (!parts)
            return false;
        kp->parts = parts;
        if (!parse_key_part(ps, &kp->parts[kp->count]))
            return false;
        kp->count++;
        skip_whitespace(ps);
        if (peek(ps) != '.')
            return true;
        ps->pos++;
        skip_whitespace(ps);
    }
}

/* ---- Scalars ---- */

static bool token_is(const char *s, size_t n, const char *word) {
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

static bool token_contains(const char *s, size_t n, char c) {
    for (size_t i = 0; i < n; i++)
        if (s[i] == c)
            return true;
    return false;
}

static bool is_digit(int c) {
    return c >= '0' && c <= '9';
}

static bool looks_like_date_or_time(const char *s, size_t n) {
    if (token_contains(s, n, ':'))
        return true;
    return n >= 5 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) &&
           s[4] == '-';
}

static bool looks_like_float(const char *s, size_t n) {
    size_t i = s[0] == '+' || s[0] == '-' ? 1 : 0;
    if (token_is(s + i, n - i, "inf") || token_is(s + i, n - i, "nan"))
        return true;
    if (n - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'o' || s[i + 1] == 'b'))
        return false;
    return i < n && is_digit(s[i]) &&
           (token_contains(s, n, '.') || token_contains(s, n, 'e') || token_contains(s, n, 'E'));
}

static bool parse_integer(struct parser *ps, const char *s, size_t n, int64_t *out) {
    int shown = n > 40 ? 40 : (int)n;
    size_t i = 0;
    bool negative = false;
    if (s[0] == '+' || s[0] == '-') {
        negative = s[0] == '-';
        i = 1;
    }
    unsigned base = 10;
    if (n - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'o' || s[i + 1] == 'b')) {
        if (i)
            return fail(ps, "hex, octal and binary integers cannot have a sign: '%.*s'", shown, s);
        base = s[i + 1] == 'x' ? 16 : s[i + 1] == 'o' ? 8 : 2;
        i += 2;
    } else if (n - i >= 2 && s[i] == '0') {
        return fail(ps, "leading zeros are not allowed in integer '%.*s'", shown, s);
    }
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t magnitude = 0;
    bool after_digit = false;
    for (; i < n; i++) {
        if (s[i] == '_') {
            if (!after_digit)
                return fail(ps, "'_' must sit between digits in integer '%.*s'", shown, s);
            after_digit = false;
            continue;
        }
        int d = hex_digit_value(s[i]);
        if (d < 0 || (unsigned)d >= base)
            return fail(ps, "invalid integer '%.*s'", shown, s);
        if (magnitude > (limit - (unsigned)d) / base)
            return fail(ps, "integer '%.*s' does not fit in 64 bits", shown, s);
        magnitude = magnitude * base + (unsigned)d;
        after_digit = true;
    }
    if (!after_digit)
        return fail(ps,
                    s[n - 1] == '_' ? "'_' must sit between digits in integer '%.*s'"
                                    : "invalid integer '%.*s'",
                    shown, s);
    if (negative && magnitude)
        *out = -(int64_t)(magnitude - 1) - 1;
    else
        *out = (int64_t)magnitude;
    return true;
}

static bool is_token_char(int c) {
    return is_bare_key_char(c) || c == '+' || c == '.' || c == ':';
}

/* Booleans and numbers: a run of token characters, classified as a whole. */
static bool parse_bare_value(struct parser *ps, struct toml_value *out) {
    const char *s = ps->pos;
    while (is_token_char(peek(ps)))
        ps->pos++;
    size_t n = (size_t)(ps->pos - s);
    int shown = n > 40 ? 40 : (int)n;
    if (n == 0) {
        ps->pos = s;
        return fail_expected(ps, "a value");
    }
    if (token_is(s, n, "true") || token_is(s, n, "false")) {
        out->type = TOML_BOOLEAN;
        out->as.boolean = s[0] == 't';
        return true;
    }
    if (is_digit(s[0]) && looks_like_date_or_time(s, n))
        return fail(ps, "dates and times are not supported: '%.*s'", shown, s);
    if (looks_like_float(s, n))
        return fail(ps, "floats are not supported: '%.*s'", shown, s);
    if (!is_digit(s[0]) && s[0] != '+' && s[0] != '-')
        return fail(ps, "invalid value '%.*s' (strings need quotes)", shown, s);
    out->type = TOML_INTEGER;
    return parse_integer(ps, s, n, &out->as.integer);
}

/* ---- Containers ---- */

static bool parse_value(struct parser *ps, struct toml_value *out, int depth);
static bool parse_key_value(struct parser *ps, struct toml_table *t);

static bool parse_array(struct parser *ps, struct toml_value *out, int depth) {
    struct toml_array *a = new_array(ps, depth, false);
    if (!a)
        return false;
    ps->pos++;
    for (;;) {
        if (!skip_blank(ps))
            goto failed;
        if (peek(ps) == ']')
            break;
        struct toml_value item;
        if (!parse_value(ps, &item, depth + 1))
            goto failed;
        if (!array_add(ps, a, &item)) {
            free_value(&item);
            goto failed;
        }
        if (!skip_blank(ps))
            goto failed;
        if (peek(ps) == ',') {
            ps->pos++;
            continue;
        }
        if (peek(ps) != ']') {
            fail_expected(ps, "',' or ']' in array");
            goto failed;
        }
        break;
    }
    ps->pos++;
    out->type = TOML_ARRAY;
    out->as.array = a;
    return true;
failed:
    free_array(a);
    return false;
}

static bool parse_inline_table(struct parser *ps, struct toml_value *out, int depth) {
    struct toml_table *t = new_table(ps, depth, TOML_TABLE_INLINE);
    if (!t)
        return false;
    ps->pos++;
    skip_whitespace(ps);
    if (peek(ps) != '}') {
        for (;;) {
            if (!parse_key_value(ps, t))
                goto failed;
            skip_whitespace(ps);
            if (peek(ps) == '}')
                break;
            if (peek(ps) != ',') {
                fail_expected(ps, at_newline(ps) ? "'}' (an inline table must be on one line)"
                                                 : "',' or '}' in inline table");
                goto failed;
            }
            ps->pos++;
            skip_whitespace(ps);
            if (peek(ps) == '}') {
                fail(ps, "trailing comma in inline table");
                goto failed;
            }
        }
    }
    ps->pos++;
    out->type = TOML_TABLE;
    out->as.table = t;
    return true;
failed:
    free_table(t);
    return false;
}

/* depth is what a container value would get. */
static bool parse_value(struct parser *ps, struct toml_value *out, int depth) {
    memset(out, 0, sizeof(*out));
    out->line = ps->line;
    switch (peek(ps)) {
    case '"':
    case '\'':
        out->type = TOML_STRING;
        if (at_triple_quote(ps))
            return parse_multi_line_string(ps, &out->as.string);
        return parse_single_line_string(ps, &out->as.string);
    case '[':
        return parse_array(ps, out, depth);
    case '{':
        return parse_inline_table(ps, out, depth);
    default:
        return parse_bare_value(ps, out);
    }
}

/* ---- Key/value pairs and headers ---- */

static const char *origin_text(enum toml_table_origin origin) {
    switch (origin) {
    case TOML_TABLE_HEADER:
        return "by a [table] header";
    case TOML_TABLE_DOTTED:
        return "by dotted keys";
    case TOML_TABLE_INLINE:
        return "as an inline table";
    default:
        return "implicitly";
    }
}

/* Walks (creating as needed) the tables that a dotted key's leading parts name. */
static struct toml_table *walk_dotted_key(struct parser *ps, struct toml_table *t,
                                          struct key_path *kp, int line) {
    char name[KEY_TEXT_MAX];
    for (size_t i = 0; i + 1 < kp->count; i++) {
        struct toml_value *v = table_find(t, kp->parts[i].data, kp->parts[i].len);
        if (!v) {
            t = add_subtable(ps, t, &kp->parts[i], TOML_TABLE_DOTTED, line);
            if (!t)
                return NULL;
            continue;
        }
        key_text(kp, i + 1, name, sizeof(name));
        if (v->type != TOML_TABLE) {
            fail(ps, "'%s' is already defined as %s on line %d, so it cannot hold keys", name,
                 toml_type_name(v->type), v->line);
            return NULL;
        }
        if (v->as.table->origin != TOML_TABLE_DOTTED) {
            fail(ps, "dotted keys cannot add to table '%s', which is defined %s on line %d", name,
                 origin_text(v->as.table->origin), v->line);
            return NULL;
        }
        t = v->as.table;
    }
    return t;
}

static bool parse_key_value(struct parser *ps, struct toml_table *t) {
    struct key_path kp = {0};
    int line = ps->line;
    bool ok = false;
    char name[KEY_TEXT_MAX];
    if (!parse_key_path(ps, &kp))
        goto done;
    if (peek(ps) != '=') {
        fail_expected(ps, "'=' after key");
        goto done;
    }
    ps->pos++;
    skip_whitespace(ps);
    t = walk_dotted_key(ps, t, &kp, line);
    if (!t)
        goto done;
    struct toml_string *last = &kp.parts[kp.count - 1];
    const struct toml_value *existing = table_find(t, last->data, last->len);
    if (existing) {
        fail(ps, "duplicate key '%s' (first defined on line %d)",
             key_text(&kp, kp.count, name, sizeof(name)), existing->line);
        goto done;
    }
    struct toml_value value;
    if (!parse_value(ps, &value, t->depth + 1))
        goto done;
    if (!table_add(ps, t, last, &value)) {
        free_value(&value);
        goto done;
    }
    ok = true;
done:
    key_path_free(&kp);
    return ok;
}

/* Walks (creating as needed) the tables that a header's leading parts name. */
static struct toml_table *walk_header_parents(struct parser *ps, struct key_path *kp) {
    struct toml_table *t = ps->root;
    char name[KEY_TEXT_MAX];
    for (size_t i = 0; i + 1 < kp->count; i++) {
        struct toml_value *v = table_find(t, kp->parts[i].data, kp->parts[i].len);
        if (!v) {
            t = add_subtable(ps, t, &kp->parts[i], TOML_TABLE_IMPLICIT, ps->line);
            if (!t)
                return NULL;
            continue;
        }
        key_text(kp, i + 1, name, sizeof(name));
        if (v->type == TOML_ARRAY && v->as.array->of_tables) {
            struct toml_array *a = v->as.array;
            t = a->items[a->count - 1].as.table; /* [[x]] arrays are never empty */
            continue;
        }
        if (v->type != TOML_TABLE) {
            fail(ps, "'%s' is already defined as %s on line %d, so it cannot hold tables", name,
                 toml_type_name(v->type), v->line);
            return NULL;
        }
        if (v->as.table->origin == TOML_TABLE_INLINE) {
            fail(ps, "cannot add to inline table '%s' defined on line %d", name, v->line);
            return NULL;
        }
        t = v->as.table;
    }
    return t;
}

static bool define_table(struct parser *ps, struct key_path *kp) {
    struct toml_table *parent = walk_header_parents(ps, kp);
    if (!parent)
        return false;
    struct toml_string *last = &kp->parts[kp->count - 1];
    struct toml_value *v = table_find(parent, last->data, last->len);
    char name[KEY_TEXT_MAX];
    key_text(kp, kp->count, name, sizeof(name));
    if (!v) {
        ps->current = add_subtable(ps, parent, last, TOML_TABLE_HEADER, ps->line);
        return ps->current != NULL;
    }
    if (v->type == TOML_TABLE && v->as.table->origin == TOML_TABLE_IMPLICIT) {
        v->as.table->origin = TOML_TABLE_HEADER;
        v->line = ps->line;
        ps->current = v->as.table;
        return true;
    }
    if (v->type == TOML_TABLE)
        return fail(ps, "table '%s' is already defined %s on line %d", name,
                    origin_text(v->as.table->origin), v->line);
    if (v->type == TOML_ARRAY && v->as.array->of_tables)
        return fail(ps, "'%s' is already defined as an array of tables on line %d (use [[%s]])",
                    name, v->line, name);
    return fail(ps, "'%s' is already defined as %s on line %d", name, toml_type_name(v->type),
                v->line);
}

static bool append_table(struct parser *ps, struct key_path *kp) {
    struct toml_table *parent = walk_header_parents(ps, kp);
    if (!parent)
        return false;
    struct toml_string *last = &kp->parts[kp->count - 1];
    struct toml_value *v = table_find(parent, last->data, last->len);
    char name[KEY_TEXT_MAX];
    key_text(kp, kp->count, name, sizeof(name));
    struct toml_array *a;
    if (!v) {
        a = new_array(ps, parent->depth + 1, true);
        if (!a)
            return false;
        struct toml_value av = {.type = TOML_ARRAY, .line = ps->line, .as.array = a};
        if (!table_add(ps, parent, last, &av)) {
            free_array(a);
            return false;
        }
    } else if (v->type == TOML_ARRAY && v->as.array->of_tables) {
        a = v->as.array;
    } else if (v->type == TOML_ARRAY) {
        return fail(ps, "cannot append to array '%s' defined with [ ] on line %d", name, v->line);
    } else {
        return fail(ps, "'%s' is already defined as %s on line %d", name, toml_type_name(v->type),
                    v->line);
    }
    struct toml_table *t = new_table(ps, a->depth + 1, TOML_TABLE_HEADER);
    if (!t)
        return false;
    struct toml_value tv = {.type = TOML_TABLE, .line = ps->line, .as.table = t};
    if (!array_add(ps, a, &tv)) {
        free_table(t);
        return false;
    }
    ps->current = t;
    return true;
}

static bool parse_header(struct parser *ps) {
    bool array = peek_at(ps, 1) == '[';
    ps->pos += array ? 2 : 1;
    skip_whitespace(ps);
    struct key_path kp = {0};
    bool ok = parse_key_path(ps, &kp);
    if (ok && array && peek(ps) == ']' && peek_at(ps, 1) != ']')
        ps->pos++; /* point the message at what follows the lone ']' */
    if (ok && (peek(ps) != ']' || (array && peek_at(ps, 1) != ']')))
        ok = fail_expected(ps, array ? "']]' to close the table header"
                                     : "']' to close the table header");
    if (ok) {
        ps->pos += array ? 2 : 1;
        ok = array ? append_table(ps, &kp) : define_table(ps, &kp);
    }
    key_path_free(&kp);
    return ok && expect_end_of_line(ps, "the table header");
}

static bool parse_document(struct parser *ps) {
    for (;;) {
        skip_whitespace(ps);
        int c = peek(ps);
        if (c < 0)
            return true;
        if (c == '#') {
            if (!expect_end_of_line(ps, "a comment"))
                return false;
        } else if (at_newline(ps)) {
            consume_newline(ps);
        } else if (c == '[') {
            if (!parse_header(ps))
                return false;
        } else {
            if (!parse_key_value(ps, ps->current) || !expect_end_of_line(ps, "the value"))
                return false;
        }
    }
}

/* ---- Entry points ---- */

/* Returns the offset of the first byte that is not part of valid UTF-8, or len. */
static size_t utf8_invalid_offset(const unsigned char *s, size_t len) {
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t extra;
        unsigned low = 0x80, high = 0xbf; /* allowed range of the first continuation byte */
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            extra = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            extra = 2;
            if (c == 0xe0)
                low = 0xa0; /* overlong */
            if (c == 0xed)
                high = 0x9f; /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            extra = 3;
            if (c == 0xf0)
                low = 0x90; /* overlong */
            if (c == 0xf4)
                high = 0x8f; /* above U+10FFFF */
        } else {
            return i;
        }
        if (len - i <= extra)
            return i;
        if (s[i + 1] < low || s[i + 1] > high)
            return i;
        for (size_t k = 2; k <= extra; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
        i += extra + 1;
    }
    return len;
}

struct toml_table *toml_parse(const char *text, size_t len, struct toml_error *error) {
    struct toml_error scratch;
    if (!error)
        error = &scratch;
    error->line = 0;
    error->message[0] = 0;
    if (!text)
        text = "";
    struct parser ps = {.pos = text, .end = text + len, .line = 1, .error = error};
    size_t bad = utf8_invalid_offset((const unsigned char *)text, len);
    if (bad < len) {
        for (size_t i = 0; i < bad; i++)
            ps.line += text[i] == '\n';
        fail(&ps, "invalid UTF-8 (byte 0x%02x)", (unsigned)(unsigned char)text[bad]);
        return NULL;
    }
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        ps.pos += 3; /* byte order mark */
    ps.root = new_table(&ps, 0, TOML_TABLE_ROOT);
    if (!ps.root)
        return NULL;
    ps.current = ps.root;
    if (!parse_document(&ps)) {
        free_table(ps.root);
        return NULL;
    }
    return ps.root;
}

const struct toml_value *toml_table_get(const struct toml_table *table, const char *key) {
    return table_find(table, key, strlen(key));
}

const struct toml_value *toml_get_path(const struct toml_table *table, const char *path) {
    for (;;) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        const struct toml_value *v = table_find(table, path, n);
        if (!v || !dot)
            return v;
        if (v->type != TOML_TABLE)
            return NULL;
        table = v->as.table;
        path = dot + 1;
    }
}

const char *toml_type_name(enum toml_type type) {
    switch (type) {
    case TOML_STRING:
        return "a string";
    case TOML_INTEGER:
        return "an integer";
    case TOML_BOOLEAN:
        return "a boolean";
    case TOML_ARRAY:
        return "an array";
    case TOML_TABLE:
        return "a table";
    }
    return "a value";
}
