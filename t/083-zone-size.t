#!/usr/bin/perl
# The zone's size: nginx -t tells what the configuration needs and what a
# reload needs (room for the running configuration's records and the new
# one's); the default zone is sized for a reload; and when a reload
# creates a new zone (its size changed, e.g. the default zone grew past a
# megabyte), the runtime state is carried over by name: API pins and
# drains, health, counters.  A reload that fails because the zone is too
# small for the running configuration's records and the new one's frees
# what it created: a smaller reload then succeeds.
#
# A script, not Test::Nginx blocks: it reloads nginx between requests.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../test/zone";
use ZoneTest;
use Test::More tests => 17;

my $hold = hold_backend();
my $dead = free_port();
my $binary = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';

release();

sub conf {
    my ($zone, $tag, $n) = @_;
    my $routes = routes($tag // 'r', $n // 300, 'u');

    write_conf(<<"HTTP", <<"SERVER");
    $zone
    upstream u {
        routini_balancer round_robin;
        server 127.0.0.1:$hold;
        server 127.0.0.1:$dead;
    }
HTTP
        location / {
$routes
            proxy_pass http://\$routini_upstream;
        }
SERVER
}

sub nginx_t {
    my $dir = zone_dir();
    return scalar `$binary -t -p $dir/ -c conf/nginx.conf 2>&1`;
}

sub api {
    my ($method, $path, $body) = @_;
    my (undef, $b) = http_get("/routini/api/$path", $method, $body,
                              $body ? "Content-Type: application/json\r\n"
                                    : '');
    return $b;
}

conf('routini_zone z 256k;');
my $t = nginx_t();
my ($size, $need, $reload) =
    $t =~ /routini_zone "z" is (\d+)k: this configuration needs (\d+)k, a reload that replaces all its records (\d+)k/;
ok(defined $need, 'nginx -t tells what the configuration and a reload need')
    or diag($t);
ok(defined $need && $reload > $need + 50,
   "a reload needs room for two configurations' records ("
   . ($need // '?') . 'k, ' . ($reload // '?') . 'k)');

conf('');
$t = nginx_t();
my ($dsize, undef, $dreload) =
    $t =~ /routini_zone "routini" is (\d+)k: this configuration needs (\d+)k, a reload that replaces all its records (\d+)k/;
ok(defined $dsize && $dsize >= $dreload,
   'the default zone is sized for a reload') or diag($t);

conf('routini_zone z 256k;');
ok(nginx_start(), 'nginx started') or BAIL_OUT(log_since(0));

my ($st) = http_get('/r1/x');
is($st, 200, 'a request');
like(api('PATCH', 'upstreams/u', '{"strategy":"fewest_connections"}'),
     qr/"strategy":"fewest_connections"/, 'a strategy pinned');
like(api('PATCH', "upstreams/u/peers/127.0.0.1:$hold", '{"state":"drain"}'),
     qr/"state":"draining"/, 'a peer drained');

conf('routini_zone z 512k;');
my $log = nginx_reload();
like($log, qr/routini_zone "z" is now 512k \(was 256k\): a new zone, the state of \d+ of its \d+ records carried over by name/,
     'a new zone: the log says the state was carried over');
ok(wait_for(sub { my @w = workers(); @w == 1 }), 'the old worker exits');

my $u = api('GET', 'upstreams/u');
like($u, qr/"strategy":"fewest_connections"[^{]*"pinned":true/,
     'the pinned strategy is kept');
like($u, qr/"address":"127\.0\.0\.1:$hold"[^}]*"state":"draining"/,
     'the drained peer is kept');
is(metric('routini_requests_total{route="r1",upstream="u",code="2xx"}'), 1,
   'the route counter is kept');

# a zone that holds two configurations of 300 routes: a and z of 500 do
# not fit together, a and b do
nginx_stop();
conf('routini_zone y 224k;', 'a');
ok(nginx_start(), 'nginx started with a zone for two configurations')
    or BAIL_OUT(log_since(0));
my $used = metric('routini_zone_used_bytes{zone="y"}');

conf('routini_zone y 224k;', 'z', 500);
$log = nginx_reload();
like($log, qr/routini_zone: zone "y" is too small for \d+ records, increase its size/,
     'a reload to 500 other routes fails: too small for both');
is(metric('routini_zone_used_bytes{zone="y"}'), $used,
   'the zone uses what it used before');

conf('routini_zone y 224k;', 'b');
$log = nginx_reload();
like($log, qr/start worker process/, 'a reload to 300 other routes succeeds');
ok(wait_for(sub { my ($st) = http_get('/b1/x'); $st == 200 }),
   'and serves them');
