/* The `#!` line of a script, read the way Linux's binfmt_script reads it (shared by execve
 * in the LibOS and the start of a program given on the command line). */
#ifndef COMMON_SHEBANG_H
#define COMMON_SHEBANG_H

#include <stddef.h>

#define SHEBANG_MAX_DEPTH 4  /* nested `#!` interpreters Linux follows */
#define SHEBANG_BUF_SIZE 256 /* how much of a file Linux reads for its `#!` line */

/* buf holds the first n bytes of a file that starts with "#!". Fills interp (the
 * interpreter path) and arg (its optional single argument: the rest of the line without
 * surrounding blanks, "" when none; cut where the buffer ends, as Linux cuts it). Returns
 * 0, -ENOEXEC without an interpreter or with one that runs past a full buffer,
 * -ENAMETOOLONG when the path does not fit isize, -E2BIG when the argument does not fit
 * asize. */
long shebang_parse(const char *buf, size_t n, char *interp, size_t isize, char *arg, size_t asize);

#endif
