# routini_metrics: per-route counters by status class, duration histogram,
# unmatched requests, zone gauges; Prometheus text and JSON.

use Test::Nginx::Socket 'no_plan';

# routini_requests_total's samples of a route, a regex: one per status
# class from 1xx on, with the counts given
sub requests_total {
    my ($route, $upstream, @counts) = @_;
    my $class = 0;

    my $re = join '', map {
        $class++;
        "routini_requests_total\\{route=\"$route\",upstream=\"$upstream\","
        . "code=\"${class}xx\"\\} $_\\n"
    } @counts;

    return qr/$re/;
}

# a route's duration histogram, a regex: each bucket's count (a regex)
# and the sum's and count's
sub duration {
    my ($route, $buckets, $count) = @_;

    my $re = join '', map {
        "routini_request_duration_seconds_bucket\\{route=\"$route\","
        . "le=\"$_->[0]\"\\} $_->[1]\\n"
    } @$buckets;

    return qr/${re}routini_request_duration_seconds_sum\{route="$route"\} \d+\.\d{3}\nroutini_request_duration_seconds_count\{route="$route"\} $count\n/;
}

# TEST 11 and 12: one server listed twice (and one down, then backup),
# scraped after the same requests
our $DupHttpConfig = <<'END';
    upstream dup {
        routini_balancer round_robin;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.3:9 down;
        server 127.0.0.3:9 backup;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "ok\n"; }
    }
END

our $DupConfig = <<'END';
    location = /metrics { routini_metrics; }
    location / {
        routini_route "/d/{*rest}" dup;
        routini_route "/d2/{*rest}" dup "name=/d/{*rest}";
        proxy_pass http://$routini_upstream;
    }
END

our $DupRequests = ["GET /d/a", "GET /d/b", "GET /d2/c", "GET /metrics"];

no_shuffle();
no_root_location();
run_tests();

__DATA__

=== TEST 1: requests by route and status class, unmatched by reason
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "ok\n"; }
        location /api/fail { return 503; }
    }
--- config
    location = /metrics { routini_metrics; }
    location / {
        routini_route "/api/{*rest}" 127.0.0.1:$TEST_NGINX_RAND_PORT_1 name=api;
        routini_route /users/:id 127.0.0.1:$TEST_NGINX_RAND_PORT_1 methods=GET;
        proxy_pass http://$routini_upstream;
    }
--- request eval
[
    "GET /api/x",
    "GET /api/y",
    "GET /api/fail",
    "GET /users/1",
    "GET /nope",
    "GET /nope/2",
    "POST /users/1\nx",
    "GET /metrics",
]
--- error_code eval
[200, 200, 503, 200, 404, 404, 405, 200]
--- response_headers eval
[
    "", "", "", "", "", "", "Allow: GET",
    "Content-Type: text/plain; version=0.0.4; charset=utf-8",
]
--- response_body_like eval
[
    "ok", "ok", "", "ok", "", "", "",
    qr/# HELP routini_requests_total [^\n]+\n# TYPE routini_requests_total counter\n
${\ main::requests_total('api', '127.0.0.1:\d+', 0, 2, 0, 0, 1)}
(?:.*\n)*
routini_requests_total\{route="\/users\/:id",upstream="127.0.0.1:\d+",code="2xx"\}\ 1\n
(?:.*\n)*
routini_unmatched_requests_total\{reason="not_found"\}\ 2\n
routini_unmatched_requests_total\{reason="method_not_allowed"\}\ 1\n
/x,
]



=== TEST 2: duration histogram with the default buckets
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "ok\n"; }
    }
--- config
    location = /metrics { routini_metrics prometheus; }
    location / {
        routini_route "/api/{*rest}" 127.0.0.1:$TEST_NGINX_RAND_PORT_1 name=api;
        proxy_pass http://$routini_upstream;
    }
--- request eval
["GET /api/a", "GET /api/b", "GET /api/c", "GET /metrics"]
--- response_body_like eval
[
    "ok", "ok", "ok",
    qr/# TYPE routini_request_duration_seconds histogram\n
${\ main::duration('api', [ (map { [ $_, '[0-3]' ]
                                     } qw(0.005 0.01 0.025 0.05 0.1 0.25 0.5 1
                                          2.5 5)),
                               [ 10, 3 ], [ '\+Inf', 3 ] ], 3)}/x,
]



=== TEST 3: routini_metrics_buckets, slow requests land in the right bucket
--- http_config
    routini_metrics_buckets 1 1.5 10;
    limit_req_zone $binary_remote_addr zone=slow:1m rate=20r/m;
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "ok\n"; }
        # the second request waits 3s less the time between the two (a
        # runner may pause between requests: Test::Nginx reads the error
        # log after each one); the bounds leave room for valgrind's pace
        # (return would answer before limit_req runs)
        location /slow {
            limit_req zone=slow burst=10;
            error_page 404 =200 @ok;
        }
        location @ok { return 200 "ok\n"; }
    }
--- config
    location = /metrics { routini_metrics; }
    location / {
        routini_route "/{*rest}" 127.0.0.1:$TEST_NGINX_RAND_PORT_1 name=all;
        proxy_pass http://$routini_upstream;
    }
--- request eval
["GET /fast", "GET /slow", "GET /slow", "GET /metrics"]
--- response_body_like eval
[
    "ok", "ok", "ok",
    qr/routini_request_duration_seconds_bucket\{route="all",le="1"\}\ 2\n
routini_request_duration_seconds_bucket\{route="all",le="1.5"\}\ 2\n
routini_request_duration_seconds_bucket\{route="all",le="10"\}\ 3\n
routini_request_duration_seconds_bucket\{route="all",le="\+Inf"\}\ 3\n
routini_request_duration_seconds_sum\{route="all"\}\ [23]\.\d\d\d\n
routini_request_duration_seconds_count\{route="all"\}\ 3\n/x,
]
--- timeout: 10



=== TEST 4: label values escape backslash, double quote and newline
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "ok\n"; }
    }
--- config
    location = /metrics { routini_metrics; }
    location / {
        routini_route /q 127.0.0.1:$TEST_NGINX_RAND_PORT_1 "name=a\"b\\c\nd";
        proxy_pass http://$routini_upstream;
    }
--- request eval
["GET /q", "GET /metrics"]
--- response_body_like eval
[
    "ok",
    qr/\Qroutini_requests_total{route="a\"b\\c\nd",upstream="\E[^"]+\Q",code="2xx"} 1\E\n/,
]



=== TEST 5: JSON format, same data
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "ok\n"; }
    }
--- config
    location = /metrics.json { routini_metrics json; }
    location / {
        routini_route "/api/{*rest}" 127.0.0.1:$TEST_NGINX_RAND_PORT_1 name=api methods=GET,HEAD strip_prefix;
        proxy_pass http://$routini_upstream;
    }
--- request eval
["GET /api/a", "GET /nope", "GET /metrics.json"]
--- error_code eval
[200, 404, 200]
--- response_headers eval
["", "", "Content-Type: application/json"]
--- response_body_like eval
[
    "ok", "",
    qr/^\{"zone":\{"name":"routini","size":\d+,"used":\d+\},"routes":\[\{"name":"api","pattern":"\/api\/\{\*rest\}","target":"127.0.0.1:\d+","methods":\["GET","HEAD"\],"strip_prefix":true,"hits":1,"codes":\{"1xx":0,"2xx":1,"3xx":0,"4xx":0,"5xx":0\},"duration":\{"sum":\d+\.\d{3},"count":1,"buckets":\{"0.005":[01],.*"10":1,"\+Inf":1\}\}\}\],"unmatched":\{"not_found":1,"method_not_allowed":0\},"upstreams":\[.*\]\}\n\z/,
]



=== TEST 6: zone gauges, wrong method, no routing in the metrics location
--- config
    location = /metrics { routini_metrics; }
    location / {
        routini_route /a 127.0.0.1:1;
        return 200;
    }
--- request eval
["GET /metrics", "POST /metrics\nx", "HEAD /metrics"]
--- error_code eval
[200, 405, 200]
--- response_body_like eval
[
    qr/# TYPE routini_zone_used_bytes gauge\nroutini_zone_used_bytes\{zone="routini"\} [1-9]\d*\n.*# TYPE routini_zone_size_bytes gauge\nroutini_zone_size_bytes\{zone="routini"\} [1-9]\d*\n/s,
    "", "",
]



=== TEST 7: an unknown format fails the configuration
--- config
    location = /metrics { routini_metrics xml; }
--- must_die
--- error_log
routini_metrics: invalid format "xml", expected prometheus or json



=== TEST 8: buckets must increase
--- http_config
    routini_metrics_buckets 0.1 0.05;
--- config
    location = /metrics { routini_metrics; }
--- must_die
--- error_log
bucket "0.05" is not greater than the one before it



=== TEST 9: an explicit zone too small for the routes names the size needed
--- http_config
    routini_zone x 32k;
--- config
    location / {
        routini_route /a 127.0.0.1:1;
        routini_route /b 127.0.0.1:1;
        routini_route /c/:id 127.0.0.1:1;
    }
--- must_die
--- error_log eval
qr/routini_zone: zone "x" is too small: \d+ routes, upstreams and peers need at least \d+k/



=== TEST 10: internal redirects: error_page after a routed request is not counted, a location routing after try_files is
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "ok\n"; }
    }
--- config
    location = /metrics { routini_metrics; }
    location = /fallback { return 200 "fallback\n"; }
    location /e/ {
        routini_route "/e/{*rest}" 127.0.0.1:1 name=redirected;
        error_page 502 = /fallback;
        proxy_pass http://$routini_upstream;
    }
    location /t/ {
        try_files /nonexistent @routed;
    }
    location @routed {
        routini_route "/t/{*rest}" 127.0.0.1:$TEST_NGINX_RAND_PORT_1 name=tried;
        proxy_pass http://$routini_upstream;
    }
--- request eval
["GET /e/x", "GET /t/x", "GET /metrics"]
--- response_body_like eval
[
    "fallback", "ok",
    qr/${\ main::requests_total('redirected', '127\.0\.0\.1:1', 0, 0, 0, 0, 0)}
${\ main::requests_total('tried', '127\.0\.0\.1:\d+', 0, 1)}
(?:.*\n)*
routini_unmatched_requests_total\{reason="not_found"\}\ 0\n
/x,
]



=== TEST 11: a server listed twice is one series per metric: no two samples of one name and label set in a scrape
--- http_config eval: $::DupHttpConfig
--- config eval: $::DupConfig
--- request eval: $::DupRequests
--- response_body_unlike eval
[
    qr/^\z/, qr/^\z/, qr/^\z/,
    qr/^([a-z_]+\{[^\n]*\}) [^\n]*\n(?:[^\n]*\n)*?\1 /m,
]



=== TEST 12: a server listed twice: its series count the requests of both entries once, up when either may take requests
--- http_config eval: $::DupHttpConfig
--- config eval: $::DupConfig . "    # fresh counters\n"
--- request eval: $::DupRequests
--- response_body_like eval
[
    "ok", "ok", "ok",
    qr/# TYPE routini_upstream_requests_total counter\nroutini_upstream_requests_total\{upstream="dup",peer="127\.0\.0\.1:\d+"\} 3\nroutini_upstream_requests_total\{upstream="dup",peer="127\.0\.0\.3:9"\} 0\n#(?:.*\n)*# TYPE routini_upstream_peer_up gauge\nroutini_upstream_peer_up\{upstream="dup",peer="127\.0\.0\.1:\d+"\} 1\nroutini_upstream_peer_up\{upstream="dup",peer="127\.0\.0\.3:9"\} 1\n#/,
]



=== TEST 13: routini_metrics_buckets off: the request time is a summary of a sum and a count, no bucket series, no buckets in JSON
--- http_config
    routini_metrics_buckets off;
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "ok\n"; }
        location /fail { return 503; }
    }
--- config
    location = /metrics { routini_metrics; }
    location = /metrics.json { routini_metrics json; }
    location / {
        routini_route "/api/{*rest}" 127.0.0.1:$TEST_NGINX_RAND_PORT_1 name=api;
        routini_route "/fail" 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        proxy_pass http://$routini_upstream;
    }
--- request eval
["GET /api/a", "GET /api/b", "GET /fail", "GET /metrics", "GET /metrics.json"]
--- error_code eval
[200, 200, 503, 200, 200]
--- response_body_like eval
[
    "ok", "ok", "",
    qr/\A(?!(?s:.*)_bucket)(?s:.*)routini_requests_total\{route="api",upstream="127.0.0.1:\d+",code="2xx"\}\ 2\n
(?:.*\n)*
routini_requests_total\{route="\/fail",upstream="127.0.0.1:\d+",code="5xx"\}\ 1\n
(?:.*\n)*
\#\ TYPE\ routini_request_duration_seconds\ summary\n
routini_request_duration_seconds_sum\{route="api"\}\ \d+\.\d{3}\n
routini_request_duration_seconds_count\{route="api"\}\ 2\n
routini_request_duration_seconds_sum\{route="\/fail"\}\ \d+\.\d{3}\n
routini_request_duration_seconds_count\{route="\/fail"\}\ 1\n
\#\ HELP\ routini_unmatched_requests_total/x,
    qr/^(?!.*buckets)\{"zone":.*"routes":\[\{"name":"api",.*"hits":2,"codes":\{"1xx":0,"2xx":2,"3xx":0,"4xx":0,"5xx":0\},"duration":\{"sum":\d+\.\d{3},"count":2\}\},\{"name":"\/fail",.*"hits":1,.*"duration":\{"sum":\d+\.\d{3},"count":1\}\}\],"unmatched"/s,
]



=== TEST 14: JSON: each route's name, pattern and target, whatever else the route has (a regex, a target with variables, a name=)
--- config
    location = /metrics.json { routini_metrics json; }
    location / {
        routini_route "/t/{id}" pool;
        routini_route "/n/{id}" pool name=tree_named;
        routini_route "/v/{id}" "$arg_u" name=tree_variable;
        routini_route "~^/r/(?<id>[0-9]+)$" pool;
        routini_route "~^/rn/(?<id>[0-9]+)$" pool name=regex_named;
        routini_route "~*^/rv/(?<id>[0-9]+)$" "$arg_u" name=regex_variable;
        routini_route "~^/rw/(?<id>[0-9]+)$" "$arg_u";
        return 200 "$routini_route\n";
    }
--- request eval
["GET /rv/1", "GET /metrics.json"]
--- response_body_like eval
[
    "regex_variable",
    qr/"routes":\[
\{"name":"\/t\/\{id\}","pattern":"\/t\/\{id\}","target":"pool",[^\]]*\],"strip_prefix":false,[^\]]*\},
\{"name":"tree_named","pattern":"\/n\/\{id\}","target":"pool",[^\]]*\],"strip_prefix":false,[^\]]*\},
\{"name":"tree_variable","pattern":"\/v\/\{id\}","target":"\$arg_u",[^\]]*\],"strip_prefix":false,[^\]]*\},
\{"name":"~\^\/r\/\(\?<id>\[0-9\]\+\)\$","pattern":"~\^\/r\/\(\?<id>\[0-9\]\+\)\$","target":"pool",[^\]]*\],"strip_prefix":false,[^\]]*\},
\{"name":"regex_named","pattern":"~\^\/rn\/\(\?<id>\[0-9\]\+\)\$","target":"pool",[^\]]*\],"strip_prefix":false,[^\]]*\},
\{"name":"regex_variable","pattern":"~\*\^\/rv\/\(\?<id>\[0-9\]\+\)\$","target":"\$arg_u",[^\]]*\],"strip_prefix":false,"hits":1,[^\]]*\},
\{"name":"~\^\/rw\/\(\?<id>\[0-9\]\+\)\$","pattern":"~\^\/rw\/\(\?<id>\[0-9\]\+\)\$","target":"\$arg_u",[^\]]*\],"strip_prefix":false,[^\]]*\}
\],"unmatched"/x,
]
