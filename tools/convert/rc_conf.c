
/*
 * Copyright (C) routini authors
 *
 * routini-convert: the document as a whole.  "server" becomes the main
 * and http settings, the strategy endpoint's and the metrics' servers;
 * "proxy" the listeners, one server{} per host with the routes of that
 * host (routes without a host in the default server) and TLS.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rc.h"


#define RC_MAX_INPUT  (16 * 1024 * 1024)


static int rc_parse(rc_t *c, const char *in, size_t len);
static void rc_server(rc_t *c, int server);
static void rc_proxy(rc_t *c, int proxy, int server);
static rc_server_t *rc_host(rc_t *c, rc_server_t **srvs, unsigned *n,
    int route);
static void rc_listen(rc_t *c, rc_buf_t *b, int proxy, unsigned dflt);
static void rc_error_pages(rc_t *c, int server);
static void rc_endpoints(rc_t *c, int server);
static void rc_assemble(rc_t *c);


static const char *const  rc_top_fields[] = { "server", "proxy", NULL };

static const char *const  rc_server_fields[] = {
    "prometheus_address", "set_strategy_endpoint", "access_log",
    "https_redirect", "compression_level", "request_id", "error_pages",
    "worker_threads", "upstream_keepalive_pool_size", "grace_period_seconds",
    "graceful_shutdown_timeout_seconds", NULL
};

static const char *const  rc_proxy_fields[] = {
    "listener", "tls", "router", NULL
};

static const char *const  rc_tls_fields[] = {
    "listener", "cert_path", "key_path", "enable_h2", NULL
};


int
rc_convert(rc_t *c, const char *in, size_t len)
{
    int  server, proxy;

    if (rc_parse(c, in, len) != 0) {
        return -1;
    }

    if (c->json.nodes[0].type != NGX_ROUTINI_JSON_OBJECT) {
        rc_error(c, 0, NULL, "expected an object");
        return -1;
    }

    rc_known(c, 0, rc_top_fields);

    server = rc_object(c, 0, "server");
    proxy = rc_object(c, 0, "proxy");

    if (proxy < 0) {
        rc_error(c, 0, "proxy", "required");
    }

    if (c->error) {
        return -1;
    }

    if (server >= 0) {
        rc_known(c, server, rc_server_fields);
    }

    rc_server(c, server);
    rc_error_pages(c, server);
    rc_proxy(c, proxy, server);
    rc_endpoints(c, server);

    if (c->error) {
        return -1;
    }

    rc_assemble(c);

    return c->error ? -1 : 0;
}


static int
rc_parse(rc_t *c, const char *in, size_t len)
{
    size_t              i, line, col;
    ngx_routini_json_t  *j;

    j = &c->json;

    j->max_size = RC_MAX_INPUT;
    j->max_depth = 64;
    j->max_string = len;
    j->arrays = 1;

    /* every value takes at least two bytes but the last */

    j->max_nodes = len / 2 + 2;
    j->nodes = malloc(j->max_nodes * sizeof(ngx_routini_json_node_t));
    j->strings = malloc(len + 1);
    j->strings_size = len;

    if (j->nodes == NULL || j->strings == NULL) {
        c->nomem = 1;
        c->error = 1;
        rc_printf(c, &c->log, "routini-convert: error: out of memory\n");
        return -1;
    }

    if (ngx_routini_json_parse(j, in, len) == 0) {
        return 0;
    }

    line = 1;
    col = 1;

    for (i = 0; i < j->error_offset && i < len; i++) {
        if (in[i] == '\n') {
            line++;
            col = 1;

        } else {
            col++;
        }
    }

    c->error = 1;
    rc_printf(c, &c->log, "routini-convert: error: invalid JSON at line %zu, "
              "column %zu: %s\n", line, col, j->error);

    return -1;
}


static void
rc_server(rc_t *c, int server)
{
    unsigned long long  v;

    if (rc_uint(c, server, "worker_threads", 4096, &v) > 0) {
        if (c->opts->include) {
            rc_warn(c, server, "worker_threads", "worker_processes %llu "
                    "belongs to the main context: not in an include file", v);

        } else {
            rc_printf(c, &c->main, "worker_processes %llu;\n",
                      v ? v : 1);
        }
    }

    if (rc_uint(c, server, "graceful_shutdown_timeout_seconds",
                86400 * 365, &v) > 0)
    {
        if (c->opts->include) {
            rc_warn(c, server, "graceful_shutdown_timeout_seconds",
                    "worker_shutdown_timeout %llus belongs to the main "
                    "context: not in an include file", v);

        } else if (v) {
            rc_printf(c, &c->main, "worker_shutdown_timeout %llus;\n", v);
        }
    }

    if (rc_uint(c, server, "grace_period_seconds", 86400 * 365, &v) > 0) {
        rc_warn(c, server, "grace_period_seconds", "nginx stops accepting "
                "at once on a graceful shutdown: no equivalent");
    }

    if (rc_uint(c, server, "upstream_keepalive_pool_size",
                (unsigned long long) -1, &v) > 0 && v > 1024)
    {
        rc_warn(c, server, "upstream_keepalive_pool_size", "one pool for "
                "all of routini; nginx keeps one per worker and upstream: "
                "keepalive 1024 in each upstream{}");
    }

    /* in each server{}, not at http level: an include goes into an http{}
     * that may set them already (Debian's nginx.conf has "gzip on;") */

    if (!rc_bool(c, server, "access_log", 1)) {
        rc_lit(c, &c->server_common, "        access_log off;\n");
    }

    if (rc_uint(c, server, "compression_level", 1000, &v) > 0) {
        if (v == 0) {
            rc_lit(c, &c->server_common, "        gzip off;\n");

        } else {
            if (v > 9) {
                rc_warn(c, server, "compression_level", "%llu is above "
                        "gzip's 9: 9", v);
                v = 9;
            }

            rc_printf(c, &c->server_common, "        gzip on;\n"
                      "        gzip_comp_level %llu;\n"
                      "        gzip_types *;\n"
                      "        gzip_proxied any;\n"
                      "        gzip_http_version 1.0;\n", v);
        }
    }
}


static void
rc_proxy(rc_t *c, int proxy, int server)
{
    int                  router, route, tls;
    size_t               len, len2;
    unsigned             i, n, nsrv;
    rc_buf_t            *b;
    const char          *s, *s2;
    rc_server_t         *srv, *srvs;
    unsigned long long   port;

    rc_known(c, proxy, rc_proxy_fields);

    if (rc_uint(c, proxy, "listener", 65535, &port) == 0) {
        rc_error(c, proxy, "listener", "required");
    }

    tls = rc_object(c, proxy, "tls");

    if (tls >= 0) {
        rc_known(c, tls, rc_tls_fields);

        if (rc_uint(c, tls, "listener", 65535, &port) == 0) {
            rc_error(c, tls, "listener", "required");
        }

        if (rc_string(c, tls, "cert_path", &s, &len) == 0) {
            rc_error(c, tls, "cert_path", "required");
        }

        if (rc_string(c, tls, "key_path", &s, &len) == 0) {
            rc_error(c, tls, "key_path", "required");
        }
    }

    router = rc_array(c, proxy, "router");
    if (router < 0) {
        rc_error(c, proxy, "router", "required");
    }

    if (c->error) {
        return;
    }

    srvs = NULL;
    nsrv = 0;

    /* the default server first */

    if (rc_host(c, &srvs, &nsrv, -1) == NULL) {
        return;
    }

    n = 0;

    for (route = c->json.nodes[router].child; route >= 0 && !c->error;
         route = c->json.nodes[route].next, n++)
    {
        srv = rc_host(c, &srvs, &nsrv, route);
        if (srv == NULL) {
            break;
        }

        rc_route(c, route, n, srv, server);
    }

    /* two routes of one host with the same path: matchit refuses them */

    for (route = c->json.nodes[router].child; route >= 0 && !c->error;
         route = c->json.nodes[route].next)
    {
        int  other;

        if (rc_string(c, route, "path", &s, &len) <= 0) {
            continue;
        }

        for (other = c->json.nodes[route].next; other >= 0;
             other = c->json.nodes[other].next)
        {
            if (rc_string(c, other, "path", &s2, &len2) > 0 && len == len2
                && memcmp(s, s2, len) == 0
                && rc_host(c, &srvs, &nsrv, route)
                   == rc_host(c, &srvs, &nsrv, other)
                && rc_bool(c, route, "regex", 0)
                   == rc_bool(c, other, "regex", 0))
            {
                rc_error(c, other, "path", "\"%.*s\" is already the path of "
                         "another route of this host", (int) len, s);
                break;
            }
        }
    }

    for (i = 0; i < nsrv && !c->error; i++) {
        srv = &srvs[i];
        b = &c->servers;

        rc_lit(c, b, "    server {\n");
        rc_listen(c, b, proxy, i == 0);

        if (srv->host) {
            rc_lit(c, b, "        server_name ");
            rc_quote(c, b, srv->host, srv->host_len, 0);
            rc_lit(c, b, ";\n");

        } else {
            rc_lit(c, b, "        server_name \"\";\n");
        }

        if (rc_bool(c, server, "https_redirect", 0)) {
            if (i == 0 && tls < 0) {
                rc_warn(c, server, "https_redirect", "no proxy.tls "
                        "listener: the redirect goes to a port that "
                        "nginx does not listen on");
            }

            /* as routini: the Host header as sent, port included */

            rc_lit(c, b, "        if ($https = \"\") {\n"
                      "            return 301 https://$http_host"
                      "$request_uri;\n        }\n");
        }

        rc_append(c, b, c->server_common.data, c->server_common.len);
        rc_append(c, b, c->pages_server.data, c->pages_server.len);

        rc_lit(c, b, "\n        location / {\n");

        if (srv->routes.len) {
            rc_lit(c, b, "            # each route's named location has "
                   "its own\n            client_max_body_size 0;\n");
            rc_append(c, b, srv->routes.data, srv->routes.len);
            rc_lit(c, b, "            try_files /.routini-convert-no-file "
                      "@$routini_upstream;\n");

        } else {
            rc_lit(c, b, "            return 404;\n");
        }

        rc_lit(c, b, "        }\n");

        if (srv->locations.len) {
            rc_append(c, b, srv->locations.data, srv->locations.len);
        }

        rc_lit(c, b, "    }\n\n");
    }

    for (i = 0; i < nsrv; i++) {
        free(srvs[i].routes.data);
        free(srvs[i].locations.data);
    }

    free(srvs);
}


/* the server of the route's host: routini matches the host without the
 * port and ignoring case, as server_name does */

static rc_server_t *
rc_host(rc_t *c, rc_server_t **srvs, unsigned *n, int route)
{
    size_t        i, len;
    unsigned      k;
    const char   *s;
    rc_server_t  *srv;

    s = NULL;
    len = 0;

    if (route >= 0 && rc_string(c, route, "host", &s, &len) > 0) {
        for (i = 0; i < len; i++) {
            if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
                  || (s[i] >= '0' && s[i] <= '9') || s[i] == '.'
                  || s[i] == '-' || s[i] == '_'))
            {
                rc_error(c, route, "host", "\"%.*s\" is not a host name "
                         "nginx can match exactly", (int) len, s);
                return NULL;
            }
        }

        if (len == 0) {
            s = NULL;
        }
    }

    if (c->error) {
        return NULL;
    }

    for (k = 0; k < *n; k++) {
        srv = &(*srvs)[k];

        if ((s == NULL && srv->host == NULL)
            || (s && srv->host && srv->host_len == len
                && strncasecmp(srv->host, s, len) == 0))
        {
            return srv;
        }
    }

    srv = realloc(*srvs, (*n + 1) * sizeof(rc_server_t));
    if (srv == NULL) {
        c->nomem = 1;
        c->error = 1;
        return NULL;
    }

    *srvs = srv;
    srv = &srv[(*n)++];
    memset(srv, 0, sizeof(rc_server_t));
    srv->host = s;
    srv->host_len = len;

    return srv;
}


static void
rc_listen(rc_t *c, rc_buf_t *b, int proxy, unsigned dflt)
{
    int                  tls;
    size_t               len;
    unsigned             h2, h2on;
    const char          *s, *dfl;
    unsigned long long   port;

    dfl = dflt ? " default_server" : "";

    rc_uint(c, proxy, "listener", 65535, &port);
    rc_printf(c, b, "        listen %llu%s;\n", port, dfl);

    tls = rc_object(c, proxy, "tls");
    if (tls < 0) {
        return;
    }

    rc_uint(c, tls, "listener", 65535, &port);
    h2 = rc_bool(c, tls, "enable_h2", 1);

    /* "listen ... http2" until nginx 1.25.1, "http2 on;" from then */

    h2on = (c->opts->nginx_version >= 1025001);

    rc_printf(c, b, "        listen %llu ssl%s%s;\n", port,
              h2 && !h2on ? " http2" : "", dfl);

    if (h2 && h2on) {
        rc_lit(c, b, "        http2 on;\n");
    }

    rc_string(c, tls, "cert_path", &s, &len);
    rc_lit(c, b, "        ssl_certificate ");
    rc_quote(c, b, s, len, 1);

    if (dflt && len && s[0] != '/') {
        rc_warn(c, tls, "cert_path", "relative: nginx reads it from its "
                "configuration directory, routini from its working "
                "directory");
    }

    rc_string(c, tls, "key_path", &s, &len);
    rc_lit(c, b, ";\n        ssl_certificate_key ");
    rc_quote(c, b, s, len, 1);
    rc_lit(c, b, ";\n");

    if (dflt && len && s[0] != '/') {
        rc_warn(c, tls, "key_path", "relative: nginx reads it from its "
                "configuration directory, routini from its working "
                "directory");
    }
}


/* routini answers its own errors with the page of that status, and 500
 * when no backend is healthy where nginx answers 502: a route's location
 * sends 502 to @routini_502, which tells the two apart.  An error_page in
 * a location hides the server's, so the route's location repeats them. */

static void
rc_error_pages(rc_t *c, int server)
{
    int          pages, p, page500, page502;
    size_t       i, len;
    unsigned     code;
    const char  *key;

    page500 = -1;
    page502 = -1;

    pages = rc_object(c, server, "error_pages");

    for (p = pages >= 0 ? c->json.nodes[pages].child : -1; p >= 0;
         p = c->json.nodes[p].next)
    {
        key = c->json.nodes[p].key;
        len = c->json.nodes[p].key_len;
        code = 0;

        for (i = 0; i < len && i < 6; i++) {
            if (key[i] < '0' || key[i] > '9') {
                break;
            }

            code = code * 10 + (key[i] - '0');
        }

        if (len == 0 || i < len || code > 65535) {
            rc_error(c, p, NULL, "expected a status code as the key");
            return;
        }

        if (c->json.nodes[p].type != NGX_ROUTINI_JSON_STRING) {
            rc_error(c, p, NULL, "expected a string");
            return;
        }

        if (code < 300 || code > 599) {
            rc_warn(c, p, NULL, "nginx's error_page takes 300-599: "
                    "not converted");
            continue;
        }

        if (code == 500) {
            page500 = p;

        } else if (code == 502) {
            page502 = p;
            continue;
        }

        rc_printf(c, &c->pages_server, "        error_page %u "
                  "@routini_error_%u;\n", code, code);
        rc_printf(c, &c->pages_location, "            error_page %u "
                  "@routini_error_%u;\n", code, code);
        rc_printf(c, &c->pages_server, "        location @routini_error_%u {\n"
                  "            default_type text/html;\n"
                  "            return %u ", code, code);
        rc_quote(c, &c->pages_server, c->json.nodes[p].str,
                 c->json.nodes[p].len, 1);
        rc_lit(c, &c->pages_server, ";\n        }\n");
    }

    if (page502 >= 0) {
        rc_lit(c, &c->pages_server, "        error_page 502 @routini_502;\n");
    }

    rc_lit(c, &c->pages_location,
           "            error_page 502 = @routini_502;\n");

    /* no live peer: $upstream_addr ends with the upstream's name, not an
     * address */

    rc_lit(c, &c->pages_server, "        location @routini_502 {\n"
           "            default_type text/html;\n"
           "            if ($upstream_addr ~ \"(^|, )[^:,]+$\") {\n"
           "                return 500");

    if (page500 >= 0) {
        rc_lit(c, &c->pages_server, " ");
        rc_quote(c, &c->pages_server, c->json.nodes[page500].str,
                 c->json.nodes[page500].len, 1);
    }

    rc_lit(c, &c->pages_server, ";\n            }\n            return 502");

    if (page502 >= 0) {
        rc_lit(c, &c->pages_server, " ");
        rc_quote(c, &c->pages_server, c->json.nodes[page502].str,
                 c->json.nodes[page502].len, 1);
    }

    rc_lit(c, &c->pages_server, ";\n        }\n");
}


/* the strategy endpoint and the metrics, each on its own listener,
 * answering at any path as routini's do */

static void
rc_endpoints(rc_t *c, int server)
{
    size_t       len;
    rc_buf_t    *b;
    const char  *s;

    b = &c->servers;

    s = "0.0.0.0:5000";
    len = 12;

    if (rc_string(c, server, "set_strategy_endpoint", &s, &len) >= 0) {
        if (rc_socket_address(s, len) != 0) {
            rc_error(c, server, "set_strategy_endpoint", "\"%.*s\" is not "
                     "an IP:port address", (int) len, s);
            return;
        }

        if ((len > 8 && memcmp(s, "0.0.0.0:", 8) == 0)
            || (len > 5 && memcmp(s, "[::]:", 5) == 0))
        {
            rc_warn(c, server, "set_strategy_endpoint", "%.*s: every "
                    "address, as routini: whoever reaches it changes "
                    "strategies; prefer a private address or allow/deny",
                    (int) len, s);
        }

        rc_printf(c, b, "    server {\n        listen %.*s;\n\n"
                  "        location / {\n"
                  "            routini_api compat=routini;\n"
                  "        }\n    }\n\n", (int) len, s);
    }

    if (rc_string(c, server, "prometheus_address", &s, &len) > 0) {
        if (rc_socket_address(s, len) != 0) {
            rc_error(c, server, "prometheus_address", "\"%.*s\" is not an "
                     "IP:port address", (int) len, s);
            return;
        }

        rc_warn(c, server, "prometheus_address", "routini exports Pingora's "
                "metrics, the module its own (routini_*): dashboards and "
                "alerts need the new names");

        rc_printf(c, b, "    server {\n        listen %.*s;\n\n"
                  "        location / {\n"
                  "            routini_metrics;\n"
                  "        }\n    }\n\n", (int) len, s);
    }
}


static void
rc_assemble(rc_t *c)
{
    unsigned   i;
    rc_buf_t  *o;

    o = &c->out;

    rc_lit(c, o, "# written by routini-convert from routini's config.json"
              "\n\n");

    if (!c->opts->include) {
        for (i = 0; i < c->opts->nmodules; i++) {
            rc_printf(c, o, "load_module %s;\n", c->opts->modules[i]);
        }

        if (c->main.len) {
            rc_append(c, o, c->main.data, c->main.len);
        }

        rc_lit(c, o, "\nevents {\n}\n\nhttp {\n");
    }

    if (c->dollar) {
        rc_lit(c, &c->http, "    geo $routini_dollar {\n"
                  "        default \"$\";\n    }\n");
    }

    if (c->http.len) {
        rc_append(c, o, c->http.data, c->http.len);
        rc_lit(c, o, "\n");
    }

    if (c->upstreams.len) {
        rc_append(c, o, c->upstreams.data, c->upstreams.len);
    }

    if (c->servers.len) {
        rc_append(c, o, c->servers.data, c->servers.len);
    }

    if (!c->opts->include) {
        rc_lit(c, o, "}\n");
    }
}


void
rc_free(rc_t *c)
{
    unsigned  i;

    for (i = 0; i < c->nfiles; i++) {
        free(c->files[i].users.data);
    }

    free(c->files);
    free(c->json.nodes);
    free(c->json.strings);
    free(c->main.data);
    free(c->http.data);
    free(c->upstreams.data);
    free(c->servers.data);
    free(c->pages_server.data);
    free(c->server_common.data);
    free(c->pages_location.data);
    free(c->log.data);
    free(c->out.data);
}
