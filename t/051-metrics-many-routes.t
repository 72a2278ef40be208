# routini_metrics with 2,000 routes, some of them sharing a name=: every
# series is in the output exactly once, in route order, with the first
# route's target, and nothing else is; the same for JSON.  The API lists
# every route.  Config, expectations and the blocks are generated here.

use Test::Nginx::Socket 'no_plan';

our ($Config, $Prometheus, $Json, $Routes);

BEGIN {
    my $n = 2000;
    my (@routes, @series, %seen);

    # requests below: /m5/a and /m20/b (both "grp2"), /m7/c, /m1999/d
    my %hits = ('grp2' => 2, 'q"b\\s' => 1, '/m1999/{id}' => 1);

    for my $i (1 .. $n) {
        my $pattern = "/m$i/{id}";
        my $target = $i % 2 ? 'u1' : 'u2';
        my ($name, $conf);

        if ($i % 5 == 0) {
            $name = 'grp' . ($i % 3);
            $conf = "name=$name";

        } elsif ($i == 7) {
            $name = 'q"b\\s';
            $conf = '"name=q\\"b\\\\s"';

        } else {
            $name = $pattern;
            $conf = '';
        }

        push @routes, { name => $name, pattern => $pattern,
                        target => $target };
        push @series, $routes[-1] unless $seen{$name}++;

        $Config .= qq{        routini_route "$pattern" $target $conf;\n};
    }

    die "expected 1603 series\n" unless @series == 1603;

    $Config = "    location = /metrics { routini_metrics; }\n"
              . "    location = /metrics.json { routini_metrics json; }\n"
              . "    location /routini/api/ { routini_api; }\n"
              . "    location /m {\n$Config"
              . "        proxy_pass http://\$routini_upstream;\n    }\n";

    # a label value and a JSON string escape " and \ alike here
    my $esc = sub { (my $s = shift) =~ s/(["\\])/\\$1/g; $s };

    my ($req, $hist) = ('', '');

    for my $s (@series) {
        my $l = quotemeta($esc->($s->{name}));
        my $h = $hits{$s->{name}} || 0;

        for my $c (1 .. 5) {
            $req .= "routini_requests_total\\{route=\"$l\","
                    . "upstream=\"$s->{target}\",code=\"${c}xx\"\\} "
                    . ($c == 2 ? $h : 0) . "\\n";
        }

        $hist .= "routini_request_duration_seconds_bucket\\{route=\"$l\","
                 . "le=\"10\"\\} $h\\n"
                 . "routini_request_duration_seconds_bucket\\{route=\"$l\","
                 . "le=\"\\+Inf\"\\} $h\\n"
                 . "routini_request_duration_seconds_sum\\{route=\"$l\"\\} "
                 . "\\d+\\.\\d{3}\\n"
                 . "routini_request_duration_seconds_count\\{route=\"$l\"\\} "
                 . "$h\\n";
    }

    $Prometheus = "\\A# HELP routini_requests_total [^\\n]+\\n"
                  . "# TYPE routini_requests_total counter\\n$req"
                  . "# HELP routini_request_duration_seconds [^\\n]+\\n"
                  . "# TYPE routini_request_duration_seconds histogram\\n"
                  . "$hist# HELP routini_unmatched_requests_total ";

    my $json = sub {
        my ($r, $h) = @_;

        return '\\{"name":"' . quotemeta($esc->($r->{name}))
               . '","pattern":"' . quotemeta($r->{pattern})
               . "\",\"target\":\"$r->{target}\",\"methods\":\\[\\],"
               . "\"strip_prefix\":false,\"hits\":$h,\"codes\":\\{"
               . "\"1xx\":0,\"2xx\":$h,\"3xx\":0,\"4xx\":0,\"5xx\":0\\},"
               . "\"duration\":\\{\"sum\":\\d+\\.\\d{3},\"count\":$h,"
               . "\"buckets\":\\{\"10\":$h,\"\\+Inf\":$h\\}\\}\\}";
    };

    $Json = '\\A\\{"zone":\\{[^}]+\\},"routes":\\['
            . join(',', map { $json->($_, $hits{$_->{name}} || 0) } @series)
            . '\\],"unmatched":';

    # the API lists every route with the hits of its series
    $Routes = '\\A\\{"routes":\\['
              . join(',', map { $json->($_, $hits{$_->{name}} || 0) }
                              @routes)
              . '\\]\\}\\n\\z';
}

# one block per output, each after the same four requests: Prometheus,
# JSON, and the API's route listing
my @outputs = (
    [ 'Prometheus: each of the 1,603 series once, in route order',
      '/metrics', 'Prometheus' ],
    [ 'JSON: each of the 1,603 series once, in route order',
      '/metrics.json', 'Json' ],
    [ "the API's route listing: all 2,000 routes, in order",
      '/routini/api/routes', 'Routes' ],
);

my $spec = '';
my $n = 0;

for my $o (@outputs) {
    my ($name, $uri, $expected) = @$o;

    $n++;
    $spec .= <<"END";
=== TEST $n: $name
--- http_config
    routini_metrics_buckets 10;
    upstream u1 { server 127.0.0.1:\$TEST_NGINX_RAND_PORT_1; }
    upstream u2 { server 127.0.0.1:\$TEST_NGINX_RAND_PORT_1; }
    server {
        listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "ok\\n"; }
    }
--- config eval: \$::Config
--- request eval
["GET /m5/a", "GET /m20/b", "GET /m7/c", "GET /m1999/d", "GET $uri"]
--- error_code eval
[200, 200, 200, 200, 200]
--- response_body_like eval
["ok", "ok", "ok", "ok", qr/\$::$expected/s]
--- no_error_log
[error]



END
}

spec_string($spec);

no_shuffle();
no_root_location();
run_tests();
