/* The loader: reads the command line and the manifest, maps the app's ELF image, builds
 * its initial stack, and leaves the registers to start it in pal_tcb()->app. */
#ifndef LOADER_LOADER_H
#define LOADER_LOADER_H

#include <stdint.h>
#include <stddef.h>
#include "common/elf_check.h"

/* Exit statuses of enclos itself, as the CLI documents them. */
#define EXIT_ENCLOS_FAILURE 125
#define EXIT_PROGRAM_NOT_FOUND 127

/* Loads the program at host_path; fills info and the load bias. Prints one clear line and
 * exits 125/127 on failure. */
struct loaded_image {
    struct elf_info elf;
    uint64_t bias;      /* added to every vaddr (0 for non-PIE) */
    uint64_t brk_start; /* page-aligned end of the highest segment */
    uint64_t start;     /* where the process starts: the program's or its interpreter's entry */
    /* A dynamic program's interpreter (PT_INTERP, ld.so): checked and open until mapped. */
    struct elf_info interp;
    int interp_handle; /* -1 when there is none */
    uint64_t interp_base;
};

void loader_load_elf(const char *host_path, const char *display_name, struct loaded_image *img);
/* The two steps of loader_load_elf for execve, which must refuse a bad program before it
 * destroys the caller: checking the headers of the open program h and, for a dynamic
 * program, opening and checking its interpreter (-ENOEXEC, -EACCES, -ENOENT, -ELIBBAD...
 * with a reason in err); then mapping both. loader_release_image closes what a check left
 * open when the program is not mapped after all. */
long loader_check_elf(int h, struct loaded_image *img, char *err, size_t errlen);
long loader_map_elf(int h, struct loaded_image *img, const char *name);
void loader_release_image(struct loaded_image *img);
/* Sets the process up to run a mapped image: /proc/self/exe, the break, the initial
 * stack, and the registers in pal_tcb()->app. */
void loader_start_image(const struct loaded_image *img, const char *exe_path, const char *execfn,
                        int argc, char **argv, char **envp);

/* Builds the initial stack (argv, envp, auxv) and returns the app's starting rsp. */
uint64_t loader_build_stack(const struct loaded_image *img, int argc, char **argv, char **envp,
                            const char *execfn, uint64_t stack_size);

__attribute__((noreturn)) void loader_fail(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* When program (host_path: where it is on the host) is a `#!` script, follows its
 * interpreters as execve does: rewrites argc/argv, leaves the ELF program's host path in
 * host_path and returns its path as the app sees it. Exits with one line when an
 * interpreter is missing or a `#!` line is bad; fix ends that line (how to repair it). */
const char *loader_follow_scripts(const char *program, char *host_path, size_t host_size, int *argc,
                                  char ***argv, const char *fix);

/* Parses the command line and manifest, loads the app, and prepares its entry. */
void loader_main(int argc, char **argv, char **envp);

#endif
