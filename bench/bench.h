/* What the benchmark programs share: a monotonic clock in nanoseconds and the parsing of
 * a count argument. Host programs: they use libc. */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <time.h>

static inline double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* A positive decimal count no larger than max, or -1. */
static inline long parse_count(const char *arg, long max) {
    long n = 0;
    if (!*arg)
        return -1;
    for (const char *c = arg; *c; c++) {
        if (*c < '0' || *c > '9')
            return -1;
        n = n * 10 + (*c - '0');
        if (n > max)
            return -1;
    }
    return n > 0 ? n : -1;
}

#endif
