
/*
 * Copyright (C) routini authors
 *
 * Choosing a peer: one function per strategy over the peer list a try
 * uses now (primary, or backup once no primary can take it).  Each skips
 * the peers a try must not get: tried already by this request, "down",
 * failed max_fails times within fail_timeout, at max_conns, drained or
 * downed through the API, or unhealthy.  Called with the list locked as
 * round robin does (a no-op unless the upstream has a zone).
 *
 * Each worker keeps, per list, the set of peers that configuration and
 * flags let take traffic (ngx_http_routini_schedule_refresh()).  Up to
 * NGX_HTTP_ROUTINI_EXACT_MAX of them a strategy may look at them all;
 * above, it draws from them and every walk is bounded, so that a decision
 * costs the same whatever the number of peers (docs/balancer.md,
 * "Decisions at scale").
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini_upstream_module.h"


typedef struct ngx_http_routini_decision_s  ngx_http_routini_decision_t;

typedef ngx_http_upstream_rr_peer_t *(*ngx_http_routini_choose_pt)(
    ngx_http_routini_peer_data_t *pd, ngx_http_routini_decision_t *d,
    ngx_uint_t *index);


/* what every strategy reads once per decision, on the stack */
struct ngx_http_routini_decision_s {
    uintptr_t                     *tried;       /* NULL on a first try */
    ngx_http_routini_schedule_t   *sc;          /* the list's */
    ngx_http_upstream_rr_peer_t  **peer;        /* sc->peer */
    ngx_uint_t                     single;
    ngx_atomic_uint_t              restricted;
};


static ngx_http_upstream_rr_peer_t *ngx_http_routini_fastest_two(
    ngx_http_routini_decision_t *d, ngx_uint_t *index);
static ngx_inline ngx_uint_t ngx_http_routini_cheaper(uint64_t a,
    uint64_t wa, ngx_http_routini_peer_shm_t *sh, uint64_t b, uint64_t wb,
    ngx_msec_t picked_b);
static ngx_int_t ngx_http_routini_probe(ngx_http_routini_peer_shm_t *sh,
    ngx_msec_t msec);


/* the draws of random, fewest_connections and fastest; per worker */
static uint64_t  ngx_http_routini_rng = 1;


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
        && ngx_time() - peer->checked <= peer->fail_timeout
        && !d->single)
    {
        return 0;
    }

    if (peer->max_conns && peer->conns >= peer->max_conns) {
        return 0;
    }

    /* drained, downed or unhealthy: only looked at when some peer is */

    return d->restricted == 0 || d->sc->shm[i]->flags == 0;
}


/* what the ring walk and the set's draws ask about a peer */

static int
ngx_http_routini_usable_at(void *data, uint32_t i)
{
    ngx_http_routini_decision_t  *d = data;

    return ngx_http_routini_usable(d, d->peer[i], i);
}


/* one peer of the set drawn by weight, among those that can take it */

static ngx_http_upstream_rr_peer_t *
ngx_http_routini_pick(ngx_http_routini_decision_t *d, ngx_uint_t *index)
{
    uint32_t  p;

    if (ngx_http_routini_set_pick(&d->sc->set, &ngx_http_routini_rng,
                                  ngx_http_routini_usable_at, d, &p, 1)
        == 0)
    {
        return NULL;
    }

    *index = p;

    return d->peer[p];
}


/*
 * nginx's smooth weighted round robin, per worker.  While every peer is
 * usable (and none has had its effective weight lowered by a failure) the
 * precomputed order gives the same sequence in O(1); skip passes over the
 * peers that flags keep out.  Up to NGX_HTTP_ROUTINI_EXACT_MAX peers in
 * the set, a peer the order gives that cannot take the try leads to the
 * usual scan; above, the next NGX_HTTP_ROUTINI_DRAWS peers of the order
 * are tried (a lowered effective weight recovering by one each time its
 * peer is passed, as in the scan), then a weighted random choice.
 */

static ngx_http_upstream_rr_peer_t *
ngx_http_routini_round_robin(ngx_http_routini_peer_data_t *pd,
    ngx_http_routini_decision_t *d, ngx_uint_t *index)
{
    ngx_int_t                      total;
    ngx_uint_t                     c, i, j, k, p, tries;
    ngx_http_routini_schedule_t   *sc;
    ngx_http_upstream_rr_peer_t   *peer, *best;

    sc = d->sc;
    tries = (sc->set.n > NGX_HTTP_ROUTINI_EXACT_MAX)
            ? NGX_HTTP_ROUTINI_DRAWS : 1;

    for (c = sc->cursor, k = 0; sc->n && k < tries; k++) {
        c = sc->skip[c];
        i = sc->order[c];
        peer = sc->peer[i];
        c = (c + 1 == sc->n) ? 0 : c + 1;

        if (peer->effective_weight == peer->weight) {
            if (ngx_http_routini_usable(d, peer, i)) {
                sc->cursor = c;
                *index = i;
                return peer;
            }

        } else if (tries > 1) {
            peer->effective_weight++;
        }

        if (tries > 1) {
            sc->cursor = c;
        }
    }

    if (tries > 1) {
        return ngx_http_routini_pick(d, index);
    }

    best = NULL;
    total = 0;
    p = 0;

    for (j = 0; j < sc->set.n; j++) {
        i = sc->set.peer[j];
        peer = sc->peer[i];

        if (!ngx_http_routini_usable(d, peer, i)) {
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


/* weighted random: drawn by weight until a peer can take the try */

static ngx_http_upstream_rr_peer_t *
ngx_http_routini_random(ngx_http_routini_peer_data_t *pd,
    ngx_http_routini_decision_t *d, ngx_uint_t *index)
{
    return ngx_http_routini_pick(d, index);
}


/*
 * The key's FNV-1a picks a peer by weight among all peers of the list, so
 * a key keeps its peer while the others come and go (a binary search of
 * the weights summed); when that peer cannot take the try, the hash is
 * rehashed (up to 20 times, as nginx's hash does) and then round robin
 * decides.
 */

static ngx_http_upstream_rr_peer_t *
ngx_http_routini_fnv_hash(ngx_http_routini_peer_data_t *pd,
    ngx_http_routini_decision_t *d, ngx_uint_t *index)
{
    u_char                         n;
    uint32_t                       hash;
    ngx_uint_t                     i, w, lo, hi;
    ngx_http_routini_schedule_t   *sc;

    sc = d->sc;
    hash = pd->hash;

    for (n = 0; n < 20 && sc->total; n++) {

        w = hash % sc->total;
        i = w;

        if (sc->sum) {

            /* the first peer whose sum is above w */

            lo = 0;
            hi = sc->npeers - 1;

            while (lo < hi) {
                i = lo + (hi - lo) / 2;

                if (sc->sum[i] > w) {
                    hi = i;

                } else {
                    lo = i + 1;
                }
            }

            i = lo;
        }

        if (ngx_http_routini_usable(d, sc->peer[i], i)) {
            *index = i;
            return sc->peer[i];
        }

        hash = ngx_http_routini_fnv1a(hash, &n, 1);
    }

    return ngx_http_routini_round_robin(pd, d, index);
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
 * that can take the try, among the peers of NGX_HTTP_ROUTINI_RING_WALK
 * points; past them, the first usable peer of the set from the key's
 * place in it.
 */

static ngx_http_upstream_rr_peer_t *
ngx_http_routini_consistent(ngx_http_routini_peer_data_t *pd,
    ngx_http_routini_decision_t *d, ngx_uint_t *index)
{
    size_t                    k;
    uint32_t                  p;
    ngx_uint_t                list;
    ngx_http_routini_ring_t  *ring;

    list = pd->backup;

    if (!(pd->conf->ring_built & ((ngx_uint_t) 1 << list))) {
        ngx_http_routini_ring_first_use(pd->conf, list);
    }

    ring = &pd->conf->ring[list];

    if (ring->npoints == 0) {
        return ngx_http_routini_round_robin(pd, d, index);
    }

    k = ngx_http_routini_ring_seek(ring, pd->hash);
    p = ring->points[k].peer;

    if (ngx_http_routini_usable(d, d->peer[p], p)
        || ngx_http_routini_ring_walk(ring, k, NGX_HTTP_ROUTINI_RING_WALK,
                                      ngx_http_routini_usable_at, d, &p)
        || ngx_http_routini_set_walk(&d->sc->set,
                      (uint32_t) (((uint64_t) pd->hash * d->sc->set.n) >> 32),
                      ngx_http_routini_usable_at, d, &p))
    {
        *index = p;
        return d->peer[p];
    }

    return NULL;
}


/*
 * Least active/weight, active counted across all workers in the zone.
 * Up to NGX_HTTP_ROUTINI_EXACT_MAX peers in the set, the scan starts at
 * the worker's next peer in smooth weighted round robin order and keeps
 * the first peer with the lowest ratio, so ties rotate by weight as with
 * nginx's least_conn; an idle peer ends it.  Above, the better of two
 * peers drawn by weight (power of two choices), the first drawn on a tie.
 */

static ngx_http_upstream_rr_peer_t *
ngx_http_routini_fewest(ngx_http_routini_peer_data_t *pd,
    ngx_http_routini_decision_t *d, ngx_uint_t *index)
{
    uint32_t                       two[2];
    ngx_uint_t                     i, j, k, m, p, a, end, best_a,
                                   weighted;
    ngx_http_routini_schedule_t   *sc;
    ngx_http_upstream_rr_peer_t   *peer, *best;

    sc = d->sc;
    m = sc->set.n;

    if (m > NGX_HTTP_ROUTINI_EXACT_MAX) {
        switch (ngx_http_routini_set_pick(&sc->set, &ngx_http_routini_rng,
                                          ngx_http_routini_usable_at, d, two,
                                          2))
        {
        case 0:
            return NULL;

        case 2:
            if (ngx_http_routini_fewer(sc->shm[two[1]]->active,
                                       sc->peer[two[1]]->weight,
                                       sc->shm[two[0]]->active,
                                       sc->peer[two[0]]->weight))
            {
                two[0] = two[1];
            }
        }

        *index = two[0];
        return sc->peer[two[0]];
    }

    if (sc->n) {
        i = sc->order[sc->cursor];
        sc->cursor = (sc->cursor + 1 == sc->n) ? 0 : sc->cursor + 1;

    } else {
        i = sc->cursor;
        sc->cursor = (sc->cursor + 1 == sc->npeers) ? 0 : sc->cursor + 1;
    }

    best = NULL;
    best_a = 0;
    p = 0;
    weighted = (sc->set.prob != NULL);

    /* a peer that would not beat the best so far is not checked further */

    for (j = sc->pos[i], end = j + m; j < end; j++) {
        peer = sc->speer[j];
        a = sc->sshm[j]->active;

        if (best
            && (weighted ? !ngx_http_routini_fewer(a, peer->weight, best_a,
                                                   best->weight)
                         : a >= best_a))
        {
            continue;
        }

        k = sc->set.peer[(j < m) ? j : j - m];

        if (!ngx_http_routini_usable(d, peer, k)) {
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
 * sample borrows the lowest measured average, so a new peer is tried
 * without flooding it.  A peer no worker has picked for
 * NGX_HTTP_ROUTINI_PROBE ms takes the next try (one worker wins it), so a
 * slow or failed peer that recovered is measured again.  Failed tries add
 * NGX_HTTP_ROUTINI_FAIL_PENALTY to their sample, so failing fast does not
 * look fast.  Ties go to the peer picked least recently.  Up to
 * NGX_HTTP_ROUTINI_EXACT_MAX peers in the set, every one is looked at;
 * above, two drawn by weight (ngx_http_routini_fastest_two()).
 */

static ngx_http_upstream_rr_peer_t *
ngx_http_routini_fastest(ngx_http_routini_peer_data_t *pd,
    ngx_http_routini_decision_t *d, ngx_uint_t *index)
{
    uint64_t                       cost, best_cost, lat, min_lat;
    ngx_uint_t                     i, j, m, p, weighted;
    ngx_msec_t                     msec, best_picked;
    ngx_http_routini_peer_shm_t   *sh;
    ngx_http_routini_schedule_t   *sc;
    ngx_http_upstream_rr_peer_t   *peer, *best;

    sc = d->sc;

    m = sc->set.n;

    if (m > NGX_HTTP_ROUTINI_EXACT_MAX) {
        return ngx_http_routini_fastest_two(d, index);
    }

    msec = ngx_current_msec;
    min_lat = (uint64_t) -1;

    for (j = 0; j < m; j++) {
        sh = sc->sshm[j];

        if ((ngx_msec_int_t) (msec - sh->picked) >= NGX_HTTP_ROUTINI_PROBE
            && ngx_http_routini_usable(d, sc->speer[j], sc->set.peer[j])
            && ngx_http_routini_probe(sh, msec))
        {
            *index = sc->set.peer[j];
            return sc->speer[j];
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
    weighted = (sc->set.prob != NULL);

    for (j = 0; j < m; j++) {
        sh = sc->sshm[j];
        peer = sc->speer[j];

        lat = sh->samples ? sh->latency : min_lat;
        cost = ngx_max(lat, 1) * (sh->active + 1);

        /* with equal weights, the products with weights fold away */

        if (best
            && (weighted
                ? !ngx_http_routini_cheaper(cost, peer->weight, sh, best_cost,
                                            best->weight, best_picked)
                : !ngx_http_routini_cheaper(cost, 1, sh, best_cost, 1,
                                            best_picked)))
        {
            continue;
        }

        i = sc->set.peer[j];

        if (!ngx_http_routini_usable(d, peer, i)) {
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
 * The power of two choices on fastest's cost: a probe, else the cheaper
 * of the two; an unmeasured one borrows the other's average.
 */

static ngx_http_upstream_rr_peer_t *
ngx_http_routini_fastest_two(ngx_http_routini_decision_t *d,
    ngx_uint_t *index)
{
    size_t                         n;
    uint32_t                       two[2];
    uint64_t                       la, lb;
    ngx_msec_t                     msec;
    ngx_http_routini_peer_shm_t   *a, *b;
    ngx_http_routini_schedule_t   *sc;

    sc = d->sc;
    msec = ngx_current_msec;

    n = ngx_http_routini_set_pick(&sc->set, &ngx_http_routini_rng,
                                  ngx_http_routini_usable_at, d, two, 2);
    if (n == 0) {
        return NULL;
    }

    a = sc->shm[two[0]];

    if (n == 2 && !ngx_http_routini_probe(a, msec)) {
        b = sc->shm[two[1]];

        la = a->samples ? a->latency
                        : (b->samples ? b->latency
                                      : NGX_HTTP_ROUTINI_LATENCY_FLOOR);
        lb = b->samples ? b->latency : la;

        if (ngx_http_routini_probe(b, msec)
            || ngx_http_routini_cheaper(ngx_max(lb, 1) * (b->active + 1),
                                        sc->peer[two[1]]->weight, b,
                                        ngx_max(la, 1) * (a->active + 1),
                                        sc->peer[two[0]]->weight, a->picked))
        {
            two[0] = two[1];
        }
    }

    *index = two[0];

    return sc->peer[two[0]];
}


/*
 * cost a on weight wa (of the peer of sh) is below cost b on weight wb,
 * or equal and picked before picked_b
 */

static ngx_inline ngx_uint_t
ngx_http_routini_cheaper(uint64_t a, uint64_t wa,
    ngx_http_routini_peer_shm_t *sh, uint64_t b, uint64_t wb,
    ngx_msec_t picked_b)
{
    return a * wb < b * wa
           || (a * wb == b * wa
               && (ngx_msec_int_t) (sh->picked - picked_b) < 0);
}


/* a peer no worker has picked for NGX_HTTP_ROUTINI_PROBE ms: one wins it */

static ngx_int_t
ngx_http_routini_probe(ngx_http_routini_peer_shm_t *sh, ngx_msec_t msec)
{
    ngx_msec_t  picked;

    picked = sh->picked;

    return (ngx_msec_int_t) (msec - picked) >= NGX_HTTP_ROUTINI_PROBE
           && ngx_atomic_cmp_set(&sh->picked, picked, msec);
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


/*
 * A list whose set is empty (every peer "down", drained, downed or
 * unhealthy) has no peer for any strategy: the backups, or nginx's "no
 * live upstreams".
 */

ngx_http_upstream_rr_peer_t *
ngx_http_routini_choose(ngx_http_routini_peer_data_t *pd, ngx_uint_t base,
    ngx_uint_t *index)
{
    ngx_http_routini_decision_t  d;

    d.sc = &pd->conf->schedule[base ? 1 : 0];
    d.tried = pd->retry ? pd->rrp.tried : NULL;
    d.peer = d.sc->peer;
    d.single = pd->rrp.peers->single;
    d.restricted = ngx_http_routini_upstream_restricted(pd->conf);

    if (d.sc->set.n == 0) {
        return NULL;
    }

    return ngx_http_routini_strategies[pd->strategy](pd, &d, index);
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

    if (peers == NULL) {
        return NGX_OK;
    }

    /* fnv_hash's sums, over every peer */

    sc->total = 0;

    if (peers->weighted) {
        sc->sum = ngx_palloc(cf->pool, peers->number * sizeof(ngx_uint_t));
        if (sc->sum == NULL) {
            return NGX_ERROR;
        }
    }

    for (peer = peers->peer, i = 0; peer; peer = peer->next, i++) {
        sc->total += peer->weight;

        if (sc->sum) {
            sc->sum[i] = sc->total;
        }
    }

    if (peers->number > 0xffff) {
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


/*
 * Peer pointers as this worker sees them (an upstream zone moves them),
 * and room for the set.  Also seeds the worker's draws.
 */

ngx_int_t
ngx_http_routini_schedule_init_process(ngx_cycle_t *cycle,
    ngx_http_routini_schedule_t *sc, ngx_http_upstream_rr_peers_t *peers,
    ngx_http_routini_peer_shm_t **shm)
{
    ngx_uint_t                    i, n;
    ngx_http_upstream_rr_peer_t  *peer;

    sc->peer = NULL;
    sc->cursor = 0;
    sc->set.n = 0;

    ngx_http_routini_rng = ((uint64_t) ngx_random() << 32)
                           ^ ((uint64_t) ngx_pid << 16) ^ ngx_random() ^ 1;

    if (peers == NULL) {
        return NGX_OK;
    }

    n = peers->number;

    sc->peer = ngx_palloc(cycle->pool,
                          n * sizeof(ngx_http_upstream_rr_peer_t *));
    sc->shm = ngx_palloc(cycle->pool,
                         n * sizeof(ngx_http_routini_peer_shm_t *));
    sc->set.peer = ngx_palloc(cycle->pool, 5 * n * sizeof(uint32_t));
    sc->weight = ngx_palloc(cycle->pool, n * sizeof(double));
    sc->skip = ngx_palloc(cycle->pool, (sc->n + 1) * sizeof(uint16_t));
    sc->speer = ngx_palloc(cycle->pool,
                           2 * n * sizeof(ngx_http_upstream_rr_peer_t *));
    sc->sshm = ngx_palloc(cycle->pool,
                          2 * n * sizeof(ngx_http_routini_peer_shm_t *));

    if (sc->peer == NULL || sc->shm == NULL || sc->set.peer == NULL
        || sc->weight == NULL || sc->skip == NULL || sc->speer == NULL
        || sc->sshm == NULL)
    {
        return NGX_ERROR;
    }

    sc->set.alias = sc->set.peer + n;
    sc->pos = sc->set.alias + n;
    sc->work = sc->pos + n;

    for (peer = peers->peer, i = 0; peer; peer = peer->next, i++) {
        sc->peer[i] = peer;
        sc->shm[i] = shm[i];
    }

    ngx_http_routini_schedule_refresh(sc);

    return NGX_OK;
}


/*
 * The set again, after a change of flags: O(peers + order), in the worker
 * that sees the change on its next decision.
 */

void
ngx_http_routini_schedule_refresh(ngx_http_routini_schedule_t *sc)
{
    ngx_uint_t                    i, c, m, q, next, equal;
    ngx_http_upstream_rr_peer_t  *peer;

    if (sc->peer == NULL) {
        return;
    }

    m = 0;
    equal = 1;

    for (i = 0; i < sc->npeers; i++) {
        peer = sc->peer[i];

        if (peer->down || sc->shm[i]->flags) {
            continue;
        }

        if (m && peer->weight != sc->peer[sc->set.peer[0]]->weight) {
            equal = 0;
        }

        sc->set.peer[m] = i;
        sc->weight[m] = (double) peer->weight;
        sc->speer[m] = peer;
        sc->sshm[m] = sc->shm[i];
        m++;
    }

    sc->set.n = m;

    for (i = 0; i < m; i++) {
        sc->speer[m + i] = sc->speer[i];
        sc->sshm[m + i] = sc->sshm[i];
    }

    if (m == 0) {
        return;
    }

    /* by list index, the set position of it or of the next one, wrapping */

    for (q = m, i = sc->npeers; i-- > 0; /* void */) {
        if (q > 0 && sc->set.peer[q - 1] == i) {
            q--;
        }

        sc->pos[i] = (q == m) ? 0 : q;
    }

    /* by order position, the next position of a peer of the set */

    for (next = sc->n, c = sc->n; c-- > 0; /* void */) {
        if (sc->set.peer[sc->pos[sc->order[c]]] == sc->order[c]) {
            next = c;
        }

        sc->skip[c] = (uint16_t) next;
    }

    for (c = sc->n; c-- > 0 && sc->skip[c] == sc->n; /* void */) {
        sc->skip[c] = sc->skip[0];
    }

    if (equal) {
        sc->set.prob = NULL;
        return;
    }

    sc->set.prob = sc->work + sc->npeers;
    ngx_http_routini_set_weigh(&sc->set, sc->weight, sc->work);
}
