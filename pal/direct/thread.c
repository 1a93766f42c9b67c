/* Per-thread runtime state: the %gs control block, the LibOS stack the entry stubs
 * switch to, and the host signal stack (the app's stack may be a 2 KiB goroutine stack). */
#include "pal/direct/internal.h"
#include "common/string.h"
#include <linux/mman.h>
#include <asm/prctl.h>
#include <linux/sched.h>
#include <linux/futex.h>
#include <linux/time_types.h>
#include "common/spinlock.h"
#include "common/log.h"

#define LIBOS_STACK_SIZE PAL_THREAD_LIBOS_STACK_SIZE
#define ALTSTACK_SIZE PAL_THREAD_ALTSTACK_SIZE
#define GUARD 4096UL

/* Threads that run now, and the most that ever ran at once (sgx.max_threads). */
static unsigned g_live_threads = 1, g_peak_threads = 1;

/* Maps a control block with its stacks for a thread that does not run yet. */
/* Fills a control block laid out in the mapping [base, base + total). */
static struct pal_tcb *block_fill(struct pal_tcb *tcb, char *base, size_t total, char *stack_base,
                                  char *stack_top, char *altstack) {
    memset(tcb, 0, sizeof(*tcb));
    tcb->self = tcb;
    tcb->mapping_base = base;
    tcb->mapping_size = total;
    tcb->libos_stack_base = stack_base;
    tcb->libos_stack_top = stack_top;
    tcb->libos_stack_size = (size_t)(stack_top - stack_base);
    tcb->host_altstack = altstack;
    tcb->host_altstack_size = ALTSTACK_SIZE;
    tcb->in_runtime = 1;
    return tcb;
}

struct pal_tcb *pal_thread_block_host_alloc(long *err) {
    /* One mapping: guard | host signal stack | guard | LibOS stack, whose last page also
     * holds the control block, right above the stack's top: the frames of a syscall and
     * the block it reads share a page, one page walk fewer per call on hosts where each
     * syscall flushes the TLB (common/hot.h). An enclave cannot do this (its %gs base must
     * be page-aligned): pal_thread_block_init keeps the block on a page of its own. */
    size_t total = GUARD + ALTSTACK_SIZE + GUARD + LIBOS_STACK_SIZE;
    long m = host_syscall6(__NR_mmap, 0, (long)total, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m < 0 && m > -4096) {
        *err = m;
        return NULL;
    }
    char *base = (char *)m;
    host_syscall3(__NR_mprotect, base, GUARD, PROT_NONE);
    host_syscall3(__NR_mprotect, base + GUARD + ALTSTACK_SIZE, GUARD, PROT_NONE);
    struct pal_tcb *tcb = (struct pal_tcb *)((uintptr_t)(base + total - sizeof(*tcb)) & ~63UL);
    return block_fill(tcb, base, total, base + GUARD + ALTSTACK_SIZE + GUARD, (char *)tcb,
                      base + GUARD);
}

void pal_thread_block_host_free(struct pal_tcb *tcb) {
    host_syscall2(__NR_munmap, tcb->mapping_base, tcb->mapping_size);
}

__attribute__((weak)) struct pal_tcb *pal_thread_block_alloc(long *err) {
    return pal_thread_block_host_alloc(err);
}

__attribute__((weak)) void pal_thread_block_free(struct pal_tcb *tcb) {
    pal_thread_block_host_free(tcb);
}

struct pal_tcb *pal_thread_block_init(char *base, size_t total) {
    size_t tcb_size = (sizeof(struct pal_tcb) + 4095) & ~4095UL;
    struct pal_tcb *tcb = (struct pal_tcb *)(base + total - tcb_size);
    return block_fill(tcb, base, total, base + GUARD, base + GUARD + LIBOS_STACK_SIZE,
                      base + GUARD + LIBOS_STACK_SIZE + GUARD);
}

/* Points the host at tcb's signal stack for the calling thread. */
static void install_host_altstack(struct pal_tcb *tcb) {
    struct {
        void *sp;
        int flags;
        size_t size;
    } ss = {tcb->host_altstack, 0, tcb->host_altstack_size};
    long r = host_syscall2(__NR_sigaltstack, &ss, 0);
    if (r < 0)
        pal_fatal("setting the host signal stack", r);
}

/* Makes tcb the calling host thread's control block and host signal stack. */
static void thread_block_install(struct pal_tcb *tcb) {
    long r = pal_gate_set_gs(tcb);
    if (r < 0)
        pal_fatal("setting the thread control block (arch_prctl ARCH_SET_GS)", r);
    tcb->host_tid = (int)host_syscall0(__NR_gettid);
    install_host_altstack(tcb);
}

struct pal_tcb *pal_thread_setup_current(void) {
    long err = -12;
    struct pal_tcb *tcb = pal_thread_block_alloc(&err);
    if (!tcb)
        pal_fatal("allocating the main thread's runtime stacks", err);
    thread_block_install(tcb);
    return tcb;
}

long pal_set_fs_base(uint64_t base) {
    return host_syscall2(__NR_arch_prctl, ARCH_SET_FS, base);
}

uint64_t pal_get_fs_base(void) {
    uint64_t base = 0;
    host_syscall2(__NR_arch_prctl, ARCH_GET_FS, &base);
    return base;
}

long pal_sched_yield(void) {
    return host_syscall0(__NR_sched_yield);
}

/* Threads that exited, whose mappings are freed once the kernel has cleared `alive` (it does
 * so after the thread stopped using its stack). */
static struct pal_tcb *g_dead_threads;
static spinlock_t g_dead_lock = SPINLOCK_INIT;

static void reap_dead_threads(void) {
    spin_lock(&g_dead_lock);
    struct pal_tcb **link = &g_dead_threads;
    while (*link) {
        struct pal_tcb *t = *link;
        if (__atomic_load_n(&t->alive, __ATOMIC_ACQUIRE) == 0) {
            *link = t->next_dead;
            pal_thread_block_free(t);
        } else {
            link = &t->next_dead;
        }
    }
    spin_unlock(&g_dead_lock);
}

__attribute__((noreturn, used)) void pal_thread_child_main(struct pal_tcb *tcb) {
    tcb->host_tid = (int)host_syscall0(__NR_gettid);
    install_host_altstack(tcb);
    long r = pal_catch_arm_thread();
    if (r < 0)
        pal_fatal("arming the syscall catch in a new thread", r);
    tcb->start(tcb->start_arg);
    pal_thread_exit();
}

/* Takes a place for one more thread under sgx.max_threads. */
static long count_new_thread(void) {
    unsigned live = __atomic_add_fetch(&g_live_threads, 1, __ATOMIC_RELAXED);
    if (g_pal_max_threads && live > g_pal_max_threads) {
        __atomic_sub_fetch(&g_live_threads, 1, __ATOMIC_RELAXED);
        log_error("cannot create a thread: sgx.max_threads = %lu reached (peak %u threads); "
                  "raise sgx.max_threads in the manifest",
                  (unsigned long)g_pal_max_threads, g_peak_threads);
        return -11; /* EAGAIN */
    }
    unsigned peak = __atomic_load_n(&g_peak_threads, __ATOMIC_RELAXED);
    while (live > peak && !__atomic_compare_exchange_n(&g_peak_threads, &peak, live, false,
                                                       __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
    return 0;
}

long pal_thread_create(void (*start)(void *arg), void *arg) {
    reap_dead_threads();
    long r = count_new_thread();
    if (r < 0)
        return r;
    long err = -12; /* ENOMEM */
    struct pal_tcb *tcb = pal_thread_block_alloc(&err);
    if (!tcb) {
        __atomic_sub_fetch(&g_live_threads, 1, __ATOMIC_RELAXED);
        return err;
    }
    tcb->start = start;
    tcb->start_arg = arg;
    uint64_t *sp = (uint64_t *)tcb->libos_stack_top - 2;
    sp[0] = (uint64_t)tcb;
    unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                          CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    long tid = pal_gate_clone(flags, sp, &tcb->alive, &tcb->alive);
    if (tid < 0) {
        __atomic_sub_fetch(&g_live_threads, 1, __ATOMIC_RELAXED);
        pal_thread_block_free(tcb);
    }
    return tid;
}

__attribute__((noreturn)) void pal_thread_exit(void) {
    struct pal_tcb *tcb = pal_tcb();
    __atomic_sub_fetch(&g_live_threads, 1, __ATOMIC_RELAXED);
    spin_lock(&g_dead_lock);
    tcb->next_dead = g_dead_threads;
    g_dead_threads = tcb;
    spin_unlock(&g_dead_lock);
    /* Block every host signal: a handler must not run on stacks about to be freed. */
    uint64_t all = ~0ULL;
    host_syscall4(__NR_rt_sigprocmask, 2 /* SIG_SETMASK */, &all, 0, 8);
    pal_gate_thread_exit();
}

void pal_threads_after_fork(struct pal_tcb *self) {
    /* Dead threads' blocks are copies the child may free; live ones belong to threads that
     * do not exist here, and stay (their stacks may be where the parent's LibOS data
     * points). */
    g_dead_lock = (spinlock_t)SPINLOCK_INIT;
    g_live_threads = 1;
    reap_dead_threads();
    (void)self;
}

void pal_thread_set_name(const char *name) {
    host_syscall2(__NR_prctl, 15 /* PR_SET_NAME */, name);
}

long pal_thread_interrupt(int tid) {
    return host_syscall3(__NR_tgkill, host_syscall0(__NR_getpid), tid, PAL_HOST_SIG_INTERRUPT);
}

long pal_event_wait(volatile uint32_t *word, uint32_t expected,
                    const struct __kernel_timespec *abs_timeout) {
    /* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline. */
    return host_blocking_syscall(__NR_futex, (long)word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG,
                                 expected, (long)abs_timeout, 0, (long)FUTEX_BITSET_MATCH_ANY);
}

long pal_event_wake(volatile uint32_t *word, int count) {
    return host_syscall3(__NR_futex, word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, count);
}
