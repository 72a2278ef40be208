
/*
 * Copyright (C) routini authors
 */


#ifndef _NGX_HTTP_ROUTINI_H_INCLUDED_
#define _NGX_HTTP_ROUTINI_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_routini_tree.h"


/* the one place the version is written: the status page sends it, make deb
   names the package after it */
#define NGX_HTTP_ROUTINI_VERSION            "0.1.0"

#define NGX_HTTP_ROUTINI_DEFAULT_ZONE       "routini"
#define NGX_HTTP_ROUTINI_DEFAULT_ZONE_SIZE  (8 * 1024 * 1024)

/* keeps a request's rare paths out of its handler's registers */
#if (__GNUC__)
#define ngx_http_routini_noinline           __attribute__((noinline))
#else
#define ngx_http_routini_noinline
#endif


typedef struct ngx_http_routini_route_s  ngx_http_routini_route_t;


/* shared-memory counters of one route, see ngx_http_routini_shm.h */
typedef struct ngx_http_routini_route_stats_s  ngx_http_routini_route_stats_t;


/* a regex route: nginx's regex, its named captures become params */
typedef struct {
    ngx_regex_t                     *regex;
    ngx_uint_t                       ncaptures;
    const char                     **names;       /* named captures, then
                                                     their lengths */
    ngx_int_t                       *captures;    /* their numbers */
    ngx_uint_t                       nnames;
} ngx_http_routini_regex_t;


/*
 * What routes declared one after another mostly have in common, shared by
 * them: see ngx_http_routini_route_common().
 */
typedef struct {
    ngx_str_t                        target;      /* as written */
    ngx_http_upstream_srv_conf_t    *upstream;    /* the upstream{} block a
                                                     constant target names */
    u_char                          *file;        /* for nginx -t messages */
} ngx_http_routini_route_common_t;

#define NGX_HTTP_ROUTINI_COMMONS  8


/*
 * A route, 40 bytes: a regex route's regex, the compiled target of a target
 * with variables, and the pattern of a route with a name= follow it in its
 * allocation, in that order (see ngx_http_routini_route_re(), _complex()
 * and _pattern()), so that a tree route with a constant target and no
 * name=, the common case, pays for none of them.
 */
struct ngx_http_routini_route_s {
    /* what every routed request reads, together */
    ngx_http_routini_route_stats_t  *stats;       /* in the shared zone */
    uint32_t                         methods;    /* NGX_HTTP_GET|...; 0: any */
    unsigned                         strip_prefix:1;
    unsigned                         complex:1;  /* target has variables */
    unsigned                         regex:1;
    unsigned                         named:1;    /* name= was given */
    unsigned                         line:28;    /* for nginx -t messages */

    ngx_str_t                        name;       /* name=, or the pattern */
    ngx_http_routini_route_common_t *common;     /* target, upstream, file */
};


/* the routes of one server{} or location{} */
typedef struct {
    ngx_routini_tree_t              *tree;
    ngx_array_t                      regex;       /* regex routes */
    ngx_http_routini_route_t        *first;       /* its first route */
    ngx_uint_t                       ncaptures;   /* ints a regex match
                                                     needs, as nginx's
                                                     cmcf->ncaptures */
} ngx_http_routini_router_t;


typedef struct {
    ngx_http_routini_router_t       *router;
    ngx_flag_t                       fallthrough;
    ngx_flag_t                       enable;      /* 0 in metrics/api/status */
} ngx_http_routini_loc_conf_t;


typedef struct {
    ngx_shm_zone_t                  *shm_zone;
    /* all routes, declared; malloc()ed, see ngx_http_routini_push_route() */
    ngx_array_t                      routes;
    ngx_array_t                      routers;     /* all routers */
    ngx_array_t                      binds;       /* shm records to bind */
    ngx_array_t                      sets;        /* and sets of them */
    u_char                          *name_buf;    /* a set's record name */
    size_t                           name_size;
    ngx_array_t                      inflight;    /* in-flight counters */
    ngx_uint_t                       nslots;      /* counter slots */
    ngx_flag_t                       zone_explicit;
    u_char                          *zone_file;   /* routini_zone's place */
    ngx_uint_t                       zone_line;
    /* the last routes' commons, newest at ncommons - 1 (modulo) */
    ngx_http_routini_route_common_t *commons[NGX_HTTP_ROUTINI_COMMONS];
    ngx_uint_t                       ncommons;
    ngx_cycle_t                     *cycle;       /* being configured */
    ngx_uint_t                       generation;  /* in the zone */
    void                            *inflight_rec; /* in the zone */
    unsigned                         zone_reused:1;
    unsigned                         committed:1;
} ngx_http_routini_main_conf_t;


#define NGX_HTTP_ROUTINI_MISS_PATH    1
#define NGX_HTTP_ROUTINI_MISS_METHOD  2


/* per-request state, from r->pool */
typedef struct {
    ngx_http_routini_route_t        *route;
    ngx_str_t                        path;        /* r->uri after stripping */
    ngx_str_t                        upstream;    /* evaluated target */
    ngx_uint_t                       nparams;
    const char                     **names;       /* the route's params,
                                                     then their lengths
                                                     (size_t) */
    ngx_str_t                       *values;      /* after the ctx */
    unsigned                         miss:2;      /* no route: why */
    unsigned                         upstream_done:1;
} ngx_http_routini_ctx_t;


/*
 * one "key=value" parameter of a directive ("key=" in name), or a bare
 * flag (name without "="); see ngx_http_routini_conf.c
 */
typedef struct ngx_http_routini_param_s  ngx_http_routini_param_t;

/*
 * NGX_OK; NGX_DECLINED: an invalid value, reported with p->expect;
 * NGX_ERROR: reported already, or out of memory
 */
typedef ngx_int_t (*ngx_http_routini_param_pt)(ngx_conf_t *cf,
    ngx_http_routini_param_t *p, ngx_str_t *value, void *conf);

struct ngx_http_routini_param_s {
    ngx_str_t                        name;
    ngx_http_routini_param_pt        set;
    ngx_uint_t                       offset;      /* in conf */
    ngx_int_t                        min;
    ngx_int_t                        max;         /* 0: no bound */
    char                            *expect;      /* a valid value */
    ngx_uint_t                       repeat;      /* may be given again */
    ngx_uint_t                       point;       /* a number's decimals */
    void                            *post;        /* a word's values */
};

#define ngx_http_routini_null_param                                          \
    { ngx_null_string, NULL, 0, 0, 0, NULL, 0, 0, NULL }

/* the bit of params[k] in the "seen" mask ngx_http_routini_conf_params sets */
#define NGX_HTTP_ROUTINI_PARAM_BIT(k)  ((ngx_uint_t) 1 << (k))


char *ngx_http_routini_conf_params(ngx_conf_t *cf,
    ngx_http_routini_param_t *params, ngx_uint_t first, void *conf,
    ngx_uint_t *seen);
ngx_int_t ngx_http_routini_param_int(ngx_http_routini_param_t *p,
    ngx_str_t *value);
ngx_int_t ngx_http_routini_param_flag(ngx_conf_t *cf,
    ngx_http_routini_param_t *p, ngx_str_t *value, void *conf);
ngx_int_t ngx_http_routini_param_enum(ngx_conf_t *cf,
    ngx_http_routini_param_t *p, ngx_str_t *value, void *conf);
ngx_int_t ngx_http_routini_param_msec(ngx_conf_t *cf,
    ngx_http_routini_param_t *p, ngx_str_t *value, void *conf);
ngx_int_t ngx_http_routini_param_number(ngx_conf_t *cf,
    ngx_http_routini_param_t *p, ngx_str_t *value, void *conf);
ngx_int_t ngx_http_routini_param_token(ngx_conf_t *cf,
    ngx_http_routini_param_t *p, ngx_str_t *value, void *conf);

ngx_int_t ngx_http_routini_push_ptr(ngx_array_t *a, void *elt);
ngx_int_t ngx_http_routini_push_route(ngx_conf_t *cf,
    ngx_http_routini_route_t *route);
ngx_int_t ngx_http_routini_add_handler(ngx_conf_t *cf, ngx_http_phases phase,
    ngx_http_handler_pt handler);

ngx_int_t ngx_http_routini_router_init(ngx_conf_t *cf);
char *ngx_http_routini_route(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_routini_merge_router(ngx_conf_t *cf,
    ngx_http_routini_loc_conf_t *prev, ngx_http_routini_loc_conf_t *conf);
ngx_int_t ngx_http_routini_add_variables(ngx_conf_t *cf,
    ngx_http_variable_t *vars);
ngx_int_t ngx_http_routini_dispatch_add(ngx_conf_t *cf);
ngx_int_t ngx_http_routini_dispatch_resolve(ngx_conf_t *cf);

ngx_http_routini_route_t *ngx_http_routini_find_route(ngx_http_request_t *r,
    ngx_str_t *path);
ngx_table_elt_t *ngx_http_routini_allow_header(ngx_http_request_t *r,
    ngx_uint_t allowed);
ngx_int_t ngx_http_routini_method_names(ngx_uint_t methods, u_char *buf,
    size_t size, ngx_str_t *out);


/* what follows a route in its allocation, see ngx_http_routini_route_t */

static ngx_inline ngx_http_routini_regex_t *
ngx_http_routini_route_re(ngx_http_routini_route_t *route)
{
    return (ngx_http_routini_regex_t *) (route + 1);
}


static ngx_inline ngx_http_complex_value_t *
ngx_http_routini_route_complex(ngx_http_routini_route_t *route)
{
    return (ngx_http_complex_value_t *)
               ((u_char *) (route + 1)
                + (route->regex ? sizeof(ngx_http_routini_regex_t) : 0));
}


/* the pattern as written */

static ngx_inline ngx_str_t *
ngx_http_routini_route_pattern(ngx_http_routini_route_t *route)
{
    if (!route->named) {
        return &route->name;
    }

    return (ngx_str_t *)
               ((u_char *) (route + 1)
                + (route->regex ? sizeof(ngx_http_routini_regex_t) : 0)
                + (route->complex ? sizeof(ngx_http_complex_value_t) : 0));
}


/* a variable's value that needs no escaping */

static ngx_inline void
ngx_http_routini_variable_value(ngx_http_variable_value_t *v, ngx_str_t *s)
{
    v->len = s->len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = s->data;
}


extern ngx_http_variable_t  ngx_http_routini_vars[];
extern ngx_module_t  ngx_http_routini_module;


#endif /* _NGX_HTTP_ROUTINI_H_INCLUDED_ */
