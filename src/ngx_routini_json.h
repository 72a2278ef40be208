
/*
 * Copyright (C) routini authors
 *
 * A strict, bounded JSON reader for the control API.  Pure C, no nginx
 * headers, no allocation: the caller gives the node array and a buffer for
 * decoded strings.  It accepts objects, strings, numbers, true, false and
 * null (RFC 8259 syntax, UTF-8 checked); duplicate member names,
 * "\u0000", trailing data and anything over the limits are errors, and so
 * are arrays unless the caller accepts them (the control API does not;
 * routini-convert reads routini's config.json, which has arrays).
 */


#ifndef _NGX_ROUTINI_JSON_H_INCLUDED_
#define _NGX_ROUTINI_JSON_H_INCLUDED_


#include <stddef.h>


#define NGX_ROUTINI_JSON_NULL    0
#define NGX_ROUTINI_JSON_FALSE   1
#define NGX_ROUTINI_JSON_TRUE    2
#define NGX_ROUTINI_JSON_NUMBER  3
#define NGX_ROUTINI_JSON_STRING  4
#define NGX_ROUTINI_JSON_OBJECT  5
#define NGX_ROUTINI_JSON_ARRAY   6

#define NGX_ROUTINI_JSON_MAX_NUMBER  64     /* characters of a number */


typedef struct {
    int                       type;
    int                       parent;     /* node index, -1: the root */
    int                       next;       /* next member, -1: last */
    int                       child;      /* first member, -1: none */
    const char               *key;        /* member name, decoded; NULL
                                             for an array element */
    size_t                    key_len;
    const char               *str;        /* string decoded, number as is */
    size_t                    len;
    double                    number;
} ngx_routini_json_node_t;


typedef struct {
    /* limits */
    size_t                    max_size;    /* input bytes */
    unsigned                  max_depth;   /* nested objects and arrays,
                                              root is 1 */
    size_t                    max_string;  /* decoded bytes of a string */
    unsigned                  arrays;      /* 1: accept arrays */

    /* storage */
    ngx_routini_json_node_t  *nodes;
    unsigned                  max_nodes;
    char                     *strings;     /* decoded strings and keys */
    size_t                    strings_size;

    /* result */
    unsigned                  nnodes;
    const char               *error;       /* static text */
    size_t                    error_offset;
} ngx_routini_json_t;


/* 0 and nodes[0] the root, or -1 with error and error_offset set */
int ngx_routini_json_parse(ngx_routini_json_t *j, const char *in,
    size_t len);

/* the member of an object node by name, or -1 */
int ngx_routini_json_member(ngx_routini_json_t *j, int object,
    const char *key, size_t len);


#endif /* _NGX_ROUTINI_JSON_H_INCLUDED_ */
