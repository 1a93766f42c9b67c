/* unit-sources: common/shebang.c common/string.c */
/* The `#!` line parser against what Linux's binfmt_script does with the same bytes
 * (checked with /bin/echo scripts natively): one optional argument that keeps its inner
 * blanks and loses trailing ones, '\r' kept, a NUL ending the name and the argument,
 * without a newline only the first 255 bytes, and the errors. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/shebang.h"
#include "tests/unit/check.h"

static void expect(int line, const char *text, long want_r, const char *want_interp,
                   const char *want_arg) {
    char interp[32] = "untouched", arg[32] = "untouched";
    long r = shebang_parse(text, strlen(text), interp, sizeof(interp), arg, sizeof(arg));
    CHECK(r == want_r, "line %d: %ld, want %ld", line, r, want_r);
    if (r == 0 && want_r == 0) {
        CHECK(!strcmp(interp, want_interp), "line %d: interpreter '%s', want '%s'", line, interp,
              want_interp);
        CHECK(!strcmp(arg, want_arg), "line %d: argument '%s', want '%s'", line, arg, want_arg);
    }
}

int main(void) {
    expect(__LINE__, "#!/bin/sh\necho hi\n", 0, "/bin/sh", "");
    expect(__LINE__, "#! /bin/sh -e\n", 0, "/bin/sh", "-e");
    expect(__LINE__, "#!\t/usr/bin/env  python3 -u \t\n", 0, "/usr/bin/env", "python3 -u");
    expect(__LINE__, "#!/bin/sh -x\r\n", 0, "/bin/sh", "-x\r");
    expect(__LINE__, "#!/bin/sh\r\n", 0, "/bin/sh\r", "");          /* Linux's "bad interpreter" */
    expect(__LINE__, "#!/bin/busybox sh", 0, "/bin/busybox", "sh"); /* no newline */
    expect(__LINE__, "#!/bin/sh\n#!/bin/other x\n", 0, "/bin/sh", "");
    expect(__LINE__, "#!", 0, "", ""); /* the padding NUL ends an empty name (execve: EACCES) */
    expect(__LINE__, "#!   \nexit\n", -ENOEXEC, NULL, NULL);
    expect(__LINE__, "#!\n/bin/sh\n", -ENOEXEC, NULL, NULL);
    expect(__LINE__, "#!/a/path/of/exactly/thirty-two/ch x\n", -ENAMETOOLONG, NULL, NULL);
    expect(__LINE__, "#!/a/path/of/exactly/thirty-one/c x\n", 0, "/a/path/of/exactly/thirty-one/c",
           "x");
    expect(__LINE__, "#!/bin/sh an argument of thirty-two chars!\n", -E2BIG, NULL, NULL);

    /* A NUL ends the name, and then there is no argument; it ends an argument too. */
    char interp[32], arg[32];
    CHECK(shebang_parse("#!/bin/echo\0 junk\n", 17, interp, sizeof(interp), arg, sizeof(arg)) ==
                  0 &&
              !strcmp(interp, "/bin/echo") && !strcmp(arg, ""),
          "a NUL after the name: '%s' '%s'", interp, arg);
    CHECK(shebang_parse("#!/bin/echo a\0b\n", 16, interp, sizeof(interp), arg, sizeof(arg)) == 0 &&
              !strcmp(arg, "a"),
          "a NUL in the argument: '%s'", arg);

    /* What Linux does with a line longer than it reads: an argument is cut at byte 255, an
     * interpreter path that does not end before it is refused. */
    char full[SHEBANG_BUF_SIZE], big_interp[SHEBANG_BUF_SIZE], big_arg[SHEBANG_BUF_SIZE];
    memset(full, 'x', sizeof(full));
    memcpy(full, "#!/bin/sh ", 10);
    CHECK(shebang_parse(full, sizeof(full), big_interp, sizeof(big_interp), big_arg,
                        sizeof(big_arg)) == 0 &&
              !strcmp(big_interp, "/bin/sh") && strlen(big_arg) == SHEBANG_BUF_SIZE - 1 - 10,
          "a long argument is cut before the last byte: %zu", strlen(big_arg));
    memcpy(full, "#!/bin/xxxx", 11);
    CHECK(shebang_parse(full, sizeof(full), big_interp, sizeof(big_interp), big_arg,
                        sizeof(big_arg)) == -ENOEXEC,
          "an interpreter path cut by the end of what was read is refused");
    CHECK(shebang_parse(full, 255, big_interp, sizeof(big_interp), big_arg, sizeof(big_arg)) ==
              -ENOEXEC,
          "a 255-byte file whose path has no end is refused too");
    CHECK(shebang_parse(full, 254, big_interp, sizeof(big_interp), big_arg, sizeof(big_arg)) == 0 &&
              strlen(big_interp) == 252,
          "a shorter file ends the path at its end (the padding NUL)");
    return unit_report("test_shebang");
}
