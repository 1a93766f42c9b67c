/* Per-thread runtime state: the %gs control block, the LibOS stack the entry stubs
 * switch to, and the host signal stack (the app's stack may be a 2 KiB goroutine stack). */
#include "pal/direct/internal.h"
#include "common/string.h"
#include <linux/mman.h>
#include <asm/prctl.h>

#define LIBOS_STACK_SIZE (256 * 1024UL)
#define ALTSTACK_SIZE (64 * 1024UL)
#define GUARD 4096UL

struct pal_tcb *pal_thread_setup_current(void) {
    /* One mapping: guard | LibOS stack | guard | host signal stack | control block. */
    size_t tcb_size = (sizeof(struct pal_tcb) + 4095) & ~4095UL;
    size_t total = GUARD + LIBOS_STACK_SIZE + GUARD + ALTSTACK_SIZE + tcb_size;
    long m = host_syscall6(__NR_mmap, 0, (long)total, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m < 0 && m > -4096)
        pal_fatal("allocating a thread's runtime stacks", m);
    char *base = (char *)m;
    host_syscall3(__NR_mprotect, base, GUARD, PROT_NONE);
    host_syscall3(__NR_mprotect, base + GUARD + LIBOS_STACK_SIZE, GUARD, PROT_NONE);

    struct pal_tcb *tcb = (struct pal_tcb *)(base + total - tcb_size);
    memset(tcb, 0, sizeof(*tcb));
    tcb->self = tcb;
    tcb->libos_stack_base = base + GUARD;
    tcb->libos_stack_size = LIBOS_STACK_SIZE;
    tcb->libos_stack_top = base + GUARD + LIBOS_STACK_SIZE;
    tcb->host_altstack = base + GUARD + LIBOS_STACK_SIZE + GUARD;
    tcb->host_altstack_size = ALTSTACK_SIZE;
    tcb->host_tid = (int)host_syscall0(__NR_gettid);
    tcb->in_runtime = 1;

    long r = host_syscall2(__NR_arch_prctl, ARCH_SET_GS, tcb);
    if (r < 0)
        pal_fatal("setting the thread control block (arch_prctl ARCH_SET_GS)", r);
    struct {
        void *sp;
        int flags;
        size_t size;
    } ss = {tcb->host_altstack, 0, ALTSTACK_SIZE};
    r = host_syscall2(__NR_sigaltstack, &ss, 0);
    if (r < 0)
        pal_fatal("setting the host signal stack", r);
    return tcb;
}

long pal_set_fs_base(uint64_t base) {
    return host_syscall2(__NR_arch_prctl, ARCH_SET_FS, base);
}

uint64_t pal_get_fs_base(void) {
    uint64_t base = 0;
    host_syscall2(__NR_arch_prctl, ARCH_GET_FS, &base);
    return base;
}

long pal_sched_yield(void) {
    return host_syscall0(__NR_sched_yield);
}
