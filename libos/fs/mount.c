#include "libos/fs/mount.h"
#include "libos/fs/path.h"
#include "common/alloc.h"
#include "common/string.h"
#include <asm-generic/errno.h>

struct mount {
    char *virtual_path;
    char *host_path;
};

static struct mount g_mounts[MOUNT_MAX];
static int g_mount_count;
static bool g_identity; /* see mount_table_is_identity */

/* Host character devices every program expects, passed through even under a chroot. */
static const char *const g_host_devices[] = {
    "/dev/null",    "/dev/zero", "/dev/full", "/dev/random",
    "/dev/urandom", "/dev/tty",  "/dev/ptmx", "/dev/pts",
};

static const char *const g_pseudo_trees[] = {"/proc", "/sys"};

static long normalize_absolute(const char *path, char **out) {
    if (path[0] != '/')
        return -EINVAL;
    /* Normalizing never makes a path longer. */
    size_t size = strlen(path) + 1;
    char *buf = rt_malloc(size);
    if (!buf)
        return -ENOMEM;
    long n = path_resolve("/", path, buf, size, NULL);
    if (n < 0) {
        rt_free(buf);
        return n;
    }
    *out = buf;
    return 0;
}

static void update_identity(void) {
    bool root = false, same = true;
    for (int i = 0; i < g_mount_count; i++) {
        same = same && !strcmp(g_mounts[i].virtual_path, g_mounts[i].host_path);
        root = root || !strcmp(g_mounts[i].virtual_path, "/");
    }
    g_identity = root && same;
}

bool mount_table_is_identity(void) {
    return g_identity;
}

long mount_add(const char *virtual_path, const char *host_path) {
    if (g_mount_count >= MOUNT_MAX)
        return -ENOSPC;
    char *virt = NULL, *host = NULL;
    long r = normalize_absolute(virtual_path, &virt);
    if (r == 0)
        r = normalize_absolute(host_path, &host);
    for (int i = 0; r == 0 && i < g_mount_count; i++)
        if (!strcmp(g_mounts[i].virtual_path, virt))
            r = -EEXIST;
    if (r < 0) {
        rt_free(virt);
        rt_free(host);
        return r;
    }
    g_mounts[g_mount_count].virtual_path = virt;
    g_mounts[g_mount_count].host_path = host;
    g_mount_count++;
    update_identity();
    return 0;
}

void mount_clear(void) {
    for (int i = 0; i < g_mount_count; i++) {
        rt_free(g_mounts[i].virtual_path);
        rt_free(g_mounts[i].host_path);
    }
    g_mount_count = 0;
    update_identity();
}

static int longest_mount(const char *vpath) {
    int best = -1;
    size_t best_len = 0;
    for (int i = 0; i < g_mount_count; i++) {
        size_t len = strlen(g_mounts[i].virtual_path);
        if (path_is_within(vpath, g_mounts[i].virtual_path) && (best < 0 || len > best_len)) {
            best = i;
            best_len = len;
        }
    }
    return best;
}

static bool is_pseudo_path(const char *vpath) {
    for (size_t i = 0; i < sizeof(g_pseudo_trees) / sizeof(g_pseudo_trees[0]); i++)
        if (path_is_within(vpath, g_pseudo_trees[i]))
            return true;
    for (size_t i = 0; i < sizeof(g_host_devices) / sizeof(g_host_devices[0]); i++)
        if (path_is_within(vpath, g_host_devices[i]))
            return true;
    return false;
}

/* host = root + rest, where rest is "" or starts with "/". */
static long join(char *host, size_t size, const char *root, const char *rest) {
    size_t root_len = strlen(root), rest_len = strlen(rest);
    if (root_len == 1 && rest_len > 0)
        root_len = 0; /* "/" + "/x" */
    if (root_len + rest_len + 1 > size)
        return -ENAMETOOLONG;
    memcpy(host, root, root_len);
    memcpy(host + root_len, rest, rest_len + 1);
    return (long)(root_len + rest_len);
}

long mount_translate(const char *vpath, char *host, size_t size, int *mount_id) {
    if (vpath[0] != '/')
        return -EINVAL;
    int m = longest_mount(vpath);
    bool root_only = m < 0 || !strcmp(g_mounts[m].virtual_path, "/");
    if (root_only && is_pseudo_path(vpath)) {
        if (mount_id)
            *mount_id = MOUNT_ID_PSEUDO;
        return join(host, size, vpath, "");
    }
    if (m < 0)
        return -ENOENT;
    if (mount_id)
        *mount_id = m;
    const char *rest = vpath + path_suffix_offset(vpath, g_mounts[m].virtual_path);
    if (!strcmp(rest, "/"))
        rest = "";
    return join(host, size, g_mounts[m].host_path, rest);
}

/* mount_to_virtual with check, a buffer of check_size bytes for the translations back. */
static long to_virtual(const char *host, char *vpath, size_t size, char *check, size_t check_size) {
    /* Candidates in order of the longest host prefix: the most specific mount of a host
     * directory is the one the app most likely reached it through. */
    bool tried[MOUNT_MAX] = {false};
    for (;;) {
        int best = -1;
        size_t best_len = 0;
        for (int i = 0; i < g_mount_count; i++) {
            size_t len = strlen(g_mounts[i].host_path);
            if (!tried[i] && path_is_within(host, g_mounts[i].host_path) &&
                (best < 0 || len > best_len)) {
                best = i;
                best_len = len;
            }
        }
        if (best < 0)
            break;
        tried[best] = true;
        const char *rest = host + path_suffix_offset(host, g_mounts[best].host_path);
        if (!strcmp(rest, "/"))
            rest = "";
        long n = join(vpath, size, g_mounts[best].virtual_path, rest);
        if (n < 0)
            return n;
        if (mount_translate(vpath, check, check_size, NULL) >= 0 && !strcmp(check, host))
            return n;
    }
    int id;
    if (mount_translate(host, check, check_size, &id) >= 0 && id == MOUNT_ID_PSEUDO)
        return join(vpath, size, host, "");
    return -ENOENT;
}

long mount_to_virtual(const char *host, char *vpath, size_t size) {
    /* A translation that maps back is host itself: one that does not fit in strlen(host)
     * bytes is not. Host names from the host fit in PATH_MAX; a longer one (a deep cwd)
     * gets its buffer from the heap. */
    size_t check_size = strlen(host) + 1;
    if (check_size <= FS_PATH_MAX) {
        char check[FS_PATH_MAX];
        return to_virtual(host, vpath, size, check, sizeof(check));
    }
    char *check = rt_malloc(check_size);
    if (!check)
        return -ENOMEM;
    long r = to_virtual(host, vpath, size, check, check_size);
    rt_free(check);
    return r;
}

bool mount_is_mount_point(const char *vpath) {
    for (int i = 0; i < g_mount_count; i++)
        if (!strcmp(g_mounts[i].virtual_path, vpath))
            return true;
    return false;
}

static bool passes_through(const char *vpath) {
    int m = longest_mount(vpath);
    return m < 0 || !strcmp(g_mounts[m].virtual_path, "/");
}

bool mount_leads_to_mount_point(const char *vpath) {
    for (int i = 0; i < g_mount_count; i++)
        if (path_is_within(g_mounts[i].virtual_path, vpath))
            return true;
    /* The host paths passed through hang below the root like mounts: /dev is there for
     * /dev/null even when the root's host tree has no /dev. */
    for (size_t i = 0; i < sizeof(g_host_devices) / sizeof(g_host_devices[0]); i++)
        if (path_is_within(g_host_devices[i], vpath) && strcmp(g_host_devices[i], vpath) &&
            passes_through(g_host_devices[i]))
            return true;
    for (size_t i = 0; i < sizeof(g_pseudo_trees) / sizeof(g_pseudo_trees[0]); i++)
        if (path_is_within(g_pseudo_trees[i], vpath) && passes_through(g_pseudo_trees[i]))
            return true;
    return false;
}
