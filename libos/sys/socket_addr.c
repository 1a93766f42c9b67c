/* Socket addresses between the app and the host. Only Unix socket paths change: they name
 * files, so a path from the app is resolved like any app path (cwd, mounts) to a host path,
 * and a host path the host reports is mapped back.
 *
 * Linux reports a bound Unix socket's name as the binder spelled it ("sock", not
 * "/scratch/sock"). The LibOS keeps the spellings of the app's recent binds, keyed by host
 * path; a host path it does not know is mapped back through the mounts, and one no mount
 * reaches reads as an unnamed socket. Abstract names (leading NUL) and unnamed sockets pass
 * through unchanged. */
#include "libos/sys/socket.h"
#include "libos/fs/mount.h"
#include "libos/fs/vfs.h"
#include "libos/uaccess.h"
#include "common/spinlock.h"
#include "common/string.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>

/* Enough for the sockets a program binds at a time; older spellings are forgotten. */
#define BINDING_SLOTS 64

struct unix_binding {
    char host_path[UNIX_PATH_MAX + 1];
    char app_path[UNIX_PATH_MAX + 1];
};

static struct unix_binding g_bindings[BINDING_SLOTS];
static unsigned g_binding_next;
static spinlock_t g_bindings_lock = SPINLOCK_INIT;

void socket_bindings_fork_lock(void) {
    spin_lock(&g_bindings_lock);
}

void socket_bindings_fork_unlock(void) {
    spin_unlock(&g_bindings_lock);
}

/* A Unix address that names a file: not unnamed, not abstract. (The host refuses an app
 * address longer than a sockaddr_un; it reports a 108-byte path with its NUL, one more.) */
static bool is_unix_path(const struct socket_address *a) {
    return a->len > SUN_PATH_OFFSET && a->family == AF_UNIX && a->un.sun_path[0] != 0;
}

/* The path of a Unix address as a string (Linux reads up to the first NUL within the
 * address length). */
static void unix_path_string(const struct socket_address *a, char out[UNIX_PATH_MAX + 1]) {
    size_t n = a->len - SUN_PATH_OFFSET;
    if (n > UNIX_PATH_MAX)
        n = UNIX_PATH_MAX;
    size_t i = 0;
    while (i < n && a->un.sun_path[i])
        i++;
    memcpy(out, a->un.sun_path, i);
    out[i] = 0;
}

/* Makes a a Unix address of path (at most UNIX_PATH_MAX bytes), as Linux reports it: the
 * length counts the terminating NUL. */
static void set_unix_path(struct socket_address *a, const char *path) {
    size_t n = strlen(path);
    memset(&a->storage, 0, sizeof(a->storage));
    a->un.sun_family = AF_UNIX;
    memcpy(a->un.sun_path, path, n);
    a->len = (unsigned)(SUN_PATH_OFFSET + n + 1);
}

static long translate_to_host(struct socket_address *a) {
    unix_path_string(a, a->app_path);
    struct vfs_path *p = vfs_path_new();
    if (!p)
        return -ENOMEM;
    long r = vfs_resolve_kernel(AT_FDCWD, a->app_path, VFS_FOLLOW, p);
    if (r == 0 && p->kind != VFS_HOST)
        r = -EACCES; /* a synthetic file of the LibOS cannot be a socket */
    if (r == 0 && strlen(p->hpath) > UNIX_PATH_MAX)
        r = -ENAMETOOLONG; /* the host path does not fit in a sockaddr_un */
    if (r == 0) {
        size_t n = strlen(p->hpath);
        memset(a->un.sun_path, 0, sizeof(a->un.sun_path));
        memcpy(a->un.sun_path, p->hpath, n);
        a->len = (unsigned)(SUN_PATH_OFFSET + n + (n < UNIX_PATH_MAX));
    }
    vfs_path_free(p);
    return r;
}

long socket_address_import(const void *uaddr, int ulen, struct socket_address *out) {
    out->app_path[0] = 0;
    if (ulen < 0 || ulen > SOCKADDR_STORAGE_SIZE)
        return -EINVAL;
    memset(&out->storage, 0, sizeof(out->storage));
    out->len = (unsigned)ulen;
    if (ulen == 0)
        return 0;
    if (!uaccess_ok(uaddr, (size_t)ulen, false))
        return -EFAULT;
    memcpy(&out->storage, uaddr, (size_t)ulen);
    if (!is_unix_path(out) || out->len > sizeof(struct sockaddr_un))
        return 0;
    return translate_to_host(out);
}

void socket_address_bound(const struct socket_address *addr) {
    if (!addr->app_path[0] || !is_unix_path(addr))
        return;
    char host_path[UNIX_PATH_MAX + 1];
    unix_path_string(addr, host_path);
    spin_lock(&g_bindings_lock);
    struct unix_binding *b = NULL;
    for (unsigned i = 0; i < BINDING_SLOTS && !b; i++)
        if (!strcmp(g_bindings[i].host_path, host_path))
            b = &g_bindings[i];
    if (!b)
        b = &g_bindings[g_binding_next++ % BINDING_SLOTS];
    str_copy(b->host_path, host_path, sizeof(b->host_path));
    str_copy(b->app_path, addr->app_path, sizeof(b->app_path));
    spin_unlock(&g_bindings_lock);
}

static bool app_spelling(const char *host_path, char out[UNIX_PATH_MAX + 1]) {
    bool found = false;
    spin_lock(&g_bindings_lock);
    for (unsigned i = 0; i < BINDING_SLOTS && !found; i++) {
        if (g_bindings[i].host_path[0] && !strcmp(g_bindings[i].host_path, host_path)) {
            str_copy(out, g_bindings[i].app_path, UNIX_PATH_MAX + 1);
            found = true;
        }
    }
    spin_unlock(&g_bindings_lock);
    return found;
}

void socket_address_export(struct socket_address *addr) {
    if (!is_unix_path(addr))
        return;
    char host_path[UNIX_PATH_MAX + 1];
    unix_path_string(addr, host_path);
    if (app_spelling(host_path, addr->app_path)) {
        set_unix_path(addr, addr->app_path);
        return;
    }
    struct vfs_path *p = vfs_path_new();
    long n = p ? mount_to_virtual(host_path, p->vpath, sizeof(p->vpath)) : -ENOMEM;
    if (n >= 0 && n <= UNIX_PATH_MAX) {
        set_unix_path(addr, p->vpath);
    } else {
        memset(&addr->storage, 0, sizeof(addr->storage));
        addr->un.sun_family = AF_UNIX;
        addr->len = SUN_PATH_OFFSET;
    }
    vfs_path_free(p);
}

long socket_address_to_user(const struct socket_address *addr, void *uaddr, int *ulen) {
    if (!uaccess_ok(ulen, sizeof(int), true))
        return -EFAULT;
    int len = *ulen;
    if (len > (int)addr->len)
        len = (int)addr->len;
    if (len < 0)
        return -EINVAL;
    if (len > SOCKADDR_STORAGE_SIZE)
        len = SOCKADDR_STORAGE_SIZE;
    if (len) {
        if (!uaccess_ok(uaddr, (size_t)len, true))
            return -EFAULT;
        memcpy(uaddr, &addr->storage, (size_t)len);
    }
    *ulen = (int)addr->len;
    return 0;
}
