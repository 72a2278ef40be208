/*
 * Unit tests of the balancer's arithmetic: the ketama ring (its size,
 * order and walk) and the adaptive decision rule
 * (src/ngx_http_routini_upstream_calc.c).
 *
 *     make -f test/unit/balancer.mk unit-test-balancer
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

    return ngx_http_routini_ring_walk(ring, k, ring_usable, probe, peer);
}


/* what the walk must answer: the first point clockwise of a usable peer */

static int
ring_lap(const ngx_http_routini_ring_t *ring, uint32_t hash,
    const uint8_t *ok, uint32_t *peer)
{
    size_t  j, k;

    k = ngx_http_routini_ring_find(ring->points, ring->npoints, hash);

    for (j = 0; j < ring->npoints; j++) {
        *peer = ring->points[(k + j) % ring->npoints].peer;

        if (ok[*peer]) {
            return 1;
        }
    }

    return 0;
}


static void
test_ring_walk(void)
{
    int                             found;
    char                            buf[200][24];
    size_t                          i, k, n, wrong, once;
    uint8_t                         ok[200];
    uint32_t                        peer, lap;
    uint64_t                        seen[4];
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
    ring.npeers = 200;
    ring.seen = seen;

    /* no usable peer: each of the 200 is asked exactly once */

    memset(ok, 0, sizeof(ok));

    for (k = 0; k < 20; k++) {
        memset(&probe, 0, sizeof(probe));
        probe.ok = ok;

        CHECK(ring_next(&ring, key_hash((unsigned) k), &probe, &peer) == 0,
              "no usable peer, key %zu: found peer %u", k, peer);

        once = 0;

        for (i = 0; i < 200; i++) {
            once += (probe.asked[i] == 1);
        }

        CHECK(probe.calls == 200 && once == 200,
              "no usable peer, key %zu: %zu questions, %zu peers asked once "
              "(a lap asks %zu)", k, probe.calls, once, ring.npoints);
    }

    /* one usable peer: found, each other peer asked at most once */

    for (k = 0; k < 200; k += 7) {
        memset(&probe, 0, sizeof(probe));
        memset(ok, 0, sizeof(ok));
        ok[k] = 1;
        probe.ok = ok;

        CHECK(ring_next(&ring, key_hash((unsigned) k), &probe, &peer) == 1
              && peer == k && probe.calls <= 200,
              "only peer %zu usable: found %u after %zu questions", k, peer,
              probe.calls);
    }

    /* any usable set: the same peer as a lap of the ring */

    wrong = 0;

    for (k = 0; k < 2000; k++) {
        for (i = 0; i < 200; i++) {
            ok[i] = ((key_hash((unsigned) (k * 200 + i)) % 100) < k % 100);
        }

        memset(&probe, 0, sizeof(probe));
        probe.ok = ok;
        peer = 0;
        lap = 0;

        found = ring_next(&ring, key_hash((unsigned) k), &probe, &peer);

        if (found != ring_lap(&ring, key_hash((unsigned) k), ok, &lap)
            || (found && peer != lap))
        {
            wrong++;
        }
    }

    CHECK(wrong == 0, "%zu of 2000 keys differ from a lap", wrong);

    free(scratch);
    free(ring.points);
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
    test_ring_order();
    test_decide();

    if (failures) {
        printf("balancer unit tests: %d FAILED\n", failures);
        return 1;
    }

    printf("balancer unit tests: ok\n");
    return 0;
}
