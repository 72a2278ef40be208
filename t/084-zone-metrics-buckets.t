#!/usr/bin/perl
# routini_metrics_buckets off in the zone: a route's record without bucket
# counters is smaller, and it is another record than the one with buckets,
# so that a reload between the two never lets a worker write counters of
# one layout into a record of the other.
#
# 300 routes with names of 61 to 63 bytes: off saves the 11 bucket
# counters, 88 bytes a record (a 272-byte slot, 184 without).  Then a
# request held open keeps a worker of the configuration with buckets alive
# across a reload to off: the hit it counts when answered lands in its own
# record, which the reload back to buckets adopts, and never in the record
# of off; and a reload back to off finds the counts of off again.  Other
# bounds, even as many, are other records too.
#
# A script, not Test::Nginx blocks: it reloads nginx between requests.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../test/zone";
use ZoneTest;
use Test::More tests => 30;

my $hold = hold_backend();
my $fast = free_port();
my $long = 'r' x 60;
my $off = 'routini_metrics_buckets off;';

sub conf {
    my ($buckets) = @_;
    my $routes = routes($long, 300, "127.0.0.1:$fast");

    write_conf(<<"HTTP", <<"SERVER");
    routini_zone z 1m;
    $buckets
    server {
        listen 127.0.0.1:$fast;
        location / { return 200 "ok\\n"; }
    }
HTTP
        location = /which { return 200 "$buckets\\n"; }
        location / {
            routini_route /held/:id 127.0.0.1:$hold name=held;
$routes
            proxy_pass http://\$routini_upstream;
            proxy_read_timeout 600s;
        }
SERVER
}

sub which { my (undef, $b) = http_get('/which'); chomp $b; $b }

# the workers of earlier configurations have exited: until then they may
# still accept a connection
sub settled { wait_for(sub { my @w = workers(); @w == 1 }) }

sub used { metric('routini_zone_used_bytes{zone="z"}') }

my $held = 'routini_request_duration_seconds_count{route="held"}';
my $first = qq{routini_request_duration_seconds_count{route="${long}1"}};
my $held_2xx = qr/^routini_requests_total\{route="held",upstream="[^"]+",code="2xx"\}$/;

sub held_2xx {
    my $m = metrics();
    my ($k) = grep { $_ =~ $held_2xx } keys %$m;
    return defined $k ? $m->{$k} : undef;
}

conf($off);
ok(nginx_start(), 'nginx started without buckets') or BAIL_OUT(log_since(0));
my $used_off = used();
nginx_stop();

conf('');
ok(nginx_start(), 'nginx started with the default buckets')
    or BAIL_OUT(log_since(0));
my $used_on = used();

ok($used_on - $used_off >= 300 * 88 * 0.9,
   "without buckets the zone holds 88 bytes less a route ($used_on bytes "
   . "with buckets, $used_off without)");

my ($w1) = workers();

my $client = held_request('/held/1');
ok(wait_for(sub { held_count() == 1 }), 'a request held by the backend');

conf($off);
like(nginx_reload(), qr/start worker process/, 'reload to off');
ok(wait_for(sub { which() eq $off }) && wait_for(sub { shutting_down($w1) }),
   'off serves, the worker with buckets finishes its request');

my (undef, $body) = http_get('/metrics');
like($body, qr/# TYPE routini_request_duration_seconds summary\n/,
     'the request time is a summary');
unlike($body, qr/_bucket/, 'no bucket series');

SKIP: {
    skip 'promtool not installed (apt-get install prometheus)', 1
        unless system('sh', '-c', 'command -v promtool > /dev/null') == 0;
    my $f = zone_dir() . '/metrics-off.txt';
    open my $fh, '>', $f or die $!;
    print $fh $body;
    close $fh;
    my $out = `promtool check metrics < $f 2>&1`;
    is($?, 0, 'promtool check metrics passes without buckets')
        or diag($out);
}

my ($st) = http_get("/${long}1/x");
is($st, 200, 'a request to a route without buckets');
is(metric($first), 1, 'counted without buckets');

release();
ok(wait_for(sub { defined $client->() }), 'the held request is answered');
is($client->(), 200, 'with 200');
ok(wait_for(sub { gone($w1) }), 'the worker with buckets exits');

is(metric($held), 0, 'its hit is not in the record without buckets');
is(held_2xx(), 0, 'nor its status');

conf('');
like(nginx_reload(), qr/start worker process/, 'reload back to buckets');
ok(settled() && which() eq '', 'buckets serve');

my $m = metrics();
is($m->{$held}, 1, "the held request's hit is in the record with buckets");
is($m->{'routini_request_duration_seconds_bucket{route="held",le="+Inf"}'},
   1, 'in its +Inf bucket');
is(held_2xx(), 1, 'and its status');
is($m->{$first}, 0, 'the request counted without buckets is not there');

conf($off);
like(nginx_reload(), qr/start worker process/, 'reload to off again');
ok(settled() && which() eq $off && metric($first) == 1,
   'the request counted without buckets is there again');

my $second = qq{routini_request_duration_seconds_count{route="${long}2"}};
my $b1 = 'routini_metrics_buckets 0.1 1;';
my $b2 = 'routini_metrics_buckets 0.2 1;';

conf($b1);
like(nginx_reload(), qr/start worker process/, 'reload to two bounds');
ok(settled() && which() eq $b1, 'they serve');
($st) = http_get("/${long}2/x");
ok($st == 200 && metric($second) == 1, 'a request counted with them');

conf($b2);
like(nginx_reload(), qr/start worker process/,
     'reload to two other bounds');
ok(settled() && which() eq $b2 && metric($second) == 0,
   'their counters start from zero');

conf($b1);
nginx_reload();
ok(settled() && which() eq $b1 && metric($second) == 1,
   'the first bounds find their count again');
