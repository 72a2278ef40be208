
/*
 * Copyright (C) routini authors
 */


#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "ngx_routini_tree.h"


/*
 * Layout.  Every node is reached by matching its text: a static node's text
 * is a run of path bytes (the root's is "/"), a param node's text is the
 * static suffix that must end its segment ("" for a bare param, ".png" for
 * "{name}.png").  A param's static prefix ("img-" in "img-{id}") is ordinary
 * static text above it, so prefixed params win over bare ones by the
 * static-first rule.  A catch-all node hangs off a node whose text ends
 * with "/".
 *
 * Precedence at a node: the static child (at most one per first byte), then
 * params, longest suffix first, then the catch-all.  A lookup remembers the
 * alternatives it skipped in a bounded stack and comes back to them when the
 * branch it took fails (backtracking).
 *
 * While building, children are kept in lists; freeze turns them into one
 * array per node (statics sorted by first byte, then params) followed by the
 * first bytes of the statics and, for wide nodes, a 256-byte index.
 */


#define NGX_ROUTINI_MAX_PATTERN  4096
#define NGX_ROUTINI_INDEX_MIN    8       /* statics from which to index */

#define NGX_ROUTINI_END          0
#define NGX_ROUTINI_PARAM        1
#define NGX_ROUTINI_CATCHALL     2


typedef struct ngx_routini_node_s   ngx_routini_node_t;
typedef struct ngx_routini_route_s  ngx_routini_route_t;


struct ngx_routini_route_s {
    ngx_routini_route_t   *next;      /* routes of one leaf, disjoint masks */
    void                  *data;
    const char           **names;
    size_t                *name_lens;
    uint32_t               methods;
    char                   pattern[]; /* as written, for messages */
};


struct ngx_routini_node_s {
    ngx_routini_node_t   **kids;      /* frozen: statics, then params */
    const unsigned char   *first;     /* frozen: statics' first bytes */
    ngx_routini_node_t    *catchall;
    ngx_routini_route_t   *routes;
    uint32_t               len;       /* of text */
    uint16_t               nstatic;
    uint16_t               nparam;
    ngx_routini_node_t    *statics;   /* build-time child lists */
    ngx_routini_node_t    *params;
    ngx_routini_node_t    *next;
    const char           **names;     /* param and catch-all nodes: names */
    unsigned char          text[];    /*   of the params up to this one */
};


struct ngx_routini_tree_s {
    ngx_routini_alloc_pt   alloc;
    void                  *ctx;
    size_t                 memory;
    ngx_routini_node_t    *root;
    int                    frozen;
};


/* a parsed pattern: static text, then a param, a catch-all or the end */
typedef struct {
    size_t                 text;      /* offset in the normalized buffer */
    size_t                 text_len;
    size_t                 suffix;    /* offset in the normalized buffer */
    size_t                 suffix_len;
    const char            *name;      /* in the pattern */
    size_t                 name_len;
    const char            *token;     /* as written, for messages */
    size_t                 token_len;
    int                    type;
} ngx_routini_piece_t;


typedef struct {
    ngx_routini_piece_t    piece[NGX_ROUTINI_MAX_PARAMS + 1];
    size_t                 npieces;
    unsigned char          buf[NGX_ROUTINI_MAX_PATTERN];
} ngx_routini_parsed_t;


typedef struct {
    char                  *pos;
    char                  *end;
} ngx_routini_err_t;


typedef struct {
    const ngx_routini_node_t  *node;
    size_t                     pos;
    uint32_t                   nparams;
    uint32_t                   alt;   /* next param to try; nparam: catch-all */
} ngx_routini_frame_t;


static void *ngx_routini_alloc(ngx_routini_tree_t *tree, size_t size);
static ngx_routini_node_t *ngx_routini_node_new(ngx_routini_tree_t *tree,
    const unsigned char *text, size_t len);
static int ngx_routini_parse(const char *pat, size_t len,
    ngx_routini_parsed_t *pp, ngx_routini_err_t *e);
static int ngx_routini_param_start(const char *pat, size_t len, size_t i,
    size_t end, int catchall, ngx_routini_parsed_t *pp, size_t b,
    ngx_routini_err_t *e);
static int ngx_routini_check(ngx_routini_tree_t *tree, const char *pat,
    size_t len, ngx_routini_parsed_t *pp, uint32_t methods, void **conflict,
    ngx_routini_err_t *e);
static ngx_routini_node_t *ngx_routini_add_static(ngx_routini_tree_t *tree,
    ngx_routini_node_t *n, const unsigned char *s, size_t len);
static ngx_routini_node_t *ngx_routini_add_param(ngx_routini_tree_t *tree,
    ngx_routini_node_t *n, ngx_routini_parsed_t *pp, ngx_routini_piece_t *pc,
    const char **prev, size_t k);
static ngx_routini_node_t *ngx_routini_find_param(ngx_routini_node_t *n,
    const unsigned char *suffix, size_t len);
static ngx_routini_route_t *ngx_routini_any_route(ngx_routini_node_t *n);
static int ngx_routini_freeze_node(ngx_routini_tree_t *tree,
    ngx_routini_node_t *n, size_t branches, size_t *max);
static inline size_t ngx_routini_static_child(const ngx_routini_node_t *n,
    unsigned char c);
static inline int ngx_routini_equal(const unsigned char *a,
    const unsigned char *b, size_t n);
static inline size_t ngx_routini_segment_end(const unsigned char *s,
    size_t p, size_t len);
static inline size_t ngx_routini_first_byte(uint64_t t);
static int ngx_routini_found(ngx_routini_match_t *m,
    const ngx_routini_route_t *r, size_t nparams, size_t catchall);
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

    /* every pattern and every path starts with "/" */
    tree->root = ngx_routini_node_new(tree, (const unsigned char *) "/", 1);
    if (tree->root == NULL) {
        return NULL;
    }

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
    ngx_routini_piece_t   *pc;
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

    for (i = 0; i < pp.npieces; i++) {
        pc = &pp.piece[i];

        /* the root's text is the leading "/" */
        n = ngx_routini_add_static(tree, n, pp.buf + pc->text + (i == 0),
                                   pc->text_len - (i == 0));
        if (n == NULL) {
            goto nomem;
        }

        if (pc->type == NGX_ROUTINI_END) {
            break;
        }

        n = ngx_routini_add_param(tree, n, &pp, pc, names, k);
        if (n == NULL) {
            goto nomem;
        }

        names = n->names;
        k++;
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
 * Splits a pattern into pieces, resolving "{{", "}}" and "\:" into a
 * normalized buffer of static bytes, and validates it.
 */

static int
ngx_routini_parse(const char *pat, size_t len, ngx_routini_parsed_t *pp,
    ngx_routini_err_t *e)
{
    int                    suffix;
    size_t                 i, j, b, n;
    unsigned char          c;
    ngx_routini_piece_t   *pc;

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

    pp->npieces = 0;
    pc = &pp->piece[0];
    memset(pc, 0, sizeof(ngx_routini_piece_t));

    suffix = 0;      /* a param was seen in this segment */
    b = 0;
    i = 0;

    while (i < len) {
        c = pat[i];

        if (c == '/') {
            if (suffix) {
                pc->suffix_len = b - pc->suffix;
                pc = &pp->piece[++pp->npieces];
                memset(pc, 0, sizeof(ngx_routini_piece_t));
                pc->text = b;
                suffix = 0;
            }

            pp->buf[b++] = c;
            i++;
            continue;
        }

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

        } else if (c == ':') {
            for (j = i + 1; j < len && ngx_routini_is_name(pat[j]); j++) {
                /* void */
            }

        } else if (c == '*' && pp->buf[b - 1] == '/' && !suffix) {
            for (j = i + 1; j < len && ngx_routini_is_name(pat[j]); j++) {
                /* void */
            }

        } else {
            pp->buf[b++] = c;
            i++;
            continue;
        }

        /* a param or catch-all token: pat[i, j) */

        if (suffix) {
            ngx_routini_err_str(e, "only one parameter per segment, \"");
            ngx_routini_err_bytes(e, pat + i, j - i);
            ngx_routini_err_str(e, "\" in \"");
            ngx_routini_err_bytes(e, pat, len);
            ngx_routini_err_str(e, "\"");
            return -1;
        }

        n = pp->npieces;

        if (ngx_routini_param_start(pat, len, i, j, c == '*', pp, b, e)
            != 0)
        {
            return -1;
        }

        if (pc->type == NGX_ROUTINI_CATCHALL) {
            pp->npieces = n + 1;
            return 0;
        }

        suffix = 1;
        pc->suffix = b;
        i = j;
    }

    if (suffix) {
        pc->suffix_len = b - pc->suffix;
        pc = &pp->piece[++pp->npieces];
        memset(pc, 0, sizeof(ngx_routini_piece_t));
        pc->text = b;
    }

    pc->text_len = b - pc->text;
    pc->type = NGX_ROUTINI_END;
    pp->npieces++;

    return 0;

unbalanced:

    ngx_routini_err_bytes(e, pat, len);
    ngx_routini_err_str(e, "\" (hint: nginx needs brace patterns quoted)");
    return -1;
}


/* fills the current piece for the token pat[i, end) and validates it */

static int
ngx_routini_param_start(const char *pat, size_t len, size_t i, size_t end,
    int star, ngx_routini_parsed_t *pp, size_t b, ngx_routini_err_t *e)
{
    size_t                 k, nlen;
    const char            *name;
    ngx_routini_piece_t   *pc;

    pc = &pp->piece[pp->npieces];

    if (pat[i] == '{') {
        name = pat + i + 1;
        nlen = end - i - 2;

        if (nlen && name[0] == '*') {
            star = 1;
            name++;
            nlen--;
        }

    } else {
        name = pat + i + 1;
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

    if (pp->npieces == NGX_ROUTINI_MAX_PARAMS) {
        ngx_routini_err_str(e, "too many parameters (max 16) in \"");
        goto pattern;
    }

    if (star && (pp->buf[b - 1] != '/' || end != len)) {
        ngx_routini_err_str(e, "catch-all \"");
        ngx_routini_err_bytes(e, pat + i, end - i);
        ngx_routini_err_str(e, "\" must be the last segment in \"");
        goto pattern;
    }

    pc->text_len = b - pc->text;
    pc->name = name;
    pc->name_len = nlen;
    pc->token = pat + i;
    pc->token_len = end - i;
    pc->type = star ? NGX_ROUTINI_CATCHALL : NGX_ROUTINI_PARAM;

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
    size_t                 i, k, tlen;
    const char            *name;
    ngx_routini_node_t    *n, *c;
    ngx_routini_route_t   *r;
    ngx_routini_piece_t   *pc;
    const unsigned char   *t;

    n = tree->root;

    for (i = 0; i < pp->npieces; i++) {
        pc = &pp->piece[i];
        t = pp->buf + pc->text + (i == 0);
        tlen = pc->text_len - (i == 0);

        while (tlen) {
            for (c = n->statics; c; c = c->next) {
                if (c->text[0] == t[0]) {
                    break;
                }
            }

            if (c == NULL || c->len > tlen || memcmp(c->text, t, c->len)) {
                return 0;    /* a new branch: nothing to conflict with */
            }

            n = c;
            t += c->len;
            tlen -= c->len;
        }

        if (pc->type == NGX_ROUTINI_END) {
            break;
        }

        if (pc->type == NGX_ROUTINI_PARAM) {
            c = ngx_routini_find_param(n, pp->buf + pc->suffix,
                                       pc->suffix_len);
            if (n->catchall) {
                r = ngx_routini_any_route(n->catchall);
                goto catchall;
            }

        } else {
            c = n->catchall;
            if (n->params) {
                r = ngx_routini_any_route(n->params);
                goto catchall;
            }
        }

        if (c == NULL) {
            return 0;
        }

        name = c->names[i];
        k = strlen(name);

        if (k != pc->name_len || memcmp(name, pc->name, k) != 0) {
            r = ngx_routini_any_route(c);

            ngx_routini_err_str(e, "conflicting param names \"");
            ngx_routini_err_param(e, name, k, c == n->catchall);
            ngx_routini_err_str(e, "\" and \"");
            ngx_routini_err_param(e, pc->name, pc->name_len,
                                  pc->type == NGX_ROUTINI_CATCHALL);
            ngx_routini_err_str(e, "\" at the same position in \"");
            goto both;
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


static ngx_routini_node_t *
ngx_routini_add_static(ngx_routini_tree_t *tree, ngx_routini_node_t *n,
    const unsigned char *s, size_t len)
{
    size_t               l;
    ngx_routini_node_t  *c, *tail;

    while (len) {
        for (c = n->statics; c; c = c->next) {
            if (c->text[0] == s[0]) {
                break;
            }
        }

        if (c == NULL) {
            c = ngx_routini_node_new(tree, s, len);
            if (c == NULL) {
                return NULL;
            }

            c->next = n->statics;
            n->statics = c;
            return c;
        }

        for (l = 1; l < c->len && l < len && c->text[l] == s[l]; l++) {
            /* void */
        }

        if (l < c->len) {

            /* split: c keeps the common head, its old self moves below */

            tail = ngx_routini_node_new(tree, c->text + l, c->len - l);
            if (tail == NULL) {
                return NULL;
            }

            tail->statics = c->statics;
            tail->params = c->params;
            tail->catchall = c->catchall;
            tail->routes = c->routes;

            c->statics = tail;
            c->params = NULL;
            c->catchall = NULL;
            c->routes = NULL;
            c->len = (uint32_t) l;
        }

        n = c;
        s += l;
        len -= l;
    }

    return n;
}


static ngx_routini_node_t *
ngx_routini_add_param(ngx_routini_tree_t *tree, ngx_routini_node_t *n,
    ngx_routini_parsed_t *pp, ngx_routini_piece_t *pc, const char **prev,
    size_t k)
{
    char                *name;
    size_t               i, *lens;
    const char         **names;
    ngx_routini_node_t  *c;

    if (pc->type == NGX_ROUTINI_CATCHALL) {
        c = n->catchall;

    } else {
        c = ngx_routini_find_param(n, pp->buf + pc->suffix, pc->suffix_len);
    }

    if (c) {
        return c;
    }

    if (pc->type == NGX_ROUTINI_CATCHALL) {
        c = ngx_routini_node_new(tree, NULL, 0);

    } else {
        c = ngx_routini_node_new(tree, pp->buf + pc->suffix, pc->suffix_len);
    }

    /* names of the params on the path, shared by every route below */

    names = ngx_routini_alloc(tree, (k + 1) * (sizeof(char *) + sizeof(size_t))
                                    + pc->name_len + 1);
    if (c == NULL || names == NULL) {
        return NULL;
    }

    lens = (size_t *) (names + k + 1);
    name = (char *) (lens + k + 1);

    for (i = 0; i < k; i++) {
        names[i] = prev[i];
        lens[i] = ((size_t *) (prev + k))[i];
    }

    memcpy(name, pc->name, pc->name_len);
    name[pc->name_len] = '\0';
    names[k] = name;
    lens[k] = pc->name_len;
    c->names = names;

    if (pc->type == NGX_ROUTINI_CATCHALL) {
        n->catchall = c;

    } else {
        c->next = n->params;
        n->params = c;
    }

    return c;
}


static ngx_routini_node_t *
ngx_routini_find_param(ngx_routini_node_t *n, const unsigned char *suffix,
    size_t len)
{
    ngx_routini_node_t  *c;

    for (c = n->params; c; c = c->next) {
        if (c->len == len && memcmp(c->text, suffix, len) == 0) {
            return c;
        }
    }

    return NULL;
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

    for (c = n->params; c; c = c->next) {
        r = ngx_routini_any_route(c);
        if (r) {
            return r;
        }
    }

    return NULL;
}


int
ngx_routini_tree_freeze(ngx_routini_tree_t *tree, char *err, size_t errlen)
{
    size_t             max;
    ngx_routini_err_t  e;

    e.pos = err;
    e.end = err + errlen;

    if (errlen) {
        err[0] = '\0';
    }

    if (tree->frozen) {
        return 0;
    }

    max = 0;

    if (ngx_routini_freeze_node(tree, tree->root, 0, &max) != 0) {
        ngx_routini_err_str(&e, "out of memory");
        return -1;
    }

    if (max > NGX_ROUTINI_MAX_BRANCHES) {
        ngx_routini_err_str(&e, "too many nested param or catch-all "
                            "alternatives on one path (max 128)");
        return -1;
    }

    tree->frozen = 1;

    return 0;
}


static int
ngx_routini_freeze_node(ngx_routini_tree_t *tree, ngx_routini_node_t *n,
    size_t branches, size_t *max)
{
    size_t                ns, np, i, j;
    unsigned char        *first, *index;
    ngx_routini_node_t   *c, **kids;

    ns = 0;
    for (c = n->statics; c; c = c->next) {
        ns++;
    }

    np = 0;
    for (c = n->params; c; c = c->next) {
        np++;
    }

    if (np || n->catchall) {
        branches++;

        if (branches > *max) {
            *max = branches;
        }
    }

    n->nstatic = (uint16_t) ns;
    n->nparam = (uint16_t) np;

    if (ns + np == 0) {
        return n->catchall
               ? ngx_routini_freeze_node(tree, n->catchall, branches, max)
               : 0;
    }

    kids = ngx_routini_alloc(tree, (ns + np) * sizeof(ngx_routini_node_t *)
                                   + ns
                                   + (ns >= NGX_ROUTINI_INDEX_MIN ? 256 : 0));
    if (kids == NULL) {
        return -1;
    }

    /* insertion sorts: statics by first byte, params by suffix length */

    i = 0;
    for (c = n->statics; c; c = c->next) {
        for (j = i++; j > 0 && kids[j - 1]->text[0] > c->text[0]; j--) {
            kids[j] = kids[j - 1];
        }

        kids[j] = c;
    }

    for (c = n->params; c; c = c->next) {
        for (j = i++; j > ns && kids[j - 1]->len < c->len; j--) {
            kids[j] = kids[j - 1];
        }

        kids[j] = c;
    }

    first = (unsigned char *) (kids + ns + np);

    for (i = 0; i < ns; i++) {
        first[i] = kids[i]->text[0];
    }

    if (ns >= NGX_ROUTINI_INDEX_MIN) {
        index = first + ns;
        memset(index, 0, 256);

        for (i = 0; i < ns; i++) {
            index[first[i]] = (unsigned char) (i + 1);
        }
    }

    n->kids = kids;
    n->first = first;

    for (i = 0; i < ns + np; i++) {
        if (ngx_routini_freeze_node(tree, kids[i], branches, max) != 0) {
            return -1;
        }
    }

    return n->catchall
           ? ngx_routini_freeze_node(tree, n->catchall, branches, max)
           : 0;
}


int
ngx_routini_tree_lookup(const ngx_routini_tree_t *tree, const char *path,
    size_t len, uint32_t method, ngx_routini_match_t *m)
{
    size_t                      p, e, i, k, alt;
    const unsigned char        *s;
    ngx_routini_frame_t         stack[NGX_ROUTINI_MAX_BRANCHES];
    ngx_routini_frame_t        *sp;
    const ngx_routini_node_t   *n, *c;
    const ngx_routini_route_t  *r;

    m->allowed = 0;
    s = (const unsigned char *) path;

    if (!tree->frozen || len == 0 || s[0] != '/') {
        return NGX_ROUTINI_NOT_FOUND;
    }

    sp = stack;
    n = tree->root;
    p = 1;
    k = 0;

    for ( ;; ) {

        /* n's text matched path[.., p) */

        if (p == len) {
            for (r = n->routes; r; r = r->next) {
                if (r->methods & method) {
                    return ngx_routini_found(m, r, k, (size_t) -1);
                }

                m->allowed |= r->methods;
            }

            alt = n->nparam;    /* only the catch-all matches "" */
            goto alternatives;
        }

        if (n->nstatic) {
            i = ngx_routini_static_child(n, s[p]);

            if (i != (size_t) -1) {
                c = n->kids[i];

                if (c->len <= len - p
                    && ngx_routini_equal(c->text + 1, s + p + 1, c->len - 1))
                {
                    if (n->nparam || n->catchall) {
                        sp->node = n;
                        sp->pos = p;
                        sp->nparams = (uint32_t) k;
                        sp->alt = 0;
                        sp++;
                    }

                    n = c;
                    p += c->len;
                    continue;
                }
            }
        }

        alt = 0;

    alternatives:

        if (alt < n->nparam) {
            e = ngx_routini_segment_end(s, p, len);

            for (i = alt; i < n->nparam; i++) {
                c = n->kids[n->nstatic + i];

                if (e - p > c->len
                    && ngx_routini_equal(c->text, s + e - c->len, c->len))
                {
                    break;
                }
            }

            if (i < n->nparam) {
                if (i + 1 < n->nparam || n->catchall) {
                    sp->node = n;
                    sp->pos = p;
                    sp->nparams = (uint32_t) k;
                    sp->alt = (uint32_t) (i + 1);
                    sp++;
                }

                m->params[k].start = p;
                m->params[k].len = e - p - c->len;
                k++;

                n = c;
                p = e;
                continue;
            }
        }

        if (n->catchall) {
            for (r = n->catchall->routes; r; r = r->next) {
                if (r->methods & method) {
                    m->params[k].start = p;
                    m->params[k].len = len - p;
                    return ngx_routini_found(m, r, k + 1, p);
                }

                m->allowed |= r->methods;
            }
        }

        if (sp == stack) {
            return m->allowed ? NGX_ROUTINI_METHOD_MISMATCH
                              : NGX_ROUTINI_NOT_FOUND;
        }

        sp--;
        n = sp->node;
        p = sp->pos;
        k = sp->nparams;
        alt = sp->alt;
        goto alternatives;
    }
}


/* the index of n's static child starting with byte c, or (size_t) -1 */

static inline size_t
ngx_routini_static_child(const ngx_routini_node_t *n, unsigned char c)
{
    size_t  i;

    if (n->nstatic >= NGX_ROUTINI_INDEX_MIN) {
        return (size_t) n->first[n->nstatic + c] - 1;
    }

    for (i = 0; i < n->nstatic; i++) {
        if (n->first[i] == c) {
            return i;
        }
    }

    return (size_t) -1;
}


/*
 * Short compares and searches, inlined: edges and segments are a few bytes
 * long, where a libc call costs more than the work.
 */

static inline int
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


/* the offset of the first "/" in s[p, len), or len */

static inline size_t
ngx_routini_segment_end(const unsigned char *s, size_t p, size_t len)
{
    uint64_t  x, t;

    while (len - p >= 8) {
        memcpy(&x, s + p, 8);

        /* the classic "has a zero byte" test, on x ^ "////////" */
        x ^= 0x2f2f2f2f2f2f2f2fULL;
        t = (x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL;

        if (t) {
            return p + ngx_routini_first_byte(t);
        }

        p += 8;
    }

    while (p < len && s[p] != '/') {
        p++;
    }

    return p;
}


/* the memory-order index of the first byte flagged 0x80 in t */

static inline size_t
ngx_routini_first_byte(uint64_t t)
{
#if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
    return (size_t) __builtin_ctzll(t) >> 3;
#else
    return (size_t) __builtin_clzll(t) >> 3;
#endif
}


static int
ngx_routini_found(ngx_routini_match_t *m, const ngx_routini_route_t *r,
    size_t nparams, size_t catchall)
{
    m->data = r->data;
    m->nparams = nparams;
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
