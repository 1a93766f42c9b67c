/* Shared parts of the socket syscalls (socket.c, socket_msg.c, socket_addr.c): the Linux
 * socket ABI that the UAPI headers leave to libc, and the helpers that move addresses
 * between the app and the host.
 *
 * Sockets are plain host descriptions (FILE_HOST over a host socket, host_file_ops), so
 * read, write, poll, fcntl and sendfile treat them like pipes. Addresses pass through,
 * except Unix socket paths: the app names files by virtual path, the host by host path
 * (socket_addr.c). */
#ifndef LIBOS_SYS_SOCKET_H
#define LIBOS_SYS_SOCKET_H

#include "libos/fd.h"
#include <stddef.h>
#include <stdint.h>
#include <linux/socket.h>
#include <linux/un.h>

#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_NETLINK 16

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xf
#define SOCK_CLOEXEC 02000000
#define SOCK_NONBLOCK 04000

#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_CTRUNC 0x8
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_WAITFORONE 0x10000
#define MSG_BATCH 0x40000
#define MSG_CMSG_CLOEXEC 0x40000000

#define SOL_SOCKET 1
#define SCM_RIGHTS 1

#define SOCKADDR_STORAGE_SIZE 128 /* struct sockaddr_storage */
#define SUN_PATH_OFFSET 2         /* offsetof(struct sockaddr_un, sun_path) */

struct iovec;

/* An address on its way between the app and the host. */
struct socket_address {
    union {
        struct __kernel_sockaddr_storage storage;
        struct sockaddr_un un;
        uint16_t family;
    };
    unsigned len;
    /* A Unix socket path as the app spelled it (empty for other addresses). */
    char app_path[UNIX_PATH_MAX + 1];
};

/* The kernel's user_msghdr. */
struct msghdr {
    void *msg_name;
    int msg_namelen;
    struct iovec *msg_iov;
    size_t msg_iovlen;
    void *msg_control;
    size_t msg_controllen;
    unsigned msg_flags;
};

struct mmsghdr {
    struct msghdr msg_hdr;
    unsigned msg_len;
};

struct cmsghdr {
    size_t cmsg_len;
    int cmsg_level;
    int cmsg_type;
};

#define CMSG_ALIGN(len) (((len) + sizeof(size_t) - 1) & ~(sizeof(size_t) - 1))
#define CMSG_HEADER_SIZE CMSG_ALIGN(sizeof(struct cmsghdr))

/* The description behind a socket fd, with a reference: -EBADF if fd is not open,
 * -ENOTSOCK if it cannot be a socket (a synthetic file). Host objects that are not sockets
 * are found out by the host, or by socket_check_error. */
long socket_lookup(int fd, struct libos_file **out);
/* What a call on f that failed with err before reaching the host returns: -ENOTSOCK if f
 * is no socket (Linux checks that first), else err. */
long socket_check_error(struct libos_file *f, long err);
/* A description for a new host socket (status flags O_RDWR, plus O_NONBLOCK if
 * nonblocking), or NULL (the handle is then closed). */
struct libos_file *socket_file_new(int handle, bool nonblocking);

/* Copies an app address of ulen bytes into out for the host (Linux's move_addr_to_kernel:
 * EINVAL for a length < 0 or > 128, EFAULT), translating a Unix socket path through the
 * mounts. */
long socket_address_import(const void *uaddr, int ulen, struct socket_address *out);
/* After a successful bind to addr (as imported), remembers how the app spelled the path,
 * so that the names the host reports later read as the app wrote them. */
void socket_address_bound(const struct socket_address *addr);
/* fork: the table of bound Unix socket paths is locked across the copy. */
void socket_bindings_fork_lock(void);
void socket_bindings_fork_unlock(void);
/* Turns an address the host reported into the app's form, in place. */
void socket_address_export(struct socket_address *addr);
/* Gives an address to the app as Linux's move_addr_to_user: copies as much as *ulen allows
 * and stores the full length in *ulen. EFAULT, or EINVAL for a negative *ulen. */
long socket_address_to_user(const struct socket_address *addr, void *uaddr, int *ulen);

#endif
