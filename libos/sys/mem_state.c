/* The state of mapped memory, not its layout: msync (write shared file pages back),
 * mincore (which pages are resident) and mlock/mlock2/munlock (keep pages resident). Each
 * acts on the host's mapping of the same range once the VMA tree says the whole range is
 * the app's; like Linux, a range with a hole (or the runtime's pages) is ENOMEM. Lengths
 * are rounded up as Linux's PAGE_ALIGN does (VMA_PAGE_UP): a length within a page of the
 * top wraps to 0, which each call treats as nothing to do. */
#include "libos/syscall.h"
#include "libos/vma.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include <linux/mman.h>

#define PAGE VMA_PAGE_SIZE

/* Whether [start, end) is all the app's; -ENOMEM when it is not. */
static long app_range(uint64_t start, uint64_t end) {
    struct vma_tree *t = libos_vma_tree();
    vma_lock(t);
    bool all_app =
        vma_range_accessible(t, start, end, 0) && vma_range_owned_by(t, start, end, VMA_OWNER_APP);
    vma_unlock(t);
    return all_app ? 0 : -ENOMEM;
}

SYSCALL(msync, SUPPORT_FULL) {
    uint64_t start = ARG_ULONG(0), len = VMA_PAGE_UP(ARG_ULONG(1)), end = start + len;
    int flags = ARG_INT(2);
    if ((flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) || (start & (PAGE - 1)) ||
        ((flags & MS_ASYNC) && (flags & MS_SYNC)))
        return -EINVAL;
    if (end < start)
        return -ENOMEM;
    if (end == start)
        return 0;
    long r = app_range(start, end);
    return r < 0 ? r : pal_mem_sync((void *)start, len, flags);
}

SYSCALL(mincore, SUPPORT_FULL) {
    uint64_t start = ARG_ULONG(0), len = ARG_ULONG(1);
    unsigned char *vec = ARG_PTR(unsigned char *, 2);
    if (start & (PAGE - 1))
        return -EINVAL;
    if (len > USER_SPACE_END || start > USER_SPACE_END - len)
        return -ENOMEM; /* beyond the user address space: Linux's access_ok */
    uint64_t end = start + VMA_PAGE_UP(len);
    if (end == start)
        return 0;
    if (!UACCESS_WRITE(vec, (end - start) / PAGE))
        return -EFAULT;
    long r = app_range(start, end);
    return r < 0 ? r : pal_mem_residency((void *)start, end - start, vec);
}

/* mlock and munlock take any address: the range is widened to whole pages. */
static long lock_range(uint64_t addr, uint64_t len_in, int lock_flags) {
    uint64_t start = VMA_PAGE_DOWN(addr), len = VMA_PAGE_UP(len_in + (addr - start));
    uint64_t end = start + len;
    if (end < start)
        return -EINVAL;
    if (end == start)
        return 0;
    long r = app_range(start, end);
    return r < 0 ? r : pal_mem_lock((void *)start, len, lock_flags);
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
