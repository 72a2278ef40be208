# routini_health_check against peers that misbehave: garbage with raw CR,
# LF and NUL bytes instead of a status line, a connection closed without a
# byte, a peer that never answers, a connection reset, a status line
# followed by 100 KB of header.  Each gets its verdict, nginx stays up, and
# the peer's bytes reach the error log escaped as nginx escapes them
# ("\x0D\x0A"): raw ones would let a peer write lines of its own into the log.
#
# The peers are a small Perl server forked by this file, one listening port
# per behaviour.  "init" polls the error log (10 s at most) for the verdicts.

use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET;
use IO::Select;
use Socket qw(SOL_SOCKET SO_LINGER);
use POSIX ();
use Time::HiRes ();

my @modes = qw(garbage empty silent reset huge);
my (%listen, $server_pid);
my $parent = $$;

for my $mode (@modes) {
    $listen{$mode} = IO::Socket::INET->new(Listen => 16,
                                           LocalAddr => '127.0.0.1',
                                           LocalPort => 0, ReuseAddr => 1)
        or die "listen: $!";
    $ENV{'TEST_NGINX_HP_' . uc $mode} = $listen{$mode}->sockport;
}

sub serve {
    $SIG{PIPE} = 'IGNORE';
    my %mode_of = map { fileno($listen{$_}) => $_ } @modes;
    my $sel = IO::Select->new(values %listen);
    my %silent;

    for (;;) {
        for my $fh ($sel->can_read(1)) {
            if (my $mode = $mode_of{fileno $fh}) {
                my $c = $fh->accept or next;
                my $req = '';
                $c->sysread($req, 4096);

                if ($mode eq 'garbage') {
                    $c->syswrite("BAD\r\nX-Injected: 1\r\n\0tail");
                } elsif ($mode eq 'huge') {
                    $c->syswrite("HTTP/1.1 200 OK\r\nX-Big: " . ('a' x 100000)
                                 . "\r\n\r\n");
                } elsif ($mode eq 'silent') {
                    $silent{fileno $c} = $c;
                    $sel->add($c);
                    next;
                } elsif ($mode eq 'reset') {
                    setsockopt($c, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0));
                }

                close $c;
                next;
            }

            # a silent peer's prober went away
            my $buf;
            if (!sysread($fh, $buf, 4096)) {
                $sel->remove($fh);
                delete $silent{fileno $fh};
                close $fh;
            }
        }
        POSIX::_exit(0) if getppid() != $parent;
    }
}

$server_pid = fork;
die "fork: $!" unless defined $server_pid;

if ($server_pid == 0) {
    serve();
}

close $listen{$_} for @modes;

END {
    local $?;    # the test's exit status, not the server's

    if ($$ == $parent && $server_pid) {
        kill 'KILL', $server_pid;
        waitpid $server_pid, 0;
    }
}

sub log_text {
    my $file = server_root() . '/logs/error.log';
    open my $in, '<', $file or return '';
    local $/;
    my $text = <$in>;
    close $in;
    return $text;
}

# every verdict this file checks is in the log, or 10 s have passed
sub wait_verdicts {
    my @want = map {
        qr/routini: upstream "hp_$_" peer 127\.0\.0\.1:\d+ is unhealthy/
    } qw(garbage empty silent reset);
    push @want, qr/routini health: 127\.0\.0\.1:$ENV{TEST_NGINX_HP_HUGE} passed/;

    for (1 .. 200) {
        my $text = log_text();
        return if !grep { $text !~ $_ } @want;
        Time::HiRes::sleep(0.05);
    }
}

our $HttpConfig = '';

for my $mode (@modes) {
    my $port = '$TEST_NGINX_HP_' . uc $mode;
    $HttpConfig .= <<"_EOC_";
    upstream hp_$mode {
        routini_balancer round_robin;
        routini_health_check type=http interval=100ms timeout=300ms
                             fall=1 rise=1;
        server 127.0.0.1:$port;
    }
_EOC_
}

our $Config = <<'_EOC_';
    location /routini/api/ { routini_api; }
_EOC_


no_shuffle();
no_root_location();
run_tests();

__DATA__

=== TEST 1: garbage, an empty answer, silence and a reset mark the peer unhealthy, a huge header does not; the garbage is logged escaped
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- init
main::wait_verdicts();
--- request
GET /routini/api/upstreams
--- response_body_like eval
qr/^\{"upstreams":\[\{"name":"hp_garbage",[^[]*"peers":\[\{[^}]*"state":"unhealthy",[^]]*\]\},\{"name":"hp_empty",[^[]*"peers":\[\{[^}]*"state":"unhealthy",[^]]*\]\},\{"name":"hp_silent",[^[]*"peers":\[\{[^}]*"state":"unhealthy",[^]]*\]\},\{"name":"hp_reset",[^[]*"peers":\[\{[^}]*"state":"unhealthy",[^]]*\]\},\{"name":"hp_huge",[^[]*"peers":\[\{[^}]*"state":"up",[^]]*\]\}\]\}\n\z/
--- error_log eval
[
    qr/\[error\] .*invalid status line "BAD\\x0D\\x0AX-Injected: 1\\x0D\\x0A\\x00tail" while reading the status line, health check of "127\.0\.0\.1:\d+" in upstream "hp_garbage"/,
    qr/\[error\] .*invalid status line "" while reading the status line, health check of "127\.0\.0\.1:\d+" in upstream "hp_empty"/,
    qr/\[error\] .*probe timed out \(\d+: [^)]*\) while reading the status line, health check of "127\.0\.0\.1:\d+" in upstream "hp_silent"/,
    qr/routini_health_check: 127\.0\.0\.1:\d+ in upstream "hp_reset" failed 1 probe\(s\) in a row, last: recv\(\) failed/,
]
--- no_error_log eval
[qr/^X-Injected/, qr/^\x00/, '[alert]', '[crit]', '[emerg]', 'signal 11',
 'exited on signal']
