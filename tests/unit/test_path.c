/* unit-sources: libos/fs/path.c libos/fs/mount.c common/string.c */
/* Lexical path resolution and mount translation of the LibOS file system. */
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

    /* The identity mount. */
    mount_clear();
    if (mount_add("/", "/"))
        FAIL("identity mount");
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
    test_mounts();
    if (g_failures)
        printf("test_path: %d failures\n", g_failures);
    return g_failures != 0;
}
