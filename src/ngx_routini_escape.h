
/*
 * Copyright (C) routini authors
 */


#ifndef _NGX_ROUTINI_ESCAPE_H_INCLUDED_
#define _NGX_ROUTINI_ESCAPE_H_INCLUDED_


/*
 * Escaping of names (routes, upstreams, peers: operator-written bytes) for
 * the metrics output.  Pure C, no nginx headers, so that it is fuzzed alone.
 *
 * Both write valid UTF-8: a byte that does not start a valid UTF-8
 * sequence becomes U+FFFD, so a name with, say, Latin-1 bytes cannot make
 * the output invalid.  dst must have room for the _MAX bytes of len.
 */


#include <stddef.h>


/* Prometheus text format 0.0.4 label value: \\, \" and \n */
#define NGX_ROUTINI_PROM_LABEL_MAX(len)  (3 * (len))

/* a JSON string, with its quotes; control characters as \u00XX */
#define NGX_ROUTINI_JSON_STR_MAX(len)    (6 * (len) + 2)


size_t ngx_routini_escape_prom_label(unsigned char *dst,
    const unsigned char *src, size_t len);
size_t ngx_routini_escape_json(unsigned char *dst, const unsigned char *src,
    size_t len);

/* the length of the valid UTF-8 sequence at src, 0 if there is none */
size_t ngx_routini_utf8_len(const unsigned char *src, size_t len);


#endif /* _NGX_ROUTINI_ESCAPE_H_INCLUDED_ */
