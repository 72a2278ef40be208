# routini_api compat=routini: routini's strategy endpoint for its clients.
# They POST {"path","strategy"} with PascalCase names, at any path, often
# with curl -d, which sends application/x-www-form-urlencoded.  The compat
# location takes that type too; every other check stays (Sec-Fetch-Site,
# Origin), and a location without compat keeps answering 415 to a form,
# saying what to send.

use Test::Nginx::Socket 'no_plan';

no_shuffle();
no_root_location();

our $HttpConfig = <<'_EOC_';
    upstream pool {
        routini_balancer round_robin;
        server 127.0.0.1:1;
        server 127.0.0.3:9;
    }
    upstream other {
        routini_balancer round_robin;
        server 127.0.0.1:1;
    }
    # another server, declared first, with a route for the same path: the
    # endpoint ignores the host and takes the first router with a match
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server_name first.example;
        location / {
            routini_route "/first/{*rest}" other;
            proxy_pass http://$routini_upstream;
        }
    }
_EOC_

our $Config = <<'_EOC_';
    location /routini/api/ { routini_api; }
    location /compat/ { routini_api compat=routini; }
    location / {
        routini_route "/api/{*rest}" pool strip_prefix;
        routini_route "/first/{*rest}" pool;
        proxy_pass http://$routini_upstream;
    }
_EOC_

# the answer to a change: the upstream with this strategy, pinned
sub set_to {
    my ($name, $strategy) = @_;
    return qr/^\{"name":"$name","strategy":"$strategy","configured":"round_robin","adaptive":false,"pinned":true,/;
}

our $Unchanged = qr/^\{"name":"pool","strategy":"round_robin","configured":"round_robin","adaptive":false,"pinned":false,/;

# a write of routini's client, then the upstream as it left it
sub write_then_get {
    my ($uri, $body) = @_;
    return ["POST $uri\n$body", "GET /routini/api/upstreams/pool"];
}

our $Write = write_then_get('/compat/', '{"path":"/api/x","strategy":"Random"}');

# the answer to a refused write, then the upstream unchanged
sub refused {
    return [shift, $Unchanged];
}

# a fresh nginx, so a fresh zone, for every block under either runner
use FindBin;
require "$FindBin::Bin/fresh_zone.pl";

run_tests();

__DATA__

=== TEST 1: curl -d: a form type and routini's names, at any path of the location
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "POST /compat/\n{\"path\":\"/api/x\",\"strategy\":\"Random\"}",
    "POST /compat/strategy\n{\"path\":\"/api/x\",\"strategy\":\"FNVHash\"}",
    "POST /compat/any/deep/path?q=1\n{\"path\":\"/api/x\",\"strategy\":\"Consistent\"}",
    "POST /compat/upstreams/pool\n{\"path\":\"/api/x\",\"strategy\":\"FewestConnections\"}",
    "POST /compat/routes\n{\"path\":\"/api/x\",\"strategy\":\"FastestServer\"}",
    "POST /compat/x\n{\"path\":\"/api/x\",\"strategy\":\"RoundRobin\"}",
    "GET /routini/api/upstreams/pool",
]
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- error_code eval
[200, 200, 200, 200, 200, 200, 200]
--- response_body_like eval
[
    main::set_to("pool", "random"),
    main::set_to("pool", "fnv_hash"),
    main::set_to("pool", "consistent"),
    main::set_to("pool", "fewest_connections"),
    main::set_to("pool", "fastest"),
    main::set_to("pool", "round_robin"),
    main::set_to("pool", "round_robin"),
]



=== TEST 2: application/json and the module's names work too; "adaptive" hands control back
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "POST /compat/\n{\"path\":\"/api/x\",\"strategy\":\"fewest_connections\"}",
    "POST /compat/\n{\"path\":\"/api/x\",\"strategy\":\"adaptive\"}",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 200]
--- response_body_like eval
[
    main::set_to("pool", "fewest_connections"),
    qr/^\{"name":"pool","strategy":"[a-z_]+","configured":"round_robin","adaptive":true,"pinned":false,/,
]



=== TEST 3: an unknown strategy: 400 naming the accepted ones, nothing changes
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
main::write_then_get('/compat/', '{"path":"/api/x","strategy":"LeastTime"}')
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- error_code eval
[400, 200]
--- response_body_like eval
main::refused(qr/^\{"error":"unknown strategy \\"LeastTime\\", expected round_robin, random, fnv_hash, consistent, fewest_connections, fastest or adaptive \(routini's RoundRobin, Random, FNVHash, Consistent, FewestConnections and FastestServer too\)"\}\n\z/)



=== TEST 4: the route for "path" is the first router's, whatever the host; none: 404
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "POST /compat/\n{\"path\":\"/first/x\",\"strategy\":\"Random\"}",
    "POST /compat/\n{\"path\":\"/nowhere\",\"strategy\":\"Random\"}",
    "GET /routini/api/upstreams/pool",
]
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- error_code eval
[200, 404, 200]
--- response_body_like eval
[
    main::set_to("other", "random"),
    qr/^\{"error":"no route for path \\"\/nowhere\\""\}\n\z/,
    $::Unchanged,
]



=== TEST 5: a page of another site: Origin still refused (403), nothing changes
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval: $::Write
--- more_headers
Content-Type: application/x-www-form-urlencoded
Origin: http://evil.example
--- error_code eval
[403, 200]
--- response_body_like eval
main::refused(qr/^\{"error":"write refused: Origin \\"http:\/\/evil\.example\\" is not in routini_api allow_origin="\}\n\z/)



=== TEST 6: Sec-Fetch-Site: cross-site still refused (403), nothing changes
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval: $::Write
--- more_headers
Content-Type: application/x-www-form-urlencoded
Sec-Fetch-Site: cross-site
--- error_code eval
[403, 200]
--- response_body_like eval
main::refused(qr/^\{"error":"write refused: Sec-Fetch-Site is \\"cross-site\\", a page of another origin sent it"\}\n\z/)



=== TEST 7: compat takes the two types only: text/plain is 415, naming both
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval: $::Write
--- more_headers
Content-Type: text/plain
--- error_code eval
[415, 200]
--- response_body_like eval
main::refused(qr/^\{"error":"send the body with Content-Type: application\/json \(curl --json\) or application\/x-www-form-urlencoded, a JSON object such as \{\\"path\\":\\"\/api\/x\\",\\"strategy\\":\\"round_robin\\"\}"\}\n\z/)



=== TEST 8: compat answers POST only, at any path: 405 with Allow
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "GET /compat/upstreams",
    "PATCH /compat/upstreams/pool\n{\"strategy\":\"random\"}",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[405, 405]
--- response_headers eval
["Allow: POST", "Allow: POST"]



=== TEST 9: without compat, a form is 415 and the answer says what to send
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
main::write_then_get('/routini/api/strategy', '{"path":"/api/x","strategy":"Random"}')
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- error_code eval
[415, 200]
--- response_body_like eval
main::refused(qr/^\{"error":"send the body with Content-Type: application\/json \(curl --json\), a JSON object such as \{\\"path\\":\\"\/api\/x\\",\\"strategy\\":\\"round_robin\\"\}"\}\n\z/)



=== TEST 10: without compat, the API keeps its paths: "/" is not the strategy endpoint
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
POST /routini/api/
{"path":"/api/x","strategy":"Random"}
--- more_headers
Content-Type: application/json
--- error_code: 404
--- response_body_like
^\{"error":"unknown endpoint \\"\\""\}



=== TEST 11: compat=routini is the only value
--- config
    location /a/ { routini_api compat=pingora; }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_api: invalid compat "pingora", expected routini in \S+:\d+}



=== TEST 12: compat= without a value
--- config
    location /a/ { routini_api compat=; }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_api: invalid compat "", expected routini in \S+:\d+}



=== TEST 13: compat= twice
--- config
    location /a/ { routini_api compat=routini compat=routini; }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_api: duplicate parameter "compat" in \S+:\d+}



=== TEST 14: compat with allow_origin=: a listed origin may write a form
--- config
    location /a/ { routini_api allow_origin=https://ops.example compat=routini; }
    location / {
        routini_route "/api/{*rest}" pool;
        proxy_pass http://$routini_upstream;
    }
--- http_config eval: $::HttpConfig
--- request
POST /a/
{"path":"/api/x","strategy":"Random"}
--- more_headers
Content-Type: application/x-www-form-urlencoded
Origin: https://ops.example
--- error_code: 200
--- response_body_like eval
main::set_to("pool", "random")
