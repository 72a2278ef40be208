
/*
 * Copyright (C) routini authors
 *
 * The "routini" upstream: proxy_pass http://routini; sends a routed request
 * to its route's upstream{} directly.
 *
 * proxy_pass http://$routini_upstream; makes nginx, on every request,
 * evaluate the variable, parse the result as a URL and search all upstream
 * blocks by name: about 1,500 instructions, more than routing itself.  The
 * route's target is known at configuration time, so this upstream's peer
 * initialization hands the request to the target upstream's own balancer
 * (routini_balancer, keepalive, nginx's round robin, ...) at the cost of a
 * pointer dereference.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini.h"


#define NGX_HTTP_ROUTINI_DISPATCH  "routini"


static ngx_int_t ngx_http_routini_dispatch_init_upstream(ngx_conf_t *cf,
    ngx_http_upstream_srv_conf_t *us);
static ngx_int_t ngx_http_routini_dispatch_init_peer(ngx_http_request_t *r,
    ngx_http_upstream_srv_conf_t *us);


/* preconfiguration: reserve the name before any proxy_pass refers to it */

ngx_int_t
ngx_http_routini_dispatch_add(ngx_conf_t *cf)
{
    ngx_url_t                      u;
    ngx_http_upstream_srv_conf_t  *uscf;

    ngx_memzero(&u, sizeof(ngx_url_t));

    ngx_str_set(&u.host, NGX_HTTP_ROUTINI_DISPATCH);
    u.url = u.host;
    u.no_resolve = 1;
    u.no_port = 1;

    uscf = ngx_http_upstream_add(cf, &u, NGX_HTTP_UPSTREAM_CREATE);
    if (uscf == NULL) {
        return NGX_ERROR;
    }

    uscf->peer.init_upstream = ngx_http_routini_dispatch_init_upstream;

    return NGX_OK;
}


static ngx_int_t
ngx_http_routini_dispatch_init_upstream(ngx_conf_t *cf,
    ngx_http_upstream_srv_conf_t *us)
{
    us->peer.init = ngx_http_routini_dispatch_init_peer;

    return NGX_OK;
}


/* postconfiguration: each constant target that names an upstream{} block
 * gets a pointer to it, in what the routes to it have in common */

ngx_int_t
ngx_http_routini_dispatch_resolve(ngx_conf_t *cf)
{
    ngx_str_t                        *target;
    ngx_uint_t                        i, j;
    ngx_http_routini_route_t        **route;
    ngx_http_routini_route_common_t  *c;
    ngx_http_upstream_srv_conf_t    **uscfp;
    ngx_http_upstream_main_conf_t    *umcf;
    ngx_http_routini_main_conf_t     *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_routini_module);
    umcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_upstream_module);

    route = rmcf->routes.elts;
    uscfp = umcf->upstreams.elts;

    for (i = 0; i < rmcf->routes.nelts; i++) {

        c = route[i]->common;

        if (route[i]->complex || c->upstream) {
            continue;
        }

        target = &c->target;

        for (j = 0; j < umcf->upstreams.nelts; j++) {

            if ((uscfp[j]->flags & NGX_HTTP_UPSTREAM_CREATE)
                && uscfp[j]->host.len == target->len
                && ngx_strncasecmp(uscfp[j]->host.data, target->data,
                                   target->len)
                   == 0)
            {
                c->upstream = uscfp[j];
                break;
            }
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_routini_dispatch_init_peer(ngx_http_request_t *r,
    ngx_http_upstream_srv_conf_t *us)
{
    ngx_http_upstream_t           *u;
    ngx_http_routini_ctx_t        *ctx;
    ngx_http_upstream_srv_conf_t  *target;

    ctx = ngx_http_get_module_ctx(r, ngx_http_routini_module);

    if (ctx == NULL || ctx->route == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "routini: proxy_pass http://routini for a request "
                      "no route matched");
        return NGX_ERROR;
    }

    target = ctx->route->common->upstream;

    if (target == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "routini: the target of route \"%V\" is not an "
                      "upstream{} block, use "
                      "proxy_pass http://$routini_upstream for it",
                      &ctx->route->name);
        return NGX_ERROR;
    }

    u = r->upstream;

    u->upstream = target;

#if (NGX_HTTP_SSL)
    u->ssl_name = target->host;
#endif

    return target->peer.init(r, target);
}
