/* App pointers checked against the VMA tree. The check holds the tree's lock, and so does
 * every munmap/mprotect, so a range cannot disappear while uaccess_strlen reads it. (A
 * check followed by a later copy is still racy against another thread's munmap; Linux
 * answers that race with EFAULT, a LibOS copy without fault recovery would crash.) */
#include "common/hot.h"
#include "libos/uaccess.h"
#include "libos/vma.h"
#include <asm-generic/errno.h>
#include <stdint.h>

/* The end of the user address space (x86-64, 4-level paging). */
#define USER_SPACE_END 0x7ffffffff000ULL

HOT_PATH bool uaccess_ok(const void *addr, size_t len, bool write) {
    uint64_t start = (uint64_t)(uintptr_t)addr;
    if (len == 0) /* as access_ok: any user address, even NULL, with nothing to touch */
        return start <= USER_SPACE_END;
    if (start >= USER_SPACE_END || len > USER_SPACE_END - start)
        return false;
    struct vma_tree *t = libos_vma_tree();
    vma_lock(t);
    bool ok = vma_range_accessible(t, VMA_PAGE_DOWN(start), VMA_PAGE_UP(start + len),
                                   write ? VMA_PROT_WRITE : VMA_PROT_READ);
    vma_unlock(t);
    return ok;
}

long uaccess_strlen(const char *s, size_t max) {
    uint64_t pos = (uint64_t)(uintptr_t)s;
    if (pos >= USER_SPACE_END)
        return -EFAULT;
    uint64_t limit = max > USER_SPACE_END - pos ? USER_SPACE_END : pos + max;
    struct vma_tree *t = libos_vma_tree();
    vma_lock(t);
    long result = -ENAMETOOLONG;
    /* Readable page by page: each step covers the rest of one readable page. */
    while (pos < limit) {
        uint64_t page_end = VMA_PAGE_DOWN(pos) + VMA_PAGE_SIZE;
        if (!vma_range_accessible(t, VMA_PAGE_DOWN(pos), page_end, VMA_PROT_READ)) {
            result = -EFAULT;
            break;
        }
        uint64_t stop = page_end < limit ? page_end : limit;
        const char *p = (const char *)(uintptr_t)pos;
        while (pos < stop && *p) {
            p++;
            pos++;
        }
        if (pos < stop) {
            result = (long)(pos - (uint64_t)(uintptr_t)s);
            break;
        }
    }
    vma_unlock(t);
    return result;
}
