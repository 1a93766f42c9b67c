#ifndef LOADER_CLI_H
#define LOADER_CLI_H

#include <stdbool.h>
#include "pal/pal.h"

#define ENCLOS_VERSION "0.1.0"

struct cli_options {
    const char *manifest; /* -m FILE */
    int log_level;        /* -1 when not given */
    bool stats;
    bool unsafe_gate; /* --debug-unsafe-gate */
    enum pal_catch_kind catch_kind;
    int syscall_patching; /* --syscall-patching: 1 on, 0 off, -1 not given */
    int drained_reads;    /* --drained-reads: 1 on, 0 off, -1 not given */
    bool profile;         /* `enclos profile` */
    const char *pal;      /* --pal, NULL when not given */
    /* The enclave settings of the command line; 0 (-1 for edmm) when not given. */
    uint64_t enclave_size, max_threads, edmm_preheat_size, edmm_lazyfree_threshold;
    int edmm;
    bool preheat_given, lazyfree_given;
    int app_argc; /* what follows the options */
    char **app_argv;
};

void cli_parse(int argc, char **argv, struct cli_options *opt);

#endif
