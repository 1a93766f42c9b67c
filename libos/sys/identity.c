/* User and group identity: the host's, read once at start (the app cannot change it). */
#include "libos/syscall.h"
#include "libos/uaccess.h"
#include "pal/pal.h"

/* ruid, euid, suid, rgid, egid, sgid */
static unsigned g_ids[6];
static bool g_ids_read;

static const unsigned *ids(void) {
    if (!g_ids_read) {
        pal_host_ids(g_ids);
        g_ids_read = true;
    }
    return g_ids;
}

SYSCALL(getuid, SUPPORT_FULL) {
    return ids()[0];
}

SYSCALL(geteuid, SUPPORT_FULL) {
    return ids()[1];
}

SYSCALL(getgid, SUPPORT_FULL) {
    return ids()[3];
}

SYSCALL(getegid, SUPPORT_FULL) {
    return ids()[4];
}

static long put_three(const struct syscall_args *a, const unsigned *three) {
    for (int i = 0; i < 3; i++)
        if (!UACCESS_WRITE(ARG_PTR(unsigned *, i), sizeof(unsigned)))
            return -EFAULT;
    for (int i = 0; i < 3; i++)
        *ARG_PTR(unsigned *, i) = three[i];
    return 0;
}

SYSCALL(getresuid, SUPPORT_FULL) {
    return put_three(a, &ids()[0]);
}

SYSCALL(getresgid, SUPPORT_FULL) {
    return put_three(a, &ids()[3]);
}

SYSCALL(getgroups, SUPPORT_FULL) {
    int n = ARG_INT(0);
    unsigned *list = ARG_PTR(unsigned *, 1);
    if (n < 0)
        return -EINVAL;
    if (n > 0 && !UACCESS_WRITE(list, (size_t)n * sizeof(unsigned)))
        return -EFAULT;
    return pal_host_getgroups(n, n ? list : NULL);
}
