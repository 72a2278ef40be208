# routini_balancer and routini_adaptive: accepted spellings and every bad
# parameter failing "nginx -t" with a message that says what to write.

use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: every strategy and the seed's spellings load
--- http_config
    upstream u1 { routini_balancer round_robin; server 127.0.0.1:1; }
    upstream u2 { routini_balancer Random; server 127.0.0.1:1; }
    upstream u3 { routini_balancer FNVHash key=$arg_k; server 127.0.0.1:1; }
    upstream u4 { routini_balancer consistent_hash; server 127.0.0.1:1; }
    upstream u5 { routini_balancer Ketama key=$http_x_key; server 127.0.0.1:1; }
    upstream u6 { routini_balancer FewestConnections; server 127.0.0.1:1; }
    upstream u7 { routini_balancer LeastConnections; server 127.0.0.1:1; }
    upstream u8 { routini_balancer FastestServer; server 127.0.0.1:1; }
    upstream u9 { routini_balancer fastest; server 127.0.0.1:1; }
    upstream u10 {
        routini_balancer adaptive;
        routini_adaptive interval=2s connections_ratio=1.5 latency_ratio=3
                         min_connections=10 hysteresis=0.5 smoothing=0.25;
        server 127.0.0.1:1 weight=2 max_fails=3 fail_timeout=10s;
        server 127.0.0.1:2 backup;
        server 127.0.0.1:3 down;
        server 127.0.0.1:4 max_conns=10;
    }
--- config
    location = /t { return 200 "ok"; }
--- request
GET /t
--- response_body: ok



=== TEST 2: unknown strategy
--- http_config
    upstream u { routini_balancer round_robbin; server 127.0.0.1:1; }
--- config
--- must_die
--- error_log
routini_balancer: invalid strategy "round_robbin", expected round_robin, random, fnv_hash, consistent, fewest_connections, fastest or adaptive



=== TEST 3: second parameter is not key=
--- http_config
    upstream u { routini_balancer fnv_hash $arg_k; server 127.0.0.1:1; }
--- config
--- must_die
--- error_log
routini_balancer: invalid parameter "$arg_k", expected key=



=== TEST 4: empty key
--- http_config
    upstream u { routini_balancer consistent key=; server 127.0.0.1:1; }
--- config
--- must_die
--- error_log
routini_balancer: invalid key "", expected a string with variables



=== TEST 5: duplicate routini_balancer
--- http_config
    upstream u {
        routini_balancer random;
        routini_balancer fastest;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log
"routini_balancer" directive is duplicate



=== TEST 6: routini_adaptive: unknown parameter
--- http_config
    upstream u {
        routini_balancer adaptive;
        routini_adaptive intervall=5s;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log
routini_adaptive: invalid parameter "intervall=5s", expected interval=, connections_ratio=, latency_ratio=, min_connections=, hysteresis= or smoothing=



=== TEST 7: routini_adaptive: bad interval
--- http_config
    upstream u {
        routini_balancer adaptive;
        routini_adaptive interval=fast;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log
routini_adaptive: invalid interval "fast", expected a time of at least 100ms such as 5s



=== TEST 8: routini_adaptive: ratio below 1
--- http_config
    upstream u {
        routini_balancer adaptive;
        routini_adaptive latency_ratio=0.5;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log
routini_adaptive: invalid latency_ratio "0.5", expected a ratio of at least 1 such as 1.5



=== TEST 9: routini_adaptive: hysteresis above 1
--- http_config
    upstream u {
        routini_balancer adaptive;
        routini_adaptive hysteresis=1.5;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log
routini_adaptive: invalid hysteresis "1.5", expected a number above 0 and at most 1 such as 0.5



=== TEST 10: routini_adaptive: smoothing 0
--- http_config
    upstream u {
        routini_balancer adaptive;
        routini_adaptive smoothing=0;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log
routini_adaptive: invalid smoothing "0", expected a number above 0 and at most 1 such as 0.5



=== TEST 11: routini_adaptive: bad min_connections
--- http_config
    upstream u {
        routini_balancer adaptive;
        routini_adaptive min_connections=many;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log
routini_adaptive: invalid min_connections "many", expected a number of connections such as 1000



=== TEST 12: routini_adaptive without routini_balancer
--- http_config
    upstream u {
        routini_adaptive interval=1s;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log
routini_adaptive: upstream "u"
needs "routini_balancer" in the same upstream



=== TEST 13: routini_balancer outside upstream{}
--- http_config
    routini_balancer random;
--- config
--- must_die
--- error_log
"routini_balancer" directive is not allowed here



=== TEST 14: another balancer after routini_balancer: nginx's warning
--- http_config
    upstream u {
        routini_balancer random;
        least_conn;
        server 127.0.0.1:1;
    }
--- config
    location = /t { return 200 "ok"; }
--- request
GET /t
--- response_body: ok
--- error_log
load balancing method redefined



=== TEST 15: routini_adaptive: duplicate
--- http_config
    upstream u {
        routini_balancer adaptive;
        routini_adaptive interval=1s;
        routini_adaptive interval=2s;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log
"routini_adaptive" directive is duplicate



=== TEST 16: routini_adaptive: a parameter given twice
--- http_config
    upstream u {
        routini_balancer adaptive;
        routini_adaptive interval=1s interval=2s;
        server 127.0.0.1:1;
    }
--- config
    location = /t { return 200; }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_adaptive: duplicate parameter "interval" in \S+:\d+}
