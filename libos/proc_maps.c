#include "libos/proc_maps.h"
#include "common/alloc.h"
#include "common/fmt.h"
#include "common/string.h"
#include <asm-generic/errno.h>

/* The kernel pads the fields before the name to this column (25 + 6 * sizeof(void *) - 1,
 * seq_setwidth in show_vma_header_prefix), then writes one space. */
#define NAME_PAD_COLUMN 72
/* A line without its name is at most "16-16 rwxp 16 8:8 20 ", well under this. */
#define LINE_MAX_WITHOUT_NAME 100

static const char *display_name(const struct vma *v) {
    if (v->file)
        return v->file->path;
    if (v->name)
        return v->name;
    return v->owner == VMA_OWNER_RUNTIME ? "[enclos]" : NULL;
}

/* st_dev as userspace sees it (new_encode_dev) back to the kernel's major and minor. */
static unsigned dev_major(uint64_t dev) {
    return (unsigned)(((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffULL));
}

static unsigned dev_minor(uint64_t dev) {
    return (unsigned)((dev & 0xff) | ((dev >> 12) & ~0xffULL));
}

size_t proc_maps_format_line(const struct vma *v, char *buf, size_t size) {
    char prefix[LINE_MAX_WITHOUT_NAME + 32];
    const struct vma_file *f = v->file;
    int n = fmt_snprintf(prefix, sizeof(prefix), "%08lx-%08lx %c%c%c%c %08lx %02x:%02x %lu ",
                         (unsigned long)v->start, (unsigned long)v->end,
                         v->prot & VMA_PROT_READ ? 'r' : '-', v->prot & VMA_PROT_WRITE ? 'w' : '-',
                         v->prot & VMA_PROT_EXEC ? 'x' : '-', v->flags & VMA_SHARED ? 's' : 'p',
                         (unsigned long)(f ? v->offset : 0), f ? dev_major(f->dev) : 0,
                         f ? dev_minor(f->dev) : 0, (unsigned long)(f ? f->ino : 0));
    size_t prefix_len = n > 0 ? (size_t)n : 0;
    const char *name = display_name(v);
    size_t name_len = name ? strlen(name) : 0;
    size_t name_column = prefix_len < NAME_PAD_COLUMN ? NAME_PAD_COLUMN : prefix_len;
    size_t total = name_len ? name_column + 1 + name_len + 1 : prefix_len + 1;
    if (total >= size)
        return total;
    memcpy(buf, prefix, prefix_len);
    size_t pos = prefix_len;
    if (name_len) {
        while (pos < name_column + 1)
            buf[pos++] = ' ';
        memcpy(buf + pos, name, name_len);
        pos += name_len;
    }
    buf[pos++] = '\n';
    buf[pos] = 0;
    return total;
}

static size_t size_bound(const struct vma_tree *t) {
    size_t total = 0;
    for (const struct vma *v = vma_first(t); v; v = vma_next(v)) {
        const char *name = display_name(v);
        total += LINE_MAX_WITHOUT_NAME + (name ? strlen(name) : 0) + 1;
    }
    return total;
}

long proc_maps_render(struct vma_tree *t, char **out, size_t *out_len) {
    /* The buffer is allocated with the lock dropped (the heap may need the tree), so the
     * tree can grow in between: measure again and retry when it no longer fits. */
    for (int attempt = 0; attempt < 8; attempt++) {
        vma_lock(t);
        size_t cap = size_bound(t) + 1;
        vma_unlock(t);
        char *buf = rt_malloc(cap);
        if (!buf)
            return -ENOMEM;
        vma_lock(t);
        size_t pos = 0;
        bool fits = true;
        for (const struct vma *v = vma_first(t); v; v = vma_next(v)) {
            size_t n = proc_maps_format_line(v, buf + pos, cap - pos);
            if (n >= cap - pos) {
                fits = false;
                break;
            }
            pos += n;
        }
        vma_unlock(t);
        if (fits) {
            buf[pos] = 0;
            *out = buf;
            *out_len = pos;
            return 0;
        }
        rt_free(buf);
    }
    return -ENOMEM;
}

long proc_maps_generate(char **buf, size_t *len) {
    return proc_maps_render(libos_vma_tree(), buf, len);
}
