
/*
 * Copyright (C) routini authors
 *
 * ngx_http_routini_status_module: routini_status, a self-contained HTML
 * dashboard.  The page polls the same location with ?format=json, which
 * answers what routini_metrics json answers.  The page is
 * src/ngx_http_routini_status.html, compiled in as
 * ngx_http_routini_status_html.h (make status-asset).  Both answers carry
 * the module's version in X-Routini-Version, which the page shows.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini_metrics.h"


static char *ngx_http_routini_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_routini_status_handler(ngx_http_request_t *r);


static ngx_command_t  ngx_http_routini_status_commands[] = {

    { ngx_string("routini_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_routini_status,
      0,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_routini_status_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_routini_status_module = {
    NGX_MODULE_V1,
    &ngx_http_routini_status_module_ctx,   /* module context */
    ngx_http_routini_status_commands,      /* module directives */
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


static u_char  ngx_http_routini_status_page[] = {
#include "ngx_http_routini_status_html.h"
};


static char *
ngx_http_routini_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return ngx_http_routini_set_handler(cf, ngx_http_routini_status_handler);
}


static ngx_int_t
ngx_http_routini_status_handler(ngx_http_request_t *r)
{
    ngx_int_t                rc;
    ngx_str_t                format, type, page;
    ngx_table_elt_t         *h;
    ngx_http_routini_out_t   out;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    ngx_str_set(&h->key, "X-Routini-Version");
    ngx_str_set(&h->value, NGX_HTTP_ROUTINI_VERSION);

    if (ngx_http_arg(r, (u_char *) "format", 6, &format) == NGX_OK
        && format.len == 4 && ngx_strncmp(format.data, "json", 4) == 0)
    {
        return ngx_http_routini_metrics_json(r);
    }

    page.data = ngx_http_routini_status_page;
    page.len = sizeof(ngx_http_routini_status_page);

    ngx_http_routini_out_init(&out, r);
    ngx_http_routini_out_str(&out, &page);

    ngx_str_set(&type, "text/html; charset=utf-8");

    return ngx_http_routini_out_send(&out, NGX_HTTP_OK, &type);
}
