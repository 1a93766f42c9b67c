/* A probe of the environment a program is started in, driven by its arguments, for the
 * command-line and manifest tests (tests/cli/): each argument is a command, and each
 * command prints "$ COMMAND" and then what it sees.
 *
 *   argv          argc and every argv[i]; consumes the arguments that follow
 *   env           every environment variable, in order
 *   cwd           getcwd()
 *   ls PATH       the entries of a directory, sorted, with their type and size
 *   cat PATH      the contents of a file, or the errno of the failure
 *   stack KB      uses KB KiB of stack, touching every page
 *   mprotect N    maps N+1 pages read-write, mprotects N of them read-write again (no change)
 *                 and the last one read-only (a change): what --stats counts
 *
 * Run by the progs tests with the argument ".", it runs a fixed script in its scratch
 * directory instead. */
#include "testlib.h"

#include <dirent.h>
#include <sys/mman.h>

extern char **environ;

static void print_quoted(const char *s) {
    printf("\"");
    tl_print_escaped(s);
    printf("\"");
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char type_letter(mode_t mode) {
    if (S_ISDIR(mode))
        return 'd';
    if (S_ISREG(mode))
        return 'f';
    if (S_ISLNK(mode))
        return 'l';
    return '?';
}

static void list_dir(const char *path) {
    DIR *dir = opendir(path);
    if (!dir) {
        printf("%s\n", tl_errno_name(errno));
        return;
    }
    char *names[256];
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) && count < sizeof(names) / sizeof(names[0]))
        names[count++] = strdup(entry->d_name);
    closedir(dir);
    qsort(names, count, sizeof(names[0]), compare_names);
    for (size_t i = 0; i < count; i++) {
        char full[4096];
        struct stat st;
        snprintf(full, sizeof(full), "%s/%s", path, names[i]);
        if (lstat(full, &st) != 0)
            printf("  %s %s\n", names[i], tl_errno_name(errno));
        else if (S_ISREG(st.st_mode))
            printf("  %c %s %lld\n", type_letter(st.st_mode), names[i], (long long)st.st_size);
        else
            printf("  %c %s\n", type_letter(st.st_mode), names[i]);
        free(names[i]);
    }
}

static void cat_file(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("%s\n", tl_errno_name(errno));
        return;
    }
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0) {
        printf("%s\n", tl_errno_name(errno));
        return;
    }
    buf[n] = 0;
    print_quoted(buf);
    printf("\n");
}

/* noinline, so that the stack use is really here, below the caller's frame. */
__attribute__((noinline)) static void use_stack(long kib) {
    size_t size = (size_t)kib * 1024;
    volatile char *area = __builtin_alloca(size);
    /* From the top down, the way a stack grows. */
    for (size_t offset = size; offset >= 4096; offset -= 4096)
        area[offset - 1] = 1;
    area[0] = 1;
    printf("used %ld KiB of stack: ok\n", kib);
}

static void mprotect_pages(long count) {
    long page = sysconf(_SC_PAGESIZE);
    char *base = mmap(NULL, (size_t)(count + 1) * page, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
        tl_die("mmap");
    for (long i = 0; i <= count; i++)
        base[i * page] = 1;
    long failures = 0;
    for (long i = 0; i < count; i++)
        failures += mprotect(base + i * page, page, PROT_READ | PROT_WRITE) != 0;
    printf("%ld unchanging mprotect calls: %s\n", count, failures ? "FAIL" : "ok");
    EXPECT_OK("mprotect of the last page to read-only",
              LIBC(mprotect(base + count * page, page, PROT_READ)));
    EXPECT_TRUE("the last page still reads", base[count * page] == 1);
}

static int run_command(int argc, char **argv, int i) {
    const char *command = argv[i];
    bool takes_operand = !strcmp(command, "ls") || !strcmp(command, "cat") ||
                         !strcmp(command, "stack") || !strcmp(command, "mprotect");
    if (takes_operand && i + 1 >= argc) {
        printf("$ %s: missing operand\n", command);
        return argc;
    }
    if (!strcmp(command, "argv")) {
        printf("$ argv\nargc=%d\n", argc);
        for (int k = 0; k < argc; k++) {
            printf("argv[%d]=", k);
            print_quoted(argv[k]);
            printf("\n");
        }
        return argc;
    }
    if (!strcmp(command, "env")) {
        printf("$ env\n");
        for (char **e = environ; *e; e++) {
            print_quoted(*e);
            printf("\n");
        }
        return i + 1;
    }
    if (!strcmp(command, "cwd")) {
        char cwd[4096];
        printf("$ cwd\n");
        if (getcwd(cwd, sizeof(cwd)))
            printf("%s\n", cwd);
        else
            printf("%s\n", tl_errno_name(errno));
        return i + 1;
    }
    if (!takes_operand) {
        printf("$ %s: unknown command\n", command);
        return argc;
    }
    const char *operand = argv[i + 1];
    printf("$ %s %s\n", command, operand);
    if (!strcmp(command, "ls"))
        list_dir(operand);
    else if (!strcmp(command, "cat"))
        cat_file(operand);
    else if (!strcmp(command, "stack"))
        use_stack(atol(operand));
    else
        mprotect_pages(atol(operand));
    return i + 2;
}

/* The progs-test script: the commands on a tree made in the scratch directory. */
static int self_test(void) {
    mkdir("tree", 0755);
    mkdir("tree/sub", 0755);
    tl_write_file("tree/a.txt", "alpha\n", 6, 0644);
    tl_write_file("tree/sub/b.txt", "beta", 4, 0644);
    if (symlink("a.txt", "tree/link") != 0)
        tl_die("symlink");
    char *script[] = {"probe",     "ls",           "tree",
                      "ls",        "tree/sub/..",  "cat",
                      "tree/link", "cat",          "tree/sub/b.txt",
                      "cat",       "tree/missing", "stack",
                      "1024",      "mprotect",     "8"};
    int count = (int)(sizeof(script) / sizeof(script[0]));
    for (int i = 1; i < count;)
        i = run_command(count, script, i);
    return tl_finish();
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 2 && !strcmp(argv[1], ".")) {
        tl_start(argc, argv, "probe");
        return self_test();
    }
    for (int i = 1; i < argc;)
        i = run_command(argc, argv, i);
    return tl_failures ? 1 : 0;
}
