
/*
 * Copyright (C) routini authors
 */


/*
 * Unit tests of the route tree: one test per rule, then every sample path
 * of the benchmark route files.  Usage: tree_test [ROUTES_DIR]
 * (default test/data/routes, relative to the repository root).
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_routini_tree.h"


#define GET     0x02
#define HEAD    0x04
#define POST    0x08
#define PUT     0x10
#define DELETE  0x20


static int   passed;
static int   failed;
static void *blocks[1 << 20];
static int   nblocks;


#define CHECK(cond)                                                          \
    do {                                                                     \
        if (cond) {                                                          \
            passed++;                                                        \
        } else {                                                             \
            failed++;                                                        \
            fprintf(stderr, "%s:%d: %s: check failed: %s\n",                 \
                    __FILE__, __LINE__, __func__, #cond);                    \
        }                                                                    \
    } while (0)


static void *
test_alloc(void *ctx, size_t size)
{
    void  *p;

    (void) ctx;

    if (nblocks == (int) (sizeof(blocks) / sizeof(blocks[0]))) {
        return NULL;
    }

    p = malloc(size);
    blocks[nblocks++] = p;

    return p;
}


static void
free_all(void)
{
    while (nblocks) {
        free(blocks[--nblocks]);
    }
}


static char  err[512];


static ngx_routini_tree_t *
tree_new(void)
{
    return ngx_routini_tree_create(test_alloc, NULL);
}


/* inserts a route whose data is the pattern string itself */

static int
add(ngx_routini_tree_t *t, const char *pattern, uint32_t methods)
{
    return ngx_routini_tree_insert(t, pattern, strlen(pattern), methods,
                                   (void *) pattern, NULL, err, sizeof(err));
}


static void
freeze(ngx_routini_tree_t *t)
{
    CHECK(ngx_routini_tree_freeze(t, NULL, err, sizeof(err)) == 0);
}


/* the pattern of the route matching path for GET, or NULL */

static const char *
get(ngx_routini_tree_t *t, const char *path, ngx_routini_match_t *m)
{
    ngx_routini_match_t  local;

    if (m == NULL) {
        m = &local;
    }

    if (ngx_routini_tree_lookup(t, path, strlen(path), GET, m)
        != NGX_ROUTINI_FOUND)
    {
        return NULL;
    }

    return m->data;
}


static int
is(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}


/* param i of m is named name and has value value in path */

static int
param_is(ngx_routini_match_t *m, const char *path, size_t i,
    const char *name, const char *value)
{
    return i < m->nparams
           && strcmp(m->names[i], name) == 0
           && m->name_lens[i] == strlen(name)
           && m->params[i].len == strlen(value)
           && memcmp(path + m->params[i].start, value, m->params[i].len) == 0;
}


static void
test_static(void)
{
    ngx_routini_tree_t  *t;

    t = tree_new();
    CHECK(add(t, "/", 0) == 0);
    CHECK(add(t, "/users", 0) == 0);
    CHECK(add(t, "/users/new", 0) == 0);
    CHECK(add(t, "/user", 0) == 0);
    CHECK(add(t, "/usage", 0) == 0);
    freeze(t);

    CHECK(is(get(t, "/", NULL), "/"));
    CHECK(is(get(t, "/users", NULL), "/users"));
    CHECK(is(get(t, "/users/new", NULL), "/users/new"));
    CHECK(is(get(t, "/user", NULL), "/user"));
    CHECK(is(get(t, "/usage", NULL), "/usage"));
    CHECK(get(t, "/use", NULL) == NULL);
    CHECK(get(t, "/users/", NULL) == NULL);
    CHECK(get(t, "/users/newer", NULL) == NULL);
    CHECK(get(t, "", NULL) == NULL);
    CHECK(get(t, "users", NULL) == NULL);
    free_all();
}


static void
test_param(void)
{
    ngx_routini_tree_t   *t;
    ngx_routini_match_t   m;
    const char           *p;

    t = tree_new();
    CHECK(add(t, "/users/{id}", 0) == 0);
    CHECK(add(t, "/users/{id}/posts/{post}", 0) == 0);
    freeze(t);

    p = "/users/42";
    CHECK(is(get(t, p, &m), "/users/{id}"));
    CHECK(m.nparams == 1 && param_is(&m, p, 0, "id", "42"));
    CHECK(m.catchall_start == (size_t) -1);

    p = "/users/42/posts/7";
    CHECK(is(get(t, p, &m), "/users/{id}/posts/{post}"));
    CHECK(m.nparams == 2 && param_is(&m, p, 0, "id", "42")
          && param_is(&m, p, 1, "post", "7"));

    /* a param is one non-empty segment */
    CHECK(get(t, "/users/", NULL) == NULL);
    CHECK(get(t, "/users/42/", NULL) == NULL);
    CHECK(get(t, "/users/42/x", NULL) == NULL);
    free_all();
}


static void
test_affixes(void)
{
    ngx_routini_tree_t   *t, *t2;
    ngx_routini_match_t   m;
    const char           *p;

    t = tree_new();
    CHECK(add(t, "/files/{name}.png", 0) == 0);
    CHECK(add(t, "/files/{name}.tar.gz", 0) == 0);
    CHECK(add(t, "/files/{name}.gz", 0) == 0);
    CHECK(add(t, "/img/img-{id}", 0) == 0);
    CHECK(add(t, "/pic/pic-{id}.jpg", 0) == 0);
    CHECK(add(t, "/files/{name}.png/meta", 0) == 0);
    freeze(t);
    t2 = tree_new();

    p = "/files/logo.png";
    CHECK(is(get(t, p, &m), "/files/{name}.png"));
    CHECK(param_is(&m, p, 0, "name", "logo"));

    /* longest suffix first */
    p = "/files/a.tar.gz";
    CHECK(is(get(t, p, &m), "/files/{name}.tar.gz"));
    CHECK(param_is(&m, p, 0, "name", "a"));
    p = "/files/a.gz";
    CHECK(is(get(t, p, &m), "/files/{name}.gz"));

    p = "/img/img-12";
    CHECK(is(get(t, p, &m), "/img/img-{id}"));
    CHECK(param_is(&m, p, 0, "id", "12"));

    p = "/pic/pic-7.jpg";
    CHECK(is(get(t, p, &m), "/pic/pic-{id}.jpg"));
    CHECK(param_is(&m, p, 0, "id", "7"));

    /* the longest affix wins, prefix or suffix */
    CHECK(add(t2, "/x/img-{id}", 0) == 0);
    CHECK(add(t2, "/x/{name}.tar.gz", 0) == 0);
    CHECK(add(t2, "/x/{name}.c", 0) == 0);
    freeze(t2);
    CHECK(is(get(t2, "/x/img-1.tar.gz", NULL), "/x/{name}.tar.gz"));
    CHECK(is(get(t2, "/x/img-1.c", NULL), "/x/img-{id}"));
    CHECK(is(get(t2, "/x/a.c", NULL), "/x/{name}.c"));

    p = "/files/x.png/meta";
    CHECK(is(get(t, p, &m), "/files/{name}.png/meta"));
    CHECK(param_is(&m, p, 0, "name", "x"));

    /* the param part stays non-empty */
    CHECK(get(t, "/files/.png", NULL) == NULL);
    CHECK(get(t, "/img/img-", NULL) == NULL);
    CHECK(get(t, "/pic/pic-.jpg", NULL) == NULL);
    CHECK(get(t, "/files/logo.jpg", NULL) == NULL);
    free_all();
}


/* segment lengths around the 8-byte words, in small and hashed nodes */

static void
test_segments(void)
{
    int                   wide, len, i;
    char                  pat[64][40], path[64];
    ngx_routini_tree_t   *t;

    for (wide = 0; wide < 2; wide++) {
        t = tree_new();

        for (len = 0; len <= 17; len++) {
            if (wide) {
                snprintf(pat[len], sizeof(pat[len]), "/%.*s", len,
                         "abcdefghijklmnopqrstuvwxyz");

            } else {
                snprintf(pat[len], sizeof(pat[len]), "/n%d/%.*s", len, len,
                         "abcdefghijklmnopqrstuvwxyz");
            }

            CHECK(add(t, pat[len], 0) == 0);
        }

        CHECK(add(t, "/s/a/", 0) == 0);
        CHECK(add(t, "/s/a//b", 0) == 0);
        freeze(t);

        for (len = 0; len <= 17; len++) {
            CHECK(is(get(t, pat[len], NULL), pat[len]));

            /* one byte more, one byte different */
            snprintf(path, sizeof(path), "%sz", pat[len]);
            CHECK(get(t, path, NULL) == NULL);

            if (len) {
                snprintf(path, sizeof(path), "%s", pat[len]);
                i = (int) strlen(path) - 1;
                path[i] = 'Z';
                CHECK(get(t, path, NULL) == NULL);
            }
        }

        CHECK(wide || is(get(t, "/s/a/", NULL), "/s/a/"));
        CHECK(wide || is(get(t, "/s/a//b", NULL), "/s/a//b"));
        CHECK(get(t, "/s/a//", NULL) == NULL);
        free_all();
    }
}


static void
test_precedence(void)
{
    static const char  *routes[] = {
        "/p/{*rest}", "/p/{name}", "/p/{name}.png", "/p/{name}.tar.gz",
        "/p/static", "/p/img-{id}"
    };

    int                   order, i, j;
    ngx_routini_tree_t   *t;
    ngx_routini_match_t   m;

    /* the same answers whatever the declaration order */

    for (order = 0; order < 2; order++) {
        t = tree_new();

        for (i = 0; i < 6; i++) {
            j = order ? 5 - i : i;

            /* a catch-all and params at one position conflict */
            if (strcmp(routes[j], "/p/{*rest}") == 0) {
                CHECK(add(t, "/q/{*rest}", 0) == 0);
                continue;
            }

            CHECK(add(t, routes[j], 0) == 0);
        }

        CHECK(add(t, "/{*all}", 0) == 0);
        freeze(t);

        CHECK(is(get(t, "/p/static", NULL), "/p/static"));
        CHECK(is(get(t, "/p/img-1", NULL), "/p/img-{id}"));
        CHECK(is(get(t, "/p/a.tar.gz", NULL), "/p/{name}.tar.gz"));
        CHECK(is(get(t, "/p/a.png", NULL), "/p/{name}.png"));
        CHECK(is(get(t, "/p/a", NULL), "/p/{name}"));
        CHECK(is(get(t, "/p/a/b", &m), "/{*all}"));
        CHECK(is(get(t, "/q/a/b", &m), "/q/{*rest}"));
        CHECK(is(get(t, "/p/img-", NULL), "/p/{name}"));
        CHECK(is(get(t, "/p/statics", NULL), "/p/{name}"));
        free_all();
    }
}


static void
test_backtracking(void)
{
    ngx_routini_tree_t   *t;
    ngx_routini_match_t   m;
    const char           *p;

    t = tree_new();
    CHECK(add(t, "/secret/{id}/path", 0) == 0);
    CHECK(add(t, "/{object}/{id}", 0) == 0);
    freeze(t);

    p = "/secret/978";
    CHECK(is(get(t, p, &m), "/{object}/{id}"));
    CHECK(param_is(&m, p, 0, "object", "secret")
          && param_is(&m, p, 1, "id", "978"));

    p = "/secret/978/path";
    CHECK(is(get(t, p, &m), "/secret/{id}/path"));
    CHECK(m.nparams == 1 && param_is(&m, p, 0, "id", "978"));

    free_all();

    t = tree_new();
    CHECK(add(t, "/foo/bar", 0) == 0);
    CHECK(add(t, "/{x}/baz", 0) == 0);
    freeze(t);
    CHECK(is(get(t, "/foo/baz", NULL), "/{x}/baz"));
    CHECK(is(get(t, "/foo/bar", NULL), "/foo/bar"));
    free_all();

    /* backtracking out of a param into the next param */
    t = tree_new();
    CHECK(add(t, "/a/{x}.json/deep", 0) == 0);
    CHECK(add(t, "/a/{y}", 0) == 0);
    freeze(t);
    p = "/a/v.json";
    CHECK(is(get(t, p, &m), "/a/{y}"));
    CHECK(param_is(&m, p, 0, "y", "v.json"));
    free_all();
}


static void
test_catchall(void)
{
    ngx_routini_tree_t   *t;
    ngx_routini_match_t   m;
    const char           *p;

    t = tree_new();
    CHECK(add(t, "/api/{*rest}", 0) == 0);
    CHECK(add(t, "/legacy/*", 0) == 0);
    CHECK(add(t, "/docs/*page", 0) == 0);
    CHECK(add(t, "/u/{id}/files/{*path}", 0) == 0);
    freeze(t);

    p = "/api/x/y";
    CHECK(is(get(t, p, &m), "/api/{*rest}"));
    CHECK(m.nparams == 1 && param_is(&m, p, 0, "rest", "x/y"));
    CHECK(m.catchall_start == 5);

    /* empty remainder, but not the bare prefix */
    p = "/api/";
    CHECK(is(get(t, p, &m), "/api/{*rest}"));
    CHECK(param_is(&m, p, 0, "rest", "") && m.catchall_start == 5);
    CHECK(get(t, "/api", NULL) == NULL);
    CHECK(get(t, "/apix", NULL) == NULL);

    p = "/legacy/a//b";
    CHECK(is(get(t, p, &m), "/legacy/*"));
    CHECK(param_is(&m, p, 0, "rest", "a//b"));

    p = "/docs/intro.html";
    CHECK(is(get(t, p, &m), "/docs/*page"));
    CHECK(param_is(&m, p, 0, "page", "intro.html"));

    p = "/u/7/files/a/b.txt";
    CHECK(is(get(t, p, &m), "/u/{id}/files/{*path}"));
    CHECK(m.nparams == 2 && param_is(&m, p, 0, "id", "7")
          && param_is(&m, p, 1, "path", "a/b.txt"));
    CHECK(m.catchall_start == 11);
    free_all();

    t = tree_new();
    CHECK(add(t, "/{*rest}", 0) == 0);
    CHECK(add(t, "/", 0) == 0);
    freeze(t);
    CHECK(is(get(t, "/", NULL), "/"));
    CHECK(is(get(t, "/x", NULL), "/{*rest}"));
    free_all();
}


static void
test_escapes(void)
{
    ngx_routini_tree_t   *t;
    ngx_routini_match_t   m;
    const char           *p;

    t = tree_new();
    CHECK(add(t, "/t/{{x}}", 0) == 0);
    CHECK(add(t, "/v1/items\\:batch", 0) == 0);
    CHECK(add(t, "/b/{{{id}}}", 0) == 0);
    freeze(t);

    CHECK(is(get(t, "/t/{x}", NULL), "/t/{{x}}"));
    CHECK(get(t, "/t/x", NULL) == NULL);
    CHECK(is(get(t, "/v1/items:batch", NULL), "/v1/items\\:batch"));

    p = "/b/{7}";
    CHECK(is(get(t, p, &m), "/b/{{{id}}}"));
    CHECK(param_is(&m, p, 0, "id", "7"));
    free_all();
}


static void
test_colon(void)
{
    void                 *conflict;
    ngx_routini_tree_t   *t;
    ngx_routini_match_t   m;
    const char           *p;

    t = tree_new();
    CHECK(add(t, "/u/{id}", 0) == 0);
    CHECK(ngx_routini_tree_insert(t, "/u/:id", 6, 0, "colon", &conflict,
                                  err, sizeof(err)) == -1);
    CHECK(strcmp(err, "duplicate route \"/u/:id\" "
                      "(already defined as \"/u/{id}\")") == 0);
    CHECK(is(conflict, "/u/{id}"));

    CHECK(add(t, "/users/:id/avatar.png", 0) == 0);
    CHECK(add(t, "/f/:name.png", 0) == 0);
    CHECK(add(t, "/docs/*page", 0) == 0);
    CHECK(add(t, "/docs/{*page}", 0) == -1);
    freeze(t);

    p = "/users/5/avatar.png";
    CHECK(is(get(t, p, &m), "/users/:id/avatar.png"));
    CHECK(param_is(&m, p, 0, "id", "5"));

    p = "/f/cat.png";
    CHECK(is(get(t, p, &m), "/f/:name.png"));
    CHECK(param_is(&m, p, 0, "name", "cat"));
    CHECK(get(t, "/f/cat.gif", NULL) == NULL);
    free_all();
}


/* insert pattern into t and expect failure with message want */

static int
fails(ngx_routini_tree_t *t, const char *pattern, const char *want)
{
    if (add(t, pattern, 0) != -1) {
        return 0;
    }

    if (strcmp(err, want) != 0) {
        fprintf(stderr, "  got:  %s\n  want: %s\n", err, want);
        return 0;
    }

    return 1;
}


static void
test_invalid(void)
{
    ngx_routini_tree_t  *t;

    t = tree_new();

    CHECK(fails(t, "/u/{}", "empty parameter name in \"/u/{}\""));
    CHECK(fails(t, "/u/:", "empty parameter name in \"/u/:\""));
    CHECK(fails(t, "/u/{*}", "empty parameter name in \"/u/{*}\""));
    CHECK(fails(t, "/u/{id", "unbalanced \"{\" in \"/u/{id\" "
                             "(a literal brace is written \"{{\" or "
                             "\"}}\")"));
    CHECK(fails(t, "/u/{id/x}", "unbalanced \"{\" in \"/u/{id/x}\" "
                                "(a literal brace is written \"{{\" or "
                                "\"}}\")"));
    CHECK(fails(t, "/u/id}", "unbalanced \"}\" in \"/u/id}\" "
                             "(a literal brace is written \"{{\" or "
                             "\"}}\")"));
    CHECK(fails(t, "/a/{*rest}/b", "catch-all \"{*rest}\" must be the last "
                                   "segment in \"/a/{*rest}/b\""));
    CHECK(fails(t, "/a/*rest/b", "catch-all \"*rest\" must be the last "
                                 "segment in \"/a/*rest/b\""));
    CHECK(fails(t, "/a/x{*rest}", "catch-all \"{*rest}\" must be the last "
                                  "segment in \"/a/x{*rest}\""));
    CHECK(fails(t, "/a/{x}{y}", "only one parameter per segment, \"{y}\" "
                                "in \"/a/{x}{y}\""));
    CHECK(fails(t, "/a/:x-:y", "only one parameter per segment, \":y\" "
                               "in \"/a/:x-:y\""));
    CHECK(fails(t, "a/b", "pattern \"a/b\" must start with \"/\""));
    CHECK(fails(t, "", "pattern \"\" must start with \"/\""));
    CHECK(fails(t, "/a/{x-y}", "invalid character \"-\" in parameter name "
                               "\"{x-y}\" (use [A-Za-z0-9_]) in "
                               "\"/a/{x-y}\""));
    CHECK(fails(t, "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}/{k}/{l}/{m}"
                   "/{n}/{o}/{p}/{q}",
                "too many parameters (max 16) in \"/{a}/{b}/{c}/{d}/{e}/{f}"
                "/{g}/{h}/{i}/{j}/{k}/{l}/{m}/{n}/{o}/{p}/{q}\""));
    CHECK(add(t, "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}/{k}/{l}/{m}"
                 "/{n}/{o}/{p}", 0) == 0);

    /* a failed insert leaves no trace */
    freeze(t);
    CHECK(get(t, "/u/x", NULL) == NULL);
    CHECK(get(t, "/a/x", NULL) == NULL);
    free_all();
}


static void
test_conflicts(void)
{
    void                *conflict;
    ngx_routini_tree_t  *t;

    t = tree_new();
    CHECK(add(t, "/u/{id}", 0) == 0);
    CHECK(add(t, "/files/{name}", 0) == 0);
    CHECK(add(t, "/api/{*rest}", 0) == 0);

    CHECK(ngx_routini_tree_insert(t, "/u/{user}/x", 11, 0, "new", &conflict,
                                  err, sizeof(err)) == -1);
    CHECK(strcmp(err, "conflicting param names \"{id}\" and \"{user}\" at "
                      "the same position in \"/u/{user}/x\" and "
                      "\"/u/{id}\"") == 0);
    CHECK(is(conflict, "/u/{id}"));

    CHECK(fails(t, "/files/{*path}", "param and catch-all at the same "
                "position in \"/files/{*path}\" and \"/files/{name}\""));
    CHECK(fails(t, "/api/{name}", "param and catch-all at the same "
                "position in \"/api/{name}\" and \"/api/{*rest}\""));
    CHECK(fails(t, "/api/*path", "conflicting param names \"{*rest}\" and "
                "\"{*path}\" at the same position in \"/api/*path\" and "
                "\"/api/{*rest}\""));
    CHECK(fails(t, "/u/{id}", "duplicate route \"/u/{id}\" (already defined "
                "as \"/u/{id}\")"));

    /* same name at one position, different suffixes: fine */
    CHECK(add(t, "/u/{id}/x", 0) == 0);
    CHECK(add(t, "/u/{user}.png", 0) == 0);

    /* truncated messages stay NUL-terminated */
    CHECK(ngx_routini_tree_insert(t, "/u/{id}", 7, 0, NULL, NULL, err, 10)
          == -1);
    CHECK(strcmp(err, "duplicate") == 0);
    free_all();
}


static void
test_methods(void)
{
    ngx_routini_tree_t   *t;
    ngx_routini_match_t   m;

    t = tree_new();
    CHECK(add(t, "/users/{id}", GET | HEAD) == 0);
    CHECK(add(t, "/users/:id", POST) == 0);
    CHECK(fails(t, "/users/{id}", "duplicate route \"/users/{id}\" "
                "(already defined as \"/users/{id}\")"));
    CHECK(add(t, "/users/{id}", PUT) == 0);
    CHECK(fails(t, "/users/{id}", "duplicate route \"/users/{id}\" "
                "(already defined as \"/users/{id}\")"));
    CHECK(add(t, "/items/{id}", GET) == 0);
    CHECK(add(t, "/{*rest}", POST) == 0);
    CHECK(add(t, "/only", GET) == 0);
    freeze(t);

    CHECK(ngx_routini_tree_lookup(t, "/users/1", 8, POST, &m)
          == NGX_ROUTINI_FOUND && is(m.data, "/users/:id"));
    CHECK(ngx_routini_tree_lookup(t, "/users/1", 8, HEAD, &m)
          == NGX_ROUTINI_FOUND && is(m.data, "/users/{id}"));

    /* 405: the union of the masks of the routes matching the path */
    CHECK(ngx_routini_tree_lookup(t, "/only", 5, DELETE, &m)
          == NGX_ROUTINI_METHOD_MISMATCH);
    CHECK(m.allowed == (GET | POST));
    CHECK(ngx_routini_tree_lookup(t, "/users/1", 8, DELETE, &m)
          == NGX_ROUTINI_METHOD_MISMATCH);
    CHECK(m.allowed == (GET | HEAD | POST | PUT));

    /* a broader route takes what a narrower one refuses */
    CHECK(ngx_routini_tree_lookup(t, "/items/1", 8, POST, &m)
          == NGX_ROUTINI_FOUND && is(m.data, "/{*rest}"));
    CHECK(ngx_routini_tree_lookup(t, "/nothing", 8, GET, &m)
          == NGX_ROUTINI_METHOD_MISMATCH && m.allowed == POST);
    free_all();

    t = tree_new();
    CHECK(add(t, "/a", GET) == 0);
    freeze(t);
    CHECK(ngx_routini_tree_lookup(t, "/b", 2, GET, &m)
          == NGX_ROUTINI_NOT_FOUND && m.allowed == 0);
    free_all();
}


static void
test_bytes(void)
{
    ngx_routini_tree_t   *t;
    ngx_routini_match_t   m;

    t = tree_new();
    CHECK(ngx_routini_tree_insert(t, "/a\0b", 4, 0, "nul", NULL, err,
                                  sizeof(err)) == 0);
    CHECK(add(t, "/\xc3\xa9t\xc3\xa9", 0) == 0);
    CHECK(add(t, "/p/{x}", 0) == 0);
    freeze(t);

    CHECK(ngx_routini_tree_lookup(t, "/a\0b", 4, GET, &m)
          == NGX_ROUTINI_FOUND && is(m.data, "nul"));
    CHECK(ngx_routini_tree_lookup(t, "/a\0c", 4, GET, &m)
          == NGX_ROUTINI_NOT_FOUND);
    CHECK(is(get(t, "/\xc3\xa9t\xc3\xa9", NULL), "/\xc3\xa9t\xc3\xa9"));
    CHECK(ngx_routini_tree_lookup(t, "/p/\0\xff", 5, GET, &m)
          == NGX_ROUTINI_FOUND && m.params[0].start == 3
          && m.params[0].len == 2);
    free_all();
}


/*
 * Nodes with many statics, told apart by their first byte or, when many
 * share it, by a hash: the empty segment ("/n/", "/n//x") must be found
 * both at the end of the path and before a "/".
 */

static void
test_fanout(void)
{
    int                  i, k;
    char                 pat[2][16][16], path[32];
    const char          *base[2] = { "/n/%c", "/h/r%c" };
    ngx_routini_tree_t  *t;

    t = tree_new();

    for (k = 0; k < 2; k++) {
        for (i = 0; i < 6; i++) {
            snprintf(pat[k][i], sizeof(pat[k][i]), base[k], 'a' + i);
            CHECK(add(t, pat[k][i], 0) == 0);
        }
    }

    CHECK(add(t, "/n/", 0) == 0);
    CHECK(add(t, "/n//x", 0) == 0);
    CHECK(add(t, "/h/", 0) == 0);
    CHECK(add(t, "/h//x", 0) == 0);
    CHECK(add(t, "/h/{id}", 0) == 0);
    freeze(t);

    for (k = 0; k < 2; k++) {
        for (i = 0; i < 6; i++) {
            CHECK(is(get(t, pat[k][i], NULL), pat[k][i]));

            snprintf(path, sizeof(path), "%s/", pat[k][i]);
            CHECK(get(t, path, NULL) == NULL);
        }
    }

    CHECK(is(get(t, "/n/", NULL), "/n/"));
    CHECK(is(get(t, "/n//x", NULL), "/n//x"));
    CHECK(get(t, "/n/g", NULL) == NULL);
    CHECK(get(t, "/n//", NULL) == NULL);
    CHECK(is(get(t, "/h/", NULL), "/h/"));
    CHECK(is(get(t, "/h//x", NULL), "/h//x"));
    CHECK(is(get(t, "/h/rg", NULL), "/h/{id}"));
    CHECK(is(get(t, "/h/ra1", NULL), "/h/{id}"));
    free_all();
}


static void
test_lifecycle(void)
{
    ngx_routini_tree_t   *t;
    ngx_routini_match_t   m;

    t = tree_new();
    CHECK(add(t, "/a", 0) == 0);
    CHECK(ngx_routini_tree_lookup(t, "/a", 2, GET, &m)
          == NGX_ROUTINI_NOT_FOUND);
    freeze(t);
    CHECK(is(get(t, "/a", NULL), "/a"));
    CHECK(fails(t, "/b", "route tree is frozen, cannot add \"/b\""));
    CHECK(ngx_routini_tree_memory(t) > 0);
    free_all();

    /* many static siblings use the byte index */
    {
        char   buf[64][16];
        int    i;

        t = tree_new();

        for (i = 0; i < 64; i++) {
            snprintf(buf[i], sizeof(buf[i]), "/%c%d",
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789-."[i], i);
            CHECK(add(t, buf[i], 0) == 0);
        }

        CHECK(add(t, "/{x}", 0) == 0);
        freeze(t);

        for (i = 0; i < 64; i++) {
            CHECK(is(get(t, buf[i], NULL), buf[i]));
        }

        CHECK(is(get(t, "/A1", NULL), "/{x}"));
        free_all();
    }

    /*
     * "/{x}", "/a/{x}", "/a/a/{x}", ...: a lookup of "/a/a/.../a/" may
     * come back to each "{x}" on the way.  128 such alternatives on one
     * path fit the lookup's stack; with 129 freeze names the deepest.
     */
    {
        int    i, k;
        char  *p;
        void  *route;
        char   buf[130][300];

        for (k = 128; k <= 129; k++) {
            t = tree_new();

            for (i = 0; i < k; i++) {
                p = buf[i];
                *p++ = '/';

                while (p - buf[i] < 1 + 2 * i) {
                    *p++ = 'a';
                    *p++ = '/';
                }

                strcpy(p, "{x}");
                CHECK(add(t, buf[i], 0) == 0);
            }

            route = NULL;

            if (k == 128) {
                CHECK(ngx_routini_tree_freeze(t, &route, err, sizeof(err))
                      == 0 && route == NULL);
                CHECK(is(get(t, buf[127], NULL), buf[127]));
                CHECK(is(get(t, "/a/a/7", NULL), buf[2]));

            } else {
                CHECK(ngx_routini_tree_freeze(t, &route, err, sizeof(err))
                      == -1 && route == buf[128]);
                CHECK(strncmp(err, "too many nested param or catch-all "
                              "alternatives (max 128) on the path to "
                              "\"/a/a/a/", 77) == 0
                      && strstr(err, "a/{x}\"") != NULL);
                CHECK(ngx_routini_tree_lookup(t, "/a", 2, GET, &m)
                      == NGX_ROUTINI_NOT_FOUND);
            }

            free_all();
        }
    }
}


/*
 * Statics of 1 to 20 bytes, around the 8 and 16 of the word-wise compare,
 * in each layout (one chain, by first byte, hashed), with and without a
 * param sibling (without, the tree is plain: statics and catch-alls), at
 * the path's end, before a "/", and cut or grown by one byte; paths
 * shorter than 8 bytes read past their end as "/".
 */

static void
test_static_lengths(void)
{
    int                   layout, param, i, j, n, lo, hi;
    char                  pat[24][32], path[64];
    const char           *want;
    ngx_routini_tree_t   *t;
    ngx_routini_match_t   m;

    for (layout = 0; layout < 3; layout++) {
        for (param = 0; param < 2; param++) {

            /* one chain: lengths 6 to 9; by first byte: 1 to 20, each
             * its own first byte; hashed: 1 to 20, all starting "k" */

            lo = layout == 0 ? 6 : 1;
            hi = layout == 0 ? 9 : 20;
            n = 0;

            t = tree_new();

            for (i = lo; i <= hi; i++, n++) {
                memcpy(pat[n], "/s/", 3);

                for (j = 0; j < i; j++) {
                    pat[n][3 + j] = (char) ('a' + (i * 7 + j * 3) % 26);
                }

                pat[n][3] = layout == 2 ? 'k' : (char) ('A' + i);
                pat[n][3 + i] = '\0';
                CHECK(add(t, pat[n], 0) == 0);
            }

            if (param) {
                CHECK(add(t, "/s/{id}", 0) == 0);
            }

            freeze(t);

            for (i = 0; i < n; i++) {
                CHECK(is(get(t, pat[i], NULL), pat[i]));

                /* before a "/": no route, the param does not cross it */

                snprintf(path, sizeof(path), "%s/", pat[i]);
                CHECK(get(t, path, NULL) == NULL);

                snprintf(path, sizeof(path), "%s/x", pat[i]);
                CHECK(get(t, path, NULL) == NULL);

                /* grown by a byte: a param value, or nothing */

                snprintf(path, sizeof(path), "%sz", pat[i]);
                want = param ? "/s/{id}" : NULL;
                CHECK(want ? is(get(t, path, &m), want)
                             && param_is(&m, path, 0, "id", path + 3)
                           : get(t, path, NULL) == NULL);

                /* cut by a byte: another static, a param value, or
                 * nothing */

                snprintf(path, sizeof(path), "%s", pat[i]);
                path[strlen(path) - 1] = '\0';
                want = param && strlen(path) > 3 ? "/s/{id}" : NULL;

                for (j = 0; j < n; j++) {
                    if (strcmp(pat[j], path) == 0) {
                        want = pat[j];
                    }
                }

                CHECK(want ? is(get(t, path, NULL), want)
                           : get(t, path, NULL) == NULL);

                /* the last byte changed */

                path[strlen(path)] = '#';
                want = param ? "/s/{id}" : NULL;
                CHECK(want ? is(get(t, path, NULL), want)
                           : get(t, path, NULL) == NULL);
            }

            free_all();
        }
    }

    /* short paths, and a NUL byte where the padding would be */

    t = tree_new();
    CHECK(add(t, "/", 0) == 0);
    CHECK(add(t, "/a", 0) == 0);
    CHECK(add(t, "/ab/", 0) == 0);
    CHECK(add(t, "/abcdef", 0) == 0);
    CHECK(add(t, "/abcdefg", 0) == 0);
    freeze(t);

    CHECK(is(get(t, "/", NULL), "/"));
    CHECK(is(get(t, "/a", NULL), "/a"));
    CHECK(is(get(t, "/ab/", NULL), "/ab/"));
    CHECK(get(t, "/ab", NULL) == NULL);
    CHECK(get(t, "/a/", NULL) == NULL);
    CHECK(get(t, "//", NULL) == NULL);
    CHECK(is(get(t, "/abcdef", NULL), "/abcdef"));
    CHECK(is(get(t, "/abcdefg", NULL), "/abcdefg"));
    CHECK(get(t, "/abcde", NULL) == NULL);
    CHECK(get(t, "/abcdefgh", NULL) == NULL);
    CHECK(ngx_routini_tree_lookup(t, "/a\0", 3, GET, &m)
          == NGX_ROUTINI_NOT_FOUND);
    CHECK(ngx_routini_tree_lookup(t, "/abcdef\0", 8, GET, &m)
          == NGX_ROUTINI_NOT_FOUND);
    CHECK(ngx_routini_tree_lookup(t, "/ab/\0", 5, GET, &m)
          == NGX_ROUTINI_NOT_FOUND);
    free_all();
}


/*
 * Long statics with the same first 8 bytes at one node: the first pass
 * takes a static by its first word, so such a node's statics go by hash.
 */

static void
test_shared_first_word(void)
{
    ngx_routini_tree_t   *t;
    ngx_routini_match_t   m;

    /* two of them (one chain), and a param after them */

    t = tree_new();
    CHECK(add(t, "/a/abcdefghij", 0) == 0);
    CHECK(add(t, "/a/abcdefghik", 0) == 0);
    CHECK(add(t, "/a/{id}", 0) == 0);
    freeze(t);

    CHECK(is(get(t, "/a/abcdefghij", NULL), "/a/abcdefghij"));
    CHECK(is(get(t, "/a/abcdefghik", NULL), "/a/abcdefghik"));
    CHECK(is(get(t, "/a/abcdefghil", &m), "/a/{id}")
          && param_is(&m, "/a/abcdefghil", 0, "id", "abcdefghil"));
    CHECK(is(get(t, "/a/abcdefgh", NULL), "/a/{id}"));
    free_all();

    /* four, three of them by the same first byte, declared both ways */

    t = tree_new();
    CHECK(add(t, "/notifications", 0) == 0);
    CHECK(add(t, "/notifications-by-day/{d}", 0) == 0);
    CHECK(add(t, "/notificationsX", 0) == 0);
    CHECK(add(t, "/x/{id}", 0) == 0);
    CHECK(add(t, "/{page}", 0) == 0);
    freeze(t);

    CHECK(is(get(t, "/notifications", NULL), "/notifications"));
    CHECK(is(get(t, "/notificationsX", NULL), "/notificationsX"));
    CHECK(is(get(t, "/notifications-by-day/3", &m),
             "/notifications-by-day/{d}")
          && param_is(&m, "/notifications-by-day/3", 0, "d", "3"));
    CHECK(is(get(t, "/notificationsY", &m), "/{page}")
          && param_is(&m, "/notificationsY", 0, "page", "notificationsY"));
    CHECK(is(get(t, "/x/1", NULL), "/x/{id}"));
    free_all();

    t = tree_new();
    CHECK(add(t, "/{page}", 0) == 0);
    CHECK(add(t, "/notificationsX", 0) == 0);
    CHECK(add(t, "/notifications", 0) == 0);
    freeze(t);

    CHECK(is(get(t, "/notifications", NULL), "/notifications"));
    CHECK(is(get(t, "/notificationsX", NULL), "/notificationsX"));
    CHECK(is(get(t, "/notificationsXY", NULL), "/{page}"));
    free_all();
}


/*
 * A plain tree, statics and catch-alls after them, as one "/api/{*rest}"
 * location: its own lookup loop, and the full search where it stops.
 */

static void
test_plain(void)
{
    ngx_routini_tree_t   *t;
    ngx_routini_match_t   m;

    t = tree_new();
    CHECK(add(t, "/api/{*rest}", 0) == 0);
    freeze(t);

    CHECK(is(get(t, "/api/users/42", &m), "/api/{*rest}")
          && param_is(&m, "/api/users/42", 0, "rest", "users/42")
          && m.nparams == 1 && m.catchall_start == 5);
    CHECK(is(get(t, "/api/", &m), "/api/{*rest}")
          && param_is(&m, "/api/", 0, "rest", "") && m.catchall_start == 5);
    CHECK(get(t, "/api", NULL) == NULL);
    CHECK(get(t, "/apix/y", NULL) == NULL);
    CHECK(get(t, "/", NULL) == NULL);
    free_all();

    t = tree_new();
    CHECK(add(t, "/v1/users", GET) == 0);
    CHECK(add(t, "/v1/users/{*rest}", PUT) == 0);
    CHECK(add(t, "/v1/long-static-name/x", 0) == 0);
    freeze(t);

    CHECK(is(get(t, "/v1/users", &m), "/v1/users") && m.nparams == 0
          && m.catchall_start == (size_t) -1);
    CHECK(is(get(t, "/v1/long-static-name/x", NULL),
             "/v1/long-static-name/x"));
    CHECK(ngx_routini_tree_lookup(t, "/v1/users", 9, POST, &m)
          == NGX_ROUTINI_METHOD_MISMATCH && m.allowed == GET);
    CHECK(ngx_routini_tree_lookup(t, "/v1/users/7", 11, PUT, &m)
          == NGX_ROUTINI_FOUND && is(m.data, "/v1/users/{*rest}")
          && param_is(&m, "/v1/users/7", 0, "rest", "7"));
    CHECK(ngx_routini_tree_lookup(t, "/v1/users/7", 11, GET, &m)
          == NGX_ROUTINI_METHOD_MISMATCH && m.allowed == PUT);
    CHECK(ngx_routini_tree_lookup(t, "/v1/nothing", 11, GET, &m)
          == NGX_ROUTINI_NOT_FOUND && m.allowed == 0);
    CHECK(ngx_routini_tree_lookup(t, "/v1/long-static-name/y", 22, GET,
                                  &m)
          == NGX_ROUTINI_NOT_FOUND && m.allowed == 0);
    free_all();

    t = tree_new();
    CHECK(add(t, "/{*all}", POST) == 0);
    freeze(t);

    CHECK(ngx_routini_tree_lookup(t, "/anything", 9, POST, &m)
          == NGX_ROUTINI_FOUND && is(m.data, "/{*all}")
          && m.catchall_start == 1);
    CHECK(ngx_routini_tree_lookup(t, "/", 1, POST, &m)
          == NGX_ROUTINI_FOUND && m.params[0].len == 0);
    CHECK(ngx_routini_tree_lookup(t, "/anything", 9, GET, &m)
          == NGX_ROUTINI_METHOD_MISMATCH && m.allowed == POST);
    free_all();

    /* a static beside a catch-all: not plain, the full lookup */

    t = tree_new();
    CHECK(add(t, "/a/{*rest}", 0) == 0);
    CHECK(add(t, "/a/b/c", 0) == 0);
    freeze(t);

    CHECK(is(get(t, "/a/b/c", NULL), "/a/b/c"));
    CHECK(is(get(t, "/a/b/d", &m), "/a/{*rest}")
          && param_is(&m, "/a/b/d", 0, "rest", "b/d"));
    CHECK(is(get(t, "/a/b", &m), "/a/{*rest}")
          && param_is(&m, "/a/b", 0, "rest", "b"));
    free_all();
}


static uint32_t
method_bit(const char *name)
{
    if (strcmp(name, "GET") == 0) {
        return GET;
    }

    if (strcmp(name, "HEAD") == 0) {
        return HEAD;
    }

    if (strcmp(name, "POST") == 0) {
        return POST;
    }

    if (strcmp(name, "PUT") == 0) {
        return PUT;
    }

    if (strcmp(name, "DELETE") == 0) {
        return DELETE;
    }

    return 0x40;
}


/* every sample path of the file matches exactly its own route */

static void
test_route_file(const char *dir, const char *name)
{
    int                   n, i;
    FILE                 *f;
    char                  path[1024], line[1024];
    static char           meth[4096][16], pat[4096][256], sample[4096][256];
    ngx_routini_tree_t   *t;
    ngx_routini_match_t   m;

    snprintf(path, sizeof(path), "%s/%s", dir, name);

    f = fopen(path, "r");
    CHECK(f != NULL);
    if (f == NULL) {
        fprintf(stderr, "  cannot open %s\n", path);
        return;
    }

    n = 0;
    while (n < 4096 && fgets(line, sizeof(line), f)) {
        if (line[0] == '#' || line[0] == '\n') {
            continue;
        }

        if (sscanf(line, "%15s %255s %255s", meth[n], pat[n], sample[n])
            == 3)
        {
            n++;
        }
    }

    fclose(f);
    CHECK(n > 0);

    t = tree_new();

    for (i = 0; i < n; i++) {
        if (add(t, pat[i], method_bit(meth[i])) != 0) {
            fprintf(stderr, "  %s: %s\n", name, err);
            CHECK(0);
        }
    }

    freeze(t);

    for (i = 0; i < n; i++) {
        if (ngx_routini_tree_lookup(t, sample[i], strlen(sample[i]),
                                    method_bit(meth[i]), &m)
            != NGX_ROUTINI_FOUND || m.data != pat[i])
        {
            fprintf(stderr, "  %s: %s %s does not match %s\n", name,
                    meth[i], sample[i], pat[i]);
            CHECK(0);
            continue;
        }

        passed++;
    }

    free_all();
}


int
main(int argc, char **argv)
{
    const char  *dir;

    dir = argc > 1 ? argv[1] : "test/data/routes";

    test_static();
    test_param();
    test_affixes();
    test_segments();
    test_precedence();
    test_backtracking();
    test_catchall();
    test_escapes();
    test_colon();
    test_invalid();
    test_conflicts();
    test_methods();
    test_bytes();
    test_fanout();
    test_lifecycle();
    test_static_lengths();
    test_plain();
    test_shared_first_word();

    test_route_file(dir, "github.routes");
    test_route_file(dir, "static.routes");
    test_route_file(dir, "gplus.routes");
    test_route_file(dir, "parse.routes");

    printf("%d passed, %d failed\n", passed, failed);

    return failed ? 1 : 0;
}
