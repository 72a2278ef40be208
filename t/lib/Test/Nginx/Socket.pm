package Test::Nginx::Socket;

# Small stand-in for openresty's Test::Nginx::Socket, written for the routini
# project.  It is only put on @INC (via `prove -I t/lib`) when the real
# module is not installed.  It implements the subset of the data-driven test
# format used by our t/*.t files; see t/README.md.
#
# This is an independent implementation: it mirrors the documented and
# observable behaviour (section names, test names and test counts, nginx.conf
# skeleton, environment variables) but shares no code with the original.

use strict;
use warnings;

use Test::Base -base;

use File::Spec ();
use HTTP::Response ();
use List::Util qw(shuffle);
use Scalar::Util qw(looks_like_number);
use Test::LongString ();
use Time::HiRes ();

use Test::Nginx::Lite::Server ();
use Test::Nginx::Lite::Client ();

our $VERSION = '0.33';
our $IMPLEMENTATION = 'routini-lite';

our @EXPORT = qw(
    run_tests run_test repeat_each no_shuffle workers master_on master_off
    master_process_enabled log_level no_long_string no_root_location
    env_to_nginx server_root html_dir server_port server_port_for_client
    server_name server_addr timeout config_preamble worker_connections
    check_accum_error_log is_str bail_out no_nginx_manager
    add_block_preprocessor add_cleanup_handler
);

# ------------------------------------------------------------------ settings

our $RepeatEach        = 1;
our $NoShuffle         = $ENV{TEST_NGINX_NO_SHUFFLE} ? 1 : 0;
our $Workers           = 1;
our $MasterOn          = 0;
our $LogLevel          = 'debug';
our $NoLongString      = 0;
our $NoRootLocation    = 0;
our @EnvToNginx;
our $Timeout           = $ENV{TEST_NGINX_TIMEOUT} || 3;
our $ServerPort        = $ENV{TEST_NGINX_PORT} || $ENV{TEST_NGINX_SERVER_PORT} || 1984;
our $ServerPortForClient = $ENV{TEST_NGINX_CLIENT_PORT} || $ServerPort;
our $ServerName        = 'localhost';
our $ServerAddr        = '127.0.0.1';
our $ConfigPreamble    = '';
our $WorkerConnections = 64;
our $CheckAccumErrLog  = 0;
our @BlockPreprocessors;
our @CleanupHandlers;

our $Server = Test::Nginx::Lite::Server->new;

$ENV{TEST_NGINX_SERVER_PORT} = $ServerPort
    unless defined $ENV{TEST_NGINX_SERVER_PORT};
$ENV{TEST_NGINX_SERVER_ROOT} = $Server->root
    unless defined $ENV{TEST_NGINX_SERVER_ROOT};
$ENV{TEST_NGINX_HTML_DIR} = $Server->html_dir
    unless defined $ENV{TEST_NGINX_HTML_DIR};

sub repeat_each {
    if (@_) { $RepeatEach = shift }
    return $RepeatEach;
}

sub no_shuffle           { $NoShuffle = 1 }
sub no_long_string       { $NoLongString = 1 }
sub no_root_location     { $NoRootLocation = 1 }
sub master_on            { $MasterOn = 1 }
sub master_off           { $MasterOn = 0 }
sub check_accum_error_log { $CheckAccumErrLog = 1 }
sub no_nginx_manager     { }   # accepted, not supported

sub master_process_enabled {
    if (@_) { $MasterOn = shift() ? 1 : 0 }
    return $MasterOn;
}

sub workers {
    if (@_) {
        $Workers = shift;
        master_on() if $Workers > 1;
    }
    return $Workers;
}

sub log_level {
    if (@_) { $LogLevel = shift }
    return $LogLevel;
}

sub timeout {
    if (@_) { $Timeout = shift }
    return $Timeout;
}

sub worker_connections {
    if (@_) { $WorkerConnections = shift }
    return $WorkerConnections;
}

sub config_preamble   { $ConfigPreamble = shift }
sub env_to_nginx      { push @EnvToNginx, @_ }
sub server_root       { $Server->root }
sub html_dir          { $Server->html_dir }
sub server_port       { if (@_) { $ServerPort = shift } $ServerPort }
sub server_port_for_client { if (@_) { $ServerPortForClient = shift } $ServerPortForClient }
sub server_addr       { if (@_) { $ServerAddr = shift } $ServerAddr }
sub server_name       { if (@_) { $ServerName = shift } $ServerName }

sub add_block_preprocessor(&) { unshift @BlockPreprocessors, shift }
sub add_cleanup_handler       { unshift @CleanupHandlers, shift }

sub bail_out {
    cleanup();
    Test::More::BAIL_OUT(join '', @_);
}

sub is_str {
    my ($got, $expected, $name) = @_;
    if (ref $expected && ref $expected eq 'Regexp') {
        return Test::More::like($got, $expected, $name);
    }
    if ($NoLongString) {
        return Test::More::is($got, $expected, $name);
    }
    return Test::LongString::is_string($got, $expected, $name);
}

# ------------------------------------------------------------------ helpers

# value of a section, undef when the block does not have it
sub sec {
    my ($block, $name) = @_;
    return undef unless exists $block->{$name};
    my @v = @{ $block->{$name} || [] };
    return $v[0];
}

sub parse_time {
    my $t = shift;
    return undef unless defined $t;
    $t =~ s/^\s+|\s+$//g;
    if ($t =~ /^([\d.]+)ms$/) { return $1 / 1000 }
    if ($t =~ /^([\d.]+)s?$/) { return $1 }
    return $t;
}

# per-block environment overlay (random ports)
our %BlockEnv;

sub env_value {
    my $k = shift;
    return $BlockEnv{$k} if exists $BlockEnv{$k};
    return $ENV{$k};
}

# Substitute $TEST_NGINX_FOO by the value of the environment variable.
# In config sections an undefined variable aborts (as the original does);
# elsewhere it is left untouched.
sub expand_env {
    my ($text, $strict, $name) = @_;
    return $text unless defined $text && !ref $text;
    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        my $v = env_value($1);
        if (!defined $v) {
            if ($strict) {
                bail_out("$name - No environment $1 defined.\n");
            }
            $v = "\$$1";
        }
        $v;
    }ge;
    return $text;
}

sub expand_any {
    my ($v, $strict, $name) = @_;
    return $v unless defined $v;
    if (ref $v eq 'ARRAY') {
        return [ map { expand_any($_, $strict, $name) } @$v ];
    }
    return $v if ref $v;
    return expand_env($v, $strict, $name);
}

sub collect_rand_ports {
    my $block = shift;
    my %ports;
    my @stack = map { $block->{$_} } grep { !/^_/ } keys %$block;
    while (@stack) {
        my $v = shift @stack;
        next unless defined $v;
        if (ref $v eq 'ARRAY') { push @stack, @$v; next }
        next if ref $v;
        while ($v =~ /\$TEST_NGINX_RAND_PORT_(\d+)/g) {
            $ports{$1} = 1;
        }
    }
    my %env;
    my %used = ($ServerPort => 1);
    for my $n (sort { $a <=> $b } keys %ports) {
        my $p;
        for (1 .. 20) {
            $p = Test::Nginx::Lite::Server::free_port();
            last unless $used{$p};
        }
        $used{$p} = 1;
        $env{"TEST_NGINX_RAND_PORT_$n"} = $p;
    }
    return \%env;
}

sub parse_user_files {
    my ($block, $text) = @_;
    return [] unless defined $text;
    if (ref $text eq 'ARRAY') {
        # [ [name, body, mtime?], ... ]
        return [ map { [ @$_ ] } @$text ];
    }
    my @files;
    my $cur;
    for my $line (split /^/, $text) {
        if ($line =~ /^>>>\s+(\S+)(?:\s+(\d+))?\s*$/) {
            my ($fname, $mtime) = ($1, $2);
            if (defined $mtime && $mtime =~ /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)$/) {
                require POSIX;
                $mtime = POSIX::mktime(0, $5, $4, $3, $2 - 1, $1 - 1900);
            }
            $cur = [ $fname, '', $mtime ];
            push @files, $cur;
            next;
        }
        if (!$cur) {
            next if $line =~ /^\s*$/;
            bail_out($block->name . " - bad --- user_files: expected \">>> name\" line");
        }
        $cur->[1] .= $line;
    }
    return \@files;
}

sub split_more_headers {
    my $text = shift;
    return ('', 0) unless defined $text && $text ne '';
    my $out = '';
    my $chunked = 0;
    for my $h (split /\n+/, $text) {
        next if $h =~ /^\s*#/;
        next if $h =~ /^\s*$/;
        my ($k, $v) = split /:\s*/, $h, 2;
        $v = '' unless defined $v;
        $chunked = 1 if lc($k) eq 'transfer-encoding' && $v eq 'chunked';
        $out .= "$k: $v\r\n";
    }
    return ($out, $chunked);
}

# Turn a "--- request" style string into wire format.
sub build_request {
    my ($name, $req, $more_headers) = @_;
    my ($hdrs, $chunked) = split_more_headers($more_headers);

    my ($first, $content);
    my $nl = index($req, "\n");
    if ($nl < 0) { ($first, $content) = ($req, '') }
    else { ($first, $content) = (substr($req, 0, $nl + 1), substr($req, $nl + 1)) }

    if ($first !~ /^\s*(\S+)[ \t]*(?:(\S+)[ \t]*)?(?:(\S+)[ \t]*)?\s*$/) {
        bail_out("$name - Request line is not valid. Should be 'meth [url [version]]' but got \"$first\".");
    }
    my ($meth, $url, $ver) = ($1, $2, $3);
    $url = '/' unless defined $url;
    $ver = 'HTTP/1.1' unless defined $ver;

    my $len = '';
    if (!$chunked && $content ne '' && $hdrs !~ /(?:^|\n)Content-Length:/i) {
        $content =~ s/^\s+|\s+$//gs;
        $len = 'Content-Length: ' . length($content) . "\r\n";
    }

    my $head = "$meth $url $ver\r\n";
    $head .= "Host: $ServerName\r\n" unless $hdrs =~ /(?:^|\n)Host:/i;
    $head .= "Connection: close\r\n" unless $hdrs =~ /(?:^|\n)Connection/i;
    $head .= $hdrs . $len . "\r\n";
    return {
        packets   => [ $head . $content ],
        head      => (uc($meth) eq 'HEAD'),
        keepalive => ($hdrs =~ /(?:^|\n)Connection:\s*keep-alive/i ? 1 : 0),
    };
}

sub raw_request_info {
    my $packets = shift;
    my $all = join '', @$packets;
    my ($meth) = $all =~ /^\s*(\S+)/;
    return {
        packets   => $packets,
        head      => (defined $meth && uc($meth) eq 'HEAD'),
        keepalive => ($all =~ /\nConnection:\s*keep-alive/i ? 1 : 0),
    };
}

sub requests_of_block {
    my $block = shift;
    my $name = $block->name;
    my @list;

    # as in the real Test::Nginx, $TEST_NGINX_* is expanded in the config
    # sections and user files only, never in requests
    my $raw = sec($block, 'raw_request');
    if (defined $raw) {
        my @packets = ref $raw eq 'ARRAY' ? @$raw : ($raw);
        push @list, raw_request_info(\@packets);
        return \@list;
    }

    my $req = sec($block, 'request');
    if (!defined $req) {
        bail_out("$name - request empty");
    }
    my $more = sec($block, 'more_headers');

    my $strip = sub {
        my $r = shift;
        1 while $r =~ s/^\s*#[^\n]*\n//s || $r =~ s/^\s+//s;
        return $r;
    };

    if (!ref $req) {
        push @list, build_request($name, $strip->($req),
                                  ref $more eq 'ARRAY' ? $more->[0] : $more);
    } elsif (ref $req eq 'ARRAY') {
        my $i = 0;
        for my $one (@$req) {
            my $mh = ref $more eq 'ARRAY' ? $more->[$i] : $more;
            if (ref $one eq 'ARRAY') {
                # a request given as packets: built as a whole, sent at once
                my $joined = join '', map { ref $_ eq 'HASH' ? $_->{value} : $_ } @$one;
                push @list, build_request($name, $joined, $mh);
            } else {
                push @list, build_request($name, $strip->($one), $mh);
            }
            $i++;
        }
    } else {
        bail_out("$name - invalid --- request: MUST be string or array of requests");
    }
    return \@list;
}

# pick element $idx of an expectation when several requests are sent
sub indexed {
    my ($name, $v, $idx, $need_array) = @_;
    if ($need_array) {
        return $v->[$idx] if ref $v eq 'ARRAY';
        bail_out("$name - You asked for many requests, the expected results should be arrays as well.");
    }
    if (ref $v eq 'ARRAY') {
        return $v->[0];
    }
    return $v;
}

sub parse_header_spec {
    my $s = shift;
    my @out;
    return \@out unless defined $s;
    my %seen;
    for my $line (split /\n/, $s) {
        $line =~ s/^\s+|\s+$//g;
        next if $line eq '';
        my ($key, $val);
        if ($line =~ s/^!\s*//) {
            ($key, $val) = ($line, undef);
        } else {
            ($key, $val) = split /\s*:\s*/, $line, 2;
            $val = '' unless defined $val;
        }
        # later lines win, like a hash
        if (exists $seen{$key}) { $out[$seen{$key}][1] = $val; next }
        $seen{$key} = scalar @out;
        push @out, [$key, $val];
    }
    return \@out;
}

sub one_line {
    my $s = shift;
    $s = '' unless defined $s;
    chomp $s;
    $s =~ s/"/\\"/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/\n/\\n/g;
    return $s;
}

sub trim_summary {
    my $s = shift;
    return '' unless defined $s;
    $s =~ s/^\s+|\s+$//g;
    $s =~ s/\n/ /g;
    $s = substr($s, 0, 20) . '...' if length $s > 20;
    return $s;
}

# ------------------------------------------------------------------ error log

our $ErrLogPos = 0;
our $ExtraLogText;    # nginx stderr output, for must_die blocks

sub error_log_lines {
    my @lines;
    my $file = $Server->error_log_file;
    if (open my $in, '<', $file) {
        seek $in, $ErrLogPos, 0 if !$CheckAccumErrLog && $ErrLogPos > 0;
        @lines = <$in>;
        $ErrLogPos = tell $in unless $CheckAccumErrLog;
        close $in;
    }
    if (defined $ExtraLogText) {
        push @lines, split /^/, $ExtraLogText;
        undef $ExtraLogText;
    }
    return \@lines;
}

sub mentions {
    my ($v, $what) = @_;
    return 0 unless defined $v;
    return scalar grep { mentions($_, $what) } @$v if ref $v eq 'ARRAY';
    return index("$v", $what) >= 0;
}

sub pattern_list {
    my $p = shift;
    if (!ref $p) {
        chomp $p;
        return [ split /\n+/, $p ];
    }
    return [$p] if ref $p eq 'Regexp';
    return [@$p];
}

sub line_matches {
    my ($line, $pat) = @_;
    return ref $pat ? $line =~ $pat : index($line, $pat) >= 0;
}

sub check_error_log {
    my ($block, $rep) = @_;
    my $name = $block->name;
    my $lines;

    my $grep = sec($block, 'grep_error_log');
    if (defined $grep) {
        $grep = $grep->[$rep] if ref $grep eq 'ARRAY';
        my $expected = sec($block, 'grep_error_log_out');
        if (!defined $expected) {
            bail_out("$name - No --- grep_error_log_out defined but --- grep_error_log is defined");
        }
        $expected = $expected->[$rep] if ref $expected eq 'ARRAY';
        $lines ||= error_log_lines();
        my $got = '';
        for my $line (@$lines) {
            my $m;
            if (ref $grep) { $m = $& if $line =~ $grep }
            else { $m = $grep if index($line, $grep) >= 0 }
            $got .= "$m\n" if defined $m && $m !~ /\n/;
        }
        if (ref $expected eq 'Regexp') {
            like($got, $expected, "$name - grep_error_log_out (req $rep)");
        } else {
            is_str($got, $expected, "$name - grep_error_log_out (req $rep)");
        }
    }

    my %warn_for = (alert => 1, crit => 1, emerg => 1);

    my $want = sec($block, 'error_log');
    if (defined $want) {
        for my $lvl (keys %warn_for) {
            delete $warn_for{$lvl} if mentions($want, "[$lvl");
        }
        my $pats = pattern_list($want);
        $lines ||= error_log_lines();
        my @found = (0) x @$pats;
        for my $line (@$lines) {
            for my $i (0 .. $#$pats) {
                next if $found[$i] || !defined $pats->[$i];
                $found[$i] = 1 if line_matches($line, $pats->[$i]);
            }
        }
        for my $i (0 .. $#$pats) {
            my $pat = $pats->[$i];
            next unless defined $pat;
            ok($found[$i], "$name - pattern \"$pat\" matches a line in error.log (req $rep)");
        }
    }

    my $unwanted = sec($block, 'no_error_log');
    if (defined $unwanted) {
        for my $lvl (keys %warn_for) {
            delete $warn_for{$lvl} if mentions($unwanted, "[$lvl");
        }
        my $pats = pattern_list($unwanted);
        $lines ||= error_log_lines();
        for my $pat (@$pats) {
            next unless defined $pat;
            my $hit;
            for my $line (@$lines) {
                if (line_matches($line, $pat)) { $hit = $line; last }
            }
            my $p = one_line($pat);
            if (defined $hit) {
                fail("$name - pattern \"$p\" should not match any line in error.log but matches line \""
                     . one_line($hit) . "\" (req $rep)");
            } else {
                pass("$name - pattern \"$p\" does not match a line in error.log (req $rep)");
            }
        }
    }

    if (%warn_for) {
        $lines ||= error_log_lines();
        my $re = join '|', sort keys %warn_for;
        for my $line (@$lines) {
            warn "WARNING: $name - " . one_line($line) . "\n" if $line =~ /\[(?:$re)\]/;
        }
    }
}

# ------------------------------------------------------------------ responses

sub parse_response {
    my ($name, $raw, $head) = @_;
    my $raw_headers = '';
    $raw_headers = $1 if $raw =~ /^(.*?\r\n)\r\n/s;
    my $res = HTTP::Response->parse($raw);
    my $code = $res->code;
    if (defined $code && $code !~ /^\d+$/) {
        $res->code(undef);
        $code = undef;
    }
    return ($res, $raw_headers) if $code && ($code == 304 || $code == 101);

    my $te  = $res->header('Transfer-Encoding');
    my $len = $res->header('Content-Length');
    if (defined $te && $te eq 'chunked') {
        my $body = $res->content;
        $body = '' unless defined $body;
        my ($decoded, $err, $complete, $left) = Test::Nginx::Lite::Client::dechunk($body);
        if ($err) {
            fail("$name - invalid chunked body received: $err");
        } elsif (!$complete) {
            fail("$name - no last chunk found - $body");
        } elsif (defined $left && length $left) {
            warn "WARNING: $name - unexpected extra bytes after last chunk in response: \"$left\"\n";
        }
        $res->content($decoded);
    } elsif (defined $len && $len =~ /^\d+$/) {
        my $body = $res->content;
        $body = '' unless defined $body;
        if (length $body < $len) {
            warn "WARNING: $name - response body truncated: $len expected, but got "
                . length($body) . "\n" unless $head;
        } elsif (length $body > $len) {
            $res->content(substr($body, 0, $len));
        }
    }
    return ($res, $raw_headers);
}

sub check_response {
    my ($block, $res, $raw_headers, $idx, $rep, $need_array) = @_;
    my $name = $block->name;
    my $code = ($res && $res->code) || '';

    # status code
    if (defined(my $like = sec($block, 'error_code_like'))) {
        my $v = indexed($name, $like, $idx, $need_array);
        like($code, qr/$v/sm, "$name - status code ok");
    } elsif (defined(my $ec = sec($block, 'error_code'))) {
        is($code, indexed($name, $ec, $idx, $need_array), "$name - status code ok");
    } else {
        is($code, 200, "$name - status code ok");
    }

    # raw headers
    if (defined(my $v = sec($block, 'raw_response_headers_like'))) {
        my $pat = indexed($name, $v, $idx, $need_array);
        like($raw_headers, qr/$pat/s, "$name - raw resp headers like");
    }
    if (defined(my $v = sec($block, 'raw_response_headers_unlike'))) {
        my $pat = indexed($name, $v, $idx, $need_array);
        unlike($raw_headers, qr/$pat/s, "$name - raw resp headers unlike");
    }

    # headers
    if (defined(my $v = sec($block, 'response_headers'))) {
        my $spec = parse_header_spec(indexed($name, $v, $idx, $need_array));
        for my $kv (@$spec) {
            my ($key, $val) = @$kv;
            if (!defined $val) {
                unlike($raw_headers, qr/^\s*\Q$key\E\s*:/ms,
                       "$name - header $key not present in the raw headers");
                next;
            }
            $val =~ s/\$ServerPort\b/$ServerPort/g;
            my $got = $res ? $res->header($key) : undef;
            $got = '' unless defined $got;
            is($got, $val, "$name - header $key ok");
        }
    } elsif (defined(my $v2 = sec($block, 'response_headers_like'))) {
        my $spec = parse_header_spec(indexed($name, $v2, $idx, $need_array));
        for my $kv (@$spec) {
            my ($key, $val) = @$kv;
            $val = '' unless defined $val;
            my $got = $res ? $res->header($key) : undef;
            $got = '' unless defined $got;
            like($got, qr/^$val$/, "$name - header $key like ok");
        }
    }

    # body
    my $content = $res ? $res->content : undef;
    if (defined(my $v = sec($block, 'response_body'))) {
        my $expected = indexed($name, $v, $idx, $need_array);
        if (!ref $expected && defined $expected) {
            $expected =~ s/\$ServerPort\b/$ServerPort/g;
        }
        if (ref $expected) {
            like($content, $expected, "$name - response_body - like (req $rep)");
        } else {
            is_str($content, $expected, "$name - response_body - response is expected (req $rep)");
        }
    } elsif (defined(my $v3 = sec($block, 'response_body_like'))
             || defined(sec($block, 'response_body_unlike')))
    {
        my ($type, $pats) = defined $v3
            ? ('like', $v3) : ('unlike', sec($block, 'response_body_unlike'));
        my $pat = indexed($name, $pats, $idx, $need_array);
        $pat =~ s/\$ServerPort\b/$ServerPort/g unless ref $pat;
        my $summary = trim_summary($content);
        if ($type eq 'like') {
            like($content, qr/$pat/s, "$name - response_body_like - response is expected ($summary)");
        } else {
            unlike($content, qr/$pat/s, "$name - response_body_unlike - response is expected ($summary)");
        }
    }
}

# ------------------------------------------------------------------ main loop

our $PrevBlockDied = 0;
our $StartedAny = 0;

sub run_tests {
    my @blocks = blocks();
    @blocks = shuffle @blocks unless $NoShuffle;
    for my $block (@blocks) {
        for my $hdl (@BlockPreprocessors) {
            $block = $hdl->($block) || $block;
        }
        run_test($block);
    }
    cleanup_handlers();
}

sub cleanup_handlers {
    $_->() for @CleanupHandlers;
}

sub cleanup {
    cleanup_handlers();
}

sub load_modules {
    my $mods = $ENV{TEST_NGINX_LOAD_MODULES};
    return [] unless defined $mods && $mods =~ /\S/;
    return [ map { File::Spec->rel2abs($_) } split ' ', $mods ];
}

sub skip_count_and_reason {
    my $block = shift;
    my $name = $block->name;
    if (defined(my $se = sec($block, 'skip_eval'))) {
        if ($se =~ /^\s*(\d+)\s*:\s*(.*)/s) {
            my ($n, $code) = ($1, $2);
            my $r = eval $code;
            bail_out("$name - skip_eval - failed to eval the Perl code \"$code\": $@") if $@;
            return ($n, 'skip_eval') if $r;
        }
    }
    if (defined(my $sn = sec($block, 'skip_nginx'))) {
        if ($sn =~ /^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)(?:\s*:\s*(.*?))?\s*$/s) {
            my ($n, $op, $want) = ($1, $2, $3 * 1000000 + $4 * 1000 + $5);
            my $reason = $6 || "nginx version $op $3.$4.$5";
            my $have = $Server->version;
            my $skip = !defined $have ? ($op =~ /^</)
                     : $op eq '<'  ? $have <  $want
                     : $op eq '<=' ? $have <= $want
                     : $op eq '>'  ? $have >  $want
                     :               $have >= $want;
            return ($n, $reason) if $skip;
        } else {
            bail_out("$name - Invalid --- skip_nginx spec: $sn");
        }
    }
    return;
}

sub run_test {
    my $block = shift;
    my $name = $block->name;

    local %BlockEnv = %{ collect_rand_ports($block) };
    # also visible to --- init code and nginx's env
    local @ENV{ keys %BlockEnv } = values %BlockEnv;

    my ($nskip, $reason) = skip_count_and_reason($block);
    if (defined $nskip) {
        SKIP: { skip("$name - $reason", $nskip * $RepeatEach) }
        return;
    }

    my $log_level = sec($block, 'log_level');
    $log_level = $LogLevel unless defined $log_level;
    chomp $log_level;

    my %conf = (
        load_modules       => load_modules(),
        workers            => $Workers,
        master             => ($MasterOn || $Workers > 1),
        log_level          => $log_level,
        env                => [@EnvToNginx],
        main_config        => expand_any(sec($block, 'main_config'), 1, $name),
        http_config        => expand_any(sec($block, 'http_config'), 1, $name),
        config             => expand_any(sec($block, 'config'), 1, $name),
        preamble           => expand_any($ConfigPreamble, 1, $name),
        port               => $ServerPort,
        server_name        => (defined sec($block, 'server_name')
                                   ? sec($block, 'server_name') : $ServerName),
        no_root_location   => $NoRootLocation,
        worker_connections => $WorkerConnections,
    );
    chomp $conf{server_name};
    my $conf_text = $Server->generate_config(%conf);

    my $ufiles = expand_any(sec($block, 'user_files'), 0, $name);
    my $files = parse_user_files($block, $ufiles);
    my $files_sig = join "\0", map { join "\1", map { defined $_ ? $_ : '' } @$_ } @$files;

    if (defined sec($block, 'must_die')) {
        run_must_die($block, $conf_text, $files);
        return;
    }

    my $reuse = !$ENV{TEST_NGINX_FORCE_RESTART_ON_TEST}
        && $StartedAny && !$PrevBlockDied
        && $Server->{running}
        && defined $Server->{conf} && $Server->{conf} eq $conf_text
        && defined $Server->{files} && $Server->{files} eq $files_sig
        && $Server->running_pid;

    if ($reuse) {
        $ErrLogPos = -s $Server->error_log_file || 0;
        $Server->write_user_files($files);
    } else {
        $Server->stop;
        $Server->prepare($conf_text, $files);
        my ($st, $err) = $Server->launch;
        $StartedAny = 1;
        if ($st != 0) {
            $PrevBlockDied = 1;
            print STDERR $err if defined $err;
            bail_out("$name - Cannot start nginx using command \""
                     . $Server->binary . " -p " . $Server->root . "/ -c conf/nginx.conf\".");
        }
        my ($ok, $why) = $Server->wait_ready($ServerPort, 10);
        if (!$ok) {
            $PrevBlockDied = 1;
            warn "WARNING: $name - $why\n";
            if (open my $in, '<', $Server->error_log_file) {
                my @l = <$in>;
                warn @l > 20 ? @l[-20 .. -1] : @l;
            }
            bail_out("$name - nginx failed to start");
        }
        $Server->{running} = 1;
        $Server->{conf} = $conf_text;
        $Server->{files} = $files_sig;
        $PrevBlockDied = 0;
        $ErrLogPos = 0;
    }

    if (defined(my $init = sec($block, 'init'))) {
        eval $init;
        bail_out("$name - init failed: $@") if $@;
    }

    for my $rep (0 .. $RepeatEach - 1) {
        $Server->write_user_files($files) if $rep > 0;
        run_requests($block, $rep);
    }

    # nginx may have crashed during the block: restart next time
    if (!$Server->running_pid) {
        $Server->{running} = 0;
        $PrevBlockDied = 1;
    }
}

sub run_must_die {
    my ($block, $conf_text, $files) = @_;
    my $name = $block->name;
    my $must_die = sec($block, 'must_die');
    chomp $must_die if defined $must_die;

    $Server->stop;
    $Server->prepare($conf_text, $files);
    $StartedAny = 1;
    $ErrLogPos = 0;

    for my $rep (0 .. $RepeatEach - 1) {
        my ($st, $err) = $Server->launch;
        my $exit = $st >> 8;
        if ($st & 127) {
            fail("$name - nginx core dumped") if $st & 128;
            fail("$name - nginx killed by signal " . ($st & 127)) unless $st & 128;
        } elsif (looks_like_number($must_die)) {
            is($must_die, $exit, "$name - die with the expected exit code");
        } else {
            isnt($st, 0, "$name - die as expected");
        }
        $ExtraLogText = $err;
        check_error_log($block, $rep);
        undef $ExtraLogText;
        if ($st == 0) {
            # it did not die after all: do not leave it running (its pid
            # file comes a moment after the launcher exits)
            $Server->wait_ready($ServerPort, 10);
            $Server->stop;
        }
    }
    $Server->{running} = 0;
    $PrevBlockDied = 1;
}

sub run_requests {
    my ($block, $rep) = @_;
    my $name = $block->name;
    my $reqs = requests_of_block($block);
    my $need_array = @$reqs > 1;

    my $timeout = parse_time(sec($block, 'timeout'));
    $timeout = $Timeout unless defined $timeout;
    my $delay = parse_time(sec($block, 'raw_request_middle_delay'));
    my $wait = parse_time(sec($block, 'wait'));

    for my $i (0 .. $#$reqs) {
        my $r = $reqs->[$i];
        my $resp = Test::Nginx::Lite::Client::send_raw(
            host => $ServerAddr, port => $ServerPortForClient,
            packets => $r->{packets}, timeout => $timeout,
            middle_delay => $delay, head => $r->{head},
            keepalive => $r->{keepalive});

        if (defined $resp->{error}) {
            fail("$name - $resp->{error}");
        }
        if ($resp->{timed_out} && !defined sec($block, 'abort')) {
            fail("ERROR: client socket timed out - $name");
        }

        if (!defined sec($block, 'ignore_response')) {
            my ($res, $raw_headers) = parse_response($name, $resp->{raw}, $r->{head});
            check_response($block, $res, $raw_headers, $i, $rep, $need_array);
        }

        if ($i < $#$reqs) {
            Time::HiRes::sleep($wait) if $wait;
            settle_log();
            check_error_log($block, $rep);
        }
    }

    Time::HiRes::sleep($wait) if $wait;
    settle_log();
    check_error_log($block, $rep);
}

# give nginx a moment to finish logging (log phase runs around connection
# close); poll the error log size instead of sleeping blindly
sub settle_log {
    my $file = $Server->error_log_file;
    my $size = -s $file || 0;
    for (1 .. 10) {
        Time::HiRes::sleep(0.005);
        my $now = -s $file || 0;
        last if $now == $size;
        $size = $now;
    }
}

END {
    local $?;
    if ($Server && $StartedAny && !$ENV{TEST_NGINX_NO_CLEAN}) {
        $Server->stop;
    }
}

1;
