/* The VMA workload of ../shared/background/vma-bookkeeping-noop-elision.txt: mmap N pages
 * read-write, touch them, then mprotect each page read-write one by one, which changes
 * nothing. A runtime that keeps its own VMA bookkeeping should answer those mprotects without
 * leaving the enclave; under enclos --stats shows whether it did. The output here is the same
 * on any correct Linux: the page count, a checksum of the pages' contents and "ok" lines.
 *
 * Arguments: the runner passes the scratch directory "."; an argument made of digits is the
 * page count N instead (default 1000, at most 1048576), so both `mprotect_noop .` and
 * `mprotect_noop 5000` work. */
#include "testlib.h"

#include <sys/mman.h>

#define DEFAULT_PAGES 1000
#define MAX_PAGES (1L << 20) /* 4 GiB of 4 KiB pages: more is a typo, not a workload */

/* A run-independent value for page i, so that the checksum is the same natively and under
 * enclos. */
static uint64_t page_value(long i) {
    return (uint64_t)(i + 1) * 0x9e3779b97f4a7c15ULL;
}

/* The page count from a digits-only argument; -1 for anything else, 0 when it is out of range
 * (so that "0" and "99999999999" get one clear line). */
static long parse_pages(const char *arg) {
    long n = 0;
    if (!*arg)
        return -1;
    for (const char *c = arg; *c; c++) {
        if (*c < '0' || *c > '9')
            return -1;
        if (n <= MAX_PAGES)
            n = n * 10 + (*c - '0');
    }
    return n >= 1 && n <= MAX_PAGES ? n : 0;
}

int main(int argc, char **argv) {
    long pages = DEFAULT_PAGES;
    const char *scratch = NULL;
    for (int i = 1; i < argc; i++) {
        long n = parse_pages(argv[i]);
        if (n == 0) {
            printf("mprotect_noop: page count %s is not between 1 and %ld\n", argv[i], MAX_PAGES);
            return 2;
        }
        if (n > 0)
            pages = n;
        else
            scratch = argv[i];
    }
    /* tl_start changes into argv[1]: give it only the scratch directory. */
    char *start_argv[] = {argv[0], (char *)scratch, NULL};
    tl_start(scratch ? 2 : 1, start_argv, "mprotect_noop");

    long page = sysconf(_SC_PAGESIZE);
    size_t len = (size_t)pages * (size_t)page;
    printf("pages: %ld\n", pages);

    long mapped =
        RAW(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (EXPECT_OK("mmap RW", mapped) < 0)
        return tl_finish();
    char *base = (char *)mapped;

    /* Touch every page: each gets its value in its first word. */
    uint64_t want = 0;
    for (long i = 0; i < pages; i++) {
        *(volatile uint64_t *)(base + i * page) = page_value(i);
        want += page_value(i);
    }

    /* The workload: one mprotect per page, each asking for what the page already has. */
    long failed = 0, first_error = 0;
    for (long i = 0; i < pages; i++) {
        long r = RAW(SYS_mprotect, base + i * page, page, PROT_READ | PROT_WRITE);
        if (r < 0 && !failed++)
            first_error = r;
    }
    if (failed)
        tl_fail("mprotect RW page by page", "%ld of %ld failed, first with %s", failed, pages,
                tl_errno_name(-first_error));
    else
        EXPECT_TRUE("mprotect RW page by page", true);

    /* The pages kept their contents and are still writable: the second pass would fault on a
     * page the runtime had left read-only. */
    uint64_t sum = 0;
    for (long i = 0; i < pages; i++) {
        volatile uint64_t *word = (volatile uint64_t *)(base + i * page);
        sum += *word;
        *word = ~*word;
    }
    EXPECT_TRUE("contents kept", sum == want);
    EXPECT_TRUE("pages still writable", *(volatile uint64_t *)base == ~page_value(0));
    printf("checksum: %016llx\n", (unsigned long long)sum);

    EXPECT_OK("munmap", RAW(SYS_munmap, base, len));
    return tl_finish();
}
