/* Bulk file I/O: writes 100 MB in 1 MiB chunks, reads it back in odd-sized chunks and at
 * scattered offsets, and checks a checksum of the whole. */
#include "testlib.h"

#define FILE_SIZE (100l << 20)
#define WRITE_CHUNK (1l << 20)
#define READ_CHUNK 1000003l

/* Byte i of the file, as 64-bit words derived from their index (splitmix64). */
static uint64_t word_at(uint64_t index) {
    uint64_t z = index * 0x9e3779b97f4a7c15ull + 0x0123456789abcdefull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static unsigned char byte_at(uint64_t offset) {
    return (unsigned char)(word_at(offset / 8) >> (8 * (offset % 8)));
}

static uint64_t checksum_update(uint64_t hash, const unsigned char *data, size_t len) {
    for (size_t i = 0; i < len; i++)
        hash = (hash ^ data[i]) * 0x100000001b3ull;
    return hash;
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "bigfile");
    uint64_t *chunk = malloc(WRITE_CHUNK);
    unsigned char *buf = malloc(READ_CHUNK);
    if (!chunk || !buf)
        tl_die("malloc");

    int fd = (int)RAW(SYS_open, "big.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    EXPECT_OK("create big.bin", fd);
    uint64_t written_sum = 0xcbf29ce484222325ull;
    long total = 0;
    bool writes_complete = true;
    for (long offset = 0; offset < FILE_SIZE; offset += WRITE_CHUNK) {
        for (long i = 0; i < WRITE_CHUNK / 8; i++)
            chunk[i] = word_at((uint64_t)(offset / 8 + i));
        written_sum = checksum_update(written_sum, (unsigned char *)chunk, WRITE_CHUNK);
        for (long done = 0; done < WRITE_CHUNK;) {
            long result = RAW(SYS_write, fd, (char *)chunk + done, WRITE_CHUNK - done);
            if (result <= 0) {
                writes_complete = false;
                break;
            }
            done += result;
            total += result;
        }
    }
    EXPECT_TRUE("100 MB written in 1 MiB chunks", writes_complete && total == FILE_SIZE);
    EXPECT_OK("fsync", RAW(SYS_fsync, fd));
    EXPECT_OK("close", RAW(SYS_close, fd));

    struct stat st;
    EXPECT_OK("stat big.bin", RAW(SYS_stat, "big.bin", &st));
    EXPECT_VAL("file size", st.st_size, FILE_SIZE);
    EXPECT_TRUE("blocks cover the size", st.st_blocks * 512 >= FILE_SIZE);

    fd = (int)RAW(SYS_open, "big.bin", O_RDONLY);
    uint64_t read_sum = 0xcbf29ce484222325ull;
    long result, read_total = 0, calls = 0;
    while ((result = RAW(SYS_read, fd, buf, READ_CHUNK)) > 0) {
        read_sum = checksum_update(read_sum, buf, (size_t)result);
        read_total += result;
        calls++;
    }
    EXPECT_VAL("read until EOF", result, 0);
    EXPECT_VAL("bytes read back", read_total, FILE_SIZE);
    EXPECT_TRUE("read back in at least 105 calls", calls >= 105);
    EXPECT_TRUE("checksum of the data read equals the data written", read_sum == written_sum);
    printf("checksum: %016llx\n", (unsigned long long)read_sum);

    bool scattered_ok = true;
    for (uint64_t i = 0; i < 64; i++) {
        uint64_t offset = (word_at(1000000 + i) % (FILE_SIZE - 4096));
        unsigned char sample[4096];
        if (RAW(SYS_pread64, fd, sample, sizeof(sample), offset) != sizeof(sample)) {
            scattered_ok = false;
            break;
        }
        for (uint64_t j = 0; j < sizeof(sample); j++)
            scattered_ok = scattered_ok && sample[j] == byte_at(offset + j);
    }
    EXPECT_TRUE("64 scattered 4 KiB preads match", scattered_ok);
    EXPECT_VAL("lseek SEEK_END", RAW(SYS_lseek, fd, 0, SEEK_END), FILE_SIZE);
    EXPECT_VAL("pread at the last byte", RAW(SYS_pread64, fd, buf, 10, FILE_SIZE - 1), 1);
    EXPECT_TRUE("last byte value", buf[0] == byte_at(FILE_SIZE - 1));
    RAW(SYS_close, fd);
    EXPECT_OK("unlink big.bin", RAW(SYS_unlink, "big.bin"));
    free(chunk);
    free(buf);
    return tl_finish();
}
