
/*
 * Copyright (C) routini authors
 *
 * Inside the balancer: what ngx_http_routini_upstream_module.c (directives,
 * peer hooks, control functions), _strategies.c (choosing a peer) and
 * _adaptive.c (the decision engine) share.
 */


#ifndef _NGX_HTTP_ROUTINI_UPSTREAM_MODULE_H_INCLUDED_
#define _NGX_HTTP_ROUTINI_UPSTREAM_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini_upstream.h"
#include "ngx_http_routini_upstream_calc.h"


/* latency samples of failed tries are this much longer, in microseconds */
#define NGX_HTTP_ROUTINI_FAIL_PENALTY   1000000
/* fastest: a peer not picked for this long gets the next request, msec */
#define NGX_HTTP_ROUTINI_PROBE          1000
/* latency averages below this count as this in ratios, microseconds */
#define NGX_HTTP_ROUTINI_LATENCY_FLOOR  1000


/* shared zone record "peer:UPSTREAM:ADDR"; all fields change atomically */
typedef struct {
    ngx_atomic_t                      active;     /* tries in flight */
    ngx_atomic_t                      requests;   /* tries sent */
    ngx_atomic_t                      failures;   /* tries failed */
    ngx_atomic_t                      latency;    /* EWMA, microseconds */
    ngx_atomic_t                      samples;
    ngx_atomic_t                      picked;     /* msec of the last pick */
    ngx_atomic_t                      flags;      /* 0: may take traffic */
} ngx_http_routini_peer_shm_t;


/* flags: the API's peer_state_e in the low bits, health above */
#define NGX_HTTP_ROUTINI_FLAG_STATE      0x3
#define NGX_HTTP_ROUTINI_FLAG_UNHEALTHY  0x4


/* shared zone record "upstream:NAME" */
typedef struct {
    ngx_atomic_t                      decided;    /* engine's choice + 1 */
    ngx_atomic_t                      pinned;     /* API's strategy + 1 */
    ngx_atomic_t                      switches;
    ngx_atomic_t                      next_eval;  /* msec */
    ngx_atomic_t                      configured; /* strategy + 1 */
    ngx_atomic_t                      flag_changes; /* one per change of a
                                                       peer's flags */
} ngx_http_routini_upstream_shm_t;


typedef struct {
    ngx_str_t                         name;       /* "127.0.0.1:4001" */
    struct sockaddr                  *sockaddr;
    socklen_t                         socklen;
    ngx_uint_t                        weight;
    unsigned                          backup:1;
    unsigned                          down:1;
    ngx_http_routini_peer_shm_t      *shm;
    /* this worker's share of shm->active, taken off if it dies */
    ngx_atomic_t                     *inflight;   /* set per worker */
    ngx_uint_t                        inflight_index;
} ngx_http_routini_peer_t;


/*
 * A list's decision structures.  order: the order smooth weighted round
 * robin gives when every peer is usable, computed once (when the list's
 * total weight is at most NGX_HTTP_ROUTINI_SCHEDULE_MAX); each worker
 * walks it with its own cursor.  round_robin takes the next peer from it;
 * fewest_connections starts its scan there, so ties rotate by weight.
 * sum: fnv_hash's weights summed in list order.  The rest is per worker:
 * peer[] and shm[], the list as arrays; set, the peers that configuration
 * and flags let take traffic, with skip and pos to reach them, rebuilt
 * when flags change (ngx_http_routini_schedule_refresh()).
 */
typedef struct {
    uint16_t                         *order;      /* list indexes */
    ngx_uint_t                        n;          /* 0: no order */
    ngx_uint_t                        cursor;     /* per worker */
    ngx_uint_t                        npeers;
    ngx_uint_t                       *sum;        /* NULL: weights of 1 */
    ngx_uint_t                        total;      /* weight */
    ngx_http_upstream_rr_peer_t     **peer;
    ngx_http_routini_peer_shm_t     **shm;
    ngx_http_routini_set_t            set;
    /* the set's peers in its order, twice over: a scan from any start
     * needs no wrap */
    ngx_http_upstream_rr_peer_t     **speer;
    ngx_http_routini_peer_shm_t     **sshm;
    uint16_t                         *skip;       /* order position: the
                                                     next one of the set */
    uint32_t                         *pos;        /* list index: the set
                                                     position of it or of
                                                     the next one */
    double                           *weight;     /* scratch */
    uint32_t                         *work;       /* scratch */
} ngx_http_routini_schedule_t;


#define NGX_HTTP_ROUTINI_SCHEDULE_MAX  4096


typedef struct {
    ngx_msec_t                        interval;
    ngx_http_routini_decide_conf_t    decide;
    ngx_uint_t                        alpha;      /* smoothing * 1024 */
} ngx_http_routini_adaptive_conf_t;


struct ngx_http_routini_upstream_s {
    ngx_str_t                         name;
    ngx_uint_t                        strategy;   /* configured */
    ngx_http_complex_value_t         *key;
    ngx_http_routini_adaptive_conf_t  adaptive;

    ngx_http_upstream_srv_conf_t     *uscf;
    ngx_http_upstream_init_pt         original_init_upstream;

    ngx_uint_t                        npeers;     /* primary, then backup */
    ngx_uint_t                        nprimary;
    ngx_http_routini_peer_t          *peers;
    ngx_http_routini_peer_shm_t     **shm_peers;  /* peers[i].shm, dense,
                                                     set per worker */
    ngx_http_routini_ring_t           ring[2];    /* primary, backup */
    ngx_uint_t                        ring_built; /* bit per list: built
                                                     or tried */
    ngx_http_routini_schedule_t       schedule[2];

    ngx_http_routini_upstream_shm_t  *shm;
    ngx_event_t                      *timer;      /* adaptive, per worker */

    /* per worker: its peers with flags, counted at shm->flag_changes */
    ngx_uint_t                        restricted;
    ngx_atomic_uint_t                 flag_changes;
};


typedef struct {
    ngx_array_t                       upstreams;  /* upstream_t * */
} ngx_http_routini_upstream_main_conf_t;


/* per try state, from r->pool; rrp first: round robin's free uses it */
typedef struct {
    ngx_http_upstream_rr_peer_data_t  rrp;
    ngx_http_routini_upstream_t      *conf;
    ngx_http_request_t               *request;
    ngx_uint_t                        strategy;
    ngx_int_t                         current;    /* peers[] index, or -1 */
    ngx_msec_t                        start;
    uint32_t                          hash;
    unsigned                          backup:1;   /* trying backups */
    unsigned                          retry:1;    /* tried[] has bits */
} ngx_http_routini_peer_data_t;


ngx_uint_t ngx_http_routini_upstream_strategy_now(
    ngx_http_routini_upstream_t *u);
void ngx_http_routini_upstream_recount(ngx_http_routini_upstream_t *u);

ngx_http_upstream_rr_peer_t *ngx_http_routini_choose(
    ngx_http_routini_peer_data_t *pd, ngx_uint_t base, ngx_uint_t *index);

ngx_int_t ngx_http_routini_upstream_ring(ngx_http_routini_upstream_t *u,
    ngx_uint_t list, ngx_pool_t *pool, ngx_log_t *log);

ngx_int_t ngx_http_routini_schedule_build(ngx_conf_t *cf,
    ngx_http_routini_schedule_t *sc, ngx_http_upstream_rr_peers_t *peers);
ngx_int_t ngx_http_routini_schedule_init_process(ngx_cycle_t *cycle,
    ngx_http_routini_schedule_t *sc, ngx_http_upstream_rr_peers_t *peers,
    ngx_http_routini_peer_shm_t **shm);
void ngx_http_routini_schedule_refresh(ngx_http_routini_schedule_t *sc);

ngx_int_t ngx_http_routini_adaptive_init_process(ngx_cycle_t *cycle,
    ngx_http_routini_upstream_main_conf_t *umcf);
void ngx_http_routini_adaptive_evaluate(ngx_http_routini_upstream_t *u,
    ngx_log_t *log);


/*
 * How many of this configuration's peers have flags (drained, downed,
 * unhealthy): strategies read a peer's flags only when some peer has
 * them.  Each worker counts its own peers again after any change of
 * flags; a count kept in the zone would go on counting the peers a reload
 * removed, and old and new workers share the zone.
 */

static ngx_inline ngx_uint_t
ngx_http_routini_upstream_restricted(ngx_http_routini_upstream_t *u)
{
    if (u->shm->flag_changes != u->flag_changes) {
        ngx_http_routini_upstream_recount(u);
    }

    return u->restricted;
}


#endif /* _NGX_HTTP_ROUTINI_UPSTREAM_MODULE_H_INCLUDED_ */
