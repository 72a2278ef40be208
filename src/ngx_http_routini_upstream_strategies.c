
/*
 * Copyright (C) routini authors
 *
 * Choosing a peer: one function per strategy over the peer list a try
 * uses now (primary, or backup once no primary can take it).  Each skips
 * the peers a try must not get: tried already by this request, "down",
 * failed max_fails times within fail_timeout, at max_conns, drained or
 * downed through the API, or unhealthy.  Called with the list locked as
 * round robin does (a no-op unless the upstream has a zone).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini_upstream_module.h"


typedef ngx_http_upstream_rr_peer_t *(*ngx_http_routini_choose_pt)(
    ngx_http_routini_peer_data_t *pd, ngx_uint_t base, ngx_uint_t *index);


/*
 * What every strategy reads once per decision.  Each strategy fills its
 * own on the stack: kept local, the compiler holds it in registers.
 */
typedef struct {
    uintptr_t                     *tried;       /* NULL on a first try */
    ngx_http_routini_peer_shm_t  **rp;          /* the list's peers */
    ngx_http_upstream_rr_peer_t  **peer;        /* by index, for the ring */
    time_t                         now;
    ngx_uint_t                     single;
    ngx_atomic_uint_t              restricted;
} ngx_http_routini_decision_t;


static ngx_inline void
ngx_http_routini_decision_init(ngx_http_routini_decision_t *d,
    ngx_http_routini_peer_data_t *pd, ngx_uint_t base)
{
    d->tried = pd->retry ? pd->rrp.tried : NULL;
    d->rp = pd->conf->shm_peers + base;
    d->peer = NULL;
    d->single = pd->rrp.peers->single;
    d->restricted = ngx_http_routini_upstream_restricted(pd->conf);
    d->now = ngx_time();
}


static ngx_inline ngx_uint_t
ngx_http_routini_usable(ngx_http_routini_decision_t *d,
    ngx_http_upstream_rr_peer_t *peer, ngx_uint_t i)
{
    /* tried is NULL on a request's first try */

    if (d->tried
        && (d->tried[i / (8 * sizeof(uintptr_t))]
            & ((uintptr_t) 1 << i % (8 * sizeof(uintptr_t)))))
    {
        return 0;
    }

    if (peer->down) {
        return 0;
    }

    /* as round robin: a single peer is tried whatever its failures */

    if (peer->fails
        && peer->max_fails
        && peer->fails >= peer->max_fails
        && d->now - peer->checked <= peer->fail_timeout
        && !d->single)
    {
        return 0;
    }

    if (peer->max_conns && peer->conns >= peer->max_conns) {
        return 0;
    }

    /* drained, downed or unhealthy: only looked at when some peer is */

    return d->restricted == 0 || d->rp[i]->flags == 0;
}


/*
 * nginx's smooth weighted round robin, per worker.  While every peer is
 * usable (and none has had its effective weight lowered by a failure) the
 * precomputed order gives the same sequence in O(1).
 */

static ngx_http_upstream_rr_peer_t *
ngx_http_routini_round_robin(ngx_http_routini_peer_data_t *pd,
    ngx_uint_t base, ngx_uint_t *index)
{
    ngx_int_t                      total;
    ngx_uint_t                     i, p;
    ngx_http_routini_decision_t    d;
    ngx_http_routini_schedule_t   *sc;
    ngx_http_upstream_rr_peer_t   *peer, *best;

    ngx_http_routini_decision_init(&d, pd, base);

    sc = &pd->conf->schedule[base ? 1 : 0];

    if (sc->n && sc->peer) {
        i = sc->order[sc->cursor];
        peer = sc->peer[i];

        if (peer->effective_weight == peer->weight
            && ngx_http_routini_usable(&d, peer, i))
        {
            sc->cursor = (sc->cursor + 1 == sc->n) ? 0 : sc->cursor + 1;
            *index = i;
            return peer;
        }
    }

    best = NULL;
    total = 0;
    p = 0;

    for (peer = pd->rrp.peers->peer, i = 0; peer; peer = peer->next, i++) {

        if (!ngx_http_routini_usable(&d, peer, i)) {
            continue;
        }

        peer->current_weight += peer->effective_weight;
        total += peer->effective_weight;

        if (peer->effective_weight < peer->weight) {
            peer->effective_weight++;
        }

        if (best == NULL || peer->current_weight > best->current_weight) {
            best = peer;
            p = i;
        }
    }

    if (best) {
        best->current_weight -= total;
        *index = p;
    }

    return best;
}


static ngx_http_upstream_rr_peer_t *
ngx_http_routini_random(ngx_http_routini_peer_data_t *pd, ngx_uint_t base,
    ngx_uint_t *index)
{
    ngx_uint_t                     i, total, x;
    ngx_http_routini_decision_t    d;
    ngx_http_upstream_rr_peer_t   *peer;

    ngx_http_routini_decision_init(&d, pd, base);

    total = 0;

    for (peer = pd->rrp.peers->peer, i = 0; peer; peer = peer->next, i++) {
        if (ngx_http_routini_usable(&d, peer, i)) {
            total += peer->weight;
        }
    }

    if (total == 0) {
        return NULL;
    }

    x = (ngx_uint_t) ngx_random() % total;

    for (peer = pd->rrp.peers->peer, i = 0; peer; peer = peer->next, i++) {

        if (!ngx_http_routini_usable(&d, peer, i)) {
            continue;
        }

        if (x < (ngx_uint_t) peer->weight) {
            break;
        }

        x -= peer->weight;
    }

    *index = i;

    return peer;
}


/*
 * The key's FNV-1a picks a peer by weight among all peers of the list, so
 * a key keeps its peer while the others come and go; when that peer
 * cannot take the try, the hash is rehashed (up to 20 times, as nginx's
 * hash does) and then round robin decides.
 */

static ngx_http_upstream_rr_peer_t *
ngx_http_routini_fnv_hash(ngx_http_routini_peer_data_t *pd, ngx_uint_t base,
    ngx_uint_t *index)
{
    u_char                         n;
    uint32_t                       hash;
    ngx_uint_t                     i, total, w;
    ngx_http_routini_decision_t    d;
    ngx_http_upstream_rr_peer_t   *peer;

    ngx_http_routini_decision_init(&d, pd, base);

    hash = pd->hash;
    total = 0;

    for (peer = pd->rrp.peers->peer; peer; peer = peer->next) {
        total += peer->weight;
    }

    for (n = 0; n < 20 && total; n++) {

        w = hash % total;

        for (peer = pd->rrp.peers->peer, i = 0; peer; peer = peer->next, i++)
        {
            if (w < (ngx_uint_t) peer->weight) {
                break;
            }

            w -= peer->weight;
        }

        if (ngx_http_routini_usable(&d, peer, i)) {
            *index = i;
            return peer;
        }

        hash = ngx_http_routini_fnv1a(hash, &n, 1);
    }

    return ngx_http_routini_round_robin(pd, base, index);
}


/* what ngx_http_routini_ring_walk() asks about a peer of the ring */

static int
ngx_http_routini_ring_usable(void *data, uint32_t i)
{
    ngx_http_routini_decision_t  *d = data;

    return ngx_http_routini_usable(d, d->peer[i], i);
}


/*
 * A ring that the configured strategy does not read (consistent pinned by
 * the API) is built on its first use in each worker, once per
 * configuration: at most NGX_HTTP_ROUTINI_RING_MAX points, some 35 ms at
 * that cap.  Without memory for it, round robin chooses instead.
 */

static void
ngx_http_routini_ring_first_use(ngx_http_routini_upstream_t *u,
    ngx_uint_t list)
{
    ngx_msec_t  start;

    u->ring_built |= (ngx_uint_t) 1 << list;

    ngx_time_update();
    start = ngx_current_msec;

    if (ngx_http_routini_upstream_ring(u, list, ngx_cycle->pool,
                                       ngx_cycle->log)
        != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                      "routini: upstream \"%V\": no memory for the "
                      "consistent hash ring of the %s peers, round robin "
                      "chooses instead", &u->name,
                      list ? "backup" : "primary");
        return;
    }

    ngx_time_update();

    ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                  "routini: upstream \"%V\": consistent hash ring of the "
                  "%s peers, %uz points, built in %M ms", &u->name,
                  list ? "backup" : "primary", u->ring[list].npoints,
                  ngx_current_msec - start);
}


/*
 * ketama: the key's point on the ring, then clockwise to the first peer
 * that can take the try.  Points hold their peer's index in the list,
 * and each distinct peer is looked at once: with no usable peer the walk
 * ends after every peer was seen, not after a lap.
 */

static ngx_http_upstream_rr_peer_t *
ngx_http_routini_consistent(ngx_http_routini_peer_data_t *pd,
    ngx_uint_t base, ngx_uint_t *index)
{
    size_t                         k;
    uint32_t                       p;
    ngx_uint_t                     list;
    ngx_http_routini_ring_t       *ring;
    ngx_http_routini_decision_t    d;
    ngx_http_routini_schedule_t   *sc;

    list = base ? 1 : 0;

    if (!(pd->conf->ring_built & ((ngx_uint_t) 1 << list))) {
        ngx_http_routini_ring_first_use(pd->conf, list);
    }

    ring = &pd->conf->ring[list];
    sc = &pd->conf->schedule[list];

    if (ring->npoints == 0 || sc->peer == NULL) {
        return ngx_http_routini_round_robin(pd, base, index);
    }

    ngx_http_routini_decision_init(&d, pd, base);

    k = ngx_http_routini_ring_find(ring->points, ring->npoints, pd->hash);
    p = ring->points[k].peer;

    if (ngx_http_routini_usable(&d, sc->peer[p], p)) {
        *index = p;
        return sc->peer[p];
    }

    d.peer = sc->peer;

    if (!ngx_http_routini_ring_walk(ring, k, ngx_http_routini_ring_usable,
                                    &d, &p))
    {
        return NULL;
    }

    *index = p;

    return sc->peer[p];
}


/*
 * Least active/weight, active counted across all workers in the zone.
 * The scan starts at the worker's next peer in smooth weighted round
 * robin order and keeps the first peer with the lowest ratio, so ties
 * rotate by weight as with nginx's least_conn; an idle peer ends it.
 */

static ngx_http_upstream_rr_peer_t *
ngx_http_routini_fewest(ngx_http_routini_peer_data_t *pd, ngx_uint_t base,
    ngx_uint_t *index)
{
    ngx_uint_t                     i, k, n, p, a, end, best_a,
                                   weighted;
    ngx_http_routini_decision_t    d;
    ngx_http_routini_schedule_t   *sc;
    ngx_http_upstream_rr_peer_t   *peer, *best;

    sc = &pd->conf->schedule[base ? 1 : 0];

    if (sc->peer == NULL) {
        return ngx_http_routini_round_robin(pd, base, index);
    }

    ngx_http_routini_decision_init(&d, pd, base);

    n = sc->npeers;
    weighted = pd->rrp.peers->weighted;

    if (sc->n) {
        i = sc->order[sc->cursor];
        sc->cursor = (sc->cursor + 1 == sc->n) ? 0 : sc->cursor + 1;

    } else {
        i = sc->cursor;
        sc->cursor = (sc->cursor + 1 == n) ? 0 : sc->cursor + 1;
    }

    best = NULL;
    best_a = 0;
    p = 0;

    /* a peer that would not beat the best so far is not checked further */

    for (end = i + n; i < end; i++) {
        peer = sc->peer[i];
        a = sc->shm[i]->active;

        if (best
            && (weighted ? a * best->weight >= best_a * peer->weight
                         : a >= best_a))
        {
            continue;
        }

        k = (i < n) ? i : i - n;

        if (!ngx_http_routini_usable(&d, peer, k)) {
            continue;
        }

        best = peer;
        best_a = a;
        p = k;

        if (a == 0) {
            break;
        }
    }

    *index = p;

    return best;
}


/*
 * Lowest cost = latency EWMA * (active + 1) / weight.  A peer without a
 * sample borrows the lowest measured average (of any peer), so a new peer
 * is tried without flooding it.  A peer no worker has picked for
 * NGX_HTTP_ROUTINI_PROBE ms takes the next try (one worker wins it), so a
 * slow or failed peer that recovered is measured again.  Failed tries add
 * NGX_HTTP_ROUTINI_FAIL_PENALTY to their sample, so failing fast does not
 * look fast.  Ties go to the peer picked least recently.
 */

static ngx_http_upstream_rr_peer_t *
ngx_http_routini_fastest(ngx_http_routini_peer_data_t *pd, ngx_uint_t base,
    ngx_uint_t *index)
{
    uint64_t                       cost, best_cost, lat, min_lat;
    ngx_uint_t                     i, p;
    ngx_msec_t                     msec, picked, best_picked;
    ngx_http_routini_decision_t    d;
    ngx_http_routini_peer_shm_t   *sh;
    ngx_http_upstream_rr_peer_t   *peer, *best;

    ngx_http_routini_decision_init(&d, pd, base);

    msec = ngx_current_msec;
    min_lat = (uint64_t) -1;

    for (peer = pd->rrp.peers->peer, i = 0; peer; peer = peer->next, i++) {
        sh = d.rp[i];
        picked = sh->picked;

        if ((ngx_msec_int_t) (msec - picked) >= NGX_HTTP_ROUTINI_PROBE
            && ngx_http_routini_usable(&d, peer, i)
            && ngx_atomic_cmp_set(&sh->picked, picked, msec))
        {
            *index = i;
            return peer;
        }

        if (sh->samples && sh->latency < min_lat) {
            min_lat = sh->latency;
        }
    }

    if (min_lat == (uint64_t) -1) {
        min_lat = NGX_HTTP_ROUTINI_LATENCY_FLOOR;
    }

    best = NULL;
    best_cost = 0;
    best_picked = 0;
    p = 0;

    for (peer = pd->rrp.peers->peer, i = 0; peer; peer = peer->next, i++) {
        sh = d.rp[i];

        lat = sh->samples ? sh->latency : min_lat;
        lat = ngx_max(lat, 1);
        cost = lat * (sh->active + 1);

        if (best
            && (cost * best->weight > best_cost * peer->weight
                || (cost * best->weight == best_cost * peer->weight
                    && (ngx_msec_int_t) (sh->picked - best_picked) >= 0)))
        {
            continue;
        }

        if (!ngx_http_routini_usable(&d, peer, i)) {
            continue;
        }

        best = peer;
        best_cost = cost;
        best_picked = sh->picked;
        p = i;
    }

    *index = p;

    return best;
}


/*
 * indexed by ngx_http_routini_strategy_e; the strategy in use is never
 * adaptive (the engine's decision is), its slot is round robin as a guard
 */

static ngx_http_routini_choose_pt  ngx_http_routini_strategies[] = {
    ngx_http_routini_round_robin,
    ngx_http_routini_random,
    ngx_http_routini_fnv_hash,
    ngx_http_routini_consistent,
    ngx_http_routini_fewest,
    ngx_http_routini_fastest,
    ngx_http_routini_round_robin
};


ngx_http_upstream_rr_peer_t *
ngx_http_routini_choose(ngx_http_routini_peer_data_t *pd, ngx_uint_t base,
    ngx_uint_t *index)
{
    return ngx_http_routini_strategies[pd->strategy](pd, base, index);
}


ngx_int_t
ngx_http_routini_schedule_build(ngx_conf_t *cf,
    ngx_http_routini_schedule_t *sc, ngx_http_upstream_rr_peers_t *peers)
{
    ngx_int_t                     total, *cw;
    ngx_uint_t                    i, n, best, found;
    ngx_http_upstream_rr_peer_t  *peer;

    sc->n = 0;
    sc->npeers = peers ? peers->number : 0;

    if (peers == NULL || peers->number > 0xffff) {
        return NGX_OK;
    }

    total = 0;

    /* weights go up to 2^63 - 1: stop adding before the sum overflows */

    for (peer = peers->peer; peer; peer = peer->next) {
        if (peer->down) {
            continue;
        }

        total += peer->weight;

        if (total > NGX_HTTP_ROUTINI_SCHEDULE_MAX) {
            return NGX_OK;
        }
    }

    if (total == 0) {
        return NGX_OK;
    }

    sc->order = ngx_palloc(cf->pool, total * sizeof(uint16_t));
    cw = ngx_pcalloc(cf->temp_pool, peers->number * sizeof(ngx_int_t));

    if (sc->order == NULL || cw == NULL) {
        return NGX_ERROR;
    }

    /* the dynamic algorithm with every peer usable, total steps: a cycle */

    for (n = 0; n < (ngx_uint_t) total; n++) {
        found = 0;
        best = 0;

        for (peer = peers->peer, i = 0; peer; peer = peer->next, i++) {

            if (peer->down) {
                continue;
            }

            cw[i] += peer->weight;

            if (!found || cw[i] > cw[best]) {
                best = i;
                found = 1;
            }
        }

        cw[best] -= total;
        sc->order[n] = (uint16_t) best;
    }

    sc->n = total;

    return NGX_OK;
}


/* peer pointers as this worker sees them (an upstream zone moves them) */

ngx_int_t
ngx_http_routini_schedule_init_process(ngx_cycle_t *cycle,
    ngx_http_routini_schedule_t *sc, ngx_http_upstream_rr_peers_t *peers,
    ngx_http_routini_peer_shm_t **shm)
{
    ngx_uint_t                    i, n;
    ngx_http_upstream_rr_peer_t  *peer;

    sc->peer = NULL;
    sc->shm = NULL;
    sc->cursor = 0;

    if (peers == NULL) {
        return NGX_OK;
    }

    n = peers->number;

    sc->peer = ngx_palloc(cycle->pool,
                          2 * n * sizeof(ngx_http_upstream_rr_peer_t *));
    sc->shm = ngx_palloc(cycle->pool,
                         2 * n * sizeof(ngx_http_routini_peer_shm_t *));

    if (sc->peer == NULL || sc->shm == NULL) {
        return NGX_ERROR;
    }

    for (peer = peers->peer, i = 0; peer; peer = peer->next, i++) {
        sc->peer[i] = peer;
        sc->peer[n + i] = peer;
        sc->shm[i] = shm[i];
        sc->shm[n + i] = shm[i];
    }

    return NGX_OK;
}
