/* enclos-sign show APP.sig: the SIGSTRUCT's fields and whether it verifies, checked by the
 * runtime's own verifier (common/sgx_sigstruct.c). Exit 0 when it verifies, 1 when not, 2
 * when the file cannot be read or is no SIGSTRUCT at all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/sign/sign_tool.h"
#include "common/sgx_sigstruct.h"
#include "common/sha256.h"

static void print_hash(const char *name, const uint8_t digest[32]) {
    char hex[65];
    sha256_hex(digest, hex);
    printf("%s: %s\n", name, hex);
}

static void print_attributes(const char *name, const struct sgx_attributes *a) {
    printf("%s: flags %#llx", name, (unsigned long long)a->flags);
    if (a->flags & SGX_ATTR_INIT)
        printf(" INIT");
    if (a->flags & SGX_ATTR_DEBUG)
        printf(" DEBUG");
    if (a->flags & SGX_ATTR_MODE64BIT)
        printf(" MODE64BIT");
    printf(", xfrm %#llx\n", (unsigned long long)a->xfrm);
}

int command_show(int argc, char **argv) {
    if (argc != 2) {
        fail("usage: enclos-sign show APP.sig");
        return EXIT_BAD_INPUT;
    }
    uint8_t *data;
    size_t size;
    if (read_whole_file(argv[1], "signature", 1 << 20, &data, &size) < 0)
        return EXIT_BAD_INPUT;
    if (size != sizeof(struct sgx_sigstruct)) {
        fail("%s: %zu bytes, not a %zu-byte SIGSTRUCT", argv[1], size,
             sizeof(struct sgx_sigstruct));
        free(data);
        return EXIT_BAD_INPUT;
    }
    struct sgx_sigstruct s;
    memcpy(&s, data, sizeof(s));
    free(data);

    uint8_t mrsigner[32];
    sgx_sigstruct_signer(&s, mrsigner);
    printf("file: %s\n", argv[1]);
    printf("vendor: %#x\n", s.vendor);
    printf("date: %04x-%02x-%02x\n", s.date >> 16, (s.date >> 8) & 0xff, s.date & 0xff);
    printf("swdefined: %#x\n", s.swdefined);
    printf("exponent: %u\n", s.exponent);
    print_hash("mrenclave", s.enclavehash);
    print_hash("mrsigner", mrsigner);
    printf("miscselect: %#x, mask %#x\n", s.miscselect, s.miscmask);
    print_attributes("attributes", &s.attributes);
    print_attributes("attribute mask", &s.attributemask);
    printf("isvprodid: %u\n", s.isvprodid);
    printf("isvsvn: %u\n", s.isvsvn);
    char why[256];
    if (sgx_sigstruct_verify(&s, why, sizeof(why)) < 0) {
        printf("signature: does not verify: %s\n", why);
        return 1;
    }
    printf("signature: verifies\n");
    return 0;
}
