
/*
 * Copyright (C) routini authors
 *
 * routini-convert: output buffers, nginx string quoting, and typed access
 * to config.json with the JSON path of every warning and error.
 */


#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"


static void rc_path(rc_t *c, rc_buf_t *b, int node, const char *key);
static void rc_path_node(rc_t *c, rc_buf_t *b, int node);
static void rc_message(rc_t *c, const char *level, int node,
    const char *key, const char *fmt, va_list args);
static int rc_typed(rc_t *c, int obj, const char *key, int type,
    const char *what);
static long rc_decimal(const char *s, size_t len, long max);


void
rc_append(rc_t *c, rc_buf_t *b, const char *s, size_t len)
{
    char    *p;
    size_t   size;

    if (len == 0) {
        return;
    }

    if (b->len + len + 1 > b->size) {
        size = (b->size ? b->size * 2 : 256);

        while (size < b->len + len + 1) {
            size *= 2;
        }

        p = realloc(b->data, size);
        if (p == NULL) {
            c->nomem = 1;
            c->error = 1;
            return;
        }

        b->data = p;
        b->size = size;
    }

    memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
}


void
rc_printf(rc_t *c, rc_buf_t *b, const char *fmt, ...)
{
    int      n;
    char     small[256], *big;
    va_list  args;

    va_start(args, fmt);
    n = vsnprintf(small, sizeof(small), fmt, args);
    va_end(args);

    if (n < 0) {
        return;
    }

    if ((size_t) n < sizeof(small)) {
        rc_append(c, b, small, n);
        return;
    }

    big = malloc(n + 1);
    if (big == NULL) {
        c->nomem = 1;
        c->error = 1;
        return;
    }

    va_start(args, fmt);
    vsnprintf(big, n + 1, fmt, args);
    va_end(args);

    rc_append(c, b, big, n);
    free(big);
}


/* nginx's lexer unescapes \" \\ \t \r \n inside double quotes; every other
 * byte is taken as is */

void
rc_quote(rc_t *c, rc_buf_t *b, const char *s, size_t len, unsigned vars)
{
    rc_lit(c, b, "\"");
    rc_escape(c, b, s, len, vars);
    rc_lit(c, b, "\"");
}


void
rc_escape(rc_t *c, rc_buf_t *b, const char *s, size_t len, unsigned vars)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        switch (s[i]) {
        case '"':  rc_lit(c, b, "\\\""); break;
        case '\\': rc_lit(c, b, "\\\\"); break;
        case '\t': rc_lit(c, b, "\\t"); break;
        case '\r': rc_lit(c, b, "\\r"); break;
        case '\n': rc_lit(c, b, "\\n"); break;
        case '$':
            if (vars) {
                rc_lit(c, b, "${routini_dollar}");
                c->dollar = 1;
                break;
            }

            /* fall through */

        default:
            rc_append(c, b, &s[i], 1);
        }
    }
}


/* "proxy.router[2].cache" for a node, then ".key" */

static void
rc_path(rc_t *c, rc_buf_t *b, int node, const char *key)
{
    size_t  start;

    start = b->len;

    rc_path_node(c, b, node);

    if (key != NULL) {
        if (b->len > start) {
            rc_lit(c, b, ".");
        }

        rc_append(c, b, key, strlen(key));
    }

    if (b->len == start) {
        rc_lit(c, b, "(top level)");
    }
}


static void
rc_path_node(rc_t *c, rc_buf_t *b, int node)
{
    int                       i, n, parent;
    ngx_routini_json_node_t  *nodes;

    if (node <= 0) {
        return;
    }

    nodes = c->json.nodes;
    parent = nodes[node].parent;

    rc_path_node(c, b, parent);

    if (nodes[node].key != NULL) {
        if (parent > 0) {
            rc_lit(c, b, ".");
        }

        rc_append(c, b, nodes[node].key, nodes[node].key_len);
        return;
    }

    n = 0;

    for (i = nodes[parent].child; i >= 0 && i != node; i = nodes[i].next) {
        n++;
    }

    rc_printf(c, b, "[%d]", n);
}


static void
rc_message(rc_t *c, const char *level, int node, const char *key,
    const char *fmt, va_list args)
{
    char  text[512];

    vsnprintf(text, sizeof(text), fmt, args);

    rc_printf(c, &c->log, "routini-convert: %s: ", level);
    rc_path(c, &c->log, node, key);
    rc_printf(c, &c->log, ": %s\n", text);
}


void
rc_error(rc_t *c, int node, const char *key, const char *fmt, ...)
{
    va_list  args;

    /* the first error is the one to fix; later ones may follow from it */

    if (c->error) {
        return;
    }

    c->error = 1;

    va_start(args, fmt);
    rc_message(c, "error", node, key, fmt, args);
    va_end(args);
}


void
rc_warn(rc_t *c, int node, const char *key, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    rc_message(c, "warning", node, key, fmt, args);
    va_end(args);
}


int
rc_member(rc_t *c, int obj, const char *key)
{
    int  m;

    m = ngx_routini_json_member(&c->json, obj, key, strlen(key));

    if (m < 0 || c->json.nodes[m].type == NGX_ROUTINI_JSON_NULL) {
        return -1;
    }

    return m;
}


static int
rc_typed(rc_t *c, int obj, const char *key, int type, const char *what)
{
    int  m;

    m = rc_member(c, obj, key);

    if (m >= 0 && c->json.nodes[m].type != type) {
        rc_error(c, obj, key, "expected %s", what);
        return -1;
    }

    return m;
}


int
rc_bool(rc_t *c, int obj, const char *key, int def)
{
    int  m;

    m = rc_member(c, obj, key);

    if (m < 0) {
        return def;
    }

    switch (c->json.nodes[m].type) {
    case NGX_ROUTINI_JSON_TRUE:
        return 1;
    case NGX_ROUTINI_JSON_FALSE:
        return 0;
    default:
        rc_error(c, obj, key, "expected true or false");
        return def;
    }
}


/* a whole number 0..max written without fraction or exponent, as serde
 * reads an unsigned integer: 1 read, 0 absent, -1 refused */

int
rc_uint(rc_t *c, int obj, const char *key, unsigned long long max,
    unsigned long long *v)
{
    int                       m;
    size_t                    i;
    unsigned long long        n;
    ngx_routini_json_node_t  *node;

    m = rc_typed(c, obj, key, NGX_ROUTINI_JSON_NUMBER, "a whole number");
    if (m < 0) {
        return c->error ? -1 : 0;
    }

    node = &c->json.nodes[m];
    n = 0;

    for (i = 0; i < node->len; i++) {
        if (node->str[i] < '0' || node->str[i] > '9') {
            rc_error(c, obj, key, "expected a whole number from 0 to %llu",
                     max);
            return -1;
        }

        if (n > (max - (node->str[i] - '0')) / 10) {
            rc_error(c, obj, key, "over %llu", max);
            return -1;
        }

        n = n * 10 + (node->str[i] - '0');
    }

    *v = n;

    return 1;
}


int
rc_double(rc_t *c, int obj, const char *key, double *v)
{
    int  m;

    m = rc_typed(c, obj, key, NGX_ROUTINI_JSON_NUMBER, "a number");
    if (m < 0) {
        return c->error ? -1 : 0;
    }

    *v = c->json.nodes[m].number;

    return 1;
}


int
rc_string(rc_t *c, int obj, const char *key, const char **s, size_t *len)
{
    int  m;

    m = rc_typed(c, obj, key, NGX_ROUTINI_JSON_STRING, "a string");
    if (m < 0) {
        return c->error ? -1 : 0;
    }

    *s = c->json.nodes[m].str;
    *len = c->json.nodes[m].len;

    return 1;
}


int
rc_object(rc_t *c, int obj, const char *key)
{
    return rc_typed(c, obj, key, NGX_ROUTINI_JSON_OBJECT, "an object");
}


int
rc_array(rc_t *c, int obj, const char *key)
{
    return rc_typed(c, obj, key, NGX_ROUTINI_JSON_ARRAY, "an array");
}


/* routini ignores the members it does not know: so does the conversion,
 * with a warning in case of a typo */

void
rc_known(rc_t *c, int obj, const char *const *names)
{
    int                       m;
    const char *const        *name;
    ngx_routini_json_node_t  *nodes;

    nodes = c->json.nodes;

    for (m = nodes[obj].child; m >= 0; m = nodes[m].next) {

        for (name = names; *name; name++) {
            if (strlen(*name) == nodes[m].key_len
                && memcmp(*name, nodes[m].key, nodes[m].key_len) == 0)
            {
                break;
            }
        }

        if (*name == NULL) {
            rc_warn(c, m, NULL, "unknown field, ignored (as routini "
                    "ignores it)");
        }
    }
}


/* IPv4:port or [IPv6]:port, as Rust's SocketAddr parses it */

int
rc_socket_address(const char *s, size_t len)
{
    char           host[64];
    size_t         i, colon;
    unsigned char  addr[16];

    colon = len;

    for (i = len; i > 0; i--) {
        if (s[i - 1] == ':') {
            colon = i - 1;
            break;
        }
    }

    if (colon == len || rc_decimal(s + colon + 1, len - colon - 1, 65535)
                        < 0)
    {
        return -1;
    }

    if (colon >= 2 && s[0] == '[' && s[colon - 1] == ']') {
        if (colon - 2 >= sizeof(host)) {
            return -1;
        }

        memcpy(host, s + 1, colon - 2);
        host[colon - 2] = '\0';

        return inet_pton(AF_INET6, host, addr) == 1 ? 0 : -1;
    }

    if (colon >= sizeof(host)) {
        return -1;
    }

    memcpy(host, s, colon);
    host[colon] = '\0';

    return inet_pton(AF_INET, host, addr) == 1 ? 0 : -1;
}


/* an address or CIDR block, as allow/deny take them */

int
rc_cidr(const char *s, size_t len)
{
    char           host[64];
    size_t         slash;
    unsigned char  addr[16];

    for (slash = 0; slash < len && s[slash] != '/'; slash++) { /* void */ }

    if (slash == 0 || slash >= sizeof(host)) {
        return -1;
    }

    memcpy(host, s, slash);
    host[slash] = '\0';

    if (inet_pton(AF_INET, host, addr) == 1) {
        return slash == len
               || rc_decimal(s + slash + 1, len - slash - 1, 32) >= 0 ? 0 : -1;
    }

    if (inet_pton(AF_INET6, host, addr) == 1) {
        return slash == len
               || rc_decimal(s + slash + 1, len - slash - 1, 128) >= 0 ? 0 : -1;
    }

    return -1;
}


/* digits only, no leading zero, at most max: the value, or -1 */

static long
rc_decimal(const char *s, size_t len, long max)
{
    long    n;
    size_t  i;

    if (len == 0 || len > 6 || (s[0] == '0' && len > 1)) {
        return -1;
    }

    n = 0;

    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }

        n = n * 10 + (s[i] - '0');
    }

    return n <= max ? n : -1;
}
