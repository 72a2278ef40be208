# Self-test: run small generated .t files through the fallback runner in a
# subprocess and check that failures really fail (exit status, "not ok"),
# that plan mismatches are caught, and that ONLY / LAST / SKIP select blocks.
use strict;
use warnings;

use Cwd qw(getcwd);
use File::Spec;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use Test::More;

my $lib = File::Spec->rel2abs(
    File::Spec->catdir((File::Spec->splitpath(__FILE__))[1], '..'));
my $tmp = tempdir('routini-selftest-XXXXXX', TMPDIR => 1, CLEANUP => 1);

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 1) or die $!;
    my $p = $s->sockport;
    close $s;
    return $p;
}

my $n = 0;
# run_t(body) -> (exit code, combined output)
sub run_t {
    my ($body, @runner) = @_;
    $n++;
    my $file = "$tmp/case$n.t";
    open my $out, '>', $file or die "$file: $!";
    print $out $body;
    close $out;
    local $ENV{TEST_NGINX_SERVROOT} = "$tmp/servroot$n";
    local $ENV{TEST_NGINX_PORT} = free_port();
    local $ENV{TEST_NGINX_SERVER_PORT};
    delete $ENV{TEST_NGINX_SERVER_PORT};
    local $ENV{TEST_NGINX_SERVER_ROOT};
    delete $ENV{TEST_NGINX_SERVER_ROOT};
    local $ENV{TEST_NGINX_HTML_DIR};
    delete $ENV{TEST_NGINX_HTML_DIR};
    delete local $ENV{HARNESS_ACTIVE};
    delete local $ENV{HARNESS_VERSION};
    @runner = ($^X, "-I$lib") unless @runner;
    my $cmd = join ' ', map { "'$_'" } @runner, $file;
    my $output = `$cmd 2>&1`;
    return ($? >> 8, $output);
}

my $head = <<'EOT';
use Test::Nginx::Socket;
plan tests => repeat_each() * (2 * blocks());
no_shuffle();
run_tests();
__DATA__

EOT

# 1. a wrong response_body fails
my ($rc, $out) = run_t($head . <<'EOT');
=== TEST 1: wrong body
--- config
    location = /t { return 200 "actual\n"; }
--- request
GET /t
--- response_body
expected
EOT
isnt($rc, 0, 'failing response_body: non-zero exit');
like($out, qr/^not ok 2 - TEST 1: wrong body - response_body/m,
     'failing response_body: "not ok" line');

# 2. a wrong status fails
($rc, $out) = run_t($head . <<'EOT');
=== TEST 1: wrong status
--- config
    location = /t { return 404; }
--- request
GET /t
--- response_body_like: .
EOT
isnt($rc, 0, 'wrong status: non-zero exit');
like($out, qr/^not ok 1 - TEST 1: wrong status - status code ok/m,
     'wrong status: "not ok" line');

# 3. missing error_log line / unexpected no_error_log line fail
($rc, $out) = run_t(<<'EOT');
use Test::Nginx::Socket;
plan tests => 3;
no_shuffle();
run_tests();
__DATA__

=== TEST 1: error log expectations
--- config
    location /f { root html; }
--- request
GET /f/missing
--- error_code: 404
--- error_log
this line is never logged
--- no_error_log
[error]
EOT
isnt($rc, 0, 'error_log/no_error_log: non-zero exit');
like($out, qr/^not ok 2 - .*pattern "this line is never logged" matches a line/m,
     'error_log: "not ok" line');
like($out, qr/^not ok 3 - .*pattern "\[error\]" should not match any line/m,
     'no_error_log: "not ok" line');

# 4. plan mismatch fails like Test::More
($rc, $out) = run_t(<<'EOT');
use Test::Nginx::Socket;
plan tests => 5;
run_tests();
__DATA__

=== TEST 1: too few tests
--- config
    location = /t { return 200 "x\n"; }
--- request
GET /t
--- response_body
x
EOT
isnt($rc, 0, 'plan mismatch: non-zero exit');
like($out, qr/planned 5 tests but ran 2/, 'plan mismatch reported');

# 5. ONLY, LAST and SKIP select blocks (the others would fail)
my $bad = <<'EOT';
--- config
    location = /t { return 500; }
--- request
GET /t
--- response_body
never
EOT
my $good = <<'EOT';
--- config
    location = /t { return 200 "good\n"; }
--- request
GET /t
--- response_body
good
EOT
($rc, $out) = run_t($head . "=== TEST 1: bad\n$bad\n=== TEST 2: only\n--- ONLY\n$good\n"
                    . "=== TEST 3: bad\n$bad");
is($rc, 0, 'ONLY: exit 0') or diag $out;
like($out, qr/^1\.\.2$/m, 'ONLY: plan of one block');

($rc, $out) = run_t($head . "=== TEST 1: good\n$good\n=== TEST 2: last\n$good--- LAST\n\n"
                    . "=== TEST 3: bad\n$bad");
is($rc, 0, 'LAST: exit 0') or diag $out;
like($out, qr/^1\.\.4$/m, 'LAST: plan of two blocks');

($rc, $out) = run_t($head . "=== TEST 1: good\n$good\n=== TEST 2: skipped\n$bad--- SKIP\n");
is($rc, 0, 'SKIP: exit 0') or diag $out;

# 6. nginx that does not start (without --- must_die) aborts the run
($rc, $out) = run_t($head . <<'EOT');
=== TEST 1: broken config
--- config
    location = /t { no_such_directive_here; }
--- request
GET /t
--- response_body
x
EOT
isnt($rc, 0, 'broken config: non-zero exit');
like($out, qr/Bail out!.*Cannot start nginx/, 'broken config: bail out');

# 7. must_die on a config that starts fine fails
($rc, $out) = run_t($head . <<'EOT');
=== TEST 1: does not die
--- config
    location = /t { return 200; }
--- request
GET /t
--- must_die
--- error_log
[emerg]
EOT
isnt($rc, 0, 'must_die on a good config: non-zero exit');
like($out, qr/^not ok 1 - TEST 1: does not die - die as expected/m,
     'must_die on a good config: "not ok" line');

# 8. through prove, a failing file makes prove fail
SKIP: {
    my $prove = `sh -c 'command -v prove' 2>/dev/null`;
    chomp $prove;
    skip 'prove not found', 2 unless $prove;
    ($rc, $out) = run_t($head . <<'EOT', $prove, "-I$lib");
=== TEST 1: wrong body via prove
--- config
    location = /t { return 200 "actual\n"; }
--- request
GET /t
--- response_body
expected
EOT
    isnt($rc, 0, 'prove: non-zero exit for a failing file');
    like($out, qr/Result: FAIL/, 'prove: Result: FAIL');
}

done_testing();
