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
# Records of routes are slots of runs of pages, one slot size a run, once
# a page of records of their size is there (the first ones are slab
# chunks, whose pages records of other sizes share): the slots that
# expired records leave are reused by records of their size, and a run
# whose slots are all free goes back to the pool for records of any size.
# Each case fits a zone of 192k only so: 47 pages, of which 6 hold the
# zone's header and the upstream's records, and 300 routes with names of
# 10 bytes or less (208-byte records) take 16.
#
# A script, not Test::Nginx blocks: it reloads nginx between requests.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../test/zone";
use ZoneTest;
use Test::More tests => 29;

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

# a zone that holds two configurations of 300 routes: a and z of 540 do
# not fit together (22 runs), a and b do (16)
nginx_stop();
conf('routini_zone y 192k;', 'a');
ok(nginx_start(), 'nginx started with a zone for two configurations')
    or BAIL_OUT(log_since(0));
my $used = metric('routini_zone_used_bytes{zone="y"}');

conf('routini_zone y 192k;', 'z', 540);
$log = nginx_reload();
like($log, qr/routini_zone: zone "y" is too small for \d+ records, increase its size/,
     'a reload to 540 other routes fails: too small for both');
is(metric('routini_zone_used_bytes{zone="y"}'), $used,
   'the zone uses what it used before');

conf('routini_zone y 192k;', 'b');
$log = nginx_reload();
like($log, qr/start worker process/, 'a reload to 300 other routes succeeds');
ok(wait_for(sub { my ($st) = http_get('/b1/x'); $st == 200 }),
   'and serves them');

# whole runs go back to the pool: p and q of 300 routes take 32 pages (9
# left); once p's workers are gone, a reload to r, 200 routes with longer
# names (248-byte records, 13 pages), frees p's records when the zone is
# full and finds room only if the runs that held p's records alone went
# back to the pool

sub reload_to {
    my ($what, $routes, $path) = @_;

    write_conf(<<"HTTP", <<"SERVER");
    routini_zone w 192k;
    upstream u {
        routini_balancer round_robin;
        server 127.0.0.1:$hold;
    }
HTTP
        location / {
$routes
            proxy_pass http://\$routini_upstream;
        }
SERVER

    my $log = nginx_reload();
    ok($log =~ /start worker process/
       && wait_for(sub { my @w = workers(); @w == 1 })
       && wait_for(sub { my ($st) = http_get($path); $st == 200 }),
       "reload to $what, which serves") or diag($log);
}

nginx_stop();
write_conf("    routini_zone w 192k;\n", '');
ok(nginx_start(), 'nginx started with zone w') or BAIL_OUT(log_since(0));

my $l = 'l' x 40;

reload_to('p, 300 routes', routes('p', 300, 'u'), '/p1/x');
reload_to('q, 300 other routes', routes('q', 300, 'u'), '/q1/x');
reload_to('r, 200 routes of a larger size', routes($l, 200, 'u'),
          "/${l}1/x");

# freed slots are reused: a of 440 routes takes 24 pages; b keeps a's odd
# routes and renames the even ones (34 pages: 7 left); c renames them
# again: its records fill the free pages, and the rest fit only in the
# slots a's even routes leave between records that stay, once the zone is
# full and frees them

sub half {
    my ($tag) = @_;
    return route_lines('u', map { $_ % 2 ? "x$_" : "$tag$_" } 1 .. 440);
}

nginx_stop();
write_conf("    routini_zone w 192k;\n", '');
ok(nginx_start(), 'nginx started with zone w again')
    or BAIL_OUT(log_since(0));

reload_to('a, 440 routes', half('x'), '/x2/x');
reload_to("b, a's odd routes and 220 others", half('y'), '/y2/x');
reload_to("c, a's odd routes and 220 others again", half('z'), '/z2/x');

# a few records of each of many sizes share the slab's pages: sixteen
# routes whose names differ by 8 bytes, sixteen slot sizes, take a few
# pages, not a run each

sub sizes {
    return route_lines('u', map { 's' x (8 * $_) } 1 .. 16);
}

nginx_stop();
write_conf("    routini_zone w 192k;\n", '');
ok(nginx_start(), 'nginx started with zone w once more')
    or BAIL_OUT(log_since(0));

reload_to('one route', routes('s', 1, 'u'), '/s1/x');
my $used1 = metric('routini_zone_used_bytes{zone="w"}');
reload_to('sixteen routes of sixteen sizes', sizes(), '/ssssssss/x');
my $used16 = metric('routini_zone_used_bytes{zone="w"}');
ok($used16 - $used1 <= 5 * 4096,
   "they take a few pages ($used1 bytes used before, $used16 after)");
