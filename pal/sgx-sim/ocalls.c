/* Every ABI call that leaves the enclave: counted by kind, then made by the direct PAL. */
#include "pal/sgx-sim/internal.h"
#include "common/fmt.h"
#include "common/string.h"

enum ocall_kind {
#define OCALL(ret, name, params, args) OCALL_##name,
#define OCALL_VOID(name, params, args) OCALL_##name,
#define OCALL_NORETURN(name, params, args) OCALL_##name,
#define CUSTOM(name)
#include "pal/sgx-sim/ocalls.def"
#undef OCALL
#undef OCALL_VOID
#undef OCALL_NORETURN
#undef CUSTOM
    OCALL_COUNT
};

static const char *const g_ocall_names[OCALL_COUNT] = {
#define OCALL(ret, name, params, args) [OCALL_##name] = #name,
#define OCALL_VOID(name, params, args) [OCALL_##name] = #name,
#define OCALL_NORETURN(name, params, args) [OCALL_##name] = #name,
#define CUSTOM(name)
#include "pal/sgx-sim/ocalls.def"
#undef OCALL
#undef OCALL_VOID
#undef OCALL_NORETURN
#undef CUSTOM
};

static uint64_t g_ocalls[OCALL_COUNT];

static inline void count_ocall(enum ocall_kind kind) {
    __atomic_fetch_add(&g_ocalls[kind], 1, __ATOMIC_RELAXED);
}

#define OCALL(ret, name, params, args)                                                             \
    ret host_pal_##name params;                                                                    \
    ret pal_##name params {                                                                        \
        count_ocall(OCALL_##name);                                                                 \
        return host_pal_##name args;                                                               \
    }
#define OCALL_VOID(name, params, args)                                                             \
    void host_pal_##name params;                                                                   \
    void pal_##name params {                                                                       \
        count_ocall(OCALL_##name);                                                                 \
        host_pal_##name args;                                                                      \
    }
#define OCALL_NORETURN(name, params, args)                                                         \
    __attribute__((noreturn)) void host_pal_##name params;                                         \
    __attribute__((noreturn)) void pal_##name params {                                             \
        count_ocall(OCALL_##name);                                                                 \
        host_pal_##name args;                                                                      \
    }
#define CUSTOM(name)
#include "pal/sgx-sim/ocalls.def"
#undef OCALL
#undef OCALL_VOID
#undef OCALL_NORETURN
#undef CUSTOM

/* The read and write that continue in a function instead of returning (pal.h): an OCALL
 * each, counted as the read or write it is. */
__attribute__((noreturn)) void host_pal_read_then(int h, void *buf, size_t n, pal_then then);
__attribute__((noreturn)) void host_pal_write_then(int h, const void *buf, size_t n, pal_then then);

__attribute__((noreturn)) void pal_read_then(int h, void *buf, size_t n, pal_then then) {
    count_ocall(OCALL_read);
    host_pal_read_then(h, buf, n, then);
}

__attribute__((noreturn)) void pal_write_then(int h, const void *buf, size_t n, pal_then then) {
    count_ocall(OCALL_write);
    host_pal_write_then(h, buf, n, then);
}

uint64_t sgx_ocall_total(void) {
    uint64_t total = 0;
    for (int i = 0; i < OCALL_COUNT; i++)
        total += __atomic_load_n(&g_ocalls[i], __ATOMIC_RELAXED);
    return total;
}

/* "ocalls: read 12, write 40, ..." in lines of about 100 columns. */
void sgx_print_ocalls(void (*line)(const char *text)) {
    char buf[128];
    size_t n = (size_t)fmt_snprintf(buf, sizeof(buf), "sgx-sim ocalls:");
    bool any = false;
    for (int i = 0; i < OCALL_COUNT; i++) {
        uint64_t c = __atomic_load_n(&g_ocalls[i], __ATOMIC_RELAXED);
        if (!c)
            continue;
        char item[64];
        fmt_snprintf(item, sizeof(item), " %s %lu", g_ocall_names[i], (unsigned long)c);
        if (n + strlen(item) + 1 >= 100) {
            line(buf);
            n = (size_t)fmt_snprintf(buf, sizeof(buf), "  ");
        }
        fmt_snprintf(buf + n, sizeof(buf) - n, "%s", item);
        n += strlen(item);
        any = true;
    }
    if (!any)
        fmt_snprintf(buf + n, sizeof(buf) - n, " none");
    line(buf);
}
