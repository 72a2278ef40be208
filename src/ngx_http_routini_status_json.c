
/*
 * Copyright (C) routini authors
 *
 * The dashboard's data: ?format=json&routes=page answers one page of
 * routes (series, one per name, as in the metrics) with their total and
 * filtered counts, the totals the charts need, and one page of upstreams
 * with at most peer_limit peers each.  Its size is bounded by the limits,
 * whatever the number of routes.
 *
 * The work per request is bounded too: a pass over the routes sums each
 * once (for the totals and the sort key), after a pass that marks the
 * routes the filter keeps, if there is one.  A page by name walks the
 * order sorted at configuration time.  A page by any other column is
 * selected in the pass with a heap of at most offset + limit entries, or,
 * for a page past the middle, of the entries from offset to the end in the
 * reverse order: O(n log k), never a sort of all routes.
 *
 * The passes go NGX_HTTP_ROUTINI_STATUS_CHUNK routes a turn of the event
 * loop, so that a page at many routes does not hold the worker: the walk's
 * state lives in the request's pool, the next chunk is an event posted to
 * ngx_posted_next_events, and the request is held (r->main->count) until
 * the answer is handed to nginx.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini_metrics.h"


#define NGX_HTTP_ROUTINI_STATUS_LIMIT           50
#define NGX_HTTP_ROUTINI_STATUS_MAX_LIMIT       500
#define NGX_HTTP_ROUTINI_STATUS_UPSTREAMS       20
#define NGX_HTTP_ROUTINI_STATUS_MAX_UPSTREAMS   50
#define NGX_HTTP_ROUTINI_STATUS_PEERS           50
#define NGX_HTTP_ROUTINI_STATUS_MAX_PEERS       100
#define NGX_HTTP_ROUTINI_STATUS_MAX_FILTER      128
#define NGX_HTTP_ROUTINI_STATUS_CHUNK           1024


enum {
    ngx_http_routini_sort_name = 0,
    ngx_http_routini_sort_pattern,
    ngx_http_routini_sort_target,
    ngx_http_routini_sort_hits,
    ngx_http_routini_sort_2xx,
    ngx_http_routini_sort_4xx,
    ngx_http_routini_sort_5xx,
    ngx_http_routini_sort_mean,
    ngx_http_routini_sort_p99
};


typedef struct {
    ngx_uint_t                   offset;
    ngx_uint_t                   limit;
    ngx_uint_t                   sort;
    ngx_uint_t                   desc;
    ngx_str_t                    filter;       /* decoded, lower case */
    ngx_uint_t                   upstream_offset;
    ngx_uint_t                   upstream_limit;
    ngx_uint_t                   peer_limit;
    u_char                       error[128];   /* when one is bad */
} ngx_http_routini_status_args_t;


typedef struct {
    ngx_uint_t                   key;
    ngx_uint_t                   index;        /* in mmcf->series */
} ngx_http_routini_status_entry_t;


/* a bounded heap whose root is the entry that comes last in its order */
typedef struct {
    ngx_http_routini_status_entry_t  *entries;
    ngx_uint_t                        n;
    ngx_uint_t                        max;        /* 0: no selection */
    ngx_uint_t                        reverse;    /* from the end */
    ngx_uint_t                        sort;
    ngx_uint_t                        key_desc;
    ngx_uint_t                        index_desc;
    ngx_http_routini_series_t        *series;
} ngx_http_routini_status_heap_t;


typedef struct {
    ngx_http_request_t                    *request;
    ngx_http_routini_metrics_main_conf_t  *mmcf;
    ngx_http_routini_series_t            **by_name;
    ngx_http_routini_status_args_t         args;
    u_char                                *kept;
    ngx_uint_t                             filtered;
    ngx_uint_t                             marking;   /* the filter's pass */
    ngx_uint_t                             next;      /* in mmcf->series */
    ngx_uint_t                             hits;
    ngx_uint_t                             sum;
    ngx_http_routini_status_heap_t         heap;
    ngx_event_t                            resume;
} ngx_http_routini_status_walk_t;


/* the filter's marks, a bit per series; NULL: no filter, all kept */
#define ngx_http_routini_status_kept(kept, i)                                \
    ((kept) == NULL || ((kept)[(i) / 8] & (1 << ((i) % 8))))


static ngx_int_t ngx_http_routini_status_args(ngx_http_request_t *r,
    ngx_http_routini_status_args_t *args);
static ngx_int_t ngx_http_routini_status_number(ngx_http_request_t *r,
    ngx_http_routini_status_args_t *args, char *name, ngx_uint_t def,
    ngx_uint_t max, ngx_uint_t *value);
static ngx_int_t ngx_http_routini_status_wait(
    ngx_http_routini_status_walk_t *w);
static void ngx_http_routini_status_waiting(ngx_http_request_t *r);
static void ngx_http_routini_status_resume(ngx_event_t *ev);
static ngx_int_t ngx_http_routini_status_walk(
    ngx_http_routini_status_walk_t *w);
static ngx_int_t ngx_http_routini_status_page(
    ngx_http_routini_status_walk_t *w);
static ngx_uint_t ngx_http_routini_status_match(ngx_http_routini_series_t *se,
    ngx_str_t *filter);
static ngx_int_t ngx_http_routini_status_heap(
    ngx_http_routini_status_walk_t *w);
static ngx_uint_t ngx_http_routini_status_key(
    ngx_http_routini_metrics_main_conf_t *mmcf,
    ngx_http_routini_route_sum_t *rs, ngx_uint_t sort);
static void ngx_http_routini_status_by_name(ngx_http_routini_out_t *out,
    ngx_http_routini_metrics_main_conf_t *mmcf,
    ngx_http_routini_series_t **by_name, ngx_http_routini_status_args_t *args,
    u_char *kept);
static void ngx_http_routini_status_selected(ngx_http_routini_out_t *out,
    ngx_http_routini_metrics_main_conf_t *mmcf,
    ngx_http_routini_status_heap_t *h, ngx_http_routini_status_args_t *args,
    ngx_uint_t filtered);
static void ngx_http_routini_status_push(ngx_http_routini_status_heap_t *h,
    ngx_http_routini_status_entry_t *e);
static void ngx_http_routini_status_down(ngx_http_routini_status_heap_t *h,
    ngx_uint_t i, ngx_uint_t n);
static void ngx_http_routini_status_swap(ngx_http_routini_status_heap_t *h,
    ngx_uint_t i, ngx_uint_t j);
static ngx_uint_t ngx_http_routini_status_before(
    ngx_http_routini_status_heap_t *h, ngx_http_routini_status_entry_t *a,
    ngx_http_routini_status_entry_t *b);
static void ngx_http_routini_status_upstreams(ngx_http_routini_out_t *out,
    ngx_http_routini_status_args_t *args);


static ngx_str_t  ngx_http_routini_status_sorts[] = {
    ngx_string("name"),
    ngx_string("pattern"),
    ngx_string("target"),
    ngx_string("hits"),
    ngx_string("2xx"),
    ngx_string("4xx"),
    ngx_string("5xx"),
    ngx_string("mean"),
    ngx_string("p99"),
    ngx_null_string
};


ngx_int_t
ngx_http_routini_status_json(ngx_http_request_t *r,
    ngx_http_routini_series_t **by_name)
{
    ngx_int_t                        rc;
    ngx_http_routini_status_walk_t  *w;

    w = ngx_pcalloc(r->pool, sizeof(ngx_http_routini_status_walk_t));
    if (w == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_routini_status_args(r, &w->args);

    if (rc == NGX_DECLINED) {
        return ngx_http_routini_json_error(r, NGX_HTTP_BAD_REQUEST, "%s",
                                           w->args.error);
    }

    if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    w->request = r;
    w->mmcf = ngx_http_get_module_main_conf(r,
                                            ngx_http_routini_metrics_module);
    w->by_name = by_name;
    w->filtered = w->mmcf->nseries;

    if (w->args.filter.len) {
        w->kept = ngx_pcalloc(r->pool, w->mmcf->nseries / 8 + 1);
        if (w->kept == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        w->filtered = 0;
        w->marking = 1;

    } else if (ngx_http_routini_status_heap(w) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_routini_status_walk(w);

    if (rc == NGX_AGAIN) {
        return ngx_http_routini_status_wait(w);
    }

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_routini_status_page(w);
}


/*
 * The rest of the walk in the next turns of the event loop: an event
 * posted to ngx_posted_next_events runs after the ready connections of the
 * worker.  send_timeout is set meanwhile, as when the answer is sent: a
 * worker shutting down after a reload waits for timers, not for posted
 * events.  A request that ends before takes the walk with its pool, and
 * the cleanup removes the posted event.
 */

static ngx_int_t
ngx_http_routini_status_wait(ngx_http_routini_status_walk_t *w)
{
    ngx_http_request_t        *r;
    ngx_http_core_loc_conf_t  *clcf;

    r = w->request;

    if (ngx_http_routini_resume_init(r, &w->resume,
                                     ngx_http_routini_status_resume, w)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    clcf = ngx_http_get_module_loc_conf(r->main, ngx_http_core_module);

    ngx_add_timer(r->connection->write, clcf->send_timeout);

    r->main->count++;
    r->write_event_handler = ngx_http_routini_status_waiting;

    ngx_post_event(&w->resume, &ngx_posted_next_events);

    return NGX_DONE;
}


static void
ngx_http_routini_status_waiting(ngx_http_request_t *r)
{
    if (r->connection->write->timedout) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, NGX_ETIMEDOUT,
                      "client timed out");
        r->connection->timedout = 1;
        ngx_http_finalize_request(r, NGX_HTTP_REQUEST_TIME_OUT);
    }
}


static void
ngx_http_routini_status_resume(ngx_event_t *ev)
{
    ngx_int_t                        rc;
    ngx_connection_t                *c;
    ngx_http_request_t              *r;
    ngx_http_routini_status_walk_t  *w;

    w = ev->data;
    r = w->request;
    c = r->connection;

    ngx_http_set_log_request(c->log, r);

    rc = ngx_http_routini_status_walk(w);

    if (rc == NGX_AGAIN) {
        ngx_post_event(&w->resume, &ngx_posted_next_events);
        return;
    }

    if (rc == NGX_DONE) {
        rc = ngx_http_routini_status_page(w);

    } else {
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_finalize_request(r, rc);

    ngx_http_run_posted_requests(c);
}



/*
 * At most NGX_HTTP_ROUTINI_STATUS_CHUNK routes of the passes: the filter's
 * marks, then the sums and the page's selection; NGX_AGAIN while routes
 * are left, NGX_DONE after the last.
 */

static ngx_int_t
ngx_http_routini_status_walk(ngx_http_routini_status_walk_t *w)
{
    ngx_uint_t                             i, n;
    ngx_http_routini_route_sum_t           rs;
    ngx_http_routini_status_entry_t        e;
    ngx_http_routini_metrics_main_conf_t  *mmcf;

    mmcf = w->mmcf;

    for (n = 0; n < NGX_HTTP_ROUTINI_STATUS_CHUNK; n++) {

        if (w->next == mmcf->nseries) {
            if (!w->marking) {
                return NGX_DONE;
            }

            /* the filter's pass is over: the page's size is known */

            w->marking = 0;
            w->next = 0;

            if (ngx_http_routini_status_heap(w) != NGX_OK) {
                return NGX_ERROR;
            }

            continue;
        }

        i = w->next++;

        if (w->marking) {
            if (ngx_http_routini_status_match(&mmcf->series[i],
                                              &w->args.filter))
            {
                w->kept[i / 8] |= 1 << (i % 8);
                w->filtered++;
            }

            continue;
        }

        /* the charts show every route; the page, the routes the filter keeps */

        ngx_http_routini_route_sum(mmcf, mmcf->series[i], &rs);

        w->hits += rs.hits;
        w->sum += rs.sum;

        if (w->heap.max && ngx_http_routini_status_kept(w->kept, i)) {
            e.key = ngx_http_routini_status_key(mmcf, &rs, w->args.sort);
            e.index = i;

            ngx_http_routini_status_push(&w->heap, &e);
        }
    }

    return (w->next == mmcf->nseries && !w->marking) ? NGX_DONE : NGX_AGAIN;
}


static ngx_int_t
ngx_http_routini_status_page(ngx_http_routini_status_walk_t *w)
{
    ngx_str_t                              type;
    ngx_http_request_t                    *r;
    ngx_http_routini_out_t                 out;
    ngx_http_routini_status_args_t        *args;
    ngx_http_routini_metrics_main_conf_t  *mmcf;

    r = w->request;
    mmcf = w->mmcf;
    args = &w->args;

    ngx_http_routini_out_init(&out, r);

    ngx_http_routini_out_literal(&out, "{\"zone\":");
    ngx_http_routini_zone_json(&out, r);
    ngx_http_routini_out_literal(&out, ",\"unmatched\":");
    ngx_http_routini_unmatched_json(&out, mmcf);

    ngx_http_routini_out_printf(&out, ",\"totals\":{\"hits\":%ui,"
                                "\"duration\":%ui.%03ui},"
                                "\"routes\":{\"total\":%ui,\"filtered\":%ui,"
                                "\"offset\":%ui,\"limit\":%ui,"
                                "\"sort\":\"%V\",\"order\":\"%s\","
                                "\"filter\":",
                                w->hits, w->sum / 1000, w->sum % 1000,
                                mmcf->nseries, w->filtered, args->offset,
                                args->limit,
                                &ngx_http_routini_status_sorts[args->sort],
                                args->desc ? "desc" : "asc");
    ngx_http_routini_out_json_str(&out, &args->filter);
    ngx_http_routini_out_literal(&out, ",\"items\":[");

    if (args->sort == ngx_http_routini_sort_name) {
        ngx_http_routini_status_by_name(&out, mmcf, w->by_name, args,
                                        w->kept);

    } else {
        ngx_http_routini_status_selected(&out, mmcf, &w->heap, args,
                                         w->filtered);
    }

    ngx_http_routini_out_literal(&out, "]},\"upstreams\":");
    ngx_http_routini_status_upstreams(&out, args);
    ngx_http_routini_out_literal(&out, "}\n");

    ngx_str_set(&type, "application/json");

    return ngx_http_routini_out_send(&out, NGX_HTTP_OK, &type);
}


/* NGX_DECLINED with args->error for a bad argument */

static ngx_int_t
ngx_http_routini_status_args(ngx_http_request_t *r,
    ngx_http_routini_status_args_t *args)
{
    u_char     *dst, *src;
    ngx_str_t   v;
    ngx_uint_t  i;

    if (ngx_http_routini_status_number(r, args, "offset", 0,
                                       NGX_MAX_INT32_VALUE, &args->offset)
        != NGX_OK
        || ngx_http_routini_status_number(r, args, "limit",
                                          NGX_HTTP_ROUTINI_STATUS_LIMIT,
                                          NGX_HTTP_ROUTINI_STATUS_MAX_LIMIT,
                                          &args->limit)
           != NGX_OK
        || ngx_http_routini_status_number(r, args, "upstream_offset", 0,
                                          NGX_MAX_INT32_VALUE,
                                          &args->upstream_offset)
           != NGX_OK
        || ngx_http_routini_status_number(r, args, "upstream_limit",
                                          NGX_HTTP_ROUTINI_STATUS_UPSTREAMS,
                                          NGX_HTTP_ROUTINI_STATUS_MAX_UPSTREAMS,
                                          &args->upstream_limit)
           != NGX_OK
        || ngx_http_routini_status_number(r, args, "peer_limit",
                                          NGX_HTTP_ROUTINI_STATUS_PEERS,
                                          NGX_HTTP_ROUTINI_STATUS_MAX_PEERS,
                                          &args->peer_limit)
           != NGX_OK)
    {
        return NGX_DECLINED;
    }

    args->sort = ngx_http_routini_sort_name;

    if (ngx_http_arg(r, (u_char *) "sort", 4, &v) == NGX_OK) {
        for (i = 0; ngx_http_routini_status_sorts[i].len; i++) {
            if (v.len == ngx_http_routini_status_sorts[i].len
                && ngx_strncmp(v.data, ngx_http_routini_status_sorts[i].data,
                               v.len)
                   == 0)
            {
                break;
            }
        }

        if (ngx_http_routini_status_sorts[i].len == 0) {
            ngx_sprintf(args->error, "routini_status: \"sort\" must be one "
                        "of name, pattern, target, hits, 2xx, 4xx, 5xx, "
                        "mean, p99%Z");
            return NGX_DECLINED;
        }

        args->sort = i;
    }

    args->desc = 0;

    if (ngx_http_arg(r, (u_char *) "order", 5, &v) == NGX_OK) {
        if (v.len == 4 && ngx_strncmp(v.data, "desc", 4) == 0) {
            args->desc = 1;

        } else if (v.len != 3 || ngx_strncmp(v.data, "asc", 3) != 0) {
            ngx_sprintf(args->error,
                        "routini_status: \"order\" must be asc or desc%Z");
            return NGX_DECLINED;
        }
    }

    ngx_str_null(&args->filter);

    if (ngx_http_arg(r, (u_char *) "filter", 6, &v) != NGX_OK) {
        return NGX_OK;
    }

    /* %XX takes 3 bytes for one: a longer argument cannot decode short */

    if (v.len > 3 * NGX_HTTP_ROUTINI_STATUS_MAX_FILTER) {
        goto too_long;
    }

    dst = ngx_pnalloc(r->pool, v.len);
    if (dst == NULL) {
        return NGX_ERROR;
    }

    src = v.data;
    args->filter.data = dst;

    ngx_unescape_uri(&dst, &src, v.len, 0);

    args->filter.len = dst - args->filter.data;

    if (args->filter.len > NGX_HTTP_ROUTINI_STATUS_MAX_FILTER) {
        goto too_long;
    }

    ngx_strlow(args->filter.data, args->filter.data, args->filter.len);

    return NGX_OK;

too_long:

    ngx_sprintf(args->error, "routini_status: \"filter\" is longer than "
                "%d bytes%Z", NGX_HTTP_ROUTINI_STATUS_MAX_FILTER);

    return NGX_DECLINED;
}


/* the argument, or def when it is absent */

static ngx_int_t
ngx_http_routini_status_number(ngx_http_request_t *r,
    ngx_http_routini_status_args_t *args, char *name, ngx_uint_t def,
    ngx_uint_t max, ngx_uint_t *value)
{
    ngx_int_t  n;
    ngx_str_t  v;

    if (ngx_http_arg(r, (u_char *) name, ngx_strlen(name), &v) != NGX_OK) {
        *value = def;
        return NGX_OK;
    }

    n = ngx_atoi(v.data, v.len);

    if (n == NGX_ERROR || (ngx_uint_t) n > max) {
        ngx_sprintf(args->error, "routini_status: \"%s\" must be a number "
                    "from 0 to %ui%Z", name, max);
        return NGX_DECLINED;
    }

    *value = n;

    return NGX_OK;
}


/* the filter in the name, pattern or target, ignoring case */

static ngx_uint_t
ngx_http_routini_status_match(ngx_http_routini_series_t *se,
    ngx_str_t *filter)
{
    ngx_uint_t                 i;
    ngx_str_t                 *s[3];
    ngx_http_routini_route_t  *route;

    route = *se;

    s[0] = &route->name;
    s[1] = ngx_http_routini_route_pattern(route);
    s[2] = ngx_http_routini_route_target(route);

    for (i = 0; i < 3; i++) {
        if (s[i]->len >= filter->len
            && ngx_strlcasestrn(s[i]->data, s[i]->data + s[i]->len,
                                filter->data, filter->len - 1)
               != NULL)
        {
            return 1;
        }
    }

    return 0;
}


static void
ngx_http_routini_status_by_name(ngx_http_routini_out_t *out,
    ngx_http_routini_metrics_main_conf_t *mmcf,
    ngx_http_routini_series_t **by_name, ngx_http_routini_status_args_t *args,
    u_char *kept)
{
    ngx_uint_t                  i, pos, emitted;
    ngx_http_routini_series_t  *se;

    pos = 0;
    emitted = 0;

    for (i = 0; i < mmcf->nseries && emitted < args->limit; i++) {
        se = by_name[args->desc ? mmcf->nseries - 1 - i : i];

        if (!ngx_http_routini_status_kept(kept, se - mmcf->series)) {
            continue;
        }

        if (pos++ < args->offset) {
            continue;
        }

        if (emitted++) {
            ngx_http_routini_out_literal(out, ",");
        }

        ngx_http_routini_route_json(out, mmcf, *se);
    }
}


/* the heap that selects the page, h->max 0 when none is needed */

static ngx_int_t
ngx_http_routini_status_heap(ngx_http_routini_status_walk_t *w)
{
    ngx_uint_t                       last, filtered;
    ngx_http_routini_status_args_t  *args;
    ngx_http_routini_status_heap_t  *h;

    h = &w->heap;
    args = &w->args;
    filtered = w->filtered;

    h->n = 0;
    h->max = 0;

    if (args->sort == ngx_http_routini_sort_name
        || args->offset >= filtered || args->limit == 0)
    {
        return NGX_OK;
    }

    last = ngx_min(args->offset + args->limit, filtered);

    /* a page past the middle: the last entries, in the reverse order */

    h->reverse = (filtered - args->offset < last);
    h->max = h->reverse ? filtered - args->offset : last;
    h->sort = args->sort;
    h->key_desc = args->desc ^ h->reverse;
    h->index_desc = h->reverse;
    h->series = w->mmcf->series;

    h->entries = ngx_palloc(w->request->pool,
                            h->max * sizeof(ngx_http_routini_status_entry_t));
    if (h->entries == NULL) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_http_routini_status_selected(ngx_http_routini_out_t *out,
    ngx_http_routini_metrics_main_conf_t *mmcf,
    ngx_http_routini_status_heap_t *h, ngx_http_routini_status_args_t *args,
    ngx_uint_t filtered)
{
    ngx_uint_t  i, n, last;

    if (h->max == 0) {
        return;
    }

    last = ngx_min(args->offset + args->limit, filtered);

    /*
     * heapsort, the root, last in order, to the end each time, until the
     * page is there: the last last - offset entries, O(limit log k)
     */

    for (n = h->n; n > 1 && h->n - n < last - args->offset; n--) {
        ngx_http_routini_status_swap(h, 0, n - 1);
        ngx_http_routini_status_down(h, 0, n - 1);
    }

    for (i = args->offset; i < last; i++) {
        n = h->reverse ? filtered - 1 - i : i;

        if (i != args->offset) {
            ngx_http_routini_out_literal(out, ",");
        }

        ngx_http_routini_route_json(out, mmcf,
                                    mmcf->series[h->entries[n].index]);
    }
}


/* pattern and target compare their strings, see status_before() */

static ngx_uint_t
ngx_http_routini_status_key(ngx_http_routini_metrics_main_conf_t *mmcf,
    ngx_http_routini_route_sum_t *rs, ngx_uint_t sort)
{
    ngx_uint_t  j, cum, need;

    switch (sort) {

    case ngx_http_routini_sort_hits:
        return rs->hits;

    case ngx_http_routini_sort_2xx:
        return rs->codes[1];

    case ngx_http_routini_sort_4xx:
        return rs->codes[3];

    case ngx_http_routini_sort_5xx:
        return rs->codes[4];

    case ngx_http_routini_sort_mean:
        return rs->hits ? rs->sum * 1000 / rs->hits : 0;

    case ngx_http_routini_sort_p99:

        if (rs->hits == 0 || mmcf->nbuckets == 0) {
            return 0;
        }

        /* the first bucket holding 99% of the requests, 1 based */

        need = rs->hits - rs->hits / 100;
        cum = 0;

        for (j = 0; j < mmcf->nbuckets; j++) {
            cum += rs->buckets[j];

            if (cum >= need) {
                break;
            }
        }

        return j + 1;

    default: /* pattern, target */
        return 0;
    }
}


static void
ngx_http_routini_status_push(ngx_http_routini_status_heap_t *h,
    ngx_http_routini_status_entry_t *e)
{
    ngx_uint_t  i;

    if (h->n == h->max) {
        if (ngx_http_routini_status_before(h, e, &h->entries[0])) {
            h->entries[0] = *e;
            ngx_http_routini_status_down(h, 0, h->n);
        }

        return;
    }

    i = h->n++;
    h->entries[i] = *e;

    /* up while its parent comes before it */

    while (i > 0
           && ngx_http_routini_status_before(h, &h->entries[(i - 1) / 2],
                                             &h->entries[i]))
    {
        ngx_http_routini_status_swap(h, (i - 1) / 2, i);
        i = (i - 1) / 2;
    }
}


static void
ngx_http_routini_status_down(ngx_http_routini_status_heap_t *h, ngx_uint_t i,
    ngx_uint_t n)
{
    ngx_uint_t  child;

    for ( ;; ) {
        child = 2 * i + 1;

        if (child >= n) {
            return;
        }

        if (child + 1 < n
            && ngx_http_routini_status_before(h, &h->entries[child],
                                              &h->entries[child + 1]))
        {
            child++;
        }

        if (!ngx_http_routini_status_before(h, &h->entries[i],
                                            &h->entries[child]))
        {
            return;
        }

        ngx_http_routini_status_swap(h, i, child);
        i = child;
    }
}


static void
ngx_http_routini_status_swap(ngx_http_routini_status_heap_t *h, ngx_uint_t i,
    ngx_uint_t j)
{
    ngx_http_routini_status_entry_t  t;

    t = h->entries[i];
    h->entries[i] = h->entries[j];
    h->entries[j] = t;
}


/* a before b in the heap's order; equal keys in series order */

static ngx_uint_t
ngx_http_routini_status_before(ngx_http_routini_status_heap_t *h,
    ngx_http_routini_status_entry_t *a, ngx_http_routini_status_entry_t *b)
{
    ngx_int_t                  rc;
    ngx_str_t                 *sa, *sb;
    ngx_http_routini_route_t  *ra, *rb;

    if (h->sort == ngx_http_routini_sort_pattern
        || h->sort == ngx_http_routini_sort_target)
    {
        ra = h->series[a->index];
        rb = h->series[b->index];

        if (h->sort == ngx_http_routini_sort_pattern) {
            sa = ngx_http_routini_route_pattern(ra);
            sb = ngx_http_routini_route_pattern(rb);

        } else {
            sa = ngx_http_routini_route_target(ra);
            sb = ngx_http_routini_route_target(rb);
        }

        rc = ngx_memn2cmp(sa->data, sb->data, sa->len, sb->len);

    } else {
        rc = (a->key > b->key) - (a->key < b->key);
    }

    if (rc != 0) {
        return h->key_desc ? rc > 0 : rc < 0;
    }

    return h->index_desc ? a->index > b->index : a->index < b->index;
}


static void
ngx_http_routini_status_upstreams(ngx_http_routini_out_t *out,
    ngx_http_routini_status_args_t *args)
{
    ngx_uint_t                    i, n, last;
    ngx_http_routini_upstream_t  *u;

    n = ngx_http_routini_upstream_count((ngx_cycle_t *) ngx_cycle);
    last = ngx_min(n, args->upstream_offset + args->upstream_limit);

    ngx_http_routini_out_printf(out, "{\"total\":%ui,\"offset\":%ui,"
                                "\"limit\":%ui,\"peer_limit\":%ui,"
                                "\"items\":[",
                                n, args->upstream_offset,
                                args->upstream_limit, args->peer_limit);

    for (i = args->upstream_offset; i < last; i++) {
        if (i != args->upstream_offset) {
            ngx_http_routini_out_literal(out, ",");
        }

        u = ngx_http_routini_upstream_get((ngx_cycle_t *) ngx_cycle, i);
        ngx_http_routini_upstream_json_cut(out, u, args->peer_limit);
    }

    ngx_http_routini_out_literal(out, "]}");
}
