package Test::Nginx::Lite::Client;

# Minimal raw-socket HTTP client for the routini fallback test runner.

use strict;
use warnings;

use IO::Select ();
use IO::Socket::INET ();
use Time::HiRes ();
use Errno qw(EAGAIN EWOULDBLOCK EINTR);

# send_raw(host, port, \@packets, timeout, middle_delay)
# Returns a hash: { raw => bytes received, timed_out => bool, error => str }
sub send_raw {
    my (%a) = @_;
    my $timeout = $a{timeout} || 3;
    my $deadline = Time::HiRes::time() + $timeout;
    my %res = (raw => '', timed_out => 0, error => undef);

    my $sock;
    for my $try (1 .. 50) {
        $sock = IO::Socket::INET->new(
            PeerAddr => $a{host}, PeerPort => $a{port},
            Proto => 'tcp', Timeout => $timeout);
        last if $sock;
        last if Time::HiRes::time() >= $deadline;
        Time::HiRes::sleep(0.02);
    }
    if (!$sock) {
        $res{error} = "Can't connect to $a{host}:$a{port}: $!";
        return \%res;
    }
    $sock->autoflush(1);
    binmode $sock;

    my @packets = @{ $a{packets} };
    my $sel = IO::Select->new($sock);
    my $i = 0;
    for my $pkt (@packets) {
        if ($i++ > 0 && $a{middle_delay}) {
            Time::HiRes::sleep($a{middle_delay});
        }
        my $off = 0;
        while ($off < length $pkt) {
            my $left = $deadline - Time::HiRes::time();
            if ($left <= 0 || !$sel->can_write($left)) {
                $res{timed_out} = 1;
                close $sock;
                return \%res;
            }
            my $n = syswrite($sock, $pkt, length($pkt) - $off, $off);
            if (!defined $n) {
                next if $! == EINTR || $! == EAGAIN || $! == EWOULDBLOCK;
                # the server may have answered and closed early; go on reading
                last;
            }
            $off += $n;
        }
    }

    my $buf = '';
    while (1) {
        if (message_complete($buf, $a{head}, $a{keepalive})) {
            last;
        }
        my $left = $deadline - Time::HiRes::time();
        if ($left <= 0 || !$sel->can_read($left)) {
            $res{timed_out} = 1;
            last;
        }
        my $n = sysread($sock, $buf, 65536, length $buf);
        if (!defined $n) {
            next if $! == EINTR || $! == EAGAIN || $! == EWOULDBLOCK;
            $res{error} = "read error: $!" unless length $buf;
            last;
        }
        last if $n == 0;    # EOF
    }
    close $sock;
    $res{raw} = $buf;
    return \%res;
}

# Only used to stop reading early on keep-alive connections; with
# "Connection: close" we simply read until EOF.
sub message_complete {
    my ($buf, $head, $keepalive) = @_;
    return 0 unless $keepalive;
    my $p = index($buf, "\r\n\r\n");
    return 0 if $p < 0;
    my $hdr = substr($buf, 0, $p + 2);
    my $body = substr($buf, $p + 4);
    my ($code) = $hdr =~ m{^HTTP/\d+\.\d+\s+(\d+)};
    return 1 if $head;
    return 1 if defined $code && ($code =~ /^1/ || $code == 204 || $code == 304);
    if ($hdr =~ /^Transfer-Encoding:\s*chunked\s*$/mi) {
        my (undef, undef, $complete) = dechunk($body);
        return $complete;
    }
    if ($hdr =~ /^Content-Length:\s*(\d+)\s*$/mi) {
        return length($body) >= $1;
    }
    return 0;
}

# dechunk($raw) -> ($decoded, $error, $complete, $leftover)
sub dechunk {
    my ($raw) = @_;
    my $out = '';
    my $pos = 0;
    while (1) {
        my $eol = index($raw, "\r\n", $pos);
        return ($out, undef, 0) if $eol < 0;
        my $line = substr($raw, $pos, $eol - $pos);
        if ($line !~ /^[ \t]*([0-9A-Fa-f]+)[ \t]*(?:;.*)?$/) {
            return ($out, "invalid chunk size line \"$line\"", 0);
        }
        my $size = hex $1;
        $pos = $eol + 2;
        if ($size == 0) {
            # optional trailers, then the final CRLF
            while (1) {
                my $e = index($raw, "\r\n", $pos);
                return ($out, undef, 0) if $e < 0;
                my $t = substr($raw, $pos, $e - $pos);
                $pos = $e + 2;
                last if $t eq '';
            }
            return ($out, undef, 1, substr($raw, $pos));
        }
        return ($out, undef, 0) if length($raw) < $pos + $size + 2;
        $out .= substr($raw, $pos, $size);
        $pos += $size;
        if (substr($raw, $pos, 2) ne "\r\n") {
            return ($out, "invalid chunked data (expected CRLF)", 0);
        }
        $pos += 2;
    }
}

1;
