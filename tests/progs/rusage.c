/* Resource usage: getrusage for the process, the calling thread and reaped children,
 * times(), and their errors. Times vary from run to run, so the checks print what must
 * hold (CPU time spent shows up, a child's shows up once reaped, the counts only grow). */
#include "testlib.h"

#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>

static volatile unsigned long g_sink;

/* Spins for 50 ms of the process's CPU time. */
static void burn_cpu(void) {
    struct timespec t0, t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    do {
        for (int i = 0; i < 100000; i++)
            g_sink += (unsigned long)i * 7;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    } while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 50000000L);
}

/* CPU time in microseconds, user and system: how it splits depends on the runtime. */
static long cpu_us(const struct rusage *r) {
    return r->ru_utime.tv_sec * 1000000L + r->ru_utime.tv_usec + r->ru_stime.tv_sec * 1000000L +
           r->ru_stime.tv_usec;
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "rusage");
    struct rusage before, self, thread, children;
    EXPECT_OK("getrusage RUSAGE_SELF", RAW(SYS_getrusage, RUSAGE_SELF, &before));
    burn_cpu();
    EXPECT_OK("getrusage RUSAGE_SELF again", RAW(SYS_getrusage, RUSAGE_SELF, &self));
    EXPECT_TRUE("CPU time grew by at least 40 ms", cpu_us(&self) - cpu_us(&before) >= 40000);
    EXPECT_TRUE("maximum resident set size reported", self.ru_maxrss > 0);
    EXPECT_OK("getrusage RUSAGE_THREAD", RAW(SYS_getrusage, RUSAGE_THREAD, &thread));
    EXPECT_TRUE("the only thread has spent the time too", cpu_us(&thread) >= 40000);

    EXPECT_OK("getrusage RUSAGE_CHILDREN", RAW(SYS_getrusage, RUSAGE_CHILDREN, &children));
    EXPECT_TRUE("no child reaped yet: no child time", cpu_us(&children) == 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        burn_cpu();
        _exit(0);
    }
    struct rusage child_usage;
    EXPECT_TRUE("wait4 with rusage", wait4(pid, NULL, 0, &child_usage) == pid);
    EXPECT_TRUE("wait4 reports the child's time", cpu_us(&child_usage) >= 40000);
    EXPECT_OK("getrusage RUSAGE_CHILDREN after", RAW(SYS_getrusage, RUSAGE_CHILDREN, &children));
    EXPECT_TRUE("the reaped child's time counts", cpu_us(&children) >= 40000);

    struct tms tms;
    long ticks = RAW(SYS_times, &tms);
    EXPECT_TRUE("times returns clock ticks", ticks > 0);
    EXPECT_TRUE("times: CPU time of the process", tms.tms_utime + tms.tms_stime >= 4);
    EXPECT_TRUE("times: CPU time of the children", tms.tms_cutime + tms.tms_cstime >= 4);
    EXPECT_TRUE("times with a NULL buffer", RAW(SYS_times, NULL) >= ticks);

    EXPECT_ERR("getrusage bad who", RAW(SYS_getrusage, 7, &self), EINVAL);
    EXPECT_ERR("getrusage bad pointer", RAW(SYS_getrusage, RUSAGE_SELF, (void *)8), EFAULT);
    EXPECT_ERR("times bad pointer", RAW(SYS_times, (void *)8), EFAULT);
    return tl_finish();
}
