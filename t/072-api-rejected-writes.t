# A write the API answers with 400 must change nothing and answer once.
# Fails today: ngx_http_routini_api_fields() returns the rc of
# ngx_http_routini_json_error() (NGX_OK once sent), so
# ngx_http_routini_api_change() goes on with values[] (uninitialized when a
# field had the wrong type), applies the change and sends a second response
# ("[alert] header already sent").

use Test::Nginx::Socket 'no_plan';

no_shuffle();
no_root_location();

our $HttpConfig = <<'_EOC_';
    upstream pool {
        routini_balancer round_robin;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.3:9;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "ok\n"; }
    }
_EOC_

our $Config = <<'_EOC_';
    location /routini/api/ { routini_api; }
    location / {
        routini_route "/api/{*rest}" pool strip_prefix;
        proxy_pass http://$routini_upstream;
    }
_EOC_

run_tests();

__DATA__

=== TEST 1: an unknown field after a valid one: 400 and the strategy is not pinned
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":\"fewest_connections\",\"x\":null}",
    "GET /routini/api/upstreams/pool",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 200]
--- response_body_like eval
[
    qr/^\{"error":"unknown field \\"x\\""\}\n\z/,
    qr/^\{"name":"pool","strategy":"round_robin","configured":"round_robin","adaptive":false,"pinned":false,/,
]
--- no_error_log
[alert]



=== TEST 2: an unknown field after a valid state: 400 and the peer stays up
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "PATCH /routini/api/upstreams/pool/peers/127.0.0.3:9\n{\"state\":\"down\",\"y\":1}",
    "GET /routini/api/upstreams/pool/peers/127.0.0.3:9",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 200]
--- response_body_like eval
[
    qr/^\{"error":"unknown field \\"y\\""\}\n\z/,
    qr/"state":"up"/,
]
--- no_error_log
[alert]



=== TEST 3: POST strategy with an extra field: 400 and nothing changes
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "POST /routini/api/strategy\n{\"path\":\"/api/x\",\"strategy\":\"random\",\"z\":1}",
    "GET /routini/api/upstreams/pool",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 200]
--- response_body_like eval
[
    qr/^\{"error":"unknown field \\"z\\""\}\n\z/,
    qr/^\{"name":"pool","strategy":"round_robin",.*"pinned":false,/,
]
--- no_error_log
[alert]



=== TEST 4: a field of the wrong type or a missing field: one answer, no alert
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":1}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":null}",
    "PATCH /routini/api/upstreams/pool\n{}",
    "PATCH /routini/api/upstreams/pool/peers/127.0.0.3:9\n{\"state\":true}",
    "GET /routini/api/upstreams/pool",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 400, 400, 400, 200]
--- response_body_like eval
[
    qr/^\{"error":"field \\"strategy\\" must be a string"\}\n\z/,
    qr/^\{"error":"field \\"strategy\\" must be a string"\}\n\z/,
    qr/^\{"error":"missing field \\"strategy\\""\}\n\z/,
    qr/^\{"error":"field \\"state\\" must be a string"\}\n\z/,
    qr/"pinned":false,/,
]
--- no_error_log
[alert]



=== TEST 5: a peer marked down in nginx.conf cannot be brought up: 409, it stays down
--- http_config
    upstream withdown {
        routini_balancer round_robin;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.4:9 down;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "ok\n"; }
    }
--- config
    location /routini/api/ { routini_api; }
--- request eval
[
    "PATCH /routini/api/upstreams/withdown/peers/127.0.0.4:9\n{\"state\":\"up\"}",
    "GET /routini/api/upstreams/withdown/peers/127.0.0.4:9",
    "PATCH /routini/api/upstreams/withdown/peers/127.0.0.4:9\n{\"state\":\"drain\"}",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[409, 200, 200]
--- response_body_like eval
[
    qr/^\{"error":"peer \\"127\.0\.0\.4:9\\" is marked down in nginx\.conf: remove \\"down\\" there and reload to bring it up"\}\n\z/,
    qr/^\{"address":"127\.0\.0\.4:9",[^}]*"state":"down"/,
    qr/^\{"address":"127\.0\.0\.4:9",[^}]*"state":"down"/,
]
--- no_error_log eval
[qr/peer 127\.0\.0\.4:9 (down|draining) -> up/, '[alert]']
