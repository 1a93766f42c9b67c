#include "common/shebang.h"
#include "common/string.h"
#include <asm-generic/errno.h>

static int is_blank(char c) {
    return c == ' ' || c == '\t';
}

long shebang_parse(const char *buf, size_t n, char *interp, size_t isize, char *arg, size_t asize) {
    size_t i = 2, end = 2;
    while (end < n && buf[end] != '\n')
        end++;
    while (i < end && is_blank(buf[i]))
        i++;
    size_t start = i;
    while (i < end && !is_blank(buf[i]))
        i++;
    /* A path cut by the end of what was read would name another file. */
    if (i == start || (i == n && n >= SHEBANG_BUF_SIZE))
        return -ENOEXEC;
    if (i - start >= isize)
        return -ENAMETOOLONG;
    memcpy(interp, buf + start, i - start);
    interp[i - start] = 0;
    while (i < end && is_blank(buf[i]))
        i++;
    size_t aend = end;
    while (aend > i && (is_blank(buf[aend - 1]) || buf[aend - 1] == '\r'))
        aend--;
    if (aend - i >= asize)
        return -E2BIG;
    memcpy(arg, buf + i, aend - i);
    arg[aend - i] = 0;
    return 0;
}
