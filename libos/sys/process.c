/* Process and thread identity, exit, and the per-thread registers the app owns. */
#include "libos/syscall.h"
#include "libos/libos.h"
#include "libos/thread.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include <asm/prctl.h>
#include <linux/prctl.h>
#include "common/string.h"
#include "common/log.h"

SYSCALL(exit_group, SUPPORT_FULL) {
    libos_exit_process(ARG_INT(0) & 0xff);
}

SYSCALL(exit, SUPPORT_FULL) {
    libos_thread_exit(ARG_INT(0) & 0xff);
}

SYSCALL_WARM(getpid, SUPPORT_FULL) {
    return libos_pid();
}

SYSCALL_WARM(gettid, SUPPORT_FULL) {
    return libos_current_tid();
}

SYSCALL(getppid, SUPPORT_FULL) {
    return pal_host_ppid();
}

SYSCALL(getpgrp, SUPPORT_FULL) {
    return pal_host_pgid(0);
}

SYSCALL(getpgid, SUPPORT_FULL) {
    return pal_host_pgid(ARG_INT(0) == 0 ? 0 : ARG_INT(0));
}

SYSCALL(getsid, SUPPORT_FULL) {
    return pal_host_sid(ARG_INT(0));
}

SYSCALL(setpgid, SUPPORT_FULL) {
    return pal_host_setpgid(ARG_INT(0), ARG_INT(1));
}

SYSCALL(setsid, SUPPORT_FULL) {
    return pal_host_setsid();
}

SYSCALL(set_tid_address, SUPPORT_FULL) {
    libos_set_clear_child_tid(ARG_PTR(int *, 0));
    return libos_current_tid();
}

SYSCALL(arch_prctl, SUPPORT_PARTIAL) {
    switch (ARG_INT(0)) {
    case ARCH_SET_FS:
        return pal_set_fs_base(ARG_ULONG(1));
    case ARCH_GET_FS: {
        uint64_t *out = ARG_PTR(uint64_t *, 1);
        if (!UACCESS_WRITE(out, sizeof(*out)))
            return -EFAULT;
        *out = pal_get_fs_base();
        return 0;
    }
    case ARCH_GET_GS: {
        /* %gs belongs to the runtime (design section 2); the app sees the base it would
         * have natively, which no x86-64 libc or Go runtime changes: 0. */
        uint64_t *out = ARG_PTR(uint64_t *, 1);
        if (!UACCESS_WRITE(out, sizeof(*out)))
            return -EFAULT;
        *out = 0;
        return 0;
    }
    case ARCH_SET_GS:
        log_warning("arch_prctl(ARCH_SET_GS) refused: %%gs is reserved for the enclos runtime");
        return -EPERM;
    default:
        return -EINVAL;
    }
}

SYSCALL(set_robust_list, SUPPORT_PARTIAL) {
    /* Recorded; walking the list when a thread dies comes with threads. */
    if (ARG_ULONG(1) != 24) /* sizeof(struct robust_list_head) */
        return -EINVAL;
    libos_set_robust_list(ARG_PTR(void *, 0));
    return 0;
}

SYSCALL(rseq, SUPPORT_STUB) {
    /* Restartable sequences need kernel cooperation the LibOS does not give; libcs fall
     * back when registration fails with ENOSYS. */
    return -ENOSYS;
}

/* The execution domain and its flags are the host process's, which is the app's: a
 * persona set under `setarch` shows, fork and execve (in place) keep it, and the host
 * applies what concerns it (READ_IMPLIES_EXEC to mappings, PER_LINUX32 to uname). */
SYSCALL(personality, SUPPORT_FULL) {
    return pal_personality(ARG_UINT(0));
}

SYSCALL(membarrier, SUPPORT_FULL) {
    /* The app's threads are host threads of this host process: the host's barrier. */
    return pal_membarrier(ARG_INT(0), ARG_UINT(1), ARG_INT(2));
}

SYSCALL(prctl, SUPPORT_PARTIAL) {
    int option = ARG_INT(0);
    switch (option) {
    case PR_SET_NAME: {
        char name[16];
        const char *app_name = ARG_PTR(const char *, 1);
        /* Linux copies at most 15 bytes, up to the first NUL. */
        long n = uaccess_strlen(app_name, sizeof(name) - 1);
        if (n < 0 && n != -ENAMETOOLONG)
            return n;
        size_t len = n < 0 ? sizeof(name) - 1 : (size_t)n;
        memcpy(name, app_name, len);
        name[len] = 0;
        libos_thread_set_name(name);
        return 0;
    }
    case PR_GET_NAME: {
        char *out = ARG_PTR(char *, 1);
        if (!UACCESS_WRITE(out, sizeof(libos_current_thread()->name)))
            return -EFAULT;
        memcpy(out, libos_current_thread()->name, sizeof(libos_current_thread()->name));
        return 0;
    }
    case PR_GET_DUMPABLE:
        return 1;
    case PR_SET_DUMPABLE:
        return ARG_ULONG(1) <= 1 ? 0 : -EINVAL;
    case PR_SET_PDEATHSIG: {
        /* The host sends it when the parent ends; it comes in as a host signal. */
        if (ARG_ULONG(1) > 64)
            return -EINVAL;
        long r = pal_host_set_pdeathsig(ARG_INT(1));
        if (r == 0)
            libos_current_thread()->pdeathsig = ARG_INT(1);
        return r;
    }
    case PR_GET_PDEATHSIG: {
        int *out = ARG_PTR(int *, 1);
        if (!UACCESS_WRITE(out, sizeof(*out)))
            return -EFAULT;
        *out = libos_current_thread()->pdeathsig;
        return 0;
    }
    case PR_SET_NO_NEW_PRIVS:
        return ARG_ULONG(1) == 1 ? 0 : -EINVAL;
    case PR_GET_NO_NEW_PRIVS:
        return 1; /* the kernel catch needs it set when it is seccomp; say so either way */
    case PR_GET_TIMERSLACK:
        return 50000;
    case PR_SET_TIMERSLACK:
        return 0;
    case PR_SET_VMA:
        return -EINVAL; /* anonymous VMA names are not kept */
    case PR_GET_KEEPCAPS:
    case PR_SET_KEEPCAPS:
        return libos_keepcaps_prctl(ARG_INT(0), ARG_ULONG(1));
    case PR_CAPBSET_READ:
        return ARG_ULONG(1) <= 40 ? 1 : -EINVAL;
    default:
        /* Linux's answer to an option it does not know; the SUD, seccomp and similar
         * options land here too: the app cannot take over the runtime's own mechanisms. */
        return -EINVAL;
    }
}
