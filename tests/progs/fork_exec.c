/* New processes: fork, vfork, clone without CLONE_THREAD, execve and execveat (ELF
 * programs and `#!` scripts), what execve keeps and drops (fds with and without
 * close-on-exec, ignored signals, the pid), its errors, and wait4/waitid with their
 * statuses. The program re-executes itself (/proc/self/exe) with "--child MODE" to play
 * the child's part; children print nothing, they answer through exit statuses and pipes,
 * so the output order never depends on scheduling. */
#include "testlib.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/wait.h>

#ifndef SYS_execveat
#define SYS_execveat 322
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

extern char **environ;

/* ---- The child's side ------------------------------------------------------------------- */

static int child_main(int argc, char **argv) {
    const char *mode = argv[2];
    if (!strcmp(mode, "exit")) /* --child exit N */
        return atoi(argv[3]);
    if (!strcmp(mode, "args")) { /* exit status = argc, plus the args' total length */
        size_t total = 0;
        for (int i = 0; i < argc; i++)
            total += strlen(argv[i]);
        return (int)((argc << 4) | (total & 15));
    }
    if (!strcmp(mode, "fds")) { /* --child fds KEPT DROPPED: 0 when KEPT is open, DROPPED not */
        int kept = atoi(argv[3]), dropped = atoi(argv[4]);
        int r = 0;
        if (fcntl(kept, F_GETFD) < 0)
            r |= 1;
        if (fcntl(dropped, F_GETFD) >= 0 || errno != EBADF)
            r |= 2;
        if (write(kept, "K", 1) != 1)
            r |= 4;
        return r;
    }
    if (!strcmp(mode, "sigign")) { /* SIGUSR1 must still be ignored, SIGUSR2 default again */
        struct sigaction sa;
        sigaction(SIGUSR1, NULL, &sa);
        int r = sa.sa_handler == SIG_IGN ? 0 : 1;
        sigaction(SIGUSR2, NULL, &sa);
        r |= sa.sa_handler == SIG_DFL ? 0 : 2;
        sigset_t mask;
        sigprocmask(SIG_BLOCK, NULL, &mask);
        r |= sigismember(&mask, SIGWINCH) ? 0 : 4; /* the mask survives execve */
        return r;
    }
    if (!strcmp(mode, "pid")) { /* the pid survives execve: argv[3] is what it was */
        return atol(argv[3]) == getpid() ? 0 : 1;
    }
    if (!strcmp(mode, "env")) { /* the environment given to execve, exactly */
        const char *v = getenv("FORK_EXEC_TEST");
        return v && !strcmp(v, "value=with=equals") && !getenv("HOME") ? 0 : 1;
    }
    if (!strcmp(mode, "noenv")) /* execve with an empty or NULL environment */
        return environ && !environ[0] ? 0 : 1;
    return 100;
}

/* ---- Helpers ------------------------------------------------------------------------------ */

static const char *self_path(void) {
    static char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
    if (n < 0)
        tl_die("readlink /proc/self/exe");
    path[n] = 0;
    return path;
}

/* Waits for pid and prints how it ended. */
static void expect_status(const char *label, pid_t pid, const char *want) {
    int status = 0;
    pid_t r = waitpid(pid, &status, 0);
    char got[64];
    if (r != pid)
        snprintf(got, sizeof(got), "waitpid %s", tl_errno_name(errno));
    else if (WIFEXITED(status))
        snprintf(got, sizeof(got), "exit %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(got, sizeof(got), "signal %d", WTERMSIG(status));
    else
        snprintf(got, sizeof(got), "status %#x", status);
    EXPECT_STR(label, got, want);
}

static pid_t spawn_self(char *const *extra_argv) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execv(self_path(), extra_argv);
        _exit(120);
    }
    return pid;
}

/* ---- Checks ------------------------------------------------------------------------------- */

static void check_fork_basics(void) {
    int fds[2];
    if (pipe(fds) != 0)
        tl_die("pipe");
    pid_t parent = getpid();
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        /* Child: its own pid, the parent as ppid, a copy of memory. */
        char msg[64];
        int n = snprintf(msg, sizeof(msg), "%d %d", getpid() != parent,
                         getppid() == parent && (long)syscall(SYS_gettid) == getpid());
        if (write(fds[1], msg, (size_t)n) != n)
            _exit(1);
        _exit(7);
    }
    EXPECT_TRUE("fork returns the child's pid", pid > 0 && pid != parent);
    close(fds[1]);
    char buf[64] = {0};
    ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
    EXPECT_STR("child sees a new pid and its parent", n > 0 ? buf : "", "1 1");
    close(fds[0]);
    expect_status("child's exit status", pid, "exit 7");
    EXPECT_ERR("no child left", LIBC(waitpid(-1, NULL, WNOHANG)), ECHILD);
    EXPECT_ERR("wait4 with no children", RAW(SYS_wait4, -1, NULL, 0, NULL), ECHILD);
    EXPECT_ERR("wait4 bad options", RAW(SYS_wait4, -1, NULL, 0x1000, NULL), EINVAL);

    /* A child's memory is its own. */
    static volatile int shared_word = 1;
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        shared_word = 2;
        _exit(shared_word);
    }
    expect_status("child changed its copy", pid, "exit 2");
    EXPECT_VAL("parent's copy unchanged", shared_word, 1);

    /* Signal deaths and WNOHANG. */
    int block[2];
    if (pipe(block) != 0)
        tl_die("pipe");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char c;
        close(block[1]);
        if (read(block[0], &c, 1) == 1)
            raise(SIGTERM);
        _exit(3);
    }
    close(block[0]);
    EXPECT_VAL("WNOHANG on a running child", LIBC(waitpid(pid, NULL, WNOHANG)), 0);
    if (write(block[1], "x", 1) != 1)
        tl_die("write");
    close(block[1]);
    expect_status("child killed by SIGTERM", pid, "signal 15");
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        abort();
    expect_status("child that aborts", pid, "signal 6");
}

static void check_waitid(void) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(42);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    EXPECT_OK("waitid WNOWAIT", LIBC(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT)));
    EXPECT_TRUE("waitid reports the child", si.si_pid == pid && si.si_code == CLD_EXITED &&
                                                si.si_status == 42 && si.si_signo == SIGCHLD);
    memset(&si, 0, sizeof(si));
    EXPECT_OK("waitid reaps", LIBC(waitid(P_ALL, 0, &si, WEXITED)));
    EXPECT_TRUE("waitid reaped the same child", si.si_pid == pid && si.si_status == 42);
    EXPECT_ERR("waitid without WEXITED", LIBC(waitid(P_ALL, 0, &si, 0)), EINVAL);
    EXPECT_ERR("waitid bad idtype", RAW(SYS_waitid, 9, 0, &si, WEXITED, NULL), EINVAL);
    EXPECT_ERR("waitid nothing to wait for", LIBC(waitid(P_ALL, 0, &si, WEXITED)), ECHILD);
}

static void check_vfork_and_clone(void) {
    fflush(stdout);
    pid_t pid = vfork();
    if (pid == 0)
        _exit(9);
    expect_status("vfork child exits", pid, "exit 9");

    /* Go's way: clone(CLONE_VM | CLONE_VFORK | SIGCHLD) followed by execve in the child. */
    char *args[] = {"self", "--child", "exit", "11", NULL};
    const char *path = self_path();
    fflush(stdout);
    pid = (pid_t)RAW(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        RAW(SYS_execve, path, args, environ);
        RAW(SYS_exit_group, 120);
    }
    expect_status("clone(CLONE_VM|CLONE_VFORK) then execve", pid, "exit 11");

    /* clone3 of a process. */
    struct {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    } ca = {.exit_signal = SIGCHLD};
    fflush(stdout);
    pid = (pid_t)RAW(SYS_clone3, &ca, sizeof(ca));
    if (pid == 0)
        RAW(SYS_exit_group, 12);
    expect_status("clone3 of a process", pid, "exit 12");

    /* posix_spawn: libc's vfork-style path. */
    char *sargs[] = {"self", "--child", "exit", "13", NULL};
    EXPECT_VAL("posix_spawn", posix_spawn(&pid, path, NULL, NULL, sargs, environ), 0);
    expect_status("posix_spawn child", pid, "exit 13");

    EXPECT_ERR("clone with CLONE_SIGHAND but no CLONE_VM",
               RAW(SYS_clone, CLONE_SIGHAND | SIGCHLD, 0, 0, 0, 0), EINVAL);
}

/* A vfork child runs on its parent's memory: what it writes in the calling function's
 * frame, the parent sees. glibc's posix_spawn learns of a failed execve that way. */
static void check_vfork_child_writes(void) {
    pid_t pid;
    char *missing[] = {"missing", NULL};
    EXPECT_VAL("posix_spawn of a missing program",
               posix_spawn(&pid, "/nonexistent/program", NULL, NULL, missing, environ), ENOENT);
    EXPECT_VAL("posix_spawnp of a missing name",
               posix_spawnp(&pid, "enclos-no-such-program", NULL, NULL, missing, environ), ENOENT);

    volatile int seen = 0, child_errno = 0;
    fflush(stdout);
    pid = vfork();
    if (pid == 0) {
        seen = 42;
        execve("/nonexistent/program", missing, environ);
        child_errno = errno;
        _exit(3);
    }
    expect_status("vfork child after a failed execve", pid, "exit 3");
    EXPECT_TRUE("the parent sees the vfork child's writes", seen == 42);
    EXPECT_VAL("the parent sees the vfork child's errno", child_errno, ENOENT);

    volatile int marker = 0;
    char *args[] = {"self", "--child", "exit", "14", NULL};
    const char *path = self_path();
    fflush(stdout);
    pid = (pid_t)RAW(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        marker = 77;
        RAW(SYS_execve, path, args, environ);
        RAW(SYS_exit_group, 120);
    }
    expect_status("clone(CLONE_VM|CLONE_VFORK) that writes, then execve", pid, "exit 14");
    EXPECT_VAL("the parent sees what the child wrote before execve", marker, 77);
}

/* A thread of the parent that writes into the vforking thread's frame while the child
 * runs: the child must not write back bytes it did not change. */
static volatile char *g_shared_bytes;
static int g_child_running[2], g_parent_wrote[2];

static void *write_while_child_runs(void *arg) {
    (void)arg;
    char c;
    if (read(g_child_running[0], &c, 1) == 1) {
        g_shared_bytes[1] = 'P';
        if (write(g_parent_wrote[1], "w", 1) != 1)
            tl_die("write");
    }
    return NULL;
}

static void check_vfork_keeps_parent_writes(void) {
    volatile char bytes[3] = {'-', '-', '-'};
    g_shared_bytes = bytes;
    if (pipe(g_child_running) != 0 || pipe(g_parent_wrote) != 0)
        tl_die("pipe");
    pthread_t thread;
    if (pthread_create(&thread, NULL, write_while_child_runs, NULL) != 0)
        tl_die("pthread_create");
    fflush(stdout);
    pid_t pid = vfork();
    if (pid == 0) {
        char c;
        bytes[0] = 'C';
        bytes[2] = 'C';
        if (write(g_child_running[1], "r", 1) != 1 || read(g_parent_wrote[0], &c, 1) != 1)
            _exit(9);
        _exit(0);
    }
    expect_status("vfork child beside a writing parent thread", pid, "exit 0");
    pthread_join(thread, NULL);
    char seen[4] = {bytes[0], bytes[1], bytes[2], 0};
    EXPECT_STR("the child's bytes and the parent thread's between them", seen, "CPC");
    close(g_child_running[0]);
    close(g_child_running[1]);
    close(g_parent_wrote[0]);
    close(g_parent_wrote[1]);

    /* CLONE_VFORK without CLONE_VM: the parent waits, but memory is a copy. */
    volatile int untouched = 0;
    fflush(stdout);
    pid = (pid_t)RAW(SYS_clone, CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        untouched = 9;
        RAW(SYS_exit_group, 0);
    }
    expect_status("clone(CLONE_VFORK) without CLONE_VM", pid, "exit 0");
    EXPECT_VAL("its writes stay its own", untouched, 0);
}

static void *idle_thread(void *arg) {
    char c;
    ssize_t n = read(*(int *)arg, &c, 1);
    (void)n;
    return NULL;
}

static void check_fork_with_threads(void) {
    /* Only the forking thread exists in the child; the child can make threads of its own. */
    int fds[2];
    if (pipe(fds) != 0)
        tl_die("pipe");
    pthread_t t;
    if (pthread_create(&t, NULL, idle_thread, &fds[0]) != 0)
        tl_die("pthread_create");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t t2;
        int other[2];
        if (pipe(other) != 0 || write(other[1], "x", 1) != 1)
            _exit(1);
        if (pthread_create(&t2, NULL, idle_thread, &other[0]) != 0 || pthread_join(t2, NULL) != 0)
            _exit(2);
        _exit(0);
    }
    expect_status("fork in a threaded process", pid, "exit 0");
    if (write(fds[1], "x", 1) != 1)
        tl_die("write");
    pthread_join(t, NULL);
}

static volatile int g_churn_stop;

static void *churn_files(void *arg) {
    (void)arg;
    while (!g_churn_stop) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd >= 0)
            close(fd);
    }
    return NULL;
}

/* Forks 200 times while churn runs in another thread (until g_churn_stop); each child runs
 * child_part and exits with its result. Returns how many children did not exit 0. */
static int forks_during(void *(*churn)(void *), int (*child_part)(void)) {
    g_churn_stop = 0;
    pthread_t t;
    if (pthread_create(&t, NULL, churn, NULL) != 0)
        tl_die("pthread_create");
    int bad = 0;
    for (int i = 0; i < 200; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
            _exit(child_part());
        int status = 0;
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            bad++;
    }
    g_churn_stop = 1;
    pthread_join(t, NULL);
    return bad;
}

static int open_and_close_files(void) {
    int fds[2];
    int fd = open("/dev/null", O_RDONLY);
    return fd < 0 || close(fd) != 0 || pipe(fds) != 0 || close(fds[0]) != 0;
}

static void check_fork_while_files_churn(void) {
    /* Another thread opens and closes files while this one forks: whatever runtime lock
     * that thread held at the fork must not stay taken in the child, which then opens and
     * closes files itself. A lock left held hangs the child, and the test fails by its
     * timeout; the window is narrow, so not every run finds it (one in five did, before
     * fork took the path buffer caches' locks). */
    EXPECT_VAL("200 forks while another thread opens and closes files: children that failed",
               forks_during(churn_files, open_and_close_files), 0);
}

static void *read_one(void *arg) {
    char c;
    return (void *)(long)read(*(int *)arg, &c, 1);
}

static void check_fork_drops_in_flight_references(void) {
    /* A thread blocked in read(q[0]) uses q[0]'s description when this one forks. The
     * child closes q[0]: with that the child holds no read end of the pipe, however the
     * other thread's read (which the child does not have) ends. Once the parent's reader
     * is done and the parent closes its read end too, a write finds no reader: EPIPE. A
     * child still counting the other thread's reference would keep its read end open. */
    int q[2], ready[2], done[2];
    if (pipe(q) != 0 || pipe(ready) != 0 || pipe(done) != 0)
        tl_die("pipe");
    signal(SIGPIPE, SIG_IGN);
    pthread_t t;
    if (pthread_create(&t, NULL, read_one, &q[0]) != 0)
        tl_die("pthread_create");
    usleep(100 * 1000); /* let the reader block (if it has not, the check passes anyway) */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(q[0]);
        close(q[1]);
        if (write(ready[1], "r", 1) != 1 || read(done[0], &c, 1) != 1)
            _exit(1);
        _exit(0);
    }
    char c;
    if (read(ready[0], &c, 1) != 1)
        tl_die("read ready");
    if (write(q[1], "x", 1) != 1)
        tl_die("write");
    void *got;
    pthread_join(t, &got);
    EXPECT_VAL("the blocked reader got its byte", (long)got, 1);
    close(q[0]);
    EXPECT_ERR("write with the child's read end closed too", LIBC(write(q[1], "y", 1)), EPIPE);
    if (write(done[1], "d", 1) != 1)
        tl_die("write done");
    expect_status("child that closed an fd another thread was using", pid, "exit 0");
    signal(SIGPIPE, SIG_DFL);
    close(q[1]);
    close(ready[0]);
    close(ready[1]);
    close(done[0]);
    close(done[1]);
}

static int g_churn_epoll, g_churn_pipe[2];

static void *churn_epoll(void *arg) {
    (void)arg;
    while (!g_churn_stop) {
        struct epoll_event ev = {.events = EPOLLIN};
        epoll_ctl(g_churn_epoll, EPOLL_CTL_ADD, g_churn_pipe[0], &ev);
        epoll_ctl(g_churn_epoll, EPOLL_CTL_DEL, g_churn_pipe[0], NULL);
    }
    return NULL;
}

static int change_the_epoll_set(void) {
    struct epoll_event ev = {.events = EPOLLOUT};
    return epoll_ctl(g_churn_epoll, EPOLL_CTL_ADD, g_churn_pipe[1], &ev) != 0 ||
           epoll_ctl(g_churn_epoll, EPOLL_CTL_DEL, g_churn_pipe[1], NULL) != 0;
}

static void check_fork_while_epoll_churns(void) {
    /* As above, for a lock of one open object: another thread adds and removes an entry of
     * an epoll set while this one forks, and the child changes the same set. */
    g_churn_epoll = epoll_create1(0);
    if (g_churn_epoll < 0 || pipe(g_churn_pipe) != 0)
        tl_die("epoll_create1/pipe");
    EXPECT_VAL("200 forks while another thread changes an epoll set: children that failed",
               forks_during(churn_epoll, change_the_epoll_set), 0);
    close(g_churn_epoll);
    close(g_churn_pipe[0]);
    close(g_churn_pipe[1]);
}

static void check_fork_memory_advice(void) {
    /* MADV_DONTFORK pages are not the child's: the address is free there (a
     * MAP_FIXED_NOREPLACE mapping succeeds); MADV_WIPEONFORK pages start zeroed; the
     * parent keeps both as they were. */
    long page = sysconf(_SC_PAGESIZE);
    char *kept = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (kept == MAP_FAILED)
        tl_die("mmap");
    memset(kept, 'k', 3 * page);
    EXPECT_OK("madvise MADV_DONTFORK (middle page)", madvise(kept + page, page, MADV_DONTFORK));
    EXPECT_OK("madvise MADV_WIPEONFORK (last page)",
              madvise(kept + 2 * page, page, MADV_WIPEONFORK));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (kept[0] != 'k')
            _exit(1);
        if (kept[2 * page] != 0 || kept[3 * page - 1] != 0)
            _exit(2);
        void *again = mmap(kept + page, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | 0x100000, -1,
                           0); /* MAP_FIXED_NOREPLACE */
        if (again != kept + page)
            _exit(3);
        _exit(0);
    }
    expect_status("child: kept page copied, DONTFORK page absent, WIPEONFORK page zeroed", pid,
                  "exit 0");
    EXPECT_TRUE("parent keeps all three pages",
                kept[0] == 'k' && kept[page] == 'k' && kept[2 * page] == 'k');
    munmap(kept, 3 * page);
}

static void noop_handler(int sig) {
    (void)sig;
}

static void check_exec_keeps_and_drops(void) {
    int keep[2];
    if (pipe(keep) != 0)
        tl_die("pipe");
    int dropped = open(".", O_RDONLY | O_CLOEXEC);
    char kept_s[16], dropped_s[16];
    snprintf(kept_s, sizeof(kept_s), "%d", keep[1]);
    snprintf(dropped_s, sizeof(dropped_s), "%d", dropped);
    char *args[] = {"self", "--child", "fds", kept_s, dropped_s, NULL};
    pid_t pid = spawn_self(args);
    close(keep[1]);
    char c = 0;
    EXPECT_VAL("fd without close-on-exec works after execve", read(keep[0], &c, 1), 1);
    expect_status("close-on-exec fd closed, the other open", pid, "exit 0");
    close(keep[0]);
    close(dropped);

    struct sigaction sa = {.sa_handler = SIG_IGN};
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = noop_handler; /* a handler: execve must reset it to SIG_DFL */
    sigaction(SIGUSR2, &sa, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGWINCH);
    sigprocmask(SIG_BLOCK, &block, &old);
    char *sargs[] = {"self", "--child", "sigign", NULL};
    pid = spawn_self(sargs);
    expect_status("ignored stays ignored, mask kept", pid, "exit 0");
    sigprocmask(SIG_SETMASK, &old, NULL);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char pid_s[16];
        snprintf(pid_s, sizeof(pid_s), "%d", getpid());
        char *pargs[] = {"self", "--child", "pid", pid_s, NULL};
        execv(self_path(), pargs);
        _exit(120);
    }
    expect_status("execve keeps the pid", pid, "exit 0");

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char *eargs[] = {"self", "--child", "env", NULL};
        char *env[] = {"FORK_EXEC_TEST=value=with=equals", NULL};
        execve(self_path(), eargs, env);
        _exit(120);
    }
    expect_status("execve passes exactly its environment", pid, "exit 0");

    char *nargs[] = {"self", "--child", "noenv", NULL};
    char *empty[] = {NULL};
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        execve(self_path(), nargs, empty);
        _exit(120);
    }
    expect_status("execve with an empty environment", pid, "exit 0");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        RAW(SYS_execve, self_path(), nargs, NULL);
        _exit(120);
    }
    expect_status("execve with a NULL environment", pid, "exit 0");

    char *aargs[] = {"self", "--child", "args", "a", "bb", "", "ccc", NULL};
    pid = spawn_self(aargs);
    /* argc 7; lengths 4+7+4+1+2+0+3 = 21 -> 21 & 15 = 5 */
    expect_status("argv arrives as given", pid, "exit 117");
}

static void check_exec_errors(void) {
    char *args[] = {"x", NULL};
    EXPECT_ERR("execve missing file", LIBC(execve("./does-not-exist", args, environ)), ENOENT);
    EXPECT_ERR("execve empty path", RAW(SYS_execve, "", args, environ), ENOENT);
    EXPECT_ERR("execve bad path pointer", RAW(SYS_execve, BAD_PTR, args, environ), EFAULT);
    EXPECT_ERR("execve bad argv pointer", RAW(SYS_execve, self_path(), BAD_PTR, environ), EFAULT);
    tl_write_file("plain.txt", "hello\n", 6, 0644);
    EXPECT_ERR("execve without exec permission", LIBC(execve("./plain.txt", args, environ)),
               EACCES);
    tl_write_file("garbage.bin",
                  "\x7f"
                  "ELFgarbage-not-a-real-header",
                  28, 0755);
    EXPECT_ERR("execve of a broken ELF", LIBC(execve("./garbage.bin", args, environ)), ENOEXEC);
    EXPECT_ERR("execve of a directory", LIBC(execve(".", args, environ)), EACCES);
    EXPECT_ERR("execve through a file as directory", LIBC(execve("./plain.txt/x", args, environ)),
               ENOTDIR);
    EXPECT_ERR("execveat bad flags", RAW(SYS_execveat, AT_FDCWD, self_path(), args, environ, 1),
               EINVAL);
    if (symlink(self_path(), "self-link") != 0)
        tl_die("symlink");
    EXPECT_ERR("execveat AT_SYMLINK_NOFOLLOW on a link",
               RAW(SYS_execveat, AT_FDCWD, "self-link", args, environ, AT_SYMLINK_NOFOLLOW), ELOOP);
    EXPECT_TRUE("the failed calls left this process running", true);
}

static void check_scripts_and_execveat(void) {
    char script[300];
    int n = snprintf(script, sizeof(script), "#!%s  --script-child \n", self_path());
    if (n >= 250) { /* Linux reads only the first 256 bytes of a #! line */
        printf("scripts: skipped (long path)\n");
        return;
    }
    tl_write_file("script.sh", script, (size_t)n, 0755);
    tl_write_file("script2.sh", "#!./script.sh\n", 14, 0755);
    tl_write_file("noexec.sh", "#!./plain.txt\n", 14, 0755);
    char *args[] = {"script.sh", "extra", NULL};
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execv("./script.sh", args);
        _exit(120);
    }
    expect_status("#! script runs its interpreter with the argument", pid, "exit 0");
    char *args2[] = {"script2.sh", "extra", NULL};
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        execv("./script2.sh", args2);
        _exit(120);
    }
    expect_status("#! script whose interpreter is a script", pid, "exit 1");
    EXPECT_ERR("#! interpreter without exec permission", LIBC(execv("./noexec.sh", args)), EACCES);

    int fd = open(self_path(), O_RDONLY | O_CLOEXEC);
    char *fargs[] = {"self", "--child", "exit", "14", NULL};
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        RAW(SYS_execveat, fd, "", fargs, environ, AT_EMPTY_PATH);
        _exit(120);
    }
    expect_status("execveat AT_EMPTY_PATH (fexecve)", pid, "exit 14");
    close(fd);
}

/* The interpreter side of check_scripts_and_execveat: argv is
 * self --script-child [outer scripts...] script extra. */
static int script_child(int argc, char **argv) {
    if (strcmp(argv[argc - 1], "extra"))
        return 3;
    if (argc == 4)
        return strstr(argv[2], "script.sh") ? 0 : 2;
    if (argc == 5) /* nested: ./script.sh then the outer script's path */
        return strstr(argv[2], "script.sh") && strstr(argv[3], "script2.sh") ? 1 : 2;
    return 4;
}

int main(int argc, char **argv) {
    if (argc > 2 && !strcmp(argv[1], "--child"))
        return child_main(argc, argv);
    if (argc > 1 && !strcmp(argv[1], "--script-child"))
        return script_child(argc, argv);
    tl_start(argc, argv, "fork_exec");
    check_fork_basics();
    check_waitid();
    check_vfork_and_clone();
    check_vfork_child_writes();
    check_vfork_keeps_parent_writes();
    check_fork_with_threads();
    check_fork_while_files_churn();
    check_fork_drops_in_flight_references();
    check_fork_while_epoll_churns();
    check_fork_memory_advice();
    check_exec_keeps_and_drops();
    check_exec_errors();
    check_scripts_and_execveat();
    return tl_finish();
}
