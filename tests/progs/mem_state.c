/* msync, mincore, mlock, mlock2, munlock and protection keys: a shared file mapping written back
 * with msync and read through the fd, residency of pages the program touched, locking and
 * unlocking, and the errors of each (unaligned, unknown flags, holes, bad vectors). Pages
 * the program did not touch are not printed: whether they are resident is the runtime's
 * business (an enclave may have added them already). */
#include "testlib.h"

#include <sys/mman.h>

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif

static void check_msync(void) {
    int fd = open("shared.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, 8192) != 0)
        tl_die("create shared.bin");
    char *map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        tl_die("mmap shared.bin");
    memcpy(map + 4096, "synced", 6);
    EXPECT_OK("msync MS_SYNC", LIBC(msync(map, 8192, MS_SYNC)));
    char buf[8] = {0};
    /* Write-back itself cannot be seen from here (the fd reads the same page cache): the
     * fd and the mapping agree, and msync's arguments are checked below. */
    EXPECT_VAL("pread what the mapping wrote", pread(fd, buf, 6, 4096), 6);
    EXPECT_STR("the bytes", buf, "synced");
    EXPECT_OK("msync MS_ASYNC of part", LIBC(msync(map + 4096, 100, MS_ASYNC)));
    EXPECT_OK("msync MS_INVALIDATE", LIBC(msync(map, 4096, MS_INVALIDATE)));
    EXPECT_OK("msync of nothing", LIBC(msync(map, 0, MS_SYNC)));
    EXPECT_ERR("msync MS_ASYNC | MS_SYNC", LIBC(msync(map, 4096, MS_ASYNC | MS_SYNC)), EINVAL);
    EXPECT_ERR("msync unknown flag", LIBC(msync(map, 4096, 8)), EINVAL);
    EXPECT_ERR("msync unaligned", LIBC(msync(map + 1, 4096, MS_SYNC)), EINVAL);
    EXPECT_ERR("msync of a range that wraps", LIBC(msync(map, -(size_t)8192, MS_SYNC)), ENOMEM);
    EXPECT_OK("msync of a length that rounds to 0", LIBC(msync(map, (size_t)-1, MS_SYNC)));
    munmap(map + 4096, 4096);
    EXPECT_ERR("msync over a hole", LIBC(msync(map, 8192, MS_SYNC)), ENOMEM);
    munmap(map, 4096);
    char *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_OK("msync of anonymous memory", LIBC(msync(anon, 4096, MS_SYNC)));
    munmap(anon, 4096);
    close(fd);
}

static void check_mincore(void) {
    char *m = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        tl_die("mmap");
    m[0] = 1;
    m[2 * 4096] = 1;
    unsigned char vec[4] = {0xff, 0xff, 0xff, 0xff};
    EXPECT_OK("mincore", LIBC(mincore(m, 4 * 4096, vec)));
    EXPECT_TRUE("touched pages are resident", (vec[0] & 1) && (vec[2] & 1));
    EXPECT_TRUE("only the low bit is used", !(vec[0] & ~1) && !(vec[1] & ~1));
    EXPECT_OK("mincore of a partial page", LIBC(mincore(m, 100, vec)));
    EXPECT_ERR("mincore unaligned", LIBC(mincore(m + 1, 4096, vec)), EINVAL);
    EXPECT_ERR("mincore bad vector", LIBC(mincore(m, 4096, (unsigned char *)8)), EFAULT);
    EXPECT_ERR("mincore past the user address space", LIBC(mincore(m, (size_t)-4096, vec)), ENOMEM);
    munmap(m + 4096, 4096);
    EXPECT_ERR("mincore over a hole", LIBC(mincore(m, 4 * 4096, vec)), ENOMEM);
    munmap(m, 4 * 4096);
}

static void check_mlock(void) {
    char *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        tl_die("mmap");
    EXPECT_OK("mlock", LIBC(mlock(m, 2 * 4096)));
    EXPECT_OK("munlock", LIBC(munlock(m, 2 * 4096)));
    EXPECT_OK("mlock of an unaligned range", LIBC(mlock(m + 100, 50)));
    EXPECT_OK("munlock of it", LIBC(munlock(m + 100, 50)));
    EXPECT_OK("mlock of nothing", LIBC(mlock(m, 0)));
    EXPECT_OK("mlock2 MLOCK_ONFAULT", RAW(SYS_mlock2, m, 4096, MLOCK_ONFAULT));
    EXPECT_ERR("mlock2 unknown flag", RAW(SYS_mlock2, m, 4096, 2), EINVAL);
    EXPECT_OK("munlock after mlock2", LIBC(munlock(m, 4096)));
    EXPECT_ERR("mlock of a range that wraps", LIBC(mlock((void *)4096, (size_t)-4096)), EINVAL);
    EXPECT_ERR("munlock of a range that wraps", LIBC(munlock((void *)4096, (size_t)-4096)), EINVAL);
    EXPECT_OK("mlock of a length that rounds to 0", LIBC(mlock(m, (size_t)-1)));
    munmap(m + 4096, 4096);
    EXPECT_ERR("mlock over a hole", LIBC(mlock(m, 3 * 4096)), ENOMEM);
    EXPECT_ERR("munlock over a hole", LIBC(munlock(m, 3 * 4096)), ENOMEM);
    munmap(m, 3 * 4096);
}

/* Whether the CPU has protection keys is the host's: only what holds either way. */
static void check_pkeys(void) {
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        tl_die("mmap");
    m[0] = 5;
    EXPECT_OK("pkey_mprotect with no key is mprotect",
              RAW(SYS_pkey_mprotect, m, 4096, PROT_READ, -1));
    EXPECT_OK("mincore still sees the page", LIBC(mincore(m, 4096, (unsigned char[1]){0})));
    EXPECT_VAL("readable", m[0], 5);
    EXPECT_ERR("pkey_alloc with flags", RAW(SYS_pkey_alloc, 1, 0), EINVAL);
    EXPECT_ERR("pkey_alloc with unknown rights", RAW(SYS_pkey_alloc, 0, 4), EINVAL);
    EXPECT_ERR("pkey_free of a key never allocated", RAW(SYS_pkey_free, 15), EINVAL);
    EXPECT_ERR("pkey_mprotect unaligned", RAW(SYS_pkey_mprotect, m + 1, 4096, PROT_READ, -1),
               EINVAL);
    munmap(m, 4096);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "mem_state");
    check_msync();
    check_mincore();
    check_mlock();
    check_pkeys();
    return tl_finish();
}
