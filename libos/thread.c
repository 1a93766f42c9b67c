/* Per-thread LibOS state. Until threads exist (the Go support work), the process has one
 * thread whose LibOS tid is its host tid. */
#include "libos/libos.h"
#include "pal/pal.h"

static bool g_context_replaced;

int libos_current_tid(void) {
    return pal_tcb()->host_tid;
}

long libos_pid(void) {
    return pal_host_pid();
}

bool libos_context_replaced(void) {
    bool r = g_context_replaced;
    g_context_replaced = false;
    return r;
}

void libos_mark_context_replaced(void) {
    g_context_replaced = true;
}

static int *g_clear_child_tid;

void libos_set_clear_child_tid(int *addr) {
    g_clear_child_tid = addr;
}

static void *g_robust_list;

void libos_set_robust_list(void *head) {
    g_robust_list = head;
}
