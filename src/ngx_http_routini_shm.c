
/*
 * Copyright (C) routini authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_routini.h"
#include "ngx_http_routini_shm.h"


typedef struct {
    ngx_rbtree_node_t            node;        /* key: crc32 of the name */
    ngx_uint_t                   generation;  /* last bound */
    size_t                       size;
    u_short                      len;
    u_char                       name[1];
} ngx_http_routini_shm_rec_t;


static ngx_int_t ngx_http_routini_shm_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void *ngx_http_routini_shm_get(ngx_slab_pool_t *shpool,
    ngx_http_routini_shm_t *sh, ngx_http_routini_shm_bind_t *b);
static void ngx_http_routini_shm_expire(ngx_slab_pool_t *shpool,
    ngx_http_routini_shm_t *sh);
static void ngx_http_routini_shm_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static size_t ngx_http_routini_shm_chunk(size_t size);


ngx_http_routini_shm_t  *ngx_http_routini_shm;


#define ngx_http_routini_shm_data_offset(len)                                \
    ngx_align(offsetof(ngx_http_routini_shm_rec_t, name) + (len),            \
              NGX_HTTP_ROUTINI_CACHE_LINE)


ngx_int_t
ngx_http_routini_shm_bind(ngx_conf_t *cf, ngx_str_t *name, size_t size,
    void **data)
{
    ngx_shm_zone_t                *zone;
    ngx_http_routini_shm_bind_t   *b;
    ngx_http_routini_main_conf_t  *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_routini_module);

    if (name->len > 0xffff) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "routini: name \"%V\" is too long", name);
        return NGX_ERROR;
    }

    b = ngx_array_push(&rmcf->binds);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->name = *name;
    b->size = size;
    b->data = data;

    *data = NULL;

    /* a record bound after the zone was sized grows the default zone */

    zone = rmcf->shm_zone;

    if (zone && !rmcf->zone_explicit) {
        zone->shm.size = ngx_max(zone->shm.size,
                                 ngx_align(ngx_http_routini_shm_needed(cf),
                                           1024 * 1024));
    }

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
    size_t                         needed;
    ngx_shm_zone_t                *zone;
    ngx_http_routini_main_conf_t  *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_routini_module);

    if (rmcf->binds.nelts == 0 && rmcf->shm_zone == NULL) {
        return NGX_CONF_OK;
    }

    zone = ngx_http_routini_shm_zone(cf);
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    needed = ngx_http_routini_shm_needed(cf);

    if (!rmcf->zone_explicit) {
        /* whole megabytes: a small change keeps the size, and the zone
         * with it, across reloads */
        zone->shm.size = ngx_max(zone->shm.size,
                                 ngx_align(needed, 1024 * 1024));
        return NGX_CONF_OK;
    }

    if (zone->shm.size < needed) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "routini_zone \"%V\" is too small: "
                      "%uz routes, upstreams and peers need at least "
                      "%uzk, increase its size in %s:%ui",
                      &zone->shm.name, rmcf->binds.nelts,
                      (needed + 1023) / 1024, rmcf->zone_file,
                      rmcf->zone_line);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * An estimate of the zone size the bound records need, on the side of
 * caution: the slab allocator rounds small chunks to a power of two and
 * large ones to pages, and spends a page descriptor per page.
 */

size_t
ngx_http_routini_shm_needed(ngx_conf_t *cf)
{
    size_t                         total, size;
    ngx_uint_t                     i;
    ngx_http_routini_shm_bind_t   *b;
    ngx_http_routini_main_conf_t  *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_routini_module);

    total = ngx_http_routini_shm_chunk(sizeof(ngx_http_routini_shm_t));

    b = rmcf->binds.elts;

    for (i = 0; i < rmcf->binds.nelts; i++) {
        size = ngx_http_routini_shm_data_offset(b[i].name.len) + b[i].size;
        total += ngx_http_routini_shm_chunk(size);
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
    ngx_int_t         n;
    ngx_core_conf_t  *ccf;

    ccf = (ngx_core_conf_t *) ngx_get_conf(cf->cycle->conf_ctx,
                                           ngx_core_module);

    /* worker_processes is usually set before http{}; "auto" is ngx_ncpu */

    n = (ccf->worker_processes == NGX_CONF_UNSET) ? ngx_ncpu
                                                   : ccf->worker_processes;

    return ngx_max(1, ngx_min(n, NGX_HTTP_ROUTINI_MAX_SLOTS));
}


static ngx_int_t
ngx_http_routini_shm_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_routini_main_conf_t  *rmcf = shm_zone->data;

    void                          *p;
    size_t                         len;
    ngx_uint_t                     i, reclaimed;
    ngx_slab_pool_t               *shpool;
    ngx_http_routini_shm_t        *sh;
    ngx_http_routini_shm_bind_t   *b;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (data || shm_zone->shm.exists) {
        sh = shpool->data;

    } else {
        sh = ngx_slab_alloc(shpool, sizeof(ngx_http_routini_shm_t));
        if (sh == NULL) {
            return NGX_ERROR;
        }

        ngx_memzero(sh, sizeof(ngx_http_routini_shm_t));

        ngx_rbtree_init(&sh->rbtree, &sh->sentinel,
                        ngx_http_routini_shm_rbtree_insert);

        shpool->data = sh;

        len = sizeof(" in routini_zone \"\"") + shm_zone->shm.name.len;

        shpool->log_ctx = ngx_slab_alloc(shpool, len);
        if (shpool->log_ctx == NULL) {
            return NGX_ERROR;
        }

        ngx_sprintf(shpool->log_ctx, " in routini_zone \"%V\"%Z",
                    &shm_zone->shm.name);

        shpool->log_nomem = 0;
    }

    ngx_http_routini_shm = sh;

    ngx_shmtx_lock(&shpool->mutex);

    sh->generation++;

    reclaimed = 0;
    b = rmcf->binds.elts;

    for (i = 0; i < rmcf->binds.nelts; i++) {
        p = ngx_http_routini_shm_get(shpool, sh, &b[i]);

        if (p == NULL && !reclaimed) {
            ngx_http_routini_shm_expire(shpool, sh);
            reclaimed = 1;

            p = ngx_http_routini_shm_get(shpool, sh, &b[i]);
        }

        if (p == NULL) {
            /* nginx keeps the running configuration: so does the zone */
            sh->generation--;

            ngx_shmtx_unlock(&shpool->mutex);

            ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                          "routini_zone \"%V\" is too small for %ui "
                          "records, increase its size (out of memory at "
                          "\"%V\")", &shm_zone->shm.name, rmcf->binds.nelts,
                          &b[i].name);
            return NGX_ERROR;
        }

        *b[i].data = p;
    }

    ngx_shmtx_unlock(&shpool->mutex);

    return NGX_OK;
}


static void *
ngx_http_routini_shm_get(ngx_slab_pool_t *shpool, ngx_http_routini_shm_t *sh,
    ngx_http_routini_shm_bind_t *b)
{
    size_t                       off;
    uint32_t                     hash;
    ngx_int_t                    rc;
    ngx_rbtree_node_t           *node, *sentinel;
    ngx_http_routini_shm_rec_t  *rec;

    hash = ngx_crc32_short(b->name.data, b->name.len);
    off = ngx_http_routini_shm_data_offset(b->name.len);

    node = sh->rbtree.root;
    sentinel = sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash != node->key) {
            node = (hash < node->key) ? node->left : node->right;
            continue;
        }

        rec = (ngx_http_routini_shm_rec_t *) node;

        rc = ngx_memn2cmp(b->name.data, rec->name, b->name.len, rec->len);

        if (rc == 0 && rec->size == b->size) {
            rec->generation = sh->generation;
            return (u_char *) rec + off;
        }

        /* the same name with another layout is another record */

        node = (rc < 0 || (rc == 0 && b->size < rec->size)) ? node->left
                                                             : node->right;
    }

    rec = ngx_slab_alloc_locked(shpool, off + b->size);
    if (rec == NULL) {
        return NULL;
    }

    ngx_memzero(rec, off + b->size);

    rec->node.key = hash;
    rec->generation = sh->generation;
    rec->size = b->size;
    rec->len = (u_short) b->name.len;
    ngx_memcpy(rec->name, b->name.data, b->name.len);

    ngx_rbtree_insert(&sh->rbtree, &rec->node);

    sh->records++;
    sh->bytes += off + b->size;

    return (u_char *) rec + off;
}


/*
 * A record the current configuration does not bind may still be written by
 * workers of an earlier one, finishing long requests after a reload, and
 * no one knows when the last of them exits.  So records are not freed as
 * soon as they are unused: only when the zone is full, and then only those
 * that neither the current nor the previous configuration binds.
 */

static void
ngx_http_routini_shm_expire(ngx_slab_pool_t *shpool, ngx_http_routini_shm_t *sh)
{
    ngx_rbtree_node_t           *node, *next, *root, *sentinel;
    ngx_http_routini_shm_rec_t  *rec;

    root = sh->rbtree.root;
    sentinel = sh->rbtree.sentinel;

    if (root == sentinel) {
        return;
    }

    for (node = ngx_rbtree_min(root, sentinel); node; node = next) {

        next = ngx_rbtree_next(&sh->rbtree, node);

        rec = (ngx_http_routini_shm_rec_t *) node;

        if (rec->generation + 2 > sh->generation) {
            continue;
        }

        ngx_rbtree_delete(&sh->rbtree, node);

        sh->records--;
        sh->bytes -= ngx_http_routini_shm_data_offset(rec->len) + rec->size;

        ngx_slab_free_locked(shpool, rec);
    }
}


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
