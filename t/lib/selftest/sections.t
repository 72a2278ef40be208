# Self-test of the test runner: one passing block per supported section.
# Runs against a plain nginx (no routini module needed).
use Test::Nginx::Socket;

# these blocks exercise our fallback runner (t/lib); skip them when the real
# Test::Nginx is the one loaded (e.g. PERL5LIB=.../test-nginx/lib prove -r t)
no warnings "once";
plan skip_all => "self-test of the t/lib fallback runner only"
    unless ($Test::Nginx::Socket::IMPLEMENTATION || "") eq "routini-lite";

repeat_each(1);
plan tests => repeat_each() * 49;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: config + request + response_body
--- config
    location = /t { return 200 "hello\n"; }
--- request
GET /t
--- response_body
hello



=== TEST 2: main_config + http_config
--- main_config
worker_rlimit_nofile 1024;
--- http_config
    map $uri $routini_selftest_m { default "mapped"; }
--- config
    location = /t { return 200 "$routini_selftest_m\n"; }
--- request
GET /t
--- response_body
mapped



=== TEST 3: POST body gets a Content-Length
--- config
    location = /t { return 200 "len=$content_length $request_method\n"; }
--- request
POST /t
hello world
--- response_body
len=11 POST



=== TEST 4: more_headers
--- config
    location = /t { return 200 "x=$http_x_test host=$host\n"; }
--- request
GET /t
--- more_headers
X-Test: abc
--- response_body
x=abc host=localhost



=== TEST 5: several requests with eval arrays
--- config
    location = /a { return 200 "a\n"; }
    location = /b { return 201 "b\n"; }
--- request eval
["GET /a", "GET /b"]
--- error_code eval
[200, 201]
--- response_body eval
["a\n", "b\n"]



=== TEST 6: raw_request
--- config
    location = /t { return 200 "raw $server_protocol\n"; }
--- raw_request eval
"GET /t HTTP/1.0\r\nHost: localhost\r\n\r\n"
--- response_body
raw HTTP/1.0



=== TEST 7: raw_request eval as packets
--- config
    location = /t { return 200 "packets\n"; }
--- raw_request eval
["GET /t HTTP/1.1\r\n", "Host: localhost\r\nConnection: close\r\n\r\n"]
--- raw_request_middle_delay: 0.01
--- response_body
packets



=== TEST 8: response_headers (value, absent, content type)
--- config
    location = /t { add_header X-Foo bar; return 200 "h\n"; }
--- request
GET /t
--- response_headers
X-Foo: bar
!X-Missing
Content-Type: text/plain



=== TEST 9: response_headers_like
--- config
    location = /t { add_header X-Foo bar; return 200 "h\n"; }
--- request
GET /t
--- response_headers_like
X-Foo: b.r



=== TEST 10: error_log + no_error_log (substrings)
--- config
    location /f { root html; }
--- request
GET /f/nope
--- error_code: 404
--- error_log
No such file or directory
[error]
--- no_error_log
[alert]



=== TEST 11: error_log eval with regex and string array
--- config
    location /f { root html; }
--- request
GET /f/nope2
--- error_code: 404
--- error_log eval
[qr/open\(\) "[^"]*nope2" failed/, "[error]"]



=== TEST 12: grep_error_log + grep_error_log_out
--- config
    location /f { root html; }
--- request
GET /f/nope3
--- error_code: 404
--- grep_error_log eval
qr/\(2: No such file or directory\)/
--- grep_error_log_out
(2: No such file or directory)



=== TEST 13: user_files + chunked response (ssi)
--- config
    location = /ssi.html { root html; ssi on; ssi_types text/plain; }
--- user_files
>>> ssi.html
hello <!--# echo var="uri" -->
--- request
GET /ssi.html
--- response_headers
Transfer-Encoding: chunked
--- response_body
hello /ssi.html



=== TEST 14: HEAD request has no body
--- config
    location = /t { return 200 "hello\n"; }
--- request
HEAD /t
--- response_body eval
""



=== TEST 15: $TEST_NGINX_* expansion
--- config
    location = /t { return 200 "port=$TEST_NGINX_SERVER_PORT\n"; }
    location = /h { return 200 "$TEST_NGINX_HTML_DIR\n"; }
--- request
GET /t
--- response_body eval
"port=$ENV{TEST_NGINX_SERVER_PORT}\n"



=== TEST 16: $TEST_NGINX_RAND_PORT_1
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "inner\n"; }
    }
--- config
    location = /t { proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/; }
--- request
GET /t
--- response_body
inner



=== TEST 17: timeout + wait
--- config
    location = /t { return 200 "ok\n"; }
--- request
GET /t
--- timeout: 2
--- wait: 0.05
--- response_body
ok



=== TEST 18: must_die
--- config
    location = /t { routini_selftest_bogus_directive on; }
--- request
GET /t
--- must_die
--- error_log
unknown directive "routini_selftest_bogus_directive"
[emerg]



=== TEST 19: SKIPped block is not run (it would fail)
--- config
    location = /t { return 500; }
--- request
GET /t
--- response_body
never
--- SKIP



=== TEST 20: response_body_like + error_code inline
--- config
    location = /t { return 403 "forbidden: $uri\n"; }
--- request
GET /t
--- error_code: 403
--- response_body_like: ^forbidden: /t$



=== TEST 21: status code defaults to 200 and request comments are skipped
--- config
    location = /t { return 200 "$request_uri\n"; }
--- request
# a comment line
GET /t?a=1
--- response_body
/t?a=1
