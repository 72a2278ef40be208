# routini_balancer fnv_hash and consistent: a key keeps its peer; a failed
# try is rehashed to another peer.  (Removing one of four peers under
# consistent moves at most 35% of keys, and the ring walk asks each
# distinct peer once: test/unit/balancer_test.c.)
#
# The proxy logs "KEY PEER" per request; 30 keys are sent twice, in the
# same order, with one other key between the passes, and the log's second
# pass must repeat its first (round robin, shifted by one, would not).

use Test::Nginx::Socket 'no_plan';

# N servers of weight 10 marked down, on addresses nothing listens on
sub down_servers {
    my $n = shift;
    return join '', map { "        server 127.0.0.2:" . (20000 + $_)
                          . " weight=10 down;\n" } 1 .. $n;
}

our $ManyDown = <<'_EOC_'
    upstream one_up {
        routini_balancer consistent key=$arg_k;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 weight=10;
_EOC_
    . down_servers(199) . <<'_EOC_'
    }
    upstream all_down {
        routini_balancer consistent key=$arg_k;
_EOC_
    . down_servers(200) . <<'_EOC_';
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        return 200 "up";
    }
_EOC_

# nginx -t of the running block's configuration with its address space
# limited to MB megabytes; not checked where nginx -t of an empty
# configuration does not fit either (ASan, valgrind)
sub nginx_t_fits {
    my $mb = shift;
    my $kb = $mb * 1024;
    my $bin = $ENV{TEST_NGINX_BINARY} || 'nginx';
    my $root = server_root();
    my $t = qq{sh -c 'ulimit -v $kb && exec "\$0" -t -p "\$1/" -c "\$2"'}
            . qq{ '$bin' '$root'};

    open my $out, '>', "$root/conf/empty.conf" or die "empty.conf: $!";
    print $out "error_log logs/empty.log;\npid logs/empty.pid;\nevents {}\n";
    close $out;

    # a sanitizer's failure to start here is expected: keep it out of the
    # report logs that util/asan.sh scans
    {
        local $ENV{ASAN_OPTIONS} = '';
        local $ENV{UBSAN_OPTIONS} = '';
        `$t conf/empty.conf 2>&1`;
    }
    if ($? != 0) {
        warn "# nginx -t in $mb MB not checked: $bin needs more\n";
        return;
    }

    my $log = `$t conf/nginx.conf 2>&1`;
    die "nginx -t needs more than $mb MB of address space:\n$log" if $? != 0;
}

# TEST 1 to 6 are generated.  The first four, for fnv_hash and for
# consistent alike, have the same three peers, A, B and C, each naming
# itself in X-Peer (with $fail, A answers 502 instead)
sub pool {
    my ($balancer, $fail) = @_;
    my $a = $fail ? 'return 502;'
                  : "add_header X-Peer A always;\n        return 200 \"A\";";

    return <<"END";
    upstream pool {
        routini_balancer $balancer;
        server 127.0.0.1:\$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:\$TEST_NGINX_RAND_PORT_2;
        server 127.0.0.1:\$TEST_NGINX_RAND_PORT_3;
    }
    server {
        listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_1;
        $a
    }
    server {
        listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_2;
        add_header X-Peer B always;
        return 200 "B";
    }
    server {
        listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_3;
        add_header X-Peer C always;
        return 200 "C";
    }
END
}

my $spec = '';
my $n = 0;

# same key, same peer: 30 keys twice, "shift" between the passes; the key
# in the query for fnv_hash, in a header for consistent
for my $s ([ fnv_hash => '$arg_k', 'fnv' ],
           [ consistent => '$http_x_key', 'consistent' ])
{
    my ($strategy, $key, $log) = @$s;
    my ($requests, $headers);

    if ($key eq '$arg_k') {
        $requests = '[ (map { "GET /t?k=key$_" } 1 .. 30), "GET /t?k=shift",'
                    . "\n"
                    . '  (map { "GET /t?k=key$_" } 1 .. 30), "GET /log" ]';
        $headers = '';

    } else {
        $requests = '[ (map { "GET /t" } 1 .. 61), "GET /log" ]';
        $headers = "--- more_headers eval\n"
                   . '[ (map { "X-Key: key$_" } 1 .. 30), "X-Key: shift",'
                   . "\n"
                   . '  (map { "X-Key: key$_" } 1 .. 30), "" ]' . "\n";
    }

    $n++;
    $spec .= "=== TEST $n: $strategy key=$key: same key, same peer; "
             . "keys spread\n"
             . "--- http_config\n"
             . "    log_format keypeer '$key \$upstream_http_x_peer';\n"
             . pool("$strategy key=$key") . <<"END";
--- config
    location = /t {
        access_log logs/$log.log keypeer;
        proxy_pass http://pool;
        add_header X-Strategy \$routini_strategy always;
    }
    location = /log {
        alias \$TEST_NGINX_SERVER_ROOT/logs/$log.log;
    }
--- request eval
$requests
${headers}--- response_body_like eval
[ (map { qr/^[ABC]\$/ } 1 .. 61),
  qr/\\A(?=.*^key\\d+ A\$)(?=.*^key\\d+ B\$)(?=.*^key\\d+ C\$)((?:key\\d+ [ABC]\\n){30})shift [ABC]\\n\\1\\z/ms ]
--- response_headers eval
[ (map { "X-Strategy: $strategy" } 1 .. 61), "!X-Strategy" ]



END
}

# a failing peer: its keys go to the others
for my $s ([ fnv_hash => 'are rehashed to others' ],
           [ consistent => 'go to the next peer' ])
{
    my ($strategy, $where) = @$s;

    $n++;
    $spec .= "=== TEST $n: $strategy: the keys of a failing peer $where\n"
             . "--- http_config\n"
             . pool("$strategy key=\$arg_k", 1) . <<"END";
--- config
    location = /t {
        proxy_next_upstream error http_502;
        proxy_pass http://pool;
        add_header X-Strategy \$routini_strategy always;
    }
--- request eval
[ map { "GET /t?k=key\$_" } 1 .. 30 ]
--- response_body_like eval
[ map { qr/^[BC]\$/ } 1 .. 30 ]
--- response_headers eval
[ map { "X-Strategy: $strategy" } 1 .. 30 ]



END
}

# weights that would overflow 32 bits: peer A takes every key from B,
# of weight 1
for my $s ([ 4294967297, 'a weight above 2^32 is not truncated' ],
           [ 26843546, 'weight * 160 above 2^32 does not wrap' ])
{
    my ($weight, $what) = @$s;

    $n++;
    $spec .= <<"END";
=== TEST $n: $what: weight $weight takes the keys from weight 1
--- http_config
    upstream pool {
        routini_balancer consistent key=\$arg_k;
        server 127.0.0.1:\$TEST_NGINX_RAND_PORT_1 weight=$weight;
        server 127.0.0.1:\$TEST_NGINX_RAND_PORT_2;
    }
    server {
        listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_1;
        return 200 "A";
    }
    server {
        listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_2;
        return 200 "B";
    }
--- config
    location = /t {
        proxy_pass http://pool;
    }
--- request eval
[ map { "GET /t?k=key\$_" } 1 .. 30 ]
--- response_body_like eval
[ map { qr/^A\$/ } 1 .. 30 ]



END
}

# the blocks written out below follow the generated ones
spec_string($spec . do { local $/; <DATA> });

no_shuffle();
run_tests();

__DATA__

=== TEST 7: default key is $remote_addr: every request from here, one peer
--- http_config
    log_format peer '$upstream_http_x_peer';
    upstream pool {
        routini_balancer consistent;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        add_header X-Peer A always;
        return 200 "A";
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        add_header X-Peer B always;
        return 200 "B";
    }
--- config
    location = /t {
        access_log logs/remote.log peer;
        proxy_pass http://pool;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/remote.log;
    }
--- request eval
[ (map { "GET /t" } 1 .. 20), "GET /log" ]
--- response_body_like eval
[ (map { qr/^[AB]$/ } 1 .. 20), qr/\A(?:(?:A\n){20}|(?:B\n){20})\z/ ]



=== TEST 8: 200 peers of weight 10: with 199 down every key finds the one up, with all down 502
--- http_config eval: $::ManyDown
--- config
    location = /one { proxy_pass http://one_up; }
    location = /none { proxy_pass http://all_down; }
--- request eval
[ (map { "GET /one?k=key$_" } 1 .. 20), (map { "GET /none?k=key$_" } 1 .. 5) ]
--- error_code eval
[ (map { 200 } 1 .. 20), (map { 502 } 1 .. 5) ]
--- response_body_like eval
[ (map { qr/^up$/ } 1 .. 20), (map { qr/502 Bad Gateway/ } 1 .. 5) ]



=== TEST 9: a key whose peers all fail tries each of the 8 once, then 502
--- http_config
    upstream pool {
        routini_balancer consistent key=$arg_k;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 max_fails=0;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2 max_fails=0;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3 max_fails=0;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_4 max_fails=0;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_5 max_fails=0;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_6 max_fails=0;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_7 max_fails=0;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_8 max_fails=0;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_4;
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_5;
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_6;
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_7;
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_8;
        return 502;
    }
--- config
    location = /t {
        proxy_next_upstream error http_502;
        proxy_next_upstream_tries 0;
        proxy_next_upstream_timeout 0;
        add_header X-Tried $upstream_addr always;
        proxy_pass http://pool;
    }
--- request eval
[ map { "GET /t?k=key$_" } 1 .. 5 ]
--- error_code eval
[ map { 502 } 1 .. 5 ]
--- response_headers_like eval
[ map { "X-Tried: ^(?:127\\.0\\.0\\.1:\\d+, ){7}127\\.0\\.0\\.1:\\d+\$" } 1 .. 5 ]



=== TEST 10: weight=100000: nginx -t fits in 100 MB; a pinned consistent builds its ring once, on first use
--- http_config
    log_format keypeer '$arg_k $upstream_http_x_peer';
    upstream heavy {
        routini_balancer round_robin key=$arg_k;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 weight=100000;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2 weight=100000;
    }
    upstream heavy_consistent {
        routini_balancer consistent;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 weight=100000;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2 weight=100000;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        add_header X-Peer A always;
        return 200 "A";
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        add_header X-Peer B always;
        return 200 "B";
    }
--- config
    location /routini/api/ { routini_api; }
    location = /t {
        access_log logs/heavy.log keypeer;
        proxy_pass http://heavy;
        add_header X-Strategy $routini_strategy always;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/heavy.log;
    }
    location = /errors {
        alias $TEST_NGINX_SERVER_ROOT/logs/error.log;
    }
--- init
main::nginx_t_fits(100);
--- request eval
[ "GET /t?k=key0",
  "PATCH /routini/api/upstreams/heavy\n{\"strategy\":\"consistent\"}",
  (map { "GET /t?k=key$_" } 1 .. 20), "GET /t?k=shift",
  (map { "GET /t?k=key$_" } 1 .. 20), "GET /log", "GET /errors" ]
--- more_headers eval
[ "", "Content-Type: application/json", (map { "" } 1 .. 43) ]
--- response_headers eval
[ "X-Strategy: round_robin", "!X-Strategy",
  (map { "X-Strategy: consistent" } 1 .. 41), "!X-Strategy", "!X-Strategy" ]
--- response_body_like eval
my $ring = qr/upstream "heavy": consistent hash ring/;
[ qr/^[AB]$/, qr/"strategy":"consistent"/, (map { qr/^[AB]$/ } 1 .. 41),
  qr/\Akey0 [AB]\n(?=.* A\n)(?=.* B\n)((?:key\d+ [AB]\n){20})shift [AB]\n\1\z/s,
  qr/\A(?:(?!.*$ring).*\n)*.*strategy pinned to consistent.*\n(?:(?!.*$ring).*\n)*.*$ring of the primary peers, 524288 points, built in \d+ ms\n(?:(?!.*$ring).*\n)*\z/ ]



=== TEST 11: consistent pinned, primary down: the backup list's ring is built on its first use (the primary's is not: none of its peers can take a try), keys keep their backup peer
--- http_config
    log_format keypeer '$arg_k $upstream_http_x_peer';
    upstream pool {
        routini_balancer random key=$arg_k;
        server 127.0.0.2:20001 down;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 backup;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2 backup;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        add_header X-Peer A always;
        return 200 "A";
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        add_header X-Peer B always;
        return 200 "B";
    }
--- config
    location /routini/api/ { routini_api; }
    location = /t {
        access_log logs/backup.log keypeer;
        proxy_pass http://pool;
        add_header X-Strategy $routini_strategy always;
    }
    location = /log {
        alias $TEST_NGINX_SERVER_ROOT/logs/backup.log;
    }
    location = /errors {
        alias $TEST_NGINX_SERVER_ROOT/logs/error.log;
    }
--- request eval
[ "PATCH /routini/api/upstreams/pool\n{\"strategy\":\"consistent\"}",
  (map { "GET /t?k=key$_" } 1 .. 20), "GET /t?k=shift",
  (map { "GET /t?k=key$_" } 1 .. 20), "GET /log", "GET /errors" ]
--- more_headers eval
[ "Content-Type: application/json", (map { "" } 1 .. 43) ]
--- response_headers eval
[ "!X-Strategy", (map { "X-Strategy: consistent" } 1 .. 41), "!X-Strategy",
  "!X-Strategy" ]
--- response_body_like eval
my $ring = qr/upstream "pool": consistent hash ring/;
[ qr/"strategy":"consistent"/, (map { qr/^[AB]$/ } 1 .. 41),
  qr/\A(?=.* A\n)(?=.* B\n)((?:key\d+ [AB]\n){20})shift [AB]\n\1\z/s,
  qr/\A(?:(?!.*$ring).*\n)*.*$ring of the backup peers, 320 points, built in \d+ ms\n(?:(?!.*$ring).*\n)*\z/ ]
