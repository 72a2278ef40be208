
/*
 * Copyright (C) routini authors
 *
 * Active health checks: routini_health_check in upstream{}.
 *
 * Every worker runs a timer per checked upstream; the peer's "next probe"
 * time lives in the routini zone, and the worker that moves it forward with
 * ngx_atomic_cmp_set() runs the probe, so there is one probe per peer per
 * interval for the whole instance.  Probes are non-blocking connections on
 * the worker's event loop.  fall/rise counters are in the zone too, and the
 * probing worker flips the peer with ngx_http_routini_peer_set_health(), the
 * flag every balancer strategy reads.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini.h"
#include "ngx_http_routini_shm.h"
#include "ngx_http_routini_upstream.h"


#define NGX_HTTP_ROUTINI_HEALTH_TCP    0
#define NGX_HTTP_ROUTINI_HEALTH_HTTP   1

#define NGX_HTTP_ROUTINI_HEALTH_BUF    256

/* timer ticks are never shorter: workers racing for a probe agree anyway */
#define NGX_HTTP_ROUTINI_HEALTH_MIN_TICK  10


/* the shared record "health:UPSTREAM:ADDR" of one peer */
typedef struct {
    ngx_atomic_t                     next;       /* ngx_current_msec */
    ngx_atomic_t                     fails;      /* consecutive failed */
    ngx_atomic_t                     passes;     /* consecutive passed */
    ngx_atomic_t                     unhealthy;
} ngx_http_routini_health_shm_t;


/* a peer as configured; lives in the cycle pool */
typedef struct {
    ngx_str_t                        name;
    ngx_http_routini_health_shm_t   *sh;
} ngx_http_routini_health_peer_conf_t;


typedef struct {
    ngx_msec_t                       interval;
    ngx_msec_t                       timeout;
    ngx_uint_t                       fall;
    ngx_uint_t                       rise;
    ngx_uint_t                       type;
    ngx_str_t                        uri;
    ngx_str_t                        host;
    ngx_uint_t                       expect_lo;
    ngx_uint_t                       expect_hi;
    ngx_str_t                        request;    /* type=http */
    ngx_array_t                      peers;      /* peer_conf_t */
    ngx_http_upstream_srv_conf_t    *uscf;
    u_char                          *file;
    ngx_uint_t                       line;
    unsigned                         enabled:1;
} ngx_http_routini_health_srv_conf_t;


typedef struct {
    ngx_array_t                      checks;     /* srv_conf_t * */
} ngx_http_routini_health_main_conf_t;


typedef struct ngx_http_routini_health_check_s
    ngx_http_routini_health_check_t;


/* a worker's probe of one peer; preallocated in init_process */
typedef struct {
    ngx_http_routini_health_check_t *check;
    ngx_http_routini_health_shm_t   *sh;
    ngx_uint_t                       index;      /* in the balancer */
    ngx_str_t                        name;
    ngx_peer_connection_t            pc;
    ngx_log_t                        log;
    ngx_msec_t                       started;
    ngx_msec_t                       lease;      /* "next" while probing */
    size_t                           sent;
    size_t                           len;
    u_char                           buf[NGX_HTTP_ROUTINI_HEALTH_BUF];
    unsigned                         busy:1;
    unsigned                         connected:1;
} ngx_http_routini_health_probe_t;


/* a worker's view of one checked upstream */
struct ngx_http_routini_health_check_s {
    ngx_http_routini_health_srv_conf_t  *conf;
    ngx_http_routini_upstream_t         *upstream;
    ngx_http_routini_health_probe_t     *probes;
    ngx_uint_t                           nprobes;
    ngx_event_t                          timer;
};


static ngx_int_t ngx_http_routini_health_init_process(ngx_cycle_t *cycle);
static void ngx_http_routini_health_exit_process(ngx_cycle_t *cycle);
static void ngx_http_routini_health_tick(ngx_event_t *ev);
static void ngx_http_routini_health_start(
    ngx_http_routini_health_probe_t *p);
static void ngx_http_routini_health_handler(ngx_event_t *ev);
static ngx_int_t ngx_http_routini_health_status(
    ngx_http_routini_health_probe_t *p);
static size_t ngx_http_routini_health_escape(u_char *dst, u_char *src,
    size_t len);
static void ngx_http_routini_health_done(ngx_http_routini_health_probe_t *p,
    ngx_uint_t ok, char *why);
static void ngx_http_routini_health_flip(ngx_http_routini_health_probe_t *p,
    ngx_uint_t healthy);
static u_char *ngx_http_routini_health_log_error(ngx_log_t *log, u_char *buf,
    size_t len);
static void ngx_http_routini_health_sync(ngx_cycle_t *cycle);

static void *ngx_http_routini_health_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_routini_health_init_main_conf(ngx_conf_t *cf,
    void *conf);
static void *ngx_http_routini_health_create_srv_conf(ngx_conf_t *cf);
static char *ngx_http_routini_health_check(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_routini_health_set_uri(ngx_conf_t *cf,
    ngx_http_routini_param_t *p, ngx_str_t *value, void *conf);
static ngx_int_t ngx_http_routini_health_set_expect(ngx_conf_t *cf,
    ngx_http_routini_param_t *p, ngx_str_t *value, void *conf);
static char *ngx_http_routini_health_init_upstream(ngx_conf_t *cf,
    ngx_http_routini_health_srv_conf_t *hscf);


/* the order of ngx_http_routini_health_params */
enum {
    NGX_HTTP_ROUTINI_HEALTH_INTERVAL = 0,
    NGX_HTTP_ROUTINI_HEALTH_TIMEOUT,
    NGX_HTTP_ROUTINI_HEALTH_FALL,
    NGX_HTTP_ROUTINI_HEALTH_RISE,
    NGX_HTTP_ROUTINI_HEALTH_TYPE,
    NGX_HTTP_ROUTINI_HEALTH_URI,
    NGX_HTTP_ROUTINI_HEALTH_EXPECT,
    NGX_HTTP_ROUTINI_HEALTH_HOST
};

/* the parameters only type=http takes */
#define NGX_HTTP_ROUTINI_HEALTH_HTTP_PARAMS                                  \
    (NGX_HTTP_ROUTINI_PARAM_BIT(NGX_HTTP_ROUTINI_HEALTH_URI)                 \
     | NGX_HTTP_ROUTINI_PARAM_BIT(NGX_HTTP_ROUTINI_HEALTH_EXPECT)            \
     | NGX_HTTP_ROUTINI_PARAM_BIT(NGX_HTTP_ROUTINI_HEALTH_HOST))

static ngx_conf_enum_t  ngx_http_routini_health_types[] = {
    { ngx_string("tcp"), NGX_HTTP_ROUTINI_HEALTH_TCP },
    { ngx_string("http"), NGX_HTTP_ROUTINI_HEALTH_HTTP },
    { ngx_null_string, 0 }
};


static ngx_http_routini_param_t  ngx_http_routini_health_params[] = {

    { ngx_string("interval="), ngx_http_routini_param_msec,
      offsetof(ngx_http_routini_health_srv_conf_t, interval), 1, 0,
      "a time greater than 0 such as 1s", 0, 0, NULL },

    { ngx_string("timeout="), ngx_http_routini_param_msec,
      offsetof(ngx_http_routini_health_srv_conf_t, timeout), 1, 0,
      "a time greater than 0 such as 1s", 0, 0, NULL },

    { ngx_string("fall="), ngx_http_routini_param_number,
      offsetof(ngx_http_routini_health_srv_conf_t, fall), 1, 0,
      "a number greater than 0", 0, 0, NULL },

    { ngx_string("rise="), ngx_http_routini_param_number,
      offsetof(ngx_http_routini_health_srv_conf_t, rise), 1, 0,
      "a number greater than 0", 0, 0, NULL },

    { ngx_string("type="), ngx_http_routini_param_enum,
      offsetof(ngx_http_routini_health_srv_conf_t, type), 0, 0,
      "tcp or http", 0, 0, ngx_http_routini_health_types },

    { ngx_string("uri="), ngx_http_routini_health_set_uri,
      offsetof(ngx_http_routini_health_srv_conf_t, uri), 1, 0,
      "a path starting with \"/\" without spaces or control "
      "characters", 0, 0, NULL },

    { ngx_string("expect="), ngx_http_routini_health_set_expect, 0, 0, 0,
      "a status such as 200 or a range such as 200-399", 0, 0, NULL },

    { ngx_string("host="), ngx_http_routini_param_token,
      offsetof(ngx_http_routini_health_srv_conf_t, host), 1, 0,
      "a host name without spaces or control characters", 0, 0, NULL },

      ngx_http_routini_null_param
};


static ngx_command_t  ngx_http_routini_health_commands[] = {

    { ngx_string("routini_health_check"),
      NGX_HTTP_UPS_CONF|NGX_CONF_ANY,
      ngx_http_routini_health_check,
      NGX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_routini_health_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    ngx_http_routini_health_create_main_conf,  /* create main configuration */
    ngx_http_routini_health_init_main_conf,    /* init main configuration */

    ngx_http_routini_health_create_srv_conf,   /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_routini_health_module = {
    NGX_MODULE_V1,
    &ngx_http_routini_health_module_ctx,   /* module context */
    ngx_http_routini_health_commands,      /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_routini_health_init_process,  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_routini_health_exit_process,  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/* this worker's checks, from the cycle pool */
static ngx_http_routini_health_check_t  *ngx_http_routini_health_checks;
static ngx_uint_t                        ngx_http_routini_health_nchecks;


static ngx_int_t
ngx_http_routini_health_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                             i, j, k, n;
    ngx_str_t                              name;
    socklen_t                              socklen;
    struct sockaddr                       *sockaddr;
    ngx_http_routini_health_probe_t       *p;
    ngx_http_routini_health_check_t       *check;
    ngx_http_routini_peer_info_t           pinfo;
    ngx_http_routini_upstream_info_t       info;
    ngx_http_routini_health_srv_conf_t   **hscfp, *hscf;
    ngx_http_routini_health_peer_conf_t   *peer;
    ngx_http_routini_health_main_conf_t   *hmcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    hmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_routini_health_module);
    if (hmcf == NULL) {
        return NGX_OK;
    }

    ngx_http_routini_health_sync(cycle);

    n = hmcf->checks.nelts;

    if (n == 0) {
        return NGX_OK;
    }

    check = ngx_pcalloc(cycle->pool,
                        n * sizeof(ngx_http_routini_health_check_t));
    if (check == NULL) {
        return NGX_ERROR;
    }

    ngx_http_routini_health_checks = check;
    ngx_http_routini_health_nchecks = n;

    hscfp = hmcf->checks.elts;

    for (i = 0; i < n; i++) {
        hscf = hscfp[i];

        check[i].conf = hscf;
        check[i].upstream = ngx_http_routini_upstream_find(cycle,
                                                           &hscf->uscf->host);
        if (check[i].upstream == NULL) {
            continue;
        }

        ngx_http_routini_upstream_info(check[i].upstream, &info);

        p = ngx_pcalloc(cycle->pool,
                        info.npeers * sizeof(ngx_http_routini_health_probe_t));
        if (p == NULL) {
            return NGX_ERROR;
        }

        check[i].probes = p;

        /* the balancer numbers peers its own way: match records by name */

        for (j = 0; j < info.npeers; j++) {
            ngx_http_routini_peer_info(check[i].upstream, j, &pinfo);

            /* "down" in nginx.conf: never used, not worth a probe */

            if (pinfo.down) {
                continue;
            }

            ngx_http_routini_peer_addr(check[i].upstream, j, &sockaddr,
                                       &socklen, &name);

            peer = hscf->peers.elts;

            for (k = 0; k < hscf->peers.nelts; k++) {
                if (peer[k].name.len == name.len
                    && ngx_strncmp(peer[k].name.data, name.data, name.len)
                       == 0)
                {
                    break;
                }
            }

            if (k == hscf->peers.nelts || peer[k].sh == NULL) {
                ngx_log_error(NGX_LOG_ALERT, cycle->log, 0,
                              "routini_health_check: peer \"%V\" of upstream "
                              "\"%V\" has no health record, not checked",
                              &name, &hscf->uscf->host);
                continue;
            }

            p->check = &check[i];
            p->sh = peer[k].sh;
            p->index = j;
            p->name = name;

            /* the balancer's flag follows the adopted record */

            if (ngx_worker == 0) {
                if (pinfo.healthy == p->sh->unhealthy) {
                    ngx_http_routini_peer_set_health(check[i].upstream, j,
                                                     !p->sh->unhealthy,
                                                     cycle->log);
                }
            }

            p->pc.sockaddr = sockaddr;
            p->pc.socklen = socklen;
            p->pc.name = &p->name;

            p->log = *cycle->log;
            p->log.handler = ngx_http_routini_health_log_error;
            p->log.data = p;
            p->log.action = NULL;

            /*
             * a dead peer fails a probe every interval: its connect()
             * errors are noise below info level, the state change itself
             * is logged by the balancer
             */

            if (p->log.log_level < NGX_LOG_INFO) {
                p->log.log_level = NGX_LOG_CRIT;
            }

            p++;
        }

        check[i].nprobes = p - check[i].probes;

        check[i].timer.handler = ngx_http_routini_health_tick;
        check[i].timer.data = &check[i];
        check[i].timer.log = cycle->log;
        check[i].timer.cancelable = 1;

        /* start soon, workers a little apart */

        ngx_add_timer(&check[i].timer,
                      NGX_HTTP_ROUTINI_HEALTH_MIN_TICK
                      + (ngx_msec_t) ngx_random() % 100);
    }

    return NGX_OK;
}


/*
 * The balancer's health flag and the health records are both adopted on
 * reload; bring the flag in line with the records, and clear it for
 * upstreams that are no longer checked, so that no peer stays unhealthy
 * for good once its routini_health_check is removed.
 */

static void
ngx_http_routini_health_sync(ngx_cycle_t *cycle)
{
    ngx_uint_t                             i, j, k, n, checked;
    ngx_http_routini_upstream_t           *u;
    ngx_http_routini_peer_info_t           pinfo;
    ngx_http_routini_upstream_info_t       info;
    ngx_http_routini_health_srv_conf_t   **hscfp;
    ngx_http_routini_health_main_conf_t   *hmcf;

    if (ngx_worker != 0) {
        return;
    }

    hmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_routini_health_module);

    hscfp = hmcf->checks.elts;
    n = ngx_http_routini_upstream_count(cycle);

    for (i = 0; i < n; i++) {
        u = ngx_http_routini_upstream_get(cycle, i);
        ngx_http_routini_upstream_info(u, &info);

        checked = 0;

        for (k = 0; k < hmcf->checks.nelts; k++) {
            if (hscfp[k]->uscf->host.len == info.name.len
                && ngx_strncmp(hscfp[k]->uscf->host.data, info.name.data,
                               info.name.len) == 0)
            {
                checked = 1;
                break;
            }
        }

        if (checked) {
            continue;
        }

        for (j = 0; j < info.npeers; j++) {
            ngx_http_routini_peer_info(u, j, &pinfo);

            if (!pinfo.healthy) {
                ngx_http_routini_peer_set_health(u, j, 1, cycle->log);
            }
        }
    }
}


static void
ngx_http_routini_health_exit_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                        i, j;
    ngx_http_routini_health_probe_t  *p;

    for (i = 0; i < ngx_http_routini_health_nchecks; i++) {
        p = ngx_http_routini_health_checks[i].probes;

        for (j = 0; j < ngx_http_routini_health_checks[i].nprobes; j++) {
            if (p[j].pc.connection) {
                ngx_close_connection(p[j].pc.connection);
                p[j].pc.connection = NULL;
            }
        }
    }

    ngx_http_routini_health_checks = NULL;
    ngx_http_routini_health_nchecks = 0;
}


/*
 * Each worker wakes up for the earliest "next probe" time of the upstream's
 * peers; for every due peer, the worker whose cmp_set moves the time on
 * probes it, the others see the new time and go back to sleep.
 */

static void
ngx_http_routini_health_tick(ngx_event_t *ev)
{
    ngx_http_routini_health_check_t *check = ev->data;

    ngx_uint_t                           i;
    ngx_msec_t                           now, wait, lease;
    ngx_msec_int_t                       left;
    ngx_atomic_uint_t                    next;
    ngx_http_routini_health_probe_t     *p;
    ngx_http_routini_health_srv_conf_t  *hscf;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    hscf = check->conf;
    now = ngx_current_msec;

    /*
     * the winner leases the peer until its probe must have ended, so that
     * a peer never has two probes in flight, even if timeout > interval;
     * the probe's end sets the time of the next one
     */

    lease = ngx_max(hscf->interval, hscf->timeout);
    wait = hscf->interval;

    for (i = 0; i < check->nprobes; i++) {
        p = &check->probes[i];

        next = p->sh->next;
        left = (ngx_msec_int_t) (next - now);

        if (left > 0 || p->busy) {
            if (left > 0 && (ngx_msec_t) left < wait) {
                wait = left;
            }

            continue;
        }

        if (!ngx_atomic_cmp_set(&p->sh->next, next, now + lease)) {
            continue;
        }

        p->started = now;
        p->lease = now + lease;

        ngx_http_routini_health_start(p);
    }

    ngx_add_timer(ev, ngx_max(wait, NGX_HTTP_ROUTINI_HEALTH_MIN_TICK));
}


static void
ngx_http_routini_health_start(ngx_http_routini_health_probe_t *p)
{
    ngx_int_t                            rc;
    ngx_connection_t                    *c;
    ngx_http_routini_health_srv_conf_t  *hscf;

    hscf = p->check->conf;

    p->busy = 1;
    p->connected = 0;
    p->sent = 0;
    p->len = 0;

    p->pc.get = ngx_event_get_peer;
    p->pc.log = &p->log;
    p->pc.log_error = NGX_ERROR_ERR;
    p->pc.connection = NULL;

    p->log.action = "connecting";

    rc = ngx_event_connect_peer(&p->pc);

    if (rc == NGX_ERROR || rc == NGX_BUSY || rc == NGX_DECLINED) {
        ngx_http_routini_health_done(p, 0, "connect() failed");
        return;
    }

    c = p->pc.connection;

    c->data = p;
    c->sendfile = 0;
    c->read->handler = ngx_http_routini_health_handler;
    c->write->handler = ngx_http_routini_health_handler;

    /* the whole probe has one deadline, kept on the read event; it does
     * not hold up worker shutdown */

    c->read->cancelable = 1;
    ngx_add_timer(c->read, hscf->timeout);

    if (rc == NGX_OK) {
        ngx_http_routini_health_handler(c->write);
    }
}


/*
 * Both events of a probe's connection: the connect checked, the request
 * sent and the status line read, as far as each can go now.  The whole
 * probe has one deadline, on the read event.
 */

static void
ngx_http_routini_health_handler(ngx_event_t *ev)
{
    int                                  err;
    u_char                               line[32 * 4];
    size_t                               len;
    ssize_t                              n;
    ngx_int_t                            status;
    socklen_t                            slen;
    ngx_connection_t                    *c;
    ngx_http_routini_health_probe_t     *p;
    ngx_http_routini_health_srv_conf_t  *hscf;

    c = ev->data;
    p = c->data;
    hscf = p->check->conf;

    if (c->read->timedout) {
        ngx_log_error(NGX_LOG_ERR, c->log, NGX_ETIMEDOUT, "probe timed out");
        ngx_http_routini_health_done(p, 0, "timed out");
        return;
    }

    if (!p->connected) {
        err = 0;
        slen = sizeof(int);

        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &slen)
            == -1)
        {
            err = ngx_socket_errno;
        }

        if (err) {
            ngx_log_error(NGX_LOG_ERR, c->log, err, "connect() failed");
            ngx_http_routini_health_done(p, 0, "connect() failed");
            return;
        }

        p->connected = 1;

        if (hscf->type == NGX_HTTP_ROUTINI_HEALTH_TCP) {
            ngx_http_routini_health_done(p, 1, NULL);
            return;
        }

        p->log.action = "sending the request";
    }

    while (p->sent < hscf->request.len) {
        n = c->send(c, hscf->request.data + p->sent,
                    hscf->request.len - p->sent);

        if (n == NGX_ERROR) {
            ngx_http_routini_health_done(p, 0, "send() failed");
            return;
        }

        if (n == NGX_AGAIN) {
            if (ngx_handle_write_event(c->write, 0) != NGX_OK) {
                ngx_http_routini_health_done(p, 0, "send() failed");
            }

            return;
        }

        p->sent += n;
    }

    p->log.action = "reading the status line";

    for ( ;; ) {
        n = c->recv(c, p->buf + p->len, NGX_HTTP_ROUTINI_HEALTH_BUF - p->len);

        if (n == NGX_AGAIN) {
            if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
                ngx_http_routini_health_done(p, 0, "recv() failed");
            }

            return;
        }

        if (n == NGX_ERROR) {
            ngx_http_routini_health_done(p, 0, "recv() failed");
            return;
        }

        p->len += n;

        status = ngx_http_routini_health_status(p);

        if (status == NGX_AGAIN
            && n > 0 && p->len < NGX_HTTP_ROUTINI_HEALTH_BUF)
        {
            continue;
        }

        if (status == NGX_AGAIN || status == NGX_ERROR) {
            len = ngx_http_routini_health_escape(line, p->buf,
                                                 ngx_min(p->len, 32));
            ngx_log_error(NGX_LOG_ERR, c->log, 0,
                          "invalid status line \"%*s\"", len, line);
            ngx_http_routini_health_done(p, 0, "invalid status line");
            return;
        }

        if ((ngx_uint_t) status < hscf->expect_lo
            || (ngx_uint_t) status > hscf->expect_hi)
        {
            ngx_log_error(NGX_LOG_ERR, c->log, 0,
                          "status %i is not in %ui-%ui",
                          status, hscf->expect_lo, hscf->expect_hi);
            ngx_http_routini_health_done(p, 0, "unexpected status");
            return;
        }

        ngx_http_routini_health_done(p, 1, NULL);
        return;
    }
}


/* "HTTP/1.1 200 OK": the status, NGX_AGAIN for more bytes, or NGX_ERROR */

static ngx_int_t
ngx_http_routini_health_status(ngx_http_routini_health_probe_t *p)
{
    u_char  *pos, *last;

    pos = p->buf;
    last = p->buf + p->len;

    if (p->len < sizeof("HTTP/") - 1) {
        return ngx_strncmp(pos, "HTTP/", p->len) == 0 ? NGX_AGAIN
                                                        : NGX_ERROR;
    }

    if (ngx_strncmp(pos, "HTTP/", sizeof("HTTP/") - 1) != 0) {
        return NGX_ERROR;
    }

    for (pos += sizeof("HTTP/") - 1; pos < last; pos++) {
        if (*pos == ' ') {
            break;
        }

        if (*pos != '.' && (*pos < '0' || *pos > '9')) {
            return NGX_ERROR;
        }
    }

    while (pos < last && *pos == ' ') {
        pos++;
    }

    if (last - pos < 4) {
        return NGX_AGAIN;
    }

    if (pos[0] < '1' || pos[0] > '5'
        || pos[1] < '0' || pos[1] > '9'
        || pos[2] < '0' || pos[2] > '9'
        || (pos[3] != ' ' && pos[3] != CR && pos[3] != LF))
    {
        return NGX_ERROR;
    }

    return (pos[0] - '0') * 100 + (pos[1] - '0') * 10 + (pos[2] - '0');
}


/*
 * The peer's bytes for the error log, as nginx writes request bytes in the
 * access log: control characters, bytes over 0x7e, '"' and '\\' as "\xXX",
 * so that a peer cannot write lines of its own into the log.  dst has room
 * for 4 * len bytes.
 */

static size_t
ngx_http_routini_health_escape(u_char *dst, u_char *src, size_t len)
{
    u_char  *p, *last;

    static u_char  hex[] = "0123456789ABCDEF";

    p = dst;

    for (last = src + len; src < last; src++) {
        if (*src < 0x20 || *src > 0x7e || *src == '"' || *src == '\\') {
            *p++ = '\\';
            *p++ = 'x';
            *p++ = hex[*src >> 4];
            *p++ = hex[*src & 0xf];
            continue;
        }

        *p++ = *src;
    }

    return p - dst;
}


/*
 * One result: reset the opposite counter, bump this one, and flip the peer
 * once fall failures or rise passes in a row are reached.  Only the worker
 * holding the probe writes the counters, so plain stores are enough to
 * reset; the cmp_set on "unhealthy" makes the flip happen once.
 */

static void
ngx_http_routini_health_done(ngx_http_routini_health_probe_t *p,
    ngx_uint_t ok, char *why)
{
    ngx_atomic_uint_t                    count;
    ngx_http_routini_health_shm_t       *sh;
    ngx_http_routini_health_srv_conf_t  *hscf;

    if (p->pc.connection) {
        ngx_close_connection(p->pc.connection);
        p->pc.connection = NULL;
    }

    p->busy = 0;

    sh = p->sh;
    hscf = p->check->conf;

    /* unless another worker took over a late probe's lease */

    (void) ngx_atomic_cmp_set(&sh->next, p->lease,
                              p->started + hscf->interval);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                   "routini health: %V %s %s", &p->name,
                   ok ? "passed" : "failed", why ? why : "");

    if (ok) {
        sh->fails = 0;
        count = ngx_atomic_fetch_add(&sh->passes, 1) + 1;

        if (count >= hscf->rise && sh->unhealthy
            && ngx_atomic_cmp_set(&sh->unhealthy, 1, 0))
        {
            ngx_http_routini_health_flip(p, 1);
        }

        return;
    }

    sh->passes = 0;
    count = ngx_atomic_fetch_add(&sh->fails, 1) + 1;

    if (count >= hscf->fall && !sh->unhealthy
        && ngx_atomic_cmp_set(&sh->unhealthy, 0, 1))
    {
        ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                      "routini_health_check: %V in upstream \"%V\" failed "
                      "%uA probe(s) in a row, last: %s", &p->name,
                      &hscf->uscf->host, count, why);

        ngx_http_routini_health_flip(p, 0);
    }
}


/* a peer listed twice shares its record, and is flipped as a whole */

static void
ngx_http_routini_health_flip(ngx_http_routini_health_probe_t *p,
    ngx_uint_t healthy)
{
    ngx_uint_t                        i;
    ngx_http_routini_health_probe_t  *q;

    q = p->check->probes;

    for (i = 0; i < p->check->nprobes; i++) {
        if (q[i].sh == p->sh) {
            ngx_http_routini_peer_set_health(p->check->upstream, q[i].index,
                                             healthy, ngx_cycle->log);
        }
    }
}


static u_char *
ngx_http_routini_health_log_error(ngx_log_t *log, u_char *buf, size_t len)
{
    u_char                           *p;
    ngx_http_routini_health_probe_t  *probe;

    probe = log->data;
    p = buf;

    if (log->action) {
        p = ngx_snprintf(p, len, " while %s", log->action);
        len -= p - buf;
        buf = p;
    }

    return ngx_snprintf(buf, len, ", health check of \"%V\" in upstream \"%V\"",
                        &probe->name, &probe->check->conf->uscf->host);
}


static void *
ngx_http_routini_health_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_routini_health_main_conf_t  *hmcf;

    hmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_routini_health_main_conf_t));
    if (hmcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&hmcf->checks, cf->pool, 4,
                       sizeof(ngx_http_routini_health_srv_conf_t *))
        != NGX_OK)
    {
        return NULL;
    }

    return hmcf;
}


/*
 * Runs after ngx_http_upstream_module's init_main_conf, so every upstream
 * is initialized and the balancer knows its upstreams.
 */

static char *
ngx_http_routini_health_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_routini_health_main_conf_t *hmcf = conf;

    ngx_uint_t                             i;
    ngx_http_upstream_srv_conf_t         **uscfp;
    ngx_http_upstream_main_conf_t         *umcf;
    ngx_http_routini_health_srv_conf_t    *hscf;

    umcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_upstream_module);

    uscfp = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {

        /* implicit upstreams of proxy_pass have no configuration */

        if (uscfp[i]->srv_conf == NULL) {
            continue;
        }

        hscf = ngx_http_conf_upstream_srv_conf(uscfp[i],
                                               ngx_http_routini_health_module);

        if (hscf == NULL || !hscf->enabled) {
            continue;
        }

        hscf->uscf = uscfp[i];

        if (ngx_http_routini_health_init_upstream(cf, hscf) != NGX_CONF_OK) {
            return NGX_CONF_ERROR;
        }

        if (ngx_http_routini_push_ptr(&hmcf->checks, hscf) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_routini_health_init_upstream(ngx_conf_t *cf,
    ngx_http_routini_health_srv_conf_t *hscf)
{
    u_char                               *p;
    ngx_str_t                             name;
    ngx_uint_t                            i, j, n;
    ngx_http_upstream_server_t           *server;
    ngx_http_upstream_srv_conf_t         *uscf;
    ngx_http_routini_health_peer_conf_t  *peer;

    uscf = hscf->uscf;

    if (ngx_http_routini_upstream_find(cf->cycle, &uscf->host) == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "routini_health_check: upstream \"%V\" in %s:%ui "
                      "needs \"routini_balancer\" in the same upstream",
                      &uscf->host, hscf->file, hscf->line);
        return NGX_CONF_ERROR;
    }

    if (hscf->type == NGX_HTTP_ROUTINI_HEALTH_HTTP) {
        if (hscf->host.len == 0) {
            hscf->host = uscf->host;
        }

        hscf->request.len = sizeof("GET  HTTP/1.0" CRLF "Host: " CRLF CRLF)
                            - 1 + hscf->uri.len + hscf->host.len;

        hscf->request.data = ngx_pnalloc(cf->pool, hscf->request.len);
        if (hscf->request.data == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_sprintf(hscf->request.data, "GET %V HTTP/1.0" CRLF
                    "Host: %V" CRLF CRLF, &hscf->uri, &hscf->host);
    }

    server = uscf->servers->elts;
    n = 0;

    for (i = 0; i < uscf->servers->nelts; i++) {
        n += server[i].naddrs;
    }

    /*
     * shm_bind() keeps the address of each element's "sh" to set it when
     * the zone is initialized: the array is sized once and never grows
     */

    if (ngx_array_init(&hscf->peers, cf->pool, ngx_max(n, 1),
                       sizeof(ngx_http_routini_health_peer_conf_t))
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    /* one record per address, whether primary or backup, named like the
     * balancer's peers ("127.0.0.1:4001") */

    for (i = 0; i < uscf->servers->nelts; i++) {
        for (j = 0; j < server[i].naddrs; j++) {

            peer = ngx_array_push(&hscf->peers);
            if (peer == NULL) {
                return NGX_CONF_ERROR;
            }

            peer->name = server[i].addrs[j].name;

            name.len = sizeof("health::") - 1 + uscf->host.len
                       + peer->name.len;
            name.data = ngx_pnalloc(cf->pool, name.len);
            if (name.data == NULL) {
                return NGX_CONF_ERROR;
            }

            p = ngx_sprintf(name.data, "health:%V:%V", &uscf->host,
                            &peer->name);
            name.len = p - name.data;

            if (ngx_http_routini_shm_bind(cf, &name,
                                          sizeof(ngx_http_routini_health_shm_t),
                                          (void **) &peer->sh)
                != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }
        }
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_routini_health_create_srv_conf(ngx_conf_t *cf)
{
    ngx_http_routini_health_srv_conf_t  *hscf;

    hscf = ngx_pcalloc(cf->pool, sizeof(ngx_http_routini_health_srv_conf_t));
    if (hscf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     hscf->uri = { 0, NULL };
     *     hscf->host = { 0, NULL };
     *     hscf->request = { 0, NULL };
     *     hscf->uscf = NULL;
     *     hscf->enabled = 0;
     */

    return hscf;
}


/* routini_health_check [interval=] [timeout=] [fall=] [rise=] [type=]
 *                      [uri=] [expect=] [host=]; */

static char *
ngx_http_routini_health_check(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_routini_health_srv_conf_t *hscf = conf;

    char        *rv;
    ngx_uint_t   seen;

    if (hscf->enabled) {
        return "is duplicate";
    }

    hscf->enabled = 1;
    hscf->file = cf->conf_file->file.name.data;
    hscf->line = cf->conf_file->line;

    hscf->interval = 1000;
    hscf->timeout = 1000;
    hscf->fall = 1;
    hscf->rise = 1;
    hscf->type = NGX_HTTP_ROUTINI_HEALTH_TCP;
    ngx_str_set(&hscf->uri, "/health");
    hscf->expect_lo = 200;
    hscf->expect_hi = 399;

    rv = ngx_http_routini_conf_params(cf, ngx_http_routini_health_params, 1,
                                      hscf, &seen);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    if (hscf->type == NGX_HTTP_ROUTINI_HEALTH_TCP
        && (seen & NGX_HTTP_ROUTINI_HEALTH_HTTP_PARAMS))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "routini_health_check: uri=, expect= and host= "
                           "need type=http");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_routini_health_set_uri(ngx_conf_t *cf, ngx_http_routini_param_t *p,
    ngx_str_t *value, void *conf)
{
    if (value->len == 0 || value->data[0] != '/') {
        return NGX_DECLINED;
    }

    return ngx_http_routini_param_token(cf, p, value, conf);
}


static ngx_int_t
ngx_http_routini_health_set_expect(ngx_conf_t *cf,
    ngx_http_routini_param_t *p, ngx_str_t *value, void *conf)
{
    ngx_http_routini_health_srv_conf_t *hscf = conf;

    u_char     *dash;
    ngx_int_t   lo, hi;

    dash = ngx_strlchr(value->data, value->data + value->len, '-');

    if (dash) {
        lo = ngx_atoi(value->data, dash - value->data);
        hi = ngx_atoi(dash + 1, value->data + value->len - dash - 1);

    } else {
        lo = ngx_atoi(value->data, value->len);
        hi = lo;
    }

    if (lo < 100 || hi > 599 || lo > hi) {
        return NGX_DECLINED;
    }

    hscf->expect_lo = lo;
    hscf->expect_hi = hi;

    return NGX_OK;
}
