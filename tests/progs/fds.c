/* File descriptors: dup, dup2, dup3, fcntl, ioctl and pipe2. */
#include "testlib.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>

#ifndef F_DUPFD_CLOEXEC
#define F_DUPFD_CLOEXEC 1030
#endif

static void check_dup(void) {
    char buf[8] = {0};
    tl_write_file("fds.d/data", "0123456789", 10, 0644);
    int fd = (int)RAW(SYS_open, "fds.d/data", O_RDONLY);
    EXPECT_OK("open data", fd);

    int copy = (int)EXPECT_OK("dup", RAW(SYS_dup, fd));
    EXPECT_TRUE("dup returns a new number", copy != fd);
    EXPECT_VAL("read 3 through original", RAW(SYS_read, fd, buf, 3), 3);
    EXPECT_VAL("dup shares the file offset", RAW(SYS_lseek, copy, 0, SEEK_CUR), 3);
    EXPECT_VAL("dup copy clears FD_CLOEXEC", LIBC(fcntl(copy, F_GETFD)), 0);
    EXPECT_OK("close original", RAW(SYS_close, fd));
    memset(buf, 0, sizeof(buf));
    EXPECT_VAL("copy works after original closed", RAW(SYS_read, copy, buf, 2), 2);
    EXPECT_STR("copy read content", buf, "34");
    EXPECT_ERR("dup bad fd", RAW(SYS_dup, 999), EBADF);
    EXPECT_ERR("dup negative fd", RAW(SYS_dup, -1), EBADF);

    EXPECT_VAL("dup2 to 50", RAW(SYS_dup2, copy, 50), 50);
    EXPECT_VAL("dup2 target shares offset", RAW(SYS_lseek, 50, 0, SEEK_CUR), 5);
    EXPECT_VAL("dup2 onto itself", RAW(SYS_dup2, copy, copy), copy);
    EXPECT_ERR("dup2 bad fd onto itself", RAW(SYS_dup2, 998, 998), EBADF);
    EXPECT_ERR("dup2 bad source", RAW(SYS_dup2, 999, 51), EBADF);
    EXPECT_ERR("dup2 target beyond the fd limit", RAW(SYS_dup2, copy, 1 << 30), EBADF);
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0)
        tl_die("pipe");
    EXPECT_VAL("dup2 onto an open fd replaces it", RAW(SYS_dup2, copy, pipe_fds[0]), pipe_fds[0]);
    EXPECT_VAL("replaced fd now reaches the file", RAW(SYS_lseek, pipe_fds[0], 0, SEEK_CUR), 5);
    RAW(SYS_close, pipe_fds[0]);
    RAW(SYS_close, pipe_fds[1]);

    EXPECT_VAL("dup3 O_CLOEXEC to 52", RAW(SYS_dup3, copy, 52, O_CLOEXEC), 52);
    EXPECT_VAL("dup3 O_CLOEXEC sets FD_CLOEXEC", LIBC(fcntl(52, F_GETFD)), FD_CLOEXEC);
    EXPECT_VAL("dup3 without flags", RAW(SYS_dup3, copy, 52, 0), 52);
    EXPECT_VAL("dup3 without flags clears FD_CLOEXEC", LIBC(fcntl(52, F_GETFD)), 0);
    EXPECT_ERR("dup3 onto itself", RAW(SYS_dup3, copy, copy, 0), EINVAL);
    EXPECT_ERR("dup3 bad flags", RAW(SYS_dup3, copy, 53, 1), EINVAL);
    EXPECT_ERR("dup3 bad fd", RAW(SYS_dup3, 999, 53, 0), EBADF);

    EXPECT_VAL("F_DUPFD lowest free from 60", RAW(SYS_fcntl, copy, F_DUPFD, 60), 60);
    EXPECT_VAL("F_DUPFD skips used numbers", RAW(SYS_fcntl, copy, F_DUPFD, 60), 61);
    EXPECT_VAL("F_DUPFD clears FD_CLOEXEC", RAW(SYS_fcntl, 61, F_GETFD), 0);
    EXPECT_VAL("F_DUPFD_CLOEXEC from 60", RAW(SYS_fcntl, copy, F_DUPFD_CLOEXEC, 60), 62);
    EXPECT_VAL("F_DUPFD_CLOEXEC sets FD_CLOEXEC", RAW(SYS_fcntl, 62, F_GETFD), FD_CLOEXEC);
    EXPECT_ERR("F_DUPFD negative minimum", RAW(SYS_fcntl, copy, F_DUPFD, -1), EINVAL);
    EXPECT_ERR("F_DUPFD minimum beyond the fd limit", RAW(SYS_fcntl, copy, F_DUPFD, 1 << 30),
               EINVAL);
    EXPECT_OK("F_SETFD FD_CLOEXEC", RAW(SYS_fcntl, 61, F_SETFD, FD_CLOEXEC));
    EXPECT_VAL("F_GETFD after F_SETFD", RAW(SYS_fcntl, 61, F_GETFD), FD_CLOEXEC);
    EXPECT_OK("F_SETFD 0", RAW(SYS_fcntl, 61, F_SETFD, 0));
    EXPECT_VAL("F_GETFD after clearing", RAW(SYS_fcntl, 61, F_GETFD), 0);
    EXPECT_ERR("fcntl bad fd", RAW(SYS_fcntl, 999, F_GETFD), EBADF);
    EXPECT_ERR("fcntl unknown command", RAW(SYS_fcntl, copy, 9999, 0), EINVAL);
    for (int i = 50; i <= 62; i++)
        RAW(SYS_close, i);
    RAW(SYS_close, copy);
}

static void check_status_flags(void) {
    int fd = (int)RAW(SYS_open, "fds.d/data", O_WRONLY);
    long flags = EXPECT_OK("F_GETFL on O_WRONLY", RAW(SYS_fcntl, fd, F_GETFL));
    EXPECT_VAL("F_GETFL access mode", flags & O_ACCMODE, O_WRONLY);
    EXPECT_VAL("F_GETFL no O_APPEND yet", flags & O_APPEND, 0);
    EXPECT_OK("F_SETFL O_APPEND|O_NONBLOCK", RAW(SYS_fcntl, fd, F_SETFL, O_APPEND | O_NONBLOCK));
    flags = RAW(SYS_fcntl, fd, F_GETFL);
    EXPECT_VAL("F_GETFL shows O_APPEND", flags & O_APPEND, O_APPEND);
    EXPECT_VAL("F_GETFL shows O_NONBLOCK", flags & O_NONBLOCK, O_NONBLOCK);
    EXPECT_OK("F_SETFL cannot change the access mode", RAW(SYS_fcntl, fd, F_SETFL, O_RDWR));
    flags = RAW(SYS_fcntl, fd, F_GETFL);
    EXPECT_VAL("access mode unchanged", flags & O_ACCMODE, O_WRONLY);
    EXPECT_VAL("F_SETFL 0 cleared O_APPEND", flags & O_APPEND, 0);
    int copy = (int)RAW(SYS_dup, fd);
    RAW(SYS_fcntl, fd, F_SETFL, O_APPEND);
    EXPECT_VAL("status flags are shared by dup copies", RAW(SYS_fcntl, copy, F_GETFL) & O_APPEND,
               O_APPEND);
    EXPECT_VAL("O_APPEND from F_SETFL appends", RAW(SYS_write, copy, "X", 1), 1);
    EXPECT_VAL("file grew at the end", RAW(SYS_lseek, copy, 0, SEEK_END), 11);
    RAW(SYS_close, copy);
    RAW(SYS_close, fd);
}

static void check_ioctl(void) {
    struct termios tio;
    int value = -1;
    int fd = (int)RAW(SYS_open, "fds.d/data", O_RDONLY);
    EXPECT_ERR("ioctl TCGETS on a file", RAW(SYS_ioctl, fd, TCGETS, &tio), ENOTTY);
    EXPECT_ERR("isatty on a file", isatty(fd) ? 0 : -errno, ENOTTY);
    EXPECT_ERR("ioctl bad fd", RAW(SYS_ioctl, 999, FIONREAD, &value), EBADF);
    EXPECT_OK("ioctl FIOCLEX", RAW(SYS_ioctl, fd, FIOCLEX));
    EXPECT_VAL("FIOCLEX sets FD_CLOEXEC", RAW(SYS_fcntl, fd, F_GETFD), FD_CLOEXEC);
    EXPECT_OK("ioctl FIONCLEX", RAW(SYS_ioctl, fd, FIONCLEX));
    EXPECT_VAL("FIONCLEX clears FD_CLOEXEC", RAW(SYS_fcntl, fd, F_GETFD), 0);
    EXPECT_OK("ioctl FIONREAD on a file", RAW(SYS_ioctl, fd, FIONREAD, &value));
    EXPECT_VAL("FIONREAD on a file counts bytes left", value, 11);
    RAW(SYS_close, fd);

    int pipe_fds[2];
    EXPECT_OK("pipe2 for ioctl", RAW(SYS_pipe2, pipe_fds, 0));
    EXPECT_ERR("ioctl TCGETS on a pipe", RAW(SYS_ioctl, pipe_fds[0], TCGETS, &tio), ENOTTY);
    EXPECT_OK("FIONREAD on an empty pipe", RAW(SYS_ioctl, pipe_fds[0], FIONREAD, &value));
    EXPECT_VAL("empty pipe has 0 bytes", value, 0);
    EXPECT_VAL("write 5 bytes to the pipe", RAW(SYS_write, pipe_fds[1], "abcde", 5), 5);
    EXPECT_OK("FIONREAD on the pipe", RAW(SYS_ioctl, pipe_fds[0], FIONREAD, &value));
    EXPECT_VAL("FIONREAD counts pipe bytes", value, 5);
    EXPECT_ERR("FIONREAD bad pointer", RAW(SYS_ioctl, pipe_fds[0], FIONREAD, BAD_PTR), EFAULT);
    int on = 1;
    EXPECT_OK("ioctl FIONBIO on", RAW(SYS_ioctl, pipe_fds[0], FIONBIO, &on));
    EXPECT_VAL("FIONBIO sets O_NONBLOCK", RAW(SYS_fcntl, pipe_fds[0], F_GETFL) & O_NONBLOCK,
               O_NONBLOCK);
    char buf[8];
    EXPECT_VAL("drain the pipe", RAW(SYS_read, pipe_fds[0], buf, sizeof(buf)), 5);
    EXPECT_ERR("read empty non-blocking pipe", RAW(SYS_read, pipe_fds[0], buf, 1), EAGAIN);
    RAW(SYS_close, pipe_fds[0]);
    RAW(SYS_close, pipe_fds[1]);
}

static void check_pipe2(void) {
    int fds[2];
    char buf[16] = {0};
    EXPECT_OK("pipe2 O_CLOEXEC|O_NONBLOCK", RAW(SYS_pipe2, fds, O_CLOEXEC | O_NONBLOCK));
    EXPECT_VAL("read end O_NONBLOCK", RAW(SYS_fcntl, fds[0], F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    EXPECT_VAL("write end O_NONBLOCK", RAW(SYS_fcntl, fds[1], F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    EXPECT_VAL("read end FD_CLOEXEC", RAW(SYS_fcntl, fds[0], F_GETFD), FD_CLOEXEC);
    EXPECT_VAL("read end access mode", RAW(SYS_fcntl, fds[0], F_GETFL) & O_ACCMODE, O_RDONLY);
    EXPECT_VAL("write end access mode", RAW(SYS_fcntl, fds[1], F_GETFL) & O_ACCMODE, O_WRONLY);
    EXPECT_ERR("read empty pipe", RAW(SYS_read, fds[0], buf, 1), EAGAIN);
    EXPECT_ERR("write to read end", RAW(SYS_write, fds[0], "x", 1), EBADF);
    EXPECT_ERR("read from write end", RAW(SYS_read, fds[1], buf, 1), EBADF);
    EXPECT_VAL("write to pipe", RAW(SYS_write, fds[1], "pipe data", 9), 9);
    EXPECT_VAL("partial read", RAW(SYS_read, fds[0], buf, 4), 4);
    EXPECT_VAL("rest of the data", RAW(SYS_read, fds[0], buf + 4, sizeof(buf) - 5), 5);
    EXPECT_STR("pipe content", buf, "pipe data");
    EXPECT_OK("close write end", RAW(SYS_close, fds[1]));
    EXPECT_VAL("read after writer closed is EOF", RAW(SYS_read, fds[0], buf, 1), 0);
    RAW(SYS_close, fds[0]);

    EXPECT_OK("pipe (no flags)", RAW(SYS_pipe, fds));
    EXPECT_VAL("pipe read end has no FD_CLOEXEC", RAW(SYS_fcntl, fds[0], F_GETFD), 0);
    signal(SIGPIPE, SIG_IGN);
    RAW(SYS_close, fds[0]);
    EXPECT_ERR("write with no reader", RAW(SYS_write, fds[1], "x", 1), EPIPE);
    RAW(SYS_close, fds[1]);

    EXPECT_ERR("pipe2 bad flags", RAW(SYS_pipe2, fds, 0x7), EINVAL);
    EXPECT_ERR("pipe2 bad pointer", RAW(SYS_pipe2, BAD_PTR, 0), EFAULT);

    /* A pipe holds at least 64 KiB; a non-blocking writer sees EAGAIN when it is full. */
    static char chunk[4096];
    long total = 0, result;
    EXPECT_OK("pipe2 O_NONBLOCK", RAW(SYS_pipe2, fds, O_NONBLOCK));
    while ((result = RAW(SYS_write, fds[1], chunk, sizeof(chunk))) > 0)
        total += result;
    EXPECT_ERR("full non-blocking pipe", result, EAGAIN);
    EXPECT_TRUE("pipe holds at least 64 KiB", total >= 65536);
    RAW(SYS_close, fds[0]);
    RAW(SYS_close, fds[1]);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "fds");
    if (mkdir("fds.d", 0755) != 0)
        tl_die("mkdir fds.d");
    check_dup();
    check_status_flags();
    check_ioctl();
    check_pipe2();
    return tl_finish();
}
