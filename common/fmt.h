/* Freestanding formatted output: a vsnprintf subset (%d %i %u %x %X %o %p %s %c %%,
 * flags '-' '0' ' ' '+' '#', width, precision incl. '*', length h hh l ll z j t). */
#ifndef COMMON_FMT_H
#define COMMON_FMT_H

#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
