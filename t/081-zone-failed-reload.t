#!/usr/bin/perl
# A reload that fails leaves the zone exactly as it was.
#
# A listen that cannot bind fails a reload after the zone was initialized
# for it: the records it created must be freed and the configuration
# number must not advance, or the next good reload would take the running
# configuration's records for old ones and free them under its workers.
# A request held open on the running configuration "a" is then counted in
# full, and nothing of the next configuration "b" is touched.
#
# A script, not Test::Nginx blocks: it reloads nginx between requests.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../test/zone";
use IO::Socket::INET;
use ZoneTest;
use Test::More tests => 18;

my $hold = hold_backend();
my $peer = "127.0.0.1:$hold";

# a port nginx cannot bind: this test listens on it
my $busy = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                 LocalPort => 0, ReuseAddr => 0)
    or die "cannot listen: $!";
my $busy_port = $busy->sockport;

sub conf {
    my ($tag, $extra) = @_;
    my $routes = routes($tag, 300, "u$tag");

    $extra //= '';

    write_conf(<<"HTTP", <<"SERVER");
    routini_zone z 224k;
    upstream u$tag {
        routini_balancer round_robin;
        server $peer;
    }
$extra
HTTP
        location = /which { return 200 "$tag\\n"; }
        location / {
$routes
            proxy_pass http://\$routini_upstream;
            proxy_read_timeout 600s;
        }
SERVER
}

sub which { my (undef, $b) = http_get('/which'); chomp $b; $b }

sub settled {
    my ($n) = @_;
    return wait_for(sub { my @w = workers(); @w == ($n // 1) });
}

sub used { metric('routini_zone_used_bytes{zone="z"}') }

conf('a');
ok(nginx_start(), 'nginx started with configuration a')
    or BAIL_OUT('nginx did not start: ' . log_since(0));

my ($wa) = workers();
my $used = used();

my $client = held_request('/a1/x');
ok(wait_for(sub { held_count() == 1 }), 'a request held by the backend');

conf('x', "    server { listen 127.0.0.1:$busy_port; }");
my $log = nginx_reload(qr/records freed|still could not bind(?s:.*)\n.*\n/);
like($log, qr/bind\(\) to 127\.0\.0\.1:$busy_port failed/,
     'reload to x fails: its listen cannot bind');
like($log, qr/routini_zone "z": the failed reload's records freed/,
     'its records are freed');
is(which(), 'a', 'a still serves');
is(used(), $used, 'the zone uses what it used before');

conf('x', "    server { listen 127.0.0.1:$busy_port; }");
$log = nginx_reload(qr/records freed|still could not bind(?s:.*)\n.*\n/);
like($log, qr/the failed reload's records freed/,
     'the same failed reload again: its records freed');
unlike($log, qr/is too small|has no room/, 'no zone error');
is(used(), $used, 'and the zone still uses what it used before');

conf('b');
$log = nginx_reload();
like($log, qr/start worker process/, 'reload to b');
ok(settled(2) && wait_for(sub { shutting_down($wa) })
   && wait_for(sub { which() eq 'b' }), 'b serves');

release();
ok(wait_for(sub { defined $client->() }) && $client->() == 200,
   'the held request is answered');
ok(wait_for(sub { gone($wa) }), 'the worker of a exits');

my $m = metrics();
my @changed = grep { /upstream="ub"|route="b\d+"/ && !/peer_up|strategy/
                     && $m->{$_} != 0 } sort keys %$m;
is("@changed", '', 'no counter of b changed');

conf('a');
$log = nginx_reload();
ok(settled() && which() eq 'a', 'reload back to a');
$m = metrics();
is($m->{'routini_requests_total{route="a1",upstream="ua",code="2xx"}'}, 1,
   "the held request's hit is counted in a's record");
is($m->{qq{routini_upstream_active_connections{upstream="ua",peer="$peer"}}},
   0, 'its peer has 0 active');

$log = log_since(0);
my @bad = $log =~ /^(.*(?:poison|\[alert\]|\[crit\]|signal (?:6|11)\b).*)$/mg;
is(join("\n", @bad), '', 'no poison report, alert or crash in the log');
