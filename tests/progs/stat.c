/* File metadata: fstat, stat, lstat, newfstatat, statx, access, faccessat, faccessat2,
 * readlink and readlinkat, with symlinks the test creates. */
#include "testlib.h"

#include <sys/sysmacros.h>

/* The kernel's struct statx, spelled out because musl 1.2.3 has no declaration of it. */
struct tl_statx_time {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
struct tl_statx {
    uint32_t stx_mask, stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink, stx_uid, stx_gid;
    uint16_t stx_mode, pad;
    uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    struct tl_statx_time stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    uint64_t spare[14];
};
#define TL_STATX_TYPE 0x1u
#define TL_STATX_MODE 0x2u
#define TL_STATX_SIZE 0x200u
#define TL_STATX_BASIC_STATS 0x7ffu
#define TL_STATX_RESERVED 0x80000000u
#define TL_AT_STATX_BAD_SYNC 0x6000
#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

static void check_stat(int dirfd) {
    struct stat st, other;
    int fd = (int)RAW(SYS_openat, dirfd, "f", O_RDONLY);
    EXPECT_OK("open f", fd);
    EXPECT_OK("fstat", RAW(SYS_fstat, fd, &st));
    EXPECT_VAL("fstat size", st.st_size, 1234);
    EXPECT_TRUE("fstat type is regular", S_ISREG(st.st_mode));
    EXPECT_VAL("fstat permissions", st.st_mode & 07777, 0640);
    EXPECT_VAL("fstat nlink", st.st_nlink, 1);
    EXPECT_TRUE("fstat uid is geteuid", st.st_uid == geteuid());
    EXPECT_TRUE("fstat blksize positive", st.st_blksize > 0);
    EXPECT_ERR("fstat bad fd", RAW(SYS_fstat, 999, &st), EBADF);
    EXPECT_ERR("fstat bad buffer", RAW(SYS_fstat, fd, BAD_PTR), EFAULT);

    EXPECT_OK("stat f", RAW(SYS_stat, "st.d/f", &other));
    EXPECT_TRUE("stat and fstat agree on inode and device",
                other.st_ino == st.st_ino && other.st_dev == st.st_dev);
    EXPECT_TRUE("stat and fstat agree on mtime", other.st_mtim.tv_sec == st.st_mtim.tv_sec &&
                                                     other.st_mtim.tv_nsec == st.st_mtim.tv_nsec);
    EXPECT_ERR("stat missing", RAW(SYS_stat, "st.d/missing", &other), ENOENT);
    EXPECT_ERR("stat through a file", RAW(SYS_stat, "st.d/f/x", &other), ENOTDIR);
    EXPECT_ERR("stat bad path", RAW(SYS_stat, BAD_PTR, &other), EFAULT);
    EXPECT_OK("lstat symlink", RAW(SYS_lstat, "st.d/l", &other));
    EXPECT_TRUE("lstat type is symlink", S_ISLNK(other.st_mode));
    EXPECT_VAL("lstat symlink size is target length", other.st_size, 1);
    EXPECT_OK("stat through symlink", RAW(SYS_stat, "st.d/l", &other));
    EXPECT_TRUE("stat follows the symlink", other.st_ino == st.st_ino);

    EXPECT_OK("newfstatat AT_FDCWD", RAW(SYS_newfstatat, AT_FDCWD, "st.d/f", &other, 0));
    EXPECT_TRUE("newfstatat AT_FDCWD same inode", other.st_ino == st.st_ino);
    EXPECT_OK("newfstatat dirfd", RAW(SYS_newfstatat, dirfd, "f", &other, 0));
    EXPECT_VAL("newfstatat dirfd size", other.st_size, 1234);
    EXPECT_OK("newfstatat AT_EMPTY_PATH on dirfd",
              RAW(SYS_newfstatat, dirfd, "", &other, AT_EMPTY_PATH));
    EXPECT_TRUE("AT_EMPTY_PATH stats the directory", S_ISDIR(other.st_mode));
    EXPECT_VAL("directory permissions", other.st_mode & 07777, 0750);
    EXPECT_ERR("newfstatat empty path without AT_EMPTY_PATH",
               RAW(SYS_newfstatat, dirfd, "", &other, 0), ENOENT);
    EXPECT_OK("newfstatat AT_SYMLINK_NOFOLLOW",
              RAW(SYS_newfstatat, dirfd, "l", &other, AT_SYMLINK_NOFOLLOW));
    EXPECT_TRUE("AT_SYMLINK_NOFOLLOW sees the link", S_ISLNK(other.st_mode));
    EXPECT_OK("newfstatat dir symlink", RAW(SYS_newfstatat, dirfd, "dl", &other, 0));
    EXPECT_TRUE("dir symlink followed to a directory", S_ISDIR(other.st_mode));
    EXPECT_ERR("newfstatat broken symlink", RAW(SYS_newfstatat, dirfd, "broken", &other, 0),
               ENOENT);
    EXPECT_ERR("newfstatat bad flags", RAW(SYS_newfstatat, dirfd, "f", &other, 0x4), EINVAL);
    EXPECT_ERR("newfstatat bad dirfd", RAW(SYS_newfstatat, 999, "f", &other, 0), EBADF);
    EXPECT_ERR("newfstatat file as dirfd", RAW(SYS_newfstatat, fd, "x", &other, 0), ENOTDIR);
    EXPECT_ERR("newfstatat bad buffer", RAW(SYS_newfstatat, dirfd, "f", BAD_PTR, 0), EFAULT);
    EXPECT_ERR("newfstatat bad path", RAW(SYS_newfstatat, dirfd, BAD_PTR, &other, 0), EFAULT);

    struct tl_statx stx;
    memset(&stx, 0xff, sizeof(stx));
    EXPECT_OK("statx", RAW(SYS_statx, dirfd, "f", 0, TL_STATX_BASIC_STATS, &stx));
    EXPECT_TRUE("statx mask has type, mode and size",
                (stx.stx_mask & (TL_STATX_TYPE | TL_STATX_MODE | TL_STATX_SIZE)) ==
                    (TL_STATX_TYPE | TL_STATX_MODE | TL_STATX_SIZE));
    EXPECT_VAL("statx size", stx.stx_size, 1234);
    EXPECT_VAL("statx mode", stx.stx_mode, S_IFREG | 0640);
    EXPECT_VAL("statx nlink", stx.stx_nlink, 1);
    EXPECT_TRUE("statx and fstat agree on inode, owner and blocks",
                stx.stx_ino == st.st_ino && stx.stx_uid == st.st_uid && stx.stx_gid == st.st_gid &&
                    stx.stx_blocks == (uint64_t)st.st_blocks);
    EXPECT_TRUE("statx and fstat agree on device",
                makedev(stx.stx_dev_major, stx.stx_dev_minor) == st.st_dev);
    EXPECT_TRUE("statx and fstat agree on mtime",
                stx.stx_mtime.tv_sec == st.st_mtim.tv_sec &&
                    stx.stx_mtime.tv_nsec == (uint32_t)st.st_mtim.tv_nsec);
    memset(&stx, 0, sizeof(stx));
    EXPECT_OK("statx AT_EMPTY_PATH on fd",
              RAW(SYS_statx, fd, "", AT_EMPTY_PATH, TL_STATX_BASIC_STATS, &stx));
    EXPECT_VAL("statx by fd size", stx.stx_size, 1234);
    EXPECT_OK("statx AT_SYMLINK_NOFOLLOW",
              RAW(SYS_statx, dirfd, "l", AT_SYMLINK_NOFOLLOW, TL_STATX_BASIC_STATS, &stx));
    EXPECT_TRUE("statx sees the link", S_ISLNK(stx.stx_mode));
    EXPECT_ERR("statx missing", RAW(SYS_statx, dirfd, "missing", 0, TL_STATX_BASIC_STATS, &stx),
               ENOENT);
    EXPECT_ERR("statx reserved mask bit", RAW(SYS_statx, dirfd, "f", 0, TL_STATX_RESERVED, &stx),
               EINVAL);
    EXPECT_ERR("statx contradicting sync flags",
               RAW(SYS_statx, dirfd, "f", TL_AT_STATX_BAD_SYNC, TL_STATX_BASIC_STATS, &stx),
               EINVAL);
    EXPECT_ERR("statx bad buffer", RAW(SYS_statx, dirfd, "f", 0, TL_STATX_BASIC_STATS, BAD_PTR),
               EFAULT);
    EXPECT_ERR("statx bad dirfd", RAW(SYS_statx, 999, "f", 0, TL_STATX_BASIC_STATS, &stx), EBADF);
    RAW(SYS_close, fd);
}

static void check_access(int dirfd) {
    EXPECT_OK("access F_OK", RAW(SYS_access, "st.d/f", F_OK));
    EXPECT_OK("access R_OK|W_OK", RAW(SYS_access, "st.d/f", R_OK | W_OK));
    EXPECT_ERR("access X_OK on a file with no x bit", RAW(SYS_access, "st.d/f", X_OK), EACCES);
    EXPECT_OK("access X_OK on a directory", RAW(SYS_access, "st.d/sub", X_OK));
    EXPECT_ERR("access missing", RAW(SYS_access, "st.d/missing", F_OK), ENOENT);
    EXPECT_ERR("access bad mode", RAW(SYS_access, "st.d/f", 8), EINVAL);
    EXPECT_ERR("access bad path", RAW(SYS_access, BAD_PTR, F_OK), EFAULT);
    EXPECT_ERR("access through a file", RAW(SYS_access, "st.d/f/x", F_OK), ENOTDIR);
    EXPECT_OK("faccessat dirfd", RAW(SYS_faccessat, dirfd, "f", R_OK));
    EXPECT_ERR("faccessat bad dirfd", RAW(SYS_faccessat, 999, "f", R_OK), EBADF);
    EXPECT_ERR("faccessat broken symlink", RAW(SYS_faccessat, dirfd, "broken", F_OK), ENOENT);
    EXPECT_OK("faccessat2 AT_SYMLINK_NOFOLLOW on broken symlink",
              RAW(SYS_faccessat2, dirfd, "broken", F_OK, AT_SYMLINK_NOFOLLOW));
    EXPECT_OK("faccessat2 AT_EACCESS", RAW(SYS_faccessat2, dirfd, "f", R_OK, AT_EACCESS));
    EXPECT_OK("faccessat2 AT_EMPTY_PATH", RAW(SYS_faccessat2, dirfd, "", F_OK, AT_EMPTY_PATH));
    EXPECT_ERR("faccessat2 bad flags", RAW(SYS_faccessat2, dirfd, "f", F_OK, 0x4), EINVAL);
    EXPECT_ERR("faccessat2 missing", RAW(SYS_faccessat2, dirfd, "missing", F_OK, 0), ENOENT);
    EXPECT_OK("libc faccessat", LIBC(faccessat(dirfd, "f", W_OK, 0)));
}

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void check_readlink(int dirfd, const char *argv0) {
    char buf[256];
    memset(buf, 0, sizeof(buf));
    EXPECT_VAL("readlink l", RAW(SYS_readlink, "st.d/l", buf, sizeof(buf)), 1);
    EXPECT_STR("readlink l target", buf, "f");
    memset(buf, 0, sizeof(buf));
    EXPECT_VAL("readlink truncates to the buffer", RAW(SYS_readlink, "st.d/long", buf, 4), 4);
    EXPECT_STR("readlink truncated target", buf, "a_lo");
    EXPECT_ERR("readlink on a regular file", RAW(SYS_readlink, "st.d/f", buf, sizeof(buf)), EINVAL);
    EXPECT_ERR("readlink missing", RAW(SYS_readlink, "st.d/missing", buf, sizeof(buf)), ENOENT);
    EXPECT_ERR("readlink zero size", RAW(SYS_readlink, "st.d/l", buf, 0), EINVAL);
    EXPECT_ERR("readlink bad buffer", RAW(SYS_readlink, "st.d/l", BAD_PTR, 10), EFAULT);
    memset(buf, 0, sizeof(buf));
    EXPECT_VAL("readlinkat dirfd", RAW(SYS_readlinkat, dirfd, "long", buf, sizeof(buf)), 19);
    EXPECT_STR("readlinkat target", buf, "a_long_target_name!");
    memset(buf, 0, sizeof(buf));
    EXPECT_VAL("readlinkat dangling link", RAW(SYS_readlinkat, dirfd, "broken", buf, 255), 7);
    EXPECT_STR("dangling link target", buf, "nowhere");
    EXPECT_ERR("readlinkat bad dirfd", RAW(SYS_readlinkat, 999, "l", buf, sizeof(buf)), EBADF);
    EXPECT_ERR("readlinkat on a directory", RAW(SYS_readlinkat, dirfd, "sub", buf, sizeof(buf)),
               EINVAL);

    long len = RAW(SYS_readlink, "/proc/self/exe", buf, sizeof(buf) - 1);
    EXPECT_OK("readlink /proc/self/exe", len);
    buf[len < 0 ? 0 : len] = 0;
    EXPECT_TRUE("/proc/self/exe is absolute and names the program",
                buf[0] == '/' && strcmp(base_name(buf), base_name(argv0)) == 0);
}

static void check_symlink_creation(int dirfd) {
    int fd;
    EXPECT_ERR("O_NOFOLLOW on a symlink", RAW(SYS_openat, dirfd, "l", O_RDONLY | O_NOFOLLOW),
               ELOOP);
    fd = (int)EXPECT_OK("O_DIRECTORY through a dir symlink",
                        RAW(SYS_openat, dirfd, "dl", O_RDONLY | O_DIRECTORY));
    RAW(SYS_close, fd);
    EXPECT_ERR("open dangling symlink", RAW(SYS_openat, dirfd, "broken", O_RDONLY), ENOENT);
    EXPECT_ERR("O_CREAT|O_EXCL on a dangling symlink",
               RAW(SYS_openat, dirfd, "broken", O_WRONLY | O_CREAT | O_EXCL, 0600), EEXIST);
    fd = (int)EXPECT_OK("O_CREAT through a dangling symlink",
                        RAW(SYS_openat, dirfd, "broken", O_WRONLY | O_CREAT, 0600));
    RAW(SYS_close, fd);
    EXPECT_OK("the symlink target now exists", RAW(SYS_faccessat, dirfd, "nowhere", F_OK));
    EXPECT_ERR("symlink over an existing name", LIBC(symlinkat("f", dirfd, "l")), EEXIST);
    EXPECT_OK("symlink to itself", RAW(SYS_symlinkat, "loop", dirfd, "loop"));
    EXPECT_ERR("open a symlink loop", RAW(SYS_openat, dirfd, "loop", O_RDONLY), ELOOP);
    EXPECT_ERR("symlinkat bad dirfd", RAW(SYS_symlinkat, "f", 999, "x"), EBADF);
}

int main(int argc, char **argv) {
    char data[1234];
    tl_start(argc, argv, "stat");
    umask(0);
    memset(data, 'x', sizeof(data));
    if (mkdir("st.d", 0750) != 0 || mkdir("st.d/sub", 0755) != 0)
        tl_die("mkdir st.d");
    tl_write_file("st.d/f", data, sizeof(data), 0640);
    if (symlink("f", "st.d/l") || symlink("sub", "st.d/dl") || symlink("nowhere", "st.d/broken") ||
        symlink("a_long_target_name!", "st.d/long"))
        tl_die("symlink");
    int dirfd = (int)RAW(SYS_open, "st.d", O_RDONLY | O_DIRECTORY);
    if (dirfd < 0)
        tl_die("open st.d");
    check_stat(dirfd);
    check_access(dirfd);
    check_readlink(dirfd, argv[0]);
    check_symlink_creation(dirfd);
    RAW(SYS_close, dirfd);
    return tl_finish();
}
