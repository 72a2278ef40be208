# routini_balancer round_robin and what every strategy shares with nginx's
# balancers: weights, backup, down, retries on another peer.
#
# Peers answer with their name in X-Peer; the proxy logs it, one line per
# request, and the last request of a block reads that log back, so the
# counts are checked on the whole run.

use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: weights 3:1 give exactly 300:100 of 400 requests
--- http_config
    log_format peer '$upstream_http_x_peer';
    upstream pool {
        routini_balancer round_robin;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 weight=3;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        add_header X-Peer A always;
        return 200 "A";
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        add_header X-Peer B always;
        return 200 "B";
    }
--- config
    location = /t {
        access_log logs/rr-weights.log peer;
        proxy_pass http://pool;
        add_header X-Strategy $routini_strategy always;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/rr-weights.log;
    }
--- request eval
[ (map { "GET /t" } 1 .. 400), "GET /log" ]
--- response_body_like eval
[ (map { qr/^[AB]$/ } 1 .. 400),
  qr/\A(?=(?:A\n)*(?:B\n(?:A\n)*){100}\z)(?:B\n)*(?:A\n(?:B\n)*){300}\z/ ]
--- no_error_log
[error]
--- response_headers eval
[ (map { "X-Strategy: round_robin" } 1 .. 400), "!X-Strategy" ]



=== TEST 2: smooth: never three A in a row with 3:1
--- http_config
    upstream pool {
        routini_balancer RoundRobin;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 weight=3;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        return 200 "A";
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        return 200 "B";
    }
--- config
    location = /t {
        proxy_pass http://pool;
        add_header X-Strategy $routini_strategy always;
    }
--- request eval
[ map { "GET /t" } 1 .. 8 ]
--- response_body eval
[ qw(A A B A A A B A) ]
--- response_headers eval
[ map { "X-Strategy: round_robin" } 1 .. 8 ]



=== TEST 3: a failed try goes to another peer (proxy_next_upstream)
--- http_config
    upstream pool {
        routini_balancer round_robin;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        return 502;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        return 502;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
        return 200 "C";
    }
--- config
    location = /t {
        proxy_next_upstream error http_502;
        proxy_pass http://pool;
        add_header X-Strategy $routini_strategy always;
    }
--- request eval
[ map { "GET /t" } 1 .. 6 ]
--- response_body eval
[ map { "C" } 1 .. 6 ]
--- response_headers eval
[ map { "X-Strategy: round_robin" } 1 .. 6 ]



=== TEST 4: backup peers take over only when no primary can
--- http_config
    upstream pool {
        routini_balancer round_robin;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 down;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2 backup;
    }
    upstream pool2 {
        routini_balancer round_robin;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2 backup;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        return 200 "A";
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        return 200 "B";
    }
--- config
    location = /t {
        proxy_pass http://pool;
        add_header X-Strategy $routini_strategy always;
    }
    location = /t2 {
        proxy_pass http://pool2;
        add_header X-Strategy $routini_strategy always;
    }
--- request eval
[ "GET /t", "GET /t", "GET /t2", "GET /t2" ]
--- response_body eval
[ "B", "B", "A", "A" ]
--- response_headers eval
[ map { "X-Strategy: round_robin" } 1 .. 4 ]



=== TEST 5: all peers down: 502 and nginx's "no live upstreams"
--- http_config
    upstream pool {
        routini_balancer fewest_connections;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 down;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2 down;
    }
--- config
    location = /t {
        proxy_pass http://pool;
    }
--- request
GET /t
--- error_code: 502
--- error_log
no live upstreams



=== TEST 6: retries on another peer with fewest_connections and fastest
--- http_config
    upstream fewest {
        routini_balancer fewest_connections;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
    }
    upstream fastest {
        routini_balancer fastest;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
    }
    upstream adaptive {
        routini_balancer adaptive;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        return 502;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        return 502;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
        return 200 "C";
    }
--- config
    proxy_next_upstream error http_502;
    location = /fewest { proxy_pass http://fewest; add_header X-Strategy $routini_strategy always; }
    location = /fastest { proxy_pass http://fastest; add_header X-Strategy $routini_strategy always; }
    location = /adaptive { proxy_pass http://adaptive; add_header X-Strategy $routini_strategy always; }
--- request eval
[ (map { "GET /fewest" } 1 .. 6), (map { "GET /fastest" } 1 .. 6),
  (map { "GET /adaptive" } 1 .. 6) ]
--- response_body eval
[ map { "C" } 1 .. 18 ]
--- response_headers eval
[ (map { "X-Strategy: fewest_connections" } 1 .. 6),
  (map { "X-Strategy: fastest" } 1 .. 6),
  (map { "X-Strategy: round_robin" } 1 .. 6) ]
