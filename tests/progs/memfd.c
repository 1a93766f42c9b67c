/* memfd_create: an anonymous file that reads, writes, grows, maps shared (a write through
 * the mapping is read back through the fd and the other way round), takes seals, is named
 * "/memfd:NAME (deleted)" in /proc/self/fd, honours MFD_CLOEXEC; and the errors. */
#include "testlib.h"

#include <sys/mman.h>

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 1U
#define MFD_ALLOW_SEALING 2U
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define F_SEAL_SHRINK 2
#define F_SEAL_GROW 4
#define F_SEAL_WRITE 8
#endif

int main(int argc, char **argv) {
    tl_start(argc, argv, "memfd");
    int fd = (int)RAW(SYS_memfd_create, "enclos-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    EXPECT_OK("memfd_create", fd);
    EXPECT_TRUE("MFD_CLOEXEC sets FD_CLOEXEC", fcntl(fd, F_GETFD) == FD_CLOEXEC);
    EXPECT_VAL("opened read-write", fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
    char link[128] = {0};
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    EXPECT_OK("readlink of its fd", LIBC(readlink(path, link, sizeof(link) - 1)));
    EXPECT_STR("its name", link, "/memfd:enclos-test (deleted)");

    EXPECT_VAL("write", write(fd, "hello", 5), 5);
    struct stat st;
    EXPECT_OK("fstat", LIBC(fstat(fd, &st)));
    EXPECT_TRUE("a regular file of 5 bytes", S_ISREG(st.st_mode) && st.st_size == 5);
    EXPECT_OK("ftruncate to 8192", LIBC(ftruncate(fd, 8192)));
    char *map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    EXPECT_TRUE("mmap MAP_SHARED", map != MAP_FAILED);
    if (map != MAP_FAILED) {
        EXPECT_MEM("the mapping shows what was written", map, "hello", 5);
        memcpy(map + 4096, "mapped", 6);
        char buf[8] = {0};
        EXPECT_VAL("pread what the mapping wrote", pread(fd, buf, 6, 4096), 6);
        EXPECT_STR("the same bytes", buf, "mapped");
        EXPECT_VAL("pwrite", pwrite(fd, "HE", 2, 0), 2);
        EXPECT_MEM("the mapping shows the pwrite", map, "HEllo", 5);
        munmap(map, 8192);
    }

    EXPECT_OK("F_ADD_SEALS shrink and grow",
              LIBC(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW)));
    EXPECT_VAL("F_GET_SEALS", fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW);
    EXPECT_ERR("ftruncate of a sealed memfd", LIBC(ftruncate(fd, 100)), EPERM);
    EXPECT_ERR("write past its end", LIBC(pwrite(fd, "x", 1, 8192)), EPERM);
    close(fd);

    int plain = (int)RAW(SYS_memfd_create, "", 0);
    EXPECT_OK("memfd_create with an empty name, no flags", plain);
    EXPECT_VAL("no FD_CLOEXEC", fcntl(plain, F_GETFD), 0);
    EXPECT_ERR("F_ADD_SEALS without MFD_ALLOW_SEALING", LIBC(fcntl(plain, F_ADD_SEALS, 2)), EPERM);
    close(plain);

    char long_name[300];
    memset(long_name, 'n', sizeof(long_name));
    long_name[249] = 0;
    int fd249 = (int)RAW(SYS_memfd_create, long_name, 0);
    EXPECT_OK("a 249-byte name", fd249);
    close(fd249);
    long_name[249] = 'n';
    long_name[250] = 0;
    EXPECT_ERR("a 250-byte name", RAW(SYS_memfd_create, long_name, 0), EINVAL);
    EXPECT_ERR("unknown flags", RAW(SYS_memfd_create, "x", 0x100), EINVAL);
    EXPECT_ERR("a huge page size without MFD_HUGETLB", RAW(SYS_memfd_create, "x", 21U << 26),
               EINVAL);
    EXPECT_ERR("bad name pointer", RAW(SYS_memfd_create, (char *)8, 0), EFAULT);
    return tl_finish();
}
