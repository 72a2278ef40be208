# routini_api: a change made through one worker is seen by every worker on
# its next request (master process, 2 workers).

use Test::Nginx::Socket 'no_plan';

workers(2);
master_on();
no_shuffle();
no_root_location();
run_tests();

__DATA__

=== TEST 1: pin a strategy, then every request (any worker) sees it
--- http_config
    upstream pool {
        routini_balancer round_robin;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "one\n"; }
    }
--- config
    location /routini/api/ { routini_api; }
--- request eval
[
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":\"random\"}",
    map { "GET /routini/api/upstreams/pool" } 1 .. 12
]
--- more_headers
Connection: close
Content-Type: application/json
--- response_body_like eval
[
    qr/"strategy":"random","configured":"round_robin","adaptive":false,"pinned":true/,
    map { qr/"strategy":"random","configured":"round_robin","adaptive":false,"pinned":true/ } 1 .. 12
]
