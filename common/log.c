#include "common/log.h"
#include "common/hot.h"
#include "common/fmt.h"
#include "common/string.h"
#include <stdarg.h>

enum log_level g_log_level HOT_DATA = LOG_WARNING;
static void (*g_sink)(const char *buf, size_t n);

static const char *const g_names[] = {"none", "error", "warning", "info", "debug", "trace"};

void log_set_sink(void (*sink)(const char *buf, size_t n)) {
    g_sink = sink;
}

int log_level_from_name(const char *name) {
    for (int i = 0; i <= LOG_TRACE; i++)
        if (!strcmp(name, g_names[i]))
            return i;
    return -1;
}

static void emit(const char *prefix, const char *fmt, va_list ap) {
    char buf[1024];
    size_t n = (size_t)fmt_snprintf(buf, sizeof(buf), "%s", prefix);
    if (n >= sizeof(buf))
        n = sizeof(buf) - 1;
    int m = fmt_vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
    n = m < 0 ? n : n + (size_t)m;
    if (n >= sizeof(buf) - 1)
        n = sizeof(buf) - 2;
    if (prefix[0] && (n == 0 || buf[n - 1] != '\n'))
        buf[n++] = '\n';
    if (g_sink)
        g_sink(buf, n);
}

void log_message(enum log_level level, const char *fmt, ...) {
    if (level > g_log_level && level != LOG_ERROR)
        return;
    char prefix[32];
    fmt_snprintf(prefix, sizeof(prefix), "enclos: %s: ", g_names[level]);
    va_list ap;
    va_start(ap, fmt);
    emit(prefix, fmt, ap);
    va_end(ap);
}

void log_raw(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    emit("", fmt, ap);
    va_end(ap);
}
