
/*
 * Copyright (C) routini authors
 *
 * The balancer's arithmetic with no nginx dependency, so it can be
 * unit-tested on its own (test/unit/balancer_test.c): FNV-1a, the ketama
 * ring of the consistent strategy, the bounded random choices among the
 * peers of a list and the adaptive engine's decision rule.
 */


#ifndef _NGX_HTTP_ROUTINI_UPSTREAM_CALC_H_INCLUDED_
#define _NGX_HTTP_ROUTINI_UPSTREAM_CALC_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define NGX_HTTP_ROUTINI_FNV_BASIS       2166136261u
#define NGX_HTTP_ROUTINI_RING_POINTS     160      /* per unit of weight */
#define NGX_HTTP_ROUTINI_RING_MAX        524288   /* per ring, see size */


/*
 * Decisions whose cost does not grow with the peers.  Up to EXACT_MAX
 * peers in a list's set (those that may take traffic) a strategy may
 * look at them all; above, it draws: at most DRAWS draws, then at most
 * WALK peers of the set in a row.  A ring walk asks the peers of at most
 * RING_WALK points.  Measured in docs/BENCHMARKS.md ("Balancer decisions
 * at 10, 100 and 1,000 peers").
 */
#ifndef NGX_HTTP_ROUTINI_EXACT_MAX      /* other values for benchmarks */
#define NGX_HTTP_ROUTINI_EXACT_MAX       16
#endif
#define NGX_HTTP_ROUTINI_DRAWS           8
#define NGX_HTTP_ROUTINI_WALK            16
#define NGX_HTTP_ROUTINI_RING_WALK       32


typedef struct {
    uint32_t                     hash;
    uint32_t                     peer;          /* index in its list */
} ngx_http_routini_ring_point_t;


typedef struct {
    ngx_http_routini_ring_point_t  *points;     /* sorted by hash */
    size_t                          npoints;
    /* by the hash's top bits, the first point of at least that hash */
    uint32_t                       *bucket;     /* nbuckets + 1 */
    uint32_t                        shift;      /* 32 - log2(nbuckets) */
} ngx_http_routini_ring_t;


/*
 * The peers of a list that configuration and shared flags let take
 * traffic (not "down", drained, downed or unhealthy), by their index in
 * the list, with an alias table (Walker, Vose) that draws them by weight
 * in O(1); prob is NULL when their weights are equal.
 */
typedef struct {
    uint32_t                       *peer;
    uint32_t                       *prob;       /* of keeping a slot, /2^32 */
    uint32_t                       *alias;
    uint32_t                        n;
} ngx_http_routini_set_t;


/* inlined into each strategy, so that usable() is inlined into it too */
#if defined(__GNUC__)
#define NGX_HTTP_ROUTINI_HOT             inline __attribute__((always_inline))
#else
#define NGX_HTTP_ROUTINI_HOT             inline
#endif


/* whether a peer (its index in the list) can take this try */
typedef int (*ngx_http_routini_usable_pt)(void *data, uint32_t peer);


/* a peer to put on a ring */
typedef struct {
    const unsigned char            *name;       /* "10.0.0.1:80" */
    size_t                          len;
    uint64_t                        weight;
    uint32_t                        npoints;    /* set by ring_size */
} ngx_http_routini_ring_peer_t;


/* the strategies the adaptive engine chooses between */
typedef enum {
    NGX_HTTP_ROUTINI_DECIDE_ROUND_ROBIN = 0,
    NGX_HTTP_ROUTINI_DECIDE_FEWEST,
    NGX_HTTP_ROUTINI_DECIDE_FASTEST
} ngx_http_routini_decide_e;


typedef struct {
    double                       connections_ratio;
    double                       latency_ratio;
    uint64_t                     min_connections;
    double                       hysteresis;
} ngx_http_routini_decide_conf_t;


typedef struct {
    /* over the peers that may take traffic */
    uint64_t                     max_active;
    uint64_t                     min_active;
    /* over those with a latency sample; 0 when fewer than two */
    double                       max_latency;
    double                       min_latency;
    unsigned                     nmeasured;
} ngx_http_routini_decide_in_t;


typedef struct {
    int                          strategy;      /* decide_e */
    const char                  *metric;        /* "latency ratio", ... */
    double                       value;         /* the metric's value */
    double                       threshold;     /* what it was compared to */
    int                          above;         /* value > threshold */
} ngx_http_routini_decide_out_t;


uint32_t ngx_http_routini_fnv1a(uint32_t hash, const void *data, size_t len);
uint32_t ngx_http_routini_mix32(uint32_t h);

/*
 * Sets the points of each of n peers and returns their sum:
 * NGX_HTTP_ROUTINI_RING_POINTS per unit of weight while that sum is at
 * most NGX_HTTP_ROUTINI_RING_MAX; above, each peer's share of
 * NGX_HTTP_ROUTINI_RING_MAX in proportion to its weight, and at least one
 * point, so the sum stays below NGX_HTTP_ROUTINI_RING_MAX + n whatever the
 * weights (nginx takes any weight up to 2^63 - 1).
 */
size_t ngx_http_routini_ring_size(ngx_http_routini_ring_peer_t *peers,
    size_t n);

/*
 * Fills points (room for the sum of the peers' npoints) with the points
 * of each of n peers and sorts them by hash, with tmp (the same room) as
 * scratch.  A point's hash depends only on its peer's name and number, so
 * removing a peer leaves the other peers' points where they were (unless
 * it changes the scaling above the maximum).  Returns the number of
 * points.
 */
size_t ngx_http_routini_ring_build(ngx_http_routini_ring_point_t *points,
    ngx_http_routini_ring_point_t *tmp,
    const ngx_http_routini_ring_peer_t *peers, size_t n);

/* the first point at or after hash, wrapping around */
size_t ngx_http_routini_ring_find(const ngx_http_routini_ring_point_t *points,
    size_t npoints, uint32_t hash);

/*
 * The buckets for a ring of npoints: a power of two, an eighth to a
 * quarter of the points, so a lookup searches a few points, not all.
 */
size_t ngx_http_routini_ring_buckets(size_t npoints);

/* fills ring->bucket (room for nbuckets + 1) and ring->shift */
void ngx_http_routini_ring_index(ngx_http_routini_ring_t *ring,
    size_t nbuckets);

/* ring_find through the buckets */
size_t ngx_http_routini_ring_seek(const ngx_http_routini_ring_t *ring,
    uint32_t hash);

/*
 * When the peer of point k (the key's, from ring_find) cannot take the
 * try: the first peer clockwise after it for which usable(data, peer) is
 * true, among the peers of the next max points at most (a point of the
 * peer just asked is passed over).  Returns 1 and sets *peer, or 0.
 */
int ngx_http_routini_ring_walk(const ngx_http_routini_ring_t *ring, size_t k,
    size_t max, ngx_http_routini_usable_pt usable, void *data,
    uint32_t *peer);


/*
 * A 64-bit linear congruential generator (Knuth's MMIX constants): its
 * high bits are good random numbers, its lowest are not, so the draws
 * below use bits 16 to 63.
 */
static inline uint64_t
ngx_http_routini_rand(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;

    return *state;
}


/*
 * The alias table of set->n peers of weight w[i] (set positions; w is
 * overwritten), with work (room for set->n) as scratch.
 */
void ngx_http_routini_set_weigh(ngx_http_routini_set_t *set, double *w,
    uint32_t *work);


/* a set position drawn by weight */
static inline uint32_t
ngx_http_routini_set_draw(const ngx_http_routini_set_t *set, uint64_t *rng)
{
    uint32_t  i;
    uint64_t  r;

    r = ngx_http_routini_rand(rng);
    i = (uint32_t) (((r >> 32) * set->n) >> 32);

    if (set->prob && (uint32_t) (r >> 16) >= set->prob[i]) {
        i = set->alias[i];
    }

    return i;
}


/*
 * The first usable peer of at most NGX_HTTP_ROUTINI_WALK set positions
 * from position from on (all of them in a set that small): 1 and *peer,
 * or 0.
 */
static inline int
ngx_http_routini_set_walk(const ngx_http_routini_set_t *set, uint32_t from,
    ngx_http_routini_usable_pt usable, void *data, uint32_t *peer)
{
    uint32_t  j, n, p;

    n = (set->n < NGX_HTTP_ROUTINI_WALK) ? set->n : NGX_HTTP_ROUTINI_WALK;

    for (j = 0; j < n; j++) {
        p = set->peer[(from + j) % set->n];

        if (usable(data, p)) {
            *peer = p;
            return 1;
        }
    }

    return 0;
}


/*
 * Up to want (1 or 2) distinct peers that can take the try, drawn by
 * weight: at most NGX_HTTP_ROUTINI_DRAWS draws, and when they found none,
 * the first usable of the NGX_HTTP_ROUTINI_WALK set positions after the
 * last draw.  Drawing until usable keeps the weights' proportions among
 * the usable peers.  Returns how many were put in peer[].  The set must
 * not be empty.
 */
static NGX_HTTP_ROUTINI_HOT size_t
ngx_http_routini_set_pick(const ngx_http_routini_set_t *set, uint64_t *rng,
    ngx_http_routini_usable_pt usable, void *data, uint32_t *peer,
    size_t want)
{
    size_t    k, found;
    uint32_t  i, p;
    uint64_t  x;

    x = *rng;
    found = 0;
    i = 0;

    for (k = 0; k < NGX_HTTP_ROUTINI_DRAWS; k++) {
        i = ngx_http_routini_set_draw(set, &x);
        p = set->peer[i];

        if (usable(data, p)) {
            peer[found++] = p;
            break;
        }
    }

    while (found && want == 2 && ++k < NGX_HTTP_ROUTINI_DRAWS) {
        p = set->peer[ngx_http_routini_set_draw(set, &x)];

        if (p != peer[0] && usable(data, p)) {
            peer[found++] = p;
            break;
        }
    }

    *rng = x;

    if (found) {
        return found;
    }

    return (size_t) ngx_http_routini_set_walk(set, i + 1, usable, data, peer);
}


/* active a on weight wa is fewer than active b on weight wb */
static inline int
ngx_http_routini_fewer(uint64_t a, uint64_t wa, uint64_t b, uint64_t wb)
{
    return a * wb < b * wa;
}


/*
 * The adaptive rule: fewest connections when the busiest peer has at
 * least min_connections and max/min active > connections_ratio (min 0
 * counts as max); else fastest when max/min latency > latency_ratio; else
 * round robin.  The current strategy is kept until its metric drops below
 * threshold * hysteresis.
 */
void ngx_http_routini_decide(int current,
    const ngx_http_routini_decide_in_t *in,
    const ngx_http_routini_decide_conf_t *conf,
    ngx_http_routini_decide_out_t *out);


#endif /* _NGX_HTTP_ROUTINI_UPSTREAM_CALC_H_INCLUDED_ */
