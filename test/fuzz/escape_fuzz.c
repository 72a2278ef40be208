
/*
 * Copyright (C) routini authors
 */


/*
 * libFuzzer harness of the metrics output escaping: for any bytes, the
 * Prometheus label and the JSON string stay within their bounds, are valid
 * UTF-8, hold no raw newline or control character where the format forbids
 * them, and decode back to the input (with U+FFFD for bytes that are not
 * UTF-8).
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_routini_escape.h"


static int
valid_utf8(const unsigned char *s, size_t len)
{
    size_t  i, n;

    for (i = 0; i < len; i += n) {
        n = ngx_routini_utf8_len(&s[i], len - i);
        if (n == 0) {
            return 0;
        }
    }

    return 1;
}


/* the input as the escapers see it: invalid bytes replaced by U+FFFD */

static size_t
expected(unsigned char *dst, const unsigned char *src, size_t len)
{
    size_t          i, n;
    unsigned char  *p;

    p = dst;

    for (i = 0; i < len; i += n) {
        n = ngx_routini_utf8_len(&src[i], len - i);

        if (n == 0) {
            memcpy(p, "\xef\xbf\xbd", 3);
            p += 3;
            n = 1;

        } else {
            memcpy(p, &src[i], n);
            p += n;
        }
    }

    return p - dst;
}


static size_t
unescape_prom(unsigned char *dst, const unsigned char *src, size_t len)
{
    size_t          i;
    unsigned char  *p;

    p = dst;

    for (i = 0; i < len; i++) {
        if (src[i] == '\n' || src[i] == '"') {
            abort();
        }

        if (src[i] != '\\') {
            *p++ = src[i];
            continue;
        }

        if (++i == len) {
            abort();
        }

        switch (src[i]) {
        case '\\': *p++ = '\\'; break;
        case '"':  *p++ = '"'; break;
        case 'n':  *p++ = '\n'; break;
        default:   abort();
        }
    }

    return p - dst;
}


static unsigned int
hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    abort();
}


static size_t
unescape_json(unsigned char *dst, const unsigned char *src, size_t len)
{
    size_t          i;
    unsigned int    u;
    unsigned char  *p;

    if (len < 2 || src[0] != '"' || src[len - 1] != '"') {
        abort();
    }

    p = dst;

    for (i = 1; i < len - 1; i++) {
        if (src[i] < 0x20 || src[i] == 0x7f || src[i] == '"') {
            abort();
        }

        if (src[i] != '\\') {
            *p++ = src[i];
            continue;
        }

        if (++i == len - 1) {
            abort();
        }

        switch (src[i]) {

        case '\\': *p++ = '\\'; break;
        case '"':  *p++ = '"'; break;
        case 'n':  *p++ = '\n'; break;

        case 'u':
            if (i + 4 >= len - 1) {
                abort();
            }

            u = hexval(src[i + 1]) << 12 | hexval(src[i + 2]) << 8
                | hexval(src[i + 3]) << 4 | hexval(src[i + 4]);
            i += 4;

            if (u == 0xfffd) {
                memcpy(p, "\xef\xbf\xbd", 3);
                p += 3;

            } else if (u < 0x20 || u == 0x7f) {
                *p++ = (unsigned char) u;

            } else {
                abort();
            }

            break;

        default:
            abort();
        }
    }

    return p - dst;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t          n, m, e;
    unsigned char  *out, *back, *want;

    out = malloc(NGX_ROUTINI_JSON_STR_MAX(size) + 1);
    back = malloc(3 * size + 1);
    want = malloc(3 * size + 1);

    if (out == NULL || back == NULL || want == NULL) {
        abort();
    }

    e = expected(want, data, size);

    n = ngx_routini_escape_prom_label(out, data, size);

    if (n > NGX_ROUTINI_PROM_LABEL_MAX(size) || !valid_utf8(out, n)) {
        abort();
    }

    m = unescape_prom(back, out, n);

    if (m != e || memcmp(back, want, e) != 0) {
        abort();
    }

    n = ngx_routini_escape_json(out, data, size);

    if (n > NGX_ROUTINI_JSON_STR_MAX(size) || !valid_utf8(out, n)) {
        abort();
    }

    m = unescape_json(back, out, n);

    if (m != e || memcmp(back, want, e) != 0) {
        abort();
    }

    free(out);
    free(back);
    free(want);

    return 0;
}
