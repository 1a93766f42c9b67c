/* The command line of enclos: `enclos run [OPTIONS] PROGRAM [ARGS...]`. */
#include "loader/loader.h"
#include "loader/cli.h"
#include "libos/libos.h"
#include "libos/syscall.h"
#include "pal/pal.h"
#include "common/fmt.h"
#include "common/log.h"
#include "common/string.h"
#include "loader/manifest.h"
#include <stdarg.h>

static const char g_usage[] =
    "Usage: enclos run [OPTIONS] PROGRAM [ARGS...]\n"
    "       enclos run [OPTIONS] -m APP.manifest.toml [ARGS...]\n"
    "       enclos profile [OPTIONS] PROGRAM [ARGS...]\n"
    "       enclos gen-key [-o KEY.pem]\n"
    "       enclos sign -m APP.manifest.toml -k KEY.pem\n"
    "       enclos --list-syscalls | --help | --version\n"
    "\n"
    "Runs an unmodified x86-64 Linux program, static or dynamic, under the enclos library\n"
    "OS: every syscall of the program is handled by the LibOS, which reaches the host only\n"
    "through its platform layer (PAL).\n"
    "\n"
    "PROGRAM may be a `#!` script: its interpreter runs, as execve would run it.\n"
    "\n"
    "Without -m, a built-in manifest applies: the host filesystem is visible as it is, the\n"
    "current directory is kept and the environment is passed through.\n"
    "\n"
    "profile runs PROGRAM like run (on the direct PAL) and prints, at its end, a manifest\n"
    "fragment sized from what it saw: peak threads, peak memory, address space reserved and\n"
    "the files it opened with their SHA-256, each with the figures behind it.\n"
    "\n"
    "gen-key makes an RSA-3072 signing key (exponent 3); sign computes the measurement of the\n"
    "enclave a manifest describes and writes APP.manifest.sgx (the manifest with the hashes\n"
    "of its trusted files) and APP.sig (a SIGSTRUCT); run -m APP.manifest.sgx --pal=sgx-sim\n"
    "then checks both (docs/sgx-sim.md).\n"
    "\n"
    "Options of run:\n"
    "  -m, --manifest=FILE     run what the manifest FILE describes (docs/manifest.md);\n"
    "                          ARGS, if given, replace loader.argv[1:]\n"
    "  --log-level=LEVEL       error, warning (default), info, debug or trace\n"
    "                          (trace prints every syscall with its arguments and result)\n"
    "  --stats                 print a table at exit: syscalls by name and by path taken,\n"
    "                          host calls made\n"
    "  --syscall-patching=on|off\n"
    "                          rewrite the syscall sites of the program's code into\n"
    "                          direct calls into the LibOS at load time (default: on,\n"
    "                          or the manifest's libos.syscall_patching)\n"
    "  --drained-reads=on|off  answer EAGAIN without a host call when an edge-triggered\n"
    "                          epoll app reads a TCP socket it just drained and nothing\n"
    "                          can have arrived unseen (default: on, or the manifest's\n"
    "                          libos.drained_reads; docs/net.md)\n"
    "  --catch=sud|seccomp     kernel mechanism that traps syscalls the LibOS did not\n"
    "                          patch (default: sud, Syscall User Dispatch)\n"
    "  --debug-unsafe-gate     debugging only: blocking host calls skip the pending-signal\n"
    "                          check, so a signal can be lost (the stress test's control)\n"
    "  --pal=direct|sgx-sim    the platform layer (default: direct, or the manifest's\n"
    "                          loader.pal). sgx-sim runs the program in a software model of\n"
    "                          an SGX enclave that enforces SGX's memory and thread rules and\n"
    "                          counts its exits and costs; it gives NO confidentiality and\n"
    "                          no attestation (docs/sgx-sim.md)\n"
    "  --enclave-size=SIZE     sgx.enclave_size: a power of two such as 4G (default 64G\n"
    "                          with EDMM, 256M without)\n"
    "  --edmm=on|off           sgx.edmm_enable: SGX2 dynamic memory (default off)\n"
    "  --max-threads=N         sgx.max_threads: thread slots of the enclave (default 32\n"
    "                          without EDMM, 4 growing on demand with EDMM); on the direct\n"
    "                          PAL, a limit on threads\n"
    "  --edmm-preheat=SIZE     sgx.edmm_preheat_size: heap added at start (EDMM)\n"
    "  --edmm-lazyfree=SIZE    sgx.edmm_lazyfree_threshold: freed pages kept until this much\n"
    "                          is pending, then trimmed in one batch (EDMM; default 0: off)\n"
    "  -h, --help              print this help\n"
    "\n"
    "Exit status: the program's own; 128+N when it dies of signal N; 125 when enclos itself\n"
    "fails (bad manifest, unreadable or non-ELF program, unsupported ELF, bad #! line);\n"
    "127 when PROGRAM, or the interpreter its #! line names, does not exist.\n";

__attribute__((noreturn)) void loader_fail(int status, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    log_raw("enclos: %s\n", buf);
    pal_process_exit(status);
}

static void print_out(const char *s) {
    /* --help and --list-syscalls go to stdout, like any program's help. */
    pal_write(1, s, strlen(s));
}

static void list_syscalls(void) {
    static const char *const levels[] = {"full", "partial", "stub"};
    char line[128];
    for (long nr = 0; nr < SYSCALL_TABLE_SIZE; nr++) {
        const struct syscall_desc *d = syscall_lookup(nr);
        if (!d)
            continue;
        fmt_snprintf(line, sizeof(line), "%ld\t%s\t%s\n", nr, d->name, levels[d->support]);
        print_out(line);
    }
}

static const char *option_value(const char *arg, const char *name) {
    size_t n = strlen(name);
    if (strncmp(arg, name, n) == 0 && arg[n] == '=')
        return arg + n + 1;
    return NULL;
}

static int on_off(const char *option, const char *value) {
    if (!strcmp(value, "on"))
        return 1;
    if (strcmp(value, "off"))
        loader_fail(EXIT_ENCLOS_FAILURE, "%s: unknown value '%s' (use on or off)", option, value);
    return 0;
}

void cli_parse(int argc, char **argv, struct cli_options *opt) {
    memset(opt, 0, sizeof(*opt));
    opt->log_level = -1;
    opt->syscall_patching = -1;
    opt->drained_reads = -1;
    opt->edmm = -1;
    if (argc < 2)
        loader_fail(EXIT_ENCLOS_FAILURE, "missing command; try 'enclos --help'");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        print_out(g_usage);
        pal_process_exit(0);
    }
    if (!strcmp(cmd, "--version")) {
        print_out("enclos " ENCLOS_VERSION "\n");
        pal_process_exit(0);
    }
    if (!strcmp(cmd, "--list-syscalls")) {
        list_syscalls();
        pal_process_exit(0);
    }
    if (!strcmp(cmd, "sign") || !strcmp(cmd, "gen-key")) {
        /* Signing needs OpenSSL: a host program next to this runtime does it. */
        long r = pal_exec_sibling("enclos-sign", argv);
        loader_fail(EXIT_ENCLOS_FAILURE,
                    "cannot start enclos-sign from enclos's directory (%s); build it with make "
                    "(it needs libssl-dev)",
                    libos_errno_name(-r));
    }
    if (!strcmp(cmd, "profile"))
        opt->profile = true;
    else if (strcmp(cmd, "run") != 0)
        loader_fail(EXIT_ENCLOS_FAILURE, "unknown command '%s'; try 'enclos --help'", cmd);
    int i = 2;
    for (; i < argc; i++) {
        const char *a = argv[i];
        const char *v;
        if (a[0] != '-')
            break;
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            print_out(g_usage);
            pal_process_exit(0);
        } else if (!strcmp(a, "--stats")) {
            opt->stats = true;
        } else if (!strcmp(a, "--debug-unsafe-gate")) {
            opt->unsafe_gate = true;
        } else if ((v = option_value(a, "--log-level"))) {
            int level = log_level_from_name(v);
            if (level < 0)
                loader_fail(EXIT_ENCLOS_FAILURE,
                            "--log-level: unknown level '%s' (use error, warning, info, debug or "
                            "trace)",
                            v);
            opt->log_level = level;
        } else if ((v = option_value(a, "--syscall-patching"))) {
            opt->syscall_patching = on_off("--syscall-patching", v);
        } else if ((v = option_value(a, "--drained-reads"))) {
            opt->drained_reads = on_off("--drained-reads", v);
        } else if ((v = option_value(a, "--catch"))) {
            if (!strcmp(v, "sud"))
                opt->catch_kind = PAL_CATCH_SUD;
            else if (!strcmp(v, "seccomp"))
                opt->catch_kind = PAL_CATCH_SECCOMP;
            else
                loader_fail(EXIT_ENCLOS_FAILURE,
                            "--catch: unknown mechanism '%s' (use sud or seccomp)", v);
        } else if ((v = option_value(a, "--pal"))) {
            if (strcmp(v, "direct") != 0 && strcmp(v, "sgx-sim") != 0)
                loader_fail(EXIT_ENCLOS_FAILURE, "--pal: unknown PAL '%s' (use direct or sgx-sim)",
                            v);
            opt->pal = v;
        } else if ((v = option_value(a, "--enclave-size"))) {
            if (!manifest_parse_size(v, &opt->enclave_size) || !opt->enclave_size ||
                (opt->enclave_size & (opt->enclave_size - 1)))
                loader_fail(EXIT_ENCLOS_FAILURE,
                            "--enclave-size: '%s' is not a power of two such as 4G", v);
        } else if ((v = option_value(a, "--edmm"))) {
            opt->edmm = on_off("--edmm", v);
        } else if ((v = option_value(a, "--max-threads"))) {
            uint64_t n;
            if (!manifest_parse_size(v, &n) || n < 1 || n > 100000)
                loader_fail(EXIT_ENCLOS_FAILURE,
                            "--max-threads: '%s' is not a number of threads from 1 to 100000", v);
            opt->max_threads = n;
        } else if ((v = option_value(a, "--edmm-preheat"))) {
            if (!manifest_parse_size(v, &opt->edmm_preheat_size))
                loader_fail(EXIT_ENCLOS_FAILURE, "--edmm-preheat: '%s' is not a size such as 64M",
                            v);
            opt->preheat_given = true;
        } else if ((v = option_value(a, "--edmm-lazyfree"))) {
            if (!manifest_parse_size(v, &opt->edmm_lazyfree_threshold))
                loader_fail(EXIT_ENCLOS_FAILURE, "--edmm-lazyfree: '%s' is not a size such as 16M",
                            v);
            opt->lazyfree_given = true;
        } else if (!strcmp(a, "-m") || !strcmp(a, "--manifest")) {
            if (i + 1 >= argc)
                loader_fail(EXIT_ENCLOS_FAILURE, "%s needs a manifest file", a);
            opt->manifest = argv[++i];
        } else if ((v = option_value(a, "--manifest"))) {
            opt->manifest = v;
        } else {
            loader_fail(EXIT_ENCLOS_FAILURE, "unknown option '%s'; try 'enclos --help'", a);
        }
    }
    opt->app_argc = argc - i;
    opt->app_argv = argv + i;
    if (!opt->manifest && opt->app_argc == 0)
        loader_fail(EXIT_ENCLOS_FAILURE, "missing PROGRAM; try 'enclos --help'");
}
