# routini_route: matching, precedence, backtracking, params, methods,
# 404/405, fallthrough and regex routes.  The routed location answers with
# "return", which runs in the rewrite phase after the router.

use Test::Nginx::Socket 'no_plan';

no_shuffle();
no_root_location();
run_tests();

__DATA__

=== TEST 1: static, param and catch-all routes with their params
--- config
    location / {
        routini_route /                   root;
        routini_route /users/:id          users;
        routini_route "/files/{name}.png" png;
        routini_route "/api/{*rest}"      api;
        routini_route /static/*           static;
        routini_route /docs/*page         docs;
        return 200 "$routini_route|$routini_upstream|id=$routini_param_id|name=$routini_param_name|rest=$routini_param_rest|page=$routini_param_page\n";
    }
--- request eval
[
    "GET /",
    "GET /users/42",
    "GET /files/cat.png",
    "GET /api/a/b/c",
    "GET /api/",
    "GET /static/css/site.css",
    "GET /docs/guide/intro",
]
--- response_body eval
[
    "/|root|id=|name=|rest=|page=\n",
    "/users/:id|users|id=42|name=|rest=|page=\n",
    "/files/{name}.png|png|id=|name=cat|rest=|page=\n",
    "/api/{*rest}|api|id=|name=|rest=a/b/c|page=\n",
    "/api/{*rest}|api|id=|name=|rest=|page=\n",
    "/static/*|static|id=|name=|rest=css/site.css|page=\n",
    "/docs/*page|docs|id=|name=|rest=|page=guide/intro\n",
]
--- no_error_log
[error]



=== TEST 2: a param never crosses "/", is never empty; a catch-all needs its "/"
--- config
    location / {
        routini_route /users/:id    users;
        routini_route "/api/{*rest}" api;
        return 200 "$routini_route id=$routini_param_id\n";
    }
--- request eval
[
    "GET /users/42/extra",
    "GET /users/",
    "GET /users",
    "GET /api",
]
--- error_code eval
[404, 404, 404, 404]



=== TEST 3: precedence does not depend on declaration order
--- config
    location / {
        routini_route /p/:id              param;
        routini_route "/p/{id}.png"       suffix;
        routini_route "/p/img-{id}.png"   prefix_suffix;
        routini_route /p/new              static;
        routini_route "/q/{*rest}"        catchall;
        routini_route /q/x/:id            under_catchall;
        routini_route /q/new              q_static;
        return 200 "$routini_upstream id=$routini_param_id rest=$routini_param_rest\n";
    }
--- request eval
[
    "GET /p/new",
    "GET /p/img-7.png",
    "GET /p/7.png",
    "GET /p/7",
    "GET /q/new",
    "GET /q/x/1",
    "GET /q/x",
    "GET /q/other/deep",
]
--- response_body eval
[
    "static id= rest=\n",
    "prefix_suffix id=7 rest=\n",
    "suffix id=7 rest=\n",
    "param id=7 rest=\n",
    "q_static id= rest=\n",
    "under_catchall id=1 rest=\n",
    "catchall id= rest=x\n",
    "catchall id= rest=other/deep\n",
]



=== TEST 4: backtracking (matchit): /{object}/{id} and /secret/{id}/path
--- config
    location / {
        routini_route "/{object}/{id}"     object_id;
        routini_route "/secret/{id}/path"  secret_path;
        routini_route /foo/bar             foo_bar;
        routini_route "/{object}/baz"      object_baz;
        return 200 "$routini_upstream object=$routini_param_object id=$routini_param_id\n";
    }
--- request eval
[
    "GET /secret/978",
    "GET /secret/978/path",
    "GET /users/42",
    "GET /foo/bar",
    "GET /foo/baz",
]
--- response_body eval
[
    "object_id object=secret id=978\n",
    "secret_path object= id=978\n",
    "object_id object=users id=42\n",
    "foo_bar object= id=\n",
    "object_baz object=foo id=\n",
]



=== TEST 5: brace and colon spellings build the same tree; literal braces and colons
--- config
    location / {
        routini_route /u/:id/avatar.png   avatar;
        routini_route "/{{literal}}"      braces;
        routini_route /time\:now          colon;
        routini_route /v/:file.json       json;
        return 200 "$routini_upstream id=$routini_param_id file=$routini_param_file\n";
    }
--- request eval
[
    "GET /u/9/avatar.png",
    "GET /{literal}",
    "GET /time:now",
    "GET /v/data.json",
]
--- response_body eval
[
    "avatar id=9 file=\n",
    "braces id= file=\n",
    "colon id= file=\n",
    "json id= file=data\n",
]



=== TEST 6: params are decoded, as nginx decodes r->uri
--- config
    location / {
        routini_route /users/:id users;
        return 200 "[$routini_param_id]\n";
    }
--- request eval
[
    "GET /users/a%20b",
    "GET /users/caf%C3%A9",
    "GET /users/x%3Ay",
]
--- response_body eval
[
    "[a b]\n",
    "[caf\xc3\xa9]\n",
    "[x:y]\n",
]



=== TEST 7: no route: 404 through nginx's error path, error_page works
--- config
    error_page 404 = /notfound;
    location / {
        routini_route /a a;
        return 200 "a\n";
    }
    location = /notfound {
        return 404 "custom not found\n";
    }
--- request
GET /nothing
--- error_code: 404
--- response_body
custom not found



=== TEST 8: methods= excludes a method: 405 with Allow listing the union
--- config
    location / {
        routini_route /users/:id   read   methods=GET,HEAD;
        routini_route "/users/{id}" write methods=put,DELETE;
        return 200 "$routini_upstream\n";
    }
--- request eval
[
    "GET /users/1",
    "HEAD /users/1",
    "DELETE /users/1",
    "POST /users/1",
]
--- error_code eval
[200, 200, 200, 405]
--- response_headers eval
[
    "!Allow",
    "!Allow",
    "!Allow",
    "Allow: GET, HEAD, PUT, DELETE",
]



=== TEST 9: a route excluding the method does not match; a broader route takes it
--- config
    location / {
        routini_route /users/new   create  methods=POST;
        routini_route /users/:id   show;
        return 200 "$routini_upstream id=$routini_param_id\n";
    }
--- request eval
[
    "POST /users/new",
    "GET /users/new",
]
--- response_body eval
[
    "create id=\n",
    "show id=new\n",
]



=== TEST 10: routini_fallthrough on leaves unmatched requests alone
--- config
    location / {
        routini_fallthrough on;
        routini_route /a  a  methods=GET;
        return 200 "[$routini_upstream][$routini_route]\n";
    }
--- request eval
[
    "GET /a",
    "GET /b",
    "POST /a",
]
--- error_code eval
[200, 200, 200]
--- response_body eval
[
    "[a][/a]\n",
    "[][]\n",
    "[][]\n",
]



=== TEST 11: regex routes, named captures as params, tried only when the tree misses
--- config
    location / {
        routini_route "~^/re/(?<year>\d+)/(?<slug>[^/]+)$"  blog;
        routini_route "~*\.(png|jpg)$"                      images;
        routini_route /re/static/page                       tree;
        return 200 "$routini_upstream year=$routini_param_year slug=$routini_param_slug\n";
    }
--- request eval
[
    "GET /re/2024/hello",
    "GET /re/static/page",
    "GET /x/photo.PNG",
    "GET /x/photo.gif",
    "GET /re/abc/hello",
]
--- error_code eval
[200, 200, 200, 404, 404]
--- response_body_like eval
[
    "^blog year=2024 slug=hello\n\$",
    "^tree year= slug=\n\$",
    "^images year= slug=\n\$",
    "404 Not Found",
    "404 Not Found",
]



=== TEST 12: regex routes honour methods= and join the 405 Allow union
--- config
    location / {
        routini_route "~^/r/\d+$"  nums  methods=POST;
        routini_route /r/:id       ids   methods=GET;
        return 200 "$routini_upstream\n";
    }
--- request eval
[
    "POST /r/1",
    "DELETE /r/1",
]
--- error_code eval
[200, 405]
--- response_headers eval
[
    "!Allow",
    "Allow: GET, POST",
]



=== TEST 13: name= labels $routini_route
--- config
    location / {
        routini_route /users/:id users name=user_show;
        return 200 "$routini_route\n";
    }
--- request
GET /users/1
--- response_body
user_show



=== TEST 14: targets may contain variables, params among them, on tree and regex routes
--- config
    location / {
        routini_route /t/:shard  "pool_$routini_param_shard";
        routini_route /h         "$http_x_pool";
        routini_route "~^/re/(?<region>[a-z]+)$"  "pool_$routini_param_region";
        return 200 "$routini_upstream\n";
    }
--- request eval
[
    "GET /t/eu",
    "GET /h",
    "GET /re/us",
]
--- more_headers
X-Pool: from_header
--- response_body eval
[
    "pool_eu\n",
    "from_header\n",
    "pool_us\n",
]



=== TEST 15: server-level routes are inherited by locations that declare none
--- config
    routini_route /srv/:id  server_level;

    location / {
        return 200 "$routini_upstream id=$routini_param_id\n";
    }

    location /own/ {
        routini_route /own/x  own;
        return 200 "$routini_upstream\n";
    }
--- request eval
[
    "GET /srv/5",
    "GET /own/x",
    "GET /own/srv",
]
--- error_code eval
[200, 200, 404]
--- response_body_like eval
[
    "^server_level id=5\n\$",
    "^own\n\$",
    "404",
]



=== TEST 16: unknown methods only match routes without methods=
--- config
    location / {
        routini_route /any       any;
        routini_route /get-only  get methods=GET;
        return 200 "$routini_upstream\n";
    }
--- request eval
[
    "FOO /any",
    "FOO /get-only",
]
--- error_code eval
[200, 405]



=== TEST 17: named captures after group 16, more than 16 of them, unset ones empty
--- config
    location / {
        routini_route "~^/m/(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)(m)(n)(o)(?<g16>p)(?<g17>q)(r)(s)(?<g20>\w+?)(?<g21>!)?$"  many;
        routini_route "~^/n/(?<n1>.)(?<n2>.)(?<n3>.)(?<n4>.)(?<n5>.)(?<n6>.)(?<n7>.)(?<n8>.)(?<n9>.)(?<n10>.)(?<n11>.)(?<n12>.)(?<n13>.)(?<n14>.)(?<n15>.)(?<n16>.)(?<n17>.)(?<n18>.)$"  named;
        return 200 "$routini_upstream g16=$routini_param_g16 g17=$routini_param_g17 g20=$routini_param_g20 g21=$routini_param_g21 n1=$routini_param_n1 n17=$routini_param_n17 n18=$routini_param_n18\n";
    }
--- request eval
[
    "GET /m/abcdefghijklmnopqrsxyz",
    "GET /m/abcdefghijklmnopqrsxyz!",
    "GET /n/ABCDEFGHIJKLMNOPQR",
]
--- response_body eval
[
    "many g16=p g17=q g20=xyz g21= n1= n17= n18=\n",
    "many g16=p g17=q g20=xyz g21=! n1= n17= n18=\n",
    "named g16= g17= g20= g21= n1=A n17=Q n18=R\n",
]
--- no_error_log
[error]



=== TEST 18: routini_fallthrough on at http level, inherited; off in a location overrides it
--- http_config
    routini_fallthrough on;
--- config
    routini_route /srv/:id  srv;

    location / {
        return 200 "[$routini_upstream]\n";
    }

    location /strict/ {
        routini_fallthrough off;
        routini_route /strict/a  strict;
        return 200 "[$routini_upstream]\n";
    }
--- request eval
[
    "GET /srv/1",
    "GET /nothing",
    "GET /strict/a",
    "GET /strict/b",
]
--- error_code eval
[200, 200, 200, 404]
--- response_body_like eval
[
    "^\\[srv\\]\n\$",
    "^\\[\\]\n\$",
    "^\\[strict\\]\n\$",
    "404 Not Found",
]



=== TEST 19: routini_fallthrough on at server level, inherited; off in a location overrides it
--- config
    routini_fallthrough on;

    location / {
        routini_route /a  a  methods=GET;
        return 200 "[$routini_upstream]\n";
    }

    location /strict/ {
        routini_fallthrough off;
        routini_route /strict/a  strict  methods=GET;
        return 200 "[$routini_upstream]\n";
    }
--- request eval
[
    "GET /a",
    "GET /b",
    "POST /a",
    "GET /strict/b",
    "POST /strict/a",
]
--- error_code eval
[200, 200, 200, 404, 405]
--- response_body_like eval
[
    "^\\[a\\]\n\$",
    "^\\[\\]\n\$",
    "^\\[\\]\n\$",
    "404 Not Found",
    "405 Not Allowed",
]



=== TEST 20: a nested location with no routes of its own routes with its parent's
--- config
    location /outer/ {
        routini_route "/outer/{*rest}"  outer;

        location /outer/inner/ {
            return 200 "inner [$routini_upstream] rest=$routini_param_rest\n";
        }

        location /outer/own/ {
            routini_route /outer/own/b  own;
            return 200 "own [$routini_upstream] rest=$routini_param_rest\n";
        }

        return 200 "outer [$routini_upstream] rest=$routini_param_rest\n";
    }
--- request eval
[
    "GET /outer/x",
    "GET /outer/inner/x",
    "GET /outer/own/b",
    "GET /outer/own/x",
]
--- error_code eval
[200, 200, 200, 404]
--- response_body_like eval
[
    "^outer \\[outer\\] rest=x\n\$",
    "^inner \\[outer\\] rest=inner/x\n\$",
    "^own \\[own\\] rest=\n\$",
    "404 Not Found",
]



=== TEST 21: overlapping regex routes: the first declared takes the request
--- config
    location /o/ {
        routini_route "~^/o/(?<num>\d+)$"  digits;
        routini_route "~^/o/(?<any>.+)$"   anything;
        return 200 "$routini_upstream num=$routini_param_num any=$routini_param_any\n";
    }

    location /p/ {
        routini_route "~^/p/(?<any>.+)$"   anything;
        routini_route "~^/p/(?<num>\d+)$"  digits;
        return 200 "$routini_upstream num=$routini_param_num any=$routini_param_any\n";
    }
--- request eval
[
    "GET /o/12",
    "GET /o/ab",
    "GET /p/12",
]
--- response_body eval
[
    "digits num=12 any=\n",
    "anything num= any=ab\n",
    "anything num= any=12\n",
]



=== TEST 22: 405 goes through nginx's error path: error_page 405, routed again there
--- config
    error_page 405 /e405/custom;

    location / {
        routini_route /users/:id  read  methods=GET;
        return 200 "$routini_upstream\n";
    }

    location /e405/ {
        routini_route /e405/:page  e405;
        return 200 "[$routini_upstream] page=$routini_param_page id=$routini_param_id method=$request_method\n";
    }
--- request
POST /users/1
--- error_code: 405
--- response_headers
Allow: GET
--- response_body
[e405] page=custom id= method=GET



=== TEST 23: a param {userId} is read as $routini_param_userid, in any case
--- config
    location / {
        routini_route "/u/{userId}"               u;
        routini_route "~^/r/(?<UserName>\w+)$"    r;
        return 200 "[$routini_param_userid][$routini_param_userId][$routini_param_USERID][$routini_param_username]\n";
    }
--- request eval
[
    "GET /u/42",
    "GET /r/Ann",
]
--- response_body eval
[
    "[42][42][42][]\n",
    "[][][][Ann]\n",
]



=== TEST 24: with routini_fallthrough, every routini variable is empty on a miss
--- config
    location / {
        routini_fallthrough on;
        routini_route "/a/{*rest}"      a  strip_prefix  methods=GET;
        routini_route "~^/re/(?<id>\d+)$" re  methods=GET;
        return 200 "[$routini_upstream][$routini_route][$routini_path][$routini_param_rest][$routini_param_id] uri=$uri\n";
    }
--- request eval
[
    "GET /a/x",
    "GET /b/x",
    "POST /a/x",
    "POST /re/1",
]
--- response_body eval
[
    "[a][/a/{*rest}][/x][x][] uri=/x\n",
    "[][][][][] uri=/b/x\n",
    "[][][][][] uri=/a/x\n",
    "[][][][][] uri=/re/1\n",
]



=== TEST 25: routed once: after "rewrite ... last" the first location's route is kept
--- config
    location / {
        routini_fallthrough on;
        routini_route /a/:id  first;
        rewrite ^/[ac]/(.*)$ /b/$1 last;
        return 200 "not rewritten\n";
    }

    location /b/ {
        routini_route /b/:id  second;
        return 200 "$routini_upstream $routini_route id=$routini_param_id uri=$uri\n";
    }
--- request eval
[
    "GET /a/7",
    "GET /b/7",
    "GET /c/7",
]
--- response_body eval
[
    "first /a/:id id=7 uri=/b/7\n",
    "second /b/:id id=7 uri=/b/7\n",
    "second /b/:id id=7 uri=/b/7\n",
]
