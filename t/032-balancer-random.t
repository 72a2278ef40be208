# routini_balancer random: weighted, within statistical bounds.
#
# Peers answer with their name in X-Peer; the proxy logs it and the last
# request reads the log back.  Bounds are about 5 standard deviations.

use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: equal weights: 400 requests split 150..250 each
--- http_config
    log_format peer '$upstream_http_x_peer';
    upstream pool {
        routini_balancer random;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
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
        access_log logs/random-equal.log peer;
        proxy_pass http://pool;
        add_header X-Strategy $routini_strategy always;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/random-equal.log;
    }
--- request eval
[ (map { "GET /t" } 1 .. 400), "GET /log" ]
--- response_body_like eval
[ (map { qr/^[AB]$/ } 1 .. 400),
  qr/\A(?=(?:A\n)*(?:B\n(?:A\n)*){150,250}\z)(?:B\n)*(?:A\n(?:B\n)*){150,250}\z/ ]
--- no_error_log
[error]
--- response_headers eval
[ (map { "X-Strategy: random" } 1 .. 400), "!X-Strategy" ]



=== TEST 2: weights 3:1: 250..350 of 400 to the heavy peer
--- http_config
    log_format peer '$upstream_http_x_peer';
    upstream pool {
        routini_balancer random;
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
        access_log logs/random-weights.log peer;
        proxy_pass http://pool;
        add_header X-Strategy $routini_strategy always;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/random-weights.log;
    }
--- request eval
[ (map { "GET /t" } 1 .. 400), "GET /log" ]
--- response_body_like eval
[ (map { qr/^[AB]$/ } 1 .. 400),
  qr/\A(?=(?:A\n)*(?:B\n(?:A\n)*){50,150}\z)(?:B\n)*(?:A\n(?:B\n)*){250,350}\z/ ]
--- response_headers eval
[ (map { "X-Strategy: random" } 1 .. 400), "!X-Strategy" ]



=== TEST 3: a failed try goes to another peer
--- http_config
    upstream pool {
        routini_balancer random;
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
[ map { "GET /t" } 1 .. 20 ]
--- response_body eval
[ map { "C" } 1 .. 20 ]
--- response_headers eval
[ map { "X-Strategy: random" } 1 .. 20 ]
