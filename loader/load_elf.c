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

long loader_check_elf(int h, struct loaded_image *img, char *err, size_t errlen) {
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
    r = elf_check(head, (size_t)n, (uint64_t)st.st_size, &img->elf, err, errlen);
    spin_unlock(&head_lock);
    if (r < 0)
        return -ENOEXEC;
    if (img->elf.has_interp) {
        fmt_snprintf(err, errlen,
                     "dynamically linked programs (interpreter %s) are not supported yet; link "
                     "the program statically",
                     img->elf.interp[0] ? img->elf.interp : "?");
        return -ENOEXEC;
    }
    img->bias = img->elf.pie ? PIE_BASE - img->elf.min_vaddr : 0;
    img->brk_start = img->elf.max_vaddr + img->bias;
    return 0;
}

long loader_map_elf(int h, const struct loaded_image *img, const char *name) {
    for (unsigned i = 0; i < img->elf.phnum; i++) {
        const Elf64_Phdr *ph = &img->elf.phdrs[i];
        if (ph->p_type == PT_LOAD && ph->p_memsz) {
            long r = map_segment(ph, img->bias, h, name);
            if (r < 0)
                return r;
        }
    }
    return 0;
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
