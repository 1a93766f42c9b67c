/* App signals in the LibOS (design section 5): the process's actions, per-thread and
 * per-process pending sets, and delivery on the way back to app code through Linux's
 * rt_sigframe. The syscalls are in libos/sys/signal.c. */
#ifndef LIBOS_SIGNAL_H
#define LIBOS_SIGNAL_H

#include <stdint.h>
#include <stdbool.h>
#include <asm/siginfo.h>

#define NSIG_LINUX 64
#define SIGBIT(sig) (1ULL << ((sig)-1))
/* No mask, action mask or sigsuspend set can hold these. */
#define SIG_UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

struct libos_thread;

struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

/* A pending signal; standard signals are queued once, real-time ones each time. */
struct sigqueue_entry {
    siginfo_t info;
    struct sigqueue_entry *next;
};

struct sigpending {
    uint64_t set;
    struct sigqueue_entry *head, *tail;
};

/* Host signals the host sent to one thread (tgkill from another process, a SIGEV_THREAD_ID
 * timer), recorded by that thread's host handler and collected by the thread itself: one
 * producer and one consumer on the same thread, so no lock. Past the ring's size only the
 * signal number is kept. */
#define HOST_SIGNAL_RING 16
struct host_signal_ring {
    volatile uint32_t head, tail;
    volatile uint64_t overflow;
    siginfo_t slots[HOST_SIGNAL_RING];
};

/* rt_sigaction's view of the actions table. */
void libos_sigaction_get(int sig, struct kernel_sigaction *out);
void libos_sigaction_set(int sig, const struct kernel_sigaction *act);

/* Queues a signal for one thread (t) or for the process (t == NULL) and makes a thread
 * that can take it notice. Returns 0, or -EAGAIN when the real-time queue is full. A
 * signal whose action is to ignore it is dropped here, as Linux drops it. */
long libos_signal_post(struct libos_thread *t, const siginfo_t *info);
/* A synchronous fault of the calling thread: delivered even if blocked or ignored (then
 * with the default action), as Linux's force_sig does. */
void libos_signal_force(const siginfo_t *info);
/* A hardware fault of the calling thread: forced as above, and its trap number, error code
 * and address kept for the sigcontext of the frames that follow (as Linux does). */
struct pal_fault;
void libos_signal_fault(const siginfo_t *info, const struct pal_fault *fault);

/* The signals pending for the calling thread (its own and the process's). */
uint64_t libos_signals_pending(void);
/* Takes a pending signal of set for the calling thread (sigtimedwait); 0 if none. */
int libos_signal_dequeue(uint64_t set, siginfo_t *info);
/* Waits until a signal of want is pending for the calling thread and takes it (want's
 * signals count as unblocked meanwhile, so that senders pick this thread). Returns the
 * signal, -EINTR when a signal outside want would run a handler, or -EAGAIN at deadline
 * (CLOCK_MONOTONIC, absolute; NULL: no deadline). */
struct __kernel_timespec;
long libos_signal_wait(uint64_t want, const struct __kernel_timespec *deadline, siginfo_t *info);
/* Whether a signal the thread does not block would run a handler or end the process. */
bool libos_signal_deliverable(uint64_t mask);
/* Recomputes the calling thread's pending flag (after its mask changed, or after a LibOS
 * wait of its own returned EINTR), taking in host signals recorded meanwhile. */
void libos_signals_update_pending(void);

/* Delivers what is pending for the calling thread into pal_tcb()->app. interrupted_nr is
 * the syscall that returned -EINTR (restarted or left at EINTR by SA_RESTART), or -1. */
void libos_signals_deliver(long interrupted_nr);
/* rt_sigreturn: restores the context saved in the frame at the app's stack. */
long libos_sigreturn(void);

/* A signalfd's interest: its ready flag (pal_ready_flag_*) is kept readable while a signal
 * of mask is pending for any thread or the process. */
struct signal_watch {
    uint64_t mask;
    int handle; /* the PAL ready flag */
    bool readable;
    struct signal_watch *next;
};
void libos_signal_watch_add(struct signal_watch *w);
void libos_signal_watch_set_mask(struct signal_watch *w, uint64_t mask);
void libos_signal_watch_remove(struct signal_watch *w);

/* The PAL's record of a host signal that reached the process (async, lock-free). */
bool libos_host_signal(int sig, const void *info);
/* Host timer ids whose signal goes to one thread (SIGEV_THREAD_ID). */
void libos_signal_timer_directed(int timer_id, bool to_thread);
/* Makes thread t enter the LibOS soon (to take a signal or a request). */
void libos_thread_kick(struct libos_thread *t);

/* sigaltstack's flags for thread t with the app's stack pointer at sp. */
int libos_altstack_flags(const struct libos_thread *t, uint64_t sp);
/* The FPU/SSE/AVX state a new program or a signal handler starts with. */
void libos_fpu_reset(void);

#endif
