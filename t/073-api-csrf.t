# Writes must not carry a browser form content type (CSRF).
# A browser sends a cross-site POST with Content-Type text/plain,
# application/x-www-form-urlencoded or multipart/form-data without a CORS
# preflight, so today any web page an operator visits can call
# POST /routini/api/strategy on 127.0.0.1 (allow/deny and even auth_basic,
# whose credentials the browser resends, do not stop it).  Answering 415 to
# writes without application/json forces the preflight, which fails.

use Test::Nginx::Socket 'no_plan';

no_shuffle();
no_root_location();

run_tests();

__DATA__

=== TEST 1: POST strategy with a text/plain JSON body is refused with 415
--- http_config
    upstream pool {
        routini_balancer round_robin;
        server 127.0.0.1:1;
    }
--- config
    location /routini/api/ { routini_api; }
    location / {
        routini_route "/api/{*rest}" pool strip_prefix;
        proxy_pass http://$routini_upstream;
    }
--- request eval
[
    "POST /routini/api/strategy\n{\"path\":\"/api/x\",\"strategy\":\"random\"}",
    "GET /routini/api/upstreams/pool",
]
--- more_headers
Content-Type: text/plain
--- error_code eval
[415, 200]
--- response_body_like eval
[qr/^\{"error":"[^"]*application\/json[^"]*"\}\n\z/, qr/"strategy":"round_robin"/]
