/* Host syscalls of the direct PAL. Every host syscall of the runtime goes through
 * host_syscall6 (or the other stubs) in gate.S: the one region the kernel catch allows. */
#ifndef PAL_DIRECT_HOST_H
#define PAL_DIRECT_HOST_H

#include <asm/unistd.h>

long host_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

/* A host syscall that may wait (accept, reads of pipes and sockets, waits): the one place
 * that makes such calls interruptible by app signals. */
long host_blocking_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
long host_blocking_syscall3(long nr, long a1, long a2, long a3);

#define host_syscall0(nr) host_syscall6((nr), 0, 0, 0, 0, 0, 0)
#define host_syscall1(nr, a) host_syscall6((nr), (long)(a), 0, 0, 0, 0, 0)
#define host_syscall2(nr, a, b) host_syscall6((nr), (long)(a), (long)(b), 0, 0, 0, 0)
#define host_syscall3(nr, a, b, c) host_syscall6((nr), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define host_syscall4(nr, a, b, c, d)                                                              \
    host_syscall6((nr), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define host_syscall5(nr, a, b, c, d, e)                                                           \
    host_syscall6((nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

#endif
