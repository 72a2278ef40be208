/*
 * Unit tests of the balancer's arithmetic: the ketama ring (its size,
 * order and walk) and the adaptive decision rule
 * (src/ngx_http_routini_upstream_calc.c).
 *
 *     make unit-balancer
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_routini_upstream_calc.h"


static int  failures;


#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            failures++;                                                       \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                       \
            printf(__VA_ARGS__);                                              \
            printf("\n");                                                     \
        }                                                                     \
    } while (0)


static ngx_http_routini_ring_point_t  ring4[4 * 3 * 160], ring3[3 * 3 * 160],
                                      tmp[4 * 3 * 160];


static uint32_t
key_hash(unsigned k)
{
    char  buf[32];
    int   n;

    n = snprintf(buf, sizeof(buf), "10.0.%u.%u", k / 256, k % 256);

    return ngx_http_routini_mix32(
        ngx_http_routini_fnv1a(NGX_HTTP_ROUTINI_FNV_BASIS, buf, (size_t) n));
}


static void
ring_peer(ngx_http_routini_ring_peer_t *peer, const char *name,
    uint64_t weight)
{
    peer->name = (const unsigned char *) name;
    peer->len = strlen(name);
    peer->weight = weight;
}


/* ngx_http_routini_ring_size() for weights only */

static size_t
ring_size(const uint64_t *weights, size_t n, uint32_t *npoints)
{
    size_t                        i, sum;
    ngx_http_routini_ring_peer_t  peers[200];

    for (i = 0; i < n; i++) {
        ring_peer(&peers[i], "10.0.0.1:80", weights[i]);
    }

    sum = ngx_http_routini_ring_size(peers, n);

    for (i = 0; i < n; i++) {
        npoints[i] = peers[i].npoints;
    }

    return sum;
}


static void
test_ring(void)
{
    const char                    *names[4] = {
        "10.1.0.1:80", "10.1.0.2:80", "10.1.0.3:80", "10.1.0.4:80"
    };
    size_t                         n4, n3, i, moved, wrong, count[4], removed;
    uint32_t                       a, b, h;
    ngx_http_routini_ring_peer_t   peers[4];

    for (i = 0; i < 4; i++) {
        ring_peer(&peers[i], names[i], 1);
    }

    n4 = ngx_http_routini_ring_size(peers, 4);
    CHECK(n4 == 4 * 160, "4 peers of weight 1 give %zu points", n4);

    n4 = ngx_http_routini_ring_build(ring4, tmp, peers, 4);
    CHECK(n4 == 4 * 160, "4 peers give %zu points", n4);

    for (i = 1; i < n4; i++) {
        CHECK(ring4[i - 1].hash <= ring4[i].hash, "ring sorted at %zu", i);
    }

    /* remove peer 1 of 4: only its keys move, about a quarter */

    {
        uint32_t                      map3[3] = { 0, 2, 3 };
        ngx_http_routini_ring_peer_t  peers3[3];

        peers3[0] = peers[0];
        peers3[1] = peers[2];
        peers3[2] = peers[3];

        n3 = ngx_http_routini_ring_build(ring3, tmp, peers3, 3);

        moved = 0;
        wrong = 0;
        removed = 0;
        memset(count, 0, sizeof(count));

        for (i = 0; i < 1000; i++) {
            h = key_hash((unsigned) i);
            a = ring4[ngx_http_routini_ring_find(ring4, n4, h)].peer;
            b = map3[ring3[ngx_http_routini_ring_find(ring3, n3, h)].peer];

            count[a]++;

            if (a == 1) {
                removed++;
            }

            if (a != b) {
                moved++;

                if (a != 1) {
                    wrong++;
                }
            }
        }

        printf("consistent: removing 1 of 4 peers moved %zu of 1000 keys "
               "(%zu were on it); spread %zu/%zu/%zu/%zu\n",
               moved, removed, count[0], count[1], count[2], count[3]);

        CHECK(moved <= 350, "moved %zu of 1000 keys", moved);
        CHECK(wrong == 0, "%zu keys of remaining peers moved", wrong);

        for (i = 0; i < 4; i++) {
            CHECK(count[i] >= 150 && count[i] <= 350,
                  "peer %zu has %zu of 1000 keys", i, count[i]);
        }
    }

    /* weights 3:1 */

    peers[0].weight = 3;
    n3 = ngx_http_routini_ring_size(peers, 2);
    CHECK(n3 == 4 * 160, "weights 3+1 give %zu points", n3);

    n3 = ngx_http_routini_ring_build(ring3, tmp, peers, 2);

    memset(count, 0, sizeof(count));

    for (i = 0; i < 4000; i++) {
        count[ring3[ngx_http_routini_ring_find(ring3, n3, key_hash(i))].peer]++;
    }

    printf("consistent: weights 3:1 over 4000 keys: %zu:%zu\n",
           count[0], count[1]);

    CHECK(count[0] >= 2600 && count[0] <= 3400, "weight 3 got %zu of 4000",
          count[0]);

    /* wrap around */

    CHECK(ngx_http_routini_ring_find(ring4, n4, 0xffffffffu) == 0
          || ring4[n4 - 1].hash == 0xffffffffu, "wraps to the first point");
    CHECK(ngx_http_routini_ring_find(ring4, n4, 0) == 0, "0 finds point 0");
}


static void
test_ring_size(void)
{
    size_t    i, sum;
    uint32_t  np[200];
    uint64_t  w[200];

    w[0] = 1;
    w[1] = 1;
    sum = ring_size(w, 2, np);
    CHECK(sum == 320 && np[0] == 160 && np[1] == 160,
          "weights 1, 1: %zu points (%u, %u)", sum, np[0], np[1]);

    for (i = 0; i < 200; i++) {
        w[i] = 10;
    }

    sum = ring_size(w, 200, np);
    CHECK(sum == 320000 && np[0] == 1600 && np[199] == 1600,
          "200 weights of 10: %zu points (%u each)", sum, np[0]);

    /* the largest total weight that is not scaled, and one more */

    w[0] = NGX_HTTP_ROUTINI_RING_MAX / NGX_HTTP_ROUTINI_RING_POINTS;
    sum = ring_size(w, 1, np);
    CHECK(np[0] == w[0] * NGX_HTTP_ROUTINI_RING_POINTS,
          "weight %u: %u points", (unsigned) w[0], np[0]);

    w[1] = 1;
    sum = ring_size(w, 2, np);
    CHECK(sum <= NGX_HTTP_ROUTINI_RING_MAX + 2 && np[0] > 3000 * np[1],
          "weights %u, 1: %zu points (%u, %u)", (unsigned) w[0], sum,
          np[0], np[1]);

    /* 26843546 * 160 overflows 32 bits (64 points), 2^32 + 1 truncated to
     * 32 bits is 1: both must still outweigh a weight of 1 */

    w[0] = 26843546;
    w[1] = 1;
    sum = ring_size(w, 2, np);
    CHECK(np[0] >= NGX_HTTP_ROUTINI_RING_MAX - 1 && np[1] == 1
          && sum <= NGX_HTTP_ROUTINI_RING_MAX + 2,
          "weights 26843546, 1: %u, %u points", np[0], np[1]);

    w[0] = 0x100000001ull;
    sum = ring_size(w, 2, np);
    CHECK(np[0] >= NGX_HTTP_ROUTINI_RING_MAX - 1 && np[1] == 1,
          "weights 2^32 + 1, 1: %u, %u points", np[0], np[1]);

    /* nginx's largest weight, three times: no overflow of the sum */

    w[0] = w[1] = w[2] = 0x7fffffffffffffffull;
    sum = ring_size(w, 3, np);
    CHECK(sum <= NGX_HTTP_ROUTINI_RING_MAX + 3
          && np[0] == np[1] && np[1] == np[2]
          && np[0] >= NGX_HTTP_ROUTINI_RING_MAX / 3 - 1,
          "three weights of 2^63 - 1: %u points each", np[0]);

    /* scaled, the shares keep their proportion */

    w[0] = 100000;
    w[1] = 50000;
    w[2] = 1;
    sum = ring_size(w, 3, np);
    CHECK(sum <= NGX_HTTP_ROUTINI_RING_MAX + 3
          && np[0] >= 2 * np[1] - 1 && np[0] <= 2 * np[1] + 1 && np[2] >= 1,
          "weights 100000, 50000, 1: %u, %u, %u points", np[0], np[1],
          np[2]);
}


typedef struct {
    size_t           calls;
    size_t           asked[200];
    const uint8_t   *ok;                 /* peer may take the try */
} ring_probe_t;


static int
ring_usable(void *data, uint32_t peer)
{
    ring_probe_t  *probe = data;

    probe->calls++;
    probe->asked[peer]++;

    return probe->ok[peer];
}


/* the strategy's use: the key's point, then a walk if its peer cannot */

static int
ring_next(ngx_http_routini_ring_t *ring, uint32_t hash, ring_probe_t *probe,
    uint32_t *peer)
{
    size_t  k;

    k = ngx_http_routini_ring_find(ring->points, ring->npoints, hash);
    *peer = ring->points[k].peer;

    if (ring_usable(probe, *peer)) {
        return 1;
    }

    return ngx_http_routini_ring_walk(ring, k, NGX_HTTP_ROUTINI_RING_WALK,
                                      ring_usable, probe, peer);
}


/*
 * What the walk must answer: the first point clockwise of a usable peer;
 * returns how many points after the key's that is, or -1
 */

static long
ring_lap(const ngx_http_routini_ring_t *ring, uint32_t hash,
    const uint8_t *ok, uint32_t *peer)
{
    size_t  j, k;

    k = ngx_http_routini_ring_find(ring->points, ring->npoints, hash);

    for (j = 0; j < ring->npoints; j++) {
        *peer = ring->points[(k + j) % ring->npoints].peer;

        if (ok[*peer]) {
            return (long) j;
        }
    }

    return -1;
}


static void
test_ring_walk(void)
{
    int                             found;
    char                            buf[200][24];
    long                            far;
    size_t                          i, k, n, wrong, beyond;
    uint8_t                         ok[200];
    uint32_t                        peer, lap, h;
    ring_probe_t                    probe;
    ngx_http_routini_ring_t         ring;
    ngx_http_routini_ring_peer_t    peers[200];
    ngx_http_routini_ring_point_t  *scratch;

    /* 200 peers of weight 10 */

    for (i = 0; i < 200; i++) {
        snprintf(buf[i], sizeof(buf[i]), "10.2.%zu.%zu:80", i / 100, i % 100);
        ring_peer(&peers[i], buf[i], 10);
    }

    n = ngx_http_routini_ring_size(peers, 200);

    ring.points = malloc(n * sizeof(ngx_http_routini_ring_point_t));
    scratch = malloc(n * sizeof(ngx_http_routini_ring_point_t));

    if (ring.points == NULL || scratch == NULL) {
        CHECK(0, "no memory for a ring of %zu points", n);
        return;
    }

    ring.npoints = ngx_http_routini_ring_build(ring.points, scratch, peers,
                                               200);

    /* no usable peer: the key's point and at most RING_WALK more asked */

    memset(ok, 0, sizeof(ok));

    for (k = 0; k < 20; k++) {
        memset(&probe, 0, sizeof(probe));
        probe.ok = ok;

        CHECK(ring_next(&ring, key_hash((unsigned) k), &probe, &peer) == 0,
              "no usable peer, key %zu: found peer %u", k, peer);

        CHECK(probe.calls >= 2
              && probe.calls <= 1 + NGX_HTTP_ROUTINI_RING_WALK,
              "no usable peer, key %zu: %zu questions (at most %d)", k,
              probe.calls, 1 + NGX_HTTP_ROUTINI_RING_WALK);
    }

    /*
     * any usable set: the same peer as a lap of the ring when that peer's
     * point is within the walk's reach, else none
     */

    wrong = 0;
    beyond = 0;

    for (k = 0; k < 2000; k++) {
        for (i = 0; i < 200; i++) {
            ok[i] = ((key_hash((unsigned) (k * 200 + i)) % 100) < k % 100);
        }

        memset(&probe, 0, sizeof(probe));
        probe.ok = ok;
        peer = 0;
        lap = 0;

        found = ring_next(&ring, key_hash((unsigned) k), &probe, &peer);
        far = ring_lap(&ring, key_hash((unsigned) k), ok, &lap);

        if (far > NGX_HTTP_ROUTINI_RING_WALK) {
            beyond++;
        }

        if (far >= 0 && far <= NGX_HTTP_ROUTINI_RING_WALK
            ? !found || peer != lap : found)
        {
            wrong++;
        }

        if (probe.calls > 1 + NGX_HTTP_ROUTINI_RING_WALK) {
            wrong++;
        }
    }

    /* the buckets find the point the binary search over all finds */

    ring.bucket = malloc((ngx_http_routini_ring_buckets(ring.npoints) + 1)
                         * sizeof(uint32_t));
    if (ring.bucket == NULL) {
        CHECK(0, "no memory for the buckets");
        return;
    }

    ngx_http_routini_ring_index(&ring,
                                ngx_http_routini_ring_buckets(ring.npoints));

    for (k = 0; k < 100000; k++) {
        h = (k < 4) ? (uint32_t) 0 - (uint32_t) k : key_hash((unsigned) k);

        if (ngx_http_routini_ring_seek(&ring, h)
            != ngx_http_routini_ring_find(ring.points, ring.npoints, h))
        {
            wrong++;
        }
    }

    free(ring.bucket);

    printf("consistent: 2000 keys, usable share 0-99%%: %zu keys' peer "
           "beyond the walk's %d points\n", beyond,
           NGX_HTTP_ROUTINI_RING_WALK);

    CHECK(wrong == 0, "%zu of 2000 keys differ from a lap", wrong);

    free(scratch);
    free(ring.points);
}


/* the set's draws: a peer is usable when ok[peer] */

typedef struct {
    size_t           calls;
    const uint8_t   *ok;
} set_probe_t;


static int
set_usable(void *data, uint32_t peer)
{
    set_probe_t  *probe = data;

    probe->calls++;

    return probe->ok[peer];
}


#define SET_N  1000


static uint32_t  set_peer[SET_N], set_prob[SET_N], set_alias[SET_N],
                 set_work[SET_N];
static double    set_w[SET_N];


/* n peers, peer i of weight weight[i % 4], i usable when ok[i] */

static void
set_init(ngx_http_routini_set_t *set, uint32_t n, const double *weight)
{
    uint32_t  i;

    set->peer = set_peer;
    set->alias = set_alias;
    set->prob = weight ? set_prob : NULL;
    set->n = n;

    for (i = 0; i < n; i++) {
        set_peer[i] = i;
        set_w[i] = weight ? weight[i % 4] : 1;
    }

    if (weight) {
        ngx_http_routini_set_weigh(set, set_w, set_work);
    }
}


/*
 * Weights 1, 2, 3, 4 over 1,000 peers, half of them unusable: 400,000
 * draws of one usable peer give each weight class its share of the
 * usable weight (within 1%); the draw alone, every peer its weight.
 */

static void
test_set_weights(void)
{
    static const double     weight[4] = { 1, 2, 3, 4 };
    double                  share, expect, usable_w;
    size_t                  i, d, count[4], got;
    uint8_t                 ok[SET_N];
    uint32_t                p;
    uint64_t                rng;
    set_probe_t             probe;
    ngx_http_routini_set_t  set;

    set_init(&set, SET_N, weight);
    rng = 42;

    memset(count, 0, sizeof(count));

    for (d = 0; d < 400000; d++) {
        count[ngx_http_routini_set_draw(&set, &rng) % 4]++;
    }

    for (i = 0; i < 4; i++) {
        share = count[i] / 400000.0;
        expect = weight[i] / 10;
        CHECK(share > expect * 0.98 && share < expect * 1.02,
              "draw: weight %g has %.4f of the draws, expected %.4f",
              weight[i], share, expect);
    }

    /* every other pair unusable: 0 1 usable, 2 3 not, ... */

    usable_w = 0;

    for (i = 0; i < SET_N; i++) {
        ok[i] = (i / 2) % 2 == 0 || i % 4 == 3;
        usable_w += ok[i] ? weight[i % 4] : 0;
    }

    memset(count, 0, sizeof(count));
    memset(&probe, 0, sizeof(probe));
    probe.ok = ok;
    got = 0;

    for (d = 0; d < 400000; d++) {
        if (ngx_http_routini_set_pick(&set, &rng, set_usable, &probe, &p, 1)
            == 1)
        {
            CHECK(ok[p], "pick gave unusable peer %u", p);
            count[p % 4]++;
            got++;
        }
    }

    CHECK(got == 400000, "%zu of 400000 picks found a peer", got);

    for (i = 0; i < 4; i++) {
        expect = weight[i] * (SET_N / 4) / usable_w;

        if (i == 2) {
            expect = 0;
        }

        share = count[i] / 400000.0;

        printf("set: weight %g, %s: %.4f of the picks (expected %.4f)\n",
               weight[i], i == 2 ? "unusable" : "usable", share, expect);

        CHECK(share >= expect * 0.99 && share <= expect * 1.01,
              "pick: weight %g has %.4f of the picks, expected %.4f",
              weight[i], share, expect);
    }
}


/*
 * The bounds: a pick asks at most DRAWS + WALK peers whatever the set's
 * size; with none usable it finds none; in a set of at most WALK peers it
 * finds the only usable one every time.
 */

static void
test_set_bounds(void)
{
    static const double     weight[4] = { 1, 1, 5, 1 };
    size_t                  d, n, most, found;
    uint8_t                 ok[SET_N];
    uint32_t                p, two[2];
    uint64_t                rng;
    set_probe_t             probe;
    ngx_http_routini_set_t  set;

    rng = 7;
    memset(ok, 0, sizeof(ok));
    probe.ok = ok;

    for (n = 2; n <= SET_N; n *= 10) {
        set_init(&set, (uint32_t) n, weight);
        most = 0;
        found = 0;

        for (d = 0; d < 1000; d++) {
            probe.calls = 0;
            found += ngx_http_routini_set_pick(&set, &rng, set_usable, &probe,
                                               two, 2);
            most = probe.calls > most ? probe.calls : most;
        }

        CHECK(found == 0, "%zu peers, none usable: %zu found", n, found);
        CHECK(most <= NGX_HTTP_ROUTINI_DRAWS + NGX_HTTP_ROUTINI_WALK,
              "%zu peers, none usable: %zu asked (at most %d)", n, most,
              NGX_HTTP_ROUTINI_DRAWS + NGX_HTTP_ROUTINI_WALK);
    }

    /* one usable peer of WALK: always found, by the walk if not drawn */

    set_init(&set, NGX_HTTP_ROUTINI_WALK, weight);
    ok[NGX_HTTP_ROUTINI_WALK - 1] = 1;
    found = 0;

    for (d = 0; d < 10000; d++) {
        if (ngx_http_routini_set_pick(&set, &rng, set_usable, &probe, &p, 1)
            && p == NGX_HTTP_ROUTINI_WALK - 1)
        {
            found++;
        }
    }

    CHECK(found == 10000, "one usable of %d: found %zu of 10000 times",
          NGX_HTTP_ROUTINI_WALK, found);

    /* two usable: at least one every time, two distinct when two */

    ok[0] = 1;
    found = 0;

    for (d = 0; d < 10000; d++) {
        n = ngx_http_routini_set_pick(&set, &rng, set_usable, &probe, two, 2);

        if (n == 1 || (n == 2 && two[0] != two[1])) {
            found++;
        }
    }

    CHECK(found == 10000, "two usable of %d: right %zu of 10000 times",
          NGX_HTTP_ROUTINI_WALK, found);
}


/*
 * Power of two choices on fewest connections, simulated: 1,000 peers,
 * each decision adds a try to the better of two drawn peers and the try
 * added 4,000 decisions earlier ends (4 in flight per peer); peer 0 holds
 * 50 tries that never end.  It gets almost nothing, and with weights 1
 * and 3 alternating, the tries in flight follow the weights.
 */

static void
test_p2c(void)
{
    static const double     weight[4] = { 1, 3, 1, 3 };
    size_t                  d, j, held, spread;
    uint8_t                 ok[SET_N];
    uint32_t                two[2], p;
    uint32_t                fifo[4 * SET_N];
    uint64_t                rng, active[SET_N], w1, w3, a1, a3;
    set_probe_t             probe;
    ngx_http_routini_set_t  set;

    memset(ok, 1, sizeof(ok));
    memset(active, 0, sizeof(active));
    probe.ok = ok;
    rng = 3;

    set_init(&set, SET_N, weight);
    active[0] = 50;
    held = 0;

    for (d = 0; d < 200000; d++) {
        if (ngx_http_routini_set_pick(&set, &rng, set_usable, &probe, two, 2)
            != 2)
        {
            CHECK(0, "p2c: fewer than two peers drawn of %d", SET_N);
            return;
        }

        p = two[0];

        if (ngx_http_routini_fewer(active[two[1]],
                                   (uint64_t) weight[two[1] % 4],
                                   active[two[0]],
                                   (uint64_t) weight[two[0] % 4]))
        {
            p = two[1];
        }

        held += (p == 0);
        active[p]++;

        if (d >= 4 * SET_N) {
            active[fifo[d % (4 * SET_N)]]--;
        }

        fifo[d % (4 * SET_N)] = p;
    }

    w1 = 0;
    w3 = 0;
    a1 = 0;
    a3 = 0;
    spread = 0;

    for (j = 1; j < SET_N; j++) {
        if (j % 2) {
            a3 += active[j];
            w3++;

        } else {
            a1 += active[j];
            w1++;
        }

        spread = active[j] > spread ? active[j] : spread;
    }

    printf("p2c: held peer chosen %zu of 200000 times; mean active "
           "weight 1: %.2f, weight 3: %.2f, max %zu\n", held,
           (double) a1 / w1, (double) a3 / w3, spread);

    CHECK(held < 20, "p2c: the peer holding 50 tries was chosen %zu times",
          held);
    CHECK((double) a3 / w3 > 2.5 * a1 / w1
          && (double) a3 / w3 < 3.5 * a1 / w1,
          "p2c: active per weight-3 peer %.2f, per weight-1 peer %.2f",
          (double) a3 / w3, (double) a1 / w1);
}


/*
 * A ring at the maximum is sorted; equal hashes (a server listed twice)
 * are ordered by peer, so every process builds the same ring.
 */

static void
test_ring_order(void)
{
    size_t                          i, n, ties, bad;
    ngx_http_routini_ring_peer_t    peers[3];
    ngx_http_routini_ring_point_t  *points, *scratch;

    ring_peer(&peers[0], "10.3.0.1:80", 100000);
    ring_peer(&peers[1], "10.3.0.2:80", 100000);
    ring_peer(&peers[2], "10.3.0.1:80", 3);

    n = ngx_http_routini_ring_size(peers, 3);

    points = malloc(n * sizeof(ngx_http_routini_ring_point_t));
    scratch = malloc(n * sizeof(ngx_http_routini_ring_point_t));

    if (points == NULL || scratch == NULL) {
        CHECK(0, "no memory for a ring of %zu points", n);
        return;
    }

    n = ngx_http_routini_ring_build(points, scratch, peers, 3);

    ties = 0;
    bad = 0;

    for (i = 1; i < n; i++) {
        if (points[i - 1].hash == points[i].hash) {
            ties++;
            bad += (points[i - 1].peer > points[i].peer);

        } else {
            bad += (points[i - 1].hash > points[i].hash);
        }
    }

    printf("consistent: ring of %zu points (%u, %u, %u), %zu equal hashes\n",
           n, peers[0].npoints, peers[1].npoints, peers[2].npoints, ties);

    CHECK(n <= NGX_HTTP_ROUTINI_RING_MAX + 3, "%zu points", n);
    CHECK(ties >= peers[2].npoints, "%zu equal hashes, peer 2 repeats peer 0",
          ties);
    CHECK(bad == 0, "%zu points out of order", bad);

    free(scratch);
    free(points);
}

static int
decide(int current, uint64_t amin, uint64_t amax, double lmin, double lmax,
    unsigned nmeasured)
{
    ngx_http_routini_decide_in_t    in;
    ngx_http_routini_decide_out_t   out;
    ngx_http_routini_decide_conf_t  conf;

    conf.connections_ratio = 1.2;
    conf.latency_ratio = 2.0;
    conf.min_connections = 1000;
    conf.hysteresis = 0.75;

    in.min_active = amin;
    in.max_active = amax;
    in.min_latency = lmin;
    in.max_latency = lmax;
    in.nmeasured = nmeasured;

    ngx_http_routini_decide(current, &in, &conf, &out);

    return out.strategy;
}


static void
test_decide(void)
{
    enum {
        RR = NGX_HTTP_ROUTINI_DECIDE_ROUND_ROBIN,
        FC = NGX_HTTP_ROUTINI_DECIDE_FEWEST,
        FS = NGX_HTTP_ROUTINI_DECIDE_FASTEST
    };

    /* nothing notable */
    CHECK(decide(RR, 10, 12, 0.01, 0.015, 2) == RR, "calm stays rr");

    /* connections: busy and unbalanced */
    CHECK(decide(RR, 1000, 1300, 0.01, 0.01, 2) == FC, "ratio 1.3 -> fc");
    CHECK(decide(RR, 0, 1000, 0.01, 0.01, 2) == FC, "min 0 counts as max");
    CHECK(decide(RR, 10, 999, 0.01, 0.01, 2) == RR,
          "below min_connections stays rr");
    CHECK(decide(RR, 1000, 1150, 0.01, 0.01, 2) == RR, "ratio 1.15 stays rr");

    /* fewest connections holds until ratio < 1.2 * 0.75 = 0.9 or busiest
     * < 750 */
    CHECK(decide(FC, 1000, 1150, 0.01, 0.01, 2) == FC, "fc holds at 1.15");
    CHECK(decide(FC, 800, 800, 0.01, 0.01, 2) == FC, "fc holds at 1.0");
    CHECK(decide(FC, 700, 740, 0.01, 0.01, 2) == RR, "fc leaves below 750");

    /* latency */
    CHECK(decide(RR, 1, 2, 0.01, 0.123, 2) == FS, "ratio 12.3 -> fastest");
    CHECK(decide(RR, 1, 2, 0.01, 0.019, 2) == RR, "ratio 1.9 stays rr");
    CHECK(decide(FS, 1, 2, 0.01, 0.019, 2) == FS, "fastest holds at 1.9");
    CHECK(decide(FS, 1, 2, 0.01, 0.0151, 2) == FS, "fastest holds at 1.51");
    CHECK(decide(FS, 1, 2, 0.01, 0.0149, 2) == RR, "fastest leaves at 1.49");
    CHECK(decide(RR, 1, 2, 0.01, 0.5, 1) == RR, "one measured peer: no ratio");

    /* connections first */
    CHECK(decide(FS, 0, 2000, 0.01, 0.5, 2) == FC, "fc wins over fastest");
    CHECK(decide(FC, 700, 740, 0.01, 0.5, 2) == FS, "fc -> fastest");
}


int
main(void)
{
    test_ring();
    test_ring_size();
    test_ring_walk();
    test_set_weights();
    test_set_bounds();
    test_p2c();
    test_ring_order();
    test_decide();

    if (failures) {
        printf("balancer unit tests: %d FAILED\n", failures);
        return 1;
    }

    printf("balancer unit tests: ok\n");
    return 0;
}
