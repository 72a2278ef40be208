
/*
 * Copyright (C) routini authors
 *
 * routini-convert: what a route's named location sets before proxying:
 * access rules and basic auth, limits, cache, request and response
 * headers, body size, timeouts, retries and upstream TLS.
 */


#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rc.h"


static void rc_set_header(rc_t *c, rc_buf_t *b, int headers,
    const char *name, const char *value);
static int rc_header_name(rc_t *c, int node, const char *key,
    const char *s, size_t len);
static int rc_header_value(rc_t *c, int node, const char *key,
    const char *s, size_t len);
static int rc_named(rc_t *c, int node, const char *name, size_t len);
static int rc_header_set(rc_t *c, rc_buf_t *b, int h, const char *set,
    const char *remove, unsigned response);
static int rc_header_remove(rc_t *c, rc_buf_t *b, int h,
    const char *remove, unsigned response);
static void rc_over(rc_t *c, rc_buf_t *b, unsigned long long max);


static const char *const  rc_headers_fields[] = {
    "forwarded", "trusted_proxy", "host", "set_request", "remove_request",
    "add_response", "remove_response", NULL
};


void
rc_route_access(rc_t *c, int route, unsigned n, rc_buf_t *b)
{
    int                  a, list, e, pass;
    size_t               len;
    rc_file_t           *f;
    const char          *s, *rule;
    static const char   *keys[] = { "deny", "allow" };
    static const char   *const fields[] = {
        "allow", "deny", "basic_auth_realm", "basic_auth", NULL
    };

    a = rc_object(c, route, "access");
    if (a < 0) {
        return;
    }

    rc_known(c, a, fields);

    /* a denied address is refused even when an allow rule covers it */

    for (pass = 0; pass < 2; pass++) {
        rule = keys[pass];
        list = rc_array(c, a, rule);

        if (list < 0) {
            continue;
        }

        for (e = c->json.nodes[list].child; e >= 0;
             e = c->json.nodes[e].next)
        {
            if (c->json.nodes[e].type != NGX_ROUTINI_JSON_STRING) {
                rc_error(c, e, NULL, "expected a string");
                return;
            }

            s = c->json.nodes[e].str;
            len = c->json.nodes[e].len;

            if (rc_cidr(s, len) != 0) {
                rc_error(c, e, NULL, "\"%.*s\" is not an IP address or "
                         "CIDR block", (int) len, s);
                return;
            }

            rc_printf(c, b, "            %s %.*s;\n", rule, (int) len, s);
        }

        if (pass == 1 && c->json.nodes[list].child >= 0) {
            rc_lit(c, b, "            deny all;\n");
        }
    }

    list = rc_array(c, a, "basic_auth");
    if (list < 0 || c->json.nodes[list].child < 0) {
        if (rc_member(c, a, "basic_auth_realm") >= 0) {
            rc_warn(c, a, "basic_auth_realm", "no basic_auth users: no "
                    "authentication");
        }

        return;
    }

    f = realloc(c->files, (c->nfiles + 1) * sizeof(rc_file_t));
    if (f == NULL) {
        c->nomem = 1;
        c->error = 1;
        return;
    }

    c->files = f;
    f = &c->files[c->nfiles++];
    memset(f, 0, sizeof(rc_file_t));
    snprintf(f->name, sizeof(f->name), "route_%u.htpasswd", n);

    for (e = c->json.nodes[list].child; e >= 0; e = c->json.nodes[e].next) {
        if (c->json.nodes[e].type != NGX_ROUTINI_JSON_STRING) {
            rc_error(c, e, NULL, "expected a string \"user:password\"");
            return;
        }

        s = c->json.nodes[e].str;
        len = c->json.nodes[e].len;

        if (memchr(s, ':', len) == NULL || s[0] == ':'
            || memchr(s, '\n', len) || memchr(s, '\r', len))
        {
            rc_error(c, e, NULL, "expected \"user:password\" on one line");
            return;
        }

        rc_append(c, &f->users, s, len);
        rc_lit(c, &f->users, "\n");
    }

    s = "Restricted";
    len = 10;
    rc_string(c, a, "basic_auth_realm", &s, &len);

    rc_lit(c, b, "            auth_basic ");
    rc_quote(c, b, s, len, 1);
    rc_lit(c, b, ";\n            auth_basic_user_file ");

    {
        rc_buf_t  path;

        memset(&path, 0, sizeof(rc_buf_t));
        rc_printf(c, &path, "%s/%s", c->opts->htpasswd_dir, f->name);
        rc_quote(c, b, path.data, path.len, 1);
        free(path.data);
    }

    rc_lit(c, b, ";\n");
}


void
rc_route_limits(rc_t *c, int route, unsigned n, rc_buf_t *b)
{
    double              rps, burst;
    unsigned long long  v;

    if (rc_double(c, route, "rate_limit_rps", &rps) > 0) {

        if (rps <= 0 || rps > 1e9) {
            rc_warn(c, route, "rate_limit_rps", "%g: routini refuses every "
                    "request: return 429", rps);
            rc_lit(c, b, "            return 429;\n");

        } else {
            rc_printf(c, &c->http, "    limit_req_zone $binary_remote_addr "
                      "zone=route_%u_rate:1m rate=", n);

            if (rps >= 1 && rps == floor(rps)) {
                rc_printf(c, &c->http, "%.0fr/s;\n", rps);

            } else {
                if (rps * 60 != floor(rps * 60)) {
                    rc_warn(c, route, "rate_limit_rps", "%g: nginx counts "
                            "whole requests per second or minute: %.0fr/m",
                            rps, floor(rps * 60 + 0.5) ? floor(rps * 60 + 0.5)
                                                       : 1);
                }

                rc_printf(c, &c->http, "%.0fr/m;\n",
                          floor(rps * 60 + 0.5) ? floor(rps * 60 + 0.5) : 1);
            }

            /* routini counts requests in a one-second window: the burst
             * lets that many through at once */

            burst = ceil(rps) - 1;

            rc_printf(c, b, "            limit_req zone=route_%u_rate", n);

            if (burst > 0) {
                rc_printf(c, b, " burst=%.0f nodelay", burst);
            }

            rc_lit(c, b, ";\n            limit_req_status 429;\n");
        }
    }

    if (rc_uint(c, route, "max_connections", 1000000000, &v) > 0) {

        if (v == 0) {
            rc_warn(c, route, "max_connections", "0: routini refuses every "
                    "request: return 429");
            rc_lit(c, b, "            return 429;\n");

        } else {
            rc_printf(c, &c->http, "    limit_conn_zone $binary_remote_addr "
                      "zone=route_%u_conn:1m;\n", n);
            rc_printf(c, b, "            limit_conn route_%u_conn %llu;\n"
                      "            limit_conn_status 429;\n", n, v);
        }
    }
}


void
rc_route_cache(rc_t *c, int route, unsigned n, rc_buf_t *b)
{
    int                  cache;
    unsigned long long   ttl;
    static const char   *const fields[] = { "enabled", "ttl_secs", NULL };

    cache = rc_object(c, route, "cache");
    if (cache < 0) {
        return;
    }

    rc_known(c, cache, fields);

    ttl = 60;
    rc_uint(c, cache, "ttl_secs", 86400ULL * 365 * 10, &ttl);

    if (!rc_bool(c, cache, "enabled", 0)) {
        return;
    }

    rc_lit(c, &c->http, "    proxy_cache_path ");
    {
        rc_buf_t  path;

        memset(&path, 0, sizeof(rc_buf_t));
        rc_printf(c, &path, "%s/route_%u", c->opts->cache_dir, n);
        rc_quote(c, &c->http, path.data, path.len, 0);
        free(path.data);
    }

    rc_printf(c, &c->http, " levels=1:2 keys_zone=route_%u_cache:1m;\n", n);
    rc_printf(c, b, "            proxy_cache route_%u_cache;\n"
              "            proxy_cache_valid 200 301 302 %llus;\n", n, ttl);
}


/* a request header routini sets, unless the route's own rules set or
 * remove the same header (they come after, as in routini) */

static void
rc_set_header(rc_t *c, rc_buf_t *b, int headers, const char *name,
    const char *value)
{
    if (rc_named(c, rc_object(c, headers, "set_request"), name, strlen(name))
        || rc_named(c, rc_array(c, headers, "remove_request"), name,
                    strlen(name)))
    {
        return;
    }

    rc_printf(c, b, "            proxy_set_header %s %s;\n", name, value);
}


void
rc_route_headers(rc_t *c, int route, unsigned n, rc_buf_t *b, int server,
    unsigned tls)
{
    int          h;
    size_t       len;
    const char  *s;

    h = rc_object(c, route, "headers");

    if (h >= 0) {
        rc_known(c, h, rc_headers_fields);
    }

    /* Host: the client's ("preserve", the default) or a value */

    if (rc_string(c, h, "host", &s, &len) > 0
        && !(len == 8 && strncasecmp(s, "preserve", 8) == 0))
    {
        if (rc_header_value(c, h, "host", s, len) == 0) {
            rc_buf_t  q;

            memset(&q, 0, sizeof(rc_buf_t));
            rc_quote(c, &q, s, len, 1);
            rc_set_header(c, b, h, "Host", q.data ? q.data : "\"\"");
            free(q.data);
        }

    } else {
        rc_set_header(c, b, h, "Host", "$host");
    }

    if (rc_bool(c, h, "forwarded", 1)) {
        rc_set_header(c, b, h, "X-Real-IP", "$remote_addr");
        rc_set_header(c, b, h, "X-Forwarded-For",
                      rc_bool(c, h, "trusted_proxy", 0)
                      ? "$proxy_add_x_forwarded_for" : "$remote_addr");
        rc_set_header(c, b, h, "X-Forwarded-Proto", "$scheme");

    } else if (rc_member(c, h, "trusted_proxy") >= 0) {
        rc_warn(c, h, "trusted_proxy", "no effect with forwarded false");
    }

    if (rc_bool(c, server, "request_id", 0)) {
        rc_set_header(c, b, h, "X-Request-Id", "$request_id");
        rc_lit(c, b, "            add_header X-Request-Id $request_id "
                  "always;\n");
    }

    if (rc_header_set(c, b, h, "set_request", "remove_request", 0) != 0
        || rc_header_remove(c, b, h, "remove_request", 0) != 0
        || rc_header_set(c, b, h, "add_response", "remove_response", 1) != 0
        || rc_header_remove(c, b, h, "remove_response", 1) != 0)
    {
        return;
    }

    /* routini adds HSTS to the responses it sends over TLS */

    if (rc_string(c, route, "hsts", &s, &len) > 0
        && rc_header_value(c, route, "hsts", s, len) == 0)
    {
        if (!tls) {
            rc_warn(c, route, "hsts", "no proxy.tls listener: routini never "
                    "sends it, nor does the conversion");

        } else {
            rc_printf(c, &c->http, "    map $https $route_%u_hsts {\n"
                      "        on ", n);
            rc_quote(c, &c->http, s, len, 1);
            rc_lit(c, &c->http, ";\n        default \"\";\n    }\n");
            rc_printf(c, b, "            add_header Strict-Transport-Security "
                      "$route_%u_hsts always;\n", n);
        }
    }
}


void
rc_route_proxy(rc_t *c, int route, unsigned n, rc_buf_t *b)
{
    int                  t, r, tls;
    size_t               len;
    unsigned             verify;
    const char          *s;
    unsigned long long   v;
    static const char   *const tfields[] = {
        "connect_ms", "read_ms", "write_ms", "idle_ms", NULL
    };
    static const char   *const rfields[] = {
        "max_retries", "retry_on_connect_error", NULL
    };
    static const char   *const pfields[] = {
        "enabled", "max_fails", "fail_timeout_secs", NULL
    };
    static const char   *const sfields[] = {
        "enabled", "sni", "verify", "h2", NULL
    };

    v = 0;
    rc_uint(c, route, "max_body_size", (unsigned long long) -1 >> 1, &v);
    rc_printf(c, b, "            client_max_body_size %llu;\n", v);

    /* nginx checks a Content-Length against client_max_body_size when it
     * chooses the location, before the named location is reached: the
     * named location checks it again */

    if (v) {
        rc_lit(c, b, "            if ($http_content_length ~ ");
        rc_over(c, b, v);
        rc_lit(c, b, ") {\n                return 413;\n            }\n");
    }

    t = rc_object(c, route, "timeouts");

    if (t >= 0) {
        rc_known(c, t, tfields);
        rc_ms(c, b, t, "connect_ms", "            proxy_connect_timeout");
        rc_ms(c, b, t, "read_ms", "            proxy_read_timeout");
        rc_ms(c, b, t, "write_ms", "            proxy_send_timeout");
    }

    if (rc_object(c, route, "passive_health") >= 0) {
        rc_known(c, rc_object(c, route, "passive_health"), pfields);
    }

    /* routini retries a failed connection on another peer, max_retries
     * times after the first try, which nginx counts */

    r = rc_object(c, route, "retry");

    if (r >= 0) {
        rc_known(c, r, rfields);
    }

    v = 1;
    rc_uint(c, r, "max_retries", 1000000, &v);

    if (rc_bool(c, r, "retry_on_connect_error", 1)) {
        rc_printf(c, b, "            proxy_next_upstream error timeout;\n"
                  "            proxy_next_upstream_tries %llu;\n", v + 1);

    } else {
        rc_lit(c, b, "            proxy_next_upstream off;\n");
    }

    /* Pingora keeps upstream connections alive */

    rc_lit(c, b, "            proxy_http_version 1.1;\n");

    if (!rc_named(c, rc_object(c, rc_object(c, route, "headers"),
                               "set_request"), "Connection", 10))
    {
        rc_lit(c, b, "            proxy_set_header Connection \"\";\n");
    }

    tls = rc_object(c, route, "upstream_tls");

    if (tls >= 0) {
        rc_known(c, tls, sfields);
    }

    if (tls < 0 || !rc_bool(c, tls, "enabled", 0)) {
        rc_printf(c, b, "            proxy_pass http://route_%u;\n", n);
        return;
    }

    verify = rc_bool(c, tls, "verify", 1);

    rc_printf(c, b, "            proxy_ssl_verify %s;\n",
              verify ? "on" : "off");

    if (rc_string(c, tls, "sni", &s, &len) > 0) {
        rc_lit(c, b, "            proxy_ssl_server_name on;\n"
                  "            proxy_ssl_name ");
        rc_quote(c, b, s, len, 1);
        rc_lit(c, b, ";\n");

    } else if (verify) {
        rc_warn(c, tls, "sni", "unset: routini sends no SNI and checks the "
                "certificate against an empty name; nginx checks it against "
                "\"route_%u\": set sni to the certificate's name", n);
    }

    if (verify) {
        rc_warn(c, tls, "verify", "nginx needs a CA file to verify: the "
                "system bundle " RC_CA_BUNDLE " (proxy_ssl_trusted_"
                "certificate), change it if the upstreams use a private CA");
        rc_lit(c, b, "            proxy_ssl_trusted_certificate "
                  RC_CA_BUNDLE ";\n");
    }

    if (rc_bool(c, tls, "h2", 0)) {
        rc_warn(c, tls, "h2", "nginx proxies over HTTP/1.1 only (grpc_pass "
                "aside): HTTP/2 to the upstream is not converted");
    }

    rc_printf(c, b, "            proxy_pass https://route_%u;\n", n);
}


/* set_request or add_response, less the headers the removal list names
 * (routini removes after it sets); routini replaces a response header it
 * adds, so the upstream's is hidden */

static int
rc_header_set(rc_t *c, rc_buf_t *b, int h, const char *set,
    const char *remove, unsigned response)
{
    int          e, list;
    size_t       len, vlen;
    const char  *s, *v;

    list = rc_object(c, h, set);

    for (e = list >= 0 ? c->json.nodes[list].child : -1; e >= 0;
         e = c->json.nodes[e].next)
    {
        s = c->json.nodes[e].key;
        len = c->json.nodes[e].key_len;

        if (rc_header_name(c, e, NULL, s, len) != 0) {
            return -1;
        }

        if (c->json.nodes[e].type != NGX_ROUTINI_JSON_STRING) {
            rc_error(c, e, NULL, "expected a string");
            return -1;
        }

        v = c->json.nodes[e].str;
        vlen = c->json.nodes[e].len;

        if (rc_header_value(c, e, NULL, v, vlen) != 0) {
            return -1;
        }

        if (rc_named(c, rc_array(c, h, remove), s, len)) {
            continue;
        }

        if (response) {
            rc_printf(c, b, "            proxy_hide_header %.*s;\n"
                      "            add_header %.*s ", (int) len, s,
                      (int) len, s);

        } else {
            rc_printf(c, b, "            proxy_set_header %.*s ", (int) len,
                      s);
        }

        rc_quote(c, b, v, vlen, 1);
        rc_printf(c, b, "%s;\n", response ? " always" : "");
    }

    return 0;
}


static int
rc_header_remove(rc_t *c, rc_buf_t *b, int h, const char *remove,
    unsigned response)
{
    int          e, list;
    size_t       len;
    const char  *s;

    list = rc_array(c, h, remove);

    for (e = list >= 0 ? c->json.nodes[list].child : -1; e >= 0;
         e = c->json.nodes[e].next)
    {
        if (c->json.nodes[e].type != NGX_ROUTINI_JSON_STRING) {
            rc_error(c, e, NULL, "expected a header name");
            return -1;
        }

        s = c->json.nodes[e].str;
        len = c->json.nodes[e].len;

        if (rc_header_name(c, e, NULL, s, len) != 0) {
            return -1;
        }

        if (!response) {
            rc_printf(c, b, "            proxy_set_header %.*s \"\";\n",
                      (int) len, s);
            continue;
        }

        if ((len == 6 && strncasecmp(s, "server", 6) == 0)
            || (len == 4 && strncasecmp(s, "date", 4) == 0))
        {
            rc_warn(c, e, NULL, "nginx writes its own %.*s header, which "
                    "open source nginx cannot remove (server_tokens off "
                    "shortens Server): only the upstream's is hidden",
                    (int) len, s);
        }

        rc_printf(c, b, "            proxy_hide_header %.*s;\n", (int) len, s);
    }

    return 0;
}


/* token characters only (RFC 9110), as http::HeaderName accepts */

static int
rc_header_name(rc_t *c, int node, const char *key, const char *s,
    size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (!isalnum((unsigned char) s[i])
            && strchr("!#$%&'*+-.^_`|~", s[i]) == NULL)
        {
            break;
        }
    }

    if (len == 0 || i < len) {
        rc_error(c, node, key, "\"%.*s\" is not a header name", (int) len,
                 s);
        return -1;
    }

    return 0;
}


/* visible ASCII, space and tab, as http::HeaderValue::from_str accepts */

static int
rc_header_value(rc_t *c, int node, const char *key, const char *s,
    size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if ((s[i] < 0x20 && s[i] != '\t') || (unsigned char) s[i] >= 0x7f) {
            rc_error(c, node, key, "invalid character in a header value");
            return -1;
        }
    }

    return 0;
}


/* the object has that member, or the array that string, ignoring case */

static int
rc_named(rc_t *c, int node, const char *name, size_t len)
{
    int                       e;
    ngx_routini_json_node_t  *n;

    if (node < 0) {
        return 0;
    }

    for (e = c->json.nodes[node].child; e >= 0; e = c->json.nodes[e].next) {
        n = &c->json.nodes[e];

        if (n->key != NULL) {
            if (n->key_len == len && strncasecmp(n->key, name, len) == 0) {
                return 1;
            }

        } else if (n->type == NGX_ROUTINI_JSON_STRING && n->len == len
                   && strncasecmp(n->str, name, len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


void
rc_ms(rc_t *c, rc_buf_t *b, int obj, const char *key, const char *directive)
{
    unsigned long long  v;

    if (rc_uint(c, obj, key, 86400000ULL * 365, &v) > 0) {
        if (v == 0) {
            rc_warn(c, obj, key, "0 is not a timeout for nginx: 1ms");
            v = 1;
        }

        rc_printf(c, b, "%s %llums;\n", directive, v);
    }
}


/* a quoted regex matching the decimal numbers above max: more digits, or
 * as many and greater at the first digit that differs */

static void
rc_over(rc_t *c, rc_buf_t *b, unsigned long long max)
{
    int     i, len;
    char    digits[24];

    len = snprintf(digits, sizeof(digits), "%llu", max);

    rc_printf(c, b, "\"^0*(?:[1-9][0-9]{%d,}", len);

    for (i = 0; i < len; i++) {
        if (digits[i] == '9') {
            continue;
        }

        rc_printf(c, b, "|%.*s[%c-9]", i, digits, digits[i] + 1);

        if (len - i - 1 > 0) {
            rc_printf(c, b, "[0-9]{%d}", len - i - 1);
        }
    }

    rc_lit(c, b, ")$\"");
}
