/* LibOS start: the PAL calls libos_start once the main thread's control block exists. */
#include "libos/libos.h"
#include "common/hot.h"
#include "libos/patch.h"
#include "libos/memory.h"
#include "libos/thread.h"
#include "libos/signal.h"
#include "common/string.h"
#include "loader/loader.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/spinlock.h"
#include <linux/signal.h>
#include "pal/pal.h"

struct libos_config g_libos_config HOT_DATA;

static void *heap_pages(size_t len) {
    return libos_mem_map_runtime(len);
}

static void heap_unmap(void *addr, size_t len) {
    libos_mem_unmap_runtime(addr, len);
}

/* A fault in app code: queued for the faulting thread, which then enters the LibOS and
 * gets it on its way back (its handler, or the default action). */
static int app_fault(const void *siginfo, struct pal_context *ctx, const struct pal_fault *fault) {
    siginfo_t info;
    memcpy(&info, siginfo, sizeof(info));
    /* int3 inside a patched window: a jump landed in the middle of it. */
    if (info.si_signo == SIGTRAP && fault->trapno == 3 && libos_patch_redirect(&ctx->rip))
        return PAL_FAULT_RESUME;
    log_debug("app fault: signal %d code %d addr %#lx rip %#lx trap %lu", info.si_signo,
              info.si_code, (unsigned long)info.si_addr, (unsigned long)ctx->rip,
              (unsigned long)fault->trapno);
    libos_signal_fault(&info, fault);
    return PAL_FAULT_QUEUED;
}

static void yield_to_host(void) {
    pal_sched_yield();
}

__attribute__((noreturn)) void libos_start(const struct pal_host_info *info) {
    static const struct alloc_page_source source = {heap_pages, heap_unmap};
    static const struct pal_upcalls upcalls = {
        .syscall_entry = libos_syscall_entry,
        .app_fault = app_fault,
        .host_signal = libos_host_signal,
        .interrupt_entry = libos_interrupt_entry,
        .resume_start = (uintptr_t)libos_return_to_app,
        .resume_end = (uintptr_t)libos_return_to_app_end,
    };
    pal_register_upcalls(&upcalls);
    g_spin_yield = yield_to_host;
    libos_threads_init();
    libos_syscall_table_init();
    libos_memory_init();
    alloc_init(&source);
    loader_main(info->argc, info->argv, info->envp);
    pal_signals_enable();
    long r = pal_catch_enable(g_libos_config.catch_kind);
    if (r < 0) {
        log_error("cannot enable the kernel syscall catch (%s, error %ld); this host kernel needs "
                  "Syscall User Dispatch (Linux 5.11+) or seccomp; try --catch=seccomp",
                  g_libos_config.catch_kind == PAL_CATCH_SUD ? "Syscall User Dispatch" : "seccomp",
                  -r);
        pal_process_exit(EXIT_ENCLOS_FAILURE);
    }
    libos_return_to_app();
}
