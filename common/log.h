/* Runtime logging: one line per message, prefixed with "enclos: " and the level. */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stddef.h>

enum log_level { LOG_NONE, LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG, LOG_TRACE };

extern enum log_level g_log_level;

void log_set_sink(void (*sink)(const char *buf, size_t n));
/* Parses "error".."trace" (and "none"); returns -1 if the name is unknown. */
int log_level_from_name(const char *name);
void log_message(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes text as is (no prefix), for tables such as --stats. */
void log_raw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define log_error(...) log_message(LOG_ERROR, __VA_ARGS__)
#define log_warning(...)                                                                           \
    do {                                                                                           \
        if (g_log_level >= LOG_WARNING)                                                            \
            log_message(LOG_WARNING, __VA_ARGS__);                                                 \
    } while (0)
#define log_info(...)                                                                              \
    do {                                                                                           \
        if (g_log_level >= LOG_INFO)                                                               \
            log_message(LOG_INFO, __VA_ARGS__);                                                    \
    } while (0)
#define log_debug(...)                                                                             \
    do {                                                                                           \
        if (g_log_level >= LOG_DEBUG)                                                              \
            log_message(LOG_DEBUG, __VA_ARGS__);                                                   \
    } while (0)
#define log_trace(...)                                                                             \
    do {                                                                                           \
        if (g_log_level >= LOG_TRACE)                                                              \
            log_message(LOG_TRACE, __VA_ARGS__);                                                   \
    } while (0)

#endif
