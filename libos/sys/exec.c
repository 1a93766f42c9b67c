/* execve and execveat, inside the process: the LibOS replaces the app image itself, as Linux
 * does, so everything execve keeps (pid, fds without close-on-exec, cwd, ignored signals,
 * the signal mask) is simply still there. Everything that can fail is checked first (the
 * path, permission, `#!` interpreters, the ELF headers, argument size): until then the
 * caller gets an errno and keeps running. After that point the old image is gone; a
 * failure to map the new one ends the process with SIGSEGV, as on Linux. */
#include "libos/syscall.h"
#include "common/shebang.h"
#include "libos/libos.h"
#include "libos/thread.h"
#include "libos/memory.h"
#include "libos/fd.h"
#include "libos/signal.h"
#include "libos/uaccess.h"
#include "libos/fs/vfs.h"
#include "libos/profile.h"
#include "loader/loader.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/string.h"
#include "common/fmt.h"
#include "pal/pal.h"
#include <linux/fcntl.h>
#include <linux/signal.h>

#define MAX_ARG_STRLEN (32 * 4096)
#define MAX_ARG_BYTES (2 << 20) /* what Linux allows under the default 8 MiB stack limit */
#define MAX_VECTOR 8192         /* argv + envp entries: the loader builds them on its stack */

/* A NULL-terminated string vector in LibOS memory. */
struct strvec {
    char **v;
    size_t n, cap;
    size_t bytes; /* string bytes with their NULs, plus a pointer each */
};

static void strvec_free(struct strvec *s) {
    for (size_t i = 0; i < s->n; i++)
        rt_free(s->v[i]);
    rt_free(s->v);
    memset(s, 0, sizeof(*s));
}

static long strvec_push(struct strvec *s, const char *str, size_t len) {
    if (s->n + 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        char **v = rt_realloc(s->v, cap * sizeof(char *));
        if (!v)
            return -ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    char *copy = rt_malloc(len + 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, str, len);
    copy[len] = 0;
    s->v[s->n++] = copy;
    s->v[s->n] = NULL;
    s->bytes += len + 1 + sizeof(char *);
    return 0;
}

/* Inserts at the front (script interpreters). */
static long strvec_push_front(struct strvec *s, const char *str) {
    long r = strvec_push(s, str, strlen(str));
    if (r < 0)
        return r;
    char *last = s->v[s->n - 1];
    memmove(s->v + 1, s->v, (s->n - 1) * sizeof(char *));
    s->v[0] = last;
    return 0;
}

static void strvec_drop_front(struct strvec *s) {
    if (!s->n)
        return;
    s->bytes -= strlen(s->v[0]) + 1 + sizeof(char *);
    rt_free(s->v[0]);
    memmove(s->v, s->v + 1, s->n * sizeof(char *));
    s->n--;
}

/* An empty vector still holds its terminating NULL: the loader walks it. */
static long strvec_terminate(struct strvec *s) {
    if (s->v)
        return 0;
    if (!(s->v = rt_calloc(1, sizeof(char *))))
        return -ENOMEM;
    s->cap = 1;
    return 0;
}

/* Copies an app argv or envp (NULL counts as empty). */
static long copy_vector(const char *const *uvec, struct strvec *out) {
    memset(out, 0, sizeof(*out));
    if (!uvec)
        return strvec_terminate(out);
    for (size_t i = 0;; i++) {
        if (!UACCESS_READ(uvec + i, sizeof(char *)))
            return -EFAULT;
        const char *s = uvec[i];
        if (!s)
            return strvec_terminate(out);
        if (i >= MAX_VECTOR)
            return -E2BIG;
        long len = uaccess_strlen(s, MAX_ARG_STRLEN);
        if (len == -ENAMETOOLONG)
            return -E2BIG;
        if (len < 0)
            return len;
        long r = strvec_push(out, s, (size_t)len);
        if (r < 0)
            return r;
    }
}

/* What execve has found to run: an open ELF program, checked. */
struct exec_target {
    int handle;
    struct loaded_image img;
    char exe_path[FS_RESOLVED_MAX]; /* virtual path of the ELF file, for /proc/self/exe */
};

/* Opens path (resolved from dirfd) as a program. */
static long open_program(int dirfd, const char *path, int at_flags, struct vfs_path *p,
                         int *handle) {
    int vflags = (at_flags & AT_SYMLINK_NOFOLLOW ? 0 : VFS_FOLLOW) |
                 (at_flags & AT_EMPTY_PATH ? VFS_EMPTY_PATH : 0);
    long r = vfs_resolve_kernel(dirfd, path, vflags, p);
    if (r < 0)
        return r;
    if (p->kind == VFS_EMPTY) {
        struct libos_file *f = p->file;
        p->file = NULL;
        if (f->handle < 0 || !f->path) {
            file_put(f);
            return -EACCES;
        }
        str_copy(p->vpath, f->path, sizeof(p->vpath));
        r = pal_dup(f->handle);
        file_put(f);
        if (r < 0)
            return r;
        *handle = (int)r;
        return 0;
    }
    if (p->kind != VFS_HOST)
        return -EACCES; /* /proc files the LibOS makes are not programs */
    r = pal_access(p->hpath, 1 /* X_OK */, 0);
    if (r < 0)
        return r;
    r = pal_open(p->hpath, O_RDONLY | O_CLOEXEC | (vflags & VFS_FOLLOW ? 0 : O_NOFOLLOW), 0);
    if (r < 0)
        return r;
    libos_profile_file_opened(p->vpath, p->hpath, O_RDONLY, (int)r); /* scripts too */
    *handle = (int)r;
    return 0;
}

/* Finds the ELF program behind path, following `#!` lines, and rewrites argv for them.
 * filename is the path as the app gave it (what a script's interpreter receives). */
static long find_target(int dirfd, const char *path, int at_flags, const char *filename,
                        struct strvec *argv, struct exec_target *t) {
    struct vfs_path *p = vfs_path_new();
    if (!p)
        return -ENOMEM;
    char interp[SHEBANG_BUF_SIZE], arg[SHEBANG_BUF_SIZE], script[SHEBANG_BUF_SIZE];
    long r;
    for (int depth = 0;; depth++) {
        r = open_program(dirfd, path, at_flags, p, &t->handle);
        if (r < 0)
            break;
        char head[SHEBANG_BUF_SIZE];
        long n = pal_pread(t->handle, head, sizeof(head), 0);
        if (n >= 2 && head[0] == '#' && head[1] == '!') {
            r = depth == SHEBANG_MAX_DEPTH
                    ? -ELOOP
                    : shebang_parse(head, (size_t)n, interp, sizeof(interp), arg, sizeof(arg));
            pal_close(t->handle);
            t->handle = -1;
            if (r == 0 && !interp[0])
                r = -EACCES; /* "#!" and nothing: what Linux's open of the empty name gives */
            if (r < 0)
                break;
            /* argv becomes: interpreter [arg] filename argv[1]... */
            strvec_drop_front(argv);
            if ((r = strvec_push_front(argv, depth ? script : filename)) < 0 ||
                (arg[0] && (r = strvec_push_front(argv, arg)) < 0) ||
                (r = strvec_push_front(argv, interp)) < 0)
                break;
            str_copy(script, interp, sizeof(script));
            path = script;
            dirfd = AT_FDCWD;
            at_flags = 0;
            continue;
        }
        char err[200];
        r = loader_check_elf(t->handle, &t->img, err, sizeof(err));
        if (r < 0) {
            /* A program enclos cannot run yet deserves a line; a bad file is the app's
             * business (it gets the errno, as natively). */
            log_debug("execve %s: %s", p->vpath, err);
            pal_close(t->handle);
            t->handle = -1;
            break;
        }
        str_copy(t->exe_path, p->vpath, sizeof(t->exe_path));
        break;
    }
    vfs_path_free(p);
    return r;
}

static const char *base_name(const char *path) {
    const char *b = path;
    for (const char *s = path; *s; s++)
        if (*s == '/' && s[1])
            b = s + 1;
    return b;
}

/* Everything from the point of no return on. */
static void replace_image(struct exec_target *t, const char *filename, struct strvec *argv,
                          struct strvec *envp) {
    if (!libos_threads_stop_others())
        libos_thread_check_stop(); /* another thread's execve won: this thread ends */
    libos_vfork_send_writes();     /* before the memory it reads is released */
    fd_close_on_exec();
    libos_signals_exec_reset();
    libos_mem_release_app();
    long r = loader_map_elf(t->handle, &t->img, t->exe_path);
    pal_close(t->handle);
    if (r < 0) {
        log_error("execve %s: cannot map the program (%s)", t->exe_path, libos_errno_name(-r));
        libos_die_of_signal(SIGSEGV);
    }
    struct libos_thread *self = libos_current_thread();
    self->clear_child_tid = NULL;
    self->robust_list = NULL;
    self->keep_caps = false;
    str_copy(self->name, base_name(filename), sizeof(self->name));
    loader_start_image(&t->img, t->exe_path, filename, (int)argv->n, argv->v, envp->v);
    pal_set_fs_base(0);
    libos_fpu_reset();
    libos_vfork_release();
    libos_mark_context_replaced();
}

static long do_execve(int dirfd, const char *upath, const char *const *uargv,
                      const char *const *uenvp, int flags) {
    if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
        return -EINVAL;
    long len = uaccess_strlen(upath, FS_PATH_MAX);
    if (len < 0)
        return len;
    if (len == 0 && !(flags & AT_EMPTY_PATH))
        return -ENOENT;
    struct strvec argv, envp;
    char *filename = NULL;
    struct exec_target *t = NULL;
    long r = copy_vector(uargv, &argv);
    if (r >= 0)
        r = copy_vector(uenvp, &envp);
    else
        memset(&envp, 0, sizeof(envp));
    if (r < 0)
        goto out;
    /* Linux gives a program run with an empty argv one empty argument. */
    if (!argv.n && (r = strvec_push(&argv, "", 0)) < 0)
        goto out;
    filename = rt_malloc((size_t)len + 1);
    t = rt_calloc(1, sizeof(*t));
    if (!filename || !t) {
        r = -ENOMEM;
        goto out;
    }
    memcpy(filename, upath, (size_t)len + 1);
    if (len == 0) { /* fexecve: the program is named by its fd, as Linux names it */
        rt_free(filename);
        filename = rt_malloc(32);
        if (!filename) {
            r = -ENOMEM;
            goto out;
        }
        fmt_snprintf(filename, 32, "/dev/fd/%d", dirfd);
    }
    t->handle = -1;
    r = find_target(dirfd, filename, flags, filename, &argv, t);
    if (r < 0)
        goto out;
    if (argv.bytes + envp.bytes > MAX_ARG_BYTES || argv.n + envp.n > MAX_VECTOR ||
        argv.bytes + envp.bytes + 64 * 1024 > g_libos_config.stack_size) {
        pal_close(t->handle);
        loader_release_image(&t->img);
        r = -E2BIG;
        goto out;
    }
    log_debug("execve %s", t->exe_path);
    replace_image(t, filename, &argv, &envp);
    r = 0; /* the new image's registers are in place; rax there is 0 */
out:
    strvec_free(&argv);
    strvec_free(&envp);
    rt_free(filename);
    rt_free(t);
    return r;
}

SYSCALL(execve, SUPPORT_PARTIAL) {
    return do_execve(AT_FDCWD, ARG_PTR(const char *, 0), ARG_PTR(const char *const *, 1),
                     ARG_PTR(const char *const *, 2), 0);
}

SYSCALL(execveat, SUPPORT_PARTIAL) {
    return do_execve(ARG_INT(0), ARG_PTR(const char *, 1), ARG_PTR(const char *const *, 2),
                     ARG_PTR(const char *const *, 3), ARG_INT(4));
}
