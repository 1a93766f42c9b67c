/* The app's initial stack, laid out as the Linux kernel does for a new program: argc,
 * argv[], NULL, envp[], NULL, auxv pairs, then the strings and AT_RANDOM bytes above. */
#include "loader/loader.h"
#include "libos/memory.h"
#include "libos/fs/mount.h"
#include "pal/pal.h"
#include "common/string.h"
#include <linux/auxvec.h>

#define PAGE 4096ULL
/* Linux puts the main stack just below the top of the user address space. */
#define STACK_TOP 0x7ffffffde000ULL

static uint64_t host_aux(unsigned long type) {
    for (const uint64_t *a = pal_host_info()->auxv; a[0] != AT_NULL; a += 2)
        if (a[0] == type)
            return a[1];
    return 0;
}

uint64_t loader_build_stack(const struct loaded_image *img, int argc, char **argv, char **envp,
                            const char *execfn, uint64_t stack_size) {
    stack_size = (stack_size + PAGE - 1) & ~(PAGE - 1);
    /* Linux's place, or the top of the app's window when that is lower (an enclave). */
    uint64_t low, high;
    libos_mem_window(&low, &high);
    uint64_t stack_top = high < STACK_TOP ? high : STACK_TOP;
    long base = libos_mem_map_app(stack_top - stack_size, stack_size,
                                  PAL_PROT_READ | PAL_PROT_WRITE |
                                      (img->elf.exec_stack ? PAL_PROT_EXEC : 0),
                                  LIBOS_MAP_STACK, -1, 0, "[stack]");
    if (base < 0)
        loader_fail(EXIT_ENCLOS_FAILURE,
                    "cannot map the app stack of %lu bytes; lower sys.stack.size",
                    (unsigned long)stack_size);
    /* Where Linux puts it when that range is free; below the runtime's own mappings when a
     * large sys.stack.size would reach them. */
    uint64_t top = (uint64_t)base + stack_size;
    char *p = (char *)top;

    int envc = 0;
    while (envp[envc])
        envc++;
    /* Strings first, at the top, as the kernel does. */
    size_t strings = strlen(execfn) + 1 + 16 + 16;
    for (int i = 0; i < argc; i++)
        strings += strlen(argv[i]) + 1;
    for (int i = 0; i < envc; i++)
        strings += strlen(envp[i]) + 1;
    size_t vectors = (size_t)(1 + argc + 1 + envc + 1 + 2 * 32) * 8;
    if (strings + vectors + 256 > stack_size)
        loader_fail(EXIT_ENCLOS_FAILURE,
                    "arguments and environment do not fit the %lu-byte stack; "
                    "raise sys.stack.size",
                    (unsigned long)stack_size);

    p -= 8; /* the kernel leaves a NULL word at the very top */
    memset(p, 0, 8);
    size_t l = strlen(execfn) + 1;
    p -= l;
    memcpy(p, execfn, l);
    char *execfn_copy = p;
    char *env_copy[envc + 1];
    char *arg_copy[argc + 1];
    for (int i = envc - 1; i >= 0; i--) {
        l = strlen(envp[i]) + 1;
        p -= l;
        memcpy(p, envp[i], l);
        env_copy[i] = p;
    }
    for (int i = argc - 1; i >= 0; i--) {
        l = strlen(argv[i]) + 1;
        p -= l;
        memcpy(p, argv[i], l);
        arg_copy[i] = p;
    }
    const char *platform = "x86_64";
    p -= 7;
    memcpy(p, platform, 7);
    char *platform_copy = p;
    p = (char *)((uint64_t)p & ~15ULL);
    p -= 16;
    pal_random(p, 16);
    char *random_bytes = p;

    uint64_t aux[2 * 32];
    int na = 0;
#define AUX(t, v)                                                                                  \
    do {                                                                                           \
        aux[na++] = (t);                                                                           \
        aux[na++] = (uint64_t)(v);                                                                 \
    } while (0)
    const struct pal_host_info *hi = pal_host_info();
    AUX(AT_SYSINFO_EHDR, hi->vdso_base);
    if (host_aux(AT_MINSIGSTKSZ))
        AUX(AT_MINSIGSTKSZ, host_aux(AT_MINSIGSTKSZ));
    AUX(AT_HWCAP, hi->hwcap);
    AUX(AT_PAGESZ, PAGE);
    AUX(AT_CLKTCK, hi->clock_ticks);
    AUX(AT_PHDR, img->elf.phdr_vaddr ? img->elf.phdr_vaddr + img->bias : 0);
    AUX(AT_PHENT, sizeof(Elf64_Phdr));
    AUX(AT_PHNUM, img->elf.phnum);
    AUX(AT_BASE, img->interp_base);
    AUX(AT_FLAGS, 0);
    AUX(AT_ENTRY, img->elf.entry + img->bias);
    AUX(AT_UID, host_aux(AT_UID));
    AUX(AT_EUID, host_aux(AT_EUID));
    AUX(AT_GID, host_aux(AT_GID));
    AUX(AT_EGID, host_aux(AT_EGID));
    AUX(AT_SECURE, 0);
    AUX(AT_RANDOM, random_bytes);
    if (hi->hwcap2)
        AUX(AT_HWCAP2, hi->hwcap2);
    AUX(AT_EXECFN, execfn_copy);
    AUX(AT_PLATFORM, platform_copy);
    AUX(AT_NULL, 0);
#undef AUX

    size_t words = 1 + (size_t)argc + 1 + (size_t)envc + 1 + (size_t)na;
    uint64_t *sp = (uint64_t *)(((uint64_t)p - words * 8) & ~15ULL);
    uint64_t *w = sp;
    *w++ = (uint64_t)argc;
    for (int i = 0; i < argc; i++)
        *w++ = (uint64_t)arg_copy[i];
    *w++ = 0;
    for (int i = 0; i < envc; i++)
        *w++ = (uint64_t)env_copy[i];
    *w++ = 0;
    memcpy(w, aux, (size_t)na * 8);
    fs_set_auxv(aux, (size_t)na * 8);
    size_t cmdline_len = 0;
    for (int i = 0; i < argc; i++)
        cmdline_len += strlen(argv[i]) + 1;
    /* argv strings sit back to back on the stack, as /proc/self/cmdline shows them */
    if (argc)
        fs_set_cmdline(arg_copy[0], cmdline_len);
    return (uint64_t)sp;
}
