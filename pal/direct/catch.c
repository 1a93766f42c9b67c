/* The kernel-level catch: app syscalls that were not patched trap here (SIGSYS) and are
 * redirected into the LibOS syscall entry. Nothing is emulated in signal context: the
 * handler saves the app registers in the thread control block, points the interrupted
 * context at the entry stub on the LibOS stack, and returns. */
#include "pal/direct/internal.h"
#include "common/hot.h"
#include "common/log.h"
#include "common/string.h"
#include <linux/prctl.h>
#include <linux/seccomp.h>
#include <linux/filter.h>
#include <linux/audit.h>
#include <linux/signal.h>
#include <stddef.h>

/* Syscall User Dispatch reads this byte on every syscall outside the gate. It stays at
 * BLOCK for the life of the process: the runtime never needs to switch it. */
static volatile char g_sud_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
struct pal_stats g_pal_stats;
/* What the gate reads on every host call, kept together (one cache line, one page: on some
 * hosts every syscall flushes the TLB, and each page touched after it costs). */
uint64_t g_pal_host_calls __attribute__((aligned(64)));
char g_pal_gate_unchecked HOT_DATA;   /* --debug-unsafe-gate */
char g_pal_count_host_calls HOT_DATA; /* --stats: count host calls process-wide */

void pal_count_host_calls(bool on) {
    g_pal_count_host_calls = on;
}

const struct pal_stats *pal_stats(void) {
    g_pal_stats.host_calls = g_pal_host_calls;
    return &g_pal_stats;
}

void pal_context_from_host(struct pal_context *c, const struct sigcontext *m) {
    c->rax = m->rax;
    c->rbx = m->rbx;
    c->rcx = m->rcx;
    c->rdx = m->rdx;
    c->rsi = m->rsi;
    c->rdi = m->rdi;
    c->rbp = m->rbp;
    c->rsp = m->rsp;
    c->r8 = m->r8;
    c->r9 = m->r9;
    c->r10 = m->r10;
    c->r11 = m->r11;
    c->r12 = m->r12;
    c->r13 = m->r13;
    c->r14 = m->r14;
    c->r15 = m->r15;
    c->rip = m->rip;
    c->rflags = m->eflags;
}

static void sigsys_handler(int sig, siginfo_t *si, void *ucv) {
    struct host_ucontext *uc = ucv;
    struct sigcontext *m = &uc->uc_mcontext;
    struct pal_tcb *tcb = pal_tcb();
    if (tcb->in_runtime) {
        /* Runtime code outside the gate issued a syscall: only the host vDSO's own
         * fallback path does that. Perform it for the runtime as the kernel would. */
        m->rax = (uint64_t)host_syscall6(si->si_syscall, (long)m->rdi, (long)m->rsi, (long)m->rdx,
                                         (long)m->r10, (long)m->r8, (long)m->r9);
        return;
    }
    __atomic_fetch_add(&g_pal_stats.caught_syscalls, 1, __ATOMIC_RELAXED);
    pal_context_from_host(&tcb->app, m);
    tcb->app.syscall_nr = (uint64_t)si->si_syscall;
    tcb->app.fpstate = NULL;
    tcb->in_runtime = 1;
    m->rip = (uint64_t)g_pal_upcalls.syscall_entry;
    m->rsp = (uint64_t)tcb->libos_stack_top;
}

long pal_set_host_signal(int sig, void (*handler)(int, siginfo_t *, void *)) {
    struct host_sigaction sa = {
        .handler = (void *)handler,
        .flags = HOST_SA_SIGINFO | HOST_SA_ONSTACK | HOST_SA_RESTORER,
        .restorer = pal_gate_sigreturn,
        .mask = ~0ULL & ~((1ULL << (SIGSEGV - 1)) | (1ULL << (SIGBUS - 1)) |
                          (1ULL << (SIGILL - 1)) | (1ULL << (SIGFPE - 1))),
    };
    return host_syscall4(__NR_rt_sigaction, sig, &sa, 0, 8);
}

static long enable_seccomp(void) {
    uint64_t lo = (uint64_t)pal_gate_start, hi = (uint64_t)pal_gate_end;
    /* Allow when instruction_pointer is in [lo, hi), trap otherwise. The gate never
     * straddles a 4 GiB boundary in practice; refuse if it does. */
    if ((lo >> 32) != ((hi - 1) >> 32))
        return -22;
    struct sock_filter prog[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(lo >> 32), 0, 4),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer)),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)lo, 0, 2),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)hi, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
    };
    struct sock_fprog fprog = {.len = sizeof(prog) / sizeof(prog[0]), .filter = prog};
    long r = host_syscall5(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (r < 0)
        return r;
    return host_syscall3(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog);
}

static enum pal_catch_kind g_catch_kind;

long pal_catch_arm_thread(void) {
    if (g_catch_kind == PAL_CATCH_SECCOMP)
        return 0; /* the filter is inherited by every thread the process creates */
    return host_syscall5(__NR_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON,
                         (long)pal_gate_start, (long)(pal_gate_end - pal_gate_start),
                         &g_sud_selector);
}

long pal_catch_enable(enum pal_catch_kind kind) {
    long r = pal_set_host_signal(SIGSYS, sigsys_handler);
    if (r < 0)
        return r;
    g_catch_kind = kind;
    if (kind == PAL_CATCH_SECCOMP)
        return enable_seccomp();
    g_sud_selector = SYSCALL_DISPATCH_FILTER_BLOCK;
    return pal_catch_arm_thread();
}
