/* What the direct PAL takes from the loader's settings: which PAL runs (another one means
 * starting the runtime built for it) and the thread limit. */
#include "pal/direct/internal.h"
#include "common/fmt.h"
#include "common/log.h"
#include "common/string.h"

uint64_t g_pal_max_threads; /* sgx.max_threads: 0 = no limit */

/* The directory of the running runtime, from the host's link to it. */
static long runtime_dir(char *buf, size_t size) {
    long n = host_syscall3(__NR_readlink, "/proc/self/exe", buf, size - 1);
    if (n < 0)
        return n;
    buf[n] = 0;
    char *slash = strrchr(buf, '/');
    if (!slash)
        return -2; /* ENOENT */
    slash[1] = 0;
    return 0;
}

long pal_exec_sibling(const char *name, char *const argv[]) {
    char path[4096];
    long r = runtime_dir(path, sizeof(path));
    if (r < 0)
        return r;
    if (strlen(path) + strlen(name) + 1 > sizeof(path))
        return -36; /* ENAMETOOLONG */
    str_copy(path + strlen(path), name, sizeof(path) - strlen(path));
    return host_syscall3(__NR_execve, path, argv, g_pal_host_info.envp);
}

long pal_configure(const struct pal_config *cfg, char *err, size_t errlen) {
    if (cfg->pal && strcmp(cfg->pal, "direct") != 0) {
        char name[64];
        fmt_snprintf(name, sizeof(name), "enclos-%s", cfg->pal);
        long r = pal_exec_sibling(name, g_pal_host_info.argv);
        fmt_snprintf(err, errlen,
                     "cannot start %s, the runtime of the %s PAL, from enclos's directory (error "
                     "%ld); build it with make",
                     name, cfg->pal, -r);
        return r;
    }
    g_pal_max_threads = cfg->max_threads;
    return 0;
}

void pal_print_stats(void (*line)(const char *text)) {
    char buf[160];
    fmt_snprintf(buf, sizeof(buf), "pal direct: %lu host signals taken in, %lu app faults",
                 (unsigned long)g_pal_stats.host_signals, (unsigned long)g_pal_stats.app_faults);
    line(buf);
}
