/* Time through the host vDSO, so clock reads cost no host syscall. The vDSO is an ELF
 * image the kernel maps into every process; its dynamic symbol table names the entries. */
#include "pal/direct/internal.h"
#include "common/string.h"
#include <linux/elf.h>
#include <linux/time_types.h>

typedef long (*vdso_clock_fn)(int clock, struct __kernel_timespec *ts);
static vdso_clock_fn g_vdso_clock_gettime;
static vdso_clock_fn g_vdso_clock_getres;

static void *vdso_lookup(const Elf64_Ehdr *eh, const char *want) {
    const Elf64_Phdr *ph = (const Elf64_Phdr *)((const char *)eh + eh->e_phoff);
    uintptr_t load_bias = 0;
    const Elf64_Dyn *dyn = NULL;
    bool have_load = false;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && !have_load) {
            load_bias = (uintptr_t)eh + ph[i].p_offset - ph[i].p_vaddr;
            have_load = true;
        } else if (ph[i].p_type == PT_DYNAMIC) {
            dyn = (const Elf64_Dyn *)((const char *)eh + ph[i].p_offset);
        }
    }
    if (!dyn || !have_load)
        return NULL;
    const Elf64_Sym *symtab = NULL;
    const char *strtab = NULL;
    const uint32_t *hash = NULL;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        if (dyn->d_tag == DT_SYMTAB)
            symtab = (const Elf64_Sym *)(load_bias + dyn->d_un.d_ptr);
        else if (dyn->d_tag == DT_STRTAB)
            strtab = (const char *)(load_bias + dyn->d_un.d_ptr);
        else if (dyn->d_tag == DT_HASH)
            hash = (const uint32_t *)(load_bias + dyn->d_un.d_ptr);
    }
    if (!symtab || !strtab || !hash)
        return NULL;
    uint32_t nsyms = hash[1];
    for (uint32_t i = 0; i < nsyms; i++) {
        const Elf64_Sym *s = &symtab[i];
        if (s->st_shndx && !strcmp(strtab + s->st_name, want))
            return (void *)(load_bias + s->st_value);
    }
    return NULL;
}

void pal_time_init(void *vdso_base) {
    if (!vdso_base)
        return;
    const Elf64_Ehdr *eh = vdso_base;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
        return;
    g_vdso_clock_gettime = (vdso_clock_fn)vdso_lookup(eh, "__vdso_clock_gettime");
    g_vdso_clock_getres = (vdso_clock_fn)vdso_lookup(eh, "__vdso_clock_getres");
}

long pal_clock_gettime(int clock, struct __kernel_timespec *ts) {
    if (g_vdso_clock_gettime)
        return g_vdso_clock_gettime(clock, ts);
    return host_syscall2(__NR_clock_gettime, clock, ts);
}

long pal_clock_getres(int clock, struct __kernel_timespec *ts) {
    if (g_vdso_clock_getres)
        return g_vdso_clock_getres(clock, ts);
    return host_syscall2(__NR_clock_getres, clock, ts);
}

long pal_clock_nanosleep(int clock, int flags, const struct __kernel_timespec *req,
                         struct __kernel_timespec *rem) {
    return host_blocking_syscall(__NR_clock_nanosleep, clock, flags, (long)req, (long)rem, 0, 0);
}

long pal_random(void *buf, size_t n) {
    size_t done = 0;
    while (done < n) {
        long r = host_syscall3(__NR_getrandom, (char *)buf + done, n - done, 0);
        if (r < 0)
            return r;
        done += (size_t)r;
    }
    return (long)n;
}
