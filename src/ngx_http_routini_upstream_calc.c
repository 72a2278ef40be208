
/*
 * Copyright (C) routini authors
 */


#include <string.h>

#include "ngx_http_routini_upstream_calc.h"


#define NGX_HTTP_ROUTINI_FNV_PRIME  16777619u


static void ngx_http_routini_ring_sort(ngx_http_routini_ring_point_t *points,
    ngx_http_routini_ring_point_t *tmp, size_t n);
static void ngx_http_routini_decided(ngx_http_routini_decide_out_t *out,
    int strategy, int above, const char *metric, double value,
    double threshold);


uint32_t
ngx_http_routini_fnv1a(uint32_t hash, const void *data, size_t len)
{
    size_t                i;
    const unsigned char  *p;

    p = data;

    for (i = 0; i < len; i++) {
        hash ^= p[i];
        hash *= NGX_HTTP_ROUTINI_FNV_PRIME;
    }

    return hash;
}


/* murmur3's finalizer: FNV-1a of names that differ in one byte is poorly
 * spread over the ring */

uint32_t
ngx_http_routini_mix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;

    return h;
}


size_t
ngx_http_routini_ring_size(ngx_http_routini_ring_peer_t *peers, size_t n)
{
    int     scaled;
    size_t  i, sum;
    double  total, share;

    /* in double: a sum of n weights of up to 2^63 - 1 cannot overflow */

    total = 0;

    for (i = 0; i < n; i++) {
        total += (double) peers[i].weight;
    }

    scaled = (total * NGX_HTTP_ROUTINI_RING_POINTS
              > NGX_HTTP_ROUTINI_RING_MAX);
    sum = 0;

    for (i = 0; i < n; i++) {

        if (scaled) {
            share = (double) peers[i].weight * NGX_HTTP_ROUTINI_RING_MAX
                    / total;
            peers[i].npoints = (share < 1) ? 1 : (uint32_t) share;

        } else {
            /* each weight is at most NGX_HTTP_ROUTINI_RING_MAX / 160 */
            peers[i].npoints = (uint32_t) peers[i].weight
                               * NGX_HTTP_ROUTINI_RING_POINTS;
        }

        sum += peers[i].npoints;
    }

    return sum;
}


size_t
ngx_http_routini_ring_build(ngx_http_routini_ring_point_t *points,
    ngx_http_routini_ring_point_t *tmp,
    const ngx_http_routini_ring_peer_t *peers, size_t n)
{
    size_t         i, total;
    uint32_t       base, j;
    unsigned char  num[4];

    total = 0;

    for (i = 0; i < n; i++) {
        base = ngx_http_routini_fnv1a(NGX_HTTP_ROUTINI_FNV_BASIS,
                                      peers[i].name, peers[i].len);

        for (j = 0; j < peers[i].npoints; j++) {
            num[0] = (unsigned char) (j >> 24);
            num[1] = (unsigned char) (j >> 16);
            num[2] = (unsigned char) (j >> 8);
            num[3] = (unsigned char) j;

            points[total].hash = ngx_http_routini_mix32(
                                ngx_http_routini_fnv1a(base, num, sizeof(num)));
            points[total].peer = (uint32_t) i;
            total++;
        }
    }

    ngx_http_routini_ring_sort(points, tmp, total);

    return total;
}


/*
 * LSD radix sort by hash, a byte at a time: hashing and sorting 524,288
 * points take 24-32 ms, qsort alone took 100-115.  It is stable and the
 * points come in by peer, so equal hashes stay ordered by peer and the
 * ring is the same in every process.
 */

static void
ngx_http_routini_ring_sort(ngx_http_routini_ring_point_t *points,
    ngx_http_routini_ring_point_t *tmp, size_t n)
{
    size_t                          i, b, pos, c;
    size_t                          count[4][256];
    ngx_http_routini_ring_point_t  *from, *to, *swap;

    memset(count, 0, sizeof(count));

    for (i = 0; i < n; i++) {
        for (b = 0; b < 4; b++) {
            count[b][(points[i].hash >> (8 * b)) & 0xff]++;
        }
    }

    from = points;
    to = tmp;

    /* four passes: the sorted points end where they started */

    for (b = 0; b < 4; b++) {
        pos = 0;

        for (i = 0; i < 256; i++) {
            c = count[b][i];
            count[b][i] = pos;
            pos += c;
        }

        for (i = 0; i < n; i++) {
            to[count[b][(from[i].hash >> (8 * b)) & 0xff]++] = from[i];
        }

        swap = from;
        from = to;
        to = swap;
    }
}


size_t
ngx_http_routini_ring_find(const ngx_http_routini_ring_point_t *points,
    size_t npoints, uint32_t hash)
{
    size_t  lo, hi, mid;

    lo = 0;
    hi = npoints;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (points[mid].hash < hash) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    return (lo == npoints) ? 0 : lo;
}


size_t
ngx_http_routini_ring_buckets(size_t npoints)
{
    size_t  n;

    for (n = 1; n * 8 <= npoints && n < ((size_t) 1 << 31); n *= 2) {
        /* void */
    }

    return n;
}


void
ngx_http_routini_ring_index(ngx_http_routini_ring_t *ring, size_t nbuckets)
{
    size_t    b, k;
    uint32_t  shift;

    for (shift = 32; ((size_t) 1 << (32 - shift)) < nbuckets; shift--) {
        /* void */
    }

    ring->shift = shift;
    k = 0;

    for (b = 0; b < nbuckets; b++) {
        while (k < ring->npoints
               && (uint64_t) ring->points[k].hash
                  < ((uint64_t) b << shift))
        {
            k++;
        }

        ring->bucket[b] = (uint32_t) k;
    }

    ring->bucket[nbuckets] = (uint32_t) ring->npoints;
}


size_t
ngx_http_routini_ring_seek(const ngx_http_routini_ring_t *ring,
    uint32_t hash)
{
    size_t    lo, hi, mid;
    uint32_t  b;

    b = (ring->shift == 32) ? 0 : hash >> ring->shift;
    lo = ring->bucket[b];
    hi = ring->bucket[b + 1];

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (ring->points[mid].hash < hash) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    return (lo == ring->npoints) ? 0 : lo;
}


int
ngx_http_routini_ring_walk(const ngx_http_routini_ring_t *ring, size_t k,
    size_t max, ngx_http_routini_usable_pt usable, void *data,
    uint32_t *peer)
{
    size_t    j;
    uint32_t  p, last;

    last = ring->points[k].peer;

    for (j = 0; j < max && j + 1 < ring->npoints; j++) {
        k = (k + 1 == ring->npoints) ? 0 : k + 1;
        p = ring->points[k].peer;

        if (p == last) {
            continue;
        }

        last = p;

        if (usable(data, p)) {
            *peer = p;
            return 1;
        }
    }

    return 0;
}


/*
 * Vose's alias method: each position keeps its slot with probability
 * prob / 2^32 and otherwise gives it to its alias.  Positions under the
 * mean weight are paired with ones over it; work holds the under ones
 * from its start and the over ones from its end.
 */

void
ngx_http_routini_set_weigh(ngx_http_routini_set_t *set, double *w,
    uint32_t *work)
{
    double    sum;
    uint32_t  i, n, small, large, s, l;

    n = set->n;
    sum = 0;

    for (i = 0; i < n; i++) {
        sum += w[i];
    }

    small = 0;
    large = n;

    for (i = 0; i < n; i++) {
        w[i] = w[i] * n / sum;

        if (w[i] < 1) {
            work[small++] = i;

        } else {
            work[--large] = i;
        }
    }

    while (small && large < n) {
        s = work[--small];
        l = work[large++];

        set->prob[s] = (uint32_t) (w[s] * 4294967296.0);
        set->alias[s] = l;

        w[l] -= 1 - w[s];

        if (w[l] < 1) {
            work[small++] = l;

        } else {
            work[--large] = l;
        }
    }

    /* what is left weighs 1, give or take rounding: kept */

    while (small) {
        s = work[--small];
        set->prob[s] = 0xffffffff;
        set->alias[s] = s;
    }

    while (large < n) {
        l = work[large++];
        set->prob[l] = 0xffffffff;
        set->alias[l] = l;
    }
}


void
ngx_http_routini_decide(int current, const ngx_http_routini_decide_in_t *in,
    const ngx_http_routini_decide_conf_t *conf,
    ngx_http_routini_decide_out_t *out)
{
    int     busy;
    double  h, conn, lat, conn_min;

    conn = (in->min_active == 0) ? (double) in->max_active
                                 : (double) in->max_active / in->min_active;

    lat = (in->nmeasured >= 2 && in->min_latency > 0)
          ? in->max_latency / in->min_latency : 1.0;

    /* the active strategy's own thresholds are lowered by hysteresis */

    h = (current == NGX_HTTP_ROUTINI_DECIDE_FEWEST) ? conf->hysteresis : 1.0;
    conn_min = (double) conf->min_connections * h;
    busy = (double) in->max_active >= conn_min;

    if (busy && conn > conf->connections_ratio * h) {
        ngx_http_routini_decided(out, NGX_HTTP_ROUTINI_DECIDE_FEWEST, 1,
                                 "connections ratio", conn,
                                 conf->connections_ratio * h);
        return;
    }

    h = (current == NGX_HTTP_ROUTINI_DECIDE_FASTEST) ? conf->hysteresis : 1.0;

    if (lat > conf->latency_ratio * h) {
        ngx_http_routini_decided(out, NGX_HTTP_ROUTINI_DECIDE_FASTEST, 1,
                                 "latency ratio", lat,
                                 conf->latency_ratio * h);
        return;
    }

    /* round robin, and why the previous strategy was left */

    if (current == NGX_HTTP_ROUTINI_DECIDE_FEWEST && !busy) {
        ngx_http_routini_decided(out, NGX_HTTP_ROUTINI_DECIDE_ROUND_ROBIN, 0,
                                 "busiest peer connections",
                                 (double) in->max_active, conn_min);

    } else if (current == NGX_HTTP_ROUTINI_DECIDE_FEWEST) {
        ngx_http_routini_decided(out, NGX_HTTP_ROUTINI_DECIDE_ROUND_ROBIN, 0,
                                 "connections ratio", conn,
                                 conf->connections_ratio * conf->hysteresis);

    } else {
        ngx_http_routini_decided(out, NGX_HTTP_ROUTINI_DECIDE_ROUND_ROBIN, 0,
                                 "latency ratio", lat,
                                 conf->latency_ratio * h);
    }
}


static void
ngx_http_routini_decided(ngx_http_routini_decide_out_t *out, int strategy,
    int above, const char *metric, double value, double threshold)
{
    out->strategy = strategy;
    out->above = above;
    out->metric = metric;
    out->value = value;
    out->threshold = threshold;
}
