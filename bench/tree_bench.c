
/*
 * Copyright (C) routini authors
 */


/*
 * Route tree micro-benchmark.
 *
 *     tree_bench SET [ITERATIONS]
 *     tree_bench --callgrind SET [ROUNDS]
 *
 * SET is FILE.routes, --generate N, --single, --affix or --misses.
 *
 * A routes file has lines "METHOD PATTERN SAMPLE_PATH" ("#" comments).
 * --generate N makes N routes in groups of five per resource, e.g.
 * GET /r17, GET and PUT /r17/{id}, GET /r17/{id}/items,
 * GET /r17/{id}/items/{item}, each with a matching sample path.
 * --single is the one catch-all route a location often has:
 * GET "/api/{*rest}", looked up with "/api/users/42".
 * --affix is a site with params with a prefix or suffix ("{name}.png",
 * "v{major}") beside statics and bare params, looked up with paths most
 * of which find no route, as scanners, typos and stale links do;
 * --misses is the same site looked up with those paths only.
 *
 * Every path is first looked up once and its answer checked.  Then prints
 * routes, build time (inserts and freeze), tree bytes and bytes per route,
 * and the mean time per lookup (median of 5 runs) over the paths, cycling.
 * --callgrind looks up every path ROUNDS times (by default, enough for
 * 100000 lookups) and prints the lookup count: each lookup is one call of
 * bench_lookup(), for valgrind --toggle-collect=bench_lookup.
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
} bench_route_t;


typedef struct {
    uint32_t      method;
    char         *path;
    size_t        len;
    int           status;     /* the lookup's expected answer */
} bench_path_t;


static bench_route_t  *routes;
static size_t          nroutes;
static bench_path_t   *paths;
static size_t          npaths;


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


static void *
bench_grow(void *a, size_t *cap, size_t size)
{
    *cap = *cap ? *cap * 2 : 1024;

    a = realloc(a, *cap * size);
    if (a == NULL) {
        perror("realloc");
        exit(2);
    }

    return a;
}


static void
bench_route(const char *method, const char *pattern)
{
    static size_t  cap;

    if (nroutes == cap) {
        routes = bench_grow(routes, &cap, sizeof(bench_route_t));
    }

    routes[nroutes].method = bench_method(method);
    routes[nroutes].pattern = strdup(pattern);
    nroutes++;
}


static void
bench_path(const char *method, const char *path, int status)
{
    static size_t  cap;

    if (npaths == cap) {
        paths = bench_grow(paths, &cap, sizeof(bench_path_t));
    }

    paths[npaths].method = bench_method(method);
    paths[npaths].path = strdup(path);
    paths[npaths].len = strlen(path);
    paths[npaths].status = status;
    npaths++;
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
            bench_route(meth, pattern);
            bench_path(meth, path, NGX_ROUTINI_FOUND);
        }
    }

    fclose(f);
}


static void
bench_generate(size_t n)
{
    size_t             i, k;
    char               pattern[128], path[128];
    const char        *meth;
    static const char *items[] = { "items", "comments", "tags" };

    for (i = 0; i < n; i++) {
        k = i / 5;
        meth = "GET";

        switch (i % 5) {
        case 0:
            snprintf(pattern, sizeof(pattern), "/r%zu", k);
            snprintf(path, sizeof(path), "/r%zu", k);
            break;

        case 1:
        case 2:
            snprintf(pattern, sizeof(pattern), "/r%zu/{id}", k);
            snprintf(path, sizeof(path), "/r%zu/%zu", k, i * 7919 % 100000);
            meth = i % 5 == 1 ? "GET" : "PUT";
            break;

        case 3:
            snprintf(pattern, sizeof(pattern), "/r%zu/{id}/%s", k,
                     items[k % 3]);
            snprintf(path, sizeof(path), "/r%zu/u%zu/%s", k, i, items[k % 3]);
            break;

        default:
            snprintf(pattern, sizeof(pattern), "/r%zu/{id}/%s/{item}", k,
                     items[k % 3]);
            snprintf(path, sizeof(path), "/r%zu/u%zu/%s/it%zu", k, i,
                     items[k % 3], i % 97);
            break;
        }

        bench_route(meth, pattern);
        bench_path(meth, path, NGX_ROUTINI_FOUND);
    }
}


/*
 * Two thirds of the paths find no route: at the root, after a static,
 * after a param, at a node with affixes; a few find routes not allowing
 * the method.
 */

static void
bench_affix(int misses)
{
    size_t  i;

    static const char  *set[][2] = {
        { "GET", "/" },
        { "GET", "/robots.txt" },
        { "GET", "/health" },
        { "GET", "/assets/{name}.css" },
        { "GET", "/assets/{name}.js" },
        { "GET", "/assets/{name}.min.js" },
        { "GET", "/assets/fonts/{name}.woff2" },
        { "GET", "/img/{id}.png" },
        { "GET", "/img/{id}.jpg" },
        { "GET", "/img/thumb-{id}.jpg" },
        { "GET", "/img/{id}" },
        { "GET", "/v{major}/users" },
        { "GET", "/v{major}/users/{id}" },
        { "PUT", "/v{major}/users/{id}" },
        { "GET", "/v{major}/users/{id}/avatar.png" },
        { "GET", "/v{major}/orders/{id}.json" },
        { "GET", "/v{major}/orders/{id}.xml" },
        { "GET", "/users/@{name}" },
        { "GET", "/users/@{name}/repos" },
        { "GET", "/users/{id}" },
        { "GET", "/users/{id}/repos" },
        { "GET", "/files/{name}.tar.gz" },
        { "GET", "/files/{name}.zip" },
        { "GET", "/files/{name}" },
        { "GET", "/blog/feed.xml" },
        { "GET", "/blog/{year}/{slug}.html" },
        { "GET", "/docs/{*page}" },
        { "GET", "/api/items" },
        { "POST", "/api/items" },
        { "GET", "/api/items/{id}" },
        { "DELETE", "/api/items/{id}" },
        { "GET", "/api/items/{id}/tags" }
    };

    static const struct {
        const char  *method;
        const char  *path;
        int          status;
    } mix[] = {
        { "GET", "/assets/site.css", NGX_ROUTINI_FOUND },
        { "GET", "/assets/app.min.js", NGX_ROUTINI_FOUND },
        { "GET", "/img/42.png", NGX_ROUTINI_FOUND },
        { "GET", "/img/thumb-42.jpg", NGX_ROUTINI_FOUND },
        { "GET", "/v2/users/42", NGX_ROUTINI_FOUND },
        { "GET", "/v1/users/7/avatar.png", NGX_ROUTINI_FOUND },
        { "GET", "/v3/orders/99.json", NGX_ROUTINI_FOUND },
        { "GET", "/users/@octocat/repos", NGX_ROUTINI_FOUND },
        { "GET", "/users/42", NGX_ROUTINI_FOUND },
        { "GET", "/files/routini-1.0.tar.gz", NGX_ROUTINI_FOUND },
        { "GET", "/blog/2026/hello.html", NGX_ROUTINI_FOUND },
        { "GET", "/docs/router/precedence", NGX_ROUTINI_FOUND },
        { "GET", "/api/items/17/tags", NGX_ROUTINI_FOUND },

        { "POST", "/img/42.png", NGX_ROUTINI_METHOD_MISMATCH },
        { "DELETE", "/users/42", NGX_ROUTINI_METHOD_MISMATCH },
        { "PUT", "/api/items", NGX_ROUTINI_METHOD_MISMATCH },
        { "POST", "/v2/users/42", NGX_ROUTINI_METHOD_MISMATCH },

        { "GET", "/favicon.ico", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/wp-login.php", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/.env", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/admin", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/index.php", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/.git/config", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/cgi-bin/test.cgi", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/api", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/api/v1/items", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/api/items/17/comments", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/users/42/followers", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/users/42/repos/routini", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/users/@octocat/stars", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/img/42/large", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/img/", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/assets/app.map", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/assets/fonts/a.ttf", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/files/a/b", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/v2/products", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/v2/users/42/avatar.gif", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/v/users", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/blog/2026/hello.txt", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/blog/2026", NGX_ROUTINI_NOT_FOUND },
        { "GET", "/health/live", NGX_ROUTINI_NOT_FOUND }
    };

    for (i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
        bench_route(set[i][0], set[i][1]);
    }

    for (i = 0; i < sizeof(mix) / sizeof(mix[0]); i++) {
        if (!misses || mix[i].status == NGX_ROUTINI_NOT_FOUND) {
            bench_path(mix[i].method, mix[i].path, mix[i].status);
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


/*
 * One lookup, not inlined, so that callgrind's --toggle-collect counts
 * all of it: the call (a jump here), and the helpers the compiler inlined
 * into the lookup from headers, which a count by function misses.
 */

__attribute__((noinline)) int
bench_lookup(ngx_routini_tree_t *tree, const char *path, size_t len,
    uint32_t method, ngx_routini_match_t *m)
{
    return ngx_routini_tree_lookup(tree, path, len, method, m);
}


/* the measured loop: returns how many lookups got their expected answer */

__attribute__((noinline)) size_t
bench_lookup_loop(ngx_routini_tree_t *tree, size_t iterations)
{
    size_t               i, j, ok;
    bench_path_t        *p;
    ngx_routini_match_t  m;

    ok = 0;
    j = 0;

    for (i = 0; i < iterations; i++) {
        p = &paths[j];

        ok += bench_lookup(tree, p->path, p->len, p->method, &m)
              == p->status;

        if (++j == npaths) {
            j = 0;
        }
    }

    return ok;
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
    size_t               iterations, ok, n;
    double               t0, build, ns[BENCH_RUNS];
    const char          *name;
    ngx_routini_tree_t  *tree;
    ngx_routini_match_t  m;

    callgrind = argc > 1 && strcmp(argv[1], "--callgrind") == 0;

    if (callgrind) {
        argv++;
        argc--;
    }

    if (argc < 2 || (strcmp(argv[1], "--generate") == 0 && argc < 3)) {
        fprintf(stderr, "usage: tree_bench [--callgrind] FILE.routes "
                "| --generate N | --single | --affix | --misses "
                "[ITERATIONS | ROUNDS]\n");
        return 2;
    }

    if (strcmp(argv[1], "--single") == 0) {
        bench_route("GET", "/api/{*rest}");
        bench_path("GET", "/api/users/42", NGX_ROUTINI_FOUND);
        name = "single catch-all";

    } else if (strcmp(argv[1], "--affix") == 0) {
        bench_affix(0);
        name = "affix, 404-heavy";

    } else if (strcmp(argv[1], "--misses") == 0) {
        bench_affix(1);
        name = "affix, 404 only";

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

    if (nroutes == 0) {
        fprintf(stderr, "no routes\n");
        return 2;
    }

    t0 = bench_now();

    tree = ngx_routini_tree_create(bench_alloc, NULL, NULL);
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

    for (n = 0; n < npaths; n++) {
        if (ngx_routini_tree_lookup(tree, paths[n].path, paths[n].len,
                                    paths[n].method, &m)
            != paths[n].status)
        {
            fprintf(stderr, "%s: not the expected answer (%d)\n",
                    paths[n].path, paths[n].status);
            return 1;
        }
    }

    if (callgrind) {
        n = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000 / npaths + 1;
        iterations = n * npaths;
        ok = bench_lookup_loop(tree, iterations);
        printf("rounds: %zu\nlookups: %zu\n", n, iterations);
        return ok == iterations ? 0 : 1;
    }

    iterations = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000000;

    for (i = 0; i < BENCH_RUNS; i++) {
        t0 = bench_now();
        ok = bench_lookup_loop(tree, iterations);
        ns[i] = (bench_now() - t0) * 1e9 / iterations;

        if (ok != iterations) {
            fprintf(stderr, "%zu of %zu lookups not as expected\n",
                    iterations - ok, iterations);
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
