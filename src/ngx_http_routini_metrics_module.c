
/*
 * Copyright (C) routini authors
 *
 * ngx_http_routini_metrics_module: the directives routini_metrics and
 * routini_metrics_buckets, the counters' records in the routini zone, and
 * the log-phase handler that counts.
 *
 * Output is in ngx_http_routini_metrics_output.c; the dashboard
 * (ngx_http_routini_status.c) and the control API
 * (ngx_http_routini_api.c) are modules of their own that read it.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_routini_escape.h"
#include "ngx_http_routini_metrics.h"


/* an upstream's entry, for sorting them by name */
typedef struct {
    ngx_str_t                        name;
    ngx_uint_t                       index;
} ngx_http_routini_peer_name_t;


static ngx_int_t ngx_http_routini_metrics_init(ngx_conf_t *cf);
static void *ngx_http_routini_metrics_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_routini_metrics_init_main_conf(ngx_conf_t *cf,
    void *conf);
static ngx_int_t ngx_http_routini_metrics_init_series(ngx_conf_t *cf,
    ngx_http_routini_metrics_main_conf_t *mmcf,
    ngx_http_routini_main_conf_t *rmcf);
static void ngx_http_routini_series_sort(ngx_http_routini_route_t **routes,
    uint32_t *a, ngx_uint_t n);
static void ngx_http_routini_series_sift(ngx_http_routini_route_t **routes,
    uint32_t *a, ngx_uint_t root, ngx_uint_t n);
static ngx_int_t ngx_http_routini_series_cmp(
    ngx_http_routini_route_t **routes, uint32_t a, uint32_t b);
static ngx_int_t ngx_http_routini_series_escape(ngx_conf_t *cf,
    ngx_http_routini_metrics_main_conf_t *mmcf);
static ngx_uint_t ngx_http_routini_series_escaped(ngx_str_t *value,
    u_char *scratch);
static ngx_int_t ngx_http_routini_metrics_init_peers(ngx_conf_t *cf,
    ngx_http_routini_metrics_main_conf_t *mmcf);
static int ngx_libc_cdecl ngx_http_routini_peer_cmp(const void *one,
    const void *two);
static void *ngx_http_routini_metrics_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_routini_metrics_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static char *ngx_http_routini_metrics(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_routini_metrics_buckets(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_routini_metrics_set_bucket(ngx_conf_t *cf,
    ngx_http_routini_metrics_main_conf_t *mmcf, ngx_uint_t i, ngx_str_t *s);
static ngx_int_t ngx_http_routini_metrics_log_handler(ngx_http_request_t *r);


static ngx_command_t  ngx_http_routini_metrics_commands[] = {

    { ngx_string("routini_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE1,
      ngx_http_routini_metrics,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("routini_metrics_buckets"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_routini_metrics_buckets,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_routini_metrics_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_routini_metrics_init,         /* postconfiguration */

    ngx_http_routini_metrics_create_main_conf,
                                           /* create main configuration */
    ngx_http_routini_metrics_init_main_conf,
                                           /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_routini_metrics_create_loc_conf,
                                           /* create location configuration */
    ngx_http_routini_metrics_merge_loc_conf
                                           /* merge location configuration */
};


ngx_module_t  ngx_http_routini_metrics_module = {
    NGX_MODULE_V1,
    &ngx_http_routini_metrics_module_ctx,  /* module context */
    ngx_http_routini_metrics_commands,     /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/* Prometheus' default buckets */
static char  *ngx_http_routini_default_buckets[] = {
    ".005", ".01", ".025", ".05", ".1", ".25", ".5", "1", "2.5", "5", "10",
    NULL
};


/* routini_metrics_buckets off: its one parameter */
static ngx_http_routini_param_t  ngx_http_routini_metrics_buckets_params[] = {

    /* no bounds: a route's request time has its sum and count only */
    { ngx_string("off"), ngx_http_routini_param_flag,
      offsetof(ngx_http_routini_metrics_main_conf_t, nbuckets), 0, 0,
      NULL, 0, 0, NULL },

      ngx_http_routini_null_param
};


static ngx_conf_enum_t  ngx_http_routini_metrics_formats[] = {
    { ngx_string("prometheus"), NGX_HTTP_ROUTINI_FORMAT_PROMETHEUS },
    { ngx_string("json"), NGX_HTTP_ROUTINI_FORMAT_JSON },
    { ngx_null_string, 0 }
};


static void *
ngx_http_routini_metrics_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_routini_metrics_main_conf_t  *mmcf;

    mmcf = ngx_pcalloc(cf->pool,
                       sizeof(ngx_http_routini_metrics_main_conf_t));
    if (mmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     mmcf->bounds = NULL;
     *     mmcf->unmatched = NULL;
     *     mmcf->series = NULL;
     *     mmcf->nseries = 0;
     *     mmcf->escape = NULL;
     *     mmcf->peers = NULL;
     *     mmcf->nupstreams = 0;
     */

    mmcf->nbuckets = NGX_CONF_UNSET_UINT;

    return mmcf;
}


/*
 * Every route gets its record now, before the core module's
 * postconfiguration sizes the zone (or checks an explicit one) from the
 * records bound.
 */

static char *
ngx_http_routini_metrics_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_routini_metrics_main_conf_t *mmcf = conf;

    u_char                         buf[sizeof("route/12345678:")];
    size_t                         size;
    uint32_t                       crc;
    ngx_str_t                      name, s, prefix;
    ngx_uint_t                     i;
    ngx_http_routini_main_conf_t  *rmcf;

    /*
     * Bounds of routini_metrics_buckets are in the name of the route
     * records: other bounds, even as many, are other counters, not the
     * counts of the earlier ones under new labels (the number of buckets
     * is in the record's size).
     */

    ngx_str_set(&prefix, "route:");

    if (mmcf->nbuckets != NGX_CONF_UNSET_UINT && mmcf->nbuckets) {
        crc = ngx_crc32_short((u_char *) mmcf->bounds,
                              mmcf->nbuckets * sizeof(ngx_uint_t));

        prefix.data = buf;
        prefix.len = ngx_sprintf(buf, "route/%08xD:", crc) - buf;
    }

    if (mmcf->nbuckets == NGX_CONF_UNSET_UINT) {
        for (i = 0; ngx_http_routini_default_buckets[i]; i++) {
            /* void */
        }

        mmcf->nbuckets = i;
        mmcf->bounds = ngx_palloc(cf->pool, i * sizeof(ngx_uint_t));
        mmcf->les = ngx_palloc(cf->pool, i * sizeof(ngx_str_t));

        if (mmcf->bounds == NULL || mmcf->les == NULL) {
            return NGX_CONF_ERROR;
        }

        for (i = 0; i < mmcf->nbuckets; i++) {
            s.data = (u_char *) ngx_http_routini_default_buckets[i];
            s.len = ngx_strlen(s.data);

            if (ngx_http_routini_metrics_set_bucket(cf, mmcf, i, &s)
                != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }
        }
    }

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_routini_module);

    mmcf->nslots = rmcf->nslots;

    if (rmcf->routes.nelts == 0) {
        return NGX_CONF_OK;
    }

    /* the bucket count is part of the record size */

    size = offsetof(ngx_http_routini_route_stats_t, buckets)
           + (mmcf->nbuckets + 1) * sizeof(ngx_atomic_t);

    if (ngx_http_routini_shm_bind_each(cf, &rmcf->routes, &prefix,
                                       offsetof(ngx_http_routini_route_t,
                                                name),
                                       offsetof(ngx_http_routini_route_t,
                                                stats),
                                       size)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    ngx_str_set(&name, "unmatched");

    size = mmcf->nslots
           * ngx_http_routini_slot_size(sizeof(ngx_http_routini_unmatched_t));

    if (ngx_http_routini_shm_bind(cf, &name, size,
                                  (void **) &mmcf->unmatched)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_routini_metrics_init_series(cf, mmcf, rmcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * The series in route order, the first route of each name: the routes
 * sorted by name (and, within a name, by position) mark the later ones of
 * each name, O(n log n) once instead of a comparison of every pair on every
 * scrape; 4-byte positions are sorted in place, half the memory of
 * pointers, and given back at once.
 * Without a shared name, the series are the routes' own array, which never
 * grows once the http{} block is parsed.
 */

static ngx_int_t
ngx_http_routini_metrics_init_series(ngx_conf_t *cf,
    ngx_http_routini_metrics_main_conf_t *mmcf,
    ngx_http_routini_main_conf_t *rmcf)
{
    u_char                      *later;
    uint32_t                    *sorted;
    ngx_str_t                   *a, *b;
    ngx_uint_t                   i, n, k;
    ngx_http_routini_route_t   **routes;

    routes = rmcf->routes.elts;
    n = rmcf->routes.nelts;

    sorted = ngx_palloc(cf->temp_pool, n * sizeof(uint32_t));
    later = ngx_pcalloc(cf->temp_pool, n / 8 + 1);

    if (sorted == NULL || later == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        sorted[i] = (uint32_t) i;
    }

    ngx_http_routini_series_sort(routes, sorted, n);

    mmcf->nseries = n;

    for (i = 1; i < n; i++) {
        a = &routes[sorted[i]]->name;
        b = &routes[sorted[i - 1]]->name;

        if (a->len == b->len && ngx_memcmp(a->data, b->data, a->len) == 0) {
            k = sorted[i];
            later[k / 8] |= 1 << (k % 8);
            mmcf->nseries--;
        }
    }

    (void) ngx_pfree(cf->temp_pool, sorted);

    if (mmcf->nseries == n) {
        mmcf->series = routes;

    } else {
        mmcf->series = ngx_palloc(cf->pool,
                                  mmcf->nseries
                                  * sizeof(ngx_http_routini_series_t));
        if (mmcf->series == NULL) {
            return NGX_ERROR;
        }

        for (i = 0, k = 0; i < n; i++) {
            if (!(later[i / 8] & (1 << (i % 8)))) {
                mmcf->series[k++] = routes[i];
            }
        }
    }

    (void) ngx_pfree(cf->temp_pool, later);

    return ngx_http_routini_series_escape(cf, mmcf);
}


/*
 * A heap sort of positions in the routes array: in place, as this runs at
 * the peak of the configuration's memory, where ngx_qsort() may take a
 * merge buffer as large as the array.
 */

static void
ngx_http_routini_series_sort(ngx_http_routini_route_t **routes, uint32_t *a,
    ngx_uint_t n)
{
    uint32_t    t;
    ngx_uint_t  i;

    for (i = n / 2; i > 0; i--) {
        ngx_http_routini_series_sift(routes, a, i - 1, n);
    }

    for (i = n; i > 1; i--) {
        t = a[0];
        a[0] = a[i - 1];
        a[i - 1] = t;

        ngx_http_routini_series_sift(routes, a, 0, i - 1);
    }
}


static void
ngx_http_routini_series_sift(ngx_http_routini_route_t **routes, uint32_t *a,
    ngx_uint_t root, ngx_uint_t n)
{
    uint32_t    t;
    ngx_uint_t  child;

    for ( ;; ) {
        child = 2 * root + 1;

        if (child >= n) {
            return;
        }

        if (child + 1 < n
            && ngx_http_routini_series_cmp(routes, a[child], a[child + 1]) < 0)
        {
            child++;
        }

        if (ngx_http_routini_series_cmp(routes, a[root], a[child]) >= 0) {
            return;
        }

        t = a[root];
        a[root] = a[child];
        a[child] = t;

        root = child;
    }
}


/* positions in the routes array, by name, then by position */

static ngx_int_t
ngx_http_routini_series_cmp(ngx_http_routini_route_t **routes, uint32_t a,
    uint32_t b)
{
    ngx_int_t                  rc;
    ngx_http_routini_route_t  *ra, *rb;

    ra = routes[a];
    rb = routes[b];

    rc = ngx_memn2cmp(ra->name.data, rb->name.data, ra->name.len,
                      rb->name.len);

    if (rc != 0) {
        return (rc < 0) ? -1 : 1;
    }

    return (a > b) - (a < b);
}


/*
 * The series whose label values (name, target) change when escaped, a bit
 * each: a scrape escapes these, and copies the others as they are.
 */

static ngx_int_t
ngx_http_routini_series_escape(ngx_conf_t *cf,
    ngx_http_routini_metrics_main_conf_t *mmcf)
{
    size_t                     max;
    u_char                    *scratch;
    ngx_uint_t                 i;
    ngx_http_routini_route_t  *route;

    mmcf->escape = ngx_pcalloc(cf->pool, mmcf->nseries / 8 + 1);
    if (mmcf->escape == NULL) {
        return NGX_ERROR;
    }

    max = 0;

    for (i = 0; i < mmcf->nseries; i++) {
        route = mmcf->series[i];

        max = ngx_max(max, route->name.len);
        max = ngx_max(max, route->common->target.len);
    }

    scratch = ngx_pnalloc(cf->temp_pool, NGX_ROUTINI_PROM_LABEL_MAX(max));
    if (scratch == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < mmcf->nseries; i++) {
        route = mmcf->series[i];

        if (ngx_http_routini_series_escaped(&route->name, scratch)
            || ngx_http_routini_series_escaped(&route->common->target, scratch))
        {
            mmcf->escape[i / 8] |= 1 << (i % 8);
        }
    }

    (void) ngx_pfree(cf->temp_pool, scratch);

    return NGX_OK;
}


/* 1: escaping changes the label value */

static ngx_uint_t
ngx_http_routini_series_escaped(ngx_str_t *value, u_char *scratch)
{
    size_t  len;

    len = ngx_routini_escape_prom_label(scratch, value->data, value->len);

    return len != value->len || ngx_memcmp(scratch, value->data, len) != 0;
}


static void *
ngx_http_routini_metrics_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_routini_metrics_loc_conf_t  *mlcf;

    mlcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_routini_metrics_loc_conf_t));
    if (mlcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     mlcf->format = 0;
     */

    return mlcf;
}


static char *
ngx_http_routini_metrics_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    /* the handlers are location content handlers, not inherited */
    return NGX_CONF_OK;
}


/* routini_metrics [prometheus|json] */

static char *
ngx_http_routini_metrics(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_routini_metrics_loc_conf_t *mlcf = conf;

    ngx_str_t   *value;
    ngx_uint_t   i;

    if (mlcf->format) {
        return "is duplicate";
    }

    value = cf->args->elts;

    mlcf->format = NGX_HTTP_ROUTINI_FORMAT_PROMETHEUS;

    if (cf->args->nelts == 2) {
        for (i = 0; ngx_http_routini_metrics_formats[i].name.len; i++) {
            if (ngx_strcmp(value[1].data,
                           ngx_http_routini_metrics_formats[i].name.data)
                == 0)
            {
                mlcf->format = ngx_http_routini_metrics_formats[i].value;
                break;
            }
        }

        if (ngx_http_routini_metrics_formats[i].name.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "routini_metrics: invalid format \"%V\", "
                               "expected prometheus or json", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    return ngx_http_routini_set_handler(cf, ngx_http_routini_metrics_handler);
}


/* routini_metrics_buckets off | 0.005 0.01 ... (seconds, increasing) */

static char *
ngx_http_routini_metrics_buckets(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_routini_metrics_main_conf_t *mmcf = conf;

    ngx_str_t   *value;
    ngx_uint_t   i, n;

    if (mmcf->nbuckets != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    n = cf->args->nelts - 1;

    /* a word is a parameter; anything else a bound, "-1" one too, so
     * that it is told it is not seconds greater than 0 */

    if (value[1].len && ((value[1].data[0] | 0x20) >= 'a'
                         && (value[1].data[0] | 0x20) <= 'z'))
    {
        return ngx_http_routini_conf_params(cf,
                                   ngx_http_routini_metrics_buckets_params, 1,
                                   mmcf, NULL);
    }

    if (n > NGX_HTTP_ROUTINI_METRICS_MAX_BUCKETS) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "routini_metrics_buckets: %ui buckets, at most %d",
                           n, NGX_HTTP_ROUTINI_METRICS_MAX_BUCKETS);
        return NGX_CONF_ERROR;
    }

    mmcf->nbuckets = n;
    mmcf->bounds = ngx_palloc(cf->pool, n * sizeof(ngx_uint_t));
    mmcf->les = ngx_palloc(cf->pool, n * sizeof(ngx_str_t));

    if (mmcf->bounds == NULL || mmcf->les == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < n; i++) {
        if (ngx_http_routini_metrics_set_bucket(cf, mmcf, i, &value[i + 1])
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/* a bound in seconds, kept in microseconds and printed canonically */

static ngx_int_t
ngx_http_routini_metrics_set_bucket(ngx_conf_t *cf,
    ngx_http_routini_metrics_main_conf_t *mmcf, ngx_uint_t i, ngx_str_t *s)
{
    u_char     *p, *last;
    ngx_int_t   us;

    us = ngx_atofp(s->data, s->len, 6);

    if (us <= 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "routini_metrics_buckets: invalid bucket \"%V\", "
                           "expected seconds greater than 0 such as 0.25, "
                           "or \"off\" alone", s);
        return NGX_ERROR;
    }

    if (i > 0 && (ngx_uint_t) us <= mmcf->bounds[i - 1]) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "routini_metrics_buckets: bucket \"%V\" is not "
                           "greater than the one before it", s);
        return NGX_ERROR;
    }

    mmcf->bounds[i] = us;

    p = ngx_pnalloc(cf->pool, NGX_INT_T_LEN + 8);
    if (p == NULL) {
        return NGX_ERROR;
    }

    last = ngx_sprintf(p, "%ui", (ngx_uint_t) us / 1000000);

    if (us % 1000000) {
        last = ngx_sprintf(last, ".%06ui", (ngx_uint_t) us % 1000000);

        while (last[-1] == '0') {
            last--;
        }
    }

    mmcf->les[i].data = p;
    mmcf->les[i].len = last - p;

    return NGX_OK;
}


/*
 * routini_metrics, routini_status and routini_api: the location answers
 * itself, with no routing in it
 */

char *
ngx_http_routini_set_handler(ngx_conf_t *cf, ngx_http_handler_pt handler)
{
    ngx_http_core_loc_conf_t     *clcf;
    ngx_http_routini_loc_conf_t  *rlcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler == handler) {
        return "is duplicate";
    }

    if (clcf->handler) {
        return "conflicts with another content handler in this location";
    }

    clcf->handler = handler;

    rlcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_routini_module);
    rlcf->enable = 0;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_routini_metrics_init(ngx_conf_t *cf)
{
    ngx_http_routini_metrics_main_conf_t  *mmcf;

    mmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_routini_metrics_module);

    if (ngx_http_routini_metrics_init_peers(cf, mmcf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_routini_add_handler(cf, NGX_HTTP_LOG_PHASE,
                                        ngx_http_routini_metrics_log_handler);
}


/*
 * The peer series of every routini upstream, whose peers the upstream
 * module's init_main_conf made: each upstream's entries sorted by name (then
 * position) give every entry the first of its name and the next one.
 */

static ngx_int_t
ngx_http_routini_metrics_init_peers(ngx_conf_t *cf,
    ngx_http_routini_metrics_main_conf_t *mmcf)
{
    ngx_uint_t                         i, j, n, first;
    ngx_http_routini_upstream_t       *u;
    ngx_http_routini_peer_info_t       pi;
    ngx_http_routini_peer_name_t      *sorted;
    ngx_http_routini_peer_series_t    *ps;
    ngx_http_routini_upstream_info_t   ui;

    n = ngx_http_routini_upstream_count(cf->cycle);

    if (n == 0) {
        return NGX_OK;
    }

    mmcf->peers = ngx_palloc(cf->pool,
                             n * sizeof(ngx_http_routini_peer_series_t *));
    if (mmcf->peers == NULL) {
        return NGX_ERROR;
    }

    mmcf->nupstreams = n;

    for (i = 0; i < n; i++) {
        u = ngx_http_routini_upstream_get(cf->cycle, i);

        /* the zone is not there yet: the info is the configuration's */

        ngx_http_routini_upstream_info(u, &ui);

        ps = ngx_palloc(cf->pool, ngx_max(ui.npeers, 1)
                                  * sizeof(ngx_http_routini_peer_series_t));
        sorted = ngx_palloc(cf->temp_pool, ngx_max(ui.npeers, 1)
                                      * sizeof(ngx_http_routini_peer_name_t));

        if (ps == NULL || sorted == NULL) {
            return NGX_ERROR;
        }

        mmcf->peers[i] = ps;

        for (j = 0; j < ui.npeers; j++) {
            ngx_http_routini_peer_info(u, j, &pi);

            sorted[j].name = pi.name;
            sorted[j].index = j;
        }

        ngx_qsort(sorted, ui.npeers, sizeof(ngx_http_routini_peer_name_t),
                  ngx_http_routini_peer_cmp);

        first = 0;

        for (j = 0; j < ui.npeers; j++) {
            if (j == 0
                || sorted[j].name.len != sorted[j - 1].name.len
                || ngx_memcmp(sorted[j].name.data, sorted[j - 1].name.data,
                              sorted[j].name.len)
                   != 0)
            {
                first = sorted[j].index;

            } else {
                ps[sorted[j - 1].index].next = sorted[j].index;
            }

            ps[sorted[j].index].first = first;
            ps[sorted[j].index].next = ui.npeers;
        }
    }

    return NGX_OK;
}


/* by name, then by position */

static int ngx_libc_cdecl
ngx_http_routini_peer_cmp(const void *one, const void *two)
{
    ngx_int_t                      rc;
    ngx_http_routini_peer_name_t  *a, *b;

    a = (ngx_http_routini_peer_name_t *) one;
    b = (ngx_http_routini_peer_name_t *) two;

    rc = ngx_memn2cmp(a->name.data, b->name.data, a->name.len, b->name.len);

    if (rc != 0) {
        return (rc < 0) ? -1 : 1;
    }

    return (a->index > b->index) - (a->index < b->index);
}


/*
 * The hot path: the router left the route (or why there was none) in its
 * ctx; add to the route's counters.  No lock, no allocation.
 */

static ngx_int_t
ngx_http_routini_metrics_log_handler(ngx_http_request_t *r)
{
    ngx_uint_t                             status, slot, us, i;
    ngx_msec_int_t                         ms;
    ngx_time_t                            *tp;
    ngx_http_routini_ctx_t                *ctx;
    ngx_http_routini_unmatched_t          *um;
    ngx_http_routini_route_stats_t        *st;
    ngx_http_routini_metrics_main_conf_t  *mmcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_routini_module);

    if (ctx == NULL) {
        return NGX_OK;
    }

    mmcf = ngx_http_get_module_main_conf(r, ngx_http_routini_metrics_module);

    if (ctx->route == NULL) {
        if (ctx->miss == 0 || mmcf->unmatched == NULL) {
            return NGX_OK;
        }

        slot = ngx_http_routini_slot(mmcf->nslots);

        um = (ngx_http_routini_unmatched_t *)
                 ((u_char *) mmcf->unmatched + slot
                  * ngx_http_routini_slot_size(
                        sizeof(ngx_http_routini_unmatched_t)));

        if (ctx->miss == NGX_HTTP_ROUTINI_MISS_METHOD) {
            (void) ngx_atomic_fetch_add(&um->not_allowed, 1);

        } else {
            (void) ngx_atomic_fetch_add(&um->not_found, 1);
        }

        return NGX_OK;
    }

    st = ctx->route->stats;

    if (st == NULL) {
        return NGX_OK;
    }

    status = r->err_status ? r->err_status : r->headers_out.status;

    if (status >= 100 && status < 600) {
        (void) ngx_atomic_fetch_add(&st->codes[status / 100 - 1], 1);
    }

    tp = ngx_timeofday();

    ms = (ngx_msec_int_t) ((tp->sec - r->start_sec) * 1000
                           + (tp->msec - r->start_msec));
    ms = ngx_max(ms, 0);

    us = (ngx_uint_t) ms * 1000;

    for (i = 0; i < mmcf->nbuckets; i++) {
        if (us <= mmcf->bounds[i]) {
            break;
        }
    }

    (void) ngx_atomic_fetch_add(&st->buckets[i], 1);
    (void) ngx_atomic_fetch_add(&st->sum, ms);

    return NGX_OK;
}
