/* Mapping the app's ELF image: PT_LOAD segments at their addresses (plus a bias for
 * static PIE) with their own protections; PT_TLS is the app's business. */
#include "loader/loader.h"
#include "libos/memory.h"
#include "pal/pal.h"
#include "common/fmt.h"
#include "common/log.h"
#include "common/string.h"
#include "common/spinlock.h"
#include "libos/libos.h"
#include "libos/fs/mount.h"
#include <asm-generic/errno.h>
#include <asm/stat.h>
#include <linux/stat.h>
#include <linux/fcntl.h>

#define PAGE 4096ULL
#define PAGE_DOWN(x) ((x) & ~(PAGE - 1))
#define PAGE_UP(x) (((x) + PAGE - 1) & ~(PAGE - 1))

/* Where static PIE programs go, as Linux places them without randomization. */
#define PIE_BASE 0x555555554000ULL

static int segment_prot(uint32_t flags) {
    return (flags & PF_R ? PAL_PROT_READ : 0) | (flags & PF_W ? PAL_PROT_WRITE : 0) |
           (flags & PF_X ? PAL_PROT_EXEC : 0);
}

static long map_segment(const Elf64_Phdr *ph, uint64_t bias, int handle, const char *name) {
    uint64_t vaddr = ph->p_vaddr + bias;
    uint64_t map_start = PAGE_DOWN(vaddr);
    uint64_t file_end = vaddr + ph->p_filesz;
    uint64_t mem_end = PAGE_UP(vaddr + ph->p_memsz);
    int prot = segment_prot(ph->p_flags);
    long r;
    if (ph->p_filesz) {
        uint64_t len = PAGE_UP(file_end) - map_start;
        /* Writable while we clear the bss head of the last file page. */
        int first_prot = prot | (ph->p_memsz > ph->p_filesz ? PAL_PROT_WRITE : 0);
        r = libos_mem_map_app(map_start, len, first_prot, LIBOS_MAP_FIXED | LIBOS_MAP_PRIVATE,
                              handle, PAGE_DOWN(ph->p_offset), name);
        if (r < 0)
            return r;
        if (ph->p_memsz > ph->p_filesz && (file_end & (PAGE - 1)))
            memset((void *)file_end, 0, PAGE - (file_end & (PAGE - 1)));
        if (first_prot != prot)
            libos_mem_protect_app(map_start, len, prot);
        map_start = PAGE_UP(file_end);
    }
    if (mem_end > map_start) {
        r = libos_mem_map_app(map_start, mem_end - map_start, prot,
                              LIBOS_MAP_FIXED | LIBOS_MAP_PRIVATE, -1, 0, name);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Reads and checks the ELF headers of h into info. */
/* The interpreter's path where the headers read did not reach it (libc.so.6 keeps its
 * PT_INTERP far into the file); elf_check has checked its size and place. */
static long read_interp_path(int h, struct elf_info *info, char *err, size_t errlen) {
    for (unsigned i = 0; i < info->phnum; i++) {
        const Elf64_Phdr *ph = &info->phdrs[i];
        if (ph->p_type != PT_INTERP)
            continue;
        long n = pal_pread(h, info->interp, ph->p_filesz, ph->p_offset);
        if (n != (long)ph->p_filesz) {
            fmt_snprintf(err, errlen, "cannot read its interpreter's path");
            return n < 0 ? n : -EIO;
        }
        info->interp[sizeof(info->interp) - 1] = 0;
        break;
    }
    return 0;
}

static long check_headers(int h, struct elf_info *info, char *err, size_t errlen) {
    struct stat st;
    long r = pal_fstat(h, &st);
    if (r < 0) {
        fmt_snprintf(err, errlen, "cannot stat the program");
        return r;
    }
    if ((st.st_mode & S_IFMT) == S_IFDIR) {
        fmt_snprintf(err, errlen, "is a directory, not a program");
        return -EACCES;
    }
    if ((st.st_mode & S_IFMT) != S_IFREG) {
        fmt_snprintf(err, errlen, "not a regular file");
        return -EACCES;
    }
    static unsigned char head[sizeof(Elf64_Ehdr) + ELF_MAX_PHDRS * sizeof(Elf64_Phdr) + 4096];
    static spinlock_t head_lock = SPINLOCK_INIT;
    spin_lock(&head_lock);
    long n = pal_pread(h, head, sizeof(head), 0);
    if (n < 0) {
        spin_unlock(&head_lock);
        fmt_snprintf(err, errlen, "cannot read the program");
        return n;
    }
    r = elf_check(head, (size_t)n, (uint64_t)st.st_size, info, err, errlen);
    spin_unlock(&head_lock);
    if (r < 0)
        return -ENOEXEC;
    return info->has_interp && !info->interp[0] ? read_interp_path(h, info, err, errlen) : 0;
}

/* Opens and checks a dynamic program's interpreter, named by a path the app would see. */
static long open_interp(struct loaded_image *img, char *err, size_t errlen) {
    static char host[4096];
    static spinlock_t host_lock = SPINLOCK_INIT;
    spin_lock(&host_lock);
    long r = fs_translate(img->elf.interp, host, sizeof(host));
    long h = r < 0 ? r : pal_open(host, O_RDONLY | O_CLOEXEC, 0);
    spin_unlock(&host_lock);
    if (h < 0) {
        fmt_snprintf(err, errlen, "cannot open its interpreter %s (%s)", img->elf.interp,
                     libos_errno_name(-h));
        return h == -EACCES ? -EACCES : -ENOENT;
    }
    char why[160];
    r = check_headers((int)h, &img->interp, why, sizeof(why));
    if (r == 0 && (img->interp.has_interp || !img->interp.pie)) {
        fmt_snprintf(why, sizeof(why), "not a shared object without an interpreter of its own");
        r = -ELIBBAD;
    }
    if (r < 0) {
        pal_close((int)h);
        fmt_snprintf(err, errlen, "interpreter %s: %s", img->elf.interp, why);
        return r == -ENOEXEC ? -ELIBBAD : r;
    }
    img->interp_handle = (int)h;
    return 0;
}

/* Linux's fixed base for a PIE program, when the app's window holds it; else a base an
 * eighth of the way into the window (an enclave), clear of the stack and mmap area above. */
static uint64_t pie_base(uint64_t span) {
    uint64_t low, high;
    libos_mem_window(&low, &high);
    if (PIE_BASE >= low && span < high && PIE_BASE < high - span)
        return PIE_BASE;
    return (low + (high - low) / 8 + (1ULL << 21) - 1) & ~((1ULL << 21) - 1);
}

long loader_check_elf(int h, struct loaded_image *img, char *err, size_t errlen) {
    img->interp_handle = -1;
    img->interp_base = 0;
    long r = check_headers(h, &img->elf, err, errlen);
    if (r < 0)
        return r;
    img->bias =
        img->elf.pie ? pie_base(img->elf.max_vaddr - img->elf.min_vaddr) - img->elf.min_vaddr : 0;
    img->brk_start = img->elf.max_vaddr + img->bias;
    img->start = img->elf.entry + img->bias;
    if (img->elf.has_interp)
        return open_interp(img, err, errlen);
    return 0;
}

void loader_release_image(struct loaded_image *img) {
    if (img->interp_handle >= 0)
        pal_close(img->interp_handle);
    img->interp_handle = -1;
}

static long map_segments(int h, const struct elf_info *elf, uint64_t bias, const char *name) {
    for (unsigned i = 0; i < elf->phnum; i++) {
        const Elf64_Phdr *ph = &elf->phdrs[i];
        if (ph->p_type == PT_LOAD && ph->p_memsz) {
            long r = map_segment(ph, bias, h, name);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

/* The interpreter goes where the LibOS places a mapping of its size, as Linux puts it in
 * the mmap area: its whole extent is reserved first, then the segments replace parts. */
static long map_interp(struct loaded_image *img) {
    uint64_t span = img->interp.max_vaddr - img->interp.min_vaddr;
    long base = libos_mem_map_app(0, span, 0, LIBOS_MAP_PRIVATE, -1, 0, NULL);
    if (base < 0)
        return base;
    uint64_t bias = (uint64_t)base - img->interp.min_vaddr;
    long r = map_segments(img->interp_handle, &img->interp, bias, img->elf.interp);
    if (r < 0)
        return r;
    img->interp_base = (uint64_t)base;
    img->start = img->interp.entry + bias;
    return 0;
}

long loader_map_elf(int h, struct loaded_image *img, const char *name) {
    long r = map_segments(h, &img->elf, img->bias, name);
    if (r >= 0 && img->interp_handle >= 0)
        r = map_interp(img);
    loader_release_image(img);
    return r;
}

void loader_load_elf(const char *host_path, const char *display, struct loaded_image *img) {
    long h = pal_open(host_path, O_RDONLY | O_CLOEXEC, 0);
    if (h == -ENOENT || h == -ENOTDIR)
        loader_fail(EXIT_PROGRAM_NOT_FOUND, "%s: program not found", display);
    if (h < 0)
        loader_fail(EXIT_ENCLOS_FAILURE, "%s: cannot open the program (%s)", display,
                    h == -EACCES ? "permission denied" : "open failed");
    char err[200];
    if (loader_check_elf((int)h, img, err, sizeof(err)) < 0)
        loader_fail(EXIT_ENCLOS_FAILURE, "%s: %s", display, err);
    long r = loader_map_elf((int)h, img, display);
    if (r < 0)
        loader_fail(EXIT_ENCLOS_FAILURE, "%s: cannot map the program (%s)", display,
                    libos_errno_name(-r));
    pal_close((int)h);
}
