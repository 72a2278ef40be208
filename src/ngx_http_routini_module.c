
/*
 * Copyright (C) routini authors
 *
 * The routini core module: the shared zone, the route directives and their
 * configuration life cycle.  Routing itself is in ngx_http_routini_router.c.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini.h"
#include "ngx_http_routini_shm.h"


static ngx_int_t ngx_http_routini_init_module(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_routini_init_process(ngx_cycle_t *cycle);
static void ngx_http_routini_exit_process(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_routini_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_routini_postconfiguration(ngx_conf_t *cf);
static void *ngx_http_routini_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_routini_init_main_conf(ngx_conf_t *cf, void *conf);
static void ngx_http_routini_routes_free(void *data);
static void *ngx_http_routini_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_routini_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_routini_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


static ngx_command_t  ngx_http_routini_commands[] = {

    { ngx_string("routini_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_routini_zone,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("routini_route"),
      NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_2MORE,
      ngx_http_routini_route,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("routini_fallthrough"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_routini_loc_conf_t, fallthrough),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_routini_module_ctx = {
    ngx_http_routini_preconfiguration,     /* preconfiguration */
    ngx_http_routini_postconfiguration,    /* postconfiguration */

    ngx_http_routini_create_main_conf,     /* create main configuration */
    ngx_http_routini_init_main_conf,       /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_routini_create_loc_conf,      /* create location configuration */
    ngx_http_routini_merge_loc_conf        /* merge location configuration */
};


ngx_module_t  ngx_http_routini_module = {
    NGX_MODULE_V1,
    &ngx_http_routini_module_ctx,          /* module context */
    ngx_http_routini_commands,             /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    ngx_http_routini_init_module,          /* init module */
    ngx_http_routini_init_process,         /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_routini_exit_process,         /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/*
 * The zone's record lifetime (ngx_http_routini_shm.c): a configuration
 * becomes the zone's when nginx commits it, and every worker is in the
 * zone's process table from its start to its exit.
 */

static ngx_int_t
ngx_http_routini_init_module(ngx_cycle_t *cycle)
{
    return ngx_http_routini_shm_commit(cycle);
}


static ngx_int_t
ngx_http_routini_init_process(ngx_cycle_t *cycle)
{
    return ngx_http_routini_shm_register(cycle);
}


static void
ngx_http_routini_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_routini_shm_unregister(cycle);
}


static ngx_int_t
ngx_http_routini_preconfiguration(ngx_conf_t *cf)
{
    if (ngx_http_routini_dispatch_add(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_routini_add_variables(cf, ngx_http_routini_vars);
}


static ngx_int_t
ngx_http_routini_postconfiguration(ngx_conf_t *cf)
{
    if (ngx_http_routini_router_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_routini_dispatch_resolve(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_routini_shm_init_conf(cf) != NGX_CONF_OK) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void *
ngx_http_routini_create_main_conf(ngx_conf_t *cf)
{
    ngx_pool_cleanup_t            *cln;
    ngx_http_routini_main_conf_t  *rmcf;

    rmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_routini_main_conf_t));
    if (rmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     rmcf->shm_zone = NULL;
     *     rmcf->zone_explicit = 0;
     *     rmcf->generation = 0;
     *     rmcf->inflight_rec = NULL;
     *     rmcf->name_buf = NULL;
     *     rmcf->name_size = 0;
     *     rmcf->zone_reused = 0;
     *     rmcf->committed = 0;
     */

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    /* see ngx_http_routini_push_route() */

    cln->handler = ngx_http_routini_routes_free;
    cln->data = &rmcf->routes;

    rmcf->routes.size = sizeof(ngx_http_routini_route_t *);
    rmcf->routes.pool = cf->pool;

    if (ngx_array_init(&rmcf->routers, cf->pool, 4,
                       sizeof(ngx_http_routini_router_t *))
        != NGX_OK)
    {
        return NULL;
    }

    if (ngx_array_init(&rmcf->binds, cf->pool, 16,
                       sizeof(ngx_http_routini_shm_bind_t))
        != NGX_OK)
    {
        return NULL;
    }

    if (ngx_array_init(&rmcf->sets, cf->pool, 1,
                       sizeof(ngx_http_routini_shm_set_t))
        != NGX_OK)
    {
        return NULL;
    }

    if (ngx_array_init(&rmcf->inflight, cf->pool, 16,
                       sizeof(ngx_http_routini_shm_inflight_t))
        != NGX_OK)
    {
        return NULL;
    }

    rmcf->cycle = cf->cycle;

    rmcf->nslots = ngx_http_routini_shm_nslots(cf);

    return rmcf;
}


/*
 * The routes' array is malloc()ed: realloc() grows it without a copy left
 * behind (a large block is remapped, not copied) and makes it exact once
 * all routes are parsed, so a route costs it 8 bytes.  No route comes after
 * (routini_route is only in the one http{} block), so the array never
 * grows again and its elements may be pointed into (the metrics' series).
 * That relies on this module's init_main_conf() running before those of
 * the others: it is listed first in config.
 */

ngx_int_t
ngx_http_routini_push_route(ngx_conf_t *cf, ngx_http_routini_route_t *route)
{
    void                          *p;
    ngx_uint_t                     n;
    ngx_array_t                   *a;
    ngx_http_routini_main_conf_t  *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_routini_module);

    a = &rmcf->routes;

    if (a->nelts == a->nalloc) {
        n = a->nalloc ? 2 * a->nalloc : 64;

        p = realloc(a->elts, n * a->size);
        if (p == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                               "realloc() failed");
            return NGX_ERROR;
        }

        a->elts = p;
        a->nalloc = n;
    }

    ((ngx_http_routini_route_t **) a->elts)[a->nelts++] = route;

    return NGX_OK;
}


static char *
ngx_http_routini_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_routini_main_conf_t *rmcf = conf;

    void         *p;
    ngx_array_t  *a;

    a = &rmcf->routes;

    if (a->nelts == 0 || a->nelts == a->nalloc) {
        return NGX_CONF_OK;
    }

    p = realloc(a->elts, a->nelts * a->size);
    if (p == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, ngx_errno, "realloc() failed");
        return NGX_CONF_ERROR;
    }

    a->elts = p;
    a->nalloc = a->nelts;

    return NGX_CONF_OK;
}


static void
ngx_http_routini_routes_free(void *data)
{
    ngx_array_t  *a = data;

    ngx_free(a->elts);
}


static void *
ngx_http_routini_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_routini_loc_conf_t  *rlcf;

    rlcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_routini_loc_conf_t));
    if (rlcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     rlcf->router = NULL;
     */

    rlcf->fallthrough = NGX_CONF_UNSET;
    rlcf->enable = NGX_CONF_UNSET;

    return rlcf;
}


static char *
ngx_http_routini_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_routini_loc_conf_t *prev = parent;
    ngx_http_routini_loc_conf_t *conf = child;

    ngx_conf_merge_value(conf->fallthrough, prev->fallthrough, 0);

    /* routini_metrics, routini_status and routini_api switch routing off
     * in their locations; it is not inherited */

    if (conf->enable == NGX_CONF_UNSET) {
        conf->enable = 1;
    }

    return ngx_http_routini_merge_router(cf, prev, conf);
}


static char *
ngx_http_routini_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_routini_main_conf_t *rmcf = conf;

    ssize_t          size;
    ngx_str_t       *value;
    ngx_shm_zone_t  *zone;

    value = cf->args->elts;

    if (rmcf->shm_zone) {
        return "is duplicate";
    }

    if (value[1].len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "routini_zone: empty name, expected a name "
                           "such as routini");
        return NGX_CONF_ERROR;
    }

    size = ngx_parse_size(&value[2]);

    if (size == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "routini_zone: invalid size \"%V\", "
                           "expected a size such as 16m", &value[2]);
        return NGX_CONF_ERROR;
    }

    if (size < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "routini_zone: zone \"%V\" is too small: %V, "
                           "it needs at least %uzk",
                           &value[1], &value[2], 8 * ngx_pagesize / 1024);
        return NGX_CONF_ERROR;
    }

    zone = ngx_shared_memory_add(cf, &value[1], size,
                                 &ngx_http_routini_module);
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "routini_zone: zone \"%V\" is already defined",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    rmcf->zone_explicit = 1;
    rmcf->zone_file = cf->conf_file->file.name.data;
    rmcf->zone_line = cf->conf_file->line;
    rmcf->shm_zone = zone;

    ngx_http_routini_shm_set_zone(zone, rmcf);

    return NGX_CONF_OK;
}


/*
 * The configuration helpers of every routini module.
 *
 * An array of pointers, such as a router's regex routes, grows twice as
 * large in a new block and gives the old one back to the pool once it is a
 * large block: ngx_array_push() would leave every old copy behind, as many
 * bytes again as the array's own.
 */

ngx_int_t
ngx_http_routini_push_ptr(ngx_array_t *a, void *elt)
{
    void  **p;

    if (a->nelts == a->nalloc) {
        p = ngx_palloc(a->pool, 2 * a->nalloc * sizeof(void *));
        if (p == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(p, a->elts, a->nelts * sizeof(void *));

        /* NGX_DECLINED for a block of the pool's own: it stays */
        (void) ngx_pfree(a->pool, a->elts);

        a->elts = p;
        a->nalloc *= 2;
    }

    p = a->elts;
    p[a->nelts++] = elt;

    return NGX_OK;
}


ngx_int_t
ngx_http_routini_add_handler(ngx_conf_t *cf, ngx_http_phases phase,
    ngx_http_handler_pt handler)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[phase].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = handler;

    return NGX_OK;
}
