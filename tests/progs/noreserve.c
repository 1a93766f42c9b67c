/* A MAP_NORESERVE mapping whose pages are touched one by one: on Linux each page appears on
 * first touch, zero-filled; under sgx-sim with EDMM each is added then (an EDMM page fault).
 * Also a MADV_DONTNEED in the middle: the pages read as zero afterwards.
 *
 * Arguments: the scratch directory "." from the runner, or the number of pages to touch
 * (default 64; tests/sgx compares the faults of two counts). */
#include "testlib.h"

#include <sys/mman.h>

#define SPAN_PAGES 4096L /* 16 MiB reserved */

int main(int argc, char **argv) {
    long touch = 64;
    if (argc > 1 && argv[1][0] >= '1' && argv[1][0] <= '9')
        touch = strtol(argv[1], NULL, 10);
    if (touch > SPAN_PAGES)
        touch = SPAN_PAGES;
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *p = mmap(NULL, SPAN_PAGES * page, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    EXPECT_OK("mmap NORESERVE", p == MAP_FAILED ? -errno : 0);
    if (p == MAP_FAILED)
        return 1;
    uint64_t sum = 0;
    bool zero = true;
    for (long i = 0; i < touch; i++) {
        unsigned char *q = p + i * page;
        zero &= q[page / 2] == 0;
        q[page / 2] = (unsigned char)(i * 7 + 1);
        sum += q[page / 2];
    }
    EXPECT_VAL("fresh pages read as zero", zero, 1);
    printf("touched %ld pages, checksum %llu\n", touch, (unsigned long long)sum);
    EXPECT_OK("madvise DONTNEED", LIBC(madvise(p, touch * page, MADV_DONTNEED)));
    zero = true;
    for (long i = 0; i < touch; i++)
        zero &= p[i * page + page / 2] == 0;
    EXPECT_VAL("pages read as zero after MADV_DONTNEED", zero, 1);
    p[0] = 1;
    EXPECT_VAL("and can be written again", p[0], 1);
    EXPECT_OK("munmap", LIBC(munmap(p, SPAN_PAGES * page)));
    return tl_finish();
}
