
/*
 * Copyright (C) routini authors
 *
 * ngx_http_routini_api_module: routini_api, the control API, JSON in and
 * out.  Paths are below the
 * location prefix:
 *
 *   GET   upstreams                   every routini upstream
 *   GET   upstreams/NAME              one upstream
 *   PATCH upstreams/NAME              {"strategy":"fewest_connections"}
 *   GET   upstreams/NAME/peers/ADDR   one peer
 *   PATCH upstreams/NAME/peers/ADDR   {"state":"drain|up|down"}
 *   POST  strategy                    {"path":"/api/x","strategy":"..."}
 *   GET   routes                      the route table with hits
 *
 * Changes go through the balancer's calls, which keep them in the zone
 * (every worker sees them on its next request) and log them.
 *
 * A write is taken only from a client that is not a browser on another
 * site: it must be sent as application/json (which a page can send to
 * another origin only after a CORS preflight, which fails), with no
 * Sec-Fetch-Site other than same-origin or none, and with no Origin outside
 * "routini_api allow_origin=".  "routini_api compat=routini" is the one
 * exception, for routini's clients (curl -d): its location answers POST
 * strategy at any path and also takes application/x-www-form-urlencoded.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini_metrics.h"
#include "ngx_routini_json.h"


#define NGX_HTTP_ROUTINI_API_MAX_BODY    16384
#define NGX_HTTP_ROUTINI_API_MAX_DEPTH   8
#define NGX_HTTP_ROUTINI_API_MAX_STRING  4096
#define NGX_HTTP_ROUTINI_API_MAX_NODES   64
#define NGX_HTTP_ROUTINI_API_ERRLEN      256


typedef enum {
    NGX_HTTP_ROUTINI_API_UPSTREAMS = 0,
    NGX_HTTP_ROUTINI_API_UPSTREAM,
    NGX_HTTP_ROUTINI_API_PEER,
    NGX_HTTP_ROUTINI_API_STRATEGY,
    NGX_HTTP_ROUTINI_API_ROUTES
} ngx_http_routini_api_endpoint_e;


typedef struct {
    ngx_http_routini_api_endpoint_e   endpoint;
    ngx_http_routini_upstream_t      *upstream;
    ngx_str_t                         peer;
    ngx_uint_t                        npeer;
    u_char                            error[256];
    size_t                            error_len;
} ngx_http_routini_api_ctx_t;


typedef struct {
    ngx_routini_json_t                json;
    ngx_routini_json_node_t           nodes[NGX_HTTP_ROUTINI_API_MAX_NODES];
} ngx_http_routini_api_body_t;


typedef struct {
    ngx_array_t                      *origins;     /* allow_origin=, str */
    ngx_uint_t                        compat;      /* compat=routini */
} ngx_http_routini_api_loc_conf_t;


static void *ngx_http_routini_api_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_routini_api(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_routini_api_set_origins(ngx_conf_t *cf,
    ngx_http_routini_param_t *p, ngx_str_t *value, void *conf);
static ngx_int_t ngx_http_routini_api_origin(ngx_conf_t *cf, ngx_str_t *o,
    ngx_str_t *param);
static ngx_int_t ngx_http_routini_api_set_compat(ngx_conf_t *cf,
    ngx_http_routini_param_t *p, ngx_str_t *value, void *conf);
static ngx_int_t ngx_http_routini_api_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_routini_api_route(ngx_http_request_t *r,
    ngx_http_routini_api_ctx_t *ctx, ngx_uint_t *allowed);
static ngx_int_t ngx_http_routini_api_not_found(
    ngx_http_routini_api_ctx_t *ctx, const char *fmt, ...);
static ngx_int_t ngx_http_routini_api_not_allowed(ngx_http_request_t *r,
    ngx_uint_t allowed);
static ngx_int_t ngx_http_routini_api_get(ngx_http_request_t *r,
    ngx_http_routini_api_ctx_t *ctx);
static ngx_int_t ngx_http_routini_api_upstreams(ngx_http_routini_out_t *out);
static ngx_int_t ngx_http_routini_api_routes(ngx_http_routini_out_t *out);
static void ngx_http_routini_api_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_routini_api_change(ngx_http_request_t *r,
    ngx_http_routini_api_ctx_t *ctx);
static ngx_uint_t ngx_http_routini_api_config_down(
    ngx_http_routini_api_ctx_t *ctx);
static ngx_int_t ngx_http_routini_api_read(ngx_http_request_t *r,
    ngx_str_t *body);
static ngx_int_t ngx_http_routini_api_fields(ngx_routini_json_t *j,
    char **names, ngx_str_t *values, u_char *buf, ngx_str_t *err);
static ngx_int_t ngx_http_routini_api_strategy(ngx_http_request_t *r,
    ngx_http_routini_upstream_t *u, ngx_str_t *name);
static ngx_int_t ngx_http_routini_api_post_strategy(ngx_http_request_t *r,
    ngx_str_t *path, ngx_str_t *strategy);
static ngx_int_t ngx_http_routini_api_send(ngx_http_routini_out_t *out);
static ngx_int_t ngx_http_routini_api_foreign(ngx_http_request_t *r,
    ngx_http_routini_api_ctx_t *ctx);
static u_char *ngx_http_routini_api_escape(u_char *p, ngx_str_t *v,
    size_t max);
static ngx_uint_t ngx_http_routini_api_type(ngx_http_request_t *r,
    ngx_str_t *type);
static ngx_int_t ngx_http_routini_api_wrong_type(ngx_http_request_t *r,
    ngx_http_routini_api_ctx_t *ctx, ngx_uint_t compat);


/* allow_origin= may be given again, its origins are added */
static ngx_http_routini_param_t  ngx_http_routini_api_params[] = {

    { ngx_string("allow_origin="), ngx_http_routini_api_set_origins, 0, 0, 0,
      NULL, 1, 0, NULL },

    { ngx_string("compat="), ngx_http_routini_api_set_compat, 0, 0, 0,
      "routini", 0, 0, NULL },

      ngx_http_routini_null_param
};


static ngx_command_t  ngx_http_routini_api_commands[] = {

    { ngx_string("routini_api"),
      NGX_HTTP_LOC_CONF|NGX_CONF_ANY,
      ngx_http_routini_api,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_routini_api_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_routini_api_create_loc_conf,  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_routini_api_module = {
    NGX_MODULE_V1,
    &ngx_http_routini_api_module_ctx,      /* module context */
    ngx_http_routini_api_commands,         /* module directives */
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


static char  *ngx_http_routini_api_strategy_fields[] = {
    "strategy", NULL
};

static char  *ngx_http_routini_api_state_fields[] = {
    "state", NULL
};

static char  *ngx_http_routini_api_post_fields[] = {
    "path", "strategy", NULL
};


static ngx_str_t  ngx_http_routini_api_json = ngx_string("application/json");
static ngx_str_t  ngx_http_routini_api_form =
    ngx_string("application/x-www-form-urlencoded");


static ngx_int_t
ngx_http_routini_api_handler(ngx_http_request_t *r)
{
    ngx_int_t                         rc;
    ngx_uint_t                        allowed;
    ngx_http_routini_api_ctx_t       *ctx;
    ngx_http_routini_api_loc_conf_t  *alcf;

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_routini_api_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_set_ctx(r, ctx, ngx_http_routini_api_module);

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_routini_api_module);

    allowed = 0;

    if (alcf->compat) {
        /* routini's strategy endpoint answers at any path */
        ctx->endpoint = NGX_HTTP_ROUTINI_API_STRATEGY;
        allowed = NGX_HTTP_POST;
        rc = NGX_OK;

    } else {
        rc = ngx_http_routini_api_route(r, ctx, &allowed);
    }

    if (rc == NGX_HTTP_NOT_FOUND) {
        rc = ngx_http_discard_request_body(r);

        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_routini_json_error(r, NGX_HTTP_NOT_FOUND, "%*s",
                                           ctx->error_len, ctx->error);
    }

    if (!(r->method & allowed)) {
        return ngx_http_routini_api_not_allowed(r, allowed);
    }

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        rc = ngx_http_discard_request_body(r);

        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_routini_api_get(r, ctx);
    }

    if (ngx_http_routini_api_foreign(r, ctx) != NGX_OK) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "routini_api: %*s", ctx->error_len, ctx->error);

        rc = ngx_http_discard_request_body(r);

        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_routini_json_error(r, NGX_HTTP_FORBIDDEN, "%*s",
                                           ctx->error_len, ctx->error);
    }

    if (!ngx_http_routini_api_type(r, &ngx_http_routini_api_json)
        && !(alcf->compat
             && ngx_http_routini_api_type(r, &ngx_http_routini_api_form)))
    {
        return ngx_http_routini_api_wrong_type(r, ctx, alcf->compat);
    }

    if (r->headers_in.content_length_n > NGX_HTTP_ROUTINI_API_MAX_BODY) {
        rc = ngx_http_discard_request_body(r);

        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_routini_json_error(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                           "request body over %d bytes",
                                           NGX_HTTP_ROUTINI_API_MAX_BODY);
    }

    rc = ngx_http_read_client_request_body(r,
                                           ngx_http_routini_api_body_handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


/* the endpoint from the path below the location; 404 for none */

static ngx_int_t
ngx_http_routini_api_route(ngx_http_request_t *r,
    ngx_http_routini_api_ctx_t *ctx, ngx_uint_t *allowed)
{
    u_char                        *p, *last, *slash;
    ngx_str_t                      path, name;
    ngx_uint_t                     i;
    ngx_http_core_loc_conf_t      *clcf;
    ngx_http_routini_peer_info_t   pi;
    ngx_http_routini_upstream_info_t  ui;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    path = r->uri;

    if (path.len >= clcf->name.len
        && ngx_strncmp(path.data, clcf->name.data, clcf->name.len) == 0)
    {
        path.data += clcf->name.len;
        path.len -= clcf->name.len;
    }

    p = path.data;
    last = path.data + path.len;

    while (p < last && *p == '/') {
        p++;
    }

    while (last > p && last[-1] == '/') {
        last--;
    }

    path.data = p;
    path.len = last - p;

#define ngx_http_routini_api_is(s)                                           \
    (path.len == sizeof(s) - 1 && ngx_strncmp(path.data, s, path.len) == 0)

    if (ngx_http_routini_api_is("upstreams")) {
        ctx->endpoint = NGX_HTTP_ROUTINI_API_UPSTREAMS;
        *allowed = NGX_HTTP_GET|NGX_HTTP_HEAD;
        return NGX_OK;
    }

    if (ngx_http_routini_api_is("routes")) {
        ctx->endpoint = NGX_HTTP_ROUTINI_API_ROUTES;
        *allowed = NGX_HTTP_GET|NGX_HTTP_HEAD;
        return NGX_OK;
    }

    if (ngx_http_routini_api_is("strategy")) {
        ctx->endpoint = NGX_HTTP_ROUTINI_API_STRATEGY;
        *allowed = NGX_HTTP_POST;
        return NGX_OK;
    }

#undef ngx_http_routini_api_is

    if (path.len <= sizeof("upstreams/") - 1
        || ngx_strncmp(path.data, "upstreams/", sizeof("upstreams/") - 1)
           != 0)
    {
        return ngx_http_routini_api_not_found(ctx,
                                           "unknown endpoint \"%V\"", &path);
    }

    /* upstreams/NAME or upstreams/NAME/peers/ADDR (ADDR may be unix:/...) */

    name.data = path.data + sizeof("upstreams/") - 1;
    slash = ngx_strlchr(name.data, last, '/');
    name.len = (slash ? slash : last) - name.data;

    ctx->endpoint = NGX_HTTP_ROUTINI_API_UPSTREAM;
    *allowed = NGX_HTTP_GET|NGX_HTTP_HEAD|NGX_HTTP_PATCH;

    if (slash) {
        if ((size_t) (last - slash) <= sizeof("/peers/") - 1
            || ngx_strncmp(slash, "/peers/", sizeof("/peers/") - 1) != 0)
        {
            return ngx_http_routini_api_not_found(ctx,
                                               "unknown endpoint \"%V\"",
                                               &path);
        }

        ctx->endpoint = NGX_HTTP_ROUTINI_API_PEER;
        ctx->peer.data = slash + sizeof("/peers/") - 1;
        ctx->peer.len = last - ctx->peer.data;
    }

    ctx->upstream = ngx_http_routini_upstream_find((ngx_cycle_t *) ngx_cycle,
                                                    &name);

    if (ctx->upstream == NULL) {
        return ngx_http_routini_api_not_found(ctx,
                                           "unknown upstream \"%V\"", &name);
    }

    if (ctx->endpoint != NGX_HTTP_ROUTINI_API_PEER) {
        return NGX_OK;
    }

    ngx_http_routini_upstream_info(ctx->upstream, &ui);

    for (i = 0; i < ui.npeers; i++) {
        ngx_http_routini_peer_info(ctx->upstream, i, &pi);

        if (pi.name.len == ctx->peer.len
            && ngx_strncmp(pi.name.data, ctx->peer.data, pi.name.len) == 0)
        {
            ctx->npeer = i;
            return NGX_OK;
        }
    }

    return ngx_http_routini_api_not_found(ctx,
                                       "unknown peer \"%V\" in upstream "
                                       "\"%V\"", &ctx->peer, &name);
}


static ngx_int_t
ngx_http_routini_api_not_found(ngx_http_routini_api_ctx_t *ctx,
    const char *fmt, ...)
{
    u_char   *last;
    va_list   args;

    va_start(args, fmt);
    last = ngx_vslprintf(ctx->error, ctx->error + sizeof(ctx->error), fmt,
                         args);
    va_end(args);

    ctx->error_len = last - ctx->error;

    return NGX_HTTP_NOT_FOUND;
}


static ngx_int_t
ngx_http_routini_api_not_allowed(ngx_http_request_t *r, ngx_uint_t allowed)
{
    ngx_int_t         rc;
    ngx_table_elt_t  *h;

    h = ngx_http_routini_allow_header(r, allowed);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_http_routini_json_error(r, NGX_HTTP_NOT_ALLOWED,
                                       "method not allowed, use %V",
                                       &h->value);
}


/* the listings grow with routes and peers: streamed */

static ngx_int_t
ngx_http_routini_api_get(ngx_http_request_t *r,
    ngx_http_routini_api_ctx_t *ctx)
{
    ngx_str_t                      type;
    ngx_http_routini_out_t         out;
    ngx_http_routini_peer_info_t   pi;

    ngx_str_set(&type, "application/json");

    switch (ctx->endpoint) {

    case NGX_HTTP_ROUTINI_API_UPSTREAMS:
        return ngx_http_routini_out_stream(r, ngx_http_routini_api_upstreams,
                                           &type);

    case NGX_HTTP_ROUTINI_API_ROUTES:
        return ngx_http_routini_out_stream(r, ngx_http_routini_api_routes,
                                           &type);

    case NGX_HTTP_ROUTINI_API_UPSTREAM:
        ngx_http_routini_out_init(&out, r);
        ngx_http_routini_upstream_json(&out, ctx->upstream);
        break;

    default: /* NGX_HTTP_ROUTINI_API_PEER */
        ngx_http_routini_out_init(&out, r);
        ngx_http_routini_peer_info(ctx->upstream, ctx->npeer, &pi);
        ngx_http_routini_peer_json(&out, &pi);
    }

    ngx_http_routini_out_literal(&out, "\n");

    return ngx_http_routini_api_send(&out);
}


/* {"upstreams":[...]}: an upstream's head, a peer or its end a call */

static ngx_int_t
ngx_http_routini_api_upstreams(ngx_http_routini_out_t *out)
{
    if (!out->cursor.begun) {
        out->cursor.begun = 1;
        ngx_http_routini_out_literal(out, "{\"upstreams\":[");
    }

    if (ngx_http_routini_upstreams_json(out) == NGX_OK) {
        return NGX_OK;
    }

    ngx_http_routini_out_literal(out, "]}\n");

    return NGX_DONE;
}


/* {"routes":[...]}: a route a call, in configuration order */

static ngx_int_t
ngx_http_routini_api_routes(ngx_http_routini_out_t *out)
{
    ngx_http_routini_route_t             **routes;
    ngx_http_routini_main_conf_t          *rmcf;
    ngx_http_routini_metrics_main_conf_t  *mmcf;

    rmcf = ngx_http_get_module_main_conf(out->request,
                                         ngx_http_routini_module);
    mmcf = ngx_http_get_module_main_conf(out->request,
                                         ngx_http_routini_metrics_module);

    if (!out->cursor.begun) {
        out->cursor.begun = 1;
        ngx_http_routini_out_literal(out, "{\"routes\":[");
    }

    if (out->cursor.index == rmcf->routes.nelts) {
        ngx_http_routini_out_literal(out, "]}\n");
        return NGX_DONE;
    }

    if (out->cursor.index) {
        ngx_http_routini_out_literal(out, ",");
    }

    routes = rmcf->routes.elts;

    ngx_http_routini_route_json(out, mmcf, routes[out->cursor.index++]);

    return NGX_OK;
}


static void
ngx_http_routini_api_body_handler(ngx_http_request_t *r)
{
    ngx_http_routini_api_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_routini_api_module);

    ngx_http_finalize_request(r, ngx_http_routini_api_change(r, ctx));
}


static ngx_int_t
ngx_http_routini_api_change(ngx_http_request_t *r,
    ngx_http_routini_api_ctx_t *ctx)
{
    char                          **names;
    u_char                          errbuf[NGX_HTTP_ROUTINI_API_ERRLEN];
    ngx_int_t                       rc, state;
    ngx_str_t                       body, values[2], err;
    ngx_http_routini_out_t          out;
    ngx_http_routini_api_body_t    *b;
    ngx_http_routini_peer_info_t    pi;

    ngx_str_null(&body);

    rc = ngx_http_routini_api_read(r, &body);

    if (rc == NGX_HTTP_REQUEST_ENTITY_TOO_LARGE) {
        return ngx_http_routini_json_error(r, rc, "request body over %d bytes",
                                           NGX_HTTP_ROUTINI_API_MAX_BODY);
    }

    if (rc != NGX_OK) {
        return rc;
    }

    if (body.len == 0) {
        return ngx_http_routini_json_error(r, NGX_HTTP_BAD_REQUEST,
                                           "a JSON body is needed");
    }

    b = ngx_pcalloc(r->pool, sizeof(ngx_http_routini_api_body_t));
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->json.max_size = NGX_HTTP_ROUTINI_API_MAX_BODY;
    b->json.max_depth = NGX_HTTP_ROUTINI_API_MAX_DEPTH;
    b->json.max_string = NGX_HTTP_ROUTINI_API_MAX_STRING;
    b->json.nodes = b->nodes;
    b->json.max_nodes = NGX_HTTP_ROUTINI_API_MAX_NODES;
    b->json.strings_size = body.len;
    b->json.strings = ngx_pnalloc(r->pool, body.len + 1);

    if (b->json.strings == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_routini_json_parse(&b->json, (char *) body.data, body.len) != 0) {
        return ngx_http_routini_json_error(r, NGX_HTTP_BAD_REQUEST,
                                           "malformed JSON: %s at byte %uz",
                                           b->json.error,
                                           b->json.error_offset);
    }

    switch (ctx->endpoint) {

    case NGX_HTTP_ROUTINI_API_UPSTREAM:
        names = ngx_http_routini_api_strategy_fields;
        break;

    case NGX_HTTP_ROUTINI_API_PEER:
        names = ngx_http_routini_api_state_fields;
        break;

    default: /* NGX_HTTP_ROUTINI_API_STRATEGY */
        names = ngx_http_routini_api_post_fields;
    }

    if (ngx_http_routini_api_fields(&b->json, names, values, errbuf, &err)
        != NGX_OK)
    {
        return ngx_http_routini_json_error(r, NGX_HTTP_BAD_REQUEST, "%V",
                                           &err);
    }

    if (ctx->endpoint == NGX_HTTP_ROUTINI_API_UPSTREAM) {
        return ngx_http_routini_api_strategy(r, ctx->upstream, &values[0]);
    }

    if (ctx->endpoint == NGX_HTTP_ROUTINI_API_STRATEGY) {
        return ngx_http_routini_api_post_strategy(r, &values[0], &values[1]);
    }

    /* peers/ADDR {"state": ...} */

    if (values[0].len == 2 && ngx_strncmp(values[0].data, "up", 2) == 0) {
        state = NGX_HTTP_ROUTINI_PEER_UP;

    } else if (values[0].len == 4
               && ngx_strncmp(values[0].data, "down", 4) == 0)
    {
        state = NGX_HTTP_ROUTINI_PEER_DOWN;

    } else if ((values[0].len == 5
                && ngx_strncmp(values[0].data, "drain", 5) == 0)
               || (values[0].len == 8
                   && ngx_strncmp(values[0].data, "draining", 8) == 0))
    {
        state = NGX_HTTP_ROUTINI_PEER_DRAINING;

    } else {
        return ngx_http_routini_json_error(r, NGX_HTTP_BAD_REQUEST,
                                           "unknown state \"%V\", use "
                                           "\"drain\", \"up\" or \"down\"",
                                           &values[0]);
    }

    /*
     * the balancer never uses a peer marked "down" in nginx.conf, whatever
     * its state: say so rather than answer "up" for a peer that stays down
     */

    if (state == NGX_HTTP_ROUTINI_PEER_UP
        && ngx_http_routini_api_config_down(ctx))
    {
        return ngx_http_routini_json_error(r, NGX_HTTP_CONFLICT,
                                           "peer \"%V\" is marked down in "
                                           "nginx.conf: remove \"down\" "
                                           "there and reload to bring it up",
                                           &ctx->peer);
    }

    ngx_str_null(&err);

    rc = ngx_http_routini_peer_set_state(ctx->upstream, &ctx->peer, state,
                                         r->connection->log, &err);

    if (rc == NGX_DECLINED) {
        return ngx_http_routini_json_error(r, NGX_HTTP_NOT_FOUND,
                                           "unknown peer \"%V\"", &ctx->peer);
    }

    if (rc != NGX_OK) {
        return ngx_http_routini_json_error(r, NGX_HTTP_BAD_REQUEST, "%V",
                                           &err);
    }

    ngx_http_routini_out_init(&out, r);
    ngx_http_routini_peer_info(ctx->upstream, ctx->npeer, &pi);
    ngx_http_routini_peer_json(&out, &pi);
    ngx_http_routini_out_literal(&out, "\n");

    return ngx_http_routini_api_send(&out);
}


/* every entry of the peer's address is "down" in nginx.conf */

static ngx_uint_t
ngx_http_routini_api_config_down(ngx_http_routini_api_ctx_t *ctx)
{
    ngx_uint_t                         i;
    ngx_http_routini_peer_info_t       pi;
    ngx_http_routini_upstream_info_t   ui;

    ngx_http_routini_upstream_info(ctx->upstream, &ui);

    for (i = 0; i < ui.npeers; i++) {
        ngx_http_routini_peer_info(ctx->upstream, i, &pi);

        if (pi.name.len == ctx->peer.len
            && ngx_strncmp(pi.name.data, ctx->peer.data, pi.name.len) == 0
            && !pi.down)
        {
            return 0;
        }
    }

    return 1;
}


/* the request body in one piece, from memory or the temporary file;
 * NGX_OK with an empty body when there is none */

static ngx_int_t
ngx_http_routini_api_read(ngx_http_request_t *r, ngx_str_t *body)
{
    off_t         len;
    u_char       *p;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (r->request_body == NULL) {
        return NGX_OK;
    }

    len = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        len += ngx_buf_size(cl->buf);
    }

    if (len > NGX_HTTP_ROUTINI_API_MAX_BODY) {
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    if (len == 0) {
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, (size_t) len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    body->data = p;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (b->in_file) {
            n = ngx_read_file(b->file, p, (size_t) (b->file_last
                                                    - b->file_pos),
                              b->file_pos);
            if (n == NGX_ERROR) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            p += n;

        } else {
            p = ngx_cpymem(p, b->pos, b->last - b->pos);
        }
    }

    body->len = p - body->data;

    return NGX_OK;
}


/*
 * An object with exactly these string members, all required.  NGX_OK, or
 * NGX_DECLINED with the reason in err (at most NGX_HTTP_ROUTINI_API_ERRLEN
 * bytes of buf): the caller answers 400 with it.
 */

static ngx_int_t
ngx_http_routini_api_fields(ngx_routini_json_t *j, char **names,
    ngx_str_t *values, u_char *buf, ngx_str_t *err)
{
    int                       m;
    u_char                   *last;
    ngx_str_t                 key;
    ngx_uint_t                i;
    ngx_routini_json_node_t  *n;

    last = buf + NGX_HTTP_ROUTINI_API_ERRLEN;

    if (j->nodes[0].type != NGX_ROUTINI_JSON_OBJECT) {
        err->data = buf;
        err->len = ngx_slprintf(buf, last, "expected a JSON object") - buf;
        return NGX_DECLINED;
    }

    for (m = j->nodes[0].child; m >= 0; m = j->nodes[m].next) {
        n = &j->nodes[m];

        for (i = 0; names[i]; i++) {
            if (n->key_len == ngx_strlen(names[i])
                && ngx_strncmp(n->key, names[i], n->key_len) == 0)
            {
                break;
            }
        }

        key.data = (u_char *) n->key;
        key.len = n->key_len;

        if (names[i] == NULL) {
            err->data = buf;
            err->len = ngx_slprintf(buf, last, "unknown field \"%V\"", &key)
                       - buf;
            return NGX_DECLINED;
        }

        if (n->type != NGX_ROUTINI_JSON_STRING) {
            err->data = buf;
            err->len = ngx_slprintf(buf, last,
                                    "field \"%V\" must be a string", &key)
                       - buf;
            return NGX_DECLINED;
        }

        values[i].data = (u_char *) n->str;
        values[i].len = n->len;
    }

    for (i = 0; names[i]; i++) {
        if (ngx_routini_json_member(j, 0, names[i], ngx_strlen(names[i]))
            < 0)
        {
            err->data = buf;
            err->len = ngx_slprintf(buf, last, "missing field \"%s\"",
                                    names[i])
                       - buf;
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_routini_api_strategy(ngx_http_request_t *r,
    ngx_http_routini_upstream_t *u, ngx_str_t *name)
{
    ngx_int_t               strategy;
    ngx_str_t               err;
    ngx_http_routini_out_t  out;

    strategy = ngx_http_routini_strategy_parse(name);

    if (strategy == NGX_ERROR) {
        return ngx_http_routini_json_error(r, NGX_HTTP_BAD_REQUEST,
                                           "unknown strategy \"%V\", "
                                           "expected round_robin, random, "
                                           "fnv_hash, consistent, "
                                           "fewest_connections, fastest or "
                                           "adaptive (routini's RoundRobin, "
                                           "Random, FNVHash, Consistent, "
                                           "FewestConnections and "
                                           "FastestServer too)", name);
    }

    ngx_str_null(&err);

    if (ngx_http_routini_upstream_set_strategy(u, strategy,
                                               r->connection->log, &err)
        != NGX_OK)
    {
        return ngx_http_routini_json_error(r, NGX_HTTP_BAD_REQUEST, "%V",
                                           &err);
    }

    ngx_http_routini_out_init(&out, r);
    ngx_http_routini_upstream_json(&out, u);
    ngx_http_routini_out_literal(&out, "\n");

    return ngx_http_routini_api_send(&out);
}


/* the seed's endpoint: path -> route -> its upstream -> strategy */

static ngx_int_t
ngx_http_routini_api_post_strategy(ngx_http_request_t *r, ngx_str_t *path,
    ngx_str_t *strategy)
{
    ngx_str_t                    *target;
    ngx_http_routini_route_t     *route;
    ngx_http_routini_upstream_t  *u;

    if (path->len == 0 || path->data[0] != '/') {
        return ngx_http_routini_json_error(r, NGX_HTTP_BAD_REQUEST,
                                           "\"path\" must start with \"/\"");
    }

    route = ngx_http_routini_find_route(r, path);

    if (route == NULL) {
        return ngx_http_routini_json_error(r, NGX_HTTP_NOT_FOUND,
                                           "no route for path \"%V\"", path);
    }

    target = ngx_http_routini_route_target(route);

    if (route->complex) {
        return ngx_http_routini_json_error(r, NGX_HTTP_BAD_REQUEST,
                                           "route \"%V\" has a target with "
                                           "variables, \"%V\": use "
                                           "PATCH upstreams/NAME",
                                           &route->name, target);
    }

    u = ngx_http_routini_upstream_find((ngx_cycle_t *) ngx_cycle, target);

    if (u == NULL) {
        return ngx_http_routini_json_error(r, NGX_HTTP_NOT_FOUND,
                                           "the target \"%V\" of route "
                                           "\"%V\" is not a routini "
                                           "upstream", target, &route->name);
    }

    return ngx_http_routini_api_strategy(r, u, strategy);
}


/*
 * A write a browser sent for a page of another origin: NGX_OK if none,
 * NGX_DECLINED with the reason in ctx->error.  Sec-Fetch-Site "same-site"
 * covers every other port of the same host, and a page of a name that
 * resolves to this host (DNS rebinding) is "same-origin" with an Origin
 * equal to Host: so an Origin is trusted only when listed.
 */

static ngx_int_t
ngx_http_routini_api_foreign(ngx_http_request_t *r,
    ngx_http_routini_api_ctx_t *ctx)
{
    u_char                           *p, *last;
    ngx_str_t                        *o;
    ngx_uint_t                        i, j;
    ngx_list_part_t                  *part;
    ngx_table_elt_t                  *h;
    ngx_http_routini_api_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_routini_api_module);

    last = ctx->error + sizeof(ctx->error);

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == sizeof("Sec-Fetch-Site") - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) "Sec-Fetch-Site",
                               h[i].key.len)
               == 0)
        {
            if ((h[i].value.len == sizeof("same-origin") - 1
                 && ngx_strncmp(h[i].value.data, "same-origin",
                                h[i].value.len)
                    == 0)
                || (h[i].value.len == sizeof("none") - 1
                    && ngx_strncmp(h[i].value.data, "none", h[i].value.len)
                       == 0))
            {
                continue;
            }

            p = ngx_cpymem(ctx->error, "write refused: Sec-Fetch-Site is \"",
                           sizeof("write refused: Sec-Fetch-Site is \"") - 1);
            p = ngx_http_routini_api_escape(p, &h[i].value, 32);
            p = ngx_slprintf(p, last, "\", a page of another origin sent it");

            ctx->error_len = p - ctx->error;
            return NGX_DECLINED;
        }

        if (h[i].key.len != sizeof("Origin") - 1
            || ngx_strncasecmp(h[i].key.data, (u_char *) "Origin",
                               h[i].key.len)
               != 0)
        {
            continue;
        }

        o = alcf->origins ? alcf->origins->elts : NULL;

        for (j = 0; alcf->origins && j < alcf->origins->nelts; j++) {
            if (o[j].len == h[i].value.len
                && ngx_strncasecmp(o[j].data, h[i].value.data, o[j].len)
                   == 0)
            {
                break;
            }
        }

        if (alcf->origins == NULL || j == alcf->origins->nelts) {
            p = ngx_cpymem(ctx->error, "write refused: Origin \"",
                           sizeof("write refused: Origin \"") - 1);
            p = ngx_http_routini_api_escape(p, &h[i].value, 32);
            p = ngx_slprintf(p, last,
                             "\" is not in routini_api allow_origin=");

            ctx->error_len = p - ctx->error;
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


/*
 * At most max bytes of a header value for a message that is logged and
 * sent: control characters, bytes over 0x7e, '"' and '\\' as "\xXX", as
 * nginx writes request bytes in the access log, and "..." when cut; at most
 * 4 * max + 3 bytes.
 */

static u_char *
ngx_http_routini_api_escape(u_char *p, ngx_str_t *v, size_t max)
{
    size_t   i;
    u_char   c;

    static u_char  hex[] = "0123456789ABCDEF";

    for (i = 0; i < v->len && i < max; i++) {
        c = v->data[i];

        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = 'x';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 0xf];
            continue;
        }

        *p++ = c;
    }

    if (v->len > max) {
        p = ngx_cpymem(p, "...", 3);
    }

    return p;
}


/*
 * The request's type is this one, any case, with parameters or not.  The
 * types a page may send to another origin without a preflight (text/plain,
 * forms) and no type at all (a Blob, navigator.sendBeacon()) are refused
 * by asking for application/json; compat=routini also takes a form's type.
 */

static ngx_uint_t
ngx_http_routini_api_type(ngx_http_request_t *r, ngx_str_t *type)
{
    u_char           *p, *last;
    ngx_table_elt_t  *ct;

    ct = r->headers_in.content_type;

    if (ct == NULL
        || ct->value.len < type->len
        || ngx_strncasecmp(ct->value.data, type->data, type->len) != 0)
    {
        return 0;
    }

    p = ct->value.data + type->len;
    last = ct->value.data + ct->value.len;

    while (p < last && (*p == ' ' || *p == '\t')) {
        p++;
    }

    return p == last || *p == ';';
}


/* 415, saying what to send: the type and the endpoint's body */

static ngx_int_t
ngx_http_routini_api_wrong_type(ngx_http_request_t *r,
    ngx_http_routini_api_ctx_t *ctx, ngx_uint_t compat)
{
    char       *body;
    ngx_int_t   rc;

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    switch (ctx->endpoint) {

    case NGX_HTTP_ROUTINI_API_UPSTREAM:
        body = "{\"strategy\":\"round_robin\"}";
        break;

    case NGX_HTTP_ROUTINI_API_PEER:
        body = "{\"state\":\"drain\"}";
        break;

    default: /* NGX_HTTP_ROUTINI_API_STRATEGY */
        body = "{\"path\":\"/api/x\",\"strategy\":\"round_robin\"}";
    }

    return ngx_http_routini_json_error(r, NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                       "send the body with Content-Type: "
                                       "application/json (curl --json)%s, "
                                       "a JSON object such as %s",
                                       compat ? " or application/"
                                                "x-www-form-urlencoded"
                                              : "",
                                       body);
}


static void *
ngx_http_routini_api_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_routini_api_loc_conf_t  *alcf;

    alcf = ngx_palloc(cf->pool, sizeof(ngx_http_routini_api_loc_conf_t));
    if (alcf == NULL) {
        return NULL;
    }

    /* unset: no routini_api here; NULL: routini_api without allow_origin= */
    alcf->origins = NGX_CONF_UNSET_PTR;
    alcf->compat = 0;

    return alcf;
}


/* routini_api [allow_origin=ORIGIN[,ORIGIN...]] ... [compat=routini]; */

static char *
ngx_http_routini_api(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_routini_api_loc_conf_t *alcf = conf;

    char  *rv;

    if (alcf->origins != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    alcf->origins = NULL;

    rv = ngx_http_routini_conf_params(cf, ngx_http_routini_api_params, 1,
                                      alcf, NULL);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    return ngx_http_routini_set_handler(cf, ngx_http_routini_api_handler);
}


static ngx_int_t
ngx_http_routini_api_set_origins(ngx_conf_t *cf, ngx_http_routini_param_t *p,
    ngx_str_t *value, void *conf)
{
    ngx_http_routini_api_loc_conf_t *alcf = conf;

    u_char     *s, *last, *comma;
    ngx_str_t   v, *o, param;

    /* the whole argument, for messages */
    param.data = value->data - p->name.len;
    param.len = value->len + p->name.len;

    if (alcf->origins == NULL) {
        alcf->origins = ngx_array_create(cf->pool, 2, sizeof(ngx_str_t));
        if (alcf->origins == NULL) {
            return NGX_ERROR;
        }
    }

    s = value->data;
    last = value->data + value->len;

    for ( ;; ) {
        comma = ngx_strlchr(s, last, ',');

        v.data = s;
        v.len = (comma ? comma : last) - s;

        if (ngx_http_routini_api_origin(cf, &v, &param) != NGX_OK) {
            return NGX_ERROR;
        }

        o = ngx_array_push(alcf->origins);
        if (o == NULL) {
            return NGX_ERROR;
        }

        *o = v;

        if (comma == NULL) {
            return NGX_OK;
        }

        s = comma + 1;
    }
}


static ngx_int_t
ngx_http_routini_api_set_compat(ngx_conf_t *cf, ngx_http_routini_param_t *p,
    ngx_str_t *value, void *conf)
{
    ngx_http_routini_api_loc_conf_t *alcf = conf;

    if (value->len != sizeof("routini") - 1
        || ngx_strncmp(value->data, "routini", value->len) != 0)
    {
        return NGX_DECLINED;
    }

    alcf->compat = 1;

    return NGX_OK;
}


/*
 * An origin as a browser sends it: http or https, a host name, an IPv4 or
 * a bracketed IPv6 address, a port other than the scheme's default, and
 * nothing else (no path, no "/" at the end).
 */

static ngx_int_t
ngx_http_routini_api_origin(ngx_conf_t *cf, ngx_str_t *o, ngx_str_t *param)
{
    u_char       c, *p, *last, *host, *colon;
    ngx_int_t    port;
    ngx_uint_t   https;

    p = o->data;
    last = o->data + o->len;

    if (o->len > sizeof("https://") - 1
        && ngx_strncmp(p, "https://", sizeof("https://") - 1) == 0)
    {
        https = 1;
        p += sizeof("https://") - 1;

    } else if (o->len > sizeof("http://") - 1
               && ngx_strncmp(p, "http://", sizeof("http://") - 1) == 0)
    {
        https = 0;
        p += sizeof("http://") - 1;

    } else {
        goto invalid;
    }

    host = p;
    colon = NULL;

    if (*p == '[') {
        for (p++; p < last && *p != ']'; p++) {
            c = (u_char) (*p | 0x20);

            if (*p != ':' && *p != '.' && !(*p >= '0' && *p <= '9')
                && !(c >= 'a' && c <= 'f'))
            {
                goto invalid;
            }
        }

        if (p == last || p == host + 1) {
            goto invalid;
        }

        p++;

        if (p < last) {
            if (*p != ':') {
                goto invalid;
            }

            colon = p;
        }

    } else {
        for ( /* void */ ; p < last && *p != ':'; p++) {
            c = (u_char) (*p | 0x20);

            if (*p != '-' && *p != '.' && !(*p >= '0' && *p <= '9')
                && !(c >= 'a' && c <= 'z'))
            {
                goto invalid;
            }
        }

        if (p == host) {
            goto invalid;
        }

        colon = (p < last) ? p : NULL;
    }

    if (colon) {
        port = ngx_atoi(colon + 1, last - colon - 1);

        if (port < 1 || port > 65535) {
            goto invalid;
        }

        if (port == (https ? 443 : 80)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "routini_api: origin \"%V\" in \"%V\" names "
                               "the default port, which browsers leave out: "
                               "write \"%*s\"", o, param,
                               colon - o->data, o->data);
            return NGX_ERROR;
        }
    }

    return NGX_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "routini_api: invalid origin \"%V\" in \"%V\", "
                       "expected http:// or https:// and a host with an "
                       "optional port, such as https://ops.example, without "
                       "a path", o, param);
    return NGX_ERROR;
}


static ngx_int_t
ngx_http_routini_api_send(ngx_http_routini_out_t *out)
{
    ngx_str_t  type;

    ngx_str_set(&type, "application/json");

    return ngx_http_routini_out_send(out, NGX_HTTP_OK, &type);
}


ngx_int_t
ngx_http_routini_json_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *fmt, ...)
{
    u_char                  msg[512], *last;
    va_list                 args;
    ngx_str_t               type, s;
    ngx_http_routini_out_t  out;

    va_start(args, fmt);
    last = ngx_vslprintf(msg, msg + sizeof(msg), fmt, args);
    va_end(args);

    s.data = msg;
    s.len = last - msg;

    ngx_http_routini_out_init(&out, r);
    ngx_http_routini_out_literal(&out, "{\"error\":");
    ngx_http_routini_out_json_str(&out, &s);
    ngx_http_routini_out_literal(&out, "}\n");

    ngx_str_set(&type, "application/json");

    return ngx_http_routini_out_send(&out, status, &type);
}
