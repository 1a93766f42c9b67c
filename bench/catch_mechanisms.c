/* The kernel-catch mechanisms in isolation, natively, to choose between Syscall User
 * Dispatch and seccomp: (1) what an ALLOWED syscall pays once the mechanism is armed (the
 * runtime's own host calls from the gate), (2) what a TRAPPED syscall costs (SIGSYS round
 * trip with a minimal handler). Each mode runs in a child process, since neither
 * mechanism can be fully disarmed. Prints "MODE NANOSECONDS_PER_CALL". */
#define _GNU_SOURCE
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "bench.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1
#endif

extern char gate_start[], gate_end[];
long gate_syscall3(long nr, long a, long b, long c);
long outside_syscall3(long nr, long a, long b, long c);
void gate_sigreturn(void);
/* The allowed region, and an identical stub outside it. */
__asm__(".text\n.p2align 6\ngate_start:\n"
        "gate_syscall3: mov %rdi, %rax\n mov %rsi, %rdi\n mov %rdx, %rsi\n mov %rcx, %rdx\n"
        " syscall\n ret\n"
        "gate_sigreturn: mov $15, %eax\n syscall\n ud2\n"
        "gate_end:\n"
        "outside_syscall3: mov %rdi, %rax\n mov %rsi, %rdi\n mov %rdx, %rsi\n mov %rcx, %rdx\n"
        " syscall\n ret\n");

static volatile char selector;

static void on_sigsys(int sig, siginfo_t *si, void *ucv) {
    (void)sig;
    (void)si;
    ucontext_t *uc = ucv;
    uc->uc_mcontext.gregs[REG_RAX] = 0; /* the emulated result */
}

static void arm_sud(void) {
    selector = 1; /* SYSCALL_DISPATCH_FILTER_BLOCK */
    if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, (unsigned long)gate_start,
              (unsigned long)(gate_end - gate_start), &selector))
        exit(2);
}

static void arm_seccomp(void) {
    uint64_t lo = (uint64_t)gate_start, hi = (uint64_t)gate_end;
    struct sock_filter prog[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(lo >> 32), 0, 4),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer)),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)lo, 0, 2),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)hi, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
    };
    struct sock_fprog fprog = {sizeof(prog) / sizeof(prog[0]), prog};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog))
        exit(2);
}

/* Runs in a child: arm the mechanism, time N calls through fn, write ns/call to the pipe. */
static double run_mode(const char *mech, int trapped, long n) {
    int fds[2];
    if (pipe(fds))
        exit(1);
    pid_t pid = fork();
    if (pid == 0) {
        /* The kernel's sigaction, so the restorer is ours and inside the gate. */
        struct {
            void *handler;
            unsigned long flags;
            void (*restorer)(void);
            uint64_t mask;
        } sa = {(void *)on_sigsys, SA_SIGINFO | 0x04000000 /* SA_RESTORER */, gate_sigreturn, 0};
        syscall(SYS_rt_sigaction, SIGSYS, &sa, NULL, 8);
        if (!strcmp(mech, "sud"))
            arm_sud();
        else if (!strcmp(mech, "seccomp"))
            arm_seccomp();
        double best = 1e30;
        for (int round = 0; round < 7; round++) {
            double t0 = now_ns(); /* vDSO: no syscall */
            for (long i = 0; i < n; i++)
                trapped ? outside_syscall3(39, 0, 0, 0) : gate_syscall3(39, 0, 0, 0);
            double per = (now_ns() - t0) / n;
            best = per < best ? per : best;
        }
        char buf[64];
        int len = snprintf(buf, sizeof(buf), "%f", best);
        /* Only the gate may make syscalls now. */
        gate_syscall3(1, fds[1], (long)buf, len);
        gate_syscall3(231, 0, 0, 0);
    }
    close(fds[1]);
    char buf[64] = {0};
    if (read(fds[0], buf, sizeof(buf) - 1) <= 0)
        return -1;
    close(fds[0]);
    waitpid(pid, NULL, 0);
    return atof(buf);
}
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 200000;
    printf("none_allowed %.1f\n", run_mode("none", 0, n));
    printf("sud_allowed %.1f\n", run_mode("sud", 0, n));
    printf("seccomp_allowed %.1f\n", run_mode("seccomp", 0, n));
    printf("sud_trapped %.1f\n", run_mode("sud", 1, n / 4));
    printf("seccomp_trapped %.1f\n", run_mode("seccomp", 1, n / 4));
    return 0;
}
