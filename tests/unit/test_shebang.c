/* unit-sources: common/shebang.c common/string.c */
/* The `#!` line parser against what Linux's binfmt_script does with the same bytes: one
 * optional argument that keeps its inner blanks, blanks and a CR trimmed at its end, the
 * line ending at the buffer's end when it has no newline, and the errors. */
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
    expect(__LINE__, "#!/bin/sh -x\r\n", 0, "/bin/sh", "-x");
    expect(__LINE__, "#!/bin/sh\r\n", 0, "/bin/sh\r", "");          /* Linux's "bad interpreter" */
    expect(__LINE__, "#!/bin/busybox sh", 0, "/bin/busybox", "sh"); /* no newline */
    expect(__LINE__, "#!/bin/sh\n#!/bin/other x\n", 0, "/bin/sh", "");
    expect(__LINE__, "#!", -ENOEXEC, NULL, NULL);
    expect(__LINE__, "#!   \nexit\n", -ENOEXEC, NULL, NULL);
    expect(__LINE__, "#!\n/bin/sh\n", -ENOEXEC, NULL, NULL);
    expect(__LINE__, "#!/a/path/of/exactly/thirty-two/ch x\n", -ENAMETOOLONG, NULL, NULL);
    expect(__LINE__, "#!/a/path/of/exactly/thirty-one/c x\n", 0, "/a/path/of/exactly/thirty-one/c",
           "x");
    expect(__LINE__, "#!/bin/sh an argument of thirty-two chars!\n", -E2BIG, NULL, NULL);

    /* Only the first n bytes count: a line cut by the buffer's end ends there. */
    char interp[32], arg[32];
    CHECK(shebang_parse("#!/bin/sh -e\n", 7, interp, sizeof(interp), arg, sizeof(arg)) == 0 &&
              !strcmp(interp, "/bin/") && !strcmp(arg, ""),
          "a cut line: '%s' '%s'", interp, arg);

    /* What Linux does with a line longer than the buffer: an argument is cut, an
     * interpreter path that runs to the end is refused. */
    char full[SHEBANG_BUF_SIZE], big_interp[SHEBANG_BUF_SIZE], big_arg[SHEBANG_BUF_SIZE];
    memset(full, 'x', sizeof(full));
    memcpy(full, "#!/bin/sh ", 10);
    CHECK(shebang_parse(full, sizeof(full), big_interp, sizeof(big_interp), big_arg,
                        sizeof(big_arg)) == 0 &&
              !strcmp(big_interp, "/bin/sh") && strlen(big_arg) == SHEBANG_BUF_SIZE - 10,
          "a long argument is cut at the buffer's end");
    memcpy(full, "#!/bin/xxxx", 11);
    CHECK(shebang_parse(full, sizeof(full), big_interp, sizeof(big_interp), big_arg,
                        sizeof(big_arg)) == -ENOEXEC,
          "an interpreter path cut by the buffer's end is refused");
    CHECK(shebang_parse(full, sizeof(full) - 1, big_interp, sizeof(big_interp), big_arg,
                        sizeof(big_arg)) == 0,
          "a short file without a newline ends the path at its end");
    return unit_report("test_shebang");
}
