/* clone and clone3: threads here, new processes in fork.c. */
#include "libos/syscall.h"
#include "libos/libos.h"
#include "libos/thread.h"
#include "libos/uaccess.h"
#include "common/log.h"
#include "common/string.h"
#include "pal/pal.h"
#include <linux/sched.h>

#define THREAD_FLAGS (CLONE_VM | CLONE_THREAD | CLONE_SIGHAND)
/* What pthreads and the Go runtime pass, and what a thread in one LibOS process has
 * anyway (one fs, one fd table, one SysV semaphore namespace). */
#define ACCEPTED_FLAGS                                                                             \
    (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |            \
     CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID |              \
     CLONE_DETACHED)

static long clone_thread(uint64_t flags, uint64_t stack, int *ptid, int *ctid, uint64_t tls) {
    if (!(flags & CLONE_THREAD))
        return libos_fork(flags, stack, ptid, ctid, tls);
    flags &= ~(uint64_t)CSIGNAL; /* a thread sends no signal when it ends */
    if ((flags & THREAD_FLAGS) != THREAD_FLAGS)
        return -EINVAL;
    if (flags & ~(uint64_t)ACCEPTED_FLAGS)
        return -EINVAL;
    if ((flags & CLONE_PARENT_SETTID) && !UACCESS_WRITE(ptid, sizeof(*ptid)))
        return -EFAULT;
    if ((flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) &&
        !UACCESS_WRITE(ctid, sizeof(*ctid)))
        return -EFAULT;
    /* The child resumes after its clone with rax = 0, on its own stack if given. */
    struct pal_context ctx = pal_tcb()->app;
    ctx.rax = 0;
    ctx.rcx = ctx.rip;
    ctx.r11 = ctx.rflags;
    if (stack)
        ctx.rsp = stack;
    uint64_t fs = (flags & CLONE_SETTLS) ? tls : pal_get_fs_base();
    return libos_thread_spawn(&ctx, fs, (flags & CLONE_PARENT_SETTID) ? ptid : NULL,
                              (flags & CLONE_CHILD_SETTID) ? ctid : NULL,
                              (flags & CLONE_CHILD_CLEARTID) ? ctid : NULL);
}

SYSCALL(clone, SUPPORT_PARTIAL) {
    /* x86-64 order: flags, stack, parent_tid, child_tid, tls */
    return clone_thread(ARG_ULONG(0), ARG_ULONG(1), ARG_PTR(int *, 2), ARG_PTR(int *, 3),
                        ARG_ULONG(4));
}

struct clone_args_v0 {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

SYSCALL(clone3, SUPPORT_PARTIAL) {
    const struct clone_args_v0 *uargs = ARG_PTR(const struct clone_args_v0 *, 0);
    size_t size = ARG_ULONG(1);
    if (size < sizeof(struct clone_args_v0) || size > 4096)
        return -EINVAL;
    if (!UACCESS_READ(uargs, size))
        return -EFAULT;
    struct clone_args_v0 args;
    memcpy(&args, uargs, sizeof(args));
    /* Fields past v0 (set_tid, cgroup) must be zero for us to honour the call. */
    for (size_t off = sizeof(args); off < size; off++)
        if (((const uint8_t *)uargs)[off])
            return -EINVAL;
    if (args.exit_signal & ~(uint64_t)CSIGNAL)
        return -EINVAL;
    if (args.flags & (CSIGNAL | CLONE_PIDFD))
        return -EINVAL; /* the signal has its own field; the LibOS hands out no pidfds */
    if ((args.flags & CLONE_THREAD) && args.exit_signal)
        return -EINVAL;
    args.flags |= args.exit_signal;
    uint64_t top = args.stack ? args.stack + args.stack_size : 0;
    return clone_thread(args.flags, top, (int *)(uintptr_t)args.parent_tid,
                        (int *)(uintptr_t)args.child_tid, args.tls);
}
