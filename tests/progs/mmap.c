/* Memory: mmap (anonymous, file-backed private and shared, MAP_FIXED, MAP_FIXED_NOREPLACE,
 * hints), munmap, mprotect, madvise, mremap, brk, and /proc/self/maps. */
#include "testlib.h"

#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_FIXED
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#endif

static long page;

static long raw_mmap(void *addr, size_t len, int prot, int flags, int fd, long offset) {
    return RAW(SYS_mmap, addr, len, prot, flags, fd, offset);
}

static char *map_anon(size_t len, int prot) {
    long result = raw_mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (result < 0) {
        errno = (int)-result;
        tl_die("mmap anonymous");
    }
    return (char *)result;
}

static bool all_bytes(const char *p, size_t len, char value) {
    for (size_t i = 0; i < len; i++) {
        if (p[i] != value)
            return false;
    }
    return true;
}

static bool is_mapped(const void *addr) {
    return RAW(SYS_madvise, addr, page, MADV_NORMAL) == 0;
}

/* The /proc/self/maps line that covers addr: its bounds, permissions and path. */
struct maps_line {
    unsigned long start, end;
    char perms[8];
    char path[512];
};

static bool maps_find(const void *addr, struct maps_line *out) {
    static char buf[1 << 18];
    size_t used = 0;
    long len;
    int fd = (int)RAW(SYS_open, "/proc/self/maps", O_RDONLY);
    if (fd < 0)
        return false;
    while (used < sizeof(buf) - 1 &&
           (len = RAW(SYS_read, fd, buf + used, sizeof(buf) - 1 - used)) > 0)
        used += (size_t)len;
    RAW(SYS_close, fd);
    buf[used] = 0;
    for (char *line = buf; line && *line;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        struct maps_line entry = {0};
        int path_start = 0;
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &entry.start, &entry.end, entry.perms,
                   &path_start) >= 3 &&
            entry.start <= (unsigned long)addr && (unsigned long)addr < entry.end) {
            if (path_start > 0)
                snprintf(entry.path, sizeof(entry.path), "%s", line + path_start);
            *out = entry;
            return true;
        }
        line = next;
    }
    return false;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void check_anonymous(void) {
    char *p =
        (char *)EXPECT_OK("mmap anonymous 3 pages", raw_mmap(NULL, 3 * page, PROT_READ | PROT_WRITE,
                                                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if ((long)p < 0)
        return;
    EXPECT_TRUE("mmap result is page aligned", ((unsigned long)p & (page - 1)) == 0);
    EXPECT_TRUE("anonymous memory is zeroed", all_bytes(p, 3 * page, 0));
    memset(p, 'a', 3 * page);
    EXPECT_TRUE("anonymous memory keeps writes", all_bytes(p, 3 * page, 'a'));
    EXPECT_OK("munmap middle page", RAW(SYS_munmap, p + page, page));
    EXPECT_TRUE("unmapped middle page is gone", !is_mapped(p + page));
    EXPECT_TRUE("pages around the hole stay",
                all_bytes(p, page, 'a') && all_bytes(p + 2 * page, page, 'a'));
    EXPECT_OK("munmap across the hole", RAW(SYS_munmap, p, 3 * page));
    EXPECT_OK("munmap of an unmapped range", RAW(SYS_munmap, p, 3 * page));
    EXPECT_ERR("munmap unaligned", RAW(SYS_munmap, p + 1, page), EINVAL);
    EXPECT_ERR("munmap zero length", RAW(SYS_munmap, p, 0), EINVAL);

    EXPECT_ERR("mmap zero length", raw_mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
               EINVAL);
    EXPECT_ERR("mmap neither shared nor private",
               raw_mmap(NULL, page, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL);
    EXPECT_ERR("mmap file with a bad fd", raw_mmap(NULL, page, PROT_READ, MAP_PRIVATE, 999, 0),
               EBADF);
    EXPECT_ERR(
        "mmap MAP_FIXED unaligned address",
        raw_mmap((void *)0x10001, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
        EINVAL);
    EXPECT_ERR("mmap absurd length",
               raw_mmap(NULL, (size_t)1 << 62, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
               ENOMEM);

    char *shared =
        (char *)EXPECT_OK("mmap shared anonymous", raw_mmap(NULL, page, PROT_READ | PROT_WRITE,
                                                            MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    memset(shared, 's', page);
    EXPECT_OK("madvise MADV_DONTNEED shared anonymous",
              RAW(SYS_madvise, shared, page, MADV_DONTNEED));
    EXPECT_TRUE("shared anonymous memory survives MADV_DONTNEED", all_bytes(shared, page, 's'));
    RAW(SYS_munmap, shared, page);

    /* A big PROT_NONE reservation committed piecewise, as Go's heap does. */
    size_t reserve = (size_t)1 << 30;
    char *arena = (char *)EXPECT_OK(
        "reserve 1 GiB PROT_NONE",
        raw_mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
    if ((long)arena > 0) {
        char *middle = arena + (reserve / 2);
        EXPECT_OK("commit 1 MiB in the middle",
                  RAW(SYS_mprotect, middle, 1 << 20, PROT_READ | PROT_WRITE));
        memset(middle, 'g', 1 << 20);
        EXPECT_TRUE("committed memory works", all_bytes(middle, 1 << 20, 'g'));
        EXPECT_OK("munmap the reservation", RAW(SYS_munmap, arena, reserve));
    }
}

static void check_fixed_and_hints(void) {
    char *p = map_anon(4 * page, PROT_READ | PROT_WRITE);
    memset(p, 'A', 4 * page);
    EXPECT_VAL("MAP_FIXED over page 1 returns the address",
               raw_mmap(p + page, page, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == (long)(p + page),
               1);
    EXPECT_TRUE("MAP_FIXED replaced page 1 with zeros", all_bytes(p + page, page, 0));
    EXPECT_TRUE("MAP_FIXED left the other pages",
                all_bytes(p, page, 'A') && all_bytes(p + 2 * page, 2 * page, 'A'));
    EXPECT_ERR("MAP_FIXED_NOREPLACE over a mapping",
               raw_mmap(p + 2 * page, page, PROT_READ,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0),
               EEXIST);
    EXPECT_ERR("MAP_FIXED_NOREPLACE overlapping the end",
               raw_mmap(p + 3 * page, 2 * page, PROT_READ,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0),
               EEXIST);
    EXPECT_TRUE("the refused range is untouched", all_bytes(p + 2 * page, 2 * page, 'A'));
    RAW(SYS_munmap, p + 3 * page, page);
    EXPECT_TRUE("MAP_FIXED_NOREPLACE in a free range",
                raw_mmap(p + 3 * page, page, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
                         0) == (long)(p + 3 * page));
    RAW(SYS_munmap, p + 3 * page, page);
    EXPECT_TRUE("a free hint is honored",
                raw_mmap(p + 3 * page, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
                    (long)(p + 3 * page));
    long elsewhere = raw_mmap(p, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_TRUE("a busy hint moves the mapping elsewhere", elsewhere > 0 && elsewhere != (long)p);
    EXPECT_TRUE("the busy range is untouched", all_bytes(p, page, 'A'));
    RAW(SYS_munmap, elsewhere, page);
    RAW(SYS_munmap, p, 4 * page);

    /* Go reserves its heap at 0xc000000000 by hint. */
    void *go_hint = (void *)0xc000000000ul;
    long at = raw_mmap(go_hint, 64 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_TRUE("hint 0xc000000000 is honored", at == (long)go_hint);
    if (at > 0)
        RAW(SYS_munmap, at, 64 * page);
}

static void check_files(void) {
    char *content = malloc(3 * page);
    for (int i = 0; i < 3; i++)
        memset(content + i * page, 'a' + i, page);
    tl_write_file("mm.d/data", content, 3 * page, 0644);
    tl_write_file("mm.d/small", "0123456789", 10, 0644);
    int fd = (int)RAW(SYS_open, "mm.d/data", O_RDWR);
    int readonly = (int)RAW(SYS_open, "mm.d/data", O_RDONLY);

    char *p = (char *)EXPECT_OK(
        "mmap file private", raw_mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
    EXPECT_MEM("private mapping shows the file", p, content, 3 * page);
    p[0] = 'X';
    char byte = 0;
    RAW(SYS_pread64, fd, &byte, 1, 0);
    EXPECT_VAL("private write does not reach the file", byte, 'a');
    EXPECT_OK("madvise MADV_DONTNEED on private file mapping",
              RAW(SYS_madvise, p, page, MADV_DONTNEED));
    EXPECT_VAL("MADV_DONTNEED drops the private copy", p[0], 'a');

    struct maps_line line;
    EXPECT_TRUE("/proc/self/maps lists the file mapping", maps_find(p, &line));
    EXPECT_STR("file mapping perms", line.perms, "rw-p");
    EXPECT_TRUE("file mapping path ends with mm.d/data", ends_with(line.path, "/mm.d/data"));
    RAW(SYS_munmap, p, 3 * page);

    p = (char *)EXPECT_OK("mmap file at offset one page",
                          raw_mmap(NULL, page, PROT_READ, MAP_PRIVATE, readonly, page));
    EXPECT_TRUE("offset mapping shows page 1", all_bytes(p, page, 'b'));
    RAW(SYS_munmap, p, page);
    EXPECT_ERR("mmap unaligned offset", raw_mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 100),
               EINVAL);
    EXPECT_ERR("mmap shared writable from O_RDONLY fd",
               raw_mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, readonly, 0), EACCES);
    p = (char *)EXPECT_OK("mmap shared read-only from O_RDONLY fd",
                          raw_mmap(NULL, page, PROT_READ, MAP_SHARED, readonly, 0));
    EXPECT_ERR("mprotect it writable", RAW(SYS_mprotect, p, page, PROT_READ | PROT_WRITE), EACCES);
    RAW(SYS_munmap, p, page);

    p = (char *)EXPECT_OK("mmap file shared",
                          raw_mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    EXPECT_TRUE("/proc/self/maps lists the shared mapping", maps_find(p + page, &line));
    EXPECT_STR("shared mapping perms", line.perms, "rw-s");
    memcpy(p + page + 10, "SHARED", 6);
    EXPECT_OK("munmap shared mapping", RAW(SYS_munmap, p, 3 * page));
    char buf[8] = {0};
    RAW(SYS_pread64, fd, buf, 6, page + 10);
    EXPECT_STR("shared write reached the file", buf, "SHARED");
    RAW(SYS_pwrite64, fd, "written", 7, 2 * page);
    p = (char *)raw_mmap(NULL, 3 * page, PROT_READ, MAP_SHARED, fd, 0);
    EXPECT_MEM("a new mapping sees write()", p + 2 * page, "written", 7);
    RAW(SYS_munmap, p, 3 * page);

    int small = (int)RAW(SYS_open, "mm.d/small", O_RDONLY);
    p = (char *)EXPECT_OK("mmap 10-byte file",
                          raw_mmap(NULL, page, PROT_READ, MAP_PRIVATE, small, 0));
    EXPECT_MEM("file bytes", p, "0123456789", 10);
    EXPECT_TRUE("rest of the last page is zero", all_bytes(p + 10, page - 10, 0));
    RAW(SYS_munmap, p, page);
    RAW(SYS_close, small);

    int dir = (int)RAW(SYS_open, "mm.d", O_RDONLY | O_DIRECTORY);
    EXPECT_ERR("mmap a directory", raw_mmap(NULL, page, PROT_READ, MAP_PRIVATE, dir, 0), ENODEV);
    RAW(SYS_close, dir);
    int pipe_fds[2];
    if (pipe(pipe_fds) == 0) {
        EXPECT_ERR("mmap a pipe", raw_mmap(NULL, page, PROT_READ, MAP_PRIVATE, pipe_fds[0], 0),
                   ENODEV);
        RAW(SYS_close, pipe_fds[0]);
        RAW(SYS_close, pipe_fds[1]);
    }

    p = (char *)raw_mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 0);
    RAW(SYS_close, fd);
    EXPECT_VAL("a mapping outlives its fd", p[0], 'a');
    RAW(SYS_munmap, p, page);
    RAW(SYS_close, readonly);
    free(content);
}

static void check_mprotect(void) {
    char *p = map_anon(3 * page, PROT_READ | PROT_WRITE);
    memset(p, 'p', 3 * page);
    EXPECT_OK("mprotect middle page read-only", RAW(SYS_mprotect, p + page, page, PROT_READ));
    EXPECT_TRUE("read-only page is readable", all_bytes(p + page, page, 'p'));

    struct maps_line line;
    EXPECT_TRUE("maps has the read-only page", maps_find(p + page, &line));
    EXPECT_TRUE("read-only page is its own line", line.start == (unsigned long)(p + page) &&
                                                      line.end == (unsigned long)(p + 2 * page));
    EXPECT_STR("read-only page perms", line.perms, "r--p");
    EXPECT_TRUE("maps has the first page", maps_find(p, &line));
    EXPECT_STR("first page perms", line.perms, "rw-p");
    EXPECT_TRUE("first page line ends at the read-only page",
                line.end == (unsigned long)(p + page));
    EXPECT_TRUE("maps has the last page", maps_find(p + 2 * page, &line));
    EXPECT_STR("last page perms", line.perms, "rw-p");

    EXPECT_OK("mprotect back to read-write",
              RAW(SYS_mprotect, p + page, page, PROT_READ | PROT_WRITE));
    memset(p + page, 'q', page);
    EXPECT_TRUE("write after mprotect back", all_bytes(p + page, page, 'q'));
    EXPECT_TRUE("maps merged the range again", maps_find(p + page, &line) &&
                                                   line.start <= (unsigned long)p &&
                                                   line.end >= (unsigned long)(p + 3 * page));
    EXPECT_OK("mprotect PROT_NONE", RAW(SYS_mprotect, p, 3 * page, PROT_NONE));
    EXPECT_TRUE("maps shows PROT_NONE", maps_find(p, &line) && !strcmp(line.perms, "---p"));
    EXPECT_OK("mprotect read-write again", RAW(SYS_mprotect, p, 3 * page, PROT_READ | PROT_WRITE));
    EXPECT_TRUE("contents kept across PROT_NONE",
                all_bytes(p, page, 'p') && all_bytes(p + page, page, 'q'));
    EXPECT_OK("mprotect zero length", RAW(SYS_mprotect, p, 0, PROT_READ));
    EXPECT_ERR("mprotect unaligned", RAW(SYS_mprotect, p + 1, page, PROT_READ), EINVAL);
    EXPECT_ERR("mprotect unknown prot bit", RAW(SYS_mprotect, p, page, 0x100), EINVAL);
    RAW(SYS_munmap, p + page, page);
    EXPECT_ERR("mprotect across a hole", RAW(SYS_mprotect, p, 3 * page, PROT_READ), ENOMEM);
    EXPECT_ERR("mprotect unmapped", RAW(SYS_mprotect, p + page, page, PROT_READ), ENOMEM);
    RAW(SYS_munmap, p, 3 * page);
}

static void check_madvise(void) {
    char *p = map_anon(2 * page, PROT_READ | PROT_WRITE);
    memset(p, 'm', 2 * page);
    EXPECT_OK("madvise MADV_DONTNEED", RAW(SYS_madvise, p, page, MADV_DONTNEED));
    EXPECT_TRUE("MADV_DONTNEED zeroes private anonymous memory", all_bytes(p, page, 0));
    EXPECT_TRUE("the page after is untouched", all_bytes(p + page, page, 'm'));
    EXPECT_OK("madvise MADV_WILLNEED", RAW(SYS_madvise, p, 2 * page, MADV_WILLNEED));
    EXPECT_OK("madvise MADV_NORMAL", RAW(SYS_madvise, p, 2 * page, MADV_NORMAL));
    EXPECT_ERR("madvise unknown advice", RAW(SYS_madvise, p, page, 999), EINVAL);
    EXPECT_ERR("madvise unaligned", RAW(SYS_madvise, p + 1, page, MADV_NORMAL), EINVAL);
    RAW(SYS_munmap, p, 2 * page);
    EXPECT_ERR("madvise unmapped", RAW(SYS_madvise, p, page, MADV_NORMAL), ENOMEM);
}

static void check_mremap(void) {
    char *p = map_anon(page, PROT_READ | PROT_WRITE);
    memset(p, 'M', page);
    char *grown = (char *)EXPECT_OK("mremap grow with MREMAP_MAYMOVE",
                                    RAW(SYS_mremap, p, page, 3 * page, MREMAP_MAYMOVE));
    if ((long)grown < 0)
        return;
    EXPECT_TRUE("grown mapping keeps the contents", all_bytes(grown, page, 'M'));
    EXPECT_TRUE("grown part is zero", all_bytes(grown + page, 2 * page, 0));
    memset(grown + page, 'N', 2 * page);
    EXPECT_TRUE("shrink in place keeps the address",
                RAW(SYS_mremap, grown, 3 * page, page, 0) == (long)grown);
    EXPECT_TRUE("shrunk tail is unmapped", !is_mapped(grown + page));

    char *target = map_anon(2 * page, PROT_NONE);
    EXPECT_TRUE("mremap MREMAP_FIXED moves to the target",
                RAW(SYS_mremap, grown, page, page, MREMAP_MAYMOVE | MREMAP_FIXED, target + page) ==
                    (long)(target + page));
    EXPECT_TRUE("moved mapping keeps the contents", all_bytes(target + page, page, 'M'));
    EXPECT_TRUE("old address is unmapped", !is_mapped(grown));
    EXPECT_TRUE("the target's other page is still reserved", is_mapped(target));
    RAW(SYS_munmap, target, 2 * page);

    char *two = map_anon(2 * page, PROT_READ | PROT_WRITE);
    EXPECT_ERR("mremap grow in place into a mapped page", RAW(SYS_mremap, two, page, 2 * page, 0),
               ENOMEM);
    EXPECT_ERR("mremap unaligned", RAW(SYS_mremap, two + 1, page, page, 0), EINVAL);
    EXPECT_ERR("mremap unknown flag", RAW(SYS_mremap, two, page, page, 0x80), EINVAL);
    EXPECT_ERR("mremap MREMAP_FIXED without MAYMOVE",
               RAW(SYS_mremap, two, page, page, MREMAP_FIXED, two + 4 * page), EINVAL);
    EXPECT_ERR("mremap to zero length", RAW(SYS_mremap, two, page, 0, MREMAP_MAYMOVE), EINVAL);
    RAW(SYS_munmap, two, 2 * page);
    EXPECT_ERR("mremap unmapped", RAW(SYS_mremap, two, page, 2 * page, MREMAP_MAYMOVE), EFAULT);
}

static void check_brk(void) {
    /* No printing (and so no malloc) while the break is moved: libc's allocator may own it. */
    long start = RAW(SYS_brk, 0);
    long grown = RAW(SYS_brk, start + 16 * page);
    bool grown_zero = false, grown_writable = false, regrown_zero = false;
    long shrunk = 0, regrown = 0, after = 0, refused = 0;
    if (grown == start + 16 * page) {
        grown_zero = all_bytes((char *)start, 16 * page, 0);
        memset((char *)start, 'b', 16 * page);
        grown_writable = all_bytes((char *)start, 16 * page, 'b');
        shrunk = RAW(SYS_brk, start + page);
        regrown = RAW(SYS_brk, start + 16 * page);
        regrown_zero =
            all_bytes((char *)start + page, 15 * page, 0) && all_bytes((char *)start, page, 'b');
        RAW(SYS_brk, start);
        after = RAW(SYS_brk, 0);
        refused = RAW(SYS_brk, 4096);
    }
    EXPECT_TRUE("brk(0) returns the break", start > 0);
    EXPECT_TRUE("brk grows by 16 pages", grown == start + 16 * page);
    EXPECT_TRUE("new brk memory is zero", grown_zero);
    EXPECT_TRUE("brk memory is writable", grown_writable);
    EXPECT_TRUE("brk shrinks", shrunk == start + page);
    EXPECT_TRUE("brk grows again", regrown == start + 16 * page);
    EXPECT_TRUE("memory given back and taken again is zero", regrown_zero);
    EXPECT_TRUE("brk back at the start", after == start);
    EXPECT_TRUE("brk below the data segment is refused with the current break", refused == start);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "mmap");
    page = sysconf(_SC_PAGESIZE);
    EXPECT_VAL("page size", page, 4096);
    if (mkdir("mm.d", 0755) != 0)
        tl_die("mkdir mm.d");
    check_anonymous();
    check_fixed_and_hints();
    check_files();
    check_mprotect();
    check_madvise();
    check_mremap();
    check_brk();
    return tl_finish();
}
