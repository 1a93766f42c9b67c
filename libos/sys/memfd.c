/* memfd_create: an anonymous host file (a host memfd), so reads, writes, sizes, seals and
 * mappings of it are those of any host file; /proc/self/fd/N names it as Linux does
 * ("/memfd:NAME (deleted)", from the host). */
#include "libos/syscall.h"
#include "libos/fd.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include "common/string.h"
#include <linux/fcntl.h>

#define MFD_CLOEXEC 0x1U
#define MFD_ALLOW_SEALING 0x2U
#define MFD_HUGETLB 0x4U
#define MFD_NOEXEC_SEAL 0x8U
#define MFD_EXEC 0x10U
#define MFD_HUGE_MASK (0x3fU << 26) /* the page size of MFD_HUGETLB, log2 */
#define MFD_NAME_MAX 249            /* NAME_MAX less the "memfd:" prefix */

SYSCALL(memfd_create, SUPPORT_FULL) {
    const char *uname = ARG_PTR(const char *, 0);
    unsigned flags = ARG_UINT(1);
    unsigned known = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC;
    if (flags & ~(known | MFD_HUGE_MASK))
        return -EINVAL;
    if ((flags & MFD_HUGE_MASK) && !(flags & MFD_HUGETLB))
        return -EINVAL;
    long len = uaccess_strlen(uname, MFD_NAME_MAX + 1);
    if (len == -ENAMETOOLONG)
        return -EINVAL;
    if (len < 0)
        return len;
    char name[MFD_NAME_MAX + 1];
    memcpy(name, uname, (size_t)len + 1);
    long h = pal_memfd_create(name, flags & ~MFD_CLOEXEC);
    if (h < 0)
        return h;
    return fd_install_host((int)h, O_RDWR | O_LARGEFILE, (flags & MFD_CLOEXEC) != 0);
}
