/* Internals shared by the files of the direct PAL. */
#ifndef PAL_DIRECT_INTERNAL_H
#define PAL_DIRECT_INTERNAL_H

#include "pal/pal.h"
#include "pal/direct/host.h"
#include <asm/sigcontext.h>
#include <asm/siginfo.h>

/* The kernel's x86-64 ucontext as a signal handler receives it. */
struct host_ucontext {
    unsigned long uc_flags;
    struct host_ucontext *uc_link;
    struct {
        void *ss_sp;
        int ss_flags;
        unsigned long ss_size;
    } uc_stack;
    struct sigcontext uc_mcontext;
    uint64_t uc_sigmask;
};

struct host_sigaction {
    void *handler;
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

#define HOST_SA_SIGINFO 0x4
#define HOST_SA_ONSTACK 0x08000000
#define HOST_SA_RESTORER 0x04000000
#define HOST_SA_NODEFER 0x40000000

extern char pal_gate_start[], pal_gate_end[];
extern uint64_t g_pal_host_calls;
extern char g_pal_gate_unchecked;
extern struct pal_upcalls g_pal_upcalls;
extern struct pal_host_info g_pal_host_info;
extern struct pal_stats g_pal_stats;
extern int g_pal_log_fd;

void pal_gate_sigreturn(void);
long pal_gate_set_gs(void *base);
long pal_gate_clone(unsigned long flags, void *child_stack, volatile int *parent_tid,
                    volatile int *child_tid);
__attribute__((noreturn)) void pal_gate_thread_exit(void);
/* Arms the kernel catch on the calling thread (SUD is per thread; seccomp is inherited). */
long pal_catch_arm_thread(void);

/* Allocates and installs the thread control block for the calling host thread, with its
 * LibOS stack and host signal stack. */
struct pal_tcb *pal_thread_setup_current(void);
long pal_set_host_signal(int sig, void (*handler)(int, siginfo_t *, void *));
void pal_signals_init(void);
/* In a forked child: forget the threads that stayed behind in the parent. */
void pal_threads_after_fork(struct pal_tcb *self);
/* The host signal that carries pal_thread_interrupt; the app never sees it. */
#define PAL_HOST_SIG_INTERRUPT 64
void pal_context_from_host(struct pal_context *c, const struct sigcontext *m);
void pal_time_init(void *vdso_base);
__attribute__((noreturn)) void pal_fatal(const char *what, long err);

extern uint64_t g_pal_max_threads;
/* Where a thread's control block and stacks live: host memory here; a PAL built over this
 * one (sgx-sim) puts them in its thread slots. The block's mapping_base/size say what to
 * give back to pal_thread_block_free. Returns NULL and sets *err when there is none. */
struct pal_tcb *pal_thread_block_alloc(long *err);
void pal_thread_block_free(struct pal_tcb *tcb);
/* The direct PAL's own: a host mapping (what the two above do unless overridden). */
struct pal_tcb *pal_thread_block_host_alloc(long *err);
void pal_thread_block_host_free(struct pal_tcb *tcb);
/* Lays out a control block and its stacks in [base, base + total) (guard pages already
 * inaccessible): guard | LibOS stack | guard | host signal stack | control block, the
 * block on a page of its own (an enclave's %gs base is page-aligned). The direct PAL's
 * host blocks put it on the LibOS stack's top page instead (pal_thread_block_host_alloc). */
struct pal_tcb *pal_thread_block_init(char *base, size_t total);
#define PAL_THREAD_LIBOS_STACK_SIZE (256 * 1024UL)
#define PAL_THREAD_ALTSTACK_SIZE (64 * 1024UL)
/* A fault at a memory address, before it is taken as the app's or the runtime's: a PAL
 * built over this one resolves faults its own memory model explains (pages added on first
 * touch). True means handled: the faulting instruction runs again. Otherwise it may correct
 * si for the app (a page its model holds inaccessible that no mapping covers is SEGV_MAPERR,
 * as Linux reports unmapped memory). */
bool pal_memory_fault(const struct pal_fault *fault, bool in_runtime, siginfo_t *si);

#endif
