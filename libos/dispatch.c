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

/* The slow paths stay out of .text.hot, so the fast path fits its pages (common/hot.h).
 * args: as the handler got them (a handler may replace the whole context); NULL after a
 * continued call, whose context still holds them. */
__attribute__((noinline, cold)) static void trace_syscall(long nr, const struct syscall_args *args,
                                                          const struct pal_context *ctx,
                                                          long result) {
    const char *name = syscall_name(nr);
    struct syscall_args from_ctx = {{(long)ctx->rdi, (long)ctx->rsi, (long)ctx->rdx, (long)ctx->r10,
                                     (long)ctx->r8, (long)ctx->r9}};
    const long *a = (args ? args : &from_ctx)->arg;
    if (result < 0 && result > -4096)
        log_raw("[%d] %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) = -1 %s (%ld)\n", libos_current_tid(),
                name ? name : "?", a[0], a[1], a[2], a[3], a[4], a[5], libos_errno_name(-result),
                result);
    else
        log_raw("[%d] %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) = %#lx\n", libos_current_tid(),
                name ? name : "?", a[0], a[1], a[2], a[3], a[4], a[5], result);
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
 * call; docs/benchmarks.md). So the path keeps few frames: the entry's call of
 * libos_handle_syscall, the handler's, and the PAL's gate (PAL calls jump to it); the
 * read and write of host objects keep none (libos_syscall_continue). */
static inline __attribute__((always_inline)) long
libos_syscall_dispatch(long nr, const struct syscall_args *args) {
    bool in_table = nr >= 0 && nr < SYSCALL_TABLE_SIZE;
    int32_t offset = in_table ? g_handler_offsets[nr] : 0;
    syscall_handler handler =
        offset ? (syscall_handler)((intptr_t)libos_handle_syscall + offset) : NULL;
    /* Counted only for --stats: the counters are pages the hot path need not touch. The
     * end of the syscall learns from the control block whether it counts or traces, so
     * after a host call it reads no global (each page touched then is a page walk). */
    struct libos_thread_hot *hot = libos_thread_hot();
    hot->account = g_libos_config.stats || g_log_level >= LOG_TRACE;
    if (hot->account) {
        if (in_table && g_libos_config.stats)
            __atomic_fetch_add(&g_syscall_stats.count[nr], 1, __ATOMIC_RELAXED);
        hot->host_calls_at_entry = pal_tcb()->host_calls;
    }
    return handler ? handler(args) : unsupported_syscall(nr);
}

/* --stats's host calls of the syscall, and its trace line. */
__attribute__((noinline, cold)) static void
account_syscall(const struct pal_context *ctx, const struct syscall_args *args, long result) {
    long nr = (long)ctx->syscall_nr;
    if (g_libos_config.stats && nr >= 0 && nr < SYSCALL_TABLE_SIZE)
        __atomic_fetch_add(&g_syscall_stats.host_calls[nr],
                           pal_tcb()->host_calls - libos_thread_hot()->host_calls_at_entry,
                           __ATOMIC_RELAXED);
    if (g_log_level >= LOG_TRACE)
        trace_syscall(nr, args, ctx, result);
}

/* The end of every syscall, also of one that continued after its host call: what the
 * syscall instruction leaves in the app's registers, the --stats counters and the trace,
 * then signals and stop requests. */
HOT_PATH __attribute__((noinline)) static void
syscall_complete(struct pal_context *ctx, const struct syscall_args *args, long result) {
    struct libos_thread_hot *hot = libos_thread_hot();
    if (hot->account)
        account_syscall(ctx, args, result);
    /* Handlers that replace the whole context (rt_sigreturn, a new thread) say so. */
    if (hot->flags & THREAD_HOT_CONTEXT_REPLACED) {
        hot->flags &= ~(uint64_t)THREAD_HOT_CONTEXT_REPLACED;
    } else {
        ctx->rax = (uint64_t)result;
        ctx->rcx = ctx->rip;
        ctx->r11 = ctx->rflags;
    }
    libos_before_return_to_app(result == -EINTR ? (long)ctx->syscall_nr : -1);
}

/* Called by libos_syscall_entry with the app registers in the control block. */
HOT_PATH void libos_handle_syscall(void) {
    struct pal_context *ctx = &pal_tcb()->app;
    struct syscall_args args = {{(long)ctx->rdi, (long)ctx->rsi, (long)ctx->rdx, (long)ctx->r10,
                                 (long)ctx->r8, (long)ctx->r9}};
    syscall_complete(ctx, &args, libos_syscall_dispatch((long)ctx->syscall_nr, &args));
}

HOT_PATH void libos_syscall_continue(long result) {
    syscall_complete(&pal_tcb()->app, NULL, result);
    libos_return_to_app();
}

/* A request to end sets signal_pending as a signal does (libos_threads_stop_others), so
 * one flag in the control block tells whether there is anything to do. */
HOT_PATH void libos_before_return_to_app(long interrupted_nr) {
    if (pal_tcb()->signal_pending || interrupted_nr >= 0) {
        libos_thread_check_stop();
        libos_signals_deliver(interrupted_nr);
    }
}

/* Called by libos_interrupt_entry for a thread interrupted in app code (a signal for it,
 * a fault, or a request from another thread). */
void libos_handle_interrupt(void) {
    libos_before_return_to_app(-1);
}
