# keepalive placed after routini_balancer wraps the routini peer hooks as
# it wraps nginx's balancers: with every strategy, upstream connections are
# reused (the peers report $connection_requests, logged by the proxy) and
# the strategy still decides.

use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: keepalive with round_robin
--- http_config
    log_format conn '$routini_strategy $upstream_http_x_conn';
    upstream pool {
        routini_balancer round_robin;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        keepalive 8;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        add_header X-Conn $connection_requests always;
        return 200 "A";
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        add_header X-Conn $connection_requests always;
        return 200 "B";
    }
--- config
    location = /t {
        access_log logs/keepalive-round_robin.log conn;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://pool;
        add_header X-Strategy $routini_strategy always;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/keepalive-round_robin.log;
    }
--- request eval
[ (map { "GET /t" } 1 .. 10), "GET /log" ]
--- response_body_like eval
[ (map { qr/^[AB]$/ } 1 .. 10), qr/^round_robin [2-9]$/m ]
--- no_error_log
[error]
--- response_headers eval
[ (map { "X-Strategy: round_robin" } 1 .. 10), "!X-Strategy" ]



=== TEST 2: keepalive with random
--- http_config
    log_format conn '$routini_strategy $upstream_http_x_conn';
    upstream pool {
        routini_balancer random;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        keepalive 8;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        add_header X-Conn $connection_requests always;
        return 200 "A";
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        add_header X-Conn $connection_requests always;
        return 200 "B";
    }
--- config
    location = /t {
        access_log logs/keepalive-random.log conn;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://pool;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/keepalive-random.log;
    }
--- request eval
[ (map { "GET /t" } 1 .. 10), "GET /log" ]
--- response_body_like eval
[ (map { qr/^[AB]$/ } 1 .. 10), qr/^random [2-9]$/m ]
--- no_error_log
[error]



=== TEST 3: keepalive with fnv_hash
--- http_config
    log_format conn '$routini_strategy $upstream_http_x_conn';
    upstream pool {
        routini_balancer fnv_hash;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        keepalive 8;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        add_header X-Conn $connection_requests always;
        return 200 "A";
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        add_header X-Conn $connection_requests always;
        return 200 "B";
    }
--- config
    location = /t {
        access_log logs/keepalive-fnv_hash.log conn;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://pool;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/keepalive-fnv_hash.log;
    }
--- request eval
[ (map { "GET /t" } 1 .. 10), "GET /log" ]
--- response_body_like eval
[ (map { qr/^[AB]$/ } 1 .. 10), qr/^fnv_hash [2-9]$/m ]
--- no_error_log
[error]



=== TEST 4: keepalive with consistent
--- http_config
    log_format conn '$routini_strategy $upstream_http_x_conn';
    upstream pool {
        routini_balancer consistent;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        keepalive 8;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        add_header X-Conn $connection_requests always;
        return 200 "A";
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        add_header X-Conn $connection_requests always;
        return 200 "B";
    }
--- config
    location = /t {
        access_log logs/keepalive-consistent.log conn;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://pool;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/keepalive-consistent.log;
    }
--- request eval
[ (map { "GET /t" } 1 .. 10), "GET /log" ]
--- response_body_like eval
[ (map { qr/^[AB]$/ } 1 .. 10), qr/^consistent [2-9]$/m ]
--- no_error_log
[error]



=== TEST 5: keepalive with fewest_connections
--- http_config
    log_format conn '$routini_strategy $upstream_http_x_conn';
    upstream pool {
        routini_balancer fewest_connections;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        keepalive 8;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        add_header X-Conn $connection_requests always;
        return 200 "A";
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        add_header X-Conn $connection_requests always;
        return 200 "B";
    }
--- config
    location = /t {
        access_log logs/keepalive-fewest_connections.log conn;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://pool;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/keepalive-fewest_connections.log;
    }
--- request eval
[ (map { "GET /t" } 1 .. 10), "GET /log" ]
--- response_body_like eval
[ (map { qr/^[AB]$/ } 1 .. 10), qr/^fewest_connections [2-9]$/m ]
--- no_error_log
[error]



=== TEST 6: keepalive with fastest
--- http_config
    log_format conn '$routini_strategy $upstream_http_x_conn';
    upstream pool {
        routini_balancer fastest;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        keepalive 8;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        add_header X-Conn $connection_requests always;
        return 200 "A";
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        add_header X-Conn $connection_requests always;
        return 200 "B";
    }
--- config
    location = /t {
        access_log logs/keepalive-fastest.log conn;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://pool;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/keepalive-fastest.log;
    }
--- request eval
[ (map { "GET /t" } 1 .. 10), "GET /log" ]
--- response_body_like eval
[ (map { qr/^[AB]$/ } 1 .. 10), qr/^fastest [2-9]$/m ]
--- no_error_log
[error]



=== TEST 7: keepalive with adaptive
--- http_config
    log_format conn '$routini_strategy $upstream_http_x_conn';
    upstream pool {
        routini_balancer adaptive;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        keepalive 8;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        add_header X-Conn $connection_requests always;
        return 200 "A";
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        add_header X-Conn $connection_requests always;
        return 200 "B";
    }
--- config
    location = /t {
        access_log logs/keepalive-adaptive.log conn;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://pool;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/keepalive-adaptive.log;
    }
--- request eval
[ (map { "GET /t" } 1 .. 10), "GET /log" ]
--- response_body_like eval
[ (map { qr/^[AB]$/ } 1 .. 10), qr/^round_robin [2-9]$/m ]
--- no_error_log
[error]



=== TEST 8: keepalive keeps round robin's 3:1 order
--- http_config
    upstream pool {
        routini_balancer round_robin;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 weight=3;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        keepalive 8;
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
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://pool;
        add_header X-Strategy $routini_strategy always;
    }
--- request eval
[ map { "GET /t" } 1 .. 8 ]
--- response_body eval
[ qw(A A B A A A B A) ]
--- response_headers eval
[ map { "X-Strategy: round_robin" } 1 .. 8 ]
