# routini_api: every endpoint and every error.

use Test::Nginx::Socket 'no_plan';

no_shuffle();
no_root_location();

# The peers' ports are fixed for the whole file: the requests below name a
# peer by its address, and Test::Nginx expands $TEST_NGINX_* (and
# $TEST_NGINX_RAND_PORT_N) in the config sections only, not in requests.
use IO::Socket::INET;

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, ReuseAddr => 1)
        or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

$ENV{TEST_NGINX_API_ONE} ||= free_port();
$ENV{TEST_NGINX_API_TWO} ||= free_port();

our $HttpConfig = <<'_EOC_';
    upstream pool {
        routini_balancer round_robin;
        server 127.0.0.1:$TEST_NGINX_API_ONE;
        server 127.0.0.1:$TEST_NGINX_API_TWO weight=2;
    }
    upstream other {
        routini_balancer adaptive;
        server 127.0.0.1:$TEST_NGINX_API_ONE;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_API_ONE;
        location / { return 200 "one\n"; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_API_TWO;
        location / { return 200 "two\n"; }
    }
_EOC_

our $Config = <<'_EOC_';
    location /routini/api/ { routini_api; }
    location / {
        routini_route "/api/{*rest}" pool name=api methods=GET,HEAD strip_prefix;
        routini_route /other other;
        routini_route /var/:id $arg_u;
        routini_route /plain 127.0.0.1:1;
        proxy_pass http://$routini_upstream;
    }
_EOC_

run_tests();

__DATA__

=== TEST 1: GET upstreams
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
GET /routini/api/upstreams
--- response_headers
Content-Type: application/json
--- response_body_like eval
qr/^\{"upstreams":\[\{"name":"pool","strategy":"round_robin","configured":"round_robin","adaptive":false,"pinned":false,"switches":0,"peers":\[\{"address":"127.0.0.1:\d+","weight":1,"backup":false,"state":"up","healthy":true,"active":0,"requests":0,"failures":0,"latency":null\},\{"address":"127.0.0.1:\d+","weight":2,[^]]*\]\},\{"name":"other",[^]]*"adaptive":true[^]]*\]\}\]\}\n\z/



=== TEST 2: GET one upstream, one peer; unknown ones are 404
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "GET /routini/api/upstreams/pool",
    "GET /routini/api/upstreams/pool/",
    "GET /routini/api/upstreams/pool/peers/127.0.0.1:$ENV{TEST_NGINX_API_TWO}",
    "GET /routini/api/upstreams/nope",
    "GET /routini/api/upstreams/pool/peers/10.0.0.1:80",
    "GET /routini/api/upstreams/pool/servers/x",
    "GET /routini/api/nope",
    "GET /routini/api/",
]
--- error_code eval
[200, 200, 200, 404, 404, 404, 404, 404]
--- response_body_like eval
[
    qr/^\{"name":"pool","strategy":"round_robin",.*"peers":\[.*\]\}\n\z/,
    qr/^\{"name":"pool",/,
    qr/^\{"address":"127.0.0.1:\d+","weight":2,"backup":false,"state":"up","healthy":true,"active":0,"requests":0,"failures":0,"latency":null\}\n\z/,
    qr/^\{"error":"unknown upstream \\"nope\\""\}\n\z/,
    qr/^\{"error":"unknown peer \\"10.0.0.1:80\\" in upstream \\"pool\\""\}\n\z/,
    qr/^\{"error":"unknown endpoint \\"upstreams\/pool\/servers\/x\\""\}\n\z/,
    qr/^\{"error":"unknown endpoint \\"nope\\""\}\n\z/,
    qr/^\{"error":"unknown endpoint \\"\\""\}\n\z/,
]



=== TEST 3: PATCH an upstream's strategy: pinned for every request, adaptive hands back
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "PATCH /routini/api/upstreams/pool\n{\"strategy\": \"fewest_connections\"}",
    "GET /routini/api/upstreams/pool",
    "PATCH /routini/api/upstreams/other\n{\"strategy\":\"FastestServer\"}",
    "PATCH /routini/api/upstreams/other\n{\"strategy\":\"adaptive\"}",
]
--- more_headers
Content-Type: application/json
--- response_headers eval
["Content-Type: application/json", "", "", ""]
--- response_body_like eval
[
    qr/^\{"name":"pool","strategy":"fewest_connections","configured":"round_robin","adaptive":false,"pinned":true,/,
    qr/^\{"name":"pool","strategy":"fewest_connections",/,
    qr/^\{"name":"other","strategy":"fastest","configured":"adaptive","adaptive":false,"pinned":true,/,
    qr/^\{"name":"other","strategy":"[a-z_]+","configured":"adaptive","adaptive":true,"pinned":false,/,
]



=== TEST 4: a change is logged at notice level
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
PATCH /routini/api/upstreams/other
{"strategy":"random"}
--- more_headers
Content-Type: application/json
--- response_body_like chomp
"strategy":"random"
--- error_log
[notice]
routini: upstream "other" strategy pinned to random



=== TEST 5: PATCH with bad bodies: 400 with a JSON error, nothing changed
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "PATCH /routini/api/upstreams/pool\n{\"strategy\": \"random\"}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\": \"fewest_connections\"",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\": \"fewest\"}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\": 1}",
    "PATCH /routini/api/upstreams/pool\n{\"stratgy\": \"random\"}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\": \"random\", \"x\": null}",
    "PATCH /routini/api/upstreams/pool\n{}",
    "PATCH /routini/api/upstreams/pool\n[\"random\"]",
    "PATCH /routini/api/upstreams/pool\n\"random\"",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":\"random\",\"strategy\":\"random\"}",
    "PATCH /routini/api/upstreams/pool",
    "GET /routini/api/upstreams/pool",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 200]
--- response_body_like eval
[
    qr/^\{"name":"pool","strategy":"random",/,
    qr/^\{"error":"malformed JSON: unexpected end of data at byte 33"\}\n\z/,
    qr/^\{"error":"unknown strategy \\"fewest\\", expected round_robin, random, fnv_hash, consistent, fewest_connections, fastest or adaptive \(routini.s RoundRobin, Random, FNVHash, Consistent, FewestConnections and FastestServer too\)"\}\n\z/,
    qr/^\{"error":"field \\"strategy\\" must be a string"\}\n\z/,
    qr/^\{"error":"unknown field \\"stratgy\\""\}\n\z/,
    qr/^\{"error":"unknown field \\"x\\""\}\n\z/,
    qr/^\{"error":"missing field \\"strategy\\""\}\n\z/,
    qr/^\{"error":"malformed JSON: arrays are not accepted at byte 0"\}\n\z/,
    qr/^\{"error":"expected a JSON object"\}\n\z/,
    qr/^\{"error":"malformed JSON: duplicate member name at byte 31"\}\n\z/,
    qr/^\{"error":"a JSON body is needed"\}\n\z/,
    qr/^\{"name":"pool","strategy":"random",/,
]
--- no_error_log
[alert]



=== TEST 6: drain a peer: no new requests to it, up brings it back
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "PATCH /routini/api/upstreams/pool/peers/127.0.0.1:$ENV{TEST_NGINX_API_ONE}\n{\"state\":\"drain\"}",
    "GET /api/a", "GET /api/b", "GET /api/c",
    "PATCH /routini/api/upstreams/pool/peers/127.0.0.1:$ENV{TEST_NGINX_API_ONE}\n{\"state\":\"down\"}",
    "GET /api/d",
    "PATCH /routini/api/upstreams/pool/peers/127.0.0.1:$ENV{TEST_NGINX_API_ONE}\n{\"state\":\"up\"}",
    "GET /api/e", "GET /api/f", "GET /api/g",
    "PATCH /routini/api/upstreams/pool/peers/127.0.0.1:$ENV{TEST_NGINX_API_ONE}\n{\"state\":\"asleep\"}",
    "PATCH /routini/api/upstreams/pool/peers/127.0.0.1:$ENV{TEST_NGINX_API_ONE}\n{\"strategy\":\"up\"}",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 400, 400]
--- response_body_like eval
[
    qr/^\{"address":"127.0.0.1:\d+","weight":1,"backup":false,"state":"draining",/,
    "two", "two", "two",
    qr/"state":"down"/,
    "two",
    qr/"state":"up"/,
    qr/^(one|two)$/, qr/^(one|two)$/, qr/^(one|two)$/,
    qr/^\{"error":"unknown state \\"asleep\\", use \\"drain\\", \\"up\\" or \\"down\\""\}\n\z/,
    qr/^\{"error":"unknown field \\"strategy\\""\}\n\z/,
]
--- no_error_log
[alert]



=== TEST 7: POST strategy: path -> route -> upstream (the seed's endpoint)
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "POST /routini/api/strategy\n{\"path\":\"/api/x\",\"strategy\":\"RoundRobin\"}",
    "POST /routini/api/strategy\n{\"path\":\"/other\",\"strategy\":\"FewestConnections\"}",
    "GET /routini/api/upstreams/other",
    "POST /routini/api/strategy\n{\"path\":\"/nowhere\",\"strategy\":\"random\"}",
    "POST /routini/api/strategy\n{\"path\":\"/var/1\",\"strategy\":\"random\"}",
    "POST /routini/api/strategy\n{\"path\":\"/plain\",\"strategy\":\"random\"}",
    "POST /routini/api/strategy\n{\"path\":\"api/x\",\"strategy\":\"random\"}",
    "POST /routini/api/strategy\n{\"path\":\"/api/x\"}",
    "POST /routini/api/strategy\n{\"path\":\"/api/x\",\"strategy\":\"best\"}",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 200, 200, 404, 400, 404, 400, 400, 400]
--- response_body_like eval
[
    qr/^\{"name":"pool","strategy":"round_robin","configured":"round_robin","adaptive":false,"pinned":true,/,
    qr/^\{"name":"other","strategy":"fewest_connections",/,
    qr/^\{"name":"other","strategy":"fewest_connections","configured":"adaptive","adaptive":false,"pinned":true,/,
    qr/^\{"error":"no route for path \\"\/nowhere\\""\}\n\z/,
    qr/^\{"error":"route \\"\/var\/:id\\" has a target with variables, \\"\$arg_u\\": use PATCH upstreams\/NAME"\}\n\z/,
    qr/^\{"error":"the target \\"127.0.0.1:1\\" of route \\"\/plain\\" is not a routini upstream"\}\n\z/,
    qr/^\{"error":"\\"path\\" must start with \\"\/\\""\}\n\z/,
    qr/^\{"error":"missing field \\"strategy\\""\}\n\z/,
    qr/^\{"error":"unknown strategy \\"best\\", expected round_robin, [^"]* and FastestServer too\)"\}\n\z/,
]
--- no_error_log
[alert]



=== TEST 8: GET routes: the route table with hits
--- http_config eval: $::HttpConfig
--- config eval: $::Config . "    # fresh counters\n"
--- request eval
["GET /api/a", "GET /api/b", "GET /routini/api/routes"]
--- response_body_like eval
[
    "one|two", "one|two",
    qr/^\{"routes":\[\{"name":"api","pattern":"\/api\/\{\*rest\}","target":"pool","methods":\["GET","HEAD"\],"strip_prefix":true,"hits":2,.*\},\{"name":"\/other","pattern":"\/other","target":"other","methods":\[\],"strip_prefix":false,"hits":0,.*\{"name":"\/var\/:id","pattern":"\/var\/:id","target":"\$arg_u",.*\{"name":"\/plain",.*\}\]\}\n\z/,
]



=== TEST 9: wrong methods: 405 with Allow
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "DELETE /routini/api/upstreams/pool",
    "POST /routini/api/upstreams\n{}",
    "GET /routini/api/strategy",
    "PUT /routini/api/routes\n{}",
    "POST /routini/api/upstreams/pool/peers/127.0.0.1:$ENV{TEST_NGINX_API_ONE}\n{}",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[405, 405, 405, 405, 405]
--- response_headers eval
[
    "Allow: GET, HEAD, PATCH",
    "Allow: GET, HEAD",
    "Allow: POST",
    "Allow: GET, HEAD",
    "Allow: GET, HEAD, PATCH",
]
--- response_body_like eval
[
    qr/^\{"error":"method not allowed, use GET, HEAD, PATCH"\}\n\z/,
    qr/^\{"error":"method not allowed, use GET, HEAD"\}\n\z/,
    qr/^\{"error":"method not allowed, use POST"\}\n\z/,
    qr/^\{"error":"method not allowed, use GET, HEAD"\}\n\z/,
    qr/^\{"error":"method not allowed, use GET, HEAD, PATCH"\}\n\z/,
]



=== TEST 10: a body over 16k is 413, with or without Content-Length
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":\"random\"" . (" " x 16400) . "}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":\"random\"" . (" " x 16300) . "}",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[413, 200]
--- response_body_like eval
[
    qr/^\{"error":"request body over 16384 bytes"\}\n\z/,
    qr/"strategy":"random"/,
]



=== TEST 11: chunked body over 16k is 413
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- raw_request eval
"PATCH /routini/api/upstreams/pool HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" . sprintf("%x", 17000) . "\r\n" . ("{" . (" " x 16999)) . "\r\n0\r\n\r\n"
--- error_code: 413
--- response_body_like eval
qr/^\{"error":"request body over 16384 bytes"\}\n\z/



=== TEST 12: routing is off in the API location
--- http_config eval: $::HttpConfig
--- config
    location / {
        routini_route "/{*rest}" pool;
        proxy_pass http://$routini_upstream;
        location /routini/api/ { routini_api; }
    }
--- request
GET /routini/api/routes
--- response_body_like eval
qr/^\{"routes":\[\{"name":"\/\{\*rest\}"/



=== TEST 13: POST strategy finds regex routes and routes of any method
--- http_config eval: $::HttpConfig
--- config
    location /routini/api/ { routini_api; }
    location / {
        routini_route "~^/re/(?<id>[0-9]+)$" other;
        routini_route /post/:id pool methods=POST;
        proxy_pass http://$routini_upstream;
    }
--- request eval
[
    "POST /routini/api/strategy\n{\"path\":\"/re/12\",\"strategy\":\"random\"}",
    "POST /routini/api/strategy\n{\"path\":\"/re/x\",\"strategy\":\"random\"}",
    "POST /routini/api/strategy\n{\"path\":\"/post/1\",\"strategy\":\"random\"}",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 404, 200]
--- response_body_like eval
[
    qr/^\{"name":"other","strategy":"random",/,
    qr/^\{"error":"no route for path \\"\/re\/x\\""\}\n\z/,
    qr/^\{"name":"pool","strategy":"random",/,
]
--- no_error_log
[alert]



=== TEST 14: upstream names compare case-insensitively, as nginx compares them
--- http_config eval: $::HttpConfig
--- config
    location /routini/api/ { routini_api; }
    location / {
        routini_route /mixed Other;
        proxy_pass http://$routini_upstream;
    }
--- request eval
[
    "GET /routini/api/upstreams/POOL",
    "GET /routini/api/upstreams/Pool/peers/127.0.0.1:$ENV{TEST_NGINX_API_TWO}",
    "PATCH /routini/api/upstreams/OTHER\n{\"strategy\":\"random\"}",
    "POST /routini/api/strategy\n{\"path\":\"/mixed\",\"strategy\":\"fewest_connections\"}",
    "GET /mixed",
    "GET /routini/api/upstreams/Nope",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 200, 200, 200, 200, 404]
--- response_body_like eval
[
    qr/^\{"name":"pool","strategy":"round_robin",/,
    qr/^\{"address":"127\.0\.0\.1:\d+","weight":2,/,
    qr/^\{"name":"other","strategy":"random",.*"pinned":true,/,
    qr/^\{"name":"other","strategy":"fewest_connections",.*"pinned":true,/,
    qr/^one$/,
    qr/^\{"error":"unknown upstream \\"Nope\\""\}\n\z/,
]
--- no_error_log
[alert]
