#!/usr/bin/perl
# A worker killed with -9 does not leave its requests in flight behind.
#
# Each worker tallies its own requests in flight per peer in the zone;
# when a worker is found dead (the master respawns it, or a reload starts
# new workers) its tallies are taken off the peer's shared active count,
# which fewest_connections reads.  Killed: a worker of the running
# configuration, then one of an earlier configuration that was finishing
# its requests.
#
# A script, not Test::Nginx blocks: it kills workers and reloads nginx
# between requests.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../test/zone";
use ZoneTest;
use Test::More tests => 15;

my $hold = hold_backend();
my $peer = "127.0.0.1:$hold";
my $active = qq{routini_upstream_active_connections{upstream="u",peer="$peer"}};

write_conf(<<"HTTP", <<"SERVER");
    routini_zone z 1m;
    upstream u {
        routini_balancer fewest_connections;
        server $peer;
    }
HTTP
        location / {
            routini_route /h/:id u;
            proxy_pass http://\$routini_upstream;
            proxy_read_timeout 600s;
        }
SERVER

sub settled {
    return wait_for(sub { my @w = workers(); @w == 1 });
}

ok(nginx_start(), 'nginx started') or BAIL_OUT(log_since(0));

my ($w1) = workers();

held_request("/h/$_") for 1 .. 3;
ok(wait_for(sub { held_count() == 3 }), '3 requests held');
is(metric($active), 3, 'the peer has 3 active');

kill 'KILL', $w1;
ok(wait_for(sub { my @w = workers(); @w == 1 && $w[0] != $w1 }),
   'the killed worker is respawned');
ok(wait_for(sub { (metric($active) // -1) == 0 }),
   "the killed worker's 3 are taken off the peer's active count");

my ($w2) = workers();

held_request("/h/$_") for 4 .. 5;
ok(wait_for(sub { held_count() == 5 }), '2 more requests held');
is(metric($active), 2, 'the peer has 2 active');

my $log = nginx_reload();
like($log, qr/start worker process/, 'reload');
ok(wait_for(sub { shutting_down($w2) }), 'the worker holding them is old');
is(metric($active), 2, 'the peer still has 2 active');

kill 'KILL', $w2;
ok(wait_for(sub { gone($w2) }), 'the old worker killed');

# new workers look for dead ones when they start
$log = nginx_reload();
ok(settled() && wait_for(sub { (metric($active) // -1) == 0 }),
   "after a reload, the old worker's 2 are taken off too");

release();
my $done = held_request('/h/6');
ok(wait_for(sub { defined $done->() }) && $done->() == 200,
   'a new request is answered');
is(metric($active), 0, 'the peer has 0 active');

$log = log_since(0);
my @bad = grep { !/exited on signal 9/ }
          $log =~ /^(.*(?:poison|\[alert\]|\[crit\]|signal (?:6|11)\b).*)$/mg;
is(join("\n", @bad), '', 'no poison report, alert or crash in the log');
