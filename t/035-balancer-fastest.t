# routini_balancer fastest: most requests go to the fast peer, a slow peer
# is still probed (so its recovery is seen), and a peer failing fast does
# not look fast.
#
# Peers sleep as told (echo_sleep); the proxy logs the peer (or the
# upstream statuses) of each request and the last request reads the log
# back.

use Test::Nginx::Socket 'no_plan';

# the echo module (echo_sleep backends): TEST_NGINX_ECHO_MODULE, by default
# Debian's libnginx-mod-http-echo
$ENV{TEST_NGINX_ECHO_MODULE} ||= '/usr/lib/nginx/modules/ngx_http_echo_module.so';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a peer 10x slower gets at most 20% of requests
--- main_config
    load_module $TEST_NGINX_ECHO_MODULE;
--- http_config
    log_format peer '$upstream_http_x_peer';
    upstream pool {
        routini_balancer fastest;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { add_header X-Peer A always; echo_sleep 0.08; echo -n A; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location / { add_header X-Peer B always; echo_sleep 0.2; echo -n B; }
    }
--- config
    location = /t {
        access_log logs/fastest.log peer;
        proxy_pass http://pool;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/fastest.log;
    }
--- request eval
[ (map { "GET /t" } 1 .. 50), "GET /log" ]
--- response_body_like eval
[ (map { qr/^[AB]$/ } 1 .. 50),
  qr/\A(?=(?:B\n)*(?:A\n(?:B\n)*){40,50}\z)(?:A\n)*(?:B\n(?:A\n)*){1,10}\z/ ]
--- timeout: 10



=== TEST 2: a peer failing fast is not preferred: few tries reach it
--- main_config
    load_module $TEST_NGINX_ECHO_MODULE;
--- http_config
    log_format status '$upstream_status';
    upstream pool {
        routini_balancer fastest;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { add_header X-Peer A always; echo_sleep 0.08; echo -n A; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        add_header X-Peer B always;
        return 502;
    }
--- config
    location = /t {
        access_log logs/failing.log status;
        proxy_next_upstream error http_502;
        proxy_pass http://pool;
        add_header X-Strategy $routini_strategy always;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/failing.log;
    }
--- request eval
[ (map { "GET /t" } 1 .. 50), "GET /log" ]
--- response_body_like eval
[ (map { qr/^A$/ } 1 .. 50),
  qr/\A(?:200\n)*(?:502, 200\n(?:200\n)*){1,10}\z/ ]
--- timeout: 10
--- response_headers eval
[ (map { "X-Strategy: fastest" } 1 .. 50), "!X-Strategy" ]



=== TEST 3: a slow peer that recovers is probed and preferred again
--- main_config
    load_module $TEST_NGINX_ECHO_MODULE;
--- http_config
    log_format peer '$upstream_http_x_peer';
    map $arg_slow $b_delay { default 0.005; 1 0.25; }
    upstream pool {
        routini_balancer fastest;
        routini_adaptive smoothing=1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { add_header X-Peer A always; echo_sleep 0.08; echo -n A; }
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
        access_log logs/recover.log peer;
        proxy_pass http://pool;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/recover.log;
    }
--- request eval
[ (map { "GET /t?slow=1" } 1 .. 30), (map { "GET /t" } 1 .. 120),
  "GET /log" ]
--- response_body_like eval
[ (map { qr/^[AB]$/ } 1 .. 150),
  qr/(?:\A|\n)(?=(?:[AB]\n){40}\z)(?:B\n)*(?:A\n(?:B\n)*){0,4}\z/ ]
--- timeout: 10
