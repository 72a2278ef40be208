
/*
 * Copyright (C) routini authors
 *
 * The adaptive engine.  Every worker runs a timer per routini upstream;
 * at each tick the worker that moves the upstream's next evaluation time
 * forward (an atomic compare-and-set in the zone) evaluates, so the
 * decision is made once per interval for the whole nginx instance.  The
 * rule itself, with its hysteresis, is ngx_http_routini_decide().
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini_upstream_module.h"


static void ngx_http_routini_adaptive_handler(ngx_event_t *ev);
static ngx_uint_t ngx_http_routini_adaptive_on(ngx_http_routini_upstream_t *u);


/* the engine's three strategies, by ngx_http_routini_decide_e */
static ngx_uint_t  ngx_http_routini_decided[] = {
    NGX_HTTP_ROUTINI_ROUND_ROBIN,
    NGX_HTTP_ROUTINI_FEWEST_CONNECTIONS,
    NGX_HTTP_ROUTINI_FASTEST
};


ngx_int_t
ngx_http_routini_adaptive_init_process(ngx_cycle_t *cycle,
    ngx_http_routini_upstream_main_conf_t *umcf)
{
    ngx_uint_t                     i;
    ngx_event_t                   *ev;
    ngx_http_routini_upstream_t  **up;

    up = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {

        if (up[i]->shm == NULL) {
            continue;
        }

        ev = ngx_pcalloc(cycle->pool, sizeof(ngx_event_t));
        if (ev == NULL) {
            return NGX_ERROR;
        }

        ev->handler = ngx_http_routini_adaptive_handler;
        ev->data = up[i];
        ev->log = cycle->log;

        /* worker shutdown does not wait for it */
        ev->cancelable = 1;

        up[i]->timer = ev;

        ngx_add_timer(ev, up[i]->adaptive.interval);
    }

    return NGX_OK;
}


static void
ngx_http_routini_adaptive_handler(ngx_event_t *ev)
{
    ngx_http_routini_upstream_t *u = ev->data;

    ngx_msec_t         now;
    ngx_atomic_uint_t  next;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    if (ngx_http_routini_adaptive_on(u)) {
        now = ngx_current_msec;
        next = u->shm->next_eval;

        if ((ngx_msec_int_t) (now - (ngx_msec_t) next) >= 0
            && ngx_atomic_cmp_set(&u->shm->next_eval, next,
                                  now + u->adaptive.interval))
        {
            ngx_http_routini_adaptive_evaluate(u, ev->log);
        }
    }

    ngx_add_timer(ev, u->adaptive.interval);
}


static ngx_uint_t
ngx_http_routini_adaptive_on(ngx_http_routini_upstream_t *u)
{
    ngx_atomic_uint_t  pinned;

    pinned = u->shm->pinned;

    return pinned == NGX_HTTP_ROUTINI_ADAPTIVE + 1
           || (pinned == 0 && u->strategy == NGX_HTTP_ROUTINI_ADAPTIVE);
}


/*
 * Inputs: active connections of the primary peers that may take traffic
 * (not "down", drained, downed or unhealthy) and the latency averages of
 * those with a sample.  Averages below NGX_HTTP_ROUTINI_LATENCY_FLOOR
 * count as the floor: below the clock's resolution a ratio means nothing.
 */

void
ngx_http_routini_adaptive_evaluate(ngx_http_routini_upstream_t *u,
    ngx_log_t *log)
{
    double                         lat, value;
    ngx_uint_t                     i, n, from, to, cur;
    ngx_atomic_uint_t              decided, active;
    ngx_http_routini_peer_t       *rp;
    ngx_http_routini_decide_in_t   in;
    ngx_http_routini_decide_out_t  out;

    ngx_memzero(&in, sizeof(ngx_http_routini_decide_in_t));

    n = 0;

    for (i = 0; i < u->nprimary; i++) {
        rp = &u->peers[i];

        if (rp->down || rp->shm->flags) {
            continue;
        }

        active = rp->shm->active;

        if (n++ == 0) {
            in.max_active = active;
            in.min_active = active;

        } else {
            in.max_active = ngx_max(in.max_active, active);
            in.min_active = ngx_min(in.min_active, active);
        }

        if (rp->shm->samples == 0) {
            continue;
        }

        lat = ngx_max(rp->shm->latency, NGX_HTTP_ROUTINI_LATENCY_FLOOR)
              / 1000000.0;

        if (in.nmeasured++ == 0) {
            in.max_latency = lat;
            in.min_latency = lat;

        } else {
            in.max_latency = ngx_max(in.max_latency, lat);
            in.min_latency = ngx_min(in.min_latency, lat);
        }
    }

    decided = u->shm->decided;
    from = decided ? decided - 1 : NGX_HTTP_ROUTINI_ROUND_ROBIN;

    cur = NGX_HTTP_ROUTINI_DECIDE_ROUND_ROBIN;

    for (i = 0; i < 3; i++) {
        if (ngx_http_routini_decided[i] == from) {
            cur = i;
        }
    }

    ngx_http_routini_decide(cur, &in, &u->adaptive.decide, &out);

    to = ngx_http_routini_decided[out.strategy];

    ngx_log_debug7(NGX_LOG_DEBUG_HTTP, log, 0,
                   "routini adaptive \"%V\": active %uA..%uA, latency "
                   "%.3f..%.3f s (%ui measured): %V",
                   &u->name, (ngx_atomic_uint_t) in.min_active,
                   (ngx_atomic_uint_t) in.max_active, in.min_latency,
                   in.max_latency, (ngx_uint_t) in.nmeasured,
                   ngx_http_routini_strategy_name(to));

    if (to == from) {
        return;
    }

    if (!ngx_atomic_cmp_set(&u->shm->decided, decided, to + 1)) {
        return;
    }

    ngx_atomic_fetch_add(&u->shm->switches, 1);

    /* one decimal, rounded away from the threshold: never "1.5 < 1.5" */

    value = (double) (int64_t) (out.value * 10);

    if (out.above && value < out.value * 10) {
        value += 1;
    }

    value /= 10;

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "routini: upstream \"%V\" strategy %V -> %V (%s %.1f %s "
                  "%.1f)", &u->name, ngx_http_routini_strategy_name(from),
                  ngx_http_routini_strategy_name(to), out.metric, value,
                  out.above ? ">" : "<", out.threshold);
}
