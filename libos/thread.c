/* LibOS threads. The LibOS tid of a thread is its host tid, so gettid and the host agree
 * and nothing has to translate them. */
#include "common/hot.h"
#include "libos/thread.h"
#include "libos/libos.h"
#include "libos/futex.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/spinlock.h"
#include "common/string.h"
#include "pal/pal.h"

static struct libos_thread *g_threads;
static unsigned g_thread_count, g_thread_peak;
static spinlock_t g_threads_lock = SPINLOCK_INIT;

HOT_PATH struct libos_thread *libos_current_thread(void) {
    return pal_tcb()->libos_thread;
}

static void thread_list_add(struct libos_thread *t) {
    spin_lock(&g_threads_lock);
    t->next = g_threads;
    g_threads = t;
    g_thread_count++;
    if (g_thread_count > g_thread_peak)
        g_thread_peak = g_thread_count;
    spin_unlock(&g_threads_lock);
}

/* Returns how many threads remain. */
static unsigned thread_list_remove(struct libos_thread *t) {
    spin_lock(&g_threads_lock);
    for (struct libos_thread **link = &g_threads; *link; link = &(*link)->next) {
        if (*link == t) {
            *link = t->next;
            g_thread_count--;
            break;
        }
    }
    unsigned left = g_thread_count;
    spin_unlock(&g_threads_lock);
    return left;
}

void libos_threads_init(void) {
    static struct libos_thread main_thread;
    struct pal_tcb *tcb = pal_tcb();
    main_thread.tid = tcb->host_tid;
    main_thread.altstack_flags = 2 /* SS_DISABLE */;
    main_thread.tcb = tcb;
    tcb->libos_thread = &main_thread;
    tcb->patched_syscall_entry = (void *)libos_patched_syscall_entry;
    thread_list_add(&main_thread);
}

void libos_thread_set_name(const char *name) {
    struct libos_thread *self = libos_current_thread();
    str_copy(self->name, name, sizeof(self->name));
    /* The host's copy is what /proc shows (comm, status, stat). */
    pal_thread_set_name(self->name);
}

void libos_threads_lock(void) {
    spin_lock(&g_threads_lock);
}

void libos_threads_unlock(void) {
    spin_unlock(&g_threads_lock);
}

struct libos_thread *libos_threads_first(void) {
    return g_threads;
}

struct libos_thread *libos_thread_find(int tid) {
    struct libos_thread *found = NULL;
    spin_lock(&g_threads_lock);
    for (struct libos_thread *t = g_threads; t; t = t->next)
        if (t->tid == tid)
            found = t;
    spin_unlock(&g_threads_lock);
    return found;
}

bool libos_thread_exists(int tid) {
    return libos_thread_find(tid) != NULL;
}

unsigned libos_thread_count(void) {
    return __atomic_load_n(&g_thread_count, __ATOMIC_RELAXED);
}

unsigned libos_thread_peak(void) {
    return __atomic_load_n(&g_thread_peak, __ATOMIC_RELAXED);
}

int libos_current_tid(void) {
    return pal_tcb()->host_tid;
}

static long g_pid;

long libos_pid(void) {
    if (!g_pid)
        g_pid = pal_host_pid();
    return g_pid;
}

void libos_threads_fork_lock(void) {
    spin_lock(&g_threads_lock);
}

void libos_threads_fork_unlock(bool child) {
    if (child) {
        struct libos_thread *self = libos_current_thread();
        self->tid = pal_tcb()->host_tid;
        self->next = NULL;
        g_threads = self;
        g_thread_count = 1;
        g_thread_peak = 1;
        g_pid = 0;
    }
    spin_unlock(&g_threads_lock);
}

/* The tid of the thread running execve while it waits for the others to end, else 0. */
static int g_stop_requester HOT_DATA;

static __attribute__((noreturn)) void thread_vanish(void) {
    thread_list_remove(libos_current_thread());
    pal_thread_exit();
}

HOT_PATH bool libos_thread_must_stop(const struct libos_thread *t) {
    int requester = __atomic_load_n(&g_stop_requester, __ATOMIC_ACQUIRE);
    return requester && requester != t->tid;
}

HOT_PATH void libos_thread_check_stop(void) {
    if (libos_thread_must_stop(libos_current_thread()))
        thread_vanish();
}

bool libos_threads_stop_others(void) {
    int self = libos_current_tid(), expected = 0;
    if (!__atomic_compare_exchange_n(&g_stop_requester, &expected, self, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        return expected == self;
    enum { MAX_BATCH = 64 };
    for (unsigned round = 0; libos_thread_count() > 1; round++) {
        /* Interrupt again now and then: one may have been between its last check and a
         * blocking host call when the first interrupt came. */
        if (round % 256 == 0) {
            int tids[MAX_BATCH];
            unsigned n = 0;
            spin_lock(&g_threads_lock);
            for (struct libos_thread *t = g_threads; t && n < MAX_BATCH; t = t->next)
                if (t->tid != self && t->tid > 0) {
                    if (t->tcb)
                        t->tcb->signal_pending = 1;
                    tids[n++] = t->tid;
                }
            spin_unlock(&g_threads_lock);
            for (unsigned i = 0; i < n; i++)
                pal_thread_interrupt(tids[i]);
        }
        pal_sched_yield();
    }
    __atomic_store_n(&g_stop_requester, 0, __ATOMIC_RELEASE);
    return true;
}

void libos_mark_context_replaced(void) {
    libos_thread_hot()->flags |= THREAD_HOT_CONTEXT_REPLACED;
}

void libos_set_clear_child_tid(int *addr) {
    libos_current_thread()->clear_child_tid = addr;
}

void libos_set_robust_list(void *head) {
    libos_current_thread()->robust_list = head;
}

/* First LibOS code of a new host thread, on its LibOS stack. */
static void thread_start(void *arg) {
    struct libos_thread *self = arg;
    struct pal_tcb *tcb = pal_tcb();
    self->tcb = tcb;
    self->tid = tcb->host_tid;
    tcb->libos_thread = self;
    tcb->patched_syscall_entry = (void *)libos_patched_syscall_entry;
    /* The parent writes the tid words the app asked for before the child may run app
     * code, as Linux guarantees. */
    while (__atomic_load_n(&self->start_gate, __ATOMIC_ACQUIRE) == 0)
        pal_event_wait(&self->start_gate, 0, NULL);
    pal_set_fs_base(self->start_fs_base);
    tcb->app = self->start_context;
    libos_thread_check_stop();
    libos_return_to_app();
}

long libos_thread_spawn(const struct pal_context *ctx, uint64_t fs_base, int *parent_tid,
                        int *child_tid, int *clear_tid) {
    struct libos_thread *t = rt_calloc(1, sizeof(*t));
    if (!t)
        return -12 /* ENOMEM */;
    struct libos_thread *parent = libos_current_thread();
    t->start_context = *ctx;
    t->start_fs_base = fs_base;
    t->signal_mask = parent->signal_mask;
    t->keep_caps = parent->keep_caps;
    t->altstack_flags = 2 /* SS_DISABLE: a new thread has no alternate stack */;
    t->clear_child_tid = clear_tid;
    memcpy(t->name, parent->name, sizeof(t->name));
    thread_list_add(t);
    long tid = pal_thread_create(thread_start, t);
    if (tid < 0) {
        thread_list_remove(t);
        rt_free(t);
        return tid == -12 /* ENOMEM */ ? -11 /* EAGAIN */ : tid;
    }
    t->tid = (int)tid;
    if (parent_tid)
        *parent_tid = (int)tid;
    if (child_tid)
        *child_tid = (int)tid;
    __atomic_store_n(&t->start_gate, 1, __ATOMIC_RELEASE);
    pal_event_wake(&t->start_gate, 1);
    return tid;
}

__attribute__((noreturn)) void libos_thread_exit(int status) {
    struct libos_thread *self = libos_current_thread();
    if (self->clear_child_tid) {
        /* What pthread_join and Go's thread reaping wait for. */
        __atomic_store_n(self->clear_child_tid, 0, __ATOMIC_RELEASE);
        libos_futex_wake((uint32_t *)self->clear_child_tid, 1, ~0u);
    }
    if (thread_list_remove(self) == 0)
        libos_exit_process(status);
    /* The LibOS state stays allocated: late wakers may still hold a pointer to it. */
    pal_thread_exit();
}
