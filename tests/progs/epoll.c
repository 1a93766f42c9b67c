/* Readiness and wake-ups: eventfd counters (EFD_SEMAPHORE, EAGAIN, limits), epoll over
 * pipes, eventfds and sockets, level and edge triggering, EPOLLONESHOT, nested epoll,
 * closing watched fds, timeouts, and the error cases. */
#include "testlib.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif
#ifndef EPOLLEXCLUSIVE
#define EPOLLEXCLUSIVE (1U << 28)
#endif

#define KERNEL_SIGSET_SIZE 8
#define DATA_A 0x1122334455667788ULL
#define DATA_B 0x0badcafe00c0ffeeULL

static int make_pipe(int fds[2], int flags) {
    if (pipe2(fds, flags) != 0)
        tl_die("pipe2");
    return fds[0];
}

static int make_epoll(void) {
    int ep = (int)RAW(SYS_epoll_create1, 0);
    if (ep < 0) {
        errno = -ep;
        tl_die("epoll_create1");
    }
    return ep;
}

static long ctl(int ep, int op, int fd, unsigned events, uint64_t data) {
    struct epoll_event ev = {.events = events, .data.u64 = data};
    return RAW(SYS_epoll_ctl, ep, op, fd, &ev);
}

/* epoll_wait with up to 8 events; returns the count, events in out. */
static long wait_events(int ep, struct epoll_event *out, int max, int timeout_ms) {
    return RAW(SYS_epoll_wait, ep, out, max, timeout_ms);
}

static bool lasted_at_least(uint64_t start_ns, uint64_t ms) {
    return tl_monotonic_ns() - start_ns >= ms * 1000000ull;
}

static void check_eventfd(void) {
    uint64_t value = 0;
    int efd = (int)EXPECT_OK("eventfd2 nonblocking", RAW(SYS_eventfd2, 0, EFD_NONBLOCK));
    EXPECT_VAL("eventfd status flags", LIBC(fcntl(efd, F_GETFL)), O_RDWR | O_NONBLOCK);
    EXPECT_ERR("read of a zero counter", RAW(SYS_read, efd, &value, 8), EAGAIN);
    value = 3;
    EXPECT_VAL("add 3", RAW(SYS_write, efd, &value, 8), 8);
    value = 4;
    EXPECT_VAL("add 4", RAW(SYS_write, efd, &value, 8), 8);
    value = 0;
    EXPECT_VAL("read the counter", RAW(SYS_read, efd, &value, 8), 8);
    EXPECT_VAL("counter is the sum", value, 7);
    EXPECT_ERR("read resets it", RAW(SYS_read, efd, &value, 8), EAGAIN);
    EXPECT_ERR("read into 4 bytes", RAW(SYS_read, efd, &value, 4), EINVAL);
    EXPECT_ERR("write of 4 bytes", RAW(SYS_write, efd, &value, 4), EINVAL);
    value = UINT64_MAX;
    EXPECT_ERR("write of the maximum", RAW(SYS_write, efd, &value, 8), EINVAL);
    value = UINT64_MAX - 1;
    EXPECT_VAL("fill the counter", RAW(SYS_write, efd, &value, 8), 8);
    value = 1;
    EXPECT_ERR("write beyond the maximum", RAW(SYS_write, efd, &value, 8), EAGAIN);
    struct pollfd pfd = {.fd = efd, .events = POLLIN | POLLOUT};
    EXPECT_VAL("poll of a full counter", RAW(SYS_poll, &pfd, 1, 0), 1);
    EXPECT_VAL("full counter is readable only", pfd.revents, POLLIN);
    RAW(SYS_read, efd, &value, 8);
    EXPECT_VAL("poll of an empty counter", RAW(SYS_poll, &pfd, 1, 0), 1);
    EXPECT_VAL("empty counter is writable only", pfd.revents, POLLOUT);
    value = 1;
    RAW(SYS_write, efd, &value, 8);
    EXPECT_ERR("read into a bad buffer", RAW(SYS_read, efd, BAD_PTR, 8), EFAULT);
    RAW(SYS_close, efd);

    int sem = (int)EXPECT_OK("eventfd2 semaphore",
                             RAW(SYS_eventfd2, 2, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC));
    EXPECT_VAL("EFD_CLOEXEC", LIBC(fcntl(sem, F_GETFD)), FD_CLOEXEC);
    value = 0;
    RAW(SYS_read, sem, &value, 8);
    EXPECT_VAL("semaphore read gives 1", value, 1);
    RAW(SYS_read, sem, &value, 8);
    EXPECT_VAL("second read gives 1", value, 1);
    EXPECT_ERR("semaphore at zero", RAW(SYS_read, sem, &value, 8), EAGAIN);
    RAW(SYS_close, sem);

    int plain = (int)EXPECT_OK("eventfd", RAW(SYS_eventfd, 5));
    EXPECT_VAL("eventfd is blocking", LIBC(fcntl(plain, F_GETFL)) & O_NONBLOCK, 0);
    EXPECT_VAL("eventfd is not close-on-exec", LIBC(fcntl(plain, F_GETFD)), 0);
    RAW(SYS_read, plain, &value, 8);
    EXPECT_VAL("initial value", value, 5);
    RAW(SYS_close, plain);
    EXPECT_ERR("eventfd2 with bad flags", RAW(SYS_eventfd2, 0, 0x10), EINVAL);
}

static void check_epoll_errors(void) {
    int fds[2];
    make_pipe(fds, 0);
    tl_write_file("epoll.file", "x", 1, 0644);
    int file = (int)RAW(SYS_open, "epoll.file", O_RDONLY);
    struct epoll_event ev = {.events = EPOLLIN};
    struct epoll_event out[4];

    EXPECT_ERR("epoll_create of size 0", RAW(SYS_epoll_create, 0), EINVAL);
    EXPECT_ERR("epoll_create1 with bad flags", RAW(SYS_epoll_create1, 1), EINVAL);
    int old = (int)EXPECT_OK("epoll_create", RAW(SYS_epoll_create, 1));
    EXPECT_VAL("epoll_create is not close-on-exec", LIBC(fcntl(old, F_GETFD)), 0);
    RAW(SYS_close, old);
    int ep = (int)EXPECT_OK("epoll_create1 EPOLL_CLOEXEC", RAW(SYS_epoll_create1, EPOLL_CLOEXEC));
    EXPECT_VAL("EPOLL_CLOEXEC", LIBC(fcntl(ep, F_GETFD)), FD_CLOEXEC);

    EXPECT_ERR("ctl with a bad event pointer",
               RAW(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, fds[0], BAD_PTR), EFAULT);
    EXPECT_ERR("ctl bad event checked before the fds",
               RAW(SYS_epoll_ctl, 999, EPOLL_CTL_ADD, 998, BAD_PTR), EFAULT);
    EXPECT_ERR("ctl on a closed epoll fd", RAW(SYS_epoll_ctl, 999, EPOLL_CTL_ADD, fds[0], &ev),
               EBADF);
    EXPECT_ERR("ctl of a closed fd", RAW(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, 999, &ev), EBADF);
    EXPECT_ERR("ctl on a pipe as epoll fd", RAW(SYS_epoll_ctl, fds[1], EPOLL_CTL_ADD, fds[0], &ev),
               EINVAL);
    EXPECT_ERR("ctl of the epoll fd itself", RAW(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, ep, &ev),
               EINVAL);
    EXPECT_ERR("ctl of a regular file", RAW(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, file, &ev), EPERM);
    EXPECT_ERR("ctl with a bad op", RAW(SYS_epoll_ctl, ep, 99, fds[0], &ev), EINVAL);
    EXPECT_ERR("modify an fd not added", RAW(SYS_epoll_ctl, ep, EPOLL_CTL_MOD, fds[0], &ev),
               ENOENT);
    EXPECT_ERR("delete an fd not added", RAW(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, fds[0], NULL),
               ENOENT);
    EXPECT_OK("add", RAW(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, fds[0], &ev));
    EXPECT_ERR("add twice", RAW(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, fds[0], &ev), EEXIST);
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    EXPECT_ERR("modify with EPOLLEXCLUSIVE", RAW(SYS_epoll_ctl, ep, EPOLL_CTL_MOD, fds[0], &ev),
               EINVAL);
    EXPECT_OK("delete with a NULL event", RAW(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, fds[0], NULL));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
    EXPECT_ERR("EPOLLEXCLUSIVE with EPOLLONESHOT",
               RAW(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, fds[0], &ev), EINVAL);
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    EXPECT_OK("add with EPOLLEXCLUSIVE", RAW(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, fds[0], &ev));

    EXPECT_ERR("wait for 0 events", RAW(SYS_epoll_wait, ep, out, 0, 0), EINVAL);
    EXPECT_ERR("wait for a negative count", RAW(SYS_epoll_wait, ep, out, -1, 0), EINVAL);
    RAW(SYS_write, fds[1], "x", 1);
    EXPECT_ERR("wait into a bad buffer", RAW(SYS_epoll_wait, ep, BAD_PTR, 4, 0), EFAULT);
    EXPECT_ERR("wait on a closed fd", RAW(SYS_epoll_wait, 999, out, 4, 0), EBADF);
    EXPECT_ERR("wait on a pipe", RAW(SYS_epoll_wait, fds[0], out, 4, 0), EINVAL);
    uint64_t mask = 0;
    EXPECT_ERR("epoll_pwait with a bad sigset size", RAW(SYS_epoll_pwait, ep, out, 4, 0, &mask, 4),
               EINVAL);
    EXPECT_ERR("epoll_pwait with a bad sigset",
               RAW(SYS_epoll_pwait, ep, out, 4, 0, BAD_PTR, KERNEL_SIGSET_SIZE), EFAULT);
    struct timespec bad = {0, 1000000000};
    EXPECT_ERR("epoll_pwait2 with a bad timeout", RAW(SYS_epoll_pwait2, ep, out, 4, &bad, NULL, 0),
               EINVAL);
    EXPECT_ERR("epoll_pwait2 with a bad timeout pointer",
               RAW(SYS_epoll_pwait2, ep, out, 4, BAD_PTR, NULL, 0), EFAULT);

    RAW(SYS_close, ep);
    RAW(SYS_close, file);
    RAW(SYS_close, fds[0]);
    RAW(SYS_close, fds[1]);
}

static void check_level_and_edge(void) {
    int ep = make_epoll();
    int fds[2];
    make_pipe(fds, O_NONBLOCK);
    struct epoll_event out[8];
    char buf[16];

    EXPECT_OK("add pipe, level-triggered", ctl(ep, EPOLL_CTL_ADD, fds[0], EPOLLIN, DATA_A));
    EXPECT_VAL("nothing ready", wait_events(ep, out, 8, 0), 0);
    uint64_t start = tl_monotonic_ns();
    EXPECT_VAL("wait 30 ms with nothing ready", wait_events(ep, out, 8, 30), 0);
    EXPECT_TRUE("waited at least 30 ms", lasted_at_least(start, 30));
    RAW(SYS_write, fds[1], "ab", 2);
    EXPECT_VAL("pipe ready", wait_events(ep, out, 8, -1), 1);
    EXPECT_VAL("events", out[0].events, EPOLLIN);
    EXPECT_TRUE("data comes back unchanged", out[0].data.u64 == DATA_A);
    EXPECT_VAL("level-triggered: still ready", wait_events(ep, out, 8, 0), 1);
    RAW(SYS_read, fds[0], buf, 1);
    EXPECT_VAL("ready while data is left", wait_events(ep, out, 8, 0), 1);
    RAW(SYS_read, fds[0], buf, 1);
    EXPECT_VAL("drained: not ready", wait_events(ep, out, 8, 0), 0);

    EXPECT_OK("switch to edge-triggered",
              ctl(ep, EPOLL_CTL_MOD, fds[0], EPOLLIN | EPOLLET, DATA_B));
    RAW(SYS_write, fds[1], "c", 1);
    EXPECT_VAL("edge reported", wait_events(ep, out, 8, 0), 1);
    EXPECT_TRUE("new data after MOD", out[0].data.u64 == DATA_B);
    EXPECT_VAL("edge reported once", wait_events(ep, out, 8, 0), 0);
    RAW(SYS_write, fds[1], "d", 1);
    EXPECT_VAL("new data is a new edge", wait_events(ep, out, 8, 0), 1);
    while (RAW(SYS_read, fds[0], buf, sizeof(buf)) > 0)
        continue;

    EXPECT_OK("switch to one-shot", ctl(ep, EPOLL_CTL_MOD, fds[0], EPOLLIN | EPOLLONESHOT, 7));
    RAW(SYS_write, fds[1], "e", 1);
    EXPECT_VAL("one-shot fires", wait_events(ep, out, 8, 0), 1);
    EXPECT_VAL("one-shot data", out[0].data.u64, 7);
    EXPECT_VAL("then it is disabled", wait_events(ep, out, 8, 0), 0);
    EXPECT_ERR("still registered", ctl(ep, EPOLL_CTL_ADD, fds[0], EPOLLIN, 0), EEXIST);
    EXPECT_OK("re-arm", ctl(ep, EPOLL_CTL_MOD, fds[0], EPOLLIN | EPOLLONESHOT, 8));
    EXPECT_VAL("fires again", wait_events(ep, out, 8, 0), 1);
    EXPECT_VAL("re-armed data", out[0].data.u64, 8);

    /* The write end, too: both ends in one set, one event each. */
    EXPECT_OK("add the write end", ctl(ep, EPOLL_CTL_ADD, fds[1], EPOLLOUT, 9));
    EXPECT_OK("re-arm the read end", ctl(ep, EPOLL_CTL_MOD, fds[0], EPOLLIN, 10));
    EXPECT_VAL("both ready", wait_events(ep, out, 8, 0), 2);
    EXPECT_TRUE("one event for each end", out[0].data.u64 + out[1].data.u64 == 19);
    EXPECT_VAL("maxevents 1 returns one", wait_events(ep, out, 1, 0), 1);
    struct timespec zero = {0, 0};
    EXPECT_VAL("epoll_pwait2 with a zero timeout",
               RAW(SYS_epoll_pwait2, ep, out, 8, &zero, NULL, 0), 2);
    uint64_t mask = 0;
    EXPECT_VAL("epoll_pwait with a mask",
               RAW(SYS_epoll_pwait, ep, out, 8, 0, &mask, KERNEL_SIGSET_SIZE), 2);

    EXPECT_OK("close the write end", RAW(SYS_close, fds[1]));
    EXPECT_VAL("closed fd leaves the set", wait_events(ep, out, 8, 0), 1);
    EXPECT_TRUE("reader sees the data and the hang-up",
                out[0].data.u64 == 10 && out[0].events == (EPOLLIN | EPOLLHUP));
    RAW(SYS_close, fds[0]);
    RAW(SYS_close, ep);
}

static void check_close_and_dup(void) {
    int ep = make_epoll();
    int fds[2];
    make_pipe(fds, 0);
    struct epoll_event out[4];
    RAW(SYS_write, fds[1], "x", 1);
    ctl(ep, EPOLL_CTL_ADD, fds[0], EPOLLIN, DATA_A);
    int copy = (int)RAW(SYS_dup, fds[0]);
    EXPECT_OK("close the watched fd, keep a dup", RAW(SYS_close, fds[0]));
    EXPECT_VAL("the entry lives while the file does", wait_events(ep, out, 4, 0), 1);
    EXPECT_TRUE("with its data", out[0].data.u64 == DATA_A);
    EXPECT_ERR("ctl through the closed number", ctl(ep, EPOLL_CTL_DEL, fds[0], 0, 0), EBADF);
    EXPECT_OK("close the dup", RAW(SYS_close, copy));
    EXPECT_VAL("the entry is gone", wait_events(ep, out, 4, 0), 0);
    RAW(SYS_close, fds[1]);

    /* Two fds of one description are two entries, as on Linux. */
    make_pipe(fds, O_NONBLOCK);
    copy = (int)RAW(SYS_dup, fds[0]);
    EXPECT_OK("add a pipe", ctl(ep, EPOLL_CTL_ADD, fds[0], EPOLLIN, 1));
    EXPECT_OK("add its dup", ctl(ep, EPOLL_CTL_ADD, copy, EPOLLIN, 2));
    EXPECT_ERR("add the dup twice", ctl(ep, EPOLL_CTL_ADD, copy, EPOLLIN, 2), EEXIST);
    EXPECT_VAL("neither ready", wait_events(ep, out, 4, 0), 0);
    RAW(SYS_write, fds[1], "z", 1);
    EXPECT_VAL("both entries report", wait_events(ep, out, 4, 0), 2);
    EXPECT_TRUE("one event per fd", out[0].data.u64 + out[1].data.u64 == 3);
    EXPECT_VAL("one at a time", wait_events(ep, out, 1, 0), 1);
    EXPECT_OK("modify the dup's entry", ctl(ep, EPOLL_CTL_MOD, copy, EPOLLIN, 5));
    EXPECT_OK("delete the first entry", ctl(ep, EPOLL_CTL_DEL, fds[0], 0, 0));
    EXPECT_ERR("delete it again", ctl(ep, EPOLL_CTL_DEL, fds[0], 0, 0), ENOENT);
    EXPECT_VAL("the dup's entry is left", wait_events(ep, out, 4, 0), 1);
    EXPECT_VAL("with its new data", out[0].data.u64, 5);
    EXPECT_OK("add the first again", ctl(ep, EPOLL_CTL_ADD, fds[0], EPOLLIN | EPOLLET, 6));
    EXPECT_VAL("both again", wait_events(ep, out, 4, 0), 2);
    EXPECT_VAL("edge-triggered one is spent", wait_events(ep, out, 4, 0), 1);
    EXPECT_VAL("level-triggered one stays", out[0].data.u64, 5);
    int third = (int)RAW(SYS_dup, copy);
    EXPECT_OK("a third fd", ctl(ep, EPOLL_CTL_ADD, third, EPOLLIN | EPOLLONESHOT, 7));
    EXPECT_VAL("three fds, three events", wait_events(ep, out, 4, 0), 2);
    EXPECT_TRUE("the level one and the one-shot one", out[0].data.u64 + out[1].data.u64 == 12);
    EXPECT_VAL("one-shot spent", wait_events(ep, out, 4, 0), 1);
    RAW(SYS_close, fds[0]);
    RAW(SYS_close, copy);
    EXPECT_VAL("entries live while one fd is open", wait_events(ep, out, 4, 0), 1);
    RAW(SYS_close, third);
    EXPECT_VAL("closing the last fd drops every entry", wait_events(ep, out, 4, 0), 0);
    uint64_t start = tl_monotonic_ns();
    EXPECT_VAL("and a wait times out", wait_events(ep, out, 4, 20), 0);
    EXPECT_TRUE("after 20 ms", lasted_at_least(start, 20));
    RAW(SYS_close, fds[1]);

    /* An epoll set inside another. */
    int inner = make_epoll(), outer = make_epoll();
    make_pipe(fds, 0);
    ctl(inner, EPOLL_CTL_ADD, fds[0], EPOLLIN, 1);
    EXPECT_OK("add an epoll fd to another", ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN, 2));
    EXPECT_ERR("a loop of epoll sets", ctl(inner, EPOLL_CTL_ADD, outer, EPOLLIN, 3), ELOOP);
    EXPECT_VAL("outer idle", wait_events(outer, out, 4, 0), 0);
    RAW(SYS_write, fds[1], "y", 1);
    EXPECT_VAL("outer sees the inner set ready", wait_events(outer, out, 4, 0), 1);
    EXPECT_VAL("outer data", out[0].data.u64, 2);
    EXPECT_VAL("inner reports the pipe", wait_events(inner, out, 4, 0), 1);
    EXPECT_VAL("inner data", out[0].data.u64, 1);
    struct pollfd pfd = {.fd = inner, .events = POLLIN};
    EXPECT_VAL("poll on an epoll fd", RAW(SYS_poll, &pfd, 1, 0), 1);
    RAW(SYS_close, fds[0]);
    RAW(SYS_close, fds[1]);
    RAW(SYS_close, inner);
    RAW(SYS_close, outer);
    RAW(SYS_close, ep);
}

static void check_eventfd_and_sockets(void) {
    int ep = make_epoll();
    struct epoll_event out[4];
    int efd = (int)RAW(SYS_eventfd2, 0, EFD_NONBLOCK);
    uint64_t one = 1, value;
    EXPECT_OK("add an eventfd edge-triggered", ctl(ep, EPOLL_CTL_ADD, efd, EPOLLIN | EPOLLET, 5));
    EXPECT_VAL("eventfd idle", wait_events(ep, out, 4, 0), 0);
    RAW(SYS_write, efd, &one, 8);
    EXPECT_VAL("eventfd wake-up", wait_events(ep, out, 4, 0), 1);
    EXPECT_VAL("eventfd data", out[0].data.u64, 5);
    EXPECT_VAL("edge consumed", wait_events(ep, out, 4, 0), 0);
    RAW(SYS_write, efd, &one, 8);
    EXPECT_VAL("second wake-up", wait_events(ep, out, 4, 0), 1);
    RAW(SYS_read, efd, &value, 8);
    EXPECT_VAL("counter holds both", value, 2);
    RAW(SYS_close, efd);

    int sv[2];
    if (RAW(SYS_socketpair, AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0)
        tl_die("socketpair");
    EXPECT_OK("add a socket for input and output",
              ctl(ep, EPOLL_CTL_ADD, sv[0], EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, 11));
    EXPECT_VAL("socket writable", wait_events(ep, out, 4, 0), 1);
    EXPECT_VAL("socket events", out[0].events, EPOLLOUT);
    EXPECT_VAL("edge: nothing new", wait_events(ep, out, 4, 0), 0);
    RAW(SYS_write, sv[1], "hi", 2);
    EXPECT_VAL("socket readable", wait_events(ep, out, 4, 0), 1);
    EXPECT_VAL("readable and writable", out[0].events, EPOLLIN | EPOLLOUT);
    char buf[8];
    EXPECT_VAL("read it", RAW(SYS_read, sv[0], buf, sizeof(buf)), 2);
    EXPECT_ERR("then EAGAIN", RAW(SYS_read, sv[0], buf, sizeof(buf)), EAGAIN);
    EXPECT_OK("peer shuts down", RAW(SYS_shutdown, sv[1], SHUT_WR));
    EXPECT_VAL("hang-up reported", wait_events(ep, out, 4, 0), 1);
    EXPECT_VAL("with EPOLLRDHUP", out[0].events, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
    RAW(SYS_close, sv[1]);
    EXPECT_VAL("peer gone", wait_events(ep, out, 4, 0), 1);
    EXPECT_VAL("with EPOLLHUP", out[0].events & (EPOLLHUP | EPOLLRDHUP), EPOLLHUP | EPOLLRDHUP);
    RAW(SYS_close, sv[0]);
    EXPECT_VAL("closed socket leaves the set", wait_events(ep, out, 4, 0), 0);
    RAW(SYS_close, ep);
}

/* A description added through two fds, then closed, over and over with the second fd's
 * number changing: Linux keeps nothing of the closed ones, so no limit is ever reached. */
static void check_dup_churn(void) {
    int ep = make_epoll();
    int failed = 0;
    for (int i = 0; i < 1000 && !failed; i++) {
        int fds[2];
        make_pipe(fds, 0);
        int twin = (int)RAW(SYS_dup2, fds[0], 100 + i % 900);
        failed += ctl(ep, EPOLL_CTL_ADD, fds[0], EPOLLIN, DATA_A) != 0;
        failed += ctl(ep, EPOLL_CTL_ADD, twin, EPOLLIN, DATA_B) != 0;
        RAW(SYS_close, twin);
        RAW(SYS_close, fds[0]);
        RAW(SYS_close, fds[1]);
    }
    EXPECT_VAL("1000 rounds: add a pipe through two fds, close it", failed, 0);
    RAW(SYS_close, ep);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "epoll");
    check_eventfd();
    check_epoll_errors();
    check_level_and_edge();
    check_close_and_dup();
    check_eventfd_and_sockets();
    check_dup_churn();
    return tl_finish();
}
