
/*
 * Copyright (C) routini authors
 *
 * Strict, bounded JSON reader: recursive descent, depth-limited, writing
 * into caller-provided storage.  See ngx_routini_json.h.
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_routini_json.h"


typedef struct {
    ngx_routini_json_t       *j;
    const unsigned char      *start;
    const unsigned char      *p;
    const unsigned char      *end;
    size_t                    used;       /* of j->strings */
} ngx_routini_json_ctx_t;


static int ngx_routini_json_value(ngx_routini_json_ctx_t *c, int parent,
    unsigned depth, const char *key, size_t key_len);
static int ngx_routini_json_children(ngx_routini_json_ctx_t *c, int node,
    unsigned depth, int close);
static void ngx_routini_json_link(ngx_routini_json_t *j, int node,
    int *last, int member);
static int ngx_routini_json_string(ngx_routini_json_ctx_t *c,
    const char **out, size_t *len);
static int ngx_routini_json_number(ngx_routini_json_ctx_t *c,
    ngx_routini_json_node_t *n);
static int ngx_routini_json_utf8(ngx_routini_json_ctx_t *c);
static int ngx_routini_json_hex4(ngx_routini_json_ctx_t *c, unsigned *v);
static int ngx_routini_json_literal(ngx_routini_json_ctx_t *c,
    const char *word, size_t len);
static void ngx_routini_json_ws(ngx_routini_json_ctx_t *c);
static int ngx_routini_json_fail(ngx_routini_json_ctx_t *c, const char *err);


int
ngx_routini_json_parse(ngx_routini_json_t *j, const char *in, size_t len)
{
    ngx_routini_json_ctx_t  c;

    j->nnodes = 0;
    j->error = NULL;
    j->error_offset = 0;

    c.j = j;
    c.start = (const unsigned char *) in;
    c.p = c.start;
    c.end = c.start + len;
    c.used = 0;

    if (len > j->max_size) {
        return ngx_routini_json_fail(&c, "body too large");
    }

    /* a string never decodes longer than it is written */

    if (j->strings_size < len) {
        return ngx_routini_json_fail(&c, "string buffer too small");
    }

    ngx_routini_json_ws(&c);

    if (ngx_routini_json_value(&c, -1, 1, NULL, 0) < 0) {
        return -1;
    }

    ngx_routini_json_ws(&c);

    if (c.p != c.end) {
        return ngx_routini_json_fail(&c, "unexpected data after the value");
    }

    return 0;
}


int
ngx_routini_json_member(ngx_routini_json_t *j, int object, const char *key,
    size_t len)
{
    int  i;

    if (object < 0 || (unsigned) object >= j->nnodes
        || j->nodes[object].type != NGX_ROUTINI_JSON_OBJECT)
    {
        return -1;
    }

    for (i = j->nodes[object].child; i >= 0; i = j->nodes[i].next) {
        if (j->nodes[i].key_len == len
            && memcmp(j->nodes[i].key, key, len) == 0)
        {
            return i;
        }
    }

    return -1;
}


/* a value at c->p; returns its node index */

static int
ngx_routini_json_value(ngx_routini_json_ctx_t *c, int parent, unsigned depth,
    const char *key, size_t key_len)
{
    int                       node;
    ngx_routini_json_t       *j;
    ngx_routini_json_node_t  *n;

    j = c->j;

    if (j->nnodes >= j->max_nodes) {
        return ngx_routini_json_fail(c, "too many values");
    }

    node = (int) j->nnodes++;

    n = &j->nodes[node];
    memset(n, 0, sizeof(ngx_routini_json_node_t));

    n->parent = parent;
    n->next = -1;
    n->child = -1;
    n->key = key;
    n->key_len = key_len;

    if (c->p == c->end) {
        return ngx_routini_json_fail(c, "unexpected end of data");
    }

    switch (*c->p) {

    case '{':
        if (depth > j->max_depth) {
            return ngx_routini_json_fail(c, "objects nested too deep");
        }

        n->type = NGX_ROUTINI_JSON_OBJECT;
        return ngx_routini_json_children(c, node, depth, '}');

    case '"':
        n->type = NGX_ROUTINI_JSON_STRING;

        if (ngx_routini_json_string(c, &n->str, &n->len) < 0) {
            return -1;
        }

        return node;

    case 't':
        n->type = NGX_ROUTINI_JSON_TRUE;
        return ngx_routini_json_literal(c, "true", 4) < 0 ? -1 : node;

    case 'f':
        n->type = NGX_ROUTINI_JSON_FALSE;
        return ngx_routini_json_literal(c, "false", 5) < 0 ? -1 : node;

    case 'n':
        n->type = NGX_ROUTINI_JSON_NULL;
        return ngx_routini_json_literal(c, "null", 4) < 0 ? -1 : node;

    case '[':
        if (!j->arrays) {
            return ngx_routini_json_fail(c, "arrays are not accepted");
        }

        if (depth > j->max_depth) {
            return ngx_routini_json_fail(c, "arrays nested too deep");
        }

        n->type = NGX_ROUTINI_JSON_ARRAY;
        return ngx_routini_json_children(c, node, depth, ']');

    default:
        if (*c->p == '-' || (*c->p >= '0' && *c->p <= '9')) {
            n->type = NGX_ROUTINI_JSON_NUMBER;
            return ngx_routini_json_number(c, n) < 0 ? -1 : node;
        }

        return ngx_routini_json_fail(c, "unexpected character");
    }
}


/*
 * an object's members and an array's elements: children in order, a
 * member with its key; close is '}' or ']'
 */

static int
ngx_routini_json_children(ngx_routini_json_ctx_t *c, int node,
    unsigned depth, int close)
{
    int                  member, last;
    size_t               key_len;
    const char          *key;
    ngx_routini_json_t  *j;

    j = c->j;

    c->p++;    /* '{' or '[' */

    ngx_routini_json_ws(c);

    if (c->p < c->end && *c->p == close) {
        c->p++;
        return node;
    }

    last = -1;
    key = NULL;
    key_len = 0;

    for ( ;; ) {

        if (close == '}') {
            if (c->p == c->end || *c->p != '"') {
                return ngx_routini_json_fail(c, "expected a member name");
            }

            if (ngx_routini_json_string(c, &key, &key_len) < 0) {
                return -1;
            }

            if (ngx_routini_json_member(j, node, key, key_len) >= 0) {
                return ngx_routini_json_fail(c, "duplicate member name");
            }

            ngx_routini_json_ws(c);

            if (c->p == c->end || *c->p != ':') {
                return ngx_routini_json_fail(c, "expected \":\"");
            }

            c->p++;

            ngx_routini_json_ws(c);
        }

        member = ngx_routini_json_value(c, node, depth + 1, key, key_len);
        if (member < 0) {
            return -1;
        }

        ngx_routini_json_link(j, node, &last, member);

        ngx_routini_json_ws(c);

        if (c->p == c->end) {
            return ngx_routini_json_fail(c, "unexpected end of data");
        }

        if (*c->p == close) {
            c->p++;
            return node;
        }

        if (*c->p != ',') {
            return ngx_routini_json_fail(c, close == '}'
                                            ? "expected \",\" or \"}\""
                                            : "expected \",\" or \"]\"");
        }

        c->p++;

        ngx_routini_json_ws(c);
    }
}


static void
ngx_routini_json_link(ngx_routini_json_t *j, int node, int *last, int member)
{
    if (*last < 0) {
        j->nodes[node].child = member;

    } else {
        j->nodes[*last].next = member;
    }

    *last = member;
}


/* a string at c->p, decoded into j->strings */

static int
ngx_routini_json_string(ngx_routini_json_ctx_t *c, const char **out,
    size_t *len)
{
    char                *d, *start;
    unsigned             v, lo;
    unsigned char        ch;
    ngx_routini_json_t  *j;

    j = c->j;

    c->p++;    /* '"' */

    start = j->strings + c->used;
    d = start;

    for ( ;; ) {

        if (c->p == c->end) {
            return ngx_routini_json_fail(c, "unterminated string");
        }

        ch = *c->p;

        if (ch == '"') {
            c->p++;
            break;
        }

        if ((size_t) (d - start) >= j->max_string) {
            return ngx_routini_json_fail(c, "string too long");
        }

        if (ch < 0x20) {
            return ngx_routini_json_fail(c, "control character in string");
        }

        if (ch >= 0x80) {
            const unsigned char  *from = c->p;

            if (ngx_routini_json_utf8(c) < 0) {
                return -1;
            }

            memcpy(d, from, c->p - from);
            d += c->p - from;
            continue;
        }

        if (ch != '\\') {
            *d++ = (char) ch;
            c->p++;
            continue;
        }

        c->p++;

        if (c->p == c->end) {
            return ngx_routini_json_fail(c, "unterminated string");
        }

        switch (*c->p++) {
        case '"':  *d++ = '"'; continue;
        case '\\': *d++ = '\\'; continue;
        case '/':  *d++ = '/'; continue;
        case 'b':  *d++ = '\b'; continue;
        case 'f':  *d++ = '\f'; continue;
        case 'n':  *d++ = '\n'; continue;
        case 'r':  *d++ = '\r'; continue;
        case 't':  *d++ = '\t'; continue;
        case 'u':  break;
        default:
            c->p--;
            return ngx_routini_json_fail(c, "invalid escape");
        }

        if (ngx_routini_json_hex4(c, &v) < 0) {
            return -1;
        }

        if (v >= 0xdc00 && v <= 0xdfff) {
            return ngx_routini_json_fail(c, "lone low surrogate");
        }

        if (v >= 0xd800 && v <= 0xdbff) {
            if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u') {
                return ngx_routini_json_fail(c, "lone high surrogate");
            }

            c->p += 2;

            if (ngx_routini_json_hex4(c, &lo) < 0) {
                return -1;
            }

            if (lo < 0xdc00 || lo > 0xdfff) {
                return ngx_routini_json_fail(c, "lone high surrogate");
            }

            v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
        }

        if (v == 0) {
            return ngx_routini_json_fail(c, "\\u0000 is not accepted");
        }

        if (v < 0x80) {
            *d++ = (char) v;

        } else if (v < 0x800) {
            *d++ = (char) (0xc0 | (v >> 6));
            *d++ = (char) (0x80 | (v & 0x3f));

        } else if (v < 0x10000) {
            *d++ = (char) (0xe0 | (v >> 12));
            *d++ = (char) (0x80 | ((v >> 6) & 0x3f));
            *d++ = (char) (0x80 | (v & 0x3f));

        } else {
            *d++ = (char) (0xf0 | (v >> 18));
            *d++ = (char) (0x80 | ((v >> 12) & 0x3f));
            *d++ = (char) (0x80 | ((v >> 6) & 0x3f));
            *d++ = (char) (0x80 | (v & 0x3f));
        }
    }

    if ((size_t) (d - start) > j->max_string) {
        return ngx_routini_json_fail(c, "string too long");
    }

    *out = start;
    *len = d - start;

    c->used += d - start;

    return 0;
}


/* one UTF-8 sequence of 2 to 4 bytes: no overlong forms, no surrogates,
 * nothing above U+10FFFF */

static int
ngx_routini_json_utf8(ngx_routini_json_ctx_t *c)
{
    size_t                n, i;
    unsigned              v, min;
    const unsigned char  *p;

    p = c->p;

    if (*p >= 0xc2 && *p <= 0xdf) {
        n = 2; v = *p & 0x1f; min = 0x80;

    } else if (*p >= 0xe0 && *p <= 0xef) {
        n = 3; v = *p & 0x0f; min = 0x800;

    } else if (*p >= 0xf0 && *p <= 0xf4) {
        n = 4; v = *p & 0x07; min = 0x10000;

    } else {
        return ngx_routini_json_fail(c, "invalid UTF-8");
    }

    if ((size_t) (c->end - p) < n) {
        return ngx_routini_json_fail(c, "invalid UTF-8");
    }

    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return ngx_routini_json_fail(c, "invalid UTF-8");
        }

        v = (v << 6) | (p[i] & 0x3f);
    }

    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
        return ngx_routini_json_fail(c, "invalid UTF-8");
    }

    c->p += n;

    return 0;
}


static int
ngx_routini_json_hex4(ngx_routini_json_ctx_t *c, unsigned *v)
{
    int            i;
    unsigned char  ch;

    if (c->end - c->p < 4) {
        return ngx_routini_json_fail(c, "invalid \\u escape");
    }

    *v = 0;

    for (i = 0; i < 4; i++) {
        ch = c->p[i];

        if (ch >= '0' && ch <= '9') {
            *v = (*v << 4) | (ch - '0');

        } else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f') {
            *v = (*v << 4) | ((ch | 0x20) - 'a' + 10);

        } else {
            return ngx_routini_json_fail(c, "invalid \\u escape");
        }
    }

    c->p += 4;

    return 0;
}


/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */

static int
ngx_routini_json_number(ngx_routini_json_ctx_t *c, ngx_routini_json_node_t *n)
{
    char                  buf[NGX_ROUTINI_JSON_MAX_NUMBER + 1];
    size_t                len;
    const unsigned char  *p, *start;

    p = c->p;
    start = p;

#define digit(p)  ((p) < c->end && *(p) >= '0' && *(p) <= '9')

    if (*p == '-') {
        p++;
    }

    if (!digit(p)) {
        return ngx_routini_json_fail(c, "invalid number");
    }

    if (*p == '0') {
        p++;

        if (digit(p)) {
            return ngx_routini_json_fail(c, "invalid number");
        }

    } else {
        while (digit(p)) { p++; }
    }

    if (p < c->end && *p == '.') {
        p++;

        if (!digit(p)) {
            return ngx_routini_json_fail(c, "invalid number");
        }

        while (digit(p)) { p++; }
    }

    if (p < c->end && (*p == 'e' || *p == 'E')) {
        p++;

        if (p < c->end && (*p == '+' || *p == '-')) {
            p++;
        }

        if (!digit(p)) {
            return ngx_routini_json_fail(c, "invalid number");
        }

        while (digit(p)) { p++; }
    }

#undef digit

    len = p - start;

    if (len > NGX_ROUTINI_JSON_MAX_NUMBER) {
        return ngx_routini_json_fail(c, "number too long");
    }

    memcpy(buf, start, len);
    buf[len] = '\0';

    n->str = (const char *) start;
    n->len = len;
    n->number = strtod(buf, NULL);

    c->p = p;

    return 0;
}


static int
ngx_routini_json_literal(ngx_routini_json_ctx_t *c, const char *word,
    size_t len)
{
    if ((size_t) (c->end - c->p) < len || memcmp(c->p, word, len) != 0) {
        return ngx_routini_json_fail(c, "unexpected character");
    }

    c->p += len;

    return 0;
}


static void
ngx_routini_json_ws(ngx_routini_json_ctx_t *c)
{
    while (c->p < c->end
           && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n'
               || *c->p == '\r'))
    {
        c->p++;
    }
}


static int
ngx_routini_json_fail(ngx_routini_json_ctx_t *c, const char *err)
{
    c->j->error = err;
    c->j->error_offset = c->p - c->start;

    return -1;
}
