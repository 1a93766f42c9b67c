/* enclos-sign: `enclos gen-key` and `enclos sign` exec this tool with their arguments from
 * the subcommand on, so argv[1] is the subcommand. */
#include <stdio.h>
#include <string.h>

#include "tools/sign/sign_tool.h"

static const char usage[] =
    "usage: enclos-sign COMMAND [ARGS...]\n"
    "  gen-key [-o KEY.pem]      make an RSA-3072 signing key with exponent 3 (default\n"
    "                            enclave-key.pem); an existing file is never overwritten\n"
    "  sign -m APP.manifest.toml -k KEY.pem [--runtime=PATH] [-o APP.sig]\n"
    "                            write APP.manifest.sgx (the manifest and the SHA-256 of its\n"
    "                            trusted files) and APP.sig (a SIGSTRUCT with the enclave's\n"
    "                            MRENCLAVE); the runtime defaults to enclos-sgx-sim next to\n"
    "                            this tool\n"
    "  show APP.sig              print a SIGSTRUCT and whether its signature verifies\n"
    "  self-test                 check the runtime's SHA-256 and RSA verifier against OpenSSL\n"
    "sgx-sim signatures model SGX's; they protect nothing (docs/sgx-sim.md).\n";

int main(int argc, char **argv) {
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } commands[] = {
        {"gen-key", command_gen_key},
        {"sign", command_sign},
        {"show", command_show},
        {"self-test", command_self_test},
    };
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_BAD_INPUT : 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (!strcmp(argv[1], commands[i].name)) {
            g_command = commands[i].name;
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "enclos-sign: unknown command '%s'; run 'enclos-sign --help'\n", argv[1]);
    return EXIT_BAD_INPUT;
}
