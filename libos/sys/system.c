/* System facts and resources: uname, limits, sysinfo, randomness, scheduling. */
#include "libos/syscall.h"
#include "libos/libos.h"
#include "libos/uaccess.h"
#include "libos/fd.h"
#include "pal/pal.h"
#include "common/string.h"
#include <linux/utsname.h>
#include <linux/sysinfo.h>
#include <linux/resource.h>

SYSCALL(uname, SUPPORT_FULL) {
    struct new_utsname *u = ARG_PTR(struct new_utsname *, 0);
    if (!UACCESS_WRITE(u, sizeof(*u)))
        return -EFAULT;
    return pal_host_uname(u);
}

static long rlimit_op(int resource, const struct rlimit64 *new_limit, struct rlimit64 *old) {
    if (resource < 0 || resource >= RLIM_NLIMITS)
        return -EINVAL;
    if (new_limit && !UACCESS_READ(new_limit, sizeof(*new_limit)))
        return -EFAULT;
    if (old && !UACCESS_WRITE(old, sizeof(*old)))
        return -EFAULT;
    if (new_limit && new_limit->rlim_cur > new_limit->rlim_max)
        return -EINVAL;
    long r = pal_host_rlimit(resource, new_limit, old);
    /* The LibOS fd table enforces the open-files limit itself. */
    if (r == 0 && new_limit && resource == RLIMIT_NOFILE)
        fd_set_limit(new_limit->rlim_cur > 0x7fffffff ? 0x7fffffff : (unsigned)new_limit->rlim_cur);
    return r;
}

SYSCALL(getrlimit, SUPPORT_FULL) {
    struct rlimit64 *out = ARG_PTR(struct rlimit64 *, 1);
    if (!out)
        return -EFAULT;
    return rlimit_op(ARG_INT(0), NULL, out);
}

SYSCALL(setrlimit, SUPPORT_FULL) {
    const struct rlimit64 *in = ARG_PTR(const struct rlimit64 *, 1);
    if (!in)
        return -EFAULT;
    return rlimit_op(ARG_INT(0), in, NULL);
}

SYSCALL(prlimit64, SUPPORT_PARTIAL) {
    int pid = ARG_INT(0);
    if (pid != 0 && pid != libos_pid())
        return -ESRCH;
    return rlimit_op(ARG_INT(1), ARG_PTR(const struct rlimit64 *, 2),
                     ARG_PTR(struct rlimit64 *, 3));
}

SYSCALL(sysinfo, SUPPORT_FULL) {
    struct sysinfo *info = ARG_PTR(struct sysinfo *, 0);
    if (!UACCESS_WRITE(info, sizeof(*info)))
        return -EFAULT;
    return pal_host_sysinfo(info);
}

SYSCALL(getrandom, SUPPORT_FULL) {
    void *buf = ARG_PTR(void *, 0);
    size_t len = ARG_ULONG(1);
    unsigned flags = ARG_UINT(2);
    if (flags & ~(0x1u | 0x2u | 0x4u)) /* GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE */
        return -EINVAL;
    if ((flags & 0x2u) && (flags & 0x4u))
        return -EINVAL;
    if (len > 0x1ffffff)
        len = 0x1ffffff; /* Linux caps one call at 32 MiB - 1 */
    if (len && !UACCESS_WRITE(buf, len))
        return -EFAULT;
    return pal_random(buf, len);
}

SYSCALL(sched_yield, SUPPORT_FULL) {
    return pal_sched_yield();
}

SYSCALL(sched_getaffinity, SUPPORT_FULL) {
    int pid = ARG_INT(0);
    size_t len = ARG_ULONG(1);
    void *mask = ARG_PTR(void *, 2);
    if (pid != 0 && pid != libos_pid() && pid != libos_current_tid())
        return -ESRCH;
    /* Linux wants room for the kernel's whole mask, in whole longs. */
    if (len & 7)
        return -EINVAL;
    if (!UACCESS_WRITE(mask, len))
        return -EFAULT;
    return pal_sched_getaffinity(mask, len);
}

SYSCALL(sched_setaffinity, SUPPORT_STUB) {
    /* Placement is the host's business; accept and keep the host's set. */
    size_t len = ARG_ULONG(1);
    if (!UACCESS_READ(ARG_PTR(void *, 2), len))
        return -EFAULT;
    return 0;
}

SYSCALL(getcpu, SUPPORT_PARTIAL) {
    unsigned *cpu = ARG_PTR(unsigned *, 0), *node = ARG_PTR(unsigned *, 1);
    if (cpu && !UACCESS_WRITE(cpu, sizeof(*cpu)))
        return -EFAULT;
    if (node && !UACCESS_WRITE(node, sizeof(*node)))
        return -EFAULT;
    if (cpu)
        *cpu = 0;
    if (node)
        *node = 0;
    return 0;
}
