/* The `#!` line of a script, read the way Linux's binfmt_script reads it (shared by execve
 * in the LibOS and the start of a program given on the command line). */
#ifndef COMMON_SHEBANG_H
#define COMMON_SHEBANG_H

#include <stddef.h>

#define SHEBANG_MAX_DEPTH 5  /* nested `#!` scripts Linux runs (its exec_binprm depth) */
#define SHEBANG_BUF_SIZE 256 /* how much of a file Linux reads for its `#!` line */

/* buf holds the first n bytes of a file that starts with "#!" (n <= SHEBANG_BUF_SIZE).
 * Fills interp (the interpreter path) and arg (its optional single argument: the rest of
 * the line without surrounding blanks, "" when none), as Linux would. Returns 0; -ENOEXEC
 * without an interpreter or with one whose path does not end within what Linux reads;
 * -ENAMETOOLONG or -E2BIG when interp (isize) or arg (asize) is too small. */
long shebang_parse(const char *buf, size_t n, char *interp, size_t isize, char *arg, size_t asize);

#endif
