/* Shared helpers of the integration test programs.
 *
 * Every program is built against glibc and musl, as static and static-pie, and run both
 * natively and under enclos; the runner compares stdout, stderr and the exit status. So a
 * program prints only what is equal on any correct Linux: check labels followed by "ok",
 * an errno name, or a value that does not depend on the run (never pids, addresses,
 * times). A check that does not see what Linux gives prints a line with "FAIL" and makes
 * the program exit with status 1, so that a wrong result is visible even when both runs
 * agree.
 *
 * argv[1] is the scratch directory of the run (the runner passes "." and makes the
 * program's cwd a fresh directory); programs create everything below it and print only
 * names relative to it.
 *
 * Checks take results in kernel form: a non-negative value or a negated errno. RAW()
 * issues a real `syscall` instruction from inline assembly (so the patching and catching
 * paths of enclos see app code, not a libc wrapper); LIBC() turns a libc -1/errno result
 * into kernel form. */
#ifndef TESTLIB_H
#define TESTLIB_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Numbers and flags that older libc headers (musl 1.2.3) may lack. */
#ifndef SYS_statx
#define SYS_statx 332
#endif
#ifndef SYS_rseq
#define SYS_rseq 334
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif
#ifndef SYS_renameat2
#define SYS_renameat2 316
#endif
#ifndef SYS_getrandom
#define SYS_getrandom 318
#endif
#ifndef SYS_pselect6
#define SYS_pselect6 270
#endif
#ifndef SYS_ppoll
#define SYS_ppoll 271
#endif
#ifndef SYS_prlimit64
#define SYS_prlimit64 302
#endif
#ifndef SYS_arch_prctl
#define SYS_arch_prctl 158
#endif

/* Helpers are static so every program is one file; not every program uses all of them. */
#define TL_HELPER __attribute__((unused)) static

static int tl_checks;
static int tl_failures;

static inline long tl_raw6(long nr, long a, long b, long c, long d, long e, long f) {
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

#define TL_RAW_PICK(_0, _1, _2, _3, _4, _5, _6, NAME, ...) NAME
#define TL_RAW0(n) tl_raw6((n), 0, 0, 0, 0, 0, 0)
#define TL_RAW1(n, a) tl_raw6((n), (long)(a), 0, 0, 0, 0, 0)
#define TL_RAW2(n, a, b) tl_raw6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define TL_RAW3(n, a, b, c) tl_raw6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define TL_RAW4(n, a, b, c, d) tl_raw6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define TL_RAW5(n, a, b, c, d, e)                                                                  \
    tl_raw6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)
#define TL_RAW6(n, a, b, c, d, e, f)                                                               \
    tl_raw6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))
/* RAW(SYS_x, args...): one `syscall` instruction, result in kernel form. */
#define RAW(...)                                                                                   \
    TL_RAW_PICK(__VA_ARGS__, TL_RAW6, TL_RAW5, TL_RAW4, TL_RAW3, TL_RAW2, TL_RAW1, TL_RAW0)        \
    (__VA_ARGS__)

/* The argument is evaluated before errno is read, so errno belongs to that call. */
static inline long tl_libc_result(long result) {
    return result == -1 ? -errno : result;
}
#define LIBC(call) tl_libc_result((long)(call))

/* An address that is never mapped in a user process. */
#define BAD_PTR ((void *)1)

TL_HELPER const char *tl_errno_name(long err) {
    static const struct {
        int number;
        const char *name;
    } names[] = {
        {EPERM, "EPERM"},
        {ENOENT, "ENOENT"},
        {ESRCH, "ESRCH"},
        {EINTR, "EINTR"},
        {EIO, "EIO"},
        {ENXIO, "ENXIO"},
        {E2BIG, "E2BIG"},
        {ENOEXEC, "ENOEXEC"},
        {EBADF, "EBADF"},
        {ECHILD, "ECHILD"},
        {EAGAIN, "EAGAIN"},
        {ENOMEM, "ENOMEM"},
        {EACCES, "EACCES"},
        {EFAULT, "EFAULT"},
        {EBUSY, "EBUSY"},
        {EEXIST, "EEXIST"},
        {EXDEV, "EXDEV"},
        {ENODEV, "ENODEV"},
        {ENOTDIR, "ENOTDIR"},
        {EISDIR, "EISDIR"},
        {EINVAL, "EINVAL"},
        {ENFILE, "ENFILE"},
        {EMFILE, "EMFILE"},
        {ENOTTY, "ENOTTY"},
        {EFBIG, "EFBIG"},
        {ENOSPC, "ENOSPC"},
        {ESPIPE, "ESPIPE"},
        {EROFS, "EROFS"},
        {EMLINK, "EMLINK"},
        {EPIPE, "EPIPE"},
        {ERANGE, "ERANGE"},
        {ENAMETOOLONG, "ENAMETOOLONG"},
        {ENOSYS, "ENOSYS"},
        {ENOTEMPTY, "ENOTEMPTY"},
        {ELOOP, "ELOOP"},
        {ENODATA, "ENODATA"},
        {EOVERFLOW, "EOVERFLOW"},
        {EOPNOTSUPP, "EOPNOTSUPP"},
        {ETIMEDOUT, "ETIMEDOUT"},
        {ENOTSOCK, "ENOTSOCK"},
        {EDEADLK, "EDEADLK"},
        {ENOTSUP, "ENOTSUP"},
    };
    static char unknown[32];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].number == err)
            return names[i].name;
    }
    snprintf(unknown, sizeof(unknown), "errno %ld", err);
    return unknown;
}

/* How a kernel-form result reads in the output: "ok" or an errno name. */
TL_HELPER const char *tl_result_name(long result) {
    return result < 0 ? tl_errno_name(-result) : "ok";
}

TL_HELPER void tl_fail(const char *label, const char *format, ...) {
    va_list args;
    tl_failures++;
    printf("%s: FAIL (", label);
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    printf(")\n");
}

/* Success expected: any non-negative result. Returns the result. */
TL_HELPER long tl_expect_ok(const char *label, long result) {
    tl_checks++;
    if (result < 0)
        tl_fail(label, "got %s", tl_errno_name(-result));
    else
        printf("%s: ok\n", label);
    return result;
}

/* Failure with one errno expected. */
TL_HELPER long tl_expect_err(const char *label, long result, int err) {
    tl_checks++;
    if (result == -err)
        printf("%s: %s\n", label, tl_errno_name(err));
    else if (result < 0)
        tl_fail(label, "got %s, want %s", tl_errno_name(-result), tl_errno_name(err));
    else
        tl_fail(label, "got success %ld, want %s", result, tl_errno_name(err));
    return result;
}

/* Exactly this value expected; the value is printed, so use it only for run-independent
 * values (sizes, counts, offsets). */
TL_HELPER long tl_expect_val(const char *label, long result, long want) {
    tl_checks++;
    if (result == want)
        printf("%s: %ld\n", label, want);
    else if (result < 0)
        tl_fail(label, "got %s, want %ld", tl_errno_name(-result), want);
    else
        tl_fail(label, "got %ld, want %ld", result, want);
    return result;
}

TL_HELPER bool tl_expect_true(const char *label, bool condition) {
    tl_checks++;
    if (condition)
        printf("%s: ok\n", label);
    else
        tl_fail(label, "condition false");
    return condition;
}

/* Prints a string with C escapes, so that every check stays on one line. */
TL_HELPER void tl_print_escaped(const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n')
            printf("\\n");
        else if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
}

TL_HELPER void tl_expect_str(const char *label, const char *got, const char *want) {
    tl_checks++;
    if (strcmp(got, want) == 0) {
        printf("%s: \"", label);
        tl_print_escaped(want);
        printf("\"\n");
        return;
    }
    tl_failures++;
    printf("%s: FAIL (got \"", label);
    tl_print_escaped(got);
    printf("\", want \"");
    tl_print_escaped(want);
    printf("\")\n");
}

TL_HELPER void tl_expect_mem(const char *label, const void *got, const void *want, size_t len) {
    tl_checks++;
    if (memcmp(got, want, len) == 0)
        printf("%s: ok\n", label);
    else
        tl_fail(label, "%zu bytes differ", len);
}

#define EXPECT_OK(label, result) tl_expect_ok((label), (long)(result))
#define EXPECT_ERR(label, result, err) tl_expect_err((label), (long)(result), (err))
#define EXPECT_VAL(label, result, want) tl_expect_val((label), (long)(result), (long)(want))
#define EXPECT_TRUE(label, condition) tl_expect_true((label), (condition))
#define EXPECT_STR(label, got, want) tl_expect_str((label), (got), (want))
#define EXPECT_MEM(label, got, want, len) tl_expect_mem((label), (got), (want), (len))

/* A program that cannot set up its scenario stops here rather than print noise. */
TL_HELPER void tl_die(const char *what) {
    printf("%s: FATAL (%s)\n", what, tl_errno_name(errno));
    fflush(stdout);
    exit(2);
}

TL_HELPER void tl_start(int argc, char **argv, const char *program) {
    /* Line buffering keeps everything printed before a crash in the comparison. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && chdir(argv[1]) != 0)
        tl_die("chdir to the scratch directory");
    printf("== %s\n", program);
}

TL_HELPER int tl_finish(void) {
    if (tl_failures)
        printf("== %d of %d checks failed\n", tl_failures, tl_checks);
    else
        printf("== all %d checks passed\n", tl_checks);
    fflush(stdout);
    return tl_failures ? 1 : 0;
}

/* A runtime that loses a signal leaves a wait without an end: the watchdog thread, which
 * blocks every signal, ends the program with a FAIL line after `seconds` instead. It is
 * created with every signal blocked, so that not even its first instructions can take a
 * process-directed signal meant for another thread. */
static int tl_watchdog_seconds;

TL_HELPER void *tl_watchdog(void *arg) {
    (void)arg;
    struct timespec left = {tl_watchdog_seconds, 0};
    while (nanosleep(&left, &left) != 0) {
    }
    printf("watchdog: FAIL (still running after %d s, stuck after the line above)\n",
           tl_watchdog_seconds);
    fflush(stdout);
    _exit(1);
}

TL_HELPER void tl_start_watchdog(int seconds) {
    tl_watchdog_seconds = seconds;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t thread;
    if (pthread_create(&thread, NULL, tl_watchdog, NULL) != 0)
        tl_die("pthread_create");
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_detach(thread);
}

/* The signal tests' view of signal sets: the kernel's 64-bit set through raw syscalls, so
 * that libc's own reserved signals and wrappers stay out of the way. */
#define TL_SIGSET_SIZE 8

TL_HELPER uint64_t tl_sigbit(int signo) {
    return 1ull << (signo - 1);
}

TL_HELPER void tl_set_sigmask(uint64_t mask) {
    RAW(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, TL_SIGSET_SIZE);
}

TL_HELPER uint64_t tl_pending_signals(void) {
    uint64_t set = 0;
    RAW(SYS_rt_sigpending, &set, TL_SIGSET_SIZE);
    return set;
}

/* A signal for the calling thread itself (tgkill). */
TL_HELPER void tl_send_self(int signo) {
    RAW(SYS_tgkill, RAW(SYS_getpid), RAW(SYS_gettid), signo);
}

/* Writes a whole file; the scenario setup of many checks. */
TL_HELPER void tl_write_file(const char *path, const void *data, size_t len, int mode) {
    FILE *file;
    int fd = (int)LIBC(open(path, O_WRONLY | O_CREAT | O_TRUNC, mode));
    if (fd < 0)
        tl_die(path);
    file = fdopen(fd, "w");
    if (!file || fwrite(data, 1, len, file) != len || fclose(file) != 0)
        tl_die(path);
}

/* Sends fd over the socket sock with SCM_RIGHTS (one data byte); the kernel result. */
TL_HELPER long tl_send_fd(int sock, int fd) {
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof(control));
    struct iovec iov = {"F", 1};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control,
                         .msg_controllen = sizeof(control)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    return RAW(SYS_sendmsg, sock, &msg, 0);
}

TL_HELPER uint64_t tl_monotonic_ns(void) {
    long ts[2];
    RAW(SYS_clock_gettime, 1 /* CLOCK_MONOTONIC */, ts);
    return (uint64_t)ts[0] * 1000000000ull + (uint64_t)ts[1];
}

#endif
