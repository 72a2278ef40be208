
/*
 * Copyright (C) routini authors
 *
 * The balancer's arithmetic with no nginx dependency, so it can be
 * unit-tested on its own (test/unit/balancer_test.c): FNV-1a, the ketama
 * ring of the consistent strategy and the adaptive engine's decision rule.
 */


#ifndef _NGX_HTTP_ROUTINI_UPSTREAM_CALC_H_INCLUDED_
#define _NGX_HTTP_ROUTINI_UPSTREAM_CALC_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define NGX_HTTP_ROUTINI_FNV_BASIS       2166136261u
#define NGX_HTTP_ROUTINI_RING_POINTS     160      /* per unit of weight */
#define NGX_HTTP_ROUTINI_RING_MAX        524288   /* per ring, see size */


typedef struct {
    uint32_t                     hash;
    uint32_t                     peer;          /* index in its list */
} ngx_http_routini_ring_point_t;


typedef struct {
    ngx_http_routini_ring_point_t  *points;     /* sorted by hash */
    size_t                          npoints;
    uint32_t                        npeers;     /* each has a point */
    uint64_t                       *seen;       /* npeers bits, scratch */
} ngx_http_routini_ring_t;


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
 * When the peer of point k (the key's, from ring_find) cannot take the
 * try: the first peer clockwise after it for which usable(data, peer) is
 * true.  Each distinct peer is asked once (the ring's seen bits skip the
 * others' further points) and the walk ends when all ring->npeers have
 * been asked, so a ring whose peers are all unusable costs about
 * npeers * ln(npeers) steps, not a lap.  Returns 1 and sets *peer, or 0.
 */
int ngx_http_routini_ring_walk(ngx_http_routini_ring_t *ring, size_t k,
    int (*usable)(void *data, uint32_t peer), void *data, uint32_t *peer);

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
