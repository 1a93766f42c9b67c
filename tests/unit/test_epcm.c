/* unit-sources: common/epcm.c */
/* The SGX page model's rules: what faults, what is a violation, what each instruction leaves. */
#include "common/epcm.h"
#include "tests/unit/check.h"
#include <string.h>

static const struct epcm_accept accept_pending = {EPCM_PENDING, EPCM_R | EPCM_W, EPCM_PT_REG};

static void test_access_before_accept_faults(void) {
    struct epcm_entry e = {0};
    CHECK(epcm_access(&e, EPCM_R) == EPCM_FAULT, "an absent page must fault");
    CHECK(epcm_eaug(&e) == EPCM_OK, "EAUG of an absent page");
    CHECK(epcm_access(&e, EPCM_R) == EPCM_FAULT, "a pending page must fault on read");
    CHECK(epcm_access(&e, EPCM_W) == EPCM_FAULT, "a pending page must fault on write");
    CHECK(epcm_eaccept(&e, &accept_pending) == EPCM_OK, "EACCEPT of the pending page");
    CHECK(epcm_access(&e, EPCM_R) == EPCM_OK && epcm_access(&e, EPCM_W) == EPCM_OK,
          "an accepted page is read-write");
    CHECK(epcm_access(&e, EPCM_X) == EPCM_FAULT, "EAUG gives no execute permission");
}

static void test_double_accept_is_a_violation(void) {
    struct epcm_entry e = {0};
    epcm_eaug(&e);
    CHECK(epcm_eaccept(&e, &accept_pending) == EPCM_OK, "first EACCEPT");
    CHECK(epcm_eaccept(&e, &accept_pending) == EPCM_VIOLATION,
          "accepting a page that is already valid must be refused");
    struct epcm_entry measured = {0};
    CHECK(epcm_eadd(&measured, EPCM_R | EPCM_W, EPCM_PT_REG) == EPCM_OK, "EADD");
    CHECK(epcm_eaccept(&measured, &accept_pending) == EPCM_VIOLATION,
          "accepting a measured page must be refused");
    CHECK(epcm_eaug(&measured) == EPCM_VIOLATION, "EAUG over a valid page must be refused");
    struct epcm_entry absent = {0};
    CHECK(epcm_eaccept(&absent, &accept_pending) == EPCM_FAULT, "EACCEPT of nothing faults");
    struct epcm_entry wrong = {0};
    epcm_eaug(&wrong);
    struct epcm_accept rwx = {EPCM_PENDING, EPCM_RWX, EPCM_PT_REG};
    CHECK(epcm_eaccept(&wrong, &rwx) == EPCM_VIOLATION,
          "EACCEPT with other permissions than the page's must be refused");
    CHECK(epcm_access(&wrong, EPCM_R) == EPCM_FAULT, "and the page stays pending");
}

static void test_restrict_then_write_faults(void) {
    struct epcm_entry e = {0};
    epcm_eaug(&e);
    epcm_eaccept(&e, &accept_pending);
    CHECK(epcm_emodpr(&e, EPCM_R) == EPCM_OK, "EMODPR to read-only");
    CHECK(epcm_access(&e, EPCM_W) == EPCM_FAULT, "a write after the restriction must fault");
    CHECK(epcm_access(&e, EPCM_R) == EPCM_OK, "a read still works");
    struct epcm_accept pr = {EPCM_PR, EPCM_R, EPCM_PT_REG};
    CHECK(epcm_eaccept(&e, &pr) == EPCM_OK, "EACCEPT of the restriction");
    CHECK(epcm_access(&e, EPCM_W) == EPCM_FAULT, "still no write once accepted");
    CHECK(epcm_emodpr(&e, EPCM_R | EPCM_W) == EPCM_VIOLATION, "EMODPR cannot add permissions");
    CHECK(epcm_emodpe(&e, EPCM_W) == EPCM_OK, "EMODPE adds write back");
    CHECK(epcm_access(&e, EPCM_W) == EPCM_OK, "and writes work again");
}

static void test_trim_then_touch_readds(void) {
    struct epcm_entry e = {0};
    epcm_eaug(&e);
    epcm_eaccept(&e, &accept_pending);
    CHECK(epcm_eremove(&e) == EPCM_VIOLATION, "a running enclave's page is not removed untrimmed");
    CHECK(epcm_emodt(&e, EPCM_PT_TRIM) == EPCM_OK, "EMODT to PT_TRIM");
    CHECK(epcm_access(&e, EPCM_R) == EPCM_FAULT, "a trimmed page faults");
    CHECK(epcm_eremove(&e) == EPCM_VIOLATION, "not removed before the enclave accepts the trim");
    struct epcm_accept trim = {EPCM_MODIFIED, 0, EPCM_PT_TRIM};
    CHECK(epcm_eaccept(&e, &trim) == EPCM_OK, "EACCEPT of the trim");
    CHECK(epcm_eremove(&e) == EPCM_OK, "EREMOVE of the trimmed page");
    CHECK(epcm_access(&e, EPCM_R) == EPCM_FAULT, "touching the removed page faults");
    /* The PAL's fault path then adds it again. */
    CHECK(epcm_eaug(&e) == EPCM_OK, "EAUG re-adds it");
    CHECK(epcm_eaccept(&e, &accept_pending) == EPCM_OK, "EACCEPT");
    CHECK(epcm_access(&e, EPCM_W) == EPCM_OK, "the page is usable again");
}

static void test_tcs_pages(void) {
    struct epcm_entry e = {0};
    epcm_eaug(&e);
    epcm_eaccept(&e, &accept_pending);
    CHECK(epcm_emodt(&e, EPCM_PT_TCS) == EPCM_OK, "EMODT to PT_TCS (a new thread slot)");
    struct epcm_accept tcs = {EPCM_MODIFIED, 0, EPCM_PT_TCS};
    CHECK(epcm_eaccept(&e, &tcs) == EPCM_OK, "EACCEPT of the TCS");
    CHECK(epcm_access(&e, EPCM_R) == EPCM_FAULT, "a TCS page is not data");
    CHECK(epcm_emodpe(&e, EPCM_W) == EPCM_VIOLATION, "EMODPE applies to regular pages only");
}

int main(void) {
    test_access_before_accept_faults();
    test_double_accept_is_a_violation();
    test_restrict_then_write_faults();
    test_trim_then_touch_readds();
    test_tcs_pages();
    return unit_report("test_epcm");
}
