/* Allocate-free churn: the workload that makes an SGX2 runtime add, accept, trim and remove
 * enclave pages over and over. Each iteration maps anonymous read-write memory, writes one
 * byte per page (so that every page is really committed) and unmaps it.
 *
 *   edmm_churn [ITERATIONS [churn|grow]]
 *
 * churn (the default): 64 KiB each time, the same size over and over, which a lazy free can
 * serve from the pages it kept. grow: 64 KiB, 128 KiB, ... up to 1 MiB and again, so that the
 * mappings do not fit in what the previous one freed.
 *
 * Prints "NAME VALUE" lines: the iterations, the pages touched and a checksum of what was
 * read back (the same natively and under enclos), then the time per iteration, which is what
 * bench/run.sh compares. Run under `enclos run --pal=sgx-sim --stats` it shows the EDMM
 * operations and exits the churn costs with lazy free off and on. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define CHURN_BYTES (64 * 1024)
#define GROW_STEPS 16 /* grow: 1..16 times CHURN_BYTES */
#define DEFAULT_ITERATIONS 20000
#define MAX_ITERATIONS 1000000000L

int main(int argc, char **argv) {
    long iterations = DEFAULT_ITERATIONS;
    int grow = 0;
    if (argc > 3 || (argc > 1 && (iterations = parse_count(argv[1], MAX_ITERATIONS)) < 0)) {
        fprintf(stderr, "usage: edmm_churn [ITERATIONS (1..%ld) [churn|grow]]\n", MAX_ITERATIONS);
        return 2;
    }
    if (argc > 2) {
        if (strcmp(argv[2], "grow") == 0) {
            grow = 1;
        } else if (strcmp(argv[2], "churn") != 0) {
            fprintf(stderr, "edmm_churn: mode %s is neither churn nor grow\n", argv[2]);
            return 2;
        }
    }
    long page = sysconf(_SC_PAGESIZE);
    uint64_t checksum = 0, pages_touched = 0;
    double start = now_ns();
    for (long i = 0; i < iterations; i++) {
        size_t len = grow ? (size_t)(i % GROW_STEPS + 1) * CHURN_BYTES : CHURN_BYTES;
        unsigned char *p =
            mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            perror("edmm_churn: mmap");
            return 1;
        }
        /* Fresh anonymous memory reads as zero; a runtime that reuses pages without zeroing
         * them shows up as a wrong checksum. */
        for (size_t off = 0; off < len; off += (size_t)page) {
            checksum += p[off];
            p[off] = (unsigned char)(i + off / (size_t)page + 1);
            checksum = checksum * 31 + p[off];
        }
        pages_touched += len / (size_t)page;
        if (munmap(p, len) != 0) {
            perror("edmm_churn: munmap");
            return 1;
        }
    }
    double elapsed = now_ns() - start;
    printf("mode %s\n", grow ? "grow" : "churn");
    printf("iterations %ld\n", iterations);
    printf("pages_touched %llu\n", (unsigned long long)pages_touched);
    printf("checksum %016llx\n", (unsigned long long)checksum);
    printf("ns_per_iteration %.1f\n", elapsed / iterations);
    return 0;
}
