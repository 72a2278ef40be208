package Test::Nginx::Lite::Server;

# nginx process management for the routini fallback test runner.
# Written from scratch for this project; only the observable behaviour of
# Test::Nginx (servroot layout, nginx.conf skeleton, env vars) is mimicked.

use strict;
use warnings;

use Cwd ();
use File::Path ();
use File::Spec ();
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes ();

sub new {
    my ($class, %args) = @_;
    my $root = $ENV{TEST_NGINX_SERVROOT}
        || File::Spec->catdir(Cwd::getcwd(), 't', 'servroot');
    $root = File::Spec->rel2abs($root);
    my $self = bless {
        root    => $root,
        binary  => undef,
        running => 0,      # we believe an nginx from us is up
        conf    => undef,  # text of the nginx.conf it was started with
        files   => undef,  # signature of the user files written
        %args,
    }, $class;
    return $self;
}

sub root      { $_[0]{root} }
sub html_dir  { File::Spec->catdir($_[0]{root}, 'html') }
sub log_dir   { File::Spec->catdir($_[0]{root}, 'logs') }
sub conf_file { File::Spec->catfile($_[0]{root}, 'conf', 'nginx.conf') }
sub pid_file  { File::Spec->catfile($_[0]->log_dir, 'nginx.pid') }
sub error_log_file  { File::Spec->catfile($_[0]->log_dir, 'error.log') }
# in logs/: the real Test::Nginx empties the server root it finds and
# bails out on files it does not expect there
sub stderr_log_file { File::Spec->catfile($_[0]->log_dir, 'nginx-stderr.log') }

sub binary {
    my $self = shift;
    return $self->{binary} if defined $self->{binary};
    my $bin = $ENV{TEST_NGINX_BINARY};
    if (!defined $bin || $bin eq '') {
        for my $dir (File::Spec->path) {
            my $cand = File::Spec->catfile($dir, 'nginx');
            if (-f $cand && -x _) { $bin = $cand; last }
        }
        $bin = '/usr/sbin/nginx' if !defined $bin && -x '/usr/sbin/nginx';
        $bin = 'nginx' if !defined $bin;
    }
    return $self->{binary} = $bin;
}

# nginx version as an integer like 1022001 (1.22.1), or undef.
sub version {
    my $self = shift;
    return $self->{version} if exists $self->{version};
    my $bin = $self->binary;
    my $out = `'$bin' -v 2>&1`;
    my $v;
    if (defined $out && $out =~ m{nginx/(\d+)\.(\d+)\.(\d+)}) {
        $v = $1 * 1000000 + $2 * 1000 + $3;
    }
    return $self->{version} = $v;
}

# ---------------------------------------------------------------- config

sub generate_config {
    my ($self, %c) = @_;

    my $root = $self->{root};
    my $out = '';

    for my $mod (@{ $c{load_modules} || [] }) {
        $out .= "load_module $mod;\n";
    }

    my $master = $c{master} ? 'on' : 'off';
    $out .= "worker_processes  $c{workers};\n";
    $out .= "daemon on;\n";
    $out .= "master_process $master;\n";
    $out .= "user root;\n" if $> == 0 && $c{master};
    $out .= "error_log logs/error.log $c{log_level};\n";
    $out .= "pid       logs/nginx.pid;\n";
    for my $e (@{ $c{env} || [] }) {
        $out .= "env $e;\n";
    }
    $out .= "\n";
    $out .= "# main_config\n" . $c{main_config} . "\n" if defined $c{main_config};

    $out .= "http {\n";
    $out .= "    access_log logs/access.log;\n";
    $out .= "    default_type text/plain;\n";
    $out .= "    keepalive_timeout  68;\n";
    for my $t (qw(client_body proxy fastcgi uwsgi scgi)) {
        $out .= "    ${t}_temp_path $root/${t}_temp;\n";
    }
    $out .= "\n";
    $out .= "    # http_config\n" . $c{http_config} . "\n" if defined $c{http_config};
    $out .= "    server {\n";
    # every address, as the real Test::Nginx: a test server of its own on
    # 127.0.0.1 and this port takes the requests under both runners alike
    $out .= "        listen          $c{port};\n";
    $out .= "        server_name     '$c{server_name}';\n";
    $out .= "        client_max_body_size 30M;\n";
    if (defined $c{preamble} && $c{preamble} ne '') {
        $out .= "        # config preamble\n$c{preamble}\n";
    }
    $out .= "        # config\n";
    $out .= (defined $c{config} ? $c{config} : '') . "\n";
    $out .= "        # end of config\n";
    if (!$c{no_root_location}) {
        $out .= "        location / {\n";
        $out .= "            root html;\n";
        $out .= "            index index.html index.htm;\n";
        $out .= "        }\n";
    }
    $out .= "    }\n";
    $out .= "}\n\n";
    $out .= "events {\n";
    $out .= "    accept_mutex off;\n";
    $out .= "    worker_connections  $c{worker_connections};\n";
    $out .= "}\n";
    return $out;
}

# ---------------------------------------------------------------- processes

sub read_pid {
    my $self = shift;
    open my $fh, '<', $self->pid_file or return undef;
    my $pid = <$fh>;
    close $fh;
    return undef unless defined $pid;
    $pid =~ s/\s+//g;
    return $pid =~ /^\d+$/ ? $pid : undef;
}

sub is_alive {
    my ($self, $pid) = @_;
    return 0 unless $pid && kill(0, $pid);
    # a zombie is as good as gone (it can't be reaped by us)
    if (open my $st, '<', "/proc/$pid/stat") {
        my $line = <$st>;
        close $st;
        return 0 if defined $line && $line =~ /^\d+ \(.*\) Z/;
    }
    return 1;
}

sub wait_gone {
    my ($self, $pid, $secs) = @_;
    my $deadline = Time::HiRes::time() + $secs;
    while (Time::HiRes::time() < $deadline) {
        waitpid($pid, POSIX::WNOHANG());
        return 1 unless $self->is_alive($pid);
        Time::HiRes::sleep(0.01);
    }
    return !$self->is_alive($pid);
}

# Stop whatever nginx the pid file points at.
sub stop {
    my $self = shift;
    my $pid = $self->read_pid;
    if ($pid && $self->is_alive($pid)) {
        my $sig = $ENV{TEST_NGINX_FAST_SHUTDOWN} ? 'TERM' : 'QUIT';
        kill $sig, $pid;
        if (!$self->wait_gone($pid, 5)) {
            kill 'TERM', $pid;
            if (!$self->wait_gone($pid, 2)) {
                warn "WARNING: killing nginx $pid with force...\n";
                kill 'KILL', $pid;
                $self->wait_gone($pid, 2);
            }
        }
    }
    unlink $self->pid_file if -f $self->pid_file;
    $self->{running} = 0;
    $self->{conf} = undef;
    $self->{files} = undef;
}

sub running_pid {
    my $self = shift;
    my $pid = $self->read_pid;
    return ($pid && $self->is_alive($pid)) ? $pid : undef;
}

# Wipe and recreate the server root, write nginx.conf and user files.
sub prepare {
    my ($self, $conf, $files) = @_;
    my $root = $self->{root};
    if (-d $root) {
        # only remove what we create ourselves
        for my $d (qw(conf html logs client_body_temp proxy_temp fastcgi_temp
                      uwsgi_temp scgi_temp))
        {
            File::Path::rmtree(File::Spec->catdir($root, $d));
        }
        unlink $self->stderr_log_file;
    }
    for my $d (qw(conf html logs)) {
        File::Path::mkpath(File::Spec->catdir($root, $d));
    }
    open my $out, '>', $self->conf_file
        or die "Can't write ", $self->conf_file, ": $!\n";
    print $out $conf;
    close $out;
    $self->write_user_files($files);
}

sub write_user_files {
    my ($self, $files) = @_;
    for my $f (@{ $files || [] }) {
        my ($name, $body, $mtime) = @$f;
        my $path = File::Spec->catfile($self->html_dir, $name);
        my (undef, $dir) = File::Spec->splitpath($path);
        File::Path::mkpath($dir) if $dir ne '' && !-d $dir;
        open my $out, '>', $path or die "Can't write $path: $!\n";
        binmode $out;
        print $out $body;
        close $out;
        utime $mtime, $mtime, $path if defined $mtime;
    }
}

# Runs the nginx binary (which daemonizes). Returns ($status, $stderr_text)
# where $status is the raw $? of the launcher.
sub launch {
    my $self = shift;
    my @cmd = ($self->binary, '-p', $self->{root} . '/', '-c', 'conf/nginx.conf');
    my $v = $self->version;
    # keep start-up messages out of the system-wide error log (nginx >= 1.19.5)
    push @cmd, '-e', 'logs/error.log' if defined $v && $v >= 1019005;

    my $errfile = $self->stderr_log_file;
    my $pid = fork();
    die "fork failed: $!\n" unless defined $pid;
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', '/dev/null';
        open STDERR, '>', $errfile;
        { no warnings q(exec); exec { $cmd[0] } @cmd; }
        print STDERR "failed to execute $cmd[0]: $!\n";
        POSIX::_exit(127);
    }
    waitpid($pid, 0);
    my $status = $?;
    my $err = '';
    if (open my $in, '<', $errfile) {
        local $/;
        $err = <$in>;
        $err = '' unless defined $err;
        close $in;
    }
    return ($status, $err);
}

# Poll until the nginx we started accepts connections on $port.
sub wait_ready {
    my ($self, $port, $secs) = @_;
    my $deadline = Time::HiRes::time() + ($secs || 10);
    my $pid;
    while (Time::HiRes::time() < $deadline) {
        $pid ||= $self->read_pid;
        if ($pid && !$self->is_alive($pid)) {
            return (0, "nginx process $pid exited");
        }
        if ($pid) {
            my $s = IO::Socket::INET->new(
                PeerAddr => '127.0.0.1', PeerPort => $port,
                Proto => 'tcp', Timeout => 1);
            if ($s) { close $s; return (1) }
        }
        Time::HiRes::sleep(0.01);
    }
    return (0, "nginx did not accept connections on port $port");
}

sub free_port {
    my $s = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp',
        Listen => 1, ReuseAddr => 1) or die "cannot allocate a port: $!\n";
    my $port = $s->sockport;
    close $s;
    return $port;
}

1;
