# routini_balancer adaptive: the engine (one evaluation per interval for
# the whole instance) moves to fastest when latencies diverge and back to
# round_robin when they converge, logging each switch at notice level.
#
# Phase 1: peer B answers in 200 ms, A in 10 ms.  Under round robin the
# 40 requests of this phase last at least 20 x 0.2 s = 4 intervals, so the
# switch (due within two intervals) happens inside it and the rest of the
# phase goes to A.  Phase 2: both answer in 100 ms.  B is only probed
# (about once a second) under fastest; its average falls 200 -> 150 ms
# (ratio 1.5: hysteresis keeps fastest, as 1.5 is not below 2.0 x 0.75)
# -> 125 ms (ratio 1.25 < 1.5: back to round_robin).  The proxy logs the
# strategy of each request; the last requests read that log and the
# error log back.

use Test::Nginx::Socket 'no_plan';

# the echo module (echo_sleep backends): TEST_NGINX_ECHO_MODULE, by default
# Debian's libnginx-mod-http-echo
$ENV{TEST_NGINX_ECHO_MODULE} ||= '/usr/lib/nginx/modules/ngx_http_echo_module.so';

log_level('notice');
no_shuffle();
run_tests();

__DATA__

=== TEST 1: round_robin -> fastest on divergence, back when it ends
--- main_config
    load_module $TEST_NGINX_ECHO_MODULE;
--- http_config
    log_format strategy '$routini_strategy $upstream_http_x_peer';
    map $arg_phase $a_delay { default 0.01; 2 0.1; }
    map $arg_phase $b_delay { default 0.2;  2 0.1; }
    upstream pool {
        routini_balancer adaptive;
        routini_adaptive interval=1s latency_ratio=2.0 hysteresis=0.75
                         smoothing=0.5;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            add_header X-Peer A always;
            echo_sleep $a_delay;
            echo -n A;
        }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location / {
            add_header X-Peer B always;
            echo_sleep $b_delay;
            echo -n B;
        }
    }
--- config
    location = /t {
        access_log logs/adaptive.log strategy;
        proxy_pass http://pool;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/adaptive.log;
    }
    location = /errors {
        alias $TEST_NGINX_SERVER_ROOT/logs/error.log;
    }
--- request eval
[ (map { "GET /t?phase=1" } 1 .. 40), (map { "GET /t?phase=2" } 1 .. 60),
  "GET /log", "GET /errors" ]
--- response_body_like eval
[ (map { qr/^[AB]$/ } 1 .. 100),
  qr/\A(?:round_robin [AB]\n)+(?:fastest [AB]\n)+(?:round_robin [AB]\n)+\z/,
  qr/\A(?!(?:.*?strategy \w+ -> ){3})
     .*routini:\ upstream\ "pool"\ strategy\ round_robin\ ->\ fastest
       \ \(latency\ ratio\ [0-9.]+\ >\ 2\.0\)
     .*routini:\ upstream\ "pool"\ strategy\ fastest\ ->\ round_robin
       \ \(latency\ ratio\ 1\.[0-4]\ <\ 1\.5\)/sx ]
--- timeout: 10
