
/*
 * Copyright (C) routini authors
 *
 * What the balancer (ngx_http_routini_upstream_module) offers the rest of
 * the module: the metrics output and the control API read upstream and peer
 * state through these calls and change it only through them.
 */


#ifndef _NGX_HTTP_ROUTINI_UPSTREAM_H_INCLUDED_
#define _NGX_HTTP_ROUTINI_UPSTREAM_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


typedef enum {
    NGX_HTTP_ROUTINI_ROUND_ROBIN = 0,
    NGX_HTTP_ROUTINI_RANDOM,
    NGX_HTTP_ROUTINI_FNV_HASH,
    NGX_HTTP_ROUTINI_CONSISTENT,
    NGX_HTTP_ROUTINI_FEWEST_CONNECTIONS,
    NGX_HTTP_ROUTINI_FASTEST,
    NGX_HTTP_ROUTINI_ADAPTIVE,
    NGX_HTTP_ROUTINI_NSTRATEGIES
} ngx_http_routini_strategy_e;


/* peer admin state set by the API; health is separate */
typedef enum {
    NGX_HTTP_ROUTINI_PEER_UP = 0,
    NGX_HTTP_ROUTINI_PEER_DRAINING,
    NGX_HTTP_ROUTINI_PEER_DOWN
} ngx_http_routini_peer_state_e;


typedef struct ngx_http_routini_upstream_s  ngx_http_routini_upstream_t;


typedef struct {
    ngx_str_t                    name;          /* upstream{} name */
    ngx_uint_t                   configured;    /* strategy in nginx.conf */
    ngx_uint_t                   active;        /* strategy in use now */
    ngx_uint_t                   adaptive;      /* engine in control */
    ngx_uint_t                   pinned;        /* set by the API */
    ngx_uint_t                   switches;      /* adaptive switches */
    ngx_uint_t                   npeers;        /* primary and backup */
} ngx_http_routini_upstream_info_t;


typedef struct {
    ngx_str_t                    name;          /* "127.0.0.1:4001" */
    ngx_uint_t                   weight;
    ngx_uint_t                   backup;
    ngx_uint_t                   state;         /* peer_state_e */
    ngx_uint_t                   healthy;       /* active health checks */
    ngx_uint_t                   down;          /* "down" in nginx.conf */
    ngx_uint_t                   active;        /* in flight, all workers */
    ngx_uint_t                   requests;
    ngx_uint_t                   failures;
    double                       latency;       /* EWMA, seconds */
    ngx_uint_t                   measured;      /* latency has a sample */
} ngx_http_routini_peer_info_t;


/* every upstream{} with routini_balancer, in configuration order */
ngx_uint_t ngx_http_routini_upstream_count(ngx_cycle_t *cycle);
ngx_http_routini_upstream_t *ngx_http_routini_upstream_get(
    ngx_cycle_t *cycle, ngx_uint_t i);
ngx_http_routini_upstream_t *ngx_http_routini_upstream_find(
    ngx_cycle_t *cycle, ngx_str_t *name);

void ngx_http_routini_upstream_info(ngx_http_routini_upstream_t *u,
    ngx_http_routini_upstream_info_t *info);
void ngx_http_routini_peer_info(ngx_http_routini_upstream_t *u,
    ngx_uint_t i, ngx_http_routini_peer_info_t *info);

/*
 * "round_robin", "RoundRobin", "FNVHash", "FastestServer", ... compared
 * case-insensitively with "_" ignored; NGX_ERROR if unknown.
 */
ngx_int_t ngx_http_routini_strategy_parse(ngx_str_t *name);
ngx_str_t *ngx_http_routini_strategy_name(ngx_uint_t strategy);

/*
 * Changes seen by every worker on its next request, logged at notice
 * level.  set_strategy with NGX_HTTP_ROUTINI_ADAPTIVE hands control back to
 * the adaptive engine; any other strategy pins it.  Return NGX_OK,
 * NGX_DECLINED for an unknown peer, NGX_ERROR for a value the upstream
 * cannot take (e.g. a hash strategy without a key), with a message in err.
 */
ngx_int_t ngx_http_routini_upstream_set_strategy(
    ngx_http_routini_upstream_t *u, ngx_uint_t strategy, ngx_log_t *log,
    ngx_str_t *err);
ngx_int_t ngx_http_routini_peer_set_state(ngx_http_routini_upstream_t *u,
    ngx_str_t *peer, ngx_uint_t state, ngx_log_t *log, ngx_str_t *err);


/* for active health checks (ngx_http_routini_health_module.c) */
void ngx_http_routini_peer_addr(ngx_http_routini_upstream_t *u, ngx_uint_t i,
    struct sockaddr **sockaddr, socklen_t *socklen, ngx_str_t *name);
void ngx_http_routini_peer_set_health(ngx_http_routini_upstream_t *u,
    ngx_uint_t i, ngx_uint_t healthy, ngx_log_t *log);


extern ngx_module_t  ngx_http_routini_upstream_module;


#endif /* _NGX_HTTP_ROUTINI_UPSTREAM_H_INCLUDED_ */
