/* A heap that grows and stays: the workload an SGX2 preheat is for. Allocates MIB mebibytes
 * with malloc in 1 MiB blocks (each its own anonymous mapping with glibc), writes every page,
 * reads everything back and frees it all at the end.
 *
 *   sgx_heap [MIB]    (default 96)
 *
 * Prints "NAME VALUE" lines: the mebibytes, a checksum of what was read back (the same
 * natively and under enclos) and the time per mebibyte. bench/sgx_sim.sh runs it under
 * `enclos profile` to size sgx.edmm_preheat_size, then under `enclos run --pal=sgx-sim
 * --edmm=on --stats` with preheat 0 and with that size, and compares the EDMM page faults. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define BLOCK_BYTES (1024 * 1024)
#define DEFAULT_MIB 96
#define MAX_MIB 65536L

int main(int argc, char **argv) {
    long mib = DEFAULT_MIB;
    if (argc > 2 || (argc > 1 && (mib = parse_count(argv[1], MAX_MIB)) < 0)) {
        fprintf(stderr, "usage: sgx_heap [MIB (1..%ld)]\n", MAX_MIB);
        return 2;
    }
    long page = sysconf(_SC_PAGESIZE);
    unsigned char **blocks = calloc((size_t)mib, sizeof(*blocks));
    if (!blocks) {
        perror("sgx_heap: calloc");
        return 1;
    }
    double start = now_ns();
    for (long b = 0; b < mib; b++) {
        blocks[b] = malloc(BLOCK_BYTES);
        if (!blocks[b]) {
            perror("sgx_heap: malloc");
            return 1;
        }
        for (size_t off = 0; off < BLOCK_BYTES; off += (size_t)page)
            blocks[b][off] = (unsigned char)(b + off / (size_t)page + 1);
    }
    /* Read back after every block exists, so that a page lost or shared between blocks
     * shows up as a wrong checksum. */
    uint64_t checksum = 0;
    for (long b = 0; b < mib; b++) {
        for (size_t off = 0; off < BLOCK_BYTES; off += (size_t)page)
            checksum = checksum * 31 + blocks[b][off];
        free(blocks[b]);
    }
    double elapsed = now_ns() - start;
    free(blocks);
    printf("mebibytes %ld\n", mib);
    printf("checksum %016llx\n", (unsigned long long)checksum);
    printf("ns_per_mebibyte %.1f\n", elapsed / mib);
    return 0;
}
