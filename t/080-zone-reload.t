#!/usr/bin/perl
# Zone records outlive every worker that writes them.
#
# A request held open keeps a worker of configuration "a" alive across
# reloads that rename every route and upstream, in a zone that holds two
# configurations of 300 routes and not three: the reload to a third one
# must fail (the old worker still writes "a"'s records) and leave the zone
# as it was, rather than free "a"'s records under that worker.  Once the
# held request is answered, nothing of the current configuration has
# changed, and a reload back to "a" adopts its records: the held request's
# hit and its peer's active count are exact.  Once the old workers are
# gone the reload that failed succeeds, and the master survives ten more.
#
# A script, not Test::Nginx blocks: it reloads nginx between requests.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../test/zone";
use ZoneTest;
use Test::More tests => 22;

my $hold = hold_backend();
my $peer = "127.0.0.1:$hold";

sub conf {
    my ($tag) = @_;
    my $routes = routes($tag, 300, "u$tag");

    write_conf(<<"HTTP", <<"SERVER");
    routini_zone z 192k;
    upstream u$tag {
        routini_balancer round_robin;
        server $peer;
    }
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

# every counter of configuration TAG's routes and upstream
sub counters {
    my ($tag) = @_;
    my $m = metrics();
    my %c;
    for my $k (keys %$m) {
        next unless $k =~ /^routini_(requests_total|request_duration_seconds
                         _(?:count|sum|bucket)|upstream_(?:requests|failures)
                         _total|upstream_active_connections|upstream_latency
                         _ewma_seconds)\{/x;
        next unless $k =~ /route="$tag\d+"/ || $k =~ /upstream="u$tag"/;
        $c{$k} = $m->{$k};
    }
    return \%c;
}

sub nonzero {
    my ($c) = @_;
    return join ', ', map { "$_ $c->{$_}" }
                      grep { ($c->{$_} // 0) != 0 } sort keys %$c;
}

# the old workers of a reload have exited: until then they may still
# accept a connection
sub settled {
    my ($n) = @_;
    return wait_for(sub { my @w = workers(); @w == ($n // 1) });
}

conf('a');
ok(nginx_start(), 'nginx started with configuration a')
    or BAIL_OUT('nginx did not start: ' . log_since(0));

my ($wa) = workers();
my $used0 = metric('routini_zone_used_bytes{zone="z"}');

my $client = held_request('/a1/x');
ok(wait_for(sub { held_count() == 1 }), 'a request held by the backend');
is(metric(qq{routini_upstream_active_connections{upstream="ua",peer="$peer"}}),
   1, 'its peer has 1 active');

conf('b');
my $log = nginx_reload();
like($log, qr/start worker process/, 'reload to b');
ok(settled(2) && wait_for(sub { shutting_down($wa) })
   && wait_for(sub { which() eq 'b' }),
   'b serves, the worker of a finishes its request');

my $used1 = metric('routini_zone_used_bytes{zone="z"}');

conf('c');
$log = nginx_reload();
my $held = qr/routini_zone: zone "z" has no room for the \d+ records of the new /
           . qr/configuration: \d+ records \(\d+k\) are still in use by 1 /
           . qr/old worker process\(es\) finishing requests of earlier /
           . qr/configurations.*worker_shutdown_timeout/;
like($log, qr/$held/,
     'reload to c fails: a worker of a still writes its records');
is(which(), 'b', 'b still serves');
is(metric('routini_zone_used_bytes{zone="z"}'), $used1,
   'the failed reload left the zone as it was');

release();
ok(wait_for(sub { defined $client->() }), 'the held request is answered');
is($client->(), 200, 'with 200');
ok(wait_for(sub { gone($wa) }), 'the worker of a exits');

is(nonzero(counters('b')), '', 'no counter of b changed');

conf('a');
$log = nginx_reload();
like($log, qr/start worker process/, 'reload back to a');
ok(settled() && which() eq 'a', 'a serves');
my $m = metrics();
is($m->{'routini_requests_total{route="a1",upstream="ua",code="2xx"}'}, 1,
   "the held request's hit is counted in a's record")
    or diag(join "\n", grep { /a1"|ua"/ } sort keys %$m);
is($m->{qq{routini_upstream_active_connections{upstream="ua",peer="$peer"}}},
   0, 'its peer has 0 active');
is($m->{qq{routini_upstream_requests_total{upstream="ua",peer="$peer"}}}, 1,
   'and 1 request');

conf('c');
$log = nginx_reload();
like($log, qr/start worker process/,
     'reload to c succeeds once the workers of b have exited');
ok(settled() && which() eq 'c', 'c serves');
is(nonzero(counters('c')), '', 'c starts from zero');

my $master = master_pid();
my $ok = 0;

for my $i (1 .. 10) {
    my $tag = ('d', 'e', 'f')[$i % 3] . $i;
    conf($tag);
    $log = nginx_reload();
    my $served = $log =~ /start worker process/ && settled()
                 && which() eq $tag;
    my ($st) = http_get("/${tag}1/x");
    if ($served && $st == 200 && kill 0, $master) {
        $ok++;
    } else {
        diag("reload $i to $tag: $st, $log");
    }
}

is($ok, 10, 'ten more reloads, each serving its routes');

$log = log_since(0);
my @bad = $log =~ /^(.*(?:poison|\[alert\]|\[crit\]|signal (?:6|11)\b).*)$/mg;
is(join("\n", @bad), '', 'no poison report, alert or crash in the log');
