/* Extended attributes: setxattr/getxattr/listxattr/removexattr by path, by path without
 * following the last symlink, and by fd; their flags, sizes and errors; and the /proc
 * files the LibOS makes. Raw syscalls, so musl and glibc builds test the same calls. */
#include "testlib.h"

#ifndef XATTR_CREATE
#define XATTR_CREATE 1
#define XATTR_REPLACE 2
#endif

/* The attribute names of a list, sorted: the order is the file system's. */
static void print_list(const char *label, const char *list, long len) {
    const char *names[16];
    int n = 0;
    for (long i = 0; i < len && n < 16; i += (long)strlen(list + i) + 1)
        names[n++] = list + i;
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++)
            if (strcmp(names[b], names[a]) < 0) {
                const char *t = names[a];
                names[a] = names[b];
                names[b] = t;
            }
    printf("%s:", label);
    for (int i = 0; i < n; i++)
        printf(" %s", names[i]);
    printf("\n");
}

static void check_by_path(void) {
    char buf[64];
    EXPECT_OK("setxattr user.color", RAW(SYS_setxattr, "f", "user.color", "red", 3, 0));
    EXPECT_ERR("setxattr XATTR_CREATE of an existing one",
               RAW(SYS_setxattr, "f", "user.color", "blue", 4, XATTR_CREATE), EEXIST);
    EXPECT_ERR("setxattr XATTR_REPLACE of a missing one",
               RAW(SYS_setxattr, "f", "user.size", "9", 1, XATTR_REPLACE), ENODATA);
    EXPECT_ERR("setxattr unknown flags", RAW(SYS_setxattr, "f", "user.size", "9", 1, 4), EINVAL);
    EXPECT_OK("setxattr XATTR_CREATE", RAW(SYS_setxattr, "f", "user.size", "9", 1, XATTR_CREATE));
    EXPECT_OK("setxattr empty value", RAW(SYS_setxattr, "f", "user.empty", "", 0, 0));
    EXPECT_VAL("getxattr size query", RAW(SYS_getxattr, "f", "user.color", NULL, 0), 3);
    memset(buf, 0, sizeof(buf));
    EXPECT_VAL("getxattr", RAW(SYS_getxattr, "f", "user.color", buf, sizeof(buf)), 3);
    EXPECT_STR("getxattr value", buf, "red");
    EXPECT_ERR("getxattr buffer too small", RAW(SYS_getxattr, "f", "user.color", buf, 2), ERANGE);
    EXPECT_VAL("getxattr empty value", RAW(SYS_getxattr, "f", "user.empty", buf, sizeof(buf)), 0);
    EXPECT_ERR("getxattr missing", RAW(SYS_getxattr, "f", "user.nope", buf, sizeof(buf)), ENODATA);
    EXPECT_ERR("getxattr missing file", RAW(SYS_getxattr, "nofile", "user.color", buf, 8), ENOENT);
    EXPECT_VAL("getxattr through a symlink", RAW(SYS_getxattr, "l", "user.color", buf, 8), 3);
    EXPECT_ERR("lgetxattr of the symlink itself", RAW(SYS_lgetxattr, "l", "user.color", buf, 8),
               ENODATA);
    EXPECT_ERR("lsetxattr user.* on a symlink", RAW(SYS_lsetxattr, "l", "user.x", "1", 1, 0),
               EPERM);

    char list[256];
    long len = RAW(SYS_listxattr, "f", NULL, 0);
    EXPECT_VAL("listxattr size query", len, (long)sizeof("user.color user.size user.empty"));
    print_list("listxattr", list, RAW(SYS_listxattr, "f", list, sizeof(list)));
    EXPECT_ERR("listxattr buffer too small", RAW(SYS_listxattr, "f", list, 5), ERANGE);
    print_list("listxattr through a symlink", list, RAW(SYS_listxattr, "l", list, sizeof(list)));
    EXPECT_VAL("llistxattr of the symlink itself", RAW(SYS_llistxattr, "l", list, sizeof(list)), 0);

    EXPECT_OK("removexattr", RAW(SYS_removexattr, "f", "user.size"));
    EXPECT_ERR("removexattr again", RAW(SYS_removexattr, "f", "user.size"), ENODATA);
    EXPECT_ERR("lremovexattr user.* on the symlink", RAW(SYS_lremovexattr, "l", "user.color"),
               EPERM);
    EXPECT_OK("removexattr through a symlink", RAW(SYS_removexattr, "l", "user.empty"));
    print_list("left", list, RAW(SYS_listxattr, "f", list, sizeof(list)));
}

static void check_by_fd(void) {
    char buf[64];
    int fd = (int)RAW(SYS_open, "f", O_RDWR);
    EXPECT_OK("open f", fd);
    EXPECT_OK("fsetxattr", RAW(SYS_fsetxattr, fd, "user.fd", "by fd", 5, 0));
    memset(buf, 0, sizeof(buf));
    EXPECT_VAL("fgetxattr", RAW(SYS_fgetxattr, fd, "user.fd", buf, sizeof(buf)), 5);
    EXPECT_STR("fgetxattr value", buf, "by fd");
    EXPECT_VAL("getxattr by path sees it", RAW(SYS_getxattr, "f", "user.fd", NULL, 0), 5);
    char list[256];
    print_list("flistxattr", list, RAW(SYS_flistxattr, fd, list, sizeof(list)));
    EXPECT_OK("fremovexattr", RAW(SYS_fremovexattr, fd, "user.fd"));
    EXPECT_ERR("fgetxattr after fremovexattr", RAW(SYS_fgetxattr, fd, "user.fd", buf, 8), ENODATA);
    int path_fd = (int)RAW(SYS_open, "f", O_PATH);
    EXPECT_ERR("fgetxattr on an O_PATH fd", RAW(SYS_fgetxattr, path_fd, "user.color", buf, 8),
               EBADF);
    EXPECT_ERR("fgetxattr on a closed fd", RAW(SYS_fgetxattr, 999, "user.color", buf, 8), EBADF);
    RAW(SYS_close, path_fd);
    RAW(SYS_close, fd);
}

static void check_arguments(void) {
    char buf[64], name[300];
    EXPECT_ERR("getxattr empty name", RAW(SYS_getxattr, "f", "", buf, 8), ERANGE);
    memcpy(name, "user.", 5);
    memset(name + 5, 'n', 250);
    name[255] = 0; /* 255 bytes: the longest name */
    EXPECT_ERR("getxattr 255-byte name", RAW(SYS_getxattr, "f", name, buf, 8), ENODATA);
    name[255] = 'n';
    name[256] = 0;
    EXPECT_ERR("getxattr 256-byte name", RAW(SYS_getxattr, "f", name, buf, 8), ERANGE);
    EXPECT_ERR("setxattr name pointer bad", RAW(SYS_setxattr, "f", (char *)8, "1", 1, 0), EFAULT);
    EXPECT_ERR("setxattr value pointer bad", RAW(SYS_setxattr, "f", "user.v", (char *)8, 4, 0),
               EFAULT);
    EXPECT_ERR("getxattr buffer bad", RAW(SYS_getxattr, "f", "user.color", (char *)8, 8), EFAULT);
    EXPECT_ERR("listxattr buffer bad", RAW(SYS_listxattr, "f", (char *)8, 64), EFAULT);
    /* Linux fetches before it copies: these errors come first. */
    EXPECT_ERR("getxattr of a missing one, buffer bad",
               RAW(SYS_getxattr, "f", "user.no", (char *)8, 8), ENODATA);
    EXPECT_ERR("getxattr buffer bad and too small",
               RAW(SYS_getxattr, "f", "user.color", (char *)8, 1), ERANGE);
    EXPECT_ERR("listxattr of a missing file, buffer bad",
               RAW(SYS_listxattr, "nofile", (char *)8, 64), ENOENT);
    EXPECT_VAL("llistxattr of a symlink without any, buffer bad",
               RAW(SYS_llistxattr, "l", (char *)8, 64), 0);
    EXPECT_ERR("getxattr /proc/self/status, buffer bad",
               RAW(SYS_getxattr, "/proc/self/status", "user.a", (char *)8, 8), EOPNOTSUPP);
    EXPECT_ERR("setxattr value over 64 KiB", RAW(SYS_setxattr, "f", "user.big", buf, 65537, 0),
               E2BIG);
    EXPECT_ERR("getxattr path pointer bad", RAW(SYS_getxattr, (char *)8, "user.a", buf, 8), EFAULT);
}

/* The LibOS makes these files: like procfs's own, they have no attributes and take none. */
static void check_proc(void) {
    char buf[64];
    EXPECT_ERR("getxattr /proc/self/status",
               RAW(SYS_getxattr, "/proc/self/status", "user.a", buf, 8), EOPNOTSUPP);
    EXPECT_VAL("listxattr /proc/self/maps", RAW(SYS_listxattr, "/proc/self/maps", buf, 64), 0);
    EXPECT_ERR("setxattr /proc/self/status",
               RAW(SYS_setxattr, "/proc/self/status", "user.a", "1", 1, 0), EOPNOTSUPP);
    EXPECT_ERR("removexattr /proc/self/cmdline",
               RAW(SYS_removexattr, "/proc/self/cmdline", "user.a"), EOPNOTSUPP);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "xattr");
    tl_write_file("f", "data", 4, 0644);
    if (symlink("f", "l") != 0)
        tl_die("symlink");
    check_by_path();
    check_by_fd();
    check_arguments();
    check_proc();
    return tl_finish();
}
