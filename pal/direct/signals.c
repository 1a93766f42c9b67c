/* Host signals that are not the syscall catch: hardware faults. A fault in runtime code is
 * a runtime bug and is reported with registers and a backtrace; a fault in app code is the
 * app's (until app signal delivery exists it ends the process as the signal would). */
#include "pal/direct/internal.h"
#include "common/log.h"
#include <linux/signal.h>

static void report_runtime_fault(int sig, siginfo_t *si, struct sigcontext *m) {
    log_error("runtime bug: signal %d at rip=%#lx addr=%#lx (runtime image at %p)", sig,
              (unsigned long)m->rip, (unsigned long)si->si_addr, g_pal_host_info.runtime_base);
    log_error("  rax=%#lx rbx=%#lx rcx=%#lx rdx=%#lx rsi=%#lx rdi=%#lx", (unsigned long)m->rax,
              (unsigned long)m->rbx, (unsigned long)m->rcx, (unsigned long)m->rdx,
              (unsigned long)m->rsi, (unsigned long)m->rdi);
    log_error("  rbp=%#lx rsp=%#lx r8=%#lx r9=%#lx r10=%#lx r11=%#lx", (unsigned long)m->rbp,
              (unsigned long)m->rsp, (unsigned long)m->r8, (unsigned long)m->r9,
              (unsigned long)m->r10, (unsigned long)m->r11);
    uintptr_t base = (uintptr_t)g_pal_host_info.runtime_base;
    uintptr_t end = base + g_pal_host_info.runtime_size;
    log_error("  backtrace (runtime offsets; resolve with addr2line -e build/enclos):");
    log_error("    #0 %#lx", (unsigned long)(m->rip - base));
    /* The runtime keeps frame pointers, so the chain of saved rbp is the call stack. */
    struct pal_tcb *tcb = pal_tcb();
    uintptr_t lo = (uintptr_t)tcb->libos_stack_base;
    uintptr_t hi = lo + tcb->libos_stack_size;
    uint64_t *fp = (uint64_t *)m->rbp;
    for (int depth = 1; depth < 32; depth++) {
        if ((uintptr_t)fp < lo || (uintptr_t)fp + 16 > hi || ((uintptr_t)fp & 7))
            break;
        uintptr_t ret = fp[1];
        if (ret < base || ret >= end)
            break;
        log_error("    #%d %#lx", depth, (unsigned long)(ret - base));
        fp = (uint64_t *)fp[0];
    }
}

static void fault_handler(int sig, siginfo_t *si, void *ucv) {
    struct host_ucontext *uc = ucv;
    struct pal_tcb *tcb = pal_tcb();
    uint64_t rip = uc->uc_mcontext.rip;
    bool in_runtime_image =
        rip >= (uint64_t)g_pal_host_info.runtime_base &&
        rip < (uint64_t)g_pal_host_info.runtime_base + g_pal_host_info.runtime_size;
    if (tcb->in_runtime && in_runtime_image) {
        report_runtime_fault(sig, si, &uc->uc_mcontext);
        pal_process_exit(125);
    }
    if (g_pal_upcalls.app_fault) {
        struct pal_context ctx;
        pal_context_from_host(&ctx, &uc->uc_mcontext);
        g_pal_upcalls.app_fault(sig, si->si_code, (uint64_t)si->si_addr, &ctx);
    }
    pal_process_die_of_signal(sig);
}

/* pal_thread_interrupt's signal. Inside the runtime it only cuts a blocking host call
 * short (the handler is installed without SA_RESTART); in app code the thread is sent
 * into the LibOS the way the syscall catch sends it. */
static void interrupt_handler(int sig, siginfo_t *si, void *ucv) {
    struct host_ucontext *uc = ucv;
    struct sigcontext *m = &uc->uc_mcontext;
    struct pal_tcb *tcb = pal_tcb();
    if (tcb->in_runtime || !g_pal_upcalls.interrupt_entry)
        return;
    if (m->rip >= g_pal_upcalls.resume_start && m->rip < g_pal_upcalls.resume_end) {
        /* Still on the way out: the app's registers are all in tcb->app. */
    } else {
        pal_context_from_host(&tcb->app, m);
        tcb->app.syscall_nr = ~0ULL;
        tcb->app.fpstate = NULL;
    }
    tcb->in_runtime = 1;
    m->rip = (uint64_t)g_pal_upcalls.interrupt_entry;
    m->rsp = (uint64_t)tcb->libos_stack_top;
}

void pal_signals_init(void) {
    pal_set_host_signal(PAL_HOST_SIG_INTERRUPT, interrupt_handler);
    static const int faults[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP};
    for (unsigned i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
        pal_set_host_signal(faults[i], fault_handler);
}

long pal_host_signal_ignore(int sig, bool ignore) {
    if (sig == SIGSYS || sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
        sig == SIGTRAP || sig == PAL_HOST_SIG_INTERRUPT || sig == SIGKILL || sig == SIGSTOP || sig < 1 || sig > 64)
        return -22 /* EINVAL */;
    struct host_sigaction sa = {.handler = ignore ? SIG_IGN : SIG_DFL};
    return host_syscall4(__NR_rt_sigaction, sig, &sa, 0, 8);
}
