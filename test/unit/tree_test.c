
/*
 * Copyright (C) routini authors
 */


/*
 * Unit tests of the route tree, in matchit's style: a table of routes,
 * then paths with the route each finds (or none) and its params.  Each
 * table runs in declaration order and, when every insert succeeds,
 * reversed too: the answers do not depend on the order.  Tables whose
 * routes and paths are many and alike are generated; the life cycle and
 * the limits are plain code.  Last, every sample path of the benchmark
 * route files.  Usage: tree_test [ROUTES_DIR] (default test/data/routes,
 * relative to the repository root).
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_routini_tree.h"


/* a table's rows give only the fields they need, the rest are zero */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define GET     0x02
#define HEAD    0x04
#define POST    0x08
#define PUT     0x10
#define DELETE  0x20

#define TEST_MAX_ROUTES  20
#define TEST_MAX_CASES   40


typedef struct {
    const char   *pattern;
    uint32_t      methods;     /* 0: any */
    const char   *err;         /* the insert fails with this message */
    const char   *conflict;    /*   naming this earlier route, or none */
    size_t        len;         /* 0: strlen(pattern) */
} test_route_t;


typedef struct {
    const char   *path;
    const char   *route;       /* the pattern found, NULL: none */
    const char   *params[8];   /* name, value, ... in pattern order */
    uint32_t      method;      /* 0: GET */
    uint32_t      allowed;     /* no route: a 405's methods, 0: a 404 */
    size_t        len;         /* 0: strlen(path) */
} test_case_t;


typedef struct {
    const char   *name;
    test_route_t  routes[TEST_MAX_ROUTES];
    test_case_t   cases[TEST_MAX_CASES];
} test_table_t;


static int   passed;
static int   failed;
static void *blocks[1 << 20];
static int   nblocks;
static char  err[512];


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


static const test_table_t  tables[] = {

    { "static",
      { { "/" }, { "/users" }, { "/users/new" }, { "/user" }, { "/usage" } },
      { { "/", "/" },
        { "/users", "/users" },
        { "/users/new", "/users/new" },
        { "/user", "/user" },
        { "/usage", "/usage" },
        { "/use", NULL },
        { "/users/", NULL },
        { "/users/newer", NULL },
        { "", NULL },
        { "users", NULL } } },

    /* a param is one non-empty segment */

    { "param",
      { { "/users/{id}" }, { "/users/{id}/posts/{post}" } },
      { { "/users/42", "/users/{id}", { "id", "42" } },
        { "/users/42/posts/7", "/users/{id}/posts/{post}",
          { "id", "42", "post", "7" } },
        { "/users/", NULL },
        { "/users/42/", NULL },
        { "/users/42/x", NULL } } },

    /* params of the same names under other statics share their names
     * array: each route still gets its own names */

    { "shared names",
      { { "/a/{id}" }, { "/b/{id}" }, { "/d/{key}" }, { "/b/{id}/{x}" },
        { "/c/{id}/{y}" }, { "/e/{id}/{*rest}" }, { "/f/{id}/{rest}" },
        { "/g/{id}/{x}" } },
      { { "/a/1", "/a/{id}", { "id", "1" } },
        { "/b/2", "/b/{id}", { "id", "2" } },
        { "/b/2/3", "/b/{id}/{x}", { "id", "2", "x", "3" } },
        { "/c/4/5", "/c/{id}/{y}", { "id", "4", "y", "5" } },
        { "/d/6", "/d/{key}", { "key", "6" } },
        { "/e/7/8/9", "/e/{id}/{*rest}", { "id", "7", "rest", "8/9" } },
        { "/f/7/8", "/f/{id}/{rest}", { "id", "7", "rest", "8" } },
        { "/g/1/2", "/g/{id}/{x}", { "id", "1", "x", "2" } } } },

    /* the names made last are shared only with a param under the same
     * earlier params: "{id}" under /a/{x}/s is not the one under /b/{y} */

    { "names under other params",
      { { "/a/{x}/{id}" }, { "/b/{y}/{id}" }, { "/a/{x}/s/{id}" } },
      { { "/a/1/2", "/a/{x}/{id}", { "x", "1", "id", "2" } },
        { "/b/1/2", "/b/{y}/{id}", { "y", "1", "id", "2" } },
        { "/a/1/s/2", "/a/{x}/s/{id}", { "x", "1", "id", "2" } } } },

    /* longest suffix first; the param part stays non-empty */

    { "affixes",
      { { "/files/{name}.png" }, { "/files/{name}.tar.gz" },
        { "/files/{name}.gz" }, { "/img/img-{id}" },
        { "/pic/pic-{id}.jpg" }, { "/files/{name}.png/meta" } },
      { { "/files/logo.png", "/files/{name}.png", { "name", "logo" } },
        { "/files/a.tar.gz", "/files/{name}.tar.gz", { "name", "a" } },
        { "/files/a.gz", "/files/{name}.gz", { "name", "a" } },
        { "/img/img-12", "/img/img-{id}", { "id", "12" } },
        { "/pic/pic-7.jpg", "/pic/pic-{id}.jpg", { "id", "7" } },
        { "/files/x.png/meta", "/files/{name}.png/meta", { "name", "x" } },
        { "/files/.png", NULL },
        { "/img/img-", NULL },
        { "/pic/pic-.jpg", NULL },
        { "/files/logo.jpg", NULL } } },

    { "the longest affix wins, prefix or suffix",
      { { "/x/img-{id}" }, { "/x/{name}.tar.gz" }, { "/x/{name}.c" } },
      { { "/x/img-1.tar.gz", "/x/{name}.tar.gz", { "name", "img-1" } },
        { "/x/img-1.c", "/x/img-{id}", { "id", "1.c" } },
        { "/x/a.c", "/x/{name}.c", { "name", "a" } } } },

    /* static, then affixes by length, then the bare param, then a
     * catch-all (a catch-all and params at one position conflict) */

    { "precedence",
      { { "/q/{*rest}" }, { "/p/{name}" }, { "/p/{name}.png" },
        { "/p/{name}.tar.gz" }, { "/p/static" }, { "/p/img-{id}" },
        { "/{*all}" } },
      { { "/p/static", "/p/static" },
        { "/p/img-1", "/p/img-{id}", { "id", "1" } },
        { "/p/a.tar.gz", "/p/{name}.tar.gz", { "name", "a" } },
        { "/p/a.png", "/p/{name}.png", { "name", "a" } },
        { "/p/a", "/p/{name}", { "name", "a" } },
        { "/p/a/b", "/{*all}", { "all", "p/a/b" } },
        { "/q/a/b", "/q/{*rest}", { "rest", "a/b" } },
        { "/p/img-", "/p/{name}", { "name", "img-" } },
        { "/p/statics", "/p/{name}", { "name", "statics" } } } },

    { "backtracking",
      { { "/secret/{id}/path" }, { "/{object}/{id}" } },
      { { "/secret/978", "/{object}/{id}",
          { "object", "secret", "id", "978" } },
        { "/secret/978/path", "/secret/{id}/path", { "id", "978" } } } },

    { "backtracking out of a static",
      { { "/foo/bar" }, { "/{x}/baz" } },
      { { "/foo/baz", "/{x}/baz", { "x", "foo" } },
        { "/foo/bar", "/foo/bar" } } },

    { "backtracking out of a param into the next param",
      { { "/a/{x}.json/deep" }, { "/a/{y}" } },
      { { "/a/v.json", "/a/{y}", { "y", "v.json" } } } },

    /* the rest of the path, possibly empty, but not the bare prefix */

    { "catch-all",
      { { "/api/{*rest}" }, { "/legacy/*" }, { "/docs/*page" },
        { "/u/{id}/files/{*path}" } },
      { { "/api/x/y", "/api/{*rest}", { "rest", "x/y" } },
        { "/api/", "/api/{*rest}", { "rest", "" } },
        { "/api", NULL },
        { "/apix", NULL },
        { "/legacy/a//b", "/legacy/*", { "rest", "a//b" } },
        { "/docs/intro.html", "/docs/*page", { "page", "intro.html" } },
        { "/u/7/files/a/b.txt", "/u/{id}/files/{*path}",
          { "id", "7", "path", "a/b.txt" } } } },

    { "catch-all at the root",
      { { "/{*rest}" }, { "/" } },
      { { "/", "/" },
        { "/x", "/{*rest}", { "rest", "x" } } } },

    { "escapes",
      { { "/t/{{x}}" }, { "/v1/items\\:batch" }, { "/b/{{{id}}}" } },
      { { "/t/{x}", "/t/{{x}}" },
        { "/t/x", NULL },
        { "/v1/items:batch", "/v1/items\\:batch" },
        { "/b/{7}", "/b/{{{id}}}", { "id", "7" } } } },

    { "colon and star",
      { { "/u/{id}" },
        { "/u/:id", 0, "duplicate route \"/u/:id\" "
                       "(already defined as \"/u/{id}\")", "/u/{id}" },
        { "/users/:id/avatar.png" }, { "/f/:name.png" }, { "/docs/*page" },
        { "/docs/{*page}", 0, "duplicate route \"/docs/{*page}\" "
                              "(already defined as \"/docs/*page\")",
          "/docs/*page" } },
      { { "/users/5/avatar.png", "/users/:id/avatar.png", { "id", "5" } },
        { "/f/cat.png", "/f/:name.png", { "name", "cat" } },
        { "/f/cat.gif", NULL } } },

    /* a failed insert leaves no trace */

    { "invalid patterns",
      { { "/u/{}", 0, "empty parameter name in \"/u/{}\"" },
        { "/u/:", 0, "empty parameter name in \"/u/:\"" },
        { "/u/{*}", 0, "empty parameter name in \"/u/{*}\"" },
        { "/u/{id", 0, "unbalanced \"{\" in \"/u/{id\" (a literal brace "
                       "is written \"{{\" or \"}}\")" },
        { "/u/{id/x}", 0, "unbalanced \"{\" in \"/u/{id/x}\" (a literal "
                          "brace is written \"{{\" or \"}}\")" },
        { "/u/id}", 0, "unbalanced \"}\" in \"/u/id}\" (a literal brace "
                       "is written \"{{\" or \"}}\")" },
        { "/a/{*rest}/b", 0, "catch-all \"{*rest}\" must be the last "
                             "segment in \"/a/{*rest}/b\"" },
        { "/a/*rest/b", 0, "catch-all \"*rest\" must be the last segment "
                           "in \"/a/*rest/b\"" },
        { "/a/x{*rest}", 0, "catch-all \"{*rest}\" must be the last "
                            "segment in \"/a/x{*rest}\"" },
        { "/a/{x}{y}", 0, "only one parameter per segment, \"{y}\" in "
                          "\"/a/{x}{y}\"" },
        { "/a/:x-:y", 0, "only one parameter per segment, \":y\" in "
                         "\"/a/:x-:y\"" },
        { "a/b", 0, "pattern \"a/b\" must start with \"/\"" },
        { "", 0, "pattern \"\" must start with \"/\"" },
        { "/a/{x-y}", 0, "invalid character \"-\" in parameter name "
                         "\"{x-y}\" (use [A-Za-z0-9_]) in \"/a/{x-y}\"" },
        { "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}/{k}/{l}/{m}/{n}/{o}"
          "/{p}/{q}", 0,
          "too many parameters (max 16) in \"/{a}/{b}/{c}/{d}/{e}/{f}/{g}"
          "/{h}/{i}/{j}/{k}/{l}/{m}/{n}/{o}/{p}/{q}\"" },
        { "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}/{k}/{l}/{m}/{n}/{o}"
          "/{p}" } },
      { { "/u/x", NULL },
        { "/a/x", NULL } } },

    /* same name at one position, different suffixes: fine */

    { "conflicts",
      { { "/u/{id}" }, { "/files/{name}" }, { "/api/{*rest}" },
        { "/u/{user}/x", 0, "conflicting param names \"{id}\" and "
                            "\"{user}\" at the same position in "
                            "\"/u/{user}/x\" and \"/u/{id}\"", "/u/{id}" },
        { "/files/{*path}", 0, "param and catch-all at the same position "
                               "in \"/files/{*path}\" and \"/files/{name}\"",
          "/files/{name}" },
        { "/api/{name}", 0, "param and catch-all at the same position in "
                            "\"/api/{name}\" and \"/api/{*rest}\"",
          "/api/{*rest}" },
        { "/api/*path", 0, "conflicting param names \"{*rest}\" and "
                           "\"{*path}\" at the same position in "
                           "\"/api/*path\" and \"/api/{*rest}\"",
          "/api/{*rest}" },
        { "/u/{id}", 0, "duplicate route \"/u/{id}\" (already defined as "
                        "\"/u/{id}\")", "/u/{id}" },
        { "/u/{id}/x" }, { "/u/{user}.png" } },
      { { "/u/7", "/u/{id}", { "id", "7" } },
        { "/u/7/x", "/u/{id}/x", { "id", "7" } },
        { "/u/7.png", "/u/{user}.png", { "user", "7" } } } },

    /* a 405 has the union of the masks of the routes matching the path;
     * a broader route takes what a narrower one refuses */

    { "methods",
      { { "/users/{id}", GET | HEAD },
        { "/users/:id", POST },
        { "/users/{id}", 0, "duplicate route \"/users/{id}\" (already "
                            "defined as \"/users/{id}\")", "/users/{id}" },
        { "/users/{id}", PUT },
        { "/users/{id}", 0, "duplicate route \"/users/{id}\" (already "
                            "defined as \"/users/{id}\")", "/users/{id}" },
        { "/items/{id}", GET }, { "/{*rest}", POST }, { "/only", GET } },
      { { "/users/1", "/users/:id", { "id", "1" }, POST },
        { "/users/1", "/users/{id}", { "id", "1" }, HEAD },
        { "/only", NULL, { NULL }, DELETE, GET | POST },
        { "/users/1", NULL, { NULL }, DELETE, GET | HEAD | POST | PUT },
        { "/items/1", "/{*rest}", { "rest", "items/1" }, POST },
        { "/nothing", NULL, { NULL }, GET, POST } } },

    { "a 404 allows nothing",
      { { "/a", GET } },
      { { "/b", NULL } } },

    { "any byte",
      { { "/a\0b", 0, NULL, NULL, 4 }, { "/\xc3\xa9t\xc3\xa9" },
        { "/p/{x}" } },
      { { "/a\0b", "/a\0b", { NULL }, 0, 0, 4 },
        { "/a\0c", NULL, { NULL }, 0, 0, 4 },
        { "/\xc3\xa9t\xc3\xa9", "/\xc3\xa9t\xc3\xa9" },
        { "/p/\xff\x01", "/p/{x}", { "x", "\xff\x01" } } } },

    /* nodes with many statics, told apart by their first byte or, when
     * many share it, by a hash: the empty segment ("/n/", "/n//x") is
     * found both at the end of the path and before a "/" */

    { "fan-out",
      { { "/n/a" }, { "/n/b" }, { "/n/c" }, { "/n/d" }, { "/n/e" },
        { "/n/f" }, { "/h/ra" }, { "/h/rb" }, { "/h/rc" }, { "/h/rd" },
        { "/h/re" }, { "/h/rf" }, { "/n/" }, { "/n//x" }, { "/h/" },
        { "/h//x" }, { "/h/{id}" } },
      { { "/n/a", "/n/a" }, { "/n/a/", NULL },
        { "/n/b", "/n/b" }, { "/n/b/", NULL },
        { "/n/c", "/n/c" }, { "/n/c/", NULL },
        { "/n/d", "/n/d" }, { "/n/d/", NULL },
        { "/n/e", "/n/e" }, { "/n/e/", NULL },
        { "/n/f", "/n/f" }, { "/n/f/", NULL },
        { "/h/ra", "/h/ra" }, { "/h/ra/", NULL },
        { "/h/rb", "/h/rb" }, { "/h/rb/", NULL },
        { "/h/rc", "/h/rc" }, { "/h/rc/", NULL },
        { "/h/rd", "/h/rd" }, { "/h/rd/", NULL },
        { "/h/re", "/h/re" }, { "/h/re/", NULL },
        { "/h/rf", "/h/rf" }, { "/h/rf/", NULL },
        { "/n/", "/n/" },
        { "/n//x", "/n//x" },
        { "/n/g", NULL },
        { "/n//", NULL },
        { "/h/", "/h/" },
        { "/h//x", "/h//x" },
        { "/h/rg", "/h/{id}", { "id", "rg" } },
        { "/h/ra1", "/h/{id}", { "id", "ra1" } } } },

    /* short paths, and a NUL byte where the padding would be */

    { "short paths",
      { { "/" }, { "/a" }, { "/ab/" }, { "/abcdef" }, { "/abcdefg" } },
      { { "/", "/" },
        { "/a", "/a" },
        { "/ab/", "/ab/" },
        { "/ab", NULL },
        { "/a/", NULL },
        { "//", NULL },
        { "/abcdef", "/abcdef" },
        { "/abcdefg", "/abcdefg" },
        { "/abcde", NULL },
        { "/abcdefgh", NULL },
        { "/a\0", NULL, { NULL }, 0, 0, 3 },
        { "/abcdef\0", NULL, { NULL }, 0, 0, 8 },
        { "/ab/\0", NULL, { NULL }, 0, 0, 5 } } },

    /* long statics with the same first 8 bytes at one node go by hash, as
     * a static is taken by its first word: two (one chain), a param after
     * them */

    { "shared first word",
      { { "/a/abcdefghij" }, { "/a/abcdefghik" }, { "/a/{id}" } },
      { { "/a/abcdefghij", "/a/abcdefghij" },
        { "/a/abcdefghik", "/a/abcdefghik" },
        { "/a/abcdefghil", "/a/{id}", { "id", "abcdefghil" } },
        { "/a/abcdefgh", "/a/{id}", { "id", "abcdefgh" } } } },

    /* the same first and last words and length, one hash slot: only the
     * bytes between tell them apart */

    { "shared first and last words",
      { { "/a/abcdefgh-1-ijklmnop" }, { "/a/abcdefgh-2-ijklmnop" },
        { "/a/{id}" } },
      { { "/a/abcdefgh-1-ijklmnop", "/a/abcdefgh-1-ijklmnop" },
        { "/a/abcdefgh-2-ijklmnop", "/a/abcdefgh-2-ijklmnop" },
        { "/a/abcdefgh-3-ijklmnop", "/a/{id}",
          { "id", "abcdefgh-3-ijklmnop" } } } },

    { "shared first word, three by one first byte",
      { { "/notifications" }, { "/notifications-by-day/{d}" },
        { "/notificationsX" }, { "/x/{id}" }, { "/{page}" } },
      { { "/notifications", "/notifications" },
        { "/notificationsX", "/notificationsX" },
        { "/notifications-by-day/3", "/notifications-by-day/{d}",
          { "d", "3" } },
        { "/notificationsY", "/{page}", { "page", "notificationsY" } },
        { "/x/1", "/x/{id}", { "id", "1" } } } },

    { "shared first word, the param first",
      { { "/{page}" }, { "/notificationsX" }, { "/notifications" } },
      { { "/notifications", "/notifications" },
        { "/notificationsX", "/notificationsX" },
        { "/notificationsXY", "/{page}", { "page", "notificationsXY" } } } },

    /* plain trees, statics and catch-alls after them, as one
     * "/api/{*rest}" location */

    { "plain",
      { { "/api/{*rest}" } },
      { { "/api/users/42", "/api/{*rest}", { "rest", "users/42" } },
        { "/api/", "/api/{*rest}", { "rest", "" } },
        { "/api", NULL },
        { "/apix/y", NULL },
        { "/", NULL } } },

    { "plain, methods",
      { { "/v1/users", GET }, { "/v1/users/{*rest}", PUT },
        { "/v1/long-static-name/x" } },
      { { "/v1/users", "/v1/users" },
        { "/v1/long-static-name/x", "/v1/long-static-name/x" },
        { "/v1/users", NULL, { NULL }, POST, GET },
        { "/v1/users/7", "/v1/users/{*rest}", { "rest", "7" }, PUT },
        { "/v1/users/7", NULL, { NULL }, GET, PUT },
        { "/v1/nothing", NULL },
        { "/v1/long-static-name/y", NULL } } },

    { "plain, a catch-all at the root",
      { { "/{*all}", POST } },
      { { "/anything", "/{*all}", { "all", "anything" }, POST },
        { "/", "/{*all}", { "all", "" }, POST },
        { "/anything", NULL, { NULL }, GET, POST } } },

    /* a static beside a catch-all: not plain */

    { "plain, a static beside a catch-all",
      { { "/a/{*rest}" }, { "/a/b/c" } },
      { { "/a/b/c", "/a/b/c" },
        { "/a/b/d", "/a/{*rest}", { "rest", "b/d" } },
        { "/a/b", "/a/{*rest}", { "rest", "b" } } } }
};


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


/* a block given back is freed at once, so that a use after is caught */

static void
test_free(void *ctx, void *p)
{
    int  i;

    (void) ctx;

    for (i = nblocks - 1; i >= 0; i--) {
        if (blocks[i] == p) {
            free(p);
            blocks[i] = NULL;
            return;
        }
    }

    abort();
}


static void
free_all(void)
{
    while (nblocks) {
        free(blocks[--nblocks]);
    }
}


static void
expect(int ok, const char *table, const char *what, const char *path)
{
    if (ok) {
        passed++;
        return;
    }

    failed++;
    fprintf(stderr, "%s: %s: %s\n", table, what, path);
}


/* does the pattern end with a catch-all? */

static int
test_catchall(const char *pattern)
{
    const char  *last;

    last = strrchr(pattern, '/') + 1;

    return last[0] == '*' || (last[0] == '{' && last[1] == '*');
}


static void
test_lookup(ngx_routini_tree_t *t, const char *table, const test_case_t *c)
{
    int                    rc, ok;
    size_t                 len, n, i;
    uint32_t               method;
    const char            *value;
    ngx_routini_match_t    m;
    const test_route_t    *r;
    ngx_routini_span_t    *v;

    len = c->len ? c->len : strlen(c->path);
    method = c->method ? c->method : GET;

    rc = ngx_routini_tree_lookup(t, c->path, len, method, &m);

    if (c->route == NULL) {
        ok = rc == (c->allowed ? NGX_ROUTINI_METHOD_MISMATCH
                               : NGX_ROUTINI_NOT_FOUND)
             && m.allowed == c->allowed;
        expect(ok, table, c->allowed ? "not a 405 with these methods"
                                     : "found", c->path);
        return;
    }

    r = m.data;
    ok = rc == NGX_ROUTINI_FOUND && strcmp(r->pattern, c->route) == 0;
    expect(ok, table, "not found, or another route", c->path);

    if (!ok) {
        return;
    }

    for (n = 0; n < 8 && c->params[n]; n += 2) { /* void */ }

    ok = m.nparams == n / 2;

    for (i = 0; ok && i < m.nparams; i++) {
        value = c->params[2 * i + 1];
        ok = strcmp(m.names[i], c->params[2 * i]) == 0
             && ngx_routini_match_name_lens(&m)[i] == strlen(m.names[i])
             && m.params[i].len == strlen(value)
             && memcmp(c->path + m.params[i].start, value, m.params[i].len)
                == 0;
    }

    expect(ok, table, "params", c->path);

    if (test_catchall(r->pattern)) {
        v = &m.params[m.nparams - 1];
        ok = m.catchall_start == v->start && v->start + v->len == len;

    } else {
        ok = m.catchall_start == (size_t) -1;
    }

    expect(ok, table, "catch-all start", c->path);
}


/* the routes in order (reversed: from the last), then the cases */

static void
test_run(const char *table, const test_route_t *routes, size_t nroutes,
    const test_case_t *cases, size_t ncases, int reversed)
{
    int                  rc, ok;
    void                *conflict;
    size_t               i, k, len;
    ngx_routini_tree_t  *t;
    const test_route_t  *r;

    t = ngx_routini_tree_create(test_alloc, test_free, NULL);
    CHECK(t != NULL);

    for (k = 0; k < nroutes; k++) {
        r = &routes[reversed ? nroutes - 1 - k : k];
        len = r->len ? r->len : strlen(r->pattern);

        rc = ngx_routini_tree_insert(t, r->pattern, len, r->methods,
                                     (void *) r, &conflict, err,
                                     sizeof(err));

        if (r->err == NULL) {
            expect(rc == 0, table, err, r->pattern);
            continue;
        }

        ok = rc == -1 && strcmp(err, r->err) == 0;
        expect(ok, table, "insert", r->pattern);

        if (!ok) {
            fprintf(stderr, "  got:  %s\n  want: %s\n", err, r->err);
        }

        ok = r->conflict
             ? conflict
               && strcmp(((test_route_t *) conflict)->pattern, r->conflict)
                  == 0
             : conflict == NULL;
        expect(ok, table, "conflict", r->pattern);
    }

    expect(ngx_routini_tree_freeze(t, NULL, err, sizeof(err)) == 0, table,
           err, "freeze");

    for (i = 0; i < ncases; i++) {
        test_lookup(t, table, &cases[i]);
    }

    free_all();
}


static void
test_tables(void)
{
    int                  reversed;
    size_t               i, nroutes, ncases;
    const test_table_t  *tt;

    for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        tt = &tables[i];
        reversed = 1;

        for (nroutes = 0;
             nroutes < TEST_MAX_ROUTES && tt->routes[nroutes].pattern;
             nroutes++)
        {
            if (tt->routes[nroutes].err) {
                reversed = 0;
            }
        }

        for (ncases = 0;
             ncases < TEST_MAX_CASES && tt->cases[ncases].path;
             ncases++)
        {
            /* void */
        }

        test_run(tt->name, tt->routes, nroutes, tt->cases, ncases, 0);

        if (reversed) {
            test_run(tt->name, tt->routes, nroutes, tt->cases, ncases, 1);
        }
    }
}


/*
 * Generated tables: a route per segment length around the 8-byte words,
 * at one node or at nodes of their own, each found, and not with one
 * byte more or one byte different.
 */

static void
test_segments(void)
{
    int           wide;
    size_t        len, n, nr, nc;
    test_route_t  routes[20];
    test_case_t   cases[60];
    static char   pat[18][40], more[18][40], other[18][40];

    for (wide = 0; wide < 2; wide++) {
        memset(routes, 0, sizeof(routes));
        memset(cases, 0, sizeof(cases));
        nr = 0;
        nc = 0;

        for (len = 0; len <= 17; len++) {
            if (wide) {
                snprintf(pat[len], sizeof(pat[len]), "/%.*s", (int) len,
                         "abcdefghijklmnopqrstuvwxyz");

            } else {
                snprintf(pat[len], sizeof(pat[len]), "/n%zu/%.*s", len,
                         (int) len, "abcdefghijklmnopqrstuvwxyz");
            }

            routes[nr++].pattern = pat[len];

            cases[nc].path = pat[len];
            cases[nc++].route = pat[len];

            n = strlen(pat[len]);
            memcpy(more[len], pat[len], n);
            memcpy(more[len] + n, "z", 2);
            cases[nc++].path = more[len];

            if (len) {
                memcpy(other[len], pat[len], n + 1);
                other[len][n - 1] = 'Z';
                cases[nc++].path = other[len];
            }
        }

        routes[nr++].pattern = "/s/a/";
        routes[nr++].pattern = "/s/a//b";

        cases[nc].path = "/s/a/";
        cases[nc++].route = "/s/a/";
        cases[nc].path = "/s/a//b";
        cases[nc++].route = "/s/a//b";
        cases[nc++].path = "/s/a//";

        test_run(wide ? "segments, one node" : "segments", routes, nr,
                 cases, nc, 0);
    }
}


/*
 * Statics of 1 to 20 bytes, around the 8 and 16 of the word-wise compare,
 * in each layout (one chain, by first byte, hashed), with and without a
 * param sibling (without, the tree is plain: statics and catch-alls), at
 * the path's end, before a "/", and cut or grown by one byte.
 */

static void
test_static_lengths(void)
{
    int           layout, param;
    size_t        i, j, n, lo, hi, nc;
    test_route_t  routes[24];
    test_case_t   cases[24 * 6];
    static char   pat[24][32], path[24][5][32];
    const char   *name;

    static const char  *names[3][2] = {
        { "static lengths, one chain", "static lengths, one chain, param" },
        { "static lengths, by first byte",
          "static lengths, by first byte, param" },
        { "static lengths, hashed", "static lengths, hashed, param" }
    };

    for (layout = 0; layout < 3; layout++) {
        for (param = 0; param < 2; param++) {

            /* one chain: lengths 6 to 9; by first byte: 1 to 20, each
             * its own first byte; hashed: 1 to 20, all starting "k" */

            lo = layout == 0 ? 6 : 1;
            hi = layout == 0 ? 9 : 20;
            memset(routes, 0, sizeof(routes));
            memset(cases, 0, sizeof(cases));
            n = 0;

            for (i = lo; i <= hi; i++, n++) {
                memcpy(pat[n], "/s/", 3);

                for (j = 0; j < i; j++) {
                    pat[n][3 + j] = (char) ('a' + (i * 7 + j * 3) % 26);
                }

                pat[n][3] = layout == 2 ? 'k' : (char) ('A' + i);
                pat[n][3 + i] = '\0';
                routes[n].pattern = pat[n];
            }

            if (param) {
                routes[n].pattern = "/s/{id}";
            }

            nc = 0;

            for (i = 0; i < n; i++) {
                cases[nc].path = pat[i];
                cases[nc++].route = pat[i];

                /* before a "/": no route, the param does not cross it */

                snprintf(path[i][0], 32, "%s/", pat[i]);
                cases[nc++].path = path[i][0];

                snprintf(path[i][1], 32, "%s/x", pat[i]);
                cases[nc++].path = path[i][1];

                /* grown by a byte: a param value, or nothing */

                snprintf(path[i][2], 32, "%sz", pat[i]);
                cases[nc].path = path[i][2];

                if (param) {
                    cases[nc].route = "/s/{id}";
                    cases[nc].params[0] = "id";
                    cases[nc].params[1] = path[i][2] + 3;
                }

                nc++;

                /* cut by a byte: another static, a param value, or
                 * nothing */

                snprintf(path[i][3], 32, "%s", pat[i]);
                path[i][3][strlen(path[i][3]) - 1] = '\0';
                cases[nc].path = path[i][3];

                if (param && strlen(path[i][3]) > 3) {
                    cases[nc].route = "/s/{id}";
                    cases[nc].params[0] = "id";
                    cases[nc].params[1] = path[i][3] + 3;
                }

                for (j = 0; j < n; j++) {
                    if (strcmp(pat[j], path[i][3]) == 0) {
                        cases[nc].route = pat[j];
                        cases[nc].params[0] = NULL;
                    }
                }

                nc++;

                /* the last byte changed */

                snprintf(path[i][4], 32, "%s", pat[i]);
                path[i][4][strlen(path[i][4]) - 1] = '#';
                cases[nc].path = path[i][4];

                if (param) {
                    cases[nc].route = "/s/{id}";
                    cases[nc].params[0] = "id";
                    cases[nc].params[1] = path[i][4] + 3;
                }

                nc++;
            }

            name = names[layout][param];
            test_run(name, routes, n + param, cases, nc, 0);
            test_run(name, routes, n + param, cases, nc, 1);
        }
    }
}


/* many static siblings use the byte index */

static void
test_many_statics(void)
{
    size_t        i;
    test_route_t  routes[65];
    test_case_t   cases[65];
    static char   pat[64][16];

    memset(routes, 0, sizeof(routes));
    memset(cases, 0, sizeof(cases));

    for (i = 0; i < 64; i++) {
        snprintf(pat[i], sizeof(pat[i]), "/%c%zu",
                 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                 "0123456789-."[i], i);
        routes[i].pattern = pat[i];
        cases[i].path = pat[i];
        cases[i].route = pat[i];
    }

    routes[64].pattern = "/{x}";
    cases[64].path = "/A1";
    cases[64].route = "/{x}";
    cases[64].params[0] = "x";
    cases[64].params[1] = "A1";

    test_run("many statics", routes, 65, cases, 65, 0);
    test_run("many statics", routes, 65, cases, 65, 1);
}


static int
add(ngx_routini_tree_t *t, const char *pattern)
{
    return ngx_routini_tree_insert(t, pattern, strlen(pattern), 0,
                                   (void *) pattern, NULL, err, sizeof(err));
}


/*
 * Before freeze a lookup finds nothing; after it an insert fails; error
 * messages cut to the buffer stay NUL-terminated; a param value may hold
 * any byte, NUL included.
 */

static void
test_lifecycle(void)
{
    ngx_routini_tree_t   *t;
    ngx_routini_match_t   m;

    t = ngx_routini_tree_create(test_alloc, test_free, NULL);
    CHECK(add(t, "/a") == 0);
    CHECK(add(t, "/p/{x}") == 0);
    CHECK(ngx_routini_tree_lookup(t, "/a", 2, GET, &m)
          == NGX_ROUTINI_NOT_FOUND);
    CHECK(ngx_routini_tree_freeze(t, NULL, err, sizeof(err)) == 0);
    CHECK(ngx_routini_tree_lookup(t, "/a", 2, GET, &m)
          == NGX_ROUTINI_FOUND && strcmp(m.data, "/a") == 0);
    CHECK(add(t, "/b") == -1
          && strcmp(err, "route tree is frozen, cannot add \"/b\"") == 0);
    CHECK(ngx_routini_tree_memory(t) > 0);

    CHECK(ngx_routini_tree_lookup(t, "/p/\0\xff", 5, GET, &m)
          == NGX_ROUTINI_FOUND && m.params[0].start == 3
          && m.params[0].len == 2);
    free_all();

    t = ngx_routini_tree_create(test_alloc, test_free, NULL);
    CHECK(add(t, "/u/{id}") == 0);
    CHECK(ngx_routini_tree_insert(t, "/u/{id}", 7, 0, NULL, NULL, err, 10)
          == -1);
    CHECK(strcmp(err, "duplicate") == 0);
    free_all();
}


/*
 * 4096 params, each with its own prefix, after the same segments are the
 * most a node takes: the next is refused before the tree changes.
 */

static void
test_node_params(void)
{
    int                   i;
    static char           buf[4097][16];
    ngx_routini_tree_t   *t;
    ngx_routini_match_t   m;

    t = ngx_routini_tree_create(test_alloc, test_free, NULL);

    for (i = 0; i < 4097; i++) {
        snprintf(buf[i], sizeof(buf[i]), "/%d{x}", i);

        if (add(t, buf[i]) != 0) {
            break;
        }
    }

    CHECK(i == 4096
          && strcmp(err, "too many different params after the same "
                         "segments (max 4096) in \"/4096{x}\"") == 0);
    CHECK(add(t, "/7{x}/a") == 0 && add(t, "/s") == 0);
    CHECK(ngx_routini_tree_freeze(t, NULL, err, sizeof(err)) == 0);

    CHECK(ngx_routini_tree_lookup(t, "/4095z", 6, GET, &m)
          == NGX_ROUTINI_FOUND && strcmp(m.data, "/4095{x}") == 0
          && m.params[0].start == 5 && m.params[0].len == 1);
    CHECK(ngx_routini_tree_lookup(t, "/7b/a", 5, GET, &m)
          == NGX_ROUTINI_FOUND && strcmp(m.data, "/7{x}/a") == 0);
    free_all();
}


/*
 * "/{x}", "/a/{x}", "/a/a/{x}", ...: a lookup of "/a/a/.../a/" may come
 * back to each "{x}" on the way.  128 such alternatives on one path fit
 * the lookup's stack; with 129 freeze names the deepest.
 */

static void
test_branches(void)
{
    int                   i, k;
    char                 *p;
    void                 *route;
    static char           buf[130][300];
    ngx_routini_tree_t   *t;
    ngx_routini_match_t   m;

    for (k = 128; k <= 129; k++) {
        t = ngx_routini_tree_create(test_alloc, test_free, NULL);

        for (i = 0; i < k; i++) {
            p = buf[i];
            *p++ = '/';

            while (p - buf[i] < 1 + 2 * i) {
                *p++ = 'a';
                *p++ = '/';
            }

            strcpy(p, "{x}");
            CHECK(add(t, buf[i]) == 0);
        }

        route = NULL;

        if (k == 128) {
            CHECK(ngx_routini_tree_freeze(t, &route, err, sizeof(err)) == 0
                  && route == NULL);
            CHECK(ngx_routini_tree_lookup(t, buf[127], strlen(buf[127]),
                                          GET, &m)
                  == NGX_ROUTINI_FOUND && m.data == buf[127]);
            CHECK(ngx_routini_tree_lookup(t, "/a/a/7", 6, GET, &m)
                  == NGX_ROUTINI_FOUND && m.data == buf[2]);

        } else {
            CHECK(ngx_routini_tree_freeze(t, &route, err, sizeof(err)) == -1
                  && route == buf[128]);
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

    t = ngx_routini_tree_create(test_alloc, test_free, NULL);

    for (i = 0; i < n; i++) {
        if (ngx_routini_tree_insert(t, pat[i], strlen(pat[i]),
                                    method_bit(meth[i]), pat[i], NULL, err,
                                    sizeof(err))
            != 0)
        {
            fprintf(stderr, "  %s: %s\n", name, err);
            CHECK(0);
        }
    }

    CHECK(ngx_routini_tree_freeze(t, NULL, err, sizeof(err)) == 0);

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

    test_tables();
    test_segments();
    test_static_lengths();
    test_many_statics();
    test_lifecycle();
    test_branches();
    test_node_params();

    test_route_file(dir, "github.routes");
    test_route_file(dir, "static.routes");
    test_route_file(dir, "gplus.routes");
    test_route_file(dir, "parse.routes");

    printf("%d passed, %d failed\n", passed, failed);

    return failed ? 1 : 0;
}
