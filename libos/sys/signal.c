/* The signal syscalls: actions, masks, the alternate stack, sending (kill, tgkill,
 * sigqueue), waiting (sigsuspend, pause, sigtimedwait) and rt_sigreturn. Delivery is in
 * libos/signal.c. Timers that raise signals (alarm, setitimer, POSIX timers) are the host's:
 * their signals reach the process as host signals and are delivered like any other. */
#include "libos/syscall.h"
#include "libos/uaccess.h"
#include "libos/libos.h"
#include "libos/thread.h"
#include "libos/signal.h"
#include "common/string.h"
#include "pal/pal.h"
#include <linux/signal.h>
#include <linux/time_types.h>

#define SA_KNOWN                                                                                   \
    (SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER |             \
     SA_RESETHAND | SA_RESTORER | 0x00000400 /* SA_UNSUPPORTED */ | 0x00000800 /* SA_EXPOSE */)

SYSCALL(rt_sigaction, SUPPORT_FULL) {
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
    struct kernel_sigaction copy, prev;
    if (act)
        memcpy(&copy, act, sizeof(copy));
    libos_sigaction_get(sig, &prev);
    if (act) {
        /* Linux clears the flag bits it does not know (SA_UNSUPPORTED probing). */
        copy.flags &= SA_KNOWN & ~0x00000400UL;
        libos_sigaction_set(sig, &copy);
    }
    if (old)
        memcpy(old, &prev, sizeof(prev));
    return 0;
}

SYSCALL(rt_sigprocmask, SUPPORT_FULL) {
    int how = ARG_INT(0);
    const uint64_t *set = ARG_PTR(const uint64_t *, 1);
    uint64_t *old = ARG_PTR(uint64_t *, 2);
    if (ARG_ULONG(3) != 8)
        return -EINVAL;
    if (set && !UACCESS_READ(set, sizeof(*set)))
        return -EFAULT;
    if (old && !UACCESS_WRITE(old, sizeof(*old)))
        return -EFAULT;
    struct libos_thread *self = libos_current_thread();
    uint64_t prev = self->signal_mask;
    if (set) {
        uint64_t s = *set, next;
        switch (how) {
        case SIG_BLOCK:
            next = prev | s;
            break;
        case SIG_UNBLOCK:
            next = prev & ~s;
            break;
        case SIG_SETMASK:
            next = s;
            break;
        default:
            return -EINVAL;
        }
        self->signal_mask = next & ~SIG_UNBLOCKABLE;
        libos_signals_update_pending();
    }
    if (old)
        *old = prev;
    return 0;
}

SYSCALL(rt_sigpending, SUPPORT_FULL) {
    uint64_t *set = ARG_PTR(uint64_t *, 0);
    if (ARG_ULONG(1) > 8)
        return -EINVAL;
    if (!UACCESS_WRITE(set, ARG_ULONG(1)))
        return -EFAULT;
    uint64_t pending = libos_signals_pending() & libos_current_thread()->signal_mask;
    memcpy(set, &pending, ARG_ULONG(1));
    return 0;
}

struct user_stack {
    void *ss_sp;
    int ss_flags;
    size_t ss_size;
};

SYSCALL(sigaltstack, SUPPORT_FULL) {
    const struct user_stack *ss = ARG_PTR(const struct user_stack *, 0);
    struct user_stack *old = ARG_PTR(struct user_stack *, 1);
    if (ss && !UACCESS_READ(ss, sizeof(*ss)))
        return -EFAULT;
    if (old && !UACCESS_WRITE(old, sizeof(*old)))
        return -EFAULT;
    struct libos_thread *self = libos_current_thread();
    uint64_t sp = pal_tcb()->app.rsp;
    struct user_stack prev = {self->altstack_sp, libos_altstack_flags(self, sp),
                              self->altstack_size};
    if (ss) {
        struct user_stack next;
        memcpy(&next, ss, sizeof(next));
        int mode = next.ss_flags & ~SS_AUTODISARM;
        if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK)
            return -EINVAL;
        if (prev.ss_flags & SS_ONSTACK)
            return -EPERM; /* not while running on it */
        if (mode == SS_DISABLE) {
            self->altstack_sp = NULL;
            self->altstack_size = 0;
            self->altstack_flags = SS_DISABLE;
        } else {
            if (next.ss_size < 2048 /* MINSIGSTKSZ */)
                return -ENOMEM;
            self->altstack_sp = next.ss_sp;
            self->altstack_size = next.ss_size;
            self->altstack_flags = next.ss_flags & SS_AUTODISARM;
        }
    }
    if (old) {
        if (prev.ss_flags & SS_DISABLE)
            prev.ss_sp = NULL, prev.ss_size = 0;
        memcpy(old, &prev, sizeof(prev));
    }
    return 0;
}

SYSCALL(rt_sigreturn, SUPPORT_FULL) {
    return libos_sigreturn();
}

/* ---- Sending ----------------------------------------------------------------------------- */

static void fill_user_info(siginfo_t *info, int sig, int code) {
    memset(info, 0, sizeof(*info));
    info->si_signo = sig;
    info->si_code = code;
    info->si_pid = (int)libos_pid();
    info->si_uid = libos_real_uid();
}

/* Sends to this process (t == NULL) or one of its threads. Signal 0 only checks. */
static long send_local(struct libos_thread *t, const siginfo_t *info) {
    if (!info->si_signo)
        return 0;
    return libos_signal_post(t, info);
}

SYSCALL(kill, SUPPORT_FULL) {
    int pid = ARG_INT(0), sig = ARG_INT(1);
    if (sig < 0 || sig > NSIG_LINUX)
        return -EINVAL;
    if (pid == libos_pid()) {
        siginfo_t info;
        fill_user_info(&info, sig, SI_USER);
        return send_local(NULL, &info);
    }
    /* Other processes, groups and -1 are the host's (and include this process, whose
     * host signal handler then takes the signal in). */
    return pal_host_kill(pid, sig);
}

static long send_to_thread(int tgid, int tid, siginfo_t *info) {
    if (tid <= 0 || (tgid != -1 && tgid <= 0) || info->si_signo < 0 || info->si_signo > NSIG_LINUX)
        return -EINVAL;
    if (tgid != -1 && tgid != libos_pid())
        return pal_host_tgkill(tgid, tid, info->si_signo);
    struct libos_thread *t = libos_thread_find(tid);
    if (!t)
        return tgid == -1 ? pal_host_tgkill(-1, tid, info->si_signo) : -ESRCH;
    return send_local(t, info);
}

SYSCALL(tgkill, SUPPORT_FULL) {
    siginfo_t info;
    fill_user_info(&info, ARG_INT(2), SI_TKILL);
    if (ARG_INT(0) <= 0)
        return -EINVAL;
    return send_to_thread(ARG_INT(0), ARG_INT(1), &info);
}

SYSCALL(tkill, SUPPORT_FULL) {
    siginfo_t info;
    fill_user_info(&info, ARG_INT(1), SI_TKILL);
    return send_to_thread(-1, ARG_INT(0), &info);
}

/* sigqueue: the app supplies the siginfo; it may not pretend to be the kernel. */
static long user_siginfo(const siginfo_t *uinfo, int sig, siginfo_t *info) {
    if (!UACCESS_READ(uinfo, sizeof(*uinfo)))
        return -EFAULT;
    memcpy(info, uinfo, sizeof(*info));
    if ((info->si_code >= 0 || info->si_code == SI_TKILL) && libos_pid() != info->si_pid)
        return -EPERM;
    info->si_signo = sig;
    return 0;
}

SYSCALL(rt_sigqueueinfo, SUPPORT_FULL) {
    int pid = ARG_INT(0), sig = ARG_INT(1);
    if (sig < 0 || sig > NSIG_LINUX)
        return -EINVAL;
    siginfo_t info;
    long r = user_siginfo(ARG_PTR(const siginfo_t *, 2), sig, &info);
    if (r < 0)
        return r;
    if (pid != libos_pid())
        return pal_host_sigqueueinfo(pid, sig, &info);
    return send_local(NULL, &info);
}

SYSCALL(rt_tgsigqueueinfo, SUPPORT_FULL) {
    int tgid = ARG_INT(0), tid = ARG_INT(1), sig = ARG_INT(2);
    siginfo_t info;
    long r = user_siginfo(ARG_PTR(const siginfo_t *, 3), sig, &info);
    if (r < 0)
        return r;
    if (tgid <= 0)
        return -EINVAL;
    return send_to_thread(tgid, tid, &info);
}

/* ---- Waiting ----------------------------------------------------------------------------- */

/* Sleeps until a signal the mask lets through would run a handler or end the process. */
static long wait_with_mask(uint64_t mask) {
    struct libos_thread *self = libos_current_thread();
    self->saved_mask = self->signal_mask;
    self->saved_mask_valid = true;
    self->signal_mask = mask & ~SIG_UNBLOCKABLE;
    libos_signals_update_pending();
    while (!libos_signal_deliverable(self->signal_mask)) {
        long r = pal_event_wait(&self->signal_wait, 0, NULL);
        (void)r; /* woken by a kick (EINTR) or spuriously: look again */
        libos_thread_check_stop();
    }
    /* The handler runs with the mask of this call; its frame restores the saved one. */
    return -EINTR;
}

SYSCALL(rt_sigsuspend, SUPPORT_FULL) {
    const uint64_t *set = ARG_PTR(const uint64_t *, 0);
    if (ARG_ULONG(1) != 8)
        return -EINVAL;
    if (!UACCESS_READ(set, sizeof(*set)))
        return -EFAULT;
    return wait_with_mask(*set);
}

SYSCALL(pause, SUPPORT_FULL) {
    return wait_with_mask(libos_current_thread()->signal_mask);
}

SYSCALL(rt_sigtimedwait, SUPPORT_FULL) {
    const uint64_t *set = ARG_PTR(const uint64_t *, 0);
    siginfo_t *uinfo = ARG_PTR(siginfo_t *, 1);
    const struct __kernel_timespec *uts = ARG_PTR(const struct __kernel_timespec *, 2);
    if (ARG_ULONG(3) != 8)
        return -EINVAL;
    if (!UACCESS_READ(set, sizeof(*set)) || (uts && !UACCESS_READ(uts, sizeof(*uts))))
        return -EFAULT;
    struct __kernel_timespec deadline, *dl = NULL;
    if (uts) {
        if (uts->tv_nsec < 0 || uts->tv_nsec >= 1000000000 || uts->tv_sec < 0)
            return -EINVAL;
        pal_clock_gettime(1 /* CLOCK_MONOTONIC */, &deadline);
        deadline.tv_sec += uts->tv_sec;
        deadline.tv_nsec += uts->tv_nsec;
        if (deadline.tv_nsec >= 1000000000) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000;
        }
        dl = &deadline;
    }
    uint64_t want = *set & ~SIG_UNBLOCKABLE;
    siginfo_t info;
    long sig = libos_signal_wait(want, dl, &info);
    /* Linux takes the signal first; a bad pointer then loses it, with EFAULT. */
    if (sig > 0 && uinfo) {
        if (!UACCESS_WRITE(uinfo, sizeof(*uinfo)))
            return -EFAULT;
        memcpy(uinfo, &info, sizeof(info));
    }
    return sig;
}

/* ---- Timers: the host's ------------------------------------------------------------------- */

SYSCALL(alarm, SUPPORT_FULL) {
    return pal_host_timer_call(37 /* alarm */, ARG_LONG(0), 0, 0, 0);
}

SYSCALL(setitimer, SUPPORT_FULL) {
    int which = ARG_INT(0);
    if (which < 0 || which > 2)
        return -EINVAL;
    const void *value = ARG_PTR(const void *, 1);
    void *old = ARG_PTR(void *, 2);
    if ((value && !UACCESS_READ(value, 32)) || (old && !UACCESS_WRITE(old, 32)))
        return -EFAULT;
    return pal_host_timer_call(38 /* setitimer */, which, (long)value, (long)old, 0);
}

SYSCALL(getitimer, SUPPORT_FULL) {
    int which = ARG_INT(0);
    if (which < 0 || which > 2)
        return -EINVAL;
    void *value = ARG_PTR(void *, 1);
    if (!UACCESS_WRITE(value, 32))
        return -EFAULT;
    return pal_host_timer_call(36 /* getitimer */, which, (long)value, 0, 0);
}

struct user_sigevent {
    uint64_t value;
    int signo;
    int notify;
    int tid;
    int pad[11];
};

SYSCALL(timer_create, SUPPORT_FULL) {
    int clock = ARG_INT(0);
    const struct user_sigevent *sev = ARG_PTR(const struct user_sigevent *, 1);
    int *id = ARG_PTR(int *, 2);
    if ((sev && !UACCESS_READ(sev, sizeof(*sev))) || !UACCESS_WRITE(id, sizeof(*id)))
        return -EFAULT;
    if (sev && sev->notify == 4 /* SIGEV_THREAD_ID */ && !libos_thread_exists(sev->tid))
        return -EINVAL;
    long r = pal_host_timer_call(222 /* timer_create */, clock, (long)sev, (long)id, 0);
    if (r == 0)
        libos_signal_timer_directed(*id, sev && sev->notify == 4);
    return r;
}

SYSCALL(timer_settime, SUPPORT_FULL) {
    const void *value = ARG_PTR(const void *, 2);
    void *old = ARG_PTR(void *, 3);
    if (!UACCESS_READ(value, 32) || (old && !UACCESS_WRITE(old, 32)))
        return -EFAULT;
    return pal_host_timer_call(223 /* timer_settime */, ARG_INT(0), ARG_INT(1), (long)value,
                               (long)old);
}

SYSCALL(timer_gettime, SUPPORT_FULL) {
    void *value = ARG_PTR(void *, 1);
    if (!UACCESS_WRITE(value, 32))
        return -EFAULT;
    return pal_host_timer_call(224 /* timer_gettime */, ARG_INT(0), (long)value, 0, 0);
}

SYSCALL(timer_getoverrun, SUPPORT_FULL) {
    return pal_host_timer_call(225 /* timer_getoverrun */, ARG_INT(0), 0, 0, 0);
}

SYSCALL(timer_delete, SUPPORT_FULL) {
    long r = pal_host_timer_call(226 /* timer_delete */, ARG_INT(0), 0, 0, 0);
    if (r == 0)
        libos_signal_timer_directed(ARG_INT(0), false);
    return r;
}
