/* App pointers checked against the VMA tree. The check holds the tree's lock, and so does
 * every munmap/mprotect, so a range cannot disappear while uaccess_strlen reads it. (A
 * check followed by a later copy is still racy against another thread's munmap; Linux
 * answers that race with EFAULT, a LibOS copy without fault recovery would crash.)
 *
 * uaccess_ok runs for every buffer of every read and write. Each thread keeps the last
 * VMAs it found (struct libos_thread_hot), valid while the tree's generation stays the
 * same, so the common check takes no lock and writes nothing shared: no cache line moves
 * between the app's threads. A check from the cache is as racy against a concurrent
 * munmap as one under the lock, which is released before the host call anyway. */
#include "common/hot.h"
#include "libos/uaccess.h"
#include "libos/thread.h"
#include "libos/vma.h"
#include <asm-generic/errno.h>
#include <stdint.h>

/* The cache missed: the tree under its lock. A range within one VMA is decided by its span,
 * which then replaces the older cache entry; a range over several VMAs walks them. Not
 * inlined: uaccess_ok's cache check then needs no stack frame. */
__attribute__((noinline)) static bool uaccess_check_locked(struct vma_tree *t, uint64_t start,
                                                           uint64_t end, int want) {
    vma_lock(t);
    uint64_t generation = t->generation;
    struct vma_span span;
    bool in_one = vma_span_at(t, start, &span) && end <= span.end;
    bool ok = in_one ? (span.app_prot & want) != 0
                     : vma_range_accessible(t, VMA_PAGE_DOWN(start), VMA_PAGE_UP(end), want);
    if (ok && in_one) {
        struct libos_thread_hot *hot = libos_thread_hot();
        unsigned i = hot->access_next;
        hot->access_next = !i;
        hot->access[i].generation = generation;
        hot->access[i].start = span.start;
        hot->access[i].end = span.end;
        hot->access[i].app_prot = span.app_prot;
    }
    vma_unlock(t);
    return ok;
}

HOT_PATH bool uaccess_ok(const void *addr, size_t len, bool write) {
    uint64_t start = (uint64_t)(uintptr_t)addr;
    if (len == 0) /* as access_ok: any user address, even NULL, with nothing to touch */
        return start <= USER_SPACE_END;
    if (start >= USER_SPACE_END || len > USER_SPACE_END - start)
        return false;
    int want = write ? VMA_PROT_WRITE : VMA_PROT_READ;
    uint64_t end = start + len;
    struct vma_tree *t = libos_vma_tree();
    struct libos_thread_hot *hot = libos_thread_hot();
    uint64_t generation = __atomic_load_n(&t->generation, __ATOMIC_ACQUIRE);
    for (int i = 0; i < 2; i++)
        if (hot->access[i].generation == generation && start >= hot->access[i].start &&
            end <= hot->access[i].end && (hot->access[i].app_prot & want))
            return true;
    return uaccess_check_locked(t, start, end, want);
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
