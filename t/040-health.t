# routini_health_check: probes mark peers down and up again, unhealthy
# peers get no traffic, and an upstream with no healthy peer answers 502
# "no live upstreams".
#
# The backends are servers of the test nginx itself.  Backend B answers
# /health with 200 while the file html/b-up exists and 503 otherwise, so a
# block switches B's health by creating or removing that file.  A block's
# "init" waits (polling the error log, 10 s at most) for the state change
# the balancer logs, so no assertion depends on timing.

use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET;
use Time::HiRes ();

# fixed for the whole file, so that blocks share one configuration
sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, ReuseAddr => 1)
        or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

$ENV{TEST_NGINX_HC_A}    ||= free_port();
$ENV{TEST_NGINX_HC_B}    ||= free_port();
$ENV{TEST_NGINX_HC_DEAD} ||= free_port();   # nothing listens there
$ENV{TEST_NGINX_HC_DOWN} ||= free_port();   # nor there

# the line the balancer logs when a peer changes health
sub state_line {
    my ($upstream, $port, $state) = @_;
    return qr/routini: upstream "$upstream" peer 127\.0\.0\.1:$port is $state\b/;
}

# the peer's current state: the last state line logged since start-up
sub peer_state {
    my ($upstream, $port) = @_;
    my $file = server_root() . '/logs/error.log';
    my $state = 'healthy';
    open my $in, '<', $file or return $state;
    my ($up, $down) = (state_line($upstream, $port, 'healthy'),
                       state_line($upstream, $port, 'unhealthy'));
    while (my $l = <$in>) {
        $state = 'healthy' if $l =~ $up;
        $state = 'unhealthy' if $l =~ $down;
    }
    close $in;
    return $state;
}

sub wait_state {
    my ($upstream, $port, $state) = @_;
    for (1 .. 200) {
        return 1 if peer_state($upstream, $port) eq $state;
        Time::HiRes::sleep(0.05);
    }
    die "peer 127.0.0.1:$port of upstream \"$upstream\" not $state after 10s\n";
}

sub b_up {
    my $up = shift;
    my $file = html_dir() . '/b-up';
    if ($up) {
        open my $out, '>', $file or die "$file: $!";
        print $out "ok\n";
        close $out;
    } else {
        unlink $file;
    }
}

our $HttpConfig = <<'_EOC_';
    upstream hc_tcp {
        routini_balancer round_robin;
        routini_health_check interval=100ms timeout=1s fall=2 rise=1;
        server 127.0.0.1:$TEST_NGINX_HC_A;
        server 127.0.0.1:$TEST_NGINX_HC_DEAD;
    }

    upstream hc_dup {
        routini_balancer round_robin;
        routini_health_check interval=100ms;
        server 127.0.0.1:$TEST_NGINX_HC_DEAD;
        server 127.0.0.1:$TEST_NGINX_HC_A;
        server 127.0.0.1:$TEST_NGINX_HC_DEAD;
        server 127.0.0.1:$TEST_NGINX_HC_DOWN down;
    }

    upstream hc_http {
        routini_balancer round_robin;
        routini_health_check type=http uri=/health expect=200-299
                             interval=100ms timeout=1s fall=2 rise=2;
        server 127.0.0.1:$TEST_NGINX_HC_A;
        server 127.0.0.1:$TEST_NGINX_HC_B;
    }

    upstream hc_solo {
        routini_balancer round_robin;
        routini_health_check type=http interval=100ms fall=1 rise=1;
        server 127.0.0.1:$TEST_NGINX_HC_B;
    }

    upstream hc_range {
        routini_balancer round_robin;
        routini_health_check type=http uri=/status/302 expect=200-299
                             interval=100ms;
        server 127.0.0.1:$TEST_NGINX_HC_A;
        server 127.0.0.1:$TEST_NGINX_HC_B;
    }

    upstream hc_exact {
        routini_balancer round_robin;
        routini_health_check type=http uri=/status/204 expect=204
                             host=probe.example interval=100ms;
        server 127.0.0.1:$TEST_NGINX_HC_A;
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_HC_A;
        location = /health { return 200 "ok\n"; }
        location = /status/302 { return 302 /elsewhere; }
        location = /status/204 {
            if ($host != "probe.example") { return 500; }
            return 204;
        }
        location / { return 200 "A\n"; }
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_HC_B;
        root html;
        location = /health { try_files /b-up =503; }
        location = /status/302 { return 200 "ok\n"; }
        location / { return 200 "B\n"; }
    }
_EOC_

our $Config = <<'_EOC_';
    location /tcp   { proxy_pass http://hc_tcp/; }
    location /dup   { proxy_pass http://hc_dup/; }
    location /http  { proxy_pass http://hc_http/; }
    location /solo  { proxy_pass http://hc_solo/; }
    location /range { proxy_pass http://hc_range/; }
    location /exact { proxy_pass http://hc_exact/; }
_EOC_

add_block_preprocessor {
    my $block = shift;
    $block->set_value('http_config', $HttpConfig)
        unless defined $block->http_config;
    $block->set_value('config', $Config) unless defined $block->config;
    return;
};

workers(2);
master_on();
no_shuffle();
run_tests();

__DATA__

=== TEST 1: type=tcp marks a closed port unhealthy
--- init
main::wait_state('hc_tcp', $ENV{TEST_NGINX_HC_DEAD}, 'unhealthy');
--- request
GET /tcp
--- response_body
A
--- error_log eval
main::state_line('hc_tcp', $ENV{TEST_NGINX_HC_DEAD}, 'unhealthy')



=== TEST 2: type=tcp: the unhealthy peer gets no requests
--- init
main::wait_state('hc_tcp', $ENV{TEST_NGINX_HC_DEAD}, 'unhealthy');
--- request eval
[("GET /tcp") x 10]
--- response_body eval
[("A\n") x 10]
--- no_error_log eval
qr/upstream: "http:\/\/127\.0\.0\.1:$ENV{TEST_NGINX_HC_DEAD}/



=== TEST 3: type=http: a status out of expect= marks the peer unhealthy
--- init
main::b_up(1);
main::wait_state('hc_http', $ENV{TEST_NGINX_HC_B}, 'healthy');
main::b_up(0);
main::wait_state('hc_http', $ENV{TEST_NGINX_HC_B}, 'unhealthy');
--- request
GET /http
--- response_body
A
--- error_log eval
main::state_line('hc_http', $ENV{TEST_NGINX_HC_B}, 'unhealthy')



=== TEST 4: type=http: the unhealthy peer gets no requests
--- init
main::b_up(0);
main::wait_state('hc_http', $ENV{TEST_NGINX_HC_B}, 'unhealthy');
--- request eval
[("GET /http") x 10]
--- response_body eval
[("A\n") x 10]



=== TEST 5: no healthy peer: 502 "no live upstreams"
--- init
main::b_up(0);
main::wait_state('hc_solo', $ENV{TEST_NGINX_HC_B}, 'unhealthy');
--- request
GET /solo
--- error_code: 502
--- error_log
no live upstreams while connecting to upstream



=== TEST 6: a peer that answers again is healthy after rise probes
--- init
main::b_up(0);
main::wait_state('hc_solo', $ENV{TEST_NGINX_HC_B}, 'unhealthy');
main::b_up(1);
main::wait_state('hc_solo', $ENV{TEST_NGINX_HC_B}, 'healthy');
--- request
GET /solo
--- response_body
B
--- error_log eval
main::state_line('hc_solo', $ENV{TEST_NGINX_HC_B}, 'healthy')



=== TEST 7: rise=2: a recovered peer is healthy again
--- init
main::b_up(0);
main::wait_state('hc_http', $ENV{TEST_NGINX_HC_B}, 'unhealthy');
main::b_up(1);
main::wait_state('hc_http', $ENV{TEST_NGINX_HC_B}, 'healthy');
--- request
GET /http
--- response_body_like
^[AB]$
--- error_log eval
main::state_line('hc_http', $ENV{TEST_NGINX_HC_B}, 'healthy')



=== TEST 8: the recovered peer takes requests again
--- init
main::b_up(0);
main::wait_state('hc_solo', $ENV{TEST_NGINX_HC_B}, 'unhealthy');
main::b_up(1);
main::wait_state('hc_solo', $ENV{TEST_NGINX_HC_B}, 'healthy');
--- request eval
[("GET /solo") x 6]
--- response_body eval
[("B\n") x 6]



=== TEST 9: a 302 is out of expect=200-299: only B takes requests
--- init
main::wait_state('hc_range', $ENV{TEST_NGINX_HC_A}, 'unhealthy');
--- request eval
[("GET /range") x 6]
--- response_body eval
[("B\n") x 6]



=== TEST 10: expect=204 with host=: a 204 answer keeps the peer healthy
--- init
main::wait_state('hc_range', $ENV{TEST_NGINX_HC_A}, 'unhealthy');
--- request eval
[("GET /exact") x 4]
--- response_body eval
[("A\n") x 4]
--- no_error_log eval
main::state_line('hc_exact', $ENV{TEST_NGINX_HC_A}, 'unhealthy')



=== TEST 11: a peer listed twice gets no requests at either place; "down" peers are not probed
--- init
main::wait_state('hc_tcp', $ENV{TEST_NGINX_HC_DEAD}, 'unhealthy');
main::wait_state('hc_dup', $ENV{TEST_NGINX_HC_DEAD}, 'unhealthy');
--- request eval
[("GET /dup") x 6]
--- response_body eval
[("A\n") x 6]
--- no_error_log eval
[
    qr/upstream: "http:\/\/127\.0\.0\.1:$ENV{TEST_NGINX_HC_DEAD}/,
    qr/health check of "127\.0\.0\.1:$ENV{TEST_NGINX_HC_DOWN}"/,
]
