
/*
 * Copyright (C) routini authors
 */


/*
 * Balancer decision micro-benchmark: instructions per decision of each
 * strategy at a given peer count, for callgrind.
 *
 *     balancer_bench STRATEGY PEERS UNUSABLE [DECISIONS]
 *
 * STRATEGY is round_robin, random, fnv_hash, consistent,
 * fewest_connections, fastest or adaptive (its engine having chosen
 * fastest, the dearest of its three).  UNUSABLE is none, unhealthy (half
 * of the peers, chosen by a fixed seed, marked unhealthy as the health
 * checks do) or failed (half failed max_fails times within fail_timeout,
 * nginx's passive health, which only the decision itself can see).
 *
 * The decisions go through ngx_http_routini_choose(), the entry point
 * get_peer calls, over an upstream set up as nginx and the module do at
 * start-up (round robin's peer list, the zone's peer records, the
 * schedules, the ring).  Every peer is busy (1 to 8 tries in flight) and
 * measured (latency averages of 1 to 50 ms), so no scan can stop early.
 * Hash strategies get a new key per decision.  Each decision is one call
 * of bench_decide(), for valgrind --toggle-collect=bench_decide: its
 * count, inclusive of everything it calls, divided by DECISIONS.  The
 * program checks every answer is a usable peer.
 *
 * STRATEGY "refresh" measures instead the rebuild of the usable set after
 * a change of flags (ngx_http_routini_schedule_refresh(), which a worker
 * runs once per change, on the decision that sees it): DECISIONS calls of
 * bench_refresh(), for --toggle-collect=bench_refresh.
 *
 * It is compiled with the module's strategy and arithmetic files and
 * nginx's headers (make bench-balancer); the few nginx functions those
 * files call outside a decision are stubbed below.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini_upstream_module.h"


/* nginx's globals and functions the strategy files refer to */

volatile ngx_msec_t       ngx_current_msec;
volatile ngx_time_t      *ngx_cached_time;
volatile ngx_cycle_t     *ngx_cycle;
ngx_pid_t                 ngx_pid;
static ngx_time_t         bench_time;


void *
ngx_palloc(ngx_pool_t *pool, size_t size)
{
    return malloc(size);
}


void *
ngx_pcalloc(ngx_pool_t *pool, size_t size)
{
    return calloc(1, size);
}


void
ngx_log_error_core(ngx_uint_t level, ngx_log_t *log, ngx_err_t err,
    const char *fmt, ...)
{
}


void
ngx_time_update(void)
{
}


void
ngx_http_routini_upstream_recount(ngx_http_routini_upstream_t *u)
{
    u->flag_changes = u->shm->flag_changes;
}


ngx_int_t
ngx_http_routini_upstream_ring(ngx_http_routini_upstream_t *u,
    ngx_uint_t list, ngx_pool_t *pool, ngx_log_t *log)
{
    return NGX_ERROR;
}


static const char  *bench_strategies[] = {
    "round_robin", "random", "fnv_hash", "consistent",
    "fewest_connections", "fastest", "adaptive", NULL
};


static ngx_http_routini_upstream_t     u;
static ngx_http_routini_upstream_shm_t  ushm;
static ngx_http_routini_peer_data_t    pd;


static ngx_http_upstream_rr_peer_t * __attribute__((noinline))
bench_decide(ngx_uint_t *index)
{
    return ngx_http_routini_choose(&pd, 0, index);
}


static void __attribute__((noinline))
bench_refresh(void)
{
    ngx_http_routini_schedule_refresh(&u.schedule[0]);
}


/* the consistent strategy's ring, as upstream_ring() builds it */

static void
bench_ring(ngx_uint_t n)
{
    size_t                          total;
    ngx_uint_t                      i;
    ngx_http_routini_ring_t        *ring;
    ngx_http_routini_ring_peer_t   *rp;
    ngx_http_routini_ring_point_t  *tmp;

    ring = &u.ring[0];
    rp = malloc(n * sizeof(ngx_http_routini_ring_peer_t));

    for (i = 0; i < n; i++) {
        rp[i].name = u.peers[i].name.data;
        rp[i].len = u.peers[i].name.len;
        rp[i].weight = 1;
    }

    total = ngx_http_routini_ring_size(rp, n);
    ring->points = malloc(total * sizeof(ngx_http_routini_ring_point_t));
    tmp = malloc(total * sizeof(ngx_http_routini_ring_point_t));
    ring->npoints = ngx_http_routini_ring_build(ring->points, tmp, rp, n);
    ring->bucket = malloc((ngx_http_routini_ring_buckets(total) + 1)
                          * sizeof(uint32_t));
    ngx_http_routini_ring_index(ring, ngx_http_routini_ring_buckets(total));

    u.ring_built = 3;
}


int
main(int argc, char **argv)
{
    char                           *name;
    uint64_t                        seed;
    ngx_uint_t                      i, n, s, d, decisions, unusable, index,
                                    bad, refresh;
    ngx_conf_t                      cf;
    ngx_cycle_t                     cycle;
    ngx_http_routini_peer_shm_t    *shm, **shmp;
    ngx_http_upstream_rr_peer_t    *peer, *got;
    ngx_http_upstream_rr_peers_t    peers;

    if (argc < 4) {
        fprintf(stderr, "usage: balancer_bench STRATEGY PEERS "
                "none|unhealthy|failed [DECISIONS]\n");
        return 2;
    }

    refresh = (strcmp(argv[1], "refresh") == 0);

    for (s = 0; bench_strategies[s]; s++) {
        if (strcmp(refresh ? "round_robin" : argv[1], bench_strategies[s])
            == 0)
        {
            break;
        }
    }

    n = strtoul(argv[2], NULL, 10);
    unusable = strcmp(argv[3], "unhealthy") == 0 ? 1
               : strcmp(argv[3], "failed") == 0 ? 2 : 0;
    decisions = (argc > 4) ? strtoul(argv[4], NULL, 10) : 100000;

    if (bench_strategies[s] == NULL || n < 2) {
        fprintf(stderr, "balancer_bench: bad strategy or peer count\n");
        return 2;
    }

    bench_time.sec = 1000000;
    ngx_cached_time = &bench_time;
    ngx_current_msec = 1000000000;
    srandom(1);
    seed = 1;

    /* round robin's list, the module's peers and their zone records */

    peer = calloc(n, sizeof(ngx_http_upstream_rr_peer_t));
    shm = calloc(n, sizeof(ngx_http_routini_peer_shm_t));
    shmp = malloc(n * sizeof(ngx_http_routini_peer_shm_t *));
    u.peers = calloc(n, sizeof(ngx_http_routini_peer_t));

    for (i = 0; i < n; i++) {
        name = malloc(32);
        peer[i].name.len = sprintf(name, "10.0.%u.%u:80",
                                   (unsigned) (i / 256), (unsigned) (i % 256));
        peer[i].name.data = (u_char *) name;
        peer[i].weight = 1;
        peer[i].effective_weight = 1;
        peer[i].max_fails = 1;
        peer[i].fail_timeout = 10;
        peer[i].next = (i + 1 < n) ? &peer[i + 1] : NULL;

        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;

        shm[i].active = 1 + (seed >> 33) % 8;
        shm[i].samples = 10;
        shm[i].latency = 1000 + (seed >> 40) % 49000;
        shm[i].picked = ngx_current_msec;
        shmp[i] = &shm[i];

        u.peers[i].name = peer[i].name;
        u.peers[i].weight = 1;
        u.peers[i].shm = &shm[i];

        if (unusable && ((seed >> 20) & 1)) {
            if (unusable == 1) {
                shm[i].flags = NGX_HTTP_ROUTINI_FLAG_UNHEALTHY;
                u.restricted++;

            } else {
                peer[i].fails = 1;
                peer[i].checked = bench_time.sec;
            }
        }
    }

    ngx_memzero(&peers, sizeof(ngx_http_upstream_rr_peers_t));
    peers.number = n;
    peers.total_weight = n;
    peers.peer = peer;

    ngx_memzero(&cf, sizeof(ngx_conf_t));
    ngx_memzero(&cycle, sizeof(ngx_cycle_t));

    u.name.data = (u_char *) "bench";
    u.name.len = 5;
    u.npeers = n;
    u.nprimary = n;
    u.shm = &ushm;
    u.shm_peers = shmp;
    u.strategy = s;

    if (ngx_http_routini_schedule_build(&cf, &u.schedule[0], &peers) != NGX_OK
        || ngx_http_routini_schedule_init_process(&cycle, &u.schedule[0],
                                                  &peers, shmp)
           != NGX_OK)
    {
        fprintf(stderr, "balancer_bench: no memory\n");
        return 1;
    }

    if (s == NGX_HTTP_ROUTINI_CONSISTENT) {
        bench_ring(n);
    }

    pd.conf = &u;
    pd.rrp.peers = &peers;
    pd.rrp.tried = calloc((n + 63) / 64, sizeof(uintptr_t));
    pd.strategy = (s == NGX_HTTP_ROUTINI_ADAPTIVE) ? NGX_HTTP_ROUTINI_FASTEST
                                                   : s;
    pd.current = -1;

    if (refresh) {
        for (d = 0; d < decisions; d++) {
            bench_refresh();
        }

        printf("refreshes: %lu, set: %u\n", (unsigned long) decisions,
               (unsigned) u.schedule[0].set.n);

        return 0;
    }

    bad = 0;

    for (d = 0; d < decisions; d++) {
        pd.hash = ngx_http_routini_mix32((uint32_t) d);

        got = bench_decide(&index);

        if (got == NULL || got != &peer[index] || shm[index].flags
            || peer[index].fails)
        {
            bad++;
        }
    }

    printf("decisions: %lu\nbad: %lu\n", (unsigned long) decisions,
           (unsigned long) bad);

    return bad ? 1 : 0;
}
