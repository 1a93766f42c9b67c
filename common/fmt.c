#include "common/fmt.h"
#include "common/string.h"
#include <stdint.h>

struct out {
    char *buf;
    size_t size;
    size_t len;
};

static void put(struct out *o, char c) {
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, int left, char pad) {
    int fill = width > (int)n ? width - (int)n : 0;
    if (!left && pad == '0' && n && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) {
        put(o, *s++);
        n--;
    }
    if (!left)
        while (fill-- > 0)
            put(o, pad);
    while (n--)
        put(o, *s++);
    if (left)
        while (fill-- > 0)
            put(o, ' ');
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) {
    struct out o = {buf, size, 0};
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        int left = 0, plus = 0, space = 0, alt = 0;
        char pad = ' ';
        for (;; fmt++) {
            if (*fmt == '-')
                left = 1;
            else if (*fmt == '0')
                pad = '0';
            else if (*fmt == '+')
                plus = 1;
            else if (*fmt == ' ')
                space = 1;
            else if (*fmt == '#')
                alt = 1;
            else
                break;
        }
        int width = 0, prec = -1;
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                left = 1;
                width = -width;
            }
            fmt++;
        } else
            while (*fmt >= '0' && *fmt <= '9')
                width = width * 10 + (*fmt++ - '0');
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') {
                prec = va_arg(ap, int);
                fmt++;
            } else
                while (*fmt >= '0' && *fmt <= '9')
                    prec = prec * 10 + (*fmt++ - '0');
        }
        int lng = 0; /* 0 int, 1 long, 2 long long, -1 short, -2 char */
        for (;; fmt++) {
            if (*fmt == 'l')
                lng++;
            else if (*fmt == 'h')
                lng--;
            else if (*fmt == 'z' || *fmt == 'j' || *fmt == 't')
                lng = 1;
            else
                break;
        }
        char tmp[72];
        char c = *fmt;
        if (c == 's') {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            size_t n = prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s);
            put_padded(&o, s, n, width, left, ' ');
        } else if (c == 'c') {
            tmp[0] = (char)va_arg(ap, int);
            put_padded(&o, tmp, 1, width, left, ' ');
        } else if (c == 'd' || c == 'i' || c == 'u' || c == 'x' || c == 'X' || c == 'o' ||
                   c == 'p') {
            uint64_t v;
            int neg = 0;
            unsigned base = c == 'x' || c == 'X' || c == 'p' ? 16 : c == 'o' ? 8 : 10;
            if (c == 'p') {
                v = (uintptr_t)va_arg(ap, void *);
                alt = 1;
            } else if (c == 'd' || c == 'i') {
                int64_t s = lng >= 1 ? va_arg(ap, long) : va_arg(ap, int);
                if (lng == -1)
                    s = (short)s;
                else if (lng <= -2)
                    s = (signed char)s;
                neg = s < 0;
                v = neg ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
            } else {
                v = lng >= 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
                if (lng == -1)
                    v = (unsigned short)v;
                else if (lng <= -2)
                    v = (unsigned char)v;
            }
            const char *digits = c == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
            char num[64];
            int n = 0;
            do {
                num[n++] = digits[v % base];
                v /= base;
            } while (v);
            if (prec == 0 && n == 1 && num[0] == '0')
                n = 0;
            int t = 0;
            if (neg)
                tmp[t++] = '-';
            else if (plus && (c == 'd' || c == 'i'))
                tmp[t++] = '+';
            else if (space && (c == 'd' || c == 'i'))
                tmp[t++] = ' ';
            if (alt && base == 16) {
                tmp[t++] = '0';
                tmp[t++] = c == 'X' ? 'X' : 'x';
            }
            if (alt && base == 8 && (n == 0 || num[n - 1] != '0'))
                num[n++] = '0';
            for (int z = n; z < prec; z++)
                tmp[t++] = '0';
            while (n)
                tmp[t++] = num[--n];
            put_padded(&o, tmp, (size_t)t, width, left, prec >= 0 ? ' ' : pad);
        } else if (c == '%') {
            put(&o, '%');
        } else {
            if (!c)
                break;
            put(&o, '%');
            put(&o, c);
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = 0;
    return (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
