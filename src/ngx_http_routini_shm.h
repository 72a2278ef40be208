
/*
 * Copyright (C) routini authors
 */


#ifndef _NGX_HTTP_ROUTINI_SHM_H_INCLUDED_
#define _NGX_HTTP_ROUTINI_SHM_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/*
 * The routini zone holds named records: counters of a route, state of an
 * upstream or a peer.  Configuration code asks for a record by name and size
 * with ngx_http_routini_shm_bind(); when the zone is initialized (start-up
 * and every reload) each record is found by name or allocated, and the
 * pointer the caller gave is set to its data.  So the request path only
 * follows a pointer: no lock, no allocation.  A record whose name and size
 * are unchanged across a reload is adopted, so its counters keep counting.
 *
 * A record is freed only when no live process can write it: see
 * ngx_http_routini_shm.c.
 *
 * Record data is zeroed when created and aligned to a cache line, or, for
 * ngx_http_routini_shm_bind_each(), to a word.  A cache-line record is a
 * chunk of the zone's slab pool; a word-aligned one of up to
 * NGX_HTTP_ROUTINI_RUN_MAX bytes is, once records of its size fill a page,
 * a slot of a run, pages of the pool carved into slots of one size
 * (ngx_http_routini_shm.c), so that it costs its size rounded up to 8
 * bytes, not to a power of two.
 *
 * The data pointer is kept until the zone is initialized: it must not point
 * into memory that moves before then, such as an ngx_array_t that may still
 * grow.  Callers bind into fixed allocations or arrays sized beforehand
 * (balancer peers, routes, health peers sized from the servers).
 */


#define NGX_HTTP_ROUTINI_CACHE_LINE  64
#define NGX_HTTP_ROUTINI_MAX_SLOTS   64
#define NGX_HTTP_ROUTINI_MAX_PROCS   256

/* the largest record a run holds, and the slot sizes, 8 bytes apart */
#define NGX_HTTP_ROUTINI_RUN_MAX     1024
#define NGX_HTTP_ROUTINI_RUN_CLASSES (NGX_HTTP_ROUTINI_RUN_MAX / 8)


/* a process that may write records: a worker, registered at its start */
typedef struct {
    ngx_pid_t                   pid;          /* 0: a free entry */
    ngx_int_t                   worker;       /* ngx_worker */
    ngx_uint_t                  generation;   /* of its configuration */
    void                       *inflight;     /* its configuration's
                                                 in-flight tallies */
} ngx_http_routini_proc_t;


typedef struct {
    ngx_rbtree_t                rbtree;
    ngx_rbtree_node_t           sentinel;
    ngx_uint_t                  generation;   /* of the configuration in
                                                 use by the newest workers */
    ngx_uint_t                  pending;      /* being initialized, 0: none */
    ngx_uint_t                  floor;        /* processes the table had no
                                                 room for: the oldest
                                                 generation, 0: none */
    ngx_atomic_t                records;
    ngx_atomic_t                bytes;        /* record bytes in use */
    ngx_http_routini_proc_t     procs[NGX_HTTP_ROUTINI_MAX_PROCS];
    ngx_queue_t                 runs[NGX_HTTP_ROUTINI_RUN_CLASSES];
                                              /* per slot size: the runs
                                                 with a free slot */
    uint32_t                    population[NGX_HTTP_ROUTINI_RUN_CLASSES];
                                              /* per slot size: records,
                                                 in runs or chunks */
} ngx_http_routini_shm_t;


typedef struct {
    ngx_str_t                   name;
    uint32_t                    size;
    uint32_t                    align;        /* of the data */
    void                      **data;
} ngx_http_routini_shm_bind_t;


/* records bound for every object of an array: see shm_bind_each() */
typedef struct {
    ngx_array_t                *objects;      /* of pointers */
    ngx_str_t                   prefix;       /* of the records' names */
    size_t                      name_offset;  /* of an ngx_str_t */
    size_t                      data_offset;  /* of the data pointer */
    uint32_t                    size;
} ngx_http_routini_shm_set_t;


/* a counter of requests in flight: the field at offset of a bound record */
typedef struct {
    void                      **data;
    size_t                      offset;
} ngx_http_routini_shm_inflight_t;


void ngx_http_routini_shm_set_zone(ngx_shm_zone_t *zone, void *rmcf);
ngx_int_t ngx_http_routini_shm_bind(ngx_conf_t *cf, ngx_str_t *name,
    size_t size, void **data);
ngx_int_t ngx_http_routini_shm_bind_each(ngx_conf_t *cf, ngx_array_t *objects,
    ngx_str_t *prefix, size_t name_offset, size_t data_offset, size_t size);
ngx_int_t ngx_http_routini_shm_bind_inflight(ngx_conf_t *cf, void **data,
    size_t offset, ngx_uint_t *index);
ngx_shm_zone_t *ngx_http_routini_shm_zone(ngx_conf_t *cf);
char *ngx_http_routini_shm_init_conf(ngx_conf_t *cf);
size_t ngx_http_routini_shm_needed(ngx_conf_t *cf, ngx_uint_t copies);
ngx_uint_t ngx_http_routini_shm_nslots(ngx_conf_t *cf);

ngx_int_t ngx_http_routini_shm_commit(ngx_cycle_t *cycle);
ngx_int_t ngx_http_routini_shm_register(ngx_cycle_t *cycle);
void ngx_http_routini_shm_unregister(ngx_cycle_t *cycle);
ngx_atomic_t *ngx_http_routini_shm_inflight_row(ngx_cycle_t *cycle);


/*
 * Counters are kept in slots: a worker adds to slot (ngx_worker % nslots)
 * with an atomic add, readers sum all slots.  With a slot per worker no two
 * workers write the same cache line; the atomic add keeps counts exact even
 * when worker_processes changed and two workers share a slot.
 */

#define ngx_http_routini_slot(nslots)  (ngx_worker % (nslots))

#define ngx_http_routini_slot_size(size)                                     \
    ngx_align(size, NGX_HTTP_ROUTINI_CACHE_LINE)


#endif /* _NGX_HTTP_ROUTINI_SHM_H_INCLUDED_ */
