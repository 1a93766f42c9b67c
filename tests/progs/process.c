/* Process facts: ids, uname, resource limits, sysinfo, getrandom, scheduling,
 * set_tid_address, rseq, arch_prctl, personality and membarrier. Only run-independent
 * facts are printed. */
#include "testlib.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#define TL_ARCH_SET_GS 0x1001
#define TL_ARCH_SET_FS 0x1002
#define TL_ARCH_GET_FS 0x1003
#define TL_ARCH_GET_GS 0x1004

static void check_ids(void) {
    long pid = RAW(SYS_getpid);
    long tid = RAW(SYS_gettid);
    EXPECT_TRUE("getpid positive", pid > 0);
    EXPECT_TRUE("gettid equals getpid in the main thread", tid == pid);
    EXPECT_TRUE("libc getpid agrees", getpid() == pid);
    EXPECT_TRUE("getppid not negative and not self",
                RAW(SYS_getppid) >= 0 && RAW(SYS_getppid) != pid);

    long uid = RAW(SYS_getuid), euid = RAW(SYS_geteuid);
    long gid = RAW(SYS_getgid), egid = RAW(SYS_getegid);
    EXPECT_TRUE("uid and gid not negative", uid >= 0 && euid >= 0 && gid >= 0 && egid >= 0);
    EXPECT_TRUE("libc ids agree", getuid() == (uid_t)uid && geteuid() == (uid_t)euid &&
                                      getgid() == (gid_t)gid && getegid() == (gid_t)egid);
    unsigned int r = 1, e = 1, s = 1;
    EXPECT_OK("getresuid", RAW(SYS_getresuid, &r, &e, &s));
    EXPECT_TRUE("getresuid matches getuid/geteuid", r == uid && e == euid && s == euid);
    EXPECT_OK("getresgid", RAW(SYS_getresgid, &r, &e, &s));
    EXPECT_TRUE("getresgid matches getgid/getegid", r == gid && e == egid && s == egid);
    EXPECT_ERR("getresuid bad pointer", RAW(SYS_getresuid, &r, BAD_PTR, &s), EFAULT);
    EXPECT_ERR("getresgid bad pointer", RAW(SYS_getresgid, BAD_PTR, &e, &s), EFAULT);
}

static void check_uname(void) {
    struct utsname name;
    memset(&name, 0, sizeof(name));
    EXPECT_OK("uname", RAW(SYS_uname, &name));
    EXPECT_STR("uname sysname", name.sysname, "Linux");
    EXPECT_STR("uname machine", name.machine, "x86_64");
    EXPECT_TRUE("uname release not empty", name.release[0] != 0);
    EXPECT_ERR("uname bad pointer", RAW(SYS_uname, BAD_PTR), EFAULT);
}

static void check_rlimits(void) {
    struct rlimit limit, old;
    EXPECT_OK("getrlimit RLIMIT_NOFILE", RAW(SYS_getrlimit, RLIMIT_NOFILE, &limit));
    EXPECT_TRUE("RLIMIT_NOFILE soft <= hard and >= 64",
                limit.rlim_cur <= limit.rlim_max && limit.rlim_cur >= 64);
    EXPECT_OK("getrlimit RLIMIT_STACK", RAW(SYS_getrlimit, RLIMIT_STACK, &limit));
    EXPECT_TRUE("RLIMIT_STACK soft <= hard", limit.rlim_cur <= limit.rlim_max);
    EXPECT_ERR("getrlimit bad resource", RAW(SYS_getrlimit, 999, &limit), EINVAL);
    EXPECT_ERR("getrlimit bad pointer", RAW(SYS_getrlimit, RLIMIT_NOFILE, BAD_PTR), EFAULT);

    EXPECT_OK("getrlimit NOFILE", RAW(SYS_getrlimit, RLIMIT_NOFILE, &old));
    limit = old;
    limit.rlim_cur = 64;
    EXPECT_OK("setrlimit NOFILE soft 64", RAW(SYS_setrlimit, RLIMIT_NOFILE, &limit));
    EXPECT_OK("getrlimit after setrlimit", RAW(SYS_getrlimit, RLIMIT_NOFILE, &limit));
    EXPECT_VAL("RLIMIT_NOFILE soft now", limit.rlim_cur, 64);
    EXPECT_ERR("dup2 beyond the new soft limit", RAW(SYS_dup2, 1, 64), EBADF);
    EXPECT_VAL("dup2 just below the limit", RAW(SYS_dup2, 1, 63), 63);
    RAW(SYS_close, 63);
    struct rlimit inverted = {2000, 1000};
    EXPECT_ERR("setrlimit soft above hard", RAW(SYS_setrlimit, RLIMIT_NOFILE, &inverted), EINVAL);

    struct rlimit new_limit = {100, old.rlim_max};
    EXPECT_OK("prlimit64 self set and get",
              RAW(SYS_prlimit64, 0, RLIMIT_NOFILE, &new_limit, &limit));
    EXPECT_VAL("prlimit64 returns the old soft limit", limit.rlim_cur, 64);
    EXPECT_OK("prlimit64 by own pid",
              RAW(SYS_prlimit64, RAW(SYS_getpid), RLIMIT_NOFILE, NULL, &limit));
    EXPECT_VAL("prlimit64 sees the new soft limit", limit.rlim_cur, 100);
    EXPECT_OK("prlimit64 restore", RAW(SYS_prlimit64, 0, RLIMIT_NOFILE, &old, NULL));
    EXPECT_ERR("prlimit64 bad resource", RAW(SYS_prlimit64, 0, 999, NULL, &limit), EINVAL);
    EXPECT_ERR("prlimit64 bad pointer", RAW(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, BAD_PTR),
               EFAULT);
    EXPECT_ERR("prlimit64 no such process",
               RAW(SYS_prlimit64, 0x3ffffff0, RLIMIT_NOFILE, NULL, &limit), ESRCH);
}

static void check_sysinfo(void) {
    struct sysinfo info;
    memset(&info, 0, sizeof(info));
    EXPECT_OK("sysinfo", RAW(SYS_sysinfo, &info));
    EXPECT_TRUE("sysinfo totalram positive", info.totalram > 0 && info.mem_unit >= 1);
    EXPECT_TRUE("sysinfo freeram <= totalram", info.freeram <= info.totalram);
    EXPECT_TRUE("sysinfo procs positive", info.procs >= 1);
    EXPECT_TRUE("sysinfo at least 8 MiB of RAM",
                (unsigned long long)info.totalram * info.mem_unit >= (8ull << 20));
    EXPECT_ERR("sysinfo bad pointer", RAW(SYS_sysinfo, BAD_PTR), EFAULT);
}

static void check_random(void) {
    unsigned char a[32], b[32], zero[32] = {0};
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    EXPECT_VAL("getrandom 32 bytes", RAW(SYS_getrandom, a, sizeof(a), 0), 32);
    EXPECT_VAL("getrandom GRND_NONBLOCK", RAW(SYS_getrandom, b, sizeof(b), 1), 32);
    EXPECT_TRUE("random bytes are not all zero", memcmp(a, zero, 32) != 0);
    EXPECT_TRUE("two draws differ", memcmp(a, b, 32) != 0);
    EXPECT_VAL("getrandom 0 bytes", RAW(SYS_getrandom, a, 0, 0), 0);
    EXPECT_ERR("getrandom bad flags", RAW(SYS_getrandom, a, sizeof(a), 0x100), EINVAL);
    EXPECT_ERR("getrandom bad pointer", RAW(SYS_getrandom, BAD_PTR, 16, 0), EFAULT);
    static unsigned char big[1 << 20];
    long got = RAW(SYS_getrandom, big, sizeof(big), 0);
    EXPECT_TRUE("getrandom 1 MiB returns at least 256 bytes", got >= 256);
}

static void check_sched(void) {
    EXPECT_VAL("sched_yield", RAW(SYS_sched_yield), 0);
    cpu_set_t set;
    CPU_ZERO(&set);
    long size = RAW(SYS_sched_getaffinity, 0, sizeof(set), &set);
    EXPECT_TRUE("sched_getaffinity returns a positive multiple of 8", size > 0 && size % 8 == 0);
    EXPECT_TRUE("at least one CPU in the affinity mask", CPU_COUNT(&set) >= 1);
    EXPECT_TRUE("libc sched_getaffinity agrees",
                sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) >= 1);
    EXPECT_TRUE("sysconf online CPUs positive", sysconf(_SC_NPROCESSORS_ONLN) >= 1);
    EXPECT_OK("sched_getaffinity by own pid",
              RAW(SYS_sched_getaffinity, RAW(SYS_getpid), sizeof(set), &set));
    EXPECT_ERR("sched_getaffinity size not a multiple of 8", RAW(SYS_sched_getaffinity, 0, 3, &set),
               EINVAL);
    EXPECT_ERR("sched_getaffinity bad pointer", RAW(SYS_sched_getaffinity, 0, sizeof(set), BAD_PTR),
               EFAULT);
    EXPECT_ERR("sched_getaffinity no such process",
               RAW(SYS_sched_getaffinity, 0x3ffffff0, sizeof(set), &set), ESRCH);
}

/* struct rseq as the kernel wants it: 32 bytes, 32-byte aligned. */
static struct {
    uint32_t cpu_id_start, cpu_id;
    uint64_t rseq_cs;
    uint32_t flags, node_id, mm_cid, padding;
} rseq_area __attribute__((aligned(32)));

static void check_thread_facts(void) {
    static int clear_tid_word;
    long tid = RAW(SYS_gettid);
    EXPECT_TRUE("set_tid_address returns the tid",
                RAW(SYS_set_tid_address, &clear_tid_word) == tid);

    /* glibc registers rseq itself (then a second area is EINVAL or EBUSY); a library OS
     * may answer ENOSYS. All of these are fine; the call just must not break anything. */
    long result = RAW(SYS_rseq, &rseq_area, sizeof(rseq_area), 0, 0x53053053);
    if (result == 0 || result == -ENOSYS || result == -EBUSY || result == -EINVAL)
        EXPECT_TRUE("rseq", true);
    else
        EXPECT_OK("rseq", result);

    uint64_t fs_base = 0, fs_self = 0, gs_base = 1;
    EXPECT_OK("arch_prctl ARCH_GET_FS", RAW(SYS_arch_prctl, TL_ARCH_GET_FS, &fs_base));
    __asm__ volatile("mov %%fs:0, %0" : "=r"(fs_self));
    EXPECT_TRUE("ARCH_GET_FS is the TLS self pointer", fs_base != 0 && fs_base == fs_self);
    EXPECT_OK("arch_prctl ARCH_GET_GS", RAW(SYS_arch_prctl, TL_ARCH_GET_GS, &gs_base));
    EXPECT_VAL("the app's GS base is 0", gs_base, 0);
    EXPECT_ERR("arch_prctl ARCH_GET_FS bad pointer", RAW(SYS_arch_prctl, TL_ARCH_GET_FS, BAD_PTR),
               EFAULT);
    EXPECT_ERR("arch_prctl unknown code", RAW(SYS_arch_prctl, 0x9999, 0), EINVAL);
    EXPECT_OK("arch_prctl ARCH_SET_FS to the same base",
              RAW(SYS_arch_prctl, TL_ARCH_SET_FS, fs_base));
    __asm__ volatile("mov %%fs:0, %0" : "=r"(fs_self));
    EXPECT_TRUE("TLS still works after ARCH_SET_FS", fs_self == fs_base);
}

/* The persona the program started with is the one it was run under (setarch): only how
 * it changes is printed. */
static void check_personality(void) {
    long start = RAW(SYS_personality, 0xffffffffUL);
    EXPECT_TRUE("personality query", start >= 0);
    EXPECT_TRUE("setting returns the old persona",
                RAW(SYS_personality, (unsigned long)start | 0x0040000 /* ADDR_NO_RANDOMIZE */) ==
                    start);
    EXPECT_TRUE("the query sees the new one",
                RAW(SYS_personality, 0xffffffffUL) == (start | 0x0040000));
    RAW(SYS_personality, (unsigned long)start);
    pid_t pid = fork();
    if (pid == 0)
        _exit(RAW(SYS_personality, 0xffffffffUL) == start ? 0 : 1);
    int status;
    waitpid(pid, &status, 0);
    EXPECT_TRUE("a child inherits it", WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void check_membarrier(void) {
    long cmds = RAW(SYS_membarrier, 0 /* MEMBARRIER_CMD_QUERY */, 0, 0);
    EXPECT_TRUE("membarrier query lists PRIVATE_EXPEDITED", cmds > 0 && (cmds & 8));
    EXPECT_ERR("PRIVATE_EXPEDITED before registering", RAW(SYS_membarrier, 8, 0, 0), EPERM);
    EXPECT_OK("REGISTER_PRIVATE_EXPEDITED", RAW(SYS_membarrier, 16, 0, 0));
    EXPECT_OK("PRIVATE_EXPEDITED", RAW(SYS_membarrier, 8, 0, 0));
    EXPECT_ERR("an unknown command", RAW(SYS_membarrier, 12345, 0, 0), EINVAL);
    EXPECT_ERR("QUERY with flags", RAW(SYS_membarrier, 0, 1, 0), EINVAL);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "process");
    check_ids();
    check_uname();
    check_rlimits();
    check_sysinfo();
    check_random();
    check_sched();
    check_thread_facts();
    check_personality();
    check_membarrier();
    return tl_finish();
}
