/* The sgx-sim lines of --stats: the enclave, its exits by kind, its SGX operations and the
 * modeled cost of them all. */
#include "pal/sgx-sim/internal.h"
#include "pal/sgx-sim/cost_model.h"
#include "common/fmt.h"
#include "common/sha256.h"

/* The model: each OCALL and memory exit at the OCALL cost, each asynchronous exit (signal,
 * caught syscall, fault) at the AEX cost, each EDMM page fault (start-up ones too) at its
 * own, every SGX instruction at its cost (docs/sgx-cost-model.md). */
static uint64_t cycles_of(const struct sgx_counters *c, uint64_t ocall_exits, uint64_t aex) {
    return ocall_exits * g_sgx_costs[SGX_OP_OCALL].cycles + aex * g_sgx_costs[SGX_OP_AEX].cycles +
           c->edmm_faults * g_sgx_costs[SGX_OP_EDMM_FAULT].cycles +
           c->eadd * g_sgx_costs[SGX_OP_EADD].cycles +
           c->eextend * g_sgx_costs[SGX_OP_EEXTEND].cycles + g_sgx_costs[SGX_OP_EINIT].cycles +
           c->eaug * g_sgx_costs[SGX_OP_EAUG].cycles +
           c->eaccept * g_sgx_costs[SGX_OP_EACCEPT].cycles +
           c->emodpe * g_sgx_costs[SGX_OP_EMODPE].cycles +
           c->emodpr * g_sgx_costs[SGX_OP_EMODPR].cycles +
           c->emodt * g_sgx_costs[SGX_OP_EMODT].cycles +
           c->eremove * g_sgx_costs[SGX_OP_EREMOVE].cycles;
}

void pal_print_stats(void (*line)(const char *text)) {
    char buf[320];
    const struct sgx_boot *b = &g_enclave.boot;
    if (!g_enclave.inside) {
        line("sgx-sim: the enclave was not built");
        return;
    }
    char mr[65], signer[65];
    sha256_hex(b->mrenclave, mr);
    sha256_hex(b->mrsigner, signer);
    unsigned peak, slots = sgx_thread_slots(&peak);
    fmt_snprintf(buf, sizeof(buf),
                 "sgx-sim enclave: %#lx-%#lx (%lu MiB), EDMM %s, %u thread slots (%lu added at "
                 "run time, peak %u in use), built in %lu ms",
                 (unsigned long)g_enclave.base, (unsigned long)g_enclave.end,
                 (unsigned long)(b->size >> 20), b->edmm ? "on" : "off", slots,
                 (unsigned long)g_sgx.slots_added, peak, (unsigned long)(b->build_ns / 1000000));
    line(buf);
    fmt_snprintf(buf, sizeof(buf), "sgx-sim MRENCLAVE %s", mr);
    line(buf);
    fmt_snprintf(buf, sizeof(buf), "sgx-sim MRSIGNER %s",
                 b->signed_enclave ? signer : "none: unsigned debug enclave (see enclos sign)");
    line(buf);
    const struct pal_stats *ps = pal_stats();
    uint64_t ocalls = sgx_ocall_total() + g_sgx.forks;
    uint64_t mem = 0;
    for (int i = 0; i < MEM_EXIT_COUNT; i++)
        mem += g_sgx.mem_exits[i];
    uint64_t run_faults = g_sgx.edmm_faults - b->start_counts.edmm_faults - g_sgx.start_faults;
    uint64_t aex = ps->host_signals + ps->caught_syscalls + ps->app_faults + run_faults;
    uint64_t exits = ocalls + mem + aex;
    fmt_snprintf(buf, sizeof(buf),
                 "sgx-sim exits: %lu = %lu OCALLs + %lu memory exits + %lu asynchronous exits "
                 "(host signals %lu, caught syscalls %lu, app faults %lu, EDMM page faults %lu); "
                 "at start: %lu EDMM page faults (preheat)",
                 (unsigned long)exits, (unsigned long)ocalls, (unsigned long)mem,
                 (unsigned long)aex, (unsigned long)ps->host_signals,
                 (unsigned long)ps->caught_syscalls, (unsigned long)ps->app_faults,
                 (unsigned long)run_faults, (unsigned long)g_sgx.start_faults);
    line(buf);
    sgx_print_ocalls(line);
    fmt_snprintf(buf, sizeof(buf),
                 "sgx-sim memory exits: protect %lu, trim %lu, remove %lu, map file %lu, map "
                 "shared %lu, host advice %lu; fork %lu",
                 (unsigned long)g_sgx.mem_exits[MEM_EXIT_PROTECT],
                 (unsigned long)g_sgx.mem_exits[MEM_EXIT_TRIM],
                 (unsigned long)g_sgx.mem_exits[MEM_EXIT_REMOVE],
                 (unsigned long)g_sgx.mem_exits[MEM_EXIT_MAP_FILE],
                 (unsigned long)g_sgx.mem_exits[MEM_EXIT_MAP_SHARED],
                 (unsigned long)g_sgx.mem_exits[MEM_EXIT_HOST_ADVICE], (unsigned long)g_sgx.forks);
    line(buf);
    fmt_snprintf(buf, sizeof(buf),
                 "sgx-sim EDMM: EAUG %lu (at start %lu), EACCEPT %lu, EMODPE %lu, EMODPR %lu, "
                 "EMODT %lu, EREMOVE %lu, lazy-free batches %lu, pages zeroed %lu",
                 (unsigned long)g_sgx.eaug, (unsigned long)(g_sgx.start_eaug),
                 (unsigned long)g_sgx.eaccept, (unsigned long)g_sgx.emodpe,
                 (unsigned long)g_sgx.emodpr, (unsigned long)g_sgx.emodt,
                 (unsigned long)g_sgx.eremove, (unsigned long)g_sgx.lazy_trim_batches,
                 (unsigned long)g_sgx.zeroed_pages);
    line(buf);
    fmt_snprintf(buf, sizeof(buf),
                 "sgx-sim start-up: EADD %lu, EEXTEND %lu; SGX1 permission changes left as they "
                 "were: %lu pages",
                 (unsigned long)g_sgx.eadd, (unsigned long)g_sgx.eextend,
                 (unsigned long)g_sgx.sgx1_prot_unchanged);
    line(buf);
    uint64_t cycles = cycles_of(&g_sgx, ocalls + mem, aex - run_faults);
    fmt_snprintf(buf, sizeof(buf),
                 "sgx-sim modeled cost: %lu Mcycles (%lu ms at 3 GHz); a model, not a measurement: "
                 "docs/sgx-cost-model.md",
                 (unsigned long)(cycles / 1000000), (unsigned long)(cycles / 3000000));
    line(buf);
}
