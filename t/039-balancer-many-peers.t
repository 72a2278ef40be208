# Upstreams of more peers than the strategies scan whole (16 that can take
# traffic): fewest_connections and fastest draw two peers and keep the
# better (power of two choices), the other strategies bound their walks.
#
# The peers are 24 loopback addresses on one port of this nginx; 127.0.0.24
# answers after 300 ms, the others at once.  /t makes its requests one
# after the other (echo_location), and the metrics count each peer's.

use Test::Nginx::Socket 'no_plan';

$ENV{TEST_NGINX_ECHO_MODULE} ||= '/usr/lib/nginx/modules/ngx_http_echo_module.so';

our $Main = "    load_module \$TEST_NGINX_ECHO_MODULE;\n";

# upstream NAME (STRATEGY) of the 24 peers; the even ones "down" if HALF
# is "down", or where nothing listens if it is "dead"
sub upstream {
    my ($name, $strategy, $half) = @_;
    my %even = (
        down => ':$TEST_NGINX_RAND_PORT_1 down',
        dead => ':$TEST_NGINX_RAND_PORT_2 max_fails=1 fail_timeout=60s',
    );
    return "    upstream $name {\n"
        . "        routini_balancer $strategy key=\$arg_k;\n"
        . join('', map {
              "        server 127.0.0.$_"
              . ($half && $_ % 2 == 0 ? $even{$half}
                                      : ':$TEST_NGINX_RAND_PORT_1')
              . ";\n"
          } 1 .. 24)
        . "    }\n";
}

our $Peers = <<'_EOC_';
    server {
        listen $TEST_NGINX_RAND_PORT_1;
        location / { echo -n "$server_addr "; }
    }
    server {
        listen 127.0.0.24:$TEST_NGINX_RAND_PORT_1;
        location / { echo_sleep 0.3; echo -n "$server_addr "; }
    }
_EOC_

# /t/NAME: N requests to upstream NAME one after the other, keys 1 to N
sub requests {
    my ($n, @names) = @_;
    return join('', map {
            my $u = $_;
            "    location = /t/$u {\n"
            . join('', map { "        echo_location /p/$u k=$_;\n" } 1 .. $n)
            . "    }\n    location = /p/$u { proxy_pass http://$u/; }\n"
        } @names)
        . "    location = /metrics { routini_metrics; }\n";
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: fastest over 24 peers: the slow one is left to its probes
# 480 requests, 20 per peer if shared evenly; the slow peer gets its first
# probe and then one a second at most (the run takes a few seconds).
--- main_config eval: $::Main
--- http_config eval: main::upstream('pool', 'fastest', 0) . $::Peers
--- config eval: main::requests(480, 'pool')
--- request eval
[ "GET /t/pool", "GET /metrics" ]
--- response_body_like eval
[ qr/\A(?:127\.0\.0\.\d+ ){480}\z/,
  qr/routini_upstream_requests_total\{upstream="pool",peer="127\.0\.0\.24:\d+"\} \d\n/ ]
--- timeout: 30



=== TEST 2: fewest_connections over 24 peers, half of them down: only the others
--- main_config eval: $::Main
--- http_config eval: main::upstream('pool', 'fewest_connections', 'down') . $::Peers
--- config eval: main::requests(240, 'pool')
--- request eval
[ "GET /t/pool", "GET /metrics" ]
--- response_body_like eval
[ qr/\A(?:127\.0\.0\.(?:1|3|5|7|9|11|13|15|17|19|21|23) ){240}\z/,
  qr/\A(?!.*peer="127\.0\.0\.(?:2|4|6|8|10|12|14|16|18|20|22|24):\d+"\} [1-9])/s ]
--- timeout: 30



=== TEST 3: every other strategy over 24 peers, half of them down: only the others
# fnv_hash and consistent with keys 1 to 96, so that keys of down peers
# are moved on.
--- main_config eval: $::Main
--- http_config eval
join('', map { main::upstream($_, $_, 'down') }
         qw(round_robin random fnv_hash consistent fastest))
. $::Peers
--- config eval
main::requests(96, qw(round_robin random fnv_hash consistent fastest))
--- request eval
[ map { "GET /t/$_" } qw(round_robin random fnv_hash consistent fastest) ]
--- response_body_like eval
[ map { qr/\A(?:127\.0\.0\.(?:1|3|5|7|9|11|13|15|17|19|21|23) ){96}\z/ } 1 .. 5 ]
--- timeout: 30



=== TEST 4: half of 24 peers refuse connections: retries go to the others, a refusing peer fails once at most
# max_fails=1: a peer that failed is out for fail_timeout; a try is never
# given a peer this request tried.
--- main_config eval: $::Main
--- http_config eval
join('', map { main::upstream($_, $_, 'dead') }
         qw(round_robin random fewest_connections fastest))
. $::Peers
--- config eval
"    proxy_next_upstream error;\n"
. main::requests(96, qw(round_robin random fewest_connections fastest))
--- request eval
[ (map { "GET /t/$_" } qw(round_robin random fewest_connections fastest)),
  "GET /metrics" ]
--- response_body_like eval
[ (map { qr/\A(?:127\.0\.0\.(?:1|3|5|7|9|11|13|15|17|19|21|23) ){96}\z/ } 1 .. 4),
  qr/\A(?!.*routini_upstream_failures_total\{[^}]*\} (?:[2-9]|\d\d))(?=.*routini_upstream_failures_total\{[^}]*\} 1\n)/s ]
--- timeout: 30
