# Config error matrix: invalid configurations of every routini directive
# fail start-up (as `nginx -t` does) with an [emerg] naming the file:line and
# what to change.  Router pattern errors are in 011-router-errors.t, the
# first argument checks in 000-load.t and health check parameters in
# 041-health-config.t; this file covers the rest, and a few more of each.

use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a valid configuration using every directive starts
--- http_config
    routini_zone routini 2m;
    routini_metrics_buckets 0.01 0.1 1;
    upstream pool {
        routini_balancer adaptive;
        routini_adaptive interval=1s connections_ratio=1.5 latency_ratio=2
                         min_connections=10 hysteresis=0.5 smoothing=0.25;
        routini_health_check interval=1s timeout=1s fall=2 rise=2;
        server 127.0.0.1:1;
        keepalive 4;
    }
    upstream hashed {
        routini_balancer consistent key=$arg_user;
        server 127.0.0.1:1;
        server 127.0.0.2:1;
    }
--- config
    location /r/ {
        routini_fallthrough on;
        routini_route "/r/{id}" pool methods=GET name=r;
        routini_route /r/h/*    hashed strip_prefix;
        return 200 "[$routini_upstream]\n";
    }
    location = /m { routini_metrics json; }
    location = /s { routini_status; }
    location /api/ { routini_api; }
--- request
GET /r/42
--- response_body
[pool]
--- no_error_log
[emerg]
[alert]



=== TEST 2: routini_balancer: an unknown strategy
--- http_config
    upstream u {
        routini_balancer fastest_ever;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_balancer: invalid strategy "fastest_ever", expected round_robin, random, fnv_hash, consistent, fewest_connections, fastest or adaptive in \S+:\d+}



=== TEST 3: routini_balancer: a parameter other than key=
--- http_config
    upstream u {
        routini_balancer fnv_hash hash=$uri;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_balancer: invalid parameter "hash=\$uri", expected key= in \S+:\d+}



=== TEST 4: routini_balancer: an empty key=
--- http_config
    upstream u {
        routini_balancer consistent key=;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_balancer: invalid key "", expected a string with variables such as \$remote_addr in \S+:\d+}



=== TEST 5: routini_balancer: twice in one upstream
--- http_config
    upstream u {
        routini_balancer round_robin;
        routini_balancer random;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*"routini_balancer" directive is duplicate in \S+:\d+}



=== TEST 6: routini_balancer: too many arguments
--- http_config
    upstream u {
        routini_balancer consistent key=$uri key=$host;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid number of arguments in "routini_balancer" directive in \S+:\d+}



=== TEST 7: routini_balancer: not allowed at http level
--- http_config
    routini_balancer round_robin;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*"routini_balancer" directive is not allowed here in \S+:\d+}



=== TEST 8: routini_balancer: not allowed in a location
--- config
    location /b {
        routini_balancer round_robin;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"routini_balancer" directive is not allowed here in \S+:\d+}



=== TEST 9: the upstream name "routini" is reserved for proxy_pass http://routini
--- http_config
    upstream routini {
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*duplicate upstream "routini" in \S+:\d+}



=== TEST 10: routini_adaptive: an unknown parameter
--- http_config
    upstream u {
        routini_balancer adaptive;
        routini_adaptive speed=3;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_adaptive: invalid parameter "speed=3", expected interval=, connections_ratio=, latency_ratio=, min_connections=, hysteresis= or smoothing= in \S+:\d+}



=== TEST 11: routini_adaptive: a parameter without a value
--- http_config
    upstream u {
        routini_balancer adaptive;
        routini_adaptive interval;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_adaptive: invalid parameter "interval", expected interval=, connections_ratio=, latency_ratio=, min_connections=, hysteresis= or smoothing= in \S+:\d+}



=== TEST 12: routini_adaptive: an interval below 100ms
--- http_config
    upstream u {
        routini_balancer adaptive;
        routini_adaptive interval=10ms;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_adaptive: invalid interval "10ms", expected a time of at least 100ms such as 5s in \S+:\d+}



=== TEST 13: routini_adaptive: an empty interval
--- http_config
    upstream u {
        routini_balancer adaptive;
        routini_adaptive interval=;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_adaptive: invalid interval "", expected a time of at least 100ms such as 5s in \S+:\d+}



=== TEST 14: routini_adaptive: a connections_ratio below 1
--- http_config
    upstream u {
        routini_balancer adaptive;
        routini_adaptive connections_ratio=0.5;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_adaptive: invalid connections_ratio "0\.5", expected a ratio of at least 1 such as 1\.5 in \S+:\d+}



=== TEST 15: routini_adaptive: a latency_ratio that is not a number
--- http_config
    upstream u {
        routini_balancer adaptive;
        routini_adaptive latency_ratio=abc;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_adaptive: invalid latency_ratio "abc", expected a ratio of at least 1 such as 1\.5 in \S+:\d+}



=== TEST 16: routini_adaptive: a hysteresis above 1
--- http_config
    upstream u {
        routini_balancer adaptive;
        routini_adaptive hysteresis=1.5;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_adaptive: invalid hysteresis "1\.5", expected a number above 0 and at most 1 such as 0\.5 in \S+:\d+}



=== TEST 17: routini_adaptive: a smoothing of 0
--- http_config
    upstream u {
        routini_balancer adaptive;
        routini_adaptive smoothing=0;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_adaptive: invalid smoothing "0", expected a number above 0 and at most 1 such as 0\.5 in \S+:\d+}



=== TEST 18: routini_adaptive: a negative min_connections
--- http_config
    upstream u {
        routini_balancer adaptive;
        routini_adaptive min_connections=-1;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_adaptive: invalid min_connections "-1", expected a number of connections such as 1000 in \S+:\d+}



=== TEST 19: routini_adaptive: twice in one upstream
--- http_config
    upstream u {
        routini_balancer adaptive;
        routini_adaptive interval=1s;
        routini_adaptive interval=2s;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*"routini_adaptive" directive is duplicate in \S+:\d+}



=== TEST 20: routini_adaptive: without routini_balancer
--- http_config
    upstream plain {
        routini_adaptive interval=1s;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_adaptive: upstream "plain" in \S+:\d+ needs "routini_balancer" in the same upstream}



=== TEST 21: routini_adaptive: not allowed in a server
--- config
    routini_adaptive interval=1s;
--- must_die
--- error_log eval
qr{\[emerg\] .*"routini_adaptive" directive is not allowed here in \S+:\d+}



=== TEST 22: routini_zone: twice
--- http_config
    routini_zone a 1m;
    routini_zone b 1m;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*"routini_zone" directive is duplicate in \S+:\d+}



=== TEST 23: routini_zone: an empty name
--- http_config
    routini_zone "" 1m;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_zone: empty name, expected a name such as routini in \S+:\d+}



=== TEST 24: routini_zone: a size is required
--- http_config
    routini_zone routini;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid number of arguments in "routini_zone" directive in \S+:\d+}



=== TEST 25: routini_zone: a name another module's zone uses
--- http_config
    limit_req_zone $binary_remote_addr zone=shared:1m rate=1r/s;
    routini_zone shared 1m;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*the shared memory zone "shared" is already declared for a different use in \S+:\d+}



=== TEST 26: routini_zone: too small for the balancer's upstreams and peers
--- http_config
    routini_zone z 32k;
    upstream many {
        routini_balancer round_robin;
        server 127.0.0.1:1;
        server 127.0.0.2:1;
        server 127.0.0.3:1;
        server 127.0.0.4:1;
        server 127.0.0.5:1;
        server 127.0.0.6:1;
        server 127.0.0.7:1;
        server 127.0.0.8:1;
        server 127.0.0.9:1;
        server 127.0.0.10:1;
        server 127.0.0.11:1;
        server 127.0.0.12:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_zone: zone "z" is too small: \d+ routes, upstreams and peers need at least \d+k, increase its size in \S+:\d+}



=== TEST 27: routini_metrics: twice in one location
--- config
    location = /m {
        routini_metrics;
        routini_metrics json;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"routini_metrics" directive is duplicate in \S+:\d+}



=== TEST 28: routini_metrics: two formats
--- config
    location = /m {
        routini_metrics json prometheus;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid number of arguments in "routini_metrics" directive in \S+:\d+}



=== TEST 29: routini_metrics: not allowed at server level
--- config
    routini_metrics;
--- must_die
--- error_log eval
qr{\[emerg\] .*"routini_metrics" directive is not allowed here in \S+:\d+}



=== TEST 30: routini_status after routini_metrics in one location
--- config
    location = /m {
        routini_metrics;
        routini_status;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"routini_status" directive conflicts with another content handler in this location in \S+:\d+}



=== TEST 31: routini_metrics after proxy_pass in one location
--- config
    location = /m {
        proxy_pass http://127.0.0.1:1;
        routini_metrics;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"routini_metrics" directive conflicts with another content handler in this location in \S+:\d+}



=== TEST 32: routini_metrics_buckets: a bound of 0
--- http_config
    routini_metrics_buckets 0 1;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_metrics_buckets: invalid bucket "0", expected seconds greater than 0 such as 0\.25, or "off" alone in \S+:\d+}



=== TEST 33: routini_metrics_buckets: a bound that is not a number
--- http_config
    routini_metrics_buckets 0.1 abc;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_metrics_buckets: invalid bucket "abc", expected seconds greater than 0 such as 0\.25, or "off" alone in \S+:\d+}



=== TEST 34: routini_metrics_buckets: two equal bounds
--- http_config
    routini_metrics_buckets 1 1;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_metrics_buckets: bucket "1" is not greater than the one before it in \S+:\d+}



=== TEST 35: routini_metrics_buckets: more than 32 bounds
--- http_config
    routini_metrics_buckets 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_metrics_buckets: 33 buckets, at most 32 in \S+:\d+}



=== TEST 36: routini_metrics_buckets: twice
--- http_config
    routini_metrics_buckets 1 2;
    routini_metrics_buckets 3;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*"routini_metrics_buckets" directive is duplicate in \S+:\d+}



=== TEST 37: routini_metrics_buckets: not allowed in a location
--- config
    location = /m {
        routini_metrics_buckets 1 2;
        routini_metrics;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"routini_metrics_buckets" directive is not allowed here in \S+:\d+}



=== TEST 37a: routini_metrics_buckets: bounds after off
--- http_config
    routini_metrics_buckets off 0.1;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_metrics_buckets: invalid parameter "0\.1", expected off in \S+:\d+}



=== TEST 37b: routini_metrics_buckets: off after bounds
--- http_config
    routini_metrics_buckets 0.1 off;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_metrics_buckets: invalid bucket "off", expected seconds greater than 0 such as 0\.25, or "off" alone in \S+:\d+}



=== TEST 37c: routini_metrics_buckets: off twice
--- http_config
    routini_metrics_buckets off off;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_metrics_buckets: duplicate parameter "off" in \S+:\d+}



=== TEST 37d: routini_metrics_buckets: on is not a value
--- http_config
    routini_metrics_buckets on;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_metrics_buckets: invalid parameter "on", expected off in \S+:\d+}



=== TEST 37e: routini_metrics_buckets: off, then bounds
--- http_config
    routini_metrics_buckets off;
    routini_metrics_buckets 1 2;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*"routini_metrics_buckets" directive is duplicate in \S+:\d+}



=== TEST 38: routini_status: takes no argument
--- config
    location = /s {
        routini_status html;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid number of arguments in "routini_status" directive in \S+:\d+}



=== TEST 39: routini_api: not allowed at http level
--- http_config
    routini_api;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*"routini_api" directive is not allowed here in \S+:\d+}



=== TEST 40: routini_api: takes allow_origin= only
--- config
    location /api/ {
        routini_api on;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_api: invalid parameter "on", expected allow_origin= or compat= in \S+:\d+}



=== TEST 41: routini_api: twice in one location
--- config
    location /api/ {
        routini_api;
        routini_api;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"routini_api" directive is duplicate in \S+:\d+}



=== TEST 42: routini_api and routini_metrics in one location
--- config
    location /api/ {
        routini_api;
        routini_metrics;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"routini_metrics" directive conflicts with another content handler in this location in \S+:\d+}



=== TEST 43: routini_fallthrough: a value other than on or off
--- config
    location /f {
        routini_fallthrough maybe;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid value "maybe" in "routini_fallthrough" directive, it must be "on" or "off" in \S+:\d+}



=== TEST 44: routini_fallthrough: not allowed in an upstream
--- http_config
    upstream u {
        routini_fallthrough on;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*"routini_fallthrough" directive is not allowed here in \S+:\d+}



=== TEST 45: routini_health_check with nginx's hash balancer
--- http_config
    upstream hashed {
        hash $uri;
        routini_health_check;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_health_check: upstream "hashed" in \S+:\d+ needs "routini_balancer" in the same upstream}



=== TEST 46: routini_health_check with nginx's least_conn balancer
--- http_config
    upstream lc {
        least_conn;
        routini_health_check;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_health_check: upstream "lc" in \S+:\d+ needs "routini_balancer" in the same upstream}



=== TEST 47: routini_health_check: expect below 100
--- http_config
    upstream u {
        routini_balancer round_robin;
        routini_health_check type=http expect=99;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_health_check: invalid expect "99", expected a status such as 200 or a range such as 200-399 in \S+:\d+}



=== TEST 48: routini_health_check: fall that is not a number
--- http_config
    upstream u {
        routini_balancer round_robin;
        routini_health_check fall=abc;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_health_check: invalid fall "abc", expected a number greater than 0 in \S+:\d+}



=== TEST 49: routini_health_check: not allowed in a location
--- config
    location /h {
        routini_health_check;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"routini_health_check" directive is not allowed here in \S+:\d+}



=== TEST 50: routini_route: two params in one segment
--- config
    location /r/ {
        routini_route "/r/{x}-{y}" 127.0.0.1:1;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_route: only one parameter per segment, "\{y\}" in "/r/\{x\}-\{y\}" in \S+:\d+}



=== TEST 51: routini_route: more than 16 params
--- config
    location /r/ {
        routini_route /r/:a/:b/:c/:d/:e/:f/:g/:h/:i/:j/:k/:l/:m/:n/:o/:p/:q 127.0.0.1:1;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_route: too many parameters \(max 16\) in "/r/:a/:b/\S+" in \S+:\d+}



=== TEST 52: routini_route: more than 256 segments
--- config
    location /r/ {
        routini_route /r/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/b 127.0.0.1:1;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_route: too many segments \(max 256\) in .* in \S+:\d+}



=== TEST 53: routini_route: an unbalanced closing brace
--- config
    location /r/ {
        routini_route "/r/id}" 127.0.0.1:1;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_route: unbalanced "\}" in "/r/id\}" \(a literal brace is written "\{\{" or "\}\}"\) in \S+:\d+}



=== TEST 54: routini_route: methods= twice
--- config
    location /r/ {
        routini_route /r/a 127.0.0.1:1 methods=GET methods=POST;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_route: duplicate parameter "methods" in \S+:\d+}



=== TEST 55: routini_route: name= twice
--- config
    location /r/ {
        routini_route /r/a 127.0.0.1:1 name=x name=y;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_route: duplicate parameter "name" in \S+:\d+}



=== TEST 56: routini_route: an empty target
--- config
    location /r/ {
        routini_route /r/a "";
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_route: route "/r/a": empty target, name an upstream\{\} or host:port in \S+:\d+}



=== TEST 57: routini_route: an invalid case-insensitive regex
--- config
    location /r/ {
        routini_route "~*[a-" 127.0.0.1:1;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_route: route "~\*\[a-": invalid regex: pcre2_compile\(\) failed: missing terminating \] for character class .* in \S+:\d+}



=== TEST 58: routini_route: an empty regex
--- config
    location /r/ {
        routini_route "~" 127.0.0.1:1;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_route: route "~": empty regex in \S+:\d+}



=== TEST 59: routini_route: two catch-all names at one position
--- config
    location /r/ {
        routini_route "/r/{*x}" 127.0.0.1:1;
        routini_route "/r/{*y}" 127.0.0.1:2;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_route: conflicting param names "\{\*x\}" and "\{\*y\}" at the same position in "/r/\{\*y\}" and "/r/\{\*x\}" \(the other route is at \S+:\d+\) in \S+:\d+}



=== TEST 60: routini_route: not allowed inside if
--- config
    location /r/ {
        if ($arg_x) {
            routini_route /r/a 127.0.0.1:1;
        }
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"routini_route" directive is not allowed here in \S+:\d+}



=== TEST 61: routini_route: a flag given a value
--- config
    location /r/ {
        routini_route "/r/{*rest}" 127.0.0.1:1 strip_prefix=on;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_route: invalid parameter "strip_prefix=on", expected strip_prefix, methods= or name= in \S+:\d+}



=== TEST 62: routini_health_check: a parameter without "="
--- http_config
    upstream u {
        routini_balancer round_robin;
        routini_health_check interval;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_health_check: invalid parameter "interval", expected interval=, timeout=, fall=, rise=, type=, uri=, expect= or host= in \S+:\d+}



=== TEST 63: routini_api: allow_origin= twice adds both lists
--- config
    location /api/ {
        routini_api allow_origin=https://a.example allow_origin=https://b.example;
    }
    location = /t {
        return 200 "ok\n";
    }
--- request
GET /t
--- response_body
ok
--- no_error_log
[emerg]



=== TEST 64: routini_metrics_buckets: a negative first bound is a bad bound, not a bad parameter
--- http_config
    routini_metrics_buckets -1 1;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_metrics_buckets: invalid bucket "-1", expected seconds greater than 0 such as 0\.25, or "off" alone in \S+:\d+}
