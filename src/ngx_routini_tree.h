
/*
 * Copyright (C) routini authors
 */


#ifndef _NGX_ROUTINI_TREE_H_INCLUDED_
#define _NGX_ROUTINI_TREE_H_INCLUDED_


/*
 * The route tree: a compressed radix tree of path patterns, pure C with no
 * nginx headers so that it can be unit-tested, fuzzed and benchmarked alone.
 *
 * Life cycle: create, insert every route (at configuration time), freeze
 * once, then look up (at request time; no allocation, no locks, the tree is
 * read-only).  Insertion after freeze fails; lookup before freeze finds
 * nothing.
 *
 * Memory comes only from the allocation hook and is never freed by the
 * tree: pass an allocator whose lifetime is the tree's (e.g. ngx_palloc on
 * cf->pool).  The hook must return memory aligned for any type.
 *
 * Patterns (matchit-compatible): static text; "{name}" or ":name" matches
 * one non-empty segment part, with an optional static prefix and/or suffix
 * in its segment ("img-{id}.png"); "{*name}", "*name" or "*" (= "{*rest}")
 * as the whole last segment matches the rest of the path, possibly empty
 * ("/api/{*rest}" matches "/api/" but not "/api"); "{{", "}}" and "\:" are
 * literal.  Names are [A-Za-z0-9_]+, at most NGX_ROUTINI_MAX_PARAMS params
 * (the catch-all included) per pattern.
 *
 * Precedence, whatever the declaration order: static segment, then params
 * with an affix (longest affix first), then the bare param, then the
 * catch-all, with backtracking when a branch leads nowhere.
 *
 * Rejected: invalid syntax, a duplicate (same pattern, overlapping method
 * masks), two param names at one position (same prefix and suffix), a
 * param and a catch-all after the same segments, more than 4096 params
 * (each with its own prefix and suffix) after the same segments.
 */


#include <stdint.h>
#include <stddef.h>


#define NGX_ROUTINI_MAX_PARAMS       16

/* nested param/catch-all alternatives a lookup may come back to */
#define NGX_ROUTINI_MAX_BRANCHES     128

#define NGX_ROUTINI_NOT_FOUND        0
#define NGX_ROUTINI_FOUND            1
#define NGX_ROUTINI_METHOD_MISMATCH  2

/* a method mask of 0 or NGX_ROUTINI_ANY_METHOD means "any method" */
#define NGX_ROUTINI_ANY_METHOD       0xffffffff


typedef struct ngx_routini_tree_s  ngx_routini_tree_t;

/* zeroing not assumed; returns NULL on failure */
typedef void *(*ngx_routini_alloc_pt)(void *ctx, size_t size);

/* gives back a block of alloc the tree no longer uses; may keep it */
typedef void (*ngx_routini_free_pt)(void *ctx, void *p);


typedef struct {
    size_t               start;     /* offset into the matched path */
    size_t               len;
} ngx_routini_span_t;


typedef struct {
    void                *data;      /* the route's user data (from insert) */
    const char         **names;     /* in pattern order, owned by the tree;
                                       their lengths follow them
                                       (ngx_routini_match_name_lens()) */
    uint16_t             nparams;   /* the catch-all, if any, is the last */
    ngx_routini_span_t   params[NGX_ROUTINI_MAX_PARAMS];
    size_t               catchall_start;  /* (size_t) -1 if no catch-all */
    uint32_t             allowed;   /* on METHOD_MISMATCH: union of masks */
} ngx_routini_match_t;


/* the lengths of a match's names, NULL when it has none */
#define ngx_routini_match_name_lens(m)                                      \
    ((m)->nparams ? (size_t *) ((m)->names + (m)->nparams) : NULL)


ngx_routini_tree_t *ngx_routini_tree_create(ngx_routini_alloc_pt alloc,
    ngx_routini_free_pt release, void *ctx);

/*
 * Returns 0, or -1 with a NUL-terminated message in err (errlen bytes) and,
 * for a conflict, the earlier route's data in *conflict (conflict may be
 * NULL).  Routes with the same pattern may coexist when their method masks
 * are disjoint.  The tree keeps the pattern's address, not a copy, to name
 * the route in later messages: the caller keeps its bytes as long as the
 * tree.
 */
int ngx_routini_tree_insert(ngx_routini_tree_t *tree, const char *pattern,
    size_t len, uint32_t methods, void *data, void **conflict, char *err,
    size_t errlen);

/*
 * Lays out the tree for lookup.  Call once, after the last insert.
 * Returns 0, or -1 with a message: out of memory, or a tree whose
 * backtracking could need more than NGX_ROUTINI_MAX_BRANCHES frames, and
 * then the data of a route on such a path in *route (route may be NULL).
 * A tree that failed to freeze finds nothing and takes no more routes.
 */
int ngx_routini_tree_freeze(ngx_routini_tree_t *tree, void **route,
    char *err, size_t errlen);

/*
 * path: raw bytes, any byte allowed; method: one bit.  On FOUND, m holds
 * the route's data and params; on METHOD_MISMATCH, m->allowed holds the
 * union of the method masks of the routes whose pattern matched (0 on
 * NOT_FOUND).  Other fields of m are then undefined.
 */
int ngx_routini_tree_lookup(const ngx_routini_tree_t *tree, const char *path,
    size_t len, uint32_t method, ngx_routini_match_t *m);

/* bytes allocated through the hook, less those given back */
size_t ngx_routini_tree_memory(const ngx_routini_tree_t *tree);


#endif /* _NGX_ROUTINI_TREE_H_INCLUDED_ */
