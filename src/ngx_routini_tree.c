
/*
 * Copyright (C) routini authors
 */


/*
 * Building the route tree: create, insert, and the validation of each
 * pattern against the syntax and the routes before it.  Freeze is in
 * ngx_routini_tree_freeze.c, lookup in ngx_routini_tree_lookup.c, the
 * layout they share in ngx_routini_tree_private.h.
 */


#include "ngx_routini_tree_private.h"


#define NGX_ROUTINI_MAX_PATTERN   4096
#define NGX_ROUTINI_MAX_SEGMENTS  256

#define NGX_ROUTINI_STATIC        0
#define NGX_ROUTINI_PARAM         1
#define NGX_ROUTINI_CATCHALL      2

/* params (each with its own prefix and suffix) after the same segments:
 * a node's nparam counts them, and a lookup may try each in turn */
#define NGX_ROUTINI_MAX_NODE_PARAMS  4096

/* what a node has after the fields every node has: nothing ("{id}", the
 * root); a static's word, and its text when longer than the word holds;
 * a param's prefix and suffix (after the fields of a static) */
#define NGX_ROUTINI_NODE_BARE     0
#define NGX_ROUTINI_NODE_STATIC   1
#define NGX_ROUTINI_NODE_TEXT     2

/* statics from which a node gets its hash table while building */
#define NGX_ROUTINI_HASH_MIN      8


/* one segment of a parsed pattern */
typedef struct {
    size_t                 text;      /* offset in the normalized buffer */
    size_t                 len;       /* static bytes */
    size_t                 prefix;    /* param: bytes of text before it */
    const char            *name;      /* in the pattern */
    size_t                 name_len;
    int                    type;
} ngx_routini_seg_t;


typedef struct {
    ngx_routini_seg_t      seg[NGX_ROUTINI_MAX_SEGMENTS];
    size_t                 nsegs;
    size_t                 nparams;
    unsigned char          buf[NGX_ROUTINI_MAX_PATTERN];
} ngx_routini_parsed_t;


static ngx_routini_node_t *ngx_routini_node_new(ngx_routini_tree_t *tree,
    const unsigned char *text, size_t len, unsigned kids, int type);
static size_t ngx_routini_node_size(size_t len, int type);
static int ngx_routini_same_static(ngx_routini_node_t *c,
    const unsigned char *text, size_t len, uint64_t w);
static void *ngx_routini_take(ngx_routini_tree_t *tree, size_t size);
static void ngx_routini_spare(ngx_routini_tree_t *tree, void *p,
    size_t size);
static int ngx_routini_parse(const char *pat, size_t len,
    ngx_routini_parsed_t *pp, ngx_routini_err_t *e);
static int ngx_routini_param_start(const char *pat, size_t len, size_t i,
    size_t end, int star, ngx_routini_parsed_t *pp, size_t b,
    ngx_routini_err_t *e);
static int ngx_routini_check(ngx_routini_tree_t *tree, const char *pat,
    size_t len, ngx_routini_parsed_t *pp, uint32_t methods, void **conflict,
    ngx_routini_err_t *e);
static ngx_routini_node_t **ngx_routini_find(ngx_routini_node_t *n,
    ngx_routini_parsed_t *pp, ngx_routini_seg_t *sg);
static int ngx_routini_static_add(ngx_routini_tree_t *tree,
    ngx_routini_statics_t *st, ngx_routini_node_t *c);
static ngx_routini_node_t *ngx_routini_add(ngx_routini_tree_t *tree,
    ngx_routini_node_t *n, ngx_routini_parsed_t *pp, size_t i);
static const char **ngx_routini_names(ngx_routini_tree_t *tree,
    ngx_routini_node_t *c, const char **prev, size_t k,
    ngx_routini_seg_t *sg);
static ngx_routini_node_t *ngx_routini_grow(ngx_routini_tree_t *tree,
    ngx_routini_node_t **ref, unsigned kids, int type, int listed);
static void ngx_routini_err_param(ngx_routini_err_t *e, const char *name,
    size_t len, int catchall);


ngx_routini_tree_t *
ngx_routini_tree_create(ngx_routini_alloc_pt alloc,
    ngx_routini_free_pt release, void *ctx)
{
    ngx_routini_tree_t  *tree;

    tree = alloc(ctx, sizeof(ngx_routini_tree_t));
    if (tree == NULL) {
        return NULL;
    }

    tree->alloc = alloc;
    tree->release = release;
    tree->ctx = ctx;
    tree->memory = sizeof(ngx_routini_tree_t);
    memset(tree->names, 0, sizeof(tree->names));
    tree->spare = NULL;
    tree->frozen = 0;

    tree->root = ngx_routini_node_new(tree, NULL, 0, NGX_ROUTINI_KIDS_ALL, 0);
    if (tree->root == NULL) {
        return NULL;
    }

    /* until freeze, lookups find nothing, in a leaf */

    tree->top = ngx_routini_node_new(tree, NULL, 0, NGX_ROUTINI_KIDS_ALL, 0);
    if (tree->top == NULL) {
        return NULL;
    }

    return tree;
}


int
ngx_routini_tree_insert(ngx_routini_tree_t *tree, const char *pattern,
    size_t len, uint32_t methods, void *data, void **conflict, char *err,
    size_t errlen)
{
    size_t                 i, k, nr;
    const char           **names;
    ngx_routini_err_t      e;
    ngx_routini_node_t    *n;
    ngx_routini_route_t   *r;
    ngx_routini_parsed_t   pp;

    e.pos = err;
    e.end = err + errlen;

    if (errlen) {
        err[0] = '\0';
    }

    if (conflict) {
        *conflict = NULL;
    }

    if (methods == 0) {
        methods = NGX_ROUTINI_ANY_METHOD;
    }

    if (tree->frozen) {
        ngx_routini_err_str(&e, "route tree is frozen, cannot add \"");
        ngx_routini_err_bytes(&e, pattern, len);
        ngx_routini_err_str(&e, "\"");
        return -1;
    }

    if (ngx_routini_parse(pattern, len, &pp, &e) != 0) {
        return -1;
    }

    /* all conflicts are found before the tree is changed */

    if (ngx_routini_check(tree, pattern, len, &pp, methods, conflict, &e)
        != 0)
    {
        return -1;
    }

    n = tree->root;
    names = NULL;
    k = 0;

    for (i = 0; i < pp.nsegs; i++) {
        n = ngx_routini_add(tree, n, &pp, i);
        if (n == NULL) {
            goto nomem;
        }

        if (pp.seg[i].type != NGX_ROUTINI_STATIC) {
            names = ngx_routini_names(tree, n, names, k, &pp.seg[i]);
            if (names == NULL) {
                goto nomem;
            }

            k++;
        }
    }

    /* the node's routes so far, if any, and this one in a new array; the
     * old one is the next node's memory, if it fits */

    nr = 0;
    for (r = n->routes; r; r = ngx_routini_next_route(r)) {
        nr++;
    }

    r = ngx_routini_take(tree, (nr + 1) * sizeof(ngx_routini_route_t));
    if (r == NULL) {
        goto nomem;
    }

    if (nr) {
        memcpy(r, n->routes, nr * sizeof(ngx_routini_route_t));
        r[nr - 1].len |= NGX_ROUTINI_ROUTE_MORE;
        ngx_routini_spare(tree, n->routes, nr * sizeof(ngx_routini_route_t));
    }

    n->routes = r;
    r += nr;

    r->data = data;
    r->names = names;
    r->methods = methods;
    r->nparams = (uint16_t) k;    /* <= NGX_ROUTINI_MAX_PARAMS */
    r->len = (uint16_t) len;      /* <= NGX_ROUTINI_MAX_PATTERN */
    r->pattern = pattern;

    return 0;

nomem:

    ngx_routini_err_str(&e, "out of memory");
    return -1;
}


/* the memory of the tree's spare block if size fits, else new memory */

static void *
ngx_routini_take(ngx_routini_tree_t *tree, size_t size)
{
    void  *p;

    if (tree->spare && size <= tree->spare_size) {
        p = tree->spare;
        tree->spare = NULL;
        return p;
    }

    return ngx_routini_alloc(tree, size);
}


/* a block the tree no longer uses: the spare one, if larger than it */

static void
ngx_routini_spare(ngx_routini_tree_t *tree, void *p, size_t size)
{
    if (tree->spare == NULL || size > tree->spare_size) {
        tree->spare = p;
        tree->spare_size = size;
    }
}


ngx_routini_route_t *
ngx_routini_next_route(ngx_routini_route_t *r)
{
    return (r->len & NGX_ROUTINI_ROUTE_MORE) ? r + 1 : NULL;
}


size_t
ngx_routini_tree_memory(const ngx_routini_tree_t *tree)
{
    return tree->memory;
}


void *
ngx_routini_alloc(ngx_routini_tree_t *tree, size_t size)
{
    void  *p;

    p = tree->alloc(tree->ctx, size);
    if (p) {
        tree->memory += size;
    }

    return p;
}


/*
 * The bytes in front of a node for its children's fields, by its kids:
 * without children, the catch-all's only, which the lookup reads of any
 * node that has path left (ngx_routini_tree_lookup()).
 */
static const size_t  ngx_routini_kids_size[] = {
    sizeof(ngx_routini_params_t) - offsetof(ngx_routini_params_t, catchall),
    sizeof(ngx_routini_params_t),
    sizeof(ngx_routini_params_t) + sizeof(ngx_routini_statics_t)
};


/*
 * A new node of a type (NGX_ROUTINI_NODE_*) with kids' fields in front of
 * it.  text: NULL when the caller copies the node's fields from word on
 * (ngx_routini_grow()).
 */

static ngx_routini_node_t *
ngx_routini_node_new(ngx_routini_tree_t *tree, const unsigned char *text,
    size_t len, unsigned kids, int type)
{
    size_t               front, size, tlen;
    unsigned char       *p;
    ngx_routini_node_t  *n;

    front = ngx_routini_kids_size[kids];
    size = front + ngx_routini_node_size(len, type);
    tlen = ngx_routini_node_size(len, type) - ngx_routini_node_size(0, type);

    p = ngx_routini_take(tree, size);
    if (p == NULL) {
        return NULL;
    }

    memset(p, 0, size - tlen);
    n = (ngx_routini_node_t *) (p + front);
    n->kids = (uint8_t) kids;
    n->len = (uint16_t) len;    /* <= NGX_ROUTINI_MAX_PATTERN */

    if (type == NGX_ROUTINI_NODE_BARE || text == NULL) {
        return n;
    }

    n->word = ngx_routini_text_word(text, len);
    n->wmask = len < 7 ? ((uint64_t) 1 << (8 * len + 8)) - 1 : ~(uint64_t) 0;

    if (tlen) {
        memcpy(n->text, text, tlen);
    }

    return n;
}


/*
 * The bytes of a node from its start: a static shorter than 8 bytes has
 * all of its text in its word (with the "/" after it), which the lookup
 * compares, and has none after it; a longer one's is read from its text.
 */

static size_t
ngx_routini_node_size(size_t len, int type)
{
    switch (type) {

    case NGX_ROUTINI_NODE_BARE:
        return offsetof(ngx_routini_node_t, chain);

    case NGX_ROUTINI_NODE_STATIC:
        return sizeof(ngx_routini_node_t) + (len < 8 ? 0 : len);

    default:
        return sizeof(ngx_routini_node_t) + len;
    }
}


/* is c the static for text, w its word (ngx_routini_text_word())? */

static int
ngx_routini_same_static(ngx_routini_node_t *c, const unsigned char *text,
    size_t len, uint64_t w)
{
    return c->len == len && c->word == w
           && (len < 8 || memcmp(c->text, text, len) == 0);
}


static int
ngx_routini_is_name(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_';
}


/*
 * Splits a pattern into segments, resolving "{{", "}}" and "\:" into a
 * normalized buffer of static bytes, and validates it.
 */

static int
ngx_routini_parse(const char *pat, size_t len, ngx_routini_parsed_t *pp,
    ngx_routini_err_t *e)
{
    size_t               i, j, b;
    unsigned char        c;
    ngx_routini_seg_t   *sg;

    if (len == 0 || pat[0] != '/') {
        ngx_routini_err_str(e, "pattern \"");
        ngx_routini_err_bytes(e, pat, len);
        ngx_routini_err_str(e, "\" must start with \"/\"");
        return -1;
    }

    if (len > NGX_ROUTINI_MAX_PATTERN) {
        ngx_routini_err_str(e, "pattern too long (max 4096 bytes)");
        return -1;
    }

    pp->nsegs = 0;
    pp->nparams = 0;
    sg = &pp->seg[0];
    memset(sg, 0, sizeof(ngx_routini_seg_t));

    b = 0;
    i = 1;

    for ( ;; ) {
        if (i == len || pat[i] == '/') {
            sg->len = b - sg->text;
            pp->nsegs++;

            if (i == len) {
                return 0;
            }

            if (pp->nsegs == NGX_ROUTINI_MAX_SEGMENTS) {
                ngx_routini_err_str(e, "too many segments (max 256) in \"");
                goto pattern;
            }

            sg = &pp->seg[pp->nsegs];
            memset(sg, 0, sizeof(ngx_routini_seg_t));
            sg->text = b;
            i++;
            continue;
        }

        c = pat[i];

        if ((c == '{' || c == '}') && i + 1 < len && pat[i + 1] == c) {
            pp->buf[b++] = c;
            i += 2;
            continue;
        }

        if (c == '\\' && i + 1 < len && pat[i + 1] == ':') {
            pp->buf[b++] = ':';
            i += 2;
            continue;
        }

        if (c == '}') {
            ngx_routini_err_str(e, "unbalanced \"}\" in \"");
            goto unbalanced;
        }

        if (c == '{') {
            for (j = i + 1; j < len && pat[j] != '}' && pat[j] != '/'; j++) {
                /* void */
            }

            if (j == len || pat[j] != '}') {
                ngx_routini_err_str(e, "unbalanced \"{\" in \"");
                goto unbalanced;
            }

            j++;

        } else if (c == ':' || (c == '*' && b == sg->text)) {
            for (j = i + 1; j < len && ngx_routini_is_name(pat[j]); j++) {
                /* void */
            }

        } else {
            pp->buf[b++] = c;
            i++;
            continue;
        }

        /* a param or catch-all token: pat[i, j) */

        if (ngx_routini_param_start(pat, len, i, j, c == '*', pp, b, e)
            != 0)
        {
            return -1;
        }

        if (sg->type == NGX_ROUTINI_CATCHALL) {
            pp->nsegs++;
            return 0;
        }

        i = j;
    }

unbalanced:

    ngx_routini_err_bytes(e, pat, len);
    ngx_routini_err_str(e, "\" (a literal brace is written \"{{\" or "
                           "\"}}\")");
    return -1;

pattern:

    ngx_routini_err_bytes(e, pat, len);
    ngx_routini_err_str(e, "\"");
    return -1;
}


/* fills the current segment for the token pat[i, end) and validates it */

static int
ngx_routini_param_start(const char *pat, size_t len, size_t i, size_t end,
    int star, ngx_routini_parsed_t *pp, size_t b, ngx_routini_err_t *e)
{
    size_t               k, nlen;
    const char          *name;
    ngx_routini_seg_t   *sg;

    sg = &pp->seg[pp->nsegs];

    if (sg->type != NGX_ROUTINI_STATIC) {
        ngx_routini_err_str(e, "only one parameter per segment, \"");
        ngx_routini_err_bytes(e, pat + i, end - i);
        ngx_routini_err_str(e, "\" in \"");
        goto pattern;
    }

    name = pat + i + 1;

    if (pat[i] == '{') {
        nlen = end - i - 2;

        if (nlen && name[0] == '*') {
            star = 1;
            name++;
            nlen--;
        }

    } else {
        nlen = end - i - 1;

        if (star && nlen == 0) {
            name = "rest";
            nlen = 4;
        }
    }

    if (nlen == 0) {
        ngx_routini_err_str(e, "empty parameter name in \"");
        goto pattern;
    }

    for (k = 0; k < nlen; k++) {
        if (!ngx_routini_is_name(name[k])) {
            ngx_routini_err_str(e, "invalid character \"");
            ngx_routini_err_bytes(e, name + k, 1);
            ngx_routini_err_str(e, "\" in parameter name \"");
            ngx_routini_err_bytes(e, pat + i, end - i);
            ngx_routini_err_str(e, "\" (use [A-Za-z0-9_]) in \"");
            goto pattern;
        }
    }

    if (pp->nparams == NGX_ROUTINI_MAX_PARAMS) {
        ngx_routini_err_str(e, "too many parameters (max 16) in \"");
        goto pattern;
    }

    if (star && (b != sg->text || end != len)) {
        ngx_routini_err_str(e, "catch-all \"");
        ngx_routini_err_bytes(e, pat + i, end - i);
        ngx_routini_err_str(e, "\" must be the last segment in \"");
        goto pattern;
    }

    pp->nparams++;
    sg->prefix = b - sg->text;
    sg->name = name;
    sg->name_len = nlen;
    sg->type = star ? NGX_ROUTINI_CATCHALL : NGX_ROUTINI_PARAM;

    return 0;

pattern:

    ngx_routini_err_bytes(e, pat, len);
    ngx_routini_err_str(e, "\"");
    return -1;
}


/* walks the existing tree along the pattern looking for conflicts */

static int
ngx_routini_check(ngx_routini_tree_t *tree, const char *pat, size_t len,
    ngx_routini_parsed_t *pp, uint32_t methods, void **conflict,
    ngx_routini_err_t *e)
{
    size_t                 i, k, nparams;
    const char            *name;
    ngx_routini_seg_t     *sg;
    ngx_routini_node_t    *n, *c, **ref;
    ngx_routini_route_t   *r;
    ngx_routini_params_t  *kp;

    n = tree->root;
    nparams = 0;

    for (i = 0; i < pp->nsegs; i++) {
        if (n->kids == NGX_ROUTINI_KIDS_NONE) {
            return 0;    /* a new branch: nothing to conflict with */
        }

        sg = &pp->seg[i];
        kp = ngx_routini_params(n);

        if (sg->type == NGX_ROUTINI_PARAM && kp->catchall) {
            r = ngx_routini_any_route(kp->catchall);
            goto catchall;
        }

        if (sg->type == NGX_ROUTINI_CATCHALL && kp->plist) {
            r = ngx_routini_any_route(kp->plist);
            goto catchall;
        }

        ref = ngx_routini_find(n, pp, sg);

        if (ref == NULL) {
            if (sg->type == NGX_ROUTINI_PARAM
                && n->nparam == NGX_ROUTINI_MAX_NODE_PARAMS)
            {
                ngx_routini_err_str(e, "too many different params after the "
                                    "same segments (max 4096) in \"");
                ngx_routini_err_bytes(e, pat, len);
                ngx_routini_err_str(e, "\"");
                return -1;
            }

            return 0;    /* a new branch: nothing to conflict with */
        }

        c = *ref;

        if (sg->type != NGX_ROUTINI_STATIC) {

            /* c's name, as the routes below it have it (none below:
             * left by an insert that ran out of memory) */

            r = ngx_routini_any_route(c);
            name = r ? r->names[nparams] : sg->name;
            k = r ? strlen(name) : sg->name_len;

            if (k != sg->name_len || memcmp(name, sg->name, k) != 0) {

                ngx_routini_err_str(e, "conflicting param names \"");
                ngx_routini_err_param(e, name, k, c == kp->catchall);
                ngx_routini_err_str(e, "\" and \"");
                ngx_routini_err_param(e, sg->name, sg->name_len,
                                      c == kp->catchall);
                ngx_routini_err_str(e, "\" at the same position in \"");
                goto both;
            }

            nparams++;
        }

        n = c;
    }

    for (r = n->routes; r; r = ngx_routini_next_route(r)) {
        if (r->methods & methods) {
            ngx_routini_err_str(e, "duplicate route \"");
            ngx_routini_err_bytes(e, pat, len);
            ngx_routini_err_str(e, "\" (already defined as \"");
            ngx_routini_err_bytes(e, r->pattern, ngx_routini_route_len(r));
            ngx_routini_err_str(e, "\")");

            if (conflict) {
                *conflict = r->data;
            }

            return -1;
        }
    }

    return 0;

catchall:

    ngx_routini_err_str(e, "param and catch-all at the same position in \"");

both:

    ngx_routini_err_bytes(e, pat, len);
    ngx_routini_err_str(e, "\" and \"");

    if (r) {
        ngx_routini_err_bytes(e, r->pattern, ngx_routini_route_len(r));
    }

    ngx_routini_err_str(e, "\"");

    if (conflict && r) {
        *conflict = r->data;
    }

    return -1;
}


/*
 * The reference to n's child for the segment, the one place that points
 * to it (so that ngx_routini_grow() can replace it), or NULL when none.
 */

static ngx_routini_node_t **
ngx_routini_find(ngx_routini_node_t *n, ngx_routini_parsed_t *pp,
    ngx_routini_seg_t *sg)
{
    uint64_t                h, w;
    unsigned char          *text;
    ngx_routini_node_t    **ref;
    ngx_routini_params_t   *kp;
    ngx_routini_statics_t  *st;

    kp = ngx_routini_params(n);

    switch (sg->type) {

    case NGX_ROUTINI_CATCHALL:
        return kp->catchall ? &kp->catchall : NULL;

    case NGX_ROUTINI_PARAM:
        for (ref = &kp->plist; *ref; ref = &(*ref)->next) {
            if ((*ref)->len == sg->len && (*ref)->prefix == sg->prefix
                && (sg->len == 0
                    || memcmp((*ref)->text, pp->buf + sg->text, sg->len)
                       == 0))
            {
                return ref;
            }
        }

        return NULL;
    }

    if (n->kids != NGX_ROUTINI_KIDS_ALL) {
        return NULL;
    }

    st = ngx_routini_statics(n);
    text = pp->buf + sg->text;
    w = ngx_routini_text_word(text, sg->len);

    if (st->table == NULL) {

        /* (without a table, the list is the statics' one reference) */

        for (ref = &st->statics; *ref; ref = &(*ref)->next) {
            if (ngx_routini_same_static(*ref, text, sg->len, w)) {
                return ref;
            }
        }

        return NULL;
    }

    h = ngx_routini_key(w, text, sg->len);

    for (ref = &st->table[h & st->mask]; *ref; ref = &(*ref)->chain) {
        if (ngx_routini_same_static(*ref, text, sg->len, w)) {
            return ref;
        }
    }

    return NULL;
}


/*
 * Adds the new static child c to a node's statics: to the list, and from
 * NGX_ROUTINI_HASH_MIN on to the hash table too, which grows by doubling
 * (the old table is given back to the free hook, if any; else the
 * doublings add up to less than the final size).
 */

static int
ngx_routini_static_add(ngx_routini_tree_t *tree, ngx_routini_statics_t *st,
    ngx_routini_node_t *c)
{
    size_t                size, i;
    uint64_t              h;
    ngx_routini_node_t   *d, *e, **table;

    c->next = st->statics;
    st->statics = c;

    if (++st->nstatic < NGX_ROUTINI_HASH_MIN) {
        return 0;
    }

    if (st->table == NULL || st->nstatic > st->mask + 1) {
        for (size = NGX_ROUTINI_HASH_MIN; size < st->nstatic; size <<= 1) {
            /* void */
        }

        table = ngx_routini_alloc(tree, size * sizeof(ngx_routini_node_t *));
        if (table == NULL) {
            return -1;
        }

        memset(table, 0, size * sizeof(ngx_routini_node_t *));

        /* the list's, c included, the moved ones where they went */

        for (d = st->statics; d; d = d->next) {
            for (e = d; e->kids == NGX_ROUTINI_KIDS_MOVED; e = e->chain) {
                /* void */
            }

            h = ngx_routini_key(e->word, e->text, e->len);
            i = (size_t) h & (size - 1);
            e->chain = table[i];
            table[i] = e;
        }

        if (st->table && tree->release) {
            tree->release(tree->ctx, st->table);
            tree->memory -= (st->mask + 1) * sizeof(ngx_routini_node_t *);
        }

        st->table = table;
        st->mask = (uint32_t) (size - 1);

        return 0;
    }

    h = ngx_routini_key(c->word, c->text, c->len);
    i = (size_t) h & st->mask;
    c->chain = st->table[i];
    st->table[i] = c;

    return 0;
}


static ngx_routini_node_t *
ngx_routini_add(ngx_routini_tree_t *tree, ngx_routini_node_t *n,
    ngx_routini_parsed_t *pp, size_t i)
{
    int                   type;
    unsigned              kids;
    ngx_routini_seg_t    *sg;
    ngx_routini_node_t   *c, **ref;
    ngx_routini_params_t *kp;

    /*
     * The node needs the fields of statics if the next segment is one,
     * else those of params if there is one.  A param or catch-all that
     * ends the pattern has none: most such nodes stay without children,
     * and the memory of one that grows is the next one's (a param's node,
     * without text, fits another's).  A static that ends it has those of
     * params: the memory of a static that grows rarely fits the next new
     * node, and a static ending a route is often the start of others
     * ("/users" and "/users/{id}").
     */

    sg = &pp->seg[i];

    kids = i + 1 < pp->nsegs
           ? (pp->seg[i + 1].type == NGX_ROUTINI_STATIC
              ? NGX_ROUTINI_KIDS_ALL : NGX_ROUTINI_KIDS_PARAMS)
           : (sg->type == NGX_ROUTINI_STATIC
              ? NGX_ROUTINI_KIDS_PARAMS : NGX_ROUTINI_KIDS_NONE);

    type = sg->type == NGX_ROUTINI_STATIC ? NGX_ROUTINI_NODE_STATIC
           : sg->len ? NGX_ROUTINI_NODE_TEXT : NGX_ROUTINI_NODE_BARE;

    ref = ngx_routini_find(n, pp, sg);

    if (ref) {
        if ((*ref)->kids >= kids) {
            return *ref;
        }

        /* a static of a hashed node stays on its list too */

        return ngx_routini_grow(tree, ref, kids, type,
                                sg->type == NGX_ROUTINI_STATIC
                                && ngx_routini_statics(n)->table);
    }

    c = ngx_routini_node_new(tree, pp->buf + sg->text, sg->len, kids, type);
    if (c == NULL) {
        return NULL;
    }

    if (sg->type == NGX_ROUTINI_STATIC) {
        if (ngx_routini_static_add(tree, ngx_routini_statics(n), c) != 0) {
            return NULL;
        }

        return c;
    }

    c->prefix = (uint16_t) sg->prefix;    /* < NGX_ROUTINI_MAX_PATTERN */

    kp = ngx_routini_params(n);

    if (sg->type == NGX_ROUTINI_CATCHALL) {
        kp->catchall = c;

    } else {
        c->next = kp->plist;
        kp->plist = c;
        n->nparam++;    /* < NGX_ROUTINI_MAX_NODE_PARAMS (check) */
    }

    return c;
}


/*
 * The names of the params on a route's path up to the param c, the k-th
 * (prev: those before it), their lengths after them: the array of the
 * routes that end on c, if any; else the one made last for as many names,
 * if the same; else a new one.  So routes share their arrays: one param
 * under many statics ("/r1/{id}", "/r2/{id}", ...), and the routes under
 * it ("/r1/{id}/items/{item}"), have one for each depth.
 */

static const char **
ngx_routini_names(ngx_routini_tree_t *tree, ngx_routini_node_t *c,
    const char **prev, size_t k, ngx_routini_seg_t *sg)
{
    char          *name;
    size_t         j, *lens;
    const char   **names;

    if (c->routes) {
        return c->routes->names;
    }

    /* (the same names before it: the same strings) */

    names = tree->names[k];

    if (names
        && (k == 0 || memcmp(names, prev, k * sizeof(char *)) == 0)
        && ((size_t *) (names + k + 1))[k] == sg->name_len
        && memcmp(names[k], sg->name, sg->name_len) == 0)
    {
        return names;
    }

    names = ngx_routini_alloc(tree, (k + 1) * (sizeof(char *)
                                               + sizeof(size_t))
                                    + sg->name_len + 1);
    if (names == NULL) {
        return NULL;
    }

    lens = (size_t *) (names + k + 1);
    name = (char *) (lens + k + 1);

    for (j = 0; j < k; j++) {
        names[j] = prev[j];
        lens[j] = ((size_t *) (prev + k))[j];
    }

    memcpy(name, sg->name, sg->name_len);
    name[sg->name_len] = '\0';
    names[k] = name;
    lens[k] = sg->name_len;

    tree->names[k] = names;

    return names;
}


/*
 * Gives the node at *ref more of its children's fields (kids), in a new
 * node in its place: a node made with fewer, as the end of a route or
 * followed by a param, that another route goes on from with a param or a
 * static.  The old node's memory is the next node's, if it fits.  A
 * static of a hashed node is also on its parent's list (listed), in
 * declaration order, which freeze keeps: there the old node stays, moved,
 * its chain pointing to the new one, which freeze puts in its place
 * (ngx_routini_freeze_statics()).
 */

static ngx_routini_node_t *
ngx_routini_grow(ngx_routini_tree_t *tree, ngx_routini_node_t **ref,
    unsigned kids, int type, int listed)
{
    ngx_routini_node_t  *n, *c;

    n = *ref;

    c = ngx_routini_node_new(tree, NULL, n->len, kids, type);
    if (c == NULL) {
        return NULL;
    }

    memcpy(c, n, ngx_routini_node_size(n->len, type));
    c->kids = (uint8_t) kids;

    if (n->kids != NGX_ROUTINI_KIDS_NONE) {
        *ngx_routini_params(c) = *ngx_routini_params(n);
    }

    *ref = c;

    if (listed) {
        n->kids = NGX_ROUTINI_KIDS_MOVED;
        n->chain = c;

    } else {
        ngx_routini_spare(tree,
                          (unsigned char *) n - ngx_routini_kids_size[n->kids],
                          ngx_routini_kids_size[n->kids]
                          + ngx_routini_node_size(n->len, type));
    }

    return c;
}


/* any route in the subtree, to name it in a conflict message */

ngx_routini_route_t *
ngx_routini_any_route(ngx_routini_node_t *n)
{
    size_t                  i;
    ngx_routini_node_t     *c;
    ngx_routini_route_t    *r;
    ngx_routini_params_t   *kp;
    ngx_routini_statics_t  *st;

    if (n->routes || n->kids == NGX_ROUTINI_KIDS_NONE) {
        return n->routes;
    }

    kp = ngx_routini_params(n);

    if (kp->catchall && kp->catchall->routes) {
        return kp->catchall->routes;
    }

    if (n->kids == NGX_ROUTINI_KIDS_ALL) {
        st = ngx_routini_statics(n);

        for (c = st->table ? NULL : st->statics; c; c = c->next) {
            r = ngx_routini_any_route(c);
            if (r) {
                return r;
            }
        }

        for (i = 0; st->table && i <= st->mask; i++) {
            for (c = st->table[i]; c; c = c->chain) {
                r = ngx_routini_any_route(c);
                if (r) {
                    return r;
                }
            }
        }
    }

    for (c = kp->plist; c; c = c->next) {
        r = ngx_routini_any_route(c);
        if (r) {
            return r;
        }
    }

    return NULL;
}


void
ngx_routini_err_bytes(ngx_routini_err_t *e, const char *s, size_t len)
{
    size_t  n;

    if (e->pos == e->end) {
        return;
    }

    n = (size_t) (e->end - e->pos) - 1;
    if (len < n) {
        n = len;
    }

    memcpy(e->pos, s, n);
    e->pos += n;
    *e->pos = '\0';
}


void
ngx_routini_err_str(ngx_routini_err_t *e, const char *s)
{
    ngx_routini_err_bytes(e, s, strlen(s));
}


static void
ngx_routini_err_param(ngx_routini_err_t *e, const char *name, size_t len,
    int catchall)
{
    ngx_routini_err_str(e, catchall ? "{*" : "{");
    ngx_routini_err_bytes(e, name, len);
    ngx_routini_err_str(e, "}");
}
