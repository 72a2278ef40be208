
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


/* the filter's marks, a bit per series; NULL: no filter, all kept */
#define ngx_http_routini_status_kept(kept, i)                                \
    ((kept) == NULL || ((kept)[(i) / 8] & (1 << ((i) % 8))))


static ngx_int_t ngx_http_routini_status_args(ngx_http_request_t *r,
    ngx_http_routini_status_args_t *args);
static ngx_int_t ngx_http_routini_status_number(ngx_http_request_t *r,
    ngx_http_routini_status_args_t *args, char *name, ngx_uint_t def,
    ngx_uint_t max, ngx_uint_t *value);
static u_char *ngx_http_routini_status_filter(ngx_http_request_t *r,
    ngx_http_routini_metrics_main_conf_t *mmcf, ngx_str_t *filter,
    ngx_uint_t *kept);
static ngx_uint_t ngx_http_routini_status_match(ngx_http_routini_series_t *se,
    ngx_str_t *filter);
static ngx_int_t ngx_http_routini_status_heap(ngx_http_request_t *r,
    ngx_http_routini_status_heap_t *h,
    ngx_http_routini_metrics_main_conf_t *mmcf,
    ngx_http_routini_status_args_t *args, ngx_uint_t filtered);
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
    u_char                                *kept;
    ngx_str_t                              type;
    ngx_int_t                              rc;
    ngx_uint_t                             i, filtered, hits, sum;
    ngx_http_routini_out_t                 out;
    ngx_http_routini_route_sum_t           rs;
    ngx_http_routini_status_heap_t         h;
    ngx_http_routini_status_args_t         args;
    ngx_http_routini_status_entry_t        e;
    ngx_http_routini_metrics_main_conf_t  *mmcf;

    rc = ngx_http_routini_status_args(r, &args);

    if (rc == NGX_DECLINED) {
        return ngx_http_routini_json_error(r, NGX_HTTP_BAD_REQUEST, "%s",
                                           args.error);
    }

    if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    mmcf = ngx_http_get_module_main_conf(r, ngx_http_routini_metrics_module);

    filtered = mmcf->nseries;
    kept = NULL;

    if (args.filter.len) {
        kept = ngx_http_routini_status_filter(r, mmcf, &args.filter,
                                              &filtered);
        if (kept == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (ngx_http_routini_status_heap(r, &h, mmcf, &args, filtered) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the charts show every route; the page, the routes the filter keeps */

    hits = 0;
    sum = 0;

    for (i = 0; i < mmcf->nseries; i++) {
        ngx_http_routini_route_sum(mmcf, mmcf->series[i].route, &rs);

        hits += rs.hits;
        sum += rs.sum;

        if (h.max && ngx_http_routini_status_kept(kept, i)) {
            e.key = ngx_http_routini_status_key(mmcf, &rs, args.sort);
            e.index = i;

            ngx_http_routini_status_push(&h, &e);
        }
    }

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
                                hits, sum / 1000, sum % 1000, mmcf->nseries,
                                filtered, args.offset, args.limit,
                                &ngx_http_routini_status_sorts[args.sort],
                                args.desc ? "desc" : "asc");
    ngx_http_routini_out_json_str(&out, &args.filter);
    ngx_http_routini_out_literal(&out, ",\"items\":[");

    if (args.sort == ngx_http_routini_sort_name) {
        ngx_http_routini_status_by_name(&out, mmcf, by_name, &args, kept);

    } else {
        ngx_http_routini_status_selected(&out, mmcf, &h, &args, filtered);
    }

    ngx_http_routini_out_literal(&out, "]},\"upstreams\":");
    ngx_http_routini_status_upstreams(&out, &args);
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


/* the series the filter keeps, marked, and counted in *kept */

static u_char *
ngx_http_routini_status_filter(ngx_http_request_t *r,
    ngx_http_routini_metrics_main_conf_t *mmcf, ngx_str_t *filter,
    ngx_uint_t *kept)
{
    u_char      *marks;
    ngx_uint_t   i;

    marks = ngx_pcalloc(r->pool, mmcf->nseries / 8 + 1);
    if (marks == NULL) {
        return NULL;
    }

    *kept = 0;

    for (i = 0; i < mmcf->nseries; i++) {
        if (ngx_http_routini_status_match(&mmcf->series[i], filter)) {
            marks[i / 8] |= 1 << (i % 8);
            (*kept)++;
        }
    }

    return marks;
}


/* the filter in the name, pattern or target, ignoring case */

static ngx_uint_t
ngx_http_routini_status_match(ngx_http_routini_series_t *se,
    ngx_str_t *filter)
{
    ngx_uint_t                 i;
    ngx_str_t                 *s[3];
    ngx_http_routini_route_t  *route;

    route = se->route;

    s[0] = &route->name;
    s[1] = &route->pattern;
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

        ngx_http_routini_route_json(out, mmcf, se->route);
    }
}


/* the heap that selects the page, h->max 0 when none is needed */

static ngx_int_t
ngx_http_routini_status_heap(ngx_http_request_t *r,
    ngx_http_routini_status_heap_t *h,
    ngx_http_routini_metrics_main_conf_t *mmcf,
    ngx_http_routini_status_args_t *args, ngx_uint_t filtered)
{
    ngx_uint_t  last;

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
    h->series = mmcf->series;

    h->entries = ngx_palloc(r->pool,
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

    /* heapsort: the root, last in order, goes to the end each time */

    for (n = h->n; n > 1; n--) {
        ngx_http_routini_status_swap(h, 0, n - 1);
        ngx_http_routini_status_down(h, 0, n - 1);
    }

    last = ngx_min(args->offset + args->limit, filtered);

    for (i = args->offset; i < last; i++) {
        n = h->reverse ? filtered - 1 - i : i;

        if (i != args->offset) {
            ngx_http_routini_out_literal(out, ",");
        }

        ngx_http_routini_route_json(out, mmcf,
                                    mmcf->series[h->entries[n].index].route);
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
        ra = h->series[a->index].route;
        rb = h->series[b->index].route;

        if (h->sort == ngx_http_routini_sort_pattern) {
            sa = &ra->pattern;
            sb = &rb->pattern;

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
