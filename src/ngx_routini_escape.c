
/*
 * Copyright (C) routini authors
 */


#include <string.h>

#include "ngx_routini_escape.h"


static unsigned char  ngx_routini_replacement[] = { 0xef, 0xbf, 0xbd };


size_t
ngx_routini_utf8_len(const unsigned char *src, size_t len)
{
    size_t         n, i;
    unsigned int   c, min;

    c = src[0];

    if (c < 0x80) {
        return 1;
    }

    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        c &= 0x1f;
        min = 0x80;

    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        c &= 0x0f;
        min = 0x800;

    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        c &= 0x07;
        min = 0x10000;

    } else {
        return 0;
    }

    if (len < n) {
        return 0;
    }

    for (i = 1; i < n; i++) {
        if ((src[i] & 0xc0) != 0x80) {
            return 0;
        }

        c = (c << 6) | (src[i] & 0x3f);
    }

    /* overlong forms, UTF-16 surrogates, beyond U+10FFFF */

    if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff) {
        return 0;
    }

    return n;
}


size_t
ngx_routini_escape_prom_label(unsigned char *dst, const unsigned char *src,
    size_t len)
{
    size_t          i, n;
    unsigned char  *p;

    p = dst;

    for (i = 0; i < len; i += n) {

        switch (src[i]) {

        case '\\':
        case '"':
            *p++ = '\\';
            *p++ = src[i];
            n = 1;
            continue;

        case '\n':
            *p++ = '\\';
            *p++ = 'n';
            n = 1;
            continue;
        }

        n = ngx_routini_utf8_len(&src[i], len - i);

        if (n == 0) {
            memcpy(p, ngx_routini_replacement, 3);
            p += 3;
            n = 1;
            continue;
        }

        memcpy(p, &src[i], n);
        p += n;
    }

    return p - dst;
}


size_t
ngx_routini_escape_json(unsigned char *dst, const unsigned char *src,
    size_t len)
{
    size_t          i, n;
    unsigned char   c, *p;

    static const char  hex[] = "0123456789abcdef";

    p = dst;
    *p++ = '"';

    for (i = 0; i < len; i += n) {
        c = src[i];
        n = 1;

        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = c;

        } else if (c == '\n') {
            *p++ = '\\';
            *p++ = 'n';

        } else if (c < 0x20 || c == 0x7f) {
            memcpy(p, "\\u00", 4);
            p += 4;
            *p++ = hex[c >> 4];
            *p++ = hex[c & 0xf];

        } else {
            n = ngx_routini_utf8_len(&src[i], len - i);

            if (n == 0) {
                memcpy(p, "\\ufffd", 6);
                p += 6;
                n = 1;

            } else {
                memcpy(p, &src[i], n);
                p += n;
            }
        }
    }

    *p++ = '"';

    return p - dst;
}
