/* Process-wide host facts and the ways the process ends. */
#include "pal/direct/internal.h"
#include <asm-generic/errno.h>
#include <linux/signal.h>

__attribute__((noreturn)) void pal_process_exit(int status) {
    for (;;)
        host_syscall1(__NR_exit_group, status);
}

__attribute__((noreturn)) void pal_process_die_of_signal(int sig) {
    /* Let the host deliver sig with its default action, so the parent sees exactly what it
     * would see natively (a signal death, a core for SIGSEGV...). */
    struct host_sigaction dfl = {.handler = SIG_DFL};
    host_syscall4(__NR_rt_sigaction, sig, &dfl, 0, 8);
    uint64_t set = 1ULL << (sig - 1);
    host_syscall4(__NR_rt_sigprocmask, SIG_UNBLOCK, &set, 0, 8);
    host_syscall3(__NR_tgkill, host_syscall0(__NR_getpid), host_syscall0(__NR_gettid), sig);
    pal_process_exit(128 + sig);
}

long pal_host_pid(void) {
    return host_syscall0(__NR_getpid);
}

long pal_host_tid(void) {
    return host_syscall0(__NR_gettid);
}

long pal_host_ids(unsigned ids[6]) {
    long r = host_syscall3(__NR_getresuid, &ids[0], &ids[1], &ids[2]);
    if (r < 0)
        return r;
    return host_syscall3(__NR_getresgid, &ids[3], &ids[4], &ids[5]);
}

long pal_host_getgroups(int n, unsigned *groups) {
    return host_syscall2(__NR_getgroups, n, groups);
}

long pal_host_caps(uint64_t *effective, uint64_t *permitted, uint64_t *inheritable) {
    struct {
        uint32_t version;
        int pid;
    } header = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
    struct {
        uint32_t effective, permitted, inheritable;
    } data[2];
    long r = host_syscall2(__NR_capget, &header, data);
    if (r < 0)
        return r;
    *effective = data[0].effective | (uint64_t)data[1].effective << 32;
    *permitted = data[0].permitted | (uint64_t)data[1].permitted << 32;
    *inheritable = data[0].inheritable | (uint64_t)data[1].inheritable << 32;
    return 0;
}

long pal_host_uname(void *utsname) {
    return host_syscall1(__NR_uname, utsname);
}

long pal_host_rlimit(int resource, const void *new_limit, void *old_limit) {
    return host_syscall4(__NR_prlimit64, 0, resource, new_limit, old_limit);
}

long pal_host_sysinfo(void *info) {
    return host_syscall1(__NR_sysinfo, info);
}

long pal_host_umask(int mask) {
    return host_syscall1(__NR_umask, mask);
}

long pal_host_getcwd(char *buf, size_t size) {
    return host_syscall2(__NR_getcwd, buf, size);
}

long pal_sched_getaffinity(void *mask, size_t size) {
    return host_syscall3(__NR_sched_getaffinity, 0, size, mask);
}

long pal_membarrier(int cmd, unsigned flags, int cpu_id) {
    return host_syscall3(__NR_membarrier, cmd, flags, cpu_id);
}

bool pal_host_has_pkeys(void) {
    long key = host_syscall2(__NR_pkey_alloc, 0, 0);
    if (key < 0)
        return key != -EINVAL && key != -ENOSYS; /* ENOSPC: keys exist, all taken */
    host_syscall1(__NR_pkey_free, key);
    return true;
}

long pal_personality(unsigned persona) {
    return host_syscall1(__NR_personality, persona);
}

long pal_sched_getscheduler(int pid) {
    return host_syscall1(__NR_sched_getscheduler, pid);
}

long pal_sched_setscheduler(int pid, int policy, const void *param) {
    return host_syscall3(__NR_sched_setscheduler, pid, policy, param);
}

long pal_sched_getparam(int pid, void *param) {
    return host_syscall2(__NR_sched_getparam, pid, param);
}

long pal_sched_setparam(int pid, const void *param) {
    return host_syscall2(__NR_sched_setparam, pid, param);
}

long pal_sched_rr_get_interval(int pid, struct __kernel_timespec *interval) {
    return host_syscall2(__NR_sched_rr_get_interval, pid, interval);
}

long pal_get_priority(int which, int who) {
    return host_syscall2(__NR_getpriority, which, who);
}

long pal_set_priority(int which, int who, int nice) {
    return host_syscall3(__NR_setpriority, which, who, nice);
}

long pal_host_ppid(void) {
    return host_syscall0(__NR_getppid);
}

long pal_host_pgid(int pid) {
    return host_syscall1(__NR_getpgid, pid);
}

long pal_host_sid(int pid) {
    return host_syscall1(__NR_getsid, pid);
}

long pal_host_setpgid(int pid, int pgid) {
    return host_syscall2(__NR_setpgid, pid, pgid);
}

long pal_host_setsid(void) {
    return host_syscall0(__NR_setsid);
}

long pal_host_set_pdeathsig(int sig) {
    return host_syscall5(__NR_prctl, 1 /* PR_SET_PDEATHSIG */, sig, 0, 0, 0);
}

long pal_host_uid(void) {
    return host_syscall0(__NR_getuid);
}

long pal_host_tgkill(int tgid, int tid, int sig) {
    if (tgid == -1)
        return host_syscall2(__NR_tkill, tid, sig);
    return host_syscall3(__NR_tgkill, tgid, tid, sig);
}

long pal_host_sigqueueinfo(int pid, int sig, const void *siginfo) {
    return host_syscall3(__NR_rt_sigqueueinfo, pid, sig, siginfo);
}

long pal_host_timer_call(long nr, long a, long b, long c, long d) {
    switch (nr) {
    case __NR_alarm:
    case __NR_setitimer:
    case __NR_getitimer:
    case __NR_timer_create:
    case __NR_timer_settime:
    case __NR_timer_gettime:
    case __NR_timer_getoverrun:
    case __NR_timer_delete:
        return host_syscall4(nr, a, b, c, d);
    default:
        return -38; /* ENOSYS */
    }
}

long pal_host_kill(int pid, int sig) {
    return host_syscall2(__NR_kill, pid, sig);
}

long pal_process_fork(int exit_signal) {
    long pid = host_syscall6(__NR_clone, exit_signal & 0xff, 0, 0, 0, 0, 0);
    if (pid != 0)
        return pid;
    /* The child: one thread, whose control block and stacks came with the copy. */
    struct pal_tcb *tcb = pal_tcb();
    tcb->host_tid = (int)host_syscall0(__NR_gettid);
    pal_threads_after_fork(tcb);
    long r = pal_catch_arm_thread();
    if (r < 0)
        pal_fatal("arming the syscall catch in a forked child", r);
    return 0;
}

long pal_process_wait4(int pid, int *status, int options, void *rusage) {
    return host_blocking_syscall(__NR_wait4, pid, (long)status, options, (long)rusage, 0, 0);
}

long pal_process_rusage(int who, void *rusage) {
    return host_syscall2(__NR_getrusage, who, rusage);
}

long pal_process_times(void *tms) {
    return host_syscall1(__NR_times, tms);
}

long pal_process_waitid(int idtype, int id, void *info, int options, void *rusage) {
    return host_blocking_syscall(__NR_waitid, idtype, id, (long)info, options, (long)rusage, 0);
}
