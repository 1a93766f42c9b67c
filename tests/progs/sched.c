/* Scheduling policies and nice values: priority ranges, sched_getscheduler/setscheduler,
 * getparam/setparam, rr_get_interval, getpriority/setpriority for the process, another
 * thread and a child process, and the errors. Raw syscalls (musl's wrappers of some of
 * these are stubs). The nice values only go up, which any user may do, and stop at 19
 * (what is printed is how much they went up, whatever the nice the test started with). */
#include "testlib.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>

static int g_pipe[2];
static volatile int g_tid;

static void *idle_thread(void *arg) {
    (void)arg;
    g_tid = (int)RAW(SYS_gettid);
    char c;
    while (read(g_pipe[0], &c, 1) < 0 && errno == EINTR) {
    }
    return NULL;
}

/* How far the nice value can go up from start by step: Linux stops at 19. */
static int raised(int start, int step) {
    return (start + step > 19 ? 19 : start + step) - start;
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "sched");
    EXPECT_VAL("priority max SCHED_FIFO", RAW(SYS_sched_get_priority_max, SCHED_FIFO), 99);
    EXPECT_VAL("priority min SCHED_RR", RAW(SYS_sched_get_priority_min, SCHED_RR), 1);
    EXPECT_VAL("priority max SCHED_OTHER", RAW(SYS_sched_get_priority_max, SCHED_OTHER), 0);
    EXPECT_VAL("priority min SCHED_IDLE", RAW(SYS_sched_get_priority_min, SCHED_IDLE), 0);
    EXPECT_ERR("priority max of an unknown policy", RAW(SYS_sched_get_priority_max, 42), EINVAL);

    EXPECT_VAL("sched_getscheduler", RAW(SYS_sched_getscheduler, 0), SCHED_OTHER);
    struct sched_param param = {.sched_priority = 7};
    EXPECT_OK("sched_getparam", RAW(SYS_sched_getparam, 0, &param));
    EXPECT_VAL("its priority", param.sched_priority, 0);
    param.sched_priority = 0;
    EXPECT_OK("sched_setscheduler SCHED_BATCH",
              RAW(SYS_sched_setscheduler, 0, SCHED_BATCH, &param));
    EXPECT_VAL("sched_getscheduler sees it", RAW(SYS_sched_getscheduler, 0), SCHED_BATCH);
    EXPECT_OK("sched_setparam", RAW(SYS_sched_setparam, 0, &param));
    EXPECT_OK("back to SCHED_OTHER", RAW(SYS_sched_setscheduler, 0, SCHED_OTHER, &param));
    struct timespec ts;
    EXPECT_OK("sched_rr_get_interval", RAW(SYS_sched_rr_get_interval, 0, &ts));
    param.sched_priority = 5;
    EXPECT_ERR("SCHED_OTHER with a priority", RAW(SYS_sched_setscheduler, 0, SCHED_OTHER, &param),
               EINVAL);
    EXPECT_ERR("an unknown policy", RAW(SYS_sched_setscheduler, 0, 42, &param), EINVAL);
    EXPECT_ERR("an unknown policy, param bad", RAW(SYS_sched_setscheduler, 0, 42, (void *)8),
               EFAULT);
    EXPECT_ERR("an unknown policy, no such process",
               RAW(SYS_sched_setscheduler, 0x3ffffff0, 42, &param), ESRCH);
    EXPECT_ERR("sched_setscheduler NULL param", RAW(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL),
               EINVAL);
    EXPECT_ERR("sched_getparam NULL", RAW(SYS_sched_getparam, 0, NULL), EINVAL);
    EXPECT_ERR("sched_getscheduler pid -1", RAW(SYS_sched_getscheduler, -1), EINVAL);
    EXPECT_ERR("sched_getscheduler of no process", RAW(SYS_sched_getscheduler, 0x3ffffff0), ESRCH);
    EXPECT_ERR("sched_getparam bad pointer", RAW(SYS_sched_getparam, 0, (void *)8), EFAULT);
    EXPECT_ERR("sched_setparam bad pointer", RAW(SYS_sched_setparam, 0, (void *)8), EFAULT);

    long base = RAW(SYS_getpriority, PRIO_PROCESS, 0);
    EXPECT_TRUE("getpriority: 20 - nice", base >= 1 && base <= 40);
    int nice = 20 - (int)base;
    EXPECT_OK("setpriority nice + 2", RAW(SYS_setpriority, PRIO_PROCESS, 0, nice + 2));
    EXPECT_VAL("getpriority sees it", 20 - RAW(SYS_getpriority, PRIO_PROCESS, 0) - nice,
               raised(nice, 2));
    EXPECT_ERR("getpriority bad which", RAW(SYS_getpriority, 3, 0), EINVAL);
    EXPECT_ERR("setpriority bad which", RAW(SYS_setpriority, -1, 0, 0), EINVAL);

    if (pipe(g_pipe) != 0)
        tl_die("pipe");
    pthread_t thread;
    if (pthread_create(&thread, NULL, idle_thread, NULL) != 0)
        tl_die("pthread_create");
    while (!g_tid)
        sched_yield();
    EXPECT_OK("setpriority of another thread", RAW(SYS_setpriority, PRIO_PROCESS, g_tid, nice + 5));
    EXPECT_VAL("that thread's nice", 20 - RAW(SYS_getpriority, PRIO_PROCESS, g_tid) - nice,
               raised(nice, 5));
    EXPECT_VAL("this thread's is unchanged", 20 - RAW(SYS_getpriority, PRIO_PROCESS, 0) - nice,
               raised(nice, 2));
    EXPECT_VAL("the other thread's policy", RAW(SYS_sched_getscheduler, g_tid), SCHED_OTHER);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        char c;
        while (read(g_pipe[0], &c, 1) < 0 && errno == EINTR) {
        }
        _exit(0);
    }
    EXPECT_OK("setpriority of a child", RAW(SYS_setpriority, PRIO_PROCESS, child, nice + 7));
    EXPECT_VAL("the child's nice", 20 - RAW(SYS_getpriority, PRIO_PROCESS, child) - nice,
               raised(nice, 7));
    if (write(g_pipe[1], "xx", 2) != 2)
        tl_die("write");
    waitpid(child, NULL, 0);
    pthread_join(thread, NULL);

    /* A process that gave up root: lowering its nice and real-time policies need
     * CAP_SYS_NICE, which it no longer has (the test runs as root). */
    fflush(stdout);
    child = fork();
    if (child == 0) {
        if (RAW(SYS_setresuid, 65534, 65534, 65534) != 0)
            _exit(10);
        int now = 20 - (int)RAW(SYS_getpriority, PRIO_PROCESS, 0);
        if (now > -20 && RAW(SYS_setpriority, PRIO_PROCESS, 0, now - 1) != -EACCES)
            _exit(11);
        struct sched_param rt = {.sched_priority = 1};
        if (RAW(SYS_sched_setscheduler, 0, SCHED_FIFO, &rt) != -EPERM)
            _exit(12);
        if (now < 19 && RAW(SYS_setpriority, PRIO_PROCESS, 0, now + 1) != 0)
            _exit(13);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    EXPECT_VAL("without CAP_SYS_NICE: no lower nice, no SCHED_FIFO, a higher nice is fine",
               WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status), 0);
    return tl_finish();
}
