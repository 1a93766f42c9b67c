/* A vfork child's writes that its parent must see. On Linux a vfork child (CLONE_VM |
 * CLONE_VFORK) runs on its parent's memory, and programs rely on it: glibc's posix_spawn
 * learns that execve failed from a field the child writes into the parent's stack frame,
 * and classic vfork code sets a local before _exit. Here the child is a copy (the PAL's
 * fork), so it keeps a snapshot of the window above the stack pointer of the vfork call
 * (the calling frames, where those fields live) and, when it runs execve or ends, sends
 * the bytes it changed there to the parent over the pipe the parent waits on. The parent
 * writes them into its own memory before it resumes, as if they had been shared. Writes
 * elsewhere (globals, the heap) stay the child's: docs/signals.md, "Processes". */
#include "libos/libos.h"
#include "libos/signal.h"
#include "libos/thread.h"
#include "libos/uaccess.h"
#include "libos/fs/vfs.h"
#include "common/alloc.h"
#include "common/spinlock.h"
#include "common/string.h"
#include "pal/pal.h"
#include <asm-generic/errno.h>

/* Enough for the frames between a vfork call and the function that made it (glibc's
 * spawn arguments, Go's forkAndExecInChild1 locals sit within a few hundred bytes). */
#define VFORK_WINDOW (64 * 1024)

struct vfork_record {
    uint64_t offset; /* from the window's start */
    uint64_t len;
};

/* In a vfork child until it runs execve: the write end of the pipe its parent waits on,
 * and the window as it was when the child was made. */
static int g_notify = -1;
static uint64_t g_window;
static size_t g_window_len;
static uint8_t *g_before;
/* One sender: a second thread ending the child waits until the first has sent, so that
 * its process exit cannot cut the records short. */
static spinlock_t g_send_lock = SPINLOCK_INIT;

void libos_vfork_release(void) {
    if (g_notify >= 0) {
        pal_close(g_notify);
        g_notify = -1;
    }
    rt_free(g_before);
    g_before = NULL;
    g_window_len = 0;
}

void libos_vfork_child_begin(int notify, uint64_t sp, bool shared_memory) {
    libos_vfork_release(); /* a vfork child's own children must not hold its parent's pipe */
    g_send_lock = (spinlock_t)SPINLOCK_INIT;
    g_notify = notify;
    if (notify < 0 || !shared_memory)
        return; /* CLONE_VFORK without CLONE_VM: the parent waits, memory is not shared */
    size_t len = vfs_user_prefix((const void *)sp, VFORK_WINDOW, true);
    uint8_t *before = len ? rt_malloc(len) : NULL;
    if (!before)
        return; /* nothing to compare with: the parent sees none of the child's writes */
    memcpy(before, (const void *)sp, len);
    g_window = sp;
    g_window_len = len;
    g_before = before;
}

static bool write_all(int h, const void *buf, size_t n) {
    const uint8_t *p = buf;
    while (n) {
        long r = pal_write(h, p, n);
        if (r == -EINTR)
            continue;
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

void libos_vfork_send_writes(void) {
    spin_lock(&g_send_lock);
    uint8_t *before = g_before;
    g_before = NULL;
    if (g_notify < 0 || !before) {
        spin_unlock(&g_send_lock);
        return;
    }
    /* The app may have unmapped or protected part of the window since. Only the bytes the
     * child changed go back: a byte it left alone may have been changed by a thread of
     * the parent meanwhile, and must stay as that thread left it. */
    size_t len = vfs_user_prefix((const void *)g_window, g_window_len, false);
    const uint8_t *now = (const uint8_t *)g_window;
    for (size_t i = 0; i < len;) {
        if (now[i] == before[i]) {
            i++;
            continue;
        }
        size_t end = i + 1;
        while (end < len && now[end] != before[end])
            end++;
        struct vfork_record rec = {.offset = i, .len = end - i};
        if (!write_all(g_notify, &rec, sizeof(rec)) || !write_all(g_notify, now + i, end - i))
            break;
        i = end;
    }
    rt_free(before);
    g_window_len = 0;
    spin_unlock(&g_send_lock);
}

/* Reads n bytes unless the child ends first. Like Linux's vfork wait this is not cut
 * short by app signals: they stay pending. A host signal recorded on this thread (SIGCHLD,
 * say) leaves the pending flag set, and the blocking gate would then fail every read at
 * once: recompute the flag, and yield while a signal this thread could take really is
 * pending. Returns the bytes read. */
static size_t read_from_child(int h, void *buf, size_t n) {
    uint8_t *p = buf;
    size_t got = 0;
    while (got < n) {
        long r = pal_read(h, p + got, n - got);
        if (r > 0) {
            got += (size_t)r;
        } else if (r == -EINTR) {
            if (libos_thread_must_stop(libos_current_thread())) {
                pal_close(h); /* this thread ends here: the child must not block on a full pipe */
                libos_thread_check_stop();
            }
            libos_signals_update_pending();
            if (pal_tcb()->signal_pending)
                pal_sched_yield();
        } else {
            break;
        }
    }
    return got;
}

void libos_vfork_wait_child(int notify, uint64_t sp, bool shared_memory) {
    struct vfork_record rec;
    while (shared_memory && read_from_child(notify, &rec, sizeof(rec)) == sizeof(rec)) {
        bool fits = rec.offset < VFORK_WINDOW && rec.len <= VFORK_WINDOW - rec.offset;
        void *dst = (void *)(sp + rec.offset);
        if (fits && rec.len && uaccess_ok(dst, rec.len, true)) {
            if (read_from_child(notify, dst, rec.len) < rec.len)
                break;
            continue;
        }
        if (!fits)
            break; /* not a record this LibOS wrote: stop reading, wait for the end */
        /* The parent's memory there is gone (another thread unmapped it): skip the bytes. */
        uint8_t discard[256];
        for (size_t left = rec.len; left;) {
            size_t chunk = left < sizeof(discard) ? left : sizeof(discard);
            if (read_from_child(notify, discard, chunk) < chunk)
                break;
            left -= chunk;
        }
    }
    /* The child holds the write end until its execve succeeds or it ends. */
    uint8_t byte;
    while (read_from_child(notify, &byte, 1) == 1)
        ;
    pal_close(notify);
}
