/* Readiness: poll, ppoll, select and pselect6 on pipes and files, with timeouts. */
#include "testlib.h"

#include <poll.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/time.h>

/* The kernel's sigset for ppoll/pselect6 is 8 bytes, not libc's 128. */
#define KERNEL_SIGSET_SIZE 8

static bool lasted_at_least(uint64_t start_ns, uint64_t ms) {
    return tl_monotonic_ns() - start_ns >= ms * 1000000ull;
}

static void check_poll(void) {
    int fds[2];
    char byte = 'x';
    if (pipe(fds) != 0)
        tl_die("pipe");
    struct pollfd pfd[2] = {{.fd = fds[0], .events = POLLIN}, {.fd = fds[1], .events = POLLOUT}};

    EXPECT_VAL("poll empty pipe, timeout 0", RAW(SYS_poll, pfd, 1, 0), 0);
    uint64_t start = tl_monotonic_ns();
    EXPECT_VAL("poll empty pipe, timeout 30 ms", RAW(SYS_poll, pfd, 1, 30), 0);
    EXPECT_TRUE("poll waited at least 30 ms", lasted_at_least(start, 30));
    EXPECT_VAL("poll both ends", RAW(SYS_poll, pfd, 2, 0), 1);
    EXPECT_VAL("write end is POLLOUT", pfd[1].revents, POLLOUT);
    EXPECT_VAL("write a byte", RAW(SYS_write, fds[1], &byte, 1), 1);
    EXPECT_VAL("poll pipe with data", RAW(SYS_poll, pfd, 2, -1), 2);
    EXPECT_VAL("read end is POLLIN", pfd[0].revents, POLLIN);
    EXPECT_VAL("drain", RAW(SYS_read, fds[0], &byte, 1), 1);

    struct pollfd special[3] = {{.fd = -1, .events = POLLIN, .revents = 0x7},
                                {.fd = 999, .events = POLLIN},
                                {.fd = fds[0], .events = 0}};
    EXPECT_VAL("poll negative and bad fds", RAW(SYS_poll, special, 3, 0), 1);
    EXPECT_VAL("negative fd is ignored, revents cleared", special[0].revents, 0);
    EXPECT_VAL("bad fd gets POLLNVAL", special[1].revents, POLLNVAL);
    EXPECT_VAL("no events requested gives no revents", special[2].revents, 0);

    EXPECT_OK("close write end", RAW(SYS_close, fds[1]));
    pfd[0].revents = 0;
    EXPECT_VAL("poll after writer closed", RAW(SYS_poll, pfd, 1, -1), 1);
    EXPECT_VAL("read end is POLLHUP", pfd[0].revents, POLLHUP);
    EXPECT_ERR("poll bad pointer", RAW(SYS_poll, BAD_PTR, 1, 0), EFAULT);
    EXPECT_ERR("poll too many fds", RAW(SYS_poll, pfd, 1 << 30, 0), EINVAL);
    EXPECT_VAL("poll with no fds, timeout 10 ms", RAW(SYS_poll, NULL, 0, 10), 0);
    RAW(SYS_close, fds[0]);

    tl_write_file("poll.file", "data", 4, 0644);
    int file = (int)RAW(SYS_open, "poll.file", O_RDWR);
    struct pollfd file_poll = {.fd = file, .events = POLLIN | POLLOUT};
    EXPECT_VAL("poll regular file", RAW(SYS_poll, &file_poll, 1, -1), 1);
    EXPECT_VAL("regular file is always ready", file_poll.revents, POLLIN | POLLOUT);
    RAW(SYS_close, file);
}

static void check_ppoll(void) {
    int fds[2];
    if (pipe(fds) != 0)
        tl_die("pipe");
    struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
    struct timespec timeout = {0, 20 * 1000000};
    uint64_t start = tl_monotonic_ns();
    EXPECT_VAL("ppoll empty pipe, 20 ms", RAW(SYS_ppoll, &pfd, 1, &timeout, NULL, 0), 0);
    EXPECT_TRUE("ppoll waited at least 20 ms", lasted_at_least(start, 20));
    EXPECT_TRUE("ppoll updated the timeout to what is left",
                timeout.tv_sec == 0 && timeout.tv_nsec == 0);
    uint64_t empty_mask = 0;
    timeout.tv_nsec = 1000000;
    RAW(SYS_write, fds[1], "ab", 2);
    EXPECT_VAL("ppoll with data and a signal mask",
               RAW(SYS_ppoll, &pfd, 1, &timeout, &empty_mask, KERNEL_SIGSET_SIZE), 1);
    EXPECT_VAL("ppoll revents", pfd.revents, POLLIN);
    EXPECT_VAL("ppoll NULL timeout with data", RAW(SYS_ppoll, &pfd, 1, NULL, NULL, 0), 1);
    struct timespec bad = {0, 2000000000};
    EXPECT_ERR("ppoll invalid timeout", RAW(SYS_ppoll, &pfd, 1, &bad, NULL, 0), EINVAL);
    EXPECT_ERR("ppoll bad sigset size", RAW(SYS_ppoll, &pfd, 1, &timeout, &empty_mask, 4), EINVAL);
    EXPECT_ERR("ppoll bad timeout pointer", RAW(SYS_ppoll, &pfd, 1, BAD_PTR, NULL, 0), EFAULT);
    EXPECT_VAL("libc ppoll", LIBC(ppoll(&pfd, 1, &timeout, NULL)), 1);
    RAW(SYS_close, fds[0]);
    RAW(SYS_close, fds[1]);
}

static void check_select(void) {
    int fds[2];
    if (pipe(fds) != 0)
        tl_die("pipe");
    fd_set readable, writable;
    FD_ZERO(&readable);
    FD_SET(fds[0], &readable);
    struct timeval tv = {0, 20000};
    uint64_t start = tl_monotonic_ns();
    EXPECT_VAL("select empty pipe, 20 ms", RAW(SYS_select, fds[0] + 1, &readable, NULL, NULL, &tv),
               0);
    EXPECT_TRUE("select waited at least 20 ms", lasted_at_least(start, 20));
    EXPECT_TRUE("select cleared the set", !FD_ISSET(fds[0], &readable));
    EXPECT_TRUE("select updated the timeout to what is left", tv.tv_sec == 0 && tv.tv_usec == 0);

    RAW(SYS_write, fds[1], "a", 1);
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    FD_SET(fds[0], &readable);
    FD_SET(fds[1], &writable);
    tv.tv_usec = 0;
    int nfds = (fds[0] > fds[1] ? fds[0] : fds[1]) + 1;
    EXPECT_VAL("select read and write ends", RAW(SYS_select, nfds, &readable, &writable, NULL, &tv),
               2);
    EXPECT_TRUE("select marks the read end", FD_ISSET(fds[0], &readable));
    EXPECT_TRUE("select marks the write end", FD_ISSET(fds[1], &writable));

    FD_ZERO(&readable);
    FD_SET(fds[0], &readable);
    EXPECT_VAL("select NULL timeout with data",
               RAW(SYS_select, fds[0] + 1, &readable, NULL, NULL, NULL), 1);
    EXPECT_ERR("select negative nfds", RAW(SYS_select, -1, &readable, NULL, NULL, &tv), EINVAL);
    FD_ZERO(&readable);
    FD_SET(40, &readable);
    EXPECT_ERR("select a closed fd", RAW(SYS_select, 41, &readable, NULL, NULL, &tv), EBADF);
    EXPECT_ERR("select bad set pointer", RAW(SYS_select, 1, BAD_PTR, NULL, NULL, &tv), EFAULT);
    struct timeval bad_tv = {0, -1};
    FD_ZERO(&readable);
    EXPECT_ERR("select invalid timeout", RAW(SYS_select, 1, &readable, NULL, NULL, &bad_tv),
               EINVAL);
    tv.tv_usec = 10000;
    start = tl_monotonic_ns();
    EXPECT_VAL("select with no fds sleeps", RAW(SYS_select, 0, NULL, NULL, NULL, &tv), 0);
    EXPECT_TRUE("select with no fds waited at least 10 ms", lasted_at_least(start, 10));

    /* pselect6's sixth argument points at {sigset pointer, sigset size}. */
    uint64_t empty_mask = 0;
    struct {
        uint64_t *set;
        size_t size;
    } mask_arg = {&empty_mask, KERNEL_SIGSET_SIZE};
    struct timespec ts = {0, 15 * 1000000};
    FD_ZERO(&writable);
    FD_SET(fds[0], &writable); /* the read end never becomes writable */
    start = tl_monotonic_ns();
    EXPECT_VAL("pselect6 read end for writing, 15 ms",
               RAW(SYS_pselect6, fds[0] + 1, NULL, &writable, NULL, &ts, &mask_arg), 0);
    EXPECT_TRUE("pselect6 waited at least 15 ms", lasted_at_least(start, 15));
    FD_ZERO(&readable);
    FD_SET(fds[0], &readable);
    ts.tv_nsec = 1000000;
    EXPECT_VAL("pselect6 with data",
               RAW(SYS_pselect6, fds[0] + 1, &readable, NULL, NULL, &ts, &mask_arg), 1);
    EXPECT_VAL("pselect6 with no mask",
               RAW(SYS_pselect6, fds[0] + 1, &readable, NULL, NULL, NULL, NULL), 1);
    EXPECT_ERR("pselect6 negative nfds",
               RAW(SYS_pselect6, -1, &readable, NULL, NULL, &ts, &mask_arg), EINVAL);
    struct timespec bad_ts = {0, 1000000000};
    EXPECT_ERR("pselect6 invalid timeout",
               RAW(SYS_pselect6, fds[0] + 1, &readable, NULL, NULL, &bad_ts, NULL), EINVAL);
    sigset_t libc_mask;
    sigemptyset(&libc_mask);
    ts.tv_nsec = 1000000;
    EXPECT_VAL("libc pselect", LIBC(pselect(fds[0] + 1, &readable, NULL, NULL, &ts, &libc_mask)),
               1);
    RAW(SYS_close, fds[0]);
    RAW(SYS_close, fds[1]);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "poll");
    check_poll();
    check_ppoll();
    check_select();
    return tl_finish();
}
