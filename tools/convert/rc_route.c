
/*
 * Copyright (C) routini authors
 *
 * routini-convert: one route of proxy.router[] becomes
 *
 *   - a routini_route line in the server's "location /", whose target is
 *     the name of the route's named location, reached by try_files;
 *   - "location @route_N": the route again (for strip_prefix and the
 *     metrics), then everything routini sets per route, then proxy_pass
 *     or the action's return;
 *   - "upstream route_N": the balancer, health checks and peers.
 *
 * A named location per route keeps routini's per-route settings (headers,
 * limits, access, cache, timeouts) apart while the module's router, with
 * matchit's precedence, chooses the route.
 */


#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "rc.h"


#define RC_PATH_CATCHALL  1
#define RC_PATH_PREFIX    2    /* matchit's "/api*": a regex "~^/api" */


static unsigned rc_route_path(rc_t *c, int route, unsigned regex,
    rc_buf_t *pat);
static int rc_route_decode(rc_t *c, int route, const char *s, size_t len,
    size_t i);
static void rc_route_prefix(rc_t *c, int route, const char *s, size_t len,
    rc_buf_t *pat);
static void rc_route_upstream(rc_t *c, int route, unsigned n);
static void rc_route_adaptive(rc_t *c, int lb);
static void rc_adaptive_double(rc_t *c, int a, const char *key,
    const char *param, unsigned fraction);
static void rc_route_action(rc_t *c, int action, rc_buf_t *b);


static const char *const  rc_route_fields[] = {
    "path", "host", "regex", "action", "strip_prefix", "headers",
    "timeouts", "retry", "passive_health", "max_body_size", "upstream_tls",
    "hsts", "rate_limit_rps", "max_connections", "cache", "access",
    "load_balancer", NULL
};

static const char *const  rc_lb_fields[] = {
    "strategy", "adaptive_lb_opt", "max_iterations",
    "health_check_interval_secs", "upstreams", NULL
};

static const char *const  rc_adaptive_fields[] = {
    "latency_smoothing_factor", "connections_divergence_ratio",
    "latency_divergence_ratio", "evaluate_strategy_frequency_secs",
    "min_nr_of_connections", "hysteresis_exit_factor", NULL
};

static const char *const  rc_strategies[] = {
    "RoundRobin", "Random", "FNVHash", "Consistent", "FewestConnections",
    "FastestServer", NULL
};


void
rc_route(rc_t *c, int route, unsigned n, rc_server_t *srv, int server)
{
    int          action, lb, ups;
    size_t       len;
    unsigned     regex, strip, catchall, prefix, path, tls;
    rc_buf_t    *b, pat;
    const char  *s;

    if (c->json.nodes[route].type != NGX_ROUTINI_JSON_OBJECT) {
        rc_error(c, route, NULL, "expected an object");
        return;
    }

    rc_known(c, route, rc_route_fields);

    if (rc_string(c, route, "path", &s, &len) == 0) {
        rc_error(c, route, "path", "required");
    }

    regex = rc_bool(c, route, "regex", 0);
    strip = rc_bool(c, route, "strip_prefix", 1);
    action = rc_object(c, route, "action");
    tls = (rc_member(c, rc_member(c, 0, "proxy"), "tls") >= 0);

    lb = rc_object(c, route, "load_balancer");
    if (lb < 0) {
        rc_error(c, route, "load_balancer", "required");
        return;
    }

    rc_known(c, lb, rc_lb_fields);

    ups = rc_array(c, lb, "upstreams");
    if (ups < 0) {
        rc_error(c, lb, "upstreams", "required (an empty list for a route "
                 "with an action)");
        return;
    }

    if (c->json.nodes[ups].child < 0 && action < 0) {
        rc_error(c, lb, "upstreams", "empty: a route without an action "
                 "needs at least one upstream");
        return;
    }

    /* in the server's location /: the route, its target the name of the
     * named location that does the rest */

    memset(&pat, 0, sizeof(rc_buf_t));
    path = rc_route_path(c, route, regex, &pat);
    catchall = path & RC_PATH_CATCHALL;
    prefix = path & RC_PATH_PREFIX;

    rc_lit(c, &srv->routes, "            routini_route ");
    rc_quote(c, &srv->routes, pat.data, pat.len, 0);
    rc_printf(c, &srv->routes, " route_%u;\n", n);

    b = &srv->locations;

    rc_printf(c, b, "\n        location @route_%u {\n", n);
    rc_lit(c, b, "            routini_route ");
    rc_quote(c, b, pat.data, pat.len, 0);
    rc_printf(c, b, " route_%u", n);

    free(pat.data);

    if (action >= 0) {
        rc_lit(c, b, ";\n");

        if (c->json.nodes[ups].child >= 0) {
            rc_warn(c, lb, "upstreams", "not used: the route answers with "
                    "its action");
        }

        rc_route_action(c, action, b);
        rc_lit(c, b, "        }\n");
        return;
    }

    if (strip && catchall) {
        rc_lit(c, b, " strip_prefix;\n");
        rc_lit(c, b, "            # routini forwards the stripped path "
                  "without the query string\n"
                  "            set $args \"\";\n");

    } else {
        rc_lit(c, b, ";\n");

        if (strip && prefix) {
            rc_warn(c, route, "strip_prefix", "a regex route cannot strip: "
                    "the path is forwarded whole, where routini forwarded "
                    "what follows the prefix");

        } else if (strip && rc_member(c, route, "strip_prefix") >= 0) {
            rc_warn(c, route, "strip_prefix", "%s: nothing to strip, the "
                    "path is forwarded whole (as routini does)",
                    regex ? "a regex route" : "no catch-all in the path");
        }
    }

    rc_route_upstream(c, route, n);
    rc_route_access(c, route, n, b);
    rc_route_limits(c, route, n, b);
    rc_route_cache(c, route, n, b);
    rc_route_headers(c, route, n, b, server, tls);
    rc_route_proxy(c, route, n, b);

    rc_append(c, b, c->pages_location.data, c->pages_location.len);
    rc_lit(c, b, "        }\n");
}


/*
 * matchit's path in the module's syntax, unquoted: a trailing "*" after
 * a "/" is {*rest}; a ':' is literal in matchit and a param in the
 * module's colon syntax.  matchit compares the path as sent, the module the decoded one:
 * a "%XX" is decoded.  A trailing "*" after anything else is a catch-all
 * inside a segment, which the module refuses: a regex route matching the
 * prefix instead.
 */

static unsigned
rc_route_path(rc_t *c, int route, unsigned regex, rc_buf_t *pat)
{
    int          ch;
    char         byte;
    size_t       i, len;
    unsigned     flags, decoded;
    rc_buf_t     dec;
    const char  *s;

    if (rc_string(c, route, "path", &s, &len) <= 0) {
        return 0;
    }

    if (regex) {
        rc_lit(c, pat, "~");
        rc_append(c, pat, s, len);
        return 0;
    }

    if (len == 0 || s[0] != '/') {
        rc_error(c, route, "path", "must start with \"/\"");
        return 0;
    }

    if (len > 1 && s[len - 1] == '*' && s[len - 2] != '/') {
        rc_route_prefix(c, route, s, len - 1, pat);
        return RC_PATH_PREFIX;
    }

    flags = 0;
    decoded = 0;
    memset(&dec, 0, sizeof(rc_buf_t));

    for (i = 0; i < len; i++) {
        if (s[i] == '%') {
            ch = rc_route_decode(c, route, s, len, i);
            if (ch < 0) {
                break;
            }

            i += 2;
            decoded = 1;
            byte = (char) ch;

            rc_append(c, &dec, &byte, 1);

            switch (ch) {
            case ':':
                rc_lit(c, pat, "\\:");
                break;
            case '{':
                rc_lit(c, pat, "{{");
                break;
            case '}':
                rc_lit(c, pat, "}}");
                break;
            case '*':
                if (pat->len && pat->data[pat->len - 1] == '/') {
                    rc_error(c, route, "path", "\"%.*s\": a \"*\" "
                             "decoded at the start of a segment is a "
                             "catch-all in the module, not the literal "
                             "\"*\" routini matched", (int) len, s);
                    i = len;
                    break;
                }

                /* fall through */

            default:
                rc_append(c, pat, &byte, 1);
            }

            continue;
        }

        rc_append(c, &dec, &s[i], 1);

        if (s[i] == ':') {
            rc_lit(c, pat, "\\:");

        } else if (s[i] == '*' && i == len - 1) {
            rc_lit(c, pat, "{*rest}");
            flags |= RC_PATH_CATCHALL;

        } else {
            if (s[i] == '{' && i + 1 < len && s[i + 1] == '*') {
                flags |= RC_PATH_CATCHALL;
            }

            rc_append(c, pat, &s[i], 1);
        }
    }

    if (decoded && !c->error) {
        rc_warn(c, route, "path", "\"%.*s\" is decoded to \"%.*s\": the "
                "module matches the decoded path, so that it routes the "
                "requests routini routed (and the same path sent "
                "unencoded)", (int) len, s, (int) dec.len, dec.data);
    }

    free(dec.data);

    return flags;
}


/* the byte of the "%XX" at s[i], or -1: refused */

static int
rc_route_decode(rc_t *c, int route, const char *s, size_t len, size_t i)
{
    int       ch, k;
    unsigned  d;

    ch = 0;

    for (k = 1; k <= 2; k++) {
        if (i + k >= len) {
            rc_error(c, route, "path", "\"%.*s\" is not a percent-escape: "
                     "nginx refuses such a request, the route would take "
                     "none", (int) (len - i), &s[i]);
            return -1;
        }

        d = (unsigned char) s[i + k];

        if (d >= '0' && d <= '9') {
            d -= '0';

        } else if ((d | 0x20) >= 'a' && (d | 0x20) <= 'f') {
            d = (d | 0x20) - 'a' + 10;

        } else {
            rc_error(c, route, "path", "\"%.3s\" is not a percent-escape: "
                     "nginx refuses such a request, the route would take "
                     "none", &s[i]);
            return -1;
        }

        ch = ch * 16 + d;
    }

    if (ch == 0) {
        rc_error(c, route, "path", "\"%%00\": nginx refuses a request "
                 "with it, the route would take none");
        return -1;
    }

    return ch;
}


/*
 * "/api*": matchit's "/api{*rest}", taking "/api", "/apix" and "/api/x";
 * the module takes a catch-all as a whole segment only: the regex
 * "~^/api", its literal text escaped, a "{param}" one segment's text
 * and a "%XX" decoded.
 */

static void
rc_route_prefix(rc_t *c, int route, const char *s, size_t len,
    rc_buf_t *pat)
{
    int          ch;
    char         byte;
    size_t       i, start;
    const char  *quote;

    start = pat->len;
    rc_lit(c, pat, "~^");

    for (i = 0; i < len; i++) {
        ch = (unsigned char) s[i];

        if (ch == '%') {
            ch = rc_route_decode(c, route, s, len, i);
            if (ch < 0) {
                return;
            }

            i += 2;

        } else if ((ch == '{' || ch == '}') && i + 1 < len && s[i + 1] == ch)
        {
            i++;       /* "{{": a literal brace */

        } else if (ch == '{') {
            while (i < len && s[i] != '}') {
                i++;
            }

            rc_lit(c, pat, "[^/]+");
            continue;
        }

        quote = strchr("\\.^$|?*+()[]{}", ch);

        if (quote != NULL && ch != '\0') {
            rc_lit(c, pat, "\\");
        }

        byte = (char) ch;
        rc_append(c, pat, &byte, 1);
    }

    rc_warn(c, route, "path", "\"%.*s*\" is a catch-all inside a segment, "
            "which the module refuses: the regex route \"%.*s\", tried "
            "after the other routes, takes the same paths",
            (int) len, s, (int) (pat->len - start), pat->data + start);
}


static void
rc_route_upstream(rc_t *c, int route, unsigned n)
{
    int                  lb, ups, u, ph;
    size_t               len;
    rc_buf_t            *b;
    const char          *s, *const *name;
    unsigned long long   v, weight, fails, timeout, pool;

    b = &c->upstreams;
    lb = rc_object(c, route, "load_balancer");
    ups = rc_array(c, lb, "upstreams");

    rc_printf(c, b, "    upstream route_%u {\n", n);

    /* routini runs its adaptive engine on every route; the configured
     * strategy is where it starts */

    if (rc_string(c, lb, "strategy", &s, &len) > 0) {
        for (name = rc_strategies; *name; name++) {
            if (strlen(*name) == len && memcmp(*name, s, len) == 0) {
                break;
            }
        }

        if (*name == NULL) {
            rc_error(c, lb, "strategy", "unknown strategy \"%.*s\" "
                     "(RoundRobin, Random, FNVHash, Consistent, "
                     "FewestConnections, FastestServer)", (int) len, s);

        } else if (name != rc_strategies) {
            rc_warn(c, lb, "strategy", "the adaptive engine starts with "
                    "round_robin, not %.*s: routini's engine leaves the "
                    "starting strategy at its first evaluation anyway",
                    (int) len, s);
        }

        if (name == rc_strategies + 2 || name == rc_strategies + 3) {
            rc_warn(c, lb, "strategy", "routini hashes an empty key (every "
                    "request to one peer); the module refuses an empty key: "
                    "key=routini, a constant, does the same");
        }
    }

    /* key=: a constant, as routini hashes an empty one, for a hash strategy
     * set at run time through the strategy endpoint */

    rc_lit(c, b, "        routini_balancer adaptive key=routini;\n");

    rc_route_adaptive(c, lb);

    if (rc_uint(c, lb, "max_iterations", (unsigned long long) -1, &v) > 0) {
        rc_warn(c, lb, "max_iterations", "ignored: the module's strategies "
                "pick a peer without a retry loop");
    }

    v = 1;

    if (rc_uint(c, lb, "health_check_interval_secs", 86400 * 365, &v) >= 0
        && v > 0)
    {
        rc_printf(c, b, "        routini_health_check interval=%llus "
                  "timeout=1s type=tcp;\n", v);
    }

    ph = rc_object(c, route, "passive_health");
    fails = 3;
    timeout = 10;

    if (ph >= 0) {
        rc_uint(c, ph, "max_fails", 0xffffffff, &fails);
        rc_uint(c, ph, "fail_timeout_secs", 86400 * 365, &timeout);
    }

    if (ph < 0 || !rc_bool(c, ph, "enabled", 0)) {
        fails = 0;     /* nginx's passive health is on by default */

    } else if (fails == 0) {
        rc_warn(c, ph, "max_fails", "0 ejects at the first failure in "
                "routini: max_fails=1");
        fails = 1;
    }

    if (timeout == 0) {
        timeout = 1;
    }

    for (u = c->json.nodes[ups].child; u >= 0; u = c->json.nodes[u].next) {

        if (c->json.nodes[u].type != NGX_ROUTINI_JSON_OBJECT) {
            rc_error(c, u, NULL, "expected an object");
            break;
        }

        if (rc_string(c, u, "address", &s, &len) == 0) {
            rc_error(c, u, "address", "required");
        }

        if (c->error) {
            break;
        }

        if (rc_socket_address(s, len) != 0) {
            rc_error(c, u, "address", "\"%.*s\" is not an IP:port address",
                     (int) len, s);
            break;
        }

        weight = 1;

        if (rc_uint(c, u, "weight", 1000000, &weight) > 0 && weight == 0) {
            weight = 1;    /* as routini */
        }

        rc_printf(c, b, "        server %.*s weight=%llu max_fails=%llu",
                  (int) len, s, weight, fails);

        if (fails) {
            rc_printf(c, b, " fail_timeout=%llus", timeout);
        }

        rc_lit(c, b, ";\n");
    }

    pool = 128;

    if (rc_uint(c, rc_member(c, 0, "server"), "upstream_keepalive_pool_size",
                (unsigned long long) -1, &pool) > 0 && pool > 1024)
    {
        pool = 1024;
    }

    if (pool) {
        rc_printf(c, b, "        keepalive %llu;\n", pool);
    }

    rc_ms(c, b, rc_object(c, route, "timeouts"), "idle_ms",
          "        keepalive_timeout");

    rc_lit(c, b, "    }\n\n");
}


/* routini's adaptive_lb_opt as routini_adaptive, clamped to its ranges */

static void
rc_route_adaptive(rc_t *c, int lb)
{
    int                 a;
    size_t              start;
    rc_buf_t           *b;
    unsigned long long  v;

    a = rc_object(c, lb, "adaptive_lb_opt");
    if (a < 0) {
        return;
    }

    rc_known(c, a, rc_adaptive_fields);

    b = &c->upstreams;
    start = b->len;

    rc_lit(c, b, "        routini_adaptive");

    if (rc_uint(c, a, "evaluate_strategy_frequency_secs", 86400 * 365, &v)
        > 0)
    {
        if (v == 0) {
            rc_warn(c, a, "evaluate_strategy_frequency_secs", "0 is below "
                    "the module's minimum: interval=100ms");
            rc_lit(c, b, " interval=100ms");

        } else {
            rc_printf(c, b, " interval=%llus", v);
        }
    }

    rc_adaptive_double(c, a, "connections_divergence_ratio",
                       "connections_ratio", 0);
    rc_adaptive_double(c, a, "latency_divergence_ratio", "latency_ratio", 0);

    if (rc_uint(c, a, "min_nr_of_connections", 1000000000, &v) > 0) {
        rc_printf(c, b, " min_connections=%llu", v);
    }

    rc_adaptive_double(c, a, "hysteresis_exit_factor", "hysteresis", 1);
    rc_adaptive_double(c, a, "latency_smoothing_factor", "smoothing", 1);

    /* an empty adaptive_lb_opt: the defaults, which are routini's */

    if (b->len == start + sizeof("        routini_adaptive") - 1) {
        b->len = start;
        b->data[start] = '\0';
        return;
    }

    rc_lit(c, b, ";\n");
}


/* a ratio (at least 1) or a fraction (above 0, at most 1), clamped */

static void
rc_adaptive_double(rc_t *c, int a, const char *key, const char *param,
    unsigned fraction)
{
    double  d, to;

    if (rc_double(c, a, key, &d) <= 0) {
        return;
    }

    if (fraction) {
        to = (d <= 0) ? 0.01 : (d > 1) ? 1 : d;

    } else {
        to = (d < 1) ? 1 : d;
    }

    if (to != d) {
        rc_warn(c, a, key, "%g is outside the module's range (%s): %g", d,
                fraction ? "above 0, at most 1" : "at least 1", to);
    }

    rc_printf(c, &c->upstreams, " %s=%g", param, to);
}


static void
rc_route_action(rc_t *c, int action, rc_buf_t *b)
{
    int                 a;
    size_t              i, len;
    rc_buf_t            loc;
    const char         *s;
    unsigned long long  status;

    a = rc_object(c, action, "redirect");

    if (a >= 0) {
        status = 301;
        rc_uint(c, a, "status", 65535, &status);

        if (rc_string(c, a, "location", &s, &len) == 0) {
            rc_error(c, a, "location", "required");
            return;
        }

        if (c->error) {
            return;
        }

        if (status > 999) {
            rc_error(c, a, "status", "%llu: nginx answers 0-999", status);
            return;
        }

        /* routini replaces $request_uri and $uri, nothing else */

        memset(&loc, 0, sizeof(rc_buf_t));

        rc_lit(c, &loc, "\"");

        for (i = 0; i < len; i++) {
            if (len - i >= 12 && memcmp(s + i, "$request_uri", 12) == 0) {
                rc_lit(c, &loc, "${request_uri}");
                i += 11;

            } else if (len - i >= 4 && memcmp(s + i, "$uri", 4) == 0) {
                rc_lit(c, &loc, "${uri}");
                i += 3;

            } else {
                rc_escape(c, &loc, s + i, 1, 1);
            }
        }

        rc_lit(c, &loc, "\"");

        /* routini sends the Location as configured */

        rc_lit(c, b, "            absolute_redirect off;\n");

        if (status == 301 || status == 302 || status == 303 || status == 307
            || status == 308)
        {
            rc_printf(c, b, "            return %llu %s;\n", status, loc.data);

        } else {
            rc_printf(c, b, "            add_header Location %s always;\n"
                      "            return %llu \"\";\n", loc.data, status);
        }

        free(loc.data);
        return;
    }

    a = rc_object(c, action, "return");

    if (a >= 0) {
        if (rc_uint(c, a, "status", 65535, &status) == 0) {
            rc_error(c, a, "status", "required");
        }

        if (c->error) {
            return;
        }

        if (status > 999) {
            rc_error(c, a, "status", "%llu: nginx answers 0-999", status);
            return;
        }

        s = "";
        len = 0;
        rc_string(c, a, "body", &s, &len);

        if (status >= 301 && status <= 308 && status != 304 && status != 305
            && status != 306)
        {
            rc_warn(c, a, "status", "nginx's return with %llu takes its text "
                    "as the Location: the body is sent as Location",
                    status);
        }

        rc_printf(c, b, "            return %llu ", status);
        rc_quote(c, b, s, len, 1);
        rc_lit(c, b, ";\n");
        return;
    }

    if (!c->error) {
        rc_error(c, action, NULL, "expected {\"redirect\":{...}} or "
                 "{\"return\":{...}}");
    }
}
