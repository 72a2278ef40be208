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
qr{\[emerg\].*routini_route: duplicate route "/u/:id" \(already defined as "/u/\{id\}"\) \(the other route is at (\S+nginx\.conf):\d+\) in \1:\d+}



=== TEST 2: same pattern with overlapping methods is a duplicate
--- config
    location / {
        routini_route /u/:id  a  methods=GET,POST;
        routini_route /u/:id  b  methods=POST;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: duplicate route "/u/:id" \(already defined as "/u/:id"\) \(the other route is at (\S+):\d+\) in \1:\d+}



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
qr{\[emerg\].*routini_route: conflicting param names "\{id\}" and "\{user\}" at the same position in "/u/:user/x" and "/u/:id" \(the other route is at (\S+):\d+\) in \1:\d+}



=== TEST 5: param and catch-all at one position
--- config
    location / {
        routini_route "/f/{*path}"  a;
        routini_route /f/:name      b;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: param and catch-all at the same position in "/f/:name" and "/f/\{\*path\}" \(the other route is at (\S+):\d+\) in \1:\d+}



=== TEST 6: catch-all not last
--- config
    location / {
        routini_route "/f/{*path}/x"  a;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: catch-all "\{\*path\}" must be the last segment in "/f/\{\*path\}/x" in \S+:\d+}



=== TEST 7: empty braces
--- config
    location / {
        routini_route "/f/{}"  a;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: empty parameter name in "/f/\{\}" in \S+:\d+}



=== TEST 8: unbalanced brace in a quoted pattern
--- config
    location / {
        routini_route "/f/{id"  a;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: unbalanced "\{" in "/f/\{id" \(a literal brace is written "\{\{" or "\}\}"\) in \S+:\d+}



=== TEST 9: invalid regex
--- config
    location / {
        routini_route "~^/re/(unclosed"  a;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: route "~\^/re/\(unclosed": invalid regex: pcre2_compile\(\) failed: missing closing parenthesis in "\^/re/\(unclosed" in \S+:\d+}



=== TEST 10: unknown method
--- config
    location / {
        routini_route /a  a  methods=GET,FETCH;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: unknown method "FETCH" in methods=, expected GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH, \.\.\. in \S+:\d+}



=== TEST 11: strip_prefix without a catch-all
--- config
    location / {
        routini_route /a/:id  a  strip_prefix;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: route "/a/:id": strip_prefix needs a catch-all last segment such as "\{\*rest\}", "\*rest" or "\*" in \S+:\d+}



=== TEST 12: strip_prefix on a regex route
--- config
    location / {
        routini_route "~^/a"  a  strip_prefix;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: route "~\^/a": strip_prefix is not supported on regex routes, use a tree pattern with a catch-all or "rewrite \.\.\. break" in \S+:\d+}



=== TEST 13: duplicate regex route
--- config
    location / {
        routini_route "~^/a$"  a;
        routini_route "~^/a$"  b;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: duplicate route "~\^/a\$" \(the other route is at (\S+):\d+\) in \1:\d+}



=== TEST 14: duplicate parameters
--- config
    location / {
        routini_route /a  a  strip_prefix strip_prefix;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: duplicate parameter "strip_prefix" in \S+:\d+}



=== TEST 15: empty methods= and name=
--- config
    location / {
        routini_route /a  a  methods=;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: invalid methods "", expected methods such as GET,HEAD in \S+:\d+}



=== TEST 16: a pattern must start with "/"
--- config
    location / {
        routini_route users/:id  a;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: pattern "users/:id" must start with "/" in \S+:\d+}



=== TEST 17: routini_route is not allowed at http level
--- http_config
    routini_route /a a;
--- config
    location = /t { return 200; }
--- must_die
--- error_log eval
qr{\[emerg\].*"routini_route" directive is not allowed here in \S+:\d+}



=== TEST 18: bad param name characters
--- config
    location / {
        routini_route "/a/{i-d}"  a;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: invalid character "-" in parameter name "\{i-d\}" \(use \[A-Za-z0-9_\]\) in "/a/\{i-d\}" in \S+:\d+}



=== TEST 19: empty name=
--- config
    location / {
        routini_route /a  a  name=;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: invalid name "", expected a label such as users in \S+:\d+}



=== TEST 20: an empty methods list item
--- config
    location / {
        routini_route /a  a  methods=GET,,POST;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: unknown method "" in methods=, expected GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH, \.\.\. in \S+:\d+}



=== TEST 21: routini_route in a routini_metrics location would never route
--- config
    location /m {
        routini_metrics;
        routini_route /m/a 127.0.0.1:1;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: route "/m/a" is in a location with routini_metrics, routini_status or routini_api, which never routes: move it to another location in \S+:\d+}



=== TEST 22: routini_route in a routini_api location would never route
--- config
    location /api/ {
        routini_route /api/a 127.0.0.1:1;
        routini_api;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: route "/api/a" is in a location with routini_metrics, routini_status or routini_api, which never routes: move it to another location in \S+:\d+}



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



=== TEST 24: an empty pattern
--- config
    location / {
        routini_route ""  pool;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: empty pattern, expected a path starting with "/" or a regex starting with "~" in \S+:\d+}



=== TEST 25: an unquoted brace pattern fails with nginx's own message
--- config
    location / {
        routini_route /users/{id}  pool;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*directive "routini_route" is not terminated by ";" in \S+:\d+}



=== TEST 26: an unquoted pattern with an unbalanced "}" reaches routini_route
--- config
    location / {
        routini_route /f/id}  a;
    }
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: unbalanced "\}" in "/f/id\}" \(a literal brace is written "\{\{" or "\}\}"\) in \S+:\d+}



=== TEST 27: the other route's file, with the same target in two files
--- config
    location / {
        routini_route /x/:id  a;
        include ../html/routes.conf;
        routini_route /u/:id  a;
    }
--- user_files
>>> routes.conf
routini_route /u/:id  a;
--- must_die
--- error_log eval
qr{\[emerg\].*routini_route: duplicate route "/u/:id" \(already defined as "/u/:id"\) \(the other route is at \S+/routes\.conf:1\) in \S+/nginx\.conf:\d+}
