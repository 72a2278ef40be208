# Hostile requests: long and odd URIs, encoded NUL, CR and LF, dot segments,
# invalid UTF-8, oversized and malformed API bodies, unknown API paths and
# methods, a stream of API writes.  Each gets its proper status, nothing
# crashes, and no control character reaches the upstream request unescaped.
#
# The backend echoes its request line and the headers routini fills from
# params; "INJ[...]" shows a header that only an injection could create.

use Test::Nginx::Socket 'no_plan';

workers(2);
no_shuffle();
no_root_location();
log_level('warn');

our $HttpConfig = <<'_EOC_';
    upstream pool {
        routini_balancer round_robin;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
    upstream other {
        routini_balancer adaptive;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.3:9;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "RL[$request]\nXP[$http_x_p]\nXPATH[$http_x_path]\nINJ[$http_x_injected]\n";
        }
    }
_EOC_

# the checks read the upstream request line: its version is set here, not
# left to proxy_http_version's default (1.0 in nginx 1.22 and 1.26, 1.1 in
# current mainline)
our $Config = <<'_EOC_';
    proxy_http_version 1.0;
    location /routini/api/ { routini_api; }
    location = /metrics { routini_metrics; }
    location /raw/ {
        routini_route "/raw/{*rest}" pool strip_prefix;
        proxy_set_header X-P $routini_param_rest;
        proxy_set_header X-Path $routini_path;
        proxy_pass http://$routini_upstream$routini_path;
    }
    location / {
        routini_route "/api/{*rest}" pool strip_prefix;
        routini_route /users/:id     pool methods=GET,HEAD;
        routini_route /other/:id     other;
        proxy_set_header X-P $routini_param_id;
        proxy_set_header X-Path $routini_path;
        add_header X-Echo-Id $routini_param_id;
        proxy_pass http://$routini_upstream;
    }
_EOC_

our $NoCrash = [qw([alert] [crit] [emerg]), 'signal 11', 'exited on signal'];

run_tests();

__DATA__

=== TEST 1: a URI just below large_client_header_buffers (8k) is routed
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
"GET /api/" . ("a" x 8000)
--- response_body_like eval
qr{^RL\[GET /a{8000} HTTP/1.0\]\n}
--- no_error_log eval: $::NoCrash



=== TEST 2: a URI over large_client_header_buffers is 414, from nginx
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
"GET /api/" . ("a" x 8300)
--- error_code: 414
--- response_body_like: 414 Request-URI Too Large
--- no_error_log eval: $::NoCrash



=== TEST 3: thousands of segments in a catch-all
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
"GET /api/" . ("s/" x 3000) . "end"
--- response_body_like eval
qr{^RL\[GET /(s/){3000}end HTTP/1.0\]\n}
--- no_error_log eval: $::NoCrash



=== TEST 4: thousands of segments where a param route expects two
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
"GET /users/" . ("s/" x 3000)
--- error_code: 404
--- no_error_log eval: $::NoCrash



=== TEST 5: thousands of slashes are merged before routing (the upstream gets the URI as sent)
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
"GET " . ("/" x 3000) . "users//7"
--- response_body_like eval
qr{^RL\[GET /{3000}users//7 HTTP/1.0\]\nXP\[7\]\nXPATH\[/users/7\]\nINJ\[\]\n\z}
--- no_error_log eval: $::NoCrash



=== TEST 6: %00 in the path is rejected by nginx with 400
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
GET /users/a%00b
--- error_code: 400
--- no_error_log eval: $::NoCrash



=== TEST 7: %00 in a catch-all is rejected with 400, never proxied
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
GET /raw/a%00b
--- error_code: 400
--- no_error_log eval: $::NoCrash



=== TEST 8: %00 in the query string is passed as written, still encoded
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
GET /api/x?a=%00&b=%0d%0a
--- response_body_like eval
qr{^RL\[GET /x\?a=%00&b=%0d%0a HTTP/1.0\]\n}
--- no_error_log eval: $::NoCrash



=== TEST 9: %2F inside a param value decodes to a separator: no longer one segment
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
GET /users/a%2Fb
--- error_code: 404
--- no_error_log eval: $::NoCrash



=== TEST 10: %2F in a catch-all is re-escaped or kept as a path separator
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
GET /api/a%2Fb
--- response_body_like eval
qr{^RL\[GET /a(/|%2F)b HTTP/1.0\]\n}
--- no_error_log eval: $::NoCrash



=== TEST 11: dot segments are resolved before routing (the upstream gets the URI as sent)
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
GET /api/x/../../users/9
--- response_body_like eval
qr{^RL\[GET /api/x/\.\./\.\./users/9 HTTP/1.0\]\nXP\[9\]\nXPATH\[/users/9\]\n}
--- no_error_log eval: $::NoCrash



=== TEST 12: encoded dot segments are resolved too
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
GET /api/%2e%2e/users/%2E%2E/users/5
--- response_body_like eval
qr{^RL\[GET /api/%2e%2e/users/%2E%2E/users/5 HTTP/1.0\]\nXP\[5\]\nXPATH\[/users/5\]\n}
--- no_error_log eval: $::NoCrash



=== TEST 13: dot segments above the root are 400
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
GET /api/../../etc/passwd
--- error_code: 400
--- no_error_log eval: $::NoCrash



=== TEST 14: a param of dots alone is a value, not a path step
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
GET /users/...
--- response_body_like eval
qr{^RL\[GET /users/\.\.\. HTTP/1.0\]\nXP\[\.\.\.\]\n}
--- no_error_log eval: $::NoCrash



=== TEST 15: empty segments: "//" in a param route
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
GET /users//8//
--- error_code: 404
--- no_error_log eval: $::NoCrash



=== TEST 16: invalid UTF-8, percent-encoded, reaches the header as bytes
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
GET /users/%C3%28%FF
--- response_body_like eval
qr{^RL\[GET /users/%C3%28%FF HTTP/1.0\]\nXP\[\xC3\(\xFF\]\n}
--- no_error_log eval: $::NoCrash



=== TEST 17: invalid UTF-8 as raw bytes in the request line
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- raw_request eval
"GET /api/\xff\xfe\xc3 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
--- response_body_like eval
qr{^RL\[GET /(%FF%FE%C3|\xff\xfe\xc3) HTTP/1.0\]\n}
--- no_error_log eval: $::NoCrash



=== TEST 18: CR LF in a param: percent-encoded in the header, no injected header
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
GET /users/a%0D%0AX-Injected:%20yes
--- response_body_like eval
qr{^RL\[GET /users/a%0D%0AX-Injected:%20yes HTTP/1.0\]\nXP\[a%0D%0AX-Injected: yes\]\nXPATH\[/users/a%0D%0AX-Injected: yes\]\nINJ\[\]\n\z}
--- response_headers
X-Echo-Id: a%0D%0AX-Injected: yes
!X-Injected
--- no_error_log eval: $::NoCrash



=== TEST 19: CR LF in a stripped catch-all: the upstream request line is escaped
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
GET /api/a%0D%0AX-Injected:%20yes%0D%0A%0D%0AGET%20/x
--- response_body_like eval
qr{^RL\[GET /a%0D%0AX-Injected:%20yes%0D%0A%0D%0AGET%20/x HTTP/1.0\]\nXP\[\]\nXPATH\[/a%0D%0AX-Injected: yes%0D%0A%0D%0AGET /x\]\nINJ\[\]\n\z}
--- no_error_log eval: $::NoCrash



=== TEST 20: CR LF in $routini_path used in proxy_pass: percent-encoded in the request line
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
GET /raw/a%0D%0AX-Injected:yes%0D%0A%0D%0A
--- response_body_like eval
qr{^RL\[GET /a%0D%0AX-Injected:yes%0D%0A%0D%0A HTTP/1.0\]\nXP\[a%0D%0AX-Injected:yes%0D%0A%0D%0A\]\nXPATH\[/a%0D%0AX-Injected:yes%0D%0A%0D%0A\]\nINJ\[\]\n\z}
--- no_error_log eval: $::NoCrash



=== TEST 21: every control character and DEL in a param is encoded
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
GET /users/%01%02%07%08%09%0A%0B%0C%0D%1B%1F%7F.
--- response_body_like eval
qr{^RL\[[^\]]*\]\nXP\[%01%02%07%08%09%0A%0B%0C%0D%1B%1F%7F\.\]\n}
--- response_headers
X-Echo-Id: %01%02%07%08%09%0A%0B%0C%0D%1B%1F%7F.
--- no_error_log eval: $::NoCrash



=== TEST 22: a raw CR in the request line is 400
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- raw_request eval
"GET /users/a\rX-Injected: yes HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
--- error_code: 400
--- no_error_log eval: $::NoCrash



=== TEST 23: a header-sized param value (7000 bytes) is passed whole
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
"GET /users/" . ("v" x 7000)
--- response_body_like eval
qr{\nXP\[v{7000}\]\n}
--- no_error_log eval: $::NoCrash



=== TEST 24: many params deep in a backtracking tree
--- http_config eval: $::HttpConfig
--- config
    location / {
        routini_route /:a/:b/:c/:d/:e/:f/:g/:h/:i/:j/:k/:l/:m/:n/:o/:p/end  pool;
        routini_route /s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/other                 pool;
        routini_route /s/:b/s/:d/s/:f/s/:h/s/:j/s/:l/s/:n/s/:p/x             pool;
        routini_route "/t/{*rest}"                                           pool;
        return 200 "[$routini_route]\n";
    }
--- request eval
[
    "GET /s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/end",
    "GET /s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/x",
    "GET /s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/nope",
    "GET /t/s/s/s/s/s/s/s/s/s/s/s/s/s/s/s/nope",
]
--- error_code eval
[200, 200, 404, 200]
--- response_body eval
[
    "[/:a/:b/:c/:d/:e/:f/:g/:h/:i/:j/:k/:l/:m/:n/:o/:p/end]\n",
    "[/s/:b/s/:d/s/:f/s/:h/s/:j/s/:l/s/:n/s/:p/x]\n",
    qr/404 Not Found/,
    "[/t/{*rest}]\n",
]
--- no_error_log eval: $::NoCrash



=== TEST 25: API: a body nested deeper than 8 levels is 400
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
"PATCH /routini/api/upstreams/pool\n" . ('{"a":' x 9) . '1' . ('}' x 9)
--- more_headers
Content-Type: application/json
--- error_code: 400
--- response_body_like eval
qr/^\{"error":"malformed JSON: objects nested too deep at byte \d+"\}\n\z/
--- no_error_log eval: $::NoCrash



=== TEST 26: API: a body nested 2500 levels deep is 400, no stack overflow
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
"PATCH /routini/api/upstreams/pool\n" . ('{"a":' x 2500) . '1' . ('}' x 2500)
--- more_headers
Content-Type: application/json
--- error_code: 400
--- response_body_like eval
qr/^\{"error":"malformed JSON: objects nested too deep at byte \d+"\}\n\z/
--- no_error_log eval: $::NoCrash



=== TEST 27: API: too many values, a long string, invalid UTF-8, \u0000, trailing data
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "PATCH /routini/api/upstreams/pool\n{" . CORE::join(",", map { "\"k$_\":1" } 1..70) . "}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":\"" . ("r" x 5000) . "\"}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":\"rand\xffom\"}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":\"rand\\u0000om\"}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":\"random\"} {}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":\"random\nx\"}",
    "PATCH /routini/api/upstreams/pool\n\xef\xbb\xbf{\"strategy\":\"random\"}",
    "GET /routini/api/upstreams/pool",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[400, 400, 400, 400, 400, 400, 400, 200]
--- response_body_like eval
[
    qr/^\{"error":"malformed JSON: too many values at byte \d+"\}\n\z/,
    qr/^\{"error":"malformed JSON: string too long at byte \d+"\}\n\z/,
    qr/^\{"error":"malformed JSON: invalid UTF-8 at byte \d+"\}\n\z/,
    qr/^\{"error":"malformed JSON: \\\\u0000 is not accepted at byte \d+"\}\n\z/,
    qr/^\{"error":"malformed JSON: unexpected data after the value at byte \d+"\}\n\z/,
    qr/^\{"error":"malformed JSON: control character in string at byte \d+"\}\n\z/,
    qr/^\{"error":"malformed JSON: unexpected character at byte 0"\}\n\z/,
    qr/^\{"name":"pool","strategy":"round_robin",/,
]
--- no_error_log eval: $::NoCrash



=== TEST 28: API: a huge Content-Length is refused by client_max_body_size before the API reads it
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- raw_request eval
"PATCH /routini/api/upstreams/pool HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 1000000000000\r\n\r\n{\"strategy\":"
--- error_code: 413
--- response_body_like: 413 Request Entity Too Large
--- timeout: 10
--- no_error_log eval: $::NoCrash



=== TEST 29: API: a form-encoded body is refused: 415
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
PATCH /routini/api/upstreams/pool
strategy=random
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- error_code: 415
--- response_body_like eval
qr/^\{"error":"send the body with Content-Type: application\/json \(curl --json\), a JSON object such as \{\\"strategy\\":\\"round_robin\\"\}"\}\n\z/
--- no_error_log eval: $::NoCrash



=== TEST 30: API: a multipart body is refused: 415
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
"PATCH /routini/api/upstreams/pool\n--XX\r\nContent-Disposition: form-data; name=\"strategy\"\r\n\r\nrandom\r\n--XX--\r\n"
--- more_headers
Content-Type: multipart/form-data; boundary=XX
--- error_code: 415
--- response_body_like eval
qr/^\{"error":"send the body with Content-Type: application\/json \(curl --json\), a JSON object such as \{\\"strategy\\":\\"round_robin\\"\}"\}\n\z/
--- no_error_log eval: $::NoCrash



=== TEST 31: API: names with quotes, backslashes and control characters are escaped in errors
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "GET /routini/api/upstreams/po%22ol%5C",
    "GET /routini/api/upstreams/a%01b%0D%0A",
    "GET /routini/api/upstreams/pool/peers/%22%3E%3Cscript%3E",
    "GET /routini/api/upstreams/" . ("n" x 6000),
]
--- error_code eval
[404, 404, 404, 404]
--- response_body_like eval
[
    qr/^\{"error":"unknown upstream \\"po\\"ol\\\\\\""\}\n\z/,
    qr/^\{"error":"unknown upstream \\"a\\u0001b(\\r|\\u000d)(\\n|\\u000a)\\""\}\n\z/,
    qr/^\{"error":"unknown peer \\"\\"><script>\\" in upstream \\"pool\\""\}\n\z/,
    qr/^\{"error":"unknown upstream \\"n+/,
]
--- response_headers eval
["Content-Type: application/json", "Content-Type: application/json", "Content-Type: application/json", "Content-Type: application/json"]
--- no_error_log eval: $::NoCrash



=== TEST 32: API: unknown paths and odd methods
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "GET /routini/api/upstreams/pool/peers/",
    "GET /routini/api//upstreams",
    "GET /routini/api/upstreams/../routes",
    "GET /routini/api/routes/x",
    "OPTIONS /routini/api/upstreams",
    "DELETE /routini/api/routes",
    "PROPFIND /routini/api/upstreams",
    "GET /routini/api/upstreams?x=1",
]
--- error_code eval
[404, 200, 200, 404, 405, 405, 405, 200]
--- response_body_like eval
[
    qr/^\{"error":"unknown endpoint .*"\}\n\z/,
    qr/^\{"upstreams":\[/,
    qr/^\{"routes":\[/,
    qr/^\{"error":"unknown endpoint \\"routes\/x\\""\}\n\z/,
    qr/^\{"error":"method not allowed, use GET, HEAD"\}\n\z/,
    qr/^\{"error":"method not allowed, use GET, HEAD"\}\n\z/,
    qr/^\{"error":"method not allowed, use GET, HEAD"\}\n\z/,
    qr/^\{"upstreams":\[/,
]
--- no_error_log eval: $::NoCrash



=== TEST 33: API: TRACE and a malformed method are refused by nginx
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
["TRACE /routini/api/upstreams", "G3T /routini/api/upstreams"]
--- error_code eval
[405, 400]
--- no_error_log eval: $::NoCrash



=== TEST 34: API: a stream of writes over both workers ends in the last state
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    (map { ("PATCH /routini/api/upstreams/other\n{\"strategy\":\"$_\"}") }
         qw(random fewest_connections fastest consistent fnv_hash round_robin random fastest)),
    (map { ("PATCH /routini/api/upstreams/other/peers/127.0.0.3:9\n{\"state\":\"$_\"}") }
         qw(drain up down drain up down)),
    "GET /routini/api/upstreams/other",
    "GET /routini/api/upstreams/other",
    "GET /routini/api/upstreams/other",
    "GET /routini/api/upstreams/other",
    "GET /other/1", "GET /other/2", "GET /other/3", "GET /other/4",
    "GET /metrics", "GET /metrics", "GET /metrics", "GET /metrics",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[(200) x 26]
--- response_body_like eval
[
    (map { qr/^\{"name":"other","strategy":"$_",.*"pinned":true/ }
         qw(random fewest_connections fastest consistent fnv_hash round_robin random fastest)),
    (map { qr/^\{"address":"127\.0\.0\.3:9",.*"state":"$_"/ }
         qw(draining up down draining up down)),
    (qr/^\{"name":"other","strategy":"fastest","configured":"adaptive","adaptive":false,"pinned":true,"switches":\d+,"peers":\[\{"address":"127\.0\.0\.1:\d+",[^}]*"state":"up"[^}]*\},\{"address":"127\.0\.0\.3:9",[^}]*"state":"down"/) x 4,
    (qr/^RL\[GET \/other\/\d HTTP\/1\.0\]/) x 4,
    (qr/routini_upstream_peer_up\{upstream="other",peer="127\.0\.0\.1:\d+"\} 1\nroutini_upstream_peer_up\{upstream="other",peer="127\.0\.0\.3:9"\} 0\n.*routini_upstream_strategy\{upstream="other",strategy="fastest"\} 1\n/s) x 4,
]
--- no_error_log eval
[[qw([alert] [crit] [emerg]), 'signal 11', 'exited on signal']]



=== TEST 35: unmatched hostile requests are counted as not_found, nothing else
--- http_config eval: $::HttpConfig
--- config eval: $::Config . "    # fresh counters\n"
--- request eval
[
    "GET /users/" . ("s/" x 3000),
    "GET /users/a%2Fb",
    "DELETE /users/1",
    "GET /metrics",
]
--- error_code eval
[404, 404, 405, 200]
--- response_body_like eval
[qr/404/, qr/404/, qr/405/, qr/routini_unmatched_requests_total\{reason="not_found"\} [1-9]\d*\nroutini_unmatched_requests_total\{reason="method_not_allowed"\} [1-9]/]
--- no_error_log eval: $::NoCrash
