/* The modeled cost of SGX operations that --stats of the sgx-sim PAL charges:
 * modeled cycles = sum over operations of count * cycles.
 *
 * THIS IS A MODEL, not a measurement: one figure per operation, taken from published
 * measurements where there are any and from stated assumptions where there are none. Every
 * row names the section of docs/sgx-cost-model.md that gives its sources and what it covers.
 *
 * Exits are charged apart from the work the OS does for the enclave: a row for an operation
 * the OS performs (EAUG, EMODPR, EMODT, EREMOVE) EXCLUDES the exit that asks for it. The PAL
 * counts that exit separately, as an OCALL of its kind (a memory exit) or, for a page added on
 * a fault, as an EDMM page fault, and charges it with the OCALL or EDMM_FAULT row. */
#ifndef PAL_SGX_SIM_COST_MODEL_H
#define PAL_SGX_SIM_COST_MODEL_H

#include <stdint.h>

enum sgx_cost_op {
    SGX_OP_OCALL,
    SGX_OP_AEX,
    SGX_OP_EADD,
    SGX_OP_EEXTEND,
    SGX_OP_EINIT,
    SGX_OP_EAUG,
    SGX_OP_EACCEPT,
    SGX_OP_EMODPE,
    SGX_OP_EMODPR,
    SGX_OP_EMODT,
    SGX_OP_EREMOVE,
    SGX_OP_EDMM_FAULT,
    SGX_OP_COUNT
};

struct sgx_cost {
    const char *name;
    uint64_t cycles;
};

__attribute__((unused)) static const struct sgx_cost g_sgx_costs[SGX_OP_COUNT] = {
    /* docs/sgx-cost-model.md "OCALL": EEXIT + EENTER around one host call (also each memory
     * exit); excludes the host's own work and the copies. */
    [SGX_OP_OCALL] = {"OCALL", 16000},
    /* "AEX": AEX + host exception and signal delivery + EENTER/EEXIT of the in-enclave handler
     * + ERESUME, for a host signal, an app fault or a caught syscall. */
    [SGX_OP_AEX] = {"AEX", 35000},
    /* "EADD and EEXTEND": one page added before EINIT, without its measurement. */
    [SGX_OP_EADD] = {"EADD", 10000},
    /* "EADD and EEXTEND": one EEXTEND, 256 bytes measured (16 per measured page). */
    [SGX_OP_EEXTEND] = {"EEXTEND", 1000},
    /* "EINIT": once per enclave. */
    [SGX_OP_EINIT] = {"EINIT", 50000},
    /* "EAUG": the OS's side of adding one page at run time; excludes the #PF that asks for it
     * (EDMM_FAULT). */
    [SGX_OP_EAUG] = {"EAUG", 8000},
    /* "EACCEPT": one page accepted inside the enclave (new, restricted or trimmed). */
    [SGX_OP_EACCEPT] = {"EACCEPT", 2000},
    /* "EMODPE": one page's permissions extended inside the enclave; excludes the exit for the
     * page-table change. */
    [SGX_OP_EMODPE] = {"EMODPE", 1000},
    /* "EMODPR and EMODT": EMODPR + ETRACK + IPI shootdown for one page; excludes the exit. */
    [SGX_OP_EMODPR] = {"EMODPR", 12000},
    /* "EMODPR and EMODT": EMODT (to PT_TRIM or PT_TCS) + ETRACK + IPI shootdown for one page;
     * excludes the exit. */
    [SGX_OP_EMODT] = {"EMODT", 12000},
    /* "EREMOVE": one trimmed page removed (PTE zap, EREMOVE, free); excludes the exit. */
    [SGX_OP_EREMOVE] = {"EREMOVE", 6000},
    /* "EDMM page fault": AEX + the OS's #PF path + ERESUME for a page added on a fault;
     * excludes the EAUG itself. */
    [SGX_OP_EDMM_FAULT] = {"EDMM page fault", 20000},
};

#endif
