/* Start of the runtime: relocate ourselves, learn about the host, set up the main
 * thread's control block, then hand over to the LibOS. */
#include "pal/direct/internal.h"
#include "common/string.h"
#include "common/log.h"
#include <linux/elf.h>
#include <linux/auxvec.h>
#include <linux/sched.h>

extern const Elf64_Ehdr __ehdr_start __attribute__((visibility("hidden")));
extern Elf64_Dyn _DYNAMIC[] __attribute__((visibility("hidden")));
extern char _end[] __attribute__((visibility("hidden")));

struct pal_host_info g_pal_host_info;
struct pal_upcalls g_pal_upcalls;
int g_pal_log_fd = 2;

/* Nothing is relocated yet: this must not read any pointer stored in data. A static PIE
 * built without libc only carries R_X86_64_RELATIVE relocations. */
static void relocate_self(void) {
    uintptr_t base = (uintptr_t)&__ehdr_start;
    Elf64_Rela *rela = NULL;
    uint64_t rela_size = 0;
    for (Elf64_Dyn *d = _DYNAMIC; d->d_tag != DT_NULL; d++) {
        if (d->d_tag == DT_RELA)
            rela = (Elf64_Rela *)(base + d->d_un.d_ptr);
        else if (d->d_tag == DT_RELASZ)
            rela_size = d->d_un.d_val;
    }
    for (uint64_t i = 0; rela && i < rela_size / sizeof(*rela); i++)
        if (ELF64_R_TYPE(rela[i].r_info) == 8 /* R_X86_64_RELATIVE */)
            *(uint64_t *)(base + rela[i].r_offset) = base + rela[i].r_addend;
}

static void log_sink(const char *buf, size_t n) {
    while (n) {
        long r = host_syscall3(__NR_write, g_pal_log_fd, buf, n);
        if (r <= 0)
            return;
        buf += r;
        n -= (size_t)r;
    }
}

void pal_log_write(const char *buf, size_t n) {
    log_sink(buf, n);
}

__attribute__((noreturn)) void pal_fatal(const char *what, long err) {
    log_error("%s failed (error %ld)", what, -err);
    pal_process_exit(125);
}

static unsigned count_cpus(void) {
    uint64_t mask[16];
    long n = host_syscall3(__NR_sched_getaffinity, 0, sizeof(mask), mask);
    if (n <= 0)
        return 1;
    unsigned count = 0;
    for (long i = 0; i < n / 8; i++)
        count += (unsigned)__builtin_popcountll(mask[i]);
    return count ? count : 1;
}

const struct pal_host_info *pal_host_info(void) {
    return &g_pal_host_info;
}

void pal_register_upcalls(const struct pal_upcalls *upcalls) {
    g_pal_upcalls = *upcalls;
}

void libos_start(const struct pal_host_info *info) __attribute__((noreturn));

/* A PAL built over this one learns where it runs (sgx-sim: from the boot block that the
 * untrusted loader put in auxv) before any thread state exists. */
__attribute__((weak)) void pal_start_prepare(struct pal_host_info *hi) {
    (void)hi;
}

__attribute__((noreturn, used)) void pal_direct_start(uint64_t *sp) {
    relocate_self();
    /* A provisional control block until the real one is mapped: gate stubs use %gs. */
    static struct pal_tcb boot_tcb;
    boot_tcb.self = &boot_tcb;
    boot_tcb.in_runtime = 1;
    pal_gate_set_gs(&boot_tcb);
    struct pal_host_info *hi = &g_pal_host_info;
    hi->argc = (int)sp[0];
    hi->argv = (char **)(sp + 1);
    hi->envp = hi->argv + hi->argc + 1;
    char **e = hi->envp;
    while (*e)
        e++;
    hi->auxv = (uint64_t *)(e + 1);
    hi->clock_ticks = 100;
    for (uint64_t *a = hi->auxv; a[0] != AT_NULL; a += 2) {
        switch (a[0]) {
        case AT_SYSINFO_EHDR:
            hi->vdso_base = (void *)a[1];
            break;
        case AT_HWCAP:
            hi->hwcap = a[1];
            break;
        case AT_HWCAP2:
            hi->hwcap2 = a[1];
            break;
        case AT_CLKTCK:
            hi->clock_ticks = a[1];
            break;
        case AT_PLATFORM:
            hi->platform = (const char *)a[1];
            break;
        }
    }
    hi->runtime_base = (void *)&__ehdr_start;
    hi->runtime_size = (size_t)(_end - (char *)&__ehdr_start);
    hi->cpu_count = count_cpus();
    hi->pal_name = "direct";
    pal_start_prepare(hi);

    /* The runtime logs through its own dup of stderr, out of the app's way. */
    long fd = host_syscall3(__NR_fcntl, 2, 1030 /* F_DUPFD_CLOEXEC */, 200);
    if (fd >= 0)
        g_pal_log_fd = (int)fd;
    log_set_sink(log_sink);

    pal_thread_setup_current();
    pal_time_init(hi->vdso_base);
    pal_signals_init();
    libos_start(hi);
}
