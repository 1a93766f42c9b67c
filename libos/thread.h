/* LibOS threads: one per host thread, each with the app-visible state Linux keeps per
 * thread (tid, clear-tid word, robust list, signal mask, name) and the event word its
 * futex waits sleep on. */
#ifndef LIBOS_THREAD_H
#define LIBOS_THREAD_H

#include <stdint.h>
#include <stdbool.h>
#include "pal/pal.h"
#include "libos/signal.h"

struct libos_thread {
    int tid; /* the host tid: also what gettid returns */
    struct pal_tcb *tcb;
    int *clear_child_tid; /* CLONE_CHILD_CLEARTID / set_tid_address */
    void *robust_list;
    uint64_t signal_mask;
    struct sigpending sig_pending; /* signals sent to this thread (tgkill, faults) */
    uint64_t saved_mask;           /* rt_sigsuspend's mask to restore after the handler */
    bool saved_mask_valid;
    void *altstack_sp; /* sigaltstack */
    size_t altstack_size;
    int altstack_flags; /* SS_DISABLE or SS_AUTODISARM */
    char name[16];
    volatile uint32_t event;              /* futex waits sleep on this word (pal_event_wait) */
    volatile uint32_t start_gate;         /* a new thread waits here until its parent is done */
    volatile uint32_t signal_wait;        /* stays 0: sigsuspend sleeps on it until kicked */
    bool keep_caps;                       /* PR_SET_KEEPCAPS */
    int pdeathsig;                        /* PR_SET_PDEATHSIG */
    struct pal_fault fault;               /* the last hardware fault, for signal frames */
    struct host_signal_ring host_signals; /* host signals sent to this very thread */
    struct pal_context start_context;     /* a new thread's first app registers */
    uint64_t start_fs_base;
    struct libos_thread *next; /* in the thread list */
};

/* The part of a thread's state that every syscall reads, in its control block
 * (pal_tcb.libos_hot), so the fast path touches no page of its own (common/hot.h). */
struct libos_thread_hot {
    uint64_t flags; /* THREAD_HOT_* */
    /* App ranges this thread last found accessible (libos/uaccess.c), valid while the VMA
     * tree's generation is the one recorded. */
    struct {
        uint64_t generation, start, end;
        int app_prot;
    } access[2];
    unsigned access_next;         /* the entry to replace next */
    bool account;                 /* the current syscall is counted (--stats) or traced */
    uint64_t host_calls_at_entry; /* --stats: pal_tcb.host_calls when the syscall began */
    /* What a handler whose host call continues elsewhere (pal_read_then) keeps for the
     * continuation, in the handler's own layout (libos/sys/file_rw.c). */
    uint64_t continuation[4];
};
#define THREAD_HOT_CONTEXT_REPLACED 1 /* the syscall rewrote the whole app context */

_Static_assert(sizeof(struct libos_thread_hot) <= sizeof(((struct pal_tcb *)0)->libos_hot),
               "pal_tcb.libos_hot holds struct libos_thread_hot");

/* Inline: the buffer check of every read and write asks for it. */
static inline struct libos_thread_hot *libos_thread_hot(void) {
    return (struct libos_thread_hot *)pal_tcb()->libos_hot;
}

struct libos_thread *libos_current_thread(void);
/* PR_SET_NAME, and a new program's name: at most 15 bytes kept, as Linux. */
void libos_thread_set_name(const char *name);
/* Sets up the main thread's state; called once at start. */
void libos_threads_init(void);
/* Looks a live thread up by tid (the caller must not keep the pointer past its exit). */
bool libos_thread_exists(int tid);
/* Finds a live thread by tid; the pointer stays valid (thread state is never freed). */
struct libos_thread *libos_thread_find(int tid);
/* Walking the thread list: first/next under libos_threads_lock. */
void libos_threads_lock(void);
void libos_threads_unlock(void);
struct libos_thread *libos_threads_first(void);
unsigned libos_thread_count(void);
unsigned libos_thread_peak(void);

/* Creates a thread that resumes the app with ctx and FS base fs_base; ptid/ctid are written
 * with the new tid before the thread runs. Returns the tid or -errno. */
long libos_thread_spawn(const struct pal_context *ctx, uint64_t fs_base, int *parent_tid,
                        int *child_tid, int *clear_tid);
/* execve: ends every other thread (each at its next entry into or exit from the LibOS,
 * interrupted if it blocks or runs app code) and returns when the caller is alone.
 * Returns false if another thread got there first (the caller must then end). */
bool libos_threads_stop_others(void);
/* Whether another thread's execve asks t to end. */
bool libos_thread_must_stop(const struct libos_thread *t);
/* Ends the calling thread silently if another thread asked it to (libos_threads_stop_others). */
void libos_thread_check_stop(void);
/* fork: the thread list is locked across the copy; in the child only the caller remains,
 * under its new tid. */
void libos_threads_fork_lock(void);
void libos_threads_fork_unlock(bool child);
/* Ends the calling thread the way exit(2) does; the last thread ends the process. */
__attribute__((noreturn)) void libos_thread_exit(int status);

#endif
