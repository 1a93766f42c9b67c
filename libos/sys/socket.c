/* Sockets over host sockets: creation, names, connections and options. The data calls are
 * in socket_msg.c, the address translation in socket_addr.c. A socket is a plain host
 * description; the LibOS checks every app pointer, moves addresses through its own
 * buffers, and passes the rest to the host.
 *
 * Families: Unix, IPv4, IPv6 and netlink (which libc and Go use to list interfaces and
 * addresses). Others fail with EAFNOSUPPORT. */
#include "libos/syscall.h"
#include "libos/sys/socket.h"
#include "libos/drain.h"
#include "libos/fs/vfs.h"
#include "libos/uaccess.h"
#include "pal/pal.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/string.h"
#include <asm/socket.h>
#include <asm/stat.h>
#include <linux/fcntl.h>
#include <linux/in.h>
#include <linux/stat.h>
#include <linux/tcp.h>

/* Option values are copied through a LibOS buffer of at most this size. */
#define OPTION_MAX 65536
#define OPTION_STACK 256

/* struct sock_fprog: a classic BPF program, by length and pointer. */
struct socket_filter_program {
    uint16_t len;
    const void *filter;
};
#define SOCK_FILTER_SIZE 8 /* struct sock_filter */

#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif
#ifndef SO_ATTACH_REUSEPORT_EBPF
#define SO_ATTACH_REUSEPORT_EBPF 52
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef TCP_ZEROCOPY_RECEIVE
#define TCP_ZEROCOPY_RECEIVE 35
#endif
#define SOL_IP 0
#define AF_MAX 46 /* families Linux knows: AF_MCTP is the last */
#define SOL_IPV6 41

long socket_lookup(int fd, struct libos_file **out) {
    struct libos_file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    if (f->handle < 0) {
        file_put(f);
        return -ENOTSOCK;
    }
    *out = f;
    return 0;
}

long socket_check_error(struct libos_file *f, long err) {
    struct stat st;
    if (f->handle < 0 || (pal_fstat(f->handle, &st) == 0 && !S_ISSOCK(st.st_mode)))
        return -ENOTSOCK;
    return err;
}

struct libos_file *socket_file_new(int handle, bool nonblocking) {
    struct libos_file *f = file_new_host(handle, O_RDWR | (nonblocking ? O_NONBLOCK : 0), NULL);
    if (!f)
        pal_close(handle);
    return f;
}

static bool family_supported(int domain) {
    if (domain == AF_UNIX || domain == AF_INET || domain == AF_INET6 || domain == AF_NETLINK)
        return true;
    if (domain < 0 || domain >= AF_MAX)
        return false; /* no such family on Linux either */
    static uint64_t warned;
    uint64_t bit = 1ULL << domain;
    if (!(__atomic_fetch_or(&warned, bit, __ATOMIC_RELAXED) & bit))
        log_warning("socket family %d is not supported (Unix, IPv4, IPv6 and netlink are); "
                    "returning EAFNOSUPPORT",
                    domain);
    return false;
}

SYSCALL(socket, SUPPORT_PARTIAL) {
    int domain = ARG_INT(0), type = ARG_INT(1), protocol = ARG_INT(2);
    if (type & ~(SOCK_TYPE_MASK | SOCK_CLOEXEC | SOCK_NONBLOCK))
        return -EINVAL;
    if (!family_supported(domain))
        return -EAFNOSUPPORT;
    long h = pal_socket(domain, type & ~SOCK_CLOEXEC, protocol);
    if (h < 0)
        return h;
    struct libos_file *f = socket_file_new((int)h, (type & SOCK_NONBLOCK) != 0);
    if (!f)
        return -ENOMEM;
    drain_socket_made(f, domain, type, protocol);
    return fd_install(f, 0, (type & SOCK_CLOEXEC) != 0);
}

SYSCALL(socketpair, SUPPORT_PARTIAL) {
    int domain = ARG_INT(0), type = ARG_INT(1), protocol = ARG_INT(2);
    int *usv = ARG_PTR(int *, 3);
    if (type & ~(SOCK_TYPE_MASK | SOCK_CLOEXEC | SOCK_NONBLOCK))
        return -EINVAL;
    if (!family_supported(domain))
        return -EAFNOSUPPORT;
    int handles[2];
    long r = pal_socketpair(domain, type & ~SOCK_CLOEXEC, protocol, handles);
    if (r < 0)
        return r;
    bool nonblocking = (type & SOCK_NONBLOCK) != 0;
    struct libos_file *ends[2] = {socket_file_new(handles[0], nonblocking),
                                  socket_file_new(handles[1], nonblocking)};
    long fds[2] = {-ENOMEM, -ENOMEM};
    if (ends[0] && ends[1] && (fds[0] = fd_reserve(0)) >= 0)
        fds[1] = fd_reserve(0);
    long err = fds[0] < 0 ? fds[0] : (fds[1] < 0 ? fds[1] : 0);
    /* As on Linux, the pair exists before the app's array is written. */
    if (err == 0 && !uaccess_ok(usv, 2 * sizeof(int), true))
        err = -EFAULT;
    if (err < 0) {
        for (int i = 0; i < 2; i++) {
            if (fds[i] >= 0)
                fd_unreserve((int)fds[i]);
            file_put(ends[i]);
        }
        return err;
    }
    for (int i = 0; i < 2; i++) {
        fd_install_reserved((int)fds[i], ends[i], (type & SOCK_CLOEXEC) != 0);
        usv[i] = (int)fds[i];
    }
    return 0;
}

SYSCALL(bind, SUPPORT_FULL) {
    struct libos_file *f;
    long r = socket_lookup(ARG_INT(0), &f);
    if (r < 0)
        return r;
    struct socket_address addr;
    r = socket_address_import(ARG_PTR(const void *, 1), ARG_INT(2), &addr);
    if (r < 0)
        r = socket_check_error(f, r);
    else if ((r = pal_bind(f->handle, &addr.storage, addr.len)) == 0)
        socket_address_bound(&addr);
    file_put(f);
    return r;
}

SYSCALL(connect, SUPPORT_FULL) {
    struct libos_file *f;
    long r = socket_lookup(ARG_INT(0), &f);
    if (r < 0)
        return r;
    struct socket_address addr;
    r = socket_address_import(ARG_PTR(const void *, 1), ARG_INT(2), &addr);
    if (r < 0)
        r = socket_check_error(f, r);
    else
        r = pal_connect(f->handle, &addr.storage, addr.len);
    file_put(f);
    return r;
}

SYSCALL(listen, SUPPORT_FULL) {
    struct libos_file *f;
    long r = socket_lookup(ARG_INT(0), &f);
    if (r < 0)
        return r;
    r = pal_listen(f->handle, ARG_INT(1));
    file_put(f);
    return r;
}

SYSCALL(shutdown, SUPPORT_FULL) {
    struct libos_file *f;
    long r = socket_lookup(ARG_INT(0), &f);
    if (r < 0)
        return r;
    drain_forget(f); /* after SHUT_RD a read gives 0 at once */
    r = pal_shutdown(f->handle, ARG_INT(1));
    file_put(f);
    return r;
}

/* accept4: the fd is taken before the wait, as on Linux (EMFILE does not consume a
 * connection); a bad address buffer fails after it, and the connection is dropped. */
static long do_accept(int fd, void *uaddr, int *ulen, int flags) {
    if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
        return -EINVAL;
    struct libos_file *f;
    long r = socket_lookup(fd, &f);
    if (r < 0)
        return r;
    long newfd = fd_reserve(0);
    if (newfd < 0) {
        file_put(f);
        return newfd;
    }
    struct socket_address addr;
    addr.len = SOCKADDR_STORAGE_SIZE;
    long h = pal_accept(f->handle, uaddr ? &addr.storage : NULL, uaddr ? &addr.len : NULL,
                        flags & SOCK_NONBLOCK);
    if (h >= 0 && uaddr) {
        socket_address_export(&addr);
        r = socket_address_to_user(&addr, uaddr, ulen);
        if (r < 0) {
            pal_close((int)h);
            h = r;
        }
    }
    struct libos_file *conn = h >= 0 ? socket_file_new((int)h, (flags & SOCK_NONBLOCK) != 0) : NULL;
    if (conn)
        drain_socket_accepted(conn, f);
    file_put(f);
    if (!conn) {
        fd_unreserve((int)newfd);
        return h < 0 ? h : -ENOMEM;
    }
    fd_install_reserved((int)newfd, conn, (flags & SOCK_CLOEXEC) != 0);
    return newfd;
}

SYSCALL(accept, SUPPORT_FULL) {
    return do_accept(ARG_INT(0), ARG_PTR(void *, 1), ARG_PTR(int *, 2), 0);
}

SYSCALL(accept4, SUPPORT_FULL) {
    return do_accept(ARG_INT(0), ARG_PTR(void *, 1), ARG_PTR(int *, 2), ARG_INT(3));
}

static long do_get_name(int fd, void *uaddr, int *ulen, bool peer) {
    struct libos_file *f;
    long r = socket_lookup(fd, &f);
    if (r < 0)
        return r;
    struct socket_address addr;
    addr.len = SOCKADDR_STORAGE_SIZE;
    r = peer ? pal_getpeername(f->handle, &addr.storage, &addr.len)
             : pal_getsockname(f->handle, &addr.storage, &addr.len);
    file_put(f);
    if (r < 0)
        return r;
    socket_address_export(&addr);
    return socket_address_to_user(&addr, uaddr, ulen);
}

SYSCALL(getsockname, SUPPORT_FULL) {
    return do_get_name(ARG_INT(0), ARG_PTR(void *, 1), ARG_PTR(int *, 2), false);
}

SYSCALL(getpeername, SUPPORT_FULL) {
    return do_get_name(ARG_INT(0), ARG_PTR(void *, 1), ARG_PTR(int *, 2), true);
}

/* ---- Options --------------------------------------------------------------------------- */

/* Options the LibOS does not pass on: firewall tables (their arguments hold pointers the
 * host would follow), zero-copy receive (maps pages into the app), and SO_PEERPIDFD (makes
 * a host fd). Linux answers ENOPROTOOPT for options it does not know. */
static bool option_refused(int level, int name) {
    if (level == SOL_IP || level == SOL_IPV6)
        return (name >= 64 && name <= 71) || (name >= 96 && name <= 99) ||
               (name >= 128 && name <= 135);
    if (level == IPPROTO_TCP)
        return name == TCP_ZEROCOPY_RECEIVE;
    return level == SOL_SOCKET && name == SO_PEERPIDFD;
}

/* Options whose value refers to app memory or app fds: the LibOS rewrites the value for the
 * host (in buf, len bytes). */
static long rewrite_option_value(int level, int name, void *buf, unsigned len) {
    if (level != SOL_SOCKET)
        return 0;
    if ((name == SO_ATTACH_FILTER || name == SO_ATTACH_REUSEPORT_CBPF) &&
        len >= sizeof(struct socket_filter_program)) {
        struct socket_filter_program *prog = buf;
        if (!uaccess_ok(prog->filter, (size_t)prog->len * SOCK_FILTER_SIZE, false))
            return -EFAULT;
    } else if ((name == SO_ATTACH_BPF || name == SO_ATTACH_REUSEPORT_EBPF) && len >= sizeof(int)) {
        int *fd = buf;
        struct libos_file *prog = fd_get(*fd);
        *fd = prog ? prog->handle : -1;
        file_put(prog);
    }
    return 0;
}

/* Options after which a read may stop short with something left (libos/drain.h):
 * SO_RCVLOWAT (data below the mark makes no event, yet a read returns it), a TCP upper
 * layer such as kTLS (reads end at record boundaries). */
static void note_receive_option(struct libos_file *f, int level, int name) {
    if (level == SOL_SOCKET && name == SO_RCVLOWAT)
        drain_mark(f, DRAIN_LOWAT);
    else if (level == IPPROTO_TCP && name == TCP_ULP)
        drain_mark(f, DRAIN_NEVER);
}

SYSCALL(setsockopt, SUPPORT_PARTIAL) {
    int level = ARG_INT(1), name = ARG_INT(2), optlen = ARG_INT(4);
    const void *uvalue = ARG_PTR(const void *, 3);
    if (optlen < 0)
        return -EINVAL;
    struct libos_file *f;
    long r = socket_lookup(ARG_INT(0), &f);
    if (r < 0)
        return r;
    unsigned len = optlen > OPTION_MAX ? OPTION_MAX : (unsigned)optlen;
    char stack_buf[OPTION_STACK];
    char *buf = len <= sizeof(stack_buf) ? stack_buf : rt_malloc(len);
    if (option_refused(level, name))
        r = -ENOPROTOOPT;
    else if (!buf)
        r = -ENOMEM;
    else if (!uaccess_ok(uvalue, len, false))
        r = -EFAULT;
    if (r == 0) {
        memcpy(buf, uvalue, len);
        r = rewrite_option_value(level, name, buf, len);
    }
    if (r == 0) {
        r = pal_setsockopt(f->handle, level, name, len ? buf : NULL, len);
        if (r == 0)
            note_receive_option(f, level, name);
    } else {
        r = socket_check_error(f, r);
    }
    if (buf != stack_buf)
        rt_free(buf);
    file_put(f);
    return r;
}

/* The value goes through a LibOS buffer holding what the app's buffer holds (some options
 * read their input from it), and only the bytes the host reports are copied back. */
SYSCALL(getsockopt, SUPPORT_PARTIAL) {
    int level = ARG_INT(1), name = ARG_INT(2);
    void *uvalue = ARG_PTR(void *, 3);
    int *ulen = ARG_PTR(int *, 4);
    struct libos_file *f;
    long r = socket_lookup(ARG_INT(0), &f);
    if (r < 0)
        return r;
    int want = 0;
    if (!uaccess_ok(ulen, sizeof(int), true))
        r = -EFAULT;
    else if ((want = *ulen) < 0)
        r = -EINVAL;
    else if (option_refused(level, name))
        r = -ENOPROTOOPT;
    if (r < 0) {
        r = socket_check_error(f, r);
        file_put(f);
        return r;
    }
    unsigned len = want > OPTION_MAX ? OPTION_MAX : (unsigned)want;
    char stack_buf[OPTION_STACK];
    char *buf = len <= sizeof(stack_buf) ? stack_buf : rt_malloc(len);
    if (!buf) {
        file_put(f);
        return -ENOMEM;
    }
    size_t readable = vfs_user_prefix(uvalue, len, false);
    memcpy(buf, uvalue, readable);
    memset(buf + readable, 0, len - readable);
    unsigned got = len;
    drain_forget(f); /* TCP_INFO and the like tell what has arrived */
    r = pal_getsockopt(f->handle, level, name, buf, &got);
    file_put(f);
    if (r == 0) {
        size_t out = got < len ? got : len;
        if (out && !uaccess_ok(uvalue, out, true))
            r = -EFAULT;
        else
            memcpy(uvalue, buf, out);
    }
    /* Linux reports the length also with some errors (ERANGE: the size needed). */
    if (r == 0 || got != len)
        *ulen = (int)got;
    if (buf != stack_buf)
        rt_free(buf);
    return r;
}
