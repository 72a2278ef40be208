
/*
 * Copyright (C) routini authors
 *
 * Observability and control: counters in the routini zone, their
 * Prometheus and JSON output, the dashboard and the control API.
 */


#ifndef _NGX_HTTP_ROUTINI_METRICS_H_INCLUDED_
#define _NGX_HTTP_ROUTINI_METRICS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini.h"
#include "ngx_http_routini_shm.h"
#include "ngx_http_routini_upstream.h"


#define NGX_HTTP_ROUTINI_METRICS_MAX_BUCKETS  32


/*
 * A route's counters, the record "route:NAME": one set for every worker,
 * added to with atomic adds (the measure behind it is in docs/metrics.md),
 * packed after the record's name, so that a route costs the zone one
 * small chunk, whatever the number of workers.  Buckets are not
 * cumulative: a request adds to one bucket only, the output adds them up.
 * With routini_metrics_buckets off there are no bounds: the one bucket
 * counts the route's requests.
 */

struct ngx_http_routini_route_stats_s {
    ngx_atomic_t                     sum;        /* request time, ms */
    ngx_atomic_t                     codes[5];   /* 1xx .. 5xx */
    ngx_atomic_t                     buckets[1]; /* nbuckets + 1 (+Inf) */
};


/* one worker slot of the record "unmatched" */
typedef struct {
    ngx_atomic_t                     not_found;
    ngx_atomic_t                     not_allowed;
} ngx_http_routini_unmatched_t;


/*
 * A series of routini_requests_total and routini_request_duration_seconds:
 * the first route of its name.  Routes with the same name share a record
 * ("route:NAME"), so they are one series, reported with the first route's
 * target.  The series are found once, at configuration time, so that a
 * scrape only walks them: O(routes), not a comparison of every route with
 * every earlier one.
 */
typedef ngx_http_routini_route_t  *ngx_http_routini_series_t;


/*
 * A server listed twice in an upstream is two balancer peers with one name
 * and one zone record, so one series: its entries are chained at
 * configuration time, so a scrape neither compares names nor misses one.
 */
typedef struct {
    ngx_uint_t                       first;       /* entry of the series */
    ngx_uint_t                       next;        /* entry of the same name,
                                                     npeers: none */
} ngx_http_routini_peer_series_t;


typedef struct {
    ngx_uint_t                       nbuckets;    /* 0: off */
    ngx_uint_t                      *bounds;      /* microseconds */
    ngx_str_t                       *les;         /* "0.005", for output */
    ngx_uint_t                       nslots;      /* of "unmatched" */
    ngx_http_routini_unmatched_t    *unmatched;   /* in the zone */
    ngx_http_routini_series_t       *series;      /* in route order */
    ngx_uint_t                       nseries;
    u_char                          *escape;      /* a bit per series: its
                                                     name or target changes
                                                     when escaped */
    ngx_http_routini_peer_series_t **peers;       /* by upstream, by peer */
    ngx_uint_t                       nupstreams;
} ngx_http_routini_metrics_main_conf_t;


#define NGX_HTTP_ROUTINI_FORMAT_PROMETHEUS  1
#define NGX_HTTP_ROUTINI_FORMAT_JSON        2


typedef struct {
    ngx_uint_t                       format;      /* routini_metrics */
} ngx_http_routini_metrics_loc_conf_t;


/*
 * A response body written a record at a time into pool buffers.  A small
 * answer (an error, one upstream, one peer) is written whole and sent with
 * ngx_http_routini_out_send().  A body that grows with routes or peers is
 * streamed by ngx_http_routini_out_stream(): its generator, next(), writes
 * the record at the cursor and moves the cursor on; it is called until the
 * chunk holds NGX_HTTP_ROUTINI_OUT_CHUNK bytes, the chunk is sent, and the
 * next one is written once the connection has taken it, after the worker's
 * other connections had their turn.  The buffers of a sent chunk are
 * reused: a streamed body takes about one chunk of memory, whatever its
 * size.  The record emitters (ngx_http_routini_route_json() ...) write into
 * either kind.
 */

#define NGX_HTTP_ROUTINI_OUT_CHUNK  16384


typedef struct ngx_http_routini_out_s  ngx_http_routini_out_t;

/* NGX_OK: a record written, more to come; NGX_DONE: the body is complete */
typedef ngx_int_t (*ngx_http_routini_out_next_pt)(
    ngx_http_routini_out_t *out);


/* where a streamed body is between two chunks */
typedef struct {
    ngx_uint_t                       section;     /* the generator's own */
    ngx_uint_t                       index;       /* series, route,
                                                     upstream */
    ngx_uint_t                       part;        /* of an upstream: head,
                                                     peers, end */
    unsigned                         begun:1;     /* the section's head is
                                                     written */
} ngx_http_routini_cursor_t;


struct ngx_http_routini_out_s {
    ngx_http_request_t              *request;
    ngx_chain_t                     *first;       /* written, not sent */
    ngx_chain_t                    **last;
    ngx_buf_t                       *buf;         /* being written */
    size_t                           size;        /* of the buffers before
                                                     buf */
    ngx_chain_t                     *free;        /* sent, for reuse */
    ngx_chain_t                     *busy;        /* being sent */
    ngx_http_routini_out_next_pt     next;
    ngx_http_routini_cursor_t        cursor;
    ngx_event_t                      resume;      /* the next chunk */
    unsigned                         error:1;
};


/* a route's counters summed over the slots */
typedef struct {
    ngx_uint_t                       hits;
    ngx_uint_t                       sum;         /* ms */
    ngx_uint_t                       codes[5];
    ngx_uint_t                       buckets[NGX_HTTP_ROUTINI_METRICS_MAX_BUCKETS
                                             + 1];
} ngx_http_routini_route_sum_t;


void ngx_http_routini_out_init(ngx_http_routini_out_t *out,
    ngx_http_request_t *r);
u_char *ngx_http_routini_out_reserve(ngx_http_routini_out_t *out, size_t n);
void ngx_http_routini_out_printf(ngx_http_routini_out_t *out,
    const char *fmt, ...);
void ngx_http_routini_out_str(ngx_http_routini_out_t *out, ngx_str_t *s);
void ngx_http_routini_out_json_str(ngx_http_routini_out_t *out,
    ngx_str_t *s);
ngx_int_t ngx_http_routini_out_send(ngx_http_routini_out_t *out,
    ngx_uint_t status, ngx_str_t *type);
ngx_int_t ngx_http_routini_resume_init(ngx_http_request_t *r, ngx_event_t *ev,
    ngx_event_handler_pt handler, void *data);
ngx_int_t ngx_http_routini_out_stream(ngx_http_request_t *r,
    ngx_http_routini_out_next_pt next, ngx_str_t *type);

#define ngx_http_routini_out_literal(out, s)                                 \
    do {                                                                     \
        ngx_str_t  lit_ = ngx_string(s);                                     \
        ngx_http_routini_out_str(out, &lit_);                                \
    } while (0)

void ngx_http_routini_route_sum(ngx_http_routini_metrics_main_conf_t *mmcf,
    ngx_http_routini_route_t *route, ngx_http_routini_route_sum_t *sum);
ngx_str_t *ngx_http_routini_route_target(ngx_http_routini_route_t *route);

void ngx_http_routini_upstream_json(ngx_http_routini_out_t *out,
    ngx_http_routini_upstream_t *u);
void ngx_http_routini_upstream_json_cut(ngx_http_routini_out_t *out,
    ngx_http_routini_upstream_t *u, ngx_uint_t max);
void ngx_http_routini_zone_json(ngx_http_routini_out_t *out,
    ngx_http_request_t *r);
void ngx_http_routini_unmatched_json(ngx_http_routini_out_t *out,
    ngx_http_routini_metrics_main_conf_t *mmcf);
ngx_int_t ngx_http_routini_upstreams_json(ngx_http_routini_out_t *out);
void ngx_http_routini_peer_json(ngx_http_routini_out_t *out,
    ngx_http_routini_peer_info_t *pi);
void ngx_http_routini_route_json(ngx_http_routini_out_t *out,
    ngx_http_routini_metrics_main_conf_t *mmcf,
    ngx_http_routini_route_t *route);
ngx_str_t *ngx_http_routini_peer_state_name(ngx_http_routini_peer_info_t *pi);

ngx_int_t ngx_http_routini_metrics_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_routini_metrics_json(ngx_http_request_t *r);
ngx_int_t ngx_http_routini_status_json(ngx_http_request_t *r,
    ngx_http_routini_series_t **by_name);
char *ngx_http_routini_set_handler(ngx_conf_t *cf,
    ngx_http_handler_pt handler);
ngx_int_t ngx_http_routini_json_error(ngx_http_request_t *r,
    ngx_uint_t status, const char *fmt, ...);


extern ngx_module_t  ngx_http_routini_metrics_module;


#endif /* _NGX_HTTP_ROUTINI_METRICS_H_INCLUDED_ */
