/* Building the enclave and entering it.
 *
 * The runtime starts as an ordinary host process (stage 1, the untrusted loader). Once the
 * loader has read the settings, pal_configure builds the enclave: it reserves the range,
 * adds the runtime's pages (copied from its ELF file as they are measured), the manifest,
 * the thread slots and, without EDMM, every heap page, computes MRENCLAVE as SGX does and
 * checks it against the signature when there is one (EINIT). Then it enters: the fresh
 * copy of the runtime inside the enclave starts from its ELF entry with the boot block in
 * its auxv (stage 2), relocates itself and runs the loader again, this time over the
 * measured manifest. Stage 1's memory stays behind as the untrusted side. */
#include "pal/sgx-sim/internal.h"
#include "common/enclave_layout.h"
#include "common/sgx_sigstruct.h"
#include "common/sgx_measure.h"
#include "common/sha256.h"
#include "common/fmt.h"
#include "common/log.h"
#include "common/string.h"
#include <linux/mman.h>
#include <linux/fcntl.h>
#include <linux/auxvec.h>
#include <asm/stat.h>
#include <linux/elf.h>

struct sgx_enclave g_enclave;
struct sgx_counters g_sgx;

#define MIN_APP_WINDOW (8ULL << 20)

/* The part of the heap kept for the runtime's own allocations (the LibOS's heap and VMA
 * nodes, thread slots added at run time): a sixteenth of the enclave, 16 MiB to 1 GiB. */
static uint64_t runtime_zone_size(uint64_t enclave_size) {
    uint64_t zone = enclave_size / 16;
    if (zone < (16ULL << 20))
        zone = 16ULL << 20;
    if (zone > (1ULL << 30))
        zone = 1ULL << 30;
    return zone & ~(SGX_PAGE - 1);
}

/* A whole host file in fresh host memory (outside any enclave). */
static long read_host_file(const char *path, uint8_t **data, size_t *size) {
    long fd = host_syscall4(__NR_openat, -100, path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return fd;
    struct stat st;
    long r = host_syscall2(__NR_fstat, fd, &st);
    if (r < 0 || st.st_size <= 0 || st.st_size > (1L << 30)) {
        host_syscall1(__NR_close, fd);
        return r < 0 ? r : -22;
    }
    size_t len = (size_t)st.st_size;
    long m = host_syscall6(__NR_mmap, 0, (long)((len + SGX_PAGE - 1) & ~(SGX_PAGE - 1)),
                           PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m < 0 && m > -4096) {
        host_syscall1(__NR_close, fd);
        return m;
    }
    size_t done = 0;
    while (done < len) {
        long n = host_syscall3(__NR_read, fd, (char *)m + done, len - done);
        if (n <= 0) {
            host_syscall1(__NR_close, fd);
            return n < 0 ? n : -5;
        }
        done += (size_t)n;
    }
    host_syscall1(__NR_close, fd);
    *data = (uint8_t *)m;
    *size = len;
    return 0;
}

/* APP.manifest.sgx, APP.manifest.toml or APP.toml -> APP.sig */
static void signature_path(const char *manifest, char *out, size_t size) {
    static const char *const suffixes[] = {".manifest.sgx", ".manifest.toml", ".toml"};
    size_t n = strlen(manifest);
    for (unsigned i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        size_t s = strlen(suffixes[i]);
        if (n > s && !strcmp(manifest + n - s, suffixes[i])) {
            fmt_snprintf(out, size, "%.*s.sig", (int)(n - s), manifest);
            return;
        }
    }
    fmt_snprintf(out, size, "%s.sig", manifest);
}

/* The range, naturally aligned: at address 0 when it is free there (so that programs linked
 * at fixed low addresses, as Go's, fit in), else anywhere aligned. */
static long reserve_range(uint64_t size, uint64_t *base) {
    const uint64_t low = 0x10000; /* the host's mmap_min_addr */
    long r =
        host_syscall6(__NR_mmap, (long)low, (long)(size - low), PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (r == (long)low) {
        *base = 0;
        return 0;
    }
    if (r >= 0)
        host_syscall2(__NR_munmap, r, size - low);
    r = host_syscall6(__NR_mmap, 0, (long)(2 * size), PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r < 0 && r > -4096)
        return r;
    uint64_t start = (uint64_t)r, aligned = (start + size - 1) & ~(size - 1);
    if (aligned > start)
        host_syscall2(__NR_munmap, start, aligned - start);
    if (start + 2 * size > aligned + size)
        host_syscall2(__NR_munmap, aligned + size, start + 2 * size - aligned - size);
    *base = aligned;
    return 0;
}

/* EADD of one page whose bytes are already in place; the host protection follows. */
static void eadd(uint64_t addr, uint8_t perms, enum epcm_type type) {
    epcm_eadd(sgx_page(addr), perms, type);
    g_sgx.eadd++;
}

/* Copies the runtime image into the enclave, page by page as measured, and adds its pages
 * with the permissions of their segments. */
static void add_runtime(const struct enclave_layout_input *in, const struct enclave_layout *l) {
    uint64_t start = g_enclave.base + l->runtime_offset;
    host_syscall3(__NR_mprotect, start, l->runtime_size, PROT_READ | PROT_WRITE);
    for (uint64_t off = 0; off < l->runtime_size; off += SGX_PAGE) {
        int perms = enclave_runtime_page(in, off, (uint8_t *)(start + off));
        if (perms < 0)
            continue; /* in no segment: not part of the enclave */
        eadd(start + off,
             (uint8_t)((perms & SGX_SECINFO_R ? EPCM_R : 0) | (perms & SGX_SECINFO_W ? EPCM_W : 0) |
                       (perms & SGX_SECINFO_X ? EPCM_X : 0)),
             EPCM_PT_REG);
        g_sgx.eextend += SGX_PAGE / 256;
    }
    for (uint64_t off = 0; off < l->runtime_size; off += SGX_PAGE) {
        struct epcm_entry *e = sgx_page(start + off);
        host_syscall3(__NR_mprotect, start + off, SGX_PAGE,
                      (e->perms & EPCM_R ? PROT_READ : 0) | (e->perms & EPCM_W ? PROT_WRITE : 0) |
                          (e->perms & EPCM_X ? PROT_EXEC : 0));
    }
}

/* At start: each page of a slot is added and measured (its TCS extended too). */
static void eadd_slot_page(uint64_t page, bool tcs) {
    if (tcs) {
        eadd(page, 0, EPCM_PT_TCS);
        g_sgx.eextend += SGX_PAGE / 256;
    } else {
        eadd(page, EPCM_R | EPCM_W, EPCM_PT_REG);
    }
}

static void add_slots(const struct enclave_layout *l) {
    for (unsigned s = 0; s < l->slot_count; s++)
        sgx_slot_build(g_enclave.base + l->slots_offset + s * l->slot_size, eadd_slot_page);
}

/* EINIT's check: the SIGSTRUCT verifies and names this enclave's measurement. */
static long check_signature(const char *manifest, char *err, size_t errlen) {
    char path[4096];
    signature_path(manifest, path, sizeof(path));
    uint8_t *data;
    size_t size;
    long r = read_host_file(path, &data, &size);
    if (r == -2)
        return 0; /* unsigned: a debug enclave (docs/sgx-sim.md) */
    if (r < 0 || size != sizeof(struct sgx_sigstruct)) {
        fmt_snprintf(err, errlen,
                     "%s: cannot read the enclave signature (%s); sign again with "
                     "'enclos sign'",
                     path, r < 0 ? "unreadable" : "not a 1808-byte SIGSTRUCT");
        return -22;
    }
    const struct sgx_sigstruct *sig = (const struct sgx_sigstruct *)data;
    char why[256];
    if (sgx_sigstruct_verify(sig, why, sizeof(why)) < 0) {
        fmt_snprintf(err, errlen,
                     "%s: the signature does not verify (%s); sign again with "
                     "'enclos sign'",
                     path, why);
        return -1;
    }
    if (memcmp(sig->enclavehash, g_enclave.boot.mrenclave, 32) != 0) {
        char want[65], got[65];
        sha256_hex(sig->enclavehash, want);
        sha256_hex(g_enclave.boot.mrenclave, got);
        fmt_snprintf(err, errlen,
                     "%s: enclave measurement %s differs from the signed %s: the runtime, the "
                     "manifest or a trusted-file hash changed since 'enclos sign'; sign again",
                     path, got, want);
        return -1;
    }
    sgx_sigstruct_signer(sig, g_enclave.boot.mrsigner);
    g_enclave.boot.signed_enclave = true;
    return 0;
}

static uint64_t now_ns(void) {
    struct {
        long sec, nsec;
    } ts;
    host_syscall2(__NR_clock_gettime, 1 /* CLOCK_MONOTONIC */, &ts);
    return (uint64_t)ts.sec * 1000000000ULL + (uint64_t)ts.nsec;
}

/* Enters the enclave: the runtime copy starts at its ELF entry on slot 0's LibOS stack, with
 * the process's arguments, environment and auxv, and the boot block added to auxv. */
__attribute__((noreturn)) static void enter(void) {
    const struct pal_host_info *hi = pal_host_info();
    const struct enclave_layout *l = &g_enclave.boot.layout;
    static struct sgx_boot boot;
    boot = g_enclave.boot;
    size_t argc = (size_t)hi->argc, envc = 0, auxc = 0;
    while (hi->envp[envc])
        envc++;
    while (hi->auxv[2 * auxc] != AT_NULL)
        auxc++;
    uint64_t top = g_enclave.base + l->slots_offset + ENCLAVE_SLOT_LIBOS_STACK_OFFSET +
                   ENCLAVE_SLOT_LIBOS_STACK_SIZE;
    size_t words = 1 + argc + 1 + envc + 1 + 2 * (auxc + 2);
    uint64_t *sp = (uint64_t *)((top - words * 8 - 64) & ~15UL);
    size_t w = 0;
    sp[w++] = argc;
    for (size_t i = 0; i < argc; i++)
        sp[w++] = (uint64_t)hi->argv[i];
    sp[w++] = 0;
    for (size_t i = 0; i < envc; i++)
        sp[w++] = (uint64_t)hi->envp[i];
    sp[w++] = 0;
    for (size_t i = 0; i < auxc; i++) {
        sp[w++] = hi->auxv[2 * i];
        sp[w++] = hi->auxv[2 * i + 1];
    }
    sp[w++] = AT_ENCLOS_SGX_BOOT;
    sp[w++] = (uint64_t)&boot;
    sp[w++] = AT_NULL;
    sp[w++] = 0;
    uint64_t entry = g_enclave.base + l->entry_offset;
    __asm__ volatile("mov %0, %%rsp\n\txor %%ebp, %%ebp\n\tjmp *%1" : : "r"(sp), "r"(entry));
    __builtin_unreachable();
}

static long build_enclave(const struct pal_config *cfg, char *err, size_t errlen) {
    uint64_t t0 = now_ns();
    struct sgx_boot *b = &g_enclave.boot;
    b->magic = SGX_BOOT_MAGIC;
    b->edmm = cfg->edmm;
    b->size = cfg->enclave_size ? cfg->enclave_size : enclave_default_size(cfg->edmm);
    b->preheat = cfg->edmm_preheat_size;
    b->lazyfree_threshold = cfg->edmm_lazyfree_threshold;
    b->max_threads = cfg->max_threads;
    struct enclave_layout_input in = {0};
    long r = read_host_file("/proc/self/exe", (uint8_t **)&in.runtime_elf, &in.runtime_elf_size);
    if (r < 0) {
        fmt_snprintf(err, errlen, "sgx-sim: cannot read the runtime image (error %ld)", -r);
        return r;
    }
    if (cfg->manifest_path) {
        r = read_host_file(cfg->manifest_path, (uint8_t **)&in.manifest, &in.manifest_size);
        if (r < 0) {
            fmt_snprintf(err, errlen, "%s: cannot read the manifest (error %ld)",
                         cfg->manifest_path, -r);
            return r;
        }
    }
    in.enclave_size = b->size;
    in.edmm = b->edmm;
    in.thread_slots = enclave_default_slots(cfg->max_threads, cfg->edmm);
    char why[256];
    if (enclave_layout_compute(&in, &b->layout, why, sizeof(why)) < 0) {
        fmt_snprintf(err, errlen, "sgx-sim: %s; raise sgx.enclave_size (or --enclave-size)", why);
        return -22;
    }
    const struct enclave_layout *l = &b->layout;
    uint64_t zone = runtime_zone_size(b->size);
    if (l->heap_end < l->heap_offset + zone + MIN_APP_WINDOW) {
        fmt_snprintf(err, errlen,
                     "sgx-sim: an enclave of %lu MiB leaves no room for the app next to the "
                     "runtime and %u thread slots; raise sgx.enclave_size (or --enclave-size)",
                     (unsigned long)(b->size >> 20), l->slot_count);
        return -12;
    }
    r = reserve_range(b->size, &b->base);
    if (r < 0) {
        fmt_snprintf(err, errlen,
                     "sgx-sim: cannot reserve %lu MiB of address space for the enclave (error "
                     "%ld); lower sgx.enclave_size",
                     (unsigned long)(b->size >> 20), -r);
        return r;
    }
    /* The EPCM is the CPU's: host memory outside the enclave, one entry per page. */
    uint64_t epcm_bytes = (b->size / SGX_PAGE) * sizeof(struct epcm_entry);
    long m = host_syscall6(__NR_mmap, 0, (long)epcm_bytes, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m < 0 && m > -4096) {
        fmt_snprintf(err, errlen, "sgx-sim: cannot allocate the page map (error %ld)", -m);
        return m;
    }
    b->epcm = (struct epcm_entry *)m;
    g_enclave.base = b->base;
    g_enclave.end = b->base + b->size;

    /* ECREATE, then EADD (and EEXTEND) of the initial enclave. */
    add_runtime(&in, l);
    uint64_t man = b->base + l->manifest_offset;
    if (l->manifest_size) {
        host_syscall3(__NR_mprotect, man, l->manifest_size, PROT_READ | PROT_WRITE);
        memcpy((void *)man, in.manifest, in.manifest_size);
        host_syscall3(__NR_mprotect, man, l->manifest_size, PROT_READ);
        for (uint64_t a = man; a < man + l->manifest_size; a += SGX_PAGE) {
            eadd(a, EPCM_R, EPCM_PT_REG);
            g_sgx.eextend += SGX_PAGE / 256;
        }
    }
    b->manifest_len = in.manifest_size;
    add_slots(l);
    if (!b->edmm) {
        /* SGX1: the whole heap is in the enclave from the start, RWX. */
        uint64_t lo = b->base + l->heap_offset, hi = b->base + l->heap_end;
        host_syscall3(__NR_mprotect, lo, hi - lo, PROT_READ | PROT_WRITE | PROT_EXEC);
        for (uint64_t a = lo; a < hi; a += SGX_PAGE)
            eadd(a, EPCM_RWX, EPCM_PT_REG);
    }
    r = enclave_measure(&in, l, b->mrenclave);
    if (r < 0) {
        fmt_snprintf(err, errlen, "sgx-sim: cannot measure the enclave (error %ld)", -r);
        return r;
    }
    if (cfg->manifest_path) {
        r = check_signature(cfg->manifest_path, err, errlen);
        if (r < 0)
            return r;
    }
    b->start_counts = g_sgx;
    b->build_ns = now_ns() - t0;
    b->log_fd = g_pal_log_fd;
    host_syscall2(__NR_munmap, in.runtime_elf, in.runtime_elf_size);
    enter();
}

/* Stage 2: the runtime copy inside the enclave takes the boot block from its auxv. */
void pal_start_prepare(struct pal_host_info *hi) {
    hi->pal_name = "sgx-sim";
    const struct sgx_boot *boot = NULL;
    for (uint64_t *a = hi->auxv; a[0] != AT_NULL; a += 2)
        if (a[0] == AT_ENCLOS_SGX_BOOT)
            boot = (const struct sgx_boot *)a[1];
    if (!boot || boot->magic != SGX_BOOT_MAGIC)
        return;
    g_enclave.boot = *boot;
    g_sgx = boot->start_counts;
    const struct enclave_layout *l = &g_enclave.boot.layout;
    g_enclave.inside = true;
    g_enclave.base = boot->base;
    g_enclave.end = boot->base + boot->size;
    uint64_t zone = runtime_zone_size(boot->size);
    g_enclave.zone_end = boot->base + l->heap_end;
    g_enclave.zone_start = g_enclave.zone_end - zone;
    g_enclave.app_start = boot->base + l->heap_offset;
    g_enclave.app_end = g_enclave.zone_start - SGX_PAGE;
    hi->app_mem_start = g_enclave.app_start;
    hi->app_mem_end = g_enclave.app_end;
    hi->manifest = boot->manifest_len ? (const char *)(boot->base + l->manifest_offset) : NULL;
    hi->manifest_size = boot->manifest_len;
    sgx_memory_init();
    sgx_threads_init();
}

long pal_configure(const struct pal_config *cfg, char *err, size_t errlen) {
    if (cfg->pal && !strcmp(cfg->pal, "direct")) {
        long r = host_pal_exec_sibling("enclos", pal_host_info()->argv);
        fmt_snprintf(err, errlen, "cannot start enclos, the runtime of the direct PAL (error %ld)",
                     -r);
        return r;
    }
    if (!g_enclave.inside)
        return build_enclave(cfg, err, errlen);
    /* Inside: the settings came from the measured manifest and must be what was built. */
    const struct sgx_boot *b = &g_enclave.boot;
    uint64_t size = cfg->enclave_size ? cfg->enclave_size : enclave_default_size(cfg->edmm);
    if (size != b->size || cfg->edmm != b->edmm) {
        fmt_snprintf(err, errlen,
                     "sgx-sim: the enclave was built with other settings than its "
                     "manifest's; refusing to run");
        return -1;
    }
    sgx_preheat(b->preheat);
    return 0;
}
