/* Clocks and sleeping: clock_gettime (raw, so no vDSO), gettimeofday, time, clock_getres,
 * nanosleep and clock_nanosleep. Only sanity facts are printed: clocks move forward and
 * agree with each other, sleeps last at least what was asked. */
#include "testlib.h"

#include <sys/time.h>
#include <time.h>

#define NS_PER_SEC 1000000000ll
#define JAN_2020 1577836800ll

static long long ns_of(const struct timespec *ts) {
    return (long long)ts->tv_sec * NS_PER_SEC + ts->tv_nsec;
}

static long long clock_ns(clockid_t clock) {
    struct timespec ts;
    RAW(SYS_clock_gettime, clock, &ts);
    return ns_of(&ts);
}

static void check_clock_gettime(void) {
    static const struct {
        clockid_t id;
        const char *name;
    } clocks[] = {
        {CLOCK_REALTIME, "CLOCK_REALTIME"},
        {CLOCK_MONOTONIC, "CLOCK_MONOTONIC"},
        {CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID"},
        {CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID"},
        {CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW"},
        {CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE"},
        {CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE"},
        {CLOCK_BOOTTIME, "CLOCK_BOOTTIME"},
    };
    char label[96];
    for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
        struct timespec ts = {-1, -1}, libc_ts = {-1, -1};
        long result = RAW(SYS_clock_gettime, clocks[i].id, &ts);
        snprintf(label, sizeof(label), "clock_gettime %s", clocks[i].name);
        EXPECT_TRUE(label,
                    result == 0 && ts.tv_sec >= 0 && ts.tv_nsec >= 0 && ts.tv_nsec < NS_PER_SEC);
        snprintf(label, sizeof(label), "libc clock_gettime %s", clocks[i].name);
        EXPECT_TRUE(label, clock_gettime(clocks[i].id, &libc_ts) == 0 &&
                               libc_ts.tv_nsec < NS_PER_SEC && ns_of(&libc_ts) >= 0);
        struct timespec res = {-1, -1};
        snprintf(label, sizeof(label), "clock_getres %s", clocks[i].name);
        result = RAW(SYS_clock_getres, clocks[i].id, &res);
        EXPECT_TRUE(label, result == 0 && ns_of(&res) > 0 && ns_of(&res) <= NS_PER_SEC);
    }

    EXPECT_TRUE("CLOCK_REALTIME is after 2020", clock_ns(CLOCK_REALTIME) / NS_PER_SEC > JAN_2020);
    long long previous = clock_ns(CLOCK_MONOTONIC), now = previous;
    bool never_back = true;
    for (int i = 0; i < 10000; i++) {
        now = clock_ns(CLOCK_MONOTONIC);
        never_back = never_back && now >= previous;
        previous = now;
    }
    EXPECT_TRUE("CLOCK_MONOTONIC never goes back over 10000 reads", never_back);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (volatile int spin = 0; spin < 1000000; spin++) {
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    EXPECT_TRUE("libc CLOCK_MONOTONIC advances over a busy loop", ns_of(&b) > ns_of(&a));

    long long cpu_before = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    for (volatile int spin = 0; spin < 20000000; spin++) {
    }
    EXPECT_TRUE("process CPU time advances over a busy loop",
                clock_ns(CLOCK_PROCESS_CPUTIME_ID) > cpu_before);

    struct timespec ts;
    EXPECT_ERR("clock_gettime unknown clock", RAW(SYS_clock_gettime, 100, &ts), EINVAL);
    EXPECT_ERR("clock_gettime bad pointer", RAW(SYS_clock_gettime, CLOCK_MONOTONIC, BAD_PTR),
               EFAULT);
    EXPECT_ERR("clock_getres unknown clock", RAW(SYS_clock_getres, 100, &ts), EINVAL);
    EXPECT_OK("clock_getres NULL result", RAW(SYS_clock_getres, CLOCK_MONOTONIC, NULL));
    EXPECT_ERR("clock_getres bad pointer", RAW(SYS_clock_getres, CLOCK_MONOTONIC, BAD_PTR), EFAULT);
}

static void check_wall_clocks(void) {
    struct timeval tv = {-1, -1};
    EXPECT_OK("gettimeofday", RAW(SYS_gettimeofday, &tv, NULL));
    EXPECT_TRUE("gettimeofday microseconds in range", tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    long long realtime_s = clock_ns(CLOCK_REALTIME) / NS_PER_SEC;
    EXPECT_TRUE("gettimeofday agrees with CLOCK_REALTIME",
                tv.tv_sec >= realtime_s - 2 && tv.tv_sec <= realtime_s + 2);
    EXPECT_OK("gettimeofday NULL arguments", RAW(SYS_gettimeofday, NULL, NULL));
    EXPECT_ERR("gettimeofday bad pointer", RAW(SYS_gettimeofday, BAD_PTR, NULL), EFAULT);
    struct timeval libc_tv;
    EXPECT_TRUE("libc gettimeofday agrees", gettimeofday(&libc_tv, NULL) == 0 &&
                                                libc_tv.tv_sec >= tv.tv_sec &&
                                                libc_tv.tv_sec <= tv.tv_sec + 2);

    time_t stored = 0;
    long seconds = RAW(SYS_time, &stored);
    EXPECT_TRUE("time agrees with CLOCK_REALTIME",
                seconds >= realtime_s - 2 && seconds <= realtime_s + 2);
    EXPECT_TRUE("time stores what it returns", stored == seconds);
    EXPECT_TRUE("time with NULL", RAW(SYS_time, NULL) >= seconds);
    EXPECT_TRUE("libc time agrees", time(NULL) >= seconds && time(NULL) <= seconds + 2);
}

static void check_sleep(void) {
    struct timespec request = {0, 20 * 1000000}, remaining = {-1, -1};
    long long start = clock_ns(CLOCK_MONOTONIC);
    EXPECT_OK("nanosleep 20 ms", RAW(SYS_nanosleep, &request, &remaining));
    EXPECT_TRUE("nanosleep lasted at least 20 ms",
                clock_ns(CLOCK_MONOTONIC) - start >= 20 * 1000000ll);
    const struct timespec zero = {0, 0}, too_many_ns = {0, NS_PER_SEC}, negative = {-1, 0};
    const struct timespec negative_ns = {0, -1};
    EXPECT_OK("nanosleep 0", RAW(SYS_nanosleep, &zero, NULL));
    EXPECT_ERR("nanosleep nanoseconds out of range", RAW(SYS_nanosleep, &too_many_ns, NULL),
               EINVAL);
    EXPECT_ERR("nanosleep negative seconds", RAW(SYS_nanosleep, &negative, NULL), EINVAL);
    EXPECT_ERR("nanosleep bad pointer", RAW(SYS_nanosleep, BAD_PTR, NULL), EFAULT);

    start = clock_ns(CLOCK_MONOTONIC);
    request.tv_nsec = 15 * 1000000;
    EXPECT_OK("clock_nanosleep relative 15 ms",
              RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &request, NULL));
    EXPECT_TRUE("clock_nanosleep lasted at least 15 ms",
                clock_ns(CLOCK_MONOTONIC) - start >= 15 * 1000000ll);

    struct timespec deadline;
    RAW(SYS_clock_gettime, CLOCK_MONOTONIC, &deadline);
    deadline.tv_nsec += 15 * 1000000;
    if (deadline.tv_nsec >= NS_PER_SEC) {
        deadline.tv_sec++;
        deadline.tv_nsec -= NS_PER_SEC;
    }
    EXPECT_OK("clock_nanosleep TIMER_ABSTIME",
              RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL));
    EXPECT_TRUE("woke after the absolute deadline", clock_ns(CLOCK_MONOTONIC) >= ns_of(&deadline));
    struct timespec past = {0, 1};
    EXPECT_OK("clock_nanosleep TIMER_ABSTIME in the past",
              RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL));
    struct timespec realtime_deadline;
    RAW(SYS_clock_gettime, CLOCK_REALTIME, &realtime_deadline);
    realtime_deadline.tv_nsec += 5 * 1000000;
    if (realtime_deadline.tv_nsec >= NS_PER_SEC) {
        realtime_deadline.tv_sec++;
        realtime_deadline.tv_nsec -= NS_PER_SEC;
    }
    EXPECT_OK("clock_nanosleep CLOCK_REALTIME absolute",
              RAW(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &realtime_deadline, NULL));
    EXPECT_TRUE("woke after the realtime deadline",
                clock_ns(CLOCK_REALTIME) >= ns_of(&realtime_deadline));
    /* Linux answered EINVAL before 5.x and EOPNOTSUPP since; both are a refusal. */
    long result = RAW(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &request, NULL);
    EXPECT_TRUE("clock_nanosleep on the thread CPU clock is refused",
                result == -EINVAL || result == -EOPNOTSUPP);
    EXPECT_ERR("clock_nanosleep unknown clock", RAW(SYS_clock_nanosleep, 100, 0, &request, NULL),
               EINVAL);
    EXPECT_ERR("clock_nanosleep invalid time",
               RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &negative_ns, NULL), EINVAL);
    EXPECT_ERR("clock_nanosleep bad pointer",
               RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, BAD_PTR, NULL), EFAULT);
    EXPECT_VAL("libc clock_nanosleep returns the error number",
               clock_nanosleep(CLOCK_MONOTONIC, 0, &too_many_ns, NULL), EINVAL);
    start = clock_ns(CLOCK_MONOTONIC);
    EXPECT_OK("libc usleep 10 ms", LIBC(usleep(10000)));
    EXPECT_TRUE("usleep lasted at least 10 ms", clock_ns(CLOCK_MONOTONIC) - start >= 10000000ll);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "time");
    check_clock_gettime();
    check_wall_clocks();
    check_sleep();
    return tl_finish();
}
