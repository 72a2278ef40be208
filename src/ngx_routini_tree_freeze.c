
/*
 * Copyright (C) routini authors
 */


/*
 * Freezing the route tree: each node's statics laid out for the lookup,
 * its params sorted by precedence, its kind set, and the depth of the
 * lookup's backtracking checked.
 */


#include "ngx_routini_tree_private.h"


/* statics a lookup compares in turn: at a node, or per first byte */
#define NGX_ROUTINI_DIRECT_MAX    2
#define NGX_ROUTINI_BYTE_MAX      6


/* the first byte index of nodes with few statics: all in one chain */
static const unsigned char  ngx_routini_no_index[256];


static int ngx_routini_freeze_node(ngx_routini_tree_t *tree,
    ngx_routini_node_t *n, size_t branches, ngx_routini_route_t **deep);
static int ngx_routini_freeze_statics(ngx_routini_tree_t *tree,
    ngx_routini_statics_t *st);
static int ngx_routini_chain_unique(ngx_routini_node_t *c);


int
ngx_routini_tree_freeze(ngx_routini_tree_t *tree, void **route, char *err,
    size_t errlen)
{
    ngx_routini_err_t     e;
    ngx_routini_route_t  *deep;

    e.pos = err;
    e.end = err + errlen;

    if (errlen) {
        err[0] = '\0';
    }

    if (route) {
        *route = NULL;
    }

    if (tree->frozen) {
        if (tree->frozen < 0) {
            ngx_routini_err_str(&e, "route tree failed to freeze");
            return -1;
        }

        return 0;
    }

    /* the lists made while building are gone from here on, whatever the
     * outcome: a tree that failed to freeze finds nothing, takes nothing */

    tree->frozen = -1;
    deep = NULL;

    if (ngx_routini_freeze_node(tree, tree->root, 0, &deep) != 0) {
        ngx_routini_err_str(&e, "out of memory");
        return -1;
    }

    if (deep) {
        ngx_routini_err_str(&e, "too many nested param or catch-all "
                            "alternatives (max 128) on the path to \"");
        ngx_routini_err_bytes(&e, deep->pattern,
                              ngx_routini_route_len(deep));
        ngx_routini_err_str(&e, "\"");

        if (route) {
            *route = deep->data;
        }

        return -1;
    }

    tree->top = tree->root;
    tree->frozen = 1;

    return 0;
}


/*
 * A node's build-time lists share their fields with its frozen layout
 * (next with bare, plist with params): each is read before it is written
 * over, a child's next before the child is frozen.
 */

static int
ngx_routini_freeze_node(ngx_routini_tree_t *tree, ngx_routini_node_t *n,
    size_t branches, ngx_routini_route_t **deep)
{
    size_t                  np, i, j;
    ngx_routini_node_t     *c, *next, *plist, **a;
    ngx_routini_params_t   *kp;
    ngx_routini_statics_t  *st;

    if (n->kids == NGX_ROUTINI_KIDS_NONE) {
        n->bare = NULL;
        n->rest = NGX_ROUTINI_KIND_NONE;
        n->kind = NGX_ROUTINI_KIND_NONE;
        return 0;
    }

    kp = ngx_routini_params(n);
    plist = kp->plist;

    np = 0;
    for (c = plist; c; c = c->next) {
        np++;
    }

    if (np || kp->catchall) {
        branches++;

        if (branches > NGX_ROUTINI_MAX_BRANCHES && *deep == NULL) {
            /* a route past the alternative one too many, named while
             * n's subtree is still as built */
            *deep = kp->catchall ? kp->catchall->routes
                                 : ngx_routini_any_route(plist);
        }
    }

    st = NULL;

    /* (n->kids, read here, is n->rest, set below) */

    if (n->kids == NGX_ROUTINI_KIDS_ALL) {
        st = ngx_routini_statics(n);

        if (ngx_routini_freeze_statics(tree, st) != 0) {
            return -1;
        }

        for (c = st->statics; c; c = next) {
            next = c->next;

            if (ngx_routini_freeze_node(tree, c, branches, deep) != 0) {
                return -1;
            }
        }
    }

    if (np) {
        if (np == 1 && plist->len == 0) {
            /* a lone bare param is its own array */
            a = &n->bare;

        } else {
            a = ngx_routini_alloc(tree, np * sizeof(ngx_routini_node_t *));
            if (a == NULL) {
                return -1;
            }
        }

        /* insertion sort: longest affix first, then longest prefix */

        i = 0;
        for (c = plist; c; c = next) {
            next = c->next;

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

        kp->params = a;
        n->bare = a[np - 1]->len ? NULL : a[np - 1];

    } else {
        n->bare = NULL;
    }

    /* (n->nparam, counted while building, is np) */

    n->rest = np == 0 ? NGX_ROUTINI_KIND_LEAF
              : np > 1 || n->bare == NULL ? NGX_ROUTINI_KIND_PARAMS
              : NGX_ROUTINI_KIND_BARE;

    if (st && st->nstatic) {
        n->kind = st->mask ? NGX_ROUTINI_KIND_HASH
                  : st->nstatic > NGX_ROUTINI_DIRECT_MAX
                  ? NGX_ROUTINI_KIND_BYTE : NGX_ROUTINI_KIND_CHAIN;

    } else {
        n->kind = n->rest;
    }

    return kp->catchall
           ? ngx_routini_freeze_node(tree, kp->catchall, branches, deep)
           : 0;
}


/*
 * Lays out a node's statics for ngx_routini_static_child(): one chain
 * when few, chains by first byte when each is short, else a hash table
 * (the one made while building, if any).
 */

static int
ngx_routini_freeze_statics(ngx_routini_tree_t *tree,
    ngx_routini_statics_t *st)
{
    size_t                size, i, k, ng, count[256];
    uint64_t              h;
    unsigned char        *index;
    ngx_routini_node_t   *c, **a, **ref;

    /* the moved statics' places on the list to the nodes that took them
     * (ngx_routini_grow()) */

    for (ref = &st->statics; *ref; ref = &(*ref)->next) {
        while ((*ref)->kids == NGX_ROUTINI_KIDS_MOVED) {
            *ref = (*ref)->chain;
        }
    }

    if (st->nstatic <= NGX_ROUTINI_DIRECT_MAX) {
        for (c = st->statics; c; c = c->next) {
            c->chain = c->next;
        }

        if (ngx_routini_chain_unique(st->statics)) {
            st->table = &st->statics;
            st->index = ngx_routini_no_index;
            st->mask = 0;
            return 0;
        }

        goto hash;
    }

    memset(count, 0, sizeof(count));
    ng = 0;

    /* the empty static ("/a/") goes by the "/" after it, which no other
     * starts with, as the path's end reads as "/" */

    for (c = st->statics; c; c = c->next) {
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

        for (c = st->statics; c; c = c->next) {
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

        st->table = a;
        st->index = index;
        st->mask = 0;
        return 0;
    }

    if (st->table) {
        return 0;
    }

hash:

    /* (the chains of the table made while building, if any, are gone) */

    for (size = 2; size < st->nstatic; size <<= 1) { /* void */ }

    a = ngx_routini_alloc(tree, size * sizeof(ngx_routini_node_t *));
    if (a == NULL) {
        return -1;
    }

    memset(a, 0, size * sizeof(ngx_routini_node_t *));

    for (c = st->statics; c; c = c->next) {
        h = ngx_routini_key(c->word, c->text, c->len);
        i = (size_t) h & (size - 1);
        c->chain = a[i];
        a[i] = c;
    }

    st->table = a;
    st->mask = (uint32_t) (size - 1);

    return 0;
}


/*
 * Do the statics of a chain have different first words?  Only long ones
 * may share it, as a short one's holds the "/" after it.  The lookup's
 * fast pass takes the static whose first word matches for the only one
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
