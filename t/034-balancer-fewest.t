# routini_balancer fewest_connections: connections are counted across all
# workers in the routini zone, so a peer holding long requests is avoided
# whichever worker holds them.
#
# /t starts long requests (echo_location_async), then ten short ones
# (echo_location).  Each goes through the server itself again (a new
# connection, so any of the two workers may take it) and then to the pool.
# A long request ends at the holder below, which keeps it open until /t
# releases it after the short ones.  Before the next long request starts,
# /t waits until the holder has the previous one: by then the worker that
# chose its peer has counted it (the count is bumped before the peer is
# connected to), so each choice sees the ones before it.  (Two choices at
# the same moment in two workers may both read a peer's count before either
# bumps it, and both take that peer: the counts are read and bumped without
# a lock.  The long requests start one after the other so that the result
# does not depend on how the workers are scheduled.)

use Test::Nginx::Socket 'no_plan';
use IO::Select;
use IO::Socket::INET;
use POSIX ();

# the echo module (echo_location, echo backends): TEST_NGINX_ECHO_MODULE, by
# default Debian's libnginx-mod-http-echo
$ENV{TEST_NGINX_ECHO_MODULE} ||= '/usr/lib/nginx/modules/ngx_http_echo_module.so';

# The holder, a child process on TEST_NGINX_HOLDER_PORT: GET /hold is
# answered on GET /release; GET /wait/N once N requests are held.

sub holder_reply {
    my $s = shift;
    syswrite $s, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n"
                 . "Connection: close\r\n\r\n";
    close $s;
}

sub holder {
    my $srv = shift;
    my $parent = getppid();
    my $sel = IO::Select->new($srv);
    my (%buf, @held, @waiting);

    while (kill 0, $parent) {
        for my $s ($sel->can_read(1)) {
            if ($s == $srv) {
                my $c = $srv->accept or next;
                $sel->add($c);
                $buf{$c} = '';
                next;
            }

            if (!sysread($s, $buf{$s}, 4096, length $buf{$s})) {
                $sel->remove($s);
                delete $buf{$s};
                close $s;
                next;
            }

            next unless $buf{$s} =~ m{^\S+ (\S+).*?\r\n\r\n}s;

            my $path = $1;
            $sel->remove($s);
            delete $buf{$s};

            if ($path eq '/hold') {
                push @held, $s;

            } elsif ($path =~ m{^/wait/(\d+)$}) {
                push @waiting, [$s, $1];

            } elsif ($path eq '/release') {
                holder_reply($_) for @held, $s;
                @held = ();

            } else {
                holder_reply($s);
            }

            @waiting = grep { @held >= $_->[1] ? (holder_reply($_->[0]), 0)
                                               : 1 } @waiting;
        }
    }

    POSIX::_exit(0);
}

my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                Listen => 64, ReuseAddr => 1)
    or die "holder: $!";
$ENV{TEST_NGINX_HOLDER_PORT} = $srv->sockport;

our $Holder = fork // die "fork: $!";
holder($srv) if $Holder == 0;
close $srv;

END { kill 'TERM', $Holder if $Holder }

workers(2);
no_shuffle();
run_tests();

__DATA__

=== TEST 1: short requests avoid the peers holding long ones
--- main_config
    load_module $TEST_NGINX_ECHO_MODULE;
--- http_config
    upstream pool {
        routini_balancer fewest_connections;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location = /long { echo_location /hold; echo -n A; }
        location = /hold { proxy_pass http://127.0.0.1:$TEST_NGINX_HOLDER_PORT; }
        location / { echo -n A; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location = /long { echo_location /hold; echo -n B; }
        location = /hold { proxy_pass http://127.0.0.1:$TEST_NGINX_HOLDER_PORT; }
        location / { echo -n B; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
        location = /long { echo_location /hold; echo -n C; }
        location = /hold { proxy_pass http://127.0.0.1:$TEST_NGINX_HOLDER_PORT; }
        location / { echo -n C; }
    }
--- config
    location = /t {
        echo_location_async /via/long;
        echo_location /holder/wait/1;
        echo_location_async /via/long;
        echo_location /holder/wait/2;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /holder/release;
    }
    location /via/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/pool/;
    }
    location /pool/ {
        proxy_pass http://pool/;
    }
    location /holder/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_HOLDER_PORT/;
    }
--- request
GET /t
--- response_body_like: ^([ABC])(?!\1)([ABC])((?!\1|\2)[ABC])\3{9}$
--- timeout: 10



=== TEST 2: weights: active/weight decides
# A (weight 3) and B (1): the three long requests go to A twice and B once
# whatever the order (A 1/3 < B 1/1 after the first two), then A's 2/3 is
# below B's 1/1 for every short one.
--- main_config
    load_module $TEST_NGINX_ECHO_MODULE;
--- http_config
    upstream pool {
        routini_balancer LeastConnections;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 weight=3;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location = /long { echo_location /hold; echo -n A; }
        location = /hold { proxy_pass http://127.0.0.1:$TEST_NGINX_HOLDER_PORT; }
        location / { echo -n A; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location = /long { echo_location /hold; echo -n B; }
        location = /hold { proxy_pass http://127.0.0.1:$TEST_NGINX_HOLDER_PORT; }
        location / { echo -n B; }
    }
--- config
    location = /t {
        echo_location_async /via/long;
        echo_location /holder/wait/1;
        echo_location_async /via/long;
        echo_location /holder/wait/2;
        echo_location_async /via/long;
        echo_location /holder/wait/3;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /via/short;
        echo_location /holder/release;
    }
    location /via/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/pool/;
    }
    location /pool/ {
        proxy_pass http://pool/;
    }
    location /holder/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_HOLDER_PORT/;
    }
--- request
GET /t
--- response_body_like: ^(AAB|ABA|BAA)AAAA$
--- timeout: 10
