
/*
 * Copyright (C) routini authors
 */


/*
 * libFuzzer harness for the route tree.
 *
 * Input: lines.  Lines up to the first empty line are patterns to insert,
 * the rest are paths to look up (any byte but "\n").  Methods come from the
 * line numbers, so that the same pattern appears with overlapping and
 * disjoint masks.
 *
 * Besides crashes, leaks and UB, every answer is checked against a slow
 * reference matcher that tries each inserted route on its own:
 *   FOUND:           the route matches the path with the params returned,
 *                    allows the method, and params never cross "/";
 *   NOT_FOUND:       no route matches the path;
 *   METHOD_MISMATCH: some routes match, none allows the method, and
 *                    m.allowed is the union of their masks.
 * Before freeze, a lookup finds nothing.
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_routini_tree.h"


#define FUZZ_MAX_ROUTES  64
#define FUZZ_MAX_PATHS   64


typedef struct {
    const char  *pattern;
    size_t       len;
    uint32_t     methods;
} fuzz_route_t;


static void   *blocks[4096];
static size_t  nblocks;


static void *
fuzz_alloc(void *ctx, size_t size)
{
    void  *p;

    (void) ctx;

    if (nblocks == sizeof(blocks) / sizeof(blocks[0])) {
        return NULL;
    }

    p = malloc(size);
    if (p) {
        blocks[nblocks++] = p;
    }

    return p;
}


static int
fuzz_is_name(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_';
}


/*
 * Decodes one static byte of a valid pattern at *i; returns -1 when a param
 * or catch-all token starts there instead.
 */

static int
fuzz_static(const char *pat, size_t plen, size_t *i)
{
    unsigned char  c;

    c = pat[*i];

    if ((c == '{' || c == '}') && *i + 1 < plen && pat[*i + 1] == c) {
        *i += 2;
        return c;
    }

    if (c == '\\' && *i + 1 < plen && pat[*i + 1] == ':') {
        *i += 2;
        return ':';
    }

    if (c == '{' || c == ':' || (c == '*' && pat[*i - 1] == '/')) {
        return -1;
    }

    (*i)++;
    return c;
}


/* does the valid pattern match path, with exactly the values in m? */

static int
fuzz_ref_match(const fuzz_route_t *r, const unsigned char *path, size_t len,
    const ngx_routini_match_t *m)
{
    int           c, star;
    size_t        i, j, p, e, k, slen;
    const char   *pat;
    unsigned char suffix[4096];

    pat = r->pattern;
    i = 0;
    p = 0;
    k = 0;

    while (i < r->len) {
        c = fuzz_static(pat, r->len, &i);

        if (c >= 0) {
            if (p == len || path[p] != c) {
                return 0;
            }

            p++;
            continue;
        }

        /* a token: skip it */

        star = pat[i] == '*' || (pat[i] == '{' && pat[i + 1] == '*');

        if (pat[i] == '{') {
            while (pat[i] != '}') {
                i++;
            }

            i++;

        } else {
            for (i++; i < r->len && fuzz_is_name(pat[i]); i++) {
                /* void */
            }
        }

        if (star) {
            if (m && (k >= m->nparams || m->params[k].start != p
                      || m->params[k].len != len - p
                      || m->catchall_start != p))
            {
                return 0;
            }

            return 1;
        }

        /* the suffix: static bytes up to "/" or the end */

        slen = 0;
        while (i < r->len && pat[i] != '/') {
            c = fuzz_static(pat, r->len, &i);
            if (c < 0) {
                abort();    /* two params in a segment were accepted */
            }

            suffix[slen++] = (unsigned char) c;
        }

        for (e = p; e < len && path[e] != '/'; e++) {
            /* void */
        }

        if (e - p <= slen || memcmp(path + e - slen, suffix, slen) != 0) {
            return 0;
        }

        if (m && (k >= m->nparams || m->params[k].start != p
                  || m->params[k].len != e - p - slen))
        {
            return 0;
        }

        for (j = p; m && j < p + m->params[k].len; j++) {
            if (path[j] == '/') {
                abort();
            }
        }

        k++;
        p = e;
    }

    return p == len && (m == NULL || (k == m->nparams
                                      && m->catchall_start == (size_t) -1));
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                   rc;
    char                  err[256];
    size_t                i, n, nroutes, line, start, idx;
    uint32_t              method, allowed;
    fuzz_route_t          routes[FUZZ_MAX_ROUTES];
    ngx_routini_tree_t   *tree;
    ngx_routini_match_t   m;
    const unsigned char  *path;

    tree = ngx_routini_tree_create(fuzz_alloc, NULL);
    if (tree == NULL) {
        goto done;
    }

    nroutes = 0;
    line = 0;
    start = 0;
    i = 0;

    /* patterns */

    for ( ;; ) {
        if (i == size || data[i] == '\n') {
            if (i == start || nroutes == FUZZ_MAX_ROUTES) {
                break;
            }

            routes[nroutes].pattern = (const char *) data + start;
            routes[nroutes].len = i - start;
            routes[nroutes].methods = (line % 3 == 0) ? 0xffffffff
                                      : (uint32_t) (1u << (line % 5));

            if (ngx_routini_tree_insert(tree, routes[nroutes].pattern,
                                        routes[nroutes].len,
                                        (line % 3 == 0) ? 0
                                        : routes[nroutes].methods,
                                        (void *) (routes + nroutes), NULL,
                                        err, sizeof(err))
                == 0)
            {
                nroutes++;

            } else if (err[0] == '\0' || strlen(err) >= sizeof(err)) {
                abort();
            }

            line++;

            if (i == size) {
                break;
            }

            start = i + 1;
        }

        i++;
    }

    /* before freeze, nothing is found */

    if (ngx_routini_tree_lookup(tree, "/", 1, 1, &m) != NGX_ROUTINI_NOT_FOUND
        || m.allowed != 0)
    {
        abort();
    }

    if (ngx_routini_tree_freeze(tree, NULL, err, sizeof(err)) != 0) {
        goto done;
    }

    /* paths */

    for (n = 0; n < FUZZ_MAX_PATHS && i < size; n++) {
        start = ++i;

        while (i < size && data[i] != '\n') {
            i++;
        }

        path = data + start;
        method = 1u << (n % 5);

        rc = ngx_routini_tree_lookup(tree, (const char *) path, i - start,
                                     method, &m);

        allowed = 0;
        for (idx = 0; idx < nroutes; idx++) {
            if (fuzz_ref_match(&routes[idx], path, i - start, NULL)) {
                allowed |= routes[idx].methods;
            }
        }

        switch (rc) {

        case NGX_ROUTINI_FOUND:
            if ((fuzz_route_t *) m.data < routes
                || (fuzz_route_t *) m.data >= routes + nroutes
                || m.nparams > NGX_ROUTINI_MAX_PARAMS
                || !(((fuzz_route_t *) m.data)->methods & method)
                || !fuzz_ref_match(m.data, path, i - start, &m))
            {
                abort();
            }

            for (idx = 0; idx < m.nparams; idx++) {
                if (m.names[idx] == NULL
                    || strlen(m.names[idx]) != m.name_lens[idx]
                    || m.params[idx].start + m.params[idx].len > i - start)
                {
                    abort();
                }
            }

            break;

        case NGX_ROUTINI_NOT_FOUND:
            if (allowed) {
                abort();
            }

            break;

        case NGX_ROUTINI_METHOD_MISMATCH:
            if (m.allowed != allowed || (allowed & method)) {
                abort();
            }

            break;

        default:
            abort();
        }
    }

done:

    while (nblocks) {
        free(blocks[--nblocks]);
    }

    return 0;
}
