
/*
 * Copyright (C) routini authors
 *
 * routini_route: parsing routes into a router (route tree plus regex
 * routes) at configuration time, and matching r->uri at run time in the
 * rewrite phase.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini.h"
#include "ngx_http_routini_shm.h"


typedef struct {
    ngx_str_t                   name;
    ngx_uint_t                  method;
} ngx_http_routini_method_t;


static ngx_http_routini_router_t *ngx_http_routini_router_create(
    ngx_conf_t *cf);
static char *ngx_http_routini_route_regex(ngx_conf_t *cf,
    ngx_http_routini_router_t *router, ngx_http_routini_route_t *route);
static char *ngx_http_routini_route_tree(ngx_conf_t *cf,
    ngx_http_routini_router_t *router, ngx_http_routini_route_t *route);
static ngx_int_t ngx_http_routini_regex_names(ngx_conf_t *cf,
    ngx_http_routini_route_t *route, ngx_regex_compile_t *rc);
static ngx_int_t ngx_http_routini_route_set_strip_prefix(ngx_conf_t *cf,
    ngx_http_routini_param_t *p, ngx_str_t *value, void *conf);
static ngx_int_t ngx_http_routini_route_set_methods(ngx_conf_t *cf,
    ngx_http_routini_param_t *p, ngx_str_t *value, void *conf);
static ngx_int_t ngx_http_routini_route_set_name(ngx_conf_t *cf,
    ngx_http_routini_param_t *p, ngx_str_t *value, void *conf);
static ngx_http_routini_route_common_t *ngx_http_routini_route_common(
    ngx_conf_t *cf, ngx_str_t *target);
static ngx_uint_t ngx_http_routini_has_catchall(ngx_str_t *pattern);
static void *ngx_http_routini_tree_alloc(void *ctx, size_t size);
static void ngx_http_routini_tree_free(void *ctx, void *p);
static ngx_int_t ngx_http_routini_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_routini_miss(ngx_http_request_t *r,
    ngx_http_routini_loc_conf_t *rlcf, int rc, ngx_routini_match_t *m);
static ngx_http_routini_ctx_t *ngx_http_routini_ctx_create(
    ngx_http_request_t *r, ngx_http_routini_route_t *route, ngx_str_t *path,
    ngx_uint_t nparams);
static ngx_http_routini_route_t *ngx_http_routini_route_of(
    ngx_http_request_t *r, ngx_http_routini_router_t *router,
    ngx_str_t *path);
static ngx_http_routini_ctx_t *ngx_http_routini_match_regex(
    ngx_http_request_t *r, ngx_http_routini_router_t *router,
    ngx_str_t *path, ngx_uint_t method, ngx_uint_t *allowed);
static ngx_int_t ngx_http_routini_not_allowed(ngx_http_request_t *r,
    ngx_uint_t allowed);


static ngx_http_routini_method_t  ngx_http_routini_methods[] = {
    { ngx_string("GET"),        NGX_HTTP_GET },
    { ngx_string("HEAD"),       NGX_HTTP_HEAD },
    { ngx_string("POST"),       NGX_HTTP_POST },
    { ngx_string("PUT"),        NGX_HTTP_PUT },
    { ngx_string("DELETE"),     NGX_HTTP_DELETE },
    { ngx_string("OPTIONS"),    NGX_HTTP_OPTIONS },
    { ngx_string("PATCH"),      NGX_HTTP_PATCH },
    { ngx_string("TRACE"),      NGX_HTTP_TRACE },
    { ngx_string("CONNECT"),    NGX_HTTP_CONNECT },
    { ngx_string("MKCOL"),      NGX_HTTP_MKCOL },
    { ngx_string("COPY"),       NGX_HTTP_COPY },
    { ngx_string("MOVE"),       NGX_HTTP_MOVE },
    { ngx_string("PROPFIND"),   NGX_HTTP_PROPFIND },
    { ngx_string("PROPPATCH"),  NGX_HTTP_PROPPATCH },
    { ngx_string("LOCK"),       NGX_HTTP_LOCK },
    { ngx_string("UNLOCK"),     NGX_HTTP_UNLOCK },
    { ngx_null_string,          0 }
};


static ngx_http_routini_param_t  ngx_http_routini_route_params[] = {

    { ngx_string("strip_prefix"), ngx_http_routini_route_set_strip_prefix,
      0, 0, 0, NULL, 0, 0, NULL },

    { ngx_string("methods="), ngx_http_routini_route_set_methods, 0, 0, 0,
      "methods such as GET,HEAD", 0, 0, NULL },

    { ngx_string("name="), ngx_http_routini_route_set_name, 0, 0, 0,
      "a label such as users", 0, 0, NULL },

      ngx_http_routini_null_param
};


/* routini_route PATTERN TARGET [strip_prefix] [methods=M,...] [name=LABEL] */

char *
ngx_http_routini_route(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_routini_loc_conf_t *rlcf = conf;

    char                              *rv;
    size_t                             size;
    ngx_str_t                         *value;
    ngx_http_routini_route_t           rt, *route;
    ngx_http_complex_value_t           cv;
    ngx_http_compile_complex_value_t   ccv;

    value = cf->args->elts;

    if (rlcf->router == NULL) {
        rlcf->router = ngx_http_routini_router_create(cf);
        if (rlcf->router == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    if (value[1].len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "routini_route: empty pattern, expected a path "
                           "starting with \"/\" or a regex starting with "
                           "\"~\"");
        return NGX_CONF_ERROR;
    }

    if (value[2].len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "routini_route: route \"%V\": empty target, "
                           "name an upstream{} or host:port", &value[1]);
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[2];
    ccv.complex_value = &cv;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* the parameters first, to know what follows the route */

    ngx_memzero(&rt, sizeof(ngx_http_routini_route_t));

    rt.name = value[1];
    rt.line = cf->conf_file->line;
    rt.regex = (value[1].data[0] == '~');
    rt.complex = (cv.lengths != NULL);

    rv = ngx_http_routini_conf_params(cf, ngx_http_routini_route_params, 3,
                                      &rt, NULL);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    rt.common = ngx_http_routini_route_common(cf, &cv.value);
    if (rt.common == NULL) {
        return NGX_CONF_ERROR;
    }

    size = sizeof(ngx_http_routini_route_t)
           + (rt.regex ? sizeof(ngx_http_routini_regex_t) : 0)
           + (rt.complex ? sizeof(ngx_http_complex_value_t) : 0)
           + (rt.named ? sizeof(ngx_str_t) : 0);

    route = ngx_pcalloc(cf->pool, size);
    if (route == NULL) {
        return NGX_CONF_ERROR;
    }

    *route = rt;

    if (route->complex) {
        *ngx_http_routini_route_complex(route) = cv;
    }

    if (route->named) {
        *ngx_http_routini_route_pattern(route) = value[1];
    }

    if (route->regex) {
        rv = ngx_http_routini_route_regex(cf, rlcf->router, route);

    } else {
        rv = ngx_http_routini_route_tree(cf, rlcf->router, route);
    }

    if (rv != NGX_CONF_OK) {
        return rv;
    }

    if (rlcf->router->first == NULL) {
        rlcf->router->first = route;
    }

    if (ngx_http_routini_push_route(cf, route) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_routini_route_set_strip_prefix(ngx_conf_t *cf,
    ngx_http_routini_param_t *p, ngx_str_t *value, void *conf)
{
    ngx_http_routini_route_t *route = conf;

    /* a bit of the route, which ngx_http_routini_param_flag() cannot set */

    route->strip_prefix = 1;

    return NGX_OK;
}


static ngx_int_t
ngx_http_routini_route_set_name(ngx_conf_t *cf, ngx_http_routini_param_t *p,
    ngx_str_t *value, void *conf)
{
    ngx_http_routini_route_t *route = conf;

    if (value->len == 0) {
        return NGX_DECLINED;
    }

    route->name = *value;
    route->named = 1;

    return NGX_OK;
}


/*
 * A route's target and file, shared with one of the last few routes if it
 * has the same: routes are mostly declared in runs, to one upstream, in one
 * file.  Only those few are compared, so that declaring stays linear.
 */

static ngx_http_routini_route_common_t *
ngx_http_routini_route_common(ngx_conf_t *cf, ngx_str_t *target)
{
    u_char                           *file;
    ngx_uint_t                        i, n;
    ngx_http_routini_route_common_t  *c;
    ngx_http_routini_main_conf_t     *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_routini_module);

    file = cf->conf_file->file.name.data;
    n = ngx_min(rmcf->ncommons, NGX_HTTP_ROUTINI_COMMONS);

    for (i = 0; i < n; i++) {
        c = rmcf->commons[(rmcf->ncommons - 1 - i) % NGX_HTTP_ROUTINI_COMMONS];

        if (c->file == file
            && c->target.len == target->len
            && ngx_memcmp(c->target.data, target->data, target->len) == 0)
        {
            return c;
        }
    }

    c = ngx_palloc(cf->pool, sizeof(ngx_http_routini_route_common_t));
    if (c == NULL) {
        return NULL;
    }

    c->target = *target;
    c->upstream = NULL;
    c->file = file;

    rmcf->commons[rmcf->ncommons++ % NGX_HTTP_ROUTINI_COMMONS] = c;

    return c;
}


static ngx_http_routini_router_t *
ngx_http_routini_router_create(ngx_conf_t *cf)
{
    ngx_http_routini_router_t     *router;
    ngx_http_routini_main_conf_t  *rmcf;

    router = ngx_pcalloc(cf->pool, sizeof(ngx_http_routini_router_t));
    if (router == NULL) {
        return NULL;
    }

    router->tree = ngx_routini_tree_create(ngx_http_routini_tree_alloc,
                                           ngx_http_routini_tree_free,
                                           cf->pool);
    if (router->tree == NULL) {
        return NULL;
    }

    if (ngx_array_init(&router->regex, cf->pool, 4,
                       sizeof(ngx_http_routini_route_t *))
        != NGX_OK)
    {
        return NULL;
    }

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_routini_module);

    if (ngx_http_routini_push_ptr(&rmcf->routers, router) != NGX_OK) {
        return NULL;
    }

    return router;
}


static char *
ngx_http_routini_route_tree(ngx_conf_t *cf, ngx_http_routini_router_t *router,
    ngx_http_routini_route_t *route)
{
    u_char                     err[512];
    void                      *conflict;
    uint32_t                   methods;
    ngx_str_t                 *pattern;
    ngx_http_routini_route_t  *other;

    pattern = ngx_http_routini_route_pattern(route);
    methods = route->methods ? route->methods : NGX_ROUTINI_ANY_METHOD;
    conflict = NULL;

    if (ngx_routini_tree_insert(router->tree, (char *) pattern->data,
                                pattern->len, methods, route,
                                &conflict, (char *) err, sizeof(err))
        != 0)
    {
        other = conflict;

        if (other) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "routini_route: %s "
                               "(the other route is at %s:%ui)",
                               err, other->common->file,
                               (ngx_uint_t) other->line);
        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "routini_route: %s",
                               err);
        }

        return NGX_CONF_ERROR;
    }

    if (route->strip_prefix && !ngx_http_routini_has_catchall(pattern)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "routini_route: route \"%V\": strip_prefix needs "
                           "a catch-all last segment such as \"{*rest}\", "
                           "\"*rest\" or \"*\"", pattern);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_routini_route_regex(ngx_conf_t *cf, ngx_http_routini_router_t *router,
    ngx_http_routini_route_t *route)
{
    u_char                      errstr[NGX_MAX_CONF_ERRSTR];
    ngx_str_t                  *pattern, *other;
    ngx_uint_t                  i;
    ngx_regex_compile_t         rc;
    ngx_http_routini_regex_t   *re;
    ngx_http_routini_route_t  **rp;

    pattern = ngx_http_routini_route_pattern(route);

    if (route->strip_prefix) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "routini_route: route \"%V\": strip_prefix is "
                           "not supported on regex routes, use a tree pattern "
                           "with a catch-all or \"rewrite ... break\"",
                           pattern);
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&rc, sizeof(ngx_regex_compile_t));

    rc.pattern = *pattern;
    rc.pool = cf->pool;
    rc.err.len = NGX_MAX_CONF_ERRSTR;
    rc.err.data = errstr;

    if (pattern->len > 1 && pattern->data[1] == '*') {
        rc.pattern.data += 2;
        rc.pattern.len -= 2;
        rc.options = NGX_REGEX_CASELESS;

    } else {
        rc.pattern.data++;
        rc.pattern.len--;
    }

    if (rc.pattern.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "routini_route: route \"%V\": empty regex",
                           pattern);
        return NGX_CONF_ERROR;
    }

    if (ngx_regex_compile(&rc) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "routini_route: route \"%V\": invalid regex: %V",
                           pattern, &rc.err);
        return NGX_CONF_ERROR;
    }

    re = ngx_http_routini_route_re(route);

    re->regex = rc.regex;
    re->ncaptures = rc.captures;

    router->ncaptures = ngx_max(router->ncaptures,
                                (ngx_uint_t) (rc.captures + 1) * 3);

    if (rc.named_captures
        && ngx_http_routini_regex_names(cf, route, &rc) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    rp = router->regex.elts;

    for (i = 0; i < router->regex.nelts; i++) {
        other = ngx_http_routini_route_pattern(rp[i]);

        if (other->len == pattern->len
            && ngx_strncmp(other->data, pattern->data, pattern->len) == 0
            && (rp[i]->methods == 0 || route->methods == 0
                || (rp[i]->methods & route->methods)))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "routini_route: duplicate route \"%V\" "
                               "(the other route is at %s:%ui)",
                               pattern, rp[i]->common->file,
                               (ngx_uint_t) rp[i]->line);
            return NGX_CONF_ERROR;
        }
    }

    if (ngx_http_routini_push_ptr(&router->regex, route) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * The named captures, in capture order, as the tree gives its params: a
 * name array and a length array, plus each one's capture number.  PCRE's
 * name table is sorted by name, with the number in its first two bytes.
 */

static ngx_int_t
ngx_http_routini_regex_names(ngx_conf_t *cf, ngx_http_routini_route_t *route,
    ngx_regex_compile_t *rc)
{
    u_char                    *p, **by_number;
    size_t                    *lens;
    ngx_uint_t                 i, k, n;
    ngx_http_routini_regex_t  *re;

    by_number = ngx_pcalloc(cf->temp_pool,
                            (rc->captures + 1) * sizeof(u_char *));
    if (by_number == NULL) {
        return NGX_ERROR;
    }

    p = rc->names;

    for (i = 0; i < (ngx_uint_t) rc->named_captures; i++) {
        n = (p[0] << 8) + p[1];
        by_number[n] = &p[2];
        p += rc->name_size;
    }

    n = rc->named_captures;

    re = ngx_http_routini_route_re(route);

    /* the names, then their lengths, as the tree lays out a route's */

    re->names = ngx_palloc(cf->pool, n * (sizeof(char *) + sizeof(size_t)));
    re->captures = ngx_palloc(cf->pool, n * sizeof(ngx_int_t));

    if (re->names == NULL || re->captures == NULL) {
        return NGX_ERROR;
    }

    for (i = 1, k = 0; i <= (ngx_uint_t) rc->captures; i++) {
        if (by_number[i] == NULL) {
            continue;
        }

        re->names[k] = (const char *) by_number[i];
        re->captures[k] = i;
        k++;
    }

    re->nnames = k;

    lens = (size_t *) (re->names + k);

    for (i = 0; i < k; i++) {
        lens[i] = ngx_strlen(re->names[i]);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_routini_route_set_methods(ngx_conf_t *cf,
    ngx_http_routini_param_t *param, ngx_str_t *value, void *conf)
{
    ngx_http_routini_route_t *route = conf;

    u_char                     *p, *last, *comma;
    ngx_str_t                   m;
    ngx_http_routini_method_t  *meth;

    p = value->data;
    last = p + value->len;

    if (p == last) {
        return NGX_DECLINED;
    }

    while (p <= last) {
        comma = ngx_strlchr(p, last, ',');
        if (comma == NULL) {
            comma = last;
        }

        m.data = p;
        m.len = comma - p;

        for (meth = ngx_http_routini_methods; meth->name.len; meth++) {
            if (meth->name.len == m.len
                && ngx_strncasecmp(meth->name.data, m.data, m.len) == 0)
            {
                break;
            }
        }

        if (meth->name.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "routini_route: unknown method \"%V\" in "
                               "methods=, expected GET, HEAD, POST, PUT, "
                               "DELETE, OPTIONS, PATCH, ...", &m);
            return NGX_ERROR;
        }

        route->methods |= meth->method;

        p = comma + 1;
    }

    return NGX_OK;
}


/* the last segment is "{*name}", "*name" or "*" */

static ngx_uint_t
ngx_http_routini_has_catchall(ngx_str_t *pattern)
{
    u_char  *p, *last;

    last = pattern->data + pattern->len;

    for (p = last; p > pattern->data && p[-1] != '/'; p--) { /* void */ }

    return (last - p >= 1 && p[0] == '*')
           || (last - p >= 2 && p[0] == '{' && p[1] == '*');
}


static void *
ngx_http_routini_tree_alloc(void *ctx, size_t size)
{
    return ngx_palloc((ngx_pool_t *) ctx, size);
}


/* the pool gives back its large blocks, such as a grown hash table's */

static void
ngx_http_routini_tree_free(void *ctx, void *p)
{
    (void) ngx_pfree((ngx_pool_t *) ctx, p);
}


char *
ngx_http_routini_merge_router(ngx_conf_t *cf,
    ngx_http_routini_loc_conf_t *prev, ngx_http_routini_loc_conf_t *conf)
{
    ngx_http_routini_route_t  *route;

    /* like other nginx array directives: a location with no routes of its
     * own takes those of its server */

    if (conf->router == NULL) {
        conf->router = prev->router;
        return NGX_CONF_OK;
    }

    if (conf->router != prev->router && !conf->enable) {
        route = conf->router->first;

        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "routini_route: route \"%V\" is in a location with "
                      "routini_metrics, routini_status or routini_api, "
                      "which never routes: move it to another location "
                      "in %s:%ui", ngx_http_routini_route_pattern(route),
                      route->common->file,
                      (ngx_uint_t) route->line);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_routini_router_init(ngx_conf_t *cf)
{
    u_char                         err[512];
    ngx_uint_t                     i;
    ngx_http_routini_route_t      *route;
    ngx_http_routini_router_t    **router;
    ngx_http_routini_main_conf_t  *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_routini_module);

    if (rmcf->routes.nelts == 0) {
        return NGX_OK;
    }

    router = rmcf->routers.elts;

    for (i = 0; i < rmcf->routers.nelts; i++) {
        if (ngx_routini_tree_freeze(router[i]->tree, (void **) &route,
                                    (char *) err, sizeof(err))
            != 0)
        {
            if (route) {
                ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                              "routini_route: %s in %s:%ui", err,
                              route->common->file, (ngx_uint_t) route->line);
            } else {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "routini_route: %s",
                                   err);
            }

            return NGX_ERROR;
        }
    }

    return ngx_http_routini_add_handler(cf, NGX_HTTP_REWRITE_PHASE,
                                        ngx_http_routini_handler);
}


/*
 * The rewrite phase: the location is known, so are its routes, and a URI
 * changed here without r->uri_changed stays in this location, exactly as
 * "rewrite ... break" does.  Access checks (allow, auth_basic) run after.
 */

static ngx_int_t
ngx_http_routini_handler(ngx_http_request_t *r)
{
    int                           rc;
    size_t                        off;
    ngx_uint_t                    i;
    ngx_routini_match_t           m;
    ngx_http_routini_ctx_t       *ctx;
    ngx_http_routini_route_t     *route;
    ngx_http_routini_router_t    *router;
    ngx_http_routini_loc_conf_t  *rlcf;

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_routini_module);

    router = rlcf->router;

    if (router == NULL || !rlcf->enable) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_routini_module);

    if (ctx && ctx->route) {
        /* routed already: the phase runs again after "rewrite ... last" */
        return NGX_DECLINED;
    }

    rc = ngx_routini_tree_lookup(router->tree, (char *) r->uri.data,
                                 r->uri.len, (uint32_t) r->method, &m);

    if (rc != NGX_ROUTINI_FOUND) {
        return ngx_http_routini_miss(r, rlcf, rc, &m);
    }

    /* the common case inline: a tree route, its context, strip_prefix */

    route = m.data;

    ctx = ngx_http_routini_ctx_create(r, route, &r->uri, m.nparams);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->names = m.names;

    for (i = 0; i < m.nparams; i++) {
        ctx->values[i].data = r->uri.data + m.params[i].start;
        ctx->values[i].len = m.params[i].len;
    }

    ngx_http_set_ctx(r, ctx, ngx_http_routini_module);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "routini: \"%V\" matches route \"%V\", path \"%V\"",
                   &r->uri, &route->name, &ctx->path);

    if (route->strip_prefix) {

        /* the catch-all value follows a "/", which starts the new URI */

        off = m.catchall_start - 1;

        ctx->path.data += off;
        ctx->path.len -= off;

        r->uri = ctx->path;

        /*
         * as "rewrite ... break": proxy_pass builds the request line from
         * r->uri and r->args, escaping r->uri again when the client's URI
         * was percent-encoded (r->quoted_uri); r->internal is not set, so
         * an unencoded URI is forwarded as received, without the cost of
         * escaping it
         */

        r->valid_unparsed_uri = 0;
        r->valid_location = 0;
    }

    return NGX_DECLINED;
}


/*
 * No tree route took the request: the regex routes, then 404, 405 or, with
 * routini_fallthrough, the location's own handler.
 */

static ngx_http_routini_noinline ngx_int_t
ngx_http_routini_miss(ngx_http_request_t *r,
    ngx_http_routini_loc_conf_t *rlcf, int rc, ngx_routini_match_t *m)
{
    ngx_uint_t               allowed;
    ngx_http_routini_ctx_t  *ctx;

    allowed = (rc == NGX_ROUTINI_METHOD_MISMATCH) ? m->allowed : 0;

    if (rlcf->router->regex.nelts) {
        ctx = ngx_http_routini_match_regex(r, rlcf->router, &r->uri,
                                           r->method, &allowed);

    } else {
        ctx = ngx_http_routini_ctx_create(r, NULL, &r->uri, 0);
    }

    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_set_ctx(r, ctx, ngx_http_routini_module);

    if (ctx->route) {
        ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "routini: \"%V\" matches route \"%V\", "
                       "path \"%V\"", &r->uri, &ctx->route->name,
                       &ctx->path);

        /* regex routes have no strip_prefix */

        return NGX_DECLINED;
    }

    ctx->miss = allowed ? NGX_HTTP_ROUTINI_MISS_METHOD
                        : NGX_HTTP_ROUTINI_MISS_PATH;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "routini: no route for \"%V\", allowed %ui",
                   &r->uri, allowed);

    if (rlcf->fallthrough) {
        return NGX_DECLINED;
    }

    if (allowed) {
        return ngx_http_routini_not_allowed(r, allowed);
    }

    return NGX_HTTP_NOT_FOUND;
}


/*
 * The request's context, with room for its params' values after it: one
 * allocation from the request pool; the names belong to the route.
 */

static ngx_inline ngx_http_routini_ctx_t *
ngx_http_routini_ctx_create(ngx_http_request_t *r,
    ngx_http_routini_route_t *route, ngx_str_t *path, ngx_uint_t nparams)
{
    ngx_http_routini_ctx_t  *ctx;

    ctx = ngx_palloc(r->pool,
                     sizeof(ngx_http_routini_ctx_t)
                     + nparams * sizeof(ngx_str_t));
    if (ctx == NULL) {
        return NULL;
    }

    ctx->route = route;
    ctx->path = *path;
    ngx_str_null(&ctx->upstream);
    ctx->nparams = nparams;
    ctx->names = NULL;
    ctx->values = (ngx_str_t *) (ctx + 1);
    ctx->miss = 0;
    ctx->upstream_done = 0;

    return ctx;
}


/* the route a path takes in a router, any method; NULL if none */

static ngx_http_routini_route_t *
ngx_http_routini_route_of(ngx_http_request_t *r,
    ngx_http_routini_router_t *router, ngx_str_t *path)
{
    ngx_uint_t               allowed;
    ngx_routini_match_t      m;
    ngx_http_routini_ctx_t  *ctx;

    if (ngx_routini_tree_lookup(router->tree, (char *) path->data, path->len,
                                NGX_ROUTINI_ANY_METHOD, &m)
        == NGX_ROUTINI_FOUND)
    {
        return m.data;
    }

    if (router->regex.nelts == 0) {
        return NULL;
    }

    allowed = 0;

    ctx = ngx_http_routini_match_regex(r, router, path,
                                       NGX_ROUTINI_ANY_METHOD, &allowed);

    return ctx ? ctx->route : NULL;
}


static ngx_http_routini_ctx_t *
ngx_http_routini_match_regex(ngx_http_request_t *r,
    ngx_http_routini_router_t *router, ngx_str_t *path, ngx_uint_t method,
    ngx_uint_t *allowed)
{
    int                       *caps;
    ngx_int_t                  rc, j;
    ngx_uint_t                 i, k;
    ngx_http_routini_ctx_t    *ctx;
    ngx_http_routini_regex_t  *re;
    ngx_http_routini_route_t  *route, **routes;

    /*
     * room for every group of the router's largest regex, from the request
     * pool, as nginx's own regex locations have (ngx_http_regex_exec()):
     * a capture group of any number may be named
     */

    caps = ngx_palloc(r->pool, router->ncaptures * sizeof(int));
    if (caps == NULL) {
        return NULL;
    }

    routes = router->regex.elts;

    for (i = 0; i < router->regex.nelts; i++) {
        route = routes[i];

        re = ngx_http_routini_route_re(route);

        rc = ngx_regex_exec(re->regex, path, caps, (re->ncaptures + 1) * 3);

        if (rc == NGX_REGEX_NO_MATCHED) {
            continue;
        }

        if (rc < 0) {
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          ngx_regex_exec_n " failed: %i on \"%V\" using "
                          "\"%V\"", rc, path,
                          ngx_http_routini_route_pattern(route));
            return NULL;
        }

        if (route->methods && !(route->methods & method)) {
            *allowed |= route->methods;
            continue;
        }

        ctx = ngx_http_routini_ctx_create(r, route, path, re->nnames);
        if (ctx == NULL) {
            return NULL;
        }

        ctx->names = re->names;

        /* rc is 1 + the number of the last group that took part */

        for (k = 0; k < re->nnames; k++) {
            j = re->captures[k];

            if (j < rc && caps[2 * j] >= 0) {
                ctx->values[k].data = path->data + caps[2 * j];
                ctx->values[k].len = caps[2 * j + 1] - caps[2 * j];

            } else {
                ngx_str_null(&ctx->values[k]);
            }
        }

        return ctx;
    }

    return ngx_http_routini_ctx_create(r, NULL, path, 0);
}


static ngx_int_t
ngx_http_routini_not_allowed(ngx_http_request_t *r, ngx_uint_t allowed)
{
    if (ngx_http_routini_allow_header(r, allowed) == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_HTTP_NOT_ALLOWED;
}


/* the "Allow" header of a 405, for the router and the API */

ngx_table_elt_t *
ngx_http_routini_allow_header(ngx_http_request_t *r, ngx_uint_t allowed)
{
    u_char           *buf;
    ngx_str_t         value;
    ngx_table_elt_t  *h;

    buf = ngx_pnalloc(r->pool, 128);
    if (buf == NULL) {
        return NULL;
    }

    if (ngx_http_routini_method_names(allowed, buf, 128, &value) != NGX_OK) {
        return NULL;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NULL;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Allow");
    h->value = value;

    return h;
}


/* "GET, HEAD, POST" for a method mask, in a fixed order */

ngx_int_t
ngx_http_routini_method_names(ngx_uint_t methods, u_char *buf, size_t size,
    ngx_str_t *out)
{
    u_char                     *p, *last;
    ngx_http_routini_method_t  *m;

    p = buf;
    last = buf + size;

    for (m = ngx_http_routini_methods; m->name.len; m++) {
        if (!(methods & m->method)) {
            continue;
        }

        if (p != buf) {
            p = ngx_slprintf(p, last, ", ");
        }

        p = ngx_slprintf(p, last, "%V", &m->name);
    }

    if (p == last) {
        return NGX_ERROR;
    }

    out->data = buf;
    out->len = p - buf;

    return NGX_OK;
}


/* the route a path would take, for the control API: the first router that
 * has one, any method */

ngx_http_routini_route_t *
ngx_http_routini_find_route(ngx_http_request_t *r, ngx_str_t *path)
{
    ngx_uint_t                     i;
    ngx_http_routini_route_t      *route;
    ngx_http_routini_router_t    **router;
    ngx_http_routini_main_conf_t  *rmcf;

    rmcf = ngx_http_get_module_main_conf(r, ngx_http_routini_module);

    router = rmcf->routers.elts;

    for (i = 0; i < rmcf->routers.nelts; i++) {
        route = ngx_http_routini_route_of(r, router[i], path);

        if (route) {
            return route;
        }
    }

    return NULL;
}
