/* A program given on the command line (or as the manifest's entrypoint) that is a `#!`
 * script runs its interpreter, as the kernel's execve does and as the LibOS's execve does
 * for the app (libos/sys/exec.c): the rules are Linux's (common/shebang.h). */
#include "loader/loader.h"
#include "libos/fs/mount.h"
#include "common/alloc.h"
#include "common/shebang.h"
#include "common/string.h"
#include "pal/pal.h"
#include <asm-generic/errno.h>
#include <linux/fcntl.h>

const char *loader_follow_scripts(const char *program, char *host_path, size_t host_size, int *argc,
                                  char ***argv, const char *fix) {
    const char *script = NULL;
    for (int depth = 0;; depth++) {
        long h = pal_open(host_path, O_RDONLY | O_CLOEXEC, 0);
        if (h < 0 && script && (h == -ENOENT || h == -ENOTDIR))
            loader_fail(EXIT_PROGRAM_NOT_FOUND,
                        "%s: its interpreter %s is not found; fix its #! line%s", script, program,
                        fix);
        if (h < 0)
            return program; /* loader_load_elf says why */
        char head[SHEBANG_BUF_SIZE];
        long n = pal_pread((int)h, head, sizeof(head), 0);
        pal_close((int)h);
        if (n < 2 || head[0] != '#' || head[1] != '!')
            return program;
        if (depth == SHEBANG_MAX_DEPTH)
            loader_fail(EXIT_ENCLOS_FAILURE,
                        "%s: more than %d nested #! scripts (Linux's limit); run a later one "
                        "directly",
                        program, SHEBANG_MAX_DEPTH);
        char *interp = rt_malloc(SHEBANG_BUF_SIZE), *arg = rt_malloc(SHEBANG_BUF_SIZE);
        long r = shebang_parse(head, (size_t)n, interp, SHEBANG_BUF_SIZE, arg, SHEBANG_BUF_SIZE);
        if (r < 0 && n == SHEBANG_BUF_SIZE && !memchr(head, '\n', (size_t)n))
            loader_fail(EXIT_ENCLOS_FAILURE,
                        "%s: its #! interpreter path does not end within the %d bytes Linux "
                        "reads of it; shorten it",
                        program, SHEBANG_BUF_SIZE);
        if (r < 0 || !interp[0])
            loader_fail(EXIT_ENCLOS_FAILURE, "%s: its #! line names no interpreter", program);
        /* argv becomes: interpreter [arg] script argv[1]... */
        int old = *argc, add = arg[0] ? 3 : 2;
        char **v = rt_calloc((size_t)(old - 1 + add) + 1, sizeof(char *));
        v[0] = interp;
        if (arg[0])
            v[1] = arg;
        v[add - 1] = (char *)program;
        for (int i = 1; i < old; i++)
            v[add - 1 + i] = (*argv)[i];
        *argv = v;
        *argc = old - 1 + add;
        if (fs_translate(interp, host_path, host_size) < 0)
            loader_fail(EXIT_PROGRAM_NOT_FOUND,
                        "%s: its interpreter %s is not found; fix its #! line%s", program, interp,
                        fix);
        script = program;
        program = interp;
    }
}
