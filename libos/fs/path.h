/* Lexical path handling of the LibOS. The app sees virtual paths; the LibOS resolves each
 * one to a normalized absolute virtual path before it looks at mounts, so "." and ".."
 * are settled on the virtual path and ".." can never climb out of a mount's host root. */
#ifndef LIBOS_FS_PATH_H
#define LIBOS_FS_PATH_H

#include <stddef.h>
#include <stdbool.h>

/* Linux's limit on a path, with its NUL. (The limit on one component is the file
 * system's: the host checks it.) */
#define FS_PATH_MAX 4096

/* What the spelling of a path requires beyond its normalized form. */
struct path_info {
    bool must_be_dir; /* a trailing slash, or a last component "." or ".." */
    int last_dot;     /* 1 if the last component was ".", 2 if it was "..", else 0 */
};

/* Resolves path against base (an absolute normalized directory path, used only when path
 * is relative) into out: an absolute path without ".", ".." or repeated slashes, with no
 * trailing slash except for "/" itself. ".." at "/" stays at "/". Returns the length of
 * out, -ENOENT for an empty path, -EINVAL for a relative base, -ENAMETOOLONG when out
 * would not fit in size bytes. info may be NULL. */
long path_resolve(const char *base, const char *path, char *out, size_t size,
                  struct path_info *info);

/* True if path is prefix or lies below it, on component boundaries ("/data" is within
 * "/data" and "/", not within "/dat"). Both are normalized absolute paths. */
bool path_is_within(const char *path, const char *prefix);

/* Where the part of path below prefix starts: "/data/x" below "/data" continues at offset
 * 5 ("/x"), below "/" at offset 0. path must be within prefix. */
size_t path_suffix_offset(const char *path, const char *prefix);

#endif
