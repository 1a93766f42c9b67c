/* /proc/self/maps, generated from the VMA tree in the kernel's exact format, so that
 * programs parsing it (Go's runtime, glibc's pthread_getattr_np, sanitizers) read what they
 * would read natively. Runtime memory is listed too, named "[enclos]" unless it has a better
 * name ("[vdso]", "[vvar]"...). */
#ifndef LIBOS_PROC_MAPS_H
#define LIBOS_PROC_MAPS_H

#include <stddef.h>
#include "libos/vma.h"

/* The text for the LibOS's tree into an rt_malloc'ed buffer (*buf, *len; the caller
 * rt_frees it). Returns 0 or -ENOMEM. */
long proc_maps_generate(char **buf, size_t *len);
/* The same for any tree; takes the tree's lock. */
long proc_maps_render(struct vma_tree *t, char **buf, size_t *len);
/* Formats v's line (with its newline) into buf like snprintf: returns the full length,
 * and writes a terminated line only when it is shorter than size. */
size_t proc_maps_format_line(const struct vma *v, char *buf, size_t size);

#endif
