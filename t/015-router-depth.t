# The lookup's backtracking stack: at most 128 nested param or catch-all
# alternatives on one path.  A tree needing more fails start-up, naming
# the deepest route and its file:line.  And at most 4096 params, each with
# its own prefix or suffix, after the same segments.

use Test::Nginx::Socket 'no_plan';

# "/:x", "/a/:x", "/a/a/:x", ...: each "a/" node on the way to
# "/a/a/.../a/:x" has a param besides its static child

sub routes {
    my ($n) = @_;

    return join "", map { "        routini_route /" . ("a/" x $_)
                          . ":x  backend;\n" } 0 .. $n - 1;
}

our $Deep = "    location / {\n" . routes(129) . "    }\n";
our $Fits = "    location / {\n" . routes(128)
            . "        proxy_pass http://\$routini_upstream;\n    }\n";

# "/p0-:x" ... "/pN-:x": N + 1 params with a prefix at the root

sub prefixed {
    my ($n) = @_;

    return "    location / {\n"
           . join("", map { "        routini_route /p$_-:x backend;\n" }
                      0 .. $n)
           . "        proxy_pass http://\$routini_upstream;\n    }\n";
}

our $Params = prefixed(4096);
our $ParamsFit = prefixed(4095);

our $HttpConfig = <<'_EOC_';
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "backend $request_uri\n";
        }
    }
_EOC_

no_shuffle();
no_root_location();
run_tests();

__DATA__

=== TEST 1: 129 nested alternatives on one path: nginx -t names the deepest route
--- http_config
--- config eval: $::Deep
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: too many nested param or catch-all alternatives \(max 128\) on the path to "/(a/){128}:x" in \S+nginx\.conf:\d+}



=== TEST 2: 128 fit, and the deepest route answers
--- http_config eval: $::HttpConfig
--- config eval: $::Fits
--- request eval
"GET /" . ("a/" x 127) . "7"
--- response_body eval
"backend /" . ("a/" x 127) . "7\n"



=== TEST 3: 128 fit, and a path coming back through them all is a 404
--- http_config eval: $::HttpConfig
--- config eval: $::Fits
--- request eval
"GET /" . ("a/" x 130)
--- error_code: 404



=== TEST 4: 4097 params with a prefix after the same segments: nginx -t names the one too many
--- http_config
--- config eval: $::Params
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: too many different params after the same segments \(max 4096\) in "/p4096-:x" in \S+nginx\.conf:\d+}



=== TEST 5: 4096 fit, and the last answers
--- http_config eval: $::HttpConfig
--- config eval: $::ParamsFit
--- request
GET /p4095-7
--- response_body
backend /p4095-7
