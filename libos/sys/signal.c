/* Signal bookkeeping: the process's actions and the thread's mask, kept as Linux keeps them
 * so programs that install handlers and masks run. Delivery to app handlers is not there
 * yet (the signals work); SIG_IGN and SIG_DFL are mirrored to the host so that ignoring
 * SIGPIPE, for instance, gives EPIPE as natively. */
#include "libos/syscall.h"
#include "libos/uaccess.h"
#include "libos/libos.h"
#include "libos/thread.h"
#include "common/log.h"
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
static spinlock_t g_lock = SPINLOCK_INIT;

#define SIGBIT(sig) (1ULL << ((sig)-1))
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
    else if (act && sig == SIGPIPE)
        /* Until handlers are delivered, an app that handles SIGPIPE (the Go runtime does)
         * gets what its handler would make of a broken pipe: EPIPE, not a host kill. */
        pal_host_signal_ignore(sig, true);
    return 0;
}

void libos_signals_fork_lock(void) {
    spin_lock(&g_lock);
}

void libos_signals_fork_unlock(void) {
    spin_unlock(&g_lock);
}

void libos_signals_exec_reset(void) {
    /* execve keeps ignored signals ignored and resets handled ones to the default. */
    for (int sig = 1; sig <= NSIG_LINUX; sig++) {
        spin_lock(&g_lock);
        void *handler = g_actions[sig].handler;
        bool handled = handler != SIG_IGN && handler != SIG_DFL;
        if (handled)
            memset(&g_actions[sig], 0, sizeof(g_actions[sig]));
        spin_unlock(&g_lock);
        if (handled)
            pal_host_signal_ignore(sig, false);
    }
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
    uint64_t *mask = &libos_current_thread()->signal_mask;
    uint64_t prev = *mask;
    if (set) {
        uint64_t s = *set;
        switch (how) {
        case SIG_BLOCK:
            *mask |= s;
            break;
        case SIG_UNBLOCK:
            *mask &= ~s;
            break;
        case SIG_SETMASK:
            *mask = s;
            break;
        default:
            return -EINVAL;
        }
        *mask &= ~UNBLOCKABLE;
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

/* Default action of each signal when its disposition is SIG_DFL: true = ends the process. */
static bool default_terminates(int sig) {
    switch (sig) {
    case SIGCHLD:
    case SIGCONT:
    case SIGURG:
    case SIGWINCH:
        return false;
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
        return false; /* stops; job control is the host's, not modelled */
    default:
        return true;
    }
}

/* A signal sent to this process or one of its threads. Until app handlers are delivered
 * (the signals work), a signal whose action is to end the process ends it, an ignored one
 * is dropped, and one with a handler is dropped with a warning. */
static long send_to_self(int sig) {
    if (sig == 0)
        return 0;
    spin_lock(&g_lock);
    void *handler = g_actions[sig].handler;
    spin_unlock(&g_lock);
    if (handler == SIG_IGN)
        return 0;
    if (handler == SIG_DFL) {
        if (default_terminates(sig))
            libos_die_of_signal(sig);
        return 0;
    }
    static bool warned[NSIG_LINUX + 1];
    if (!warned[sig]) {
        warned[sig] = true;
        log_debug("signal %d has a handler; delivery to app handlers is not supported yet", sig);
    }
    return 0;
}

SYSCALL(tgkill, SUPPORT_PARTIAL) {
    int tgid = ARG_INT(0), tid = ARG_INT(1), sig = ARG_INT(2);
    if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG_LINUX)
        return -EINVAL;
    if (tgid != libos_pid() || !libos_thread_exists(tid))
        return -ESRCH;
    return send_to_self(sig);
}

SYSCALL(tkill, SUPPORT_PARTIAL) {
    int tid = ARG_INT(0), sig = ARG_INT(1);
    if (tid <= 0 || sig < 0 || sig > NSIG_LINUX)
        return -EINVAL;
    if (!libos_thread_exists(tid))
        return -ESRCH;
    return send_to_self(sig);
}

SYSCALL(kill, SUPPORT_PARTIAL) {
    int pid = ARG_INT(0), sig = ARG_INT(1);
    if (sig < 0 || sig > NSIG_LINUX)
        return -EINVAL;
    if (pid == libos_pid() || pid == 0)
        return send_to_self(sig);
    /* Other processes are the host's. */
    return pal_host_kill(pid, sig);
}
