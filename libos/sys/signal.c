/* Signal bookkeeping: the process's actions and the thread's mask, kept as Linux keeps them
 * so programs that install handlers and masks run. Delivery to app handlers is not there
 * yet (the signals work); SIG_IGN and SIG_DFL are mirrored to the host so that ignoring
 * SIGPIPE, for instance, gives EPIPE as natively. */
#include "libos/syscall.h"
#include "libos/uaccess.h"
#include "common/spinlock.h"
#include "common/string.h"
#include "pal/pal.h"
#include <linux/signal.h>

#define NSIG_LINUX 64

struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

static struct kernel_sigaction g_actions[NSIG_LINUX + 1];
static uint64_t g_mask; /* one thread for now */
static spinlock_t g_lock = SPINLOCK_INIT;

#define SIGBIT(sig) (1ULL << ((sig) - 1))
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

SYSCALL(rt_sigaction, SUPPORT_PARTIAL) {
    int sig = ARG_INT(0);
    const struct kernel_sigaction *act = ARG_PTR(const struct kernel_sigaction *, 1);
    struct kernel_sigaction *old = ARG_PTR(struct kernel_sigaction *, 2);
    if (ARG_ULONG(3) != 8)
        return -EINVAL;
    if (sig < 1 || sig > NSIG_LINUX)
        return -EINVAL;
    if (act && !UACCESS_READ(act, sizeof(*act)))
        return -EFAULT;
    if (old && !UACCESS_WRITE(old, sizeof(*old)))
        return -EFAULT;
    if (act && (sig == SIGKILL || sig == SIGSTOP))
        return -EINVAL;
    struct kernel_sigaction copy;
    if (act)
        memcpy(&copy, act, sizeof(copy));
    spin_lock(&g_lock);
    if (old)
        memcpy(old, &g_actions[sig], sizeof(*old));
    if (act) {
        copy.mask &= ~UNBLOCKABLE;
        g_actions[sig] = copy;
    }
    spin_unlock(&g_lock);
    if (act && (copy.handler == SIG_IGN || copy.handler == SIG_DFL))
        pal_host_signal_ignore(sig, copy.handler == SIG_IGN);
    return 0;
}

SYSCALL(rt_sigprocmask, SUPPORT_PARTIAL) {
    int how = ARG_INT(0);
    const uint64_t *set = ARG_PTR(const uint64_t *, 1);
    uint64_t *old = ARG_PTR(uint64_t *, 2);
    if (ARG_ULONG(3) != 8)
        return -EINVAL;
    if (set && !UACCESS_READ(set, sizeof(*set)))
        return -EFAULT;
    if (old && !UACCESS_WRITE(old, sizeof(*old)))
        return -EFAULT;
    uint64_t prev = g_mask;
    if (set) {
        uint64_t s = *set;
        switch (how) {
        case SIG_BLOCK:
            g_mask |= s;
            break;
        case SIG_UNBLOCK:
            g_mask &= ~s;
            break;
        case SIG_SETMASK:
            g_mask = s;
            break;
        default:
            return -EINVAL;
        }
        g_mask &= ~UNBLOCKABLE;
    }
    if (old)
        *old = prev;
    return 0;
}

SYSCALL(sigaltstack, SUPPORT_PARTIAL) {
    /* Kept for the app; used once app handlers are delivered. */
    static struct {
        void *sp;
        int flags;
        size_t size;
    } g_altstack = {NULL, 2 /* SS_DISABLE */, 0};
    const void *ss = ARG_PTR(const void *, 0);
    void *old = ARG_PTR(void *, 1);
    if (ss && !UACCESS_READ(ss, sizeof(g_altstack)))
        return -EFAULT;
    if (old && !UACCESS_WRITE(old, sizeof(g_altstack)))
        return -EFAULT;
    typeof(g_altstack) next;
    if (ss) {
        memcpy(&next, ss, sizeof(next));
        if ((unsigned)next.flags & ~(2u | (1u << 31)))
            return -EINVAL;
        if (!(next.flags & 2) && next.size < 2048)
            return -ENOMEM;
    }
    if (old)
        memcpy(old, &g_altstack, sizeof(g_altstack));
    if (ss)
        g_altstack = next;
    return 0;
}
