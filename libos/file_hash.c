/* The SHA-256 of a host file, for the files a manifest trusts (checked at start) and those
 * `enclos profile` lists. */
#include "libos/file_hash.h"
#include "libos/libos.h"
#include "common/alloc.h"
#include "common/sha256.h"
#include "pal/pal.h"
#include <asm-generic/errno.h>
#include <asm/stat.h>
#include <linux/fcntl.h>
#include <linux/stat.h>

#define HASH_CHUNK (64 * 1024)

const char *libos_hash_host_file(const char *host_path, char hex[65], uint64_t *size) {
    /* O_NONBLOCK: should a FIFO have taken the file's place, opening it must not wait. */
    long h = pal_open(host_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
    if (h < 0)
        return h == -ENOENT ? "no longer exists" : libos_errno_name(-h);
    const char *why = NULL;
    struct stat st;
    uint8_t *buf = NULL;
    if (pal_fstat((int)h, &st) < 0 || !S_ISREG(st.st_mode))
        why = "no longer a regular file";
    else if (!(buf = rt_malloc(HASH_CHUNK)))
        why = "out of memory";
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    uint64_t offset = 0;
    for (int interrupted = 0; !why;) {
        long r = pal_pread((int)h, buf, HASH_CHUNK, offset);
        if (r == -EINTR && ++interrupted < 100)
            continue;
        if (r < 0)
            why = libos_errno_name(-r);
        else if (r == 0)
            break;
        else {
            sha256_update(&ctx, buf, (size_t)r);
            offset += (uint64_t)r;
        }
    }
    rt_free(buf);
    pal_close((int)h);
    if (why)
        return why;
    uint8_t digest[32];
    sha256_final(&ctx, digest);
    sha256_hex(digest, hex);
    *size = offset;
    return NULL;
}
