# Counters stay exact across reloads under traffic: 4,000 requests from a
# client process while the master is sent HUP eight times (one reload per
# 450 requests answered, not on a timer), two workers.  Every request is
# answered 200 and counted once: the route's 2xx counter and its histogram
# count are 4000.

use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET;
use POSIX ();
use Time::HiRes ();

master_on();
workers(2);
no_shuffle();
no_root_location();
log_level('notice');

our $Requests = 4000;
our $Reloads = 8;

sub progress {
    my $file = shift;
    open my $in, '<', $file or return 0;
    my $n = <$in>;
    close $in;
    return $n || 0;
}

# the client: $Requests requests, one connection each; writes how many were
# answered so far, and at the end how many were answered 200
sub client {
    my ($file) = @_;
    my $port = server_port();
    my $ok = 0;

    for my $i (1 .. $Requests) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $port, Timeout => 10);
        if ($s) {
            print $s "GET /api/r$i HTTP/1.0\r\nHost: localhost\r\n\r\n";
            local $/;
            my $resp = <$s> // '';
            $ok++ if $resp =~ m{^HTTP/1\.[01] 200 };
            close $s;
        }

        if ($i % 50 == 0 || $i == $Requests) {
            open my $out, '>', "$file.tmp" or POSIX::_exit(1);
            print $out $i;
            close $out;
            rename "$file.tmp", $file;
        }
    }

    open my $out, '>', "$file.ok" or POSIX::_exit(1);
    print $out $ok;
    close $out;
    POSIX::_exit(0);
}

sub reloads_under_traffic {
    my $file = server_root() . '/logs/client.progress';
    unlink $file, "$file.ok";

    my $pid = fork;
    die "fork: $!" unless defined $pid;
    client($file) if $pid == 0;

    my $pidfile = server_root() . '/logs/nginx.pid';
    open my $in, '<', $pidfile or die "$pidfile: $!";
    chomp(my $master = <$in>);
    close $in;

    for my $k (1 .. $Reloads) {
        # wait (30 s at most) for the client to have k * 450 answers
        for (1 .. 600) {
            last if progress($file) >= $k * 450;
            Time::HiRes::sleep(0.05);
        }
        kill 'HUP', $master;
    }

    waitpid $pid, 0;

    Test::More::is(progress("$file.ok"), $Requests,
                   "every request answered 200 during $Reloads reloads");
}

run_tests();

__DATA__

=== TEST 1: 4000 requests during 8 reloads: every one counted once
--- http_config
    # the backends are served by the nginx being reloaded: a connection an
    # old worker accepts as it leaves is reset, and the request tries the
    # next peer (four of them, none taken out for a failure)
    upstream pool {
        routini_balancer round_robin;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 max_fails=0;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2 max_fails=0;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3 max_fails=0;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_4 max_fails=0;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_4;
        access_log off;
        location / { return 200 "ok\n"; }
    }
--- config
    access_log off;
    location = /metrics { routini_metrics; }
    location / {
        routini_route "/api/{*rest}" pool name=api;
        proxy_pass http://$routini_upstream;
    }
--- init
main::reloads_under_traffic();
--- request
GET /metrics
--- response_body_like eval
qr/routini_requests_total\{route="api",upstream="pool",code="2xx"\} 4000\n(?:.*\n)*routini_request_duration_seconds_count\{route="api"\} 4000\n/
--- timeout: 10
--- error_log eval
[qr/\[notice\] .*signal 1 \(SIGHUP\) received/, qr/\[notice\] .*reconfiguring/]
--- no_error_log eval
['[alert]', '[crit]', '[emerg]', 'signal 11', 'exited on signal']
