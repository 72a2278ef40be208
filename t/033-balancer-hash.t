# routini_balancer fnv_hash and consistent: a key keeps its peer; a failed
# try is rehashed to another peer.  (Removing one of four peers under
# consistent moves at most 35% of keys: test/unit/balancer_test.c.)
#
# The proxy logs "KEY PEER" per request; 30 keys are sent twice, in the
# same order, with one other key between the passes, and the log's second
# pass must repeat its first (round robin, shifted by one, would not).

use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: fnv_hash key=$arg_k: same key, same peer; keys spread
--- http_config
    log_format keypeer '$arg_k $upstream_http_x_peer';
    upstream pool {
        routini_balancer fnv_hash key=$arg_k;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
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
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
        add_header X-Peer C always;
        return 200 "C";
    }
--- config
    location = /t {
        access_log logs/fnv.log keypeer;
        proxy_pass http://pool;
        add_header X-Strategy $routini_strategy always;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/fnv.log;
    }
--- request eval
[ (map { "GET /t?k=key$_" } 1 .. 30), "GET /t?k=shift",
  (map { "GET /t?k=key$_" } 1 .. 30), "GET /log" ]
--- response_body_like eval
[ (map { qr/^[ABC]$/ } 1 .. 61),
  qr/\A(?=.*^key\d+ A$)(?=.*^key\d+ B$)(?=.*^key\d+ C$)((?:key\d+ [ABC]\n){30})shift [ABC]\n\1\z/ms ]
--- response_headers eval
[ (map { "X-Strategy: fnv_hash" } 1 .. 61), "!X-Strategy" ]



=== TEST 2: consistent key=$http_x_key: same key, same peer; keys spread
--- http_config
    log_format keypeer '$http_x_key $upstream_http_x_peer';
    upstream pool {
        routini_balancer consistent key=$http_x_key;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
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
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
        add_header X-Peer C always;
        return 200 "C";
    }
--- config
    location = /t {
        access_log logs/consistent.log keypeer;
        proxy_pass http://pool;
        add_header X-Strategy $routini_strategy always;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/consistent.log;
    }
--- request eval
[ (map { "GET /t" } 1 .. 61), "GET /log" ]
--- more_headers eval
[ (map { "X-Key: key$_" } 1 .. 30), "X-Key: shift",
  (map { "X-Key: key$_" } 1 .. 30), "" ]
--- response_body_like eval
[ (map { qr/^[ABC]$/ } 1 .. 61),
  qr/\A(?=.*^key\d+ A$)(?=.*^key\d+ B$)(?=.*^key\d+ C$)((?:key\d+ [ABC]\n){30})shift [ABC]\n\1\z/ms ]
--- response_headers eval
[ (map { "X-Strategy: consistent" } 1 .. 61), "!X-Strategy" ]



=== TEST 3: fnv_hash: the keys of a failing peer are rehashed to others
--- http_config
    upstream pool {
        routini_balancer fnv_hash key=$arg_k;
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
        return 200 "B";
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
[ map { "GET /t?k=key$_" } 1 .. 30 ]
--- response_body_like eval
[ map { qr/^[BC]$/ } 1 .. 30 ]
--- response_headers eval
[ map { "X-Strategy: fnv_hash" } 1 .. 30 ]



=== TEST 4: consistent: the keys of a failing peer go to the next peer
--- http_config
    upstream pool {
        routini_balancer consistent key=$arg_k;
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
        return 200 "B";
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
[ map { "GET /t?k=key$_" } 1 .. 30 ]
--- response_body_like eval
[ map { qr/^[BC]$/ } 1 .. 30 ]
--- response_headers eval
[ map { "X-Strategy: consistent" } 1 .. 30 ]



=== TEST 5: default key is $remote_addr: every request from here, one peer
--- http_config
    log_format peer '$upstream_http_x_peer';
    upstream pool {
        routini_balancer consistent;
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
        access_log logs/remote.log peer;
        proxy_pass http://pool;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/remote.log;
    }
--- request eval
[ (map { "GET /t" } 1 .. 20), "GET /log" ]
--- response_body_like eval
[ (map { qr/^[AB]$/ } 1 .. 20), qr/\A(?:(?:A\n){20}|(?:B\n){20})\z/ ]
