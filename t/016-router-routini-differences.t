# What routes differently from routini (the Rust proxy, whose router is
# matchit 0.9): one block per row of docs/MIGRATING.md, named after it,
# showing the module's behaviour and, where there is one, the nginx line
# that restores routini's.  The last blocks show what is the same.

use Test::Nginx::Socket 'no_plan';

no_shuffle();
no_root_location();

# a backend answering with what it received
our $Backend = <<'_EOC_';
    upstream echo {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "got $request_uri\n";
        }
    }
_EOC_

run_tests();

__DATA__

=== TEST 1: R1 an empty catch-all matches: /files/ takes /files/{*path} (routini: 404); location = /files/ restores the 404
--- config
    location = /strict/ {
        return 404;
    }
    location / {
        routini_route "/files/{*path}" files;
        routini_route "/strict/{*path}" files;
        return 200 "$routini_route path=[$routini_param_path]\n";
    }
--- request eval
["GET /files/", "GET /files/a/b", "GET /files", "GET /strict/", "GET /strict/a"]
--- error_code eval
[200, 200, 404, 404, 200]
--- response_body_like eval
[
    qr/^\/files\/\{\*path\} path=\[\]\n\z/,
    qr/^\/files\/\{\*path\} path=\[a\/b\]\n\z/,
    qr/404 Not Found/,
    qr/404 Not Found/,
    qr/^\/strict\/\{\*path\} path=\[a\]\n\z/,
]



=== TEST 2: R2 paths are matched decoded: /caf%C3%A9 takes "/café" (routini compared the bytes as sent)
--- config
    location / {
        routini_route "/café" cafe;
        return 200 "$routini_route\n";
    }
--- request eval
["GET /caf%C3%A9", "GET /caf%c3%a9"]
--- response_body eval
["/café\n", "/café\n"]



=== TEST 3: R3 a pattern is decoded text: "/a%20b" matches only /a%2520b, write "/a b" (routini: /a%20b took "/a%20b")
--- config
    location / {
        routini_route "/a%20b" encoded;
        routini_route "/a b" decoded;
        return 200 "$routini_upstream\n";
    }
--- request eval
["GET /a%20b", "GET /a%2520b"]
--- response_body eval
["decoded\n", "encoded\n"]



=== TEST 4: R4 params are decoded: /users/a%20b gives id "a b" (routini: "a%20b"); $request_uri keeps the bytes as sent
--- config
    location / {
        routini_route "/users/{id}" users;
        return 200 "id=[$routini_param_id] uri=[$request_uri]\n";
    }
--- request
GET /users/a%20b
--- response_body
id=[a b] uri=[/users/a%20b]



=== TEST 5: R5 %2F is a slash: /users/a%2Fb is /users/a/b and misses /users/{id} (routini: id "a%2Fb")
--- config
    location / {
        routini_route "/users/{id}" users;
        routini_route "/users/{id}/{more}" deeper;
        return 200 "$routini_upstream id=[$routini_param_id] more=[$routini_param_more]\n";
    }
--- request eval
["GET /users/a%2Fb", "GET /users/a%252Fb"]
--- response_body eval
["deeper id=[a] more=[b]\n", "users id=[a%2Fb] more=[]\n"]



=== TEST 6: R6 paths are normalized: //api//x and /x/../api/x route as /api/x (routini: raw, 404)
--- config
    location / {
        routini_route "/api/{*rest}" api;
        return 200 "$routini_route rest=[$routini_param_rest]\n";
    }
--- request eval
["GET //api//x", "GET /x/../api/x", "GET /api/./x"]
--- response_body eval
["/api/{*rest} rest=[x]\n", "/api/{*rest} rest=[x]\n", "/api/{*rest} rest=[x]\n"]



=== TEST 7: R6 merge_slashes off restores the slashes: //api//x is not /api/{*rest}
--- config
    merge_slashes off;
    location / {
        routini_route "/api/{*rest}" api;
        return 200 "$routini_route rest=[$routini_param_rest]\n";
    }
--- request eval
["GET //api//x", "GET /api//x"]
--- error_code eval
[404, 200]
--- response_body_like eval
[qr/404 Not Found/, qr/^\/api\/\{\*rest\} rest=\[\/x\]\n\z/]



=== TEST 8: R7 a colon starts a param: "/v1/models/gpt:generate" also takes gpt:other; "\:" is a literal colon (routini: static)
--- config
    location / {
        routini_route "/v1/models/gpt:generate" colon;
        routini_route "/v2/models/gpt\:generate" literal;
        return 200 "$routini_upstream generate=[$routini_param_generate]\n";
    }
--- request eval
["GET /v1/models/gpt:other", "GET /v2/models/gpt:generate", "GET /v2/models/gpt:other"]
--- error_code eval
[200, 200, 404]
--- response_body_like eval
[qr/^colon generate=\[:other\]\n\z/, qr/^literal generate=\[\]\n\z/, qr/404 Not Found/]



=== TEST 9: R8 routini's "/api*" is a literal "*" here: it matches /api* only (routini: /api{*rest}, /apix too)
--- config
    location / {
        routini_route "/api*" star;
        return 200 "$routini_upstream\n";
    }
--- request eval
["GET /api*", "GET /apix", "GET /api/x"]
--- error_code eval
[200, 404, 404]
--- response_body_like eval
[qr/^star\n\z/, qr/404 Not Found/, qr/404 Not Found/]



=== TEST 10: R8 a catch-all inside a segment, "/api{*rest}", fails nginx -t (matchit takes it)
--- config
    location / {
        routini_route "/api{*rest}" api;
        return 200;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_route: catch-all "\{\*rest\}" must be the last segment}



=== TEST 11: R8 a regex route takes what "/api*" took in routini
--- config
    location / {
        routini_route "~^/api" api;
        return 200 "$routini_upstream\n";
    }
--- request eval
["GET /apix", "GET /api/x", "GET /api"]
--- response_body eval
["api\n", "api\n", "api\n"]



=== TEST 12: R9 a catch-all and a param with a prefix at one position fail nginx -t (matchit takes /static/{*rest} and /static/v{version})
--- config
    location / {
        routini_route "/static/{*rest}" files;
        routini_route "/static/v{version}" versions;
        return 200;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_route: param and catch-all at the same position}



=== TEST 13: R10 two param names at one position fail nginx -t (matchit takes /u/{id} and /u/{user}/x)
--- config
    location / {
        routini_route "/u/{id}" a;
        routini_route "/u/{user}/x" b;
        return 200;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_route: conflicting param names "\{id\}" and "\{user\}" at the same position}



=== TEST 14: R10 the same name at that position works
--- config
    location / {
        routini_route "/u/{id}" a;
        routini_route "/u/{id}/x" b;
        return 200 "$routini_upstream id=$routini_param_id\n";
    }
--- request eval
["GET /u/7", "GET /u/7/x"]
--- response_body eval
["a id=7\n", "b id=7\n"]



=== TEST 15: R11 a param name other than [A-Za-z0-9_] fails nginx -t (matchit takes {user-id})
--- config
    location / {
        routini_route "/u/{user-id}" a;
        return 200;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_route: invalid character "-"}



=== TEST 16: R12 params with a prefix and with a suffix at one position are accepted, longest affix first (matchit refuses them: routini would not start)
--- config
    location / {
        routini_route "/x/{a}.json" suffix;
        routini_route "/x/v{a}" prefix;
        return 200 "$routini_upstream a=$routini_param_a\n";
    }
--- request eval
["GET /x/v1.json", "GET /x/v1", "GET /x/1.json"]
--- response_body eval
["suffix a=v1\n", "prefix a=1\n", "suffix a=1\n"]



=== TEST 17: R13 more than 16 params fail nginx -t (matchit: up to 26)
--- config
    location / {
        routini_route "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}/{k}/{l}/{m}/{n}/{o}/{p}/{q}" a;
        return 200;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_route: too many parameters \(max 16\)}



=== TEST 18: R14 regex routes match the decoded path, named captures are params (routini: the raw path)
--- config
    location / {
        routini_route "~^/re/(?<name>café)$" re;
        return 200 "$routini_upstream name=$routini_param_name\n";
    }
--- request
GET /re/caf%C3%A9
--- response_body
re name=café



=== TEST 19: R15 strip_prefix keeps the query string; set $args "" drops it as routini did
--- http_config eval: $::Backend
--- config
    location /keep/ {
        routini_route "/keep/{*rest}" echo strip_prefix;
        proxy_pass http://$routini_upstream;
    }
    location / {
        routini_route "/api/{*rest}" echo strip_prefix;
        set $args "";
        proxy_pass http://$routini_upstream;
    }
--- request eval
["GET /keep/a?x=1", "GET /api/a?x=1", "GET /api/a%20b?x=1"]
--- response_body eval
["got /a?x=1\n", "got /a\n", "got /a%20b\n"]



=== TEST 20: R15 without strip_prefix the path is forwarded whole (routini stripped by default)
--- http_config eval: $::Backend
--- config
    location / {
        routini_route "/api/{*rest}" echo;
        proxy_pass http://$routini_upstream;
    }
--- request
GET /api/a?x=1
--- response_body
got /api/a?x=1



=== TEST 21: R16 strip_prefix on a route without a catch-all fails nginx -t (routini ignored it)
--- config
    location / {
        routini_route "/api/x" api strip_prefix;
        return 200;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_route: route "/api/x": strip_prefix needs a catch-all last segment}



=== TEST 22: R16 strip_prefix on a regex route fails nginx -t (routini ignored it)
--- config
    location / {
        routini_route "~^/api" api strip_prefix;
        return 200;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*routini_route: .*strip_prefix}



=== TEST 23: the same as routini: case-sensitive, a trailing slash is another path, static before param before catch-all, backtracking, the catch-all without its leading slash
--- config
    location / {
        routini_route /Users a;
        routini_route "/path/foo" static;
        routini_route "/path/{*rest}" catchall;
        routini_route "/{object}/{id}" object;
        routini_route "/secret/{id}/path" secret;
        return 200 "$routini_upstream rest=[$routini_param_rest] id=[$routini_param_id]\n";
    }
--- request eval
[
    "GET /users",
    "GET /Users/",
    "GET /path/foo",
    "GET /path/foo/",
    "GET /path/a/b",
    "GET /secret/978",
    "GET /secret/978/path",
]
--- error_code eval
[404, 404, 200, 200, 200, 200, 200]
--- response_body_like eval
[
    qr/404 Not Found/,
    qr/404 Not Found/,
    qr/^static rest=\[\] id=\[\]\n\z/,
    qr/^catchall rest=\[foo\/\] id=\[\]\n\z/,
    qr/^catchall rest=\[a\/b\] id=\[\]\n\z/,
    qr/^object rest=\[\] id=\[978\]\n\z/,
    qr/^secret rest=\[\] id=\[978\]\n\z/,
]
