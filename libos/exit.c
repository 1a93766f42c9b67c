/* The end of the app: the --stats tables, then the host process exit. */
#include "libos/libos.h"
#include "libos/patch.h"
#include "libos/syscall.h"
#include "common/log.h"
#include "pal/pal.h"
#include "libos/vma.h"
#include "libos/thread.h"
#include "libos/futex.h"
#include "libos/drain.h"
#include "libos/profile.h"

static void print_pal_line(const char *text) {
    log_raw("  %s\n", text);
}

void libos_print_stats(void) {
    const struct pal_stats *ps = pal_stats();
    uint64_t total = 0;
    for (int nr = 0; nr < SYSCALL_TABLE_SIZE; nr++)
        total += g_syscall_stats.count[nr];
    log_raw("enclos stats\n");
    log_raw("  %-24s %12s %12s\n", "syscall", "calls", "host calls");
    for (int nr = 0; nr < SYSCALL_TABLE_SIZE; nr++) {
        if (!g_syscall_stats.count[nr])
            continue;
        const char *name = syscall_name(nr);
        log_raw("  %-24s %12lu %12lu\n", name ? name : "?",
                (unsigned long)g_syscall_stats.count[nr],
                (unsigned long)g_syscall_stats.host_calls[nr]);
    }
    log_raw("  %-24s %12lu\n", "total", (unsigned long)total);
    log_raw("  paths: kernel catch %lu, patched sites %lu\n", (unsigned long)ps->caught_syscalls,
            (unsigned long)libos_patched_syscall_count());
    libos_patch_print_stats();
    log_raw("  host calls: %lu (memory calls %lu)\n", (unsigned long)ps->host_calls,
            (unsigned long)ps->mem_calls);
    const struct libos_futex_stats *fs = libos_futex_stats();
    log_raw("  threads: peak %u; futex waits %lu, wakes %lu (%lu found no waiter: no host call)\n",
            libos_thread_peak(), (unsigned long)fs->waits, (unsigned long)fs->wakes,
            (unsigned long)fs->wakes_without_waiters);
    log_raw("  drained sockets: %lu reads answered EAGAIN without a host call\n",
            (unsigned long)__atomic_load_n(&g_drain_answered, __ATOMIC_RELAXED));
    const struct libos_memory_stats *ms = libos_memory_stats();
    log_raw("  memory syscalls: %lu PAL calls made, %lu answered from the VMA tree alone\n",
            (unsigned long)ms->pal_calls, (unsigned long)ms->pal_calls_avoided);
    pal_print_stats(print_pal_line);
}

__attribute__((noreturn)) void libos_exit_process(int status) {
    libos_vfork_send_writes();
    if (g_libos_config.stats)
        libos_print_stats();
    libos_profile_at_exit(status, 0);
    pal_process_exit(status);
}

__attribute__((noreturn)) void libos_die_of_signal(int sig) {
    libos_vfork_send_writes();
    if (g_libos_config.stats)
        libos_print_stats();
    libos_profile_at_exit(128 + sig, sig);
    pal_process_die_of_signal(sig);
}
