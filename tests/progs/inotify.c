/* inotify: watches on a directory and a file, the events a create, write, rename and
 * delete make (with the names relative to the watched directory), IN_ONESHOT, removing a
 * watch (IN_IGNORED), nonblocking reads, poll, IN_DONT_FOLLOW on a symlink, and errors. */
#include "testlib.h"

#include <poll.h>
#include <sys/inotify.h>

/* Reads what is queued and prints one line per event: its watch, mask and name. */
static void print_events(const char *label, int fd, int dir_wd, int file_wd) {
    char buf[4096] __attribute__((aligned(8)));
    long n = read(fd, buf, sizeof(buf));
    printf("%s:", label);
    for (long i = 0; i < n;) {
        const struct inotify_event *e = (const void *)(buf + i);
        const char *who = e->wd == dir_wd ? "dir" : e->wd == file_wd ? "file" : "other";
        printf(" [%s %#x %s]", who, e->mask, e->len ? e->name : "-");
        i += (long)sizeof(*e) + e->len;
    }
    printf("%s\n", n < 0 ? " (none)" : "");
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "inotify");
    if (mkdir("w", 0755) != 0)
        tl_die("mkdir");
    tl_write_file("w/existing", "x", 1, 0644);
    int fd = (int)RAW(SYS_inotify_init1, IN_NONBLOCK | IN_CLOEXEC);
    EXPECT_OK("inotify_init1", fd);
    EXPECT_TRUE("IN_CLOEXEC sets FD_CLOEXEC", fcntl(fd, F_GETFD) == FD_CLOEXEC);
    char buf[64];
    EXPECT_ERR("read with nothing queued", LIBC(read(fd, buf, sizeof(buf))), EAGAIN);
    int dir_wd = (int)RAW(SYS_inotify_add_watch, fd, "w", IN_CREATE | IN_DELETE | IN_MOVE);
    EXPECT_OK("watch the directory", dir_wd);
    int file_wd = (int)RAW(SYS_inotify_add_watch, fd, "w/existing", IN_MODIFY | IN_ATTRIB);
    EXPECT_OK("watch a file", file_wd);
    EXPECT_VAL("watching it again gives the same watch",
               RAW(SYS_inotify_add_watch, fd, "w/existing", IN_MODIFY | IN_MASK_ADD), file_wd);

    tl_write_file("w/new", "y", 1, 0644);
    int efd = open("w/existing", O_WRONLY | O_APPEND);
    if (efd < 0 || write(efd, "z", 1) != 1)
        tl_die("append");
    close(efd);
    chmod("w/existing", 0600);
    rename("w/new", "w/renamed");
    unlink("w/renamed");
    struct pollfd p = {.fd = fd, .events = POLLIN};
    EXPECT_VAL("poll: events queued", poll(&p, 1, 5000), 1);
    print_events("events", fd, dir_wd, file_wd);

    EXPECT_OK("inotify_rm_watch", RAW(SYS_inotify_rm_watch, fd, file_wd));
    print_events("after rm_watch", fd, dir_wd, file_wd);
    EXPECT_ERR("inotify_rm_watch again", RAW(SYS_inotify_rm_watch, fd, file_wd), EINVAL);

    int one = (int)RAW(SYS_inotify_add_watch, fd, "w/existing", IN_ATTRIB | IN_ONESHOT);
    EXPECT_OK("IN_ONESHOT watch", one);
    chmod("w/existing", 0644);
    chmod("w/existing", 0600);
    print_events("one-shot", fd, dir_wd, one);

    if (symlink("existing", "w/link") != 0)
        tl_die("symlink");
    print_events("the symlink's creation", fd, dir_wd, -1);
    int link_wd = (int)RAW(SYS_inotify_add_watch, fd, "w/link", IN_ATTRIB | IN_DONT_FOLLOW);
    EXPECT_OK("IN_DONT_FOLLOW watch of the symlink", link_wd);
    EXPECT_TRUE("a watch of its own", link_wd != one && link_wd != dir_wd);
    EXPECT_ERR("IN_ONLYDIR on a file",
               RAW(SYS_inotify_add_watch, fd, "w/existing", IN_ATTRIB | IN_ONLYDIR), ENOTDIR);
    EXPECT_ERR("a missing path", RAW(SYS_inotify_add_watch, fd, "w/missing", IN_ATTRIB), ENOENT);
    EXPECT_ERR("an empty mask", RAW(SYS_inotify_add_watch, fd, "w", 0), EINVAL);
    EXPECT_ERR("IN_MASK_ADD with IN_MASK_CREATE",
               RAW(SYS_inotify_add_watch, fd, "w", IN_CREATE | IN_MASK_ADD | IN_MASK_CREATE),
               EINVAL);
    EXPECT_ERR("IN_MASK_CREATE on a watched directory",
               RAW(SYS_inotify_add_watch, fd, "w", IN_CREATE | IN_MASK_CREATE), EEXIST);
    int pipefd[2];
    if (pipe(pipefd) != 0)
        tl_die("pipe");
    EXPECT_ERR("add_watch on a pipe", RAW(SYS_inotify_add_watch, pipefd[0], "w", IN_CREATE),
               EINVAL);
    EXPECT_ERR("add_watch on a pipe with a bad path",
               RAW(SYS_inotify_add_watch, pipefd[0], (char *)8, IN_CREATE), EINVAL);
    EXPECT_ERR("rm_watch on a pipe", RAW(SYS_inotify_rm_watch, pipefd[0], 1), EINVAL);
    EXPECT_ERR("add_watch on a closed fd", RAW(SYS_inotify_add_watch, 999, "w", IN_CREATE), EBADF);
    EXPECT_ERR("inotify_init1 bad flags", RAW(SYS_inotify_init1, 1), EINVAL);
    EXPECT_ERR("a bad path pointer", RAW(SYS_inotify_add_watch, fd, (char *)8, IN_CREATE), EFAULT);
    close(pipefd[0]);
    close(pipefd[1]);
    close(fd);
    return tl_finish();
}
