# Every sample path of the GitHub API route set (203 routes, from the
# go-http-routing-benchmark lists) reaches its own route.  The config and
# the expectations are generated from test/data/routes/github.routes
# (or $ROUTINI_ROUTES_DIR/github.routes).

use Test::Nginx::Socket 'no_plan';

our ($Config, $Requests, $Bodies);

BEGIN {
    require File::Basename;
    require File::Spec;

    my $root = File::Basename::dirname(
                   File::Basename::dirname(File::Spec->rel2abs($0)));
    my $dir = $ENV{ROUTINI_ROUTES_DIR} || "$root/test/data/routes";
    my $file = "$dir/github.routes";

    open my $in, '<', $file or die "cannot open $file: $!\n";

    my (@routes, @requests, @bodies);

    while (<$in>) {
        next if /^\s*(#|$)/;
        my ($method, $pattern, $sample) = split;
        push @routes, qq{        routini_route "$pattern" t methods=$method }
                      . qq{"name=$method $pattern";\n};
        push @requests, "$method $sample";
        push @bodies, "$method $pattern\n";
    }

    close $in;

    die "no routes in $file\n" unless @routes == 203;

    $Config = "    location / {\n" . join('', @routes)
              . "        return 200 \"\$routini_route\\n\";\n    }\n";
    $Requests = \@requests;
    $Bodies = \@bodies;
}

no_shuffle();
no_root_location();
run_tests();

__DATA__

=== TEST 1: each GitHub API sample path reaches its own route
--- config eval: $::Config
--- request eval: $::Requests
--- response_body eval: $::Bodies
--- no_error_log
[error]



=== TEST 2: a method the GitHub routes do not have is 405 with Allow
--- config eval: $::Config
--- request
PATCH /user/repos
--- error_code: 405
--- response_headers
Allow: GET, POST
