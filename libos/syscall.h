/* How the LibOS defines its syscalls. Each family file (libos/sys/NAME.c) defines its
 * handlers with SYSCALL(name, level); the dispatcher collects them from the
 * "libos_syscalls" section into one table indexed by syscall number, so the list of what
 * is supported, and how well, is data (`enclos --list-syscalls` prints it). */
#ifndef LIBOS_SYSCALL_H
#define LIBOS_SYSCALL_H

#include <stdint.h>
#include <stdbool.h>
#include <asm/unistd.h>
#include <asm-generic/errno.h>
#include "common/hot.h"

enum syscall_support {
    SUPPORT_FULL,    /* Linux semantics */
    SUPPORT_PARTIAL, /* common uses work; the rest returns an errno, see docs */
    SUPPORT_STUB,    /* accepted and answered without effect (documented why) */
};

/* Syscall numbers the table covers (x86-64 numbers are below 512). */
#define SYSCALL_TABLE_SIZE 512

struct syscall_args {
    long arg[6];
};

typedef long (*syscall_handler)(const struct syscall_args *args);

struct syscall_desc {
    long nr;
    const char *name;
    enum syscall_support support;
    syscall_handler handler;
};

/* Defines handler sys_NAME(const struct syscall_args *a) for __NR_NAME. */
#define SYSCALL(name, level)                                                                       \
    static long sys_##name(const struct syscall_args *a);                                          \
    static const struct syscall_desc syscall_desc_##name                                           \
        __attribute__((used, section("libos_syscalls"), aligned(8))) = {__NR_##name, #name, level, \
                                                                        sys_##name};               \
    static long sys_##name(const struct syscall_args *a)

/* The same for the calls on the fast path of I/O-bound programs (see common/hot.h):
 * passthrough read and write, and the frequent calls after them. */
#define SYSCALL_HOT(name, level)                                                                   \
    static long sys_##name(const struct syscall_args *a) HOT_PATH;                                 \
    SYSCALL(name, level)
#define SYSCALL_WARM(name, level)                                                                  \
    static long sys_##name(const struct syscall_args *a) WARM_PATH;                                \
    SYSCALL(name, level)

/* Argument accessors that say what the argument is. */
#define ARG_INT(i) ((int)a->arg[i])
#define ARG_UINT(i) ((unsigned)a->arg[i])
#define ARG_LONG(i) (a->arg[i])
#define ARG_ULONG(i) ((unsigned long)a->arg[i])
#define ARG_PTR(type, i) ((type)(uintptr_t)a->arg[i])

const struct syscall_desc *syscall_lookup(long nr);
const char *syscall_name(long nr);

#endif
