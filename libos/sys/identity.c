/* User and group identity, kept by the LibOS: it starts as the host's and then follows the
 * app's set*id and setgroups calls with Linux's permission rules, so that a program (or a
 * child set up by Go's SysProcAttr.Credential) sees the ids it asked for. The host does
 * not change: files are still accessed with the host's identity, which the LibOS cannot
 * and must not alter (an enclave has no say over host permissions). Capabilities are
 * modelled the same way: a process whose effective uid is 0 holds all of them, and
 * giving up uid 0 drops them unless PR_SET_KEEPCAPS said otherwise. */
#include "libos/syscall.h"
#include "libos/uaccess.h"
#include "libos/thread.h"
#include "libos/libos.h"
#include "common/alloc.h"
#include "common/spinlock.h"
#include "common/fmt.h"
#include "common/string.h"
#include "pal/pal.h"
#include <linux/capability.h>
#include <linux/prctl.h>

#define NGROUPS_MAX 65536
#define ALL_CAPS ((1ULL << (CAP_LAST_CAP + 1)) - 1)
#define NO_ID 0xffffffffu

struct creds {
    unsigned uid[3], gid[3]; /* real, effective, saved */
    unsigned fsuid, fsgid;
    unsigned *groups;
    int ngroups;
    uint64_t cap_effective, cap_permitted, cap_inheritable;
};

static struct creds g_creds;
static bool g_creds_ready;
static spinlock_t g_creds_lock = SPINLOCK_INIT;

void libos_creds_fork_lock(void) {
    spin_lock(&g_creds_lock);
}

void libos_creds_fork_unlock(void) {
    spin_unlock(&g_creds_lock);
}

/* Called with the lock held. */
static struct creds *creds(void) {
    if (!g_creds_ready) {
        unsigned ids[6];
        pal_host_ids(ids);
        memcpy(g_creds.uid, ids, sizeof(g_creds.uid));
        memcpy(g_creds.gid, ids + 3, sizeof(g_creds.gid));
        g_creds.fsuid = g_creds.uid[1];
        g_creds.fsgid = g_creds.gid[1];
        long n = pal_host_getgroups(0, NULL);
        if (n > 0 && (g_creds.groups = rt_calloc((size_t)n, sizeof(unsigned)))) {
            n = pal_host_getgroups((int)n, g_creds.groups);
            g_creds.ngroups = n > 0 ? (int)n : 0;
        }
        /* The sets the process really has (a container may have dropped some). */
        if (pal_host_caps(&g_creds.cap_effective, &g_creds.cap_permitted,
                          &g_creds.cap_inheritable) < 0 &&
            g_creds.uid[1] == 0)
            g_creds.cap_effective = g_creds.cap_permitted = ALL_CAPS;
        g_creds_ready = true;
    }
    return &g_creds;
}

bool libos_capable(int cap) {
    spin_lock(&g_creds_lock);
    bool has = (creds()->cap_effective >> cap) & 1;
    spin_unlock(&g_creds_lock);
    return has;
}

static unsigned read_id(int which) {
    spin_lock(&g_creds_lock);
    const struct creds *c = creds();
    unsigned v = which < 3 ? c->uid[which] : c->gid[which - 3];
    spin_unlock(&g_creds_lock);
    return v;
}

unsigned libos_real_uid(void) {
    return read_id(0);
}

/* Linux's /proc/PID/status shows the credentials in these lines; the LibOS's replace the
 * host's (the file is otherwise the host's). */
long libos_creds_status_line(const char *key, size_t key_len, char *out, size_t cap) {
    static const char *const keys[] = {"Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff"};
    int which = -1;
    for (int i = 0; i < (int)(sizeof(keys) / sizeof(keys[0])); i++)
        if (strlen(keys[i]) == key_len && !strncmp(keys[i], key, key_len))
            which = i;
    if (which < 0)
        return -1;
    spin_lock(&g_creds_lock);
    const struct creds *c = creds();
    size_t n = 0;
    if (which <= 1) {
        const unsigned *ids = which == 0 ? c->uid : c->gid;
        unsigned fs = which == 0 ? c->fsuid : c->fsgid;
        n = (size_t)fmt_snprintf(out, cap, "%s:\t%u\t%u\t%u\t%u", keys[which], ids[0], ids[1],
                                 ids[2], fs);
    } else if (which == 2) {
        /* Space-separated, with one trailing space, as Linux prints them. */
        n = (size_t)fmt_snprintf(out, cap, "Groups:\t");
        for (int i = 0; i < c->ngroups && n < cap; i++)
            n += (size_t)fmt_snprintf(out + n, cap - n, i ? " %u" : "%u", c->groups[i]);
        if (n < cap)
            n += (size_t)fmt_snprintf(out + n, cap - n, " ");
    } else {
        uint64_t caps = which == 3   ? c->cap_inheritable
                        : which == 4 ? c->cap_permitted
                                     : c->cap_effective;
        n = (size_t)fmt_snprintf(out, cap, "%s:\t%016lx", keys[which], (unsigned long)caps);
    }
    spin_unlock(&g_creds_lock);
    return n < cap ? (long)n : -1;
}

SYSCALL(getuid, SUPPORT_FULL) {
    return read_id(0);
}

SYSCALL(geteuid, SUPPORT_FULL) {
    return read_id(1);
}

SYSCALL(getgid, SUPPORT_FULL) {
    return read_id(3);
}

SYSCALL(getegid, SUPPORT_FULL) {
    return read_id(4);
}

static long put_three(const struct syscall_args *a, bool gids) {
    for (int i = 0; i < 3; i++)
        if (!UACCESS_WRITE(ARG_PTR(unsigned *, i), sizeof(unsigned)))
            return -EFAULT;
    unsigned three[3];
    spin_lock(&g_creds_lock);
    memcpy(three, gids ? creds()->gid : creds()->uid, sizeof(three));
    spin_unlock(&g_creds_lock);
    for (int i = 0; i < 3; i++)
        *ARG_PTR(unsigned *, i) = three[i];
    return 0;
}

SYSCALL(getresuid, SUPPORT_FULL) {
    return put_three(a, false);
}

SYSCALL(getresgid, SUPPORT_FULL) {
    return put_three(a, true);
}

static bool capable(const struct creds *c, int cap) {
    return c->cap_effective & (1ULL << cap);
}

static bool is_one_of(unsigned id, const unsigned three[3]) {
    return id == three[0] || id == three[1] || id == three[2];
}

/* Linux's capability rules when uids change (capabilities(7), "Effect of user ID changes
 * on capabilities"). */
static void fix_caps_after_uid_change(struct creds *c, const unsigned old[3]) {
    bool had_root = old[0] == 0 || old[1] == 0 || old[2] == 0;
    bool has_root = c->uid[0] == 0 || c->uid[1] == 0 || c->uid[2] == 0;
    if (had_root && !has_root && !libos_current_thread()->keep_caps)
        c->cap_permitted = c->cap_effective = 0;
    if (old[1] == 0 && c->uid[1] != 0)
        c->cap_effective = 0;
    if (old[1] != 0 && c->uid[1] == 0)
        c->cap_effective = c->cap_permitted;
}

/* setresuid/setresgid and the calls built on them: NO_ID leaves an id as it is. An
 * unprivileged caller may only move among its current real, effective and saved ids. */
static long set_ids(bool gids, unsigned r, unsigned e, unsigned s) {
    spin_lock(&g_creds_lock);
    struct creds *c = creds();
    unsigned *ids = gids ? c->gid : c->uid;
    bool privileged = capable(c, gids ? CAP_SETGID : CAP_SETUID);
    if (!privileged && ((r != NO_ID && !is_one_of(r, ids)) || (e != NO_ID && !is_one_of(e, ids)) ||
                        (s != NO_ID && !is_one_of(s, ids)))) {
        spin_unlock(&g_creds_lock);
        return -EPERM;
    }
    unsigned old[3];
    memcpy(old, ids, sizeof(old));
    if (r != NO_ID)
        ids[0] = r;
    if (e != NO_ID)
        ids[1] = e;
    if (s != NO_ID)
        ids[2] = s;
    if (gids) {
        c->fsgid = ids[1];
    } else {
        c->fsuid = ids[1];
        fix_caps_after_uid_change(c, old);
    }
    spin_unlock(&g_creds_lock);
    return 0;
}

static unsigned arg_id(const struct syscall_args *a, int i) {
    return (unsigned)ARG_INT(i);
}

SYSCALL(setresuid, SUPPORT_FULL) {
    return set_ids(false, arg_id(a, 0), arg_id(a, 1), arg_id(a, 2));
}

SYSCALL(setresgid, SUPPORT_FULL) {
    return set_ids(true, arg_id(a, 0), arg_id(a, 1), arg_id(a, 2));
}

/* setreuid/setregid: the real id may become the effective one, the effective any of the
 * three; the saved id follows the new effective id when the real one is set or the
 * effective one moves away from the real. */
static long set_re(bool gids, unsigned r, unsigned e) {
    spin_lock(&g_creds_lock);
    struct creds *c = creds();
    const unsigned *ids = gids ? c->gid : c->uid;
    bool privileged = capable(c, gids ? CAP_SETGID : CAP_SETUID);
    unsigned cur[3];
    memcpy(cur, ids, sizeof(cur));
    spin_unlock(&g_creds_lock);
    if (!privileged &&
        ((r != NO_ID && r != cur[0] && r != cur[1]) || (e != NO_ID && !is_one_of(e, cur))))
        return -EPERM;
    unsigned new_e = e != NO_ID ? e : cur[1];
    unsigned s = (r != NO_ID || (e != NO_ID && e != cur[0])) ? new_e : NO_ID;
    if (privileged || s == NO_ID || is_one_of(s, cur))
        return set_ids(gids, r, e, s);
    return -EPERM;
}

SYSCALL(setreuid, SUPPORT_FULL) {
    return set_re(false, arg_id(a, 0), arg_id(a, 1));
}

SYSCALL(setregid, SUPPORT_FULL) {
    return set_re(true, arg_id(a, 0), arg_id(a, 1));
}

/* setuid/setgid: privileged callers set all three ids, others only the effective one. */
static long set_one(bool gids, unsigned id) {
    if (id == NO_ID)
        return -EINVAL;
    spin_lock(&g_creds_lock);
    struct creds *c = creds();
    bool privileged = capable(c, gids ? CAP_SETGID : CAP_SETUID);
    const unsigned *ids = gids ? c->gid : c->uid;
    bool allowed = id == ids[0] || id == ids[2];
    spin_unlock(&g_creds_lock);
    if (privileged)
        return set_ids(gids, id, id, id);
    if (!allowed)
        return -EPERM;
    return set_ids(gids, NO_ID, id, NO_ID);
}

SYSCALL(setuid, SUPPORT_FULL) {
    return set_one(false, arg_id(a, 0));
}

SYSCALL(setgid, SUPPORT_FULL) {
    return set_one(true, arg_id(a, 0));
}

/* setfsuid/setfsgid answer with the old value whether or not they change it. */
static long set_fs(bool gids, unsigned id) {
    spin_lock(&g_creds_lock);
    struct creds *c = creds();
    unsigned *fs = gids ? &c->fsgid : &c->fsuid;
    const unsigned *ids = gids ? c->gid : c->uid;
    unsigned old = *fs;
    if (id != NO_ID &&
        (capable(c, gids ? CAP_SETGID : CAP_SETUID) || is_one_of(id, ids) || id == *fs))
        *fs = id;
    spin_unlock(&g_creds_lock);
    return old;
}

SYSCALL(setfsuid, SUPPORT_FULL) {
    return set_fs(false, arg_id(a, 0));
}

SYSCALL(setfsgid, SUPPORT_FULL) {
    return set_fs(true, arg_id(a, 0));
}

SYSCALL(getgroups, SUPPORT_FULL) {
    int n = ARG_INT(0);
    unsigned *list = ARG_PTR(unsigned *, 1);
    if (n < 0)
        return -EINVAL;
    if (n > 0 && !UACCESS_WRITE(list, (size_t)n * sizeof(unsigned)))
        return -EFAULT;
    spin_lock(&g_creds_lock);
    const struct creds *c = creds();
    long r = c->ngroups;
    if (n > 0 && n < c->ngroups)
        r = -EINVAL;
    else if (n > 0)
        memcpy(list, c->groups, (size_t)c->ngroups * sizeof(unsigned));
    spin_unlock(&g_creds_lock);
    return r;
}

SYSCALL(setgroups, SUPPORT_FULL) {
    long n = ARG_LONG(0);
    const unsigned *list = ARG_PTR(const unsigned *, 1);
    if (n < 0 || n > NGROUPS_MAX)
        return -EINVAL;
    if (n > 0 && !UACCESS_READ(list, (size_t)n * sizeof(unsigned)))
        return -EFAULT;
    unsigned *copy = n ? rt_malloc((size_t)n * sizeof(unsigned)) : NULL;
    if (n && !copy)
        return -ENOMEM;
    if (n)
        memcpy(copy, list, (size_t)n * sizeof(unsigned));
    /* Linux keeps the list sorted (groups_sort); getgroups shows that order. */
    for (long i = 1; i < n; i++)
        for (long j = i; j > 0 && copy[j - 1] > copy[j]; j--) {
            unsigned t = copy[j];
            copy[j] = copy[j - 1];
            copy[j - 1] = t;
        }
    spin_lock(&g_creds_lock);
    struct creds *c = creds();
    if (!capable(c, CAP_SETGID)) {
        spin_unlock(&g_creds_lock);
        rt_free(copy);
        return -EPERM;
    }
    unsigned *old = c->groups;
    c->groups = copy;
    c->ngroups = (int)n;
    spin_unlock(&g_creds_lock);
    rt_free(old);
    return 0;
}

/* ---- Capabilities ---------------------------------------------------------------------- */

struct cap_header {
    uint32_t version;
    int pid;
};

struct cap_data {
    uint32_t effective, permitted, inheritable;
};

/* How many cap_data words a header version uses, or 0 for a version Linux refuses (it
 * then writes its preferred version back). */
static int cap_words(struct cap_header *h) {
    switch (h->version) {
    case _LINUX_CAPABILITY_VERSION_1:
        return 1;
    case _LINUX_CAPABILITY_VERSION_2:
    case _LINUX_CAPABILITY_VERSION_3:
        return 2;
    default:
        h->version = _LINUX_CAPABILITY_VERSION_3;
        return 0;
    }
}

SYSCALL(capget, SUPPORT_FULL) {
    struct cap_header *h = ARG_PTR(struct cap_header *, 0);
    struct cap_data *d = ARG_PTR(struct cap_data *, 1);
    if (!UACCESS_WRITE(h, sizeof(*h)))
        return -EFAULT;
    int words = cap_words(h);
    if (!words)
        return d ? -EINVAL : 0;
    if (h->pid < 0)
        return -EINVAL;
    if (h->pid && h->pid != libos_pid() && h->pid != libos_current_tid())
        return -ESRCH; /* other processes' capabilities are not ours to report */
    if (!d)
        return 0;
    if (!UACCESS_WRITE(d, (size_t)words * sizeof(*d)))
        return -EFAULT;
    spin_lock(&g_creds_lock);
    const struct creds *c = creds();
    for (int i = 0; i < words; i++) {
        d[i].effective = (uint32_t)(c->cap_effective >> (32 * i));
        d[i].permitted = (uint32_t)(c->cap_permitted >> (32 * i));
        d[i].inheritable = (uint32_t)(c->cap_inheritable >> (32 * i));
    }
    spin_unlock(&g_creds_lock);
    return 0;
}

SYSCALL(capset, SUPPORT_FULL) {
    struct cap_header *h = ARG_PTR(struct cap_header *, 0);
    const struct cap_data *d = ARG_PTR(const struct cap_data *, 1);
    if (!UACCESS_WRITE(h, sizeof(*h)))
        return -EFAULT;
    int words = cap_words(h);
    if (!words)
        return -EINVAL;
    if (h->pid && h->pid != libos_pid() && h->pid != libos_current_tid())
        return -EPERM;
    if (!UACCESS_READ(d, (size_t)words * sizeof(*d)))
        return -EFAULT;
    uint64_t eff = 0, perm = 0, inh = 0;
    for (int i = 0; i < words; i++) {
        eff |= (uint64_t)d[i].effective << (32 * i);
        perm |= (uint64_t)d[i].permitted << (32 * i);
        inh |= (uint64_t)d[i].inheritable << (32 * i);
    }
    spin_lock(&g_creds_lock);
    struct creds *c = creds();
    /* No new permitted capabilities; effective within permitted; inheritable within
     * inheritable plus permitted (without CAP_SETPCAP, bounded by the old permitted set). */
    long r = 0;
    if ((perm & ~c->cap_permitted) || (eff & ~perm) ||
        (inh & ~(c->cap_inheritable | c->cap_permitted)))
        r = -EPERM;
    else {
        c->cap_effective = eff;
        c->cap_permitted = perm;
        c->cap_inheritable = inh;
    }
    spin_unlock(&g_creds_lock);
    return r;
}

long libos_keepcaps_prctl(int option, unsigned long arg) {
    struct libos_thread *self = libos_current_thread();
    if (option == PR_GET_KEEPCAPS)
        return self->keep_caps;
    if (arg > 1)
        return -EINVAL;
    self->keep_caps = arg;
    return 0;
}
