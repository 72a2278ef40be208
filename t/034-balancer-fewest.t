# routini_balancer fewest_connections: connections are counted across all
# workers in the routini zone, so a peer holding long requests is avoided
# whichever worker holds them.
#
# /t starts two long requests (echo_location_async), then ten short ones
# (echo_location) while the long ones are in flight.  Each goes through
# the server itself again (a new connection, so any of the two workers
# may take it) and then to the pool.  The long requests hold two of the
# three peers; all short ones must go to the third.  The long requests
# reach the pool through another connection, maybe another worker, which
# this request cannot observe: the short ones start 0.3 s later, far less
# than the 2 s the long ones last.

use Test::Nginx::Socket 'no_plan';

# the echo module (echo_sleep backends): TEST_NGINX_ECHO_MODULE, by default
# Debian's libnginx-mod-http-echo
$ENV{TEST_NGINX_ECHO_MODULE} ||= '/usr/lib/nginx/modules/ngx_http_echo_module.so';

workers(2);
no_shuffle();
run_tests();

__DATA__

=== TEST 1: short requests avoid the peers holding long ones
--- main_config
    load_module $TEST_NGINX_ECHO_MODULE;
--- http_config
    upstream pool {
        routini_balancer fewest_connections;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location /long { echo_sleep 2; echo -n A; }
        location / { echo -n A; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location /long { echo_sleep 2; echo -n B; }
        location / { echo -n B; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
        location /long { echo_sleep 2; echo -n C; }
        location / { echo -n C; }
    }
--- config
    location = /t {
        echo_location_async /via/long;
        echo_location_async /via/long;
        echo_sleep 0.3;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
    }
    location /via/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/pool/;
    }
    location /pool/ {
        proxy_pass http://pool/;
    }
--- request
GET /t
--- response_body_like: ^([ABC])(?!\1)([ABC])((?!\1|\2)[ABC])\3{9}$
--- timeout: 10



=== TEST 2: weights: active/weight decides
--- main_config
    load_module $TEST_NGINX_ECHO_MODULE;
--- http_config
    upstream pool {
        routini_balancer LeastConnections;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 weight=3;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location /long { echo_sleep 2; echo -n A; }
        location / { echo -n A; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location /long { echo_sleep 2; echo -n B; }
        location / { echo -n B; }
    }
--- config
    location = /t {
        echo_location_async /via/long;
        echo_location_async /via/long;
        echo_location_async /via/long;
        echo_sleep 0.3;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
    }
    location /via/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/pool/;
    }
    location /pool/ {
        proxy_pass http://pool/;
    }
--- request
GET /t
--- response_body_like: ^(?=.*B)[AB]{3}A{4}$
--- timeout: 10
