# The module loads, stays out of the way when unused, and rejects bad
# directive arguments at start-up.

use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: the module loads and a config without routini serves normally
--- config
    location = /t {
        return 200 "plain\n";
    }
--- request
GET /t
--- response_body
plain
--- error_code: 200
--- no_error_log
[error]
[alert]
[emerg]



=== TEST 2: routini variables are empty outside routed locations
--- config
    location = /t {
        return 200 "[$routini_upstream][$routini_route][$routini_path][$routini_param_id]\n";
    }
--- request
GET /t
--- response_body
[][][][]



=== TEST 3: an invalid routini_route parameter fails start-up
--- config
    location / {
        routini_route /a 127.0.0.1:1 bogus;
    }
--- must_die
--- error_log eval
qr/\[emerg\].*routini_route: invalid parameter "bogus", expected strip_prefix, methods= or name=/



=== TEST 4: routini_route needs a target
--- config
    location / {
        routini_route /a;
    }
--- must_die
--- error_log eval
qr/\[emerg\].*invalid number of arguments in "routini_route" directive/



=== TEST 5: routini_zone with a bad size
--- http_config
    routini_zone routini lots;
--- config
    location = /t { return 200; }
--- must_die
--- error_log eval
qr/\[emerg\].*routini_zone: invalid size "lots", expected a size such as 16m/



=== TEST 6: routini_zone too small for the allocator
--- http_config
    routini_zone routini 4k;
--- config
    location = /t { return 200; }
--- must_die
--- error_log eval
qr/\[emerg\].*routini_zone: zone "routini" is too small: 4k, it needs at least 32k/



=== TEST 7: routini_zone is not allowed in a location
--- config
    location = /t {
        routini_zone routini 1m;
    }
--- must_die
--- error_log eval
qr/\[emerg\].*"routini_zone" directive is not allowed here/
