/* Messages and file helpers of enclos-sign. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/err.h>

#include "tools/sign/sign_tool.h"
#include "common/sha256.h"

const char *g_command = "sign";

int fail(const char *format, ...) {
    va_list ap;
    va_start(ap, format);
    fprintf(stderr, "enclos %s: ", g_command);
    vfprintf(stderr, format, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

int fail_openssl(const char *what) {
    unsigned long e = ERR_get_error();
    const char *reason = e ? ERR_reason_error_string(e) : NULL;
    return fail("%s failed (OpenSSL: %s)", what, reason ? reason : "no reason given");
}

int read_whole_file(const char *path, const char *what, size_t max_size, uint8_t **data,
                    size_t *size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail("%s %s: %s", what, path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return fail("%s %s: not a regular file", what, path);
    }
    if ((uint64_t)st.st_size > max_size) {
        close(fd);
        return fail("%s %s: larger than %zu bytes", what, path, max_size);
    }
    size_t len = (size_t)st.st_size;
    uint8_t *buf = malloc(len + 1);
    if (!buf) {
        close(fd);
        return fail("%s %s: out of memory", what, path);
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int err = n < 0 ? errno : 0;
            free(buf);
            close(fd);
            return fail("%s %s: %s", what, path, err ? strerror(err) : "changed while read");
        }
        done += (size_t)n;
    }
    close(fd);
    buf[len] = 0;
    *data = buf;
    *size = len;
    return 0;
}

int write_file_atomically(const char *path, const void *data, size_t size) {
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= sizeof(tmp))
        return fail("%s: path too long", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return fail("cannot write %s: %s", path, strerror(errno));
    const uint8_t *p = data;
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, p + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            close(fd);
            unlink(tmp);
            return fail("cannot write %s: %s", path, strerror(err));
        }
        done += (size_t)n;
    }
    if (close(fd) < 0 || rename(tmp, path) < 0) {
        int err = errno;
        unlink(tmp);
        return fail("cannot write %s: %s", path, strerror(err));
    }
    return 0;
}

int hash_file(const char *path, uint8_t digest[32]) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail("trusted file %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return fail("trusted file %s: not a regular file", path);
    }
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    static uint8_t buf[1 << 16];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            close(fd);
            return fail("trusted file %s: %s", path, strerror(err));
        }
        if (n == 0)
            break;
        sha256_update(&ctx, buf, (size_t)n);
    }
    close(fd);
    sha256_final(&ctx, digest);
    return 0;
}
