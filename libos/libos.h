/* LibOS-wide state and helpers shared by the syscall families. */
#ifndef LIBOS_LIBOS_H
#define LIBOS_LIBOS_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "pal/pal.h"
#include "libos/syscall.h"

/* What the loader decided from the command line and the manifest. */
struct libos_config {
    bool stats;            /* --stats: print the tables at exit */
    uint64_t stack_size;   /* sys.stack.size */
    uint64_t brk_max_size; /* sys.brk.max_size */
    enum pal_catch_kind catch_kind;
    bool syscall_patching; /* libos.syscall_patching / --syscall-patching */
    bool drained_reads;    /* libos.drained_reads / --drained-reads (libos/drain.h) */
    bool profile;          /* `enclos profile`: print a manifest fragment at exit */
};

extern struct libos_config g_libos_config;

struct libos_syscall_stats {
    uint64_t count[SYSCALL_TABLE_SIZE];
    uint64_t host_calls[SYSCALL_TABLE_SIZE]; /* host calls made while handling each syscall */
};
extern struct libos_syscall_stats g_syscall_stats;

void libos_syscall_table_init(void);
/* Name of a syscall number from the host's list, also for ones the LibOS lacks. */
const char *libos_unsupported_syscall_name(long nr);
const char *libos_errno_name(long err);

int libos_current_tid(void);
long libos_pid(void);

/* Called by a handler that rewrote the whole app context (so rax must not be overwritten);
 * the syscall's end reads and clears the mark (THREAD_HOT_CONTEXT_REPLACED). */
void libos_mark_context_replaced(void);
/* set_tid_address: the word cleared (and futex-woken) when the thread exits. */
void libos_set_clear_child_tid(int *addr);
void libos_set_robust_list(void *head);

/* Ends the whole app: prints --stats and exits the process with status. */
__attribute__((noreturn)) void libos_exit_process(int status);
__attribute__((noreturn)) void libos_die_of_signal(int sig);

/* Starts app code with the registers in pal_tcb()->app; does not return. */
__attribute__((noreturn)) void libos_return_to_app(void);
void libos_syscall_entry(void);
/* The C side of a syscall entry: the app's registers are in pal_tcb()->app. */
void libos_handle_syscall(void);
/* Ends the current syscall with result and returns to the app, for a handler whose host
 * call continues here instead of returning (pal_read_then): the same end as a handler's
 * return, with none of the frames before the host call returned into. */
__attribute__((noreturn)) void libos_syscall_continue(long result);
/* Where patched sites' trampolines jump, with the return point in rcx (common/trampoline.h). */
void libos_patched_syscall_entry(void);
void libos_interrupt_entry(void);
extern char libos_return_to_app_end[];

void libos_print_stats(void);

/* Signal actions: locked across fork; execve resets handled signals to SIG_DFL. */
void libos_signals_fork_lock(void);
void libos_signals_fork_unlock(bool child);
void libos_signals_exec_reset(void);

/* PR_GET_KEEPCAPS and PR_SET_KEEPCAPS (libos/sys/identity.c). */
long libos_keepcaps_prctl(int option, unsigned long arg);
/* fork: the credentials are locked across the copy. */
void libos_creds_fork_lock(void);
void libos_creds_fork_unlock(void);
/* Whether the app holds capability cap (CAP_*) in the credentials the LibOS keeps: the
 * host process may hold more (enclos run as root by an app that dropped to a user). */
bool libos_capable(int cap);
/* The real uid the LibOS keeps (what a signal's si_uid carries). */
unsigned libos_real_uid(void);
/* The /proc/PID/status line for key ("Uid", "Groups"... without the colon) from the ids the
 * LibOS keeps, without its newline; -1 when key is not a credentials line or out is short. */
long libos_creds_status_line(const char *key, size_t key_len, char *out, size_t cap);

/* fork, vfork and clone without CLONE_THREAD (libos/sys/fork.c). */
long libos_fork(uint64_t flags, uint64_t stack, int *ptid, int *ctid, uint64_t tls);
/* vfork's shared memory, as far as the LibOS keeps it (libos/vfork.c). In the child:
 * remember the window above the caller's stack pointer and the pipe the parent waits on;
 * send the parent what changed there (at execve's point of no return and at the end);
 * close the pipe, which lets the parent go on. In the parent: apply what the child sends,
 * until it closes the pipe. */
void libos_vfork_child_begin(int notify, uint64_t sp, bool shared_memory);
void libos_vfork_send_writes(void);
void libos_vfork_release(void);
void libos_vfork_wait_child(int notify, uint64_t sp, bool shared_memory);
/* Called on every way back to app code (after a syscall, after an interrupt): acts on what
 * other threads asked of this one (today: to end, while another thread runs execve). */
void libos_before_return_to_app(long interrupted_nr);

#endif
