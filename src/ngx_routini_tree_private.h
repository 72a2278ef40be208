
/*
 * Copyright (C) routini authors
 */


#ifndef _NGX_ROUTINI_TREE_PRIVATE_H_INCLUDED_
#define _NGX_ROUTINI_TREE_PRIVATE_H_INCLUDED_


/*
 * The route tree's insides, shared by its three files: building
 * (ngx_routini_tree.c: create, insert, validate), freeze
 * (ngx_routini_tree_freeze.c) and lookup (ngx_routini_tree_lookup.c).
 *
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
/* frozen, no children at all (most routes end on such a node), and in
 * front of it only the catch-all's field, NULL: the fast pass takes it
 * for a leaf, the full search backtracks from it */
#define NGX_ROUTINI_KIND_NONE     6

/*
 * The children's fields a node has in front of it: those of params and
 * catch-all, which the lookup reads of any node it comes to (of a node
 * without children, the catch-all's only, NULL); those of statics too,
 * for a node with static children (ngx_routini_params()).  In this
 * order: a node may need more, never fewer (ngx_routini_grow()).
 */
#define NGX_ROUTINI_KIDS_NONE     0
#define NGX_ROUTINI_KIDS_PARAMS   1
#define NGX_ROUTINI_KIDS_ALL      2
/* building: see ngx_routini_grow(); none of NGX_ROUTINI_KIND_*, as kids
 * is the frozen node's rest */
#define NGX_ROUTINI_KIDS_MOVED    0xff

#define NGX_ROUTINI_HASH_MUL      0x9e3779b97f4a7c15ULL

/* the lookup's helpers must be inlined in its loops; its rare paths not */
#if (__GNUC__)
#define ngx_routini_inline        inline __attribute__((always_inline))
#define ngx_routini_noinline      __attribute__((noinline))
#define ngx_routini_likely(c)     __builtin_expect(!!(c), 1)
#else
#define ngx_routini_inline        inline
#define ngx_routini_noinline
#define ngx_routini_likely(c)     (c)
#endif


typedef struct ngx_routini_node_s   ngx_routini_node_t;
typedef struct ngx_routini_route_s  ngx_routini_route_t;


/*
 * A route's answer comes first, as the caller's match has it, so that a
 * lookup copies it in one go (ngx_routini_found()): its first 24 bytes,
 * len and methods to the match's padding after nparams.  The routes of
 * one node (one pattern, disjoint method masks) are an array, in the
 * order declared, each but the last marked in its len.
 */

struct ngx_routini_route_s {
    void                  *data;
    const char           **names;     /* then their lengths */
    uint16_t               nparams;   /* the catch-all included */
    uint16_t               len;       /* of pattern, and ROUTE_MORE */
    uint32_t               methods;
    const char            *pattern;   /* the caller's, for messages */
};

/* in a route's len: the node's next route follows it */
#define NGX_ROUTINI_ROUTE_MORE    0x8000
#define ngx_routini_route_len(r)  ((r)->len & ~NGX_ROUTINI_ROUTE_MORE)


/*
 * A node is what every node has, then the fields of a static, then its
 * text: a static's only when longer than 7 bytes, as its word holds a
 * shorter one whole.  A param or catch-all without text (most are
 * "{id}"), and the root, end before chain: they never use the fields of a
 * static (the names of a route's params are the route's).  The fields of
 * its children are in front of the node, in the same allocation, those of
 * statics only when it has static children, only the catch-all's when it
 * has no children at all (NGX_ROUTINI_KIND_NONE), so that a node costs no
 * more than it needs, and the lookup reads them at a fixed offset from
 * the node, as it would the node's own.  The lists made while building
 * share their fields with what freeze lays out from them.
 */

struct ngx_routini_node_s {
    uint16_t               len;       /* of text */
    uint16_t               prefix;    /* param: text is prefix, suffix */
    uint16_t               nparam;    /* params among the children */
    uint8_t                kind;      /* frozen: NGX_ROUTINI_KIND_* */
    union {
        uint8_t            kids;      /* building: NGX_ROUTINI_KIDS_* */
        uint8_t            rest;      /* frozen: the kind of the children
                                           after the statics: leaf, bare or
                                           params */
    };
    union {
        ngx_routini_node_t  *next;    /* building: siblings */
        ngx_routini_node_t  *bare;    /* frozen: the bare param, if any */
    };
    ngx_routini_route_t   *routes;
    ngx_routini_node_t    *chain;     /* static: next in the table slot */
    uint64_t               word;      /* static: ngx_routini_text_word() */
    uint64_t               wmask;     /*   and the mask of its bytes */
    unsigned char          text[];
};


/* the fields of a node's params (their number is the node's nparam) and
 * catch-all, just in front of it */

typedef struct {
    union {
        ngx_routini_node_t  *plist;   /* building: list of params */
        ngx_routini_node_t **params;  /* frozen: longest affix first, the
                                           bare param last */
    };
    ngx_routini_node_t    *catchall;
} ngx_routini_params_t;


/*
 * The fields of a node's statics, in front of those of its params.  While
 * building, the statics are in a list, newest first, and once many in the
 * hash table too, by which they are then found.
 */

typedef struct {
    uint32_t               mask;      /* hash table size - 1 */
    uint32_t               nstatic;
    const unsigned char   *index;     /* frozen: first byte to table slot */
    ngx_routini_node_t   **table;     /* chains of statics */
    ngx_routini_node_t    *statics;   /* the first of the static children */
} ngx_routini_statics_t;


/* a node's children's fields; those of statics only if its kids say so,
 * of a node without children only the catch-all */
#define ngx_routini_params(n)   ((ngx_routini_params_t *) (n) - 1)
#define ngx_routini_statics(n)                                               \
    ((ngx_routini_statics_t *) ngx_routini_params(n) - 1)


struct ngx_routini_tree_s {
    ngx_routini_alloc_pt   alloc;
    ngx_routini_free_pt    release;   /* NULL: none */
    void                  *ctx;
    size_t                 memory;
    ngx_routini_node_t    *root;
    ngx_routini_node_t    *top;       /* root once frozen, else empty */
    const char           **names[NGX_ROUTINI_MAX_PARAMS];  /* the arrays
                                           of param names made last, by
                                           their number - 1 */
    unsigned char         *spare;     /* a grown node's old memory */
    size_t                 spare_size;
    int                    frozen;
};


/* a message into a caller's buffer, cut to its size, NUL-terminated */
typedef struct {
    char                  *pos;
    char                  *end;
} ngx_routini_err_t;


void *ngx_routini_alloc(ngx_routini_tree_t *tree, size_t size);
ngx_routini_route_t *ngx_routini_next_route(ngx_routini_route_t *r);
ngx_routini_route_t *ngx_routini_any_route(ngx_routini_node_t *n);
void ngx_routini_err_bytes(ngx_routini_err_t *e, const char *s, size_t len);
void ngx_routini_err_str(ngx_routini_err_t *e, const char *s);


/*
 * Word-at-a-time helpers.  A word holds 8 bytes, the first in its low
 * byte whatever the byte order, so that masks and shifts mean the same.
 */

/* the n bytes at p, n 4 or 8, zeros above */

static ngx_routini_inline uint64_t
ngx_routini_load_n(const unsigned char *p, size_t n)
{
    uint64_t  w;

    w = 0;
    memcpy(&w, p, n);

#if (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
    w = __builtin_bswap64(w);
#endif

    return w;
}


static ngx_routini_inline uint64_t
ngx_routini_load(const unsigned char *p)
{
    return ngx_routini_load_n(p, 8);
}


/*
 * A static text's first word: its first 8 bytes, or all of it followed by
 * "/", the end of its segment, and zeros.
 */

static ngx_routini_inline uint64_t
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


/* "/"s from byte n of a word on: the padding past a path's end */
static const uint64_t  ngx_routini_pad[8] = {
    0x2f2f2f2f2f2f2f2fULL, 0x2f2f2f2f2f2f2f00ULL, 0x2f2f2f2f2f2f0000ULL,
    0x2f2f2f2f2f000000ULL, 0x2f2f2f2f00000000ULL, 0x2f2f2f0000000000ULL,
    0x2f2f000000000000ULL, 0x2f00000000000000ULL
};


/* the n bytes (n < 8) at s of a path shorter than 8, zero padded */

static ngx_routini_inline uint64_t
ngx_routini_word_short(const unsigned char *s, size_t n)
{
    /* two overlapping 4-byte reads, or three bytes */

    if (n >= 4) {
        return ngx_routini_load_n(s, 4)
               | ngx_routini_load_n(s + n - 4, 4) << (8 * (n - 4));
    }

    if (n) {
        return s[0] | (uint64_t) s[n / 2] << (8 * (n / 2))
               | (uint64_t) s[n - 1] << (8 * (n - 1));
    }

    return 0;
}


/* the path's word at q, as ngx_routini_word(), when q + 8 > len */

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
 * The end of a long segment at p: the 8 bytes at p have no "/" (so that
 * p + 8 <= len, as the padding would be one).  On by words; the last word
 * is the path's last 8 bytes, whose bytes before p + 8 have none either.
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


#endif /* _NGX_ROUTINI_TREE_PRIVATE_H_INCLUDED_ */
