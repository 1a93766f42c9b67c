/* Synthetic nodes: the parts of /proc/self (and /proc/<own pid>) that describe the app
 * rather than the runtime process, and /dev/fd, /dev/stdin... which must follow the
 * LibOS fd table, not the host's. Everything else under /proc passes through. */
#include "libos/fs/vfs.h"
#include "libos/fs/mount.h"
#include "libos/libos.h"
#include "libos/thread.h"
#include "pal/pal.h"
#include "common/alloc.h"
#include "common/fmt.h"
#include "common/spinlock.h"
#include "common/string.h"
#include <asm-generic/errno.h>
#include <asm/stat.h>
#include <linux/fcntl.h>
#include <linux/stat.h>
#include <linux/time_types.h>

#if __has_include("libos/proc_maps.h")
#include "libos/proc_maps.h"
#else
long proc_maps_generate(char **buf, size_t *len);
#endif
/* The generator lives in the memory layer; until it is linked, maps come from the host. */
#pragma weak proc_maps_generate

#define SYNTH_DEV 0x16   /* st_dev of synthetic nodes */
#define STATUS_MAX 16384 /* a thread's status file is about 1.5 KiB */

struct synth_data {
    enum synth_node node;
    int node_fd; /* SYNTH_STATUS: the thread */
    spinlock_t lock;
    bool ready; /* directories: the listing is generated at the first getdents */
    char *buf;
    size_t len;
    uint64_t pos;
};

/* Matches the component name at s (s points at a '/'); returns the length consumed. */
static size_t match_component(const char *s, const char *name) {
    size_t n = strlen(name);
    if (s[0] != '/' || strncmp(s + 1, name, n) || (s[1 + n] && s[1 + n] != '/'))
        return 0;
    return n + 1;
}

/* Parses the decimal component at s (after its '/') as Linux /proc does: no sign, no
 * leading zero. Returns the length consumed with the '/', or 0. */
static size_t number_component(const char *s, long *value) {
    if (s[0] != '/' || s[1] < '0' || s[1] > '9' || (s[1] == '0' && s[2] >= '0' && s[2] <= '9'))
        return 0;
    long v = 0;
    size_t i = 1;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        if (v > 100000000)
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    if (s[i] && s[i] != '/')
        return 0;
    *value = v;
    return i;
}

/* Length of "/proc/self" or "/proc/<own pid>" at the start of path, else 0. */
static size_t own_proc_prefix(const char *path, bool *numeric) {
    size_t n = match_component(path, "proc");
    if (!n)
        return 0;
    size_t m = match_component(path + n, "self");
    *numeric = false;
    if (m)
        return n + m;
    long pid;
    m = number_component(path + n, &pid);
    if (m && pid == libos_pid()) {
        *numeric = true;
        return n + m;
    }
    return 0;
}

static bool fd_is_open(int fd) {
    struct libos_file *f = fd_get(fd);
    file_put(f);
    return f != NULL;
}

/* /proc/TID/status of one of the app's threads (Linux serves /proc/TID for every thread,
 * though only the process shows in the /proc listing). */
static long thread_status_lookup(const char *vpath, size_t *rest, int *node_fd) {
    size_t n = match_component(vpath, "proc");
    long tid;
    size_t k = n ? number_component(vpath + n, &tid) : 0;
    size_t m = k ? match_component(vpath + n + k, "status") : 0;
    if (!m || !libos_thread_exists((int)tid))
        return SYNTH_NONE;
    *rest = n + k + m;
    *node_fd = (int)tid;
    return SYNTH_STATUS;
}

long synth_lookup(const char *vpath, size_t *rest, int *node_fd) {
    *node_fd = -1;
    size_t n = match_component(vpath, "dev");
    if (n) {
        static const char *const std_names[] = {"stdin", "stdout", "stderr"};
        size_t m = match_component(vpath + n, "fd");
        if (m) {
            *rest = n + m;
            return SYNTH_LINK_DEV_FD;
        }
        for (int i = 0; i < 3; i++) {
            m = match_component(vpath + n, std_names[i]);
            if (m) {
                *rest = n + m;
                *node_fd = i;
                return SYNTH_LINK_DEV_STD;
            }
        }
        return SYNTH_NONE;
    }
    bool numeric;
    n = own_proc_prefix(vpath, &numeric);
    if (!n)
        return thread_status_lookup(vpath, rest, node_fd);
    const char *s = vpath + n;
    size_t m;
    size_t len;
    if ((m = match_component(s, "status"))) {
        *rest = n + m;
        *node_fd = (int)libos_pid();
        return SYNTH_STATUS;
    }
    size_t t = match_component(s, "task");
    long tid;
    size_t tk = t ? number_component(s + t, &tid) : 0;
    if (tk && libos_thread_exists((int)tid) && (m = match_component(s + t + tk, "status"))) {
        *rest = n + t + tk + m;
        *node_fd = (int)tid;
        return SYNTH_STATUS;
    }
    if ((m = match_component(s, "maps")) && proc_maps_generate) {
        *rest = n + m;
        return SYNTH_MAPS;
    }
    if ((m = match_component(s, "auxv")) && vfs_auxv(&len)) {
        *rest = n + m;
        return SYNTH_AUXV;
    }
    if ((m = match_component(s, "cmdline")) && vfs_cmdline(&len)) {
        *rest = n + m;
        return SYNTH_CMDLINE;
    }
    if ((m = match_component(s, "exe")) && vfs_exe_path()) {
        *rest = n + m;
        return SYNTH_LINK_EXE;
    }
    if ((m = match_component(s, "cwd"))) {
        *rest = n + m;
        return SYNTH_LINK_CWD;
    }
    if ((m = match_component(s, "root"))) {
        *rest = n + m;
        return SYNTH_LINK_ROOT;
    }
    bool info = false;
    m = match_component(s, "fd");
    if (!m) {
        m = match_component(s, "fdinfo");
        info = m != 0;
    }
    if (!m)
        return SYNTH_NONE;
    s += m;
    if (!*s) {
        *rest = n + m;
        return info ? SYNTH_FDINFO_DIR : SYNTH_FD_DIR;
    }
    long fd;
    size_t k = number_component(s, &fd);
    if (!k || fd >= FD_MAX || !fd_is_open((int)fd))
        return -ENOENT;
    *rest = n + m + k;
    *node_fd = (int)fd;
    return info ? SYNTH_FDINFO : SYNTH_LINK_FD;
}

bool synth_is_link(enum synth_node node) {
    return node >= SYNTH_LINK_EXE;
}

bool synth_is_dir(enum synth_node node) {
    return node == SYNTH_FD_DIR || node == SYNTH_FDINFO_DIR;
}

/* p->hpath = prefix + tail, where tail is the unresolved rest of p->vpath. */
static long build_host(struct vfs_path *p, const char *prefix, size_t rest) {
    const char *tail = p->vpath + rest;
    size_t a = strlen(prefix), b = strlen(tail);
    if (a + b + 1 > sizeof(p->hpath))
        return -ENAMETOOLONG;
    memmove(p->hpath + a, tail, b + 1);
    memcpy(p->hpath, prefix, a);
    return 0;
}

long synth_follow(struct vfs_path *p, enum synth_node node, int node_fd, size_t rest) {
    char small[48];
    const char *target = NULL;
    struct libos_file *f = NULL;
    long r;
    switch (node) {
    case SYNTH_LINK_EXE:
        target = vfs_exe_path();
        break;
    case SYNTH_LINK_CWD:
        /* Built in hpath directly: the cwd may change under us, so copy it. */
        vfs_get_cwd(p->hpath);
        target = NULL;
        break;
    case SYNTH_LINK_ROOT:
        target = "/";
        break;
    case SYNTH_LINK_DEV_FD:
        target = "/proc/self/fd";
        break;
    case SYNTH_LINK_DEV_STD:
        fmt_snprintf(small, sizeof(small), "/proc/self/fd/%d", node_fd);
        target = small;
        break;
    case SYNTH_LINK_FD:
    case SYNTH_FDINFO:
        f = fd_get(node_fd);
        if (!f)
            return -ENOENT;
        if (node == SYNTH_LINK_FD && (f->kind == FILE_SYNTHETIC || (f->path && p->vpath[rest]))) {
            target = f->path;
            break;
        }
        if (f->handle < 0 || (node == SYNTH_FDINFO && p->vpath[rest])) {
            r = f->handle >= 0 ? -ENOTDIR : -ENOENT;
            file_put(f);
            return r;
        }
        /* The host's own magic link reopens exactly the object (deleted files, pipes). */
        fmt_snprintf(small, sizeof(small), "/proc/self/%s/%d",
                     node == SYNTH_FDINFO ? "fdinfo" : "fd", f->handle);
        r = build_host(p, small, rest);
        if (r == 0 && node == SYNTH_LINK_FD) {
            p->host_only = !f->path || p->vpath[rest];
            if (f->path && !p->vpath[rest])
                str_copy(p->vpath, f->path, sizeof(p->vpath));
        }
        file_put(f);
        return r < 0 ? r : 1;
    default:
        return -EINVAL;
    }
    if (node != SYNTH_LINK_CWD) {
        if (!target) {
            file_put(f);
            return -ENOENT;
        }
        str_copy(p->hpath, target, sizeof(p->hpath));
    }
    file_put(f);
    size_t head = strlen(p->hpath), tail = strlen(p->vpath + rest);
    if (head + tail + 1 > sizeof(p->hpath))
        return -ENAMETOOLONG;
    memcpy(p->hpath + head, p->vpath + rest, tail + 1);
    r = path_resolve("/", p->hpath, p->vpath, sizeof(p->vpath), NULL);
    return r < 0 ? r : 0;
}

void synth_canonical_path(char *vpath) {
    bool numeric;
    size_t n = own_proc_prefix(vpath, &numeric);
    if (!n || numeric)
        return;
    char pid[24];
    int len = fmt_snprintf(pid, sizeof(pid), "/proc/%ld", libos_pid());
    size_t tail = strlen(vpath + n);
    if ((size_t)len + tail + 1 > FS_RESOLVED_MAX)
        return;
    memmove(vpath + len, vpath + n, tail + 1);
    memcpy(vpath, pid, (size_t)len);
}

void synth_host_proc_path(struct vfs_path *p) {
    bool numeric;
    size_t n = own_proc_prefix(p->hpath, &numeric);
    if (!n || !numeric)
        return;
    /* The app's pid may differ from the host's: its /proc/<pid> is the host's /proc/self. */
    size_t tail = strlen(p->hpath + n);
    memmove(p->hpath + 10, p->hpath + n, tail + 1);
    memcpy(p->hpath, "/proc/self", 10);
}

/* ---- Attributes ------------------------------------------------------------------------ */

static uint64_t hash_path(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h | 1;
}

static void fill_stat(enum synth_node node, const char *vpath, struct stat *st) {
    memset(st, 0, sizeof(*st));
    st->st_dev = SYNTH_DEV;
    st->st_ino = hash_path(vpath);
    if (synth_is_dir(node)) {
        st->st_mode = S_IFDIR | 0555;
        st->st_nlink = 2;
    } else if (synth_is_link(node)) {
        st->st_mode = S_IFLNK | 0777;
        st->st_nlink = 1;
    } else {
        st->st_mode = S_IFREG | 0444;
        st->st_nlink = 1;
    }
    unsigned ids[6];
    if (pal_host_ids(ids) == 0) {
        st->st_uid = ids[1];
        st->st_gid = ids[4];
    }
    st->st_blksize = 1024;
    struct __kernel_timespec now;
    if (pal_clock_gettime(0 /* CLOCK_REALTIME */, &now) == 0) {
        st->st_atime = st->st_mtime = st->st_ctime = (unsigned long)now.tv_sec;
        st->st_atime_nsec = st->st_mtime_nsec = st->st_ctime_nsec = (unsigned long)now.tv_nsec;
    }
}

long synth_stat(struct vfs_path *p, struct stat *st) {
    fill_stat(p->node, p->vpath, st);
    return 0;
}

long synth_access(struct vfs_path *p, int mode) {
    if (synth_is_link(p->node))
        return 0;
    if (mode & 2 /* W_OK */)
        return -EACCES;
    if ((mode & 1 /* X_OK */) && !synth_is_dir(p->node))
        return -EACCES;
    return 0;
}

long synth_fd_link_target(struct libos_file *f, char *out) {
    if (f->handle < 0)
        return f->path ? (long)str_copy(out, f->path, FS_RESOLVED_MAX) : -ENOENT;
    /* The host names the object itself (after symlinks, "(deleted)" when unlinked), as
     * Linux does; mapped back through the mounts it is the app's name for it. The host
     * names at most PATH_MAX bytes: a deeper object is known by its virtual path. */
    char link[32], host[FS_PATH_MAX];
    fmt_snprintf(link, sizeof(link), "/proc/self/fd/%d", f->handle);
    long n = pal_readlink(link, host, sizeof(host) - 1);
    if (n >= 0) {
        host[n] = 0;
        if (host[0] == '/' && mount_to_virtual(host, out, FS_RESOLVED_MAX) >= 0)
            return (long)strlen(out);
    }
    if (f->path)
        return (long)str_copy(out, f->path, FS_RESOLVED_MAX);
    return n < 0 ? n : (long)str_copy(out, host, FS_RESOLVED_MAX);
}

long synth_link_target(struct vfs_path *p, char *out) {
    switch (p->node) {
    case SYNTH_LINK_EXE: {
        const char *exe = vfs_exe_path();
        return exe ? (long)str_copy(out, exe, FS_RESOLVED_MAX) : -ENOENT;
    }
    case SYNTH_LINK_CWD:
        return (long)vfs_get_cwd(out);
    case SYNTH_LINK_ROOT:
        return (long)str_copy(out, "/", FS_RESOLVED_MAX);
    case SYNTH_LINK_DEV_FD:
        return (long)str_copy(out, "/proc/self/fd", FS_RESOLVED_MAX);
    case SYNTH_LINK_DEV_STD:
        return fmt_snprintf(out, FS_RESOLVED_MAX, "/proc/self/fd/%d", p->node_fd);
    case SYNTH_LINK_FD: {
        struct libos_file *f = fd_get(p->node_fd);
        if (!f)
            return -ENOENT;
        long r = synth_fd_link_target(f, out);
        file_put(f);
        return r;
    }
    default:
        return -EINVAL;
    }
}

long synth_readlink(struct vfs_path *p, char *out) {
    /* Linux names a /proc link's target in a PATH_MAX buffer, and fails when it does not
     * fit there; following the link in a path has no such limit. */
    long r = synth_link_target(p, out);
    return r >= FS_PATH_MAX ? -ENAMETOOLONG : r;
}

/* ---- Open synthetic files ----------------------------------------------------------- */

static struct synth_data *data_of(struct libos_file *f) {
    return f->priv;
}

static long synth_fstat(struct libos_file *f, struct stat *st) {
    fill_stat(data_of(f)->node, f->path, st);
    return 0;
}

static long synth_pread(struct libos_file *f, void *buf, size_t n, uint64_t off) {
    struct synth_data *d = data_of(f);
    if (off >= d->len)
        return 0;
    if (n > d->len - off)
        n = d->len - off;
    memcpy(buf, d->buf + off, n);
    return (long)n;
}

static long synth_read(struct libos_file *f, void *buf, size_t n) {
    struct synth_data *d = data_of(f);
    spin_lock(&d->lock);
    long r = synth_pread(f, buf, n, d->pos);
    if (r > 0)
        d->pos += (uint64_t)r;
    spin_unlock(&d->lock);
    return r;
}

static long synth_seek(struct libos_file *f, int64_t off, int whence) {
    struct synth_data *d = data_of(f);
    spin_lock(&d->lock);
    int64_t base = whence == 0 ? 0 : whence == 1 ? (int64_t)d->pos : (int64_t)d->len;
    long r;
    if (whence < 0 || whence > 2)
        r = -EINVAL;
    else if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
        r = -EINVAL;
    else if (f->is_dir && base + off > (int64_t)d->len)
        r = -EINVAL;
    else {
        d->pos = (uint64_t)(base + off);
        if (f->is_dir && d->pos == 0)
            d->ready = false; /* rewinddir shows the fds open now */
        r = (long)d->pos;
    }
    spin_unlock(&d->lock);
    return r;
}

static void synth_release(struct libos_file *f) {
    struct synth_data *d = data_of(f);
    if (d) {
        rt_free(d->buf);
        rt_free(d);
    }
}

struct dirent64_header {
    uint64_t d_ino;
    int64_t d_off;
    uint16_t d_reclen;
    uint8_t d_type;
} __attribute__((packed));

#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10

static size_t dirent_size(size_t name_len) {
    return (sizeof(struct dirent64_header) + name_len + 1 + 7) & ~(size_t)7;
}

static void put_dirent(char *at, uint64_t ino, int64_t next, uint8_t type, const char *name) {
    size_t name_len = strlen(name);
    size_t size = dirent_size(name_len);
    struct dirent64_header h = {ino, next, (uint16_t)size, type};
    memset(at, 0, size);
    memcpy(at, &h, sizeof(h));
    memcpy(at + sizeof(h), name, name_len);
}

struct fd_list {
    int *fds;
    size_t count, capacity;
};

static void collect_fd(void *arg, int fd, struct libos_file *f) {
    struct fd_list *l = arg;
    if (l->count < l->capacity)
        l->fds[l->count] = fd;
    l->count++;
}

static void count_fd(void *arg, int fd, struct libos_file *f) {
    (*(size_t *)arg)++;
}

/* Lists "." and ".." and one entry per open fd. */
static long generate_fd_listing(struct libos_file *f, struct synth_data *d) {
    size_t count = 0;
    fd_for_each(count_fd, &count);
    struct fd_list list = {rt_malloc((count + 16) * sizeof(int)), 0, count + 16};
    if (!list.fds)
        return -ENOMEM;
    fd_for_each(collect_fd, &list);
    if (list.count > list.capacity)
        list.count = list.capacity;
    size_t total = 2 * dirent_size(2) + list.count * dirent_size(10);
    char *buf = rt_malloc(total);
    if (!buf) {
        rt_free(list.fds);
        return -ENOMEM;
    }
    size_t len = 0;
    char name[16];
    for (size_t i = 0; i < list.count + 2; i++) {
        const char *entry_name = i == 0 ? "." : i == 1 ? ".." : name;
        uint8_t type = i < 2 ? DT_DIR : d->node == SYNTH_FD_DIR ? DT_LNK : DT_REG;
        if (i >= 2)
            fmt_snprintf(name, sizeof(name), "%d", list.fds[i - 2]);
        size_t size = dirent_size(strlen(entry_name));
        put_dirent(buf + len, hash_path(entry_name) ^ hash_path(f->path), (int64_t)(len + size),
                   type, entry_name);
        len += size;
    }
    rt_free(list.fds);
    rt_free(d->buf);
    d->buf = buf;
    d->len = len;
    d->ready = true;
    return 0;
}

static long synth_getdents64(struct libos_file *f, void *buf, size_t n) {
    struct synth_data *d = data_of(f);
    if (!f->is_dir)
        return -ENOTDIR;
    spin_lock(&d->lock);
    long r = 0;
    if (!d->ready) {
        /* Generating allocates: do it without holding the description's lock. */
        spin_unlock(&d->lock);
        struct synth_data fresh = {.node = d->node};
        r = generate_fd_listing(f, &fresh);
        spin_lock(&d->lock);
        if (r == 0) {
            rt_free(d->buf);
            d->buf = fresh.buf;
            d->len = fresh.len;
            d->ready = true;
        }
    }
    size_t out = 0;
    while (r == 0 && d->pos < d->len) {
        const struct dirent64_header *h = (const void *)(d->buf + d->pos);
        if (h->d_reclen > n - out) {
            if (out == 0)
                r = -EINVAL;
            break;
        }
        memcpy((char *)buf + out, h, h->d_reclen);
        out += h->d_reclen;
        d->pos += h->d_reclen;
    }
    spin_unlock(&d->lock);
    return r < 0 ? r : (long)out;
}

static spinlock_t *synth_object_lock(struct libos_file *f) {
    struct synth_data *d = data_of(f);
    return d ? &d->lock : NULL;
}

static const struct file_ops g_synth_file_ops = {
    .read = synth_read,
    .pread = synth_pread,
    .seek = synth_seek,
    .fstat = synth_fstat,
    .release = synth_release,
    .object_lock = synth_object_lock,
};

static const struct file_ops g_synth_dir_ops = {
    .seek = synth_seek,
    .fstat = synth_fstat,
    .getdents64 = synth_getdents64,
    .release = synth_release,
    .object_lock = synth_object_lock,
};

/* The host's status of the thread with the credentials lines replaced by the LibOS's. */
static long generate_status(struct synth_data *d) {
    char path[64];
    fmt_snprintf(path, sizeof(path), "/proc/self/task/%d/status", d->node_fd);
    long h = pal_open(path, O_RDONLY | O_CLOEXEC, 0);
    if (h < 0)
        return h == -ENOENT ? -ESRCH : h;
    char *host = rt_malloc(STATUS_MAX);
    char *out = rt_malloc(STATUS_MAX);
    size_t len = 0;
    long r = 0;
    while (host && out && len < STATUS_MAX - 1) {
        r = pal_pread((int)h, host + len, STATUS_MAX - 1 - len, len);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    pal_close((int)h);
    if (!host || !out || r < 0) {
        rt_free(host);
        rt_free(out);
        return r < 0 ? r : -ENOMEM;
    }
    size_t used = 0;
    for (size_t at = 0; at < len;) {
        const char *line = host + at;
        const char *end = memchr(line, '\n', len - at);
        size_t line_len = end ? (size_t)(end - line) : len - at;
        const char *colon = memchr(line, ':', line_len);
        long made = colon ? libos_creds_status_line(line, (size_t)(colon - line), out + used,
                                                    STATUS_MAX - used)
                          : -1;
        if (made < 0) {
            if (used + line_len >= STATUS_MAX)
                break;
            memcpy(out + used, line, line_len);
            made = (long)line_len;
        }
        used += (size_t)made;
        if (end && used < STATUS_MAX)
            out[used++] = '\n';
        at += line_len + (end ? 1 : 0);
    }
    rt_free(host);
    d->buf = out;
    d->len = used;
    return 0;
}

static long fill_content(struct synth_data *d) {
    const char *src = NULL;
    size_t len = 0;
    switch (d->node) {
    case SYNTH_STATUS:
        return generate_status(d);
    case SYNTH_MAPS: {
        if (!proc_maps_generate)
            return -ENOENT;
        char *buf = NULL;
        size_t n = 0;
        long r = proc_maps_generate(&buf, &n);
        if (r < 0)
            return r;
        d->buf = buf;
        d->len = n;
        return 0;
    }
    case SYNTH_AUXV:
        src = vfs_auxv(&len);
        break;
    case SYNTH_CMDLINE:
        src = vfs_cmdline(&len);
        break;
    default:
        return 0;
    }
    if (!src)
        return -ENOENT;
    d->buf = rt_malloc(len ? len : 1);
    if (!d->buf)
        return -ENOMEM;
    memcpy(d->buf, src, len);
    d->len = len;
    return 0;
}

long synth_open(struct vfs_path *p, int flags, struct libos_file **out) {
    bool dir = synth_is_dir(p->node);
    if (synth_is_link(p->node))
        return -ELOOP; /* only reached with O_NOFOLLOW */
    if ((flags & O_CREAT) && (flags & O_EXCL))
        return -EEXIST;
    if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
        return dir ? -EISDIR : -EACCES;
    if ((flags & O_DIRECTORY) && !dir)
        return -ENOTDIR;
    struct synth_data *d = rt_calloc(1, sizeof(*d));
    if (!d)
        return -ENOMEM;
    d->node = p->node;
    d->node_fd = p->node_fd;
    long r = fill_content(d);
    if (r < 0) {
        rt_free(d);
        return r;
    }
    struct libos_file *f = file_new(FILE_SYNTHETIC, dir ? &g_synth_dir_ops : &g_synth_file_ops, -1);
    if (f)
        f->path = rt_strdup(p->vpath);
    if (!f || !f->path) {
        rt_free(d->buf);
        rt_free(d);
        if (f) {
            f->ops = NULL;
            file_put(f);
        }
        return -ENOMEM;
    }
    f->priv = d;
    f->is_dir = dir;
    f->status_flags = vfs_status_flags(flags);
    *out = f;
    return 0;
}
