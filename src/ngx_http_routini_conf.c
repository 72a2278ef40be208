
/*
 * Copyright (C) routini authors
 *
 * The parameters of routini's directives: "key=value" arguments (and bare
 * flags such as strip_prefix) described by a table, walked by one
 * function that reports unknown, repeated and invalid parameters in one
 * format, "DIRECTIVE: ...", with the file:line nginx appends.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini.h"


static void ngx_http_routini_param_unknown(ngx_conf_t *cf,
    ngx_http_routini_param_t *params, ngx_str_t *arg);


/*
 * sets conf from cf->args[first..] with params (at most one per bit of an
 * ngx_uint_t); seen, if not NULL, gets NGX_HTTP_ROUTINI_PARAM_BIT(k) for
 * each params[k] given
 */

char *
ngx_http_routini_conf_params(ngx_conf_t *cf, ngx_http_routini_param_t *params,
    ngx_uint_t first, void *conf, ngx_uint_t *seen)
{
    ngx_int_t                  rc;
    ngx_str_t                 *value, v, name;
    ngx_uint_t                 i, k, given;
    ngx_http_routini_param_t  *p;

    value = cf->args->elts;
    given = 0;

    for (i = first; i < cf->args->nelts; i++) {

        /* "key=" starts its argument, a flag is the whole argument */

        for (k = 0, p = params; p->name.len; k++, p++) {
            if (value[i].len >= p->name.len
                && ngx_strncmp(value[i].data, p->name.data, p->name.len) == 0
                && (value[i].len == p->name.len
                    || p->name.data[p->name.len - 1] == '='))
            {
                break;
            }
        }

        if (p->name.len == 0) {
            ngx_http_routini_param_unknown(cf, params, &value[i]);
            return NGX_CONF_ERROR;
        }

        /* the name without "=", for messages */
        name.data = p->name.data;
        name.len = p->name.len - (p->name.data[p->name.len - 1] == '=');

        if ((given & NGX_HTTP_ROUTINI_PARAM_BIT(k)) && !p->repeat) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%V: duplicate parameter \"%V\"",
                               &value[0], &name);
            return NGX_CONF_ERROR;
        }

        given |= NGX_HTTP_ROUTINI_PARAM_BIT(k);

        v.data = value[i].data + p->name.len;
        v.len = value[i].len - p->name.len;

        rc = p->set(cf, p, &v, conf);

        if (rc == NGX_OK) {
            continue;
        }

        if (rc == NGX_DECLINED) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%V: invalid %V \"%V\", expected %s",
                               &value[0], &name, &v, p->expect);
        }

        return NGX_CONF_ERROR;
    }

    if (seen) {
        *seen = given;
    }

    return NGX_CONF_OK;
}


/* "DIRECTIVE: invalid parameter "ARG", expected a=, b= or c" */

static void
ngx_http_routini_param_unknown(ngx_conf_t *cf,
    ngx_http_routini_param_t *params, ngx_str_t *arg)
{
    u_char                    *b, *last, buf[NGX_MAX_CONF_ERRSTR];
    ngx_str_t                 *value;
    ngx_http_routini_param_t  *p;

    value = cf->args->elts;

    b = buf;
    last = buf + sizeof(buf);

    for (p = params; p->name.len; p++) {
        if (p != params) {
            b = ngx_slprintf(b, last, (p + 1)->name.len ? ", " : " or ");
        }

        b = ngx_slprintf(b, last, "%V", &p->name);
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "%V: invalid parameter \"%V\", expected %*s",
                       &value[0], arg, b - buf, buf);
}


/* a bare flag: p->min, the value it stands for, into an ngx_uint_t */

ngx_int_t
ngx_http_routini_param_flag(ngx_conf_t *cf, ngx_http_routini_param_t *p,
    ngx_str_t *value, void *conf)
{
    *(ngx_uint_t *) ((u_char *) conf + p->offset) = p->min;

    return NGX_OK;
}


/* a word of the ngx_conf_enum_t table in p->post, into an ngx_uint_t */

ngx_int_t
ngx_http_routini_param_enum(ngx_conf_t *cf, ngx_http_routini_param_t *p,
    ngx_str_t *value, void *conf)
{
    ngx_conf_enum_t  *e;

    for (e = p->post; e->name.len; e++) {
        if (e->name.len == value->len
            && ngx_strncmp(e->name.data, value->data, value->len) == 0)
        {
            *(ngx_uint_t *) ((u_char *) conf + p->offset) = e->value;
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


/* a time of at least min milliseconds, into an ngx_msec_t */

ngx_int_t
ngx_http_routini_param_msec(ngx_conf_t *cf, ngx_http_routini_param_t *p,
    ngx_str_t *value, void *conf)
{
    ngx_msec_t  ms;

    ms = ngx_parse_time(value, 0);

    if (ms == (ngx_msec_t) NGX_ERROR || ms < (ngx_msec_t) p->min) {
        return NGX_DECLINED;
    }

    *(ngx_msec_t *) ((u_char *) conf + p->offset) = ms;

    return NGX_OK;
}


/*
 * a number with p->point decimals (0: a whole number) as an integer, from
 * p->min to p->max (0: no bound); NGX_ERROR if it is not
 */

ngx_int_t
ngx_http_routini_param_int(ngx_http_routini_param_t *p, ngx_str_t *value)
{
    ngx_int_t  n;

    n = p->point ? ngx_atofp(value->data, value->len, p->point)
                 : ngx_atoi(value->data, value->len);

    if (n == NGX_ERROR || n < p->min || (p->max && n > p->max)) {
        return NGX_ERROR;
    }

    return n;
}


/*
 * a whole number into an ngx_uint_t, or one with p->point decimals,
 * bounds in those units, into a double
 */

ngx_int_t
ngx_http_routini_param_number(ngx_conf_t *cf, ngx_http_routini_param_t *p,
    ngx_str_t *value, void *conf)
{
    u_char      *field;
    ngx_int_t    n;
    ngx_uint_t   i, scale;

    n = ngx_http_routini_param_int(p, value);
    if (n == NGX_ERROR) {
        return NGX_DECLINED;
    }

    field = (u_char *) conf + p->offset;

    if (p->point == 0) {
        *(ngx_uint_t *) field = n;
        return NGX_OK;
    }

    for (i = 0, scale = 1; i < p->point; i++) {
        scale *= 10;
    }

    *(double *) field = (double) n / scale;

    return NGX_OK;
}


/* a string without spaces or control characters, kept as an ngx_str_t */

ngx_int_t
ngx_http_routini_param_token(ngx_conf_t *cf, ngx_http_routini_param_t *p,
    ngx_str_t *value, void *conf)
{
    ngx_uint_t  i;

    if (value->len < (size_t) p->min) {
        return NGX_DECLINED;
    }

    for (i = 0; i < value->len; i++) {
        if (value->data[i] <= ' ' || value->data[i] == 0x7f) {
            return NGX_DECLINED;
        }
    }

    *(ngx_str_t *) ((u_char *) conf + p->offset) = *value;

    return NGX_OK;
}
