/* `enclos profile`: what the app used while it ran (peak threads, peak memory, the files it
 * read), printed when it ends as a manifest fragment sized from those figures
 * (docs/profile.md).
 *
 * The hooks below sit on paths that run for every app, so each is one predictable branch
 * on g_libos_config.profile when profiling is off. Only the process enclos started is
 * profiled: in a forked child every hook does nothing and nothing is printed. An execve
 * keeps the profile going (it is the same process). */
#ifndef LIBOS_PROFILE_H
#define LIBOS_PROFILE_H

#include <stdbool.h>
#include "libos/libos.h"

struct vma_tree;

/* The slow halves of the hooks; call them through the inline wrappers. */
void libos_profile_memory_slow(const struct vma_tree *t);
void libos_profile_file_opened_slow(const char *app_path, const char *host_path, int open_flags,
                                    int handle);
void libos_profile_file_mapped_slow(const char *app_path);
void libos_profile_print(int exit_status, int signal);
/* fork: the list of files seen is locked across the copy. */
void libos_profile_fork_lock(void);
void libos_profile_fork_unlock(void);

/* After a change of the app's mappings, with the tree's lock held: measures the mapped
 * memory and keeps the peaks. Walks the whole tree (only when profiling). */
static inline void libos_profile_memory(const struct vma_tree *t) {
    if (__builtin_expect(g_libos_config.profile, 0))
        libos_profile_memory_slow(t);
}

/* A host object the app opened: app_path is the path the app sees, host_path what the
 * host opened, open_flags the open(2) flags, handle the open PAL handle (to tell regular
 * files from the rest). Files opened for writing are kept apart from those only read. */
static inline void libos_profile_file_opened(const char *app_path, const char *host_path,
                                             int open_flags, int handle) {
    if (__builtin_expect(g_libos_config.profile, 0))
        libos_profile_file_opened_slow(app_path, host_path, open_flags, handle);
}

/* A file the LibOS mapped for the app without the app opening it (a program and its
 * interpreter, by the loader or execve), named by the path the app sees (relative to the
 * cwd, or absolute). */
static inline void libos_profile_file_mapped(const char *app_path) {
    if (__builtin_expect(g_libos_config.profile, 0))
        libos_profile_file_mapped_slow(app_path);
}

/* At the app's end: prints the fragment to the runtime's log channel. signal is 0 for a
 * normal exit, else the signal the app dies of. */
static inline void libos_profile_at_exit(int exit_status, int signal) {
    if (__builtin_expect(g_libos_config.profile, 0))
        libos_profile_print(exit_status, signal);
}

#endif
