# routini_health_check: invalid or duplicate parameters, a duplicate
# directive and a missing routini_balancer fail start-up with the file, the
# line and what to change.

use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: defaults and every parameter are accepted
--- http_config
    upstream defaults {
        routini_balancer round_robin;
        routini_health_check;
        server 127.0.0.1:1;
    }
    upstream full {
        routini_balancer round_robin;
        routini_health_check interval=2s timeout=500ms fall=3 rise=2
                             type=http uri=/ping?x=1 expect=200
                             host=health.example;
        server 127.0.0.1:1;
    }
--- config
    location = /t { return 200 "ok\n"; }
--- request
GET /t
--- response_body
ok
--- no_error_log
[emerg]



=== TEST 2: an unknown parameter
--- http_config
    upstream u {
        routini_balancer round_robin;
        routini_health_check interval=1s port=80;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr/\[emerg\].*routini_health_check: invalid parameter "port=80", expected interval=, timeout=, fall=, rise=, type=, uri=, expect= or host= in .*nginx\.conf:\d+/



=== TEST 3: a duplicate parameter
--- http_config
    upstream u {
        routini_balancer round_robin;
        routini_health_check fall=2 fall=3;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr/\[emerg\].*routini_health_check: duplicate parameter "fall" in .*nginx\.conf:\d+/



=== TEST 4: a zero or invalid interval
--- http_config
    upstream u {
        routini_balancer round_robin;
        routini_health_check interval=0;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr/\[emerg\].*routini_health_check: invalid interval "0", expected a time greater than 0 such as 1s in .*nginx\.conf:\d+/



=== TEST 5: an invalid timeout
--- http_config
    upstream u {
        routini_balancer round_robin;
        routini_health_check timeout=soon;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr/\[emerg\].*routini_health_check: invalid timeout "soon", expected a time greater than 0 such as 1s in .*nginx\.conf:\d+/



=== TEST 6: fall and rise must be positive numbers
--- http_config
    upstream u {
        routini_balancer round_robin;
        routini_health_check rise=0;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr/\[emerg\].*routini_health_check: invalid rise "0", expected a number greater than 0 in .*nginx\.conf:\d+/



=== TEST 7: an unknown type
--- http_config
    upstream u {
        routini_balancer round_robin;
        routini_health_check type=udp;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr/\[emerg\].*routini_health_check: invalid type "udp", expected tcp or http in .*nginx\.conf:\d+/



=== TEST 8: a uri not starting with a slash
--- http_config
    upstream u {
        routini_balancer round_robin;
        routini_health_check type=http uri=health;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr/\[emerg\].*routini_health_check: invalid uri "health", expected a path starting with "\/" without spaces or control characters in .*nginx\.conf:\d+/



=== TEST 9: an expect range out of order
--- http_config
    upstream u {
        routini_balancer round_robin;
        routini_health_check type=http expect=399-200;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr/\[emerg\].*routini_health_check: invalid expect "399-200", expected a status such as 200 or a range such as 200-399 in .*nginx\.conf:\d+/



=== TEST 10: an expect status that is not an HTTP status
--- http_config
    upstream u {
        routini_balancer round_robin;
        routini_health_check type=http expect=700;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr/\[emerg\].*routini_health_check: invalid expect "700", expected a status/



=== TEST 11: http parameters with type=tcp
--- http_config
    upstream u {
        routini_balancer round_robin;
        routini_health_check uri=/health;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr/\[emerg\].*routini_health_check: uri=, expect= and host= need type=http in .*nginx\.conf:\d+/



=== TEST 12: an empty host
--- http_config
    upstream u {
        routini_balancer round_robin;
        routini_health_check type=http host=;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr/\[emerg\].*routini_health_check: invalid host "", expected a host name without spaces or control characters in .*nginx\.conf:\d+/



=== TEST 13: the directive twice in one upstream
--- http_config
    upstream u {
        routini_balancer round_robin;
        routini_health_check;
        routini_health_check interval=2s;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr/\[emerg\].*"routini_health_check" directive is duplicate in .*nginx\.conf:\d+/



=== TEST 14: routini_balancer is required
--- http_config
    upstream plain {
        routini_health_check;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
qr/\[emerg\].*routini_health_check: upstream "plain" in .*nginx\.conf:\d+ needs "routini_balancer" in the same upstream/



=== TEST 15: not allowed outside upstream{}
--- http_config
    routini_health_check;
--- config
--- must_die
--- error_log eval
qr/\[emerg\].*"routini_health_check" directive is not allowed here in .*nginx\.conf:\d+/
