# Helpers for the zone tests t/08x-zone-*.t: an nginx with a master
# process that the test reloads (HUP) between requests, which Test::Nginx
# cannot do within a block, and a backend that holds every request until
# the test releases it, so that a worker of an old configuration stays
# alive exactly as long as the test needs.
#
# Plain Perl and Test::More: the files run the same under prove with our
# t/lib runner, openresty's Test::Nginx, make test-asan (the module linked
# in: TEST_NGINX_LOAD_MODULES empty) and make test-valgrind.
#
# Environment: TEST_NGINX_BINARY, TEST_NGINX_LOAD_MODULES, TEST_NGINX_PORT
# (nginx listens there; the backend on a free port), TEST_NGINX_TIMEOUT
# (seconds, scales every wait), ROUTINI_KEEP=1 keeps the work directory.
#
# Waits poll a condition; none asserts anything about time.

package ZoneTest;

use strict;
use warnings;

use Exporter 'import';
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX ();
use Time::HiRes ();

our @EXPORT = qw(nginx_start nginx_stop nginx_reload master_pid workers
                 write_conf routes route_lines http_get http_to metrics metric hold_backend
                 held_count release held_request wait_for gone shutting_down
                 log_since
                 log_size zone_dir free_port nginx_port slurp);

my $dir = tempdir('routini-zone.XXXXXX', TMPDIR => 1,
                  CLEANUP => !$ENV{ROUTINI_KEEP});
my $port = $ENV{TEST_NGINX_PORT} || 1984;
my $binary = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my $modules = $ENV{TEST_NGINX_LOAD_MODULES} // '';

# the longest wait for one condition: valgrind runs nginx 20-50x slower
my $patience = ($ENV{TEST_NGINX_TIMEOUT} || 3) * 20;

my @children;

$SIG{PIPE} = 'IGNORE';

mkdir "$dir/$_" for qw(conf logs html tmp);

sub zone_dir { $dir }
sub nginx_port { $port }

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, ReuseAddr => 1)
        or die "no free port: $!";
    my $p = $s->sockport;
    close $s;
    return $p;
}

sub slurp {
    my ($f) = @_;
    open my $fh, '<', $f or return '';
    local $/;
    my $s = <$fh>;
    return $s // '';
}

# write_conf(HTTP, SERVER, [MAIN]): the http{} and server{} contents
sub write_conf {
    my ($http, $server, $main) = @_;
    my $load = join '', map { "load_module $_;\n" } split ' ', $modules;

    $main //= 'worker_processes 1;';

    open my $fh, '>', "$dir/conf/nginx.conf" or die $!;
    print $fh <<"CONF";
${load}$main
master_process on;
daemon on;
error_log logs/error.log notice;
pid logs/nginx.pid;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
$http
    server {
        listen 127.0.0.1:$port;
        location = /metrics { routini_metrics; }
        location /routini/api/ { routini_api; }
$server
    }
}
CONF
    close $fh;
}

# routes(PREFIX, N, TARGET): N routes named PREFIX1..PREFIXN
# routini_route /NAME/:id TARGET name=NAME, for each name
sub route_lines {
    my ($target, @names) = @_;
    return join '', map {
        "        routini_route /$_/:id $target name=$_;\n"
    } @names;
}

sub routes {
    my ($prefix, $n, $target) = @_;
    return route_lines($target, map { "$prefix$_" } 1 .. $n);
}

sub log_size { -s "$dir/logs/error.log" || 0 }

sub log_since {
    my ($off) = @_;
    my $s = slurp("$dir/logs/error.log");
    return length $s > $off ? substr($s, $off) : '';
}

sub wait_for {
    my ($cond) = @_;
    my $end = Time::HiRes::time() + $patience;
    while (Time::HiRes::time() < $end) {
        return 1 if $cond->();
        Time::HiRes::sleep(0.05);
    }
    return $cond->();
}

sub master_pid {
    my $pid = slurp("$dir/logs/nginx.pid");
    $pid =~ s/\s+//g;
    return $pid;
}

sub workers {
    my $master = master_pid();
    my @w;
    for my $stat (glob '/proc/[0-9]*/stat') {
        my $s = slurp($stat);
        # pid (comm) state ppid: comm may hold spaces and parentheses
        next unless $s =~ /^(\d+) \(.*\) (\S) (\d+) /s;
        push @w, $1 if $3 eq $master && $2 ne 'Z';
    }
    @w = sort { $a <=> $b } @w;
    return @w;
}

# a worker told to exit gracefully: it accepts no more connections (its
# log, not its process title: under valgrind the title does not change)
sub shutting_down {
    my ($pid) = @_;
    return slurp("$dir/logs/error.log") =~ /\b$pid#\d+: gracefully shutting/;
}

sub gone {
    my ($pid) = @_;
    return 1 unless kill 0, $pid;
    my $s = slurp("/proc/$pid/stat");
    return $s =~ /^\d+ \(.*\) Z /s;
}

sub nginx_start {
    system($binary, '-p', "$dir/", '-c', 'conf/nginx.conf') == 0
        or return 0;
    return wait_for(sub { my ($st) = http_get('/metrics'); $st == 200 });
}

sub nginx_stop {
    my $pid = master_pid();
    return unless $pid;
    kill 'QUIT', $pid;
    wait_for(sub { !kill 0, $pid });
}

# nginx_reload(DONE): HUP the master, wait until its log says the reload
# is done: new workers started, or DONE (default: an [emerg]) for a
# reload that fails.  Returns the log lines it wrote.
sub nginx_reload {
    my ($done) = @_;
    my $off = log_size();
    $done //= qr/\[emerg\]/;
    kill 'HUP', master_pid();
    wait_for(sub {
        my $l = log_since($off);
        $l =~ /start worker process \d+/ || $l =~ $done });
    return log_since($off);
}

# a request, HTTP/1.0: (status, body, headers)
sub http_get { http_to($port, @_) }

# the same to another port; HEADERS may give the Host
sub http_to {
    my ($to, $path, $method, $body, $headers) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $to,
                                  Timeout => $patience)
        or return (0, '');
    $method //= 'GET';
    $headers //= '';
    $headers = "Host: localhost\r\n$headers" unless $headers =~ /^Host:/mi;
    my $req = "$method $path HTTP/1.0\r\n$headers";
    $req .= "Content-Length: " . length($body) . "\r\n" if defined $body;
    $req .= "\r\n" . ($body // '');
    print $s $req;
    local $/;
    my $r = <$s> // '';
    close $s;
    my ($head, $b) = split /\r\n\r\n/, $r, 2;
    my ($st) = ($head // '') =~ m{^HTTP/\S+ (\d+)};
    return ($st // 0, $b // '', $head // '');
}

# the Prometheus text as { 'name{labels}' => value }
sub metrics {
    my (undef, $body) = http_get('/metrics');
    my %m;
    for (split /\n/, $body) {
        next if /^#/;
        $m{$1} = $2 if /^(\S+) (\S+)$/;
    }
    return \%m;
}

sub metric {
    my ($name) = @_;
    return metrics()->{$name};
}

# hold_backend(): a server that answers each request only once release()
# was called; held_count() tells how many it received
sub hold_backend {
    my $srv = IO::Socket::INET->new(Listen => 64, LocalAddr => '127.0.0.1',
                                    LocalPort => 0, ReuseAddr => 1)
        or die "backend: $!";
    my $bport = $srv->sockport;
    my $pid = fork // die;

    if ($pid == 0) {
        $SIG{CHLD} = 'IGNORE';
        while (my $c = $srv->accept) {
            my $h = fork;
            if (defined $h && $h == 0) {
                my $req = '';
                while ($req !~ /\r\n\r\n/) {
                    my $n = sysread $c, $req, 4096, length $req;
                    last unless $n;
                }
                open my $fh, '>>', "$dir/held" or die;
                print $fh "x\n";
                close $fh;
                Time::HiRes::sleep(0.05) until -e "$dir/release";
                syswrite $c, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                             . "Connection: close\r\n\r\nok\n";
                close $c;
                POSIX::_exit(0);
            }
            close $c;
        }
        POSIX::_exit(0);
    }

    close $srv;
    push @children, $pid;
    return $bport;
}

sub held_count {
    my $s = slurp("$dir/held");
    return scalar(() = $s =~ /x/g);
}

sub release {
    open my $fh, '>', "$dir/release" or die;
    close $fh;
}

# held_request(PATH): a client in the background; returns a sub that
# gives its response status once it has one
sub held_request {
    my ($path) = @_;
    my $out = "$dir/client." . scalar(@children);
    my $pid = fork // die;

    if ($pid == 0) {
        my ($st) = http_get($path);
        open my $fh, '>', "$out.tmp" or POSIX::_exit(1);
        print $fh $st;
        close $fh;
        rename "$out.tmp", $out;
        POSIX::_exit(0);
    }

    push @children, $pid;
    return sub { my $s = slurp($out); length $s ? $s : undef };
}

END {
    my $rc = $?;
    nginx_stop();
    release();
    kill 'TERM', @children if @children;
    # the backend's request children are in its process group
    waitpid $_, 0 for @children;
    $? = $rc;
}

1;
