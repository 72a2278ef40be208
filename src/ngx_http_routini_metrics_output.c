
/*
 * Copyright (C) routini authors
 *
 * routini_metrics: the counters of the routini zone, summed over the
 * worker slots, as Prometheus text format 0.0.4 or as JSON.  Upstream and
 * peer figures come from the balancer's info calls.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_routini_escape.h"
#include "ngx_http_routini_metrics.h"


/* a chunk, and room for the record that takes it past its size */
#define NGX_HTTP_ROUTINI_OUT_BUF    (NGX_HTTP_ROUTINI_OUT_CHUNK + 4096)
#define NGX_HTTP_ROUTINI_OUT_NUM    256

#define NGX_HTTP_ROUTINI_OUT_TAG                                             \
    (ngx_buf_tag_t) &ngx_http_routini_metrics_module


typedef struct ngx_http_routini_prom_family_s  ngx_http_routini_prom_family_t;

/* writes the family's series at the cursor; NGX_DONE past the last */
typedef ngx_int_t (*ngx_http_routini_prom_series_pt)(
    ngx_http_routini_out_t *out, ngx_http_routini_prom_family_t *f);

struct ngx_http_routini_prom_family_s {
    char                             *name;
    char                             *type;
    char                             *help;
    ngx_http_routini_prom_series_pt   series;
    ngx_uint_t                        what;        /* a peer figure */
    ngx_uint_t                        once;        /* not per series */
};


static ngx_int_t ngx_http_routini_prom_next(ngx_http_routini_out_t *out);
static ngx_int_t ngx_http_routini_prom_requests(ngx_http_routini_out_t *out,
    ngx_http_routini_prom_family_t *f);
static ngx_int_t ngx_http_routini_prom_duration(ngx_http_routini_out_t *out,
    ngx_http_routini_prom_family_t *f);
static void ngx_http_routini_series_label(ngx_http_routini_out_t *out,
    ngx_http_routini_metrics_main_conf_t *mmcf, ngx_http_routini_series_t *se,
    ngx_str_t *s);
static ngx_http_routini_series_t *ngx_http_routini_series_next(
    ngx_http_routini_out_t *out, ngx_http_routini_route_sum_t *sum);
static void ngx_http_routini_unmatched_sum(
    ngx_http_routini_metrics_main_conf_t *mmcf, ngx_uint_t *not_found,
    ngx_uint_t *not_allowed);
static ngx_int_t ngx_http_routini_prom_unmatched(ngx_http_routini_out_t *out,
    ngx_http_routini_prom_family_t *f);
static ngx_int_t ngx_http_routini_prom_peer(ngx_http_routini_out_t *out,
    ngx_http_routini_prom_family_t *f);
static ngx_int_t ngx_http_routini_peer_series_next(
    ngx_http_routini_out_t *out, ngx_http_routini_upstream_info_t *ui,
    ngx_http_routini_peer_info_t *pi, ngx_uint_t *up);
static ngx_int_t ngx_http_routini_prom_strategy(ngx_http_routini_out_t *out,
    ngx_http_routini_prom_family_t *f);
static ngx_http_routini_upstream_t *ngx_http_routini_upstream_next(
    ngx_http_routini_out_t *out, ngx_http_routini_upstream_info_t *ui);
static ngx_int_t ngx_http_routini_prom_switches(ngx_http_routini_out_t *out,
    ngx_http_routini_prom_family_t *f);
static void ngx_http_routini_zone_usage(ngx_http_request_t *r,
    ngx_str_t **name, size_t *size, size_t *used);
static ngx_int_t ngx_http_routini_prom_zone(ngx_http_routini_out_t *out,
    ngx_http_routini_prom_family_t *f);
static void ngx_http_routini_prom_help(ngx_http_routini_out_t *out,
    char *name, char *type, char *help);
static void ngx_http_routini_prom_label(ngx_http_routini_out_t *out,
    ngx_str_t *s);
static ngx_int_t ngx_http_routini_json_next(ngx_http_routini_out_t *out);
static ngx_int_t ngx_http_routini_upstream_json_part(
    ngx_http_routini_out_t *out, ngx_http_routini_upstream_t *u,
    ngx_uint_t *part);
static void ngx_http_routini_out_chunk(ngx_http_routini_out_t *out);
static ngx_int_t ngx_http_routini_out_fill(ngx_http_routini_out_t *out);
static ngx_uint_t ngx_http_routini_out_pending(ngx_http_routini_out_t *out);
static void ngx_http_routini_out_writer(ngx_http_request_t *r);
static void ngx_http_routini_out_resume(ngx_event_t *ev);
static void ngx_http_routini_resume_cleanup(void *data);


static char  *ngx_http_routini_classes[] = {
    "1xx", "2xx", "3xx", "4xx", "5xx"
};


enum {
    ngx_http_routini_peer_requests = 0,
    ngx_http_routini_peer_failures,
    ngx_http_routini_peer_active,
    ngx_http_routini_peer_latency,
    ngx_http_routini_peer_up
};


/* the Prometheus output, in order: a section of the cursor each */
static ngx_http_routini_prom_family_t  ngx_http_routini_prom_families[] = {

    { "routini_requests_total", "counter",
      "Requests answered by route, upstream and status class.",
      ngx_http_routini_prom_requests, 0, 0 },

    /* its type depends on routini_metrics_buckets: it writes its TYPE */
    { "routini_request_duration_seconds", NULL,
      "Request time of routed requests.",
      ngx_http_routini_prom_duration, 0, 0 },

    { "routini_unmatched_requests_total", "counter",
      "Requests no route took, by reason.",
      ngx_http_routini_prom_unmatched, 0, 1 },

    { "routini_upstream_requests_total", "counter",
      "Requests sent to a peer, all workers.",
      ngx_http_routini_prom_peer, ngx_http_routini_peer_requests, 0 },

    { "routini_upstream_failures_total", "counter",
      "Failed attempts on a peer, all workers.",
      ngx_http_routini_prom_peer, ngx_http_routini_peer_failures, 0 },

    { "routini_upstream_active_connections", "gauge",
      "Requests in flight to a peer, all workers.",
      ngx_http_routini_prom_peer, ngx_http_routini_peer_active, 0 },

    { "routini_upstream_latency_ewma_seconds", "gauge",
      "Moving average of a peer's response time.",
      ngx_http_routini_prom_peer, ngx_http_routini_peer_latency, 0 },

    { "routini_upstream_peer_up", "gauge",
      "1 when the peer may take requests, "
      "0 when it is down, draining or unhealthy.",
      ngx_http_routini_prom_peer, ngx_http_routini_peer_up, 0 },

    { "routini_upstream_strategy", "gauge",
      "1 for the strategy an upstream uses now.",
      ngx_http_routini_prom_strategy, 0, 0 },

    { "routini_strategy_switches_total", "counter",
      "Strategy switches made by the adaptive engine.",
      ngx_http_routini_prom_switches, 0, 0 },

    /* two gauges with their own HELP, when there is a zone */
    { NULL, NULL, NULL, ngx_http_routini_prom_zone, 0, 1 },

    { NULL, NULL, NULL, NULL, 0, 0 }
};


ngx_int_t
ngx_http_routini_metrics_handler(ngx_http_request_t *r)
{
    ngx_int_t                             rc;
    ngx_str_t                             type;
    ngx_http_routini_metrics_loc_conf_t  *mlcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    mlcf = ngx_http_get_module_loc_conf(r, ngx_http_routini_metrics_module);

    if (mlcf->format == NGX_HTTP_ROUTINI_FORMAT_JSON) {
        return ngx_http_routini_metrics_json(r);
    }

    ngx_str_set(&type, "text/plain; version=0.0.4; charset=utf-8");

    return ngx_http_routini_out_stream(r, ngx_http_routini_prom_next, &type);
}


/* for routini_metrics json and the dashboard's polling */

ngx_int_t
ngx_http_routini_metrics_json(ngx_http_request_t *r)
{
    ngx_str_t  type;

    ngx_str_set(&type, "application/json");

    return ngx_http_routini_out_stream(r, ngx_http_routini_json_next, &type);
}


/* a family's HELP and TYPE, then its series, one a call */

static ngx_int_t
ngx_http_routini_prom_next(ngx_http_routini_out_t *out)
{
    ngx_http_routini_cursor_t       *c;
    ngx_http_routini_prom_family_t  *f;

    c = &out->cursor;
    f = &ngx_http_routini_prom_families[c->section];

    if (f->series == NULL) {
        return NGX_DONE;
    }

    if (!c->begun && f->name && f->type) {
        ngx_http_routini_prom_help(out, f->name, f->type, f->help);
    }

    c->begun = 1;

    if (f->series(out, f) == NGX_DONE || f->once) {
        c->section++;
        c->index = 0;
        c->part = 0;
        c->begun = 0;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_routini_prom_requests(ngx_http_routini_out_t *out,
    ngx_http_routini_prom_family_t *f)
{
    ngx_uint_t                             j;
    ngx_http_routini_series_t             *se;
    ngx_http_routini_route_sum_t           sum;
    ngx_http_routini_metrics_main_conf_t  *mmcf;

    mmcf = ngx_http_get_module_main_conf(out->request,
                                         ngx_http_routini_metrics_module);

    se = ngx_http_routini_series_next(out, &sum);
    if (se == NULL) {
        return NGX_DONE;
    }

    for (j = 0; j < 5; j++) {
        ngx_http_routini_out_printf(out, "%s{route=\"", f->name);
        ngx_http_routini_series_label(out, mmcf, se, &(*se)->name);
        ngx_http_routini_out_literal(out, "\",upstream=\"");
        ngx_http_routini_series_label(out, mmcf, se,
                                      ngx_http_routini_route_target(*se));
        ngx_http_routini_out_printf(out, "\",code=\"%s\"} %ui\n",
                                    ngx_http_routini_classes[j],
                                    sum.codes[j]);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_routini_prom_duration(ngx_http_routini_out_t *out,
    ngx_http_routini_prom_family_t *f)
{
    ngx_uint_t                             j, cum;
    ngx_http_routini_series_t             *se;
    ngx_http_routini_route_sum_t           sum;
    ngx_http_routini_metrics_main_conf_t  *mmcf;

    mmcf = ngx_http_get_module_main_conf(out->request,
                                         ngx_http_routini_metrics_module);

    if (out->cursor.index == 0) {
        /* with routini_metrics_buckets off: a summary of a sum and a count */
        ngx_http_routini_prom_help(out, f->name,
                                   mmcf->nbuckets ? "histogram" : "summary",
                                   f->help);
    }

    se = ngx_http_routini_series_next(out, &sum);
    if (se == NULL) {
        return NGX_DONE;
    }

    cum = 0;

    for (j = 0; mmcf->nbuckets && j <= mmcf->nbuckets; j++) {
        cum += sum.buckets[j];

        ngx_http_routini_out_printf(out, "%s_bucket{route=\"", f->name);
        ngx_http_routini_series_label(out, mmcf, se, &(*se)->name);

        if (j < mmcf->nbuckets) {
            ngx_http_routini_out_printf(out, "\",le=\"%V\"} %ui\n",
                                        &mmcf->les[j], cum);

        } else {
            ngx_http_routini_out_printf(out, "\",le=\"+Inf\"} %ui\n", cum);
        }
    }

    ngx_http_routini_out_printf(out, "%s_sum{route=\"", f->name);
    ngx_http_routini_series_label(out, mmcf, se, &(*se)->name);
    ngx_http_routini_out_printf(out, "\"} %ui.%03ui\n",
                                sum.sum / 1000, sum.sum % 1000);

    ngx_http_routini_out_printf(out, "%s_count{route=\"", f->name);
    ngx_http_routini_series_label(out, mmcf, se, &(*se)->name);
    ngx_http_routini_out_printf(out, "\"} %ui\n", sum.hits);

    return NGX_OK;
}


/*
 * A label value of a series: escaped for the few series marked at
 * configuration time, copied as it is for the others
 */

static void
ngx_http_routini_series_label(ngx_http_routini_out_t *out,
    ngx_http_routini_metrics_main_conf_t *mmcf, ngx_http_routini_series_t *se,
    ngx_str_t *s)
{
    ngx_uint_t  i;

    i = se - mmcf->series;

    if (mmcf->escape[i / 8] & (1 << (i % 8))) {
        ngx_http_routini_prom_label(out, s);

    } else {
        ngx_http_routini_out_str(out, s);
    }
}


/*
 * The route series at the cursor, its counters summed if sum is given, the
 * cursor moved on; NULL past the last
 */

static ngx_http_routini_series_t *
ngx_http_routini_series_next(ngx_http_routini_out_t *out,
    ngx_http_routini_route_sum_t *sum)
{
    ngx_http_routini_series_t             *se;
    ngx_http_routini_metrics_main_conf_t  *mmcf;

    mmcf = ngx_http_get_module_main_conf(out->request,
                                         ngx_http_routini_metrics_module);

    if (out->cursor.index >= mmcf->nseries) {
        return NULL;
    }

    se = &mmcf->series[out->cursor.index++];

    if (sum) {
        ngx_http_routini_route_sum(mmcf, *se, sum);
    }

    return se;
}


static ngx_int_t
ngx_http_routini_prom_unmatched(ngx_http_routini_out_t *out,
    ngx_http_routini_prom_family_t *f)
{
    ngx_uint_t                             nf, na;
    ngx_http_routini_metrics_main_conf_t  *mmcf;

    mmcf = ngx_http_get_module_main_conf(out->request,
                                         ngx_http_routini_metrics_module);

    ngx_http_routini_unmatched_sum(mmcf, &nf, &na);

    ngx_http_routini_out_printf(out, "%s{reason=\"not_found\"} %ui\n"
                                "%s{reason=\"method_not_allowed\"} %ui\n",
                                f->name, nf, f->name, na);

    return NGX_OK;
}


static ngx_int_t
ngx_http_routini_prom_peer(ngx_http_routini_out_t *out,
    ngx_http_routini_prom_family_t *f)
{
    ngx_uint_t                         up, figure[5];
    ngx_http_routini_peer_info_t       pi;
    ngx_http_routini_upstream_info_t   ui;

    if (ngx_http_routini_peer_series_next(out, &ui, &pi, &up) != NGX_OK) {
        return NGX_DONE;
    }

    ngx_http_routini_out_printf(out, "%s{upstream=\"", f->name);
    ngx_http_routini_prom_label(out, &ui.name);
    ngx_http_routini_out_literal(out, "\",peer=\"");
    ngx_http_routini_prom_label(out, &pi.name);

    figure[ngx_http_routini_peer_requests] = pi.requests;
    figure[ngx_http_routini_peer_failures] = pi.failures;
    figure[ngx_http_routini_peer_active] = pi.active;
    figure[ngx_http_routini_peer_up] = up;

    if (f->what == ngx_http_routini_peer_latency) {
        ngx_http_routini_out_printf(out, "\"} %.6f\n", pi.latency);

    } else {
        ngx_http_routini_out_printf(out, "\"} %ui\n", figure[f->what]);
    }

    return NGX_OK;
}


/*
 * The peer series at the cursor (upstream, entry), the cursor moved on;
 * NGX_DONE past the last.  A server listed twice in an upstream is one
 * series (see ngx_http_routini_peer_series_t), at its first entry, up when
 * any of its entries may take requests.
 */

static ngx_int_t
ngx_http_routini_peer_series_next(ngx_http_routini_out_t *out,
    ngx_http_routini_upstream_info_t *ui, ngx_http_routini_peer_info_t *pi,
    ngx_uint_t *up)
{
    ngx_uint_t                             j, k, n;
    ngx_http_routini_cursor_t             *c;
    ngx_http_routini_peer_info_t           pk;
    ngx_http_routini_upstream_t           *u;
    ngx_http_routini_peer_series_t        *ps;
    ngx_http_routini_metrics_main_conf_t  *mmcf;

    c = &out->cursor;
    mmcf = ngx_http_get_module_main_conf(out->request,
                                         ngx_http_routini_metrics_module);

    n = ngx_min(ngx_http_routini_upstream_count((ngx_cycle_t *) ngx_cycle),
                mmcf->nupstreams);

    for ( ;; ) {
        if (c->index >= n) {
            return NGX_DONE;
        }

        u = ngx_http_routini_upstream_get((ngx_cycle_t *) ngx_cycle,
                                          c->index);
        ngx_http_routini_upstream_info(u, ui);

        ps = mmcf->peers[c->index];

        if (c->part == ui->npeers) {
            c->index++;
            c->part = 0;
            continue;
        }

        j = c->part++;

        if (ps[j].first == j) {
            break;
        }
    }

    ngx_http_routini_peer_info(u, j, pi);

    *up = 0;

    for (k = j; k < ui->npeers; k = ps[k].next) {
        ngx_http_routini_peer_info(u, k, &pk);

        *up |= pk.healthy && !pk.down && pk.state == NGX_HTTP_ROUTINI_PEER_UP;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_routini_prom_strategy(ngx_http_routini_out_t *out,
    ngx_http_routini_prom_family_t *f)
{
    ngx_uint_t                         j;
    ngx_http_routini_upstream_info_t   ui;

    if (ngx_http_routini_upstream_next(out, &ui) == NULL) {
        return NGX_DONE;
    }

    for (j = 0; j < NGX_HTTP_ROUTINI_NSTRATEGIES; j++) {
        if (j == NGX_HTTP_ROUTINI_ADAPTIVE) {
            continue;
        }

        ngx_http_routini_out_printf(out, "%s{upstream=\"", f->name);
        ngx_http_routini_prom_label(out, &ui.name);
        ngx_http_routini_out_printf(out, "\",strategy=\"%V\"} %d\n",
                                    ngx_http_routini_strategy_name(j),
                                    ui.active == j);
    }

    return NGX_OK;
}


/* the upstream at the cursor and its info, the cursor moved on */

static ngx_http_routini_upstream_t *
ngx_http_routini_upstream_next(ngx_http_routini_out_t *out,
    ngx_http_routini_upstream_info_t *ui)
{
    ngx_http_routini_upstream_t  *u;

    u = ngx_http_routini_upstream_get((ngx_cycle_t *) ngx_cycle,
                                      out->cursor.index);
    if (u == NULL) {
        return NULL;
    }

    out->cursor.index++;

    ngx_http_routini_upstream_info(u, ui);

    return u;
}


static ngx_int_t
ngx_http_routini_prom_switches(ngx_http_routini_out_t *out,
    ngx_http_routini_prom_family_t *f)
{
    ngx_http_routini_upstream_info_t  ui;

    if (ngx_http_routini_upstream_next(out, &ui) == NULL) {
        return NGX_DONE;
    }

    ngx_http_routini_out_printf(out, "%s{upstream=\"", f->name);
    ngx_http_routini_prom_label(out, &ui.name);
    ngx_http_routini_out_printf(out, "\"} %ui\n", ui.switches);

    return NGX_OK;
}


static ngx_int_t
ngx_http_routini_prom_zone(ngx_http_routini_out_t *out,
    ngx_http_routini_prom_family_t *f)
{
    size_t      size, used;
    ngx_str_t  *zone;

    ngx_http_routini_zone_usage(out->request, &zone, &size, &used);

    if (zone == NULL) {
        return NGX_DONE;
    }

    ngx_http_routini_prom_help(out, "routini_zone_used_bytes", "gauge",
                               "Bytes of the routini zone in use.");
    ngx_http_routini_out_literal(out, "routini_zone_used_bytes{zone=\"");
    ngx_http_routini_prom_label(out, zone);
    ngx_http_routini_out_printf(out, "\"} %uz\n", used);

    ngx_http_routini_prom_help(out, "routini_zone_size_bytes", "gauge",
                               "Size of the routini zone.");
    ngx_http_routini_out_literal(out, "routini_zone_size_bytes{zone=\"");
    ngx_http_routini_prom_label(out, zone);
    ngx_http_routini_out_printf(out, "\"} %uz\n", size);

    return NGX_OK;
}


static void
ngx_http_routini_zone_usage(ngx_http_request_t *r, ngx_str_t **name,
    size_t *size, size_t *used)
{
    ngx_slab_pool_t               *shpool;
    ngx_http_routini_main_conf_t  *rmcf;

    rmcf = ngx_http_get_module_main_conf(r, ngx_http_routini_module);

    if (rmcf->shm_zone == NULL || rmcf->shm_zone->shm.addr == NULL) {
        *name = NULL;
        return;
    }

    shpool = (ngx_slab_pool_t *) rmcf->shm_zone->shm.addr;

    /* pfree is read without the lock: a gauge may be a page off */

    *name = &rmcf->shm_zone->shm.name;
    *size = rmcf->shm_zone->shm.size;
    *used = *size - shpool->pfree * ngx_pagesize;
}


/* the record "unmatched" summed over the slots */

static void
ngx_http_routini_unmatched_sum(ngx_http_routini_metrics_main_conf_t *mmcf,
    ngx_uint_t *not_found, ngx_uint_t *not_allowed)
{
    size_t                         size;
    ngx_uint_t                     i;
    ngx_http_routini_unmatched_t  *um;

    *not_found = 0;
    *not_allowed = 0;

    if (mmcf->unmatched == NULL) {
        return;
    }

    size = ngx_http_routini_slot_size(sizeof(ngx_http_routini_unmatched_t));

    for (i = 0; i < mmcf->nslots; i++) {
        um = (ngx_http_routini_unmatched_t *)
                 ((u_char *) mmcf->unmatched + i * size);
        *not_found += um->not_found;
        *not_allowed += um->not_allowed;
    }
}


static void
ngx_http_routini_prom_help(ngx_http_routini_out_t *out, char *name,
    char *type, char *help)
{
    ngx_http_routini_out_printf(out, "# HELP %s %s\n# TYPE %s %s\n",
                                name, help, name, type);
}


/* label values escape \, " and newline (text format 0.0.4) */

static void
ngx_http_routini_prom_label(ngx_http_routini_out_t *out, ngx_str_t *s)
{
    u_char  *p;

    p = ngx_http_routini_out_reserve(out, NGX_ROUTINI_PROM_LABEL_MAX(s->len));
    if (p == NULL) {
        return;
    }

    out->buf->last = p + ngx_routini_escape_prom_label(p, s->data, s->len);
}


/* the JSON document: zone, routes (a series a call), unmatched, upstreams */

static ngx_int_t
ngx_http_routini_json_next(ngx_http_routini_out_t *out)
{
    ngx_http_routini_series_t             *se;
    ngx_http_routini_metrics_main_conf_t  *mmcf;

    mmcf = ngx_http_get_module_main_conf(out->request,
                                         ngx_http_routini_metrics_module);

    switch (out->cursor.section) {

    case 0:
        ngx_http_routini_out_literal(out, "{\"zone\":");
        ngx_http_routini_zone_json(out, out->request);
        ngx_http_routini_out_literal(out, ",\"routes\":[");
        break;

    case 1:
        se = ngx_http_routini_series_next(out, NULL);

        if (se) {
            if (out->cursor.index > 1) {
                ngx_http_routini_out_literal(out, ",");
            }

            ngx_http_routini_route_json(out, mmcf, *se);
            return NGX_OK;
        }

        ngx_http_routini_out_literal(out, "],\"unmatched\":");
        ngx_http_routini_unmatched_json(out, mmcf);
        ngx_http_routini_out_literal(out, ",\"upstreams\":[");
        break;

    default:
        if (ngx_http_routini_upstreams_json(out) == NGX_OK) {
            return NGX_OK;
        }

        ngx_http_routini_out_literal(out, "]}\n");
        return NGX_DONE;
    }

    out->cursor.section++;
    out->cursor.index = 0;

    return NGX_OK;
}


/* the zone's name, size and use, or null without a zone */

void
ngx_http_routini_zone_json(ngx_http_routini_out_t *out,
    ngx_http_request_t *r)
{
    size_t      size, used;
    ngx_str_t  *zone;

    ngx_http_routini_zone_usage(r, &zone, &size, &used);

    if (zone == NULL) {
        ngx_http_routini_out_literal(out, "null");
        return;
    }

    ngx_http_routini_out_literal(out, "{\"name\":");
    ngx_http_routini_out_json_str(out, zone);
    ngx_http_routini_out_printf(out, ",\"size\":%uz,\"used\":%uz}",
                                size, used);
}


void
ngx_http_routini_unmatched_json(ngx_http_routini_out_t *out,
    ngx_http_routini_metrics_main_conf_t *mmcf)
{
    ngx_uint_t  nf, na;

    ngx_http_routini_unmatched_sum(mmcf, &nf, &na);

    ngx_http_routini_out_printf(out, "{\"not_found\":%ui,"
                                "\"method_not_allowed\":%ui}", nf, na);
}


void
ngx_http_routini_route_json(ngx_http_routini_out_t *out,
    ngx_http_routini_metrics_main_conf_t *mmcf,
    ngx_http_routini_route_t *route)
{
    u_char                        buf[128], *p, *last, *comma;
    ngx_str_t                     names, m;
    ngx_uint_t                    j, cum;
    ngx_http_routini_route_sum_t  sum;

    ngx_http_routini_route_sum(mmcf, route, &sum);

    ngx_http_routini_out_literal(out, "{\"name\":");
    ngx_http_routini_out_json_str(out, &route->name);
    ngx_http_routini_out_literal(out, ",\"pattern\":");
    ngx_http_routini_out_json_str(out, ngx_http_routini_route_pattern(route));
    ngx_http_routini_out_literal(out, ",\"target\":");
    ngx_http_routini_out_json_str(out, ngx_http_routini_route_target(route));
    ngx_http_routini_out_literal(out, ",\"methods\":[");

    if (route->methods
        && ngx_http_routini_method_names(route->methods, buf, sizeof(buf),
                                         &names)
           == NGX_OK)
    {
        p = names.data;
        last = names.data + names.len;

        while (p < last) {
            comma = ngx_strlchr(p, last, ',');
            if (comma == NULL) {
                comma = last;
            }

            m.data = p;
            m.len = comma - p;

            if (p != names.data) {
                ngx_http_routini_out_literal(out, ",");
            }

            ngx_http_routini_out_json_str(out, &m);

            p = comma + 2;
        }
    }

    ngx_http_routini_out_printf(out, "],\"strip_prefix\":%s,\"hits\":%ui,"
                                "\"codes\":{\"1xx\":%ui,\"2xx\":%ui,"
                                "\"3xx\":%ui,\"4xx\":%ui,\"5xx\":%ui},",
                                route->strip_prefix ? "true" : "false",
                                sum.hits, sum.codes[0], sum.codes[1],
                                sum.codes[2], sum.codes[3], sum.codes[4]);

    ngx_http_routini_out_printf(out, "\"duration\":{\"sum\":%ui.%03ui,"
                                "\"count\":%ui", sum.sum / 1000,
                                sum.sum % 1000, sum.hits);

    if (mmcf->nbuckets == 0) {
        ngx_http_routini_out_literal(out, "}}");
        return;
    }

    ngx_http_routini_out_literal(out, ",\"buckets\":{");

    cum = 0;

    for (j = 0; j < mmcf->nbuckets; j++) {
        cum += sum.buckets[j];
        ngx_http_routini_out_printf(out, "\"%V\":%ui,", &mmcf->les[j], cum);
    }

    cum += sum.buckets[j];

    ngx_http_routini_out_printf(out, "\"+Inf\":%ui}}}", cum);
}


/*
 * The next record of a JSON list of every upstream, at the cursor
 * (upstream, part): an upstream's head, one of its peers, its end; the
 * list's commas.  NGX_DONE past the last upstream, nothing written.
 */

ngx_int_t
ngx_http_routini_upstreams_json(ngx_http_routini_out_t *out)
{
    ngx_http_routini_upstream_t  *u;

    u = ngx_http_routini_upstream_get((ngx_cycle_t *) ngx_cycle,
                                      out->cursor.index);
    if (u == NULL) {
        return NGX_DONE;
    }

    if (out->cursor.index && out->cursor.part == 0) {
        ngx_http_routini_out_literal(out, ",");
    }

    if (ngx_http_routini_upstream_json_part(out, u, &out->cursor.part)
        == NGX_DONE)
    {
        out->cursor.index++;
        out->cursor.part = 0;
    }

    return NGX_OK;
}


/* one upstream's object, whole: a small answer */

void
ngx_http_routini_upstream_json(ngx_http_routini_out_t *out,
    ngx_http_routini_upstream_t *u)
{
    ngx_http_routini_upstream_json_cut(out, u, NGX_MAX_UINT32_VALUE);
}


/* at most max peers; "npeers" counts them all when some are left out */

void
ngx_http_routini_upstream_json_cut(ngx_http_routini_out_t *out,
    ngx_http_routini_upstream_t *u, ngx_uint_t max)
{
    ngx_uint_t                        part;
    ngx_http_routini_upstream_info_t  ui;

    part = 0;

    while (part <= max) {
        if (ngx_http_routini_upstream_json_part(out, u, &part) == NGX_DONE) {
            return;
        }
    }

    ngx_http_routini_upstream_info(u, &ui);

    if (ui.npeers <= max) {
        /* the end */
        (void) ngx_http_routini_upstream_json_part(out, u, &part);
        return;
    }

    ngx_http_routini_out_printf(out, "],\"npeers\":%ui}", ui.npeers);
}


/* part 0: the head, 1 .. npeers: a peer, then the end (NGX_DONE) */

static ngx_int_t
ngx_http_routini_upstream_json_part(ngx_http_routini_out_t *out,
    ngx_http_routini_upstream_t *u, ngx_uint_t *part)
{
    ngx_uint_t                         i;
    ngx_http_routini_peer_info_t       pi;
    ngx_http_routini_upstream_info_t   ui;

    ngx_http_routini_upstream_info(u, &ui);

    i = (*part)++;

    if (i == 0) {
        ngx_http_routini_out_literal(out, "{\"name\":");
        ngx_http_routini_out_json_str(out, &ui.name);
        ngx_http_routini_out_printf(out, ",\"strategy\":\"%V\","
                                    "\"configured\":\"%V\","
                                    "\"adaptive\":%s,\"pinned\":%s,"
                                    "\"switches\":%ui,\"peers\":[",
                                    ngx_http_routini_strategy_name(ui.active),
                                    ngx_http_routini_strategy_name(
                                                                ui.configured),
                                    ui.adaptive ? "true" : "false",
                                    ui.pinned ? "true" : "false",
                                    ui.switches);
        return NGX_OK;
    }

    if (i <= ui.npeers) {
        if (i > 1) {
            ngx_http_routini_out_literal(out, ",");
        }

        ngx_http_routini_peer_info(u, i - 1, &pi);
        ngx_http_routini_peer_json(out, &pi);
        return NGX_OK;
    }

    ngx_http_routini_out_literal(out, "]}");

    return NGX_DONE;
}


void
ngx_http_routini_peer_json(ngx_http_routini_out_t *out,
    ngx_http_routini_peer_info_t *pi)
{
    ngx_http_routini_out_literal(out, "{\"address\":");
    ngx_http_routini_out_json_str(out, &pi->name);
    ngx_http_routini_out_printf(out, ",\"weight\":%ui,\"backup\":%s,"
                                "\"state\":\"%V\",\"healthy\":%s,"
                                "\"active\":%ui,\"requests\":%ui,"
                                "\"failures\":%ui,",
                                pi->weight, pi->backup ? "true" : "false",
                                ngx_http_routini_peer_state_name(pi),
                                pi->healthy ? "true" : "false",
                                pi->active, pi->requests, pi->failures);

    if (pi->measured) {
        ngx_http_routini_out_printf(out, "\"latency\":%.6f}", pi->latency);

    } else {
        ngx_http_routini_out_literal(out, "\"latency\":null}");
    }
}


/* up, down, draining, unhealthy: what an operator acts on first */

ngx_str_t *
ngx_http_routini_peer_state_name(ngx_http_routini_peer_info_t *pi)
{
    static ngx_str_t  up = ngx_string("up");
    static ngx_str_t  down = ngx_string("down");
    static ngx_str_t  draining = ngx_string("draining");
    static ngx_str_t  unhealthy = ngx_string("unhealthy");

    if (pi->down || pi->state == NGX_HTTP_ROUTINI_PEER_DOWN) {
        return &down;
    }

    if (pi->state == NGX_HTTP_ROUTINI_PEER_DRAINING) {
        return &draining;
    }

    if (!pi->healthy) {
        return &unhealthy;
    }

    return &up;
}


/* a route's counters; hits are the requests of every bucket */

void
ngx_http_routini_route_sum(ngx_http_routini_metrics_main_conf_t *mmcf,
    ngx_http_routini_route_t *route, ngx_http_routini_route_sum_t *sum)
{
    ngx_uint_t                       j;
    ngx_http_routini_route_stats_t  *st;

    ngx_memzero(sum, sizeof(ngx_http_routini_route_sum_t));

    if (route->stats == NULL) {
        return;
    }

    st = route->stats;

    sum->sum = st->sum;

    for (j = 0; j < 5; j++) {
        sum->codes[j] = st->codes[j];
    }

    for (j = 0; j <= mmcf->nbuckets; j++) {
        sum->buckets[j] = st->buckets[j];
        sum->hits += st->buckets[j];
    }
}


ngx_str_t *
ngx_http_routini_route_target(ngx_http_routini_route_t *route)
{
    return &route->common->target;
}


void
ngx_http_routini_out_init(ngx_http_routini_out_t *out, ngx_http_request_t *r)
{
    ngx_memzero(out, sizeof(ngx_http_routini_out_t));

    out->request = r;
    out->last = &out->first;
}


/*
 * n more bytes at out->buf->last: in the buffer being written, else in a
 * sent one large enough, else in a new one
 */

u_char *
ngx_http_routini_out_reserve(ngx_http_routini_out_t *out, size_t n)
{
    ngx_buf_t     *b;
    ngx_chain_t   *cl, **ll;

    if (out->error) {
        return NULL;
    }

    if (out->buf && (size_t) (out->buf->end - out->buf->last) >= n) {
        return out->buf->last;
    }

    for (ll = &out->free; *ll; ll = &(*ll)->next) {
        if ((size_t) ((*ll)->buf->end - (*ll)->buf->start) >= n) {
            break;
        }
    }

    if (*ll) {
        cl = *ll;
        *ll = cl->next;

        b = cl->buf;
        b->flush = 0;

    } else {
        b = ngx_create_temp_buf(out->request->pool,
                                ngx_max(n, NGX_HTTP_ROUTINI_OUT_BUF));
        cl = ngx_alloc_chain_link(out->request->pool);

        if (b == NULL || cl == NULL) {
            out->error = 1;
            return NULL;
        }

        b->tag = NGX_HTTP_ROUTINI_OUT_TAG;
        cl->buf = b;
    }

    cl->next = NULL;

    if (out->buf) {
        out->size += out->buf->last - out->buf->pos;
    }

    *out->last = cl;
    out->last = &cl->next;
    out->buf = b;

    return b->last;
}


/* numbers and short fixed strings: at most NGX_HTTP_ROUTINI_OUT_NUM bytes */

void
ngx_http_routini_out_printf(ngx_http_routini_out_t *out, const char *fmt,
    ...)
{
    u_char   *p;
    va_list   args;

    p = ngx_http_routini_out_reserve(out, NGX_HTTP_ROUTINI_OUT_NUM);
    if (p == NULL) {
        return;
    }

    va_start(args, fmt);
    out->buf->last = ngx_vslprintf(p, p + NGX_HTTP_ROUTINI_OUT_NUM, fmt,
                                   args);
    va_end(args);
}


void
ngx_http_routini_out_str(ngx_http_routini_out_t *out, ngx_str_t *s)
{
    u_char  *p;

    p = ngx_http_routini_out_reserve(out, s->len);
    if (p == NULL) {
        return;
    }

    out->buf->last = ngx_cpymem(p, s->data, s->len);
}


/* a JSON string with its quotes; bytes are passed as they are (nginx
 * configuration and addresses), control characters escaped */

void
ngx_http_routini_out_json_str(ngx_http_routini_out_t *out, ngx_str_t *s)
{
    u_char  *p;

    p = ngx_http_routini_out_reserve(out, NGX_ROUTINI_JSON_STR_MAX(s->len));
    if (p == NULL) {
        return;
    }

    out->buf->last = p + ngx_routini_escape_json(p, s->data, s->len);
}


/* a small answer, written whole: sent with its Content-Length */

ngx_int_t
ngx_http_routini_out_send(ngx_http_routini_out_t *out, ngx_uint_t status,
    ngx_str_t *type)
{
    off_t                len;
    ngx_int_t            rc;
    ngx_chain_t         *cl;
    ngx_http_request_t  *r;

    r = out->request;

    if (out->error || ngx_http_routini_out_reserve(out, 0) == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = 0;

    for (cl = out->first; cl; cl = cl->next) {
        len += cl->buf->last - cl->buf->pos;
        cl->buf->memory = 1;
    }

    out->buf->last_buf = (r == r->main) ? 1 : 0;
    out->buf->last_in_chain = 1;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = type->len;
    r->headers_out.content_type_lowcase = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    return ngx_http_output_filter(r, out->first);
}


/*
 * A body that grows with routes or peers, streamed with chunked transfer
 * encoding (the length is not known before the end).  The request is held
 * (r->main->count) until the last chunk is handed to nginx; a request that
 * ends before (client gone, send_timeout) takes the buffers with its pool,
 * and the cleanup removes the posted event of the next chunk.
 */

ngx_int_t
ngx_http_routini_out_stream(ngx_http_request_t *r,
    ngx_http_routini_out_next_pt next, ngx_str_t *type)
{
    ngx_int_t                rc;
    ngx_http_routini_out_t  *out;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = type->len;
    r->headers_out.content_type_lowcase = NULL;

    ngx_http_clear_content_length(r);

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out = ngx_palloc(r->pool, sizeof(ngx_http_routini_out_t));
    if (out == NULL) {
        return NGX_ERROR;
    }

    ngx_http_routini_out_init(out, r);

    out->next = next;

    if (ngx_http_routini_resume_init(r, &out->resume,
                                     ngx_http_routini_out_resume, out)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_http_set_ctx(r, out, ngx_http_routini_metrics_module);

    r->main->count++;
    r->write_event_handler = ngx_http_routini_out_writer;

    ngx_http_routini_out_chunk(out);

    return NGX_DONE;
}


/*
 * The next chunk is written only when the connection has taken the last
 * one (memory: one chunk): when it is writable again
 * (ngx_http_routini_out_writer), or, if it took it at once, from an event
 * posted to ngx_posted_next_events, which nginx runs in its next turn,
 * after the ready connections of the worker: an event posted to
 * ngx_posted_events, or a timer of 0 ms, set from its own handler would run
 * again in the same turn.  send_timeout stays set meanwhile: a worker
 * shutting down after a reload waits for timers, not for posted events.
 */

static void
ngx_http_routini_out_chunk(ngx_http_routini_out_t *out)
{
    ngx_int_t                  rc, more;
    ngx_event_t               *wev;
    ngx_http_request_t        *r;
    ngx_http_core_loc_conf_t  *clcf;

    r = out->request;
    wev = r->connection->write;

    more = ngx_http_routini_out_fill(out);

    if (more == NGX_ERROR) {
        ngx_http_finalize_request(r, NGX_ERROR);
        return;
    }

    rc = ngx_http_output_filter(r, out->first);

    ngx_chain_update_chains(r->pool, &out->free, &out->busy, &out->first,
                            NGX_HTTP_ROUTINI_OUT_TAG);

    out->last = &out->first;
    out->buf = NULL;
    out->size = 0;

    if (rc == NGX_ERROR || more == NGX_DONE) {
        ngx_http_finalize_request(r, rc);
        return;
    }

    clcf = ngx_http_get_module_loc_conf(r->main, ngx_http_core_module);

    if (!wev->delayed) {
        ngx_add_timer(wev, clcf->send_timeout);
    }

    if (!ngx_http_routini_out_pending(out)) {
        ngx_post_event(&out->resume, &ngx_posted_next_events);
        return;
    }

    if (ngx_handle_write_event(wev, clcf->send_lowat) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_ERROR);
    }
}


/* records into the chunk until it holds NGX_HTTP_ROUTINI_OUT_CHUNK bytes */

static ngx_int_t
ngx_http_routini_out_fill(ngx_http_routini_out_t *out)
{
    ngx_int_t            rc;
    ngx_buf_t           *b;
    ngx_chain_t         *cl;
    ngx_http_request_t  *r;

    do {
        rc = out->next(out);

    } while (rc == NGX_OK
             && (out->buf == NULL
                 || out->size + (out->buf->last - out->buf->pos)
                    < NGX_HTTP_ROUTINI_OUT_CHUNK));

    if (out->error) {
        return NGX_ERROR;
    }

    r = out->request;
    b = out->buf;

    if (b == NULL || b->last == b->pos) {

        /* nothing after the last chunk: an empty buffer would be an error */

        b = ngx_calloc_buf(r->pool);
        cl = ngx_alloc_chain_link(r->pool);

        if (b == NULL || cl == NULL) {
            return NGX_ERROR;
        }

        cl->buf = b;
        cl->next = NULL;
        *out->last = cl;
    }

    /* each chunk is sent on at once, even by filters that gather (gzip) */

    b->flush = 1;

    if (rc == NGX_DONE) {
        b->last_buf = (r == r->main) ? 1 : 0;
        b->last_in_chain = 1;
    }

    return rc;
}


static ngx_uint_t
ngx_http_routini_out_pending(ngx_http_routini_out_t *out)
{
    ngx_http_request_t  *r;

    r = out->request;

    return out->busy || r->buffered || r->postponed
           || (r == r->main && r->connection->buffered);
}


/* the connection is writable again, or send_timeout */

static void
ngx_http_routini_out_writer(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_event_t               *wev;
    ngx_http_routini_out_t    *out;
    ngx_http_core_loc_conf_t  *clcf;

    wev = r->connection->write;

    if (wev->timedout) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, NGX_ETIMEDOUT,
                      "client timed out");
        r->connection->timedout = 1;

        ngx_http_finalize_request(r, NGX_HTTP_REQUEST_TIME_OUT);
        return;
    }

    out = ngx_http_get_module_ctx(r, ngx_http_routini_metrics_module);

    if (!wev->delayed && !out->resume.posted) {
        rc = ngx_http_output_filter(r, NULL);

        ngx_chain_update_chains(r->pool, &out->free, &out->busy, &out->first,
                                NGX_HTTP_ROUTINI_OUT_TAG);

        if (rc == NGX_ERROR) {
            ngx_http_finalize_request(r, rc);
            return;
        }

        if (!ngx_http_routini_out_pending(out)) {
            ngx_http_routini_out_chunk(out);
            return;
        }
    }

    clcf = ngx_http_get_module_loc_conf(r->main, ngx_http_core_module);

    if (ngx_handle_write_event(wev, clcf->send_lowat) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_ERROR);
    }
}


static void
ngx_http_routini_out_resume(ngx_event_t *ev)
{
    ngx_connection_t        *c;
    ngx_http_routini_out_t  *out;

    out = ev->data;
    c = out->request->connection;

    ngx_http_set_log_request(c->log, out->request);

    ngx_http_routini_out_chunk(out);

    ngx_http_run_posted_requests(c);
}


/*
 * An event of the request's own, to be posted for a later turn of the event
 * loop; the request's pool, when it goes, removes it if it is still posted
 */

ngx_int_t
ngx_http_routini_resume_init(ngx_http_request_t *r, ngx_event_t *ev,
    ngx_event_handler_pt handler, void *data)
{
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    ev->handler = handler;
    ev->data = data;
    ev->log = r->connection->log;

    cln->handler = ngx_http_routini_resume_cleanup;
    cln->data = ev;

    return NGX_OK;
}


static void
ngx_http_routini_resume_cleanup(void *data)
{
    ngx_event_t  *ev = data;

    if (ev->posted) {
        ngx_delete_posted_event(ev);
    }
}
