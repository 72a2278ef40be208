# Peers with restrictions (drained, downed, unhealthy) across a reload
# that removes one of them.  Strategies read peers' flags only while some
# peer of the upstream has them; a drained peer that leaves the
# configuration must stop counting, one that stays must still be skipped.
# The debug line of each choice says how many peers are restricted.
#
# The init drains peers through the API, deletes the lines marked
# "leaves" from nginx.conf, sends SIGHUP and waits until the old worker
# has exited; the requests then run in the new worker.

use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET;
use Time::HiRes ();

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, ReuseAddr => 1)
        or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

$ENV{TEST_NGINX_RS_A} ||= free_port();
$ENV{TEST_NGINX_RS_B} ||= free_port();
$ENV{TEST_NGINX_RS_C} ||= free_port();

sub log_text {
    my $file = server_root() . '/logs/error.log';
    open my $in, '<', $file or return '';
    local $/;
    my $text = <$in>;
    close $in;
    return $text;
}

sub wait_log {
    my ($re, $from) = @_;
    for (1 .. 200) {
        return 1 if substr(log_text(), $from) =~ $re;
        Time::HiRes::sleep(0.05);
    }
    die "$re not logged after 10s\n";
}

sub drain {
    my $port = shift;
    my $body = '{"state":"drain"}';
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => server_port(), Timeout => 5)
        or die "connect: $!";
    print $s "PATCH /routini/api/upstreams/pool/peers/127.0.0.1:$port"
             . " HTTP/1.0\r\nHost: localhost\r\n"
             . "Content-Type: application/json\r\n"
             . "Content-Length: " . length($body) . "\r\n\r\n$body";
    local $/;
    my $resp = <$s>;
    close $s;
    die "drain 127.0.0.1:$port: $resp" unless $resp =~ m{^HTTP/1\.\d 200};
}

# drain the given peers, reload without the lines marked "leaves"
sub drain_then_reload {
    drain($_) for @_;

    my $conf = server_root() . '/conf/nginx.conf';
    open my $in, '<', $conf or die "$conf: $!";
    my @lines = grep { !/# leaves/ } <$in>;
    close $in;
    open my $out, '>', $conf or die "$conf: $!";
    print $out @lines;
    close $out;

    my $pidfile = server_root() . '/logs/nginx.pid';
    open $in, '<', $pidfile or die "$pidfile: $!";
    my $pid = <$in>;
    close $in;
    chomp $pid;

    my $from = length log_text();
    kill 'HUP', $pid or die "kill HUP $pid: $!";
    wait_log(qr/start worker process/, $from);
    wait_log(qr/worker process \d+ exited with code 0/, $from);
}

# upstream "pool" of the peers named (A, B, C), B marked to leave on the
# reload, and the peers themselves
sub peers {
    my ($up, $srv) = ("    routini_zone routini 8m;\n    upstream pool {\n"
                      . "        routini_balancer round_robin;\n", '');
    for my $n (@_) {
        $up .= "        server 127.0.0.1:\$TEST_NGINX_RS_$n;"
               . ($n eq 'B' ? '  # leaves' : '') . "\n";
        $srv .= "    server {\n        listen 127.0.0.1:\$TEST_NGINX_RS_$n;\n"
                . "        return 200 \"$n\";\n    }\n";
    }
    return "$up    }\n$srv";
}

our $Config = <<'_EOC_';
    location /routini/api/ { routini_api; }
    location = /t { proxy_pass http://pool; }
_EOC_

workers(1);
master_on();
log_level('debug');
no_shuffle();
run_tests();

__DATA__

=== TEST 1: a drained peer that leaves the configuration no longer counts
--- http_config eval: main::peers('A', 'B')
--- config eval: $::Config
--- init
main::drain_then_reload($ENV{TEST_NGINX_RS_B});
--- request
GET /t
--- response_body: A
--- error_log eval
qr/routini balancer round_robin: peer 127\.0\.0\.1:\d+ \(0\), 0 restricted/
--- no_error_log eval
qr/routini balancer .*, [1-9]\d* restricted/



=== TEST 2: a drained peer that stays is still skipped and counted
--- http_config eval: main::peers('A', 'B', 'C')
--- config eval: $::Config
--- init
main::drain_then_reload($ENV{TEST_NGINX_RS_B}, $ENV{TEST_NGINX_RS_C});
--- request eval
[ map { "GET /t" } 1 .. 4 ]
--- response_body eval
[ map { "A" } 1 .. 4 ]
--- error_log eval
qr/routini balancer round_robin: peer 127\.0\.0\.1:\d+ \(0\), 1 restricted/
--- no_error_log eval
qr/routini balancer .*, (?:0|[2-9]|\d\d+) restricted/



=== TEST 3: a peer drained when the worker started takes requests again once up
# The new worker's set of usable peers leaves the drained peer out; "up"
# puts it back at the worker's next decision.
--- http_config eval: main::peers('A', 'B', 'C')
--- config eval: $::Config
--- init
main::drain_then_reload($ENV{TEST_NGINX_RS_C});
--- request eval
[ "GET /t", "GET /t",
  "PATCH /routini/api/upstreams/pool/peers/127.0.0.1:$ENV{TEST_NGINX_RS_C}\n{\"state\":\"up\"}",
  "GET /t", "GET /t", "GET /t" ]
--- more_headers eval
[ "", "", "Content-Type: application/json", "", "", "" ]
--- response_body_like eval
[ qr/^A\z/, qr/^A\z/, qr/"state":"up"/, qr/^C\z/, qr/^A\z/, qr/^C\z/ ]
