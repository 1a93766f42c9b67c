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
    int app_argc;         /* what follows the options */
    char **app_argv;
};

void cli_parse(int argc, char **argv, struct cli_options *opt);

#endif
