
/*
 * Copyright (C) routini authors
 */


/*
 * Looking up a path in a frozen route tree, in up to two passes.
 *
 * The fast pass takes each node's first choice: the static child, else
 * the first param matching (longest affix first, the bare param last),
 * else the catch-all.  It jumps from node to node by the address of the
 * code for the node's kind, where the compiler has labels as values.
 * When it ends on a route allowing the method, that is the answer: the
 * full search takes the same choices first.
 *
 * Otherwise (a branch leading nowhere, a route not allowing the method,
 * two hashed statics alike but for their middle bytes), the full search
 * starts over from the root, depth first in precedence order, with the
 * alternatives it skipped in a bounded stack, and collects the methods
 * allowed for a 405.
 */


#include "ngx_routini_tree_private.h"


#ifndef NGX_ROUTINI_GOTO
#if (__GNUC__)
#define NGX_ROUTINI_GOTO          1
#else
#define NGX_ROUTINI_GOTO          0
#endif
#endif


/* the answer's fields are in the same places in a route and a match */
typedef char  ngx_routini_answer_check[
    offsetof(ngx_routini_match_t, params)
    == offsetof(ngx_routini_route_t, pattern)
    && offsetof(ngx_routini_match_t, names)
       == offsetof(ngx_routini_route_t, names)
    && offsetof(ngx_routini_match_t, nparams)
       == offsetof(ngx_routini_route_t, nparams)
    && sizeof(((ngx_routini_match_t *) 0)->nparams)
       == sizeof(((ngx_routini_route_t *) 0)->nparams) ? 1 : -1];


/* a node the full search may come back to, and where it was */
typedef struct {
    const ngx_routini_node_t  *node;
    size_t                     start;  /* the segment, s[start, end) */
    size_t                     end;
    uint32_t                   nparams;
    uint32_t                   alt;    /* next param; nparam: catch-all */
} ngx_routini_frame_t;


static ngx_routini_noinline int ngx_routini_lookup_all(
    const ngx_routini_node_t *n, const unsigned char *s, size_t len,
    uint32_t method, ngx_routini_match_t *m);
static ngx_routini_inline const ngx_routini_node_t *ngx_routini_static_child(
    const ngx_routini_node_t *n, const unsigned char *s, size_t len,
    size_t p, uint64_t w);
static ngx_routini_inline const ngx_routini_node_t *ngx_routini_static_hash(
    const ngx_routini_node_t *n, const unsigned char *s, size_t len,
    size_t p, uint64_t w);
static ngx_routini_inline const ngx_routini_node_t *ngx_routini_hash_first(
    const ngx_routini_node_t *n, const unsigned char *s, size_t len,
    size_t p, uint64_t w);
static ngx_routini_inline const ngx_routini_node_t *ngx_routini_hash_chain(
    const ngx_routini_node_t *c, const unsigned char *s, size_t p, size_t e,
    uint64_t w);
static ngx_routini_inline const ngx_routini_node_t *ngx_routini_static_byte(
    const ngx_routini_node_t *n, const unsigned char *s, size_t len,
    size_t p, uint64_t w);
static ngx_routini_inline const ngx_routini_node_t *ngx_routini_chain_word(
    const ngx_routini_node_t *c, uint64_t w);
static ngx_routini_inline int ngx_routini_static_long(
    const ngx_routini_node_t *c, const unsigned char *s, size_t len,
    size_t p);
static ngx_routini_inline int ngx_routini_static_middle(
    const ngx_routini_node_t *c, const unsigned char *s, size_t p);
static ngx_routini_inline size_t ngx_routini_param(
    const ngx_routini_node_t *n, const unsigned char *s, size_t p, size_t e,
    size_t i);
static ngx_routini_inline int ngx_routini_param_match(
    const ngx_routini_node_t *c, const unsigned char *s, size_t p, size_t e);
static ngx_routini_inline const ngx_routini_route_t *ngx_routini_route(
    const ngx_routini_route_t *r, uint32_t method, uint32_t *allowed);
static int ngx_routini_found(ngx_routini_match_t *m,
    const ngx_routini_route_t *r, size_t catchall);


/*
 * The fast pass.  Statics are found by their first word, and a long
 * static checked once found, as no other in its chain has the same first
 * word (see ngx_routini_freeze_statics()); a hashed static by its first
 * and last words and length, and the bytes between checked once found:
 * when they differ, another of the slot may match, which the full search
 * sees.  The bare param's value is the segment up to the "/" found in the
 * same word.
 */

int
ngx_routini_tree_lookup(const ngx_routini_tree_t *tree, const char *path,
    size_t len, uint32_t method, ngx_routini_match_t *m)
{
    size_t                      p, e, i;
    uint32_t                    allowed;
    uint64_t                    w, b;
    ngx_routini_span_t         *v;
    const unsigned char        *s;
    const ngx_routini_node_t   *n, *c;
    const ngx_routini_route_t  *r;

#if (NGX_ROUTINI_GOTO)
    const void *const          *ops;

    /* the code for each NGX_ROUTINI_KIND_* */
    static const void  *const kinds[] = {
        &&leaf, &&bare, &&params, &&chain, &&byte, &&hash, &&leaf
    };

    /* (a node without children has only a catch-all, NULL, in front of
     * it: going to the full search from leaf costs no code of its own) */
#define ngx_routini_dispatch(kind)  goto *ops[kind]
#else
#define ngx_routini_dispatch(kind)                                           \
    switch (kind) {                                                          \
    case NGX_ROUTINI_KIND_BARE: goto bare;                                   \
    case NGX_ROUTINI_KIND_PARAMS: goto params;                               \
    case NGX_ROUTINI_KIND_CHAIN: goto chain;                                 \
    case NGX_ROUTINI_KIND_BYTE: goto byte;                                   \
    case NGX_ROUTINI_KIND_HASH: goto hash;                                   \
    case NGX_ROUTINI_KIND_NONE: goto leaf;                                   \
    default: goto leaf;                                                      \
    }
#endif

    s = (const unsigned char *) path;

    if (ngx_routini_likely(len > 8)) {
        w = ngx_routini_load(s + 1);

    } else {
        if (len == 0) {
            goto none;
        }

        w = ngx_routini_word(s, len, 1);
    }

    if (s[0] != '/') {
        goto none;
    }

    n = tree->top;
    p = 1;
    v = m->params;

#if (NGX_ROUTINI_GOTO)
    /* the table's address stays in a register, not made again per jump */
    ops = kinds;
    __asm__ ("" : "+r" (ops));
#endif

    allowed = 0;    /* unused: the full search collects the methods */

    ngx_routini_dispatch(n->kind);

chain:

    c = ngx_routini_chain_word(ngx_routini_statics(n)->statics, w);

    if (c && (c->len < 8 || ngx_routini_static_long(c, s, len, p))) {
        goto matched;
    }

    goto miss;

hash:

    c = ngx_routini_hash_first(n, s, len, p, w);

    if (c == NULL) {
        goto miss;
    }

    if (ngx_routini_static_middle(c, s, p)) {
        goto matched;
    }

    /* another static of the slot may take the segment */

    goto full;

byte:

    /* the chains follow the index (ngx_routini_freeze_statics()) */

    c = ngx_routini_chain_word(((ngx_routini_node_t *const *)
                                (ngx_routini_statics(n)->index + 256))
                               [ngx_routini_statics(n)->index[w & 0xff]], w);

    if (c && (c->len < 8 || ngx_routini_static_long(c, s, len, p))) {
        goto matched;
    }

miss:

    /* no static took the segment: the params, if any */

    if (n->rest != NGX_ROUTINI_KIND_BARE) {
        ngx_routini_dispatch(n->rest);
    }

bare:

    /* the value's length is the index of the "/" */

    b = ngx_routini_slash_mask(w);

    if (ngx_routini_likely(b != 0)) {
        i = ngx_routini_slash_index(b);

        if (i == 0) {
            goto leaf;
        }

    } else {
        i = ngx_routini_segment_end_long(s, len, p) - p;
    }

    v->start = p;
    v->len = i;
    v++;
    n = n->bare;
    e = p + i;
    goto next;

params:

    e = ngx_routini_segment_end(s, len, p, w);
    i = ngx_routini_param(n, s, p, e, 0);

    if (i == n->nparam) {
        goto leaf;
    }

    c = ngx_routini_params(n)->params[i];
    v->start = p + c->prefix;
    v->len = e - p - c->len;
    v++;
    n = c;
    goto next;

matched:

    n = c;
    e = p + c->len;

next:

    if (ngx_routini_likely(e + 9 <= len)) {
        p = e + 1;
        w = ngx_routini_load(s + p);

        ngx_routini_dispatch(n->kind);
    }

    if (e == len) {
        r = ngx_routini_route(n->routes, method, &allowed);

        if (r) {
            return ngx_routini_found(m, r, (size_t) -1);
        }

        goto full;
    }

    /* the last 8 bytes of the path */

    p = e + 1;
    w = ngx_routini_word_end(s, len, p);

    ngx_routini_dispatch(n->kind);

leaf:

    /* no static or param child took the segment: the catch-all, if any */

    if (ngx_routini_params(n)->catchall) {
        r = ngx_routini_route(ngx_routini_params(n)->catchall->routes, method,
                              &allowed);

        if (r) {
            v->start = p;
            v->len = len - p;
            return ngx_routini_found(m, r, p);
        }
    }

full:

    return ngx_routini_lookup_all(tree->top, s, len, method, m);

none:

    m->allowed = 0;
    return NGX_ROUTINI_NOT_FOUND;

#undef ngx_routini_dispatch
}


/* the full search */

static ngx_routini_noinline int
ngx_routini_lookup_all(const ngx_routini_node_t *n, const unsigned char *s,
    size_t len, uint32_t method, ngx_routini_match_t *m)
{
    size_t                      p, e, i, k, alt;
    uint64_t                    w;
    ngx_routini_frame_t         stack[NGX_ROUTINI_MAX_BRANCHES];
    ngx_routini_frame_t        *sp;
    const ngx_routini_node_t   *c;
    const ngx_routini_route_t  *r;

    sp = stack;
    p = 1;
    k = 0;
    m->allowed = 0;

    for ( ;; ) {

        /* the segment s[p, e) follows n: the static child first */

        w = ngx_routini_word(s, len, p);

        if (n->kind >= NGX_ROUTINI_KIND_CHAIN) {
            c = ngx_routini_static_child(n, s, len, p, w);

            if (c) {
                e = p + c->len;
                alt = 0;
                goto match;
            }
        }

        e = ngx_routini_segment_end(s, len, p, w);
        alt = 0;

    params:

        i = ngx_routini_param(n, s, p, e, alt);

        if (i < n->nparam) {
            c = ngx_routini_params(n)->params[i];
            alt = i + 1;
            m->params[k].start = p + c->prefix;
            m->params[k].len = e - p - c->len;
            goto match;
        }

        if (ngx_routini_params(n)->catchall) {
            r = ngx_routini_route(ngx_routini_params(n)->catchall->routes,
                                  method, &m->allowed);

            if (r) {
                m->params[k].start = p;
                m->params[k].len = len - p;
                return ngx_routini_found(m, r, p);
            }
        }

    backtrack:

        if (sp == stack) {
            return m->allowed ? NGX_ROUTINI_METHOD_MISMATCH
                              : NGX_ROUTINI_NOT_FOUND;
        }

        sp--;
        n = sp->node;
        p = sp->start;
        e = sp->end;
        k = sp->nparams;
        alt = sp->alt;
        goto params;

    match:

        /* c matched the segment; n's alternatives left start at alt */

        if (alt < n->nparam
            || ngx_routini_params(n)->catchall)
        {
            sp->node = n;
            sp->start = p;
            sp->end = e;
            sp->nparams = (uint32_t) k;
            sp->alt = (uint32_t) alt;
            sp++;
        }

        /* a param's value is m->params[k] (alt is 0 for a static) */

        k += (alt != 0);

        n = c;

        if (e == len) {
            r = ngx_routini_route(n->routes, method, &m->allowed);

            if (r) {
                return ngx_routini_found(m, r, (size_t) -1);
            }

            goto backtrack;
        }

        if (n->kind == NGX_ROUTINI_KIND_NONE) {
            goto backtrack;    /* no child for the rest of the path */
        }

        p = e + 1;
    }
}


/*
 * n's static child matching the segment at p, or NULL; w is the path's
 * word at p.  Statics are first told apart by their first byte (none
 * needed when few) or, when that is not enough ("r1", "r2", ...), by a
 * hash of the whole segment.  A static's word ends with the "/" after it,
 * so one masked compare checks a short static and the segment's end.
 */

static ngx_routini_inline const ngx_routini_node_t *
ngx_routini_static_child(const ngx_routini_node_t *n, const unsigned char *s,
    size_t len, size_t p, uint64_t w)
{
    if (n->kind == NGX_ROUTINI_KIND_HASH) {
        return ngx_routini_static_hash(n, s, len, p, w);
    }

    return ngx_routini_static_byte(n, s, len, p, w);
}


/*
 * n's statics by hash: each candidate with the segment's first word,
 * length and last word (ngx_routini_hash_first()) checked in full.
 */

static ngx_routini_inline const ngx_routini_node_t *
ngx_routini_static_hash(const ngx_routini_node_t *n, const unsigned char *s,
    size_t len, size_t p, uint64_t w)
{
    const ngx_routini_node_t   *c;

    for (c = ngx_routini_hash_first(n, s, len, p, w);
         c;
         c = ngx_routini_hash_chain(c->chain, s, p, p + c->len, c->word))
    {
        if (ngx_routini_static_middle(c, s, p)) {
            return c;
        }
    }

    return NULL;
}


/*
 * The first static of n's hash table with the first word, length and
 * last word of the segment at p, or NULL; its bytes between, if any, are
 * left to the caller.
 */

static ngx_routini_inline const ngx_routini_node_t *
ngx_routini_hash_first(const ngx_routini_node_t *n, const unsigned char *s,
    size_t len, size_t p, uint64_t w)
{
    size_t                        e, i;
    const ngx_routini_statics_t  *st;

    /* the key: the segment's word cut after its "/", as a short static's,
     * or its first 8 bytes */

    i = ngx_routini_slash(w);

    if (i < 8) {
        w &= (0x100ULL << (8 * i)) - 1;
        e = p + i;

    } else {
        e = ngx_routini_segment_end_long(s, len, p);
    }

    st = ngx_routini_statics(n);

    return ngx_routini_hash_chain(
               st->table[ngx_routini_key(w, s + p, e - p) & st->mask],
               s, p, e, w);
}


/* the first static from c on with the key w, the length and the last
 * word of the segment s[p, e) */

static ngx_routini_inline const ngx_routini_node_t *
ngx_routini_hash_chain(const ngx_routini_node_t *c, const unsigned char *s,
    size_t p, size_t e, uint64_t w)
{
    for ( /* void */ ; c; c = c->chain) {
        if (c->word == w && c->len == e - p
            && (c->len <= 8
                || ngx_routini_load(s + e - 8)
                   == ngx_routini_load(c->text + c->len - 8)))
        {
            return c;
        }
    }

    return NULL;
}


/* n's statics by first byte: the one whose first word matches, checked */

static ngx_routini_inline const ngx_routini_node_t *
ngx_routini_static_byte(const ngx_routini_node_t *n, const unsigned char *s,
    size_t len, size_t p, uint64_t w)
{
    const ngx_routini_node_t     *c;
    const ngx_routini_statics_t  *st;

    st = ngx_routini_statics(n);
    c = ngx_routini_chain_word(st->table[st->index[w & 0xff]], w);

    if (c && (c->len < 8 || ngx_routini_static_long(c, s, len, p))) {
        return c;
    }

    return NULL;
}


/*
 * The static of the chain from c whose first word matches the path's
 * word w, or NULL: a frozen chain has no two statics with the same first
 * word (ngx_routini_chain_unique()), so that it is the only candidate.
 */

static ngx_routini_inline const ngx_routini_node_t *
ngx_routini_chain_word(const ngx_routini_node_t *c, uint64_t w)
{
    for ( /* void */ ; c; c = c->chain) {
        if (((w ^ c->word) & c->wmask) == 0) {
            return c;
        }
    }

    return NULL;
}


/*
 * The rest of a static of 8 bytes or more, its first word equal: its last
 * 8 bytes, read in place, the segment's end after them and the bytes
 * between, if any.
 */

static ngx_routini_inline int
ngx_routini_static_long(const ngx_routini_node_t *c, const unsigned char *s,
    size_t len, size_t p)
{
    size_t  e;

    e = p + c->len;

    return e <= len
           && ngx_routini_load(s + e - 8)
              == ngx_routini_load(c->text + c->len - 8)
           && (e == len || s[e] == '/')
           && ngx_routini_static_middle(c, s, p);
}


/* the bytes of a static c between its first and last words, if any,
 * equal to those of the segment at p */

static ngx_routini_inline int
ngx_routini_static_middle(const ngx_routini_node_t *c, const unsigned char *s,
    size_t p)
{
    return c->len <= 16
           || ngx_routini_equal(c->text + 8, s + p + 8, c->len - 16);
}


/* the index of n's first param from i on matching the segment s[p, e),
 * or n's number of params */

static ngx_routini_inline size_t
ngx_routini_param(const ngx_routini_node_t *n, const unsigned char *s,
    size_t p, size_t e, size_t i)
{
    const ngx_routini_params_t  *kp;

    kp = ngx_routini_params(n);

    for ( /* void */ ; i < n->nparam; i++) {
        if (ngx_routini_param_match(kp->params[i], s, p, e)) {
            break;
        }
    }

    return i;
}


/* does the param c match the segment s[p, e), with a non-empty value? */

static ngx_routini_inline int
ngx_routini_param_match(const ngx_routini_node_t *c, const unsigned char *s,
    size_t p, size_t e)
{
    if (e - p <= c->len) {
        return 0;
    }

    return c->len == 0
           || (ngx_routini_equal(c->text, s + p, c->prefix)
               && ngx_routini_equal(c->text + c->prefix,
                                    s + e - (c->len - c->prefix),
                                    c->len - c->prefix));
}


/*
 * The first of the routes from r allowing the method, or NULL; the
 * methods of the others are added to *allowed.
 */

static ngx_routini_inline const ngx_routini_route_t *
ngx_routini_route(const ngx_routini_route_t *r, uint32_t method,
    uint32_t *allowed)
{
    if (r == NULL) {
        return NULL;
    }

    for ( ;; ) {
        if (r->methods & method) {
            return r;
        }

        *allowed |= r->methods;

        if (!(r->len & NGX_ROUTINI_ROUTE_MORE)) {
            return NULL;
        }

        r++;
    }
}


static int
ngx_routini_found(ngx_routini_match_t *m, const ngx_routini_route_t *r,
    size_t catchall)
{
    memcpy(m, r, offsetof(ngx_routini_match_t, params));
    m->catchall_start = catchall;

    return NGX_ROUTINI_FOUND;
}
