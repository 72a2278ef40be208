
/*
 * Copyright (C) routini authors
 */


/*
 * Route tree micro-benchmark.
 *
 *     tree_bench FILE.routes [ITERATIONS]
 *     tree_bench --generate N [ITERATIONS]
 *     tree_bench --single [ITERATIONS]
 *     tree_bench --callgrind FILE.routes | --generate N | --single
 *
 * A routes file has lines "METHOD PATTERN SAMPLE_PATH" ("#" comments).
 * --generate N makes N routes in groups of five per resource, e.g.
 * GET /r17, GET and PUT /r17/{id}, GET /r17/{id}/items,
 * GET /r17/{id}/items/{item}, each with a matching sample path.
 * --single is the one catch-all route a location often has:
 * GET "/api/{*rest}", looked up with "/api/users/42".
 *
 * Prints routes, build time (inserts and freeze), tree bytes and bytes per
 * route, and the mean time per lookup (median of 5 runs) over the sample
 * paths, cycling.  --callgrind runs only bench_lookup_loop() once, for
 * valgrind --toggle-collect=bench_lookup_loop, and prints the lookup count.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ngx_routini_tree.h"


#define BENCH_RUNS       5
#define BENCH_CHUNK      (1 << 20)


typedef struct {
    uint32_t      method;
    char         *pattern;
    char         *path;
    size_t        path_len;
} bench_route_t;


static bench_route_t  *routes;
static size_t          nroutes;


/* a bump allocator, as nginx's pool is */

static void *
bench_alloc(void *ctx, size_t size)
{
    static char    *pos, *end;
    void           *p;

    (void) ctx;

    size = (size + 15) & ~(size_t) 15;

    if (size > BENCH_CHUNK) {
        return malloc(size);
    }

    if (pos == NULL || (size_t) (end - pos) < size) {
        pos = malloc(BENCH_CHUNK);
        if (pos == NULL) {
            return NULL;
        }

        end = pos + BENCH_CHUNK;
    }

    p = pos;
    pos += size;

    return p;
}


static uint32_t
bench_method(const char *name)
{
    static const char  *names[] = { "GET", "HEAD", "POST", "PUT", "DELETE",
                                    "PATCH", "OPTIONS", NULL };
    int                 i;

    for (i = 0; names[i]; i++) {
        if (strcmp(name, names[i]) == 0) {
            return 2u << i;
        }
    }

    return 0x100;
}


static void
bench_add(uint32_t method, const char *pattern, const char *path)
{
    static size_t  cap;

    if (nroutes == cap) {
        cap = cap ? cap * 2 : 1024;
        routes = realloc(routes, cap * sizeof(bench_route_t));
        if (routes == NULL) {
            perror("realloc");
            exit(2);
        }
    }

    routes[nroutes].method = method;
    routes[nroutes].pattern = strdup(pattern);
    routes[nroutes].path = strdup(path);
    routes[nroutes].path_len = strlen(path);
    nroutes++;
}


static void
bench_read(const char *file)
{
    FILE  *f;
    char   line[4096], meth[32], pattern[2048], path[2048];

    f = fopen(file, "r");
    if (f == NULL) {
        perror(file);
        exit(2);
    }

    while (fgets(line, sizeof(line), f)) {
        if (line[0] != '#'
            && sscanf(line, "%31s %2047s %2047s", meth, pattern, path) == 3)
        {
            bench_add(bench_method(meth), pattern, path);
        }
    }

    fclose(f);
}


static void
bench_generate(size_t n)
{
    size_t             i, k;
    char               pattern[128], path[128];
    static const char *items[] = { "items", "comments", "tags" };

    for (i = 0; i < n; i++) {
        k = i / 5;

        switch (i % 5) {
        case 0:
            snprintf(pattern, sizeof(pattern), "/r%zu", k);
            snprintf(path, sizeof(path), "/r%zu", k);
            bench_add(bench_method("GET"), pattern, path);
            break;

        case 1:
        case 2:
            snprintf(pattern, sizeof(pattern), "/r%zu/{id}", k);
            snprintf(path, sizeof(path), "/r%zu/%zu", k, i * 7919 % 100000);
            bench_add(bench_method(i % 5 == 1 ? "GET" : "PUT"), pattern,
                      path);
            break;

        case 3:
            snprintf(pattern, sizeof(pattern), "/r%zu/{id}/%s", k,
                     items[k % 3]);
            snprintf(path, sizeof(path), "/r%zu/u%zu/%s", k, i, items[k % 3]);
            bench_add(bench_method("GET"), pattern, path);
            break;

        default:
            snprintf(pattern, sizeof(pattern), "/r%zu/{id}/%s/{item}", k,
                     items[k % 3]);
            snprintf(path, sizeof(path), "/r%zu/u%zu/%s/it%zu", k, i,
                     items[k % 3], i % 97);
            bench_add(bench_method("GET"), pattern, path);
            break;
        }
    }
}


static double
bench_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


/* the measured loop; its callees are what callgrind attributes to it */

__attribute__((noinline)) size_t
bench_lookup_loop(ngx_routini_tree_t *tree, size_t iterations)
{
    size_t               i, j, found;
    bench_route_t       *r;
    ngx_routini_match_t  m;

    found = 0;
    j = 0;

    for (i = 0; i < iterations; i++) {
        r = &routes[j];

        found += ngx_routini_tree_lookup(tree, r->path, r->path_len,
                                         r->method, &m)
                 == NGX_ROUTINI_FOUND;

        if (++j == nroutes) {
            j = 0;
        }
    }

    return found;
}


static int
bench_cmp(const void *a, const void *b)
{
    double  x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}


int
main(int argc, char **argv)
{
    int                  callgrind, i;
    char                 err[512];
    size_t               iterations, found, n;
    double               t0, build, ns[BENCH_RUNS];
    const char          *name;
    ngx_routini_tree_t  *tree;

    callgrind = argc > 1 && strcmp(argv[1], "--callgrind") == 0;

    if (callgrind) {
        argv++;
        argc--;
    }

    if (argc < 2 || (strcmp(argv[1], "--generate") == 0 && argc < 3)) {
        fprintf(stderr, "usage: tree_bench [--callgrind] FILE.routes "
                "| --generate N | --single [ITERATIONS]\n");
        return 2;
    }

    if (strcmp(argv[1], "--single") == 0) {
        bench_add(bench_method("GET"), "/api/{*rest}", "/api/users/42");
        name = "single catch-all";

    } else if (strcmp(argv[1], "--generate") == 0) {
        n = strtoul(argv[2], NULL, 10);
        bench_generate(n);
        name = "generated";
        argv++;
        argc--;

    } else {
        bench_read(argv[1]);
        name = argv[1];
    }

    iterations = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000000;

    if (nroutes == 0) {
        fprintf(stderr, "no routes\n");
        return 2;
    }

    t0 = bench_now();

    tree = ngx_routini_tree_create(bench_alloc, NULL);
    if (tree == NULL) {
        return 2;
    }

    for (n = 0; n < nroutes; n++) {
        if (ngx_routini_tree_insert(tree, routes[n].pattern,
                                    strlen(routes[n].pattern),
                                    routes[n].method, &routes[n], NULL,
                                    err, sizeof(err))
            != 0)
        {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
    }

    if (ngx_routini_tree_freeze(tree, NULL, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    build = bench_now() - t0;

    if (callgrind) {
        /* every route once, and at least 100000 lookups */
        iterations = nroutes < 100000 ? (100000 / nroutes + 1) * nroutes
                                      : nroutes;
        found = bench_lookup_loop(tree, iterations);
        printf("lookups: %zu\nfound: %zu\n", iterations, found);
        return found == iterations ? 0 : 1;
    }

    for (i = 0; i < BENCH_RUNS; i++) {
        t0 = bench_now();
        found = bench_lookup_loop(tree, iterations);
        ns[i] = (bench_now() - t0) * 1e9 / iterations;

        if (found != iterations) {
            fprintf(stderr, "%zu of %zu lookups missed\n",
                    iterations - found, iterations);
            return 1;
        }
    }

    qsort(ns, BENCH_RUNS, sizeof(double), bench_cmp);

    printf("%s: %zu routes, build %.3f ms, tree %zu bytes (%.1f/route), "
           "lookup %.1f ns (median of %d x %zu)\n",
           name, nroutes, build * 1e3, ngx_routini_tree_memory(tree),
           (double) ngx_routini_tree_memory(tree) / nroutes,
           ns[BENCH_RUNS / 2], BENCH_RUNS, iterations);

    return 0;
}
