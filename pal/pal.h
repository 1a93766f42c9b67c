/* The PAL ABI: everything the LibOS needs from the host, and the only way down to it.
 *
 * Conventions: calls return a non-negative result or a negated Linux errno, so the LibOS
 * can hand the value to the app unchanged. A "handle" is a host object reference owned by
 * the PAL (a host fd in the direct PAL). Paths given to the PAL are host paths; the LibOS
 * has already translated them through its mounts. */
#ifndef PAL_PAL_H
#define PAL_PAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct iovec;
struct pollfd;
struct stat;
struct statx;
struct __kernel_timespec;
struct __kernel_itimerspec;

/* ---- Per-thread control block, reached through %gs -------------------------------- */

/* Register state of app code at an entry into the LibOS (syscall or interruption). */
struct pal_context {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
    uint64_t syscall_nr; /* the syscall number at a syscall entry */
    void *fpstate;       /* app's saved FPU/XSAVE area at an interruption, or NULL */
};

/* What the CPU reported about a fault, as Linux shows it in a signal frame's sigcontext. */
struct pal_fault {
    uint64_t trapno;     /* the exception vector: 14 page fault, 13 #GP, 6 #UD, 3 #BP... */
    uint64_t error_code; /* the exception's error code (page faults: user/write/fetch bits) */
    uint64_t address;    /* CR2: the faulting address of a page fault */
};

enum { PAL_FAULT_FATAL, PAL_FAULT_QUEUED, PAL_FAULT_RESUME };

struct pal_tcb {
    struct pal_tcb *self;   /* %gs:0, so C code can find the block */
    void *libos_stack_top;  /* %gs:8, entry stubs switch to it */
    uint64_t in_runtime;    /* %gs:16, nonzero while LibOS/PAL code runs */
    uint64_t scratch;       /* %gs:24, one register spill for entry stubs */
    struct pal_context app; /* %gs:32, app registers saved at entry */
    uint64_t host_calls;    /* %gs:192, host syscalls made by this thread */
    /* %gs:200: nonzero while the LibOS has something for this thread to act on (an app
     * signal to deliver, a request to end). A blocking host call does not start while it is
     * set, and one in progress is interrupted: see pal_thread_interrupt. */
    volatile uint64_t signal_pending;
    /* %gs:208: where a patched syscall site's trampoline jumps (the LibOS's entry). */
    void *patched_syscall_entry;
    void *libos_thread; /* the LibOS's per-thread state */
    /* The LibOS's per-thread state that every syscall reads: here rather than in its own
     * memory so the fast path stays on this page (common/hot.h). The PAL never reads it. */
    uint64_t libos_hot[16];
    int host_tid;
    void *host_altstack; /* host signal stack base and size */
    size_t host_altstack_size;
    void *libos_stack_base;
    size_t libos_stack_size;
    void *mapping_base; /* the one host mapping holding stacks and this block */
    size_t mapping_size;
    void (*start)(void *arg); /* what a new thread runs first, on its LibOS stack */
    void *start_arg;
    volatile int alive;        /* host tid while the host thread lives; the kernel clears it */
    struct pal_tcb *next_dead; /* exited threads whose mappings wait to be freed */
};

#define PAL_TCB_LIBOS_STACK_TOP 8
#define PAL_TCB_IN_RUNTIME 16
#define PAL_TCB_SCRATCH 24
#define PAL_TCB_APP 32
#define PAL_TCB_HOST_CALLS 192
#define PAL_TCB_SIGNAL_PENDING 200
#define PAL_TCB_PATCHED_SYSCALL_ENTRY 208

_Static_assert(__builtin_offsetof(struct pal_tcb, host_calls) == PAL_TCB_HOST_CALLS,
               "entry stubs hard-code the control block layout");
_Static_assert(__builtin_offsetof(struct pal_tcb, signal_pending) == PAL_TCB_SIGNAL_PENDING,
               "the blocking gate hard-codes the control block layout");
_Static_assert(__builtin_offsetof(struct pal_tcb, patched_syscall_entry) ==
                   PAL_TCB_PATCHED_SYSCALL_ENTRY,
               "patched sites' trampolines hard-code the control block layout");

static inline struct pal_tcb *pal_tcb(void) {
    struct pal_tcb *t;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(t));
    return t;
}

/* ---- Start-up and upcalls ---------------------------------------------------------- */

/* What the PAL learned from the host at start, handed to the LibOS. */
struct pal_host_info {
    int argc;
    char **argv;
    char **envp;
    uint64_t *auxv;  /* the runtime's own auxv from the host */
    void *vdso_base; /* host vDSO image (AT_SYSINFO_EHDR) */
    uint64_t hwcap, hwcap2;
    uint64_t clock_ticks;
    const char *platform;
    unsigned cpu_count; /* CPUs in the host affinity set */
    uint64_t mem_total; /* bytes of host RAM */
    void *runtime_base; /* where the runtime image was loaded, and its extent */
    size_t runtime_size;
    const char *pal_name; /* "direct" or "sgx-sim" */
    /* Where the app's memory may go (an enclave's range less the runtime's part); both 0
     * when it may go anywhere in the user address space. */
    uint64_t app_mem_start, app_mem_end;
    /* The manifest the PAL loaded and measured (sgx-sim), which the loader must use instead
     * of reading the file again; NULL otherwise. */
    const char *manifest;
    size_t manifest_size;
};

/* Where the LibOS starts its top-down app mappings in the window [low, high): below the gap
 * Linux keeps for the main stack (128 MiB; an eighth of a small window, as an enclave's).
 * Part of the ABI so that a PAL can prepare memory where the app will map first. */
static inline uint64_t pal_app_mmap_top(uint64_t low, uint64_t high) {
    const uint64_t gap = 128ULL << 20;
    uint64_t size = high - low;
    return (high - (size >= 8 * gap ? gap : size / 8)) & ~4095ULL;
}

/* What the loader learned from the command line and the manifest that concerns the PAL. */
struct pal_config {
    const char *pal;           /* the PAL asked for: "direct" or "sgx-sim" */
    const char *manifest_path; /* NULL without a manifest */
    uint64_t max_threads;      /* sgx.max_threads: thread slots; 0 = the PAL's default */
    uint64_t enclave_size;     /* sgx.enclave_size; 0 = the PAL's default */
    bool edmm;                 /* sgx.edmm_enable */
    uint64_t edmm_preheat_size, edmm_lazyfree_threshold;
    bool stats; /* --stats */
};

/* Called once by the loader, before anything of the app exists. When cfg->pal is not this
 * PAL, the runtime built for that PAL replaces the process (with the same arguments). A PAL
 * may also restart the runtime in a new place (sgx-sim: inside the enclave it builds), so
 * the loader must be ready to run again from the start. Returns 0, or -errno with one line
 * for the user in err. */
long pal_configure(const struct pal_config *cfg, char *err, size_t errlen);
/* Replaces the process with the host program `name` from the runtime's own directory (the
 * signing tool, the runtime of another PAL). Returns -errno when that fails. */
long pal_exec_sibling(const char *name, char *const argv[]);
/* The PAL's own lines for --stats (exits, enclave operations...), one call per line. */
void pal_print_stats(void (*line)(const char *text));

/* The LibOS registers these at start. The syscall entry is where both ways into the
 * LibOS (patched sites and the kernel catch) arrive, with the app registers already
 * saved in pal_tcb()->app and the LibOS stack active. */
struct pal_upcalls {
    void (*syscall_entry)(void); /* assembly stub; never returns to the PAL */
    /* A hardware fault (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP) in app code, in host
     * signal context. PAL_FAULT_QUEUED: the LibOS queued it, and the thread enters the LibOS
     * through interrupt_entry with ctx as its app registers; PAL_FAULT_RESUME: the app goes
     * on at ctx->rip (a jump into a patched window, sent to its trampoline); PAL_FAULT_FATAL:
     * the process ends as the signal would. */
    int (*app_fault)(const void *siginfo, struct pal_context *ctx, const struct pal_fault *fault);
    /* A host signal reached the process (any thread, in host signal context: the LibOS
     * may only record it, without locks). False means the app ignores it. */
    bool (*host_signal)(int sig, const void *siginfo);
    /* Where a thread interrupted in app code (pal_thread_interrupt) enters the LibOS, with
     * its registers saved in pal_tcb()->app and the LibOS stack active; never returns. */
    void (*interrupt_entry)(void);
    /* The tail of the LibOS's return to app code: it runs with in_runtime clear but its
     * registers are not yet the app's (pal_tcb()->app still holds them). */
    uintptr_t resume_start, resume_end;
};

void pal_register_upcalls(const struct pal_upcalls *upcalls);
const struct pal_host_info *pal_host_info(void);

/* ---- Kernel catch ------------------------------------------------------------------ */

enum pal_catch_kind { PAL_CATCH_SUD, PAL_CATCH_SECCOMP };
/* Arms the kernel-level catch: from now on every syscall instruction outside the PAL gate
 * traps into the LibOS syscall entry. */
long pal_catch_enable(enum pal_catch_kind kind);
/* Takes every host signal the app may receive (from outside, from host timers) into the
 * LibOS through the host_signal upcall; called once the LibOS is ready. */
void pal_signals_enable(void);

/* ---- Threads and events ------------------------------------------------------------ */

/* Creates a host thread in this process. It gets its own control block and stacks, has the
 * kernel catch armed, and runs start(arg) on its LibOS stack with in_runtime set. Returns
 * the new thread's host tid or -errno. */
long pal_thread_create(void (*start)(void *arg), void *arg);
/* Ends the calling host thread (not the process); its stacks are freed later. */
__attribute__((noreturn)) void pal_thread_exit(void);

/* Makes thread tid (of this process) enter the LibOS soon: a host call it is blocked in
 * returns -EINTR, and if it runs app code it enters through the interrupt upcall. A
 * thread inside the LibOS and not blocked is not disturbed: the LibOS checks its own
 * requests before it returns to app code. */
long pal_thread_interrupt(int tid);
/* The calling thread's name as the host shows it (/proc/.../comm, status, ps). */
void pal_thread_set_name(const char *name);

/* Per-thread events, the base of the LibOS futex and sleeps: a 32-bit word the waiter owns.
 * pal_event_wait sleeps while *word == expected, until woken, until abs_timeout (on
 * CLOCK_MONOTONIC; NULL waits forever) or until a host signal. Returns 0, -EAGAIN (word
 * differs), -ETIMEDOUT or -EINTR. pal_event_wake wakes the threads sleeping on word. */
long pal_event_wait(volatile uint32_t *word, uint32_t expected,
                    const struct __kernel_timespec *abs_timeout);
long pal_event_wake(volatile uint32_t *word, int count);

/* ---- Memory ------------------------------------------------------------------------ */

#define PAL_PROT_READ 1
#define PAL_PROT_WRITE 2
#define PAL_PROT_EXEC 4

#define PAL_MAP_SHARED 0x1 /* share with the file (else private copy-on-write) */
#define PAL_MAP_FIXED 0x2  /* replace whatever is at addr */
#define PAL_MAP_NORESERVE 0x4
#define PAL_MAP_NOREPLACE 0x8 /* at addr exactly, fail with -EEXIST if the host has it */
#define PAL_MAP_GROWSDOWN 0x10

/* Maps len bytes; handle < 0 means anonymous memory. Returns the address or -errno. */
long pal_mem_map(void *addr, size_t len, int prot, int flags, int handle, uint64_t offset);
long pal_mem_protect(void *addr, size_t len, int prot);
long pal_mem_unmap(void *addr, size_t len);
long pal_mem_advise(void *addr, size_t len, int advice);
/* Moves or resizes a mapping (Linux mremap semantics, MREMAP_* flags). */
long pal_mem_remap(void *old, size_t old_len, size_t new_len, int flags, void *new_addr);
/* msync (MS_* flags), mincore (one byte per page into vec, LibOS-checked), and mlock or
 * munlock (lock: mlock2 flags, MLOCK_ONFAULT; unlock: -1) of mapped app memory. */
long pal_mem_sync(void *addr, size_t len, int flags);
long pal_mem_residency(void *addr, size_t len, unsigned char *vec);
long pal_mem_lock(void *addr, size_t len, int lock_flags);
/* Reports host mappings that existed before the LibOS started (the runtime image, vDSO,
 * host stack...), one callback per range. */
long pal_mem_host_ranges(void (*cb)(void *arg, uint64_t start, uint64_t end, int prot,
                                    const char *name),
                         void *arg);

/* ---- Host objects: paths ----------------------------------------------------------- */

long pal_open(const char *path, int flags, int mode);
long pal_stat(const char *path, struct stat *st, bool follow);
long pal_statx(const char *path, int flags, unsigned mask, struct statx *stx);
long pal_readlink(const char *path, char *buf, size_t size);
long pal_access(const char *path, int mode, int flags);
long pal_mkdir(const char *path, int mode);
long pal_unlink(const char *path, int flags);
long pal_rename(const char *from, const char *to, unsigned flags);
long pal_symlink(const char *target, const char *path);
long pal_link(const char *from, const char *to);
long pal_chmod(const char *path, int mode);
long pal_truncate(const char *path, uint64_t len);
long pal_utimens(const char *path, const struct __kernel_timespec *times, int flags);
/* fchownat; follow=false changes a symlink itself. */
long pal_chown(const char *path, unsigned uid, unsigned gid, bool follow);
/* struct statfs of the file system holding path. */
long pal_statfs(const char *path, void *statfs_buf);
/* mknodat: FIFOs and (where the host permits) device nodes. */
long pal_mknod(const char *path, int mode, unsigned long dev);
/* linkat with AT_SYMLINK_FOLLOW (also links an open file through /proc/self/fd/N). */
long pal_link_follow(const char *from, const char *to);
/* Extended attributes of path (follow=false: of a symlink itself); Linux's arguments. */
long pal_getxattr(const char *path, const char *name, void *value, size_t size, bool follow);
long pal_listxattr(const char *path, char *list, size_t size, bool follow);
long pal_setxattr(const char *path, const char *name, const void *value, size_t size, int flags,
                  bool follow);
long pal_removexattr(const char *path, const char *name, bool follow);
/* A host inotify instance (inotify_init1 flags: IN_NONBLOCK) and its watches of paths. */
long pal_inotify_init(int flags);
long pal_inotify_add_watch(int h, const char *path, unsigned mask);
long pal_inotify_rm_watch(int h, int wd);

/* ---- Host objects: handles --------------------------------------------------------- */

long pal_read(int h, void *buf, size_t n);
long pal_write(int h, const void *buf, size_t n);
/* pal_read and pal_write for a caller whose work after the call needs none of its frames:
 * instead of returning, the PAL continues in then(result), on the same stack, and nothing
 * returns into a frame made before the host call. Hosts whose kernel leaves the CPU's
 * return predictor empty (this project's VMs) charge tens of nanoseconds for the first
 * such return, a tenth of a passthrough call's whole overhead (docs/benchmarks.md). */
typedef void (*pal_then)(long result);
__attribute__((noreturn)) void pal_read_then(int h, void *buf, size_t n, pal_then then);
__attribute__((noreturn)) void pal_write_then(int h, const void *buf, size_t n, pal_then then);
long pal_pread(int h, void *buf, size_t n, uint64_t off);
long pal_pwrite(int h, const void *buf, size_t n, uint64_t off);
long pal_readv(int h, const struct iovec *iov, int cnt);
long pal_writev(int h, const struct iovec *iov, int cnt);
long pal_seek(int h, int64_t off, int whence);
long pal_close(int h);
long pal_dup(int h);
long pal_fstat(int h, struct stat *st);
long pal_fstatx(int h, unsigned mask, struct statx *stx);
long pal_ftruncate(int h, uint64_t len);
long pal_fsync(int h, bool data_only);
long pal_getdents64(int h, void *buf, size_t n);
long pal_ioctl(int h, unsigned long req, void *arg);
long pal_get_status_flags(int h);
long pal_set_status_flags(int h, int flags);
long pal_fchmod(int h, int mode);
long pal_fallocate(int h, int mode, uint64_t off, uint64_t len);
long pal_pipe(int handles[2], int flags);
/* Waits for readiness; timeout_ns < 0 waits forever. Returns the number of ready entries. */
long pal_poll(struct pollfd *fds, unsigned n, int64_t timeout_ns);
long pal_fchown(int h, unsigned uid, unsigned gid);
long pal_fstatfs(int h, void *statfs_buf);
/* A new host memfd (memfd_create flags without MFD_CLOEXEC); name is in LibOS memory. */
long pal_memfd_create(const char *name, unsigned flags);
long pal_fgetxattr(int h, const char *name, void *value, size_t size);
long pal_flistxattr(int h, char *list, size_t size);
long pal_fsetxattr(int h, const char *name, const void *value, size_t size, int flags);
long pal_fremovexattr(int h, const char *name);
long pal_flock(int h, int operation);
/* sendfile between two handles; off (may be NULL) is the input offset to use and update. */
long pal_sendfile(int out_h, int in_h, int64_t *off, size_t count);
/* The fcntl commands the LibOS passes through (record locks, pipe size, owner, seals,
 * leases); the LibOS has checked cmd and arg. */
long pal_fcntl(int h, int cmd, unsigned long arg);
/* utimensat on the handle itself (futimens). */
long pal_futimens(int h, const struct __kernel_timespec *times);

/* ---- Time, randomness, sleeping ---------------------------------------------------- */

long pal_clock_gettime(int clock, struct __kernel_timespec *ts);
long pal_clock_getres(int clock, struct __kernel_timespec *ts);
/* Sleeps; with rem != NULL, stores the time left when interrupted. */
long pal_clock_nanosleep(int clock, int flags, const struct __kernel_timespec *req,
                         struct __kernel_timespec *rem);
long pal_random(void *buf, size_t n);

/* ---- Process, identity, system ----------------------------------------------------- */

__attribute__((noreturn)) void pal_process_exit(int status);
/* Creates a child process that holds a copy of this one's memory and host handles and in
 * which only the calling thread runs (the host's fork). exit_signal goes to the parent
 * when the child ends. Returns the child's pid in the parent and 0 in the child, whose PAL
 * state is by then its own (thread id, syscall catch), or -errno. */
long pal_process_fork(int exit_signal);
/* wait4 and waitid on the host's children (the processes pal_process_fork made); they
 * may block, and are interrupted like every blocking call. */
long pal_process_wait4(int pid, int *status, int options, void *rusage);
long pal_process_waitid(int idtype, int id, void *info, int options, void *rusage);
/* The host's accounting of this process (who 0), its reaped children (-1) or the calling
 * thread (1): struct rusage; and times() (struct tms, may be NULL; returns clock ticks). */
long pal_process_rusage(int who, void *rusage);
long pal_process_times(void *tms);
/* Ends the process the way signal sig would (so the parent sees the same status). */
__attribute__((noreturn)) void pal_process_die_of_signal(int sig);
long pal_host_pid(void);
long pal_host_tid(void);
long pal_host_ppid(void);
long pal_host_pgid(int pid);
long pal_host_sid(int pid);
/* Sends sig to another host process (kill(2) semantics for pid). */
long pal_host_kill(int pid, int sig);
/* Process groups and sessions are the host's: the app's pids are host pids. */
long pal_host_setpgid(int pid, int pgid);
long pal_host_uid(void);
/* PR_SET_PDEATHSIG of the calling host thread. */
long pal_host_set_pdeathsig(int sig);
long pal_host_tgkill(int tgid, int tid, int sig);
long pal_host_sigqueueinfo(int pid, int sig, const void *siginfo);
/* The host's interval timers and POSIX timers (alarm, setitimer, getitimer, timer_*):
 * their signals come back as host signals. nr is the host syscall number. */
long pal_host_timer_call(long nr, long a, long b, long c, long d);
/* Debug switch for the lost-signal stress test: blocking calls no longer check for a
 * pending signal before they start, reopening the window the gate closes. */
void pal_set_unsafe_gate(bool unsafe);
/* Whether the process-wide host-call count (pal_stats) is kept: only --stats needs it. The
 * per-thread count (pal_tcb.host_calls) is always kept. */
void pal_count_host_calls(bool on);
long pal_host_setsid(void);
long pal_host_ids(unsigned ids[6]); /* ruid, euid, suid, rgid, egid, sgid */
long pal_host_getgroups(int n, unsigned *groups);
/* The host process's capability sets (what the LibOS's model starts from). */
long pal_host_caps(uint64_t *effective, uint64_t *permitted, uint64_t *inheritable);
long pal_host_uname(void *utsname);
long pal_host_rlimit(int resource, const void *new_limit, void *old_limit);
long pal_host_sysinfo(void *info);
long pal_sched_yield(void);
long pal_host_umask(int mask);
long pal_host_getcwd(char *buf, size_t size);
long pal_sched_getaffinity(void *mask, size_t size);
/* Whether the host CPU and kernel have memory protection keys. */
bool pal_host_has_pkeys(void);
/* membarrier and personality of the host process, whose threads are the app's. */
long pal_membarrier(int cmd, unsigned flags, int cpu_id);
long pal_personality(unsigned persona);
/* Scheduling policy and priority of host threads and processes, which are the app's
 * (their ids are the host's); param and interval are in LibOS memory. */
long pal_sched_getscheduler(int pid);
long pal_sched_setscheduler(int pid, int policy, const void *param);
long pal_sched_getparam(int pid, void *param);
long pal_sched_setparam(int pid, const void *param);
long pal_sched_rr_get_interval(int pid, struct __kernel_timespec *interval);
/* getpriority's raw result (20 - nice) and setpriority. */
long pal_get_priority(int which, int who);
long pal_set_priority(int which, int who, int nice);

/* ---- Host signal dispositions ------------------------------------------------------ */

/* ---- Segment bases ------------------------------------------------------------------ */

long pal_set_fs_base(uint64_t base);
uint64_t pal_get_fs_base(void);

/* ---- Diagnostics -------------------------------------------------------------------- */

/* Writes to the runtime's own log channel (a private dup of the host stderr). */
void pal_log_write(const char *buf, size_t n);

/* Counters of host calls, by kind, for --stats. */
struct pal_stats {
    uint64_t host_calls;
    uint64_t mem_calls;
    uint64_t caught_syscalls; /* kernel-catch entries */
    uint64_t host_signals;    /* host signals taken in (not the catch's, not faults) */
    uint64_t app_faults;      /* hardware faults in app code handed to the LibOS */
};
const struct pal_stats *pal_stats(void);

/* ---- Sockets and readiness ---------------------------------------------------------- */

struct msghdr;
struct epoll_event;

/* Host sockets, epoll instances and eventfds. Addresses are host addresses (the LibOS has
 * translated Unix socket paths) with Linux's in/out length conventions; every pointer has
 * been checked by the LibOS or points into LibOS memory. Every new handle is close-on-exec
 * on the host, and pal_recvmsg makes the handles it receives (SCM_RIGHTS) close-on-exec.
 * The calls marked "may block" wait in the host, not yet interruptible by app signals. */
long pal_socket(int domain, int type, int protocol);
long pal_socketpair(int domain, int type, int protocol, int handles[2]);
long pal_bind(int h, const void *addr, unsigned len);
long pal_listen(int h, int backlog);
/* accept4; may block. */
long pal_accept(int h, void *addr, unsigned *len, int flags);
/* May block. */
long pal_connect(int h, const void *addr, unsigned len);
long pal_getsockname(int h, void *addr, unsigned *len);
long pal_getpeername(int h, void *addr, unsigned *len);
long pal_setsockopt(int h, int level, int name, const void *value, unsigned len);
long pal_getsockopt(int h, int level, int name, void *value, unsigned *len);
/* msg has the Linux struct msghdr layout. Both may block. */
long pal_sendmsg(int h, const struct msghdr *msg, int flags);
long pal_recvmsg(int h, struct msghdr *msg, int flags);
long pal_shutdown(int h, int how);

long pal_epoll_create(void);
/* The host watches handle h; event->data comes back from pal_epoll_wait unchanged. */
long pal_epoll_ctl(int epoll_h, int op, int h, struct epoll_event *event);
/* May block; timeout_ns < 0 waits forever. Returns the number of events stored. */
long pal_epoll_wait(int epoll_h, struct epoll_event *events, int max, int64_t timeout_ns);
/* eventfd2 flags: EFD_NONBLOCK, EFD_SEMAPHORE. */
long pal_eventfd(unsigned initial, int flags);
/* Host timerfds (timerfd_create flags: TFD_NONBLOCK); the itimerspecs are in LibOS
 * memory, old may be NULL. */
long pal_timerfd_create(int clockid, int flags);
long pal_timerfd_settime(int h, int flags, const struct __kernel_itimerspec *new_value,
                         struct __kernel_itimerspec *old_value);
long pal_timerfd_gettime(int h, struct __kernel_itimerspec *value);
/* A host object whose readability the LibOS sets, so that host poll and epoll can wait
 * on files the LibOS makes up (signalfd). Setting never blocks and is not interrupted. */
long pal_ready_flag_create(void);
void pal_ready_flag_set(int h, bool readable);
/* splice between two handles (one a pipe); the offsets (may be NULL) are in LibOS memory
 * and are updated. Both may block. */
long pal_splice(int in_h, int64_t *in_off, int out_h, int64_t *out_off, size_t len, unsigned flags);
long pal_tee(int in_h, int out_h, size_t len, unsigned flags);

#endif
