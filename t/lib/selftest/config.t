# Self-test: global settings that shape the generated nginx.conf.
use Test::Nginx::Socket;

# these blocks exercise our fallback runner (t/lib); skip them when the real
# Test::Nginx is the one loaded (e.g. PERL5LIB=.../test-nginx/lib prove -r t)
no warnings "once";
plan skip_all => "self-test of the t/lib fallback runner only"
    unless ($Test::Nginx::Socket::IMPLEMENTATION || "") eq "routini-lite";

workers(2);
master_on();
log_level('warn');
no_root_location();
env_to_nginx('ROUTINI_SELFTEST_ENV=hello');
repeat_each(2);

plan tests => repeat_each() * (2 * blocks() + 1);

no_shuffle();
run_tests();

__DATA__

=== TEST 1: generated nginx.conf follows the settings
--- config
    location = /conf {
        default_type text/plain;
        alias $TEST_NGINX_SERVER_ROOT/conf/nginx.conf;
    }
--- request
GET /conf
--- response_body_like
worker_processes\s+2;[\s\S]*master_process\s+on;[\s\S]*error_log\s+\S+\s+warn;[\s\S]*env\s+ROUTINI_SELFTEST_ENV=hello;



=== TEST 2: no_root_location: the test may define "location /" itself
--- config
    location / { return 200 "mine\n"; }
--- request
GET /
--- response_body
mine



=== TEST 3: log_level warn keeps debug/info lines out
--- config
    location = /t { return 200 "t\n"; }
--- request
GET /t
--- response_body
t
--- no_error_log
[debug]
