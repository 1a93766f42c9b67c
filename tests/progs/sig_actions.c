/* Signal actions and masks: handlers with and without SA_SIGINFO and what they are given,
 * the mask while a handler runs (sa_mask plus the signal itself) and after it returns
 * (the frame's uc_sigmask, also when the handler edits it), SA_NODEFER and SA_RESETHAND,
 * the order of nested handlers, rt_sigsuspend (the mask swap, EINTR, a signal sent by
 * another thread while suspended) and rt_sigpending (process-wide and per-thread sets). */
#include "testlib.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <ucontext.h>

#define SIGSET_SIZE 8

static uint64_t current_mask(void) {
    uint64_t mask = 0;
    RAW(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mask, SIGSET_SIZE);
    return mask;
}

/* A mask as signal names, so that the output says which signals differ. */
static const char *mask_names(uint64_t mask) {
    static const char *const names[32] = {
        NULL,        "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",   "SIGTRAP", "SIGABRT", "SIGBUS",
        "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",  "SIGPIPE", "SIGALRM", "SIGTERM",
        "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",  "SIGTTIN", "SIGTTOU", "SIGURG",
        "SIGXCPU",   "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",   "SIGPWR",  "SIGSYS"};
    static char text[512];
    size_t used = 0;
    text[0] = 0;
    for (int signo = 1; signo <= 64; signo++) {
        if (!(mask & tl_sigbit(signo)))
            continue;
        char one[32];
        if (signo < 32)
            snprintf(one, sizeof(one), "%s", names[signo]);
        else if (signo >= SIGRTMIN)
            snprintf(one, sizeof(one), "SIGRTMIN+%d", signo - SIGRTMIN);
        else
            snprintf(one, sizeof(one), "signal %d", signo);
        used += snprintf(text + used, sizeof(text) - used, "%s%s", used ? " " : "", one);
    }
    return used ? text : "(empty)";
}

static void expect_mask(const char *label, uint64_t got, uint64_t want) {
    char copy[512];
    snprintf(copy, sizeof(copy), "%s", mask_names(want));
    EXPECT_STR(label, mask_names(got), copy);
}

static void install(int signo, void (*action)(int, siginfo_t *, void *), int flags,
                    uint64_t sa_mask) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = action;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    for (int signo2 = 1; signo2 < 32; signo2++) {
        if (sa_mask & tl_sigbit(signo2))
            sigaddset(&sa.sa_mask, signo2);
    }
    if (sigaction(signo, &sa, NULL) != 0)
        tl_die("sigaction");
}

static void install_plain(int signo, void (*handler)(int), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(signo, &sa, NULL) != 0)
        tl_die("sigaction");
}

/* ---- What a handler is given ------------------------------------------------------------ */

static volatile int plain_count, plain_signo;

static void plain_handler(int signo) {
    plain_count++;
    plain_signo = signo;
}

static volatile int info_count;
static siginfo_t info_seen;
static volatile bool context_given;
static uint64_t context_sigmask, mask_in_handler;

static void info_handler(int signo, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    info_count++;
    info_seen = *info;
    context_given = uc != NULL;
    memcpy(&context_sigmask, &uc->uc_sigmask, sizeof(context_sigmask));
    mask_in_handler = current_mask();
}

static void check_handler_arguments(void) {
    long pid = RAW(SYS_getpid);
    install_plain(SIGUSR1, plain_handler, 0);
    EXPECT_OK("tgkill to a handler without SA_SIGINFO",
              RAW(SYS_tgkill, pid, RAW(SYS_gettid), SIGUSR1));
    EXPECT_VAL("the plain handler ran once", plain_count, 1);
    EXPECT_VAL("the plain handler got the signal number", plain_signo, SIGUSR1);
    EXPECT_OK("raise() to the plain handler", LIBC(raise(SIGUSR1)));
    EXPECT_VAL("the plain handler ran again", plain_count, 2);

    install(SIGUSR2, info_handler, 0, 0);
    tl_set_sigmask(tl_sigbit(SIGHUP));
    tl_send_self(SIGUSR2);
    EXPECT_VAL("the SA_SIGINFO handler ran once", info_count, 1);
    EXPECT_VAL("si_signo", info_seen.si_signo, SIGUSR2);
    EXPECT_VAL("si_errno", info_seen.si_errno, 0);
    EXPECT_VAL("si_code of tgkill is SI_TKILL", info_seen.si_code, SI_TKILL);
    EXPECT_TRUE("si_pid is our pid", info_seen.si_pid == pid);
    EXPECT_TRUE("si_uid is our uid", info_seen.si_uid == (uid_t)RAW(SYS_getuid));
    EXPECT_TRUE("the handler gets a ucontext", context_given);
    expect_mask("uc_sigmask is the mask before delivery", context_sigmask, tl_sigbit(SIGHUP));
    RAW(SYS_kill, pid, SIGUSR2);
    EXPECT_VAL("kill() reaches the SA_SIGINFO handler", info_count, 2);
    EXPECT_VAL("si_code of kill is SI_USER", info_seen.si_code, SI_USER);
    EXPECT_TRUE("kill si_pid is our pid", info_seen.si_pid == pid);
    tl_set_sigmask(0);
}

/* ---- Masks across handlers -------------------------------------------------------------- */

static void mask_editing_handler(int signo, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    mask_in_handler = current_mask();
    if (signo == SIGUSR1) {
        /* Blocking more from inside the handler lasts only until the handler returns. */
        uint64_t more = tl_sigbit(SIGINT);
        RAW(SYS_rt_sigprocmask, SIG_BLOCK, &more, NULL, SIGSET_SIZE);
    } else {
        /* Editing uc_sigmask sets the mask that rt_sigreturn installs. */
        sigaddset(&uc->uc_sigmask, SIGQUIT);
    }
}

static void check_masks(void) {
    uint64_t before = tl_sigbit(SIGHUP);
    install(SIGUSR1, mask_editing_handler, 0, tl_sigbit(SIGUSR2) | tl_sigbit(SIGWINCH));
    tl_set_sigmask(before);
    tl_send_self(SIGUSR1);
    expect_mask("mask in the handler: old mask, sa_mask and the signal", mask_in_handler,
                before | tl_sigbit(SIGUSR1) | tl_sigbit(SIGUSR2) | tl_sigbit(SIGWINCH));
    expect_mask("mask after return: the old one (a sigprocmask in the handler is undone)",
                current_mask(), before);

    install(SIGUSR2, mask_editing_handler, 0, 0);
    tl_send_self(SIGUSR2);
    expect_mask("mask in a handler with an empty sa_mask", mask_in_handler,
                before | tl_sigbit(SIGUSR2));
    expect_mask("mask after return is the edited uc_sigmask", current_mask(),
                before | tl_sigbit(SIGQUIT));
    tl_set_sigmask(0);

    uint64_t kill_stop = tl_sigbit(SIGKILL) | tl_sigbit(SIGSTOP);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = mask_editing_handler;
    sa.sa_flags = SA_SIGINFO;
    sigfillset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    tl_send_self(SIGUSR1);
    EXPECT_TRUE("a full sa_mask blocks all but SIGKILL and SIGSTOP in the handler",
                (mask_in_handler & kill_stop) == 0 && (mask_in_handler & tl_sigbit(SIGTERM)) &&
                    (mask_in_handler & tl_sigbit(SIGRTMAX)));
    expect_mask("mask after that handler", current_mask(), 0);
}

/* ---- Order of handlers, SA_NODEFER, SA_RESETHAND ---------------------------------------- */

static char order[256];
static volatile int depth, max_depth;

static void note(const char *what) {
    size_t used = strlen(order);
    snprintf(order + used, sizeof(order) - used, "%s%s", used ? " " : "", what);
}

static void raising_handler(int signo, siginfo_t *info, void *context) {
    depth++;
    if (depth > max_depth)
        max_depth = depth;
    if (signo == SIGUSR1) {
        note("usr1-enter");
        tl_send_self(SIGUSR2);
        note("usr1-exit");
    } else {
        note("usr2");
    }
    depth--;
}

static void order_handler(int signo, siginfo_t *info, void *context) {
    note(signo == SIGUSR1 ? "SIGUSR1" : signo == SIGUSR2 ? "SIGUSR2" : "SIGHUP");
}

static volatile int self_raises;
static uint64_t nodefer_mask;

static void self_raising_handler(int signo, siginfo_t *info, void *context) {
    depth++;
    if (depth > max_depth)
        max_depth = depth;
    note(depth == 1 ? "enter-1" : "enter-2");
    if (depth == 1 && !self_raises) {
        nodefer_mask = current_mask();
        self_raises++;
        tl_send_self(signo);
    }
    note(depth == 1 ? "exit-1" : "exit-2");
    depth--;
}

static volatile int resethand_count;
static struct sigaction action_in_handler;

static void resethand_handler(int signo, siginfo_t *info, void *context) {
    resethand_count++;
    sigaction(signo, NULL, &action_in_handler);
}

static void check_order_and_flags(void) {
    install(SIGUSR1, raising_handler, 0, 0);
    install(SIGUSR2, raising_handler, 0, 0);
    order[0] = 0;
    max_depth = 0;
    tl_send_self(SIGUSR1);
    EXPECT_STR("a signal raised in a handler runs at once, nested", order,
               "usr1-enter usr2 usr1-exit");
    EXPECT_VAL("nesting depth", max_depth, 2);

    install(SIGUSR1, raising_handler, 0, tl_sigbit(SIGUSR2));
    order[0] = 0;
    max_depth = 0;
    tl_send_self(SIGUSR1);
    EXPECT_STR("a signal in sa_mask waits until the handler returns", order,
               "usr1-enter usr1-exit usr2");
    EXPECT_VAL("no nesting", max_depth, 1);

    install(SIGUSR1, self_raising_handler, 0, 0);
    self_raises = 0;
    order[0] = 0;
    max_depth = 0;
    tl_send_self(SIGUSR1);
    EXPECT_STR("without SA_NODEFER the same signal waits", order, "enter-1 exit-1 enter-1 exit-1");

    install(SIGUSR1, self_raising_handler, SA_NODEFER, 0);
    self_raises = 0;
    order[0] = 0;
    max_depth = 0;
    tl_send_self(SIGUSR1);
    EXPECT_STR("with SA_NODEFER the same signal nests", order, "enter-1 enter-2 exit-2 exit-1");
    EXPECT_VAL("SA_NODEFER nesting depth", max_depth, 2);
    EXPECT_TRUE("SA_NODEFER leaves the signal unblocked in its handler",
                (nodefer_mask & tl_sigbit(SIGUSR1)) == 0);

    /* SIGWINCH's default action is to ignore, so a second one after the reset is harmless. */
    install(SIGWINCH, resethand_handler, SA_RESETHAND, 0);
    tl_send_self(SIGWINCH);
    EXPECT_VAL("SA_RESETHAND handler ran", resethand_count, 1);
    EXPECT_TRUE("SA_RESETHAND: the action is SIG_DFL inside the handler",
                action_in_handler.sa_handler == SIG_DFL);
    struct sigaction now;
    sigaction(SIGWINCH, NULL, &now);
    EXPECT_TRUE("SA_RESETHAND: the action is SIG_DFL afterwards", now.sa_handler == SIG_DFL);
    tl_send_self(SIGWINCH);
    EXPECT_VAL("a second SIGWINCH takes the default action (ignore)", resethand_count, 1);

    /* Several pending signals unblocked at once are all delivered before the unblocking
     * call returns to its caller. Linux sets up the lowest one's frame first and each
     * higher one's frame on top of it, so the handlers run from the highest down. */
    install(SIGUSR1, order_handler, 0, 0);
    install(SIGUSR2, order_handler, 0, 0);
    install(SIGHUP, order_handler, 0, 0);
    tl_set_sigmask(tl_sigbit(SIGUSR1) | tl_sigbit(SIGUSR2) | tl_sigbit(SIGHUP));
    order[0] = 0;
    tl_send_self(SIGUSR2);
    tl_send_self(SIGHUP);
    tl_send_self(SIGUSR1);
    EXPECT_STR("blocked signals are not delivered", order, "");
    tl_set_sigmask(0);
    note("returned");
    EXPECT_STR("three signals unblocked at once", order, "SIGUSR2 SIGUSR1 SIGHUP returned");
}

/* ---- rt_sigsuspend ---------------------------------------------------------------------- */

static volatile int suspend_count;
static uint64_t suspend_handler_mask;

static void suspend_handler(int signo, siginfo_t *info, void *context) {
    suspend_count++;
    suspend_handler_mask = current_mask();
}

static long main_tid;
static volatile int sender_go;

static void *delayed_sender(void *arg) {
    while (!sender_go)
        sched_yield();
    struct timespec delay = {0, 20 * 1000000};
    nanosleep(&delay, NULL);
    RAW(SYS_tgkill, RAW(SYS_getpid), main_tid, SIGUSR1);
    return NULL;
}

static void check_sigsuspend(void) {
    install(SIGUSR1, suspend_handler, 0, 0);
    uint64_t blocked = tl_sigbit(SIGUSR1);
    tl_set_sigmask(blocked);
    tl_send_self(SIGUSR1);
    EXPECT_VAL("blocked SIGUSR1 waits", suspend_count, 0);
    uint64_t during = tl_sigbit(SIGUSR2);
    EXPECT_ERR("rt_sigsuspend with a pending signal returns EINTR",
               RAW(SYS_rt_sigsuspend, &during, SIGSET_SIZE), EINTR);
    EXPECT_VAL("its handler ran", suspend_count, 1);
    expect_mask("mask in the handler: the suspend mask and the signal", suspend_handler_mask,
                during | tl_sigbit(SIGUSR1));
    expect_mask("mask after rt_sigsuspend is the old one", current_mask(), blocked);

    /* The signal comes from another thread, before or after the main thread suspends:
     * blocked until then, it cannot be lost. */
    pthread_t thread;
    main_tid = RAW(SYS_gettid);
    sender_go = 0;
    if (pthread_create(&thread, NULL, delayed_sender, NULL) != 0)
        tl_die("pthread_create");
    sender_go = 1;
    uint64_t none = 0;
    EXPECT_ERR("rt_sigsuspend woken by another thread's tgkill",
               RAW(SYS_rt_sigsuspend, &none, SIGSET_SIZE), EINTR);
    pthread_join(thread, NULL);
    EXPECT_VAL("the handler ran for it", suspend_count, 2);
    expect_mask("mask restored after that rt_sigsuspend", current_mask(), blocked);

    EXPECT_ERR("rt_sigsuspend with sigsetsize 4", RAW(SYS_rt_sigsuspend, &none, 4), EINVAL);
    EXPECT_ERR("rt_sigsuspend with a bad mask pointer",
               RAW(SYS_rt_sigsuspend, BAD_PTR, SIGSET_SIZE), EFAULT);
    tl_set_sigmask(0);
}

/* ---- rt_sigpending ---------------------------------------------------------------------- */

static uint64_t pending_in_thread;

static void *pending_reader(void *arg) {
    pending_in_thread = tl_pending_signals();
    return NULL;
}

static void check_sigpending(void) {
    install(SIGUSR1, suspend_handler, 0, 0);
    install(SIGUSR2, suspend_handler, 0, 0);
    uint64_t both = tl_sigbit(SIGUSR1) | tl_sigbit(SIGUSR2);
    tl_set_sigmask(both);
    expect_mask("nothing pending at first", tl_pending_signals(), 0);
    RAW(SYS_kill, RAW(SYS_getpid), SIGUSR1);
    tl_send_self(SIGUSR2);
    expect_mask("kill and tgkill while blocked: both pending", tl_pending_signals(), both);
    /* The new thread inherits the mask, so the process-wide SIGUSR1 stays pending. */
    pthread_t thread;
    if (pthread_create(&thread, NULL, pending_reader, NULL) != 0)
        tl_die("pthread_create");
    pthread_join(thread, NULL);
    expect_mask("another thread sees only the process-wide one", pending_in_thread,
                tl_sigbit(SIGUSR1));
    uint64_t set;
    EXPECT_ERR("rt_sigpending with sigsetsize 16", RAW(SYS_rt_sigpending, &set, 16), EINVAL);
    EXPECT_ERR("rt_sigpending with a bad pointer", RAW(SYS_rt_sigpending, BAD_PTR, SIGSET_SIZE),
               EFAULT);
    suspend_count = 0;
    tl_set_sigmask(tl_sigbit(SIGUSR2));
    EXPECT_VAL("unblocking SIGUSR1 delivers it", suspend_count, 1);
    expect_mask("SIGUSR2 still pending", tl_pending_signals(), tl_sigbit(SIGUSR2));
    tl_set_sigmask(0);
    EXPECT_VAL("unblocking SIGUSR2 delivers it", suspend_count, 2);
    expect_mask("nothing pending at the end", tl_pending_signals(), 0);

    /* Setting SIG_IGN discards a pending signal even while it is blocked. */
    tl_set_sigmask(tl_sigbit(SIGUSR1));
    tl_send_self(SIGUSR1);
    expect_mask("SIGUSR1 pending", tl_pending_signals(), tl_sigbit(SIGUSR1));
    signal(SIGUSR1, SIG_IGN);
    expect_mask("SIG_IGN discards it", tl_pending_signals(), 0);
    install(SIGUSR1, suspend_handler, 0, 0);
    tl_set_sigmask(0);
    EXPECT_VAL("and nothing is delivered on unblock", suspend_count, 2);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "sig_actions");
    tl_start_watchdog(10);
    check_handler_arguments();
    check_masks();
    check_order_and_flags();
    check_sigsuspend();
    check_sigpending();
    return tl_finish();
}
