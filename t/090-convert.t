#!/usr/bin/perl
# routini-convert, end to end.
#
# Each configuration of test/convert/ (ports and paths as @NAME@
# placeholders) is converted; the whole nginx.conf goes through nginx -t,
# and the http-level include (--include) is started in an nginx of the test
# whose backends echo what they receive, to show the converted behaviour:
# strip_prefix and the query string, forwarded headers and Host, header
# rules, request id, gzip, redirect and return actions, 429 limits (rate
# and connections), access
# rules and basic auth, body size, error pages, 500 when no backend is
# healthy, regex and host routes, paths with "%" or a "*" inside a
# segment, TLS
# with HSTS and h2, the strategy endpoint (compat=routini) and the metrics
# listener.  Then the warnings of a configuration with every field, by JSON
# path, and the configurations routini refuses: exit status 1 with the
# JSON path of the problem, nothing written.
#
# A script, not Test::Nginx blocks: the nginx configuration is the
# converter's output.  Environment: as the zone tests (test/zone/ZoneTest.pm)
# plus ROUTINI_CONVERT (default build/routini-convert).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../test/zone";
use MIME::Base64 qw(encode_base64);
use ZoneTest;
use Test::More;

my $root = "$FindBin::Bin/..";
my $bin = $ENV{ROUTINI_CONVERT} || "$root/build/routini-convert";
my $nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my @modules = split ' ', $ENV{TEST_NGINX_LOAD_MODULES} // '';
my $dir = zone_dir();

plan skip_all => "no $bin: make convert" unless -x $bin;

# the converted TLS listeners need nginx's ssl and HTTP/2 modules
my $configure = `'$nginx' -V 2>&1`;
plan skip_all => "$nginx has no http_ssl_module or http_v2_module"
    unless $configure =~ /--with-http_ssl_module/
           && $configure =~ /--with-http_v2_module/;

my %ports = (PORT => nginx_port(), B1 => free_port(), B2 => free_port(),
             API => free_port(), METRICS => free_port(), TLS => free_port(),
             CTL => free_port(), DOWN => free_port(), HOLD => hold_backend());
$ports{DIR} = $dir;

system("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost"
       . " -keyout $dir/key.pem -out $dir/cert.pem >/dev/null 2>&1") == 0
    or BAIL_OUT('openssl could not make a certificate');

# nginx's workers read the password files and write request bodies here
chmod 0755, $dir;
mkdir "$dir/cache";

sub spurt {
    my ($f, $s) = @_;
    open my $fh, '>', $f or die "$f: $!";
    print $fh $s;
    close $fh;
}

# convert(JSON TEXT, ARGS...): (exit status, stdout, stderr)
sub convert {
    my ($json, @args) = @_;
    spurt("$dir/in.json", $json);
    my @mod = @modules ? map { ('--module', $_) } @modules : ('--no-module');
    my $cmd = join ' ', map { "'$_'" } $bin, @mod, '--htpasswd-dir', $dir,
        '--cache-dir', "$dir/cache", @args, "$dir/in.json";
    system("$cmd > $dir/out.conf 2> $dir/err.txt");
    return ($? >> 8, slurp("$dir/out.conf"), slurp("$dir/err.txt"));
}

sub config {
    my ($name) = @_;
    my $s = slurp("$root/test/convert/$name.json");
    $s =~ s/\@(\w+)\@/$ports{$1}/g;
    return $s;
}

sub nginx_t {
    my ($conf) = @_;
    spurt("$dir/conf/test.conf", $conf);
    my $out = `'$nginx' -t -p '$dir/' -c conf/test.conf 2>&1`;
    return ($? == 0, $out);
}

# the converted include, with two echoing backends and the control API
sub start {
    my ($include) = @_;
    nginx_stop();
    spurt("$dir/conf/converted.conf", $include);
    my $load = join '', map { "load_module $_;\n" } @modules;
    my $echo = 'uri=$request_uri host=$http_host xff=$http_x_forwarded_for'
        . ' real=$http_x_real_ip proto=$http_x_forwarded_proto api=$http_x_api'
        . ' cost=$http_x_cost cookie=$http_cookie rid=$http_x_request_id';
    spurt("$dir/conf/nginx.conf", <<"CONF");
${load}worker_processes 1;
master_process on;
daemon on;
error_log logs/error.log info;
pid logs/nginx.pid;
events { worker_connections 256; }
http {
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    include converted.conf;
    server {
        listen 127.0.0.1:$ports{B1};
        client_max_body_size 0;
        location / {
            add_header X-Secret s;
            add_header X-Served-By backend;
            return 200 "b1 $echo\\n";
        }
    }
    server {
        listen 127.0.0.1:$ports{B2};
        location / { return 200 "b2 $echo\\n"; }
    }
    server {
        listen 127.0.0.1:$ports{CTL};
        location /api/ { routini_api; }
    }
}
CONF
    unlink "$dir/logs/nginx.pid";
    if (system($nginx, '-p', "$dir/", '-c', 'conf/nginx.conf') != 0) {
        diag(slurp("$dir/logs/error.log"));
        return 0;
    }

    return wait_for(sub { (http($ports{B1}, 'GET /'))[0] == 200 });
}

# http(PORT, "METHOD PATH", HEADERS, BODY): (status, headers, body)
sub http {
    my ($port, $line, $headers, $body) = @_;
    my ($method, $path) = split ' ', $line;
    my ($st, $b, $h) = http_to($port, $path, $method, $body, $headers);
    return ($st, $h // '', $b // '');
}

sub get { http($ports{PORT}, @_) }

sub auth { 'Authorization: Basic ' . encode_base64($_[0], '') . "\r\n" }

# HTTPS through openssl s_client: (response, s_client's own output)
sub https {
    my ($path, $alpn) = @_;
    my $a = $alpn ? "-alpn $alpn" : '';
    my $out = `printf 'GET $path HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' \\
        | openssl s_client -connect 127.0.0.1:$ports{TLS} $a -ign_eof 2>&1`;
    return $out;
}


# -- basic: every default ---------------------------------------------

my ($rc, $out, $err) = convert(config('basic'));
is($rc, 0, 'basic: converted') or diag($err);
my ($ok, $t) = nginx_t($out);
ok($ok, 'basic: nginx -t on the whole nginx.conf') or diag($t, $out);
like($out, qr/^load_module \Q$modules[0]\E;$/m, 'basic: loads the module')
    if @modules;
like($out, qr/routini_health_check interval=1s timeout=1s type=tcp;/,
     'basic: active health checks every second by default');
like($out, qr/max_fails=0;/, 'basic: passive health off by default');
like($out, qr/proxy_next_upstream_tries 2;/,
     'basic: one retry by default, two tries');
like($out, qr/client_max_body_size 0;/, 'basic: no body limit by default');

($rc, $out, $err) = convert(config('basic'), '--include');
is($rc, 0, 'basic: converted as an include');
unlike($out, qr/load_module|^http \{/m, 'basic: the include has no main '
       . 'or http context');
ok(start($out), 'basic: nginx started with the include');

my ($st, $h, $b) = get('GET /api/hello/world?x=1', "X-Forwarded-For: 6.6.6.6\r\n");
is($st, 200, 'basic: routed');
like($b, qr{^b1 uri=/hello/world host=localhost xff=127\.0\.0\.1 real=127\.0\.0\.1 proto=http },
     'basic: prefix stripped, query dropped, Host kept, forwarded headers '
     . 'reset to the client');
is((get('GET /elsewhere'))[0], 404, 'basic: no route, 404');

($st, $h, $b) = http($ports{API}, 'POST /anything',
    "Content-Type: application/x-www-form-urlencoded\r\n",
    '{"path":"/api/x","strategy":"FewestConnections"}');
is($st, 200, 'basic: strategy endpoint, curl -d at any path');
($st, $h, $b) = http($ports{CTL}, 'GET /api/upstreams/route_0');
like($b, qr/"strategy":"fewest_connections"/,
     'basic: the route\'s upstream has the strategy set');


# -- features: end to end ---------------------------------------------

($rc, $out, $err) = convert(config('features'), '--include');
is($rc, 0, 'features: converted') or diag($err);
ok(start($out), 'features: nginx started') or diag($out);

($st, $h, $b) = get('GET /api/x?q=1', "Cookie: c=1\r\nAccept-Encoding: identity\r\n");
is($st, 200, 'features: routed');
like($b, qr{ api=1 cost=\$5 cookie= rid=([0-9a-f]{32})$}m,
     'features: set_request (a "$" kept), remove_request, request id sent');
my ($rid) = $b =~ /rid=([0-9a-f]{32})/;
like($h, qr/^X-Request-Id: \Q${\($rid \/\/ 'none')}\E\r?$/mi,
     'features: the same request id in the response');
my @served = $h =~ /^X-Served-By: (.*?)\r?$/mgi;
is("@served", 'routini', 'features: add_response replaces the upstream\'s');
unlike($h, qr/^X-Secret:/mi, 'features: remove_response hides it');
unlike($h, qr/^Strict-Transport-Security:/mi, 'features: no HSTS over HTTP');

($st, $h, $b) = get('GET /api/x', "Accept-Encoding: gzip\r\n");
like($h, qr/^Content-Encoding: gzip\r?$/mi, 'features: compression_level: gzip');

($st, $h, $b) = get('GET /keep/a?q=1', "X-Forwarded-For: 6.6.6.6\r\n");
like($b, qr{^b1 uri=/keep/a\?q=1 host=backend\.internal xff=6\.6\.6\.6 real= },
     'features: strip_prefix false keeps path and query; Host set; '
     . 'forwarded false leaves the headers as sent');

($st, $h) = get('GET /old?x=1');
is($st, 301, 'features: redirect, 301 by default');
like($h, qr{^Location: https://example\.com/old\?x=1\r?$}m,
     'features: redirect location with $request_uri');
($st, $h) = get('GET /moved/7');
is($st, 308, 'features: redirect status');
like($h, qr{^Location: /new/moved/7\r?$}m,
     'features: $uri, a relative location sent as written');
($st, $h, $b) = get('GET /gone');
is("$st $b", '410 gone $x', 'features: return with a body, "$" literal');
is((get('GET /empty'))[0], 204, 'features: return without a body');

my @limited = map { (get('GET /limited'))[0] } 1 .. 3;
is("@limited", '200 429 429', 'features: rate limit, then 429');

# a backend that answers once released: one connection in use
my $held = held_request('/held');
ok(wait_for(sub { held_count() == 1 }), 'features: a request held');
is((get('GET /held'))[0], 429, 'features: max_connections, then 429');
release();
ok(wait_for(sub { defined $held->() }), 'features: the held request ends');
is($held->(), 200, 'features: ... answered');

($st, $h) = get('GET /private/a');
is($st, 401, 'features: basic auth asks');
like($h, qr/^WWW-Authenticate: Basic realm="Staff"/mi, 'features: the realm');
is((get('GET /private/a', auth('alice:s3cret')))[0], 200,
   'features: basic auth, right password');
is((get('GET /private/a', auth('bob:pa:ss')))[0], 200,
   'features: a password with a colon');
is((get('GET /private/a', auth('alice:wrong')))[0], 401,
   'features: wrong password');
like(slurp("$dir/route_7.htpasswd"), qr/^alice:\$6\$[^:\n]+\nbob:\$6\$/,
     'features: htpasswd written, hashed');

is((get('GET /blocked'))[0], 403, 'features: access rules');
is((get('POST /small', '', 'x' x 20))[0], 413, 'features: max_body_size');
is((get('POST /small', '', 'x' x 10))[0], 200, 'features: max_body_size, '
   . 'a body of that size');
is((get('POST /api/x', '', 'x' x 1100000))[0], 200, 'features: no body '
   . 'limit by default, not nginx\'s 1m');

($st, $h, $b) = get('GET /re/42?z=1');
like($b, qr{^b2 uri=/re/42\?z=1 }, 'features: regex route, path whole');

($st, $h, $b) = get('GET /v1/z', "Host: API.example.com\r\n");
like($b, qr{^b2 uri=/z }, 'features: host route');
($st, $h, $b) = get('GET /api/x', "Host: api.example.com\r\n");
is($st, 404, 'features: a host has only its own routes');
($st, $h, $b) = get('GET /v1/z');
is("$st $b", '404 <h1>nope</h1>', 'features: error page');
like($h, qr{^Content-Type: text/html}mi, 'features: error page type');

ok(wait_for(sub { (get('GET /down'))[0] == 500 }),
   'features: 500 once the health check finds no live backend, as routini');
($st, $h, $b) = get('GET /down');
like($h, qr{^Content-Type: text/html}mi, 'features: ... from @routini_502');

sub api_hits {
    my (undef, undef, $m) = http($ports{METRICS}, 'GET /any');
    my $n = 0;
    $n += $1 while $m =~ /^routini_requests_total\{route="\/api\/\{\*rest\}"[^}]*\} (\d+)$/mg;
    return $n;
}
my $before = api_hits();
ok($before > 0, 'features: metrics on the Prometheus address, at any path');
get('GET /api/count') for 1 .. 3;
is(api_hits() - $before, 3, 'features: a request counted once, though '
   . 'routed in location / and in the route\'s named location');

my $tls = https('/api/x', 'h2,http/1.1');
like($tls, qr/ALPN protocol: h2/, 'features: TLS listener with h2');
$tls = https('/api/x');
like($tls, qr/^Strict-Transport-Security: max-age=600\r?$/m,
     'features: HSTS over TLS');

nginx_stop();


# -- paths: a "*" inside a segment, and "%" escapes -------------------
# matchit's "/api*" is "/api{*rest}", which the module refuses: a regex
# route "~^/api" instead (it cannot strip); "%20" is decoded, since the
# module matches the decoded path

sub route_json {
    my ($path, $port, $more) = @_;
    return qq({"path":"$path"$more,"load_balancer":{"upstreams":)
        . qq([{"address":"127.0.0.1:$port"}]}});
}

my $paths = qq({"proxy":{"listener":$ports{PORT},"router":[)
    . join(',', route_json('/api*', $ports{B1}, ''),
                route_json('/v1.0*', $ports{B2}, ',"strip_prefix":false'),
                route_json('/a%20b/{id}', $ports{B2}, ''),
                route_json('/c%3Ad%7B/*', $ports{B1}, ''))
    . ']}}';

($rc, $out, $err) = convert($paths, '--include');
is($rc, 0, 'paths: converted') or diag($err);
like($err, qr/^routini-convert: warning: proxy\.router\[0\]\.path: "\/api\*" .*regex route "~\^\/api"/m,
     'paths: a "*" inside a segment: warned, a regex route');
like($err, qr/^routini-convert: warning: proxy\.router\[0\]\.strip_prefix: .*cannot strip/m,
     'paths: ... which cannot strip, warned');
unlike($err, qr/proxy\.router\[1\]\.strip_prefix/,
       'paths: no strip warning with strip_prefix false');
like($err, qr/^routini-convert: warning: proxy\.router\[2\]\.path: "\/a%20b\/\{id\}" is decoded to "\/a b\/\{id\}"/m,
     'paths: "%20" decoded, warned');
like($out, qr/^\s*routini_route "~\^\/api" route_0;$/m,
     'paths: the regex route');
like($out, qr/^\s*routini_route "~\^\/v1\\\\\.0" route_1;$/m,
     'paths: its prefix escaped in the regex');
like($out, qr/^\s*routini_route "\/a b\/\{id\}" route_2;$/m,
     'paths: the decoded pattern');
like($out, qr/^\s*routini_route "\/c\\\\:d\{\{\/\{\*rest\}" route_3 strip_prefix;$/m,
     'paths: a decoded ":" and "{" escaped in the pattern');
ok(start($out), 'paths: nginx started') or diag($out);

($st, $h, $b) = get('GET /apix?q=1');
like("$st $b", qr{^200 b1 uri=/apix\?q=1 }, 'paths: /apix routed, whole');
($st, $h, $b) = get('GET /api/x');
like("$st $b", qr{^200 b1 uri=/api/x }, 'paths: /api/x routed');
is((get('GET /v1x0'))[0], 404, 'paths: "." literal in the regex');
($st, $h, $b) = get('GET /v1.0/z');
like("$st $b", qr{^200 b2 uri=/v1\.0/z }, 'paths: /v1.0/z routed');
($st, $h, $b) = get('GET /a%20b/7');
like("$st $b", qr{^200 b2 uri=/a%20b/7 }, 'paths: /a%20b/7 routed');
($st, $h, $b) = get('GET /c:d%7B/e');
like("$st $b", qr{^200 b1 uri=/e }, 'paths: /c:d{/e routed, stripped');
nginx_stop();

for my $case (['/a%2', '"%2" is not'], ['/a%zzb', '"%zz" is not'],
              ['/a%00', '"%00"'], ['/a/%2a', '"/a/%2a": a "*" decoded'])
{
    my ($path, $why) = @$case;
    ($rc, $out, $err) = convert(qq({"proxy":{"listener":80,"router":[)
                                . route_json($path, 1, '') . ']}}');
    is($rc, 1, "paths: $path refused");
    like($err, qr/^routini-convert: error: proxy\.router\[0\]\.path: \Q$why\E/m,
         "paths: $path refused with its JSON path") or diag($err);
}


# -- full: every field, warnings by JSON path --------------------------

($rc, $out, $err) = convert(config('full'), '--nginx-version', '1.22.1');
is($rc, 0, 'full: converted') or diag($err);
($ok, $t) = nginx_t($out);
ok($ok, 'full: nginx -t') or diag($t, $out);

for my $w (
    'server.a_future_field: unknown field',
    'server.compression_level: 12 is above',
    'server.error_pages.200: nginx\'s error_page takes 300-599',
    'server.grace_period_seconds: ',
    'server.upstream_keepalive_pool_size: ',
    'server.prometheus_address: routini exports Pingora\'s metrics',
    'proxy.router[0].load_balancer.adaptive_lb_opt.latency_smoothing_factor: 1.5',
    'proxy.router[0].load_balancer.adaptive_lb_opt.connections_divergence_ratio: 0.5',
    'proxy.router[0].load_balancer.adaptive_lb_opt.evaluate_strategy_frequency_secs: 0',
    'proxy.router[0].load_balancer.adaptive_lb_opt.hysteresis_exit_factor: 0',
    'proxy.router[0].load_balancer.strategy: routini hashes an empty key',
    'proxy.router[0].load_balancer.max_iterations: ignored',
    'proxy.router[0].upstream_tls.verify: nginx needs a CA file',
    'proxy.router[0].upstream_tls.h2: ',
    'proxy.router[0].headers.remove_response[0]: nginx writes its own Server',
    'proxy.router[1].strip_prefix: no catch-all',
    'proxy.router[1].passive_health.max_fails: 0 ejects',
    'proxy.router[1].timeouts.connect_ms: 0',
    'proxy.router[1].access.basic_auth_realm: no basic_auth users',
    'proxy.router[2].strip_prefix: a regex route',
    'proxy.router[3].load_balancer.upstreams: not used',
) {
    like($err, qr/^routini-convert: warning: \Q$w\E/m, "full: warns $w");
}

for my $l (
    'worker_processes 2;', 'worker_shutdown_timeout 60s;', 'access_log off;',
    'gzip_comp_level 9;', "listen $ports{TLS} ssl http2 default_server;",
    'return 301 https://$http_host$request_uri;',
    'routini_adaptive interval=100ms connections_ratio=1 latency_ratio=2 '
        . 'min_connections=1000 hysteresis=0.01 smoothing=1;',
    'server 10.0.0.1:8080 weight=2 max_fails=3 fail_timeout=10s;',
    'server [::1]:8080 weight=1 max_fails=3 fail_timeout=10s;',
    'routini_health_check interval=5s timeout=1s type=tcp;',
    'server 127.0.0.1:' . $ports{B1} . ' weight=1 max_fails=1 fail_timeout=10s;',
    'keepalive 1024;', 'keepalive_timeout 60000ms;',
    'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    'proxy_next_upstream_tries 3;', 'proxy_next_upstream off;',
    'proxy_ssl_name "api.internal";', 'proxy_ssl_verify off;',
    'proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;',
    'proxy_pass https://route_0;', 'limit_conn route_0_conn 20;',
    'limit_req zone=route_0_rate burst=99 nodelay;',
    'limit_req_zone $binary_remote_addr zone=route_1_rate:1m rate=150r/m;',
    'proxy_cache_valid 200 301 302 30s;', 'client_max_body_size 1048576;',
    'proxy_connect_timeout 500ms;', 'proxy_read_timeout 5000ms;',
    'proxy_send_timeout 5000ms;', 'server_name "api.example.com";',
    'routini_route "~^/re/(?<id>[0-9]+)$" route_2;',
    'routini_route "/r/{name}.png" route_3;', 'return 200 "png";',
    'error_page 502 @routini_502;', 'error_page 502 = @routini_502;',
    'return 502 "<h1>down</h1>";',
) {
    like($out, qr/^\s*\Q$l\E$/m, "full: $l");
}
unlike($out, qr/upstream route_0 \{[^}]*routini_health_check/,
       'full: health_check_interval_secs 0, no active checks');
like(slurp("$dir/route_0.htpasswd"), qr/^user:\$6\$/, 'full: htpasswd');

($rc, $out) = convert(config('full'), '--nginx-version', '1.25.1');
like($out, qr/^\s*listen $ports{TLS} ssl default_server;\n(?:.*\n)?\s*http2 on;$/m,
     'full: "http2 on;" from nginx 1.25.1');

# in an http{} like Debian's nginx.conf, which sets gzip and access_log
($rc, $out, $err) = convert(config('full'), '--include');
($ok, $t) = nginx_t(join('', map { "load_module $_;\n" } @modules)
                    . "events {}\nhttp {\n    gzip on;\n"
                    . "    access_log logs/access.log;\n$out}\n");
ok($ok, 'full: nginx -t on the include in an http{} with gzip on') or diag($t);


# -- the command ------------------------------------------------------

my $help = `'$bin' --help`;
ok($? == 0 && $help =~ /^usage: routini-convert / && $help =~ /--include/
   && $help =~ /--nginx-version/, '--help: usage, exit status 0');
`'$bin' --bogus 2>/dev/null`;
is($? >> 8, 2, 'an unknown option: exit status 2');
`'$bin' $dir/no-such.json 2>/dev/null`;
is($? >> 8, 2, 'a missing file: exit status 2');
$out = `'$bin' --no-module --include < '$root/test/fuzz/corpus/convert/basic.json' 2>/dev/null`;
like($out, qr/^\s*upstream route_0 \{$/m, 'the configuration read from stdin');


# -- refused: exit status 1, the JSON path, nothing written ------------

my $route = '"path":"/a","load_balancer":{"upstreams":[{"address":"127.0.0.1:1"}]}';
for my $case (
    ['{"proxy":', qr/invalid JSON at line 1, column 10: unexpected end/],
    ['[1]', qr/error: \(top level\): expected an object/],
    ['{"server":{}}', qr/error: proxy: required/],
    ['{"proxy":{"router":[]}}', qr/error: proxy\.listener: required/],
    ['{"proxy":{"listener":"80","router":[]}}',
     qr/error: proxy\.listener: expected a whole number/],
    ['{"proxy":{"listener":70000,"router":[]}}',
     qr/error: proxy\.listener: over 65535/],
    ['{"proxy":{"listener":80.5,"router":[]}}',
     qr/error: proxy\.listener: expected a whole number/],
    ['{"proxy":{"listener":80}}', qr/error: proxy\.router: required/],
    ['{"proxy":{"listener":80,"tls":{"listener":443},"router":[]}}',
     qr/error: proxy\.tls\.cert_path: required/],
    ['{"proxy":{"listener":80,"router":[{"load_balancer":{"upstreams":[]}}]}}',
     qr/error: proxy\.router\[0\]\.path: required/],
    ['{"proxy":{"listener":80,"router":[{"path":"/a"}]}}',
     qr/error: proxy\.router\[0\]\.load_balancer: required/],
    ['{"proxy":{"listener":80,"router":[{"path":"/a","load_balancer":{"upstreams":[]}}]}}',
     qr/error: proxy\.router\[0\]\.load_balancer\.upstreams: empty/],
    ['{"proxy":{"listener":80,"router":[{' . $route . ',"regex":"yes"}]}}',
     qr/error: proxy\.router\[0\]\.regex: expected true or false/],
    ['{"proxy":{"listener":80,"router":[{"path":"/a","load_balancer":{"strategy":"Fastest","upstreams":[{"address":"127.0.0.1:1"}]}}]}}',
     qr/error: proxy\.router\[0\]\.load_balancer\.strategy: unknown strategy "Fastest"/],
    ['{"proxy":{"listener":80,"router":[{"path":"/a","load_balancer":{"upstreams":[{"address":"localhost:80"}]}}]}}',
     qr/error: proxy\.router\[0\]\.load_balancer\.upstreams\[0\]\.address: "localhost:80" is not an IP:port/],
    ['{"proxy":{"listener":80,"router":[{' . $route . ',"headers":{"set_request":{"Bad Name":"1"}}}]}}',
     qr/error: proxy\.router\[0\]\.headers\.set_request\.Bad Name: "Bad Name" is not a header name/],
    ['{"proxy":{"listener":80,"router":[{' . $route . ',"access":{"deny":["10.0.0.300"]}}]}}',
     qr/error: proxy\.router\[0\]\.access\.deny\[0\]: "10\.0\.0\.300" is not/],
    ['{"proxy":{"listener":80,"router":[{' . $route . ',"action":{"rewrite":{}}}]}}',
     qr/error: proxy\.router\[0\]\.action: expected \{"redirect"/],
    ['{"proxy":{"listener":80,"router":[{' . $route . '},{' . $route . '}]}}',
     qr/error: proxy\.router\[1\]\.path: "\/a" is already the path/],
    ['{"server":{"set_strategy_endpoint":"5000"},"proxy":{"listener":80,"router":[]}}',
     qr/error: server\.set_strategy_endpoint: "5000" is not an IP:port/],
) {
    my ($json, $re) = @$case;
    ($rc, $out, $err) = convert($json);
    is($rc, 1, "refused, exit status 1: $json");
    like($err, $re, "the reason with its JSON path: $json");
    is($out, '', "nothing written: $json");
}

done_testing();
