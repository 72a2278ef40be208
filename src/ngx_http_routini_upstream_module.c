
/*
 * Copyright (C) routini authors
 *
 * The routini balancer, hooked into upstream{} as nginx's own balancers
 * are: "routini_balancer" sets init_upstream, which builds on round
 * robin's peer lists and binds each peer's state in the routini zone; per
 * request, init_peer, get and free wrap round robin's.  Peers are chosen
 * in ngx_http_routini_upstream_strategies.c, the adaptive engine lives in
 * ngx_http_routini_upstream_adaptive.c.  The control functions the API
 * and the health checks call (ngx_http_routini_upstream.h) end this file.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini.h"
#include "ngx_http_routini_shm.h"
#include "ngx_http_routini_upstream_module.h"


static ngx_int_t ngx_http_routini_upstream_init(ngx_conf_t *cf,
    ngx_http_upstream_srv_conf_t *us);
static ngx_int_t ngx_http_routini_upstream_bind(ngx_conf_t *cf,
    ngx_http_routini_upstream_t *ucf, ngx_http_upstream_rr_peers_t *peers);
static ngx_int_t ngx_http_routini_upstream_init_peer(ngx_http_request_t *r,
    ngx_http_upstream_srv_conf_t *us);
static ngx_int_t ngx_http_routini_upstream_get_peer(ngx_peer_connection_t *pc,
    void *data);
static void ngx_http_routini_upstream_free_peer(ngx_peer_connection_t *pc,
    void *data, ngx_uint_t state);
static void ngx_http_routini_upstream_sample(ngx_http_routini_upstream_t *u,
    ngx_http_routini_peer_shm_t *sh, ngx_msec_t elapsed, ngx_uint_t failed);

static ngx_int_t ngx_http_routini_upstream_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_routini_strategy_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static void *ngx_http_routini_upstream_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_routini_upstream_init_main_conf(ngx_conf_t *cf,
    void *conf);
static void *ngx_http_routini_upstream_create_conf(ngx_conf_t *cf);
static char *ngx_http_routini_balancer(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_routini_balancer_set_key(ngx_conf_t *cf,
    ngx_http_routini_param_t *p, ngx_str_t *value, void *conf);
static char *ngx_http_routini_adaptive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_routini_adaptive_set_min(ngx_conf_t *cf,
    ngx_http_routini_param_t *p, ngx_str_t *value, void *conf);
static ngx_int_t ngx_http_routini_adaptive_set_smoothing(ngx_conf_t *cf,
    ngx_http_routini_param_t *p, ngx_str_t *value, void *conf);
static ngx_int_t ngx_http_routini_upstream_init_process(ngx_cycle_t *cycle);
static ngx_atomic_uint_t ngx_http_routini_peer_flags(
    ngx_http_routini_upstream_t *u, ngx_http_routini_peer_shm_t *sh,
    ngx_atomic_uint_t mask, ngx_atomic_uint_t value);


static ngx_command_t  ngx_http_routini_upstream_commands[] = {

    { ngx_string("routini_balancer"),
      NGX_HTTP_UPS_CONF|NGX_CONF_TAKE12,
      ngx_http_routini_balancer,
      NGX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("routini_adaptive"),
      NGX_HTTP_UPS_CONF|NGX_CONF_1MORE,
      ngx_http_routini_adaptive,
      NGX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_routini_upstream_module_ctx = {
    ngx_http_routini_upstream_add_variables,  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    ngx_http_routini_upstream_create_main_conf, /* create main configuration */
    ngx_http_routini_upstream_init_main_conf, /* init main configuration */

    ngx_http_routini_upstream_create_conf, /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_routini_upstream_module = {
    NGX_MODULE_V1,
    &ngx_http_routini_upstream_module_ctx, /* module context */
    ngx_http_routini_upstream_commands,    /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_routini_upstream_init_process, /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_str_t  ngx_http_routini_strategy_names[] = {
    ngx_string("round_robin"),
    ngx_string("random"),
    ngx_string("fnv_hash"),
    ngx_string("consistent"),
    ngx_string("fewest_connections"),
    ngx_string("fastest"),
    ngx_string("adaptive")
};


/* spellings, lowercase with "_" removed */
static struct {
    const char                  *name;
    ngx_uint_t                   strategy;
} ngx_http_routini_strategy_aliases[] = {
    { "roundrobin",              NGX_HTTP_ROUTINI_ROUND_ROBIN },
    { "random",                  NGX_HTTP_ROUTINI_RANDOM },
    { "fnvhash",                 NGX_HTTP_ROUTINI_FNV_HASH },
    { "fnv",                     NGX_HTTP_ROUTINI_FNV_HASH },
    { "consistent",              NGX_HTTP_ROUTINI_CONSISTENT },
    { "consistenthash",          NGX_HTTP_ROUTINI_CONSISTENT },
    { "ketama",                  NGX_HTTP_ROUTINI_CONSISTENT },
    { "fewestconnections",       NGX_HTTP_ROUTINI_FEWEST_CONNECTIONS },
    { "leastconnections",        NGX_HTTP_ROUTINI_FEWEST_CONNECTIONS },
    { "leastconn",               NGX_HTTP_ROUTINI_FEWEST_CONNECTIONS },
    { "fastest",                 NGX_HTTP_ROUTINI_FASTEST },
    { "fastestserver",           NGX_HTTP_ROUTINI_FASTEST },
    { "adaptive",                NGX_HTTP_ROUTINI_ADAPTIVE },
    { NULL, 0 }
};


static ngx_str_t  ngx_http_routini_default_key = ngx_string("$remote_addr");


/* routini_adaptive's defaults, also the engine's without the directive */
static ngx_http_routini_adaptive_conf_t  ngx_http_routini_adaptive_defaults = {
    5000,                                  /* interval */
    { 1.2,                                 /* connections_ratio */
      2.0,                                 /* latency_ratio */
      1000,                                /* min_connections */
      0.75 },                              /* hysteresis */
    512                                    /* smoothing 0.5, in 1024ths */
};


/* ratios and factors in thousandths */
static ngx_http_routini_param_t  ngx_http_routini_adaptive_params[] = {

    { ngx_string("interval="), ngx_http_routini_param_msec,
      offsetof(ngx_http_routini_adaptive_conf_t, interval), 100, 0,
      "a time of at least 100ms such as 5s", 0, 0, NULL },

    { ngx_string("connections_ratio="), ngx_http_routini_param_number,
      offsetof(ngx_http_routini_adaptive_conf_t, decide.connections_ratio),
      1000, 0, "a ratio of at least 1 such as 1.5", 0, 3, NULL },

    { ngx_string("latency_ratio="), ngx_http_routini_param_number,
      offsetof(ngx_http_routini_adaptive_conf_t, decide.latency_ratio),
      1000, 0, "a ratio of at least 1 such as 1.5", 0, 3, NULL },

    { ngx_string("min_connections="), ngx_http_routini_adaptive_set_min,
      0, 0, 0, "a number of connections such as 1000", 0, 0, NULL },

    { ngx_string("hysteresis="), ngx_http_routini_param_number,
      offsetof(ngx_http_routini_adaptive_conf_t, decide.hysteresis), 1, 1000,
      "a number above 0 and at most 1 such as 0.5", 0, 3, NULL },

    { ngx_string("smoothing="), ngx_http_routini_adaptive_set_smoothing,
      0, 1, 1000, "a number above 0 and at most 1 such as 0.5", 0, 3, NULL },

      ngx_http_routini_null_param
};


/* routini_balancer's parameter after the strategy */
static ngx_http_routini_param_t  ngx_http_routini_balancer_params[] = {

    { ngx_string("key="), ngx_http_routini_balancer_set_key, 0, 0, 0,
      "a string with variables such as $remote_addr", 0, 0, NULL },

      ngx_http_routini_null_param
};


/* configuration */

static char *
ngx_http_routini_balancer(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_routini_upstream_t *ucf = conf;

    char                          *rv;
    ngx_int_t                      strategy;
    ngx_str_t                     *value;
    ngx_http_upstream_srv_conf_t  *uscf;

    value = cf->args->elts;

    if (ucf->strategy != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    strategy = ngx_http_routini_strategy_parse(&value[1]);

    if (strategy == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "routini_balancer: invalid strategy \"%V\", "
                           "expected round_robin, random, fnv_hash, "
                           "consistent, fewest_connections, fastest or "
                           "adaptive", &value[1]);
        return NGX_CONF_ERROR;
    }

    rv = ngx_http_routini_conf_params(cf, ngx_http_routini_balancer_params, 2,
                                      ucf, NULL);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    if (ucf->key == NULL
        && ngx_http_routini_balancer_set_key(cf, NULL,
                                             &ngx_http_routini_default_key,
                                             ucf)
           != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    ucf->strategy = strategy;

    uscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_upstream_module);

    if (uscf->peer.init_upstream) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "load balancing method redefined");
    }

    uscf->peer.init_upstream = ngx_http_routini_upstream_init;

    uscf->flags = NGX_HTTP_UPSTREAM_CREATE
                  |NGX_HTTP_UPSTREAM_WEIGHT
                  |NGX_HTTP_UPSTREAM_MAX_CONNS
                  |NGX_HTTP_UPSTREAM_MAX_FAILS
                  |NGX_HTTP_UPSTREAM_FAIL_TIMEOUT
                  |NGX_HTTP_UPSTREAM_DOWN
                  |NGX_HTTP_UPSTREAM_BACKUP;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_routini_balancer_set_key(ngx_conf_t *cf, ngx_http_routini_param_t *p,
    ngx_str_t *value, void *conf)
{
    ngx_http_routini_upstream_t *ucf = conf;

    ngx_http_compile_complex_value_t  ccv;

    if (value->len == 0) {
        return NGX_DECLINED;
    }

    ucf->key = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (ucf->key == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = value;
    ccv.complex_value = ucf->key;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static char *
ngx_http_routini_adaptive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_routini_upstream_t *ucf = conf;

    if (ucf->adaptive.interval != NGX_CONF_UNSET_MSEC) {
        return "is duplicate";
    }

    ucf->adaptive = ngx_http_routini_adaptive_defaults;

    return ngx_http_routini_conf_params(cf, ngx_http_routini_adaptive_params,
                                        1, &ucf->adaptive, NULL);
}


static ngx_int_t
ngx_http_routini_adaptive_set_min(ngx_conf_t *cf, ngx_http_routini_param_t *p,
    ngx_str_t *value, void *conf)
{
    ngx_http_routini_adaptive_conf_t *a = conf;

    ngx_int_t  n;

    n = ngx_http_routini_param_int(p, value);
    if (n == NGX_ERROR) {
        return NGX_DECLINED;
    }

    a->decide.min_connections = n;

    return NGX_OK;
}


/* smoothing, the EWMA's factor, kept in 1024ths */

static ngx_int_t
ngx_http_routini_adaptive_set_smoothing(ngx_conf_t *cf,
    ngx_http_routini_param_t *p, ngx_str_t *value, void *conf)
{
    ngx_http_routini_adaptive_conf_t *a = conf;

    ngx_int_t  n;

    n = ngx_http_routini_param_int(p, value);
    if (n == NGX_ERROR) {
        return NGX_DECLINED;
    }

    a->alpha = (ngx_uint_t) n * 1024 / 1000;

    return NGX_OK;
}


static ngx_int_t
ngx_http_routini_upstream_init(ngx_conf_t *cf,
    ngx_http_upstream_srv_conf_t *us)
{
    ngx_http_routini_upstream_t            *ucf;
    ngx_http_upstream_rr_peers_t           *peers;
    ngx_http_routini_upstream_main_conf_t  *umcf;

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, cf->log, 0, "init routini balancer");

    if (ngx_http_upstream_init_round_robin(cf, us) != NGX_OK) {
        return NGX_ERROR;
    }

    us->peer.init = ngx_http_routini_upstream_init_peer;

    ucf = ngx_http_conf_upstream_srv_conf(us,
                                          ngx_http_routini_upstream_module);

    ucf->uscf = us;
    ucf->name = us->host;

    if (ucf->adaptive.interval == NGX_CONF_UNSET_MSEC) {
        ucf->adaptive = ngx_http_routini_adaptive_defaults;
    }

    peers = us->peer.data;

    if (ngx_http_routini_upstream_bind(cf, ucf, peers) != NGX_OK) {
        return NGX_ERROR;
    }

    umcf = ngx_http_conf_get_module_main_conf(cf,
                                            ngx_http_routini_upstream_module);

    return ngx_http_routini_push_ptr(&umcf->upstreams, ucf);
}


/* one zone record per peer and one for the upstream; the schedules, and
 * the rings of consistent */

static ngx_int_t
ngx_http_routini_upstream_bind(ngx_conf_t *cf,
    ngx_http_routini_upstream_t *ucf, ngx_http_upstream_rr_peers_t *peers)
{
    ngx_str_t                      name;
    ngx_uint_t                     i, nbackup;
    ngx_http_routini_peer_t       *rp;
    ngx_http_upstream_rr_peer_t   *peer;
    ngx_http_upstream_rr_peers_t  *list;

    nbackup = peers->next ? peers->next->number : 0;

    ucf->nprimary = peers->number;
    ucf->npeers = peers->number + nbackup;

    ucf->peers = ngx_pcalloc(cf->pool,
                             ucf->npeers * sizeof(ngx_http_routini_peer_t));
    if (ucf->peers == NULL) {
        return NGX_ERROR;
    }

    i = 0;

    for (list = peers; list; list = list->next) {
        for (peer = list->peer; peer; peer = peer->next) {
            rp = &ucf->peers[i++];

            rp->name = peer->name;
            rp->sockaddr = peer->sockaddr;
            rp->socklen = peer->socklen;
            rp->weight = peer->weight;
            rp->backup = (list != peers);
            rp->down = peer->down ? 1 : 0;

            name.len = sizeof("peer::") - 1 + ucf->name.len + peer->name.len;
            name.data = ngx_pnalloc(cf->pool, name.len);
            if (name.data == NULL) {
                return NGX_ERROR;
            }

            ngx_sprintf(name.data, "peer:%V:%V", &ucf->name, &peer->name);

            if (ngx_http_routini_shm_bind(cf, &name,
                                          sizeof(ngx_http_routini_peer_shm_t),
                                          (void **) &rp->shm)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            if (ngx_http_routini_shm_bind_inflight(cf, (void **) &rp->shm,
                                       offsetof(ngx_http_routini_peer_shm_t,
                                                active),
                                       &rp->inflight_index)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    name.len = sizeof("upstream:") - 1 + ucf->name.len;
    name.data = ngx_pnalloc(cf->pool, name.len);
    if (name.data == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(name.data, "upstream:%V", &ucf->name);

    if (ngx_http_routini_shm_bind(cf, &name,
                                  sizeof(ngx_http_routini_upstream_shm_t),
                                  (void **) &ucf->shm)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /*
     * The API may pin consistent on any upstream: then each worker builds
     * the ring on first use (ngx_http_routini_upstream_strategies.c), so
     * nginx -t does not pay for rings that no strategy reads.
     */

    if (ucf->strategy == NGX_HTTP_ROUTINI_CONSISTENT) {
        if (ngx_http_routini_upstream_ring(ucf, 0, cf->pool, cf->log)
            != NGX_OK
            || ngx_http_routini_upstream_ring(ucf, 1, cf->pool, cf->log)
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        ucf->ring_built = 3;
    }

    if (ngx_http_routini_schedule_build(cf, &ucf->schedule[0], peers)
        != NGX_OK
        || ngx_http_routini_schedule_build(cf, &ucf->schedule[1], peers->next)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * The consistent strategy's ring of a list (0 primary, 1 backup); points
 * per peer from its full weight (nginx takes any weight below 2^63),
 * capped as ngx_http_routini_ring_size() says.
 */

ngx_int_t
ngx_http_routini_upstream_ring(ngx_http_routini_upstream_t *u,
    ngx_uint_t list, ngx_pool_t *pool, ngx_log_t *log)
{
    size_t                          total, nbuckets;
    ngx_uint_t                      i, n, base;
    ngx_http_routini_ring_t        *ring;
    ngx_http_routini_ring_peer_t   *peers;
    ngx_http_routini_ring_point_t  *tmp;

    ring = &u->ring[list];
    base = list ? u->nprimary : 0;
    n = list ? u->npeers - u->nprimary : u->nprimary;

    if (n == 0) {
        return NGX_OK;
    }

    peers = ngx_alloc(n * sizeof(ngx_http_routini_ring_peer_t), log);
    if (peers == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        peers[i].name = u->peers[base + i].name.data;
        peers[i].len = u->peers[base + i].name.len;
        peers[i].weight = u->peers[base + i].weight;
    }

    total = ngx_http_routini_ring_size(peers, n);

    nbuckets = ngx_http_routini_ring_buckets(total);

    ring->points = ngx_palloc(pool,
                              total * sizeof(ngx_http_routini_ring_point_t));
    ring->bucket = ngx_palloc(pool, (nbuckets + 1) * sizeof(uint32_t));
    tmp = ngx_alloc(total * sizeof(ngx_http_routini_ring_point_t), log);

    if (ring->points == NULL || ring->bucket == NULL || tmp == NULL) {
        ring->points = NULL;
        ngx_free(tmp);
        ngx_free(peers);
        return NGX_ERROR;
    }

    ring->npoints = ngx_http_routini_ring_build(ring->points, tmp, peers, n);

    ngx_http_routini_ring_index(ring, nbuckets);

    ngx_free(tmp);
    ngx_free(peers);

    return NGX_OK;
}


/* the request path */

static ngx_int_t
ngx_http_routini_upstream_init_peer(ngx_http_request_t *r,
    ngx_http_upstream_srv_conf_t *us)
{
    ngx_str_t                      key;
    ngx_http_routini_upstream_t   *ucf;
    ngx_http_routini_peer_data_t  *pd;

    ucf = ngx_http_conf_upstream_srv_conf(us,
                                          ngx_http_routini_upstream_module);

    pd = ngx_palloc(r->pool, sizeof(ngx_http_routini_peer_data_t));
    if (pd == NULL) {
        return NGX_ERROR;
    }

    r->upstream->peer.data = &pd->rrp;

    if (ngx_http_upstream_init_round_robin_peer(r, us) != NGX_OK) {
        return NGX_ERROR;
    }

    r->upstream->peer.get = ngx_http_routini_upstream_get_peer;
    r->upstream->peer.free = ngx_http_routini_upstream_free_peer;

    pd->conf = ucf;
    pd->request = r;
    pd->current = -1;
    pd->start = 0;
    pd->hash = 0;
    pd->backup = 0;
    pd->retry = 0;
    pd->strategy = ngx_http_routini_upstream_strategy_now(ucf);

    if (pd->strategy == NGX_HTTP_ROUTINI_FNV_HASH
        || pd->strategy == NGX_HTTP_ROUTINI_CONSISTENT)
    {
        if (ngx_http_complex_value(r, ucf->key, &key) != NGX_OK) {
            return NGX_ERROR;
        }

        pd->hash = ngx_http_routini_fnv1a(NGX_HTTP_ROUTINI_FNV_BASIS,
                                          key.data, key.len);

        if (pd->strategy == NGX_HTTP_ROUTINI_CONSISTENT) {
            pd->hash = ngx_http_routini_mix32(pd->hash);
        }

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "routini balancer key:\"%V\" hash:%uD", &key,
                       pd->hash);
    }

    ngx_http_set_ctx(r, pd, ngx_http_routini_upstream_module);

    return NGX_OK;
}


static ngx_int_t
ngx_http_routini_upstream_get_peer(ngx_peer_connection_t *pc, void *data)
{
    ngx_http_routini_peer_data_t  *pd = data;

    time_t                             now;
    uintptr_t                          m;
    ngx_int_t                          rc;
    ngx_uint_t                         i, n, base;
    ngx_http_routini_peer_t           *rp;
    ngx_http_routini_upstream_t       *ucf;
    ngx_http_routini_peer_shm_t       *sh;
    ngx_http_upstream_rr_peer_t       *peer;
    ngx_http_upstream_rr_peers_t      *peers;
    ngx_http_upstream_rr_peer_data_t  *rrp;

    rrp = &pd->rrp;
    ucf = pd->conf;
    peers = rrp->peers;

    pc->cached = 0;
    pc->connection = NULL;

    /* round robin keeps the backup list in peers->next */

    base = pd->backup ? ucf->nprimary : 0;

    ngx_http_upstream_rr_peers_wlock(peers);

    peer = ngx_http_routini_choose(pd, base, &i);

    if (peer == NULL) {
        goto failed;
    }

    /*
     * counted at once, before anything else: fewest_connections in another
     * worker reads the count without a lock, and the sooner it sees this
     * choice the less two workers pick the same idle peer together; the
     * shared count before the worker's tally, so a worker killed in
     * between leaves one too many, never one too few
     */

    rp = &ucf->peers[base + i];
    sh = rp->shm;

    ngx_atomic_fetch_add(&sh->active, 1);

    if (rp->inflight) {
        (*rp->inflight)++;
    }

    /* restricted: the strategies read peers' flags only when not 0 */

    ngx_log_debug4(NGX_LOG_DEBUG_HTTP, pc->log, 0,
                   "routini balancer %V: peer %V (%ui), %ui restricted",
                   ngx_http_routini_strategy_name(pd->strategy),
                   &peer->name, base + i, ucf->restricted);

    rrp->current = peer;

    pc->sockaddr = peer->sockaddr;
    pc->socklen = peer->socklen;
    pc->name = &peer->name;

    peer->conns++;

    now = ngx_time();

    if (now - peer->checked > peer->fail_timeout) {
        peer->checked = now;
    }

    n = i / (8 * sizeof(uintptr_t));
    m = (uintptr_t) 1 << i % (8 * sizeof(uintptr_t));

    rrp->tried[n] |= m;

    ngx_http_upstream_rr_peers_unlock(peers);

    ngx_atomic_fetch_add(&sh->requests, 1);
    sh->picked = ngx_current_msec;

    pd->current = base + i;
    pd->retry = 1;
    pd->start = ngx_current_msec;

    return NGX_OK;

failed:

    if (peers->next) {

        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, pc->log, 0,
                       "routini balancer: backup servers");

        rrp->peers = peers->next;
        pd->backup = 1;

        n = (rrp->peers->number + (8 * sizeof(uintptr_t) - 1))
                / (8 * sizeof(uintptr_t));

        for (i = 0; i < n; i++) {
            rrp->tried[i] = 0;
        }

        ngx_http_upstream_rr_peers_unlock(peers);

        rc = ngx_http_routini_upstream_get_peer(pc, pd);

        if (rc != NGX_BUSY) {
            return rc;
        }

        ngx_http_upstream_rr_peers_wlock(peers);
    }

    ngx_http_upstream_rr_peers_unlock(peers);

    pc->name = peers->name;

    return NGX_BUSY;
}


static void
ngx_http_routini_upstream_free_peer(ngx_peer_connection_t *pc, void *data,
    ngx_uint_t state)
{
    ngx_http_routini_peer_data_t  *pd = data;

    ngx_http_routini_peer_t      *rp;
    ngx_http_routini_peer_shm_t  *sh;

    if (pd->current >= 0) {
        rp = &pd->conf->peers[pd->current];
        sh = rp->shm;

        if (rp->inflight) {
            (*rp->inflight)--;
        }

        ngx_atomic_fetch_add(&sh->active, (ngx_atomic_int_t) -1);

        ngx_http_routini_upstream_sample(pd->conf, sh,
                                         ngx_current_msec - pd->start,
                                         state & NGX_PEER_FAILED);
        pd->current = -1;
    }

    ngx_http_upstream_free_round_robin_peer(pc, &pd->rrp, state);
}


/*
 * The latency EWMA times one try, from choosing the peer to releasing it:
 * connect, send, the upstream's processing and reading the response, as
 * $upstream_response_time does (millisecond clock, stored in
 * microseconds so that the average keeps fractions).
 */

static void
ngx_http_routini_upstream_sample(ngx_http_routini_upstream_t *u,
    ngx_http_routini_peer_shm_t *sh, ngx_msec_t elapsed, ngx_uint_t failed)
{
    int64_t            diff;
    ngx_uint_t         n;
    ngx_atomic_uint_t  old, sample, new, samples;

    sample = (ngx_atomic_uint_t) elapsed * 1000;

    if (failed) {
        ngx_atomic_fetch_add(&sh->failures, 1);
        sample += NGX_HTTP_ROUTINI_FAIL_PENALTY;
    }

    samples = ngx_atomic_fetch_add(&sh->samples, 1);

    for (n = 0; n < 8; n++) {
        old = sh->latency;

        if (samples == 0) {
            new = sample;

        } else {
            diff = (int64_t) sample - (int64_t) old;
            new = (ngx_atomic_uint_t) ((int64_t) old
                                       + diff * (int64_t) u->adaptive.alpha
                                         / 1024);
        }

        if (ngx_atomic_cmp_set(&sh->latency, old, new)) {
            return;
        }
    }
}


void
ngx_http_routini_upstream_recount(ngx_http_routini_upstream_t *u)
{
    ngx_uint_t         i, n;
    ngx_atomic_uint_t  changes;

    changes = u->shm->flag_changes;

    /* the flags read below are at least as new as that count */
    ngx_memory_barrier();

    n = 0;

    for (i = 0; i < u->npeers; i++) {
        if (u->shm_peers[i]->flags) {
            n++;
        }
    }

    u->restricted = n;
    u->flag_changes = changes;

    ngx_http_routini_schedule_refresh(&u->schedule[0]);
    ngx_http_routini_schedule_refresh(&u->schedule[1]);
}


ngx_uint_t
ngx_http_routini_upstream_strategy_now(ngx_http_routini_upstream_t *u)
{
    ngx_atomic_uint_t  pinned, decided;

    if (u->shm == NULL) {
        return (u->strategy == NGX_HTTP_ROUTINI_ADAPTIVE)
               ? NGX_HTTP_ROUTINI_ROUND_ROBIN : u->strategy;
    }

    pinned = u->shm->pinned;

    if (pinned && pinned != NGX_HTTP_ROUTINI_ADAPTIVE + 1) {
        return pinned - 1;
    }

    if (pinned || u->strategy == NGX_HTTP_ROUTINI_ADAPTIVE) {
        decided = u->shm->decided;
        return decided ? decided - 1 : NGX_HTTP_ROUTINI_ROUND_ROBIN;
    }

    return u->strategy;
}


/* $routini_strategy: the strategy that chose this request's peer */

static ngx_http_variable_t  ngx_http_routini_upstream_vars[] = {

    { ngx_string("routini_strategy"), NULL,
      ngx_http_routini_strategy_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_int_t
ngx_http_routini_upstream_add_variables(ngx_conf_t *cf)
{
    return ngx_http_routini_add_variables(cf, ngx_http_routini_upstream_vars);
}


static ngx_int_t
ngx_http_routini_strategy_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_routini_peer_data_t  *pd;

    pd = ngx_http_get_module_ctx(r, ngx_http_routini_upstream_module);

    if (pd == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    ngx_http_routini_variable_value(v,
                                ngx_http_routini_strategy_name(pd->strategy));

    return NGX_OK;
}


static void *
ngx_http_routini_upstream_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_routini_upstream_main_conf_t  *umcf;

    umcf = ngx_pcalloc(cf->pool,
                       sizeof(ngx_http_routini_upstream_main_conf_t));
    if (umcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&umcf->upstreams, cf->pool, 4,
                       sizeof(ngx_http_routini_upstream_t *))
        != NGX_OK)
    {
        return NULL;
    }

    return umcf;
}


/* runs after the upstream module's, which called our init_upstream */

static char *
ngx_http_routini_upstream_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_uint_t                      i;
    ngx_http_routini_upstream_t    *ucf;
    ngx_http_upstream_srv_conf_t  **uscfp;
    ngx_http_upstream_main_conf_t  *umcf;

    umcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_upstream_module);

    uscfp = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {

        if (uscfp[i]->srv_conf == NULL) {
            continue;
        }

        ucf = ngx_http_conf_upstream_srv_conf(uscfp[i],
                                            ngx_http_routini_upstream_module);

        if (ucf->adaptive.interval != NGX_CONF_UNSET_MSEC
            && ucf->uscf == NULL)
        {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "routini_adaptive: upstream \"%V\" in %s:%ui "
                          "needs \"routini_balancer\" in the same upstream",
                          &uscfp[i]->host, uscfp[i]->file_name,
                          uscfp[i]->line);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_routini_upstream_create_conf(ngx_conf_t *cf)
{
    ngx_http_routini_upstream_t  *ucf;

    ucf = ngx_pcalloc(cf->pool, sizeof(ngx_http_routini_upstream_t));
    if (ucf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     ucf->key = NULL;
     *     ucf->uscf = NULL;
     *     ucf->peers = NULL;
     *     ucf->shm = NULL;
     */

    ucf->strategy = NGX_CONF_UNSET_UINT;
    ucf->adaptive.interval = NGX_CONF_UNSET_MSEC;

    return ucf;
}


static ngx_int_t
ngx_http_routini_upstream_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                              i, j;
    ngx_atomic_t                           *inflight;
    ngx_atomic_uint_t                       old, conf;
    ngx_http_routini_peer_t                *rp;
    ngx_http_routini_upstream_t           **up;
    ngx_http_upstream_rr_peers_t           *peers;
    ngx_http_routini_upstream_main_conf_t  *umcf;

    umcf = ngx_http_cycle_get_module_main_conf(cycle,
                                            ngx_http_routini_upstream_module);
    if (umcf == NULL) {
        return NGX_OK;
    }

    inflight = ngx_http_routini_shm_inflight_row(cycle);

    up = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {

        if (up[i]->shm == NULL) {
            continue;
        }

        for (j = 0; inflight && j < up[i]->npeers; j++) {
            rp = &up[i]->peers[j];
            rp->inflight = &inflight[rp->inflight_index];
        }

        /* the strategies' scans read the peers' records from here */

        up[i]->shm_peers = ngx_palloc(cycle->pool, up[i]->npeers
                                      * sizeof(ngx_http_routini_peer_shm_t *));
        if (up[i]->shm_peers == NULL) {
            return NGX_ERROR;
        }

        for (j = 0; j < up[i]->npeers; j++) {
            up[i]->shm_peers[j] = up[i]->peers[j].shm;
        }

        ngx_http_routini_upstream_recount(up[i]);

        peers = up[i]->uscf->peer.data;

        if (ngx_http_routini_schedule_init_process(cycle, &up[i]->schedule[0],
                                                   peers, up[i]->shm_peers)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (ngx_http_routini_schedule_init_process(cycle, &up[i]->schedule[1],
                                 peers->next,
                                 up[i]->shm_peers + up[i]->nprimary)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        /* a pin or a decision made for another configured strategy does
         * not survive a reload that changed it */

        conf = up[i]->strategy + 1;
        old = up[i]->shm->configured;

        if (old != conf && ngx_atomic_cmp_set(&up[i]->shm->configured, old,
                                              conf))
        {
            up[i]->shm->pinned = 0;
            up[i]->shm->decided = 0;
        }
    }

    return ngx_http_routini_adaptive_init_process(cycle, umcf);
}


/* for the API, the metrics and the health checks */

ngx_uint_t
ngx_http_routini_upstream_count(ngx_cycle_t *cycle)
{
    ngx_http_routini_upstream_main_conf_t  *umcf;

    umcf = ngx_http_cycle_get_module_main_conf(cycle,
                                            ngx_http_routini_upstream_module);

    return umcf ? umcf->upstreams.nelts : 0;
}


ngx_http_routini_upstream_t *
ngx_http_routini_upstream_get(ngx_cycle_t *cycle, ngx_uint_t i)
{
    ngx_http_routini_upstream_t           **up;
    ngx_http_routini_upstream_main_conf_t  *umcf;

    umcf = ngx_http_cycle_get_module_main_conf(cycle,
                                            ngx_http_routini_upstream_module);

    if (umcf == NULL || i >= umcf->upstreams.nelts) {
        return NULL;
    }

    up = umcf->upstreams.elts;

    return up[i];
}


/* nginx compares upstream{} names case-insensitively, so this does too */

ngx_http_routini_upstream_t *
ngx_http_routini_upstream_find(ngx_cycle_t *cycle, ngx_str_t *name)
{
    ngx_uint_t                              i;
    ngx_http_routini_upstream_t           **up;
    ngx_http_routini_upstream_main_conf_t  *umcf;

    umcf = ngx_http_cycle_get_module_main_conf(cycle,
                                            ngx_http_routini_upstream_module);
    if (umcf == NULL) {
        return NULL;
    }

    up = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {
        if (up[i]->name.len == name->len
            && ngx_strncasecmp(up[i]->name.data, name->data, name->len) == 0)
        {
            return up[i];
        }
    }

    return NULL;
}


void
ngx_http_routini_upstream_info(ngx_http_routini_upstream_t *u,
    ngx_http_routini_upstream_info_t *info)
{
    ngx_atomic_uint_t  pinned;

    pinned = u->shm ? u->shm->pinned : 0;

    info->name = u->name;
    info->configured = u->strategy;
    info->active = ngx_http_routini_upstream_strategy_now(u);
    info->adaptive = (pinned == NGX_HTTP_ROUTINI_ADAPTIVE + 1)
                     || (pinned == 0
                         && u->strategy == NGX_HTTP_ROUTINI_ADAPTIVE);
    info->pinned = pinned && !info->adaptive;
    info->switches = u->shm ? u->shm->switches : 0;
    info->npeers = u->npeers;
}


void
ngx_http_routini_peer_info(ngx_http_routini_upstream_t *u, ngx_uint_t i,
    ngx_http_routini_peer_info_t *info)
{
    ngx_http_routini_peer_t      *rp;
    ngx_http_routini_peer_shm_t  *sh;

    rp = &u->peers[i];
    sh = rp->shm;

    info->name = rp->name;
    info->weight = rp->weight;
    info->backup = rp->backup;
    info->down = rp->down;

    if (sh == NULL) {
        info->state = NGX_HTTP_ROUTINI_PEER_UP;
        info->healthy = 1;
        info->active = 0;
        info->requests = 0;
        info->failures = 0;
        info->latency = 0;
        info->measured = 0;
        return;
    }

    info->state = sh->flags & NGX_HTTP_ROUTINI_FLAG_STATE;
    info->healthy = !(sh->flags & NGX_HTTP_ROUTINI_FLAG_UNHEALTHY);
    info->active = sh->active;
    info->requests = sh->requests;
    info->failures = sh->failures;
    info->latency = sh->latency / 1000000.0;
    info->measured = sh->samples ? 1 : 0;
}


ngx_int_t
ngx_http_routini_strategy_parse(ngx_str_t *name)
{
    u_char      buf[32], c;
    size_t      n;
    ngx_uint_t  i;

    n = 0;

    for (i = 0; i < name->len; i++) {
        c = name->data[i];

        if (c == '_') {
            continue;
        }

        if (n == sizeof(buf) - 1) {
            return NGX_ERROR;
        }

        buf[n++] = ngx_tolower(c);
    }

    buf[n] = '\0';

    for (i = 0; ngx_http_routini_strategy_aliases[i].name; i++) {
        if (ngx_strcmp(buf, ngx_http_routini_strategy_aliases[i].name) == 0) {
            return ngx_http_routini_strategy_aliases[i].strategy;
        }
    }

    return NGX_ERROR;
}


ngx_str_t *
ngx_http_routini_strategy_name(ngx_uint_t strategy)
{
    if (strategy >= NGX_HTTP_ROUTINI_NSTRATEGIES) {
        strategy = NGX_HTTP_ROUTINI_ROUND_ROBIN;
    }

    return &ngx_http_routini_strategy_names[strategy];
}


ngx_int_t
ngx_http_routini_upstream_set_strategy(ngx_http_routini_upstream_t *u,
    ngx_uint_t strategy, ngx_log_t *log, ngx_str_t *err)
{
    ngx_atomic_uint_t  pinned;

    if (strategy >= NGX_HTTP_ROUTINI_NSTRATEGIES) {
        if (err) {
            ngx_str_set(err, "unknown strategy");
        }

        return NGX_ERROR;
    }

    if (u->shm == NULL) {
        if (err) {
            ngx_str_set(err, "the routini zone is not ready");
        }

        return NGX_ERROR;
    }

    /* "adaptive" where it is configured clears the pin; elsewhere it
     * turns the engine on */

    if (strategy == NGX_HTTP_ROUTINI_ADAPTIVE
        && u->strategy == NGX_HTTP_ROUTINI_ADAPTIVE)
    {
        pinned = 0;

    } else {
        pinned = strategy + 1;
    }

    if (u->shm->pinned == pinned) {
        return NGX_OK;
    }

    u->shm->pinned = pinned;

    if (strategy == NGX_HTTP_ROUTINI_ADAPTIVE) {
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "routini: upstream \"%V\" strategy handed back to the "
                      "adaptive engine", &u->name);

    } else {
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "routini: upstream \"%V\" strategy pinned to %V",
                      &u->name, ngx_http_routini_strategy_name(strategy));
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_routini_peer_set_state(ngx_http_routini_upstream_t *u,
    ngx_str_t *peer, ngx_uint_t state, ngx_log_t *log, ngx_str_t *err)
{
    static ngx_str_t  states[] = {
        ngx_string("up"), ngx_string("draining"), ngx_string("down")
    };

    ngx_uint_t                i, found;
    ngx_atomic_uint_t         old;
    ngx_http_routini_peer_t  *rp;

    if (state > NGX_HTTP_ROUTINI_PEER_DOWN) {
        if (err) {
            ngx_str_set(err, "unknown peer state");
        }

        return NGX_ERROR;
    }

    found = 0;

    for (i = 0; i < u->npeers; i++) {
        rp = &u->peers[i];

        if (rp->name.len != peer->len
            || ngx_strncmp(rp->name.data, peer->data, peer->len) != 0)
        {
            continue;
        }

        found = 1;

        if (rp->shm == NULL) {
            continue;
        }

        old = ngx_http_routini_peer_flags(u, rp->shm,
                                          NGX_HTTP_ROUTINI_FLAG_STATE, state)
              & NGX_HTTP_ROUTINI_FLAG_STATE;

        if (old != state) {
            ngx_log_error(NGX_LOG_NOTICE, log, 0,
                          "routini: upstream \"%V\" peer %V %V -> %V",
                          &u->name, &rp->name, &states[old % 3],
                          &states[state]);
        }
    }

    if (!found) {
        if (err) {
            ngx_str_set(err, "unknown peer");
        }

        return NGX_DECLINED;
    }

    return NGX_OK;
}


void
ngx_http_routini_peer_addr(ngx_http_routini_upstream_t *u, ngx_uint_t i,
    struct sockaddr **sockaddr, socklen_t *socklen, ngx_str_t *name)
{
    *sockaddr = u->peers[i].sockaddr;
    *socklen = u->peers[i].socklen;
    *name = u->peers[i].name;
}


void
ngx_http_routini_peer_set_health(ngx_http_routini_upstream_t *u,
    ngx_uint_t i, ngx_uint_t healthy, ngx_log_t *log)
{
    ngx_atomic_uint_t  old, flag;

    if (i >= u->npeers || u->peers[i].shm == NULL) {
        return;
    }

    flag = healthy ? 0 : NGX_HTTP_ROUTINI_FLAG_UNHEALTHY;

    old = ngx_http_routini_peer_flags(u, u->peers[i].shm,
                                      NGX_HTTP_ROUTINI_FLAG_UNHEALTHY, flag)
          & NGX_HTTP_ROUTINI_FLAG_UNHEALTHY;

    if (old != flag) {
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "routini: upstream \"%V\" peer %V is %s",
                      &u->name, &u->peers[i].name,
                      healthy ? "healthy" : "unhealthy");
    }
}


/*
 * Sets the bits of mask in a peer's flags to value, returns the flags
 * before.  Each change is counted in the upstream's record, so that every
 * worker counts its peers with flags again
 * (ngx_http_routini_upstream_restricted()).
 */

static ngx_atomic_uint_t
ngx_http_routini_peer_flags(ngx_http_routini_upstream_t *u,
    ngx_http_routini_peer_shm_t *sh, ngx_atomic_uint_t mask,
    ngx_atomic_uint_t value)
{
    ngx_atomic_uint_t  old, new;

    do {
        old = sh->flags;
        new = (old & ~mask) | value;

        if (old == new) {
            return old;
        }

    } while (!ngx_atomic_cmp_set(&sh->flags, old, new));

    ngx_atomic_fetch_add(&u->shm->flag_changes, 1);

    return old;
}
