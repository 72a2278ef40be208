# routini_health_check in an upstream of more than four servers: every peer
# has its health record and is probed.  The peers' records were bound
# through pointers into an array that grew (4 elements, then reallocated),
# so all but the peers pushed after the last growth were never checked
# ("has no health record, not checked"): of nine dead servers, one was
# marked unhealthy.
#
# The nine servers are loopback addresses with nothing listening on port 1.
# "init" polls the error log (10 s at most) until the nine state changes
# are logged, then the checks run whatever it found.

use Test::Nginx::Socket 'no_plan';
use Time::HiRes ();

sub unhealthy_peers {
    my $file = server_root() . '/logs/error.log';
    my %seen;
    open my $in, '<', $file or return 0;
    while (my $l = <$in>) {
        $seen{$1} = 1
            if $l =~ /routini: upstream "nine" peer (127\.0\.0\.\d+:1) is unhealthy/;
    }
    close $in;
    return scalar keys %seen;
}

sub wait_unhealthy {
    my $n = shift;
    for (1 .. 200) {
        return if unhealthy_peers() >= $n;
        Time::HiRes::sleep(0.05);
    }
}

our $HttpConfig = <<'_EOC_';
    upstream nine {
        routini_balancer round_robin;
        routini_health_check interval=100ms timeout=1s fall=1 rise=1;
        server 127.0.0.11:1;
        server 127.0.0.12:1;
        server 127.0.0.13:1;
        server 127.0.0.14:1;
        server 127.0.0.15:1;
        server 127.0.0.16:1;
        server 127.0.0.17:1;
        server 127.0.0.18:1;
        server 127.0.0.19:1;
    }
_EOC_

our $Config = <<'_EOC_';
    location = /metrics { routini_metrics; }
    location /routini/api/ { routini_api; }
_EOC_

no_shuffle();
run_tests();

__DATA__

=== TEST 1: nine dead servers: each is marked unhealthy, each is probed
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- init
main::wait_unhealthy(9);
--- request
GET /metrics
--- response_body_like eval
qr/\n(?:routini_upstream_peer_up\{upstream="nine",peer="127\.0\.0\.1\d:1"\} 0\n){9}/
--- response_body_unlike eval
qr/routini_upstream_peer_up\{upstream="nine",[^}]*\} 1/
--- no_error_log
no health record



=== TEST 2: the API shows the nine peers unhealthy
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- init
main::wait_unhealthy(9);
--- request
GET /routini/api/upstreams/nine
--- response_body_like eval
qr/^\{"name":"nine",[^[]*"peers":\[(?:\{"address":"127\.0\.0\.1\d:1",[^}]*"state":"unhealthy","healthy":false,[^}]*\},?){9}\]\}\n\z/
--- no_error_log
no health record
