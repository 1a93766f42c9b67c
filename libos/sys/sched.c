/* Scheduling policies and priorities: sched_{get,set}scheduler, sched_{get,set}param,
 * sched_get_priority_{max,min}, sched_rr_get_interval, getpriority, setpriority. The app's
 * threads and processes are host threads and processes under the same ids, so policies and
 * nice values are the host's, for the app's own threads and its children alike; the LibOS
 * checks the arguments as Linux does and copies structures through its own memory. */
#include "libos/syscall.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include <linux/sched.h>
#include <linux/time_types.h>

#define SCHED_RESET_ON_FORK 0x40000000
#define PRIO_PROCESS 0
#define PRIO_USER 2

struct sched_param_abi {
    int sched_priority;
};

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
    if (policy < 0 || !policy_known(policy & ~SCHED_RESET_ON_FORK))
        return -EINVAL;
    long r = param_in(pid, ARG_PTR(const struct sched_param_abi *, 2), &param);
    return r < 0 ? r : pal_sched_setscheduler(pid, policy, &param);
}

SYSCALL(sched_setparam, SUPPORT_FULL) {
    int pid = ARG_INT(0);
    struct sched_param_abi param;
    long r = param_in(pid, ARG_PTR(const struct sched_param_abi *, 1), &param);
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
    int which = ARG_INT(0);
    if (which < PRIO_PROCESS || which > PRIO_USER)
        return -EINVAL;
    return pal_set_priority(which, ARG_INT(1), ARG_INT(2));
}
