/* Path handling of the LibOS. The app sees virtual paths; the LibOS resolves each one to a
 * normalized absolute virtual path before it looks at mounts, so "." and ".." are settled
 * on the virtual path and ".." can never climb out of a mount's host root.
 *
 * path_resolve does this on the text alone. path_walk does it as Linux does: a component
 * that ".." follows is looked up first, and a symlink there is replaced by its target
 * (absolute targets restart at the virtual root, relative ones at the link's directory),
 * so ".." names the parent of the target. The lookups are a callback: this file knows
 * nothing of mounts or the host. */
#ifndef LIBOS_FS_PATH_H
#define LIBOS_FS_PATH_H

#include <stddef.h>
#include <stdbool.h>

/* Linux's limit on a path the app passes, with its NUL (PATH_MAX): a longer argument fails
 * with ENAMETOOLONG. (The limit on one component is the file system's: the host checks
 * it.) */
#define FS_PATH_MAX 4096

/* The limit on the paths the LibOS makes, with the NUL: the cwd, a path resolved against
 * it or a directory fd, a host path. Linux has none of its own (a cwd may be as deep as
 * mkdir and chdir take it, and each relative path below it short), so this one is only
 * large: such paths live in the heap, never on the LibOS stack. */
#define FS_RESOLVED_MAX 32768

/* Linux's limit on the symlinks one lookup follows (MAXSYMLINKS): one more is ELOOP. */
#define PATH_MAX_LINKS 40

/* What the spelling of a path requires beyond its normalized form. */
struct path_info {
    bool must_be_dir; /* a trailing slash, or a last component "." or ".." */
    int last_dot;     /* 1 if the last component was ".", 2 if it was "..", else 0 */
};

/* What a lookup found at a virtual path. */
enum path_kind {
    PATH_NOT_LINK, /* not a symlink (whether it is a directory was not asked) */
    PATH_DIR,      /* a directory */
    PATH_NOT_DIR,  /* neither a directory nor a symlink */
    PATH_LINK,     /* a symlink; its target was written */
    PATH_OPAQUE,   /* the LibOS cannot look inside (/proc): below it the walk is lexical */
};

struct path_walk {
    /* Looks up vpath (absolute, normalized). With need_dir the answer must say whether it
     * is a directory (PATH_DIR, PATH_NOT_DIR, PATH_LINK or PATH_OPAQUE); without, it may be
     * PATH_NOT_LINK. For PATH_LINK the target goes to target (size bytes, NUL-terminated).
     * Returns the kind or -errno. */
    long (*lookup)(void *ctx, const char *vpath, bool need_dir, char *target, size_t size);
    void *ctx;
    /* Which components are looked up. A component that a ".." follows (anywhere later in
     * the path) always is; with check_all every component that another follows is; with
     * follow_final the last one is too, and followed if it is a symlink. */
    bool check_all;
    bool follow_final;
    /* The same, once the walk has followed a link: then the PATH_MAX_LINKS limit counts
     * every link of the path, as Linux's does, rather than leaving the rest to the host
     * and a count of its own. */
    bool check_all_after_link;
    bool follow_final_after_link;
    /* base has no symlinks in it (the cwd is kept physical), so a ".." may climb into it
     * without a lookup. If not, and the path holds a "..", the base is walked too. */
    bool base_physical;
    char *text;   /* FS_RESOLVED_MAX bytes of scratch: the path with link targets spliced in */
    char *target; /* FS_RESOLVED_MAX bytes of scratch for link targets */
};

/* Resolves path against base (an absolute normalized directory path, used only when path
 * is relative) into out: an absolute path without ".", ".." or repeated slashes, with no
 * trailing slash except for "/" itself. ".." at "/" stays at "/". Returns the length of
 * out, -ENOENT for an empty path, -EINVAL for a relative base, -ENAMETOOLONG when out
 * would not fit in size bytes. info may be NULL. Purely lexical. */
long path_resolve(const char *base, const char *path, char *out, size_t size,
                  struct path_info *info);

/* As path_resolve, with the lookups w asks for (w NULL: lexical). base may be out itself;
 * path may be w->text. Besides path_resolve's errors: a lookup's error for a component
 * that others follow (ENOENT, ENOTDIR, EACCES...; the last component's errors are left to
 * whoever uses the path), ENOTDIR for a non-directory that others follow, ELOOP after
 * PATH_MAX_LINKS symlinks, ENOENT for an empty link target, ENAMETOOLONG when a target
 * spliced into the rest of the path does not fit in FS_RESOLVED_MAX. info describes the
 * spelling of the last text walked (a followed link's target included). */
long path_walk(const struct path_walk *w, const char *base, const char *path, char *out,
               size_t size, struct path_info *info);

/* True if path has a ".." component. */
bool path_has_dotdot(const char *path);

/* True if path is prefix or lies below it, on component boundaries ("/data" is within
 * "/data" and "/", not within "/dat"). Both are normalized absolute paths. */
bool path_is_within(const char *path, const char *prefix);

/* Where the part of path below prefix starts: "/data/x" below "/data" continues at offset
 * 5 ("/x"), below "/" at offset 0. path must be within prefix. */
size_t path_suffix_offset(const char *path, const char *prefix);

#endif
