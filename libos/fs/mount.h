/* The LibOS file-system namespace: mounts that map virtual path prefixes to host paths,
 * and the process state that names files (cwd, executable path). This is the API the
 * loader uses to set the namespace up from the manifest before the app starts.
 *
 * A virtual path is translated through the mount with the longest matching prefix; a path
 * outside every mount does not exist (ENOENT). /proc and /sys (and the host's standard
 * character devices) pass through to the host unless a mount other than "/" covers them,
 * so that a chroot root still sees /dev/null and /proc/cpuinfo. */
#ifndef LIBOS_FS_MOUNT_H
#define LIBOS_FS_MOUNT_H

#include <stddef.h>
#include <stdbool.h>

#define MOUNT_MAX 64
/* mount_translate's mount id for paths passed through to the host as they are. */
#define MOUNT_ID_PSEUDO (-2)

/* Adds a mount of host_path (absolute) at virtual_path (absolute); both are normalized
 * lexically. Returns 0, -EINVAL (relative path), -EEXIST (virtual path already mounted),
 * -ENOSPC (more than MOUNT_MAX) or -ENAMETOOLONG. */
long mount_add(const char *virtual_path, const char *host_path);
/* Forgets every mount (unit tests). */
void mount_clear(void);
/* Translates a normalized absolute virtual path to a host path in host (size bytes).
 * Returns the host path's length, -ENOENT outside every mount or -ENAMETOOLONG; sets
 * *mount_id (if not NULL) to the mount's index or MOUNT_ID_PSEUDO, so callers can tell
 * whether two paths are on the same mount (rename and link across mounts fail EXDEV). */
long mount_translate(const char *vpath, char *host, size_t size, int *mount_id);
/* The reverse: the virtual path under which the app sees host path host, or -ENOENT if no
 * mount reaches it (or a more specific mount hides it). */
long mount_to_virtual(const char *host, char *vpath, size_t size);
/* True if vpath is exactly a mount's virtual path: such directories cannot be removed or
 * renamed (EBUSY), as on Linux. */
bool mount_is_mount_point(const char *vpath);
/* True if vpath is a mount point or lies above one, or above a host path passed through
 * (/dev for /dev/null), or is /proc or /sys passed through: a directory, whatever the host
 * holds at its place (mount points are directories on Linux). */
bool mount_leads_to_mount_point(const char *vpath);
/* True if every virtual path names the same host path: "/" is mounted at "/" and every
 * other mount maps a path to itself. Then the host may resolve symlinks itself. */
bool mount_table_is_identity(void);

/* ---- Process file-system state (libos/fs/fs.c) -------------------------------------- */

/* Sets up the state that needs the host (the umask). Call once at start, before the
 * loader adds mounts. The cwd starts as "/". */
void fs_init(void);
/* fork: the cwd and the path buffer caches are locked across the copy. */
void fs_fork_lock(void);
void fs_fork_unlock(void);
/* Makes virtual_path (absolute, or relative to the current cwd) the cwd; checks that it
 * exists and is a searchable directory. Returns 0 or -errno. */
long fs_set_cwd(const char *virtual_path);
/* Makes the host's cwd of the runtime the app's cwd, if a mount reaches it; otherwise the
 * cwd stays "/". Returns 0 or -errno. */
long fs_set_cwd_from_host(void);
/* Copies the cwd into buf; returns its length or -ERANGE. */
long fs_get_cwd(char *buf, size_t size);
/* Records the app's executable (virtual path, absolute or relative to the cwd), for
 * readlink("/proc/self/exe"). Returns 0 or -errno. */
long fs_set_exe_path(const char *virtual_path);
/* Resolves path (absolute, or relative to the cwd) and translates it to a host path, for
 * the loader to open the program. Returns the host path's length or -errno. */
long fs_translate(const char *path, char *host, size_t size);
/* Contents of /proc/self/auxv and /proc/self/cmdline (NUL-separated arguments); copied. */
void fs_set_auxv(const void *auxv, size_t bytes);
void fs_set_cmdline(const char *args, size_t bytes);

#endif
