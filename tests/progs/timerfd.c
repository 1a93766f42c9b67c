/* timerfd: one-shot and periodic timers, relative and absolute, reads of the expiration
 * count (blocking and not), readiness through poll and epoll, timerfd_gettime, the old
 * value of timerfd_settime, fd flags, and the errors. Expiration counts of a periodic
 * timer depend on scheduling, so those checks print what must hold. */
#include "testlib.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

static struct itimerspec after_ms(long value_ms, long interval_ms) {
    struct itimerspec its = {
        .it_value = {value_ms / 1000, (value_ms % 1000) * 1000000L},
        .it_interval = {interval_ms / 1000, (interval_ms % 1000) * 1000000L},
    };
    return its;
}

static void check_one_shot(void) {
    int fd = (int)RAW(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
    EXPECT_OK("timerfd_create CLOCK_MONOTONIC", fd);
    EXPECT_VAL("fcntl F_GETFL", fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
    struct itimerspec its = after_ms(20000, 0), cur;
    EXPECT_OK("timerfd_settime 20 s", RAW(SYS_timerfd_settime, fd, 0, &its, NULL));
    EXPECT_OK("timerfd_gettime while armed", RAW(SYS_timerfd_gettime, fd, &cur));
    EXPECT_TRUE("it has at most 20 s left", cur.it_value.tv_sec < 20 && cur.it_value.tv_sec >= 10 &&
                                                cur.it_interval.tv_sec == 0 &&
                                                cur.it_interval.tv_nsec == 0);
    its = after_ms(30, 0);
    EXPECT_OK("timerfd_settime 30 ms", RAW(SYS_timerfd_settime, fd, 0, &its, NULL));
    uint64_t count = 0;
    EXPECT_VAL("blocking read after it fires", read(fd, &count, sizeof(count)), 8);
    EXPECT_VAL("one expiration", count, 1);
    EXPECT_OK("timerfd_gettime after", RAW(SYS_timerfd_gettime, fd, &cur));
    EXPECT_TRUE("a one-shot timer is disarmed",
                cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
    char small[4];
    EXPECT_ERR("read into fewer than 8 bytes", LIBC(read(fd, small, sizeof(small))), EINVAL);
    EXPECT_ERR("write to a timerfd", LIBC(write(fd, &count, sizeof(count))), EINVAL);
    close(fd);
}

static void check_periodic_nonblocking(void) {
    int fd = (int)RAW(SYS_timerfd_create, CLOCK_BOOTTIME, TFD_NONBLOCK | TFD_CLOEXEC);
    EXPECT_OK("timerfd_create CLOCK_BOOTTIME nonblocking", fd);
    EXPECT_TRUE("TFD_CLOEXEC sets FD_CLOEXEC", fcntl(fd, F_GETFD) == FD_CLOEXEC);
    EXPECT_TRUE("TFD_NONBLOCK sets O_NONBLOCK", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    uint64_t count;
    EXPECT_ERR("read before any expiration", LIBC(read(fd, &count, sizeof(count))), EAGAIN);
    struct itimerspec its = after_ms(10, 10), old;
    EXPECT_OK("timerfd_settime every 10 ms", RAW(SYS_timerfd_settime, fd, 0, &its, NULL));
    struct pollfd p = {.fd = fd, .events = POLLIN};
    EXPECT_VAL("poll waits for it", poll(&p, 1, 5000), 1);
    EXPECT_TRUE("POLLIN", p.revents == POLLIN);
    struct timespec pause = {0, 35000000};
    nanosleep(&pause, NULL);
    EXPECT_VAL("read the count", read(fd, &count, sizeof(count)), 8);
    EXPECT_TRUE("several expirations counted", count >= 3);

    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 77}, got;
    EXPECT_OK("epoll_ctl add", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    EXPECT_VAL("epoll_wait sees the next one", epoll_wait(ep, &got, 1, 5000), 1);
    EXPECT_VAL("with its data", got.data.u64, 77);
    close(ep);

    struct itimerspec off = after_ms(0, 0);
    EXPECT_OK("disarm, asking for the old value", RAW(SYS_timerfd_settime, fd, 0, &off, &old));
    EXPECT_TRUE("the old value had the 10 ms interval",
                old.it_interval.tv_sec == 0 && old.it_interval.tv_nsec == 10000000L);
    read(fd, &count, sizeof(count)); /* whatever expired before the disarm */
    EXPECT_ERR("nothing after the disarm", LIBC(read(fd, &count, sizeof(count))), EAGAIN);
    close(fd);
}

static void check_absolute(void) {
    int fd = (int)RAW(SYS_timerfd_create, CLOCK_REALTIME, 0);
    EXPECT_OK("timerfd_create CLOCK_REALTIME", fd);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct itimerspec its = {.it_value = now};
    its.it_value.tv_nsec += 20000000L;
    if (its.it_value.tv_nsec >= 1000000000L) {
        its.it_value.tv_sec++;
        its.it_value.tv_nsec -= 1000000000L;
    }
    EXPECT_OK("TFD_TIMER_ABSTIME 20 ms from now",
              RAW(SYS_timerfd_settime, fd, TFD_TIMER_ABSTIME, &its, NULL));
    uint64_t count = 0;
    EXPECT_VAL("read", read(fd, &count, sizeof(count)), 8);
    EXPECT_VAL("one expiration", count, 1);
    struct itimerspec past = {.it_value = {1, 0}};
    EXPECT_OK("an absolute time in the past",
              RAW(SYS_timerfd_settime, fd, TFD_TIMER_ABSTIME, &past, NULL));
    EXPECT_VAL("fires at once", read(fd, &count, sizeof(count)), 8);
    close(fd);
}

static void check_errors(void) {
    EXPECT_ERR("timerfd_create bad clock", RAW(SYS_timerfd_create, 99, 0), EINVAL);
    EXPECT_ERR("timerfd_create CLOCK_PROCESS_CPUTIME_ID",
               RAW(SYS_timerfd_create, CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
    EXPECT_ERR("timerfd_create bad flags", RAW(SYS_timerfd_create, CLOCK_MONOTONIC, 1), EINVAL);
    int fd = (int)RAW(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
    struct itimerspec its = after_ms(1000, 0), cur;
    EXPECT_ERR("timerfd_settime bad flags", RAW(SYS_timerfd_settime, fd, 8, &its, NULL), EINVAL);
    its.it_value.tv_nsec = 1000000000L;
    EXPECT_ERR("timerfd_settime tv_nsec too big", RAW(SYS_timerfd_settime, fd, 0, &its, NULL),
               EINVAL);
    its.it_value.tv_nsec = 0;
    its.it_interval.tv_sec = -1;
    EXPECT_ERR("timerfd_settime negative interval", RAW(SYS_timerfd_settime, fd, 0, &its, NULL),
               EINVAL);
    EXPECT_ERR("timerfd_settime bad new pointer", RAW(SYS_timerfd_settime, fd, 0, (void *)8, NULL),
               EFAULT);
    EXPECT_ERR("timerfd_gettime bad pointer", RAW(SYS_timerfd_gettime, fd, (void *)8), EFAULT);
    EXPECT_ERR("timerfd_gettime closed fd", RAW(SYS_timerfd_gettime, 999, &cur), EBADF);
    int pipefd[2];
    if (pipe(pipefd) != 0)
        tl_die("pipe");
    its = after_ms(1000, 0);
    EXPECT_ERR("timerfd_settime on a pipe", RAW(SYS_timerfd_settime, pipefd[0], 0, &its, NULL),
               EINVAL);
    EXPECT_ERR("timerfd_gettime on a pipe", RAW(SYS_timerfd_gettime, pipefd[0], &cur), EINVAL);
    close(pipefd[0]);
    close(pipefd[1]);
    close(fd);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "timerfd");
    tl_start_watchdog(30);
    check_one_shot();
    check_periodic_nonblocking();
    check_absolute();
    check_errors();
    return tl_finish();
}
