# Bodies that grow with routes and peers are streamed a chunk at a time
# (chunked transfer encoding): a Prometheus scrape, the JSON, the
# dashboard's data and the API's listings of 2,000 routes and an upstream
# of 500 peers span many chunks and are complete and valid; a client that
# goes away mid-scrape leaves a worker that goes on serving; another
# request is answered while a slow client holds a scrape, and the part of
# the scrape written after it counts it (a scrape is not one snapshot);
# HEAD sends the headers only.
#
# The scrapes go to a server of their own whose sockets have a 16k send
# buffer, read by clients with a small receive buffer, so that what nginx
# has written ahead of the reader is bounded by a few chunks.

use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET;
use Socket qw(SOL_SOCKET SO_RCVBUF SO_LINGER);
use JSON::PP ();

our ($Routes, $Peers) = (2000, 500);
our $Http;

# the scrapes' server: a port of this file's own, which its clients know
# under either runner
{
    my $probe = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                      LocalPort => 0, Listen => 1)
        or die "no free port: $!";
    $ENV{TEST_NGINX_SCRAPE_PORT} = $probe->sockport;
    close $probe;
}

BEGIN {
    my $routes = join '', map { "        routini_route \"/m$_/{id}\" live;\n" }
                              1 .. 2000;
    my $big = join '', map { "        server 127.0.0.2:$_;\n" } 1 .. 500;

    $Http = <<"HTTP";
    upstream live {
        routini_balancer round_robin;
        server 127.0.0.1:\$TEST_NGINX_RAND_PORT_2;
    }
    upstream big {
        routini_balancer round_robin;
$big    }
    server {
        listen 127.0.0.1:\$TEST_NGINX_SCRAPE_PORT sndbuf=16k;
        location = /metrics { routini_metrics; }
        location = /metrics.json { routini_metrics json; }
        location = /status { routini_status; }
        location /api/ { routini_api; }
        location = /pid { return 200 \$pid; }
        location /m {
$routes            proxy_http_version 1.1;
            proxy_pass http://\$routini_upstream;
        }
    }
    server {
        listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_2;
        location / { return 200 "ok\\n"; }
    }
HTTP
}

# the whole exchange on a new connection: (status, headers, body); the
# body is read to the end of the connection and its chunks are decoded
sub get {
    my ($port, $req) = @_;

    my $s = connect_to($port, 0) or return (0, '', '');
    print $s $req;

    local $/;
    my $resp = <$s> // '';
    close $s;

    return parse($resp);
}

sub connect_to {
    my ($port, $rcvbuf) = @_;

    my $s = IO::Socket::INET->new(Proto => 'tcp') or return undef;

    setsockopt($s, SOL_SOCKET, SO_RCVBUF, $rcvbuf) if $rcvbuf;

    $s->connect(Socket::pack_sockaddr_in($port,
                                         Socket::inet_aton('127.0.0.1')))
        or return undef;

    return $s;
}

sub parse {
    my $resp = shift;

    my ($head, $body) = split /\r\n\r\n/, $resp, 2;
    $body //= '';
    my ($status) = $head =~ m{^HTTP/1\.[01] (\d+)};

    if ($head !~ /^Transfer-Encoding: chunked\r?$/mi) {
        return ($status // 0, $head, $body);
    }

    my $out = '';

    while ($body =~ s/\A([0-9a-fA-F]+)\r\n//) {
        my $n = hex $1;

        if ($n == 0) {
            return ($status, $head, $body eq "\r\n" ? $out : undef);
        }

        return ($status, $head, undef) if length($body) < $n + 2
                                          || substr($body, $n, 2) ne "\r\n";

        $out .= substr($body, 0, $n);
        substr($body, 0, $n + 2) = '';
    }

    return ($status, $head, undef);     # no last chunk
}

# Prometheus text format 0.0.4, as promtool reads it: every line a HELP or
# TYPE comment or a sample; a family's TYPE before its samples, its samples
# together; label values escaped; no series twice.  Returns the errors and
# the samples by family.
sub check_prometheus {
    my $text = shift;
    my (@err, %type, %count, %series, $family);

    my $label = qr/[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"/;
    my $value = qr/-?(?:\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|NaN|[-+]Inf)/;

    push @err, 'no final newline' unless $text =~ /\n\z/;

    for my $line (split /\n/, $text) {
        if ($line =~ /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S/) {
            next;
        }

        if ($line =~ /^\#\ TYPE\ ([a-zA-Z_:][a-zA-Z0-9_:]*)
                      \ (counter|gauge|histogram|summary|untyped)$/x)
        {
            push @err, "TYPE $1 twice" if $type{$1}++;
            $family = $1;
            next;
        }

        if ($line !~ /^([a-zA-Z_:][a-zA-Z0-9_:]*)
                      (\{$label(?:,$label)*\})?\ $value$/x)
        {
            push @err, "bad line: $line";
            next;
        }

        my ($name, $labels) = ($1, $2 // '');
        my $f = $name;
        $f =~ s/_(?:bucket|sum|count)$// unless $type{$name};

        push @err, "$name: not in the family $family"
            unless defined $family && $f eq $family;
        push @err, "series twice: $name$labels" if $series{"$name$labels"}++;
        $count{$name}++;
    }

    return (\@err, \%count);
}

# closed with a reset, not a FIN
sub rst {
    setsockopt(shift, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0));
}

# the open files of a process, undef if they cannot be read
sub fds {
    my $pid = shift;
    opendir my $d, "/proc/$pid/fd" or return undef;
    my $n = grep { /^\d+$/ } readdir $d;
    closedir $d;
    return $n;
}

# nginx -s reload
sub hup {
    my $file = Test::Nginx::Socket::server_root() . '/logs/nginx.pid';
    open my $in, '<', $file or die "$file: $!";
    chomp(my $master = <$in>);
    close $in;
    kill 'HUP', $master;
}

sub metrics {
    my $port = shift;
    return get($port, "GET /metrics HTTP/1.1\r\nHost: t\r\n"
                      . "Connection: close\r\n\r\n");
}

sub json_get {
    my ($port, $path) = @_;

    my ($status, $head, $body) =
        get($port, "GET $path HTTP/1.1\r\nHost: t\r\n"
                   . "Connection: close\r\n\r\n");

    my $doc = eval { JSON::PP->new->utf8->decode($body // '') };

    return ($status, $head, $doc);
}

# a 2xx counter of a route in a scrape
sub hits {
    my ($text, $route) = @_;
    my ($n) = $text =~ /^routini_requests_total\{route="\Q$route\E",
                         upstream="live",code="2xx"\}\ (\d+)$/mx;
    return $n;
}

# every block: the same configuration, its own client in --- init
add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value('http_config', $Http);
    $block->set_value('config',
                      "    location = /t { return 200 \"ok\\n\"; }\n");
    $block->set_value('request', "GET /t");
    $block->set_value('response_body', "ok\n");
    $block->set_value('no_error_log', "[error]\n[alert]\n")
        unless defined $block->no_error_log;

    return;
});

master_on();
no_shuffle();
no_root_location();
run_tests();

__DATA__

=== TEST 1: Prometheus: a scrape of many chunks is complete and valid
--- init
my $port = $ENV{TEST_NGINX_SCRAPE_PORT};
my ($status, $head, $text) = main::metrics($port);
Test::More::is($status, 200, 'scrape: 200');
Test::More::like($head, qr/^Transfer-Encoding: chunked\r$/mi, 'chunked');
Test::More::unlike($head, qr/^Content-Length:/mi, 'no Content-Length');
Test::More::ok(defined $text, 'every chunk well formed, the last one sent');
$text //= '';
Test::More::cmp_ok(length $text, '>', 40 * 16384, 'more than 40 chunks');
my ($err, $count) = main::check_prometheus($text);
Test::More::is_deeply($err, [], 'every line valid, no series twice');
Test::More::is($count->{routini_requests_total}, 5 * $::Routes,
               'every route: 5 status classes');
Test::More::is($count->{routini_request_duration_seconds_count}, $::Routes,
               'every route: a histogram');
Test::More::is($count->{routini_upstream_peer_up}, $::Peers + 1,
               'every peer');
Test::More::like($text, qr{\nroutini_request_duration_seconds_count
                           \{route="/m$::Routes/\{id\}"\}\ 0\n}x,
                 'the last route');
Test::More::like($text, qr{\nroutini_zone_used_bytes\{zone="routini"\}\ \d+\n
                           \#\ HELP\ routini_zone_size_bytes\ [^\n]+\n
                           \#\ TYPE\ routini_zone_size_bytes\ gauge\n
                           routini_zone_size_bytes\{zone="routini"\}\ \d+\n\z}x,
                 'the zone gauges last');



=== TEST 2: JSON, the dashboard's data and the API's listings parse
--- init
my $port = $ENV{TEST_NGINX_SCRAPE_PORT};
my $last = "/m$::Routes/{id}";
for my $path ('/metrics.json', '/status?format=json') {
    my ($status, $head, $doc) = main::json_get($port, $path);
    Test::More::like($head, qr/^Transfer-Encoding: chunked\r$/mi,
                     "$path: chunked");
    Test::More::is(scalar @{$doc->{routes} || []}, $::Routes,
                   "$path: every route");
    Test::More::is($doc->{routes}[-1]{name}, $last, "$path: the last route");
    Test::More::is(scalar @{$doc->{upstreams}[1]{peers} || []}, $::Peers,
                   "$path: every peer");
    Test::More::is($doc->{upstreams}[1]{peers}[-1]{address},
                   "127.0.0.2:$::Peers", "$path: the last peer");
}
my ($status, $head, $doc) = main::json_get($port, '/api/routes');
Test::More::is(scalar @{$doc->{routes} || []}, $::Routes, 'API: every route');
Test::More::is($doc->{routes}[-1]{pattern}, $last, 'API: the last route');
($status, $head, $doc) = main::json_get($port, '/api/upstreams');
Test::More::is(join(',', map { $_->{name} } @{$doc->{upstreams} || []}),
               'live,big', 'API: every upstream');
Test::More::is(scalar @{$doc->{upstreams}[1]{peers} || []}, $::Peers,
               'API: every peer');
($status, $head, $doc) = main::json_get($port, '/api/upstreams/big');
Test::More::like($head, qr/^Content-Length: \d+\r$/mi,
                 'API: one upstream is a small answer');
Test::More::is(scalar @{$doc->{peers} || []}, $::Peers, 'API: its peers');



=== TEST 3: clients that go away mid-scrape: the worker goes on serving
--- init
my $port = $ENV{TEST_NGINX_SCRAPE_PORT};
my (undef, undef, $pid) = main::get($port, "GET /pid HTTP/1.0\r\n\r\n");
my $fds = main::fds($pid);
my @paths = ('/metrics', '/metrics.json', '/api/routes', '/api/upstreams');
my $gone = 0;
for my $i (0 .. 23) {
    my $s = main::connect_to($port, 4096) or next;
    print $s "GET $paths[$i % 4] HTTP/1.1\r\nHost: t\r\n\r\n";
    my $got = '';
    while (length $got < 1024 * (1 + $i % 3)) {
        sysread($s, $got, 4096, length $got) or last;
    }
    # half of them reset the connection instead of closing it
    main::rst($s) if $i % 2;
    close $s;
    $gone++ if length $got;
}
Test::More::is($gone, 24, 'every client had a part of a body');
my (undef, undef, $after) = main::get($port, "GET /pid HTTP/1.0\r\n\r\n");
Test::More::is($after, $pid, 'the same worker answers');
# their requests end: the worker holds no more sockets than before them
SKIP: {
    Test::More::skip("/proc/$pid/fd is not readable", 1)
        unless defined $fds;
    my $now;
    for (1 .. 100) {
        $now = main::fds($pid);
        last if $now <= $fds;
        select undef, undef, undef, 0.1;
    }
    Test::More::cmp_ok($now, '<=', $fds, 'the requests are gone');
}
my ($status, $head, $text) = main::metrics($port);
my ($err) = main::check_prometheus($text // '');
Test::More::ok(defined $text && !@$err, 'and scrapes whole');
--- no_error_log
[error]
[alert]
[crit]
zero size buf



=== TEST 4: a slow reader holds a scrape: others are answered meanwhile
The first route's requests_total was written before the two requests, the
last route's after them, and so was the first route's histogram.
--- init
my $port = $ENV{TEST_NGINX_SCRAPE_PORT};
my ($first, $last) = ('/m1/{id}', "/m$::Routes/{id}");
my $s = main::connect_to($port, 4096) or die "connect: $!";
print $s "GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
my $got = '';
while (length $got < 16384) {
    sysread($s, $got, 4096, length $got) or last;
}
my @answers = map {
    (main::get($port, "GET $_ HTTP/1.0\r\n\r\n"))[2]
} '/m1/x', "/m$::Routes/x";
Test::More::is_deeply(\@answers, ["ok\n", "ok\n"],
                      'answered while the scrape is held');
{ local $/; $got .= <$s> // ''; }
close $s;
my (undef, undef, $text) = main::parse($got);
$text //= '';
my ($err) = main::check_prometheus($text);
Test::More::is_deeply($err, [], 'the held scrape is whole and valid');
Test::More::is(main::hits($text, $first), 0,
               'the first route: written before the requests');
Test::More::is(main::hits($text, $last), 1,
               'the last route: written after them');
Test::More::like($text, qr/^routini_request_duration_seconds_count
                           \{route="\Q$first\E"\}\ 1$/mx,
                 "the first route's histogram: after them");



=== TEST 5: HEAD: the headers only, for streamed and small answers
--- init
my $port = $ENV{TEST_NGINX_SCRAPE_PORT};
for my $path ('/metrics', '/metrics.json', '/api/routes', '/api/upstreams',
              '/api/upstreams/big')
{
    my $s = main::connect_to($port, 0) or die "connect: $!";
    # HEAD, then GET /pid on the same connection: a body after the headers
    # of HEAD would be read as the second answer
    print $s "HEAD $path HTTP/1.1\r\nHost: t\r\n\r\n"
             . "GET /pid HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    local $/;
    my $resp = <$s> // '';
    close $s;
    my $answer = qr{HTTP/1\.1\ 200\ OK\r\n(?:[^\r\n]+\r\n)*\r\n}x;
    Test::More::like($resp, qr{\A$answer$answer\d+\z},
                     "HEAD $path: headers, then the next answer");
    Test::More::unlike($resp, qr/^Transfer-Encoding/mi,
                       "HEAD $path: no chunks");
}



=== TEST 6: a reload while a slow reader holds a scrape
The old worker finishes the scrape from its configuration and zone records
(the new one binds others: its patterns differ), then exits.
--- init
my $port = $ENV{TEST_NGINX_SCRAPE_PORT};
my (undef, undef, $old) = main::get($port, "GET /pid HTTP/1.0\r\n\r\n");
my $s = main::connect_to($port, 4096) or die "connect: $!";
print $s "GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
my $got = '';
while (length $got < 16384) {
    sysread($s, $got, 4096, length $got) or last;
}
my $conf = Test::Nginx::Socket::server_root() . '/conf/nginx.conf';
open my $in, '<', $conf or die "$conf: $!";
my $text = do { local $/; <$in> };
close $in;
$text =~ s{routini_route "/m(\d+)/\{id\}"}{routini_route "/m$1/{key}"}g;
open my $out, '>', $conf or die "$conf: $!";
print $out $text;
close $out;
main::hup();
my $new = $old;
for (1 .. 300) {
    (undef, undef, $new) = main::get($port, "GET /pid HTTP/1.0\r\n\r\n");
    last if $new && $new ne $old;
    select undef, undef, undef, 0.1;
}
Test::More::isnt($new, $old, 'a new worker answers');
# the old worker takes no new connection once it has closed its listener
my $hits = 0;
for (1 .. 100) {
    main::get($port, "GET /m1/x HTTP/1.0\r\n\r\n");
    my (undef, undef, $now) = main::metrics($port);
    $hits = main::hits($now // '', '/m1/{key}') and last;
}
Test::More::ok($hits, 'the new routes are counted');
{ local $/; $got .= <$s> // ''; }
close $s;
my (undef, undef, $body) = main::parse($got);
my ($err, $count) = main::check_prometheus($body // '');
Test::More::is_deeply($err, [], 'the held scrape is whole and valid');
Test::More::is($count->{routini_requests_total}, 5 * $::Routes,
               'from the old configuration');
for (1 .. 300) {
    last unless kill 0, $old;
    select undef, undef, undef, 0.1;
}
Test::More::ok(!kill(0, $old), 'the old worker exits');
--- no_error_log
[error]
[alert]
[crit]
[emerg]
