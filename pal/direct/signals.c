/* Host signals other than the syscall catch. A hardware fault in runtime code is a runtime
 * bug, reported with registers and a backtrace; one in app code goes to the LibOS, which
 * delivers it to the app. Every other host signal (from outside, from host timers, the
 * runtime's own thread interrupt) is recorded by the LibOS without locks, and the thread
 * it landed on is brought into the LibOS: from app code through the interrupt entry, out of
 * the blocking gate's window to its -EINTR exit, or out of a blocking host call by the
 * call's own EINTR (the handlers are installed without SA_RESTART). */
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

void pal_set_unsafe_gate(bool unsafe) {
    g_pal_gate_unchecked = unsafe;
}

extern char pal_gate_blocking_check[], pal_gate_blocking_syscall[], pal_gate_blocking_eintr[];
extern char pal_gate_then_check[], pal_gate_then_syscall[], pal_gate_then_eintr[];

/* The gate's blocking calls test signal_pending, then make the call: a signal between the
 * two must not be lost in a wait, so it moves the thread to the call's -EINTR exit. */
static void leave_blocking_window(struct sigcontext *m) {
    static const struct {
        const char *check, *syscall, *eintr;
    } windows[] = {
        {pal_gate_blocking_check, pal_gate_blocking_syscall, pal_gate_blocking_eintr},
        {pal_gate_then_check, pal_gate_then_syscall, pal_gate_then_eintr},
    };
    for (unsigned i = 0; i < sizeof(windows) / sizeof(windows[0]); i++)
        if (m->rip >= (uint64_t)windows[i].check && m->rip <= (uint64_t)windows[i].syscall)
            m->rip = (uint64_t)windows[i].eintr;
}

/* Points the interrupted app thread at the LibOS interrupt entry, its registers saved. */
static void enter_libos(struct pal_tcb *tcb, struct sigcontext *m) {
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

static void async_handler(int sig, siginfo_t *si, void *ucv) {
    struct host_ucontext *uc = ucv;
    struct sigcontext *m = &uc->uc_mcontext;
    struct pal_tcb *tcb = pal_tcb();
    __atomic_fetch_add(&g_pal_stats.host_signals, 1, __ATOMIC_RELAXED);
    if (sig != PAL_HOST_SIG_INTERRUPT && g_pal_upcalls.host_signal &&
        !g_pal_upcalls.host_signal(sig, si))
        return; /* ignored by the app: nothing to interrupt */
    if (tcb->in_runtime) {
        if (!g_pal_gate_unchecked && tcb->signal_pending)
            leave_blocking_window(m);
        return;
    }
    if (g_pal_upcalls.interrupt_entry)
        enter_libos(tcb, m);
}

__attribute__((weak)) bool pal_memory_fault(const struct pal_fault *fault, bool in_runtime,
                                            siginfo_t *si) {
    return false;
}

static void fault_handler(int sig, siginfo_t *si, void *ucv) {
    struct host_ucontext *uc = ucv;
    struct pal_tcb *tcb = pal_tcb();
    struct pal_fault fault = {.trapno = uc->uc_mcontext.trapno,
                              .error_code = uc->uc_mcontext.err,
                              .address = uc->uc_mcontext.cr2};
    if (sig == SIGSEGV && fault.trapno == 14 && pal_memory_fault(&fault, tcb->in_runtime != 0, si))
        return;
    if (tcb->in_runtime) {
        /* Runtime code faulted: its image, or the host vDSO on the runtime's behalf. */
        report_runtime_fault(sig, si, &uc->uc_mcontext);
        pal_process_exit(125);
    }
    __atomic_fetch_add(&g_pal_stats.app_faults, 1, __ATOMIC_RELAXED);
    struct pal_context ctx;
    pal_context_from_host(&ctx, &uc->uc_mcontext);
    int verdict =
        g_pal_upcalls.app_fault ? g_pal_upcalls.app_fault(si, &ctx, &fault) : PAL_FAULT_FATAL;
    if (verdict == PAL_FAULT_RESUME) {
        uc->uc_mcontext.rip = ctx.rip;
        return;
    }
    if (verdict == PAL_FAULT_QUEUED) {
        enter_libos(tcb, &uc->uc_mcontext);
        return;
    }
    pal_process_die_of_signal(sig);
}

void pal_signals_init(void) {
    static const int faults[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP};
    for (unsigned i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
        pal_set_host_signal(faults[i], fault_handler);
    pal_set_host_signal(PAL_HOST_SIG_INTERRUPT, async_handler);
}

void pal_signals_enable(void) {
    for (int sig = 1; sig < PAL_HOST_SIG_INTERRUPT; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP || sig == SIGSYS || sig == SIGSEGV || sig == SIGBUS ||
            sig == SIGILL || sig == SIGFPE || sig == SIGTRAP)
            continue;
        pal_set_host_signal(sig, async_handler);
    }
}
