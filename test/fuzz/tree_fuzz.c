
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
 *                    allows the method, params never cross "/", and it is
 *                    the highest ranked of the routes that match and allow
 *                    the method (fuzz_rank_cmp());
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

/*
 * A segment's rank, the higher first: static text; a param, 1 + (affix
 * << 13) + prefix, where the affix is the param's static bytes in its
 * segment, prefix and suffix (at most 4096 < 1 << 13), so that the bare
 * param is 1; the catch-all.
 */
#define FUZZ_RANK_STATIC    UINT32_MAX
#define FUZZ_RANK_CATCHALL  0


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


/* a block given back is freed at once, so that a use after is caught */

static void
fuzz_free(void *ctx, void *p)
{
    size_t  i;

    (void) ctx;

    for (i = nblocks; i > 0; i--) {
        if (blocks[i - 1] == p) {
            free(p);
            blocks[i - 1] = NULL;
            return;
        }
    }

    abort();
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


/* skips the param or catch-all token at *i; is it a catch-all? */

static int
fuzz_token(const char *pat, size_t plen, size_t *i)
{
    int  star;

    star = pat[*i] == '*' || (pat[*i] == '{' && pat[*i + 1] == '*');

    if (pat[*i] == '{') {
        while (pat[*i] != '}') {
            (*i)++;
        }

        (*i)++;

    } else {
        for ((*i)++; *i < plen && fuzz_is_name(pat[*i]); (*i)++) {
            /* void */
        }
    }

    return star;
}


/* does the valid pattern match path, with exactly the values in m? */

static int
fuzz_ref_match(const fuzz_route_t *r, const unsigned char *path, size_t len,
    const ngx_routini_match_t *m)
{
    int           c;
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

        if (fuzz_token(pat, r->len, &i)) {
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


/*
 * The rank of the segment of a valid pattern that starts at *i (its "/");
 * *i moves to the next segment's "/", or the end.
 */

static uint32_t
fuzz_rank(const fuzz_route_t *r, size_t *i)
{
    size_t       n, prefix;
    const char  *pat;

    pat = r->pattern;
    prefix = (size_t) -1;
    n = 0;

    (*i)++;

    while (*i < r->len && pat[*i] != '/') {
        if (fuzz_static(pat, r->len, i) >= 0) {
            n++;
            continue;
        }

        if (fuzz_token(pat, r->len, i)) {
            return FUZZ_RANK_CATCHALL;    /* the last segment */
        }

        prefix = n;
    }

    if (prefix == (size_t) -1) {
        return FUZZ_RANK_STATIC;
    }

    return 1 + ((uint32_t) n << 13) + (uint32_t) prefix;
}


/*
 * Precedence between two valid patterns that match one path, so that
 * they take its segments in step up to a catch-all: the first segment
 * where their ranks differ decides (ngx_routini_tree.h: static, params
 * with an affix, longest first, then, as ngx_routini_freeze_node() sorts
 * them, longest prefix first, the bare param, the catch-all).  Returns
 * > 0 if a ranks higher, < 0 if b does, 0 if no segment tells them apart.
 */

static int
fuzz_rank_cmp(const fuzz_route_t *a, const fuzz_route_t *b)
{
    size_t    i, j;
    uint32_t  ra, rb;

    i = 0;
    j = 0;

    while (i < a->len && j < b->len) {
        ra = fuzz_rank(a, &i);
        rb = fuzz_rank(b, &j);

        if (ra != rb) {
            return ra > rb ? 1 : -1;
        }

        if (ra == FUZZ_RANK_CATCHALL) {
            return 0;
        }
    }

    if (i < a->len || j < b->len) {
        abort();    /* they cannot both match one path */
    }

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                   rc, cmp;
    char                  err[256];
    size_t                i, n, nroutes, line, start, idx;
    uint32_t              method, allowed;
    fuzz_route_t          routes[FUZZ_MAX_ROUTES], *best;
    ngx_routini_tree_t   *tree;
    ngx_routini_match_t   m;
    const unsigned char  *path;

    tree = ngx_routini_tree_create(fuzz_alloc, fuzz_free, NULL);
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

        /*
         * the reference: the union of the matching routes' masks, and the
         * highest ranked matching route that allows the method; two such
         * routes of equal rank would be a duplicate the tree accepted
         */

        allowed = 0;
        best = NULL;

        for (idx = 0; idx < nroutes; idx++) {
            if (!fuzz_ref_match(&routes[idx], path, i - start, NULL)) {
                continue;
            }

            allowed |= routes[idx].methods;

            if (!(routes[idx].methods & method)) {
                continue;
            }

            if (best == NULL) {
                best = &routes[idx];
                continue;
            }

            cmp = fuzz_rank_cmp(&routes[idx], best);

            if (cmp == 0) {
                abort();    /* one node, overlapping masks */
            }

            if (cmp > 0) {
                best = &routes[idx];
            }
        }

        switch (rc) {

        case NGX_ROUTINI_FOUND:
            if (m.data != best
                || m.nparams > NGX_ROUTINI_MAX_PARAMS
                || !(((fuzz_route_t *) m.data)->methods & method)
                || !fuzz_ref_match(m.data, path, i - start, &m))
            {
                abort();
            }

            for (idx = 0; idx < m.nparams; idx++) {
                if (m.names[idx] == NULL
                    || strlen(m.names[idx])
                       != ngx_routini_match_name_lens(&m)[idx]
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
            if (m.allowed != allowed || best) {
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
