
/*
 * Copyright (C) routini authors
 */


#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "ngx_routini_tree.h"

#if (defined __SSE2__ && defined __x86_64__)
#include <emmintrin.h>
#define NGX_ROUTINI_SSE2  1
#else
#define NGX_ROUTINI_SSE2  0
#endif


/*
 * Layout.  A node stands for a position in the path just after a segment
 * (the root: after the leading "/").  Its children match the next segment:
 *
 *   statics   a whole segment of static text ("users", "" for "/a/");
 *   params    "{id}", or with a static prefix and/or suffix inside the
 *             segment ("img-{id}", "{name}.png"); the value is non-empty;
 *   catchall  "{*rest}": the rest of the path, possibly empty.
 *
 * Routes hang on the node where their pattern ends.
 *
 * Precedence at a node, whatever the declaration order: the static child,
 * then params with an affix, longest affix first, then the bare param, then
 * the catch-all.  A lookup remembers the alternatives it skipped in a
 * bounded stack and comes back to them when the branch it took fails
 * (backtracking), so "/{object}/{id}" still gets "/secret/978" when
 * "/secret/{id}/path" is also declared.
 *
 * While building, children are kept in lists (and, for nodes with many
 * statics, in a hash table, so that building stays linear).  Freeze lays
 * out each node's statics in chains: one when few, one per first byte
 * when each is short (a 256-byte index), else the hash table, keyed by
 * the segment; and it sorts the params.  The lookup reads the path a word
 * at a time: the word at a segment's start is compared in place with the
 * statics, without looking for the segment's end, which only params and
 * the hash need.  Past its end the path reads as "/", and a short
 * static's word ends with the "/" after it, so that one masked compare
 * checks the text and the segment's end.
 *
 * A lookup is done in up to three passes, each cheaper than the next:
 * ngx_routini_tree_lookup() takes each node's first choice for the kinds
 * most nodes are, ngx_routini_lookup_first() its first choice for any
 * kind, ngx_routini_lookup_all() searches with backtracking and collects
 * the methods allowed for a 405.  A pass that cannot decide hands over to
 * the next, which starts from the root.
 */


#define NGX_ROUTINI_MAX_PATTERN   4096
#define NGX_ROUTINI_MAX_SEGMENTS  256

#define NGX_ROUTINI_STATIC        0
#define NGX_ROUTINI_PARAM         1
#define NGX_ROUTINI_CATCHALL      2

/*
 * What a frozen node has for the next segment, so that a lookup does only
 * the work it needs: no static or param, maybe a catch-all; the bare param
 * only, and maybe a catch-all; params with an affix, and maybe more params
 * or a catch-all; then statics, and maybe params or a catch-all after
 * them: a few in one chain, chains by first byte, or by hash.
 */
#define NGX_ROUTINI_KIND_LEAF     0
#define NGX_ROUTINI_KIND_BARE     1
#define NGX_ROUTINI_KIND_PARAMS   2
#define NGX_ROUTINI_KIND_CHAIN    3
#define NGX_ROUTINI_KIND_BYTE     4
#define NGX_ROUTINI_KIND_HASH     5

#define NGX_ROUTINI_HASH_MUL      0x9e3779b97f4a7c15ULL

/* the lookup's helpers must be inlined in its loops; its rare paths not */
#if (__GNUC__)
#define ngx_routini_inline        inline __attribute__((always_inline))
#define ngx_routini_noinline      __attribute__((noinline))
#define ngx_routini_likely(c)     __builtin_expect(!!(c), 1)
/* memory may have changed: what a variable was stored to is read again */
#define ngx_routini_barrier()     __asm__ __volatile__ ("" ::: "memory")
#else
#define ngx_routini_barrier()
#define ngx_routini_likely(c)     (c)
#define ngx_routini_inline        inline
#define ngx_routini_noinline
#endif

/*
 * The first pass jumps from node to node by the address of the code for
 * the node's kind ("labels as values"), where the compiler has them.
 */
#ifndef NGX_ROUTINI_GOTO
#if (__GNUC__)
#define NGX_ROUTINI_GOTO          1
#else
#define NGX_ROUTINI_GOTO          0
#endif
#endif


/* "/"s from byte n of a word on: the padding past a path's end */
static const uint64_t  ngx_routini_pad[8] = {
    0x2f2f2f2f2f2f2f2fULL, 0x2f2f2f2f2f2f2f00ULL, 0x2f2f2f2f2f2f0000ULL,
    0x2f2f2f2f2f000000ULL, 0x2f2f2f2f00000000ULL, 0x2f2f2f0000000000ULL,
    0x2f2f000000000000ULL, 0x2f00000000000000ULL
};

#if (NGX_ROUTINI_GOTO)
/* the first pass's code by kind, from ngx_routini_tree_lookup() */
static const void *const  *ngx_routini_ops;
#endif

/* the first byte index of nodes with few statics: all in one chain */
static const unsigned char  ngx_routini_no_index[256];

/* statics from which a node gets its hash table while building */
#define NGX_ROUTINI_HASH_MIN      8

/* statics a lookup compares in turn: at a node, or per first byte */
#define NGX_ROUTINI_DIRECT_MAX    2
#define NGX_ROUTINI_BYTE_MAX      6


typedef struct ngx_routini_node_s   ngx_routini_node_t;
typedef struct ngx_routini_route_s  ngx_routini_route_t;


struct ngx_routini_route_s {
    ngx_routini_route_t   *next;      /* routes of one node, disjoint masks */
    void                  *data;
    const char           **names;
    size_t                *name_lens;
    uint32_t               methods;
    uint32_t               nparams;   /* the catch-all included */
    char                   pattern[]; /* as written, for messages */
};


/*
 * The fields the first pass reads come first, 64 bytes: those of a static
 * compared with the path, then those of a node it goes through.
 */

struct ngx_routini_node_s {
    uint64_t               word;      /* static: ngx_routini_text_word() */
    uint64_t               wmask;     /*   and the mask of its bytes */
    ngx_routini_node_t    *chain;     /* next static in the table slot */
    uint32_t               len;       /* of text */
    uint16_t               kind;      /* frozen: NGX_ROUTINI_KIND_* */
    uint16_t               prefix;    /* param: text is prefix, suffix */
    const void            *op;        /* frozen: the first pass's code for
                                         the kind, if NGX_ROUTINI_GOTO */
    ngx_routini_node_t    *statics;   /* the first of the static children */
    ngx_routini_node_t    *bare;      /* frozen: the bare param, if any */
    ngx_routini_route_t   *routes;
    ngx_routini_node_t   **table;     /* frozen: chains of statics */
    const unsigned char   *index;     /* frozen: first byte to table slot */
    uint32_t               mask;      /* hash table size - 1 */
    uint32_t               naffix;    /* params with an affix, first */
    ngx_routini_node_t   **params;    /* frozen: longest affix first */
    ngx_routini_node_t    *catchall;
    uint32_t               nparam;
    uint32_t               nstatic;
    ngx_routini_node_t    *plist;     /* build-time list of params */
    ngx_routini_node_t    *next;      /* build-time siblings */
    const char           **names;     /* param and catch-all nodes: names */
    unsigned char          text[];    /*   of the params up to this one */
};


struct ngx_routini_tree_s {
    ngx_routini_alloc_pt   alloc;
    void                  *ctx;
    size_t                 memory;
    ngx_routini_node_t    *root;
    ngx_routini_node_t    *top;       /* root once frozen, else empty */
    int                    frozen;
};


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


typedef struct {
    char                  *pos;
    char                  *end;
} ngx_routini_err_t;


typedef struct {
    const ngx_routini_node_t  *node;
    size_t                     start;  /* the segment, s[start, end) */
    size_t                     end;
    uint32_t                   nparams;
    uint32_t                   alt;    /* next param; nparam: catch-all */
} ngx_routini_frame_t;


static void *ngx_routini_alloc(ngx_routini_tree_t *tree, size_t size);
static ngx_routini_node_t *ngx_routini_node_new(ngx_routini_tree_t *tree,
    const unsigned char *text, size_t len);
static int ngx_routini_parse(const char *pat, size_t len,
    ngx_routini_parsed_t *pp, ngx_routini_err_t *e);
static int ngx_routini_param_start(const char *pat, size_t len, size_t i,
    size_t end, int star, ngx_routini_parsed_t *pp, size_t b,
    ngx_routini_err_t *e);
static int ngx_routini_check(ngx_routini_tree_t *tree, const char *pat,
    size_t len, ngx_routini_parsed_t *pp, uint32_t methods, void **conflict,
    ngx_routini_err_t *e);
static ngx_routini_node_t *ngx_routini_find(ngx_routini_node_t *n,
    ngx_routini_parsed_t *pp, ngx_routini_seg_t *sg);
static int ngx_routini_hash_add(ngx_routini_tree_t *tree,
    ngx_routini_node_t *n, ngx_routini_node_t *c);
static ngx_routini_node_t *ngx_routini_add(ngx_routini_tree_t *tree,
    ngx_routini_node_t *n, ngx_routini_parsed_t *pp, ngx_routini_seg_t *sg,
    const char **prev, size_t k);
static ngx_routini_route_t *ngx_routini_any_route(ngx_routini_node_t *n);
static int ngx_routini_freeze_statics(ngx_routini_tree_t *tree,
    ngx_routini_node_t *n);
static int ngx_routini_freeze_node(ngx_routini_tree_t *tree,
    ngx_routini_node_t *n, size_t branches, ngx_routini_node_t **deep);
static int ngx_routini_chain_unique(ngx_routini_node_t *c);
static void ngx_routini_set_op(ngx_routini_node_t *n);
static ngx_routini_noinline int ngx_routini_lookup_first(
    const ngx_routini_node_t *root, const unsigned char *s, size_t len,
    uint32_t method, ngx_routini_match_t *m);
static ngx_routini_noinline int ngx_routini_lookup_all(
    const ngx_routini_node_t *n, const unsigned char *s, size_t len,
    size_t p, uint32_t method, ngx_routini_match_t *m);
static ngx_routini_inline const ngx_routini_node_t *ngx_routini_static_child(
    const ngx_routini_node_t *n, const unsigned char *s, size_t len,
    size_t p, uint64_t w);
static ngx_routini_inline const ngx_routini_node_t *ngx_routini_static_hash(
    const ngx_routini_node_t *n, const unsigned char *s, size_t len,
    size_t p, uint64_t w);
static ngx_routini_inline const ngx_routini_node_t *ngx_routini_static_byte(
    const ngx_routini_node_t *n, const unsigned char *s, size_t len,
    size_t p, uint64_t w);
static ngx_routini_inline const ngx_routini_node_t *ngx_routini_chain_word(
    const ngx_routini_node_t *c, uint64_t w);
static ngx_routini_inline int ngx_routini_static_long(
    const ngx_routini_node_t *c, const unsigned char *s, size_t len,
    size_t p);
static ngx_routini_inline const ngx_routini_node_t *ngx_routini_first_param(
    const ngx_routini_node_t *n, const unsigned char *s, size_t p, size_t e);
static ngx_routini_inline int ngx_routini_param_match(
    const ngx_routini_node_t *c, const unsigned char *s, size_t p, size_t e);
static ngx_routini_inline uint64_t ngx_routini_load(const unsigned char *p);
static uint64_t ngx_routini_text_word(const unsigned char *text, size_t len);
static ngx_routini_inline uint64_t ngx_routini_key(uint64_t w,
    const unsigned char *text, size_t len);
static ngx_routini_inline uint64_t ngx_routini_load4(const unsigned char *p);
static ngx_routini_inline uint64_t ngx_routini_word(const unsigned char *s,
    size_t len, size_t q);
static ngx_routini_inline uint64_t ngx_routini_word_end(
    const unsigned char *s, size_t len, size_t q);
static ngx_routini_inline uint64_t ngx_routini_word_short(
    const unsigned char *s, size_t n);
static ngx_routini_inline uint64_t ngx_routini_slash_mask(uint64_t w);
static ngx_routini_inline size_t ngx_routini_slash_index(uint64_t b);
static ngx_routini_inline size_t ngx_routini_slash(uint64_t w);
static ngx_routini_inline size_t ngx_routini_segment_end(
    const unsigned char *s, size_t len, size_t p, uint64_t w);
static ngx_routini_inline size_t ngx_routini_segment_end_long(
    const unsigned char *s, size_t len, size_t p);
static ngx_routini_inline int ngx_routini_equal(const unsigned char *a,
    const unsigned char *b, size_t n);
static int ngx_routini_found(ngx_routini_match_t *m,
    const ngx_routini_route_t *r, size_t catchall);
static void ngx_routini_err_str(ngx_routini_err_t *e, const char *s);
static void ngx_routini_err_bytes(ngx_routini_err_t *e, const char *s,
    size_t len);
static void ngx_routini_err_param(ngx_routini_err_t *e, const char *name,
    size_t len, int catchall);


ngx_routini_tree_t *
ngx_routini_tree_create(ngx_routini_alloc_pt alloc, void *ctx)
{
    ngx_routini_tree_t  *tree;

    tree = alloc(ctx, sizeof(ngx_routini_tree_t));
    if (tree == NULL) {
        return NULL;
    }

    tree->alloc = alloc;
    tree->ctx = ctx;
    tree->memory = sizeof(ngx_routini_tree_t);
    tree->frozen = 0;

    tree->root = ngx_routini_node_new(tree, NULL, 0);
    if (tree->root == NULL) {
        return NULL;
    }

    /* until freeze, lookups find nothing, in a leaf */

    tree->top = ngx_routini_node_new(tree, NULL, 0);
    if (tree->top == NULL) {
        return NULL;
    }

    ngx_routini_set_op(tree->top);

    return tree;
}


int
ngx_routini_tree_insert(ngx_routini_tree_t *tree, const char *pattern,
    size_t len, uint32_t methods, void *data, void **conflict, char *err,
    size_t errlen)
{
    size_t                 i, k;
    const char           **names;
    ngx_routini_err_t      e;
    ngx_routini_node_t    *n;
    ngx_routini_route_t   *r, **rp;
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
        n = ngx_routini_add(tree, n, &pp, &pp.seg[i], names, k);
        if (n == NULL) {
            goto nomem;
        }

        if (pp.seg[i].type != NGX_ROUTINI_STATIC) {
            names = n->names;
            k++;
        }
    }

    r = ngx_routini_alloc(tree, sizeof(ngx_routini_route_t) + len + 1);
    if (r == NULL) {
        goto nomem;
    }

    r->next = NULL;
    r->data = data;
    r->names = names;
    r->name_lens = names ? (size_t *) (names + k) : NULL;
    r->methods = methods;
    r->nparams = (uint32_t) k;
    memcpy(r->pattern, pattern, len);
    r->pattern[len] = '\0';

    for (rp = &n->routes; *rp; rp = &(*rp)->next) { /* void */ }
    *rp = r;

    return 0;

nomem:

    ngx_routini_err_str(&e, "out of memory");
    return -1;
}


static void *
ngx_routini_alloc(ngx_routini_tree_t *tree, size_t size)
{
    void  *p;

    p = tree->alloc(tree->ctx, size);
    if (p) {
        tree->memory += size;
    }

    return p;
}


static ngx_routini_node_t *
ngx_routini_node_new(ngx_routini_tree_t *tree, const unsigned char *text,
    size_t len)
{
    ngx_routini_node_t  *n;

    n = ngx_routini_alloc(tree, sizeof(ngx_routini_node_t) + len);
    if (n == NULL) {
        return NULL;
    }

    memset(n, 0, sizeof(ngx_routini_node_t));
    n->len = (uint32_t) len;
    n->word = ngx_routini_text_word(text, len);
    n->wmask = len < 7 ? ((uint64_t) 1 << (8 * len + 8)) - 1 : ~(uint64_t) 0;

    if (len) {
        memcpy(n->text, text, len);
    }

    return n;
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
    size_t                i, k, nparams;
    const char           *name;
    ngx_routini_seg_t    *sg;
    ngx_routini_node_t   *n, *c;
    ngx_routini_route_t  *r;

    n = tree->root;
    nparams = 0;

    for (i = 0; i < pp->nsegs; i++) {
        sg = &pp->seg[i];

        if (sg->type == NGX_ROUTINI_PARAM && n->catchall) {
            r = ngx_routini_any_route(n->catchall);
            goto catchall;
        }

        if (sg->type == NGX_ROUTINI_CATCHALL && n->plist) {
            r = ngx_routini_any_route(n->plist);
            goto catchall;
        }

        c = ngx_routini_find(n, pp, sg);

        if (c == NULL) {
            return 0;    /* a new branch: nothing to conflict with */
        }

        if (sg->type != NGX_ROUTINI_STATIC) {
            name = c->names[nparams];
            k = strlen(name);

            if (k != sg->name_len || memcmp(name, sg->name, k) != 0) {
                r = ngx_routini_any_route(c);

                ngx_routini_err_str(e, "conflicting param names \"");
                ngx_routini_err_param(e, name, k, c == n->catchall);
                ngx_routini_err_str(e, "\" and \"");
                ngx_routini_err_param(e, sg->name, sg->name_len,
                                      c == n->catchall);
                ngx_routini_err_str(e, "\" at the same position in \"");
                goto both;
            }

            nparams++;
        }

        n = c;
    }

    for (r = n->routes; r; r = r->next) {
        if (r->methods & methods) {
            ngx_routini_err_str(e, "duplicate route \"");
            ngx_routini_err_bytes(e, pat, len);
            ngx_routini_err_str(e, "\" (already defined as \"");
            ngx_routini_err_str(e, r->pattern);
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
    ngx_routini_err_str(e, r ? r->pattern : "");
    ngx_routini_err_str(e, "\"");

    if (conflict && r) {
        *conflict = r->data;
    }

    return -1;
}


/* n's child for the segment, or NULL */

static ngx_routini_node_t *
ngx_routini_find(ngx_routini_node_t *n, ngx_routini_parsed_t *pp,
    ngx_routini_seg_t *sg)
{
    uint64_t             h;
    unsigned char       *text;
    ngx_routini_node_t  *c;

    switch (sg->type) {

    case NGX_ROUTINI_CATCHALL:
        return n->catchall;

    case NGX_ROUTINI_PARAM:
        for (c = n->plist; c; c = c->next) {
            if (c->len == sg->len && c->prefix == sg->prefix
                && memcmp(c->text, pp->buf + sg->text, sg->len) == 0)
            {
                return c;
            }
        }

        return NULL;
    }

    if (n->table == NULL) {
        for (c = n->statics; c; c = c->next) {
            if (c->len == sg->len
                && memcmp(c->text, pp->buf + sg->text, sg->len) == 0)
            {
                return c;
            }
        }

        return NULL;
    }

    text = pp->buf + sg->text;
    h = ngx_routini_key(ngx_routini_text_word(text, sg->len), text, sg->len);

    for (c = n->table[h & n->mask]; c; c = c->chain) {
        if (c->len == sg->len
            && memcmp(c->text, pp->buf + sg->text, sg->len) == 0)
        {
            return c;
        }
    }

    return NULL;
}


/*
 * Adds the static child c to n's hash table, growing it by doubling (the
 * old table is not reused: the allocator cannot free, and the doublings
 * add up to less than the final size).
 */

static int
ngx_routini_hash_add(ngx_routini_tree_t *tree, ngx_routini_node_t *n,
    ngx_routini_node_t *c)
{
    size_t                size, i;
    uint64_t              h;
    ngx_routini_node_t  **table;

    if (n->table == NULL || n->nstatic > n->mask + 1) {
        for (size = NGX_ROUTINI_HASH_MIN; size < n->nstatic; size <<= 1) {
            /* void */
        }

        table = ngx_routini_alloc(tree, size * sizeof(ngx_routini_node_t *));
        if (table == NULL) {
            return -1;
        }

        memset(table, 0, size * sizeof(ngx_routini_node_t *));
        n->table = table;
        n->mask = (uint32_t) (size - 1);

        /* rehash all, c included: it is already on the list */

        for (c = n->statics; c; c = c->next) {
            h = ngx_routini_key(c->word, c->text, c->len);
            i = (size_t) h & n->mask;
            c->chain = table[i];
            table[i] = c;
        }

        return 0;
    }

    h = ngx_routini_key(c->word, c->text, c->len);
    i = (size_t) h & n->mask;
    c->chain = n->table[i];
    n->table[i] = c;

    return 0;
}


static ngx_routini_node_t *
ngx_routini_add(ngx_routini_tree_t *tree, ngx_routini_node_t *n,
    ngx_routini_parsed_t *pp, ngx_routini_seg_t *sg, const char **prev,
    size_t k)
{
    char                *name;
    size_t               i, *lens;
    const char         **names;
    ngx_routini_node_t  *c;

    c = ngx_routini_find(n, pp, sg);
    if (c) {
        return c;
    }

    c = ngx_routini_node_new(tree, pp->buf + sg->text, sg->len);
    if (c == NULL) {
        return NULL;
    }

    if (sg->type == NGX_ROUTINI_STATIC) {
        c->next = n->statics;
        n->statics = c;

        if (++n->nstatic >= NGX_ROUTINI_HASH_MIN
            && ngx_routini_hash_add(tree, n, c) != 0)
        {
            return NULL;
        }

        return c;
    }

    /* names of the params on the path, shared by every route below */

    names = ngx_routini_alloc(tree, (k + 1) * (sizeof(char *) + sizeof(size_t))
                                    + sg->name_len + 1);
    if (names == NULL) {
        return NULL;
    }

    lens = (size_t *) (names + k + 1);
    name = (char *) (lens + k + 1);

    for (i = 0; i < k; i++) {
        names[i] = prev[i];
        lens[i] = ((size_t *) (prev + k))[i];
    }

    memcpy(name, sg->name, sg->name_len);
    name[sg->name_len] = '\0';
    names[k] = name;
    lens[k] = sg->name_len;

    c->names = names;
    c->prefix = (uint16_t) sg->prefix;    /* < NGX_ROUTINI_MAX_PATTERN */

    if (sg->type == NGX_ROUTINI_CATCHALL) {
        n->catchall = c;

    } else {
        c->next = n->plist;
        n->plist = c;
    }

    return c;
}


/* any route in the subtree, to name it in a conflict message */

static ngx_routini_route_t *
ngx_routini_any_route(ngx_routini_node_t *n)
{
    ngx_routini_node_t   *c;
    ngx_routini_route_t  *r;

    if (n->routes) {
        return n->routes;
    }

    if (n->catchall && n->catchall->routes) {
        return n->catchall->routes;
    }

    for (c = n->statics; c; c = c->next) {
        r = ngx_routini_any_route(c);
        if (r) {
            return r;
        }
    }

    for (c = n->plist; c; c = c->next) {
        r = ngx_routini_any_route(c);
        if (r) {
            return r;
        }
    }

    return NULL;
}


int
ngx_routini_tree_freeze(ngx_routini_tree_t *tree, void **route, char *err,
    size_t errlen)
{
    ngx_routini_err_t     e;
    ngx_routini_node_t   *deep;
    ngx_routini_route_t  *r;

    e.pos = err;
    e.end = err + errlen;

    if (errlen) {
        err[0] = '\0';
    }

    if (route) {
        *route = NULL;
    }

    if (tree->frozen) {
        return 0;
    }

    deep = NULL;

    if (ngx_routini_freeze_node(tree, tree->root, 0, &deep) != 0) {
        ngx_routini_err_str(&e, "out of memory");
        return -1;
    }

    if (deep) {
        /* a route past the alternative one too many */

        r = deep->catchall ? deep->catchall->routes
                           : ngx_routini_any_route(deep->plist);

        ngx_routini_err_str(&e, "too many nested param or catch-all "
                            "alternatives (max 128) on the path to \"");
        ngx_routini_err_str(&e, r->pattern);
        ngx_routini_err_str(&e, "\"");

        if (route) {
            *route = r->data;
        }

        return -1;
    }

    tree->top = tree->root;
    tree->frozen = 1;

    return 0;
}


/*
 * Lays out n's statics for ngx_routini_static_child(): one chain when
 * few, chains by first byte when each is short, else a hash table (the
 * one made while building, if any).
 */

static int
ngx_routini_freeze_statics(ngx_routini_tree_t *tree, ngx_routini_node_t *n)
{
    size_t                size, i, k, ng, count[256];
    uint64_t              h;
    unsigned char        *index;
    ngx_routini_node_t   *c, **a;

    if (n->nstatic <= NGX_ROUTINI_DIRECT_MAX) {
        for (c = n->statics; c; c = c->next) {
            c->chain = c->next;
        }

        if (ngx_routini_chain_unique(n->statics)) {
            n->table = &n->statics;
            n->index = ngx_routini_no_index;
            n->mask = 0;
            return 0;
        }

        goto hash;
    }

    memset(count, 0, sizeof(count));
    ng = 0;

    /* the empty static ("/a/") goes by the "/" after it, which no other
     * starts with, as the path's end reads as "/" */

    for (c = n->statics; c; c = c->next) {
        k = c->word & 0xff;
        ng += (count[k]++ == 0);

        if (count[k] > NGX_ROUTINI_BYTE_MAX) {
            ng = 256;
            break;
        }
    }

    if (ng < 256) {
        size = 256 + (ng + 1) * sizeof(ngx_routini_node_t *);

        index = ngx_routini_alloc(tree, size);
        if (index == NULL) {
            return -1;
        }

        /* slot 0 stays empty for the bytes no static starts with */

        a = (ngx_routini_node_t **) (index + 256);
        memset(index, 0, size);
        i = 0;

        for (c = n->statics; c; c = c->next) {
            k = c->word & 0xff;

            if (index[k] == 0) {
                index[k] = (unsigned char) ++i;
            }

            c->chain = a[index[k]];
            a[index[k]] = c;
        }

        for (k = 1; k <= i; k++) {
            if (!ngx_routini_chain_unique(a[k])) {
                goto hash;
            }
        }

        n->table = a;
        n->index = index;
        n->mask = 0;
        return 0;
    }

    if (n->table) {
        return 0;
    }

hash:

    /* (the chains of the table made while building, if any, are gone) */

    for (size = 2; size < n->nstatic; size <<= 1) { /* void */ }

    a = ngx_routini_alloc(tree, size * sizeof(ngx_routini_node_t *));
    if (a == NULL) {
        return -1;
    }

    memset(a, 0, size * sizeof(ngx_routini_node_t *));

    for (c = n->statics; c; c = c->next) {
        h = ngx_routini_key(c->word, c->text, c->len);
        i = (size_t) h & (size - 1);
        c->chain = a[i];
        a[i] = c;
    }

    n->table = a;
    n->mask = (uint32_t) (size - 1);

    return 0;
}


/*
 * Do the statics of a chain have different first words?  Only long ones
 * may share it, as a short one's holds the "/" after it.  The lookup's
 * first pass takes the static whose first word matches for the only one
 * that may match.
 */

static int
ngx_routini_chain_unique(ngx_routini_node_t *c)
{
    ngx_routini_node_t  *d;

    for ( /* void */ ; c; c = c->chain) {
        for (d = c->chain; d; d = d->chain) {
            if (c->word == d->word) {
                return 0;
            }
        }
    }

    return 1;
}


/* the first pass's code for n's kind */

static void
ngx_routini_set_op(ngx_routini_node_t *n)
{
#if (NGX_ROUTINI_GOTO)
    if (ngx_routini_ops == NULL) {
        (void) ngx_routini_tree_lookup(NULL, NULL, 0, 0, NULL);
    }

    n->op = ngx_routini_ops[n->kind];
#else
    n->op = NULL;
#endif
}


static int
ngx_routini_freeze_node(ngx_routini_tree_t *tree, ngx_routini_node_t *n,
    size_t branches, ngx_routini_node_t **deep)
{
    size_t               np, i, j;
    ngx_routini_node_t  *c, **a;

    np = 0;
    for (c = n->plist; c; c = c->next) {
        np++;
    }

    if (np || n->catchall) {
        branches++;

        if (branches > NGX_ROUTINI_MAX_BRANCHES && *deep == NULL) {
            *deep = n;
        }
    }

    if (ngx_routini_freeze_statics(tree, n) != 0) {
        return -1;
    }

    for (c = n->statics; c; c = c->next) {
        if (ngx_routini_freeze_node(tree, c, branches, deep) != 0) {
            return -1;
        }
    }

    if (np) {
        a = ngx_routini_alloc(tree, np * sizeof(ngx_routini_node_t *));
        if (a == NULL) {
            return -1;
        }

        /* insertion sort: longest affix first, then longest prefix */

        i = 0;
        for (c = n->plist; c; c = c->next) {
            for (j = i++;
                 j > 0 && (a[j - 1]->len < c->len
                           || (a[j - 1]->len == c->len
                               && a[j - 1]->prefix < c->prefix));
                 j--)
            {
                a[j] = a[j - 1];
            }

            a[j] = c;

            if (ngx_routini_freeze_node(tree, c, branches, deep) != 0) {
                return -1;
            }
        }

        n->params = a;
        n->nparam = (uint32_t) np;
        n->naffix = (uint32_t) (a[np - 1]->len ? np : np - 1);
        n->bare = a[np - 1]->len ? NULL : a[np - 1];
    }

    if (n->nstatic) {
        n->kind = n->mask ? NGX_ROUTINI_KIND_HASH
                  : n->nstatic > NGX_ROUTINI_DIRECT_MAX
                  ? NGX_ROUTINI_KIND_BYTE : NGX_ROUTINI_KIND_CHAIN;

    } else {
        n->kind = np == 0 ? NGX_ROUTINI_KIND_LEAF
                  : n->naffix ? NGX_ROUTINI_KIND_PARAMS
                  : NGX_ROUTINI_KIND_BARE;
    }

    ngx_routini_set_op(n);

    return n->catchall
           ? ngx_routini_freeze_node(tree, n->catchall, branches, deep)
           : 0;
}


/*
 * The first pass, for what most trees are made of: statics, found by
 * their first word, bare params and catch-alls, each node taking its
 * first choice.  It jumps from node to node by the address of the code
 * for the node's kind, where the compiler has labels as values, and
 * leaves the rest (params with an affix, a route not allowing the method,
 * a branch leading nowhere) to ngx_routini_lookup_first(), which starts
 * over from the root.
 */

int
ngx_routini_tree_lookup(const ngx_routini_tree_t *tree, const char *path,
    size_t len, uint32_t method, ngx_routini_match_t *m)
{
    size_t                      p, e, i;
    uint64_t                    w, b;
    ngx_routini_span_t         *v;
    const unsigned char        *s;
    const ngx_routini_node_t   *n, *c;
    const ngx_routini_route_t  *r;

#if (NGX_ROUTINI_GOTO)
    static const void  *const kinds[] = {
        &&leaf, &&bare, &&first, &&chain, &&byte, &&hash
    };
#define ngx_routini_dispatch(n)  goto *(n)->op
#else
#define ngx_routini_dispatch(n)                                              \
    switch ((n)->kind) {                                                     \
    case NGX_ROUTINI_KIND_BARE: goto bare;                                   \
    case NGX_ROUTINI_KIND_CHAIN: goto chain;                                 \
    case NGX_ROUTINI_KIND_BYTE: goto byte;                                   \
    case NGX_ROUTINI_KIND_HASH: goto hash;                                   \
    case NGX_ROUTINI_KIND_LEAF: goto leaf;                                   \
    default: goto first;                                                     \
    }
#endif

    s = (const unsigned char *) path;

    if (ngx_routini_likely(len > 8)) {
        w = ngx_routini_load(s + 1);

    } else {
        if (len == 0) {
#if (NGX_ROUTINI_GOTO)
            if (tree == NULL) {
                /* ngx_routini_set_op() asks for the labels */
                ngx_routini_ops = kinds;
                return NGX_ROUTINI_NOT_FOUND;
            }
#endif
            goto none;
        }

        w = ngx_routini_word(s, len, 1);
    }

    if (s[0] != '/') {
        goto none;
    }

    /* the root and the method wait in m, out of the loop's registers */

    n = tree->top;
    m->data = (void *) n;
    m->allowed = method;

    p = 1;
    v = m->params;

    ngx_routini_dispatch(n);

    /* statics: the first word is compared in the chain, the rest of a long
     * static once found, as no other in the chain has the same first word
     * (see ngx_routini_freeze_statics()) */

chain:

    c = ngx_routini_chain_word(n->statics, w);

    if (c) {
        goto word;
    }

    goto miss;

byte:

    c = ngx_routini_chain_word(n->table[n->index[w & 0xff]], w);

    if (c) {
        goto word;
    }

    goto miss;

hash:

    c = ngx_routini_static_hash(n, s, len, p, w);

    if (c) {
        goto matched;
    }

    goto miss;

word:

    if (c->len < 8 || ngx_routini_static_long(c, s, len, p)) {
        goto matched;
    }

miss:

    /* no static took the segment: the bare param, if the only param */

    if (n->naffix) {
        goto first;
    }

    if (n->bare == NULL) {
        goto leaf;
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

matched:

    n = c;
    e = p + c->len;

next:

    if (ngx_routini_likely(e + 9 <= len)) {
        p = e + 1;
        w = ngx_routini_load(s + p);

        ngx_routini_dispatch(n);
    }

    if (e == len) {
        ngx_routini_barrier();

        for (r = n->routes; r; r = r->next) {
            if (r->methods & m->allowed) {
                return ngx_routini_found(m, r, (size_t) -1);
            }
        }

        goto first;
    }

    /* the last 8 bytes of the path */

    p = e + 1;
    w = ngx_routini_word_end(s, len, p);

    ngx_routini_dispatch(n);

leaf:

    /* no static or param child took the segment: the catch-all, if any */

    if (n->catchall) {
        ngx_routini_barrier();

        for (r = n->catchall->routes; r; r = r->next) {
            if (r->methods & m->allowed) {
                v->start = p;
                v->len = len - p;
                return ngx_routini_found(m, r, p);
            }
        }
    }

first:

    ngx_routini_barrier();

    return ngx_routini_lookup_first(m->data, s, len, m->allowed, m);

none:

    m->allowed = 0;
    return NGX_ROUTINI_NOT_FOUND;

#undef ngx_routini_dispatch
}


/*
 * The first branch the full search takes, without remembering the
 * alternatives, for any kind of node: when it ends on a route allowing the
 * method, that is the answer.  Otherwise the full search starts over from
 * the root.  A node's kind spares the work its children do not need: no
 * static lookup without statics, no segment end for a catch-all.
 */

static ngx_routini_noinline int
ngx_routini_lookup_first(const ngx_routini_node_t *root,
    const unsigned char *s, size_t len, uint32_t method,
    ngx_routini_match_t *m)
{
    size_t                      p, e, i, k;
    uint64_t                    w, b;
    const ngx_routini_node_t   *n, *c;
    const ngx_routini_route_t  *r;

    n = root;
    p = 1;
    k = 0;

    for ( ;; ) {

        w = ngx_routini_word(s, len, p);

        if (n->kind >= NGX_ROUTINI_KIND_CHAIN) {
            c = ngx_routini_static_child(n, s, len, p, w);

            if (c) {
                e = p + c->len;
                goto next;
            }

            if (n->nparam == 0) {
                break;
            }

        } else if (n->kind == NGX_ROUTINI_KIND_BARE) {

            /* the value's length is the index of the "/" */

            b = ngx_routini_slash_mask(w);

            if (ngx_routini_likely(b != 0)) {
                i = ngx_routini_slash_index(b);

                if (i == 0) {
                    break;
                }

            } else {
                i = ngx_routini_segment_end_long(s, len, p) - p;
            }

            m->params[k].start = p;
            m->params[k].len = i;
            k++;
            c = n->bare;
            e = p + i;
            goto next;

        } else if (n->kind == NGX_ROUTINI_KIND_LEAF) {
            break;
        }

        e = ngx_routini_segment_end(s, len, p, w);

        if (n->naffix == 0) {
            c = n->bare;

            if (e == p) {
                break;
            }

            m->params[k].start = p;
            m->params[k].len = e - p;

        } else {
            c = ngx_routini_first_param(n, s, p, e);

            if (c == NULL) {
                break;
            }

            m->params[k].start = p + c->prefix;
            m->params[k].len = e - p - c->len;
        }

        k++;

    next:

        n = c;

        if (e == len) {
            for (r = n->routes; r; r = r->next) {
                if (r->methods & method) {
                    return ngx_routini_found(m, r, (size_t) -1);
                }
            }

            goto all;
        }

        p = e + 1;
    }

    /* no static or param child took the segment: the catch-all, if any */

    if (n->catchall) {
        for (r = n->catchall->routes; r; r = r->next) {
            if (r->methods & method) {
                m->params[k].start = p;
                m->params[k].len = len - p;
                return ngx_routini_found(m, r, p);
            }
        }
    }

all:

    return ngx_routini_lookup_all(root, s, len, 1, method, m);
}


/*
 * The full search, depth first in precedence order, with the alternatives
 * it skipped in a bounded stack; collects the methods of the routes whose
 * pattern matched for METHOD_MISMATCH.
 */

static ngx_routini_noinline int
ngx_routini_lookup_all(const ngx_routini_node_t *n, const unsigned char *s,
    size_t len, size_t p, uint32_t method, ngx_routini_match_t *m)
{
    size_t                      e, i, k, alt;
    uint64_t                    w;
    ngx_routini_frame_t         stack[NGX_ROUTINI_MAX_BRANCHES];
    ngx_routini_frame_t        *sp;
    const ngx_routini_node_t   *c;
    const ngx_routini_route_t  *r;

    sp = stack;
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

        for (i = alt; i < n->nparam; i++) {
            if (ngx_routini_param_match(n->params[i], s, p, e)) {
                break;
            }
        }

        if (i < n->nparam) {
            c = n->params[i];
            alt = i + 1;
            m->params[k].start = p + c->prefix;
            m->params[k].len = e - p - c->len;
            goto match;
        }

        if (n->catchall) {
            for (r = n->catchall->routes; r; r = r->next) {
                if (r->methods & method) {
                    m->params[k].start = p;
                    m->params[k].len = len - p;
                    return ngx_routini_found(m, r, p);
                }

                m->allowed |= r->methods;
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

        if (alt < n->nparam || n->catchall) {
            sp->node = n;
            sp->start = p;
            sp->end = e;
            sp->nparams = (uint32_t) k;
            sp->alt = (uint32_t) alt;
            sp++;
        }

        if (c->names) {
            k++;
        }

        n = c;

        if (e == len) {
            for (r = n->routes; r; r = r->next) {
                if (r->methods & method) {
                    return ngx_routini_found(m, r, (size_t) -1);
                }

                m->allowed |= r->methods;
            }

            goto backtrack;
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


/* n's statics by hash */

static ngx_routini_inline const ngx_routini_node_t *
ngx_routini_static_hash(const ngx_routini_node_t *n, const unsigned char *s,
    size_t len, size_t p, uint64_t w)
{
    size_t                      e, i;
    const ngx_routini_node_t   *c;

    /* the key: the segment's word cut after its "/", as a short static's,
     * or its first 8 bytes */

    i = ngx_routini_slash(w);

    if (i < 8) {
        w &= ~0ULL >> (56 - 8 * i);
        e = p + i;

    } else {
        e = ngx_routini_segment_end_long(s, len, p);
    }

    for (c = n->table[ngx_routini_key(w, s + p, e - p) & n->mask];
         c;
         c = c->chain)
    {
        if (c->word == w && c->len == e - p
            && (c->len <= 8
                || (ngx_routini_load(s + e - 8)
                    == ngx_routini_load(c->text + c->len - 8)
                    && (c->len <= 16
                        || ngx_routini_equal(c->text + 8, s + p + 8,
                                             c->len - 16)))))
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
    const ngx_routini_node_t   *c;

    c = ngx_routini_chain_word(n->table[n->index[w & 0xff]], w);

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
           && (c->len <= 16
               || ngx_routini_equal(c->text + 8, s + p + 8, c->len - 16));
}


/* n's first param matching the segment s[p, e), or NULL */

static ngx_routini_inline const ngx_routini_node_t *
ngx_routini_first_param(const ngx_routini_node_t *n, const unsigned char *s,
    size_t p, size_t e)
{
    size_t  i;

    for (i = 0; i < n->naffix; i++) {
        if (ngx_routini_param_match(n->params[i], s, p, e)) {
            return n->params[i];
        }
    }

    /* the bare param, last, takes any non-empty segment */

    return e > p ? n->bare : NULL;
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
 * Word-at-a-time helpers.  A word holds 8 bytes, the first in its low
 * byte whatever the byte order, so that masks and shifts mean the same.
 */

static ngx_routini_inline uint64_t
ngx_routini_load(const unsigned char *p)
{
    uint64_t  w;

    memcpy(&w, p, 8);

#if (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
    w = __builtin_bswap64(w);
#endif

    return w;
}


/*
 * A static text's first word: its first 8 bytes, or all of it followed by
 * "/", the end of its segment, and zeros.
 */

static uint64_t
ngx_routini_text_word(const unsigned char *text, size_t len)
{
    size_t    i;
    uint64_t  w;

    w = 0;

    for (i = 0; i < len && i < 8; i++) {
        w |= (uint64_t) text[i] << (8 * i);
    }

    if (len < 8) {
        w |= (uint64_t) '/' << (8 * len);
    }

    return w;
}


/*
 * The hash of a static text or segment from its first word (as made by
 * ngx_routini_text_word()), its length and, when longer, its last word:
 * computed in constant time, and enough to tell apart "item-1", "item-2",
 * "products-0001".
 */

static ngx_routini_inline uint64_t
ngx_routini_key(uint64_t w, const unsigned char *text, size_t len)
{
    uint64_t  h;

    h = (w ^ len) * NGX_ROUTINI_HASH_MUL;

    if (len > 8) {
        h = (h ^ ngx_routini_load(text + len - 8)) * NGX_ROUTINI_HASH_MUL;
    }

    return h >> 32;
}


static ngx_routini_inline uint64_t
ngx_routini_load4(const unsigned char *p)
{
    uint32_t  w;

    memcpy(&w, p, 4);

#if (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
    w = __builtin_bswap32(w);
#endif

    return w;
}


/*
 * The path's 8 bytes at q, q <= len, "/" padded past its end: past the
 * end the path reads as "/", which ends the last segment as a "/" would.
 */

static ngx_routini_inline uint64_t
ngx_routini_word(const unsigned char *s, size_t len, size_t q)
{
    if (ngx_routini_likely(q + 8 <= len)) {
        return ngx_routini_load(s + q);
    }

    return ngx_routini_word_end(s, len, q);
}


/* the same, q + 8 > len */

static ngx_routini_inline uint64_t
ngx_routini_word_end(const unsigned char *s, size_t len, size_t q)
{
    size_t    n;
    uint64_t  w;

    n = len - q;

    if (len >= 8) {
        /* the path's last 8 bytes moved down to q, "/"s above them; two
         * shifts, as n may be 0 */
        w = ngx_routini_load(s + len - 8);
        return (w >> 8 >> (56 - 8 * n)) | ngx_routini_pad[n];
    }

    return ngx_routini_word_short(s + q, n)
           | 0x2f2f2f2f2f2f2f2fULL << (8 * n);
}


/* the n bytes (n < 8) at s of a path shorter than 8, zero padded */

static ngx_routini_inline uint64_t
ngx_routini_word_short(const unsigned char *s, size_t n)
{
    /* two overlapping 4-byte reads, or three bytes */

    if (n >= 4) {
        return ngx_routini_load4(s)
               | ngx_routini_load4(s + n - 4) << (8 * (n - 4));
    }

    if (n) {
        return s[0] | (uint64_t) s[n / 2] << (8 * (n / 2))
               | (uint64_t) s[n - 1] << (8 * (n - 1));
    }

    return 0;
}


/*
 * Where the "/"s are in w: 0 if none, else the lowest set bit marks the
 * first (ngx_routini_slash_index()).  One byte compare of a vector
 * register where SSE2 is (x86-64 always), which leaves the general
 * registers to the lookup's loop; else the classic "has a zero byte" test
 * on w ^ "////////", exact for the lowest such byte.
 */

static ngx_routini_inline uint64_t
ngx_routini_slash_mask(uint64_t w)
{
#if (NGX_ROUTINI_SSE2)
    return (uint32_t) _mm_movemask_epi8(
                          _mm_cmpeq_epi8(_mm_cvtsi64_si128((long long) w),
                                         _mm_set1_epi8('/')));
#else
    w ^= 0x2f2f2f2f2f2f2f2fULL;

    return (w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL;
#endif
}


/* the byte index of the first "/" marked in a non-zero mask */

static ngx_routini_inline size_t
ngx_routini_slash_index(uint64_t b)
{
#if (NGX_ROUTINI_SSE2)
    return (unsigned) __builtin_ctz((uint32_t) b);
#else
    return (unsigned) __builtin_ctzll(b) >> 3;
#endif
}


/* the index of the first "/" in w, 8 if none */

static ngx_routini_inline size_t
ngx_routini_slash(uint64_t w)
{
    uint64_t  b;

    b = ngx_routini_slash_mask(w);

    return b ? ngx_routini_slash_index(b) : 8;
}


/*
 * The end of the segment at p, w the path's word there: the first "/"
 * at or after p, or the path's end, where the padding reads as "/".
 */

static ngx_routini_inline size_t
ngx_routini_segment_end(const unsigned char *s, size_t len, size_t p,
    uint64_t w)
{
    size_t  i;

    i = ngx_routini_slash(w);

    if (ngx_routini_likely(i < 8)) {
        return p + i;
    }

    return ngx_routini_segment_end_long(s, len, p);
}


/*
 * A long segment: the 8 bytes at p have no "/" (so that p + 8 <= len, as
 * the padding would be one).  On by words; the last word is the path's
 * last 8 bytes, whose bytes before p + 8 have none either.
 */

static ngx_routini_inline size_t
ngx_routini_segment_end_long(const unsigned char *s, size_t len, size_t p)
{
    size_t  i;

    for ( ;; ) {
        p += 8;

        if (len - p < 8) {
            i = ngx_routini_slash(ngx_routini_load(s + len - 8));
            return i < 8 ? len - 8 + i : len;
        }

        i = ngx_routini_slash(ngx_routini_load(s + p));

        if (i < 8) {
            return p + i;
        }
    }
}


/*
 * Short compares, inlined: affixes and segments are a few bytes long,
 * where a libc call costs more than the work.
 */

static ngx_routini_inline int
ngx_routini_equal(const unsigned char *a, const unsigned char *b, size_t n)
{
    uint16_t  x2, y2;
    uint32_t  x4, y4, z4, w4;
    uint64_t  x8, y8;

    while (n > 8) {
        memcpy(&x8, a, 8);
        memcpy(&y8, b, 8);

        if (x8 != y8) {
            return 0;
        }

        a += 8;
        b += 8;
        n -= 8;
    }

    if (n >= 4) {
        /* two overlapping 4-byte reads cover 4 to 8 bytes */
        memcpy(&x4, a, 4);
        memcpy(&y4, b, 4);
        memcpy(&z4, a + n - 4, 4);
        memcpy(&w4, b + n - 4, 4);
        return ((x4 ^ y4) | (z4 ^ w4)) == 0;
    }

    if (n >= 2) {
        memcpy(&x2, a, 2);
        memcpy(&y2, b, 2);
        return x2 == y2 && a[n - 1] == b[n - 1];
    }

    return n == 0 || a[0] == b[0];
}


static int
ngx_routini_found(ngx_routini_match_t *m, const ngx_routini_route_t *r,
    size_t catchall)
{
    m->data = r->data;
    m->nparams = r->nparams;
    m->names = r->names;
    m->name_lens = r->name_lens;
    m->catchall_start = catchall;

    return NGX_ROUTINI_FOUND;
}


size_t
ngx_routini_tree_memory(const ngx_routini_tree_t *tree)
{
    return tree->memory;
}


static void
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


static void
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
