
/*
 * Copyright (C) routini authors
 *
 * The routini zone: named records, bound when the zone is initialized.
 *
 * Record lifetime.  Configurations are numbered in the zone: the master
 * gives a reload the number after the one in use (pending) when it
 * initializes the zone, stamps every record the new configuration binds
 * with it, and commits it (sh->generation) only once nginx has opened the
 * new configuration's sockets and will start its workers (init_module).
 * A reload that fails, in the zone or later, is rolled back: the records it
 * created are freed and those it adopted get their previous stamp back, so
 * the zone is as it was.
 *
 * Every worker enters (pid, generation) in the zone's process table when it
 * starts and leaves it when it exits; an entry whose pid is gone (kill -9)
 * is cleared by the next process that looks.  The invariant:
 *
 *     a record is freed only if its stamp is older than the committed
 *     generation and than the generation of every live process in the
 *     table,
 *
 * since a record is stamped with the newest configuration that binds it,
 * so no live process can write a freed record.  Records are freed when a
 * reload finds the zone full; when it is still full, the reload fails and
 * says how many records workers of earlier configurations still hold.
 *
 * Each worker also tallies, in its own row of its configuration's
 * "inflight:GENERATION" record, the requests it has in flight on each
 * peer: when it exits, or when its pid is found dead, its tallies are taken
 * off the shared counters, so a killed worker does not leave them behind.
 *
 * Allocation.  Only the master allocates and frees records, under the
 * zone's mutex.  A record is a chunk of nginx's slab pool, which rounds it
 * up to a power of two, or a slot of a run: one to four whole pages taken
 * from the pool and carved into slots of one size, the record's size
 * rounded up to 8 bytes, after a small header
 * (ngx_http_routini_shm_run_t).  Records with cache-line data or larger
 * than NGX_HTTP_ROUTINI_RUN_MAX are chunks.  The others, a route's
 * counters above all, are chunks too until records of their slot size
 * would fill a page, so that a few records of each of many sizes share
 * the slab's pages, and slots from then on (or while a run of their size
 * has a free slot), in runs that hold about as
 * many records as the size has, up to the run of least waste.  The
 * zone's header lists, per slot size, the runs that have a free slot; a
 * freed slot goes back on its run's free list, and a run whose slots are
 * all free goes back to the pool, which can then serve any size again: a
 * reload that finds the zone full frees expired records, and so whole
 * runs, and tries again.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini.h"
#include "ngx_http_routini_shm.h"


/*
 * Freed records are filled with a pattern that is checked when their
 * memory is handed out again: a write by a process that still had a
 * pointer shows.  ASan and valgrind do not see ngx_slab frees.  On in
 * nginx's debug builds (Debian's nginx is one), or -DNGX_HTTP_ROUTINI_POISON.
 */

#ifndef NGX_HTTP_ROUTINI_POISON
#if (NGX_DEBUG)
#define NGX_HTTP_ROUTINI_POISON  1
#else
#define NGX_HTTP_ROUTINI_POISON  0
#endif
#endif

#define NGX_HTTP_ROUTINI_POISON_BYTE  0xa5


/*
 * A record: a 54-byte header, the name, the data.  Configurations are
 * numbered in 32 bits (2^32 reloads).  prev is 0 for a record its stamp's
 * configuration created: stamps start at 1, and a record stamped again
 * keeps the stamp before in prev, so a failed reload frees the records
 * with its stamp and a prev of 0 and gives the others prev back.
 */

typedef struct {
    ngx_rbtree_node_t            node;        /* key: crc32 of the name;
                                                 data: REC_ flags */
    uint32_t                     generation;  /* the newest binding it */
    uint32_t                     prev;        /* before it, 0: none */
    uint32_t                     size;        /* of the data */
    u_short                      len;
    u_char                       name[1];
} ngx_http_routini_shm_rec_t;


/* node.data: the data is on a cache line, not a word */
#define NGX_HTTP_ROUTINI_REC_LINE     0x01

/* node.data: a slot of a run, which starts (node.data >> 2) pages before
 * the page the record starts in */
#define NGX_HTTP_ROUTINI_REC_RUN      0x02

#define NGX_HTTP_ROUTINI_RUN_PAGES    4


/* a run of pages carved into slots of one size, this header first */
typedef struct {
    ngx_queue_t                  queue;       /* in sh->runs while a slot
                                                 is free */
    u_char                      *free;        /* a freed slot, whose first
                                                 word points to the next */
    uint16_t                     size;        /* of a slot */
    uint16_t                     nslots;
    uint16_t                     used;
    uint16_t                     fresh;       /* slots handed out once at
                                                 least */
} ngx_http_routini_shm_run_t;


/* the data of a record "inflight:GENERATION" */
typedef struct {
    ngx_uint_t                   n;           /* counters */
    ngx_uint_t                   rows;        /* one per worker */
    size_t                       row;         /* bytes */
    ngx_atomic_t               **counter;     /* the shared counters */
    u_char                      *first;       /* row 0 */
} ngx_http_routini_shm_inflight_rec_t;


/* records the new configuration cannot use, when it finds no room */
typedef struct {
    ngx_uint_t                   running;     /* the committed one's */
    ngx_uint_t                   older;       /* earlier live workers' */
    size_t                       older_bytes;
    ngx_uint_t                   procs;       /* those workers */
} ngx_http_routini_shm_held_t;


static ngx_int_t ngx_http_routini_shm_name_check(ngx_conf_t *cf,
    ngx_str_t *name, size_t prefix, size_t align);
static ngx_int_t ngx_http_routini_shm_size_check(ngx_conf_t *cf,
    ngx_str_t *name, size_t size);
static void ngx_http_routini_shm_grow(ngx_conf_t *cf);
static ngx_uint_t ngx_http_routini_shm_nbinds(
    ngx_http_routini_main_conf_t *rmcf);
static ngx_http_routini_shm_bind_t *ngx_http_routini_shm_bind_at(
    ngx_http_routini_main_conf_t *rmcf, ngx_uint_t i,
    ngx_http_routini_shm_bind_t *tmp);
static ngx_int_t ngx_http_routini_shm_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_http_routini_shm_t *ngx_http_routini_shm_create(
    ngx_shm_zone_t *shm_zone);
static void *ngx_http_routini_shm_find(ngx_http_routini_shm_t *sh,
    ngx_str_t *name, size_t size);
static void *ngx_http_routini_shm_get(ngx_slab_pool_t *shpool,
    ngx_http_routini_shm_t *sh, ngx_str_t *name, size_t size, size_t align);
static void ngx_http_routini_shm_stamp(ngx_http_routini_shm_rec_t *rec,
    ngx_uint_t generation);
static ngx_int_t ngx_http_routini_shm_inflight_init(ngx_slab_pool_t *shpool,
    ngx_http_routini_shm_t *sh, ngx_http_routini_main_conf_t *rmcf);
static void ngx_http_routini_shm_expire(ngx_slab_pool_t *shpool,
    ngx_http_routini_shm_t *sh);
static ngx_uint_t ngx_http_routini_shm_oldest(ngx_http_routini_shm_t *sh);
static void ngx_http_routini_shm_release(ngx_http_routini_proc_t *proc);
static void ngx_http_routini_shm_rollback(ngx_slab_pool_t *shpool,
    ngx_http_routini_shm_t *sh, ngx_uint_t generation);
static void ngx_http_routini_shm_rollback_cleanup(void *data);
static void ngx_http_routini_shm_held(ngx_http_routini_shm_t *sh,
    ngx_http_routini_shm_held_t *held);
static void ngx_http_routini_shm_carry(ngx_shm_zone_t *shm_zone,
    ngx_http_routini_main_conf_t *rmcf);
static ngx_http_routini_shm_rec_t *ngx_http_routini_shm_alloc(
    ngx_slab_pool_t *shpool, ngx_http_routini_shm_t *sh, size_t size,
    size_t align, ngx_str_t *name);
static u_char *ngx_http_routini_shm_slot(ngx_slab_pool_t *shpool,
    ngx_http_routini_shm_t *sh, size_t slot, ngx_str_t *name,
    ngx_uint_t *data);
static ngx_http_routini_shm_run_t *ngx_http_routini_shm_run(
    ngx_slab_pool_t *shpool, size_t slot, ngx_uint_t population,
    ngx_str_t *name);
static ngx_uint_t ngx_http_routini_shm_run_pages(size_t slot);
static ngx_uint_t ngx_http_routini_shm_run_slots(size_t slot,
    ngx_uint_t pages);
static void ngx_http_routini_shm_free(ngx_slab_pool_t *shpool,
    ngx_http_routini_shm_t *sh, ngx_http_routini_shm_rec_t *rec);
#if (NGX_HTTP_ROUTINI_POISON)
static void ngx_http_routini_shm_poison_check(u_char *p, size_t size,
    ngx_str_t *name);
#endif
static void ngx_http_routini_shm_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static size_t ngx_http_routini_shm_inflight_size(ngx_uint_t n,
    ngx_uint_t rows);
static ngx_uint_t ngx_http_routini_shm_nworkers(ngx_cycle_t *cycle);
static size_t ngx_http_routini_shm_class_size(size_t slot, ngx_uint_t n);
static size_t ngx_http_routini_shm_chunk(size_t size);


#define ngx_http_routini_shm_data_offset(len, align)                         \
    ngx_align(offsetof(ngx_http_routini_shm_rec_t, name) + (len), align)

/* word-aligned records up to NGX_HTTP_ROUTINI_RUN_MAX bytes may be slots */
#define ngx_http_routini_shm_in_run(size, align)                             \
    ((align) == sizeof(ngx_atomic_t) && (size) <= NGX_HTTP_ROUTINI_RUN_MAX)

#define ngx_http_routini_shm_rec_align(rec)                                  \
    (((rec)->node.data & NGX_HTTP_ROUTINI_REC_LINE)                          \
     ? NGX_HTTP_ROUTINI_CACHE_LINE : sizeof(ngx_atomic_t))

#define ngx_http_routini_shm_rec_off(rec)                                    \
    ngx_http_routini_shm_data_offset((rec)->len,                             \
                                     ngx_http_routini_shm_rec_align(rec))

#define ngx_http_routini_shm_rec_size(rec)                                   \
    (ngx_http_routini_shm_rec_off(rec) + (rec)->size)

#define ngx_http_routini_shm_lock(zone)                                      \
    ngx_shmtx_lock(&((ngx_slab_pool_t *) (zone)->shm.addr)->mutex)

#define ngx_http_routini_shm_unlock(zone)                                    \
    ngx_shmtx_unlock(&((ngx_slab_pool_t *) (zone)->shm.addr)->mutex)


ngx_int_t
ngx_http_routini_shm_bind(ngx_conf_t *cf, ngx_str_t *name, size_t size,
    void **data)
{
    ngx_http_routini_shm_bind_t   *b;
    ngx_http_routini_main_conf_t  *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_routini_module);

    if (ngx_http_routini_shm_name_check(cf, name, 0,
                                        NGX_HTTP_ROUTINI_CACHE_LINE)
        != NGX_OK
        || ngx_http_routini_shm_size_check(cf, name, size) != NGX_OK)
    {
        return NGX_ERROR;
    }

    b = ngx_array_push(&rmcf->binds);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->name = *name;
    b->size = (uint32_t) size;
    b->align = NGX_HTTP_ROUTINI_CACHE_LINE;
    b->data = data;

    *data = NULL;

    ngx_http_routini_shm_grow(cf);

    return NGX_OK;
}


/*
 * A record for every object of an array of pointers, its data pointer at
 * data_offset in the object, named prefix and the ngx_str_t at name_offset
 * in it: one entry for them all, not one each (the routes' counters).
 * Their data is packed after the name, word-aligned, so that a small
 * record takes a slot of its size in a run (see the top of this file);
 * every worker writes it at once, with atomic adds.  The array must not
 * grow any more.
 */

ngx_int_t
ngx_http_routini_shm_bind_each(ngx_conf_t *cf, ngx_array_t *objects,
    ngx_str_t *prefix, size_t name_offset, size_t data_offset, size_t size)
{
    u_char                        **obj;
    size_t                          max;
    ngx_str_t                      *name;
    ngx_uint_t                      i;
    ngx_http_routini_shm_set_t     *set;
    ngx_http_routini_main_conf_t   *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_routini_module);

    if (ngx_http_routini_shm_size_check(cf, prefix, size) != NGX_OK) {
        return NGX_ERROR;
    }

    obj = objects->elts;
    max = 0;

    for (i = 0; i < objects->nelts; i++) {
        name = (ngx_str_t *) (obj[i] + name_offset);

        if (ngx_http_routini_shm_name_check(cf, name, prefix->len,
                                            sizeof(ngx_atomic_t))
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        max = ngx_max(max, name->len);

        *(void **) (obj[i] + data_offset) = NULL;
    }

    set = ngx_array_push(&rmcf->sets);
    if (set == NULL) {
        return NGX_ERROR;
    }

    set->objects = objects;
    set->name_offset = name_offset;
    set->data_offset = data_offset;
    set->size = (uint32_t) size;

    set->prefix.len = prefix->len;
    set->prefix.data = ngx_pstrdup(cf->pool, prefix);

    if (set->prefix.data == NULL) {
        return NGX_ERROR;
    }

    /* the names are made in one buffer, one at a time */

    if (prefix->len + max > rmcf->name_size) {
        rmcf->name_size = prefix->len + max;
        rmcf->name_buf = ngx_pnalloc(cf->pool, rmcf->name_size);

        if (rmcf->name_buf == NULL) {
            return NGX_ERROR;
        }
    }

    ngx_http_routini_shm_grow(cf);

    return NGX_OK;
}


/* the record keeps the name's length and its data offset in 16 bits */

static ngx_int_t
ngx_http_routini_shm_name_check(ngx_conf_t *cf, ngx_str_t *name,
    size_t prefix, size_t align)
{
    if (ngx_http_routini_shm_data_offset(prefix + name->len, align) > 0xffff)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "routini: name \"%V\" is too long", name);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* a record's data size is kept in 32 bits */

static ngx_int_t
ngx_http_routini_shm_size_check(ngx_conf_t *cf, ngx_str_t *name,
    size_t size)
{
    if (size > NGX_MAX_UINT32_VALUE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "routini: record \"%V\" needs %uz bytes, "
                           "more than %uD", name, size,
                           (uint32_t) NGX_MAX_UINT32_VALUE);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* records bound after the zone was sized grow the default zone */

static void
ngx_http_routini_shm_grow(ngx_conf_t *cf)
{
    ngx_shm_zone_t                *zone;
    ngx_http_routini_main_conf_t  *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_routini_module);

    zone = rmcf->shm_zone;

    if (zone && !rmcf->zone_explicit) {
        zone->shm.size = ngx_max(zone->shm.size,
                                 ngx_align(ngx_http_routini_shm_needed(cf, 2),
                                           1024 * 1024));
    }
}


/* the records bound: entries, and the objects of every set */

static ngx_uint_t
ngx_http_routini_shm_nbinds(ngx_http_routini_main_conf_t *rmcf)
{
    ngx_uint_t                   k, n;
    ngx_http_routini_shm_set_t  *set;

    n = rmcf->binds.nelts;
    set = rmcf->sets.elts;

    for (k = 0; k < rmcf->sets.nelts; k++) {
        n += set[k].objects->nelts;
    }

    return n;
}


/*
 * The i-th record bound (i < ngx_http_routini_shm_nbinds()): an entry, or
 * one made in *tmp for an object of a set, whose name lasts until the
 * next call.
 */

static ngx_http_routini_shm_bind_t *
ngx_http_routini_shm_bind_at(ngx_http_routini_main_conf_t *rmcf,
    ngx_uint_t i, ngx_http_routini_shm_bind_t *tmp)
{
    u_char                      *obj;
    ngx_str_t                   *name;
    ngx_http_routini_shm_set_t  *set;

    if (i < rmcf->binds.nelts) {
        return (ngx_http_routini_shm_bind_t *) rmcf->binds.elts + i;
    }

    i -= rmcf->binds.nelts;

    for (set = rmcf->sets.elts; i >= set->objects->nelts; set++) {
        i -= set->objects->nelts;
    }

    obj = ((u_char **) set->objects->elts)[i];
    name = (ngx_str_t *) (obj + set->name_offset);

    tmp->name.data = rmcf->name_buf;
    tmp->name.len = ngx_cpymem(ngx_cpymem(rmcf->name_buf, set->prefix.data,
                                          set->prefix.len),
                               name->data, name->len)
                    - rmcf->name_buf;
    tmp->size = set->size;
    tmp->align = sizeof(ngx_atomic_t);
    tmp->data = (void **) (obj + set->data_offset);

    return tmp;
}


/*
 * The counter at offset in the record bound to *data counts requests in
 * flight: each worker tallies its own share in slot *index of its row.
 */

ngx_int_t
ngx_http_routini_shm_bind_inflight(ngx_conf_t *cf, void **data,
    size_t offset, ngx_uint_t *index)
{
    ngx_http_routini_shm_inflight_t  *in;
    ngx_http_routini_main_conf_t     *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_routini_module);

    in = ngx_array_push(&rmcf->inflight);
    if (in == NULL) {
        return NGX_ERROR;
    }

    in->data = data;
    in->offset = offset;

    *index = rmcf->inflight.nelts - 1;

    return NGX_OK;
}


ngx_shm_zone_t *
ngx_http_routini_shm_zone(ngx_conf_t *cf)
{
    ngx_str_t                      name;
    ngx_http_routini_main_conf_t  *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_routini_module);

    if (rmcf->shm_zone) {
        return rmcf->shm_zone;
    }

    ngx_str_set(&name, NGX_HTTP_ROUTINI_DEFAULT_ZONE);

    rmcf->shm_zone = ngx_shared_memory_add(cf, &name,
                                           NGX_HTTP_ROUTINI_DEFAULT_ZONE_SIZE,
                                           &ngx_http_routini_module);
    if (rmcf->shm_zone == NULL) {
        return NULL;
    }

    ngx_http_routini_shm_set_zone(rmcf->shm_zone, rmcf);

    return rmcf->shm_zone;
}


void
ngx_http_routini_shm_set_zone(ngx_shm_zone_t *zone, void *rmcf)
{
    zone->init = ngx_http_routini_shm_init_zone;
    zone->data = rmcf;
}


/* called once the http{} block is parsed: make sure the zone exists and
 * that the default one is large enough for every record bound so far */

char *
ngx_http_routini_shm_init_conf(ngx_conf_t *cf)
{
    size_t                         needed, reload;
    ngx_shm_zone_t                *zone;
    ngx_http_routini_main_conf_t  *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_routini_module);

    if (ngx_http_routini_shm_nbinds(rmcf) == 0 && rmcf->shm_zone == NULL) {
        return NGX_CONF_OK;
    }

    zone = ngx_http_routini_shm_zone(cf);
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    needed = ngx_http_routini_shm_needed(cf, 1);

    /* a reload binds the new records while the running configuration's
     * are still in use: room for both */

    reload = ngx_http_routini_shm_needed(cf, 2);

    if (!rmcf->zone_explicit) {
        /* whole megabytes: a small change keeps the size, and the zone
         * with it, across reloads */
        zone->shm.size = ngx_max(zone->shm.size, ngx_align(reload,
                                                           1024 * 1024));

    } else if (zone->shm.size < needed) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "routini_zone: zone \"%V\" is too small: "
                      "%uz routes, upstreams and peers need at least "
                      "%uzk, increase its size in %s:%ui",
                      &zone->shm.name, ngx_http_routini_shm_nbinds(rmcf),
                      (needed + 1023) / 1024, rmcf->zone_file,
                      rmcf->zone_line);
        return NGX_CONF_ERROR;
    }

    if (ngx_test_config && !ngx_quiet_mode) {
        ngx_log_stderr(0, "routini_zone \"%V\" is %uzk: this configuration "
                       "needs %uzk, a reload that replaces all its records "
                       "%uzk%s", &zone->shm.name, zone->shm.size / 1024,
                       (needed + 1023) / 1024, (reload + 1023) / 1024,
                       zone->shm.size < reload
                       ? " (reloads that change names may fail: increase "
                         "its size)" : "");
    }

    return NGX_CONF_OK;
}


/*
 * An estimate of the zone size the bound records need, copies times (two
 * for a reload), on the side of caution: the slab allocator rounds small
 * chunks to a power of two and large ones to pages, and spends a page
 * descriptor per page; records of a slot size beyond a page of them take
 * their share of runs of the least waste, and one run partly used.
 */

size_t
ngx_http_routini_shm_needed(ngx_conf_t *cf, ngx_uint_t copies)
{
    size_t                         total, records, size;
    uint32_t                       counts[NGX_HTTP_ROUTINI_RUN_CLASSES];
    ngx_uint_t                     i, n;
    ngx_http_routini_shm_bind_t   *b, tmp;
    ngx_http_routini_main_conf_t  *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_routini_module);

    ngx_memzero(counts, sizeof(counts));

    total = ngx_http_routini_shm_chunk(sizeof(ngx_http_routini_shm_t));

    records = 0;
    n = ngx_http_routini_shm_nbinds(rmcf);

    for (i = 0; i < n; i++) {
        b = ngx_http_routini_shm_bind_at(rmcf, i, &tmp);

        size = ngx_http_routini_shm_data_offset(b->name.len, b->align)
               + b->size;

        if (ngx_http_routini_shm_in_run(size, b->align)) {
            counts[ngx_align(size, 8) / 8 - 1]++;

        } else {
            records += ngx_http_routini_shm_chunk(size);
        }
    }

    if (rmcf->inflight.nelts) {
        size = ngx_http_routini_shm_data_offset(NGX_INT_T_LEN + 9,
                                                NGX_HTTP_ROUTINI_CACHE_LINE)
               + ngx_http_routini_shm_inflight_size(rmcf->inflight.nelts,
                                     ngx_http_routini_shm_nworkers(cf->cycle));
        records += ngx_http_routini_shm_chunk(size);
    }

    total += copies * records;

    for (i = 0; i < NGX_HTTP_ROUTINI_RUN_CLASSES; i++) {
        if (counts[i]) {
            total += ngx_http_routini_shm_class_size((i + 1) * 8,
                                                     copies * counts[i]);
        }
    }

    /* page descriptors; a partly used page for each of the slab's chunk
     * sizes; the slab header */

    total += total / ngx_pagesize * sizeof(ngx_slab_page_t);
    total += 12 * ngx_pagesize;

    return total;
}


ngx_uint_t
ngx_http_routini_shm_nslots(ngx_conf_t *cf)
{
    return ngx_min(ngx_http_routini_shm_nworkers(cf->cycle),
                   NGX_HTTP_ROUTINI_MAX_SLOTS);
}


static ngx_uint_t
ngx_http_routini_shm_nworkers(ngx_cycle_t *cycle)
{
    ngx_int_t         n;
    ngx_core_conf_t  *ccf;

    ccf = (ngx_core_conf_t *) ngx_get_conf(cycle->conf_ctx, ngx_core_module);

    /* worker_processes is usually set before http{}; "auto" is ngx_ncpu */

    n = (ccf->worker_processes == NGX_CONF_UNSET) ? ngx_ncpu
                                                   : ccf->worker_processes;

    return ngx_max(1, n);
}


/*
 * In the master, at start-up and on every reload: adopt the records the
 * configuration binds that exist, then allocate the others, freeing what no
 * live process can write if there is no room.  The configuration becomes
 * the zone's only when ngx_http_routini_shm_commit() says nginx uses it.
 */

static ngx_int_t
ngx_http_routini_shm_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_routini_main_conf_t  *rmcf = shm_zone->data;

    void                          *p;
    ngx_str_t                     *what, inflight;
    ngx_uint_t                     i, n, reclaimed, pending;
    ngx_slab_pool_t               *shpool;
    ngx_pool_cleanup_t            *cln;
    ngx_http_routini_shm_t        *sh;
    ngx_http_routini_shm_bind_t   *b, tmp;
    ngx_http_routini_shm_held_t    held;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (data || shm_zone->shm.exists) {
        sh = shpool->data;
        rmcf->zone_reused = 1;

    } else {
        sh = ngx_http_routini_shm_create(shm_zone);
        if (sh == NULL) {
            return NGX_ERROR;
        }
    }

    /* a reload that fails after this point is undone when nginx destroys
     * its cycle; a zone nginx created for it is unmapped before that */

    cln = ngx_pool_cleanup_add(rmcf->cycle->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    ngx_shmtx_lock(&shpool->mutex);

    pending = sh->generation + 1;

    sh->pending = pending;
    rmcf->generation = pending;

    n = ngx_http_routini_shm_nbinds(rmcf);

    /* adopt first, so that what is left is what needs room */

    for (i = 0; i < n; i++) {
        b = ngx_http_routini_shm_bind_at(rmcf, i, &tmp);
        *b->data = ngx_http_routini_shm_find(sh, &b->name, b->size);
    }

    reclaimed = 0;

    for (i = 0; i < n; i++) {
        b = ngx_http_routini_shm_bind_at(rmcf, i, &tmp);

        if (*b->data) {
            continue;
        }

        p = ngx_http_routini_shm_get(shpool, sh, &b->name, b->size, b->align);

        if (p == NULL && !reclaimed) {
            ngx_http_routini_shm_expire(shpool, sh);
            reclaimed = 1;

            p = ngx_http_routini_shm_get(shpool, sh, &b->name, b->size,
                                         b->align);
        }

        if (p == NULL) {
            what = &b->name;
            goto nomem;
        }

        *b->data = p;
    }

    if (ngx_http_routini_shm_inflight_init(shpool, sh, rmcf) != NGX_OK) {
        if (!reclaimed) {
            ngx_http_routini_shm_expire(shpool, sh);
        }

        if (ngx_http_routini_shm_inflight_init(shpool, sh, rmcf) != NGX_OK) {
            ngx_str_set(&inflight, "inflight");
            what = &inflight;
            goto nomem;
        }
    }

    ngx_shmtx_unlock(&shpool->mutex);

    cln->handler = ngx_http_routini_shm_rollback_cleanup;
    cln->data = rmcf;

    if (!rmcf->zone_reused) {
        ngx_http_routini_shm_carry(shm_zone, rmcf);
    }

    return NGX_OK;

nomem:

    /* nginx keeps the running configuration: so does the zone */

    ngx_http_routini_shm_held(sh, &held);
    ngx_http_routini_shm_rollback(shpool, sh, pending);

    ngx_shmtx_unlock(&shpool->mutex);

    if (held.older) {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "routini_zone: zone \"%V\" has no room for the %ui "
                      "records of the new configuration: %ui records (%uzk) "
                      "are still in use by %ui old worker process(es) "
                      "finishing requests of earlier configurations; reload "
                      "again once they have exited (worker_shutdown_timeout "
                      "bounds how long they may take), or increase the "
                      "zone's size (out of memory at \"%V\")",
                      &shm_zone->shm.name, n, held.older,
                      (held.older_bytes + 1023) / 1024, held.procs, what);
        return NGX_ERROR;
    }

    ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                  "routini_zone: zone \"%V\" is too small for %ui records, "
                  "increase its size: a reload needs room for the new "
                  "records beside the %ui of the running configuration "
                  "(\"nginx -t\" tells the size a reload needs; out of "
                  "memory at \"%V\")", &shm_zone->shm.name,
                  n, held.running, what);

    return NGX_ERROR;
}


static ngx_http_routini_shm_t *
ngx_http_routini_shm_create(ngx_shm_zone_t *shm_zone)
{
    size_t                   len;
    ngx_uint_t               i;
    ngx_slab_pool_t         *shpool;
    ngx_http_routini_shm_t  *sh;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    sh = ngx_slab_alloc(shpool, sizeof(ngx_http_routini_shm_t));
    if (sh == NULL) {
        return NULL;
    }

    ngx_memzero(sh, sizeof(ngx_http_routini_shm_t));

    ngx_rbtree_init(&sh->rbtree, &sh->sentinel,
                    ngx_http_routini_shm_rbtree_insert);

    for (i = 0; i < NGX_HTTP_ROUTINI_RUN_CLASSES; i++) {
        ngx_queue_init(&sh->runs[i]);
    }

    shpool->data = sh;

    len = sizeof(" in routini_zone \"\"") + shm_zone->shm.name.len;

    shpool->log_ctx = ngx_slab_alloc(shpool, len);
    if (shpool->log_ctx == NULL) {
        return NULL;
    }

    ngx_sprintf(shpool->log_ctx, " in routini_zone \"%V\"%Z",
                &shm_zone->shm.name);

    shpool->log_nomem = 0;

    return sh;
}


/* commit: nginx uses the configuration now (init_module, in the master) */

ngx_int_t
ngx_http_routini_shm_commit(ngx_cycle_t *cycle)
{
    ngx_slab_pool_t               *shpool;
    ngx_http_routini_shm_t        *sh;
    ngx_http_routini_main_conf_t  *rmcf;

    rmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_routini_module);

    if (rmcf == NULL || rmcf->shm_zone == NULL || rmcf->generation == 0) {
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) rmcf->shm_zone->shm.addr;
    sh = shpool->data;

    ngx_shmtx_lock(&shpool->mutex);

    if (sh->pending == rmcf->generation) {
        sh->generation = sh->pending;
        sh->pending = 0;
    }

    rmcf->committed = 1;

    ngx_shmtx_unlock(&shpool->mutex);

    return NGX_OK;
}


/* a reload that failed after the zone was initialized */

static void
ngx_http_routini_shm_rollback_cleanup(void *data)
{
    ngx_http_routini_main_conf_t  *rmcf = data;

    ngx_slab_pool_t         *shpool;
    ngx_http_routini_shm_t  *sh;

    if (rmcf->committed || !rmcf->zone_reused) {
        return;
    }

    shpool = (ngx_slab_pool_t *) rmcf->shm_zone->shm.addr;
    sh = shpool->data;

    ngx_shmtx_lock(&shpool->mutex);

    if (sh->pending == rmcf->generation) {
        ngx_http_routini_shm_rollback(shpool, sh, rmcf->generation);

        ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                      "routini_zone \"%V\": the failed reload's records "
                      "freed", &rmcf->shm_zone->shm.name);
    }

    ngx_shmtx_unlock(&shpool->mutex);
}


static void
ngx_http_routini_shm_rollback(ngx_slab_pool_t *shpool,
    ngx_http_routini_shm_t *sh, ngx_uint_t generation)
{
    ngx_rbtree_node_t           *node, *next, *root, *sentinel;
    ngx_http_routini_shm_rec_t  *rec;

    root = sh->rbtree.root;
    sentinel = sh->rbtree.sentinel;

    if (root != sentinel) {

        for (node = ngx_rbtree_min(root, sentinel); node; node = next) {

            next = ngx_rbtree_next(&sh->rbtree, node);

            rec = (ngx_http_routini_shm_rec_t *) node;

            if (rec->generation != generation) {
                continue;
            }

            if (rec->prev == 0) {
                ngx_http_routini_shm_free(shpool, sh, rec);

            } else {
                rec->generation = rec->prev;
            }
        }
    }

    sh->pending = 0;
}


/* in a worker, at its start: enter it in the process table */

ngx_int_t
ngx_http_routini_shm_register(ngx_cycle_t *cycle)
{
    ngx_uint_t                     i;
    ngx_slab_pool_t               *shpool;
    ngx_http_routini_shm_t        *sh;
    ngx_http_routini_proc_t       *proc, *free;
    ngx_http_routini_main_conf_t  *rmcf;

    rmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_routini_module);

    if (rmcf == NULL || rmcf->shm_zone == NULL) {
        return NGX_OK;
    }

    if (ngx_process != NGX_PROCESS_WORKER && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) rmcf->shm_zone->shm.addr;
    sh = shpool->data;

    free = NULL;

    ngx_shmtx_lock(&shpool->mutex);

    /* the process this one replaces, when it was killed, is gone now:
     * the master respawns a worker once it has reaped the old one */

    for (i = 0; i < NGX_HTTP_ROUTINI_MAX_PROCS; i++) {
        proc = &sh->procs[i];

        if (proc->pid
            && (proc->pid == ngx_pid
                || (kill(proc->pid, 0) == -1 && ngx_errno == NGX_ESRCH)))
        {
            ngx_http_routini_shm_release(proc);
        }

        if (proc->pid == 0 && free == NULL) {
            free = proc;
        }
    }

    if (free) {
        free->pid = ngx_pid;
        free->worker = ngx_worker;
        free->generation = rmcf->generation;
        free->inflight = rmcf->inflight_rec;

    } else if (sh->floor == 0 || sh->floor > rmcf->generation) {
        /* records of this configuration are then kept for good */
        sh->floor = rmcf->generation;
    }

    ngx_shmtx_unlock(&shpool->mutex);

    if (free == NULL) {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, 0,
                      "routini_zone \"%V\": more than %d processes, records "
                      "of configurations from the %uith on are never freed",
                      &rmcf->shm_zone->shm.name, NGX_HTTP_ROUTINI_MAX_PROCS,
                      rmcf->generation);
    }

    return NGX_OK;
}


/* in a worker, at its exit: what it still tallies is no longer in flight */

void
ngx_http_routini_shm_unregister(ngx_cycle_t *cycle)
{
    ngx_uint_t                     i;
    ngx_slab_pool_t               *shpool;
    ngx_http_routini_shm_t        *sh;
    ngx_http_routini_main_conf_t  *rmcf;

    rmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_routini_module);

    if (rmcf == NULL || rmcf->shm_zone == NULL) {
        return;
    }

    shpool = (ngx_slab_pool_t *) rmcf->shm_zone->shm.addr;
    sh = shpool->data;

    ngx_shmtx_lock(&shpool->mutex);

    for (i = 0; i < NGX_HTTP_ROUTINI_MAX_PROCS; i++) {
        if (sh->procs[i].pid == ngx_pid) {
            ngx_http_routini_shm_release(&sh->procs[i]);
        }
    }

    ngx_shmtx_unlock(&shpool->mutex);
}


/* this worker's in-flight tallies, one per bind_inflight() index */

ngx_atomic_t *
ngx_http_routini_shm_inflight_row(ngx_cycle_t *cycle)
{
    ngx_http_routini_main_conf_t         *rmcf;
    ngx_http_routini_shm_inflight_rec_t  *in;

    rmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_routini_module);

    if (rmcf == NULL || rmcf->inflight_rec == NULL) {
        return NULL;
    }

    in = rmcf->inflight_rec;

    if ((ngx_process != NGX_PROCESS_WORKER
         && ngx_process != NGX_PROCESS_SINGLE)
        || ngx_worker >= in->rows)
    {
        return NULL;
    }

    return (ngx_atomic_t *) (in->first + ngx_worker * in->row);
}


/* a process exited or died: take its tallies off the shared counters */

static void
ngx_http_routini_shm_release(ngx_http_routini_proc_t *proc)
{
    ngx_uint_t                            i;
    ngx_atomic_t                         *row;
    ngx_atomic_uint_t                     v;
    ngx_http_routini_shm_inflight_rec_t  *in;

    in = proc->inflight;

    if (in && (ngx_uint_t) proc->worker < in->rows) {
        row = (ngx_atomic_t *) (in->first + proc->worker * in->row);

        for (i = 0; i < in->n; i++) {
            v = row[i];

            if (v) {
                ngx_atomic_fetch_add(in->counter[i], - (ngx_atomic_int_t) v);
                row[i] = 0;
            }
        }
    }

    ngx_memzero(proc, sizeof(ngx_http_routini_proc_t));
}


static void *
ngx_http_routini_shm_find(ngx_http_routini_shm_t *sh, ngx_str_t *name,
    size_t size)
{
    uint32_t                     hash;
    ngx_int_t                    rc;
    ngx_rbtree_node_t           *node, *sentinel;
    ngx_http_routini_shm_rec_t  *rec;

    hash = ngx_crc32_short(name->data, name->len);

    node = sh->rbtree.root;
    sentinel = sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash != node->key) {
            node = (hash < node->key) ? node->left : node->right;
            continue;
        }

        rec = (ngx_http_routini_shm_rec_t *) node;

        rc = ngx_memn2cmp(name->data, rec->name, name->len, rec->len);

        if (rc == 0 && rec->size == size) {
            if (sh->pending) {
                ngx_http_routini_shm_stamp(rec, sh->pending);
            }

            return (u_char *) rec + ngx_http_routini_shm_rec_off(rec);
        }

        /* the same name with another layout is another record */

        node = (rc < 0 || (rc == 0 && size < rec->size)) ? node->left
                                                         : node->right;
    }

    return NULL;
}


static void *
ngx_http_routini_shm_get(ngx_slab_pool_t *shpool, ngx_http_routini_shm_t *sh,
    ngx_str_t *name, size_t size, size_t align)
{
    void                        *p;
    size_t                       off;
    ngx_http_routini_shm_rec_t  *rec;

    p = ngx_http_routini_shm_find(sh, name, size);
    if (p) {
        return p;
    }

    off = ngx_http_routini_shm_data_offset(name->len, align);

    rec = ngx_http_routini_shm_alloc(shpool, sh, off + size, align, name);
    if (rec == NULL) {
        return NULL;
    }

    /* zeroed, node.data set */

    rec->node.key = ngx_crc32_short(name->data, name->len);
    rec->generation = (uint32_t) sh->pending;
    rec->size = (uint32_t) size;
    rec->len = (u_short) name->len;
    ngx_memcpy(rec->name, name->data, name->len);

    ngx_rbtree_insert(&sh->rbtree, &rec->node);

    sh->records++;
    sh->bytes += off + size;

    return (u_char *) rec + off;
}


static void
ngx_http_routini_shm_stamp(ngx_http_routini_shm_rec_t *rec,
    ngx_uint_t generation)
{
    if (rec->generation != generation) {
        rec->prev = rec->generation;
        rec->generation = (uint32_t) generation;
    }
}


/* the record "inflight:GENERATION": the counters and a row per worker */

static ngx_int_t
ngx_http_routini_shm_inflight_init(ngx_slab_pool_t *shpool,
    ngx_http_routini_shm_t *sh, ngx_http_routini_main_conf_t *rmcf)
{
    u_char                               *p, buf[NGX_INT_T_LEN + 9];
    ngx_str_t                             name;
    ngx_uint_t                            i, n, rows;
    ngx_http_routini_shm_inflight_t      *in;
    ngx_http_routini_shm_inflight_rec_t  *rec;

    n = rmcf->inflight.nelts;

    if (n == 0) {
        rmcf->inflight_rec = NULL;
        return NGX_OK;
    }

    rows = ngx_http_routini_shm_nworkers(rmcf->cycle);

    name.data = buf;
    name.len = ngx_sprintf(buf, "inflight:%ui", sh->pending) - buf;

    p = ngx_http_routini_shm_get(shpool, sh, &name,
                                 ngx_http_routini_shm_inflight_size(n, rows),
                                 NGX_HTTP_ROUTINI_CACHE_LINE);
    if (p == NULL) {
        return NGX_ERROR;
    }

    rec = (ngx_http_routini_shm_inflight_rec_t *) p;

    rec->n = n;
    rec->rows = rows;
    rec->row = ngx_align(n * sizeof(ngx_atomic_t),
                         NGX_HTTP_ROUTINI_CACHE_LINE);

    p += ngx_align(sizeof(ngx_http_routini_shm_inflight_rec_t),
                   NGX_HTTP_ROUTINI_CACHE_LINE);
    rec->counter = (ngx_atomic_t **) p;

    p += ngx_align(n * sizeof(ngx_atomic_t *), NGX_HTTP_ROUTINI_CACHE_LINE);
    rec->first = p;

    in = rmcf->inflight.elts;

    for (i = 0; i < n; i++) {
        rec->counter[i] = (ngx_atomic_t *) ((u_char *) *in[i].data
                                            + in[i].offset);
    }

    rmcf->inflight_rec = rec;

    return NGX_OK;
}


static size_t
ngx_http_routini_shm_inflight_size(ngx_uint_t n, ngx_uint_t rows)
{
    return ngx_align(sizeof(ngx_http_routini_shm_inflight_rec_t),
                     NGX_HTTP_ROUTINI_CACHE_LINE)
           + ngx_align(n * sizeof(ngx_atomic_t *), NGX_HTTP_ROUTINI_CACHE_LINE)
           + rows * ngx_align(n * sizeof(ngx_atomic_t),
                              NGX_HTTP_ROUTINI_CACHE_LINE);
}


/*
 * The zone is full: free the records no live process can write, those
 * stamped before the oldest configuration still in use (the invariant in
 * the comment at the top).
 */

static void
ngx_http_routini_shm_expire(ngx_slab_pool_t *shpool,
    ngx_http_routini_shm_t *sh)
{
    ngx_uint_t                   oldest;
    ngx_rbtree_node_t           *node, *next, *root, *sentinel;
    ngx_http_routini_shm_rec_t  *rec;

    oldest = ngx_http_routini_shm_oldest(sh);

    root = sh->rbtree.root;
    sentinel = sh->rbtree.sentinel;

    if (root == sentinel) {
        return;
    }

    for (node = ngx_rbtree_min(root, sentinel); node; node = next) {

        next = ngx_rbtree_next(&sh->rbtree, node);

        rec = (ngx_http_routini_shm_rec_t *) node;

        if (rec->generation >= oldest) {
            continue;
        }

        ngx_http_routini_shm_free(shpool, sh, rec);
    }
}


/* the oldest configuration a live process may use; clears dead entries */

static ngx_uint_t
ngx_http_routini_shm_oldest(ngx_http_routini_shm_t *sh)
{
    ngx_uint_t                i, oldest;
    ngx_http_routini_proc_t  *proc;

    oldest = sh->generation;

    if (sh->floor && sh->floor < oldest) {
        oldest = sh->floor;
    }

    for (i = 0; i < NGX_HTTP_ROUTINI_MAX_PROCS; i++) {
        proc = &sh->procs[i];

        if (proc->pid == 0) {
            continue;
        }

        if (kill(proc->pid, 0) == -1 && ngx_errno == NGX_ESRCH) {
            ngx_http_routini_shm_release(proc);
            continue;
        }

        if (proc->generation < oldest) {
            oldest = proc->generation;
        }
    }

    return oldest;
}


/* after a failed allocation and expire: who holds the rest */

static void
ngx_http_routini_shm_held(ngx_http_routini_shm_t *sh,
    ngx_http_routini_shm_held_t *held)
{
    ngx_uint_t                   i;
    ngx_rbtree_node_t           *node, *root, *sentinel;
    ngx_http_routini_shm_rec_t  *rec;

    ngx_memzero(held, sizeof(ngx_http_routini_shm_held_t));

    root = sh->rbtree.root;
    sentinel = sh->rbtree.sentinel;

    if (root != sentinel) {

        for (node = ngx_rbtree_min(root, sentinel);
             node;
             node = ngx_rbtree_next(&sh->rbtree, node))
        {
            rec = (ngx_http_routini_shm_rec_t *) node;

            if (rec->generation == sh->generation) {
                held->running++;

            } else if (rec->generation < sh->generation) {
                held->older++;
                held->older_bytes += ngx_http_routini_shm_rec_size(rec);
            }
        }
    }

    for (i = 0; i < NGX_HTTP_ROUTINI_MAX_PROCS; i++) {
        if (sh->procs[i].pid && sh->procs[i].generation < sh->generation) {
            held->procs++;
        }
    }
}


/*
 * A new zone where the old cycle had one of the same name and another size
 * (the default zone grows in whole megabytes): carry every record's state
 * over by name, so API pins, drains, health and counters survive.  Counts
 * of requests in flight stay with the old zone: the old workers take them
 * off there.
 */

static void
ngx_http_routini_shm_carry(ngx_shm_zone_t *shm_zone,
    ngx_http_routini_main_conf_t *rmcf)
{
    void                             *p;
    ngx_uint_t                        i, n, nbinds;
    ngx_list_part_t                  *part;
    ngx_shm_zone_t                   *old, *zone;
    ngx_http_routini_shm_t           *osh;
    ngx_http_routini_shm_bind_t      *b, tmp;
    ngx_http_routini_shm_inflight_t  *in;

    old = NULL;

    /* the running cycle: nginx sets ngx_cycle to the new one afterwards */

    part = &((ngx_cycle_t *) ngx_cycle)->shared_memory.part;
    zone = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            zone = part->elts;
            i = 0;
        }

        if (zone[i].tag == &ngx_http_routini_module
            && zone[i].shm.addr != shm_zone->shm.addr
            && zone[i].shm.name.len == shm_zone->shm.name.len
            && ngx_strncmp(zone[i].shm.name.data, shm_zone->shm.name.data,
                           shm_zone->shm.name.len)
               == 0)
        {
            old = &zone[i];
            break;
        }
    }

    if (old == NULL || old->shm.addr == NULL) {
        return;
    }

    osh = ((ngx_slab_pool_t *) old->shm.addr)->data;

    if (osh == NULL) {
        return;
    }

    n = 0;
    nbinds = ngx_http_routini_shm_nbinds(rmcf);

    /* only the master changes the old zone's tree: no lock needed */

    for (i = 0; i < nbinds; i++) {
        b = ngx_http_routini_shm_bind_at(rmcf, i, &tmp);
        p = ngx_http_routini_shm_find(osh, &b->name, b->size);

        if (p && p != *b->data) {
            ngx_memcpy(*b->data, p, b->size);
            n++;
        }
    }

    in = rmcf->inflight.elts;

    for (i = 0; i < rmcf->inflight.nelts; i++) {
        *(ngx_atomic_t *) ((u_char *) *in[i].data + in[i].offset) = 0;
    }

    ngx_log_error(NGX_LOG_NOTICE, shm_zone->shm.log, 0,
                  "routini_zone \"%V\" is now %uzk (was %uzk): a new zone, "
                  "the state of %ui of its %ui records carried over by name",
                  &shm_zone->shm.name, shm_zone->shm.size / 1024,
                  old->shm.size / 1024, n, nbinds);
}


/* a record of size bytes, zeroed, its node.data set: see the top comment */

static ngx_http_routini_shm_rec_t *
ngx_http_routini_shm_alloc(ngx_slab_pool_t *shpool, ngx_http_routini_shm_t *sh,
    size_t size, size_t align, ngx_str_t *name)
{
    u_char                      *p;
    size_t                       slot;
    uint32_t                    *population;
    ngx_uint_t                   data;
    ngx_http_routini_shm_rec_t  *rec;

    p = NULL;
    population = NULL;
    data = (align == NGX_HTTP_ROUTINI_CACHE_LINE) ? NGX_HTTP_ROUTINI_REC_LINE
                                                  : 0;

    if (ngx_http_routini_shm_in_run(size, align)) {
        slot = ngx_align(size, 8);
        population = &sh->population[slot / 8 - 1];

        /* a run's free slot first, whatever the population now */

        if (*population >= ngx_http_routini_shm_run_slots(slot, 1)
            || !ngx_queue_empty(&sh->runs[slot / 8 - 1]))
        {
            p = ngx_http_routini_shm_slot(shpool, sh, slot, name, &data);
        }
    }

    /* a chunk, also when no run has a free slot and no page is free */

    if (p == NULL) {
        p = ngx_slab_alloc_locked(shpool, size);
        if (p == NULL) {
            return NULL;
        }
    }

#if (NGX_HTTP_ROUTINI_POISON)
    ngx_http_routini_shm_poison_check(p, size, name);
#endif

    ngx_memzero(p, size);

    rec = (ngx_http_routini_shm_rec_t *) p;
    rec->node.data = (u_char) data;

    if (population) {
        (*population)++;
    }

    return rec;
}


/* a slot of slot bytes in a run, NULL when there is no room for a run */

static u_char *
ngx_http_routini_shm_slot(ngx_slab_pool_t *shpool, ngx_http_routini_shm_t *sh,
    size_t slot, ngx_str_t *name, ngx_uint_t *data)
{
    u_char                      *p;
    ngx_queue_t                 *q;
    ngx_http_routini_shm_run_t  *run;

    q = &sh->runs[slot / 8 - 1];

    if (ngx_queue_empty(q)) {
        run = ngx_http_routini_shm_run(shpool, slot,
                                       sh->population[slot / 8 - 1], name);
        if (run == NULL) {
            return NULL;
        }

        ngx_queue_insert_head(q, &run->queue);

    } else {
        run = ngx_queue_data(ngx_queue_head(q), ngx_http_routini_shm_run_t,
                             queue);
    }

    if (run->free) {
        p = run->free;
        run->free = *(u_char **) p;

#if (NGX_HTTP_ROUTINI_POISON)
        /* the link is not a write by a process that kept a pointer */
        ngx_memset(p, NGX_HTTP_ROUTINI_POISON_BYTE, sizeof(void *));
#endif

    } else {
        p = (u_char *) run + sizeof(ngx_http_routini_shm_run_t)
            + run->fresh++ * slot;
    }

    if (++run->used == run->nslots) {
        ngx_queue_remove(&run->queue);
    }

    *data |= NGX_HTTP_ROUTINI_REC_RUN
             | (((ngx_uint_t) (p - (u_char *) run) >> ngx_pagesize_shift)
                << 2);

    return p;
}


/*
 * A new run of slots of slot bytes, none handed out yet: as many pages as
 * the population of the size fills, up to the run of least waste, so that
 * a size with few records does not leave most of a large run unused.
 */

static ngx_http_routini_shm_run_t *
ngx_http_routini_shm_run(ngx_slab_pool_t *shpool, size_t slot,
    ngx_uint_t population, ngx_str_t *name)
{
    ngx_uint_t                   pages;
    ngx_http_routini_shm_run_t  *run;

    pages = ngx_min(ngx_http_routini_shm_run_pages(slot),
                    population / ngx_http_routini_shm_run_slots(slot, 1));

    /* fewer pages when the pool has no free pages that many in a row */

    do {
        run = ngx_slab_alloc_locked(shpool, pages << ngx_pagesize_shift);
    } while (run == NULL && --pages);

    if (run == NULL) {
        return NULL;
    }

#if (NGX_HTTP_ROUTINI_POISON)
    ngx_http_routini_shm_poison_check((u_char *) run,
                                      sizeof(ngx_http_routini_shm_run_t),
                                      name);
#endif

    run->free = NULL;
    run->size = (uint16_t) slot;
    run->nslots = (uint16_t) ngx_http_routini_shm_run_slots(slot, pages);
    run->used = 0;
    run->fresh = 0;

    return run;
}


/*
 * The pages of the run of least waste of slots of slot bytes: of one to
 * four, the number that leaves the least room unused per slot, the fewest
 * on a tie.
 */

static ngx_uint_t
ngx_http_routini_shm_run_pages(size_t slot)
{
    ngx_uint_t  k, n, pages, best;

    pages = 0;
    best = 0;

    for (k = 1; k <= NGX_HTTP_ROUTINI_RUN_PAGES; k++) {
        n = ngx_http_routini_shm_run_slots(slot, k);

        /* k / n < pages / best */

        if (pages == 0 || k * best < pages * n) {
            pages = k;
            best = n;
        }
    }

    return pages;
}


static ngx_uint_t
ngx_http_routini_shm_run_slots(size_t slot, ngx_uint_t pages)
{
    return ngx_min(((pages << ngx_pagesize_shift)
                    - sizeof(ngx_http_routini_shm_run_t))
                   / slot, 0xffff);
}


static void
ngx_http_routini_shm_free(ngx_slab_pool_t *shpool, ngx_http_routini_shm_t *sh,
    ngx_http_routini_shm_rec_t *rec)
{
    u_char                      *p;
    size_t                       size;
    ngx_http_routini_shm_run_t  *run;

    size = ngx_http_routini_shm_rec_size(rec);

    ngx_rbtree_delete(&sh->rbtree, &rec->node);

    sh->records--;
    sh->bytes -= size;

    if (ngx_http_routini_shm_in_run(size, ngx_http_routini_shm_rec_align(rec)))
    {
        sh->population[ngx_align(size, 8) / 8 - 1]--;
    }

    if (!(rec->node.data & NGX_HTTP_ROUTINI_REC_RUN)) {

#if (NGX_HTTP_ROUTINI_POISON)
        ngx_memset(rec, NGX_HTTP_ROUTINI_POISON_BYTE, size);
#endif

        ngx_slab_free_locked(shpool, rec);
        return;
    }

    p = (u_char *) rec;

    run = (ngx_http_routini_shm_run_t *)
              (((uintptr_t) p & ~((uintptr_t) ngx_pagesize - 1))
               - ((uintptr_t) (rec->node.data >> 2) << ngx_pagesize_shift));

#if (NGX_HTTP_ROUTINI_POISON)
    ngx_memset(p, NGX_HTTP_ROUTINI_POISON_BYTE, run->size);
#endif

    *(u_char **) p = run->free;
    run->free = p;

    if (run->used-- == run->nslots) {
        ngx_queue_insert_head(&sh->runs[run->size / 8 - 1], &run->queue);
    }

    if (run->used) {
        return;
    }

    ngx_queue_remove(&run->queue);

#if (NGX_HTTP_ROUTINI_POISON)
    /* its slots are poison, but for the links of the free list */
    ngx_memset(run, NGX_HTTP_ROUTINI_POISON_BYTE,
               sizeof(ngx_http_routini_shm_run_t) + run->fresh * run->size);
#endif

    ngx_slab_free_locked(shpool, run);
}


#if (NGX_HTTP_ROUTINI_POISON)

/* memory the zone never used is zero, what it freed is poison */

static void
ngx_http_routini_shm_poison_check(u_char *p, size_t size, ngx_str_t *name)
{
    u_char  *c;

    for (c = p; c < p + size; c++) {
        if (*c != 0 && *c != NGX_HTTP_ROUTINI_POISON_BYTE) {
            ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0,
                          "routini zone poison check: freed memory was "
                          "written at offset %uz of %uz, allocating "
                          "\"%V\"", (size_t) (c - p), size, name);
            return;
        }
    }
}

#endif


static void
ngx_http_routini_shm_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_int_t                     rc;
    ngx_rbtree_node_t           **p;
    ngx_http_routini_shm_rec_t   *rn, *rt;

    rn = (ngx_http_routini_shm_rec_t *) node;

    for ( ;; ) {

        if (node->key != temp->key) {
            p = (node->key < temp->key) ? &temp->left : &temp->right;

        } else {
            rt = (ngx_http_routini_shm_rec_t *) temp;

            rc = ngx_memn2cmp(rn->name, rt->name, rn->len, rt->len);

            p = (rc < 0 || (rc == 0 && rn->size < rt->size)) ? &temp->left
                                                              : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


/* what n records of a slot size take: see ngx_http_routini_shm_alloc() */

static size_t
ngx_http_routini_shm_class_size(size_t slot, ngx_uint_t n)
{
    size_t      run;
    ngx_uint_t  first, nslots;

    first = ngx_http_routini_shm_run_slots(slot, 1);

    if (n <= first) {
        return n * ngx_http_routini_shm_chunk(slot);
    }

    run = ngx_http_routini_shm_run_pages(slot) << ngx_pagesize_shift;
    nslots = ngx_http_routini_shm_run_slots(slot, run >> ngx_pagesize_shift);

    return first * ngx_http_routini_shm_chunk(slot)
           + ((n - first) * run + nslots - 1) / nslots + run;
}


static size_t
ngx_http_routini_shm_chunk(size_t size)
{
    size_t  chunk;

    if (size > ngx_pagesize / 2) {
        return ngx_align(size, ngx_pagesize);
    }

    for (chunk = 8; chunk < size; chunk <<= 1) { /* void */ }

    return chunk;
}
