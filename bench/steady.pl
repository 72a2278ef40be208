#!/usr/bin/perl
# A steady request stream on one keepalive connection, without and during
# a scrape of the same nginx (prints figures; not a test).
#
#   bench/steady.pl PORT SCRAPE_PATH [PING_PATH]
#
# Sends GET PING_PATH (default /ping) every INTERVAL_MS (default 1), one
# at a time, first for WARMUP_S seconds (default 1, not counted), then in
# windows taken in turn: one while curl reads
# http://127.0.0.1:PORT/SCRAPE_PATH as fast as it can, one as long
# without it; until the scrapes took SCRAPE_S seconds (default 3).  Short
# windows in turn share whatever else the machine does between the two
# figures, and a short scrape, repeated, gives enough answers for a
# percentile.  curl runs at the lowest priority (SCHED_IDLE with chrt,
# else niceness 19): on a machine where it shares a CPU with this stream,
# its reading must not delay the stream's answers, which would be counted
# against the worker.
# With one worker, the stream and the scrape share it.  Prints one line:
#
#   p99_idle_ms p99_scrape_ms max_gap_idle_ms max_gap_scrape_ms scrape_s scrapes
#   p90_idle_ms p90_scrape_ms
#
# where a gap is the time between two answers beyond the interval (how long
# the worker kept the stream waiting), p99 and p90 the 99th and 90th
# percentiles of the answers' latencies, scrape_s the scrapes' time in all
# and scrapes how many there were.

use strict;
use warnings;

use IO::Socket::INET;
use POSIX ();
use Time::HiRes qw(time sleep);

my ($port, $scrape, $ping) = @ARGV;
$ping //= '/ping';

die "usage: $0 PORT SCRAPE_PATH [PING_PATH]\n" unless $port && $scrape;

my $interval = ($ENV{INTERVAL_MS} // 1) / 1000;
my $warmup = $ENV{WARMUP_S} // 1;
my $least = $ENV{SCRAPE_S} // 3;
my $idle = system('chrt --idle 0 true 2> /dev/null') == 0;

my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port)
    or die "connect: $!\n";
$s->setsockopt(Socket::IPPROTO_TCP(), Socket::TCP_NODELAY(), 1);

my $req = "GET $ping HTTP/1.1\r\nHost: bench\r\n\r\n";
my $buf = '';

# one request, its answer read whole (Content-Length); its latency
sub one {
    my $t0 = time;

    syswrite($s, $req) == length $req or die "write: $!\n";

    for (;;) {
        if ($buf =~ /\A(.*?\r\n\r\n)/s) {
            my $head = $1;
            my ($len) = $head =~ /^Content-Length: (\d+)/mi;
            my $need = length($head) + ($len // 0);

            if (length $buf >= $need) {
                substr($buf, 0, $need) = '';
                return time - $t0;
            }
        }

        sysread($s, $buf, 65536, length $buf) or die "read: $!\n";
    }
}

# requests every $interval while $more->() is true: (latencies, gaps)
sub stream {
    my $more = shift;
    my (@lat, @gap);
    my $next = time;
    my $last;

    while ($more->()) {
        my $now = time;
        sleep($next - $now) if $next > $now;

        push @lat, one();

        my $done = time;
        push @gap, $done - $last - $interval if defined $last;
        $last = $done;

        $next += $interval;
        $next = $done if $next < $done;
    }

    return (\@lat, \@gap);
}

# the percentile $_[1] of @{$_[0]}
sub pct {
    my @v = sort { $a <=> $b } @{$_[0]};
    return @v ? $v[int($_[1] / 100 * $#v)] : 0;
}

sub max {
    my $m = 0;
    $_ > $m and $m = $_ for @{$_[0]};
    return $m;
}

# a scrape by curl, at the lowest priority
sub scrape {
    my $pid = fork // die "fork: $!\n";

    if ($pid == 0) {
        my @curl = ('curl', '-s', '-o', '/dev/null', '--max-time', '600',
                    "http://127.0.0.1:$port$scrape");

        setpriority(0, 0, 19);
        exec('chrt', '--idle', '0', @curl) if $idle;
        exec(@curl) or POSIX::_exit(127);
    }

    return $pid;
}

my $end = time + $warmup;
stream(sub { time < $end });

# windows in turn: one scrape, then as long without; until the scrapes
# took $least seconds
my (@lat_s, @gap_s, @lat_i, @gap_i);
my ($took, $scrapes) = (0, 0);

while ($took < $least) {
    my $t0 = time;
    my $pid = scrape();

    my ($l, $g) = stream(sub { waitpid($pid, POSIX::WNOHANG()) == 0 });
    push @lat_s, @$l;
    push @gap_s, @$g;

    my $t = time - $t0;
    $took += $t;
    $scrapes++;

    $end = time + $t;
    ($l, $g) = stream(sub { time < $end });
    push @lat_i, @$l;
    push @gap_i, @$g;
}

printf "%.3f %.3f %.3f %.3f %.2f %d %.3f %.3f\n",
    1000 * pct(\@lat_i, 99), 1000 * pct(\@lat_s, 99),
    1000 * max(\@gap_i), 1000 * max(\@gap_s), $took, $scrapes,
    1000 * pct(\@lat_i, 90), 1000 * pct(\@lat_s, 90);
