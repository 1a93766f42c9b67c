/* Directories: getdents64, getcwd, chdir, fchdir, mkdir, mkdirat, unlink, unlinkat, rmdir,
 * rename, renameat and renameat2. */
#include "testlib.h"

#include <dirent.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static char base_dir[4096];

static const char *type_name(unsigned char type) {
    switch (type) {
    case DT_REG:
        return "reg";
    case DT_DIR:
        return "dir";
    case DT_LNK:
        return "lnk";
    case DT_FIFO:
        return "fifo";
    default:
        return "other";
    }
}

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads a whole directory with raw getdents64 in a small buffer, so that the listing
 * takes many calls and the position must carry over between them. */
static int list_with_getdents(int fd, char **entries, int max) {
    char buf[64] __attribute__((aligned(8)));
    int count = 0, calls = 0;
    long len;
    while ((len = RAW(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
        calls++;
        for (long pos = 0; pos < len;) {
            struct linux_dirent64 *entry = (struct linux_dirent64 *)(buf + pos);
            if (count < max &&
                asprintf(&entries[count], "%s (%s)", entry->d_name, type_name(entry->d_type)) > 0)
                count++;
            pos += entry->d_reclen;
        }
    }
    if (len < 0) {
        EXPECT_OK("getdents64 loop", len);
        return -1;
    }
    EXPECT_TRUE("getdents64 with a 64-byte buffer took several calls", calls > 3);
    qsort(entries, count, sizeof(entries[0]), compare_strings);
    return count;
}

static void check_getdents(void) {
    char *entries[32];
    EXPECT_OK("mkdir dirs.d/list", RAW(SYS_mkdir, "dirs.d/list", 0755));
    tl_write_file("dirs.d/list/b", "b", 1, 0644);
    tl_write_file("dirs.d/list/a", "a", 1, 0644);
    tl_write_file("dirs.d/list/c.txt", "c", 1, 0644);
    tl_write_file("dirs.d/list/a_rather_long_file_name_that_fills_a_record", "", 0, 0644);
    EXPECT_OK("mkdir zdir", RAW(SYS_mkdir, "dirs.d/list/zdir", 0755));
    EXPECT_OK("symlink lnk", LIBC(symlink("a", "dirs.d/list/lnk")));

    int fd = (int)EXPECT_OK("open list", RAW(SYS_open, "dirs.d/list", O_RDONLY | O_DIRECTORY));
    int count = list_with_getdents(fd, entries, 32);
    EXPECT_VAL("getdents64 entry count", count, 8);
    for (int i = 0; i < count; i++) {
        printf("  entry %s\n", entries[i]);
        free(entries[i]);
    }
    char buf[256];
    EXPECT_VAL("getdents64 at end", RAW(SYS_getdents64, fd, buf, sizeof(buf)), 0);
    EXPECT_VAL("rewind with lseek", RAW(SYS_lseek, fd, 0, SEEK_SET), 0);
    count = list_with_getdents(fd, entries, 32);
    EXPECT_VAL("entry count after rewind", count, 8);
    for (int i = 0; i < count; i++)
        free(entries[i]);
    EXPECT_VAL("lseek back to start", RAW(SYS_lseek, fd, 0, SEEK_SET), 0);
    EXPECT_ERR("getdents64 buffer too small", RAW(SYS_getdents64, fd, buf, 8), EINVAL);
    EXPECT_ERR("getdents64 bad buffer", RAW(SYS_getdents64, fd, BAD_PTR, 4096), EFAULT);
    EXPECT_ERR("getdents64 bad fd", RAW(SYS_getdents64, 999, buf, sizeof(buf)), EBADF);
    RAW(SYS_close, fd);
    fd = (int)RAW(SYS_open, "dirs.d/list/a", O_RDONLY);
    EXPECT_ERR("getdents64 on a file", RAW(SYS_getdents64, fd, buf, sizeof(buf)), ENOTDIR);
    RAW(SYS_close, fd);

    /* The same listing through libc's readdir. */
    DIR *dir = opendir("dirs.d/list");
    struct dirent *entry;
    int readdir_count = 0;
    EXPECT_TRUE("opendir", dir != NULL);
    while (dir && (entry = readdir(dir)) != NULL)
        readdir_count++;
    EXPECT_VAL("readdir entry count", readdir_count, 8);
    if (dir)
        closedir(dir);

    /* Entries removed while the directory is open disappear from a fresh listing. */
    EXPECT_OK("unlink c.txt", RAW(SYS_unlink, "dirs.d/list/c.txt"));
    fd = (int)RAW(SYS_open, "dirs.d/list", O_RDONLY | O_DIRECTORY);
    count = list_with_getdents(fd, entries, 32);
    EXPECT_VAL("entry count after unlink", count, 7);
    for (int i = 0; i < count; i++)
        free(entries[i]);
    RAW(SYS_close, fd);
}

static void check_cwd(void) {
    char buf[4200], want[4200];
    int base_fd = (int)RAW(SYS_open, ".", O_RDONLY | O_DIRECTORY);
    EXPECT_OK("open .", base_fd);
    EXPECT_OK("chdir dirs.d", RAW(SYS_chdir, "dirs.d"));
    EXPECT_TRUE("getcwd after chdir", getcwd(buf, sizeof(buf)) != NULL);
    snprintf(want, sizeof(want), "%s/dirs.d", base_dir);
    EXPECT_TRUE("getcwd names the new directory", strcmp(buf, want) == 0);
    EXPECT_OK("relative open after chdir", RAW(SYS_access, "list/a", F_OK));
    EXPECT_OK("chdir ..", RAW(SYS_chdir, ".."));
    EXPECT_TRUE("getcwd back at base", getcwd(buf, sizeof(buf)) && !strcmp(buf, base_dir));
    EXPECT_ERR("chdir missing", RAW(SYS_chdir, "dirs.d/missing"), ENOENT);
    EXPECT_ERR("chdir to a file", RAW(SYS_chdir, "dirs.d/list/a"), ENOTDIR);
    EXPECT_ERR("chdir bad path", RAW(SYS_chdir, BAD_PTR), EFAULT);

    int fd = (int)RAW(SYS_open, "dirs.d/list", O_RDONLY | O_DIRECTORY);
    EXPECT_OK("fchdir", RAW(SYS_fchdir, fd));
    snprintf(want, sizeof(want), "%s/dirs.d/list", base_dir);
    EXPECT_TRUE("getcwd after fchdir", getcwd(buf, sizeof(buf)) && !strcmp(buf, want));
    EXPECT_OK("relative access after fchdir", RAW(SYS_access, "a", F_OK));
    RAW(SYS_close, fd);
    fd = (int)RAW(SYS_open, "a", O_RDONLY);
    EXPECT_ERR("fchdir to a file", RAW(SYS_fchdir, fd), ENOTDIR);
    RAW(SYS_close, fd);
    EXPECT_ERR("fchdir bad fd", RAW(SYS_fchdir, 999), EBADF);

    long len = RAW(SYS_getcwd, buf, sizeof(buf));
    EXPECT_TRUE("raw getcwd returns the length with the NUL", len == (long)strlen(want) + 1);
    EXPECT_ERR("getcwd buffer too small", RAW(SYS_getcwd, buf, 2), ERANGE);
    EXPECT_ERR("getcwd bad buffer", RAW(SYS_getcwd, BAD_PTR, 4096), EFAULT);
    EXPECT_OK("fchdir back to base", RAW(SYS_fchdir, base_fd));
    RAW(SYS_close, base_fd);
}

static void check_mkdir_unlink(void) {
    EXPECT_ERR("mkdir existing", RAW(SYS_mkdir, "dirs.d", 0755), EEXIST);
    EXPECT_ERR("mkdir in missing parent", RAW(SYS_mkdir, "dirs.d/none/x", 0755), ENOENT);
    EXPECT_ERR("mkdir under a file", RAW(SYS_mkdir, "dirs.d/list/a/x", 0755), ENOTDIR);
    EXPECT_ERR("mkdir bad path", RAW(SYS_mkdir, BAD_PTR, 0755), EFAULT);
    int dirfd = (int)RAW(SYS_open, "dirs.d", O_RDONLY | O_DIRECTORY);
    EXPECT_OK("mkdirat", RAW(SYS_mkdirat, dirfd, "m", 0700));
    struct stat st;
    EXPECT_OK("stat new directory", RAW(SYS_stat, "dirs.d/m", &st));
    EXPECT_VAL("mkdirat mode", st.st_mode & 07777, 0700);
    EXPECT_ERR("mkdirat existing", RAW(SYS_mkdirat, dirfd, "m", 0700), EEXIST);
    EXPECT_ERR("mkdirat bad dirfd", RAW(SYS_mkdirat, 999, "m", 0700), EBADF);
    EXPECT_OK("mkdirat nested", RAW(SYS_mkdirat, dirfd, "m/inner", 0755));
    tl_write_file("dirs.d/m/file", "x", 1, 0644);

    EXPECT_ERR("rmdir non-empty", RAW(SYS_rmdir, "dirs.d/m"), ENOTEMPTY);
    EXPECT_ERR("rmdir a file", RAW(SYS_rmdir, "dirs.d/m/file"), ENOTDIR);
    EXPECT_ERR("rmdir missing", RAW(SYS_rmdir, "dirs.d/m/missing"), ENOENT);
    EXPECT_ERR("rmdir .", RAW(SYS_rmdir, "dirs.d/m/inner/."), EINVAL);
    EXPECT_ERR("unlink a directory", RAW(SYS_unlink, "dirs.d/m/inner"), EISDIR);
    EXPECT_ERR("unlink missing", RAW(SYS_unlink, "dirs.d/m/missing"), ENOENT);
    EXPECT_ERR("unlink bad path", RAW(SYS_unlink, BAD_PTR), EFAULT);
    EXPECT_ERR("unlinkat AT_REMOVEDIR on a file", RAW(SYS_unlinkat, dirfd, "m/file", AT_REMOVEDIR),
               ENOTDIR);
    EXPECT_ERR("unlinkat bad flags", RAW(SYS_unlinkat, dirfd, "m/file", 0x1), EINVAL);
    EXPECT_ERR("unlinkat bad dirfd", RAW(SYS_unlinkat, 999, "m/file", 0), EBADF);
    EXPECT_OK("unlinkat file", RAW(SYS_unlinkat, dirfd, "m/file", 0));
    EXPECT_ERR("unlinked file is gone", RAW(SYS_access, "dirs.d/m/file", F_OK), ENOENT);
    EXPECT_OK("unlinkat AT_REMOVEDIR", RAW(SYS_unlinkat, dirfd, "m/inner", AT_REMOVEDIR));
    EXPECT_OK("rmdir now empty", RAW(SYS_rmdir, "dirs.d/m"));
    EXPECT_ERR("removed directory is gone", RAW(SYS_access, "dirs.d/m", F_OK), ENOENT);

    /* An open file outlives its name. */
    tl_write_file("dirs.d/open_unlinked", "still here", 10, 0644);
    int fd = (int)RAW(SYS_open, "dirs.d/open_unlinked", O_RDONLY);
    EXPECT_OK("unlink an open file", RAW(SYS_unlink, "dirs.d/open_unlinked"));
    char buf[16] = {0};
    EXPECT_VAL("read the unlinked file", RAW(SYS_read, fd, buf, sizeof(buf) - 1), 10);
    EXPECT_STR("unlinked file content", buf, "still here");
    EXPECT_OK("fstat the unlinked file", RAW(SYS_fstat, fd, &st));
    EXPECT_VAL("unlinked file has no links", st.st_nlink, 0);
    RAW(SYS_close, fd);
    RAW(SYS_close, dirfd);
}

static void read_file(const char *path, char *buf, size_t size) {
    memset(buf, 0, size);
    int fd = (int)RAW(SYS_open, path, O_RDONLY);
    if (fd >= 0) {
        RAW(SYS_read, fd, buf, size - 1);
        RAW(SYS_close, fd);
    }
}

static void check_rename(void) {
    char buf[32];
    EXPECT_OK("mkdir dirs.d/r", RAW(SYS_mkdir, "dirs.d/r", 0755));
    tl_write_file("dirs.d/r/one", "one", 3, 0644);
    tl_write_file("dirs.d/r/two", "two", 3, 0644);
    EXPECT_OK("mkdir r/full", RAW(SYS_mkdir, "dirs.d/r/full", 0755));
    EXPECT_OK("mkdir r/empty", RAW(SYS_mkdir, "dirs.d/r/empty", 0755));
    tl_write_file("dirs.d/r/full/x", "x", 1, 0644);

    EXPECT_OK("rename to a new name", RAW(SYS_rename, "dirs.d/r/one", "dirs.d/r/uno"));
    EXPECT_ERR("old name is gone", RAW(SYS_access, "dirs.d/r/one", F_OK), ENOENT);
    read_file("dirs.d/r/uno", buf, sizeof(buf));
    EXPECT_STR("new name has the content", buf, "one");
    EXPECT_OK("rename over an existing file", RAW(SYS_rename, "dirs.d/r/uno", "dirs.d/r/two"));
    read_file("dirs.d/r/two", buf, sizeof(buf));
    EXPECT_STR("replaced file content", buf, "one");
    EXPECT_OK("rename onto itself", RAW(SYS_rename, "dirs.d/r/two", "dirs.d/r/two"));
    EXPECT_ERR("rename missing", RAW(SYS_rename, "dirs.d/r/none", "dirs.d/r/x"), ENOENT);
    EXPECT_ERR("rename file over a directory", RAW(SYS_rename, "dirs.d/r/two", "dirs.d/r/empty"),
               EISDIR);
    EXPECT_ERR("rename directory over a file", RAW(SYS_rename, "dirs.d/r/empty", "dirs.d/r/two"),
               ENOTDIR);
    EXPECT_ERR("rename directory over a non-empty one",
               RAW(SYS_rename, "dirs.d/r/empty", "dirs.d/r/full"), ENOTEMPTY);
    EXPECT_ERR("rename directory into itself",
               RAW(SYS_rename, "dirs.d/r/full", "dirs.d/r/full/sub"), EINVAL);
    EXPECT_OK("rename directory over an empty one",
              RAW(SYS_rename, "dirs.d/r/full", "dirs.d/r/empty"));
    EXPECT_OK("moved directory keeps its content", RAW(SYS_access, "dirs.d/r/empty/x", F_OK));
    EXPECT_ERR("rename bad path", RAW(SYS_rename, BAD_PTR, "dirs.d/r/x"), EFAULT);

    int dirfd = (int)RAW(SYS_open, "dirs.d/r", O_RDONLY | O_DIRECTORY);
    int topfd = (int)RAW(SYS_open, "dirs.d", O_RDONLY | O_DIRECTORY);
    EXPECT_OK("renameat across dirfds", RAW(SYS_renameat, dirfd, "two", topfd, "moved"));
    EXPECT_OK("renamed file is in the other directory", RAW(SYS_access, "dirs.d/moved", F_OK));
    EXPECT_ERR("renameat bad dirfd", RAW(SYS_renameat, 999, "moved", dirfd, "x"), EBADF);
    EXPECT_OK("renameat back", RAW(SYS_renameat, topfd, "moved", dirfd, "two"));

    tl_write_file("dirs.d/r/three", "three", 5, 0644);
    EXPECT_ERR("renameat2 RENAME_NOREPLACE onto existing",
               RAW(SYS_renameat2, dirfd, "two", dirfd, "three", RENAME_NOREPLACE), EEXIST);
    EXPECT_OK("renameat2 RENAME_NOREPLACE to a new name",
              RAW(SYS_renameat2, dirfd, "two", dirfd, "deux", RENAME_NOREPLACE));
    EXPECT_OK("renameat2 RENAME_EXCHANGE",
              RAW(SYS_renameat2, dirfd, "deux", dirfd, "three", RENAME_EXCHANGE));
    read_file("dirs.d/r/deux", buf, sizeof(buf));
    EXPECT_STR("exchanged: deux", buf, "three");
    read_file("dirs.d/r/three", buf, sizeof(buf));
    EXPECT_STR("exchanged: three", buf, "one");
    EXPECT_ERR("renameat2 RENAME_EXCHANGE with a missing side",
               RAW(SYS_renameat2, dirfd, "deux", dirfd, "none", RENAME_EXCHANGE), ENOENT);
    EXPECT_ERR(
        "renameat2 NOREPLACE|EXCHANGE",
        RAW(SYS_renameat2, dirfd, "deux", dirfd, "three", RENAME_NOREPLACE | RENAME_EXCHANGE),
        EINVAL);
    EXPECT_ERR("renameat2 unknown flag", RAW(SYS_renameat2, dirfd, "deux", dirfd, "x", 0x100),
               EINVAL);
    RAW(SYS_close, dirfd);
    RAW(SYS_close, topfd);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "dirs");
    umask(022);
    if (!getcwd(base_dir, sizeof(base_dir)))
        tl_die("getcwd");
    EXPECT_TRUE("getcwd is absolute", base_dir[0] == '/');
    EXPECT_OK("mkdir dirs.d", RAW(SYS_mkdir, "dirs.d", 0755));
    check_getdents();
    check_cwd();
    check_mkdir_unlink();
    check_rename();
    return tl_finish();
}
