# routini_api bodies an attacker or a broken client may send, beyond
# t/071-hostile.t's: numbers out of range, sizes at the 16k limit (one byte
# either side, with Content-Length and chunked), a body sent slowly in
# pieces, and a body that stops half-way.  Each gets its status; nothing
# changes unless the body is whole and valid.

use Test::Nginx::Socket 'no_plan';

no_shuffle();
no_root_location();

our $HttpConfig = <<'_EOC_';
    upstream pool {
        routini_balancer round_robin;
        server 127.0.0.1:1;
    }
_EOC_

our $Config = <<'_EOC_';
    location /routini/api/ {
        client_body_timeout 500ms;
        routini_api;
    }
    location / {
        routini_route "/api/{*rest}" pool strip_prefix;
        proxy_pass http://$routini_upstream;
    }
_EOC_

# a valid body of exactly $n bytes pinning $strategy
sub body_of {
    my ($n, $strategy) = @_;
    my $json = "{\"strategy\":\"$strategy\"";
    return $json . (' ' x ($n - length($json) - 1)) . '}';
}

sub chunked {
    my $body = shift;
    return "PATCH /routini/api/upstreams/pool HTTP/1.1\r\nHost: localhost\r\n"
         . "Connection: close\r\nContent-Type: application/json\r\n"
         . "Transfer-Encoding: chunked\r\n\r\n"
         . sprintf("%x", length $body) . "\r\n$body\r\n0\r\n\r\n";
}

our $Unchanged = qr/^\{"name":"pool","strategy":"round_robin",.*"pinned":false,/;
our $NoCrash = ['[alert]', '[crit]', '[emerg]', 'signal 11', 'exited on signal'];

# a fresh nginx, so a fresh zone, for every block under either runner
use FindBin;
require "$FindBin::Bin/fresh_zone.pl";

run_tests();

__DATA__

=== TEST 1: numbers out of range or malformed: 400, nothing changes
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":1e999999}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":-1e-999999}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":123456789012345678901234567890}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":-9223372036854775809}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":1" . ("0" x 70) . "}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":01}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":1.}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":-}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":+1}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":NaN}",
    "PATCH /routini/api/upstreams/pool\n{\"strategy\":Infinity}",
    "PATCH /routini/api/upstreams/pool\n{\"x\":1e999999,\"strategy\":\"random\"}",
    "GET /routini/api/upstreams/pool",
]
--- more_headers
Content-Type: application/json
--- error_code eval
[(400) x 12, 200]
--- response_body_like eval
[
    (qr/^\{"error":"field \\"strategy\\" must be a string"\}\n\z/) x 4,
    qr/^\{"error":"malformed JSON: number too long at byte 12"\}\n\z/,
    qr/^\{"error":"malformed JSON: invalid number at byte 12"\}\n\z/,
    qr/^\{"error":"malformed JSON: invalid number at byte 12"\}\n\z/,
    qr/^\{"error":"malformed JSON: invalid number at byte 12"\}\n\z/,
    qr/^\{"error":"malformed JSON: unexpected character at byte 12"\}\n\z/,
    qr/^\{"error":"malformed JSON: unexpected character at byte 12"\}\n\z/,
    qr/^\{"error":"malformed JSON: unexpected character at byte 12"\}\n\z/,
    qr/^\{"error":"unknown field \\"x\\""\}\n\z/,
    $::Unchanged,
]
--- no_error_log eval: $::NoCrash



=== TEST 2: a body of 16385 bytes is 413 and changes nothing; one of exactly 16384 bytes is taken
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- request eval
[
    "PATCH /routini/api/upstreams/pool\n" . main::body_of(16385, "random"),
    "GET /routini/api/upstreams/pool",
    "PATCH /routini/api/upstreams/pool\n" . main::body_of(16384, "random"),
]
--- more_headers
Content-Type: application/json
--- error_code eval
[413, 200, 200]
--- response_body_like eval
[
    qr/^\{"error":"request body over 16384 bytes"\}\n\z/,
    $::Unchanged,
    qr/^\{"name":"pool","strategy":"random",.*"pinned":true,/,
]
--- no_error_log eval: $::NoCrash



=== TEST 3: chunked, exactly 16384 bytes: taken
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- raw_request eval
main::chunked(main::body_of(16384, "fewest_connections"))
--- error_code: 200
--- response_body_like eval
qr/^\{"name":"pool","strategy":"fewest_connections",.*"pinned":true,/
--- no_error_log eval: $::NoCrash



=== TEST 4: chunked, 16385 bytes: 413, nothing pinned
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- raw_request eval
main::chunked(main::body_of(16385, "fewest_connections"))
--- error_code: 413
--- response_body_like eval
qr/^\{"error":"request body over 16384 bytes"\}\n\z/
--- no_error_log eval
['strategy pinned', @$::NoCrash]



=== TEST 5: a body sent slowly, in pieces: read whole, then taken
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- raw_request eval
[
    "PATCH /routini/api/upstreams/pool HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 33\r\n\r\n{\"stra",
    "tegy\":\"fewest_",
    "connections\"}",
]
--- raw_request_middle_delay: 0.2
--- error_code: 200
--- response_body_like eval
qr/^\{"name":"pool","strategy":"fewest_connections",.*"pinned":true,/
--- error_log
routini: upstream "pool" strategy pinned to fewest_connections
--- no_error_log eval: $::NoCrash



=== TEST 6: a body that stops half-way: client_body_timeout closes the connection, nothing pinned
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- raw_request eval
"PATCH /routini/api/upstreams/pool HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 35\r\n\r\n{\"strategy\":\"fewest_"
--- ignore_response
--- error_log
http finalize request: 408, "/routini/api/upstreams/pool?"
--- no_error_log eval
['strategy pinned', @$::NoCrash]
