# routini_health_check across "nginx -s reload": the health of a peer is
# adopted by the new configuration, not reset.
#
# Backend B (a server of the test nginx) answers /health with 200 only while
# the file html/b-up exists.  Its other locations always answer, so a
# request that reaches B would succeed: a 502 right after the reload shows
# that the new workers kept B unhealthy instead of starting from healthy.

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

$ENV{TEST_NGINX_HC_B} ||= free_port();

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

# B unhealthy, then reload and wait for the new workers
sub unhealthy_then_reload {
    unlink html_dir() . '/b-up';
    wait_log(qr/routini: upstream "hc_solo" peer 127\.0\.0\.1:\d+ is unhealthy/, 0);

    my $pidfile = server_root() . '/logs/nginx.pid';
    open my $in, '<', $pidfile or die "$pidfile: $!";
    my $pid = <$in>;
    close $in;
    chomp $pid;

    my $from = length log_text();
    kill 'HUP', $pid or die "kill HUP $pid: $!";
    wait_log(qr/start worker process/, $from);
}

workers(2);
master_on();
no_shuffle();
run_tests();

__DATA__

=== TEST 1: an unhealthy peer stays unhealthy across a reload
--- http_config
    upstream hc_solo {
        routini_balancer round_robin;
        routini_health_check type=http interval=100ms fall=1 rise=1;
        server 127.0.0.1:$TEST_NGINX_HC_B;
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_HC_B;
        root html;
        location = /health { try_files /b-up =503; }
        location / { return 200 "B\n"; }
    }
--- config
    location /solo { proxy_pass http://hc_solo/; }
--- init
main::unhealthy_then_reload();
--- request
GET /solo
--- error_code: 502
--- error_log
no live upstreams while connecting to upstream
--- no_error_log eval
qr/routini: upstream "hc_solo" peer 127\.0\.0\.1:\d+ is healthy/
