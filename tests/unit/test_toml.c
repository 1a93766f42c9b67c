/* unit-sources: common/toml.c common/string.c common/fmt.c */
/* Tests of the TOML parser: every construct, every error with its line, and the limits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/toml.h"

static int g_failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                        \
            g_failures++;                                                                          \
        }                                                                                          \
    } while (0)

/* Parses text from an exact-size heap copy (no NUL after it), so that ASan catches any read
 * past the end. */
static struct toml_table *parse_len(const char *text, size_t len, struct toml_error *error) {
    char *copy = malloc(len ? len : 1);
    memcpy(copy, text, len);
    struct toml_table *t = toml_parse(copy, len, error);
    free(copy);
    return t;
}

static struct toml_table *parse_ok_at(const char *text, int line) {
    struct toml_error error;
    struct toml_table *t = parse_len(text, strlen(text), &error);
    if (!t) {
        printf("%s:%d: parse failed: line %d: %s\n", __FILE__, line, error.line, error.message);
        g_failures++;
    }
    return t;
}
#define parse_ok(text) parse_ok_at(text, __LINE__)

static void expect_error_at(const char *text, size_t len, int line, const char *message,
                            int source_line) {
    struct toml_error error;
    struct toml_table *t = parse_len(text, len, &error);
    if (t) {
        printf("%s:%d: parse succeeded, expected line %d: %s\n", __FILE__, source_line, line,
               message);
        g_failures++;
        toml_free(t);
        return;
    }
    if (error.line != line || strcmp(error.message, message) != 0) {
        printf("%s:%d: got error   line %d: %s\n%*sexpected line %d: %s\n", __FILE__, source_line,
               error.line, error.message, (int)strlen(__FILE__) + 6, "", line, message);
        g_failures++;
    }
}
#define expect_error(text, line, message)                                                          \
    expect_error_at(text, strlen(text), line, message, __LINE__)

static const struct toml_value *get(const struct toml_table *t, const char *path) {
    const struct toml_value *v = t ? toml_get_path(t, path) : NULL;
    if (!v)
        printf("missing key '%s'\n", path);
    return v;
}

static bool is_string(const struct toml_table *t, const char *path, const char *want) {
    const struct toml_value *v = get(t, path);
    return v && v->type == TOML_STRING && v->as.string.len == strlen(want) &&
           memcmp(v->as.string.data, want, strlen(want)) == 0 &&
           v->as.string.data[v->as.string.len] == 0;
}

static bool is_integer(const struct toml_table *t, const char *path, int64_t want) {
    const struct toml_value *v = get(t, path);
    return v && v->type == TOML_INTEGER && v->as.integer == want;
}

static bool is_boolean(const struct toml_table *t, const char *path, bool want) {
    const struct toml_value *v = get(t, path);
    return v && v->type == TOML_BOOLEAN && v->as.boolean == want;
}

static int line_of(const struct toml_table *t, const char *path) {
    const struct toml_value *v = get(t, path);
    return v ? v->line : -1;
}

static void test_comments_and_whitespace(void) {
    struct toml_table *t = parse_ok("# leading comment\n"
                                    "\n"
                                    "  \t a = 1 # trailing comment with \"quotes\" and é\n"
                                    "\r\n"
                                    "b=2\r\n"
                                    "# last line without newline");
    CHECK(is_integer(t, "a", 1));
    CHECK(is_integer(t, "b", 2));
    CHECK(line_of(t, "a") == 3);
    CHECK(line_of(t, "b") == 5);
    CHECK(t && t->count == 2);
    toml_free(t);

    t = parse_ok("");
    CHECK(t && t->count == 0);
    toml_free(t);
    t = toml_parse(NULL, 0, NULL);
    CHECK(t && t->count == 0);
    toml_free(t);
    t = parse_ok("\xef\xbb\xbf"
                 "a = 1"); /* byte order mark */
    CHECK(is_integer(t, "a", 1));
    toml_free(t);
}

static void test_keys(void) {
    struct toml_table *t = parse_ok("bare_key-1 = 1\n"
                                    "1234 = 2\n"
                                    "\"quoted key\" = 3\n"
                                    "'literal \\ key' = 4\n"
                                    "\"\" = 5\n"
                                    "site . \"google.com\" . x = true\n"
                                    "\"\\u00e9\" = 6\n");
    CHECK(is_integer(t, "bare_key-1", 1));
    CHECK(is_integer(t, "1234", 2));
    CHECK(t && toml_table_get(t, "quoted key") && toml_table_get(t, "quoted key")->as.integer == 3);
    CHECK(t && toml_table_get(t, "literal \\ key"));
    CHECK(t && toml_table_get(t, "") && toml_table_get(t, "")->as.integer == 5);
    CHECK(t && toml_table_get(t, "\xc3\xa9"));
    const struct toml_value *site = t ? toml_table_get(t, "site") : NULL;
    CHECK(site && site->type == TOML_TABLE);
    if (site && site->type == TOML_TABLE) {
        const struct toml_value *g = toml_table_get(site->as.table, "google.com");
        CHECK(g && g->type == TOML_TABLE && is_boolean(g->as.table, "x", true));
        CHECK(site->as.table->origin == TOML_TABLE_DOTTED);
    }
    CHECK(toml_get_path(t, "site.google.com.x") == NULL); /* paths split at every dot */
    CHECK(toml_get_path(t, "bare_key-1.x") == NULL);
    CHECK(toml_get_path(t, "nope") == NULL);

    /* Keys in document order, as the manifest layer iterates them. */
    static const char *const order[] = {"bare_key-1", "1234", "quoted key", "literal \\ key",
                                        "",           "site", "\xc3\xa9"};
    CHECK(t && t->count == 7);
    for (size_t i = 0; t && i < t->count && i < 7; i++)
        CHECK(strcmp(t->items[i].key.data, order[i]) == 0);
    toml_free(t);

    t = parse_ok("a.b.c = 1\n"
                 "a.b.d = 2\n"
                 "a.e = 3\n");
    CHECK(is_integer(t, "a.b.c", 1));
    CHECK(is_integer(t, "a.b.d", 2));
    CHECK(is_integer(t, "a.e", 3));
    CHECK(line_of(t, "a") == 1);
    toml_free(t);
}

static void test_tables(void) {
    struct toml_table *t = parse_ok("top = 0\n"
                                    "[server]\n"
                                    "host = 'h'\n"
                                    "[ server . limits ]\n"
                                    "max = 10\n"
                                    "[x.y.z]\n"
                                    "deep = 1\n"
                                    "[x]\n" /* defining an implicit parent later is fine */
                                    "own = 2\n"
                                    "[fruit]\n"
                                    "apple.color = 'red'\n"
                                    "[fruit.apple.texture]\n" /* sub-table of a dotted table */
                                    "smooth = true\n");
    CHECK(is_integer(t, "top", 0));
    CHECK(is_string(t, "server.host", "h"));
    CHECK(is_integer(t, "server.limits.max", 10));
    CHECK(is_integer(t, "x.y.z.deep", 1));
    CHECK(is_integer(t, "x.own", 2));
    CHECK(is_string(t, "fruit.apple.color", "red"));
    CHECK(is_boolean(t, "fruit.apple.texture.smooth", true));
    CHECK(line_of(t, "server") == 2);
    CHECK(line_of(t, "server.limits") == 4);
    CHECK(line_of(t, "x") == 8); /* the line of the header that defined it */
    CHECK(line_of(t, "x.y") == 6);
    const struct toml_value *x = get(t, "x");
    CHECK(x && x->as.table->origin == TOML_TABLE_HEADER && x->as.table->depth == 1);
    const struct toml_value *y = get(t, "x.y");
    CHECK(y && y->as.table->origin == TOML_TABLE_IMPLICIT && y->as.table->depth == 2);
    toml_free(t);
}

static void test_arrays_of_tables(void) {
    struct toml_table *t = parse_ok("[[fruit]]\n"
                                    "name = 'apple'\n"
                                    "[fruit.physical]\n"
                                    "color = 'red'\n"
                                    "[[fruit.variety]]\n"
                                    "name = 'red delicious'\n"
                                    "[[fruit.variety]]\n"
                                    "name = 'granny smith'\n"
                                    "\n"
                                    "[[fruit]]\n"
                                    "name = 'banana'\n"
                                    "[[fruit.variety]]\n"
                                    "name = 'plantain'\n"
                                    "[[empty]]\n");
    const struct toml_value *fruit = get(t, "fruit");
    CHECK(fruit && fruit->type == TOML_ARRAY && fruit->as.array->of_tables);
    CHECK(fruit && fruit->line == 1);
    if (fruit && fruit->type == TOML_ARRAY && fruit->as.array->count == 2) {
        const struct toml_table *apple = fruit->as.array->items[0].as.table;
        const struct toml_table *banana = fruit->as.array->items[1].as.table;
        CHECK(fruit->as.array->items[0].line == 1);
        CHECK(fruit->as.array->items[1].line == 10);
        CHECK(is_string(apple, "name", "apple"));
        CHECK(is_string(apple, "physical.color", "red"));
        const struct toml_value *variety = get(apple, "variety");
        CHECK(variety && variety->type == TOML_ARRAY && variety->as.array->count == 2);
        if (variety && variety->as.array->count == 2)
            CHECK(is_string(variety->as.array->items[1].as.table, "name", "granny smith"));
        CHECK(is_string(banana, "name", "banana"));
        variety = get(banana, "variety");
        CHECK(variety && variety->type == TOML_ARRAY && variety->as.array->count == 1);
    } else {
        CHECK(!"fruit has two elements");
    }
    const struct toml_value *empty = get(t, "empty");
    CHECK(empty && empty->type == TOML_ARRAY && empty->as.array->count == 1 &&
          empty->as.array->items[0].as.table->count == 0);
    toml_free(t);
}

static void test_strings(void) {
    struct toml_table *t =
        parse_ok("basic = \"tab\\tquote\\\" backslash\\\\ nl\\n cr\\r bs\\b ff\\f\"\n"
                 "unicode = \"\\u0041\\u00e9\\u20ac\\U0001F600\\U00000042\"\n"
                 "raw_utf8 = \"caf\xc3\xa9 \xe2\x82\xac\"\n"
                 "literal = 'C:\\Users\\nodejs\\templates'\n"
                 "literal_quotes = '<\\i\\c*\\s*>\"'\n"
                 "empty = \"\"\n"
                 "empty_literal = ''\n"
                 "with_tab = \"a\tb\"\n");
    CHECK(is_string(t, "basic", "tab\tquote\" backslash\\ nl\n cr\r bs\b ff\f"));
    CHECK(is_string(t, "unicode",
                    "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
                    "B"));
    CHECK(is_string(t, "raw_utf8", "caf\xc3\xa9 \xe2\x82\xac"));
    CHECK(is_string(t, "literal", "C:\\Users\\nodejs\\templates"));
    CHECK(is_string(t, "literal_quotes", "<\\i\\c*\\s*>\""));
    CHECK(is_string(t, "empty", ""));
    CHECK(is_string(t, "empty_literal", ""));
    CHECK(is_string(t, "with_tab", "a\tb"));
    toml_free(t);

    t = parse_ok("nul = \"a\\u0000b\"\n");
    const struct toml_value *nul = get(t, "nul");
    CHECK(nul && nul->as.string.len == 3 && memcmp(nul->as.string.data, "a\0b", 4) == 0);
    toml_free(t);
}

static void test_multi_line_strings(void) {
    struct toml_table *t = parse_ok("a = \"\"\"\n"
                                    "Roses are red\n"
                                    "Violets are blue\"\"\"\n"
                                    "b = \"\"\"\\\n"
                                    "    The quick \\\n"
                                    "\n"
                                    "    brown \\   \n"
                                    "    fox.\\\n"
                                    "    \"\"\"\n"
                                    "c = \"\"\"Here are two quotes: \"\". Simple.\"\"\"\n"
                                    "d = \"\"\"\"This,\" she said, \"is a quote.\"\"\"\"\"\n"
                                    "e = '''\r\n"
                                    "first line\r\n"
                                    "  raw \\n '' end'''\n"
                                    "f = ''''''\n"
                                    "g = '''''quoted'''''\n"
                                    "h = \"\"\"esc \\t \\u00e9\"\"\"\n"
                                    "after = 1\n");
    CHECK(is_string(t, "a", "Roses are red\nViolets are blue"));
    CHECK(is_string(t, "b", "The quick brown fox."));
    CHECK(is_string(t, "c", "Here are two quotes: \"\". Simple."));
    CHECK(is_string(t, "d", "\"This,\" she said, \"is a quote.\"\""));
    CHECK(is_string(t, "e", "first line\n  raw \\n '' end"));
    CHECK(is_string(t, "f", ""));
    CHECK(is_string(t, "g", "''quoted''"));
    CHECK(is_string(t, "h", "esc \t \xc3\xa9"));
    CHECK(line_of(t, "b") == 4);
    CHECK(line_of(t, "e") == 12);
    CHECK(line_of(t, "after") == 18); /* lines inside strings are counted */
    toml_free(t);
}

static void test_integers_and_booleans(void) {
    struct toml_table *t = parse_ok("a = 0\n"
                                    "b = +99\n"
                                    "c = -17\n"
                                    "d = 1_000_000\n"
                                    "e = 0xDEAD_beef\n"
                                    "f = 0o755\n"
                                    "g = 0b1101_0110\n"
                                    "h = 9223372036854775807\n"
                                    "i = -9223372036854775808\n"
                                    "j = -0\n"
                                    "k = +0\n"
                                    "l = 0x7fffffffffffffff\n"
                                    "m = true\n"
                                    "n = false\n"
                                    "o = 0x0\n");
    CHECK(is_integer(t, "a", 0));
    CHECK(is_integer(t, "b", 99));
    CHECK(is_integer(t, "c", -17));
    CHECK(is_integer(t, "d", 1000000));
    CHECK(is_integer(t, "e", 0xdeadbeef));
    CHECK(is_integer(t, "f", 0755));
    CHECK(is_integer(t, "g", 0xd6));
    CHECK(is_integer(t, "h", INT64_MAX));
    CHECK(is_integer(t, "i", INT64_MIN));
    CHECK(is_integer(t, "j", 0));
    CHECK(is_integer(t, "k", 0));
    CHECK(is_integer(t, "l", INT64_MAX));
    CHECK(is_boolean(t, "m", true));
    CHECK(is_boolean(t, "n", false));
    CHECK(is_integer(t, "o", 0));
    toml_free(t);
}

static void test_arrays(void) {
    struct toml_table *t = parse_ok("empty = []\n"
                                    "ints = [ 1, 2, 3 ]\n"
                                    "nested = [ [1, 2], ['a', \"b\"], [] ]\n"
                                    "mixed = [1, 'two', true, {x = 3}, [4]]\n"
                                    "multi = [\n"
                                    "  'first',  # comment\n"
                                    "\n"
                                    "  # another comment\n"
                                    "  'second',\n"
                                    "]\n"
                                    "tail = 1\n");
    const struct toml_value *v = get(t, "empty");
    CHECK(v && v->type == TOML_ARRAY && v->as.array->count == 0 && !v->as.array->of_tables);
    v = get(t, "ints");
    CHECK(v && v->type == TOML_ARRAY && v->as.array->count == 3 &&
          v->as.array->items[2].as.integer == 3);
    v = get(t, "nested");
    CHECK(v && v->as.array->count == 3 && v->as.array->items[1].type == TOML_ARRAY &&
          v->as.array->items[1].as.array->count == 2 &&
          strcmp(v->as.array->items[1].as.array->items[1].as.string.data, "b") == 0 &&
          v->as.array->items[2].as.array->count == 0);
    CHECK(v && v->as.array->depth == 1 && v->as.array->items[0].as.array->depth == 2);
    v = get(t, "mixed");
    CHECK(v && v->as.array->count == 5 && v->as.array->items[3].type == TOML_TABLE &&
          is_integer(v->as.array->items[3].as.table, "x", 3) &&
          v->as.array->items[4].type == TOML_ARRAY);
    v = get(t, "multi");
    CHECK(v && v->as.array->count == 2 && v->line == 5 && v->as.array->items[0].line == 6 &&
          v->as.array->items[1].line == 9);
    CHECK(line_of(t, "tail") == 11);
    toml_free(t);
}

static void test_inline_tables(void) {
    struct toml_table *t = parse_ok("name = { first = \"Tom\", last = \"Preston-Werner\" }\n"
                                    "point = {x=1,y=2}\n"
                                    "empty = {}\n"
                                    "animal = { type.name = \"pug\", type.size = 'small' }\n"
                                    "nest = { a = { b = { c = [1, { d = true }] } } }\n"
                                    "multi_value = { list = [\n"
                                    "  1,\n"
                                    "  2 ], s = '''\n"
                                    "x''' }\n");
    CHECK(is_string(t, "name.first", "Tom"));
    CHECK(is_string(t, "name.last", "Preston-Werner"));
    CHECK(is_integer(t, "point.y", 2));
    const struct toml_value *v = get(t, "empty");
    CHECK(v && v->type == TOML_TABLE && v->as.table->count == 0 &&
          v->as.table->origin == TOML_TABLE_INLINE);
    CHECK(is_string(t, "animal.type.name", "pug"));
    CHECK(is_string(t, "animal.type.size", "small"));
    v = get(t, "nest.a.b.c");
    CHECK(v && v->type == TOML_ARRAY && v->as.array->count == 2 &&
          is_boolean(v->as.array->items[1].as.table, "d", true));
    CHECK(is_string(t, "multi_value.s", "x"));
    toml_free(t);
}

static void test_syntax_errors(void) {
    expect_error("a = 1\nb = 2\nc 3\n", 3, "expected '=' after key, got '3'");
    expect_error("a = 1\nb = 2\nc\n", 3, "expected '=' after key, got end of line");
    expect_error("a =", 1, "expected a value, got end of input");
    expect_error("a = \n", 1, "expected a value, got end of line");
    expect_error("a = 1 2\n", 1, "expected a new line after the value, got '2'");
    expect_error("a = 'x' 'y'\n", 1, "expected a new line after the value, got '''");
    expect_error("= 1\n", 1, "expected a key, got '='");
    expect_error("a. = 1\n", 1, "expected a key, got '='");
    expect_error("a..b = 1\n", 1, "expected a key, got '.'");
    expect_error("\n\n@ = 1\n", 3, "expected a key, got '@'");
    expect_error("a = @\n", 1, "expected a value, got '@'");
    expect_error("\"\"\"a\"\"\" = 1\n", 1, "a key cannot be a multi-line string");
    expect_error("a = yes\n", 1, "invalid value 'yes' (strings need quotes)");
    expect_error("a = True\n", 1, "invalid value 'True' (strings need quotes)");
    expect_error("a = truex\n", 1, "invalid value 'truex' (strings need quotes)");
    expect_error("[a\n", 1, "expected ']' to close the table header, got end of line");
    expect_error("[a.]\n", 1, "expected a key, got ']'");
    expect_error("[]\n", 1, "expected a key, got ']'");
    expect_error("[[a]\n", 1, "expected ']]' to close the table header, got end of line");
    expect_error("[[a] ]\n", 1, "expected ']]' to close the table header, got ' '");
    expect_error("[a] b = 1\n", 1, "expected a new line after the table header, got 'b'");
    expect_error("a = [1 2]\n", 1, "expected ',' or ']' in array, got '2'");
    expect_error("a = [1,,2]\n", 1, "expected a value, got ','");
    expect_error("a = [,]\n", 1, "expected a value, got ','");
    expect_error("a = [1,\n2\n", 3, "expected ',' or ']' in array, got end of input");
    expect_error("a = {x = 1\n", 1,
                 "expected '}' (an inline table must be on one line), got end of line");
    expect_error("a = {x = 1,\ny = 2}\n", 1, "expected a key, got end of line");
    expect_error("a = {x = 1,}\n", 1, "trailing comma in inline table");
    expect_error("a = {x = 1 y = 2}\n", 1, "expected ',' or '}' in inline table, got 'y'");
    expect_error("a = {x = 1, x = 2}\n", 1, "duplicate key 'x' (first defined on line 1)");
}

static void test_character_errors(void) {
    expect_error("a = 1 # ok\n# bad \x01 here\n", 2,
                 "control character U+0001 is not allowed in a comment");
    expect_error("# del \x7f\n", 1, "control character U+007F is not allowed in a comment");
    expect_error("# cr \r here\n", 1, "carriage return without a line feed in a comment");
    expect_error("a = 1\rb = 2\n", 1,
                 "expected a new line after the value, got a carriage return without a line feed");
    expect_error("a = 1\n\n\x80 = 2\n", 3, "invalid UTF-8 (byte 0x80)");
    expect_error("# \xc0\xaf overlong\n", 1, "invalid UTF-8 (byte 0xc0)");
    expect_error("a = '\xed\xa0\x80'\n", 1, "invalid UTF-8 (byte 0xed)"); /* surrogate */
    expect_error("a = '\xf4\x90\x80\x80'\n", 1, "invalid UTF-8 (byte 0xf4)");
    expect_error("a = '\xe2\x82'", 1, "invalid UTF-8 (byte 0xe2)"); /* cut at the end */
    static const char nul_in_key[] = "a\0 = 1\n";
    expect_error_at(nul_in_key, sizeof(nul_in_key) - 1, 1, "expected '=' after key, got byte 0x00",
                    __LINE__);
    static const char nul_in_string[] = "a = \"x\0\"\n";
    expect_error_at(nul_in_string, sizeof(nul_in_string) - 1, 1,
                    "control character U+0000 is not allowed in a string (use an escape)",
                    __LINE__);
}

static void test_string_errors(void) {
    expect_error("a = \"abc\n", 1,
                 "unterminated string: missing closing \" before the end of the line");
    expect_error("a = 'abc", 1,
                 "unterminated string: missing closing ' before the end of the line");
    expect_error("\na = \"abc", 2,
                 "unterminated string: missing closing \" before the end of the line");
    expect_error("a = \"\\q\"\n", 1, "invalid escape sequence '\\q' in string");
    expect_error("a = \"\\e\"\n", 1, "invalid escape sequence '\\e' in string");
    expect_error("a = \"\\ \"\n", 1,
                 "invalid escape sequence in string: '\\' must be followed by one of b t n f r "
                 "\" \\ u U");
    expect_error("a = \"\\u12\"\n", 1, "'\\u' must be followed by 4 hex digits");
    expect_error("a = \"\\U0001F60\"\n", 1, "'\\U' must be followed by 8 hex digits");
    expect_error("a = \"\\u", 1, "'\\u' must be followed by 4 hex digits");
    expect_error("a = \"\\uD800\"\n", 1, "'\\uD800' is not a Unicode scalar value");
    expect_error("a = \"\\U00110000\"\n", 1, "'\\U00110000' is not a Unicode scalar value");
    expect_error("a = \"x\x1by\"\n", 1,
                 "control character U+001B is not allowed in a string (use an escape)");
    expect_error("a = 'x\x1by'\n", 1,
                 "control character U+001B is not allowed in a string (use an escape)");
    expect_error("a = 1\nb = \"\"\"\nabc\n\n", 2,
                 "unterminated multi-line string: missing closing \"\"\"");
    expect_error("a = '''abc''", 1, "unterminated multi-line string: missing closing '''");
    expect_error("a = \"\"\"abc\"\"\"\"\"\"\n", 1,
                 "6 \" characters in a row in a multi-line string (escape them)");
    expect_error(
        "a = \"\"\"\nx\\  y\"\"\"\n", 2,
        "invalid escape sequence in string: '\\' followed by whitespace must end the line");
    expect_error("a = \"\"\"\n\\q\"\"\"\n", 2, "invalid escape sequence '\\q' in string");
    expect_error("a = \"\"\"\nx\x01\"\"\"\n", 2,
                 "control character U+0001 is not allowed in a string (use an escape)");
    expect_error("a = '''\nx\ry'''\n", 2,
                 "carriage return without a line feed in a string (use an escape)");
}

static void test_number_errors(void) {
    expect_error("a = 3.14\n", 1, "floats are not supported: '3.14'");
    expect_error("a = 1e6\n", 1, "floats are not supported: '1e6'");
    expect_error("a = -2E-2\n", 1, "floats are not supported: '-2E-2'");
    expect_error("a = inf\n", 1, "floats are not supported: 'inf'");
    expect_error("a = -inf\n", 1, "floats are not supported: '-inf'");
    expect_error("a = +nan\n", 1, "floats are not supported: '+nan'");
    expect_error("a = 1979-05-27\n", 1, "dates and times are not supported: '1979-05-27'");
    expect_error("a = 1979-05-27T07:32:00Z\n", 1,
                 "dates and times are not supported: '1979-05-27T07:32:00Z'");
    expect_error("a = 07:32:00\n", 1, "dates and times are not supported: '07:32:00'");
    expect_error("a = 1979-05-27 07:32:00\n", 1, "dates and times are not supported: '1979-05-27'");
    expect_error("a = 01\n", 1, "leading zeros are not allowed in integer '01'");
    expect_error("a = -01\n", 1, "leading zeros are not allowed in integer '-01'");
    expect_error("a = 0_0\n", 1, "leading zeros are not allowed in integer '0_0'");
    expect_error("a = 1__2\n", 1, "'_' must sit between digits in integer '1__2'");
    expect_error("a = 1_\n", 1, "'_' must sit between digits in integer '1_'");
    expect_error("a = 0x_1\n", 1, "'_' must sit between digits in integer '0x_1'");
    expect_error("a = _1\n", 1, "invalid value '_1' (strings need quotes)");
    expect_error("a = +0x10\n", 1, "hex, octal and binary integers cannot have a sign: '+0x10'");
    expect_error("a = -0b1\n", 1, "hex, octal and binary integers cannot have a sign: '-0b1'");
    expect_error("a = 0x\n", 1, "invalid integer '0x'");
    expect_error("a = 0X10\n", 1, "leading zeros are not allowed in integer '0X10'");
    expect_error("a = 0xg\n", 1, "invalid integer '0xg'");
    expect_error("a = 0o8\n", 1, "invalid integer '0o8'");
    expect_error("a = 0b102\n", 1, "invalid integer '0b102'");
    expect_error("a = -\n", 1, "invalid integer '-'");
    expect_error("a = 12abc\n", 1, "invalid integer '12abc'");
    expect_error("a = 9223372036854775808\n", 1,
                 "integer '9223372036854775808' does not fit in 64 bits");
    expect_error("a = -9223372036854775809\n", 1,
                 "integer '-9223372036854775809' does not fit in 64 bits");
    expect_error("a = 0x8000000000000000\n", 1,
                 "integer '0x8000000000000000' does not fit in 64 bits");
    expect_error("a = 123456789012345678901234567890123456789012345\n", 1,
                 "integer '1234567890123456789012345678901234567890' does not fit in 64 bits");
}

static void test_redefinition_errors(void) {
    expect_error("a = 1\nb = 2\na = 3\n", 3, "duplicate key 'a' (first defined on line 1)");
    expect_error("a = 1\n'a' = 3\n", 2, "duplicate key 'a' (first defined on line 1)");
    expect_error("a.b = 1\na.b = 2\n", 2, "duplicate key 'a.b' (first defined on line 1)");
    expect_error("a.b = 1\na = 2\n", 2, "duplicate key 'a' (first defined on line 1)");
    expect_error("a = 1\na.b = 2\n", 2,
                 "'a' is already defined as an integer on line 1, so it cannot hold keys");
    expect_error("[t]\nx = 1\n\n[t]\ny = 2\n", 4,
                 "table 't' is already defined by a [table] header on line 1");
    expect_error("[a.b]\n[a]\n[a]\n", 3,
                 "table 'a' is already defined by a [table] header on line 2");
    expect_error("a.b = 1\n[a]\n", 2, "table 'a' is already defined by dotted keys on line 1");
    expect_error("[fruit]\napple.color = 'red'\n[fruit.apple]\n", 3,
                 "table 'fruit.apple' is already defined by dotted keys on line 2");
    expect_error("a = {}\n[a]\n", 2, "table 'a' is already defined as an inline table on line 1");
    expect_error("a = 1\n[a]\n", 2, "'a' is already defined as an integer on line 1");
    expect_error("a = 1\n[a.b]\n", 2,
                 "'a' is already defined as an integer on line 1, so it cannot hold tables");
    expect_error("a = {x = 1}\n[a.b]\n", 2, "cannot add to inline table 'a' defined on line 1");
    expect_error("a = {x = 1}\na.y = 2\n", 2,
                 "dotted keys cannot add to table 'a', which is defined as an inline table on "
                 "line 1");
    expect_error("[a.b.c]\nz = 1\n[a]\nb.c.t = 2\n", 4,
                 "dotted keys cannot add to table 'b', which is defined implicitly on line 1");
    expect_error("[a]\n[a.b]\n[a]\n", 3,
                 "table 'a' is already defined by a [table] header on line 1");
    expect_error("[a.b]\nx = 1\n[a]\nb.y = 2\n", 4,
                 "dotted keys cannot add to table 'b', which is defined by a [table] header on "
                 "line 1");
    expect_error("a = []\n[[a]]\n", 2, "cannot append to array 'a' defined with [ ] on line 1");
    expect_error("a = 5\n[[a]]\n", 2, "'a' is already defined as an integer on line 1");
    expect_error("[a]\n[[a]]\n", 2, "'a' is already defined as a table on line 1");
    expect_error("[[a]]\n[a]\n", 2,
                 "'a' is already defined as an array of tables on line 1 (use [[a]])");
    expect_error("a = [{x = 1}]\n[a.b]\n", 2,
                 "'a' is already defined as an array on line 1, so it cannot hold tables");
    expect_error("[[a]]\nb = 1\n[a.b]\n", 3, "'a.b' is already defined as an integer on line 2");
}

static char *repeat(const char *head, const char *unit, size_t count, const char *tail) {
    size_t len = strlen(head) + strlen(unit) * count + strlen(tail) + 1;
    char *s = malloc(len);
    strcpy(s, head);
    for (size_t i = 0; i < count; i++)
        strcat(s, unit);
    strcat(s, tail);
    return s;
}

static void test_nesting_limit(void) {
    /* The root is depth 0, so a value of the root may hold 64 levels of arrays. */
    char *open = repeat("a = ", "[", TOML_MAX_DEPTH, "");
    char *text = repeat(open, "]", TOML_MAX_DEPTH, "\n");
    struct toml_table *t = parse_ok(text);
    toml_free(t);
    free(open);
    free(text);
    open = repeat("a = ", "[", TOML_MAX_DEPTH + 1, "");
    text = repeat(open, "]", TOML_MAX_DEPTH + 1, "\n");
    expect_error(text, 1, "tables and arrays nest deeper than 64 levels");
    free(open);
    free(text);

    /* Without closing brackets: must stop at the limit, not recurse through the input. */
    text = repeat("a = ", "[{b=", 100000, "\n");
    expect_error(text, 1, "tables and arrays nest deeper than 64 levels");
    free(text);

    open = repeat("a = ", "{b = ", TOML_MAX_DEPTH, "1");
    text = repeat(open, "}", TOML_MAX_DEPTH, "\n");
    t = parse_ok(text);
    toml_free(t);
    free(open);
    free(text);

    text = repeat("", "a.", TOML_MAX_DEPTH - 1, "a = 1\n");
    t = parse_ok(text);
    toml_free(t);
    free(text);
    text = repeat("", "a.", TOML_MAX_DEPTH, "a = 1\n");
    expect_error(text, 1, "key has more than 64 dotted parts");
    free(text);

    /* A header 64 deep is fine, but a table under it is one level too many. */
    text = repeat("[a", ".a", TOML_MAX_DEPTH - 1, "]\nx = 1\ny = {}\n");
    expect_error(text, 3, "tables and arrays nest deeper than 64 levels");
    free(text);
    /* [[...]] with 64 parts: its array is at depth 64, the table in it at 65. */
    text = repeat("[[a", ".a", TOML_MAX_DEPTH - 1, "]]\n");
    expect_error(text, 1, "tables and arrays nest deeper than 64 levels");
    free(text);
    text = repeat("[[a", ".a", TOML_MAX_DEPTH - 2, "]]\n");
    t = parse_ok(text);
    toml_free(t);
    free(text);
}

static void test_large_document(void) {
    /* Many keys and a long array: exercises growth of every container. */
    size_t size = 1 << 20, n = 0;
    char *text = malloc(size);
    n += (size_t)snprintf(text + n, size - n, "list = [");
    for (int i = 0; i < 5000; i++)
        n += (size_t)snprintf(text + n, size - n, "%d,%s", i, i % 10 == 9 ? "\n" : " ");
    n += (size_t)snprintf(text + n, size - n, "]\n[t]\n");
    for (int i = 0; i < 2000; i++)
        n += (size_t)snprintf(text + n, size - n, "key%d = 'value %d'\n", i, i);
    struct toml_table *t = parse_ok(text);
    const struct toml_value *list = get(t, "list");
    CHECK(list && list->as.array->count == 5000 && list->as.array->items[4999].as.integer == 4999 &&
          list->as.array->items[4999].line == 500);
    CHECK(is_string(t, "t.key1999", "value 1999"));
    CHECK(line_of(t, "t.key1999") == 2502);
    toml_free(t);
    free(text);
}

static void test_truncated_inputs(void) {
    /* Every prefix of a document that uses each construct must fail or parse cleanly. */
    static const char doc[] = "# c\n"
                              "a.b = \"x\\u00e9\\U0001F600\" # t\n"
                              "[t]\n"
                              "m = \"\"\"\\\n  ml \"\" \"\"\"\n"
                              "l = '''\nlit'''\n"
                              "arr = [1, 0x1f, -2_0, [true], {q = 'r'}, ]\n"
                              "[[aot]]\n"
                              "z = 0b101\n";
    for (size_t len = 0; len <= sizeof(doc) - 1; len++) {
        struct toml_error error;
        struct toml_table *t = parse_len(doc, len, &error);
        if (!t)
            CHECK(error.line >= 1 && error.line <= 11 && error.message[0]);
        toml_free(t);
    }
    struct toml_table *t = parse_ok(doc);
    CHECK(is_string(t, "t.m", "ml \"\" "));
    CHECK(is_integer(t, "aot", 0) == false);
    toml_free(t);
}

static void test_type_names(void) {
    CHECK(strcmp(toml_type_name(TOML_STRING), "a string") == 0);
    CHECK(strcmp(toml_type_name(TOML_INTEGER), "an integer") == 0);
    CHECK(strcmp(toml_type_name(TOML_BOOLEAN), "a boolean") == 0);
    CHECK(strcmp(toml_type_name(TOML_ARRAY), "an array") == 0);
    CHECK(strcmp(toml_type_name(TOML_TABLE), "a table") == 0);
}

int main(void) {
    test_comments_and_whitespace();
    test_keys();
    test_tables();
    test_arrays_of_tables();
    test_strings();
    test_multi_line_strings();
    test_integers_and_booleans();
    test_arrays();
    test_inline_tables();
    test_syntax_errors();
    test_character_errors();
    test_string_errors();
    test_number_errors();
    test_redefinition_errors();
    test_nesting_limit();
    test_large_document();
    test_truncated_inputs();
    test_type_names();
    if (g_failures) {
        printf("test_toml: %d check(s) failed\n", g_failures);
        return 1;
    }
    printf("test_toml: all checks passed\n");
    return 0;
}
