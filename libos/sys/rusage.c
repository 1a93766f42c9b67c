/* Resource usage: getrusage and times. The app's process, threads and reaped children are
 * the host's own (one host process per app process, one host thread per app thread,
 * children waited for through the host), so the host's accounting is the app's: CPU time
 * includes the LibOS's work for the app, as the kernel's includes its own. */
#include "libos/syscall.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include <linux/resource.h>
#include <linux/times.h>

SYSCALL(getrusage, SUPPORT_FULL) {
    int who = ARG_INT(0);
    struct rusage *ru = ARG_PTR(struct rusage *, 1);
    if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
        return -EINVAL;
    struct rusage r;
    long ret = pal_process_rusage(who, &r);
    if (ret < 0)
        return ret;
    if (!UACCESS_WRITE(ru, sizeof(*ru)))
        return -EFAULT;
    *ru = r;
    return 0;
}

SYSCALL(times, SUPPORT_FULL) {
    struct tms *buf = ARG_PTR(struct tms *, 0);
    struct tms t;
    long ticks = pal_process_times(&t);
    if (buf) {
        if (!UACCESS_WRITE(buf, sizeof(*buf)))
            return -EFAULT;
        *buf = t;
    }
    return ticks;
}
