/* Paths deeper than PATH_MAX: a tree of 45 nested directories of 100-character names, made
 * with mkdir and chdir as Go's TestRemoveAllLongPath does. Each path the program passes is
 * short, but the cwd and the paths it names are longer than 4096 bytes: they must work as
 * on Linux. An argument of 4096 bytes or more still fails with ENAMETOOLONG, and getcwd
 * fails with ENAMETOOLONG once the cwd does not fit in PATH_MAX, whatever the buffer.
 *
 * The scratch directory's own path differs between runs, so lengths are printed relative
 * to it. */
#include "testlib.h"

#include <limits.h>
#include <sys/time.h>

#define DEPTH 45
#define NAME_LEN 100
#define BIG 65536

static char g_name[NAME_LEN + 1];
static char g_start[PATH_MAX];
static size_t g_start_len;

/* What getcwd must give with the cwd at depth levels below the start: its length with the
 * NUL, or ENAMETOOLONG when that is more than PATH_MAX. */
static long want_getcwd(int depth) {
    size_t len = g_start_len + (size_t)depth * (NAME_LEN + 1) + 1;
    return len > PATH_MAX ? -ENAMETOOLONG : (long)len;
}

/* depth levels of the tree as a relative path ("name/name/..."), into a new string. */
static char *levels(int depth, const char *tail) {
    size_t len = (size_t)depth * (NAME_LEN + 1) + strlen(tail) + 1;
    char *s = malloc(len);
    if (!s)
        tl_die("malloc");
    s[0] = 0;
    for (int i = 0; i < depth; i++) {
        if (i)
            strcat(s, "/");
        strcat(s, g_name);
    }
    strcat(s, tail);
    return s;
}

static void make_tree(char *big) {
    int made = 0, getcwd_ok = 0;
    long r = 0;
    for (int i = 1; i <= DEPTH && r >= 0; i++) {
        r = LIBC(mkdir(g_name, 0755));
        if (r >= 0)
            r = LIBC(chdir(g_name));
        if (r < 0)
            break;
        made++;
        /* A buffer too small fails ERANGE while the cwd fits, then ENAMETOOLONG. */
        long small = RAW(SYS_getcwd, big, 16);
        long large = RAW(SYS_getcwd, big, BIG);
        long want = want_getcwd(i);
        if (small == (want < 0 ? want : -ERANGE) && large == want)
            getcwd_ok++;
        else
            printf("level %d: getcwd %s/%ld, want %ld\n", i, tl_result_name(small), large, want);
    }
    if (r < 0)
        tl_fail("mkdir and chdir 45 levels", "level %d: %s", made + 1, tl_errno_name(-r));
    EXPECT_VAL("mkdir and chdir, levels", made, DEPTH);
    EXPECT_VAL("getcwd right at every level", getcwd_ok, DEPTH);
    EXPECT_ERR("getcwd at the bottom, small buffer", RAW(SYS_getcwd, big, 16), ENAMETOOLONG);
    EXPECT_ERR("getcwd at the bottom, big buffer", RAW(SYS_getcwd, big, BIG), ENAMETOOLONG);
    EXPECT_ERR("readlink /proc/self/cwd at the bottom",
               RAW(SYS_readlink, "/proc/self/cwd", big, BIG), ENAMETOOLONG);
}

/* Files at the bottom, by relative paths. */
static void bottom_files(char *big) {
    struct stat st;
    int fd = (int)EXPECT_OK("create f", LIBC(open("f", O_WRONLY | O_CREAT | O_EXCL, 0644)));
    if (fd >= 0) {
        EXPECT_VAL("write f", LIBC(write(fd, "hello", 5)), 5);
        close(fd);
    }
    EXPECT_OK("stat f", LIBC(stat("f", &st)));
    EXPECT_VAL("size of f", st.st_size, 5);
    EXPECT_OK("statx f", RAW(SYS_statx, AT_FDCWD, "f", 0, 0x7ff, big));
    EXPECT_OK("access f", LIBC(access("f", R_OK | W_OK)));
    EXPECT_OK("faccessat2 f", RAW(SYS_faccessat2, AT_FDCWD, "f", R_OK, AT_EACCESS));
    EXPECT_OK("chmod f", LIBC(chmod("f", 0600)));
    EXPECT_OK("lstat f", LIBC(lstat("f", &st)));
    EXPECT_VAL("mode of f", st.st_mode & 07777, 0600);
    EXPECT_OK("truncate f", LIBC(truncate("f", 2)));
    EXPECT_OK("stat f again", LIBC(stat("f", &st)));
    EXPECT_VAL("size of f after truncate", st.st_size, 2);
    struct timeval tv[2] = {{1000000, 0}, {2000000, 0}};
    EXPECT_OK("utimes f", LIBC(utimes("f", tv)));
    EXPECT_OK("stat f for times", LIBC(stat("f", &st)));
    EXPECT_VAL("mtime of f", st.st_mtime, 2000000);
    EXPECT_OK("chown f to itself", LIBC(chown("f", getuid(), getgid())));
    EXPECT_OK("rename f g", LIBC(rename("f", "g")));
    EXPECT_ERR("stat f after rename", LIBC(stat("f", &st)), ENOENT);
    EXPECT_OK("renameat2 g h noreplace", RAW(SYS_renameat2, AT_FDCWD, "g", AT_FDCWD, "h", 1));
    EXPECT_OK("link h g", LIBC(link("h", "g")));
    EXPECT_OK("stat g", LIBC(stat("g", &st)));
    EXPECT_VAL("links of g", st.st_nlink, 2);
    EXPECT_OK("symlink l -> g", LIBC(symlink("g", "l")));
    long n = LIBC(readlink("l", big, 64));
    EXPECT_VAL("readlink l", n, 1);
    EXPECT_OK("open through l", LIBC(fd = open("l", O_RDONLY)));
    if (fd >= 0) {
        EXPECT_VAL("read through l", LIBC(read(fd, big, 64)), 2);
        close(fd);
    }
    EXPECT_OK("mkfifo p", LIBC(mkfifo("p", 0600)));
    EXPECT_OK("statfs .", RAW(SYS_statfs, ".", big));
    EXPECT_OK("mkdir d", LIBC(mkdir("d", 0700)));
    EXPECT_OK("open d", LIBC(fd = open("d", O_RDONLY | O_DIRECTORY)));
    if (fd >= 0) {
        EXPECT_OK("mkdirat d/e", LIBC(mkdirat(fd, "e", 0700)));
        EXPECT_OK("fstatat d/e", LIBC(fstatat(fd, "e", &st, AT_SYMLINK_NOFOLLOW)));
        EXPECT_OK("unlinkat d/e", LIBC(unlinkat(fd, "e", AT_REMOVEDIR)));
        close(fd);
    }
    EXPECT_OK("rmdir d", LIBC(rmdir("d")));
    EXPECT_OK("unlink p", LIBC(unlink("p")));
    EXPECT_OK("unlink l", LIBC(unlink("l")));
    EXPECT_OK("unlink h", LIBC(unlink("h")));
    /* ".." climbs into the long cwd, and back down. */
    char *up = malloc(16 + 3 * (NAME_LEN + 1));
    strcpy(up, "../../../");
    strcat(up, g_name);
    strcat(up, "/");
    strcat(up, g_name);
    strcat(up, "/");
    strcat(up, g_name);
    strcat(up, "/g");
    EXPECT_OK("stat through ../../..", LIBC(stat(up, &st)));
    free(up);
    /* Following /proc/self/cwd needs no name for it. */
    EXPECT_OK("stat /proc/self/cwd/g", LIBC(stat("/proc/self/cwd/g", &st)));
    EXPECT_OK("unlink g", LIBC(unlink("g")));

    /* chdir through a symlink: the cwd is the target, so ".." is the target's parent. */
    EXPECT_OK("mkdir d/e", LIBC(mkdir("d", 0700)) < 0 ? -1 : LIBC(mkdir("d/e", 0700)));
    tl_write_file("d/marker", "", 0, 0600);
    EXPECT_OK("symlink s -> d/e", LIBC(symlink("d/e", "s")));
    EXPECT_OK("chdir s", LIBC(chdir("s")));
    EXPECT_OK("chdir .. from s", LIBC(chdir("..")));
    EXPECT_OK("stat marker: the cwd is d", LIBC(stat("marker", &st)));
    EXPECT_OK("chdir .. from d", LIBC(chdir("..")));
    EXPECT_OK("unlink s", LIBC(unlink("s")));
    EXPECT_OK("unlink d/marker", LIBC(unlink("d/marker")));
    EXPECT_OK("rmdir d/e", LIBC(rmdir("d/e")));
    EXPECT_OK("rmdir d", LIBC(rmdir("d")));
}

/* From the start directory: relative arguments near PATH_MAX, an absolute one beyond it, a
 * directory fd deep in the tree. */
static void from_start(char *big) {
    struct stat st;
    /* 40 levels are 4039 bytes; "/." 28 times brings the argument to 4095. */
    char *rel = levels(40, "/./././././././././././././././././././././././././././.");
    EXPECT_VAL("length of the relative argument", strlen(rel), PATH_MAX - 1);
    EXPECT_OK("stat, relative argument of 4095 bytes", LIBC(stat(rel, &st)));
    EXPECT_TRUE("it is a directory", S_ISDIR(st.st_mode));
    strcat(rel, "/");
    EXPECT_ERR("stat, relative argument of 4096 bytes", LIBC(stat(rel, &st)), ENAMETOOLONG);
    free(rel);

    /* The whole tree by an absolute path: longer than PATH_MAX. */
    char *tail = levels(DEPTH, "");
    char *abs = malloc(g_start_len + 1 + strlen(tail) + 1);
    sprintf(abs, "%s/%s", g_start, tail);
    EXPECT_ERR("stat, absolute argument beyond PATH_MAX", LIBC(stat(abs, &st)), ENAMETOOLONG);
    EXPECT_ERR("open, absolute argument beyond PATH_MAX", LIBC(open(abs, O_RDONLY)), ENAMETOOLONG);
    EXPECT_ERR("chdir, absolute argument beyond PATH_MAX", LIBC(chdir(abs)), ENAMETOOLONG);
    free(abs);

    /* Down the tree by directory fds, as a RemoveAll does. */
    int fds[DEPTH + 1];
    fds[0] = AT_FDCWD;
    int opened = 0;
    for (int i = 1; i <= DEPTH; i++) {
        fds[i] = (int)LIBC(openat(fds[i - 1], g_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (fds[i] < 0)
            break;
        opened++;
    }
    EXPECT_VAL("openat down the tree, levels", opened, DEPTH);
    char link[64];
    if (opened >= 30) {
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fds[30]);
        long n = LIBC(readlink(link, big, BIG));
        EXPECT_VAL("readlink /proc/self/fd/N 30 levels down, relative length",
                   n - (long)g_start_len, 30 * (NAME_LEN + 1));
    }
    if (opened == DEPTH) {
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fds[DEPTH]);
        EXPECT_ERR("readlink /proc/self/fd/N at the bottom", LIBC(readlink(link, big, BIG)),
                   ENAMETOOLONG);
    }
    if (opened == DEPTH) {
        int fd = fds[DEPTH];
        EXPECT_OK("mkdirat at the bottom", LIBC(mkdirat(fd, "x", 0700)));
        EXPECT_OK("fstatat at the bottom", LIBC(fstatat(fd, "x", &st, 0)));
        EXPECT_OK("fchdir to the bottom", LIBC(fchdir(fd)));
        EXPECT_ERR("getcwd after fchdir", RAW(SYS_getcwd, big, BIG), ENAMETOOLONG);
        EXPECT_OK("stat x from the cwd", LIBC(stat("x", &st)));
        EXPECT_OK("chdir x", LIBC(chdir("x")));
        EXPECT_OK("chdir ..", LIBC(chdir("..")));
        EXPECT_OK("rmdir x", LIBC(rmdir("x")));
        EXPECT_OK("chdir back to the start", LIBC(chdir(g_start)));
    }
    /* Removal from the bottom up, each directory through its parent's fd. */
    int removed = 0;
    for (int i = opened; i >= 1; i--) {
        close(fds[i]);
        if (LIBC(unlinkat(fds[i - 1], g_name, AT_REMOVEDIR)) == 0)
            removed++;
    }
    EXPECT_VAL("unlinkat up the tree, levels", removed, DEPTH);
    EXPECT_ERR("the tree is gone", LIBC(stat(g_name, &st)), ENOENT);
    free(tail);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "longpath");
    char *big = malloc(BIG);
    if (!big)
        tl_die("malloc");
    memset(g_name, 'a', NAME_LEN);
    if (!getcwd(g_start, sizeof(g_start)))
        tl_die("getcwd");
    g_start_len = strlen(g_start);

    make_tree(big);
    bottom_files(big);

    /* Back up one level at a time. */
    int climbed = 0;
    for (int i = 0; i < DEPTH; i++)
        if (LIBC(chdir("..")) == 0)
            climbed++;
    EXPECT_VAL("chdir .. levels", climbed, DEPTH);
    long n = RAW(SYS_getcwd, big, BIG);
    EXPECT_VAL("getcwd back at the start, relative length", n - (long)g_start_len, 1);
    EXPECT_TRUE("getcwd names the start", n > 0 && !strcmp(big, g_start));

    from_start(big);
    free(big);
    return tl_finish();
}
