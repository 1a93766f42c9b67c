/* The initial enclave of the sgx-sim PAL: where the runtime image, the manifest and the
 * thread slots sit in the enclave range, and its measurement (MRENCLAVE). The runtime (while
 * it builds the enclave) and the signing tool (offline) both use this file, so that they
 * compute the same MRENCLAVE.
 *
 * From the top of the range going down:
 *   [runtime image][guard][manifest pages][guard][slots 0..n-1][guard] ... heap ... [64 KiB]
 * Slot i sits at slots_offset + i * slot_size (slot 0 lowest). Pages below 64 KiB are never
 * added: the host cannot map them when the enclave sits at address 0. Guard pages are never
 * added either. */
#ifndef COMMON_ENCLAVE_LAYOUT_H
#define COMMON_ENCLAVE_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENCLAVE_PAGE_SIZE 4096ULL
#define ENCLAVE_MIN_SIZE (16ULL << 20)
#define ENCLAVE_MAX_SIZE (1ULL << 46) /* far beyond what a host can reserve */
#define ENCLAVE_HEAP_OFFSET 0x10000ULL
#define ENCLAVE_SSA_FRAME_PAGES 1

/* sgx.enclave_size when the manifest has none. */
#define ENCLAVE_DEFAULT_SIZE_SGX1 (256ULL << 20)
#define ENCLAVE_DEFAULT_SIZE_EDMM (64ULL << 30)
/* Thread slots created at start when sgx.max_threads is not set. */
#define ENCLAVE_DEFAULT_SLOTS_SGX1 32
#define ENCLAVE_DEFAULT_SLOTS_EDMM 4

/* One thread slot, from low to high addresses: guard page, LibOS stack, guard page, host
 * signal stack, control block (the thread's %gs page), TCS, SSA (one frame). */
#define ENCLAVE_SLOT_LIBOS_STACK_SIZE (256ULL << 10)
#define ENCLAVE_SLOT_SIGNAL_STACK_SIZE (64ULL << 10)
#define ENCLAVE_SLOT_LIBOS_STACK_OFFSET ENCLAVE_PAGE_SIZE
#define ENCLAVE_SLOT_SIGNAL_STACK_OFFSET                                                           \
    (ENCLAVE_SLOT_LIBOS_STACK_OFFSET + ENCLAVE_SLOT_LIBOS_STACK_SIZE + ENCLAVE_PAGE_SIZE)
#define ENCLAVE_SLOT_CONTROL_OFFSET                                                                \
    (ENCLAVE_SLOT_SIGNAL_STACK_OFFSET + ENCLAVE_SLOT_SIGNAL_STACK_SIZE)
#define ENCLAVE_SLOT_TCS_OFFSET (ENCLAVE_SLOT_CONTROL_OFFSET + ENCLAVE_PAGE_SIZE)
#define ENCLAVE_SLOT_SSA_OFFSET (ENCLAVE_SLOT_TCS_OFFSET + ENCLAVE_PAGE_SIZE)
#define ENCLAVE_SLOT_SIZE (ENCLAVE_SLOT_SSA_OFFSET + ENCLAVE_PAGE_SIZE)

struct enclave_layout_input {
    const uint8_t *runtime_elf; /* the runtime's ELF file, whole */
    size_t runtime_elf_size;
    const uint8_t *manifest; /* the measured manifest blob (may be NULL when size is 0) */
    size_t manifest_size;
    uint64_t enclave_size; /* a power of two, at least ENCLAVE_MIN_SIZE */
    bool edmm;             /* SGX2: the heap is not added at start */
    unsigned thread_slots; /* TCS slots created at start, at least 1 */
};

struct enclave_layout {
    uint64_t runtime_offset, runtime_size;   /* the runtime image: PT_LOAD extent, page aligned */
    uint64_t manifest_offset, manifest_size; /* the blob's pages (size page-rounded; may be 0) */
    uint64_t slots_offset, slot_size;        /* slot i at slots_offset + i * slot_size */
    unsigned slot_count;
    uint64_t heap_offset, heap_end; /* heap added at start (SGX1) / heap window (SGX2) */
    uint64_t entry_offset;          /* the runtime's e_entry + runtime_offset */
};

/* The thread slots to create at start: sgx.max_threads when set (> 0), else the default of
 * the mode. Saturates at UINT32_MAX, which no enclave fits. */
unsigned enclave_default_slots(uint64_t max_threads, bool edmm);

/* sgx.enclave_size when the manifest sets none (0). */
uint64_t enclave_default_size(bool edmm);

/* Errors of enclave_layout_compute, so that a caller can say what to change. */
#define ENCLAVE_LAYOUT_BAD_RUNTIME (-1) /* the runtime ELF is malformed or no static PIE */
#define ENCLAVE_LAYOUT_BAD_INPUT (-2)   /* size not a power of two, no thread slot... */
#define ENCLAVE_LAYOUT_TOO_SMALL (-3)   /* the runtime, manifest and slots do not fit */

/* Checks the input (the runtime ELF with every bound, the sizes) and places everything.
 * Returns 0, or one of the errors above with one line in why, e.g. "an enclave of 16 MiB is
 * too small for the runtime (324 KiB), the manifest (4 KiB) and 100 thread slots (34000
 * KiB)". */
int enclave_layout_compute(const struct enclave_layout_input *in, struct enclave_layout *layout,
                           char *why, size_t whylen);

/* MRENCLAVE of the initial enclave, in this order: ECREATE; the runtime image's pages (EADD
 * with the permissions of their segments, EEXTEND of their content as enclave_runtime_page
 * gives it); the manifest's pages (EADD R, EEXTEND, zero-padded); each slot's pages but its
 * guards (stacks, control block and SSA: EADD RW; TCS: EADD PT_TCS and EEXTEND of
 * enclave_tcs_init's content); without EDMM every heap page (EADD RWX). layout must be what
 * enclave_layout_compute made of in. Returns 0, or -22 (EINVAL) when in is invalid or does
 * not give layout. */
int enclave_measure(const struct enclave_layout_input *in, const struct enclave_layout *layout,
                    uint8_t mrenclave[32]);

/* The runtime image's page at image offset (0, 4096, ... < runtime_size), as measured: the
 * file bytes of each PT_LOAD inside p_offset..p_offset+p_filesz, zeros elsewhere (.bss,
 * the gaps, the part of a page before its segment), before relocation. Returns its SECINFO
 * permissions (SGX_SECINFO_R/W/X, the union when two segments share the page; >= 0), or -1
 * with page zeroed when the page is in no segment (it is not added) or in is invalid. */
int enclave_runtime_page(const struct enclave_layout_input *in, uint64_t offset,
                         uint8_t page[ENCLAVE_PAGE_SIZE]);

/* The Thread Control Structure page (SDM "Layout of Thread Control Structure"). */
struct enclave_tcs {
    uint64_t state;   /* reserved, 0 */
    uint64_t flags;   /* DBGOPTIN and reserved bits, 0 */
    uint64_t ossa;    /* offset of the slot's SSA page */
    uint32_t cssa;    /* current SSA frame, 0 */
    uint32_t nssa;    /* SSA frames, 1 */
    uint64_t oentry;  /* entry_offset */
    uint64_t aep;     /* set by EENTER, 0 */
    uint64_t ofsbase; /* 0: the app owns %fs */
    uint64_t ogsbase; /* offset of the slot's control block */
    uint32_t fslimit; /* 0xffffffff */
    uint32_t gslimit; /* 0xffffffff */
    uint8_t reserved[4024];
};
_Static_assert(sizeof(struct enclave_tcs) == ENCLAVE_PAGE_SIZE, "TCS is one page");
_Static_assert(__builtin_offsetof(struct enclave_tcs, oentry) == 32, "TCS.OENTRY at 32");
_Static_assert(__builtin_offsetof(struct enclave_tcs, ogsbase) == 56, "TCS.OGSBASE at 56");
_Static_assert(__builtin_offsetof(struct enclave_tcs, fslimit) == 64, "TCS.FSLIMIT at 64");

/* The TCS of the slot at slot_offset (from the enclave base) as measured: its SSA page, the
 * runtime's entry, its control block as the %gs base. Slots added later (EDMM) use it too. */
void enclave_tcs_init(const struct enclave_layout *layout, uint64_t slot_offset,
                      struct enclave_tcs *tcs);

#endif
