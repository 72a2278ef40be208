# routini_status ?format=json&routes=page: one page of routes (offset,
# limit, sort, order, filter) and of upstreams (upstream_offset,
# upstream_limit, peer_limit), with the total and filtered counts and the
# totals of every route; bad arguments answer 400 with a JSON error; the
# filter is echoed escaped; at 10,000 routes a page stays one page; at
# 20,000 (a walk of many turns) clients that leave before the answer and
# send_timeout mid-walk leave the worker whole.
# Configs and expected orders are generated here.

use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET;

$ENV{TEST_NGINX_ECHO_MODULE} ||= '/usr/lib/nginx/modules/ngx_http_echo_module.so';

our ($Config, $Http, $Big, $Many, %Page);

# the server of the walks of many turns: a port of this file's own, which
# its clients know under either runner
{
    my $probe = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                      LocalPort => 0, Listen => 1)
        or die "no free port: $!";
    $ENV{TEST_NGINX_PAGE_PORT} = $probe->sockport;
    close $probe;
}

BEGIN {
    my (@series, @names);

    for my $i (1 .. 120) {
        my $target = $i % 2 ? 'u1' : 'u2';
        push @series, "/p$i/{id}";
        $Config .= qq{        routini_route "/p$i/{id}" $target;\n};
    }

    # a name with JSON and HTML specials; a failing and a slow route
    $Config .= qq{        routini_route "/x/{id}" u2 "name=a<b>\\"c";\n}
               . qq{        routini_route "/fail/{id}" u1;\n}
               . qq{        routini_route "/slow/{id}" slow;\n};
    push @series, 'a<b>"c', '/fail/{id}', '/slow/{id}';

    $Config = "    location = /routini/status { routini_status; }\n"
              . "    location / {\n$Config"
              . "        proxy_pass http://\$routini_upstream;\n    }\n";

    $Http = <<'HTTP';
    routini_metrics_buckets 0.5 2;
    upstream u1 {
        routini_balancer round_robin;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
    upstream u2 {
        routini_balancer round_robin;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2 backup;
    }
    upstream slow {
        routini_balancer round_robin;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "ok\n"; }
        location /fail { return 502; }
        location /slow { echo_sleep 1; echo ok; }
    }
HTTP

    # a JSON string as route_json writes it, as a regex
    my $esc = sub { (my $s = shift) =~ s/(["\\])/\\$1/g; quotemeta $s };

    # the items of a page, names in this order, nothing between them
    my $items = sub {
        return '"items":\[\]' unless @_;
        return '"items":\['
               . join('\}\}\},', map { '\{"name":"' . $esc->($_) . '",[^\n]*?' }
                                 @_)
               . '\}\}\}\]\}';
    };

    # the head of "routes" for a total: filtered, offset, limit, sort,
    # order, filter as a regex
    my $head_of = sub {
        my $total = shift;
        return sub {
            my ($filtered, $offset, $limit, $sort, $order, $filter) = @_;
            return "\"routes\":\\{\"total\":$total,\"filtered\":$filtered,"
                   . "\"offset\":$offset,\"limit\":$limit,\"sort\":\"$sort\","
                   . "\"order\":\"$order\",\"filter\":\"$filter\",";
        };
    };
    my $head = $head_of->(123);

    @names = sort @series;

    # traffic: /p7 3, /p3 2, /fail 2 (502), /p100 1, /x 1, /slow 1 (slow)
    my %hits = ('/p7/{id}' => 3, '/p3/{id}' => 2, '/fail/{id}' => 2,
                '/p100/{id}' => 1, 'a<b>"c' => 1, '/slow/{id}' => 1);
    my @zeros = grep { !$hits{$_} } @series;
    my @by_hits = ('/p7/{id}', '/p3/{id}', '/fail/{id}', '/p100/{id}',
                   'a<b>"c', '/slow/{id}', @zeros);

    %Page = (
        default => '\A\{"zone":\{"name":"routini","size":\d+,"used":\d+\},'
                   . '"unmatched":\{"not_found":0,"method_not_allowed":0\},'
                   . '"totals":\{"hits":10,"duration":\d+\.\d{3}\},'
                   . $head->(123, 0, 50, 'name', 'asc', '')
                   . $items->(@names[0 .. 49])
                   . ',"upstreams":\{"total":3,"offset":0,"limit":20,'
                   . '"peer_limit":50,"items":\[\{"name":"u1",[^\n]*'
                   . '\{"name":"u2",[^\n]*\{"name":"slow",[^\n]*\]\}\]\}\}\n\z',
        window => $head->(123, 48, 5, 'name', 'asc', '')
                  . $items->(@names[48 .. 52]),
        name_desc => $head->(123, 0, 2, 'name', 'desc', '')
                     . $items->(reverse @names[-2 .. -1]),
        hits_desc => $head->(123, 0, 4, 'hits', 'desc', '')
                     . $items->(@by_hits[0 .. 3]),
        # past the middle: selected from the end, in reverse
        hits_desc_far => $head->(123, 100, 3, 'hits', 'desc', '')
                         . $items->(@by_hits[100 .. 102]),
        hits_asc_last => $head->(123, 120, 10, 'hits', 'asc', '')
                         . $items->('/p3/{id}', '/fail/{id}', '/p7/{id}'),
        past_end => $head->(123, 123, 50, 'hits', 'asc', '') . $items->(),
        errors => $head->(123, 0, 1, '5xx', 'desc', '')
                  . $items->('/fail/{id}'),
        p99 => $head->(123, 0, 1, 'p99', 'desc', '')
               . $items->('/slow/{id}'),
        mean => $head->(123, 0, 1, 'mean', 'desc', '')
                . $items->('/slow/{id}'),
        pattern => $head->(123, 0, 2, 'pattern', 'desc', '')
                   . $items->('a<b>"c', '/slow/{id}'),
        filter => $head->(11, 0, 50, 'name', 'asc', 'p10')
                  . $items->(sort grep { /p10/ } @series),
        filter_hits => $head->(11, 0, 2, 'hits', 'desc', 'p10')
                       . $items->('/p100/{id}', '/p10/{id}'),
        filter_decoded => $head->(1, 0, 50, 'name', 'asc', '/p10/')
                          . $items->('/p10/{id}'),
        filter_target => $head->(61, 0, 0, 'name', 'asc', 'u2') . $items->(),
        filter_escaped => $head->(1, 0, 50, 'name', 'asc', '<b>\\\\"')
                          . $items->('a<b>"c'),
        upstreams => '"upstreams":\{"total":3,"offset":1,"limit":1,'
                     . '"peer_limit":1,"items":\[\{"name":"u2",[^\n]*'
                     . '"peers":\[\{"address":"127.0.0.1:\d+",[^{}]*\}\],'
                     . '"npeers":2\}\]\}\}\n\z',
    );

    # 10,000 routes
    my @big = map { "/r$_/{id}" } 1 .. 10000;
    my @big_names = sort @big;
    my @big_zeros = grep { $_ ne '/r5000/{id}' && $_ ne '/r9999/{id}' } @big;

    $Big = "    location = /routini/status { routini_status; }\n"
           . "    location /r {\n"
           . join('', map { qq{        routini_route "$_" u1;\n} } @big)
           . "        proxy_pass http://\$routini_upstream;\n    }\n";

    my $big_head = $head_of->(10000);

    %Page = (%Page,
        big_default => '\A(?=[\s\S]{1,30000}\z)[^\n]*'
                       . $big_head->(10000, 0, 50, 'name', 'asc', '')
                       . $items->(@big_names[0 .. 49]),
        big_middle => $big_head->(10000, 5000, 500, 'hits', 'desc', '')
                      . $items->(@big_zeros[4998 .. 5497]),
        big_last => $big_head->(10000, 9998, 50, 'name', 'asc', '')
                    . $items->(@big_names[9998, 9999]),
        big_filter => $big_head->(11, 0, 50, 'p99', 'desc', 'r999')
                      . $items->('/r9999/{id}', '/r999/{id}',
                                 map { "/r999$_/{id}" } 0 .. 8),
    );

    # 20,000 routes: a page's walk takes many turns of the event loop
    $Many = "    upstream u1 {\n"
            . "        routini_balancer round_robin;\n"
            . "        server 127.0.0.1:\$TEST_NGINX_RAND_PORT_1;\n"
            . "    }\n"
            . "    server {\n"
            . "        listen 127.0.0.1:\$TEST_NGINX_PAGE_PORT;\n"
            . "        location = /status { routini_status; }\n"
            . "        location = /hurried {\n"
            . "            send_timeout 1ms;\n"
            . "            routini_status;\n"
            . "        }\n"
            . "        location = /pid { return 200 \$pid; }\n"
            . "        location /r {\n"
            . join('', map { qq{            routini_route "/r$_/{id}" u1;\n} }
                           1 .. 20000)
            . "            proxy_pass http://\$routini_upstream;\n"
            . "        }\n"
            . "    }\n";
}

# the whole answer on a new connection (HTTP/1.0): (status, body)
sub get {
    my ($port, $path) = @_;

    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port")
        or return (0, '');
    print $s "GET $path HTTP/1.0\r\n\r\n";

    local $/;
    my $resp = <$s> // '';
    close $s;

    my ($head, $body) = split /\r\n\r\n/, $resp, 2;
    my ($status) = ($head // '') =~ m{^HTTP/1\.[01] (\d+)};

    return ($status // 0, $body // '');
}

no_shuffle();
no_root_location();
run_tests();

__DATA__

=== TEST 1: a page of routes: window, sort keys and orders, filter, upstreams, totals
--- main_config
    load_module $TEST_NGINX_ECHO_MODULE;
--- http_config eval: $::Http
--- config eval: $::Config
--- request eval
[
    "GET /p7/a", "GET /p7/a", "GET /p7/a", "GET /p3/a", "GET /p3/a",
    "GET /fail/a", "GET /fail/a", "GET /p100/a", "GET /x/a", "GET /slow/a",
    "GET /routini/status?format=json&routes=page",
    "GET /routini/status?format=json&routes=page&offset=48&limit=5",
    "GET /routini/status?format=json&routes=page&order=desc&limit=2",
    "GET /routini/status?format=json&routes=page&sort=hits&order=desc&limit=4",
    "GET /routini/status?format=json&routes=page&sort=hits&order=desc&offset=100&limit=3",
    "GET /routini/status?format=json&routes=page&sort=hits&offset=120&limit=10",
    "GET /routini/status?format=json&routes=page&sort=hits&offset=123",
    "GET /routini/status?format=json&routes=page&sort=5xx&order=desc&limit=1",
    "GET /routini/status?format=json&routes=page&sort=p99&order=desc&limit=1",
    "GET /routini/status?format=json&routes=page&sort=mean&order=desc&limit=1",
    "GET /routini/status?format=json&routes=page&sort=pattern&order=desc&limit=2",
    "GET /routini/status?format=json&routes=page&filter=P10",
    "GET /routini/status?format=json&routes=page&filter=p10&sort=hits&order=desc&limit=2",
    "GET /routini/status?format=json&routes=page&filter=%2Fp10%2F",
    "GET /routini/status?format=json&routes=page&filter=U2&limit=0",
    "GET /routini/status?format=json&routes=page&filter=%3Cb%3E%22",
    "GET /routini/status?format=json&routes=page&upstream_offset=1&upstream_limit=1&peer_limit=1",
    "GET /routini/status?format=json",
]
--- error_code eval
[200, 200, 200, 200, 200, 502, 502, 200, 200, 200, (200) x 18]
--- response_headers eval
[("") x 10, ("Content-Type: application/json\nX-Content-Type-Options: nosniff") x 18]
--- response_body_like eval
[
    ("ok") x 5, "", "", "ok", "ok", "ok",
    qr/$::Page{default}/s,
    qr/$::Page{window}/s,
    qr/$::Page{name_desc}/s,
    qr/$::Page{hits_desc}/s,
    qr/$::Page{hits_desc_far}/s,
    qr/$::Page{hits_asc_last}/s,
    qr/$::Page{past_end}/s,
    qr/$::Page{errors}/s,
    qr/$::Page{p99}/s,
    qr/$::Page{mean}/s,
    qr/$::Page{pattern}/s,
    qr/$::Page{filter}/s,
    qr/$::Page{filter_hits}/s,
    qr/$::Page{filter_decoded}/s,
    qr/$::Page{filter_target}/s,
    qr/$::Page{filter_escaped}/s,
    qr/$::Page{upstreams}/s,
    qr/\A\{"zone":\{[^}]*\},"routes":\[\{"name":"\/p1\/\{id\}",/,
]
--- no_error_log
[error]



=== TEST 2: bad arguments: 400 with a JSON error naming the argument
--- main_config
    load_module $TEST_NGINX_ECHO_MODULE;
--- http_config eval: $::Http
--- config eval: $::Config
--- request eval
[
    "GET /routini/status?format=json&routes=page&limit=501",
    "GET /routini/status?format=json&routes=page&limit=ten",
    "GET /routini/status?format=json&routes=page&limit=",
    "GET /routini/status?format=json&routes=page&offset=-1",
    "GET /routini/status?format=json&routes=page&offset=99999999999999999999999",
    "GET /routini/status?format=json&routes=page&upstream_offset=x",
    "GET /routini/status?format=json&routes=page&upstream_limit=51",
    "GET /routini/status?format=json&routes=page&peer_limit=101",
    "GET /routini/status?format=json&routes=page&sort=rate",
    "GET /routini/status?format=json&routes=page&order=up",
    "GET /routini/status?format=json&routes=all",
    "GET /routini/status?format=json&routes=page&filter=" . ("a" x 129),
    "GET /routini/status?format=json&routes=page&filter=" . ("%61" x 129),
    "GET /routini/status?format=json&routes=page&filter=" . ("%61" x 128),
    "GET /routini/status?format=json&routes=page&limit=500&upstream_limit=50&peer_limit=100",
]
--- error_code eval
[(400) x 13, 200, 200]
--- response_headers eval
[("Content-Type: application/json") x 15]
--- response_body eval
[
    qq{{"error":"routini_status: \\"limit\\" must be a number from 0 to 500"}\n},
    qq{{"error":"routini_status: \\"limit\\" must be a number from 0 to 500"}\n},
    qq{{"error":"routini_status: \\"limit\\" must be a number from 0 to 500"}\n},
    qq{{"error":"routini_status: \\"offset\\" must be a number from 0 to 2147483647"}\n},
    qq{{"error":"routini_status: \\"offset\\" must be a number from 0 to 2147483647"}\n},
    qq{{"error":"routini_status: \\"upstream_offset\\" must be a number from 0 to 2147483647"}\n},
    qq{{"error":"routini_status: \\"upstream_limit\\" must be a number from 0 to 50"}\n},
    qq{{"error":"routini_status: \\"peer_limit\\" must be a number from 0 to 100"}\n},
    qq{{"error":"routini_status: \\"sort\\" must be one of name, pattern, target, hits, 2xx, 4xx, 5xx, mean, p99"}\n},
    qq{{"error":"routini_status: \\"order\\" must be asc or desc"}\n},
    qq{{"error":"routini_status: \\"routes\\" must be \\"page\\""}\n},
    qq{{"error":"routini_status: \\"filter\\" is longer than 128 bytes"}\n},
    qq{{"error":"routini_status: \\"filter\\" is longer than 128 bytes"}\n},
    qr/"filtered":0,"offset":0,"limit":50,"sort":"name","order":"asc","filter":"a{128}","items":\[\]/,
    qr/"limit":500,[^\n]*"limit":50,"peer_limit":100,/,
]
--- no_error_log
[error]



=== TEST 3: the page polls routes=page and writes text, never HTML
--- main_config
    load_module $TEST_NGINX_ECHO_MODULE;
--- http_config eval: $::Http
--- config eval: $::Config
--- request
GET /routini/status
--- response_headers
Content-Type: text/html; charset=utf-8
--- response_body_like eval
qr/\A(?![\s\S]*innerHTML)(?![\s\S]*insertAdjacentHTML)(?![\s\S]*document\.write)[\s\S]*id="filter"[\s\S]*routes=page/



=== TEST 4: 10,000 routes: a page is one page, selected in any order
--- http_config
    upstream u1 {
        routini_balancer round_robin;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "ok\n"; }
    }
--- config eval: $::Big
--- request eval
[
    "GET /r5000/a", "GET /r5000/a", "GET /r9999/a",
    "GET /routini/status?format=json&routes=page",
    "GET /routini/status?format=json&routes=page&sort=hits&order=desc&offset=5000&limit=500",
    "GET /routini/status?format=json&routes=page&offset=9998",
    "GET /routini/status?format=json&routes=page&sort=p99&order=desc&filter=r999",
]
--- error_code eval
[(200) x 7]
--- response_body_like eval
[
    "ok", "ok", "ok",
    qr/$::Page{big_default}/s,
    qr/$::Page{big_middle}/s,
    qr/$::Page{big_last}/s,
    qr/$::Page{big_filter}/s,
]
--- timeout: 10
--- no_error_log
[error]



=== TEST 5: 20,000 routes, a walk of many turns: clients gone, timed out
--- http_config eval: $::Many
--- config
    location = /t { return 200 "ok\n"; }
--- init
my $port = $ENV{TEST_NGINX_PAGE_PORT};
my $q = '?format=json&routes=page&sort=p99&order=desc&filter=r1';
my (undef, $pid) = main::get($port, '/pid');
# the worker's open files
my $files = sub { my @fd = glob "/proc/$pid/fd/*"; scalar @fd };
my $fds = $files->();
# clients that close or reset once their request is sent
for my $i (0 .. 19) {
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port") or next;
    print $s "GET /status$q HTTP/1.1\r\nHost: t\r\n\r\n";
    # half of them reset the connection instead of closing it
    setsockopt($s, Socket::SOL_SOCKET(), Socket::SO_LINGER(),
               pack('ii', 1, 0))
        if $i % 2;
    close $s;
}
# send_timeout during the walk ends the request: its event goes with it
# (not asserted: whether 1 ms passes during the walk depends on the machine)
main::get($port, "/hurried$q") for 1 .. 5;
my ($status, $body) = main::get($port, "/status$q");
Test::More::is($status, 200, 'a page after them');
Test::More::like($body, qr/"routes":\{"total":20000,"filtered":11111,/,
                 'of every route');
my (undef, $after) = main::get($port, '/pid');
Test::More::is($after, $pid, 'from the same worker');
SKIP: {
    Test::More::skip("/proc/$pid/fd is not readable", 1) unless $fds;
    my $now;
    for (1 .. 100) {
        $now = $files->();
        last if $now <= $fds;
        select undef, undef, undef, 0.1;
    }
    Test::More::cmp_ok($now, '<=', $fds, 'their requests are gone');
}
--- request
GET /t
--- response_body
ok
--- timeout: 30
--- log_level: info
--- no_error_log
[alert]
[crit]
[emerg]
