/* The bundled example: prints its arguments, the files of the current directory it can
 * see and a few facts, all through syscalls that enclos handles. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    printf("hello from %s\n", argc > 1 ? argv[1] : "nowhere");
    for (int i = 2; i < argc; i++)
        printf("  arg %d: %s\n", i, argv[i]);
    struct utsname u;
    if (uname(&u) == 0)
        printf("system: %s %s\n", u.sysname, u.machine);
    char cwd[4096];
    if (getcwd(cwd, sizeof(cwd)))
        printf("cwd: %s\n", cwd);
    DIR *d = opendir(".");
    int entries = 0;
    if (d) {
        while (readdir(d))
            entries++;
        closedir(d);
    }
    printf("entries in cwd: %d\n", entries);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    printf("monotonic clock works: %s\n", ts.tv_sec >= 0 ? "yes" : "no");
    return 0;
}
