#include "libos/fs/path.h"
#include "common/string.h"
#include <asm-generic/errno.h>

/* Drops the last component of the absolute path held in out[0..len). */
static size_t pop_component(const char *out, size_t len) {
    while (len > 0 && out[len - 1] != '/')
        len--;
    return len > 0 ? len - 1 : 0;
}

long path_resolve(const char *base, const char *path, char *out, size_t size,
                  struct path_info *info) {
    struct path_info local = {false, 0};
    if (!path[0])
        return -ENOENT;
    if (size < 2)
        return -ENAMETOOLONG;
    /* out holds the path without its leading "/" when empty: "" means "/". */
    size_t len = 0;
    if (path[0] != '/') {
        if (!base || base[0] != '/')
            return -EINVAL;
        size_t base_len = strlen(base);
        while (base_len > 1 && base[base_len - 1] == '/')
            base_len--;
        if (base_len == 1)
            base_len = 0;
        if (base_len >= size)
            return -ENAMETOOLONG;
        memcpy(out, base, base_len);
        len = base_len;
    }
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && *p != '/')
            p++;
        size_t comp = (size_t)(p - start);
        local.last_dot = 0;
        if (comp == 1 && start[0] == '.') {
            local.last_dot = 1;
            continue;
        }
        if (comp == 2 && start[0] == '.' && start[1] == '.') {
            local.last_dot = 2;
            len = pop_component(out, len);
            continue;
        }
        if (len + 1 + comp + 1 > size)
            return -ENAMETOOLONG;
        out[len++] = '/';
        memcpy(out + len, start, comp);
        len += comp;
    }
    if (len == 0)
        out[len++] = '/';
    out[len] = 0;
    size_t path_len = (size_t)(p - path);
    local.must_be_dir = local.last_dot != 0 || (path_len > 0 && path[path_len - 1] == '/');
    if (info)
        *info = local;
    return (long)len;
}

bool path_is_within(const char *path, const char *prefix) {
    size_t n = strlen(prefix);
    if (n == 1 && prefix[0] == '/')
        return path[0] == '/';
    return strncmp(path, prefix, n) == 0 && (path[n] == 0 || path[n] == '/');
}

size_t path_suffix_offset(const char *path, const char *prefix) {
    size_t n = strlen(prefix);
    if (n == 1 && prefix[0] == '/')
        return 0;
    return n;
}
