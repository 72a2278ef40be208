# Self-test: nginx reuse between blocks with an identical config, error log
# offsets per block/request, repeat_each, keep-alive and eval expectations.
use Test::Nginx::Socket;

# these blocks exercise our fallback runner (t/lib); skip them when the real
# Test::Nginx is the one loaded (e.g. PERL5LIB=.../test-nginx/lib prove -r t)
no warnings "once";
plan skip_all => "self-test of the t/lib fallback runner only"
    unless ($Test::Nginx::Socket::IMPLEMENTATION || "") eq "routini-lite";

repeat_each(2);
plan tests => repeat_each() * 14;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: logs an error
--- config
    location /f { root html; }
    location = /pid { return 200 "$pid\n"; }
--- request
GET /f/nothere
--- error_code: 404
--- error_log
[error]



=== TEST 2: same config: only this block's log lines are checked
--- config
    location /f { root html; }
    location = /pid { return 200 "$pid\n"; }
--- request
GET /pid
--- response_body_like: ^\d+$
--- no_error_log
[error]



=== TEST 3: error_log is checked after every request of a block
--- config
    location /f { root html; }
    location = /ok { return 200 "ok\n"; }
--- request eval
["GET /f/gone", "GET /ok"]
--- error_code eval
[404, 200]
--- response_body_like eval
["404 Not Found", "^ok\$"]
--- no_error_log
[alert]



=== TEST 4: keep-alive request and regex body
--- config
    location = /t { return 200 "kept\n"; }
--- request
GET /t
--- more_headers
Connection: keep-alive
--- response_body eval
qr/^kept$/m
--- response_headers
Connection: keep-alive
