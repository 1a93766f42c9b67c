/* The state of mapped memory, not its layout: msync (write shared file pages back),
 * mincore (which pages are resident) and mlock/mlock2/munlock (keep pages resident). Each
 * acts on the host's mapping of the same range once the VMA tree says the whole range is
 * the app's; like Linux, a range with a hole (or the runtime's pages) is ENOMEM. */
#include "libos/syscall.h"
#include "libos/vma.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include <linux/mman.h>

#define PAGE VMA_PAGE_SIZE

/* [start, start + len rounded up to pages) when it is all the app's; -ENOMEM when it is
 * not (or wraps). */
static long app_range(uint64_t start, uint64_t len, uint64_t *end_out) {
    uint64_t end = (start + len + PAGE - 1) & ~(PAGE - 1);
    if (end < start || (len && end == start))
        return -ENOMEM;
    struct vma_tree *t = libos_vma_tree();
    vma_lock(t);
    bool all_app =
        vma_range_accessible(t, start, end, 0) && vma_range_owned_by(t, start, end, VMA_OWNER_APP);
    vma_unlock(t);
    *end_out = end;
    return all_app ? 0 : -ENOMEM;
}

SYSCALL(msync, SUPPORT_FULL) {
    uint64_t start = ARG_ULONG(0), len = ARG_ULONG(1), end;
    int flags = ARG_INT(2);
    if ((flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) || (start & (PAGE - 1)) ||
        ((flags & MS_ASYNC) && (flags & MS_SYNC)))
        return -EINVAL;
    long r = app_range(start, len, &end);
    if (r < 0 || end == start)
        return r;
    return pal_mem_sync((void *)start, end - start, flags);
}

SYSCALL(mincore, SUPPORT_FULL) {
    uint64_t start = ARG_ULONG(0), len = ARG_ULONG(1), end;
    unsigned char *vec = ARG_PTR(unsigned char *, 2);
    if (start & (PAGE - 1))
        return -EINVAL;
    long r = app_range(start, len, &end);
    if (r < 0 || end == start)
        return r;
    if (!UACCESS_WRITE(vec, (end - start) / PAGE))
        return -EFAULT;
    return pal_mem_residency((void *)start, end - start, vec);
}

/* mlock and munlock take any address: the range is widened to whole pages. */
static long lock_range(uint64_t addr, uint64_t len, int lock_flags) {
    uint64_t start = addr & ~(PAGE - 1), end;
    long r = app_range(start, len + (addr - start), &end);
    if (r < 0 || end == start)
        return r;
    return pal_mem_lock((void *)start, end - start, lock_flags);
}

SYSCALL(mlock, SUPPORT_FULL) {
    return lock_range(ARG_ULONG(0), ARG_ULONG(1), 0);
}

SYSCALL(mlock2, SUPPORT_FULL) {
    int flags = ARG_INT(2);
    if (flags & ~MLOCK_ONFAULT)
        return -EINVAL;
    return lock_range(ARG_ULONG(0), ARG_ULONG(1), flags);
}

SYSCALL(munlock, SUPPORT_FULL) {
    return lock_range(ARG_ULONG(0), ARG_ULONG(1), -1);
}
