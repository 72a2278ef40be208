#!/usr/bin/env bash
# Two builds of the module answer the same bytes for the same state: the
# Prometheus and JSON metrics, the API's route listing and the dashboard's
# data, on routes sharing names, names to escape and a target with
# variables, and peers listed twice.  For a change to the output code that must not change output.
# Request times are the one thing two runs cannot share: duration sums and
# latency averages are masked before the comparison.
#
#     bash test/metrics/same-output.sh OLD.so NEW.so

cd "$(dirname "$0")/../.." || exit 1
. test/metrics/lib.sh

[ $# -eq 2 ] || { echo "usage: $0 OLD.so NEW.so" >&2; exit 2; }

old=$(realpath "$1") new=$(realpath "$2")

routes=$PREFIX/routes.conf

{
    printf 'routini_route "/api/{*rest}" 127.0.0.1:%s name=api;\n' "$BACKEND"
    printf 'routini_route /users/:id pool methods=GET,HEAD;\n'
    printf 'routini_route /q 127.0.0.1:%s "name=a\\"b\\\\c\\nd";\n' "$BACKEND"
    printf 'routini_route /l1 pool "name=caf\xe9\xff";\n'
    printf 'routini_route "/v/{*rest}" $arg_to strip_prefix;\n'
    printf 'routini_route "~^/re/(?<year>\\d+)$" pool name=api;\n'
    for i in $(seq 300); do
        printf 'routini_route "/r%d/{id}" pool name=g%d;\n' "$i" $((i % 7))
        printf 'routini_route "/s%d/{*rest}" pool;\n' "$i"
    done
} > "$routes"

echo "1..4"

for which in old new; do
    if [ $which = old ]; then MODULE=$old; else MODULE=$new; fi

    write_conf "" "upstream pool { routini_balancer round_robin;
                                   server 127.0.0.1:$BACKEND;
                                   server 127.0.0.1:1 down;
                                   server 127.0.0.1:$BACKEND;
                                   server 127.0.0.1:1 backup; }" "
        location = /metrics { routini_metrics; }
        location = /metrics.json { routini_metrics json; }
        location = /status { routini_status; }
        location /api/v/ { routini_api; }
        location / {
            include $routes;
            proxy_pass http://\$routini_upstream;
        }"

    start_nginx || exit 1

    for u in /api/x /api/fail /users/1 /q /re/2024 /nope /r1/a /r8/b \
             /s3/x/y /l1 "/v/1?to=127.0.0.1:$BACKEND"
    do
        curl -s -o /dev/null "http://127.0.0.1:$PORT$u"
    done
    curl -s -o /dev/null -X POST "http://127.0.0.1:$PORT/users/1"

    mkdir -p "$PREFIX/$which"
    curl -s -o "$PREFIX/$which/prometheus" "http://127.0.0.1:$PORT/metrics"
    curl -s -o "$PREFIX/$which/json" "http://127.0.0.1:$PORT/metrics.json"
    curl -s -o "$PREFIX/$which/routes" "http://127.0.0.1:$PORT/api/v/routes"
    curl -s -o "$PREFIX/$which/status" \
         "http://127.0.0.1:$PORT/status?format=json"

    stop_nginx
    rm -f "$PREFIX/logs/nginx.pid"
done

mask() {
    sed -E -e 's/^(routini_request_duration_seconds_sum\{.*\}) .*/\1 T/' \
           -e 's/^(routini_upstream_latency_ewma_seconds\{.*\}) .*/\1 T/' \
           -e 's/"(sum|latency)":[0-9.]+/"\1":T/g' "$1" | tr ',' '\n'
}

for f in prometheus json routes status; do
    mask "$PREFIX/old/$f" > "$PREFIX/old/$f.masked"
    mask "$PREFIX/new/$f" > "$PREFIX/new/$f.masked"

    if [ -s "$PREFIX/old/$f" ] \
       && cmp -s "$PREFIX/old/$f.masked" "$PREFIX/new/$f.masked"
    then
        ok "$f: the same $(wc -c < "$PREFIX/new/$f") bytes"
    else
        not_ok "$f differs"
        diff "$PREFIX/old/$f.masked" "$PREFIX/new/$f.masked" | head -20
    fi
done

[ -n "${KEEP:-}" ] || rm -rf "$PREFIX"

exit $failed
