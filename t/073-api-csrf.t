# routini_api takes writes only from clients that are not a browser page of
# another origin (CSRF, DNS rebinding).  A page can make the operator's
# browser send a POST without a CORS preflight when the body is a form type,
# text/plain, or has no type at all (fetch() of a Blob in mode "no-cors",
# navigator.sendBeacon()), and allow/deny or cached auth_basic credentials
# do not stop it.  So a write is refused:
#
#   415  without Content-Type: application/json (any other type, or none);
#   403  with a Sec-Fetch-Site other than same-origin or none ("same-site"
#        is any other port of the same host);
#   403  with an Origin not in routini_api allow_origin= (empty by default:
#        DNS rebinding makes a hostile page's Origin equal to Host).
#
# Each refusal changes nothing, which every block checks with a GET after
# its writes.  test/browser/csrf.sh checks the same in Chromium.

use Test::Nginx::Socket 'no_plan';

no_shuffle();
no_root_location();

our $HttpConfig = <<'_EOC_';
    upstream pool {
        routini_balancer round_robin;
        server 127.0.0.1:1;
        server 127.0.0.3:9;
    }
_EOC_

our $Config = <<'_EOC_';
    location /routini/api/ { routini_api; }
    location /ops/api/ {
        routini_api allow_origin=https://ops.example
                    allow_origin=http://127.0.0.1:8080,http://[::1]:9000;
    }
    location / {
        routini_route "/api/{*rest}" pool strip_prefix;
        proxy_pass http://$routini_upstream;
    }
_EOC_

# the three writes, then the upstream as they left it
sub writes {
    my $prefix = shift || '/routini/api';
    return [
        "POST $prefix/strategy\n{\"path\":\"/api/x\",\"strategy\":\"random\"}",
        "PATCH $prefix/upstreams/pool\n{\"strategy\":\"fewest_connections\"}",
        "PATCH $prefix/upstreams/pool/peers/127.0.0.3:9\n{\"state\":\"down\"}",
        "GET $prefix/upstreams/pool",
    ];
}

our $Unchanged = qr/^\{"name":"pool","strategy":"round_robin","configured":"round_robin","adaptive":false,"pinned":false,.*"address":"127\.0\.0\.3:9",[^}]*"state":"up"/;

# one answer for the three writes, or one for each
sub refused {
    my ($re) = @_;
    return [@$re, $Unchanged] if ref $re eq 'ARRAY';
    return [$re, $re, $re, $Unchanged];
}

# the type to send and each write's body (strategy, upstream, peer)
sub type415 {
    my $body = shift;
    return qr/^\{"error":"send the body with Content-Type: application\/json \(curl --json\), a JSON object such as \{\Q$body\E\}"\}\n\z/;
}

our $Type415 = [
    type415('\"path\":\"/api/x\",\"strategy\":\"round_robin\"'),
    type415('\"strategy\":\"round_robin\"'),
    type415('\"state\":\"drain\"'),
];

# a fresh nginx, so a fresh zone, for every block under either runner
use FindBin;
require "$FindBin::Bin/fresh_zone.pl";

run_tests();

__DATA__

=== TEST 1: writes without Content-Type (a Blob, sendBeacon): 415, nothing changes
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval: main::writes()
--- error_code eval
[415, 415, 415, 200]
--- response_body_like eval: main::refused($::Type415)



=== TEST 2: text/plain (sendBeacon of a string): 415, nothing changes
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval: main::writes()
--- more_headers
Content-Type: text/plain;charset=UTF-8
--- error_code eval
[415, 415, 415, 200]
--- response_body_like eval: main::refused($::Type415)



=== TEST 3: a type that only starts like application/json: 415
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval: main::writes()
--- more_headers
Content-Type: application/jsonp
--- error_code eval
[415, 415, 415, 200]
--- response_body_like eval: main::refused($::Type415)



=== TEST 4: an empty Content-Type: 415
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval: main::writes()
--- more_headers
Content-Type:
--- error_code eval
[415, 415, 415, 200]
--- response_body_like eval: main::refused($::Type415)



=== TEST 5: Origin of another site, even with application/json: 403, nothing changes, logged
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval: main::writes()
--- more_headers
Content-Type: application/json
Origin: http://evil.example
--- error_code eval
[403, 403, 403, 200]
--- response_body_like eval
main::refused(qr/^\{"error":"write refused: Origin \\"http:\/\/evil\.example\\" is not in routini_api allow_origin="\}\n\z/)



=== TEST 5a: a refused write is logged at warn level with the client
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
PATCH /routini/api/upstreams/pool
{"strategy":"random"}
--- more_headers
Content-Type: application/json
Origin: http://evil.example
--- error_code: 403
--- error_log eval
qr/\[warn\] .*routini_api: write refused: Origin "http:\/\/evil\.example" is not in routini_api allow_origin=, client: /



=== TEST 5b: the Origin is quoted escaped and cut in the answer and the log
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request
PATCH /routini/api/upstreams/pool
{"strategy":"random"}
--- more_headers eval
"Content-Type: application/json\nOrigin: http://\"ev\\il\x7f\xff" . ("x" x 40) . "\n"
--- error_code: 403
--- response_body_like eval
qr/^\{"error":"write refused: Origin \\"http:\/\/\\\\x22ev\\\\x5Cil\\\\x7F\\\\xFFx{17}\.\.\.\\" is not in routini_api allow_origin="\}\n\z/
--- error_log eval
qr/\[warn\] .*routini_api: write refused: Origin "http:\/\/\\x22ev\\x5Cil\\x7F\\xFFx{17}\.\.\." is not in routini_api allow_origin=, client: /



=== TEST 6: Sec-Fetch-Site: cross-site: 403, nothing changes
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval: main::writes()
--- more_headers
Content-Type: application/json
Sec-Fetch-Site: cross-site
--- error_code eval
[403, 403, 403, 200]
--- response_body_like eval
main::refused(qr/^\{"error":"write refused: Sec-Fetch-Site is \\"cross-site\\", a page of another origin sent it"\}\n\z/)



=== TEST 7: Sec-Fetch-Site: same-site (another port of this host): 403, nothing changes
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval: main::writes()
--- more_headers
Content-Type: application/json
Sec-Fetch-Site: same-site
--- error_code eval
[403, 403, 403, 200]
--- response_body_like eval
main::refused(qr/^\{"error":"write refused: Sec-Fetch-Site is \\"same-site\\", a page of another origin sent it"\}\n\z/)



=== TEST 8: Origin null (a sandboxed page), and the API's own origin (DNS rebinding) without allow_origin=: 403
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "POST /routini/api/strategy\n{\"path\":\"/api/x\",\"strategy\":\"random\"}",
    "PATCH /ops/api/upstreams/pool\n{\"strategy\":\"random\"}",
    "GET /routini/api/upstreams/pool",
]
--- more_headers
Content-Type: application/json
Sec-Fetch-Site: same-origin
Origin: null
--- error_code eval
[403, 403, 200]
--- response_body_like eval
[
    qr/^\{"error":"write refused: Origin \\"null\\" is not in routini_api allow_origin="\}\n\z/,
    qr/^\{"error":"write refused: Origin \\"null\\" is not in routini_api allow_origin="\}\n\z/,
    $::Unchanged,
]



=== TEST 9: Origin equal to the Host, without allow_origin=: 403
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval: main::writes()
--- more_headers
Content-Type: application/json
Sec-Fetch-Site: same-origin
Origin: http://localhost
--- error_code eval
[403, 403, 403, 200]
--- response_body_like eval
main::refused(qr/^\{"error":"write refused: Origin \\"http:\/\/localhost\\" is not in routini_api allow_origin="\}\n\z/)



=== TEST 10: application/json (curl --json) writes; so do its parameters, any case, and Sec-Fetch-Site none or same-origin without Origin
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":\"fewest_connections\"}",
    "PATCH /routini/api/upstreams/pool/peers/127.0.0.3:9\n{\"state\":\"down\"}",
    "GET /routini/api/upstreams/pool",
]
--- more_headers
Content-Type: Application/JSON ; charset=utf-8
Sec-Fetch-Site: none
Sec-Fetch-Site: same-origin
--- error_code eval
[200, 200, 200]
--- response_body_like eval
[
    qr/^\{"name":"pool","strategy":"fewest_connections",.*"pinned":true,/,
    qr/^\{"address":"127\.0\.0\.3:9",.*"state":"down"/,
    qr/^\{"name":"pool","strategy":"fewest_connections",.*"pinned":true,.*"address":"127\.0\.0\.3:9",[^}]*"state":"down"/,
]



=== TEST 11: plain application/json, as curl -H sends it: all three writes change the upstream
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval: main::writes()
--- more_headers
Content-Type: application/json
--- error_code eval
[200, 200, 200, 200]
--- response_body_like eval
[
    qr/^\{"name":"pool","strategy":"random",.*"pinned":true,/,
    qr/^\{"name":"pool","strategy":"fewest_connections",.*"pinned":true,/,
    qr/^\{"address":"127\.0\.0\.3:9",.*"state":"down"/,
    qr/^\{"name":"pool","strategy":"fewest_connections",.*"pinned":true,.*"address":"127\.0\.0\.3:9",[^}]*"state":"down"/,
]



=== TEST 12: allow_origin=: a listed origin writes (a repeated parameter, a comma list, any case)
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval: main::writes('/ops/api')
--- more_headers
Content-Type: application/json
Sec-Fetch-Site: same-origin
Origin: https://ops.example
--- error_code eval
[200, 200, 200, 200]
--- response_body_like eval
[
    qr/^\{"name":"pool","strategy":"random",/,
    qr/^\{"name":"pool","strategy":"fewest_connections",/,
    qr/"state":"down"/,
    qr/^\{"name":"pool","strategy":"fewest_connections",.*"pinned":true,/,
]



=== TEST 13: allow_origin=: the second origin of a comma list, in another case
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "PATCH /ops/api/upstreams/pool\n{\"strategy\":\"random\"}",
    "GET /ops/api/upstreams/pool",
]
--- more_headers
Content-Type: application/json
Origin: HTTP://[::1]:9000
--- error_code eval
[200, 200]
--- response_body_like eval
[qr/"strategy":"random"/, qr/"strategy":"random"/]



=== TEST 14: allow_origin=: an origin that only starts like a listed one, or a listed one cross-site: 403
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval: main::writes('/ops/api')
--- more_headers
Content-Type: application/json
Origin: https://ops.example.evil.example
--- error_code eval
[403, 403, 403, 200]
--- response_body_like eval
main::refused(qr/^\{"error":"write refused: Origin \\"https:\/\/ops\.example\.evil\.example\\" is not in routini_api allow_origin="\}\n\z/)



=== TEST 15: allow_origin=: a listed origin with Sec-Fetch-Site: cross-site is refused
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval: main::writes('/ops/api')
--- more_headers
Content-Type: application/json
Origin: https://ops.example
Sec-Fetch-Site: cross-site
--- error_code eval
[403, 403, 403, 200]
--- response_body_like eval
main::refused(qr/^\{"error":"write refused: Sec-Fetch-Site is \\"cross-site\\", a page of another origin sent it"\}\n\z/)



=== TEST 16: reads need none of this
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
["GET /routini/api/upstreams", "HEAD /routini/api/routes"]
--- more_headers
Origin: http://evil.example
Sec-Fetch-Site: cross-site
--- error_code eval
[200, 200]



=== TEST 17: allow_origin= without an origin
--- config
    location /api/ { routini_api allow_origin=; }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_api: invalid origin "" in "allow_origin=", expected http:// or https:// and a host with an optional port, such as https://ops\.example, without a path in \S+:\d+}



=== TEST 18: allow_origin= with a path
--- config
    location /api/ { routini_api allow_origin=https://ops.example/; }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_api: invalid origin "https://ops\.example/" in "allow_origin=https://ops\.example/", expected http:// or https:// .* in \S+:\d+}



=== TEST 19: allow_origin= with another scheme
--- config
    location /a/ { routini_api allow_origin=ftp://ops.example; }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_api: invalid origin "ftp://ops\.example" in "allow_origin=ftp://ops\.example", expected .* in \S+:\d+}



=== TEST 20: allow_origin=*
--- config
    location /a/ { routini_api allow_origin=*; }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_api: invalid origin "\*" in "allow_origin=\*", expected .* in \S+:\d+}



=== TEST 21: allow_origin= with an empty item in a comma list
--- config
    location /a/ { routini_api allow_origin=https://a.example,,https://b.example; }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_api: invalid origin "" in "allow_origin=https://a\.example,,https://b\.example", expected .* in \S+:\d+}



=== TEST 22: allow_origin= with a port out of range
--- config
    location /a/ { routini_api allow_origin=http://ops.example:70000; }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_api: invalid origin "http://ops\.example:70000" in .* in \S+:\d+}



=== TEST 23: allow_origin= with user info (the first invalid origin is named)
--- config
    location /a/ { routini_api allow_origin=http://user@ops.example allow_origin=http://[zz]; }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_api: invalid origin "http://user\@ops\.example" in .* in \S+:\d+}



=== TEST 24: allow_origin= with a bad IPv6 address
--- config
    location /a/ { routini_api allow_origin=http://[zz]:8080; }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_api: invalid origin "http://\[zz\]:8080" in .* in \S+:\d+}



=== TEST 25: allow_origin= with the scheme's default port, which a browser never sends
--- config
    location /a/ { routini_api allow_origin=https://ops.example:443; }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_api: origin "https://ops\.example:443" in "allow_origin=https://ops\.example:443" names the default port, which browsers leave out: write "https://ops\.example" in \S+:\d+}



=== TEST 26: an unknown parameter
--- config
    location /a/ { routini_api allow_origins=https://ops.example; }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_api: invalid parameter "allow_origins=https://ops\.example", expected allow_origin= or compat= in \S+:\d+}
