/* The one dispatcher: both ways into the LibOS end here, over one table built from the
 * SYSCALL() definitions of every family file. */
#include "common/hot.h"
#include "libos/syscall.h"
#include "libos/libos.h"
#include "libos/thread.h"
#include "libos/signal.h"
#include "pal/pal.h"
#include "common/log.h"
#include "common/string.h"

extern const struct syscall_desc __start_libos_syscalls[] __attribute__((visibility("hidden")));
extern const struct syscall_desc __stop_libos_syscalls[] __attribute__((visibility("hidden")));

static const struct syscall_desc *g_table[SYSCALL_TABLE_SIZE];
/* The handlers alone, on the hot page (common/hot.h), so a syscall reads no descriptor:
 * as 32-bit offsets from libos_handle_syscall (the runtime's code is far smaller than
 * 2 GiB), half the size of pointers, and the table shares one page with the other hot
 * globals. 0: no handler. */
static int32_t g_handler_offsets[SYSCALL_TABLE_SIZE] HOT_DATA;
static uint8_t g_unknown_logged[SYSCALL_TABLE_SIZE];
struct libos_syscall_stats g_syscall_stats;

void libos_syscall_table_init(void) {
    for (const struct syscall_desc *d = __start_libos_syscalls; d < __stop_libos_syscalls; d++)
        if (d->nr >= 0 && d->nr < SYSCALL_TABLE_SIZE) {
            g_table[d->nr] = d;
            g_handler_offsets[d->nr] =
                (int32_t)((intptr_t)d->handler - (intptr_t)libos_handle_syscall);
        }
}

const struct syscall_desc *syscall_lookup(long nr) {
    return nr >= 0 && nr < SYSCALL_TABLE_SIZE ? g_table[nr] : NULL;
}

const char *syscall_name(long nr) {
    const struct syscall_desc *d = syscall_lookup(nr);
    return d ? d->name : libos_unsupported_syscall_name(nr);
}

/* The slow paths stay out of .text.hot, so the fast path fits its pages (common/hot.h). */
__attribute__((noinline, cold)) static void trace_syscall(long nr, const struct syscall_args *args,
                                                          long result) {
    const char *name = syscall_name(nr);
    if (result < 0 && result > -4096)
        log_raw("[%d] %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) = -1 %s (%ld)\n", libos_current_tid(),
                name ? name : "?", args->arg[0], args->arg[1], args->arg[2], args->arg[3],
                args->arg[4], args->arg[5], libos_errno_name(-result), result);
    else
        log_raw("[%d] %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) = %#lx\n", libos_current_tid(),
                name ? name : "?", args->arg[0], args->arg[1], args->arg[2], args->arg[3],
                args->arg[4], args->arg[5], result);
}

__attribute__((noinline, cold)) static long unsupported_syscall(long nr) {
    if (nr >= 0 && nr < SYSCALL_TABLE_SIZE && !g_unknown_logged[nr]) {
        g_unknown_logged[nr] = 1;
        const char *name = libos_unsupported_syscall_name(nr);
        log_warning("unsupported syscall %s (%ld), returning ENOSYS", name ? name : "?", nr);
    }
    return -ENOSYS;
}

/* Inlined into libos_handle_syscall: a syscall that calls the host (read, write...) comes
 * back from the kernel into every frame that was live across the call, and on this kind of
 * host each such return mispredicts (the return stack buffer does not survive the host
 * call; about 7 ns each, docs/benchmarks.md). So the path keeps few frames: the entry's
 * call of libos_handle_syscall, the handler's, and the PAL's gate (PAL calls jump to it). */
static inline __attribute__((always_inline)) long
libos_syscall_dispatch(long nr, const struct syscall_args *args) {
    bool in_table = nr >= 0 && nr < SYSCALL_TABLE_SIZE;
    int32_t offset = in_table ? g_handler_offsets[nr] : 0;
    syscall_handler handler =
        offset ? (syscall_handler)((intptr_t)libos_handle_syscall + offset) : NULL;
    long result;
    /* Counted only for --stats: the counters are pages the hot path need not touch. */
    bool stats = g_libos_config.stats;
    if (in_table && stats)
        __atomic_fetch_add(&g_syscall_stats.count[nr], 1, __ATOMIC_RELAXED);
    if (!handler) {
        result = unsupported_syscall(nr);
    } else {
        uint64_t host_calls_before = pal_tcb()->host_calls;
        result = handler(args);
        if (stats)
            __atomic_fetch_add(&g_syscall_stats.host_calls[nr],
                               pal_tcb()->host_calls - host_calls_before, __ATOMIC_RELAXED);
    }
    if (g_log_level >= LOG_TRACE)
        trace_syscall(nr, args, result);
    return result;
}

/* Called by libos_syscall_entry with the app registers in the control block. */
HOT_PATH void libos_handle_syscall(void) {
    struct pal_context *ctx = &pal_tcb()->app;
    struct syscall_args args = {{(long)ctx->rdi, (long)ctx->rsi, (long)ctx->rdx, (long)ctx->r10,
                                 (long)ctx->r8, (long)ctx->r9}};
    long nr = (long)ctx->syscall_nr;
    long result = libos_syscall_dispatch(nr, &args);
    /* Handlers that replace the whole context (rt_sigreturn, a new thread) say so. */
    if (!libos_context_replaced()) {
        ctx->rax = (uint64_t)result;
        /* What the syscall instruction leaves behind natively. */
        ctx->rcx = ctx->rip;
        ctx->r11 = ctx->rflags;
    }
    libos_before_return_to_app(result == -EINTR ? nr : -1);
}

HOT_PATH void libos_before_return_to_app(long interrupted_nr) {
    libos_thread_check_stop();
    if (pal_tcb()->signal_pending || interrupted_nr >= 0)
        libos_signals_deliver(interrupted_nr);
}

/* Called by libos_interrupt_entry for a thread interrupted in app code (a signal for it,
 * a fault, or a request from another thread). */
void libos_handle_interrupt(void) {
    libos_before_return_to_app(-1);
}
