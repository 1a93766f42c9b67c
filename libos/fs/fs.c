/* Process file-system state: cwd, executable path, umask, and the /proc contents the
 * loader hands over. The cwd is a virtual path, kept in one buffer under a lock; it may be
 * longer than PATH_MAX, as on Linux (FS_RESOLVED_MAX). */
#include "libos/fs/mount.h"
#include "libos/fs/vfs.h"
#include "pal/pal.h"
#include "common/alloc.h"
#include "common/fmt.h"
#include "common/spinlock.h"
#include "common/string.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>

static char g_cwd[FS_RESOLVED_MAX] = "/";
static spinlock_t g_cwd_lock = SPINLOCK_INIT;
static const char *g_exe_path;
static char *g_auxv, *g_cmdline;
static size_t g_auxv_len, g_cmdline_len;
static int g_umask = 022;

void fs_init(void) {
    /* The host umask applies to every file the runtime creates for the app: keep ours equal
     * to it. Reading it means setting it, so set it back. */
    long old = pal_host_umask(022);
    if (old >= 0) {
        pal_host_umask((int)old);
        g_umask = (int)old;
    }
}

void fs_fork_lock(void) {
    spin_lock(&g_cwd_lock);
    vfs_fork_lock();
}

void fs_fork_unlock(void) {
    vfs_fork_unlock();
    spin_unlock(&g_cwd_lock);
}

size_t vfs_get_cwd(char *buf) {
    spin_lock(&g_cwd_lock);
    size_t n = str_copy(buf, g_cwd, FS_RESOLVED_MAX);
    spin_unlock(&g_cwd_lock);
    return n;
}

long vfs_resolve_from_cwd(const char *path, char *out, size_t size, struct path_info *info) {
    spin_lock(&g_cwd_lock);
    long r = path_resolve(g_cwd, path, out, size, info);
    spin_unlock(&g_cwd_lock);
    return r;
}

static void set_cwd(const char *vpath) {
    spin_lock(&g_cwd_lock);
    str_copy(g_cwd, vpath, sizeof(g_cwd));
    spin_unlock(&g_cwd_lock);
}

/* The virtual path of the directory behind host handle h, from the host's own name of it,
 * into out (FS_RESOLVED_MAX bytes); -ENOENT when no mount reaches it, -ENAMETOOLONG when
 * the host's name is longer than PATH_MAX (the host cannot tell it then). */
static long physical_virtual_path(int h, char *out) {
    char link[32], host[FS_PATH_MAX];
    fmt_snprintf(link, sizeof(link), "/proc/self/fd/%d", h);
    long n = pal_readlink(link, host, sizeof(host) - 1);
    if (n < 0)
        return n;
    host[n] = 0;
    if (host[0] != '/')
        return -ENOENT;
    return mount_to_virtual(host, out, FS_RESOLVED_MAX);
}

/* The cwd to set for a directory reached by vpath whose host name physical_virtual_path
 * could not tell (err): a directory that deep is walked for its physical path; vpath as it
 * is otherwise. */
static void set_cwd_fallback(const char *vpath, long err, char *scratch) {
    if (err == -ENAMETOOLONG && vfs_physical_path(vpath, scratch) >= 0)
        vpath = scratch;
    set_cwd(vpath);
}

long vfs_chdir(struct vfs_path *p) {
    if (p->kind == VFS_SYNTHETIC) {
        if (!synth_is_dir(p->node))
            return -ENOTDIR;
        synth_canonical_path(p->vpath);
        set_cwd(p->vpath);
        return 0;
    }
    if (p->kind == VFS_EMPTY)
        return vfs_fchdir(p->file);
    long h = pal_open(p->hpath, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    if (h < 0)
        return h;
    long r = pal_access(p->hpath, 1 /* X_OK */, 0);
    if (r == 0) {
        /* Linux's cwd is the directory itself, not the name used to reach it: after
         * chdir("/tmp/link"), getcwd and ".." see the link's target. p->hpath serves as
         * the scratch buffer, it is no longer needed. */
        long n = physical_virtual_path((int)h, p->hpath);
        if (n >= 0)
            set_cwd(p->hpath);
        else if (!p->host_only)
            set_cwd_fallback(p->vpath, n, p->hpath);
        else
            r = -ENOENT; /* a directory no mount reaches */
    }
    pal_close((int)h);
    return r;
}

long vfs_fchdir(struct libos_file *f) {
    if (!vfs_file_is_dir(f))
        return -ENOTDIR;
    struct vfs_path *p = vfs_path_new(); /* for its buffer */
    if (!p)
        return -ENOMEM;
    char *buf = p->vpath;
    if (f->kind == FILE_SYNTHETIC) {
        str_copy(buf, f->path, sizeof(p->vpath));
        synth_canonical_path(buf);
        set_cwd(buf);
        vfs_path_free(p);
        return 0;
    }
    long n = f->handle < 0 ? -ENOENT : physical_virtual_path(f->handle, buf);
    long r = n < 0 && !f->path ? -ENOENT : 0;
    if (r == 0 && f->handle >= 0) {
        char link[32];
        fmt_snprintf(link, sizeof(link), "/proc/self/fd/%d", f->handle);
        r = pal_access(link, 1 /* X_OK */, 0);
    }
    if (r == 0 && n >= 0)
        set_cwd(buf);
    else if (r == 0)
        set_cwd_fallback(f->path, n, buf);
    vfs_path_free(p);
    return r;
}

long fs_set_cwd(const char *virtual_path) {
    struct vfs_path *p = vfs_path_new();
    if (!p)
        return -ENOMEM;
    long r = vfs_resolve_kernel(AT_FDCWD, virtual_path, VFS_FOLLOW, p);
    if (r == 0)
        r = vfs_chdir(p);
    vfs_path_free(p);
    return r;
}

long fs_set_cwd_from_host(void) {
    struct vfs_path *p = vfs_path_new(); /* for its buffers */
    if (!p)
        return -ENOMEM;
    long r = pal_host_getcwd(p->hpath, sizeof(p->hpath));
    if (r >= 0)
        r = p->hpath[0] == '/' ? mount_to_virtual(p->hpath, p->vpath, sizeof(p->vpath)) : -ENOENT;
    if (r >= 0)
        set_cwd(p->vpath);
    vfs_path_free(p);
    return r < 0 ? r : 0;
}

long fs_get_cwd(char *buf, size_t size) {
    spin_lock(&g_cwd_lock);
    size_t n = strlen(g_cwd);
    if (n < size)
        memcpy(buf, g_cwd, n + 1);
    spin_unlock(&g_cwd_lock);
    return n < size ? (long)n : -ERANGE;
}

long fs_set_exe_path(const char *virtual_path) {
    struct vfs_path *p = vfs_path_new(); /* for its buffer */
    if (!p)
        return -ENOMEM;
    long r = vfs_resolve_from_cwd(virtual_path, p->vpath, sizeof(p->vpath), NULL);
    char *path = r < 0 ? NULL : rt_strdup(p->vpath);
    vfs_path_free(p);
    if (r < 0 || !path)
        return r < 0 ? r : -ENOMEM;
    /* Set once by the loader (and again by execve): the old string may still be read by
     * another thread, so it is not freed. */
    __atomic_store_n(&g_exe_path, path, __ATOMIC_RELEASE);
    return 0;
}

const char *vfs_exe_path(void) {
    return __atomic_load_n(&g_exe_path, __ATOMIC_ACQUIRE);
}

long fs_translate(const char *path, char *host, size_t size) {
    struct vfs_path *p = vfs_path_new();
    if (!p)
        return -ENOMEM;
    long r = vfs_resolve_kernel(AT_FDCWD, path, VFS_FOLLOW, p);
    if (r == 0 && p->kind != VFS_HOST)
        r = -EACCES; /* synthetic files cannot be executed */
    if (r == 0)
        r = strlen(p->hpath) < size ? (long)str_copy(host, p->hpath, size) : -ENAMETOOLONG;
    vfs_path_free(p);
    return r;
}

static void replace_blob(char **slot, size_t *slot_len, const void *data, size_t len) {
    char *copy = rt_malloc(len ? len : 1);
    if (!copy)
        return;
    memcpy(copy, data, len);
    /* As for the exe path: readers may hold the old one, which is kept. */
    *slot_len = len;
    __atomic_store_n(slot, copy, __ATOMIC_RELEASE);
}

void fs_set_auxv(const void *auxv, size_t bytes) {
    replace_blob(&g_auxv, &g_auxv_len, auxv, bytes);
}

void fs_set_cmdline(const char *args, size_t bytes) {
    replace_blob(&g_cmdline, &g_cmdline_len, args, bytes);
}

const char *vfs_auxv(size_t *len) {
    *len = g_auxv_len;
    return __atomic_load_n(&g_auxv, __ATOMIC_ACQUIRE);
}

const char *vfs_cmdline(size_t *len) {
    *len = g_cmdline_len;
    return __atomic_load_n(&g_cmdline, __ATOMIC_ACQUIRE);
}

int vfs_umask(void) {
    return __atomic_load_n(&g_umask, __ATOMIC_RELAXED);
}

int vfs_set_umask(int mask) {
    mask &= 0777;
    pal_host_umask(mask);
    return __atomic_exchange_n(&g_umask, mask, __ATOMIC_RELAXED);
}
