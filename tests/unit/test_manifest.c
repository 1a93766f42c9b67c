/* unit-sources: loader/manifest.c common/toml.c common/string.c common/fmt.c */
/* Tests of the manifest layer: every key, the defaults, sizes, and every kind of error with
 * its exact message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/manifest.h"

static int g_failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                        \
            g_failures++;                                                                          \
        }                                                                                          \
    } while (0)

#define MIB (1ull << 20)

static bool parse_at(const char *text, struct manifest *m, int line) {
    char err[256];
    if (manifest_parse(text, strlen(text), "manifest.toml", m, err, sizeof(err)) == 0) {
        CHECK(err[0] == 0);
        return true;
    }
    printf("%s:%d: manifest rejected: %s\n", __FILE__, line, err);
    g_failures++;
    return false;
}
#define parse_ok(text, m) parse_at(text, m, __LINE__)

static void expect_error_at(const char *text, const char *message, int line) {
    struct manifest m;
    char err[256];
    int rc = manifest_parse(text, strlen(text), "manifest.toml", &m, err, sizeof(err));
    if (rc != -1) {
        printf("%s:%d: manifest accepted (rc %d), expected: %s\n", __FILE__, line, rc, message);
        g_failures++;
    } else if (strcmp(err, message) != 0) {
        printf("%s:%d: got      %s\n%*sexpected %s\n", __FILE__, line, err,
               (int)strlen(__FILE__) + 6, "", message);
        g_failures++;
    }
    /* A failed parse leaves the defaults and nothing to free. */
    if (rc == -1)
        CHECK(!m.entrypoint && !m.argv && !m.env && !m.mounts && !m.start_dir && !m.trusted_files &&
              m.stack_size == MANIFEST_DEFAULT_STACK_SIZE);
    manifest_free(&m);
}
#define expect_error(text, message) expect_error_at(text, message, __LINE__)

/* The error for one key set to a bad value, in a manifest that is otherwise valid. */
#define ENTRY "libos.entrypoint = '/app'\n"

static void test_defaults(void) {
    struct manifest m;
    memset(&m, 0xa5, sizeof(m));
    manifest_defaults(&m);
    CHECK(m.entrypoint == NULL && m.argv == NULL && m.argc == 0);
    CHECK(m.env == NULL && m.env_count == 0 && !m.insecure_use_host_env);
    CHECK(m.log_level == LOG_WARNING && m.pal == MANIFEST_PAL_DIRECT);
    CHECK(m.mounts == NULL && m.mount_count == 0 && m.start_dir == NULL);
    CHECK(m.stack_size == 8 * MIB && m.brk_max_size == 1024 * MIB);
    CHECK(m.max_threads == 0 && m.enclave_size == 0);
    CHECK(!m.edmm_enable && m.edmm_preheat_size == 0 && m.edmm_lazyfree_threshold == 0);
    CHECK(m.trusted_files == NULL && m.trusted_file_count == 0);
    CHECK(m.syscall_patching);
    static const struct manifest_set none;
    CHECK(memcmp(&m.set, &none, sizeof(none)) == 0);
    manifest_free(&m);
}

static void test_minimal(void) {
    struct manifest m;
    if (!parse_ok("libos.entrypoint = \"/bin/true\"\n", &m))
        return;
    CHECK(strcmp(m.entrypoint, "/bin/true") == 0);
    CHECK(m.set.entrypoint && !m.set.argv && !m.set.stack_size && !m.set.log_level);
    CHECK(m.stack_size == MANIFEST_DEFAULT_STACK_SIZE);
    CHECK(m.brk_max_size == MANIFEST_DEFAULT_BRK_MAX_SIZE);
    CHECK(m.syscall_patching && !m.set.syscall_patching);
    manifest_free(&m);
    CHECK(m.entrypoint == NULL && !m.set.entrypoint);
}

static void test_full(void) {
    static const char text[] = "# every key\n"
                               "[libos]\n"
                               "entrypoint = \"file:/usr/bin/app\"\n"
                               "syscall_patching = false\n"
                               "\n"
                               "[loader]\n"
                               "argv = [\"app\", \"--port\", \"8080\"]\n"
                               "insecure__use_host_env = true\n"
                               "log_level = \"trace\"\n"
                               "pal = \"sgx-sim\"\n"
                               "env.HOME = \"/root\"\n"
                               "env.EMPTY = \"\"\n"
                               "\n"
                               "[[fs.mounts]]\n"
                               "path = \"/usr/bin/\"\n"
                               "uri = \"file:build/bin\"\n"
                               "type = \"chroot\"\n"
                               "\n"
                               "[[fs.mounts]]\n"
                               "path = \"//data/./x\"\n"
                               "uri = \"file:/tmp/data\"\n"
                               "\n"
                               "[fs]\n"
                               "start_dir = \"/data/x/\"\n"
                               "\n"
                               "[sys]\n"
                               "stack.size = \"16M\"\n"
                               "brk.max_size = 1048576\n"
                               "\n"
                               "[sgx]\n"
                               "max_threads = 32\n"
                               "enclave_size = \"4G\"\n"
                               "edmm_enable = true\n"
                               "edmm_preheat_size = \"64m\"\n"
                               "edmm_lazyfree_threshold = \"1MB\"\n"
                               "trusted_files = [\n"
                               "  \"file:/usr/bin/app\",\n"
                               "  \"file:lib/\",\n"
                               "]\n";
    struct manifest m;
    if (!parse_ok(text, &m))
        return;
    CHECK(strcmp(m.entrypoint, "/usr/bin/app") == 0);
    CHECK(!m.syscall_patching && m.set.syscall_patching);
    CHECK(m.argc == 3 && m.argv && strcmp(m.argv[0], "app") == 0 &&
          strcmp(m.argv[2], "8080") == 0 && m.argv[3] == NULL);
    CHECK(m.insecure_use_host_env && m.set.insecure_use_host_env);
    CHECK(m.log_level == LOG_TRACE && m.set.log_level);
    CHECK(m.pal == MANIFEST_PAL_SGX_SIM && m.set.pal);
    CHECK(m.env_count == 2 && m.set.env);
    if (m.env_count == 2) {
        CHECK(strcmp(m.env[0].name, "HOME") == 0 && strcmp(m.env[0].value, "/root") == 0);
        CHECK(strcmp(m.env[1].name, "EMPTY") == 0 && strcmp(m.env[1].value, "") == 0);
    }
    CHECK(m.mount_count == 2 && m.set.mounts);
    if (m.mount_count == 2) {
        CHECK(strcmp(m.mounts[0].path, "/usr/bin") == 0);
        CHECK(strcmp(m.mounts[0].host_path, "build/bin") == 0);
        CHECK(m.mounts[0].type == MANIFEST_MOUNT_CHROOT && m.mounts[0].line == 14);
        CHECK(strcmp(m.mounts[1].path, "/data/x") == 0);
        CHECK(strcmp(m.mounts[1].host_path, "/tmp/data") == 0 && m.mounts[1].line == 19);
    }
    CHECK(m.start_dir && strcmp(m.start_dir, "/data/x") == 0 && m.set.start_dir);
    CHECK(m.stack_size == 16 * MIB && m.set.stack_size);
    CHECK(m.brk_max_size == MIB && m.set.brk_max_size);
    CHECK(m.max_threads == 32 && m.set.max_threads);
    CHECK(m.enclave_size == 4096 * MIB && m.set.enclave_size);
    CHECK(m.edmm_enable && m.set.edmm_enable);
    CHECK(m.edmm_preheat_size == 64 * MIB && m.set.edmm_preheat_size);
    CHECK(m.edmm_lazyfree_threshold == MIB && m.set.edmm_lazyfree_threshold);
    CHECK(m.trusted_file_count == 2 && m.set.trusted_files);
    if (m.trusted_file_count == 2) {
        CHECK(strcmp(m.trusted_files[0], "/usr/bin/app") == 0);
        CHECK(strcmp(m.trusted_files[1], "lib/") == 0 && m.trusted_files[2] == NULL);
    }
    manifest_free(&m);
    CHECK(m.argv == NULL && m.env == NULL && m.mounts == NULL && m.trusted_files == NULL);
}

static void test_alternative_forms(void) {
    /* Gramine's usual spelling: dotted keys at the root and inline mount tables. */
    struct manifest m;
    if (!parse_ok("libos.entrypoint = '/hello'\n"
                  "loader.argv = ['hello']\n"
                  "loader.env = { A = 'a', B = 'b' }\n"
                  "fs.mounts = [\n"
                  "  { path = '/', uri = 'file:/' },\n"
                  "  { path = '/lib', uri = 'file:/usr/lib', type = 'chroot' },\n"
                  "]\n"
                  "sys.stack.size = 65536\n"
                  "sys.brk.max_size = '0'\n"
                  "sgx.enclave_size = 1073741824\n"
                  "sgx.trusted_files = []\n",
                  &m))
        return;
    CHECK(strcmp(m.entrypoint, "/hello") == 0);
    CHECK(m.argc == 1 && m.env_count == 2 && strcmp(m.env[1].value, "b") == 0);
    CHECK(m.mount_count == 2 && strcmp(m.mounts[0].path, "/") == 0 &&
          strcmp(m.mounts[0].host_path, "/") == 0 && m.mounts[1].line == 6);
    CHECK(m.stack_size == 65536 && m.brk_max_size == 0 && m.set.brk_max_size);
    CHECK(m.enclave_size == 1024 * MIB);
    CHECK(m.set.trusted_files && m.trusted_file_count == 0 && m.trusted_files &&
          m.trusted_files[0] == NULL);
    manifest_free(&m);

    /* Empty loader.env and fs.mounts are fine; "none" log level; relative entrypoint. */
    if (!parse_ok("libos.entrypoint = 'app'\n"
                  "fs.mounts = []\n"
                  "[loader.env]\n"
                  "[loader]\n"
                  "log_level = 'none'\n"
                  "pal = 'direct'\n",
                  &m))
        return;
    CHECK(strcmp(m.entrypoint, "app") == 0 && m.env_count == 0 && m.set.env);
    CHECK(m.log_level == LOG_NONE && m.pal == MANIFEST_PAL_DIRECT && m.set.pal);
    CHECK(m.mount_count == 0 && m.set.mounts);
    manifest_free(&m);
}

static void test_sizes(void) {
    static const struct {
        const char *text;
        bool ok;
        uint64_t bytes;
    } cases[] = {
        {"0", true, 0},
        {"4096", true, 4096},
        {"8M", true, 8 * MIB},
        {"8m", true, 8 * MIB},
        {"8MB", true, 8 * MIB},
        {"8mb", true, 8 * MIB},
        {"8Mb", true, 8 * MIB},
        {"64K", true, 64 << 10},
        {"64kB", true, 64 << 10},
        {"1G", true, 1ull << 30},
        {"2T", true, 2ull << 40},
        {"2tb", true, 2ull << 40},
        {"100B", true, 100},
        {"100b", true, 100},
        {"007", true, 7},
        {"18446744073709551615", true, UINT64_MAX},
        {"16777215T", true, 16777215ull << 40},
        {"17179869183G", true, 17179869183ull << 30},
        {"", false, 0},
        {"M", false, 0},
        {"B", false, 0},
        {"8Q", false, 0},
        {"8 M", false, 0},
        {" 8M", false, 0},
        {"8M ", false, 0},
        {"-1", false, 0},
        {"+1", false, 0},
        {"8MM", false, 0},
        {"8BM", false, 0},
        {"8MBB", false, 0},
        {"8P", false, 0},
        {"1.5G", false, 0},
        {"0x10", false, 0},
        {"1_000", false, 0},
        {"18446744073709551616", false, 0},
        {"16777216T", false, 0},
        {"17179869184G", false, 0},
        {"99999999999999999999999K", false, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t bytes = 12345;
        bool ok = manifest_parse_size(cases[i].text, &bytes);
        if (ok != cases[i].ok || (ok && bytes != cases[i].bytes)) {
            printf("%s:%d: manifest_parse_size(\"%s\") = %d, %llu\n", __FILE__, __LINE__,
                   cases[i].text, ok, (unsigned long long)bytes);
            g_failures++;
        }
        if (!ok)
            CHECK(bytes == 12345);
    }
}

static void test_toml_errors(void) {
    expect_error(ENTRY "\n[sys]\nstack.size = \"8M\" x\n",
                 "manifest.toml:4: expected a new line after the value, got 'x'");
    expect_error("a = 1.5\n", "manifest.toml:1: floats are not supported: '1.5'");
    expect_error(ENTRY "libos.entrypoint = '/b'\n",
                 "manifest.toml:2: duplicate key 'libos.entrypoint' (first defined on line 1)");
    char err[64];
    struct manifest m;
    CHECK(manifest_parse("x =", 3, NULL, &m, err, sizeof(err)) == -1);
    CHECK(strcmp(err, "manifest:1: expected a value, got end of input") == 0);
    manifest_free(&m);
    /* A short buffer truncates; a NULL one is allowed. */
    CHECK(manifest_parse("x =", 3, "m.toml", &m, err, 8) == -1);
    CHECK(strcmp(err, "m.toml:") == 0);
    CHECK(manifest_parse("x =", 3, "m.toml", &m, NULL, 0) == -1);
    manifest_free(&m);
}

static void test_unknown_keys(void) {
    expect_error(ENTRY "foo = 1\n", "manifest.toml:2: unknown key 'foo'");
    expect_error(ENTRY "sys.stak.size = \"8M\"\n", "manifest.toml:2: unknown key 'sys.stak.size'");
    expect_error(ENTRY "\n[sys.stak]\n\nsize = \"8M\"\n",
                 "manifest.toml:5: unknown key 'sys.stak.size'");
    expect_error(ENTRY "[sys.stak]\n", "manifest.toml:2: unknown key 'sys.stak'");
    expect_error(ENTRY "[sys.stack]\nsize = '8M'\nmax = 1\n",
                 "manifest.toml:4: unknown key 'sys.stack.max'");
    expect_error("libos.entrypont = '/app'\n", "manifest.toml:1: unknown key 'libos.entrypont'");
    expect_error(ENTRY "loader.insecure_use_host_env = true\n",
                 "manifest.toml:2: unknown key 'loader.insecure_use_host_env'");
    expect_error(ENTRY "sgx.enclave_size.x = 1\n",
                 "manifest.toml:2: 'sgx.enclave_size' must be a size such as \"8M\", got a table");
    expect_error(ENTRY "\"sys.stack.size\" = '8M'\n",
                 "manifest.toml:2: unknown key '\"sys.stack.size\"'");
    expect_error(ENTRY "sys.\"stack\".'size' = '8M'\nsys.\"st ack\" = 1\n",
                 "manifest.toml:3: unknown key 'sys.\"st ack\"'");
    expect_error(ENTRY "[[fs.mount]]\npath = '/'\n", "manifest.toml:2: unknown key 'fs.mount'");
    expect_error(ENTRY "[[fs.mounts]]\npath = '/'\nuri = 'file:/'\ntpye = 'chroot'\n",
                 "manifest.toml:5: unknown key 'fs.mounts[0].tpye'");
    expect_error(ENTRY "sys = 5\n", "manifest.toml:2: 'sys' must be a table, got 5");
    expect_error(ENTRY "sys.stack = '8M'\n",
                 "manifest.toml:2: 'sys.stack' must be a table, got \"8M\"");
    expect_error("libos = []\n", "manifest.toml:1: 'libos' must be a table, got an empty array");
}

static void test_type_errors(void) {
    expect_error("libos.entrypoint = 5\n",
                 "manifest.toml:1: 'libos.entrypoint' must be a program path such as "
                 "\"/bin/app\" or \"file:/bin/app\", got 5");
    expect_error("libos.entrypoint = 'file:'\n",
                 "manifest.toml:1: 'libos.entrypoint' must be a program path such as "
                 "\"/bin/app\" or \"file:/bin/app\", got \"file:\"");
    expect_error("libos.entrypoint = ''\n",
                 "manifest.toml:1: 'libos.entrypoint' must be a program path such as "
                 "\"/bin/app\" or \"file:/bin/app\", got \"\"");
    expect_error("libos.entrypoint = \"/a\\u0000b\"\n",
                 "manifest.toml:1: 'libos.entrypoint' must not contain a NUL character");
    expect_error(ENTRY "libos.syscall_patching = 'yes'\n",
                 "manifest.toml:2: 'libos.syscall_patching' must be true or false, got \"yes\"");
    expect_error(ENTRY "loader.insecure__use_host_env = 1\n",
                 "manifest.toml:2: 'loader.insecure__use_host_env' must be true or false, got 1");
    expect_error(ENTRY "sgx.edmm_enable = {}\n",
                 "manifest.toml:2: 'sgx.edmm_enable' must be true or false, got a table");
    expect_error(ENTRY "loader.argv = 'app'\n",
                 "manifest.toml:2: 'loader.argv' must be an array of strings, got \"app\"");
    expect_error(ENTRY "loader.argv = ['app',\n  1]\n",
                 "manifest.toml:3: 'loader.argv[1]' must be a string, got 1");
    expect_error(ENTRY "loader.argv = []\n",
                 "manifest.toml:2: 'loader.argv' must hold at least argv[0], got an empty array");
    expect_error(ENTRY "loader.log_level = 'loud'\n",
                 "manifest.toml:2: 'loader.log_level' must be one of \"none\", \"error\", "
                 "\"warning\", \"info\", \"debug\", \"trace\", got \"loud\"");
    expect_error(ENTRY "loader.log_level = 3\n",
                 "manifest.toml:2: 'loader.log_level' must be one of \"none\", \"error\", "
                 "\"warning\", \"info\", \"debug\", \"trace\", got 3");
    expect_error(ENTRY "loader.pal = 'sgx'\n",
                 "manifest.toml:2: 'loader.pal' must be one of \"direct\", \"sgx-sim\", got "
                 "\"sgx\"");
    expect_error(ENTRY "fs.start_dir = 'data'\n",
                 "manifest.toml:2: 'fs.start_dir' must be an absolute path without \"..\" such "
                 "as \"/data\", got \"data\"");
    expect_error(ENTRY "fs.start_dir = '/a/../b'\n",
                 "manifest.toml:2: 'fs.start_dir' must be an absolute path without \"..\" such "
                 "as \"/data\", got \"/a/../b\"");
    expect_error(ENTRY "sgx.trusted_files = ['file:/a', '/b']\n",
                 "manifest.toml:2: 'sgx.trusted_files[1]' must be a host path as "
                 "\"file:PATH\", got \"/b\"");
    expect_error(ENTRY "sgx.trusted_files = 'file:/a'\n",
                 "manifest.toml:2: 'sgx.trusted_files' must be an array of strings, got "
                 "\"file:/a\"");
    expect_error(ENTRY "sgx.trusted_files = [['file:/a']]\n",
                 "manifest.toml:2: 'sgx.trusted_files[0]' must be a host path as "
                 "\"file:PATH\", got an array");
    /* Long strings are cut in messages, control characters shown as '?'. */
    expect_error(ENTRY "loader.pal = \"0123456789012345678901234567890123456789012345\"\n",
                 "manifest.toml:2: 'loader.pal' must be one of \"direct\", \"sgx-sim\", got "
                 "\"0123456789012345678901234567890123456789...\"");
    expect_error(ENTRY "loader.pal = \"a\\nb\"\n",
                 "manifest.toml:2: 'loader.pal' must be one of \"direct\", \"sgx-sim\", got "
                 "\"a?b\"");
}

static void test_size_errors(void) {
    expect_error(ENTRY "\n[sys]\nstack.size = \"8Q\"\n",
                 "manifest.toml:4: 'sys.stack.size' must be a size such as \"8M\", got \"8Q\"");
    expect_error(ENTRY "sys.stack.size = -5\n",
                 "manifest.toml:2: 'sys.stack.size' must be a size such as \"8M\", got -5");
    expect_error(ENTRY "sys.stack.size = true\n",
                 "manifest.toml:2: 'sys.stack.size' must be a size such as \"8M\", got true");
    expect_error(ENTRY "sys.stack.size = 0\n", "manifest.toml:2: 'sys.stack.size' must not be 0");
    expect_error(ENTRY "sys.brk.max_size = '99999999999T'\n",
                 "manifest.toml:2: 'sys.brk.max_size' must be a size such as \"8M\", got "
                 "\"99999999999T\"");
    expect_error(ENTRY "sys.brk.max_size = \"8\\u0000M\"\n",
                 "manifest.toml:2: 'sys.brk.max_size' must not contain a NUL character");
    expect_error(ENTRY "sgx.edmm_preheat_size = [1]\n",
                 "manifest.toml:2: 'sgx.edmm_preheat_size' must be a size such as \"8M\", got "
                 "an array");
    expect_error(ENTRY "sgx.edmm_lazyfree_threshold = '1 M'\n",
                 "manifest.toml:2: 'sgx.edmm_lazyfree_threshold' must be a size such as \"8M\", "
                 "got \"1 M\"");
    expect_error(ENTRY "sgx.enclave_size = '3G'\n",
                 "manifest.toml:2: 'sgx.enclave_size' must be a power of two such as \"64G\", got "
                 "\"3G\"");
    expect_error(ENTRY "sgx.enclave_size = 0\n",
                 "manifest.toml:2: 'sgx.enclave_size' must be a power of two such as \"64G\", got "
                 "0");
    expect_error(ENTRY "sgx.enclave_size = 'big'\n",
                 "manifest.toml:2: 'sgx.enclave_size' must be a size such as \"8M\", got \"big\"");
    expect_error(ENTRY "sgx.max_threads = 0\n",
                 "manifest.toml:2: 'sgx.max_threads' must be an integer of at least 1, got 0");
    expect_error(ENTRY "sgx.max_threads = -3\n",
                 "manifest.toml:2: 'sgx.max_threads' must be an integer of at least 1, got -3");
    expect_error(ENTRY "sgx.max_threads = '4'\n",
                 "manifest.toml:2: 'sgx.max_threads' must be an integer of at least 1, got \"4\"");
}

static void test_env_errors(void) {
    expect_error(ENTRY "loader.env = 'A=B'\n",
                 "manifest.toml:2: 'loader.env' must be a table of strings such as { HOME = "
                 "\"/root\" }, got \"A=B\"");
    expect_error(ENTRY "loader.env.A = 1\n",
                 "manifest.toml:2: 'loader.env.A' must be a string, got 1");
    expect_error(ENTRY "[loader.env]\nA = 'a'\nB = { value = 'b' }\n",
                 "manifest.toml:4: 'loader.env.B' must be a string, got a table");
    expect_error(ENTRY "loader.env.'A=B' = 'x'\n",
                 "manifest.toml:2: 'loader.env.A=B' is not a valid environment variable name");
    expect_error(ENTRY "loader.env.\"\" = 'x'\n",
                 "manifest.toml:2: 'loader.env.' is not a valid environment variable name");
    expect_error(ENTRY "loader.env.A = \"x\\u0000\"\n",
                 "manifest.toml:2: 'loader.env.A' must not contain a NUL character");
}

static void test_mount_errors(void) {
    expect_error(ENTRY "fs.mounts = { path = '/' }\n",
                 "manifest.toml:2: 'fs.mounts' must be an array of tables such as [[fs.mounts]], "
                 "got a table");
    expect_error(ENTRY "fs.mounts = ['/data']\n",
                 "manifest.toml:2: 'fs.mounts[0]' must be a table such as { path = \"/data\", uri "
                 "= \"file:data\" }, got \"/data\"");
    expect_error(ENTRY "\n[[fs.mounts]]\npath = '/data'\n",
                 "manifest.toml:3: 'fs.mounts[0]' needs both 'path' and 'uri' (missing 'uri')");
    expect_error(ENTRY
                 "[[fs.mounts]]\npath = '/a'\nuri = 'file:a'\n[[fs.mounts]]\nuri = 'file:b'\n",
                 "manifest.toml:5: 'fs.mounts[1]' needs both 'path' and 'uri' (missing 'path')");
    expect_error(ENTRY "[[fs.mounts]]\npath = 'data'\nuri = 'file:data'\n",
                 "manifest.toml:3: 'fs.mounts[0].path' must be an absolute path without \"..\" "
                 "such as \"/data\", got \"data\"");
    expect_error(ENTRY "[[fs.mounts]]\npath = '/data/..'\nuri = 'file:data'\n",
                 "manifest.toml:3: 'fs.mounts[0].path' must be an absolute path without \"..\" "
                 "such as \"/data\", got \"/data/..\"");
    expect_error(ENTRY "[[fs.mounts]]\npath = '/data'\nuri = '/host/data'\n",
                 "manifest.toml:4: 'fs.mounts[0].uri' must be a host path as \"file:PATH\", got "
                 "\"/host/data\"");
    expect_error(ENTRY "[[fs.mounts]]\npath = '/data'\nuri = 'file:'\n",
                 "manifest.toml:4: 'fs.mounts[0].uri' must be a host path as \"file:PATH\", got "
                 "\"file:\"");
    expect_error(ENTRY "[[fs.mounts]]\npath = '/data'\nuri = 'file:d'\ntype = 'tmpfs'\n",
                 "manifest.toml:5: 'fs.mounts[0].type' must be \"chroot\" (the only mount type so "
                 "far), got \"tmpfs\"");
    expect_error(ENTRY "fs.mounts = [\n"
                       "  { path = '/data/', uri = 'file:a' },\n"
                       "  { path = '/x', uri = 'file:x' },\n"
                       "  { path = '//data', uri = 'file:b' },\n"
                       "]\n",
                 "manifest.toml:5: 'fs.mounts[2].path' \"/data\" is already mounted by "
                 "fs.mounts[0]");
}

static void test_consistency_errors(void) {
    expect_error("", "manifest.toml: missing 'libos.entrypoint' (the program to run)");
    expect_error("[libos]\nsyscall_patching = true\n",
                 "manifest.toml: missing 'libos.entrypoint' (the program to run)");
    expect_error(ENTRY "sgx.enclave_size = '64M'\nsgx.edmm_preheat_size = '128M'\n",
                 "manifest.toml:3: 'sgx.edmm_preheat_size' is larger than 'sgx.enclave_size' "
                 "(line 2)");
    struct manifest m;
    if (parse_ok(ENTRY "sgx.edmm_preheat_size = '128M'\n", &m)) /* the PAL picks the size */
        CHECK(m.edmm_preheat_size == 128 * MIB);
    manifest_free(&m);
}

static void test_names(void) {
    CHECK(strcmp(manifest_log_level_name(LOG_NONE), "none") == 0);
    CHECK(strcmp(manifest_log_level_name(LOG_DEBUG), "debug") == 0);
    CHECK(strcmp(manifest_log_level_name((enum log_level)42), "?") == 0);
    CHECK(strcmp(manifest_pal_name(MANIFEST_PAL_DIRECT), "direct") == 0);
    CHECK(strcmp(manifest_pal_name(MANIFEST_PAL_SGX_SIM), "sgx-sim") == 0);
}

int main(void) {
    test_defaults();
    test_minimal();
    test_full();
    test_alternative_forms();
    test_sizes();
    test_toml_errors();
    test_unknown_keys();
    test_type_errors();
    test_size_errors();
    test_env_errors();
    test_mount_errors();
    test_consistency_errors();
    test_names();
    if (g_failures) {
        printf("test_manifest: %d check(s) failed\n", g_failures);
        return 1;
    }
    printf("test_manifest: all checks passed\n");
    return 0;
}
