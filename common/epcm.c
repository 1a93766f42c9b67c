/* SGX's rules over one EPCM entry (Intel SDM vol. 3D, the ENCLS/ENCLU leaf functions). */
#include "common/epcm.h"

enum epcm_result epcm_eadd(struct epcm_entry *e, uint8_t perms, enum epcm_type type) {
    if (e->status & EPCM_VALID)
        return EPCM_VIOLATION;
    e->status = EPCM_VALID;
    e->perms = perms & EPCM_RWX;
    e->type = (uint8_t)type;
    return EPCM_OK;
}

enum epcm_result epcm_eaug(struct epcm_entry *e) {
    /* Atomic, as the instruction is: of two threads adding one page, one gets it. The page
     * stays pending (unusable) until the winner accepts it. */
    uint8_t status = __atomic_load_n(&e->status, __ATOMIC_ACQUIRE);
    if ((status & EPCM_VALID) ||
        !__atomic_compare_exchange_n(&e->status, &status, EPCM_VALID | EPCM_PENDING, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return EPCM_VIOLATION;
    e->perms = EPCM_R | EPCM_W;
    e->type = EPCM_PT_REG;
    return EPCM_OK;
}

enum epcm_result epcm_eaccept(struct epcm_entry *e, const struct epcm_accept *expect) {
    if (!(e->status & EPCM_VALID))
        return EPCM_FAULT;
    uint8_t change = e->status & (EPCM_PENDING | EPCM_MODIFIED | EPCM_PR);
    /* The SECINFO must name exactly the change the page has, with its permissions and type:
     * anything else, including a page with no change at all, is refused. */
    if (!change || expect->status != change || expect->perms != e->perms || expect->type != e->type)
        return EPCM_VIOLATION;
    e->status = EPCM_VALID;
    return EPCM_OK;
}

enum epcm_result epcm_emodpe(struct epcm_entry *e, uint8_t add) {
    if (!(e->status & EPCM_VALID))
        return EPCM_FAULT;
    if ((e->status & (EPCM_PENDING | EPCM_MODIFIED)) || e->type != EPCM_PT_REG)
        return EPCM_VIOLATION;
    e->perms |= add & EPCM_RWX;
    return EPCM_OK;
}

enum epcm_result epcm_emodpr(struct epcm_entry *e, uint8_t perms) {
    if (!(e->status & EPCM_VALID))
        return EPCM_FAULT;
    if ((e->status & (EPCM_PENDING | EPCM_MODIFIED)) || e->type != EPCM_PT_REG ||
        (perms & ~e->perms))
        return EPCM_VIOLATION;
    e->perms = perms & EPCM_RWX;
    e->status |= EPCM_PR;
    return EPCM_OK;
}

enum epcm_result epcm_emodt(struct epcm_entry *e, enum epcm_type type) {
    if (!(e->status & EPCM_VALID))
        return EPCM_FAULT;
    if ((e->status & (EPCM_PENDING | EPCM_MODIFIED)) || e->type != EPCM_PT_REG ||
        (type != EPCM_PT_TRIM && type != EPCM_PT_TCS))
        return EPCM_VIOLATION;
    e->type = (uint8_t)type;
    e->status = EPCM_VALID | EPCM_MODIFIED;
    /* A changed type leaves no access: a trimmed or new TCS page is no data page. */
    e->perms = 0;
    return EPCM_OK;
}

enum epcm_result epcm_eremove(struct epcm_entry *e) {
    if (!(e->status & EPCM_VALID))
        return EPCM_OK; /* nothing there */
    /* A running enclave gives a page back only once it trimmed and accepted it. */
    if (e->type != EPCM_PT_TRIM || (e->status & EPCM_MODIFIED))
        return EPCM_VIOLATION;
    e->status = 0;
    e->perms = 0;
    e->type = 0;
    return EPCM_OK;
}

enum epcm_result epcm_access(const struct epcm_entry *e, uint8_t access) {
    if (!(e->status & EPCM_VALID) || (e->status & (EPCM_PENDING | EPCM_MODIFIED)))
        return EPCM_FAULT;
    if (e->type != EPCM_PT_REG || (access & ~e->perms))
        return EPCM_FAULT;
    return EPCM_OK;
}

const char *epcm_result_name(enum epcm_result r) {
    switch (r) {
    case EPCM_OK:
        return "ok";
    case EPCM_FAULT:
        return "page fault";
    case EPCM_VIOLATION:
        return "security violation";
    }
    return "?";
}
