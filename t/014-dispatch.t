# proxy_pass http://routini: the route's upstream{} directly, without
# evaluating a variable and searching upstreams by name.

use Test::Nginx::Socket 'no_plan';

no_shuffle();
no_root_location();
run_tests();

__DATA__

=== TEST 1: each route reaches its own upstream, prefix stripped, query kept
--- http_config
    upstream a_pool {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }

    upstream b_pool {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        keepalive 4;
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "a got $request_uri\n"; }
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location / { return 200 "b got $request_uri\n"; }
    }
--- config
    location / {
        routini_route "/a/{*rest}"  a_pool  strip_prefix;
        routini_route /b/:id        b_pool;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://routini;
    }
--- request eval
[
    "GET /a/x%20y?q=1",
    "GET /b/7",
    "GET /b/8",
]
--- response_body eval
[
    "a got /x%20y?q=1\n",
    "b got /b/7\n",
    "b got /b/8\n",
]
--- no_error_log
[error]



=== TEST 2: a route whose target is not an upstream{} block: 500, logged
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "ok\n"; }
    }
--- config
    location / {
        routini_route /x  127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        proxy_pass http://routini;
    }
--- request
GET /x
--- error_code: 500
--- error_log
routini: the target of route "/x" is not an upstream{} block, use proxy_pass http://$routini_upstream for it



=== TEST 3: a request no route matched (fallthrough): 500, logged
--- config
    location / {
        routini_fallthrough on;
        routini_route /x  some_pool;
        proxy_pass http://routini;
    }
--- http_config
    upstream some_pool { server 127.0.0.1:1; }
--- request
GET /nothing
--- error_code: 500
--- error_log
routini: proxy_pass http://routini for a request no route matched



=== TEST 4: the name "routini" is reserved for this upstream
--- http_config
    upstream routini { server 127.0.0.1:1; }
--- config
    location = /t { return 200; }
--- must_die
--- error_log
duplicate upstream "routini"



=== TEST 5: a regex route's upstream{} directly, the URI unchanged
--- http_config
    upstream re_pool {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "re got $request_uri id=$http_x_id\n"; }
    }
--- config
    location / {
        routini_route "~^/re/(?<id>\d+)$"  re_pool;
        proxy_set_header X-Id $routini_param_id;
        proxy_pass http://routini;
    }
--- request eval
[
    "GET /re/42?q=1",
    "GET /re/x",
]
--- error_code eval
[200, 404]
--- response_body_like eval
[
    "^re got /re/42\\?q=1 id=42\n\$",
    "404 Not Found",
]
