/* wait4 and waitid. The app's children are host processes (fork makes them through the
 * PAL) and their pids are the host's, so waiting is the host's wait on the same ids; the
 * LibOS checks the app's arguments and copies results into app memory. */
#include "libos/syscall.h"
#include "libos/uaccess.h"
#include "common/string.h"
#include "pal/pal.h"
#include <linux/wait.h>
#include <linux/resource.h>
#include <asm/siginfo.h>

#define WAIT4_OPTIONS (WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE)
#define WAITID_OPTIONS                                                                             \
    (WNOHANG | WEXITED | WSTOPPED | WCONTINUED | WNOWAIT | __WNOTHREAD | __WALL | __WCLONE)

SYSCALL(wait4, SUPPORT_FULL) {
    int pid = ARG_INT(0);
    int *status = ARG_PTR(int *, 1);
    int options = ARG_INT(2);
    struct rusage *ru = ARG_PTR(struct rusage *, 3);
    if (options & ~WAIT4_OPTIONS)
        return -EINVAL;
    if (pid == -2147483647 - 1)
        return -ESRCH; /* Linux refuses INT_MIN: -pid would overflow */
    if (status && !UACCESS_WRITE(status, sizeof(*status)))
        return -EFAULT;
    if (ru && !UACCESS_WRITE(ru, sizeof(*ru)))
        return -EFAULT;
    int st = 0;
    struct rusage r;
    long ret = pal_process_wait4(pid, &st, options, ru ? &r : NULL);
    if (ret > 0) {
        if (status)
            *status = st;
        if (ru)
            memcpy(ru, &r, sizeof(r));
    }
    return ret;
}

SYSCALL(waitid, SUPPORT_FULL) {
    int which = ARG_INT(0), id = ARG_INT(1);
    siginfo_t *info = ARG_PTR(siginfo_t *, 2);
    int options = ARG_INT(3);
    struct rusage *ru = ARG_PTR(struct rusage *, 4);
    if (which < P_ALL || which > P_PIDFD)
        return -EINVAL;
    if ((options & ~WAITID_OPTIONS) || !(options & (WEXITED | WSTOPPED | WCONTINUED)))
        return -EINVAL;
    if (which == P_PIDFD)
        return -EINVAL; /* the LibOS hands out no pidfds */
    if (info && !UACCESS_WRITE(info, sizeof(*info)))
        return -EFAULT;
    if (ru && !UACCESS_WRITE(ru, sizeof(*ru)))
        return -EFAULT;
    siginfo_t si;
    struct rusage r;
    memset(&si, 0, sizeof(si));
    long ret = pal_process_waitid(which, id, &si, options, ru ? &r : NULL);
    if (ret >= 0) {
        if (info)
            memcpy(info, &si, sizeof(si));
        if (ru)
            memcpy(ru, &r, sizeof(r));
    }
    return ret;
}
