/* Internal API of the LibOS file system, shared by the file syscalls: resolving an app
 * path (relative to a dirfd, the cwd, or absolute) to a host path or a synthetic node,
 * and the operations on synthetic nodes (/proc/self/..., /dev/fd, /dev/std*). */
#ifndef LIBOS_FS_VFS_H
#define LIBOS_FS_VFS_H

#include "libos/fs/path.h"
#include "libos/fd.h"
#include "libos/uaccess.h"
#include <stdint.h>

struct stat;

enum vfs_kind {
    VFS_HOST,      /* hpath names the object on the host */
    VFS_SYNTHETIC, /* node (and node_fd) name a node the LibOS generates */
    VFS_EMPTY,     /* empty path with VFS_EMPTY_PATH: the object is file, the dirfd's */
};

enum synth_node {
    SYNTH_NONE,
    SYNTH_MAPS,         /* /proc/self/maps */
    SYNTH_AUXV,         /* /proc/self/auxv */
    SYNTH_CMDLINE,      /* /proc/self/cmdline */
    SYNTH_FD_DIR,       /* /proc/self/fd */
    SYNTH_FDINFO_DIR,   /* /proc/self/fdinfo */
    SYNTH_FDINFO,       /* /proc/self/fdinfo/N: the host's fdinfo of N's handle */
    SYNTH_STATUS,       /* /proc/self/status, /proc/TID/status, .../task/TID/status */
    SYNTH_LINK_EXE,     /* /proc/self/exe */
    SYNTH_LINK_CWD,     /* /proc/self/cwd */
    SYNTH_LINK_ROOT,    /* /proc/self/root */
    SYNTH_LINK_FD,      /* /proc/self/fd/N */
    SYNTH_LINK_DEV_FD,  /* /dev/fd -> /proc/self/fd */
    SYNTH_LINK_DEV_STD, /* /dev/stdin, /dev/stdout, /dev/stderr -> /proc/self/fd/N */
};

struct vfs_path {
    enum vfs_kind kind;
    struct path_info info;
    int mount_id;            /* VFS_HOST: see mount_translate */
    enum synth_node node;    /* VFS_SYNTHETIC */
    int node_fd;             /* the N of /proc/self/fd/N and friends */
    struct libos_file *file; /* VFS_EMPTY: a reference to the dirfd's description */
    bool host_only;          /* reached through the host link of an fd without a virtual
                              * path (a pipe...): vpath does not name the object */
    /* Resolved paths may be longer than the app's arguments (a deep cwd): FS_RESOLVED_MAX. */
    char vpath[FS_RESOLVED_MAX]; /* normalized virtual path, ".." settled physically */
    char hpath[FS_RESOLVED_MAX]; /* VFS_HOST: host path */
};

/* Follow a symlink in the last component: the LibOS follows synthetic links and, under a
 * mount table other than the identity, host links; otherwise the host follows them. */
#define VFS_FOLLOW 1
#define VFS_EMPTY_PATH 2 /* an empty path names the dirfd itself (AT_EMPTY_PATH) */

/* A path buffer (kept in a small cache: far too big for the LibOS stack), or NULL. */
struct vfs_path *vfs_path_new(void);
void vfs_path_free(struct vfs_path *p);
/* fork: the path buffer caches are locked across the copy (fs_fork_lock). */
void vfs_fork_lock(void);
void vfs_fork_unlock(void);

/* Resolves an app path: checks and copies it from app memory first (EFAULT,
 * ENAMETOOLONG), then as vfs_resolve_kernel. */
long vfs_resolve(int dirfd, const char *user_path, int flags, struct vfs_path *p);
/* Resolves a path held in LibOS memory (not in p->vpath). ".." is the parent of what the
 * path names so far, symlinks followed, as on Linux; symlinks the host must not follow
 * (under a mount table other than the identity) are followed on the virtual path. Returns 0
 * or -errno (ENOENT, ENOTDIR, EBADF for a bad dirfd, ENAMETOOLONG, ELOOP, EACCES). */
long vfs_resolve_kernel(int dirfd, const char *path, int flags, struct vfs_path *p);

/* The physical form of vpath (absolute and normalized) into out (FS_RESOLVED_MAX bytes,
 * may be vpath): every symlink followed, the last component's too, one lookup per
 * component. For a directory too deep for the host to name (its readlink of
 * /proc/self/fd/N fails past PATH_MAX). Returns the length or -errno. */
long vfs_physical_path(const char *vpath, char *out);

/* True if f is a directory (learned from the host once, then cached). */
bool vfs_file_is_dir(struct libos_file *f);
/* ---- Process state (libos/fs/fs.c) --------------------------------------------------- */

/* The app's cwd, copied into buf (FS_RESOLVED_MAX bytes); returns its length, which may be
 * FS_PATH_MAX or more (getcwd then fails with ENAMETOOLONG, as on Linux). */
size_t vfs_get_cwd(char *buf);
/* path_resolve against the cwd, with the cwd locked. */
long vfs_resolve_from_cwd(const char *path, char *out, size_t size, struct path_info *info);
/* chdir to a resolved path: checks it is a searchable directory; for host directories the
 * cwd becomes the physical path (symlinks resolved), as getcwd shows on Linux. p->vpath
 * and p->hpath are scratch afterwards. */
long vfs_chdir(struct vfs_path *p);
long vfs_fchdir(struct libos_file *f);
/* The executable's virtual path, or NULL before the loader set it. The string stays. */
const char *vfs_exe_path(void);
/* /proc/self/auxv and cmdline contents (NULL, 0 when not set). */
const char *vfs_auxv(size_t *len);
const char *vfs_cmdline(size_t *len);
/* The LibOS umask (the host's is kept equal). */
int vfs_umask(void);
int vfs_set_umask(int mask);

/* Opens what p names: a new description (one reference) or -errno. flags are the app's
 * open flags (O_CLOEXEC is the caller's business). */
long vfs_open(struct vfs_path *p, int flags, int mode, struct libos_file **out);
/* stat of what p names (follow: whether a final synthetic link is followed was decided
 * at resolve time; this is for the host's own final symlinks). */
long vfs_stat(struct vfs_path *p, bool follow, struct stat *st);
/* Status flags a new host description records (access mode, O_APPEND, O_NONBLOCK...). */
int vfs_status_flags(int open_flags);

/* ---- Synthetic nodes (libos/fs/proc.c) ------------------------------------------------ */

/* Finds the synthetic node at the start of vpath. Returns the node (SYNTH_NONE if vpath
 * is not synthetic) and sets *rest to the offset in vpath of what follows it, *node_fd to
 * its fd number; or -errno (ENOENT for /proc/self/fd/N with N not open). */
long synth_lookup(const char *vpath, size_t *rest, int *node_fd);
bool synth_is_link(enum synth_node node);
bool synth_is_dir(enum synth_node node);
/* Follows link node (or the fdinfo redirect) with rest appended: rewrites p->vpath (returns
 * 0, resolve again) or sets p->hpath to a host path (returns 1, done). */
long synth_follow(struct vfs_path *p, enum synth_node node, int node_fd, size_t rest);
/* Rewrites /proc/self/... into /proc/<pid>/..., the name Linux's getcwd shows (vpath
 * holds FS_RESOLVED_MAX bytes). */
void synth_canonical_path(char *vpath);
/* For a host /proc path: /proc/<own pid>/... goes to the host as /proc/self/... */
void synth_host_proc_path(struct vfs_path *p);
long synth_open(struct vfs_path *p, int flags, struct libos_file **out);
long synth_stat(struct vfs_path *p, struct stat *st);
/* The full target of a synthetic link into out (FS_RESOLVED_MAX bytes); -EINVAL if p is
 * not a link. Returns the length. */
long synth_link_target(struct vfs_path *p, char *out);
/* The same for the app's readlink: -ENAMETOOLONG when the target does not fit in
 * FS_PATH_MAX (a cwd deeper than that), as Linux's /proc links fail. */
long synth_readlink(struct vfs_path *p, char *out);
long synth_access(struct vfs_path *p, int mode);
/* The target of /proc/self/fd/N for readlink: the host's name of the object mapped back
 * through the mounts, else the virtual path it was opened by, else the host's name as is
 * ("pipe:[42]"). out holds FS_RESOLVED_MAX bytes. */
long synth_fd_link_target(struct libos_file *f, char *out);

/* ---- Helpers (libos/fs/vfs.c) ------------------------------------------------------- */

/* The operation name of f: its own, else the host default when f has a PAL handle, else
 * NULL. */
#define FILE_OP(f, name)                                                                           \
    ((f)->ops && (f)->ops->name ? (f)->ops->name : ((f)->handle >= 0 ? host_file_ops.name : NULL))

/* fstat of a description: its ops, else the host handle. */
long vfs_fstat(struct libos_file *f, struct stat *st);

/* How many bytes from p on are accessible (up to n): Linux transfers up to the first bad
 * page and fails with EFAULT only when nothing could be transferred. The whole buffer is
 * checked inline (every read and write does it); the search for the end is not. */
size_t vfs_user_prefix_search(const void *p, size_t n, bool write);
static inline size_t vfs_user_prefix(const void *p, size_t n, bool write) {
    return n == 0 || uaccess_ok(p, n, write) ? n : vfs_user_prefix_search(p, n, write);
}

#endif
