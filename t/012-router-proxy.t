# Routed requests proxied with proxy_pass http://$routini_upstream: what
# the upstream receives, strip_prefix edge cases.

use Test::Nginx::Socket 'no_plan';

# the upstream{} the blocks route to: a server answering with what it
# received, ANSWER (nginx variables, not interpolated here)

sub api_pool {
    my $answer = shift;
    (my $conf = <<'_EOC_') =~ s/ANSWER/$answer/;
    upstream api_pool {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "ANSWER\n";
        }
    }
_EOC_
    return $conf;
}

our $ApiPool = api_pool('upstream got $request_uri');

no_shuffle();
no_root_location();
run_tests();

__DATA__

=== TEST 1: strip_prefix forwards the catch-all remainder, query kept
--- http_config eval: $::ApiPool
--- config
    location / {
        routini_route "/api/{*rest}"  api_pool  strip_prefix;
        routini_route /api            api_pool;
        routini_route /users/:id      api_pool;
        proxy_pass http://$routini_upstream;
    }
--- request eval
[
    "GET /api/x",
    "GET /api/x/y/z",
    "GET /api/",
    "GET /api",
    "GET /api/x?q=1&r=a%20b",
    "GET /api/?only=query",
    "GET /api/a%20b",
    "GET /api/caf%C3%A9",
    "GET /api/a%2Fb",
    "GET /api/a%0D%0Ab",
    "GET /api/a%3Fb",
    "GET /users/a%20b?x=1",
    "GET //api//x",
    "GET /api/../api/x",
    "GET /api/x/../y",
]
--- response_body eval
[
    "upstream got /x\n",
    "upstream got /x/y/z\n",
    "upstream got /\n",
    "upstream got /api\n",
    "upstream got /x?q=1&r=a%20b\n",
    "upstream got /?only=query\n",
    "upstream got /a%20b\n",
    "upstream got /caf%C3%A9\n",
    "upstream got /a/b\n",
    "upstream got /a%0D%0Ab\n",
    "upstream got /a%3Fb\n",
    "upstream got /users/a%20b?x=1\n",
    "upstream got /x\n",
    "upstream got /x\n",
    "upstream got /y\n",
]
--- no_error_log
[error]



=== TEST 2: merge_slashes off: empty segments are kept and matched
--- http_config eval: $::ApiPool
--- config
    merge_slashes off;

    location / {
        routini_route "/api/{*rest}"  api_pool  strip_prefix;
        proxy_pass http://$routini_upstream;
    }
--- request eval
[
    "GET /api//x",
    "GET //api/x",
]
--- error_code eval
[200, 404]
--- response_body_like eval
[
    "^upstream got //x\n\$",
    "404 Not Found",
]



=== TEST 3: $routini_path and the variables seen after stripping
--- config
    location / {
        routini_route "/api/{*rest}"  pool  strip_prefix;
        routini_route /keep/:id       pool;
        return 200 "uri=$uri path=$routini_path rest=$routini_param_rest request_uri=$request_uri\n";
    }
--- request eval
[
    "GET /api/a/b?x=1",
    "GET /keep/7",
]
--- response_body eval
[
    "uri=/a/b path=/a/b rest=a/b request_uri=/api/a/b?x=1\n",
    "uri=/keep/7 path=/keep/7 rest= request_uri=/keep/7\n",
]



=== TEST 4: the proxied request line never carries a raw CR or LF
--- http_config eval: main::api_pool('[$request_uri][$http_x_injected]')
--- config
    location / {
        routini_route "/api/{*rest}"  api_pool  strip_prefix;
        proxy_pass http://$routini_upstream;
        proxy_set_header X-Rest $routini_param_rest;
    }
--- request
GET /api/x%0D%0AX-Injected:%20yes
--- response_body
[/x%0D%0AX-Injected:%20yes][]



=== TEST 5: control characters in params and path come back percent-encoded
--- config
    location / {
        routini_route "/api/{*rest}"  pool  strip_prefix;
        routini_route /u/:id          pool;
        add_header X-Id $routini_param_id;
        return 200 "[$routini_param_rest][$routini_path][$routini_param_id]\n";
    }
--- request eval
[
    "GET /api/a%0D%0Abc%7Fd%09e",
    "GET /u/x%0AX-Evil:%201",
]
--- response_body eval
[
    "[a%0D%0Abc%7Fd%09e][/a%0D%0Abc%7Fd%09e][]\n",
    "[][/u/x%0AX-Evil: 1][x%0AX-Evil: 1]\n",
]
--- response_headers eval
[
    "!X-Evil",
    "X-Id: x%0AX-Evil: 1",
]



=== TEST 6: a target with a variable reaches the upstream{} it names, prefix stripped
--- http_config
    upstream pool_eu {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }

    upstream pool_us {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "eu got $request_uri\n";
        }
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location / {
            return 200 "us got $request_uri\n";
        }
    }
--- config
    location / {
        routini_route "/v/{shard}/{*rest}"  "pool_$routini_param_shard"  strip_prefix;
        proxy_pass http://$routini_upstream;
    }
--- request eval
[
    "GET /v/eu/a/b?x=1",
    "GET /v/us/a/b?x=1",
    "GET /v/eu/",
    "GET /v/us/a%20b",
]
--- response_body eval
[
    "eu got /a/b?x=1\n",
    "us got /a/b?x=1\n",
    "eu got /\n",
    "us got /a%20b\n",
]
--- no_error_log
[error]



=== TEST 7: a variable target naming no upstream{} is resolved as a host name
--- config
    location / {
        routini_route "/v/{shard}/{*rest}"  "pool_$routini_param_shard"  strip_prefix;
        proxy_pass http://$routini_upstream;
    }
--- request
GET /v/xx/a
--- error_code: 502
--- error_log
no resolver defined to resolve pool_xx



=== TEST 8: regex routes proxied: the URI unchanged, captures in the target and headers
--- http_config
    upstream blog_pool {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }

    upstream region_eu {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "blog got $request_uri year=$http_x_year slug=$http_x_slug\n";
        }
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location / {
            return 200 "eu got $request_uri\n";
        }
    }
--- config
    location / {
        routini_route "~^/re/(?<year>\d+)/(?<slug>[^/]+)$"  blog_pool;
        routini_route "~*^/r/(?<region>eu)/"                "region_$routini_param_region";
        proxy_set_header X-Year $routini_param_year;
        proxy_set_header X-Slug $routini_param_slug;
        proxy_pass http://$routini_upstream;
    }
--- request eval
[
    "GET /re/2024/hello?x=1",
    "GET /re/2024/a%20b",
    "GET /r/eu/a/b?x=1",
    "GET /R/EU/a",
]
--- response_body eval
[
    "blog got /re/2024/hello?x=1 year=2024 slug=hello\n",
    "blog got /re/2024/a%20b year=2024 slug=a b\n",
    "eu got /r/eu/a/b?x=1\n",
    "eu got /R/EU/a\n",
]
--- no_error_log
[error]



=== TEST 9: strip_prefix and "rewrite ... break": what is the same and what differs
--- http_config eval: $::ApiPool
--- config
    location /api/ {
        routini_route "/api/{*rest}"  api_pool  strip_prefix;
        proxy_pass http://$routini_upstream;
    }

    location /rw/ {
        rewrite ^/rw(/.*)$ $1 break;
        proxy_pass http://api_pool;
    }

    location /chain/ {
        routini_route "/chain/{*rest}"  api_pool  strip_prefix;
        rewrite ^/old/(.*)$ /new/$1 break;
        proxy_pass http://$routini_upstream;
    }
--- request eval
[
    "GET /api/a/b?x=1",
    "GET /rw/a/b?x=1",
    "GET /api/a%20b",
    "GET /rw/a%20b",
    "GET /api/caf\xc3\xa9",
    "GET /rw/caf\xc3\xa9",
    "GET /chain/old/x?y=1",
]
--- response_body eval
[
    "upstream got /a/b?x=1\n",
    "upstream got /a/b?x=1\n",
    "upstream got /a%20b\n",
    "upstream got /a%20b\n",
    "upstream got /caf\xc3\xa9\n",
    "upstream got /caf%C3%A9\n",
    "upstream got /new/x?y=1\n",
]
--- no_error_log
[error]



=== TEST 10: the Host the backend gets: the proxy_pass host by default, the client's with "proxy_set_header Host $host" (as routini forwarded it)
--- http_config eval: main::api_pool('upstream got Host: $http_host')
--- config
    location /var/ {
        routini_route "/var/{*rest}" api_pool;
        proxy_pass http://$routini_upstream;
    }
    location /dispatch/ {
        routini_route "/dispatch/{*rest}" api_pool;
        proxy_pass http://routini;
    }
    location /client/ {
        routini_route "/client/{*rest}" api_pool;
        proxy_pass http://routini;
        proxy_set_header Host $host;
    }
    location /client-var/ {
        routini_route "/client-var/{*rest}" api_pool;
        proxy_pass http://$routini_upstream;
        proxy_set_header Host $host;
    }
--- request eval
[
    "GET /var/x",
    "GET /dispatch/x",
    "GET /client/x",
    "GET /client-var/x",
]
--- more_headers
Host: Shop.Example:8080
--- response_body eval
[
    "upstream got Host: api_pool\n",
    "upstream got Host: routini\n",
    "upstream got Host: shop.example\n",
    "upstream got Host: shop.example\n",
]
--- no_error_log
[error]



=== TEST 11: no live peer is 502 here; the error_page of docs/MIGRATING.md answers 500 for it as routini did, and keeps 502 for a peer that refuses
--- http_config
    upstream all_down {
        routini_balancer round_robin;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 down;
    }
    upstream refusing {
        routini_balancer round_robin;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2 max_fails=0;
    }
--- config
    location /plain/ {
        routini_route "/plain/{*rest}" all_down;
        proxy_pass http://routini;
    }
    location / {
        routini_route "/down/{*rest}" all_down;
        routini_route "/refused/{*rest}" refusing;
        proxy_pass http://routini;
        error_page 502 = @routini_502;
    }
    location @routini_502 {
        # no live peer: $upstream_addr ends with the upstream's name
        if ($upstream_addr ~ "(^|, )[^:,]+$") {
            return 500;
        }
        return 502;
    }
--- request eval
["GET /plain/x", "GET /down/x", "GET /refused/x"]
--- error_code eval
[502, 500, 502]



=== TEST 12: the forwarded headers routini added by default, with the lines of docs/MIGRATING.md
--- http_config eval: main::api_pool('real=$http_x_real_ip for=$http_x_forwarded_for proto=$http_x_forwarded_proto')
--- config
    location / {
        routini_route "/api/{*rest}" api_pool;
        proxy_pass http://routini;
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
    }
--- request
GET /api/x
--- more_headers
X-Forwarded-For: 10.9.9.9
--- response_body
real=127.0.0.1 for=127.0.0.1 proto=http
