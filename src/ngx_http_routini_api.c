
/*
 * Copyright (C) routini authors
 *
 * routini_api: the control API, JSON in and out.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini_metrics.h"


ngx_int_t
ngx_http_routini_api_handler(ngx_http_request_t *r)
{
    return ngx_http_routini_json_error(r, NGX_HTTP_NOT_FOUND,
                                       "unknown endpoint");
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
