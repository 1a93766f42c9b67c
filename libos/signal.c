/* Signal delivery. A signal is posted to a thread's or the process's pending set under one
 * lock; the thread that should take it gets its pal_tcb signal_pending flag set and, if it
 * is another thread, an interrupt (pal_thread_interrupt), which brings it into the LibOS
 * from app code or out of a blocking host call. Delivery itself happens only on the way
 * back to app code: libos_signals_deliver builds Linux's rt_sigframe on the app's stack (or
 * its alternate stack) and points the saved registers at the handler. Nothing is
 * delivered from host signal context: host signals are only recorded there, without
 * locks, and collected by the thread on its way out. */
#include "common/hot.h"
#include "libos/signal.h"
#include "libos/libos.h"
#include "libos/patch.h"
#include "libos/thread.h"
#include "libos/uaccess.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/spinlock.h"
#include "common/string.h"
#include "pal/pal.h"
#include <linux/signal.h>
#include <asm/sigcontext.h>
#include <asm/ucontext.h>

#define SYNCHRONOUS                                                                                \
    (SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGILL) | SIGBIT(SIGTRAP) | SIGBIT(SIGFPE) |        \
     SIGBIT(SIGSYS))
#define DEFAULT_IGNORED (SIGBIT(SIGCHLD) | SIGBIT(SIGURG) | SIGBIT(SIGWINCH) | SIGBIT(SIGCONT))
/* Job control is the host's: a stop signal's default action is not modelled (ignored). */
#define DEFAULT_STOP (SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))
#define RT_QUEUE_MAX 4096
#define REDZONE 128
#define EFLAGS_USER 0x40dd5 /* the flags rt_sigreturn may restore (Linux's FIX_EFLAGS) */

static struct kernel_sigaction g_actions[NSIG_LINUX + 1];
static struct sigpending g_process_pending;
static unsigned g_queued;
static spinlock_t g_lock = SPINLOCK_INIT;

/* Host signals recorded by the PAL's handler (any thread, any moment), collected later. */
static volatile uint64_t g_host_arrived;
static siginfo_t g_host_info[NSIG_LINUX + 1];

void libos_sigaction_get(int sig, struct kernel_sigaction *out) {
    spin_lock(&g_lock);
    *out = g_actions[sig];
    spin_unlock(&g_lock);
}

static void drop_pending(struct sigpending *p, int sig);
static void refresh_watches_locked(void);
static void collect_host_signals_locked(void);

/* Whether the action drops sig. Read under g_lock, or racily by the host-signal recorder
 * (which only decides whether to disturb a thread; the collector decides again). */
static bool is_ignored(int sig) {
    void *h = g_actions[sig].handler;
    return h == SIG_IGN || (h == SIG_DFL && (SIGBIT(sig) & (DEFAULT_IGNORED | DEFAULT_STOP)));
}

void libos_sigaction_set(int sig, const struct kernel_sigaction *act) {
    spin_lock(&g_lock);
    g_actions[sig] = *act;
    g_actions[sig].mask &= ~SIG_UNBLOCKABLE;
    /* Setting a signal to be ignored discards what is pending of it (POSIX). */
    if (is_ignored(sig)) {
        drop_pending(&g_process_pending, sig);
        libos_threads_lock();
        for (struct libos_thread *t = libos_threads_first(); t; t = t->next)
            drop_pending(&t->sig_pending, sig);
        libos_threads_unlock();
        refresh_watches_locked();
    }
    spin_unlock(&g_lock);
}

/* ---- Pending sets (under g_lock) -------------------------------------------------------- */

static void drop_pending(struct sigpending *p, int sig) {
    if (!(p->set & SIGBIT(sig)))
        return;
    p->set &= ~SIGBIT(sig);
    struct sigqueue_entry **link = &p->head;
    p->tail = NULL;
    while (*link) {
        struct sigqueue_entry *e = *link;
        if (e->info.si_signo == sig) {
            *link = e->next;
            rt_free(e);
            g_queued--;
        } else {
            p->tail = e;
            link = &e->next;
        }
    }
}

static long enqueue(struct sigpending *p, const siginfo_t *info) {
    int sig = info->si_signo;
    if (sig < SIGRTMIN && (p->set & SIGBIT(sig)))
        return 0; /* a standard signal is pending once */
    if (g_queued >= RT_QUEUE_MAX && sig >= SIGRTMIN)
        return -EAGAIN;
    struct sigqueue_entry *e = rt_malloc(sizeof(*e));
    if (!e)
        return -EAGAIN;
    e->info = *info;
    e->next = NULL;
    if (p->tail)
        p->tail->next = e;
    else
        p->head = e;
    p->tail = e;
    p->set |= SIGBIT(sig);
    g_queued++;
    refresh_watches_locked();
    return 0;
}

/* Removes the oldest entry of sig from p into info. */
static void take(struct sigpending *p, int sig, siginfo_t *info) {
    struct sigqueue_entry **link = &p->head, *prev = NULL;
    for (; *link; prev = *link, link = &(*link)->next) {
        struct sigqueue_entry *e = *link;
        if (e->info.si_signo != sig)
            continue;
        *link = e->next;
        if (p->tail == e)
            p->tail = prev;
        *info = e->info;
        rt_free(e);
        g_queued--;
        bool more = false;
        for (struct sigqueue_entry *n = p->head; n; n = n->next)
            more |= n->info.si_signo == sig;
        if (!more) {
            p->set &= ~SIGBIT(sig);
            refresh_watches_locked();
        }
        return;
    }
    memset(info, 0, sizeof(*info)); /* not reached: set and queue agree */
    info->si_signo = sig;
    p->set &= ~SIGBIT(sig);
}

/* ---- Watches: signalfd readiness (under g_lock) -------------------------------------- */

static struct signal_watch *g_watches;

/* A watch is readable while any thread or the process has a signal of its mask pending:
 * host poll and epoll see that through the watch's ready flag. */
static void refresh_watches_locked(void) {
    if (!g_watches)
        return;
    uint64_t pending = g_process_pending.set;
    libos_threads_lock();
    for (struct libos_thread *t = libos_threads_first(); t; t = t->next)
        pending |= t->sig_pending.set;
    libos_threads_unlock();
    for (struct signal_watch *w = g_watches; w; w = w->next) {
        bool readable = (pending & w->mask) != 0;
        if (readable != w->readable) {
            w->readable = readable;
            pal_ready_flag_set(w->handle, readable);
        }
    }
}

void libos_signal_watch_add(struct signal_watch *w) {
    spin_lock(&g_lock);
    w->readable = false;
    w->next = g_watches;
    g_watches = w;
    collect_host_signals_locked();
    refresh_watches_locked();
    spin_unlock(&g_lock);
}

void libos_signal_watch_set_mask(struct signal_watch *w, uint64_t mask) {
    spin_lock(&g_lock);
    w->mask = mask;
    collect_host_signals_locked();
    refresh_watches_locked();
    spin_unlock(&g_lock);
}

void libos_signal_watch_remove(struct signal_watch *w) {
    spin_lock(&g_lock);
    for (struct signal_watch **link = &g_watches; *link; link = &(*link)->next)
        if (*link == w) {
            *link = w->next;
            break;
        }
    spin_unlock(&g_lock);
}

/* Synchronous signals first, then the lowest number, as Linux picks. */
static int pick(uint64_t set) {
    if (!set)
        return 0;
    uint64_t sync = set & SYNCHRONOUS;
    return __builtin_ctzll(sync ? sync : set) + 1;
}

static bool ring_empty(struct host_signal_ring *r) {
    return __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) ==
               __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) &&
           !__atomic_load_n(&r->overflow, __ATOMIC_ACQUIRE);
}

static void update_flag_locked(struct libos_thread *t) {
    uint64_t ready = (t->sig_pending.set | g_process_pending.set) & ~t->signal_mask;
    t->tcb->signal_pending = ready != 0 || __atomic_load_n(&g_host_arrived, __ATOMIC_RELAXED) ||
                             !ring_empty(&t->host_signals) || libos_thread_must_stop(t);
}

void libos_thread_kick(struct libos_thread *t) {
    if (!t->tcb)
        return;
    t->tcb->signal_pending = 1;
    if (t != libos_current_thread())
        pal_thread_interrupt(t->tid);
}

/* Linux's complete_signal: a process signal goes to a thread that does not block it,
 * the current one if it can. */
static void wake_for_process_signal_locked(int sig) {
    struct libos_thread *self = libos_current_thread();
    if (self && !(self->signal_mask & SIGBIT(sig))) {
        self->tcb->signal_pending = 1;
        return;
    }
    libos_threads_lock();
    for (struct libos_thread *t = libos_threads_first(); t; t = t->next)
        if (!(t->signal_mask & SIGBIT(sig))) {
            libos_thread_kick(t);
            break;
        }
    libos_threads_unlock();
}

static long post_locked(struct libos_thread *t, const siginfo_t *info) {
    int sig = info->si_signo;
    /* Linux never ignores a blocked signal: its action may change before it is unblocked. */
    struct libos_thread *judge = t ? t : libos_current_thread();
    if (is_ignored(sig) && !(judge && (judge->signal_mask & SIGBIT(sig))))
        return 0;
    long r = enqueue(t ? &t->sig_pending : &g_process_pending, info);
    if (r < 0)
        return r;
    if (!t)
        wake_for_process_signal_locked(sig);
    else if (!(t->signal_mask & SIGBIT(sig)))
        libos_thread_kick(t);
    return 0;
}

long libos_signal_post(struct libos_thread *t, const siginfo_t *info) {
    spin_lock(&g_lock);
    long r = post_locked(t, info);
    spin_unlock(&g_lock);
    return r;
}

void libos_signal_fault(const siginfo_t *info, const struct pal_fault *fault) {
    /* Linux keeps the last fault's registers per thread and shows them in every frame. */
    struct libos_thread *self = libos_current_thread();
    self->fault = *fault;
    libos_signal_force(info);
}

void libos_signal_force(const siginfo_t *info) {
    struct libos_thread *self = libos_current_thread();
    int sig = info->si_signo;
    spin_lock(&g_lock);
    /* A blocked or ignored fault would return to the faulting instruction forever. */
    if ((self->signal_mask & SIGBIT(sig)) || g_actions[sig].handler == SIG_IGN) {
        self->signal_mask &= ~SIGBIT(sig);
        g_actions[sig].handler = SIG_DFL;
    }
    enqueue(&self->sig_pending, info);
    self->tcb->signal_pending = 1;
    spin_unlock(&g_lock);
}

#define DIRECTED_TIMERS 4096
static volatile uint64_t g_directed_timers[DIRECTED_TIMERS / 64];

void libos_signal_timer_directed(int timer_id, bool to_thread) {
    if (timer_id < 0 || timer_id >= DIRECTED_TIMERS)
        return;
    uint64_t bit = 1ULL << (timer_id % 64);
    if (to_thread)
        __atomic_or_fetch(&g_directed_timers[timer_id / 64], bit, __ATOMIC_RELEASE);
    else
        __atomic_and_fetch(&g_directed_timers[timer_id / 64], ~bit, __ATOMIC_RELEASE);
}

/* Whether the host sent this signal to the receiving thread rather than to the process. */
static bool thread_directed(const siginfo_t *info) {
    if (info->si_code == SI_TKILL)
        return true;
    if (info->si_code != SI_TIMER)
        return false;
    int id = info->si_tid; /* the timer id */
    return id >= 0 && id < DIRECTED_TIMERS &&
           (__atomic_load_n(&g_directed_timers[id / 64], __ATOMIC_ACQUIRE) & (1ULL << (id % 64)));
}

bool libos_host_signal(int sig, const void *info) {
    /* Runs in a host signal handler: no locks. */
    if (is_ignored(sig))
        return false;
    struct libos_thread *self = libos_current_thread();
    if (self && thread_directed(info)) {
        struct host_signal_ring *r = &self->host_signals;
        uint32_t tail = r->tail;
        if (tail - __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) < HOST_SIGNAL_RING) {
            memcpy(&r->slots[tail % HOST_SIGNAL_RING], info, sizeof(siginfo_t));
            __atomic_store_n(&r->tail, tail + 1, __ATOMIC_RELEASE);
        } else {
            __atomic_or_fetch(&r->overflow, SIGBIT(sig), __ATOMIC_RELEASE);
        }
    } else {
        memcpy(&g_host_info[sig], info, sizeof(siginfo_t));
        __atomic_or_fetch(&g_host_arrived, SIGBIT(sig), __ATOMIC_RELEASE);
    }
    pal_tcb()->signal_pending = 1;
    return true;
}

/* The calling thread's own host signals, into its pending set. */
static void collect_thread_host_signals_locked(struct libos_thread *self) {
    struct host_signal_ring *r = &self->host_signals;
    if (ring_empty(r))
        return;
    uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
    for (uint32_t head = r->head; head != tail; head++) {
        siginfo_t info = r->slots[head % HOST_SIGNAL_RING];
        __atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
        post_locked(self, &info);
    }
    uint64_t overflow = __atomic_exchange_n(&r->overflow, 0, __ATOMIC_ACQUIRE);
    while (overflow) {
        siginfo_t info;
        memset(&info, 0, sizeof(info));
        info.si_signo = __builtin_ctzll(overflow) + 1;
        info.si_code = SI_TKILL;
        overflow &= overflow - 1;
        post_locked(self, &info);
    }
}

static void collect_host_signals_locked(void) {
    struct libos_thread *self = libos_current_thread();
    if (self)
        collect_thread_host_signals_locked(self);
    if (!__atomic_load_n(&g_host_arrived, __ATOMIC_RELAXED))
        return;
    uint64_t arrived = __atomic_exchange_n(&g_host_arrived, 0, __ATOMIC_ACQUIRE);
    while (arrived) {
        int sig = __builtin_ctzll(arrived) + 1;
        arrived &= arrived - 1;
        siginfo_t info = g_host_info[sig];
        info.si_signo = sig;
        post_locked(NULL, &info);
    }
}

uint64_t libos_signals_pending(void) {
    struct libos_thread *self = libos_current_thread();
    spin_lock(&g_lock);
    collect_host_signals_locked();
    uint64_t set = self->sig_pending.set | g_process_pending.set;
    update_flag_locked(self);
    spin_unlock(&g_lock);
    return set;
}

int libos_signal_dequeue(uint64_t set, siginfo_t *info) {
    struct libos_thread *self = libos_current_thread();
    spin_lock(&g_lock);
    collect_host_signals_locked();
    int sig = pick(self->sig_pending.set & set);
    if (sig)
        take(&self->sig_pending, sig, info);
    else if ((sig = pick(g_process_pending.set & set)))
        take(&g_process_pending, sig, info);
    update_flag_locked(self);
    spin_unlock(&g_lock);
    return sig;
}

bool libos_signal_deliverable(uint64_t mask) {
    struct libos_thread *self = libos_current_thread();
    spin_lock(&g_lock);
    collect_host_signals_locked();
    uint64_t ready = (self->sig_pending.set | g_process_pending.set) & ~mask;
    bool any = false;
    for (int sig = 1; sig <= NSIG_LINUX && !any; sig++)
        any = (ready & SIGBIT(sig)) && !is_ignored(sig);
    update_flag_locked(self);
    spin_unlock(&g_lock);
    return any;
}

long libos_signal_wait(uint64_t want, const struct __kernel_timespec *deadline, siginfo_t *info) {
    struct libos_thread *self = libos_current_thread();
    for (;;) {
        int sig = libos_signal_dequeue(want, info);
        if (sig)
            return sig;
        /* A signal outside the set that would run a handler interrupts the wait. */
        if (libos_signal_deliverable(self->signal_mask | want))
            return -EINTR;
        /* Wait with the set unblocked, so that a sender picks and wakes this thread. */
        uint64_t mask = self->signal_mask;
        self->signal_mask &= ~want;
        libos_signals_update_pending();
        long r = 0;
        if (!pal_tcb()->signal_pending)
            r = pal_event_wait(&self->signal_wait, 0, deadline);
        self->signal_mask = mask;
        libos_signals_update_pending();
        libos_thread_check_stop();
        if (r == -ETIMEDOUT) {
            sig = libos_signal_dequeue(want, info);
            return sig ? sig : -EAGAIN;
        }
    }
}

void libos_signals_update_pending(void) {
    spin_lock(&g_lock);
    collect_host_signals_locked();
    update_flag_locked(libos_current_thread());
    spin_unlock(&g_lock);
}

/* ---- FPU state ------------------------------------------------------------------------- */

static uint32_t g_xsave_size; /* 0: no XSAVE, FXSAVE's 512 bytes */
static uint64_t g_xcr0;
/* The state a handler or a new program starts with: built once, only read after. */
#define XSAVE_AREA_MAX 16384
static uint8_t g_init_area[XSAVE_AREA_MAX] __attribute__((aligned(64)));
static bool g_fpu_probed;

static void fpu_probe(void) {
    if (__atomic_load_n(&g_fpu_probed, __ATOMIC_ACQUIRE))
        return;
    unsigned a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    if (c & (1u << 27)) { /* OSXSAVE */
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        g_xcr0 = ((uint64_t)hi << 32) | lo;
        __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xd), "c"(0));
        if (b > XSAVE_AREA_MAX) {
            log_error("the CPU's XSAVE area is %u bytes, more than the %u the runtime handles", b,
                      XSAVE_AREA_MAX);
            pal_process_exit(125);
        }
        g_xsave_size = b;
    }
    /* Zeroed, with the default MXCSR; with XSAVE the all-zero header loads every
     * component's initial state, without it the x87 control word is set by hand. */
    uint32_t mxcsr = 0x1f80;
    memcpy(g_init_area + 24, &mxcsr, sizeof(mxcsr));
    if (!g_xsave_size) {
        uint16_t fcw = 0x37f;
        memcpy(g_init_area, &fcw, sizeof(fcw));
    }
    __atomic_store_n(&g_fpu_probed, true, __ATOMIC_RELEASE);
}

void libos_fpu_reset(void) {
    fpu_probe();
    if (g_xsave_size)
        __asm__ volatile("xrstor %0" : : "m"(*g_init_area), "a"(~0u), "d"(~0u) : "memory");
    else
        __asm__ volatile("fxrstor64 %0" : : "m"(*g_init_area) : "memory");
}

static size_t fpstate_size(void) {
    fpu_probe();
    return g_xsave_size ? g_xsave_size + FP_XSTATE_MAGIC2_SIZE : 512;
}

/* Saves the live FPU state (the app's: the runtime never touches it) at area. */
static void fpu_save(uint8_t *area) {
    if (g_xsave_size) {
        memset(area + 512, 0, 64); /* the XSAVE header */
        __asm__ volatile("xsave64 %0" : "=m"(*area) : "a"(~0u), "d"(~0u) : "memory");
        struct _fpx_sw_bytes sw = {
            .magic1 = FP_XSTATE_MAGIC1,
            .extended_size = g_xsave_size + FP_XSTATE_MAGIC2_SIZE,
            .xfeatures = g_xcr0,
            .xstate_size = g_xsave_size,
        };
        memcpy(area + 464, &sw, sizeof(sw));
        uint32_t magic2 = FP_XSTATE_MAGIC2;
        memcpy(area + g_xsave_size, &magic2, sizeof(magic2));
    } else {
        __asm__ volatile("fxsave64 %0" : "=m"(*area) : : "memory");
    }
}

/* Loads the FPU state an app frame holds, cleaned so that a corrupted frame cannot make
 * the restore instruction fault in the runtime. Returns false if it cannot be read. */
static bool fpu_restore(const uint8_t *user) {
    fpu_probe();
    size_t size = g_xsave_size ? g_xsave_size : 512;
    if (!UACCESS_READ(user, 512))
        return false;
    struct _fpx_sw_bytes sw;
    memcpy(&sw, user + 464, sizeof(sw));
    bool xstate = g_xsave_size && sw.magic1 == FP_XSTATE_MAGIC1 && sw.xstate_size >= 576 &&
                  sw.xstate_size <= g_xsave_size && UACCESS_READ(user, sw.xstate_size);
    uint8_t raw[size + 64];
    uint8_t *area = (uint8_t *)(((uintptr_t)raw + 63) & ~63UL);
    memset(area, 0, size);
    memcpy(area, user, xstate ? sw.xstate_size : 512);
    uint32_t mxcsr;
    memcpy(&mxcsr, area + 24, sizeof(mxcsr));
    mxcsr &= 0xffff;
    memcpy(area + 24, &mxcsr, sizeof(mxcsr));
    if (g_xsave_size) {
        uint64_t bv = 0;
        if (xstate)
            memcpy(&bv, area + 512, sizeof(bv));
        bv &= g_xcr0 & sw.xfeatures;
        bv |= 3; /* x87 and SSE from the legacy area, which every frame has */
        memset(area + 512, 0, 64);
        memcpy(area + 512, &bv, sizeof(bv));
        __asm__ volatile("xrstor64 %0" : : "m"(*area), "a"(~0u), "d"(~0u) : "memory");
    } else {
        __asm__ volatile("fxrstor64 %0" : : "m"(*area) : "memory");
    }
    return true;
}

/* ---- Frames ---------------------------------------------------------------------------- */

struct kernel_ucontext {
    unsigned long uc_flags;
    struct kernel_ucontext *uc_link;
    struct {
        void *ss_sp;
        int ss_flags;
        size_t ss_size;
    } uc_stack;
    struct sigcontext uc_mcontext;
    uint64_t uc_sigmask;
};

struct rt_sigframe {
    void *pretcode;
    struct kernel_ucontext uc;
    siginfo_t info;
};

#define UC_FP_XSTATE 0x1
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4

static bool on_altstack(const struct libos_thread *t, uint64_t sp) {
    return !(t->altstack_flags & SS_DISABLE) && sp > (uint64_t)t->altstack_sp &&
           sp <= (uint64_t)t->altstack_sp + t->altstack_size;
}

int libos_altstack_flags(const struct libos_thread *t, uint64_t sp) {
    if (t->altstack_flags & SS_DISABLE)
        return SS_DISABLE;
    return (on_altstack(t, sp) ? SS_ONSTACK : 0) | (t->altstack_flags & SS_AUTODISARM);
}

/* Builds the frame for sig and points ctx at the handler. Returns false if the app's
 * stack cannot hold it (the thread then dies of SIGSEGV, as on Linux). */
static bool setup_frame(struct libos_thread *t, struct pal_context *ctx, int sig,
                        const struct kernel_sigaction *act, const siginfo_t *info,
                        uint64_t saved_mask) {
    uint64_t sp = ctx->rsp;
    bool switch_stack =
        (act->flags & SA_ONSTACK) && !(t->altstack_flags & SS_DISABLE) && !on_altstack(t, sp);
    int uc_ss_flags = libos_altstack_flags(t, sp);
    void *uc_ss_sp = t->altstack_sp;
    size_t uc_ss_size = t->altstack_size;
    if (switch_stack) {
        sp = (uint64_t)t->altstack_sp + t->altstack_size;
        if (t->altstack_flags & SS_AUTODISARM) {
            t->altstack_sp = NULL;
            t->altstack_size = 0;
            t->altstack_flags = SS_DISABLE;
        }
    } else {
        sp -= REDZONE;
    }
    uint64_t fp = (sp - fpstate_size()) & ~63ULL;
    uint64_t frame_addr = ((fp - sizeof(struct rt_sigframe)) & ~15ULL) - 8;
    if (!(act->flags & SA_RESTORER) || !UACCESS_WRITE((void *)frame_addr, sp - frame_addr))
        return false;

    fpu_save((uint8_t *)fp);
    struct rt_sigframe *f = (struct rt_sigframe *)frame_addr;
    memset(f, 0, sizeof(*f));
    f->pretcode = act->restorer;
    f->info = *info;
    f->uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS | (g_xsave_size ? UC_FP_XSTATE : 0);
    f->uc.uc_stack.ss_sp = uc_ss_sp;
    f->uc.uc_stack.ss_flags = uc_ss_flags;
    f->uc.uc_stack.ss_size = uc_ss_size;
    struct sigcontext *m = &f->uc.uc_mcontext;
    m->r8 = ctx->r8;
    m->r9 = ctx->r9;
    m->r10 = ctx->r10;
    m->r11 = ctx->r11;
    m->r12 = ctx->r12;
    m->r13 = ctx->r13;
    m->r14 = ctx->r14;
    m->r15 = ctx->r15;
    m->rdi = ctx->rdi;
    m->rsi = ctx->rsi;
    m->rbp = ctx->rbp;
    m->rbx = ctx->rbx;
    m->rdx = ctx->rdx;
    m->rax = ctx->rax;
    m->rcx = ctx->rcx;
    m->rsp = ctx->rsp;
    m->rip = libos_patch_app_rip(ctx->rip); /* its own code, not a trampoline */
    m->eflags = ctx->rflags;
    m->cs = 0x33;
    m->ss = 0x2b;
    m->trapno = t->fault.trapno;
    m->err = t->fault.error_code;
    m->cr2 = t->fault.address;
    m->oldmask = saved_mask;
    m->fpstate = (struct _fpstate_64 *)fp;
    f->uc.uc_sigmask = saved_mask;

    ctx->rsp = frame_addr;
    ctx->rip = (uint64_t)act->handler;
    ctx->rdi = (uint64_t)sig;
    ctx->rsi = (uint64_t)&f->info;
    ctx->rdx = (uint64_t)&f->uc;
    ctx->rax = 0;
    ctx->rflags &= ~(0x100ULL | 0x400ULL | 0x10000ULL); /* TF, DF, RF */
    libos_fpu_reset();
    return true;
}

/* Linux restarts these after a handler with SA_RESTART (signal(7)). */
static bool restartable(long nr, const struct pal_context *ctx) {
    if (nr == 202) /* futex: a wait with a timeout is not (its restart block is not kept) */
        return ctx->r10 == 0;
    switch (nr) {
    case 0:   /* read */
    case 1:   /* write */
    case 16:  /* ioctl */
    case 17:  /* pread64 */
    case 18:  /* pwrite64 */
    case 19:  /* readv */
    case 20:  /* writev */
    case 2:   /* open */
    case 257: /* openat */
    case 61:  /* wait4 */
    case 247: /* waitid */
    case 43:  /* accept */
    case 288: /* accept4 */
    case 42:  /* connect */
    case 44:  /* sendto */
    case 45:  /* recvfrom */
    case 46:  /* sendmsg */
    case 47:  /* recvmsg */
    case 73:  /* flock */
    case 72:  /* fcntl */
    case 318: /* getrandom */
    case 40:  /* sendfile */
    case 275: /* splice */
        return true;
    default:
        return false;
    }
}

void libos_signals_deliver(long interrupted_nr) {
    struct libos_thread *self = libos_current_thread();
    struct pal_tcb *tcb = pal_tcb();
    if (!tcb->signal_pending && interrupted_nr < 0)
        return;
    struct pal_context *ctx = &tcb->app;
    bool handler_ran = false;
    spin_lock(&g_lock);
    collect_host_signals_locked();
    for (int rounds = 0; rounds < NSIG_LINUX; rounds++) {
        uint64_t mask = self->signal_mask;
        int sig = pick(self->sig_pending.set & ~mask);
        struct sigpending *from = &self->sig_pending;
        if (!sig) {
            sig = pick(g_process_pending.set & ~mask);
            from = &g_process_pending;
        }
        if (!sig)
            break;
        siginfo_t info;
        take(from, sig, &info);
        struct kernel_sigaction act = g_actions[sig];
        if (act.handler == SIG_IGN)
            continue;
        if (act.handler == SIG_DFL) {
            if (SIGBIT(sig) & (DEFAULT_IGNORED | DEFAULT_STOP))
                continue;
            spin_unlock(&g_lock);
            libos_die_of_signal(sig);
        }
        if (act.flags & SA_RESETHAND)
            g_actions[sig].handler = SIG_DFL;
        uint64_t saved = self->saved_mask_valid ? self->saved_mask : mask;
        self->saved_mask_valid = false;
        self->signal_mask =
            (mask | act.mask | ((act.flags & SA_NODEFER) ? 0 : SIGBIT(sig))) & ~SIG_UNBLOCKABLE;
        if (interrupted_nr >= 0) {
            /* The interrupted syscall: EINTR, or run again after the handler. */
            if ((act.flags & SA_RESTART) && restartable(interrupted_nr, ctx)) {
                ctx->rip -= 2;
                ctx->rax = (uint64_t)interrupted_nr;
            }
            interrupted_nr = -1;
        }
        spin_unlock(&g_lock);
        bool ok = setup_frame(self, ctx, sig, &act, &info, saved);
        if (!ok)
            libos_die_of_signal(SIGSEGV);
        handler_ran = true;
        spin_lock(&g_lock);
    }
    if (interrupted_nr >= 0 && !handler_ran) {
        /* Interrupted for nothing the app sees (an ignored signal, a request): as if the
         * call had not been disturbed. */
        ctx->rip -= 2;
        ctx->rax = (uint64_t)interrupted_nr;
    }
    if (self->saved_mask_valid && !handler_ran) {
        self->signal_mask = self->saved_mask;
        self->saved_mask_valid = false;
    }
    update_flag_locked(self);
    spin_unlock(&g_lock);
}

long libos_sigreturn(void) {
    struct libos_thread *self = libos_current_thread();
    struct pal_context *ctx = &pal_tcb()->app;
    struct rt_sigframe *f = (struct rt_sigframe *)(ctx->rsp - 8);
    if (!UACCESS_READ(f, sizeof(*f)))
        libos_die_of_signal(SIGSEGV);
    const struct sigcontext *m = &f->uc.uc_mcontext;
    ctx->r8 = m->r8;
    ctx->r9 = m->r9;
    ctx->r10 = m->r10;
    ctx->r11 = m->r11;
    ctx->r12 = m->r12;
    ctx->r13 = m->r13;
    ctx->r14 = m->r14;
    ctx->r15 = m->r15;
    ctx->rdi = m->rdi;
    ctx->rsi = m->rsi;
    ctx->rbp = m->rbp;
    ctx->rbx = m->rbx;
    ctx->rdx = m->rdx;
    ctx->rax = m->rax;
    ctx->rcx = m->rcx;
    ctx->rsp = m->rsp;
    ctx->rip = libos_patch_resume_rip(m->rip);
    ctx->rflags = (ctx->rflags & ~(uint64_t)EFLAGS_USER) | (m->eflags & EFLAGS_USER);
    if (m->fpstate) {
        if (!fpu_restore((const uint8_t *)m->fpstate))
            libos_die_of_signal(SIGSEGV);
    } else {
        libos_fpu_reset();
    }
    /* The alternate stack as the frame says (sigaltstack semantics; errors ignored). */
    if (!on_altstack(self, ctx->rsp)) {
        if (f->uc.uc_stack.ss_flags & SS_DISABLE) {
            self->altstack_flags = SS_DISABLE;
        } else if (f->uc.uc_stack.ss_size >= 2048) {
            self->altstack_sp = f->uc.uc_stack.ss_sp;
            self->altstack_size = f->uc.uc_stack.ss_size;
            self->altstack_flags = f->uc.uc_stack.ss_flags & SS_AUTODISARM;
        }
    }
    spin_lock(&g_lock);
    self->signal_mask = f->uc.uc_sigmask & ~SIG_UNBLOCKABLE;
    update_flag_locked(self);
    spin_unlock(&g_lock);
    libos_mark_context_replaced();
    return 0;
}

/* ---- fork and execve -------------------------------------------------------------------- */

static void clear_pending(struct sigpending *p) {
    while (p->head) {
        struct sigqueue_entry *e = p->head;
        p->head = e->next;
        rt_free(e);
    }
    *p = (struct sigpending){0};
}

void libos_signals_fork_lock(void) {
    spin_lock(&g_lock);
}

void libos_signals_fork_unlock(bool child) {
    if (child) {
        /* The child starts with no pending signals (fork(2)). */
        struct libos_thread *self = libos_current_thread();
        clear_pending(&self->sig_pending);
        clear_pending(&g_process_pending);
        g_queued = 0;
        g_host_arrived = 0;
        self->tcb->signal_pending = 0;
    }
    spin_unlock(&g_lock);
}

void libos_signals_exec_reset(void) {
    struct libos_thread *self = libos_current_thread();
    spin_lock(&g_lock);
    /* execve keeps ignored signals ignored and resets handled ones to the default. */
    for (int sig = 1; sig <= NSIG_LINUX; sig++)
        if (g_actions[sig].handler != SIG_IGN) {
            memset(&g_actions[sig], 0, sizeof(g_actions[sig]));
            if (SIGBIT(sig) & (DEFAULT_IGNORED | DEFAULT_STOP))
                drop_pending(&g_process_pending, sig);
        }
    self->altstack_sp = NULL;
    self->altstack_size = 0;
    self->altstack_flags = SS_DISABLE;
    spin_unlock(&g_lock);
}
