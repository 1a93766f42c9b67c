/* The parse follows Linux's binfmt_script: the buffer holds what was read of the file,
 * NUL-padded to SHEBANG_BUF_SIZE; without a newline only SHEBANG_BUF_SIZE - 1 bytes count,
 * and the interpreter must end (blank or NUL) within them; the name ends at a blank or NUL,
 * the argument is the rest of the line less trailing blanks, up to a NUL. '\r' is an
 * ordinary byte, as it is to Linux. */
#include "common/shebang.h"
#include <stdbool.h>
#include "common/string.h"
#include <asm-generic/errno.h>

static char at(const char *buf, size_t n, size_t i) {
    return i < n ? buf[i] : 0;
}

static bool blank(char c) {
    return c == ' ' || c == '\t';
}

long shebang_parse(const char *buf, size_t n, char *interp, size_t isize, char *arg, size_t asize) {
    if (n > SHEBANG_BUF_SIZE)
        n = SHEBANG_BUF_SIZE;
    size_t buf_end = SHEBANG_BUF_SIZE - 1, end = 0;
    while (end < n && buf[end] != '\n')
        end++;
    if (end == n) { /* no newline: the path must end before the last byte */
        size_t i = 2;
        while (i < buf_end && blank(at(buf, n, i)))
            i++;
        if (i == buf_end)
            return -ENOEXEC;
        while (i < buf_end && !blank(at(buf, n, i)) && at(buf, n, i))
            i++;
        if (i == buf_end)
            return -ENOEXEC; /* a path cut by the end of what was read names another file */
        end = buf_end;
    }
    while (end > 2 && blank(at(buf, n, end - 1)))
        end--;
    size_t name = 2;
    while (name < end && blank(at(buf, n, name)))
        name++;
    if (name == end)
        return -ENOEXEC;
    size_t sep = name;
    while (sep < end && !blank(at(buf, n, sep)) && at(buf, n, sep))
        sep++;
    if (sep - name >= isize)
        return -ENAMETOOLONG;
    for (size_t i = name; i < sep; i++)
        interp[i - name] = buf[i];
    interp[sep - name] = 0;
    size_t a = sep, a_end = sep;
    if (sep < end && at(buf, n, sep)) { /* a blank, not a NUL: an argument may follow */
        while (a < end && blank(at(buf, n, a)))
            a++;
        a_end = a;
        while (a_end < end && at(buf, n, a_end))
            a_end++;
    }
    if (a_end - a >= asize)
        return -E2BIG;
    for (size_t i = a; i < a_end; i++)
        arg[i - a] = buf[i];
    arg[a_end - a] = 0;
    return 0;
}
