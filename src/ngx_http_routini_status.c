
/*
 * Copyright (C) routini authors
 *
 * ngx_http_routini_status_module: routini_status, a self-contained HTML
 * dashboard.  ?format=json answers what routini_metrics json answers;
 * the page polls ?format=json&routes=page instead, one page of routes
 * (ngx_http_routini_status_json.c), so that it stays small at any number
 * of routes.  The page is src/ngx_http_routini_status.html, compiled in as
 * ngx_http_routini_status_html.h (make status-asset).  Every answer carries
 * the module's version in X-Routini-Version, which the page shows.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini_metrics.h"


typedef struct {
    ngx_uint_t                   used;        /* a routini_status exists */
    ngx_http_routini_series_t  **by_name;     /* the series sorted by name */
} ngx_http_routini_status_main_conf_t;


static void *ngx_http_routini_status_create_main_conf(ngx_conf_t *cf);
static ngx_int_t ngx_http_routini_status_init(ngx_conf_t *cf);
static int ngx_libc_cdecl ngx_http_routini_status_name_cmp(const void *one,
    const void *two);
static char *ngx_http_routini_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_routini_status_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_routini_status_header(ngx_http_request_t *r,
    char *name, char *value);


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
    ngx_http_routini_status_init,          /* postconfiguration */

    ngx_http_routini_status_create_main_conf, /* create main configuration */
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


static void *
ngx_http_routini_status_create_main_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_routini_status_main_conf_t));
}


/*
 * The series in name order, sorted once here (the metrics module has made
 * them in its init main conf), so that a page sorted by name is a walk,
 * not a sort per request.
 */

static ngx_int_t
ngx_http_routini_status_init(ngx_conf_t *cf)
{
    ngx_uint_t                             i;
    ngx_http_routini_status_main_conf_t   *smcf;
    ngx_http_routini_metrics_main_conf_t  *mmcf;

    smcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_routini_status_module);
    mmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_routini_metrics_module);

    if (!smcf->used || mmcf->nseries == 0) {
        return NGX_OK;
    }

    smcf->by_name = ngx_palloc(cf->pool, mmcf->nseries
                                         * sizeof(ngx_http_routini_series_t *));
    if (smcf->by_name == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < mmcf->nseries; i++) {
        smcf->by_name[i] = &mmcf->series[i];
    }

    ngx_qsort(smcf->by_name, mmcf->nseries, sizeof(ngx_http_routini_series_t *),
              ngx_http_routini_status_name_cmp);

    return NGX_OK;
}


/* names are unique among series */

static int ngx_libc_cdecl
ngx_http_routini_status_name_cmp(const void *one, const void *two)
{
    ngx_int_t                   rc;
    ngx_http_routini_series_t  *a, *b;

    a = *(ngx_http_routini_series_t **) one;
    b = *(ngx_http_routini_series_t **) two;

    rc = ngx_memn2cmp((*a)->name.data, (*b)->name.data, (*a)->name.len,
                      (*b)->name.len);

    return (rc > 0) - (rc < 0);
}


static char *
ngx_http_routini_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_routini_status_main_conf_t  *smcf;

    smcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_routini_status_module);
    smcf->used = 1;

    return ngx_http_routini_set_handler(cf, ngx_http_routini_status_handler);
}


static ngx_int_t
ngx_http_routini_status_handler(ngx_http_request_t *r)
{
    ngx_int_t                             rc;
    ngx_str_t                             format, routes, type, page;
    ngx_http_routini_out_t                out;
    ngx_http_routini_status_main_conf_t  *smcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_routini_status_header(r, "X-Routini-Version",
                                       NGX_HTTP_ROUTINI_VERSION)
        != NGX_OK
        || ngx_http_routini_status_header(r, "X-Content-Type-Options",
                                          "nosniff")
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_arg(r, (u_char *) "format", 6, &format) == NGX_OK
        && format.len == 4 && ngx_strncmp(format.data, "json", 4) == 0)
    {
        if (ngx_http_arg(r, (u_char *) "routes", 6, &routes) != NGX_OK) {
            return ngx_http_routini_metrics_json(r);
        }

        if (routes.len != 4 || ngx_strncmp(routes.data, "page", 4) != 0) {
            return ngx_http_routini_json_error(r, NGX_HTTP_BAD_REQUEST,
                                               "routini_status: \"routes\" "
                                               "must be \"page\"");
        }

        smcf = ngx_http_get_module_main_conf(r,
                                             ngx_http_routini_status_module);

        return ngx_http_routini_status_json(r, smcf->by_name);
    }

    page.data = ngx_http_routini_status_page;
    page.len = sizeof(ngx_http_routini_status_page);

    ngx_http_routini_out_init(&out, r);
    ngx_http_routini_out_str(&out, &page);

    ngx_str_set(&type, "text/html; charset=utf-8");

    return ngx_http_routini_out_send(&out, NGX_HTTP_OK, &type);
}


static ngx_int_t
ngx_http_routini_status_header(ngx_http_request_t *r, char *name,
    char *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    h->key.data = (u_char *) name;
    h->key.len = ngx_strlen(name);
    h->value.data = (u_char *) value;
    h->value.len = ngx_strlen(value);

    return NGX_OK;
}
