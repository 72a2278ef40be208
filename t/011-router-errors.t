# Invalid and conflicting routes fail start-up (nginx -t) with file:line
# and a message naming both routes.

use Test::Nginx::Socket 'no_plan';

no_shuffle();
no_root_location();
run_tests();

__DATA__

=== TEST 1: duplicate route, brace and colon spellings are the same
--- config
    location / {
        routini_route "/u/{id}"  a;
        routini_route /u/:id     b;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*duplicate route "/u/:id" \(already defined as "/u/\{id\}"\) \(the other route is at \S+nginx\.conf:\d+\) in \S+nginx\.conf:\d+}



=== TEST 2: same pattern with overlapping methods is a duplicate
--- config
    location / {
        routini_route /u/:id  a  methods=GET,POST;
        routini_route /u/:id  b  methods=POST;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*duplicate route "/u/:id".*the other route is at \S+:\d+}



=== TEST 3: same pattern with disjoint methods is allowed
--- config
    location / {
        routini_route /u/:id  a  methods=GET;
        routini_route /u/:id  b  methods=POST;
        return 200 "$routini_upstream\n";
    }
--- request eval
["GET /u/1", "POST /u/1"]
--- response_body eval
["a\n", "b\n"]



=== TEST 4: two different param names at one position
--- config
    location / {
        routini_route /u/:id        a;
        routini_route /u/:user/x    b;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*conflicting param names "\{id\}" and "\{user\}" at the same position in "/u/:user/x" and "/u/:id" \(the other route is at \S+:\d+\)}



=== TEST 5: param and catch-all at one position
--- config
    location / {
        routini_route "/f/{*path}"  a;
        routini_route /f/:name      b;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*param and catch-all at the same position in "/f/:name" and "/f/\{\*path\}"}



=== TEST 6: catch-all not last
--- config
    location / {
        routini_route "/f/{*path}/x"  a;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*catch-all "\{\*path\}" must be the last segment in "/f/\{\*path\}/x"}



=== TEST 7: empty braces
--- config
    location / {
        routini_route "/f/{}"  a;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*empty parameter name in "/f/\{\}"}



=== TEST 8: unbalanced brace, with the quoting hint
--- config
    location / {
        routini_route "/f/{id"  a;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*unbalanced "\{" in "/f/\{id".*quote}



=== TEST 9: invalid regex
--- config
    location / {
        routini_route "~^/re/(unclosed"  a;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route "~\^/re/\(unclosed": invalid regex: pcre2_compile\(\) failed: missing closing parenthesis}



=== TEST 10: unknown method
--- config
    location / {
        routini_route /a  a  methods=GET,FETCH;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route "/a": unknown method "FETCH" in methods=}



=== TEST 11: strip_prefix without a catch-all
--- config
    location / {
        routini_route /a/:id  a  strip_prefix;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route "/a/:id": strip_prefix needs a catch-all last segment}



=== TEST 12: strip_prefix on a regex route
--- config
    location / {
        routini_route "~^/a"  a  strip_prefix;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*strip_prefix is not supported on regex routes}



=== TEST 13: duplicate regex route
--- config
    location / {
        routini_route "~^/a$"  a;
        routini_route "~^/a$"  b;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*duplicate route "~\^/a\$" \(the other route is at \S+:\d+\)}



=== TEST 14: duplicate parameters
--- config
    location / {
        routini_route /a  a  strip_prefix strip_prefix;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route "/a": duplicate parameter "strip_prefix"}



=== TEST 15: empty methods= and name=
--- config
    location / {
        routini_route /a  a  methods=;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route "/a": empty methods=}



=== TEST 16: a pattern must start with "/"
--- config
    location / {
        routini_route users/:id  a;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*users/:id.*must start with "/"}



=== TEST 17: routini_route is not allowed at http level
--- http_config
    routini_route /a a;
--- config
    location = /t { return 200; }
--- must_die
--- error_log eval
qr/\[emerg\].*"routini_route" directive is not allowed here/



=== TEST 18: bad param name characters
--- config
    location / {
        routini_route "/a/{i-d}"  a;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*"/a/\{i-d\}"}



=== TEST 19: empty name=
--- config
    location / {
        routini_route /a  a  name=;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route "/a": empty name=}



=== TEST 20: an empty methods list item
--- config
    location / {
        routini_route /a  a  methods=GET,,POST;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route "/a": unknown method "" in methods=}



=== TEST 21: routini_route in a routini_metrics location would never route
--- config
    location /m {
        routini_metrics;
        routini_route /m/a 127.0.0.1:1;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route "/m/a" is in a location with routini_metrics, routini_status or routini_api, which never routes: move it to another location in \S+:\d+}



=== TEST 22: routini_route in a routini_api location would never route
--- config
    location /api/ {
        routini_route /api/a 127.0.0.1:1;
        routini_api;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route "/api/a" is in a location with .* in \S+:\d+}



=== TEST 23: server-level routes are fine beside a routini_status location
--- config
    routini_route /x/:id pool;
    location / {
        return 200 "$routini_upstream\n";
    }
    location = /status {
        routini_status;
    }
--- request eval
["GET /x/1", "GET /status"]
--- error_code eval
[200, 200]
