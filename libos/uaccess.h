/* Checks on app-supplied pointers. The app and the LibOS share one address space, so a
 * bad pointer must be caught before it is touched: the VMA tree says whether the range is
 * mapped with the needed access, and the syscall then returns EFAULT as Linux does. */
#ifndef LIBOS_UACCESS_H
#define LIBOS_UACCESS_H

#include <stddef.h>
#include <stdbool.h>

bool uaccess_ok(const void *addr, size_t len, bool write);
/* Checks a NUL-terminated string of at most max bytes; returns its length or -EFAULT
 * (or -ENAMETOOLONG when no NUL within max). */
long uaccess_strlen(const char *s, size_t max);

#define UACCESS_READ(p, n) uaccess_ok((p), (n), false)
#define UACCESS_WRITE(p, n) uaccess_ok((p), (n), true)

#endif
