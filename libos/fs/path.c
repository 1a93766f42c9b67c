#include "libos/fs/path.h"
#include "common/string.h"
#include <asm-generic/errno.h>

/* Drops the last component of the absolute path held in out[0..len). */
static size_t pop_component(const char *out, size_t len) {
    while (len > 0 && out[len - 1] != '/')
        len--;
    return len > 0 ? len - 1 : 0;
}

static bool is_dot(const char *s, size_t n) {
    return n == 1 && s[0] == '.';
}

static bool is_dotdot(const char *s, size_t n) {
    return n == 2 && s[0] == '.' && s[1] == '.';
}

/* The offset just past the last ".." component of text, or 0 if it has none. */
static size_t last_dotdot_end(const char *text) {
    size_t end = 0;
    const char *p = text;
    while (*p) {
        while (*p == '/')
            p++;
        const char *start = p;
        while (*p && *p != '/')
            p++;
        if (is_dotdot(start, (size_t)(p - start)))
            end = (size_t)(p - text);
    }
    return end;
}

bool path_has_dotdot(const char *path) {
    return last_dotdot_end(path) != 0;
}

static bool more_components(const char *p) {
    while (*p == '/')
        p++;
    return *p != 0;
}

/* Whether the first component of p that is not "." is "..": then the component before p
 * is climbed out of, and must be a directory. */
static bool next_is_dotdot(const char *p) {
    for (;;) {
        while (*p == '/')
            p++;
        const char *start = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - start);
        if (!is_dot(start, n))
            return is_dotdot(start, n);
    }
}

/* The walk continues with the link's target in place of the text consumed so far: *text
 * becomes w->target followed by what remained after pos. */
static long splice_target(const struct path_walk *w, const char **text, size_t pos) {
    const char *rest = *text + pos;
    size_t target_len = strlen(w->target), rest_len = strlen(rest);
    if (target_len + rest_len + 1 > FS_RESOLVED_MAX)
        return -ENAMETOOLONG;
    memmove(w->text + target_len, rest, rest_len + 1);
    memcpy(w->text, w->target, target_len);
    *text = w->text;
    return 0;
}

long path_walk(const struct path_walk *w, const char *base, const char *path, char *out,
               size_t size, struct path_info *info) {
    struct path_info local = {false, 0};
    if (!path[0])
        return -ENOENT;
    if (size < 2)
        return -ENAMETOOLONG;
    bool lookups = w && w->lookup;
    const char *text = path;
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
        if (lookups && !w->base_physical && base_len > 0 && path_has_dotdot(path)) {
            /* A ".." may climb into the base, whose components were never looked up. */
            size_t path_len = strlen(path);
            if (base_len + 1 + path_len + 1 > FS_RESOLVED_MAX)
                return -ENAMETOOLONG;
            memmove(w->text + base_len + 1, path, path_len + 1);
            memmove(w->text, base, base_len);
            w->text[base_len] = '/';
            text = w->text;
        } else {
            if (base_len >= size)
                return -ENAMETOOLONG;
            memmove(out, base, base_len);
            len = base_len;
        }
    }
    size_t dotdot_end = lookups ? last_dotdot_end(text) : 0;
    size_t opaque_len = 0; /* non-zero: out[0..opaque_len) is opaque, and so is below it */
    int links = 0;
    size_t pos = 0;
    for (;;) {
        while (text[pos] == '/')
            pos++;
        if (!text[pos])
            break;
        size_t start = pos;
        while (text[pos] && text[pos] != '/')
            pos++;
        size_t comp = pos - start;
        local.last_dot = 0;
        if (is_dot(text + start, comp)) {
            local.last_dot = 1;
            continue;
        }
        if (is_dotdot(text + start, comp)) {
            local.last_dot = 2;
            len = pop_component(out, len);
            if (len < opaque_len)
                opaque_len = 0;
            continue;
        }
        if (len + 1 + comp + 1 > size)
            return -ENAMETOOLONG;
        out[len++] = '/';
        memcpy(out + len, text + start, comp);
        len += comp;
        if (!lookups || opaque_len)
            continue;
        bool more = more_components(text + pos);
        bool check =
            more ? w->check_all || (w->check_all_after_link && links > 0) || start < dotdot_end
                 : w->follow_final || (w->follow_final_after_link && links > 0);
        if (!check)
            continue;
        out[len] = 0;
        long kind =
            w->lookup(w->ctx, out, more && next_is_dotdot(text + pos), w->target, FS_RESOLVED_MAX);
        if (kind < 0 && more)
            return kind;
        if (kind == PATH_OPAQUE)
            opaque_len = len;
        if (kind == PATH_NOT_DIR && more)
            return -ENOTDIR;
        if (kind != PATH_LINK)
            continue;
        if (++links > PATH_MAX_LINKS)
            return -ELOOP;
        if (!w->target[0])
            return -ENOENT;
        len = w->target[0] == '/' ? 0 : pop_component(out, len);
        long r = splice_target(w, &text, pos);
        if (r < 0)
            return r;
        pos = 0;
        dotdot_end = last_dotdot_end(text);
    }
    if (len == 0)
        out[len++] = '/';
    out[len] = 0;
    local.must_be_dir = local.last_dot != 0 || (pos > 0 && text[pos - 1] == '/');
    if (info)
        *info = local;
    return (long)len;
}

long path_resolve(const char *base, const char *path, char *out, size_t size,
                  struct path_info *info) {
    return path_walk(NULL, base, path, out, size, info);
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
