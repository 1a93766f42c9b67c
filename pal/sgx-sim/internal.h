/* Internals of the sgx-sim PAL: a software model of an SGX enclave, built over the direct
 * PAL's host calls (whose ABI functions this PAL wraps are renamed host_pal_NAME). */
#ifndef PAL_SGX_SIM_INTERNAL_H
#define PAL_SGX_SIM_INTERNAL_H

#include "pal/direct/internal.h"
#include "common/epcm.h"
#include "common/enclave_layout.h"

#define SGX_PAGE 4096UL

_Static_assert(ENCLAVE_SLOT_LIBOS_STACK_SIZE == PAL_THREAD_LIBOS_STACK_SIZE &&
                   ENCLAVE_SLOT_SIGNAL_STACK_SIZE == PAL_THREAD_ALTSTACK_SIZE &&
                   ENCLAVE_SLOT_TCS_OFFSET == 2 * SGX_PAGE + PAL_THREAD_LIBOS_STACK_SIZE +
                                                  PAL_THREAD_ALTSTACK_SIZE + SGX_PAGE,
               "a thread slot holds the direct PAL's thread block, then its TCS and SSA");

/* The PAL's own bits in an EPCM entry's `pal` byte (not SGX state). */
#define PG_MAPPED 0x01 /* a mapping of the LibOS covers the page */
#define PG_LAZY 0x02   /* added on first touch (MAP_NORESERVE) */
#define PG_SHARED 0x04 /* host shared memory mapped here: untrusted, not an enclave page */
#define PG_FREED 0x08  /* unmapped but still valid, waiting for the lazy-free trim */
#define PG_FILE 0x80   /* host file pages (a private file mapping) back it */
#define PG_USED 0x10   /* mapped accessible since it was added: may hold data to zero */

/* Exits that are not ABI calls: what the OS does for the enclave's memory. */
enum sgx_mem_exit {
    MEM_EXIT_PROTECT,     /* page-table change after EMODPE, with EMODPR, or for shared pages */
    MEM_EXIT_TRIM,        /* EMODT to PT_TRIM of a batch of pages */
    MEM_EXIT_REMOVE,      /* EREMOVE of a batch of trimmed pages */
    MEM_EXIT_MAP_FILE,    /* reading file pages into the enclave */
    MEM_EXIT_MAP_SHARED,  /* mapping or unmapping untrusted shared memory */
    MEM_EXIT_HOST_ADVICE, /* madvise the enclave cannot do itself */
    MEM_EXIT_COUNT
};

/* Counters by kind; atomically updated, printed by --stats. */
struct sgx_counters {
    uint64_t mem_exits[MEM_EXIT_COUNT];
    uint64_t eadd, eextend, eaug, eaccept, emodpe, emodpr, emodt, eremove;
    uint64_t edmm_faults;         /* #PF on a page added on first touch */
    uint64_t start_eaug;          /* of eaug: preheat at start */
    uint64_t start_faults;        /* of edmm_faults: preheat at start */
    uint64_t sgx1_prot_unchanged; /* SGX1 permission changes the enclave page cannot take */
    uint64_t lazy_trim_batches;   /* lazy free: batches trimmed */
    uint64_t slots_added;         /* thread slots added at run time (EDMM) */
    uint64_t zeroed_pages;        /* pages zeroed in the enclave before reuse */
    uint64_t forks;               /* fork: an exit (the host copies the enclave) */
};

/* What stage 1 (the untrusted loader) hands to the runtime it starts inside the enclave. */
struct sgx_boot {
    uint64_t magic;
    uint64_t base, size;
    bool edmm;
    bool signed_enclave;
    struct enclave_layout layout;
    struct epcm_entry *epcm;
    uint64_t preheat, lazyfree_threshold;
    uint64_t max_threads;
    uint8_t mrenclave[32], mrsigner[32];
    int log_fd;
    size_t manifest_len;              /* bytes of the measured manifest */
    struct sgx_counters start_counts; /* EADD/EEXTEND of building the enclave */
    uint64_t build_ns;                /* how long building and measuring took */
};
#define SGX_BOOT_MAGIC 0x6d69732d78677321ULL
/* The auxv entry that carries the boot block to the runtime inside the enclave. */
#define AT_ENCLOS_SGX_BOOT 0x454e43

struct sgx_enclave {
    bool inside; /* stage 2: running inside the enclave */
    struct sgx_boot boot;
    uint64_t base, end;
    uint64_t app_start, app_end;   /* the app's window */
    uint64_t zone_start, zone_end; /* the runtime's own allocations (PAL picks the address) */
};

extern struct sgx_enclave g_enclave;
extern struct sgx_counters g_sgx;

static inline void sgx_count(uint64_t *counter, uint64_t n) {
    __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static inline struct epcm_entry *sgx_page(uint64_t addr) {
    return &g_enclave.boot.epcm[(addr - g_enclave.base) / SGX_PAGE];
}

static inline bool sgx_in_enclave(uint64_t addr, uint64_t len) {
    return addr >= g_enclave.base && addr <= g_enclave.end && len <= g_enclave.end - addr;
}

/* memory.c */
void sgx_memory_init(void);
void sgx_preheat(uint64_t bytes);
long sgx_zone_alloc(uint64_t len);
/* threads.c */
void sgx_threads_init(void);
unsigned sgx_thread_slots(unsigned *peak);
/* Lays out the thread slot at base: writes its TCS, hands each of its pages but the guards
 * to add (which makes it an enclave page: EADD at start, EAUG at run time), and sets the
 * host protections of the parts the thread uses. */
void sgx_slot_build(uint64_t base, void (*add)(uint64_t page, bool tcs));
/* ocalls.c */
void sgx_print_ocalls(void (*line)(const char *text));
uint64_t sgx_ocall_total(void);

/* The direct PAL's calls under their renamed names. */
long host_pal_mem_map(void *addr, size_t len, int prot, int flags, int handle, uint64_t offset);
long host_pal_mem_protect(void *addr, size_t len, int prot);
long host_pal_mem_unmap(void *addr, size_t len);
long host_pal_mem_advise(void *addr, size_t len, int advice);
long host_pal_mem_remap(void *old, size_t old_len, size_t new_len, int flags, void *new_addr);
long host_pal_mem_host_ranges(void (*cb)(void *arg, uint64_t start, uint64_t end, int prot,
                                         const char *name),
                              void *arg);
long host_pal_configure(const struct pal_config *cfg, char *err, size_t errlen);
long host_pal_exec_sibling(const char *name, char *const argv[]);

#endif
