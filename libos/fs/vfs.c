/* Resolution of app paths: normalization against the cwd or a dirfd (following the symlinks
 * the host must not, see vfs_resolve_kernel), synthetic nodes (/proc/self, /dev/fd), then
 * translation through the mounts. */
#include "common/hot.h"
#include "libos/fs/vfs.h"
#include "libos/fs/mount.h"
#include "libos/libos.h"
#include "libos/profile.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include "common/alloc.h"
#include "common/fmt.h"
#include "common/spinlock.h"
#include "common/string.h"
#include <asm-generic/errno.h>
#include <asm/stat.h>
#include <linux/fcntl.h>
#include <linux/stat.h>

#define BUFFER_CACHE_SIZE 8
#define MAX_SYNTH_HOPS 8

/* Path buffers come from small caches: they are too big for the LibOS stack and too big
 * for the allocator's small classes. */
struct buffer_cache {
    void *slots[BUFFER_CACHE_SIZE];
    int count;
    spinlock_t lock;
};

static void *cache_take(struct buffer_cache *c, size_t size) {
    void *p = NULL;
    spin_lock(&c->lock);
    if (c->count > 0)
        p = c->slots[--c->count];
    spin_unlock(&c->lock);
    return p ? p : rt_malloc(size);
}

static void cache_give(struct buffer_cache *c, void *p) {
    spin_lock(&c->lock);
    if (c->count < BUFFER_CACHE_SIZE) {
        c->slots[c->count++] = p;
        p = NULL;
    }
    spin_unlock(&c->lock);
    rt_free(p);
}

static struct buffer_cache g_path_cache = {.lock = SPINLOCK_INIT};

/* What a walk with lookups needs besides the vfs_path: the path with link targets spliced
 * in, a link's target, and the host path of the component being looked up. */
struct walk_scratch {
    char text[FS_RESOLVED_MAX];
    char target[FS_RESOLVED_MAX];
    char host[FS_RESOLVED_MAX];
};

static struct buffer_cache g_scratch_cache = {.lock = SPINLOCK_INIT};

/* The caches' locks are leaves (nothing is taken while one is held), so fork may take them
 * with the others: a thread taking or giving a buffer as another forks must not leave a
 * lock held in the child, where that thread does not exist. */
void vfs_fork_lock(void) {
    spin_lock(&g_path_cache.lock);
    spin_lock(&g_scratch_cache.lock);
}

void vfs_fork_unlock(void) {
    spin_unlock(&g_scratch_cache.lock);
    spin_unlock(&g_path_cache.lock);
}

struct vfs_path *vfs_path_new(void) {
    struct vfs_path *p = cache_take(&g_path_cache, sizeof(*p));
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
    cache_give(&g_path_cache, p);
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
    if (len + 2 > FS_RESOLVED_MAX)
        return -ENAMETOOLONG;
    path[len] = '/';
    path[len + 1] = 0;
    return 0;
}

/* True for "/proc/self" and "/proc/<the app's pid>": directories of the LibOS, whatever the
 * host's /proc/self links to. */
static bool is_own_proc_dir(const char *vpath) {
    if (!strcmp(vpath, "/proc/self"))
        return true;
    char own[32];
    fmt_snprintf(own, sizeof(own), "/proc/%ld", libos_pid());
    return !strcmp(vpath, own);
}

/* The walk's lookup of a synthetic node or a path under /proc. Links whose target is a
 * virtual path are followed like any other; /proc/self/fd/N only before a ".." (its target
 * is then the physical name of the directory), since opening it must go through the host's
 * own link. The rest of /proc is opaque: its links name the runtime's view of the host. */
static long lookup_synthetic(const char *vpath, bool need_dir, char *target) {
    size_t rest;
    int node_fd;
    long node = synth_lookup(vpath, &rest, &node_fd);
    if (node < 0)
        return node;
    if (node == SYNTH_NONE) {
        if (!strcmp(vpath, "/proc") || is_own_proc_dir(vpath))
            return PATH_DIR;
        return path_is_within(vpath, "/proc") ? PATH_OPAQUE : PATH_NOT_LINK;
    }
    if (vpath[rest])
        return PATH_OPAQUE;
    if (synth_is_dir((enum synth_node)node))
        return PATH_DIR;
    if (!synth_is_link((enum synth_node)node))
        return node == SYNTH_FDINFO ? PATH_OPAQUE : PATH_NOT_DIR;
    if (node == SYNTH_LINK_FD && !need_dir)
        return PATH_OPAQUE;
    struct vfs_path *link = vfs_path_new();
    if (!link)
        return -ENOMEM;
    link->node = (enum synth_node)node;
    link->node_fd = node_fd;
    long r = synth_link_target(link, target);
    vfs_path_free(link);
    if (r < 0)
        return r;
    return target[0] == '/' ? PATH_LINK : PATH_OPAQUE;
}

/* The walk's lookup of one component. Mount points, and directories above them, are
 * directories whatever the host holds at their place. One host call for most components:
 * readlink tells a link from the rest, lstat comes first only when the caller needs to
 * know about a directory. */
static long lookup_component(void *ctx, const char *vpath, bool need_dir, char *target,
                             size_t size) {
    struct walk_scratch *s = ctx;
    if (path_is_within(vpath, "/proc") || path_is_within(vpath, "/dev")) {
        long kind = lookup_synthetic(vpath, need_dir, target);
        if (kind != PATH_NOT_LINK)
            return kind;
    }
    if (mount_leads_to_mount_point(vpath))
        return PATH_DIR;
    long r = mount_translate(vpath, s->host, sizeof(s->host), NULL);
    if (r < 0)
        return r;
    if (need_dir) {
        struct stat st;
        r = pal_stat(s->host, &st, false);
        if (r < 0)
            return r;
        if (S_ISDIR(st.st_mode))
            return PATH_DIR;
        if (!S_ISLNK(st.st_mode))
            return PATH_NOT_DIR;
    }
    r = pal_readlink(s->host, target, size);
    if (r == -EINVAL)
        return need_dir ? PATH_NOT_DIR : PATH_NOT_LINK; /* (replaced since the lstat) */
    if (r < 0)
        return r;
    if ((size_t)r >= size)
        return -ENAMETOOLONG;
    target[r] = 0;
    return PATH_LINK;
}

/* From a normalized vpath: synthetic nodes first, then the mounts. w is the walk that made
 * vpath, or NULL for a lexical one. */
static long finish_resolve(struct vfs_path *p, int flags, const struct path_walk *w) {
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
        if (w && w->check_all) {
            /* The link led to a new path, whose symlinks are the LibOS's to follow too. */
            str_copy(w->text, p->vpath, FS_RESOLVED_MAX);
            r = path_walk(w, "/", w->text, p->vpath, sizeof(p->vpath), NULL);
            if (r < 0)
                return r;
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

/* The lexical resolution: enough when the host resolves every symlink as Linux would (the
 * identity mount) and no ".." needs the physical parent. */
static long resolve_lexical(int dirfd, const char *path, struct vfs_path *p) {
    if (path[0] == '/')
        return path_resolve("/", path, p->vpath, sizeof(p->vpath), &p->info);
    if (dirfd == AT_FDCWD)
        return vfs_resolve_from_cwd(path, p->vpath, sizeof(p->vpath), &p->info);
    struct libos_file *dir = fd_get(dirfd);
    if (!dir)
        return -EBADF;
    long r;
    /* A directory fd without a virtual path is one reopened through the host link of
     * another fd; relative lookups from it are not supported. */
    if (!vfs_file_is_dir(dir) || !dir->path)
        r = -ENOTDIR;
    else
        r = path_resolve(dir->path, path, p->vpath, sizeof(p->vpath), &p->info);
    file_put(dir);
    return r;
}

/* The walk with lookups (see path_walk): every symlink the LibOS must see is followed on
 * the virtual path. base_physical: whether a dirfd's path is known to hold no symlinks. */
static long resolve_walk(int dirfd, const char *path, struct vfs_path *p, struct path_walk *w) {
    if (path[0] == '/')
        return path_walk(w, "/", path, p->vpath, sizeof(p->vpath), &p->info);
    if (dirfd == AT_FDCWD) {
        /* The cwd is physical: chdir takes the host's name of the directory. */
        w->base_physical = true;
        vfs_get_cwd(p->vpath);
    } else {
        struct libos_file *dir = fd_get(dirfd);
        if (!dir)
            return -EBADF;
        bool ok = vfs_file_is_dir(dir) && dir->path;
        if (ok)
            str_copy(p->vpath, dir->path, sizeof(p->vpath));
        file_put(dir);
        if (!ok)
            return -ENOTDIR;
    }
    return path_walk(w, p->vpath, path, p->vpath, sizeof(p->vpath), &p->info);
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
    /* Under the identity mount the host follows symlinks as Linux would, except where ".."
     * was settled on the text: then the components before a ".." are looked up (and all
     * after the first link followed, so that one count covers every link). Under any other
     * mount table the host must not see a symlink at all (an absolute target is virtual, a
     * relative one must not climb out of a mount): every component that another follows is
     * looked up, and the last one when the call follows it. Paths of dirfds are physical
     * then too, having been walked the same way. */
    bool identity = mount_table_is_identity();
    if (identity && !path_has_dotdot(path)) {
        long r = resolve_lexical(dirfd, path, p);
        return r < 0 ? r : finish_resolve(p, flags, NULL);
    }
    struct walk_scratch *s = cache_take(&g_scratch_cache, sizeof(*s));
    if (!s)
        return -ENOMEM;
    struct path_walk w = {
        .lookup = lookup_component,
        .ctx = s,
        .check_all = !identity,
        .follow_final = !identity && (flags & VFS_FOLLOW),
        .check_all_after_link = true,
        .follow_final_after_link = (flags & VFS_FOLLOW) != 0,
        .base_physical = !identity,
        .text = s->text,
        .target = s->target,
    };
    long r = resolve_walk(dirfd, path, p, &w);
    if (r >= 0)
        r = finish_resolve(p, flags, &w);
    cache_give(&g_scratch_cache, s);
    return r;
}

long vfs_physical_path(const char *vpath, char *out) {
    struct walk_scratch *s = cache_take(&g_scratch_cache, sizeof(*s));
    if (!s)
        return -ENOMEM;
    struct path_walk w = {
        .lookup = lookup_component,
        .ctx = s,
        .check_all = true,
        .follow_final = true,
        .check_all_after_link = true,
        .follow_final_after_link = true,
        .base_physical = true,
        .text = s->text,
        .target = s->target,
    };
    str_copy(s->text, vpath, FS_RESOLVED_MAX);
    long r = path_walk(&w, "/", s->text, out, FS_RESOLVED_MAX, NULL);
    cache_give(&g_scratch_cache, s);
    return r;
}

long vfs_resolve(int dirfd, const char *user_path, int flags, struct vfs_path *p) {
    /* The app's argument has Linux's limit; what it resolves to has only FS_RESOLVED_MAX. */
    long len = uaccess_strlen(user_path, FS_PATH_MAX);
    if (len < 0)
        return len;
    if (len >= FS_PATH_MAX)
        return -ENAMETOOLONG;
    /* hpath is free until the translation at the end, after the path was walked. */
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
    libos_profile_file_opened(p->host_only ? NULL : p->vpath, p->hpath, flags, (int)h);
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

size_t vfs_user_prefix_search(const void *p, size_t n, bool write) {
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
