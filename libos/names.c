/* Names of syscalls and errnos, generated at build time from the kernel UAPI headers, for
 * logs, traces and --stats. */
#include "libos/libos.h"

static const char *const g_syscall_names[] = {
#include "syscall_names.inc"
};

static const char *const g_errno_names[] = {
#include "errno_names.inc"
};

const char *libos_unsupported_syscall_name(long nr) {
    if (nr < 0 || nr >= (long)(sizeof(g_syscall_names) / sizeof(g_syscall_names[0])))
        return NULL;
    return g_syscall_names[nr];
}

const char *libos_errno_name(long err) {
    if (err <= 0 || err >= (long)(sizeof(g_errno_names) / sizeof(g_errno_names[0])) ||
        !g_errno_names[err])
        return "E?";
    return g_errno_names[err];
}
