/* Resolution of app paths: lexical normalization against the cwd or a dirfd, synthetic
 * nodes (/proc/self, /dev/fd), then translation through the mounts. */
#include "libos/fs/vfs.h"
#include "libos/fs/mount.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include "common/alloc.h"
#include "common/spinlock.h"
#include "common/string.h"
#include <asm-generic/errno.h>
#include <asm/stat.h>
#include <linux/fcntl.h>
#include <linux/stat.h>

#define PATH_CACHE_SIZE 8
#define MAX_SYNTH_HOPS 8

static struct vfs_path *g_path_cache[PATH_CACHE_SIZE];
static int g_path_cached;
static spinlock_t g_path_cache_lock = SPINLOCK_INIT;

struct vfs_path *vfs_path_new(void) {
    struct vfs_path *p = NULL;
    spin_lock(&g_path_cache_lock);
    if (g_path_cached > 0)
        p = g_path_cache[--g_path_cached];
    spin_unlock(&g_path_cache_lock);
    if (!p)
        p = rt_malloc(sizeof(*p));
    if (p) {
        p->file = NULL;
        p->kind = VFS_HOST;
    }
    return p;
}

void vfs_path_free(struct vfs_path *p) {
    if (!p)
        return;
    file_put(p->file);
    p->file = NULL;
    spin_lock(&g_path_cache_lock);
    if (g_path_cached < PATH_CACHE_SIZE) {
        g_path_cache[g_path_cached++] = p;
        p = NULL;
    }
    spin_unlock(&g_path_cache_lock);
    rt_free(p);
}

bool vfs_file_is_dir(struct libos_file *f) {
    if (f->is_dir)
        return true;
    if (f->kind != FILE_HOST || f->handle < 0)
        return false;
    struct stat st;
    if (pal_fstat(f->handle, &st) == 0 && S_ISDIR(st.st_mode))
        f->is_dir = true;
    return f->is_dir;
}

long vfs_fstat(struct libos_file *f, struct stat *st) {
    if (f->ops && f->ops->fstat)
        return f->ops->fstat(f, st);
    if (f->handle >= 0)
        return pal_fstat(f->handle, st);
    return -EBADF;
}

int vfs_status_flags(int open_flags) {
    return open_flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
}

static long append_slash(char *path) {
    size_t len = strlen(path);
    if (len > 0 && path[len - 1] == '/')
        return 0;
    if (len + 2 > FS_PATH_MAX)
        return -ENAMETOOLONG;
    path[len] = '/';
    path[len + 1] = 0;
    return 0;
}

/* From a normalized vpath: synthetic nodes first, then the mounts. */
static long finish_resolve(struct vfs_path *p, int flags) {
    for (int hops = 0;; hops++) {
        size_t rest;
        int node_fd;
        long node = synth_lookup(p->vpath, &rest, &node_fd);
        if (node < 0)
            return node;
        if (node == SYNTH_NONE)
            break;
        bool final = p->vpath[rest] == 0;
        bool follow =
            node == SYNTH_FDINFO || (synth_is_link((enum synth_node)node) &&
                                     (!final || (flags & VFS_FOLLOW) || p->info.must_be_dir));
        if (!follow) {
            if (!final)
                return synth_is_dir((enum synth_node)node) ? -ENOENT : -ENOTDIR;
            if (p->info.must_be_dir && !synth_is_dir((enum synth_node)node))
                return -ENOTDIR;
            p->kind = VFS_SYNTHETIC;
            p->node = (enum synth_node)node;
            p->node_fd = node_fd;
            return 0;
        }
        if (hops >= MAX_SYNTH_HOPS)
            return -ELOOP;
        long r = synth_follow(p, (enum synth_node)node, node_fd, rest);
        if (r < 0)
            return r;
        if (r == 1) {
            p->kind = VFS_HOST;
            p->mount_id = MOUNT_ID_PSEUDO;
            return p->info.must_be_dir ? append_slash(p->hpath) : 0;
        }
    }
    long r = mount_translate(p->vpath, p->hpath, sizeof(p->hpath), &p->mount_id);
    if (r < 0)
        return r;
    if (p->mount_id == MOUNT_ID_PSEUDO)
        synth_host_proc_path(p);
    p->kind = VFS_HOST;
    return p->info.must_be_dir ? append_slash(p->hpath) : 0;
}

long vfs_resolve_kernel(int dirfd, const char *path, int flags, struct vfs_path *p) {
    p->kind = VFS_HOST;
    p->node = SYNTH_NONE;
    p->node_fd = -1;
    p->mount_id = -1;
    p->host_only = false;
    p->info.must_be_dir = false;
    p->info.last_dot = 0;
    file_put(p->file);
    p->file = NULL;
    if (!path[0]) {
        if (!(flags & VFS_EMPTY_PATH))
            return -ENOENT;
        if (dirfd != AT_FDCWD) {
            p->file = fd_get(dirfd);
            if (!p->file)
                return -EBADF;
            p->kind = VFS_EMPTY;
            return 0;
        }
        path = ".";
    }
    long r;
    if (path[0] == '/') {
        r = path_resolve("/", path, p->vpath, sizeof(p->vpath), &p->info);
    } else if (dirfd == AT_FDCWD) {
        r = vfs_resolve_from_cwd(path, p->vpath, sizeof(p->vpath), &p->info);
    } else {
        struct libos_file *dir = fd_get(dirfd);
        if (!dir)
            return -EBADF;
        /* A directory fd without a virtual path is one reopened through the host link of
         * another fd; relative lookups from it are not supported. */
        if (!vfs_file_is_dir(dir) || !dir->path)
            r = -ENOTDIR;
        else
            r = path_resolve(dir->path, path, p->vpath, sizeof(p->vpath), &p->info);
        file_put(dir);
    }
    if (r < 0)
        return r;
    return finish_resolve(p, flags);
}

long vfs_resolve(int dirfd, const char *user_path, int flags, struct vfs_path *p) {
    long len = uaccess_strlen(user_path, FS_PATH_MAX);
    if (len < 0)
        return len;
    if (len >= FS_PATH_MAX)
        return -ENAMETOOLONG;
    /* hpath is free until the translation at the end, after path_resolve has read it. */
    memcpy(p->hpath, user_path, (size_t)len);
    p->hpath[len] = 0;
    return vfs_resolve_kernel(dirfd, p->hpath, flags, p);
}

long vfs_open(struct vfs_path *p, int flags, int mode, struct libos_file **out) {
    if (p->kind == VFS_SYNTHETIC)
        return synth_open(p, flags, out);
    if (p->kind != VFS_HOST)
        return -ENOENT;
    long h = pal_open(p->hpath, flags | O_CLOEXEC, mode);
    if (h < 0)
        return h;
    /* O_TMPFILE names the directory the unnamed file lives in, not the file. */
    bool tmpfile = (flags & __O_TMPFILE) != 0;
    struct libos_file *f =
        file_new_host((int)h, vfs_status_flags(flags), p->host_only || tmpfile ? NULL : p->vpath);
    if (!f) {
        pal_close((int)h);
        return -ENOMEM;
    }
    if ((flags & O_DIRECTORY) && !tmpfile)
        f->is_dir = true;
    *out = f;
    return 0;
}

long vfs_stat(struct vfs_path *p, bool follow, struct stat *st) {
    switch (p->kind) {
    case VFS_HOST:
        return pal_stat(p->hpath, st, follow);
    case VFS_SYNTHETIC:
        return synth_stat(p, st);
    case VFS_EMPTY:
        return vfs_fstat(p->file, st);
    }
    return -ENOENT;
}

size_t vfs_user_prefix(const void *p, size_t n, bool write) {
    if (n == 0 || uaccess_ok(p, n, write))
        return n;
    uintptr_t start = (uintptr_t)p;
    size_t first_page = 4096 - (start & 4095);
    if (first_page > n)
        first_page = n;
    if (!uaccess_ok(p, first_page, write))
        return 0;
    /* Binary search over whole pages: ok(lo) holds, ok(hi) does not. */
    size_t lo = first_page, hi = n;
    while (hi - lo > 4096) {
        size_t mid = lo + (((hi - lo) / 2) & ~(size_t)4095);
        if (mid == lo)
            mid = lo + 4096;
        if (uaccess_ok(p, mid, write))
            lo = mid;
        else
            hi = mid;
    }
    /* Access is decided per page and the page at lo holds the first bad byte. */
    return lo;
}
