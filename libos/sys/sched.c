/* Scheduling policies and priorities: sched_{get,set}scheduler, sched_{get,set}param,
 * sched_get_priority_{max,min}, sched_rr_get_interval, getpriority, setpriority. The app's
 * threads and processes are host threads and processes under the same ids, so policies and
 * nice values are the host's, for the app's own threads and its children alike; the LibOS
 * checks the arguments as Linux does and copies structures through its own memory. The
 * host process may be privileged where the app is not (it dropped to a user): what needs
 * CAP_SYS_NICE is checked against the app's credentials (with Linux's default limits:
 * RLIMIT_RTPRIO and RLIMIT_NICE 0, so no real-time policy and no lower nice without it). */
#include "libos/syscall.h"
#include "libos/libos.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include <linux/sched.h>
#include <linux/time_types.h>

#define CAP_SYS_NICE 23
#define SCHED_RESET_ON_FORK 0x40000000
#define PRIO_PROCESS 0
#define PRIO_USER 2

struct sched_param_abi {
    int sched_priority;
};

static bool realtime(int policy) {
    return policy == SCHED_FIFO || policy == SCHED_RR || policy == SCHED_DEADLINE;
}

static bool policy_known(int policy) {
    switch (policy) {
    case SCHED_NORMAL:
    case SCHED_FIFO:
    case SCHED_RR:
    case SCHED_BATCH:
    case SCHED_IDLE:
    case SCHED_DEADLINE:
        return true;
    default:
        return false;
    }
}

static long priority_bound(int policy, bool max) {
    if (!policy_known(policy))
        return -EINVAL;
    if (policy == SCHED_FIFO || policy == SCHED_RR)
        return max ? 99 : 1; /* MAX_RT_PRIO - 1, and 1 */
    return 0;
}

SYSCALL(sched_get_priority_max, SUPPORT_FULL) {
    return priority_bound(ARG_INT(0), true);
}

SYSCALL(sched_get_priority_min, SUPPORT_FULL) {
    return priority_bound(ARG_INT(0), false);
}

SYSCALL(sched_getscheduler, SUPPORT_FULL) {
    int pid = ARG_INT(0);
    return pid < 0 ? -EINVAL : pal_sched_getscheduler(pid);
}

/* The app's struct sched_param, copied in; Linux's EINVAL for a NULL one or a bad pid. */
static long param_in(int pid, const struct sched_param_abi *uparam, struct sched_param_abi *out) {
    if (!uparam || pid < 0)
        return -EINVAL;
    if (!UACCESS_READ(uparam, sizeof(*uparam)))
        return -EFAULT;
    *out = *uparam;
    return 0;
}

SYSCALL(sched_setscheduler, SUPPORT_FULL) {
    int pid = ARG_INT(0), policy = ARG_INT(1);
    struct sched_param_abi param;
    if (policy < 0)
        return -EINVAL; /* the rest of the policy the host checks, after the pid, as Linux */
    long r = param_in(pid, ARG_PTR(const struct sched_param_abi *, 2), &param);
    if (r == 0 && realtime(policy & ~SCHED_RESET_ON_FORK) && !libos_capable(CAP_SYS_NICE)) {
        r = pal_sched_getscheduler(pid); /* ESRCH comes first */
        if (r >= 0)
            r = -EPERM;
    }
    return r < 0 ? r : pal_sched_setscheduler(pid, policy, &param);
}

SYSCALL(sched_setparam, SUPPORT_FULL) {
    int pid = ARG_INT(0);
    struct sched_param_abi param;
    long r = param_in(pid, ARG_PTR(const struct sched_param_abi *, 1), &param);
    if (r == 0 && !libos_capable(CAP_SYS_NICE)) {
        r = pal_sched_getscheduler(pid);
        if (r >= 0)
            r = realtime((int)r & ~SCHED_RESET_ON_FORK) ? -EPERM : 0;
    }
    return r < 0 ? r : pal_sched_setparam(pid, &param);
}

SYSCALL(sched_getparam, SUPPORT_FULL) {
    int pid = ARG_INT(0);
    struct sched_param_abi *uparam = ARG_PTR(struct sched_param_abi *, 1), param;
    if (!uparam || pid < 0)
        return -EINVAL;
    long r = pal_sched_getparam(pid, &param);
    if (r < 0)
        return r;
    if (!UACCESS_WRITE(uparam, sizeof(*uparam)))
        return -EFAULT;
    *uparam = param;
    return 0;
}

SYSCALL(sched_rr_get_interval, SUPPORT_FULL) {
    int pid = ARG_INT(0);
    struct __kernel_timespec *uts = ARG_PTR(struct __kernel_timespec *, 1), ts;
    if (pid < 0)
        return -EINVAL;
    long r = pal_sched_rr_get_interval(pid, &ts);
    if (r < 0)
        return r;
    if (!UACCESS_WRITE(uts, sizeof(*uts)))
        return -EFAULT;
    *uts = ts;
    return 0;
}

SYSCALL(getpriority, SUPPORT_FULL) {
    int which = ARG_INT(0);
    if (which < PRIO_PROCESS || which > PRIO_USER)
        return -EINVAL;
    return pal_get_priority(which, ARG_INT(1));
}

SYSCALL(setpriority, SUPPORT_FULL) {
    int which = ARG_INT(0), who = ARG_INT(1), nice = ARG_INT(2);
    if (which < PRIO_PROCESS || which > PRIO_USER)
        return -EINVAL;
    nice = nice < -20 ? -20 : nice > 19 ? 19 : nice;
    if (!libos_capable(CAP_SYS_NICE)) {
        /* Lower than now needs the capability; for a group or user, lower than the
         * highest priority among them (what getpriority reports). */
        long now = pal_get_priority(which, who);
        if (now < 0)
            return now;
        if (nice < 20 - now)
            return -EACCES;
    }
    return pal_set_priority(which, who, nice);
}
