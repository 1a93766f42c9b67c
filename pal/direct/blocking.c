/* Host calls that may wait. Today they are plain host syscalls, interrupted by any host
 * signal the runtime handles without SA_RESTART (such as the thread interrupt); the
 * signals work makes them the interruptible gate of design section 4. */
#include "pal/direct/internal.h"

long host_blocking_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
    return host_syscall6(nr, a1, a2, a3, a4, a5, a6);
}
