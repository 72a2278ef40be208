
/*
 * Copyright (C) routini authors
 *
 * routini-convert: routini's config.json to nginx.conf.  The conversion
 * (rc_convert) is pure C over the project's JSON reader and writes into
 * memory buffers only, so the fuzzer runs it whole; rc_main.c does the
 * files, the command line and the password hashing.
 */


#ifndef _RC_H_INCLUDED_
#define _RC_H_INCLUDED_


#include <stddef.h>

#include "ngx_routini_json.h"


#define RC_MAX_MODULES  8
#define RC_DEBIAN_MODULE \
    "/usr/lib/nginx/modules/ngx_http_routini_module.so"
#define RC_CA_BUNDLE    "/etc/ssl/certs/ca-certificates.crt"


typedef struct {
    char                     *data;
    size_t                    len;
    size_t                    size;
} rc_buf_t;


/* an htpasswd file to write: plain "user:password" lines, hashed by the
 * caller (rc_main.c) */

typedef struct {
    char                      name[32];
    rc_buf_t                  users;
} rc_file_t;


typedef struct {
    const char               *modules[RC_MAX_MODULES];
    unsigned                  nmodules;     /* 0: no load_module */
    unsigned                  include;      /* http-level include file */
    unsigned                  nginx_version;    /* 1022001 for 1.22.1 */
    const char               *htpasswd_dir; /* as written in the output */
    const char               *cache_dir;
} rc_opts_t;


typedef struct {
    rc_opts_t                *opts;
    ngx_routini_json_t        json;

    rc_buf_t                  main;         /* main context */
    rc_buf_t                  http;         /* http context, before servers */
    rc_buf_t                  upstreams;
    rc_buf_t                  servers;
    rc_buf_t                  server_common;    /* in every server{} */
    rc_buf_t                  pages_server;     /* error pages */
    rc_buf_t                  pages_location;
    rc_buf_t                  log;          /* warnings and errors */
    rc_buf_t                  out;          /* the result */

    rc_file_t                *files;
    unsigned                  nfiles;

    unsigned                  error:1;      /* refused: no output */
    unsigned                  dollar:1;     /* ${routini_dollar} used */
    unsigned                  nomem:1;
} rc_t;


/* the conversion: 0, or -1 with the reason in c->log */
int rc_convert(rc_t *c, const char *in, size_t len);
void rc_free(rc_t *c);

/* buffers (rc_json.c) */
void rc_printf(rc_t *c, rc_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void rc_append(rc_t *c, rc_buf_t *b, const char *s, size_t len);
#define rc_lit(c, b, s)  rc_append(c, b, s, sizeof(s) - 1)
/* a double-quoted nginx string; vars: the directive evaluates variables,
 * so "$" is written as ${routini_dollar} */
void rc_quote(rc_t *c, rc_buf_t *b, const char *s, size_t len,
    unsigned vars);
/* the same without the quotes */
void rc_escape(rc_t *c, rc_buf_t *b, const char *s, size_t len,
    unsigned vars);

/* typed access to the parsed document, JSON paths in messages (rc_json.c);
 * null is absent, as serde reads an Option */
int rc_member(rc_t *c, int obj, const char *key);
void rc_error(rc_t *c, int node, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void rc_warn(rc_t *c, int node, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int rc_bool(rc_t *c, int obj, const char *key, int def);
int rc_uint(rc_t *c, int obj, const char *key, unsigned long long max,
    unsigned long long *v);
int rc_double(rc_t *c, int obj, const char *key, double *v);
int rc_string(rc_t *c, int obj, const char *key, const char **s,
    size_t *len);
int rc_object(rc_t *c, int obj, const char *key);
int rc_array(rc_t *c, int obj, const char *key);
void rc_known(rc_t *c, int obj, const char *const *names);
int rc_socket_address(const char *s, size_t len);
int rc_cidr(const char *s, size_t len);

/* one route: its upstream{} and named location (rc_route.c) */
typedef struct {
    rc_buf_t                  routes;       /* routini_route lines */
    rc_buf_t                  locations;    /* named locations */
    const char               *host;         /* NULL: the default server */
    size_t                    host_len;
} rc_server_t;

void rc_route(rc_t *c, int route, unsigned n, rc_server_t *srv,
    int server);

/* the named location's settings (rc_route_proxy.c) */
void rc_route_access(rc_t *c, int route, unsigned n, rc_buf_t *b);
void rc_route_limits(rc_t *c, int route, unsigned n, rc_buf_t *b);
void rc_route_cache(rc_t *c, int route, unsigned n, rc_buf_t *b);
void rc_route_headers(rc_t *c, int route, unsigned n, rc_buf_t *b,
    int server, unsigned tls);
void rc_route_proxy(rc_t *c, int route, unsigned n, rc_buf_t *b);
/* "DIRECTIVE Nms;" from a member in milliseconds */
void rc_ms(rc_t *c, rc_buf_t *b, int obj, const char *key,
    const char *directive);


#endif /* _RC_H_INCLUDED_ */
