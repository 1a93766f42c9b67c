/* Thread slots: a thread runs on an enclave thread slot (TCS, its SSA frame, its stacks and
 * control block). sgx.max_threads slots are created and measured at start; without EDMM a
 * thread beyond them cannot be created, with EDMM a slot is added at run time (its pages
 * EAUGed and accepted, the TCS page converted by EMODT). */
#include "pal/sgx-sim/internal.h"
#include "common/log.h"
#include "common/spinlock.h"
#include "common/string.h"
#include <linux/mman.h>

#define MAX_SLOTS 8192

static uint64_t g_slots[MAX_SLOTS]; /* slot base addresses */
static bool g_slot_busy[MAX_SLOTS];
static unsigned g_slot_count, g_busy, g_peak;
static spinlock_t g_slot_lock = SPINLOCK_INIT;

/* The slot's part that pal_thread_block_init lays out (guard | LibOS stack | guard | signal
 * stack | control block) ends where its TCS page starts. */
#define BLOCK_BYTES ENCLAVE_SLOT_TCS_OFFSET

void sgx_threads_init(void) {
    const struct enclave_layout *l = &g_enclave.boot.layout;
    g_slot_count = l->slot_count < MAX_SLOTS ? l->slot_count : MAX_SLOTS;
    for (unsigned i = 0; i < g_slot_count; i++)
        g_slots[i] = g_enclave.base + l->slots_offset + i * l->slot_size;
}

void sgx_slot_build(uint64_t base, void (*add)(uint64_t page, bool tcs)) {
    const uint64_t stack_guard = ENCLAVE_SLOT_LIBOS_STACK_OFFSET + ENCLAVE_SLOT_LIBOS_STACK_SIZE;
    uint64_t tcs = base + ENCLAVE_SLOT_TCS_OFFSET;
    host_syscall3(__NR_mprotect, tcs, SGX_PAGE, PROT_READ | PROT_WRITE);
    enclave_tcs_init(&g_enclave.boot.layout, base - g_enclave.base, (struct enclave_tcs *)tcs);
    for (uint64_t off = 0; off < ENCLAVE_SLOT_SIZE; off += SGX_PAGE)
        if (off != 0 && off != stack_guard) /* guard pages are never added */
            add(base + off, base + off == tcs);
    /* Host: the stacks, control block and SSA usable; guards and the TCS not. */
    host_syscall3(__NR_mprotect, tcs, SGX_PAGE, PROT_NONE);
    host_syscall3(__NR_mprotect, base + ENCLAVE_SLOT_LIBOS_STACK_OFFSET,
                  ENCLAVE_SLOT_LIBOS_STACK_SIZE, PROT_READ | PROT_WRITE);
    host_syscall3(__NR_mprotect, base + ENCLAVE_SLOT_SIGNAL_STACK_OFFSET,
                  ENCLAVE_SLOT_TCS_OFFSET - ENCLAVE_SLOT_SIGNAL_STACK_OFFSET,
                  PROT_READ | PROT_WRITE);
    host_syscall3(__NR_mprotect, base + ENCLAVE_SLOT_SSA_OFFSET,
                  ENCLAVE_SLOT_SIZE - ENCLAVE_SLOT_SSA_OFFSET, PROT_READ | PROT_WRITE);
}

/* EDMM: each page of a new slot is added and accepted; the TCS page is converted. */
static void aug_slot_page(uint64_t page, bool is_tcs) {
    static const struct epcm_accept pending = {EPCM_PENDING, EPCM_R | EPCM_W, EPCM_PT_REG};
    static const struct epcm_accept tcs = {EPCM_MODIFIED, 0, EPCM_PT_TCS};
    struct epcm_entry *e = sgx_page(page);
    epcm_eaug(e);
    epcm_eaccept(e, &pending);
    sgx_count(&g_sgx.eaug, 1);
    sgx_count(&g_sgx.eaccept, 1);
    sgx_count(&g_sgx.edmm_faults, 1);
    if (is_tcs) {
        epcm_emodt(e, EPCM_PT_TCS);
        epcm_eaccept(e, &tcs);
        sgx_count(&g_sgx.emodt, 1);
        sgx_count(&g_sgx.eaccept, 1);
    }
}

/* EDMM: a new slot in the runtime's part of the enclave. */
static long add_slot(void) {
    long base = sgx_zone_alloc(ENCLAVE_SLOT_SIZE);
    if (base < 0)
        return base;
    sgx_slot_build((uint64_t)base, aug_slot_page);
    sgx_count(&g_sgx.slots_added, 1);
    sgx_count(&g_sgx.mem_exits[MEM_EXIT_PROTECT], 1);
    return base;
}

struct pal_tcb *pal_thread_block_alloc(long *err) {
    if (!g_enclave.inside)
        return pal_thread_block_host_alloc(err); /* the untrusted loader's own thread */
    spin_lock(&g_slot_lock);
    unsigned i = 0;
    while (i < g_slot_count && g_slot_busy[i])
        i++;
    if (i == g_slot_count) {
        bool may_add = g_enclave.boot.edmm && g_slot_count < MAX_SLOTS;
        long base = may_add ? add_slot() : -11;
        if (base < 0) {
            unsigned peak = g_peak;
            spin_unlock(&g_slot_lock);
            if (g_enclave.boot.edmm)
                log_error("cannot create a thread: no room for another thread slot in the "
                          "enclave (%u slots); raise sgx.enclave_size",
                          g_slot_count);
            else
                log_error("cannot create a thread: all %u thread slots of the enclave are in "
                          "use, sgx.max_threads = %u reached (peak %u threads); raise "
                          "sgx.max_threads in the manifest (or --max-threads)",
                          g_slot_count, g_slot_count, peak);
            *err = -11; /* EAGAIN, as Linux's clone when a limit is reached */
            return NULL;
        }
        g_slots[g_slot_count++] = (uint64_t)base;
    }
    g_slot_busy[i] = true;
    if (++g_busy > g_peak)
        g_peak = g_busy;
    spin_unlock(&g_slot_lock);
    return pal_thread_block_init((char *)g_slots[i], BLOCK_BYTES);
}

void pal_thread_block_free(struct pal_tcb *tcb) {
    if (!g_enclave.inside || !sgx_in_enclave((uint64_t)tcb->mapping_base, SGX_PAGE)) {
        pal_thread_block_host_free(tcb);
        return;
    }
    spin_lock(&g_slot_lock);
    for (unsigned i = 0; i < g_slot_count; i++) {
        if (g_slots[i] == (uint64_t)tcb->mapping_base && g_slot_busy[i]) {
            g_slot_busy[i] = false;
            g_busy--;
            break;
        }
    }
    spin_unlock(&g_slot_lock);
}

unsigned sgx_thread_slots(unsigned *peak) {
    *peak = g_peak;
    return g_slot_count;
}

long host_pal_process_fork(int exit_signal);

/* fork: the child is a copy of the enclave (on hardware, a new enclave the LibOS would fill
 * from a checkpoint) in which only the calling thread runs: the other slots are free there. */
long pal_process_fork(int exit_signal) {
    sgx_count(&g_sgx.forks, 1);
    long r = host_pal_process_fork(exit_signal);
    if (r == 0 && g_enclave.inside) {
        uint64_t mine = (uint64_t)pal_tcb()->mapping_base;
        g_slot_lock = (spinlock_t)SPINLOCK_INIT;
        g_busy = 1;
        for (unsigned i = 0; i < g_slot_count; i++)
            g_slot_busy[i] = g_slots[i] == mine;
    }
    return r;
}
