/* Sockets on one thread: loopback TCP driven from both ends with non-blocking sockets and
 * poll, UDP to self, Unix socket pairs, Unix sockets bound to paths and abstract names,
 * fd passing with SCM_RIGHTS, options, and the error cases. Port numbers and fd numbers
 * are never printed: only facts equal on every run. */
#include "testlib.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#ifndef SYS_accept4
#define SYS_accept4 288
#endif
#ifndef SYS_recvmmsg
#define SYS_recvmmsg 299
#endif
#ifndef SYS_sendmmsg
#define SYS_sendmmsg 307
#endif
#ifndef SYS_splice
#define SYS_splice 275
#endif
#ifndef SYS_tee
#define SYS_tee 276
#endif
#ifndef SO_DOMAIN
#define SO_DOMAIN 39
#endif

#define WAIT_MS 5000

/* Names of the network errnos, which testlib.h does not know. */
static void expect_net_err(const char *label, long result, int err) {
    static const struct {
        int number;
        const char *name;
    } names[] = {
        {EAFNOSUPPORT, "EAFNOSUPPORT"},
        {ENOTCONN, "ENOTCONN"},
        {EISCONN, "EISCONN"},
        {ECONNREFUSED, "ECONNREFUSED"},
        {EADDRINUSE, "EADDRINUSE"},
        {EINPROGRESS, "EINPROGRESS"},
        {EMSGSIZE, "EMSGSIZE"},
        {EDESTADDRREQ, "EDESTADDRREQ"},
        {ENOBUFS, "ENOBUFS"},
        {ENOPROTOOPT, "ENOPROTOOPT"},
        {ESPIPE, "ESPIPE"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].number == err && result == -err) {
            tl_checks++;
            printf("%s: %s\n", label, names[i].name);
            return;
        }
    }
    tl_expect_err(label, result, err);
}
#undef EXPECT_ERR
#define EXPECT_ERR(label, result, err) expect_net_err((label), (long)(result), (err))

/* Waits until fd has one of events; returns the revents (0 on timeout). */
static int wait_for(int fd, short events) {
    struct pollfd pfd = {.fd = fd, .events = events};
    long r = RAW(SYS_poll, &pfd, 1, WAIT_MS);
    return r == 1 ? pfd.revents : 0;
}

static struct sockaddr_in loopback(unsigned short port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int make_socket(int domain, int type) {
    int fd = (int)RAW(SYS_socket, domain, type, 0);
    if (fd < 0) {
        errno = -fd;
        tl_die("socket");
    }
    return fd;
}

static struct sockaddr_in name_of(int fd) {
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    memset(&a, 0, sizeof(a));
    if (RAW(SYS_getsockname, fd, &a, &len) != 0)
        tl_die("getsockname");
    return a;
}

static bool same_inet(const struct sockaddr_in *a, const struct sockaddr_in *b) {
    return a->sin_family == b->sin_family && a->sin_port == b->sin_port &&
           a->sin_addr.s_addr == b->sin_addr.s_addr;
}

/* A port nothing listens on: bound once, then released. */
static unsigned short free_port(void) {
    int fd = make_socket(AF_INET, SOCK_STREAM);
    struct sockaddr_in a = loopback(0);
    if (RAW(SYS_bind, fd, &a, sizeof(a)) != 0)
        tl_die("bind port 0");
    a = name_of(fd);
    RAW(SYS_close, fd);
    return ntohs(a.sin_port);
}

static void check_errors(void) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0)
        tl_die("pipe");
    tl_write_file("net.file", "x", 1, 0644);
    int file = (int)RAW(SYS_open, "net.file", O_RDONLY);
    struct sockaddr_in a = loopback(0);
    int one = 1;
    socklen_t len = sizeof(one);

    EXPECT_ERR("socket with unknown type flags", RAW(SYS_socket, AF_INET, SOCK_STREAM | 0x100, 0),
               EINVAL);
    EXPECT_ERR("socket with a bad type", RAW(SYS_socket, AF_INET, 99, 0), EINVAL);
    EXPECT_ERR("socket with an unknown family", RAW(SYS_socket, 12345, SOCK_STREAM, 0),
               EAFNOSUPPORT);
    EXPECT_ERR("bind on a closed fd", RAW(SYS_bind, 999, &a, sizeof(a)), EBADF);
    EXPECT_ERR("bind on a pipe", RAW(SYS_bind, pipe_fds[0], &a, sizeof(a)), ENOTSOCK);
    EXPECT_ERR("bind on a file with a bad address", RAW(SYS_bind, file, BAD_PTR, sizeof(a)),
               ENOTSOCK);
    EXPECT_ERR("listen on a pipe", RAW(SYS_listen, pipe_fds[0], 1), ENOTSOCK);
    EXPECT_ERR("connect on a closed fd", RAW(SYS_connect, 999, &a, sizeof(a)), EBADF);
    EXPECT_ERR("getsockname on a file", RAW(SYS_getsockname, file, &a, &len), ENOTSOCK);
    EXPECT_ERR("setsockopt on a pipe",
               RAW(SYS_setsockopt, pipe_fds[1], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)),
               ENOTSOCK);
    EXPECT_ERR("sendto on a pipe", RAW(SYS_sendto, pipe_fds[1], "x", 1, 0, NULL, 0), ENOTSOCK);
    EXPECT_ERR("recvfrom on a closed fd", RAW(SYS_recvfrom, 999, &one, 1, 0, NULL, NULL), EBADF);
    EXPECT_ERR("shutdown on a file", RAW(SYS_shutdown, file, SHUT_RD), ENOTSOCK);

    int tcp = make_socket(AF_INET, SOCK_STREAM);
    EXPECT_ERR("bind with a bad address pointer", RAW(SYS_bind, tcp, BAD_PTR, sizeof(a)), EFAULT);
    EXPECT_ERR("bind with a negative length", RAW(SYS_bind, tcp, &a, -1), EINVAL);
    EXPECT_ERR("bind with a length beyond sockaddr_storage", RAW(SYS_bind, tcp, &a, 200), EINVAL);
    EXPECT_ERR("bind with a short address", RAW(SYS_bind, tcp, &a, 4), EINVAL);
    EXPECT_ERR("getsockname with a NULL length", RAW(SYS_getsockname, tcp, &a, NULL), EFAULT);
    int negative = -1;
    EXPECT_ERR("getsockname with a negative length", RAW(SYS_getsockname, tcp, &a, &negative),
               EINVAL);
    EXPECT_ERR("getpeername unconnected", RAW(SYS_getpeername, tcp, &a, &len), ENOTCONN);
    EXPECT_ERR("accept on a socket not listening", RAW(SYS_accept, tcp, NULL, NULL), EINVAL);
    EXPECT_ERR("accept4 with bad flags", RAW(SYS_accept4, tcp, NULL, NULL, 0x1), EINVAL);
    EXPECT_ERR("recv unconnected", RAW(SYS_recvfrom, tcp, &one, 1, MSG_DONTWAIT, NULL, NULL),
               ENOTCONN);
    EXPECT_ERR("send unconnected",
               RAW(SYS_sendto, tcp, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT, NULL, 0), EPIPE);
    EXPECT_ERR("shutdown with a bad how", RAW(SYS_shutdown, tcp, 99), EINVAL);
    EXPECT_ERR("shutdown unconnected", RAW(SYS_shutdown, tcp, SHUT_RDWR), ENOTCONN);
    EXPECT_ERR("setsockopt with a negative length",
               RAW(SYS_setsockopt, tcp, SOL_SOCKET, SO_REUSEADDR, &one, -1), EINVAL);
    EXPECT_ERR("setsockopt with a bad value pointer",
               RAW(SYS_setsockopt, tcp, SOL_SOCKET, SO_REUSEADDR, BAD_PTR, sizeof(int)), EFAULT);
    EXPECT_ERR("setsockopt with a short value",
               RAW(SYS_setsockopt, tcp, SOL_SOCKET, SO_REUSEADDR, &one, 2), EINVAL);
    EXPECT_ERR("getsockopt with a bad length pointer",
               RAW(SYS_getsockopt, tcp, SOL_SOCKET, SO_TYPE, &one, BAD_PTR), EFAULT);
    len = sizeof(one);
    EXPECT_ERR("getsockopt with a bad value pointer",
               RAW(SYS_getsockopt, tcp, SOL_SOCKET, SO_TYPE, BAD_PTR, &len), EFAULT);
    len = sizeof(one);
    EXPECT_ERR("getsockopt of an unknown option",
               RAW(SYS_getsockopt, tcp, SOL_SOCKET, 9999, &one, &len), ENOPROTOOPT);
    EXPECT_ERR("sendmsg with a bad header", RAW(SYS_sendmsg, tcp, BAD_PTR, 0), EFAULT);
    EXPECT_ERR("recvmsg with a bad header", RAW(SYS_recvmsg, tcp, BAD_PTR, 0), EFAULT);

    int udp = make_socket(AF_INET, SOCK_DGRAM);
    EXPECT_ERR("listen on a UDP socket", RAW(SYS_listen, udp, 1), EOPNOTSUPP);
    struct sockaddr_in discard = loopback(9);
    EXPECT_ERR("sendto with a bad buffer",
               RAW(SYS_sendto, udp, BAD_PTR, 10, 0, &discard, sizeof(discard)), EFAULT);
    struct iovec iov = {.iov_base = "x", .iov_len = 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    msg.msg_name = &discard;
    msg.msg_namelen = -1;
    EXPECT_ERR("sendmsg with a negative name length", RAW(SYS_sendmsg, udp, &msg, 0), EINVAL);
    msg.msg_namelen = sizeof(a);
    msg.msg_iovlen = 1025;
    EXPECT_ERR("sendmsg with too many buffers", RAW(SYS_sendmsg, udp, &msg, 0), EMSGSIZE);
    msg.msg_iovlen = 1;
    msg.msg_iov = BAD_PTR;
    EXPECT_ERR("sendmsg with a bad iovec", RAW(SYS_sendmsg, udp, &msg, 0), EFAULT);
    msg.msg_iov = &iov;
    iov.iov_base = BAD_PTR;
    EXPECT_ERR("sendmsg with a bad buffer", RAW(SYS_sendmsg, udp, &msg, 0), EFAULT);
    iov.iov_base = "x";
    msg.msg_name = BAD_PTR;
    EXPECT_ERR("sendmsg with a bad name", RAW(SYS_sendmsg, udp, &msg, 0), EFAULT);
    msg.msg_name = NULL;
    EXPECT_ERR("sendmsg unconnected without a name", RAW(SYS_sendmsg, udp, &msg, 0), EDESTADDRREQ);
    EXPECT_ERR("sendmsg with MSG_CMSG_COMPAT", RAW(SYS_sendmsg, udp, &msg, 0x80000000), EINVAL);
    /* The kernel's msghdr: musl's has a 32-bit msg_controllen and padding. */
    struct {
        void *name;
        int namelen;
        struct iovec *iov;
        size_t iovlen;
        void *control;
        size_t controllen;
        unsigned flags;
    } kmsg = {&a, sizeof(a), &iov, 1, &a, 1UL << 32, 0};
    EXPECT_ERR("sendmsg with huge control data", RAW(SYS_sendmsg, udp, &kmsg, 0), ENOBUFS);

    RAW(SYS_close, tcp);
    RAW(SYS_close, udp);
    RAW(SYS_close, file);
    RAW(SYS_close, pipe_fds[0]);
    RAW(SYS_close, pipe_fds[1]);
}

static void check_options(void) {
    int tcp = make_socket(AF_INET, SOCK_STREAM);
    int value = 0;
    socklen_t len = sizeof(value);
    EXPECT_OK("getsockopt SO_TYPE", RAW(SYS_getsockopt, tcp, SOL_SOCKET, SO_TYPE, &value, &len));
    EXPECT_VAL("SO_TYPE is SOCK_STREAM", value, SOCK_STREAM);
    EXPECT_VAL("SO_TYPE length", len, sizeof(int));
    len = sizeof(value);
    RAW(SYS_getsockopt, tcp, SOL_SOCKET, SO_DOMAIN, &value, &len);
    EXPECT_VAL("SO_DOMAIN is AF_INET", value, AF_INET);
    value = 1;
    EXPECT_OK("set SO_REUSEADDR",
              RAW(SYS_setsockopt, tcp, SOL_SOCKET, SO_REUSEADDR, &value, sizeof(value)));
    value = 0;
    len = sizeof(value);
    RAW(SYS_getsockopt, tcp, SOL_SOCKET, SO_REUSEADDR, &value, &len);
    EXPECT_VAL("SO_REUSEADDR reads back", value, 1);
    value = 1;
    EXPECT_OK("set TCP_NODELAY",
              RAW(SYS_setsockopt, tcp, IPPROTO_TCP, TCP_NODELAY, &value, sizeof(value)));
    value = 0;
    len = sizeof(value);
    RAW(SYS_getsockopt, tcp, IPPROTO_TCP, TCP_NODELAY, &value, &len);
    EXPECT_VAL("TCP_NODELAY reads back", value, 1);
    unsigned char small[2] = {0xee, 0xee};
    len = 2;
    EXPECT_OK("getsockopt into a 2-byte buffer",
              RAW(SYS_getsockopt, tcp, SOL_SOCKET, SO_TYPE, small, &len));
    EXPECT_VAL("short getsockopt length", len, 2);
    EXPECT_VAL("short getsockopt value", small[0] | small[1] << 8, SOCK_STREAM);
    struct linger linger = {1, 5};
    EXPECT_OK("set SO_LINGER",
              RAW(SYS_setsockopt, tcp, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger)));
    memset(&linger, 0, sizeof(linger));
    len = sizeof(linger);
    RAW(SYS_getsockopt, tcp, SOL_SOCKET, SO_LINGER, &linger, &len);
    EXPECT_TRUE("SO_LINGER reads back", linger.l_onoff == 1 && linger.l_linger == 5);
    struct timeval tv = {2, 500000};
    EXPECT_OK("set SO_RCVTIMEO",
              RAW(SYS_setsockopt, tcp, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
    memset(&tv, 0, sizeof(tv));
    len = sizeof(tv);
    RAW(SYS_getsockopt, tcp, SOL_SOCKET, SO_RCVTIMEO, &tv, &len);
    EXPECT_TRUE("SO_RCVTIMEO reads back", tv.tv_sec == 2 && tv.tv_usec == 500000);
    RAW(SYS_close, tcp);
}

static void check_tcp(void) {
    int listener = make_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC);
    EXPECT_VAL("SOCK_CLOEXEC sets FD_CLOEXEC", LIBC(fcntl(listener, F_GETFD)), FD_CLOEXEC);
    EXPECT_VAL("SOCK_NONBLOCK sets O_NONBLOCK", LIBC(fcntl(listener, F_GETFL)) & O_NONBLOCK,
               O_NONBLOCK);
    struct sockaddr_in a = loopback(0);
    EXPECT_OK("bind 127.0.0.1 port 0", RAW(SYS_bind, listener, &a, sizeof(a)));
    EXPECT_OK("listen", RAW(SYS_listen, listener, 4));
    struct sockaddr_in server = name_of(listener);
    EXPECT_TRUE("bound name is 127.0.0.1 with a port",
                server.sin_family == AF_INET && server.sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
                    server.sin_port != 0);
    EXPECT_ERR("accept with nothing pending", RAW(SYS_accept4, listener, NULL, NULL, 0), EAGAIN);

    int other = make_socket(AF_INET, SOCK_STREAM);
    EXPECT_ERR("bind to a port in use", RAW(SYS_bind, other, &server, sizeof(server)), EADDRINUSE);
    RAW(SYS_close, other);

    int client = make_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    long r = RAW(SYS_connect, client, &server, sizeof(server));
    EXPECT_TRUE("non-blocking connect starts", r == 0 || r == -EINPROGRESS);
    EXPECT_TRUE("client becomes writable", wait_for(client, POLLOUT) & POLLOUT);
    int error = -1;
    socklen_t len = sizeof(error);
    RAW(SYS_getsockopt, client, SOL_SOCKET, SO_ERROR, &error, &len);
    EXPECT_VAL("SO_ERROR after connect", error, 0);
    EXPECT_TRUE("listener becomes readable", wait_for(listener, POLLIN) & POLLIN);

    struct sockaddr_in peer;
    int peer_len = 100;
    memset(&peer, 0, sizeof(peer));
    int conn = (int)RAW(SYS_accept4, listener, &peer, &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    EXPECT_OK("accept4", conn);
    EXPECT_VAL("accepted address length", peer_len, sizeof(struct sockaddr_in));
    struct sockaddr_in client_name = name_of(client);
    EXPECT_TRUE("accepted peer is the client", same_inet(&peer, &client_name));
    EXPECT_VAL("accept4 SOCK_CLOEXEC", LIBC(fcntl(conn, F_GETFD)), FD_CLOEXEC);
    EXPECT_VAL("accept4 SOCK_NONBLOCK", LIBC(fcntl(conn, F_GETFL)) & O_NONBLOCK, O_NONBLOCK);
    struct sockaddr_in conn_name = name_of(conn);
    EXPECT_TRUE("accepted socket's name is the server's", same_inet(&conn_name, &server));
    struct sockaddr_in client_peer;
    len = sizeof(client_peer);
    EXPECT_OK("getpeername", RAW(SYS_getpeername, client, &client_peer, &len));
    EXPECT_TRUE("client's peer is the server", same_inet(&client_peer, &server));
    EXPECT_OK("connect again completes the connect",
              RAW(SYS_connect, client, &server, sizeof(server)));
    EXPECT_ERR("connect once more", RAW(SYS_connect, client, &server, sizeof(server)), EISCONN);

    char buf[64] = {0};
    EXPECT_ERR("recv with nothing sent", RAW(SYS_recvfrom, conn, buf, sizeof(buf), 0, NULL, NULL),
               EAGAIN);
    EXPECT_VAL("send hello", RAW(SYS_sendto, client, "hello", 5, 0, NULL, 0), 5);
    EXPECT_TRUE("server becomes readable", wait_for(conn, POLLIN) & POLLIN);
    int pending = 0;
    EXPECT_OK("FIONREAD", RAW(SYS_ioctl, conn, FIONREAD, &pending));
    EXPECT_VAL("FIONREAD counts the bytes", pending, 5);
    EXPECT_VAL("recv peek", RAW(SYS_recvfrom, conn, buf, sizeof(buf), MSG_PEEK, NULL, NULL), 5);
    memset(buf, 0, sizeof(buf));
    struct sockaddr_in from;
    int from_len = sizeof(from);
    EXPECT_VAL("recvfrom", RAW(SYS_recvfrom, conn, buf, sizeof(buf), 0, &from, &from_len), 5);
    EXPECT_STR("received", buf, "hello");
    EXPECT_VAL("recvfrom on TCP has no address", from_len, 0);

    /* Vectored both ways, through sendmsg/recvmsg and readv/writev. */
    struct iovec out[3] = {{"one ", 4}, {"two ", 4}, {"three", 5}};
    struct msghdr msg = {.msg_iov = out, .msg_iovlen = 3};
    EXPECT_VAL("sendmsg of three buffers", RAW(SYS_sendmsg, client, &msg, 0), 13);
    wait_for(conn, POLLIN);
    char part1[6] = {0}, part2[16] = {0};
    struct iovec in[2] = {{part1, 5}, {part2, sizeof(part2) - 1}};
    struct sockaddr_in name;
    struct msghdr rmsg = {
        .msg_name = &name, .msg_namelen = sizeof(name), .msg_iov = in, .msg_iovlen = 2};
    EXPECT_VAL("recvmsg into two buffers", RAW(SYS_recvmsg, conn, &rmsg, 0), 13);
    EXPECT_STR("first buffer", part1, "one t");
    EXPECT_STR("second buffer", part2, "wo three");
    EXPECT_VAL("recvmsg on TCP has no name", rmsg.msg_namelen, 0);
    EXPECT_VAL("recvmsg flags", rmsg.msg_flags, 0);
    EXPECT_VAL("write on a socket", RAW(SYS_write, conn, "back", 4), 4);
    wait_for(client, POLLIN);
    memset(buf, 0, sizeof(buf));
    EXPECT_VAL("read on a socket", RAW(SYS_read, client, buf, sizeof(buf)), 4);
    EXPECT_STR("read data", buf, "back");

    /* splice from the socket into a pipe, tee it, and splice a file into the socket. */
    int pipe_fds[2], copy_fds[2];
    if (pipe(pipe_fds) != 0 || pipe(copy_fds) != 0)
        tl_die("pipe");
    RAW(SYS_sendto, client, "spliced", 7, 0, NULL, 0);
    wait_for(conn, POLLIN);
    EXPECT_VAL("splice socket to pipe", RAW(SYS_splice, conn, NULL, pipe_fds[1], NULL, 64, 0), 7);
    EXPECT_VAL("tee the pipe", RAW(SYS_tee, pipe_fds[0], copy_fds[1], 64, 0), 7);
    memset(buf, 0, sizeof(buf));
    EXPECT_VAL("read the pipe", RAW(SYS_read, pipe_fds[0], buf, sizeof(buf)), 7);
    EXPECT_STR("spliced data", buf, "spliced");
    EXPECT_VAL("splice pipe to socket", RAW(SYS_splice, copy_fds[0], NULL, conn, NULL, 64, 0), 7);
    tl_write_file("splice.file", "0123456789", 10, 0644);
    int file = (int)RAW(SYS_open, "splice.file", O_RDONLY);
    loff_t offset = 4;
    EXPECT_VAL("splice a file range to a pipe",
               RAW(SYS_splice, file, &offset, pipe_fds[1], NULL, 3, 0), 3);
    EXPECT_VAL("offset advanced", offset, 7);
    EXPECT_VAL("file position unchanged", RAW(SYS_lseek, file, 0, SEEK_CUR), 0);
    EXPECT_VAL("splice pipe to socket again", RAW(SYS_splice, pipe_fds[0], NULL, conn, NULL, 64, 0),
               3);
    memset(buf, 0, sizeof(buf));
    long got = 0;
    while (got < 10 && wait_for(client, POLLIN)) {
        long n = RAW(SYS_recvfrom, client, buf + got, 10 - got, 0, NULL, NULL);
        if (n <= 0)
            break;
        got += n;
    }
    EXPECT_VAL("client gets both", got, 10);
    EXPECT_STR("spliced through", buf, "spliced456");
    EXPECT_ERR("splice with an offset on a pipe",
               RAW(SYS_splice, pipe_fds[0], &offset, conn, NULL, 1, 0), ESPIPE);
    EXPECT_ERR("splice between two sockets", RAW(SYS_splice, conn, NULL, client, NULL, 1, 0),
               EINVAL);
    EXPECT_ERR("splice from a closed fd", RAW(SYS_splice, 999, NULL, pipe_fds[1], NULL, 1, 0),
               EBADF);
    EXPECT_ERR("splice with a bad offset pointer",
               RAW(SYS_splice, file, BAD_PTR, pipe_fds[1], NULL, 1, 0), EFAULT);
    EXPECT_ERR("tee of a socket", RAW(SYS_tee, conn, pipe_fds[1], 1, 0), EINVAL);
    RAW(SYS_close, file);
    RAW(SYS_close, pipe_fds[0]);
    RAW(SYS_close, pipe_fds[1]);
    RAW(SYS_close, copy_fds[0]);
    RAW(SYS_close, copy_fds[1]);

    /* Fill the connection from one end and drain it from the other. */
    static char block[65536];
    long sent = 0, received = 0, target = 4 << 20;
    int rounds = 0;
    while ((sent < target || received < sent) && rounds++ < 100000) {
        struct pollfd pfd[2] = {{.fd = client, .events = sent < target ? POLLOUT : 0},
                                {.fd = conn, .events = POLLIN}};
        if (RAW(SYS_poll, pfd, 2, WAIT_MS) <= 0)
            break;
        if (pfd[0].revents & POLLOUT) {
            long want = target - sent < (long)sizeof(block) ? target - sent : (long)sizeof(block);
            long n = RAW(SYS_sendto, client, block, want, 0, NULL, 0);
            if (n > 0)
                sent += n;
        }
        if (pfd[1].revents & POLLIN) {
            long n = RAW(SYS_recvfrom, conn, block, sizeof(block), 0, NULL, NULL);
            if (n > 0)
                received += n;
        }
    }
    EXPECT_VAL("bytes sent through the connection", sent, target);
    EXPECT_VAL("bytes received through the connection", received, target);

    EXPECT_OK("shutdown client writes", RAW(SYS_shutdown, client, SHUT_WR));
    EXPECT_TRUE("server sees the end", wait_for(conn, POLLIN | POLLRDHUP) & POLLRDHUP);
    EXPECT_VAL("recv at the end", RAW(SYS_recvfrom, conn, buf, sizeof(buf), 0, NULL, NULL), 0);
    EXPECT_VAL("server still sends", RAW(SYS_sendto, conn, "last", 4, 0, NULL, 0), 4);
    wait_for(client, POLLIN);
    EXPECT_VAL("client still receives", RAW(SYS_recvfrom, client, buf, 4, 0, NULL, NULL), 4);
    RAW(SYS_close, conn);
    RAW(SYS_close, client);

    /* A blocking connect to a port nobody listens on. */
    RAW(SYS_close, listener);
    int refused = make_socket(AF_INET, SOCK_STREAM);
    struct sockaddr_in closed = loopback(free_port());
    EXPECT_ERR("connect to a closed port", RAW(SYS_connect, refused, &closed, sizeof(closed)),
               ECONNREFUSED);
    RAW(SYS_close, refused);

    /* fcntl and FIONBIO make a blocking socket non-blocking. */
    int blocking = make_socket(AF_INET, SOCK_STREAM);
    a = loopback(0);
    RAW(SYS_bind, blocking, &a, sizeof(a));
    RAW(SYS_listen, blocking, 1);
    EXPECT_OK("fcntl O_NONBLOCK", LIBC(fcntl(blocking, F_SETFL, O_NONBLOCK)));
    EXPECT_ERR("accept after fcntl", RAW(SYS_accept, blocking, NULL, NULL), EAGAIN);
    int off = 0, on = 1;
    RAW(SYS_ioctl, blocking, FIONBIO, &off);
    EXPECT_VAL("FIONBIO off clears O_NONBLOCK", LIBC(fcntl(blocking, F_GETFL)) & O_NONBLOCK, 0);
    RAW(SYS_ioctl, blocking, FIONBIO, &on);
    EXPECT_ERR("accept after FIONBIO", RAW(SYS_accept, blocking, NULL, NULL), EAGAIN);
    RAW(SYS_close, blocking);
}

static void check_udp(void) {
    int udp = make_socket(AF_INET, SOCK_DGRAM);
    struct sockaddr_in a = loopback(0);
    EXPECT_OK("bind UDP", RAW(SYS_bind, udp, &a, sizeof(a)));
    struct sockaddr_in self = name_of(udp);
    EXPECT_VAL("sendto self", RAW(SYS_sendto, udp, "ping", 4, 0, &self, sizeof(self)), 4);
    char buf[64] = {0};
    struct sockaddr_in from;
    int from_len = sizeof(from);
    EXPECT_VAL("recvfrom self", RAW(SYS_recvfrom, udp, buf, sizeof(buf), 0, &from, &from_len), 4);
    EXPECT_STR("datagram", buf, "ping");
    EXPECT_VAL("sender address length", from_len, sizeof(from));
    EXPECT_TRUE("sender is self", same_inet(&from, &self));
    EXPECT_ERR("recv empty with MSG_DONTWAIT",
               RAW(SYS_recvfrom, udp, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), EAGAIN);

    RAW(SYS_sendto, udp, "pong", 4, 0, &self, sizeof(self));
    unsigned char short_addr[4] = {0};
    from_len = 4;
    EXPECT_VAL("recvfrom with a short address buffer",
               RAW(SYS_recvfrom, udp, buf, sizeof(buf), 0, short_addr, &from_len), 4);
    EXPECT_VAL("full address length reported", from_len, sizeof(struct sockaddr_in));
    EXPECT_VAL("address cut to the buffer", short_addr[0] | short_addr[1] << 8, AF_INET);
    RAW(SYS_sendto, udp, "pang", 4, 0, &self, sizeof(self));
    from_len = -1;
    EXPECT_ERR("recvfrom with a negative address length",
               RAW(SYS_recvfrom, udp, buf, sizeof(buf), 0, &from, &from_len), EINVAL);
    EXPECT_ERR("the datagram was taken anyway",
               RAW(SYS_recvfrom, udp, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), EAGAIN);
    RAW(SYS_sendto, udp, "lost", 4, 0, &self, sizeof(self));
    EXPECT_ERR("recvfrom into a bad buffer", RAW(SYS_recvfrom, udp, BAD_PTR, 10, 0, NULL, NULL),
               EFAULT);
    /* Linux drops that datagram; enclos refuses the buffer before taking it (docs/net.md). */
    while (RAW(SYS_recvfrom, udp, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL) >= 0)
        continue;

    RAW(SYS_sendto, udp, "0123456789", 10, 0, &self, sizeof(self));
    char small[4];
    struct iovec iov = {small, sizeof(small)};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    EXPECT_VAL("recvmsg of a long datagram", RAW(SYS_recvmsg, udp, &msg, 0), 4);
    EXPECT_VAL("MSG_TRUNC flag", msg.msg_flags & MSG_TRUNC, MSG_TRUNC);
    RAW(SYS_sendto, udp, "0123456789", 10, 0, &self, sizeof(self));
    EXPECT_VAL("recv with MSG_TRUNC gives the real length",
               RAW(SYS_recvfrom, udp, small, sizeof(small), MSG_TRUNC, NULL, NULL), 10);

    /* Batches. */
    struct mmsghdr batch[3];
    struct iovec parts[3] = {{"a", 1}, {"bb", 2}, {"ccc", 3}};
    memset(batch, 0, sizeof(batch));
    for (int i = 0; i < 3; i++) {
        batch[i].msg_hdr.msg_name = &self;
        batch[i].msg_hdr.msg_namelen = sizeof(self);
        batch[i].msg_hdr.msg_iov = &parts[i];
        batch[i].msg_hdr.msg_iovlen = 1;
    }
    EXPECT_VAL("sendmmsg of three", RAW(SYS_sendmmsg, udp, batch, 3, 0), 3);
    EXPECT_TRUE("sendmmsg lengths",
                batch[0].msg_len == 1 && batch[1].msg_len == 2 && batch[2].msg_len == 3);
    struct mmsghdr rbatch[5];
    char rbufs[5][8];
    struct iovec riov[5];
    struct sockaddr_in names[5];
    memset(rbatch, 0, sizeof(rbatch));
    memset(rbufs, 0, sizeof(rbufs));
    for (int i = 0; i < 5; i++) {
        riov[i].iov_base = rbufs[i];
        riov[i].iov_len = sizeof(rbufs[i]) - 1;
        rbatch[i].msg_hdr.msg_iov = &riov[i];
        rbatch[i].msg_hdr.msg_iovlen = 1;
        rbatch[i].msg_hdr.msg_name = &names[i];
        rbatch[i].msg_hdr.msg_namelen = sizeof(names[i]);
    }
    struct timespec timeout = {5, 0};
    EXPECT_VAL("recvmmsg with MSG_WAITFORONE",
               RAW(SYS_recvmmsg, udp, rbatch, 5, MSG_WAITFORONE, &timeout), 3);
    EXPECT_TRUE("recvmmsg contents",
                !strcmp(rbufs[0], "a") && !strcmp(rbufs[1], "bb") && !strcmp(rbufs[2], "ccc"));
    EXPECT_TRUE("recvmmsg lengths",
                rbatch[0].msg_len == 1 && rbatch[1].msg_len == 2 && rbatch[2].msg_len == 3);
    EXPECT_TRUE("recvmmsg names",
                same_inet(&names[2], &self) && rbatch[2].msg_hdr.msg_namelen == sizeof(self));
    EXPECT_ERR("recvmmsg with nothing to read",
               RAW(SYS_recvmmsg, udp, rbatch, 5, MSG_DONTWAIT, NULL), EAGAIN);
    struct timespec bad = {0, 2000000000};
    EXPECT_ERR("recvmmsg with a bad timeout", RAW(SYS_recvmmsg, udp, rbatch, 5, 0, &bad), EINVAL);
    EXPECT_VAL("recvmmsg of none", RAW(SYS_recvmmsg, udp, rbatch, 0, 0, NULL), 0);

    /* A connected UDP socket learns that nobody listens. */
    int lonely = make_socket(AF_INET, SOCK_DGRAM);
    struct sockaddr_in closed = loopback(free_port());
    EXPECT_OK("connect UDP", RAW(SYS_connect, lonely, &closed, sizeof(closed)));
    EXPECT_VAL("send to a closed port", RAW(SYS_sendto, lonely, "x", 1, 0, NULL, 0), 1);
    wait_for(lonely, POLLIN);
    EXPECT_ERR("the next receive is refused",
               RAW(SYS_recvfrom, lonely, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL), ECONNREFUSED);
    RAW(SYS_close, lonely);
    RAW(SYS_close, udp);

    /* IPv6, where the host has a loopback address for it. */
    int udp6 = (int)RAW(SYS_socket, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 a6;
    memset(&a6, 0, sizeof(a6));
    a6.sin6_family = AF_INET6;
    a6.sin6_addr = in6addr_loopback;
    bool have_ipv6 = udp6 >= 0 && RAW(SYS_bind, udp6, &a6, sizeof(a6)) == 0;
    bool ipv6_ok = true;
    if (have_ipv6) {
        socklen_t len6 = sizeof(a6);
        RAW(SYS_getsockname, udp6, &a6, &len6);
        struct sockaddr_in6 from6;
        socklen_t from6_len = sizeof(from6);
        memset(buf, 0, sizeof(buf));
        ipv6_ok = RAW(SYS_sendto, udp6, "six", 3, 0, &a6, sizeof(a6)) == 3 &&
                  RAW(SYS_recvfrom, udp6, buf, sizeof(buf), 0, &from6, &from6_len) == 3 &&
                  !strcmp(buf, "six") && from6_len == sizeof(from6) &&
                  from6.sin6_port == a6.sin6_port;
    }
    EXPECT_TRUE("IPv6 UDP to self (where ::1 exists)", ipv6_ok);
    if (udp6 >= 0)
        RAW(SYS_close, udp6);
}

/* ---- Unix sockets ------------------------------------------------------------------------- */

static socklen_t unix_address(struct sockaddr_un *a, const char *path) {
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    strncpy(a->sun_path, path, sizeof(a->sun_path) - 1);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static void check_socketpair(void) {
    int sv[2];
    EXPECT_OK("socketpair stream", RAW(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv));
    char buf[32] = {0};
    EXPECT_VAL("write one way", RAW(SYS_write, sv[0], "abc", 3), 3);
    EXPECT_VAL("read the other end", RAW(SYS_read, sv[1], buf, sizeof(buf)), 3);
    EXPECT_VAL("write back", RAW(SYS_sendto, sv[1], "de", 2, 0, NULL, 0), 2);
    EXPECT_VAL("read back", RAW(SYS_recvfrom, sv[0], buf, sizeof(buf), 0, NULL, NULL), 2);
    struct sockaddr_un name;
    int len = sizeof(name);
    EXPECT_OK("getsockname of a pair", RAW(SYS_getsockname, sv[0], &name, &len));
    EXPECT_VAL("unnamed: family only", len, sizeof(sa_family_t));
    len = sizeof(name);
    EXPECT_OK("getpeername of a pair", RAW(SYS_getpeername, sv[0], &name, &len));
    EXPECT_VAL("peer unnamed", len, sizeof(sa_family_t));
    RAW(SYS_close, sv[1]);
    EXPECT_VAL("read after the peer closed", RAW(SYS_read, sv[0], buf, sizeof(buf)), 0);
    RAW(SYS_close, sv[0]);

    EXPECT_OK("socketpair seqpacket nonblocking",
              RAW(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
    EXPECT_VAL("socketpair SOCK_CLOEXEC", LIBC(fcntl(sv[1], F_GETFD)), FD_CLOEXEC);
    RAW(SYS_write, sv[0], "first", 5);
    RAW(SYS_write, sv[0], "second", 6);
    EXPECT_VAL("seqpacket keeps boundaries", RAW(SYS_read, sv[1], buf, sizeof(buf)), 5);
    EXPECT_VAL("second packet", RAW(SYS_read, sv[1], buf, sizeof(buf)), 6);
    EXPECT_ERR("empty nonblocking pair", RAW(SYS_read, sv[1], buf, sizeof(buf)), EAGAIN);
    RAW(SYS_close, sv[0]);
    RAW(SYS_close, sv[1]);

    EXPECT_OK("socketpair datagram", RAW(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, sv));
    RAW(SYS_close, sv[0]);
    RAW(SYS_close, sv[1]);
    EXPECT_ERR("socketpair with a bad array", RAW(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, BAD_PTR),
               EFAULT);
    EXPECT_ERR("socketpair of TCP", RAW(SYS_socketpair, AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP);
    EXPECT_ERR("socketpair with bad flags",
               RAW(SYS_socketpair, AF_UNIX, SOCK_STREAM | 0x100, 0, sv), EINVAL);
}

/* Receives one message; returns the fd it carried (or -1), msg_flags and controllen. */
static int recv_fd(int sock, int flags, size_t control_size, int *msg_flags, size_t *controllen) {
    char control[256];
    char byte;
    memset(control, 0, sizeof(control));
    struct iovec iov = {&byte, 1};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = control_size};
    if (RAW(SYS_recvmsg, sock, &msg, flags) != 1)
        return -2;
    *msg_flags = msg.msg_flags;
    *controllen = msg.msg_controllen;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
        c->cmsg_len != CMSG_LEN(sizeof(int)))
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof(int));
    return fd;
}

static void check_rights(void) {
    int sv[2], pipe_fds[2];
    if (RAW(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv) != 0 || pipe(pipe_fds) != 0)
        tl_die("socketpair");
    EXPECT_VAL("send a pipe's write end", tl_send_fd(sv[0], pipe_fds[1]), 1);
    int flags;
    size_t controllen;
    int got = recv_fd(sv[1], 0, 256, &flags, &controllen);
    EXPECT_TRUE("received an fd", got >= 0 && got != pipe_fds[1]);
    EXPECT_VAL("control length", controllen, CMSG_SPACE(sizeof(int)));
    EXPECT_VAL("flags without MSG_CMSG_CLOEXEC", flags, 0);
    EXPECT_VAL("received fd is not close-on-exec", LIBC(fcntl(got, F_GETFD)), 0);
    EXPECT_VAL("write through the received fd", RAW(SYS_write, got, "via", 3), 3);
    char buf[8] = {0};
    EXPECT_VAL("read from the pipe", RAW(SYS_read, pipe_fds[0], buf, sizeof(buf)), 3);
    EXPECT_STR("passed data", buf, "via");
    RAW(SYS_close, got);

    tl_send_fd(sv[0], pipe_fds[1]);
    got = recv_fd(sv[1], MSG_CMSG_CLOEXEC, 256, &flags, &controllen);
    EXPECT_VAL("MSG_CMSG_CLOEXEC makes it close-on-exec", LIBC(fcntl(got, F_GETFD)), FD_CLOEXEC);
    EXPECT_VAL("flags echo MSG_CMSG_CLOEXEC", flags, MSG_CMSG_CLOEXEC);
    RAW(SYS_close, got);

    tl_send_fd(sv[0], pipe_fds[1]);
    got = recv_fd(sv[1], 0, CMSG_LEN(0), &flags, &controllen);
    EXPECT_VAL("no room for the fd", got, -1);
    EXPECT_VAL("MSG_CTRUNC", flags & MSG_CTRUNC, MSG_CTRUNC);
    EXPECT_VAL("nothing in the control buffer", controllen, 0);

    tl_send_fd(sv[0], sv[0]);
    got = recv_fd(sv[1], 0, 256, &flags, &controllen);
    EXPECT_VAL("a socket passed over itself works", RAW(SYS_write, got, "s", 1), 1);
    EXPECT_VAL("and reaches the pair", RAW(SYS_read, sv[1], buf, 1), 1);
    RAW(SYS_close, got);

    EXPECT_ERR("send a closed fd", tl_send_fd(sv[0], 999), EBADF);
    int udp = make_socket(AF_INET, SOCK_DGRAM);
    struct sockaddr_in a = loopback(0);
    RAW(SYS_bind, udp, &a, sizeof(a));
    a = name_of(udp);
    RAW(SYS_connect, udp, &a, sizeof(a));
    EXPECT_VAL("SCM_RIGHTS over UDP is ignored", tl_send_fd(udp, pipe_fds[1]), 1);
    EXPECT_VAL("a closed fd over UDP is ignored", tl_send_fd(udp, 999), 1);
    RAW(SYS_close, udp);

    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {"x", 1};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control,
                         .msg_controllen = sizeof(control)};
    memset(control, 0, sizeof(control));
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = sizeof(control) + 8;
    EXPECT_ERR("control message longer than the buffer", RAW(SYS_sendmsg, sv[0], &msg, 0), EINVAL);
    msg.msg_control = BAD_PTR;
    EXPECT_ERR("control buffer bad", RAW(SYS_sendmsg, sv[0], &msg, 0), EFAULT);

    RAW(SYS_close, sv[0]);
    RAW(SYS_close, sv[1]);
    RAW(SYS_close, pipe_fds[0]);
    RAW(SYS_close, pipe_fds[1]);
}

static void expect_unix_name(const char *label, const struct sockaddr_un *a, int len,
                             const char *path) {
    int want = (int)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
    tl_checks++;
    if (len == want && a->sun_family == AF_UNIX && !strcmp(a->sun_path, path)) {
        printf("%s: ok\n", label);
    } else {
        tl_fail(label, "length %d want %d", len, want);
        printf("    got \"%.108s\"\n", a->sun_path);
    }
}

static void check_unix_paths(void) {
    struct sockaddr_un a, got;
    socklen_t len = unix_address(&a, "sock.unix");
    int server = make_socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
    EXPECT_OK("bind a relative path", RAW(SYS_bind, server, &a, len));
    int got_len = sizeof(got);
    RAW(SYS_getsockname, server, &got, &got_len);
    expect_unix_name("getsockname as bound", &got, got_len, "sock.unix");
    struct stat st;
    EXPECT_TRUE("the path is a socket", stat("sock.unix", &st) == 0 && S_ISSOCK(st.st_mode));
    EXPECT_OK("listen", RAW(SYS_listen, server, 2));
    int other = make_socket(AF_UNIX, SOCK_STREAM);
    EXPECT_ERR("bind the same path again", RAW(SYS_bind, other, &a, len), EADDRINUSE);
    RAW(SYS_close, other);

    int client = make_socket(AF_UNIX, SOCK_STREAM);
    EXPECT_OK("connect by path", RAW(SYS_connect, client, &a, len));
    got_len = sizeof(got);
    RAW(SYS_getpeername, client, &got, &got_len);
    expect_unix_name("client's peer name", &got, got_len, "sock.unix");
    got_len = sizeof(got);
    int conn = (int)RAW(SYS_accept4, server, &got, &got_len, 0);
    EXPECT_OK("accept", conn);
    EXPECT_VAL("accepted peer is unnamed", got_len, sizeof(sa_family_t));
    got_len = sizeof(got);
    RAW(SYS_getsockname, conn, &got, &got_len);
    expect_unix_name("accepted socket's name", &got, got_len, "sock.unix");
    EXPECT_VAL("send over the path socket", RAW(SYS_write, client, "unix", 4), 4);
    char buf[16] = {0};
    EXPECT_VAL("receive over the path socket", RAW(SYS_read, conn, buf, sizeof(buf)), 4);
    struct ucred cred;
    socklen_t cred_len = sizeof(cred);
    EXPECT_OK("SO_PEERCRED", RAW(SYS_getsockopt, conn, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len));
    EXPECT_TRUE("peer is this process", cred.pid == getpid() && cred.uid == getuid());
    RAW(SYS_close, conn);
    RAW(SYS_close, client);
    RAW(SYS_close, server);

    len = unix_address(&a, "missing.unix");
    client = make_socket(AF_UNIX, SOCK_STREAM);
    EXPECT_ERR("connect to a missing path", RAW(SYS_connect, client, &a, len), ENOENT);
    len = unix_address(&a, "net.file");
    EXPECT_ERR("connect to a file that is no socket", RAW(SYS_connect, client, &a, len),
               ECONNREFUSED);
    len = unix_address(&a, "no-dir/sock");
    EXPECT_ERR("bind in a missing directory", RAW(SYS_bind, client, &a, len), ENOENT);
    EXPECT_ERR("bind with a length beyond sockaddr_un",
               RAW(SYS_bind, client, &a, sizeof(struct sockaddr_un) + 1), EINVAL);
    RAW(SYS_close, client);

    /* An absolute path, and datagrams between two named sockets. */
    char cwd[512];
    if (!getcwd(cwd, sizeof(cwd)) || strlen(cwd) > 96)
        tl_die("getcwd");
    char absolute[108];
    snprintf(absolute, sizeof(absolute), "%s/abs.unix", cwd);
    int receiver = make_socket(AF_UNIX, SOCK_DGRAM);
    len = unix_address(&a, absolute);
    EXPECT_OK("bind an absolute path", RAW(SYS_bind, receiver, &a, len));
    got_len = sizeof(got);
    RAW(SYS_getsockname, receiver, &got, &got_len);
    expect_unix_name("absolute name as bound", &got, got_len, absolute);
    int sender = make_socket(AF_UNIX, SOCK_DGRAM);
    struct sockaddr_un sender_address;
    socklen_t sender_len = unix_address(&sender_address, "./sender.unix");
    RAW(SYS_bind, sender, &sender_address, sender_len);
    len = unix_address(&a, "abs.unix");
    EXPECT_VAL("sendto a path", RAW(SYS_sendto, sender, "dgram", 5, 0, &a, len), 5);
    got_len = sizeof(got);
    memset(buf, 0, sizeof(buf));
    EXPECT_VAL("recvfrom a named sender",
               RAW(SYS_recvfrom, receiver, buf, sizeof(buf), 0, &got, &got_len), 5);
    expect_unix_name("sender's name as it bound", &got, got_len, "./sender.unix");
    RAW(SYS_close, sender);
    RAW(SYS_close, receiver);
    EXPECT_OK("unlink the socket paths",
              LIBC(unlink("sock.unix")) | LIBC(unlink("abs.unix")) | LIBC(unlink("sender.unix")));

    /* Abstract names pass as they are; autobind picks one. */
    int abstract = make_socket(AF_UNIX, SOCK_STREAM);
    char name[64];
    int name_len = snprintf(name, sizeof(name), "enclos-net-test-%d", (int)getpid());
    memset(&a, 0, sizeof(a));
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path + 1, name, (size_t)name_len);
    len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + name_len);
    EXPECT_OK("bind an abstract name", RAW(SYS_bind, abstract, &a, len));
    got_len = sizeof(got);
    RAW(SYS_getsockname, abstract, &got, &got_len);
    EXPECT_TRUE("abstract name as bound", got_len == (int)len && got.sun_path[0] == 0 &&
                                              !memcmp(got.sun_path + 1, name, name_len));
    RAW(SYS_listen, abstract, 1);
    client = make_socket(AF_UNIX, SOCK_STREAM);
    EXPECT_OK("connect to the abstract name", RAW(SYS_connect, client, &a, len));
    RAW(SYS_close, client);
    RAW(SYS_close, abstract);

    int autobound = make_socket(AF_UNIX, SOCK_DGRAM);
    memset(&a, 0, sizeof(a));
    a.sun_family = AF_UNIX;
    EXPECT_OK("autobind", RAW(SYS_bind, autobound, &a, sizeof(sa_family_t)));
    got_len = sizeof(got);
    RAW(SYS_getsockname, autobound, &got, &got_len);
    EXPECT_VAL("autobind name length", got_len, offsetof(struct sockaddr_un, sun_path) + 6);
    EXPECT_VAL("autobind name is abstract", got.sun_path[0], 0);
    RAW(SYS_close, autobound);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "net");
    check_errors();
    check_options();
    check_tcp();
    check_udp();
    check_socketpair();
    check_rights();
    check_unix_paths();
    return tl_finish();
}
