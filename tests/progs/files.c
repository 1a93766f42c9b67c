/* File I/O: the open family with dirfds and flags, read/write and their positional and
 * vector forms, lseek, close, creat, ftruncate, fsync, fdatasync, sync_file_range,
 * readahead and umask. */
#include "testlib.h"

#include <sys/stat.h>
#include <sys/uio.h>

static void check_content(const char *label, int fd, const char *want) {
    char buf[256] = {0};
    long len = RAW(SYS_pread64, fd, buf, sizeof(buf) - 1, 0);
    if (len < 0) {
        EXPECT_OK(label, len);
        return;
    }
    buf[len] = 0;
    EXPECT_STR(label, buf, want);
}

static void check_open_flags(int dirfd) {
    int fd;
    EXPECT_OK("mkdir files.d/sub", LIBC(mkdirat(dirfd, "sub", 0755)));
    fd = (int)EXPECT_OK("openat dirfd O_CREAT|O_EXCL new",
                        LIBC(openat(dirfd, "a.txt", O_CREAT | O_EXCL | O_WRONLY, 0644)));
    EXPECT_ERR("openat dirfd O_CREAT|O_EXCL existing",
               LIBC(openat(dirfd, "a.txt", O_CREAT | O_EXCL | O_WRONLY, 0644)), EEXIST);
    EXPECT_VAL("write 12 bytes", LIBC(write(fd, "hello world\n", 12)), 12);
    EXPECT_ERR("read on O_WRONLY fd", LIBC(read(fd, (char[4]){0}, 4)), EBADF);
    EXPECT_OK("close", RAW(SYS_close, fd));
    EXPECT_ERR("close again", RAW(SYS_close, fd), EBADF);
    EXPECT_ERR("close -1", RAW(SYS_close, -1), EBADF);

    EXPECT_ERR("open missing file", RAW(SYS_open, "files.d/missing", O_RDONLY), ENOENT);
    EXPECT_ERR("open path through a file", RAW(SYS_open, "files.d/a.txt/x", O_RDONLY), ENOTDIR);
    EXPECT_ERR("open directory O_WRONLY", RAW(SYS_open, "files.d/sub", O_WRONLY), EISDIR);
    EXPECT_ERR("open file O_DIRECTORY", RAW(SYS_open, "files.d/a.txt", O_RDONLY | O_DIRECTORY),
               ENOTDIR);
    EXPECT_ERR("open bad path pointer", RAW(SYS_open, BAD_PTR, O_RDONLY), EFAULT);
    EXPECT_ERR("open empty path", RAW(SYS_open, "", O_RDONLY), ENOENT);
    EXPECT_ERR("openat bad dirfd", RAW(SYS_openat, 999, "a.txt", O_RDONLY), EBADF);

    fd = (int)RAW(SYS_open, "files.d/a.txt", O_RDONLY);
    EXPECT_OK("open O_RDONLY", fd);
    EXPECT_ERR("openat with a file as dirfd", RAW(SYS_openat, fd, "x", O_RDONLY), ENOTDIR);
    EXPECT_ERR("write on O_RDONLY fd", RAW(SYS_write, fd, "x", 1), EBADF);
    RAW(SYS_close, fd);

    fd = (int)EXPECT_OK("openat AT_FDCWD relative",
                        RAW(SYS_openat, AT_FDCWD, "files.d/sub/../a.txt", O_RDONLY));
    RAW(SYS_close, fd);

    char cwd[4096], absolute[4200];
    if (!getcwd(cwd, sizeof(cwd)))
        tl_die("getcwd");
    snprintf(absolute, sizeof(absolute), "%s/files.d/a.txt", cwd);
    fd = (int)EXPECT_OK("openat absolute path ignores dirfd",
                        RAW(SYS_openat, 999, absolute, O_RDONLY));
    RAW(SYS_close, fd);

    fd = (int)EXPECT_OK("open O_CLOEXEC", RAW(SYS_openat, dirfd, "a.txt", O_RDONLY | O_CLOEXEC));
    EXPECT_VAL("O_CLOEXEC sets FD_CLOEXEC", LIBC(fcntl(fd, F_GETFD)), FD_CLOEXEC);
    RAW(SYS_close, fd);
    fd = (int)RAW(SYS_openat, dirfd, "a.txt", O_RDONLY);
    EXPECT_VAL("no O_CLOEXEC leaves FD_CLOEXEC clear", LIBC(fcntl(fd, F_GETFD)), 0);
    RAW(SYS_close, fd);

    EXPECT_OK("symlink link -> a.txt", LIBC(symlinkat("a.txt", dirfd, "link")));
    EXPECT_ERR("open symlink O_NOFOLLOW", RAW(SYS_openat, dirfd, "link", O_RDONLY | O_NOFOLLOW),
               ELOOP);
    fd = (int)EXPECT_OK("open symlink follows", RAW(SYS_openat, dirfd, "link", O_RDONLY));
    check_content("content through symlink", fd, "hello world\n");
    RAW(SYS_close, fd);

    fd = (int)EXPECT_OK("open O_TRUNC", RAW(SYS_openat, dirfd, "a.txt", O_RDWR | O_TRUNC));
    struct stat st;
    EXPECT_OK("fstat after O_TRUNC", LIBC(fstat(fd, &st)));
    EXPECT_VAL("size after O_TRUNC", st.st_size, 0);
    EXPECT_VAL("write one", RAW(SYS_write, fd, "one", 3), 3);
    RAW(SYS_close, fd);
    fd = (int)EXPECT_OK("open O_APPEND", RAW(SYS_openat, dirfd, "a.txt", O_RDWR | O_APPEND));
    EXPECT_VAL("lseek to 0 on O_APPEND fd", RAW(SYS_lseek, fd, 0, SEEK_SET), 0);
    EXPECT_VAL("write two with O_APPEND", RAW(SYS_write, fd, "two", 3), 3);
    EXPECT_VAL("O_APPEND write moved offset to end", RAW(SYS_lseek, fd, 0, SEEK_CUR), 6);
    check_content("O_APPEND content", fd, "onetwo");
    RAW(SYS_close, fd);
}

static void check_read_write_seek(int dirfd) {
    char buf[64];
    int fd = (int)EXPECT_OK("openat O_RDWR|O_CREAT",
                            RAW(SYS_openat, dirfd, "rw.txt", O_RDWR | O_CREAT, 0644));
    EXPECT_VAL("write", RAW(SYS_write, fd, "hello world\n", 12), 12);
    EXPECT_VAL("lseek SEEK_SET 0", RAW(SYS_lseek, fd, 0, SEEK_SET), 0);
    memset(buf, 0, sizeof(buf));
    EXPECT_VAL("read 5", RAW(SYS_read, fd, buf, 5), 5);
    EXPECT_STR("read 5 content", buf, "hello");
    EXPECT_VAL("lseek SEEK_CUR 0", RAW(SYS_lseek, fd, 0, SEEK_CUR), 5);
    EXPECT_VAL("lseek SEEK_SET 6", RAW(SYS_lseek, fd, 6, SEEK_SET), 6);
    memset(buf, 0, sizeof(buf));
    EXPECT_VAL("read to end", RAW(SYS_read, fd, buf, sizeof(buf)), 6);
    EXPECT_STR("read to end content", buf, "world\n");
    EXPECT_VAL("read at end", RAW(SYS_read, fd, buf, sizeof(buf)), 0);
    EXPECT_VAL("lseek SEEK_END 0", RAW(SYS_lseek, fd, 0, SEEK_END), 12);
    EXPECT_VAL("lseek SEEK_END -3", RAW(SYS_lseek, fd, -3, SEEK_END), 9);
    EXPECT_VAL("lseek SEEK_CUR -4", RAW(SYS_lseek, fd, -4, SEEK_CUR), 5);
    EXPECT_ERR("lseek to negative offset", RAW(SYS_lseek, fd, -1, SEEK_SET), EINVAL);
    EXPECT_VAL("offset kept after failed lseek", RAW(SYS_lseek, fd, 0, SEEK_CUR), 5);
    EXPECT_ERR("lseek bad whence", RAW(SYS_lseek, fd, 0, 99), EINVAL);
    EXPECT_ERR("lseek bad fd", RAW(SYS_lseek, 999, 0, SEEK_SET), EBADF);
    EXPECT_VAL("lseek SEEK_DATA 0", RAW(SYS_lseek, fd, 0, SEEK_DATA), 0);
    EXPECT_ERR("lseek SEEK_DATA past end", RAW(SYS_lseek, fd, 12, SEEK_DATA), ENXIO);
    EXPECT_VAL("lseek past end", RAW(SYS_lseek, fd, 100, SEEK_SET), 100);
    EXPECT_VAL("read past end", RAW(SYS_read, fd, buf, sizeof(buf)), 0);
    EXPECT_VAL("lseek back", RAW(SYS_lseek, fd, 3, SEEK_SET), 3);

    memset(buf, 0, sizeof(buf));
    EXPECT_VAL("pread64 offset 6", RAW(SYS_pread64, fd, buf, 5, 6), 5);
    EXPECT_STR("pread64 content", buf, "world");
    EXPECT_VAL("pread64 keeps offset", RAW(SYS_lseek, fd, 0, SEEK_CUR), 3);
    EXPECT_VAL("pwrite64 offset 0", RAW(SYS_pwrite64, fd, "HELLO", 5, 0), 5);
    EXPECT_VAL("pwrite64 keeps offset", RAW(SYS_lseek, fd, 0, SEEK_CUR), 3);
    check_content("content after pwrite64", fd, "HELLO world\n");
    EXPECT_VAL("pread64 past end", RAW(SYS_pread64, fd, buf, 5, 1000), 0);
    EXPECT_ERR("pread64 negative offset", RAW(SYS_pread64, fd, buf, 5, -1), EINVAL);
    EXPECT_ERR("pwrite64 negative offset", RAW(SYS_pwrite64, fd, buf, 5, -1), EINVAL);
    EXPECT_ERR("pread64 bad fd", RAW(SYS_pread64, 999, buf, 5, 0), EBADF);

    EXPECT_ERR("read into bad pointer", RAW(SYS_pread64, fd, BAD_PTR, 5, 0), EFAULT);
    EXPECT_ERR("read bad pointer via read", RAW(SYS_read, fd, BAD_PTR, 5), EFAULT);
    EXPECT_ERR("write from bad pointer", RAW(SYS_write, fd, BAD_PTR, 5), EFAULT);
    EXPECT_ERR("write bad fd", RAW(SYS_write, 999, "x", 1), EBADF);
    EXPECT_ERR("read bad fd", RAW(SYS_read, -5, buf, 1), EBADF);
    EXPECT_VAL("write 0 bytes", RAW(SYS_write, fd, buf, 0), 0);
    EXPECT_VAL("read 0 bytes", RAW(SYS_read, fd, buf, 0), 0);

    int pipe_fds[2];
    if (pipe(pipe_fds) != 0)
        tl_die("pipe");
    EXPECT_ERR("lseek on pipe", RAW(SYS_lseek, pipe_fds[0], 0, SEEK_SET), ESPIPE);
    EXPECT_ERR("pread64 on pipe", RAW(SYS_pread64, pipe_fds[0], buf, 1, 0), ESPIPE);
    EXPECT_ERR("pwrite64 on pipe", RAW(SYS_pwrite64, pipe_fds[1], "x", 1, 0), ESPIPE);
    EXPECT_ERR("fsync on pipe", RAW(SYS_fsync, pipe_fds[1]), EINVAL);
    RAW(SYS_close, pipe_fds[0]);
    RAW(SYS_close, pipe_fds[1]);

    struct iovec out[3] = {{"ab", 2}, {"", 0}, {"cdefg", 5}};
    EXPECT_VAL("lseek end for writev", RAW(SYS_lseek, fd, 0, SEEK_END), 12);
    EXPECT_VAL("writev 3 iovecs", RAW(SYS_writev, fd, out, 3), 7);
    char first[4] = {0}, second[16] = {0};
    struct iovec in[2] = {{first, 3}, {second, 15}};
    EXPECT_VAL("lseek to 10", RAW(SYS_lseek, fd, 10, SEEK_SET), 10);
    EXPECT_VAL("readv 2 iovecs", RAW(SYS_readv, fd, in, 2), 9);
    EXPECT_STR("readv first iovec", first, "d\na");
    EXPECT_STR("readv second iovec", second, "bcdefg");
    EXPECT_ERR("readv negative count", RAW(SYS_readv, fd, in, -1), EINVAL);
    EXPECT_ERR("writev too many iovecs", RAW(SYS_writev, fd, out, 100000), EINVAL);
    EXPECT_ERR("readv bad iovec array", RAW(SYS_readv, fd, BAD_PTR, 2), EFAULT);
    struct iovec bad_base[1] = {{BAD_PTR, 4}};
    EXPECT_VAL("lseek to 0 for bad readv", RAW(SYS_lseek, fd, 0, SEEK_SET), 0);
    EXPECT_ERR("readv bad iovec base", RAW(SYS_readv, fd, bad_base, 1), EFAULT);
    EXPECT_ERR("writev bad iovec base", RAW(SYS_writev, fd, bad_base, 1), EFAULT);
    EXPECT_ERR("writev bad fd", RAW(SYS_writev, 999, out, 3), EBADF);
    EXPECT_VAL("readv 0 iovecs", RAW(SYS_readv, fd, in, 0), 0);

    EXPECT_OK("fsync", RAW(SYS_fsync, fd));
    EXPECT_OK("fdatasync", RAW(SYS_fdatasync, fd));
    EXPECT_ERR("fsync bad fd", RAW(SYS_fsync, 999), EBADF);
    EXPECT_ERR("fdatasync bad fd", RAW(SYS_fdatasync, 999), EBADF);
    EXPECT_OK("sync_file_range write and wait", RAW(SYS_sync_file_range, fd, 0, 4096, 7));
    EXPECT_OK("sync_file_range no flags", RAW(SYS_sync_file_range, fd, 0, 0, 0));
    EXPECT_ERR("sync_file_range unknown flag", RAW(SYS_sync_file_range, fd, 0, 0, 8), EINVAL);
    EXPECT_ERR("sync_file_range negative offset", RAW(SYS_sync_file_range, fd, -1, 0, 2), EINVAL);
    EXPECT_ERR("sync_file_range bad fd", RAW(SYS_sync_file_range, 999, 0, 0, 2), EBADF);
    EXPECT_OK("readahead", RAW(SYS_readahead, fd, 0, 4096));
    EXPECT_ERR("readahead bad fd", RAW(SYS_readahead, 999, 0, 4096), EBADF);
    int sync_pipe[2];
    if (pipe(sync_pipe) != 0)
        tl_die("pipe");
    EXPECT_ERR("sync_file_range on a pipe", RAW(SYS_sync_file_range, sync_pipe[1], 0, 0, 2),
               ESPIPE);
    EXPECT_ERR("readahead on a pipe", RAW(SYS_readahead, sync_pipe[0], 0, 4096), EINVAL);
    EXPECT_ERR("readahead on a write-only fd", RAW(SYS_readahead, sync_pipe[1], 0, 4096), EBADF);
    close(sync_pipe[0]);
    close(sync_pipe[1]);

    struct stat st;
    EXPECT_OK("ftruncate shrink", RAW(SYS_ftruncate, fd, 3));
    EXPECT_OK("fstat after shrink", LIBC(fstat(fd, &st)));
    EXPECT_VAL("size after shrink", st.st_size, 3);
    check_content("content after shrink", fd, "HEL");
    EXPECT_OK("ftruncate grow", RAW(SYS_ftruncate, fd, 10000));
    EXPECT_OK("fstat after grow", LIBC(fstat(fd, &st)));
    EXPECT_VAL("size after grow", st.st_size, 10000);
    char zeros[100], expect_zeros[100] = {0};
    memset(zeros, 0x55, sizeof(zeros));
    EXPECT_VAL("pread in grown part", RAW(SYS_pread64, fd, zeros, 100, 5000), 100);
    EXPECT_MEM("grown part reads as zeros", zeros, expect_zeros, 100);
    EXPECT_ERR("ftruncate negative", RAW(SYS_ftruncate, fd, -1), EINVAL);
    EXPECT_ERR("ftruncate bad fd", RAW(SYS_ftruncate, 999, 0), EBADF);
    RAW(SYS_close, fd);
    fd = (int)RAW(SYS_openat, dirfd, "rw.txt", O_RDONLY);
    EXPECT_ERR("ftruncate on O_RDONLY fd", RAW(SYS_ftruncate, fd, 0), EINVAL);
    RAW(SYS_close, fd);
    fd = (int)RAW(SYS_openat, dirfd, "sub", O_RDONLY | O_DIRECTORY);
    EXPECT_ERR("read on a directory", RAW(SYS_read, fd, buf, sizeof(buf)), EISDIR);
    EXPECT_ERR("ftruncate on a directory", RAW(SYS_ftruncate, fd, 0), EINVAL);
    RAW(SYS_close, fd);
}

static void check_creat_umask(int dirfd) {
    struct stat st;
    RAW(SYS_umask, 022);
    EXPECT_VAL("umask returns the previous mask", RAW(SYS_umask, 027), 022);
    int fd = (int)EXPECT_OK("creat", RAW(SYS_creat, "files.d/c.txt", 0666));
    EXPECT_VAL("write to creat fd", RAW(SYS_write, fd, "abc", 3), 3);
    EXPECT_ERR("creat fd is write-only", RAW(SYS_read, fd, (char[4]){0}, 1), EBADF);
    EXPECT_OK("fstat creat file", LIBC(fstat(fd, &st)));
    EXPECT_VAL("creat mode masked by umask 027", st.st_mode & 07777, 0640);
    RAW(SYS_close, fd);
    fd = (int)EXPECT_OK("creat existing truncates", RAW(SYS_creat, "files.d/c.txt", 0600));
    EXPECT_OK("fstat recreated file", LIBC(fstat(fd, &st)));
    EXPECT_VAL("size after creat of existing", st.st_size, 0);
    EXPECT_VAL("creat of existing keeps mode", st.st_mode & 07777, 0640);
    RAW(SYS_close, fd);
    EXPECT_ERR("creat in missing directory", RAW(SYS_creat, "files.d/none/c.txt", 0600), ENOENT);
    EXPECT_ERR("creat bad path", RAW(SYS_creat, BAD_PTR, 0600), EFAULT);
    EXPECT_VAL("umask ignores high bits", RAW(SYS_umask, 0777777), 027);
    EXPECT_VAL("umask keeps only 0777", RAW(SYS_umask, 022), 0777);
    fd = (int)RAW(SYS_openat, dirfd, "d.txt", O_CREAT | O_WRONLY, 0777);
    EXPECT_OK("fstat file made under umask 022", LIBC(fstat(fd, &st)));
    EXPECT_VAL("openat mode masked by umask 022", st.st_mode & 07777, 0755);
    RAW(SYS_close, fd);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "files");
    if (mkdir("files.d", 0755) != 0)
        tl_die("mkdir files.d");
    int dirfd = (int)EXPECT_OK("open directory O_DIRECTORY",
                               RAW(SYS_open, "files.d", O_RDONLY | O_DIRECTORY));
    check_open_flags(dirfd);
    check_read_write_seek(dirfd);
    check_creat_umask(dirfd);
    RAW(SYS_close, dirfd);
    return tl_finish();
}
