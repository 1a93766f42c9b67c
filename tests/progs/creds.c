/* Credentials: set*id, setgroups, capget/capset and PR_SET_KEEPCAPS with Linux's
 * permission rules. Giving up root cannot be undone, so each scenario runs in a forked
 * child, which prints its own lines; the parent waits for it before going on. Run as root
 * (as the test suite is); a non-root run prints the EPERM answers on both sides. */
#include "testlib.h"

#include <grp.h>
#include <sys/prctl.h>
#include <sys/wait.h>

/* linux/capability.h, which musl's include path lacks. */
#define _LINUX_CAPABILITY_VERSION_3 0x20080522
struct __user_cap_header_struct {
    uint32_t version;
    int pid;
};
struct __user_cap_data_struct {
    uint32_t effective, permitted, inheritable;
};

/* The credentials lines of a /proc status file, as the kernel (or the LibOS) shows them. */
static void print_status(const char *label, const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("%s: cannot open %s\n", label, path);
        return;
    }
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "Uid:", 4) || !strncmp(line, "Gid:", 4) ||
            !strncmp(line, "Groups:", 7) || !strncmp(line, "CapEff:", 7) ||
            !strncmp(line, "CapPrm:", 7))
            printf("%s: %s", label, line);
    }
    fclose(f);
}

static void print_ids(const char *label) {
    unsigned r, e, s, gr, ge, gs;
    RAW(SYS_getresuid, &r, &e, &s);
    RAW(SYS_getresgid, &gr, &ge, &gs);
    printf("%s: uid %u %u %u gid %u %u %u\n", label, r, e, s, gr, ge, gs);
    print_status(label, "/proc/self/status");
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/task/%ld/status", RAW(SYS_getpid), RAW(SYS_gettid));
    print_status(label, path);
}

static void print_caps(const char *label) {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    long r = RAW(SYS_capget, &h, d);
    if (r < 0) {
        printf("%s: capget %s\n", label, tl_errno_name(-r));
        return;
    }
    printf("%s: effective %s, permitted %s\n", label, d[0].effective ? "some" : "none",
           d[0].permitted ? "some" : "none");
}

static void run_child(const char *name, void (*scenario)(void)) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        printf("-- %s\n", name);
        scenario();
        fflush(stdout);
        exit(tl_failures ? 1 : 0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(name, WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void scenario_groups(void) {
    gid_t set[] = {30, 5, 17};
    EXPECT_OK("setgroups", LIBC(setgroups(3, set)));
    gid_t got[8];
    int n = getgroups(8, got);
    printf("getgroups: %d:", n);
    for (int i = 0; i < n; i++)
        printf(" %u", got[i]);
    printf("\n");
    EXPECT_VAL("getgroups size query", LIBC(getgroups(0, NULL)), 3);
    EXPECT_ERR("getgroups buffer too small", LIBC(getgroups(1, got)), EINVAL);
    EXPECT_ERR("setgroups negative", RAW(SYS_setgroups, -1, set), EINVAL);
    EXPECT_ERR("setgroups bad pointer", RAW(SYS_setgroups, 2, BAD_PTR), EFAULT);
    EXPECT_OK("setgroups empty", LIBC(setgroups(0, NULL)));
    EXPECT_VAL("no groups left", LIBC(getgroups(0, NULL)), 0);
}

static void scenario_resuid(void) {
    EXPECT_OK("setresgid 1 2 3", RAW(SYS_setresgid, 1, 2, 3));
    EXPECT_OK("setresuid 1000 1001 0", RAW(SYS_setresuid, 1000, 1001, 0));
    print_ids("after setresuid");
    print_caps("euid 1001, saved 0");
    EXPECT_ERR("setresgid without CAP_SETGID", RAW(SYS_setresgid, 7, -1, -1), EPERM);
    EXPECT_OK("seteuid back to the saved 0", RAW(SYS_setresuid, -1, 0, -1));
    print_caps("euid 0 again");
    EXPECT_OK("setreuid 1000 1000", RAW(SYS_setreuid, 1000, 1000));
    print_ids("after setreuid");
    print_caps("no root id left");
    EXPECT_ERR("setuid 0 unprivileged", RAW(SYS_setuid, 0), EPERM);
    EXPECT_ERR("setreuid to a foreign id", RAW(SYS_setreuid, -1, 4242), EPERM);
    EXPECT_OK("setuid to own id", RAW(SYS_setuid, 1000));
    EXPECT_VAL("setfsuid answers the old value", RAW(SYS_setfsuid, 1000), 1000);
}

static void scenario_setuid(void) {
    EXPECT_OK("setgid 50", RAW(SYS_setgid, 50));
    EXPECT_OK("setuid 60", RAW(SYS_setuid, 60));
    print_ids("after setuid as root");
    print_caps("after setuid as root");
    EXPECT_ERR("setuid -1", RAW(SYS_setuid, -1), EINVAL);
}

static void scenario_keepcaps(void) {
    EXPECT_VAL("PR_GET_KEEPCAPS initially", RAW(SYS_prctl, PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
    EXPECT_OK("PR_SET_KEEPCAPS 1", RAW(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0));
    EXPECT_VAL("PR_GET_KEEPCAPS", RAW(SYS_prctl, PR_GET_KEEPCAPS, 0, 0, 0, 0), 1);
    EXPECT_ERR("PR_SET_KEEPCAPS 2", RAW(SYS_prctl, PR_SET_KEEPCAPS, 2, 0, 0, 0), EINVAL);
    EXPECT_OK("setresuid 70 70 70", RAW(SYS_setresuid, 70, 70, 70));
    print_caps("uid 70 with keepcaps");
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2] = {{0, 0, 0}, {0, 0, 0}};
    EXPECT_OK("capset drops everything", RAW(SYS_capset, &h, d));
    print_caps("after capset");
    d[0].permitted = d[0].effective = 1;
    EXPECT_ERR("capset cannot add back", RAW(SYS_capset, &h, d), EPERM);
}

static void check_capget_errors(void) {
    struct __user_cap_header_struct h = {0x12345678, 0};
    struct __user_cap_data_struct d[2];
    EXPECT_ERR("capget bad version", RAW(SYS_capget, &h, d), EINVAL);
    EXPECT_TRUE("capget writes the preferred version", h.version == _LINUX_CAPABILITY_VERSION_3);
    h.version = 0x12345678;
    EXPECT_OK("capget bad version without data", RAW(SYS_capget, &h, NULL));
    EXPECT_ERR("capget bad header", RAW(SYS_capget, BAD_PTR, d), EFAULT);
    h.pid = -1;
    EXPECT_ERR("capget negative pid", RAW(SYS_capget, &h, d), EINVAL);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "creds");
    if (geteuid() != 0) {
        printf("not root: skipped\n");
        return tl_finish();
    }
    print_ids("start");
    print_caps("start");
    check_capget_errors();
    run_child("groups", scenario_groups);
    run_child("setresuid", scenario_resuid);
    run_child("setuid as root", scenario_setuid);
    run_child("keepcaps", scenario_keepcaps);
    return tl_finish();
}
