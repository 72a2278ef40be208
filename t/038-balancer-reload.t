# Balancer state lives in the routini zone and is adopted across
# "nginx -s reload": the adaptive engine's decision and the latency
# averages it rests on survive, so the new workers keep using fastest.
#
# The init code drives latency apart (B 200 ms, A 10 ms) until the engine
# logs its switch to fastest, then sends SIGHUP and waits for the new
# workers; the request then runs in a new worker.

use Test::Nginx::Socket 'no_plan';

# the echo module (echo_sleep backends): TEST_NGINX_ECHO_MODULE, by default
# Debian's libnginx-mod-http-echo
$ENV{TEST_NGINX_ECHO_MODULE} ||= '/usr/lib/nginx/modules/ngx_http_echo_module.so';
use IO::Socket::INET;
use Time::HiRes ();

sub log_text {
    my $file = server_root() . '/logs/error.log';
    open my $in, '<', $file or return '';
    local $/;
    my $text = <$in>;
    close $in;
    return $text;
}

sub wait_log {
    my ($re, $from, $poke) = @_;
    for (1 .. 200) {
        return 1 if substr(log_text(), $from) =~ $re;
        $poke ? $poke->() : Time::HiRes::sleep(0.05);
    }
    die "$re not logged after 200 tries\n";
}

sub get {
    my $path = shift;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => server_port(), Timeout => 5)
        or die "connect: $!";
    print $s "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";
    local $/;
    my $resp = <$s>;
    close $s;
    return $resp;
}

sub fastest_then_reload {
    wait_log(qr/routini: upstream "pool" strategy round_robin -> fastest/, 0,
             sub { get('/t?phase=1') });

    my $pidfile = server_root() . '/logs/nginx.pid';
    open my $in, '<', $pidfile or die "$pidfile: $!";
    my $pid = <$in>;
    close $in;
    chomp $pid;

    my $from = length log_text();
    kill 'HUP', $pid or die "kill HUP $pid: $!";
    wait_log(qr/start worker process/, $from);
    wait_log(qr/gracefully shutting down/, $from);
}

workers(2);
master_on();
log_level('notice');
no_shuffle();
run_tests();

__DATA__

=== TEST 1: the adaptive decision survives a reload
--- main_config
    load_module $TEST_NGINX_ECHO_MODULE;
--- http_config
    map $arg_phase $a_delay { default 0.01; 2 0.1; }
    map $arg_phase $b_delay { default 0.2;  2 0.1; }
    upstream pool {
        routini_balancer adaptive;
        routini_adaptive interval=500ms;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { echo_sleep $a_delay; echo -n A; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location / { echo_sleep $b_delay; echo -n B; }
    }
--- config
    location = /t {
        proxy_pass http://pool;
        add_header X-Strategy $routini_strategy always;
    }
--- init
main::fastest_then_reload();
--- request
GET /t?phase=1
--- response_headers
X-Strategy: fastest
--- response_body: A
--- no_error_log
fastest -> round_robin
