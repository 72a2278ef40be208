# keepalive placed after routini_balancer wraps the routini peer hooks as
# it wraps nginx's balancers: with every strategy, upstream connections are
# reused (the peers report $connection_requests, logged by the proxy) and
# the strategy still decides.
#
# The blocks are generated: one per strategy, then round robin's weighted
# order, over the same two peers.

use Test::Nginx::Socket 'no_plan';

# the upstream with keepalive after the strategy, and its two peers,
# "A" (of weight $weight) and "B", each answering with its connection's
# request count in X-Conn
sub pool {
    my ($strategy, $weight) = @_;

    return <<"END";
    upstream pool {
        routini_balancer $strategy;
        server 127.0.0.1:\$TEST_NGINX_RAND_PORT_1 weight=$weight;
        server 127.0.0.1:\$TEST_NGINX_RAND_PORT_2;
        keepalive 8;
    }
    server {
        listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_1;
        add_header X-Conn \$connection_requests always;
        return 200 "A";
    }
    server {
        listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_2;
        add_header X-Conn \$connection_requests always;
        return 200 "B";
    }
END
}

# the strategy configured, and the one that decides: adaptive starts with
# round robin
my @strategies = (
    [ round_robin => 'round_robin' ],
    [ random => 'random' ],
    [ fnv_hash => 'fnv_hash' ],
    [ consistent => 'consistent' ],
    [ fewest_connections => 'fewest_connections' ],
    [ fastest => 'fastest' ],
    [ adaptive => 'round_robin' ],
);

my $spec = '';
my $n = 0;

# ten requests reach A or B, each decided by the strategy; the access log
# shows a connection serving its second request or later
for my $s (@strategies) {
    my ($strategy, $decides) = @$s;

    $n++;
    $spec .= "=== TEST $n: keepalive with $strategy\n"
        . "--- http_config\n"
        . "    log_format conn '\$routini_strategy \$upstream_http_x_conn';\n"
        . pool($strategy, 1) . <<"END";
--- config
    location = /t {
        access_log logs/keepalive-$strategy.log conn;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://pool;
        add_header X-Strategy \$routini_strategy always;
    }
    location = /log {
        alias \$TEST_NGINX_SERVER_ROOT/logs/keepalive-$strategy.log;
    }
--- request eval
[ (map { "GET /t" } 1 .. 10), "GET /log" ]
--- response_body_like eval
[ (map { qr/^[AB]\$/ } 1 .. 10), qr/^$decides [2-9]\$/m ]
--- no_error_log
[error]
--- response_headers eval
[ (map { "X-Strategy: $decides" } 1 .. 10), "!X-Strategy" ]



END
}

$n++;
$spec .= "=== TEST $n: keepalive keeps round robin's 3:1 order\n"
    . "--- http_config\n"
    . pool('round_robin', 3) . <<'END';
--- config
    location = /t {
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://pool;
        add_header X-Strategy $routini_strategy always;
    }
--- request eval
[ map { "GET /t" } 1 .. 8 ]
--- response_body eval
[ qw(A A B A A A B A) ]
--- response_headers eval
[ map { "X-Strategy: round_robin" } 1 .. 8 ]
END

spec_string($spec);

no_shuffle();
run_tests();
