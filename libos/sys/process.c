/* Process and thread identity, exit, and the per-thread registers the app owns. */
#include "libos/syscall.h"
#include "libos/libos.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include <asm/prctl.h>

SYSCALL(exit_group, SUPPORT_FULL) {
    libos_exit_process(ARG_INT(0) & 0xff);
}

SYSCALL(exit, SUPPORT_PARTIAL) {
    /* With one thread, its exit ends the process (threads arrive with Go support). */
    libos_exit_process(ARG_INT(0) & 0xff);
}

SYSCALL(getpid, SUPPORT_FULL) {
    return libos_pid();
}

SYSCALL(gettid, SUPPORT_FULL) {
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
    case ARCH_SET_GS:
    case ARCH_GET_GS:
        /* %gs belongs to the runtime (design section 2). */
        return -EPERM;
    default:
        return -EINVAL;
    }
}

SYSCALL(rseq, SUPPORT_STUB) {
    /* Restartable sequences need kernel cooperation the LibOS does not give; libcs fall
     * back when registration fails with ENOSYS. */
    return -ENOSYS;
}
