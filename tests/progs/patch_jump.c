/* Jumps into the middle of a syscall site's patch window. Under enclos each `syscall` below
 * is rewritten at load time into a jmp to a trampoline, and the rest of its window becomes
 * int3; code that reaches an instruction inside the window by a jump the patcher could not
 * see (an indirect one) must still behave as natively: the trap is redirected to the same
 * point in the trampoline. Each function returns getpid() through a different route:
 *
 *   via_start   calls the site from the top of its window (the patched jmp itself);
 *   via_middle  jumps through a register straight to the `syscall` instruction, 5 bytes
 *               into the window (mov $39,%eax; syscall), past the jmp: int3 there;
 *   via_loop    a retry loop whose backward jump targets the window's start (allowed),
 *               run three times.
 * And a signal handler that moves the interrupted RIP back onto a site's syscall makes it run
 * again, as a different syscall (the context the app edits shows its own code, never a
 * trampoline). Last, an SA_RESTART handler interrupts a blocking read whose syscall lies
 * under the patched jmp of a 5-byte window (xor; nop; syscall): two bytes back from the
 * window's end would be inside the jmp, so the restart must start from the trampoline's
 * copy of the syscall. The same read again, with a
 * signal from another process that the reader blocks and another thread takes: under enclos
 * the host stops the read for it, which the app must not see (the read starts again, no
 * handler between). */
#include "testlib.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

long via_start(void);
long via_middle(void);
long via_loop(void);
extern char restart_syscall_insn[], restart_after[];
long restart_site(const sigset_t *unblock);
long read_under_jmp(int fd, void *buf, size_t n);

__asm__(".text\n"
        ".globl via_start\n"
        "via_start:\n"
        "    mov $39, %eax\n"
        "    syscall\n"
        "    ret\n"

        ".globl via_middle\n"
        "via_middle:\n"
        "    lea 1f(%rip), %rcx\n"
        "    mov $39, %eax\n"
        "    jmp *%rcx\n"
        "    int3\n"
        "    mov $39, %eax\n"
        "1:  syscall\n"
        "    ret\n"

        ".globl via_loop\n"
        "via_loop:\n"
        "    push %rbx\n"
        "    mov $3, %ebx\n"
        "2:  mov $39, %eax\n"
        "    syscall\n"
        "    dec %ebx\n"
        "    jnz 2b\n"
        "    pop %rbx\n"
        "    ret\n"

        /* rt_sigprocmask(SIG_UNBLOCK, set): the pending signal arrives on its return; the
         * handler moves RIP back onto the syscall with rax = getpid. */
        ".globl restart_site\n"
        ".globl restart_syscall_insn\n"
        ".globl restart_after\n"
        "restart_site:\n"
        "    mov %rdi, %rsi\n"
        "    mov $1, %edi\n"
        "    xor %edx, %edx\n"
        "    mov $8, %r10d\n"
        "    mov $14, %eax\n"
        "restart_syscall_insn:\n"
        "    syscall\n"
        "restart_after:\n"
        "    ret\n"

        /* read(fd, buf, n) with the arguments where the caller left them. */
        ".globl read_under_jmp\n"
        "read_under_jmp:\n"
        "    xor %eax, %eax\n"
        "    nop\n"
        "    syscall\n"
        "    ret\n");

static volatile int handler_runs;
static volatile uintptr_t seen_rip;

static void move_rip_back(int sig, siginfo_t *info, void *ucontext) {
    ucontext_t *uc = ucontext;
    seen_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    handler_runs++;
    if (handler_runs == 1 && seen_rip == (uintptr_t)restart_after) {
        /* Run the syscall again: rax must hold its number. */
        uc->uc_mcontext.gregs[REG_RAX] = 39;
        uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)restart_syscall_insn;
    }
}

static int restart_pipe[2];
static volatile int restart_handler_runs;

static void feed_pipe(int sig) {
    restart_handler_runs++;
    RAW(SYS_write, restart_pipe[1], "y", 1);
}

/* Sends SIGUSR1 to the main thread once it has had time to block in its read. */
static void *interrupt_reader(void *arg) {
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    RAW(SYS_tgkill, getpid(), (long)(intptr_t)arg, SIGUSR1);
    return NULL;
}

static volatile int taker_done;

/* Blocks nothing, so it takes the SIGUSR2 a child process sends (the reader blocks it),
 * and waits until its handler has fed the pipe. */
static void *take_process_signal(void *arg) {
    while (!taker_done) {
        struct timespec tick = {0, 10 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    return NULL;
}

static void feed_pipe_and_finish(int sig) {
    feed_pipe(sig);
    taker_done = 1;
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "patch_jump");
    tl_start_watchdog(10);
    long pid = RAW(SYS_getpid);
    EXPECT_TRUE("from the window's start", via_start() == pid);
    EXPECT_TRUE("jumping to the syscall inside the window", via_middle() == pid);
    EXPECT_TRUE("a loop back to the window's start", via_loop() == pid);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = move_rip_back;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGALRM, &sa, NULL);
    /* A signal pending when restart_site unblocks it: delivered on that syscall's return,
     * with RIP just after the syscall in the app's own code. */
    sigset_t alarm_only;
    sigemptyset(&alarm_only);
    sigaddset(&alarm_only, SIGALRM);
    sigprocmask(SIG_BLOCK, &alarm_only, NULL);
    raise(SIGALRM);
    long r = restart_site(&alarm_only);
    EXPECT_VAL("the handler ran", handler_runs, 1);
    EXPECT_TRUE("the frame's RIP is just after the syscall", seen_rip == (uintptr_t)restart_after);
    EXPECT_TRUE("restart_site returned getpid", r == pid);

    struct sigaction restart = {.sa_handler = feed_pipe, .sa_flags = SA_RESTART};
    sigaction(SIGUSR1, &restart, NULL);
    if (pipe(restart_pipe) != 0)
        tl_die("pipe");
    pthread_t sender;
    if (pthread_create(&sender, NULL, interrupt_reader, (void *)(intptr_t)RAW(SYS_gettid)) != 0)
        tl_die("pthread_create");
    char byte = 0;
    long got = read_under_jmp(restart_pipe[0], &byte, 1);
    pthread_join(sender, NULL);
    EXPECT_VAL("the SA_RESTART handler ran", restart_handler_runs, 1);
    EXPECT_VAL("the restarted read got the handler's byte", got, 1);
    EXPECT_TRUE("the byte is the handler's", byte == 'y');

    struct sigaction taken = {.sa_handler = feed_pipe_and_finish, .sa_flags = SA_RESTART};
    sigaction(SIGUSR2, &taken, NULL);
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    pthread_t taker;
    if (pthread_create(&taker, NULL, take_process_signal, NULL) != 0)
        tl_die("pthread_create");
    pthread_sigmask(SIG_BLOCK, &usr2, NULL);
    pid_t child = fork();
    if (child == 0) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
        kill(getppid(), SIGUSR2);
        _exit(0);
    }
    byte = 0;
    got = read_under_jmp(restart_pipe[0], &byte, 1);
    pthread_join(taker, NULL);
    waitpid(child, NULL, 0);
    EXPECT_VAL("another thread's handler ran", restart_handler_runs, 2);
    EXPECT_VAL("the read got its byte", got, 1);
    EXPECT_TRUE("the byte is that handler's", byte == 'y');
    return tl_finish();
}
