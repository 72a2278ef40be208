
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
#define NGX_HTTP_ROUTINI_RING_POINTS     160    /* per unit of weight */


typedef struct {
    uint32_t                     hash;
    uint32_t                     peer;          /* index in its list */
} ngx_http_routini_ring_point_t;


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
 * Fills points (room for sum(weights) * NGX_HTTP_ROUTINI_RING_POINTS) for n
 * peers named names[i] and sorts them by hash.  A point's hash depends only
 * on its peer's name and number, so removing a peer leaves the other
 * peers' points where they were.  Returns the number of points.
 */
size_t ngx_http_routini_ring_build(ngx_http_routini_ring_point_t *points,
    const unsigned char *const *names, const size_t *lens,
    const unsigned *weights, size_t n);

/* the first point at or after hash, wrapping around */
size_t ngx_http_routini_ring_find(const ngx_http_routini_ring_point_t *points,
    size_t npoints, uint32_t hash);

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
