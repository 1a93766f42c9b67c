/* Memory calls of the direct PAL: each is one host call over exactly the range the LibOS
 * asks for (the LibOS has already dropped the no-op ones). */
#include "pal/direct/internal.h"
#include "common/string.h"
#include <linux/mman.h>

static void count_memory_call(void) {
    __atomic_fetch_add(&g_pal_stats.mem_calls, 1, __ATOMIC_RELAXED);
}

static int host_prot(int prot) {
    return (prot & PAL_PROT_READ ? PROT_READ : 0) | (prot & PAL_PROT_WRITE ? PROT_WRITE : 0) |
           (prot & PAL_PROT_EXEC ? PROT_EXEC : 0);
}

long pal_mem_map(void *addr, size_t len, int prot, int flags, int handle, uint64_t offset) {
    int hflags = flags & PAL_MAP_SHARED ? MAP_SHARED : MAP_PRIVATE;
    if (handle < 0)
        hflags |= MAP_ANONYMOUS;
    if (flags & PAL_MAP_FIXED)
        hflags |= MAP_FIXED;
    else if (flags & PAL_MAP_NOREPLACE)
        hflags |= MAP_FIXED_NOREPLACE;
    if (flags & PAL_MAP_NORESERVE)
        hflags |= MAP_NORESERVE;
    if (flags & PAL_MAP_GROWSDOWN)
        hflags |= MAP_GROWSDOWN;
    count_memory_call();
    long r = host_syscall6(__NR_mmap, (long)addr, (long)len, host_prot(prot), hflags, handle,
                           (long)offset);
    /* Old kernels ignore MAP_FIXED_NOREPLACE and may place the mapping elsewhere. */
    if (r >= 0 && (flags & PAL_MAP_NOREPLACE) && addr && (void *)r != addr) {
        host_syscall2(__NR_munmap, r, len);
        return -17 /* EEXIST */;
    }
    return r;
}

long pal_mem_protect(void *addr, size_t len, int prot) {
    count_memory_call();
    return host_syscall3(__NR_mprotect, addr, len, host_prot(prot));
}

long pal_mem_unmap(void *addr, size_t len) {
    count_memory_call();
    return host_syscall2(__NR_munmap, addr, len);
}

long pal_mem_advise(void *addr, size_t len, int advice) {
    count_memory_call();
    return host_syscall3(__NR_madvise, addr, len, advice);
}

long pal_mem_remap(void *old, size_t old_len, size_t new_len, int flags, void *new_addr) {
    count_memory_call();
    return host_syscall5(__NR_mremap, old, old_len, new_len, flags, new_addr);
}

long pal_mem_sync(void *addr, size_t len, int flags) {
    count_memory_call();
    return host_syscall3(__NR_msync, addr, len, flags);
}

long pal_mem_residency(void *addr, size_t len, unsigned char *vec) {
    count_memory_call();
    return host_syscall3(__NR_mincore, addr, len, vec);
}

long pal_mem_lock(void *addr, size_t len, int lock_flags) {
    count_memory_call();
    if (lock_flags < 0)
        return host_syscall2(__NR_munlock, addr, len);
    return host_syscall3(__NR_mlock2, addr, len, lock_flags);
}

static uint64_t parse_hex(const char **p) {
    uint64_t v = 0;
    for (;; (*p)++) {
        char c = **p;
        if (c >= '0' && c <= '9')
            v = v * 16 + (uint64_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = v * 16 + (uint64_t)(c - 'a' + 10);
        else
            return v;
    }
}

long pal_mem_host_ranges(void (*cb)(void *arg, uint64_t start, uint64_t end, int prot,
                                    const char *name),
                         void *arg) {
    long fd = host_syscall4(__NR_openat, -100, "/proc/self/maps", 0 /* O_RDONLY */, 0);
    if (fd < 0)
        return fd;
    /* Read the whole file first: callbacks may map memory and change it. */
    size_t cap = 64 * 1024, len = 0;
    long m = host_syscall6(__NR_mmap, 0, (long)cap, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m < 0) {
        host_syscall1(__NR_close, fd);
        return m;
    }
    char *buf = (char *)m;
    for (;;) {
        long n = host_syscall3(__NR_read, fd, buf + len, cap - len - 1);
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len + 1 >= cap)
            break;
    }
    host_syscall1(__NR_close, fd);
    buf[len] = 0;
    for (const char *p = buf; *p;) {
        uint64_t start = parse_hex(&p);
        p++;
        uint64_t end = parse_hex(&p);
        p++;
        int prot = (p[0] == 'r' ? PAL_PROT_READ : 0) | (p[1] == 'w' ? PAL_PROT_WRITE : 0) |
                   (p[2] == 'x' ? PAL_PROT_EXEC : 0);
        /* The name is the sixth column, after the inode. */
        int fields = 0;
        while (*p && *p != '\n' && fields < 4) {
            while (*p && *p != ' ' && *p != '\n')
                p++;
            while (*p == ' ')
                p++;
            fields++;
        }
        char name[64];
        size_t n = 0;
        while (*p && *p != '\n') {
            if (n < sizeof(name) - 1)
                name[n++] = *p;
            p++;
        }
        name[n] = 0;
        if (*p == '\n')
            p++;
        cb(arg, start, end, prot, name);
    }
    host_syscall2(__NR_munmap, buf, cap);
    return 0;
}
