/* unit-sources: libos/fs/path.c libos/fs/mount.c common/string.c */
/* Path resolution (lexical, and the walk that follows symlinks through a lookup callback)
 * and mount translation of the LibOS file system. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libos/fs/mount.h"
#include "libos/fs/path.h"

static int g_failures;

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
        g_failures++;                                                                              \
    } while (0)

/* Resolves path against base and compares with want (a path, or NULL when want_err). */
static void check_resolve_at(int line, const char *base, const char *path, const char *want,
                             long want_err, int want_dir, int want_dot) {
    char out[FS_PATH_MAX];
    struct path_info info = {0, 0};
    long r = path_resolve(base, path, out, sizeof(out), &info);
    if (want) {
        if (r < 0 || strcmp(out, want) != 0 || (size_t)r != strlen(want))
            FAIL("line %d: resolve(%s, %s) = %ld '%s', want '%s'", line, base ? base : "NULL", path,
                 r, r < 0 ? "" : out, want);
        else if (want_dir >= 0 && info.must_be_dir != (want_dir != 0))
            FAIL("line %d: resolve(%s): must_be_dir %d, want %d", line, path, info.must_be_dir,
                 want_dir);
        else if (want_dot >= 0 && info.last_dot != want_dot)
            FAIL("line %d: resolve(%s): last_dot %d, want %d", line, path, info.last_dot, want_dot);
    } else if (r != want_err) {
        FAIL("line %d: resolve(%s, %s) = %ld, want %ld", line, base ? base : "NULL", path, r,
             want_err);
    }
}

#define RESOLVE(base, path, want) check_resolve_at(__LINE__, base, path, want, 0, -1, -1)
#define RESOLVE_INFO(base, path, want, dir, dot)                                                   \
    check_resolve_at(__LINE__, base, path, want, 0, dir, dot)
#define RESOLVE_ERR(base, path, err) check_resolve_at(__LINE__, base, path, NULL, err, -1, -1)

static void test_normalization(void) {
    RESOLVE("/", "/", "/");
    RESOLVE("/", "/a/b/c", "/a/b/c");
    RESOLVE("/", "//a///b//", "/a/b");
    RESOLVE("/", "/./a/./b/.", "/a/b");
    RESOLVE("/", "/a/b/../c", "/a/c");
    RESOLVE("/", "/a/b/../../..", "/");
    RESOLVE("/", "/..", "/");
    RESOLVE("/", "/../../etc/passwd", "/etc/passwd");
    RESOLVE("/", "/a/..b/c", "/a/..b/c"); /* names that merely start with dots */
    RESOLVE("/", "/a/.../c", "/a/.../c");
    RESOLVE("/", "/.hidden/", "/.hidden");
    RESOLVE("/", "/a/b/./../b/c/..", "/a/b");
}

static void test_relative(void) {
    RESOLVE("/home/user", "file", "/home/user/file");
    RESOLVE("/home/user", "./file", "/home/user/file");
    RESOLVE("/home/user", "../other/file", "/home/other/file");
    RESOLVE("/home/user", "../../../../..", "/");
    RESOLVE("/home/user", ".", "/home/user");
    RESOLVE("/home/user", "..", "/home");
    RESOLVE("/home/user/", "x", "/home/user/x"); /* a base with a trailing slash */
    RESOLVE("/", "x/y", "/x/y");
    RESOLVE("/", "..", "/");
    /* An absolute path ignores the base entirely, even a bad one. */
    RESOLVE(NULL, "/abs", "/abs");
    RESOLVE("relative-base", "/abs", "/abs");
    RESOLVE_ERR(NULL, "rel", -EINVAL);
    RESOLVE_ERR("relative-base", "rel", -EINVAL);
    RESOLVE_ERR("", "rel", -EINVAL);
    /* A directory fd's path serves as the base the same way. */
    RESOLVE("/data/dir", "sub/../f", "/data/dir/f");
}

static void test_spelling_info(void) {
    RESOLVE_INFO("/", "/a/b", "/a/b", 0, 0);
    RESOLVE_INFO("/", "/a/b/", "/a/b", 1, 0);
    RESOLVE_INFO("/", "/a/b//", "/a/b", 1, 0);
    RESOLVE_INFO("/", "/a/b/.", "/a/b", 1, 1);
    RESOLVE_INFO("/", "/a/b/..", "/a", 1, 2);
    RESOLVE_INFO("/", "/a/./b", "/a/b", 0, 0);
    RESOLVE_INFO("/", "/a/../b", "/b", 0, 0);
    RESOLVE_INFO("/cwd", ".", "/cwd", 1, 1);
    RESOLVE_INFO("/cwd", "..", "/", 1, 2);
    RESOLVE_INFO("/", "/", "/", 1, 0);
    RESOLVE_INFO("/", "/./", "/", 1, 1); /* trailing slashes do not end a "." */
    RESOLVE_INFO("/", "/a/../", "/", 1, 2);
}

static void test_errors_and_limits(void) {
    RESOLVE_ERR("/", "", -ENOENT);
    RESOLVE_ERR("/cwd", "", -ENOENT);

    char *longp = malloc(6000);
    /* One component longer than any file system allows is the host's to refuse. */
    memset(longp, 'a', 300);
    longp[300] = 0;
    char out[FS_PATH_MAX];
    long r = path_resolve("/", longp, out, sizeof(out), NULL);
    if (r != 301)
        FAIL("300-byte component: %ld", r);

    /* A path that does not fit. */
    memset(longp, 'a', 5000);
    longp[0] = '/';
    longp[5000] = 0;
    RESOLVE_ERR("/", longp, -ENAMETOOLONG);
    /* Exactly at the limit: 4095 bytes and the NUL fit, one more does not. */
    longp[4095] = 0;
    r = path_resolve("/", longp, out, sizeof(out), NULL);
    if (r != 4095)
        FAIL("4095-byte path: %ld", r);
    memset(longp, 'a', 5000);
    longp[0] = '/';
    longp[4096] = 0;
    RESOLVE_ERR("/", longp, -ENAMETOOLONG);
    /* Too long only once joined to the base. */
    char base[3000];
    memset(base, 'b', sizeof(base) - 1);
    base[0] = '/';
    base[sizeof(base) - 1] = 0;
    memset(longp, 'c', 2000);
    longp[2000] = 0;
    RESOLVE_ERR(base, longp, -ENAMETOOLONG);
    /* ... but fine when ".." brings it back under the limit: resolution is lexical, and
     * shrinks as it goes. */
    memcpy(longp, "../", 3);
    longp[1200] = 0;
    r = path_resolve(base, longp, out, sizeof(out), NULL);
    if (r != 1 + 1197)
        FAIL("base + ../x: %ld", r);
    /* Small output buffers. */
    char small[8];
    if (path_resolve("/", "/abcdef", small, sizeof(small), NULL) != 7)
        FAIL("7 bytes in 8");
    if (path_resolve("/", "/abcdefg", small, sizeof(small), NULL) != -ENAMETOOLONG)
        FAIL("8 bytes in 8");
    if (path_resolve("/", "/", small, 1, NULL) != -ENAMETOOLONG)
        FAIL("size 1");
    free(longp);
}

static void test_within(void) {
    struct {
        const char *path, *prefix;
        int want;
    } cases[] = {
        {"/data", "/data", 1},
        {"/data/x", "/data", 1},
        {"/database", "/data", 0},
        {"/dat", "/data", 0},
        {"/", "/", 1},
        {"/anything", "/", 1},
        {"/", "/data", 0},
        {"/data/x/y", "/data/x", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (path_is_within(cases[i].path, cases[i].prefix) != cases[i].want)
            FAIL("within(%s, %s) != %d", cases[i].path, cases[i].prefix, cases[i].want);
    if (path_suffix_offset("/data/x", "/data") != 5 || path_suffix_offset("/x", "/") != 0)
        FAIL("suffix offsets");
}

/* ---- path_walk over a fake file system ------------------------------------------------ */

struct fake_node {
    const char *path;
    int kind; /* PATH_DIR, PATH_NOT_DIR, PATH_LINK, PATH_OPAQUE, or -errno */
    const char *target;
};

/* d/link_to_dir -> sub/deeper, as the busybox test tree has it; and the usual suspects. */
static const struct fake_node g_fake_fs[] = {
    {"/d", PATH_DIR, NULL},
    {"/d/sub", PATH_DIR, NULL},
    {"/d/sub/deeper", PATH_DIR, NULL},
    {"/d/sub/deeper/needle", PATH_NOT_DIR, NULL},
    {"/d/link_to_dir", PATH_LINK, "sub/deeper"},
    {"/d/abs", PATH_LINK, "/d/sub/deeper"},
    {"/d/up", PATH_LINK, "../../../d/sub"}, /* climbs above "/" on the way */
    {"/d/chain1", PATH_LINK, "chain2"},
    {"/d/chain2", PATH_LINK, "/d/chain3/"},
    {"/d/chain3", PATH_LINK, "link_to_dir"},
    {"/d/file", PATH_NOT_DIR, NULL},
    {"/d/to_file", PATH_LINK, "file"},
    {"/d/dangling", PATH_LINK, "sub/new"},
    {"/d/empty", PATH_LINK, ""},
    {"/d/self", PATH_LINK, "self"},
    {"/d/ping", PATH_LINK, "pong/x"},
    {"/d/pong", PATH_LINK, "ping/y"},
    {"/d/dotdot", PATH_LINK, ".."},
    {"/d/locked", -EACCES, NULL},
    {"/d/to_proc", PATH_LINK, "/proc/self/fd"},
    {"/proc", PATH_OPAQUE, NULL},
    {"/d/long", PATH_LINK, NULL}, /* target set by the test */
    {"/n", PATH_DIR, NULL},       /* /n/l0 -> l1 -> ... -> l40 -> /d: chains of links */
};

static char g_long_target[FS_RESOLVED_MAX];
static int g_lookups;
static char g_lookup_log[1024]; /* "path" or "path!" (need_dir), space-separated */

static long fake_lookup(void *ctx, const char *vpath, bool need_dir, char *target, size_t size) {
    (void)ctx;
    g_lookups++;
    size_t used = strlen(g_lookup_log);
    snprintf(g_lookup_log + used, sizeof(g_lookup_log) - used, "%s%s%s", used ? " " : "", vpath,
             need_dir ? "!" : "");
    int n, end = 0;
    if (sscanf(vpath, "/n/l%d%n", &n, &end) == 1 && !vpath[end]) {
        snprintf(target, size, n < 40 ? "l%d" : "/d", n + 1);
        return PATH_LINK;
    }
    for (size_t i = 0; i < sizeof(g_fake_fs) / sizeof(g_fake_fs[0]); i++) {
        const struct fake_node *f = &g_fake_fs[i];
        if (strcmp(f->path, vpath))
            continue;
        if (f->kind != PATH_LINK)
            return f->kind;
        const char *t = f->target ? f->target : g_long_target;
        if (strlen(t) >= size)
            return -ENAMETOOLONG;
        strcpy(target, t);
        return PATH_LINK;
    }
    /* Paths below a non-directory: the host would say ENOTDIR. */
    if (!strncmp(vpath, "/d/file/", 8))
        return -ENOTDIR;
    return -ENOENT;
}

enum { WALK_DOTDOT = 0, WALK_ALL = 1, WALK_FOLLOW = 2, WALK_BASE_LOGICAL = 4, WALK_AFTER_LINK = 8 };

static char g_text[FS_RESOLVED_MAX], g_target[FS_RESOLVED_MAX];

static long walk(int mode, const char *base, const char *path, char *out, size_t size,
                 struct path_info *info) {
    struct path_walk w = {
        .lookup = fake_lookup,
        .check_all = mode & WALK_ALL,
        .follow_final = mode & WALK_FOLLOW,
        .check_all_after_link = mode & WALK_AFTER_LINK,
        .follow_final_after_link = mode & WALK_AFTER_LINK,
        .base_physical = !(mode & WALK_BASE_LOGICAL),
        .text = g_text,
        .target = g_target,
    };
    g_lookups = 0;
    g_lookup_log[0] = 0;
    return path_walk(&w, base, path, out, size, info);
}

/* want_lookups: the exact lookup log, or NULL not to check it. */
static void check_walk_at(int line, int mode, const char *base, const char *path, const char *want,
                          long want_err, const char *want_lookups) {
    char out[FS_PATH_MAX];
    long r = walk(mode, base, path, out, sizeof(out), NULL);
    if (want) {
        if (r < 0 || strcmp(out, want) != 0 || (size_t)r != strlen(want))
            FAIL("line %d: walk(%d, %s) = %ld '%s', want '%s'", line, mode, path, r,
                 r < 0 ? "" : out, want);
    } else if (r != want_err) {
        FAIL("line %d: walk(%d, %s) = %ld, want %ld", line, mode, path, r, want_err);
    }
    if (want_lookups && strcmp(g_lookup_log, want_lookups))
        FAIL("line %d: walk(%d, %s) looked up '%s', want '%s'", line, mode, path, g_lookup_log,
             want_lookups);
}

#define WALK(mode, base, path, want, lookups)                                                      \
    check_walk_at(__LINE__, mode, base, path, want, 0, lookups)
#define WALK_ERR(mode, base, path, err) check_walk_at(__LINE__, mode, base, path, NULL, err, NULL)

static void test_walk_dotdot(void) {
    /* The failing case of the busybox test: ".." after a link is the target's parent. */
    WALK(WALK_DOTDOT, "/", "/d/link_to_dir/..", "/d/sub",
         "/d /d/link_to_dir! /d/sub /d/sub/deeper!");
    WALK(WALK_DOTDOT, "/", "d/link_to_dir/../deeper/needle", "/d/sub/deeper/needle", NULL);
    WALK(WALK_DOTDOT, "/d", "link_to_dir/../..", "/d", NULL);
    WALK(WALK_DOTDOT, "/d", "abs/..", "/d/sub", NULL);    /* absolute target */
    WALK(WALK_DOTDOT, "/d", "up/..", "/d", NULL);         /* ".." above "/" in a target */
    WALK(WALK_DOTDOT, "/d", "chain1/..", "/d/sub", NULL); /* a chain: rel, abs/, rel */
    WALK(WALK_DOTDOT, "/d", "chain1/./../deeper", "/d/sub/deeper", NULL);
    WALK(WALK_DOTDOT, "/d", "dotdot/..", "/", NULL); /* a target that is ".." */
    WALK(WALK_DOTDOT, "/d", "sub/../link_to_dir/..", "/d/sub", NULL);
    /* Without "..", or after the last one, nothing is looked up: the host follows links. */
    WALK(WALK_DOTDOT, "/", "/d/link_to_dir/needle", "/d/link_to_dir/needle", "");
    WALK(WALK_DOTDOT, "/d", "../d/link_to_dir/x", "/d/link_to_dir/x", "");
    WALK(WALK_DOTDOT, "/", "/d/sub/../link_to_dir/x", "/d/link_to_dir/x", "/d /d/sub!");
    /* A target's own ".." makes the components before it looked up. */
    WALK(WALK_DOTDOT, "/", "/d/up/../x", "/d/x", "/d /d/up! /d /d/sub!");
    /* "." between a component and ".." still means the component is climbed out of. */
    WALK(WALK_DOTDOT, "/", "/d/link_to_dir/./../x", "/d/sub/x", NULL);
    /* The last component is looked up only with follow_final. */
    WALK(WALK_DOTDOT | WALK_FOLLOW, "/", "/d/sub/../link_to_dir", "/d/sub/deeper", NULL);
    WALK(WALK_DOTDOT, "/", "/d/sub/../link_to_dir", "/d/link_to_dir", "/d /d/sub!");
}

static void test_walk_errors(void) {
    WALK_ERR(WALK_DOTDOT, "/", "/d/file/..", -ENOTDIR);
    WALK_ERR(WALK_DOTDOT, "/", "/d/to_file/../x", -ENOTDIR);
    WALK_ERR(WALK_DOTDOT, "/", "/d/missing/..", -ENOENT);
    WALK_ERR(WALK_DOTDOT, "/", "/d/locked/..", -EACCES);
    WALK_ERR(WALK_DOTDOT, "/", "/d/file/x/..", -ENOTDIR);
    WALK_ERR(WALK_DOTDOT, "/", "/d/empty/..", -ENOENT);
    WALK_ERR(WALK_DOTDOT, "/", "/d/self/..", -ELOOP);
    WALK_ERR(WALK_DOTDOT, "/", "/d/ping/..", -ELOOP);
    /* The last component's errors are left to whoever uses the path. */
    WALK(WALK_ALL | WALK_FOLLOW, "/", "/d/locked", "/d/locked", "/d /d/locked");
    WALK(WALK_ALL | WALK_FOLLOW, "/", "/d/missing", "/d/missing", NULL);
    WALK_ERR(WALK_ALL, "/", "/d/missing/x", -ENOENT);
    WALK_ERR(WALK_ALL, "/", "/d/locked/x", -EACCES);
    WALK_ERR(WALK_ALL, "/", "/d/file/x", -ENOTDIR);
    WALK_ERR(WALK_ALL | WALK_FOLLOW, "/", "/d/self", -ELOOP);
    WALK(WALK_ALL, "/", "/d/self", "/d/self", NULL); /* lstat of a loop is fine */
    WALK_ERR(WALK_ALL | WALK_FOLLOW, "/", "/d/empty", -ENOENT);

    /* Linux follows 40 links in one lookup and fails on the 41st. /n/l0 -> l1 ... -> l40
     * -> /d: from l0 that is 41 links, from l1 40. */
    WALK_ERR(WALK_ALL, "/", "/n/l0/sub", -ELOOP);
    WALK(WALK_ALL, "/", "/n/l1/sub", "/d/sub", NULL);
    if (g_lookups != 42) /* /n, 40 links, /d */
        FAIL("40 links: %d lookups, want 42", g_lookups);
    WALK(WALK_ALL | WALK_FOLLOW, "/", "/n/l1", "/d", NULL);
    WALK_ERR(WALK_ALL | WALK_FOLLOW, "/", "/n/l0", -ELOOP);
    /* The count is per walk, not per link: two chains of 21 fail together. */
    WALK(WALK_ALL, "/", "/n/l20/../n/l20", "/n/l20", NULL);
    WALK_ERR(WALK_ALL | WALK_FOLLOW, "/", "/n/l20/../n/l20", -ELOOP);
    /* Only a ".." makes the walk look up components, and then the links after it are left
     * to the host, unless it goes on once it followed one. */
    WALK(WALK_DOTDOT | WALK_FOLLOW, "/", "/n/l20/../n/l20/x", "/n/l20/x", NULL);
    WALK_ERR(WALK_DOTDOT | WALK_AFTER_LINK, "/", "/n/l20/../n/l20/x", -ELOOP);
    WALK_ERR(WALK_DOTDOT | WALK_AFTER_LINK, "/", "/n/l20/../n/l20", -ELOOP);
    WALK(WALK_DOTDOT | WALK_AFTER_LINK, "/", "/n/l30/../n/l30", "/d", NULL);
    /* ... but never before one. */
    WALK(WALK_DOTDOT | WALK_AFTER_LINK, "/", "/d/sub/../link_to_dir/x", "/d/link_to_dir/x",
         "/d /d/sub!");
    WALK(WALK_DOTDOT | WALK_AFTER_LINK, "/", "/d/link_to_dir/../deeper/needle",
         "/d/sub/deeper/needle",
         "/d /d/link_to_dir! /d/sub /d/sub/deeper! /d/sub/deeper /d/sub/deeper/needle");

    /* A target that does not fit with the rest of the path: the text holds FS_RESOLVED_MAX
     * bytes (the app's arguments are shorter, but a link may lead deep). */
    memset(g_long_target, 'x', 3000);
    g_long_target[3000] = 0;
    char *rest = malloc(FS_RESOLVED_MAX);
    strcpy(rest, "/d/long/");
    memset(rest + 8, 'y', FS_RESOLVED_MAX - 3000);
    /* The target replaces "/d/long": 3000 + (FS_RESOLVED_MAX - 3000) bytes, no room for the
     * NUL. One byte less fits, and the walk goes on to /d/xxx... */
    rest[7 + FS_RESOLVED_MAX - 3000] = 0;
    WALK_ERR(WALK_ALL, "/", rest, -ENAMETOOLONG);
    rest[7 + FS_RESOLVED_MAX - 3000 - 1] = 0;
    WALK_ERR(WALK_ALL, "/", rest, -ENOENT);
    rest[8 + 1000] = 0; /* 3000 + 1001: fits in the text, and the walk goes on into it */
    WALK_ERR(WALK_ALL, "/", rest, -ENOENT);
    if (g_lookups != 3 || strncmp(g_lookup_log, "/d /d/long /d/xxx", 17))
        FAIL("long target: %d lookups", g_lookups);
    /* ... and a result that does not fit in out. */
    char small[16];
    if (walk(WALK_DOTDOT, "/", "/d/link_to_dir/../deeper", small, sizeof(small), NULL) !=
        (long)strlen("/d/sub/deeper"))
        FAIL("small out");
    if (walk(WALK_DOTDOT, "/", "/d/abs/x/..", small, 8, NULL) != -ENAMETOOLONG)
        FAIL("out too small for the target");
    free(rest);
}

static void test_walk_modes(void) {
    /* check_all: every component another follows; the last only with follow_final. */
    WALK(WALK_ALL, "/", "/d/link_to_dir/needle", "/d/sub/deeper/needle",
         "/d /d/link_to_dir /d/sub /d/sub/deeper");
    WALK(WALK_ALL, "/", "/d/link_to_dir", "/d/link_to_dir", "/d");
    WALK(WALK_ALL, "/", "/d/link_to_dir/", "/d/link_to_dir", "/d"); /* left to the host */
    WALK(WALK_ALL | WALK_FOLLOW, "/", "/d/link_to_dir", "/d/sub/deeper", NULL);
    WALK(WALK_ALL | WALK_FOLLOW, "/", "/d/chain1", "/d/sub/deeper", NULL);
    /* A dangling link names its target, for O_CREAT. */
    WALK(WALK_ALL | WALK_FOLLOW, "/d", "dangling", "/d/sub/new", NULL);
    /* Opaque nodes: no lookups below them, ".." lexical there, checks again above. */
    WALK(WALK_ALL, "/", "/proc/self/fd/3", "/proc/self/fd/3", "/proc");
    WALK(WALK_ALL, "/", "/proc/self/cwd/../x", "/proc/self/x", "/proc");
    WALK(WALK_ALL, "/", "/proc/self/../../d/link_to_dir/x", "/d/sub/deeper/x",
         "/proc /d /d/link_to_dir /d/sub /d/sub/deeper");
    WALK(WALK_ALL, "/", "/d/to_proc/3", "/proc/self/fd/3", "/d /d/to_proc /proc");
    /* A base that may hold links is walked when a ".." could climb into it... */
    WALK(WALK_DOTDOT | WALK_BASE_LOGICAL, "/d/link_to_dir", "..", "/d/sub",
         "/d /d/link_to_dir! /d/sub /d/sub/deeper!");
    WALK(WALK_DOTDOT | WALK_BASE_LOGICAL, "/d/link_to_dir", "../../x", "/d/x", NULL);
    /* ... and not otherwise; a physical base never is. */
    WALK(WALK_DOTDOT | WALK_BASE_LOGICAL, "/d/link_to_dir", "x", "/d/link_to_dir/x", "");
    WALK(WALK_DOTDOT, "/d/sub/deeper", "..", "/d/sub", "");
    WALK_ERR(WALK_DOTDOT, "/d/sub/deeper", "needle/..", -ENOTDIR);
    /* The base may be out itself. */
    char out[FS_PATH_MAX];
    strcpy(out, "/d/link_to_dir");
    if (walk(WALK_DOTDOT | WALK_BASE_LOGICAL, out, "../deeper/needle", out, sizeof(out), NULL) <
            0 ||
        strcmp(out, "/d/sub/deeper/needle"))
        FAIL("base in out: '%s'", out);
    strcpy(out, "/d");
    if (walk(WALK_ALL, out, "link_to_dir/needle", out, sizeof(out), NULL) < 0 ||
        strcmp(out, "/d/sub/deeper/needle"))
        FAIL("base in out (physical): '%s'", out);
    /* The path may be the walk's own text buffer. */
    strcpy(g_text, "/d/chain1/needle");
    if (walk(WALK_ALL, "/", g_text, out, sizeof(out), NULL) < 0 ||
        strcmp(out, "/d/sub/deeper/needle"))
        FAIL("path in text: '%s'", out);

    /* The spelling info describes the last text walked. */
    struct path_info info;
    walk(WALK_DOTDOT, "/", "/d/link_to_dir/..", out, sizeof(out), &info);
    if (!info.must_be_dir || info.last_dot != 2)
        FAIL("info of link/..: %d %d", info.must_be_dir, info.last_dot);
    walk(WALK_ALL | WALK_FOLLOW, "/", "/d/chain2", out, sizeof(out), &info);
    if (!info.must_be_dir || info.last_dot != 0 || strcmp(out, "/d/sub/deeper"))
        FAIL("info of a target with a trailing slash: %d %d %s", info.must_be_dir, info.last_dot,
             out);
    walk(WALK_ALL | WALK_FOLLOW, "/", "/d/link_to_dir", out, sizeof(out), &info);
    if (info.must_be_dir || info.last_dot != 0)
        FAIL("info of a followed link: %d %d", info.must_be_dir, info.last_dot);
    walk(WALK_ALL | WALK_FOLLOW, "/", "/d/link_to_dir/", out, sizeof(out), &info);
    if (!info.must_be_dir)
        FAIL("info of a followed link/: %d %d", info.must_be_dir, info.last_dot);
    walk(WALK_ALL | WALK_FOLLOW, "/", "/d/dotdot", out, sizeof(out), &info);
    if (!info.must_be_dir || info.last_dot != 2 || strcmp(out, "/"))
        FAIL("info of a link to ..: %d %d %s", info.must_be_dir, info.last_dot, out);

    /* Without a lookup the walk is path_resolve. */
    struct path_walk lexical = {0};
    if (path_walk(&lexical, "/d", "link_to_dir/..", out, sizeof(out), NULL) != 2 ||
        strcmp(out, "/d"))
        FAIL("lexical walk: '%s'", out);
    if (!path_has_dotdot("..") || !path_has_dotdot("a/../b") || !path_has_dotdot("/a/..") ||
        path_has_dotdot("a/..b/c..") || path_has_dotdot("...") || path_has_dotdot(""))
        FAIL("path_has_dotdot");
}

/* ---- Resolved paths longer than PATH_MAX ------------------------------------------------- */

/* "/" and depth components of 100 'a's: a cwd as deep as Go's TestRemoveAllLongPath makes. */
static char *deep_path(int depth) {
    char *s = malloc((size_t)depth * 101 + 2);
    size_t len = 0;
    for (int i = 0; i < depth; i++) {
        s[len++] = '/';
        memset(s + len, 'a', 100);
        len += 100;
    }
    s[len] = 0;
    if (!len)
        strcpy(s, "/");
    return s;
}

static void test_long_resolved(void) {
    /* The app's arguments stay below FS_PATH_MAX (vfs_resolve checks), but what they
     * resolve to against a deep cwd may be longer: up to FS_RESOLVED_MAX. */
    if (FS_RESOLVED_MAX <= FS_PATH_MAX)
        FAIL("FS_RESOLVED_MAX %d is not above FS_PATH_MAX %d", FS_RESOLVED_MAX, FS_PATH_MAX);
    char *out = malloc(FS_RESOLVED_MAX);
    char *cwd = deep_path(45); /* 4545 bytes */
    long r = path_resolve(cwd, "x", out, FS_RESOLVED_MAX, NULL);
    if (r != 4545 + 2 || strncmp(out, cwd, 4545) || strcmp(out + 4545, "/x"))
        FAIL("deep cwd + x: %ld", r);
    r = path_resolve(cwd, "../../y", out, FS_RESOLVED_MAX, NULL);
    if (r != 4343 + 2 || strcmp(out + 4343, "/y"))
        FAIL("deep cwd + ../../y: %ld", r);
    /* Into a PATH_MAX buffer it does not fit. */
    if (path_resolve(cwd, "x", out, FS_PATH_MAX, NULL) != -ENAMETOOLONG)
        FAIL("deep cwd in FS_PATH_MAX bytes");

    /* The limit: FS_RESOLVED_MAX - 1 bytes and the NUL. */
    char *base = malloc(FS_RESOLVED_MAX);
    memset(base, 'b', FS_RESOLVED_MAX);
    base[0] = '/';
    base[FS_RESOLVED_MAX - 3] = 0; /* "/bbb...": 32765 bytes; with "/x" 32767 */
    r = path_resolve(base, "x", out, FS_RESOLVED_MAX, NULL);
    if (r != FS_RESOLVED_MAX - 1)
        FAIL("resolved path at the limit: %ld", r);
    if (path_resolve(base, "xy", out, FS_RESOLVED_MAX, NULL) != -ENAMETOOLONG)
        FAIL("resolved path one byte over the limit");

    /* A walk from a deep physical cwd: ".." climbs into it without lookups. */
    r = walk(WALK_DOTDOT, cwd, "../x", out, FS_RESOLVED_MAX, NULL);
    if (r != 4444 + 2 || strcmp(out + 4444, "/x") || g_lookups != 0)
        FAIL("walk of ../x from a deep cwd: %ld, %d lookups", r, g_lookups);
    /* A logical base is joined to the path in the text first (FS_RESOLVED_MAX bytes). */
    r = walk(WALK_DOTDOT | WALK_BASE_LOGICAL, cwd, "../x", out, FS_RESOLVED_MAX, NULL);
    if (r != -ENOENT) /* the fake file system has no /aaa... to look up */
        FAIL("walk of ../x from a deep logical cwd: %ld", r);
    if (walk(WALK_DOTDOT | WALK_BASE_LOGICAL, base, "../x", out, FS_RESOLVED_MAX, NULL) !=
        -ENAMETOOLONG)
        FAIL("logical base and path over FS_RESOLVED_MAX");
    /* A link whose target leads deep. */
    strcpy(g_long_target, cwd);
    r = walk(WALK_FOLLOW, "/", "/d/long", out, FS_RESOLVED_MAX, NULL);
    if (r != 4545 || strcmp(out, cwd))
        FAIL("link to a deep target: %ld", r);

    /* Mounts translate deep paths both ways. */
    mount_clear();
    if (mount_add("/", "/") || mount_add("/data", "/srv/appdata"))
        FAIL("mount_add");
    char *vpath = malloc(FS_RESOLVED_MAX), *host = malloc(FS_RESOLVED_MAX);
    snprintf(vpath, FS_RESOLVED_MAX, "/data%s", cwd);
    r = mount_translate(vpath, host, FS_RESOLVED_MAX, NULL);
    if (r != (long)strlen("/srv/appdata") + 4545 || strncmp(host, "/srv/appdata/aaa", 16))
        FAIL("translate a deep path: %ld", r);
    r = mount_to_virtual(host, out, FS_RESOLVED_MAX);
    if (r < 0 || strcmp(out, vpath))
        FAIL("deep host path to virtual: %ld", r);
    if (mount_to_virtual(host, out, FS_PATH_MAX) != -ENAMETOOLONG)
        FAIL("deep host path to virtual in FS_PATH_MAX bytes");
    mount_clear();
    free(vpath);
    free(host);
    free(base);
    free(cwd);
    free(out);
}

static void check_translate_at(int line, const char *vpath, const char *want, long want_err,
                               int *id_out) {
    char host[FS_PATH_MAX];
    int id = -100;
    long r = mount_translate(vpath, host, sizeof(host), &id);
    if (want) {
        if (r < 0 || strcmp(host, want) != 0 || (size_t)r != strlen(want))
            FAIL("line %d: translate(%s) = %ld '%s', want '%s'", line, vpath, r, r < 0 ? "" : host,
                 want);
    } else if (r != want_err) {
        FAIL("line %d: translate(%s) = %ld, want %ld", line, vpath, r, want_err);
    }
    if (id_out)
        *id_out = id;
}

#define TRANSLATE(v, want) check_translate_at(__LINE__, v, want, 0, NULL)
#define TRANSLATE_ID(v, want, id) check_translate_at(__LINE__, v, want, 0, id)
#define TRANSLATE_ERR(v, err) check_translate_at(__LINE__, v, NULL, err, NULL)

/* What an app path ends up as on the host: resolve lexically, then translate. */
static void check_app_path_at(int line, const char *cwd, const char *path, const char *want) {
    char vpath[FS_PATH_MAX], host[FS_PATH_MAX];
    long r = path_resolve(cwd, path, vpath, sizeof(vpath), NULL);
    if (r >= 0)
        r = mount_translate(vpath, host, sizeof(host), NULL);
    if (r < 0 || strcmp(host, want) != 0)
        FAIL("line %d: app path %s (cwd %s) -> %ld '%s', want '%s'", line, path, cwd, r,
             r < 0 ? "" : host, want);
}

#define APP_PATH(cwd, path, want) check_app_path_at(__LINE__, cwd, path, want)

static void test_mounts(void) {
    mount_clear();
    TRANSLATE_ERR("/etc/passwd", -ENOENT);       /* no mounts: nothing exists */
    TRANSLATE("/proc/cpuinfo", "/proc/cpuinfo"); /* ... but the pseudo file systems */
    TRANSLATE("/dev/null", "/dev/null");

    if (mount_add("/", "/host/root") || mount_add("/data", "/srv/appdata/") ||
        mount_add("/data/deep/", "/mnt/deep") || mount_add("/opt//app/.", "/opt/app-1.0"))
        FAIL("mount_add");
    int root_id, data_id, deep_id, pseudo_id;
    TRANSLATE_ID("/", "/host/root", &root_id);
    TRANSLATE("/etc/passwd", "/host/root/etc/passwd");
    TRANSLATE_ID("/data", "/srv/appdata", &data_id);
    TRANSLATE("/data/x/y", "/srv/appdata/x/y");
    TRANSLATE("/database", "/host/root/database");         /* a prefix only on component bounds */
    TRANSLATE_ID("/data/deep/z", "/mnt/deep/z", &deep_id); /* the longest prefix wins */
    TRANSLATE("/data/deeper", "/srv/appdata/deeper");
    TRANSLATE("/opt/app/bin", "/opt/app-1.0/bin"); /* mount paths are normalized too */
    TRANSLATE("/opt/other", "/host/root/opt/other");
    if (root_id == data_id || data_id == deep_id || root_id < 0)
        FAIL("mount ids %d %d %d", root_id, data_id, deep_id);

    /* /proc, /sys and the standard devices pass through under a chroot root. */
    TRANSLATE_ID("/proc/self/status", "/proc/self/status", &pseudo_id);
    if (pseudo_id != MOUNT_ID_PSEUDO)
        FAIL("pseudo id %d", pseudo_id);
    TRANSLATE("/proc", "/proc");
    TRANSLATE("/sys/kernel/mm", "/sys/kernel/mm");
    TRANSLATE("/dev/urandom", "/dev/urandom");
    TRANSLATE("/dev/pts/3", "/dev/pts/3");
    TRANSLATE("/dev/sda", "/host/root/dev/sda"); /* other devices follow the mounts */
    TRANSLATE("/dev", "/host/root/dev");
    TRANSLATE("/procfs", "/host/root/procfs");
    TRANSLATE("/dev/nullx", "/host/root/dev/nullx");

    /* ".." is settled on the virtual path: it never climbs out of a mount's host root. */
    APP_PATH("/", "/data/../../../etc/shadow", "/host/root/etc/shadow");
    APP_PATH("/data", "..", "/host/root");
    APP_PATH("/data", "../..", "/host/root");
    APP_PATH("/data/deep", "../x", "/srv/appdata/x");
    APP_PATH("/data/deep", "../../data/deep/./f", "/mnt/deep/f");
    APP_PATH("/", "/..", "/host/root");
    APP_PATH("/data/sub", "../../data", "/srv/appdata");

    /* Duplicates and bad mounts. */
    if (mount_add("/data/", "/elsewhere") != -EEXIST)
        FAIL("duplicate mount accepted");
    if (mount_add("rel", "/x") != -EINVAL || mount_add("/x", "rel") != -EINVAL)
        FAIL("relative mount accepted");
    if (!mount_is_mount_point("/data") || !mount_is_mount_point("/") ||
        mount_is_mount_point("/data/x") || mount_is_mount_point("/dat"))
        FAIL("mount points");

    /* An explicit /proc mount replaces the pass-through. */
    if (mount_add("/proc", "/fake/proc"))
        FAIL("mount /proc");
    TRANSLATE("/proc/cpuinfo", "/fake/proc/cpuinfo");

    /* Host to virtual: through the most specific mount that maps back. */
    char v[FS_PATH_MAX];
    struct {
        const char *host, *want;
    } back[] = {
        {"/srv/appdata/x", "/data/x"}, {"/host/root/etc", "/etc"}, {"/host/root", "/"},
        {"/mnt/deep", "/data/deep"},   {"/sys/fs", "/sys/fs"},
    };
    for (size_t i = 0; i < sizeof(back) / sizeof(back[0]); i++) {
        long r = mount_to_virtual(back[i].host, v, sizeof(v));
        if (r < 0 || strcmp(v, back[i].want))
            FAIL("to_virtual(%s) = %ld '%s', want %s", back[i].host, r, r < 0 ? "" : v,
                 back[i].want);
    }
    /* Outside every mount, or hidden by a more specific mount. */
    if (mount_to_virtual("/etc/passwd", v, sizeof(v)) != -ENOENT)
        FAIL("host path outside the chroot reached");
    if (mount_to_virtual("/host/root/data/x", v, sizeof(v)) != -ENOENT)
        FAIL("host path hidden by /data reached");
    if (mount_to_virtual("/host/rootless", v, sizeof(v)) != -ENOENT)
        FAIL("prefix match without a component bound");

    /* A host path that becomes too long. */
    char *longv = malloc(FS_PATH_MAX);
    memset(longv, 'x', FS_PATH_MAX - 1);
    longv[0] = '/';
    longv[FS_PATH_MAX - 8] = 0;
    TRANSLATE_ERR(longv, -ENAMETOOLONG);
    free(longv);
    TRANSLATE_ERR("relative", -EINVAL);

    /* Only a subtree mounted: everything else does not exist. */
    mount_clear();
    if (mount_add("/data", "/srv/appdata"))
        FAIL("mount_add after clear");
    TRANSLATE_ERR("/", -ENOENT);
    TRANSLATE_ERR("/etc", -ENOENT);
    TRANSLATE("/data/f", "/srv/appdata/f");
    TRANSLATE("/proc/1/stat", "/proc/1/stat");
    if (mount_table_is_identity())
        FAIL("a subtree is not the identity");
    if (!mount_leads_to_mount_point("/data") || !mount_leads_to_mount_point("/") ||
        mount_leads_to_mount_point("/data/x") || mount_leads_to_mount_point("/dat"))
        FAIL("paths to mount points");
    /* What passes through is below the root like a mount, but a device is no directory. */
    if (!mount_leads_to_mount_point("/dev") || !mount_leads_to_mount_point("/proc") ||
        !mount_leads_to_mount_point("/sys") || mount_leads_to_mount_point("/dev/null") ||
        mount_leads_to_mount_point("/dev/sda") || mount_leads_to_mount_point("/sys/x") ||
        mount_leads_to_mount_point("/devx"))
        FAIL("paths to pass-through paths");
    if (mount_add("/dev", "/srv/dev") || !mount_leads_to_mount_point("/dev") ||
        mount_add("/sys", "/srv/sys") || mount_leads_to_mount_point("/sys/x"))
        FAIL("mounts over pass-through paths");

    /* The identity mount. */
    mount_clear();
    if (mount_table_is_identity())
        FAIL("an empty table is not the identity");
    if (mount_add("/", "/"))
        FAIL("identity mount");
    if (!mount_table_is_identity())
        FAIL("identity table");
    if (mount_add("/usr", "/usr/") || !mount_table_is_identity())
        FAIL("identity mounts besides /");
    if (mount_add("/data", "/srv/data") || mount_table_is_identity())
        FAIL("a chroot mount besides /");
    mount_clear();
    mount_add("/", "/");
    TRANSLATE("/", "/");
    TRANSLATE("/usr/bin/env", "/usr/bin/env");
    if (mount_to_virtual("/tmp/x", v, sizeof(v)) < 0 || strcmp(v, "/tmp/x"))
        FAIL("identity to_virtual");
    if (mount_to_virtual("/", v, sizeof(v)) < 0 || strcmp(v, "/"))
        FAIL("identity to_virtual of /");

    /* The table has a fixed size. */
    mount_clear();
    char name[32];
    long r = 0;
    for (int i = 0; i <= MOUNT_MAX && r == 0; i++) {
        snprintf(name, sizeof(name), "/m%d", i);
        r = mount_add(name, "/x");
    }
    if (r != -ENOSPC)
        FAIL("mount table overflow: %ld", r);
    mount_clear();
}

int main(void) {
    test_normalization();
    test_relative();
    test_spelling_info();
    test_errors_and_limits();
    test_within();
    test_walk_dotdot();
    test_walk_errors();
    test_walk_modes();
    test_long_resolved();
    test_mounts();
    if (g_failures)
        printf("test_path: %d failures\n", g_failures);
    return g_failures != 0;
}
