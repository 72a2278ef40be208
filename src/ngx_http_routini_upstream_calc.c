
/*
 * Copyright (C) routini authors
 */


#include <stdlib.h>

#include "ngx_http_routini_upstream_calc.h"


#define NGX_HTTP_ROUTINI_FNV_PRIME  16777619u


static int ngx_http_routini_ring_cmp(const void *one, const void *two);


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
ngx_http_routini_ring_build(ngx_http_routini_ring_point_t *points,
    const unsigned char *const *names, const size_t *lens,
    const unsigned *weights, size_t n)
{
    size_t         i, npoints;
    uint32_t       base, j, npeer;
    unsigned char  num[4];

    npoints = 0;

    for (i = 0; i < n; i++) {
        base = ngx_http_routini_fnv1a(NGX_HTTP_ROUTINI_FNV_BASIS, names[i],
                                      lens[i]);

        npeer = weights[i] * NGX_HTTP_ROUTINI_RING_POINTS;

        for (j = 0; j < npeer; j++) {
            num[0] = (unsigned char) (j >> 24);
            num[1] = (unsigned char) (j >> 16);
            num[2] = (unsigned char) (j >> 8);
            num[3] = (unsigned char) j;

            points[npoints].hash = ngx_http_routini_mix32(
                                ngx_http_routini_fnv1a(base, num, sizeof(num)));
            points[npoints].peer = (uint32_t) i;
            npoints++;
        }
    }

    qsort(points, npoints, sizeof(ngx_http_routini_ring_point_t),
          ngx_http_routini_ring_cmp);

    return npoints;
}


static int
ngx_http_routini_ring_cmp(const void *one, const void *two)
{
    const ngx_http_routini_ring_point_t  *a = one, *b = two;

    if (a->hash != b->hash) {
        return (a->hash < b->hash) ? -1 : 1;
    }

    /* equal hashes: order by peer so the ring does not depend on qsort */

    return (a->peer < b->peer) ? -1 : (a->peer > b->peer);
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


void
ngx_http_routini_decide(int current, const ngx_http_routini_decide_in_t *in,
    const ngx_http_routini_decide_conf_t *conf,
    ngx_http_routini_decide_out_t *out)
{
    int     busy, fewest, fastest;
    double  h, conn, lat, conn_min;

    conn = (in->min_active == 0) ? (double) in->max_active
                                 : (double) in->max_active / in->min_active;

    lat = (in->nmeasured >= 2 && in->min_latency > 0)
          ? in->max_latency / in->min_latency : 1.0;

    /* the active strategy's own thresholds are lowered by hysteresis */

    h = (current == NGX_HTTP_ROUTINI_DECIDE_FEWEST) ? conf->hysteresis : 1.0;
    conn_min = (double) conf->min_connections * h;
    busy = (double) in->max_active >= conn_min;
    fewest = busy && conn > conf->connections_ratio * h;

    if (fewest) {
        out->strategy = NGX_HTTP_ROUTINI_DECIDE_FEWEST;
        out->metric = "connections ratio";
        out->value = conn;
        out->threshold = conf->connections_ratio * h;
        out->above = 1;
        return;
    }

    h = (current == NGX_HTTP_ROUTINI_DECIDE_FASTEST) ? conf->hysteresis : 1.0;
    fastest = lat > conf->latency_ratio * h;

    if (fastest) {
        out->strategy = NGX_HTTP_ROUTINI_DECIDE_FASTEST;
        out->metric = "latency ratio";
        out->value = lat;
        out->threshold = conf->latency_ratio * h;
        out->above = 1;
        return;
    }

    out->strategy = NGX_HTTP_ROUTINI_DECIDE_ROUND_ROBIN;
    out->above = 0;

    /* why the previous strategy was left */

    if (current == NGX_HTTP_ROUTINI_DECIDE_FEWEST) {
        if (!busy) {
            out->metric = "busiest peer connections";
            out->value = (double) in->max_active;
            out->threshold = conn_min;

        } else {
            out->metric = "connections ratio";
            out->value = conn;
            out->threshold = conf->connections_ratio * conf->hysteresis;
        }

        return;
    }

    out->metric = "latency ratio";
    out->value = lat;
    out->threshold = conf->latency_ratio
                     * ((current == NGX_HTTP_ROUTINI_DECIDE_FASTEST)
                        ? conf->hysteresis : 1.0);
}
