
/*
 * Copyright (C) routini authors
 *
 * $routini_upstream, $routini_route, $routini_path, $routini_param_NAME.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini.h"


#define NGX_HTTP_ROUTINI_VAR_UPSTREAM  0
#define NGX_HTTP_ROUTINI_VAR_ROUTE     1
#define NGX_HTTP_ROUTINI_VAR_PATH      2

#define NGX_HTTP_ROUTINI_PARAM_PREFIX  "routini_param_"


static ngx_int_t ngx_http_routini_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_routini_param_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_routini_set_value(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, ngx_str_t *value);


ngx_http_variable_t  ngx_http_routini_vars[] = {

    { ngx_string("routini_upstream"), NULL, ngx_http_routini_variable,
      NGX_HTTP_ROUTINI_VAR_UPSTREAM, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("routini_route"), NULL, ngx_http_routini_variable,
      NGX_HTTP_ROUTINI_VAR_ROUTE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("routini_path"), NULL, ngx_http_routini_variable,
      NGX_HTTP_ROUTINI_VAR_PATH, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string(NGX_HTTP_ROUTINI_PARAM_PREFIX), NULL,
      ngx_http_routini_param_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE|NGX_HTTP_VAR_PREFIX, 0 },

      ngx_http_null_variable
};


/* every module's variables: $routini_upstream..., $routini_strategy */

ngx_int_t
ngx_http_routini_add_variables(ngx_conf_t *cf, ngx_http_variable_t *vars)
{
    ngx_http_variable_t  *var, *v;

    for (v = vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_routini_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    ngx_str_t                *s;
    ngx_http_routini_ctx_t   *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_routini_module);

    if (ctx == NULL || ctx->route == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    switch (data) {

    case NGX_HTTP_ROUTINI_VAR_UPSTREAM:

        /* the target may use variables, $routini_param_* among them */

        if (!ctx->upstream_done) {
            if (!ctx->route->complex) {
                ctx->upstream = ctx->route->common->target;

            } else if (ngx_http_complex_value(r,
                               ngx_http_routini_route_complex(ctx->route),
                               &ctx->upstream)
                       != NGX_OK)
            {
                return NGX_ERROR;
            }

            ctx->upstream_done = 1;
        }

        s = &ctx->upstream;
        break;

    case NGX_HTTP_ROUTINI_VAR_ROUTE:
        s = &ctx->route->name;
        break;

    default: /* NGX_HTTP_ROUTINI_VAR_PATH */
        return ngx_http_routini_set_value(r, v, &ctx->path);
    }

    ngx_http_routini_variable_value(v, s);

    return NGX_OK;
}


/* data points to the variable's full name, "routini_param_id"; nginx
 * lowercases variable names, so "{userId}" is $routini_param_userid */

static ngx_int_t
ngx_http_routini_param_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t *var = (ngx_str_t *) data;

    u_char                  *name;
    size_t                   len, *lens;
    ngx_uint_t               i;
    ngx_http_routini_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_routini_module);

    if (ctx == NULL || ctx->route == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    name = var->data + sizeof(NGX_HTTP_ROUTINI_PARAM_PREFIX) - 1;
    len = var->len - (sizeof(NGX_HTTP_ROUTINI_PARAM_PREFIX) - 1);

    /* the names' lengths follow them; names is NULL without params */

    lens = ctx->nparams ? (size_t *) (ctx->names + ctx->nparams) : NULL;

    for (i = 0; i < ctx->nparams; i++) {
        if (lens[i] == len
            && ngx_strncasecmp((u_char *) ctx->names[i], name, len) == 0)
        {
            return ngx_http_routini_set_value(r, v, &ctx->values[i]);
        }
    }

    /* a param the route does not have is empty, not an error */

    v->len = 0;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = (u_char *) "";

    return NGX_OK;
}


/*
 * Params and the path are decoded, so "%0D%0A" in a request is a CR LF in
 * the value; used in proxy_set_header or add_header it would split the
 * header.  Control characters are therefore given back percent-encoded.
 */

static ngx_int_t
ngx_http_routini_set_value(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    ngx_str_t *value)
{
    u_char      *p, *s, *last;
    ngx_uint_t   n;

    static u_char  hex[] = "0123456789ABCDEF";

    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    if (value->len == 0) {
        /* a regex group that took no part has no data */
        v->len = 0;
        v->data = (u_char *) "";
        return NGX_OK;
    }

    last = value->data + value->len;
    n = 0;

    for (s = value->data; s < last; s++) {
        if (*s < 0x20 || *s == 0x7f) {
            n++;
        }
    }

    if (n == 0) {
        v->len = value->len;
        v->data = value->data;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, value->len + 2 * n);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->data = p;

    for (s = value->data; s < last; s++) {
        if (*s < 0x20 || *s == 0x7f) {
            *p++ = '%';
            *p++ = hex[*s >> 4];
            *p++ = hex[*s & 0xf];

        } else {
            *p++ = *s;
        }
    }

    v->len = p - v->data;

    return NGX_OK;
}
