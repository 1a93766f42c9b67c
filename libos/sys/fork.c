/* New processes: fork, vfork, and clone/clone3 without CLONE_THREAD. The PAL makes the
 * child as a copy of this process in which only the calling thread runs (in direct mode,
 * the host's fork), so the LibOS's own state comes along: the fd table over the same host
 * handles, the cwd, the VMA tree, the signal actions. The LibOS locks that state across
 * the copy, so no lock another thread held is copied as held, and in the child it drops
 * what belonged to the threads that stayed behind.
 *
 * vfork (CLONE_VFORK) keeps its contract that the parent resumes only once the child has
 * run execve or ended. The child gets a copy of memory, not the parent's memory itself;
 * what it writes above the vfork call's stack pointer reaches the parent (libos/vfork.c),
 * what it writes elsewhere does not. */
#include "libos/syscall.h"
#include "libos/libos.h"
#include "libos/thread.h"
#include "libos/futex.h"
#include "libos/signal.h"
#include "libos/fd.h"
#include "libos/vma.h"
#include "libos/fs/mount.h"
#include "libos/patch.h"
#include "libos/profile.h"
#include "libos/sys/socket.h"
#include "libos/uaccess.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/spinlock.h"
#include "pal/pal.h"
#include <linux/sched.h>
#include <linux/fcntl.h>
#include <linux/signal.h>

#define NAMESPACE_FLAGS                                                                            \
    (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |  \
     CLONE_NEWNET)
/* Flags a new process can honour. CLONE_VM only comes with CLONE_VFORK (see above). */
#define PROCESS_FLAGS                                                                              \
    (CSIGNAL | CLONE_VM | CLONE_VFORK | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID |                 \
     CLONE_CHILD_CLEARTID | CLONE_SETTLS | CLONE_DETACHED | CLONE_SYSVSEM)

/* One fork at a time: a vfork's notification handle must not leak into another child. */
static spinlock_t g_fork_lock = SPINLOCK_INIT;

/* Takes every LibOS-wide lock, in the order the LibOS nests them: a lock another thread
 * holds at the copy would stay held in the child, where that thread does not exist. The
 * last ones are taken with nothing else under them (the patch table's under the VMA
 * tree's, as the VMA layer nests it). */
static void lock_for_copy(bool vfork) {
    libos_signals_fork_lock();
    libos_threads_fork_lock();
    fs_fork_lock();
    fd_fork_lock(vfork);
    alloc_fork_lock();
    vma_lock(libos_vma_tree());
    libos_patch_fork_lock();
    libos_creds_fork_lock();
    socket_bindings_fork_lock();
    libos_profile_fork_lock();
}

static void unlock_after_copy(bool child) {
    if (child)
        libos_futex_after_fork_child();
    libos_profile_fork_unlock();
    socket_bindings_fork_unlock();
    libos_creds_fork_unlock();
    libos_patch_fork_unlock();
    vma_unlock(libos_vma_tree());
    alloc_fork_unlock();
    fd_fork_unlock();
    fs_fork_unlock();
    libos_threads_fork_unlock(child);
    libos_signals_fork_unlock(child);
}

static void warn_once(const char *what, uint64_t flags) {
    static bool warned;
    if (!warned) {
        warned = true;
        log_warning("clone of a new process with %s (flags %#lx) is not supported", what,
                    (unsigned long)flags);
    }
}

long libos_fork(uint64_t flags, uint64_t stack, int *ptid, int *ctid, uint64_t tls) {
    if (flags & NAMESPACE_FLAGS) {
        warn_once("new namespaces", flags);
        return -EPERM; /* what an unprivileged Linux user gets */
    }
    if (flags & (CLONE_SIGHAND | CLONE_FS | CLONE_FILES)) {
        if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
            return -EINVAL; /* Linux's own rule */
        warn_once("state shared with the parent", flags);
        return -EINVAL;
    }
    if (flags & ~(uint64_t)PROCESS_FLAGS)
        return -EINVAL;
    if ((flags & CLONE_VM) && !(flags & CLONE_VFORK)) {
        warn_once("memory shared with the parent", flags);
        return -EINVAL;
    }
    if ((flags & CLONE_PARENT_SETTID) && !UACCESS_WRITE(ptid, sizeof(*ptid)))
        return -EFAULT;
    if ((flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) &&
        !UACCESS_WRITE(ctid, sizeof(*ctid)))
        return -EFAULT;

    int notify[2] = {-1, -1};
    spin_lock(&g_fork_lock);
    if (flags & CLONE_VFORK) {
        long r = pal_pipe(notify, O_CLOEXEC);
        if (r < 0) {
            spin_unlock(&g_fork_lock);
            return r;
        }
    }
    uint64_t caller_sp = pal_tcb()->app.rsp;
    lock_for_copy((flags & CLONE_VFORK) != 0);
    long pid = pal_process_fork((int)(flags & CSIGNAL));
    unlock_after_copy(pid == 0);

    if (pid == 0) {
        /* The child. Before the LibOS writes app memory (ctid): that write is the child's. */
        libos_vfork_child_begin(notify[1], caller_sp, (flags & CLONE_VM) != 0);
        if (notify[0] >= 0)
            pal_close(notify[0]);
        g_fork_lock = (spinlock_t)SPINLOCK_INIT;
        fd_after_fork_child();
        libos_memory_after_fork_child();
        struct libos_thread *self = libos_current_thread();
        self->clear_child_tid = (flags & CLONE_CHILD_CLEARTID) ? ctid : NULL;
        self->robust_list = NULL;
        if (flags & CLONE_CHILD_SETTID)
            *ctid = self->tid;
        if (flags & CLONE_SETTLS)
            pal_set_fs_base(tls);
        if (stack)
            pal_tcb()->app.rsp = stack;
        return 0;
    }

    if (notify[1] >= 0)
        pal_close(notify[1]);
    spin_unlock(&g_fork_lock);
    if (pid < 0) {
        if (notify[0] >= 0)
            pal_close(notify[0]);
        return pid == -ENOMEM ? -EAGAIN : pid;
    }
    if (flags & CLONE_PARENT_SETTID)
        *ptid = (int)pid;
    if (notify[0] >= 0)
        libos_vfork_wait_child(notify[0], caller_sp, (flags & CLONE_VM) != 0);
    return pid;
}

SYSCALL(fork, SUPPORT_FULL) {
    return libos_fork(SIGCHLD, 0, NULL, NULL, 0);
}

SYSCALL(vfork, SUPPORT_PARTIAL) {
    return libos_fork(CLONE_VM | CLONE_VFORK | SIGCHLD, 0, NULL, NULL, 0);
}
