
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


#define NGX_HTTP_ROUTINI_OUT_CHUNK  16384
#define NGX_HTTP_ROUTINI_OUT_NUM    256


static void ngx_http_routini_prometheus(ngx_http_routini_out_t *out,
    ngx_http_request_t *r);
static void ngx_http_routini_prom_label(ngx_http_routini_out_t *out,
    ngx_str_t *s);
static void ngx_http_routini_prom_help(ngx_http_routini_out_t *out,
    char *name, char *type, char *help);
static void ngx_http_routini_prom_peers(ngx_http_routini_out_t *out,
    ngx_http_routini_metrics_main_conf_t *mmcf, ngx_uint_t what);
static void ngx_http_routini_metrics_json_doc(ngx_http_routini_out_t *out,
    ngx_http_request_t *r);
static void ngx_http_routini_zone_usage(ngx_http_request_t *r,
    ngx_str_t **name, size_t *size, size_t *used);


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


ngx_int_t
ngx_http_routini_metrics_handler(ngx_http_request_t *r)
{
    ngx_int_t                             rc;
    ngx_str_t                             type;
    ngx_http_routini_out_t                out;
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

    ngx_http_routini_out_init(&out, r);

    ngx_http_routini_prometheus(&out, r);

    ngx_str_set(&type, "text/plain; version=0.0.4; charset=utf-8");

    return ngx_http_routini_out_send(&out, NGX_HTTP_OK, &type);
}


/* for routini_metrics json and the dashboard's polling */

ngx_int_t
ngx_http_routini_metrics_json(ngx_http_request_t *r)
{
    ngx_str_t               type;
    ngx_http_routini_out_t  out;

    ngx_http_routini_out_init(&out, r);

    ngx_http_routini_metrics_json_doc(&out, r);

    ngx_str_set(&type, "application/json");

    return ngx_http_routini_out_send(&out, NGX_HTTP_OK, &type);
}


static void
ngx_http_routini_prometheus(ngx_http_routini_out_t *out,
    ngx_http_request_t *r)
{
    size_t                                 size, used;
    ngx_str_t                             *zone, *sname;
    ngx_uint_t                             i, j, n, cum, nu;
    ngx_http_routini_series_t             *se;
    ngx_http_routini_upstream_t           *u;
    ngx_http_routini_unmatched_t          *um;
    ngx_http_routini_route_sum_t           sum;
    ngx_http_routini_upstream_info_t       ui;
    ngx_http_routini_metrics_main_conf_t  *mmcf;

    mmcf = ngx_http_get_module_main_conf(r, ngx_http_routini_metrics_module);

    ngx_http_routini_prom_help(out, "routini_requests_total", "counter",
                               "Requests answered by route, upstream and "
                               "status class.");

    for (i = 0; i < mmcf->nseries; i++) {
        se = &mmcf->series[i];

        ngx_http_routini_route_sum(mmcf, se->route, &sum);

        for (j = 0; j < 5; j++) {
            ngx_http_routini_out_literal(out, "routini_requests_total{route=\"");
            ngx_http_routini_out_str(out, &se->name);
            ngx_http_routini_out_literal(out, "\",upstream=\"");
            ngx_http_routini_out_str(out, &se->target);
            ngx_http_routini_out_printf(out, "\",code=\"%s\"} %ui\n",
                                        ngx_http_routini_classes[j],
                                        sum.codes[j]);
        }
    }

    /* with routini_metrics_buckets off: a summary of a sum and a count */

    ngx_http_routini_prom_help(out, "routini_request_duration_seconds",
                               mmcf->nbuckets ? "histogram" : "summary",
                               "Request time of routed requests.");

    for (i = 0; i < mmcf->nseries; i++) {
        se = &mmcf->series[i];

        ngx_http_routini_route_sum(mmcf, se->route, &sum);

        cum = 0;

        for (j = 0; mmcf->nbuckets && j <= mmcf->nbuckets; j++) {
            cum += sum.buckets[j];

            ngx_http_routini_out_literal(out,
                "routini_request_duration_seconds_bucket{route=\"");
            ngx_http_routini_out_str(out, &se->name);

            if (j < mmcf->nbuckets) {
                ngx_http_routini_out_printf(out, "\",le=\"%V\"} %ui\n",
                                            &mmcf->les[j], cum);

            } else {
                ngx_http_routini_out_printf(out, "\",le=\"+Inf\"} %ui\n",
                                            cum);
            }
        }

        ngx_http_routini_out_literal(out,
                                   "routini_request_duration_seconds_sum{route=\"");
        ngx_http_routini_out_str(out, &se->name);
        ngx_http_routini_out_printf(out, "\"} %ui.%03ui\n",
                                    sum.sum / 1000, sum.sum % 1000);

        ngx_http_routini_out_literal(out,
                                 "routini_request_duration_seconds_count{route=\"");
        ngx_http_routini_out_str(out, &se->name);
        ngx_http_routini_out_printf(out, "\"} %ui\n", sum.hits);
    }

    ngx_http_routini_prom_help(out, "routini_unmatched_requests_total",
                               "counter",
                               "Requests no route took, by reason.");

    nu = 0;
    n = 0;

    if (mmcf->unmatched) {
        size = ngx_http_routini_slot_size(sizeof(ngx_http_routini_unmatched_t));

        for (i = 0; i < mmcf->nslots; i++) {
            um = (ngx_http_routini_unmatched_t *)
                     ((u_char *) mmcf->unmatched + i * size);
            nu += um->not_found;
            n += um->not_allowed;
        }
    }

    ngx_http_routini_out_printf(out,
        "routini_unmatched_requests_total{reason=\"not_found\"} %ui\n"
        "routini_unmatched_requests_total{reason=\"method_not_allowed\"} %ui\n",
        nu, n);

    ngx_http_routini_prom_help(out, "routini_upstream_requests_total",
                               "counter",
                               "Requests sent to a peer, all workers.");
    ngx_http_routini_prom_peers(out, mmcf, ngx_http_routini_peer_requests);

    ngx_http_routini_prom_help(out, "routini_upstream_failures_total",
                               "counter",
                               "Failed attempts on a peer, all workers.");
    ngx_http_routini_prom_peers(out, mmcf, ngx_http_routini_peer_failures);

    ngx_http_routini_prom_help(out, "routini_upstream_active_connections",
                               "gauge",
                               "Requests in flight to a peer, all workers.");
    ngx_http_routini_prom_peers(out, mmcf, ngx_http_routini_peer_active);

    ngx_http_routini_prom_help(out, "routini_upstream_latency_ewma_seconds",
                               "gauge",
                               "Moving average of a peer's response time.");
    ngx_http_routini_prom_peers(out, mmcf, ngx_http_routini_peer_latency);

    ngx_http_routini_prom_help(out, "routini_upstream_peer_up", "gauge",
                               "1 when the peer may take requests, "
                               "0 when it is down, draining or unhealthy.");
    ngx_http_routini_prom_peers(out, mmcf, ngx_http_routini_peer_up);

    ngx_http_routini_prom_help(out, "routini_upstream_strategy", "gauge",
                               "1 for the strategy an upstream uses now.");

    n = ngx_http_routini_upstream_count((ngx_cycle_t *) ngx_cycle);

    for (i = 0; i < n; i++) {
        u = ngx_http_routini_upstream_get((ngx_cycle_t *) ngx_cycle, i);
        ngx_http_routini_upstream_info(u, &ui);

        for (j = 0; j < NGX_HTTP_ROUTINI_NSTRATEGIES; j++) {
            if (j == NGX_HTTP_ROUTINI_ADAPTIVE) {
                continue;
            }

            sname = ngx_http_routini_strategy_name(j);

            ngx_http_routini_out_literal(out,
                                         "routini_upstream_strategy{upstream=\"");
            ngx_http_routini_prom_label(out, &ui.name);
            ngx_http_routini_out_printf(out, "\",strategy=\"%V\"} %d\n",
                                        sname, ui.active == j);
        }
    }

    ngx_http_routini_prom_help(out, "routini_strategy_switches_total",
                               "counter",
                               "Strategy switches made by the adaptive "
                               "engine.");

    for (i = 0; i < n; i++) {
        u = ngx_http_routini_upstream_get((ngx_cycle_t *) ngx_cycle, i);
        ngx_http_routini_upstream_info(u, &ui);

        ngx_http_routini_out_literal(out,
                                     "routini_strategy_switches_total{upstream=\"");
        ngx_http_routini_prom_label(out, &ui.name);
        ngx_http_routini_out_printf(out, "\"} %ui\n", ui.switches);
    }

    ngx_http_routini_zone_usage(r, &zone, &size, &used);

    if (zone) {
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
    }
}


static void
ngx_http_routini_prom_help(ngx_http_routini_out_t *out, char *name,
    char *type, char *help)
{
    ngx_http_routini_out_printf(out, "# HELP %s %s\n# TYPE %s %s\n",
                                name, help, name, type);
}


/*
 * A server listed twice in an upstream is one series (see
 * ngx_http_routini_peer_series_t), written at its first entry, up when any
 * of its entries may take requests.
 */

static void
ngx_http_routini_prom_peers(ngx_http_routini_out_t *out,
    ngx_http_routini_metrics_main_conf_t *mmcf, ngx_uint_t what)
{
    ngx_uint_t                         i, j, k, n, up;
    ngx_http_routini_upstream_t       *u;
    ngx_http_routini_peer_info_t       pi, pk;
    ngx_http_routini_peer_series_t    *ps;
    ngx_http_routini_upstream_info_t   ui;

    static char  *names[] = {
        "routini_upstream_requests_total",
        "routini_upstream_failures_total",
        "routini_upstream_active_connections",
        "routini_upstream_latency_ewma_seconds",
        "routini_upstream_peer_up"
    };

    n = ngx_min(ngx_http_routini_upstream_count((ngx_cycle_t *) ngx_cycle),
                mmcf->nupstreams);

    for (i = 0; i < n; i++) {
        u = ngx_http_routini_upstream_get((ngx_cycle_t *) ngx_cycle, i);
        ngx_http_routini_upstream_info(u, &ui);

        ps = mmcf->peers[i];

        for (j = 0; j < ui.npeers; j++) {
            if (ps[j].first != j) {
                continue;
            }

            ngx_http_routini_peer_info(u, j, &pi);

            up = 0;

            for (k = j; k < ui.npeers; k = ps[k].next) {
                ngx_http_routini_peer_info(u, k, &pk);

                up |= pk.healthy && !pk.down
                      && pk.state == NGX_HTTP_ROUTINI_PEER_UP;
            }

            ngx_http_routini_out_printf(out, "%s{upstream=\"", names[what]);
            ngx_http_routini_prom_label(out, &ui.name);
            ngx_http_routini_out_literal(out, "\",peer=\"");
            ngx_http_routini_prom_label(out, &pi.name);

            switch (what) {

            case ngx_http_routini_peer_requests:
                ngx_http_routini_out_printf(out, "\"} %ui\n", pi.requests);
                break;

            case ngx_http_routini_peer_failures:
                ngx_http_routini_out_printf(out, "\"} %ui\n", pi.failures);
                break;

            case ngx_http_routini_peer_active:
                ngx_http_routini_out_printf(out, "\"} %ui\n", pi.active);
                break;

            case ngx_http_routini_peer_latency:
                ngx_http_routini_out_printf(out, "\"} %.6f\n", pi.latency);
                break;

            default: /* ngx_http_routini_peer_up */
                ngx_http_routini_out_printf(out, "\"} %ui\n", up);
            }
        }
    }
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


static void
ngx_http_routini_metrics_json_doc(ngx_http_routini_out_t *out,
    ngx_http_request_t *r)
{
    ngx_uint_t                             i, n;
    ngx_http_routini_upstream_t           *u;
    ngx_http_routini_metrics_main_conf_t  *mmcf;

    mmcf = ngx_http_get_module_main_conf(r, ngx_http_routini_metrics_module);

    ngx_http_routini_out_literal(out, "{\"zone\":");
    ngx_http_routini_zone_json(out, r);
    ngx_http_routini_out_literal(out, ",\"routes\":[");

    for (i = 0; i < mmcf->nseries; i++) {
        if (i) {
            ngx_http_routini_out_literal(out, ",");
        }

        ngx_http_routini_route_json(out, mmcf, mmcf->series[i].route);
    }

    ngx_http_routini_out_literal(out, "],\"unmatched\":");
    ngx_http_routini_unmatched_json(out, mmcf);
    ngx_http_routini_out_literal(out, ",\"upstreams\":[");

    n = ngx_http_routini_upstream_count((ngx_cycle_t *) ngx_cycle);

    for (i = 0; i < n; i++) {
        if (i) {
            ngx_http_routini_out_literal(out, ",");
        }

        u = ngx_http_routini_upstream_get((ngx_cycle_t *) ngx_cycle, i);
        ngx_http_routini_upstream_json(out, u);
    }

    ngx_http_routini_out_literal(out, "]}\n");
}


/* the zone's name, size and use, or null without a zone */

void
ngx_http_routini_zone_json(ngx_http_routini_out_t *out,
    ngx_http_request_t *r)
{
    size_t      size, used;
    ngx_str_t  *zone;

    ngx_http_routini_zone_usage(r, &zone, &size, &used);

    if (zone) {
        ngx_http_routini_out_literal(out, "{\"name\":");
        ngx_http_routini_out_json_str(out, zone);
        ngx_http_routini_out_printf(out, ",\"size\":%uz,\"used\":%uz}",
                                    size, used);

    } else {
        ngx_http_routini_out_literal(out, "null");
    }
}


void
ngx_http_routini_unmatched_json(ngx_http_routini_out_t *out,
    ngx_http_routini_metrics_main_conf_t *mmcf)
{
    size_t                         size;
    ngx_uint_t                     i, nf, na;
    ngx_http_routini_unmatched_t  *um;

    nf = 0;
    na = 0;

    if (mmcf->unmatched) {
        size = ngx_http_routini_slot_size(sizeof(ngx_http_routini_unmatched_t));

        for (i = 0; i < mmcf->nslots; i++) {
            um = (ngx_http_routini_unmatched_t *)
                     ((u_char *) mmcf->unmatched + i * size);
            nf += um->not_found;
            na += um->not_allowed;
        }
    }

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
    ngx_http_routini_out_json_str(out, &route->pattern);
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
    ngx_uint_t                         i;
    ngx_http_routini_peer_info_t       pi;
    ngx_http_routini_upstream_info_t   ui;

    ngx_http_routini_upstream_info(u, &ui);

    ngx_http_routini_out_literal(out, "{\"name\":");
    ngx_http_routini_out_json_str(out, &ui.name);
    ngx_http_routini_out_printf(out, ",\"strategy\":\"%V\","
                                "\"configured\":\"%V\","
                                "\"adaptive\":%s,\"pinned\":%s,"
                                "\"switches\":%ui,\"peers\":[",
                                ngx_http_routini_strategy_name(ui.active),
                                ngx_http_routini_strategy_name(ui.configured),
                                ui.adaptive ? "true" : "false",
                                ui.pinned ? "true" : "false",
                                ui.switches);

    for (i = 0; i < ngx_min(ui.npeers, max); i++) {
        ngx_http_routini_peer_info(u, i, &pi);

        if (i) {
            ngx_http_routini_out_literal(out, ",");
        }

        ngx_http_routini_peer_json(out, &pi);
    }

    if (ui.npeers > max) {
        ngx_http_routini_out_printf(out, "],\"npeers\":%ui}", ui.npeers);
        return;
    }

    ngx_http_routini_out_literal(out, "]}");
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
    return &route->target.value;
}


void
ngx_http_routini_out_init(ngx_http_routini_out_t *out, ngx_http_request_t *r)
{
    ngx_memzero(out, sizeof(ngx_http_routini_out_t));

    out->request = r;
    out->last = &out->first;
}


/* n more bytes at out->buf->last, in a new buffer if need be */

u_char *
ngx_http_routini_out_reserve(ngx_http_routini_out_t *out, size_t n)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (out->error) {
        return NULL;
    }

    if (out->buf && (size_t) (out->buf->end - out->buf->last) >= n) {
        return out->buf->last;
    }

    b = ngx_create_temp_buf(out->request->pool,
                            ngx_max(n, NGX_HTTP_ROUTINI_OUT_CHUNK));
    cl = ngx_alloc_chain_link(out->request->pool);

    if (b == NULL || cl == NULL) {
        out->error = 1;
        return NULL;
    }

    cl->buf = b;
    cl->next = NULL;

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
