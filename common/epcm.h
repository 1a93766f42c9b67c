/* The Enclave Page Cache Map of the sgx-sim PAL: per enclave page, what SGX hardware keeps
 * (valid or not, pending or modified until the enclave accepts, its permissions and type)
 * and the rules of the SGX1/SGX2 instructions over it. Only the rules: the PAL applies the
 * matching host page protections and counts the costs. */
#ifndef COMMON_EPCM_H
#define COMMON_EPCM_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define EPCM_R 1
#define EPCM_W 2
#define EPCM_X 4
#define EPCM_RWX (EPCM_R | EPCM_W | EPCM_X)

enum epcm_type { EPCM_PT_REG = 2, EPCM_PT_TCS = 1, EPCM_PT_TRIM = 4 };

/* status bits */
#define EPCM_VALID 1    /* the page is in the enclave */
#define EPCM_PENDING 2  /* added by EAUG, not yet accepted */
#define EPCM_MODIFIED 4 /* type changed by EMODT, not yet accepted */
#define EPCM_PR 8       /* permissions restricted by EMODPR, not yet accepted */

struct epcm_entry {
    uint8_t status;
    uint8_t perms;
    uint8_t type;
    uint8_t pal;  /* the PAL's own bookkeeping bits for this page (not SGX state) */
    uint8_t want; /* the PAL's: the permissions the app's mapping asks for */
};

/* What an instruction or an access does. */
enum epcm_result {
    EPCM_OK,
    EPCM_FAULT,    /* #PF: the access (or EACCEPT) finds no usable page */
    EPCM_VIOLATION /* #GP: the operation breaks SGX's rules (the enclave is at fault) */
};

/* What EACCEPT is told to expect (its SECINFO). */
struct epcm_accept {
    uint8_t status; /* EPCM_PENDING, EPCM_MODIFIED or EPCM_PR: which change is accepted */
    uint8_t perms;
    uint8_t type;
};

/* Before EINIT: a measured page. */
enum epcm_result epcm_eadd(struct epcm_entry *e, uint8_t perms, enum epcm_type type);
/* SGX2, by the OS: a new page, pending, read-write, regular. Atomic: safe against another
 * thread adding the same page at once (one of them gets a violation). */
enum epcm_result epcm_eaug(struct epcm_entry *e);
/* SGX2, by the enclave: takes a pending page, a type change or a permission restriction.
 * Accepting a page with nothing to accept is a violation: an enclave that accepts a page it
 * did not ask for would take memory the OS slipped in (the double-accept attack). */
enum epcm_result epcm_eaccept(struct epcm_entry *e, const struct epcm_accept *expect);
/* SGX2, by the enclave: adds permissions to a valid page. */
enum epcm_result epcm_emodpe(struct epcm_entry *e, uint8_t add);
/* SGX2, by the OS: restricts permissions (takes effect now; the enclave then accepts). */
enum epcm_result epcm_emodpr(struct epcm_entry *e, uint8_t perms);
/* SGX2, by the OS: changes the type (PT_TRIM to free a page, PT_TCS for a new thread slot). */
enum epcm_result epcm_emodt(struct epcm_entry *e, enum epcm_type type);
/* By the OS: removes a page (a trimmed and accepted one, once the enclave runs). */
enum epcm_result epcm_eremove(struct epcm_entry *e);
/* An access by enclave code: EPCM_R, EPCM_W or EPCM_X. */
enum epcm_result epcm_access(const struct epcm_entry *e, uint8_t access);

const char *epcm_result_name(enum epcm_result r);

#endif
