#!/usr/bin/env bash
# routini_metrics output passes `promtool check metrics` (Debian package
# prometheus), including label values with ", \ and newline, on 2,000 more
# routes, some of them sharing a name.
#
#     bash test/metrics/promtool.sh      (after make; exits 0 if all pass)

cd "$(dirname "$0")/../.." || exit 1
. test/metrics/lib.sh

if ! command -v promtool > /dev/null; then
    echo "1..0 # SKIP promtool not installed (apt-get install prometheus)"
    exit 0
fi

mkdir -p "$PREFIX/conf"
awk -v b="$BACKEND" 'BEGIN {
    for (i = 1; i <= 2000; i++)
        printf "routini_route \"/m%d/{id}\" 127.0.0.1:%s%s;\n", i, b,
               i % 5 ? "" : " name=grp" i % 3
}' > "$PREFIX/conf/many.conf"

write_conf "" "routini_metrics_buckets 0.001 0.1 1;" "
    location = /metrics { routini_metrics; }
    location / {
        routini_route \"/api/{*rest}\" 127.0.0.1:$BACKEND name=api;
        routini_route /users/:id 127.0.0.1:$BACKEND methods=GET;
        routini_route /q 127.0.0.1:$BACKEND \"name=a\\\"b\\\\c\\nd\";
        routini_route \"~^/re/(?<year>\\d+)$\" 127.0.0.1:$BACKEND;
        include many.conf;
        proxy_pass http://\$routini_upstream;
    }"

trap 'stop_nginx; [ -n "${KEEP:-}" ] || rm -rf "$PREFIX"' EXIT
start_nginx || exit 1

for u in /api/x /api/fail /users/1 /q /re/2024 /nope; do
    curl -s -o /dev/null "http://127.0.0.1:$PORT$u"
done
curl -s -o /dev/null -X POST "http://127.0.0.1:$PORT/users/1"

echo "1..4"

out=$PREFIX/metrics.txt
curl -s -D "$PREFIX/headers" -o "$out" "http://127.0.0.1:$PORT/metrics"

if grep -qi '^Content-Type: text/plain; version=0.0.4' "$PREFIX/headers"; then
    ok "Content-Type is text/plain; version=0.0.4"
else
    not_ok "Content-Type: $(grep -i content-type "$PREFIX/headers")"
fi

if promtool check metrics < "$out" > "$PREFIX/promtool.txt" 2>&1; then
    ok "promtool check metrics"
else
    not_ok "promtool check metrics"
    cat "$PREFIX/promtool.txt"
fi

if grep -qF 'routini_requests_total{route="a\"b\\c\nd"' "$out"; then
    ok "label escaping"
else
    not_ok "label escaping"
    grep 'route="a' "$out"
fi

# 4 + 2000 - 400 + 3 series, 5 lines each
series=$(grep '^routini_requests_total{' "$out" | sed 's/,code=.*//' \
         | sort | uniq -c | awk '$1 == 5 { n++ } END { print n + 0 }')
lines=$(grep -c '^routini_requests_total{' "$out")

if [ "$series" = 1607 ] && [ "$lines" = $((1607 * 5)) ]; then
    ok "1607 route series, each once"
else
    not_ok "$series route series with 5 lines, $lines lines"
fi

exit $failed
