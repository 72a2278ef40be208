#!/usr/bin/env bash
# routini_status renders in headless Chromium: the DOM shows the route
# table, each upstream's strategy and peer states, and the charts have
# points after a few polls.  The screenshot is kept as a test artefact in
# build/artefacts/dashboard.png (not committed).
#
#     bash test/browser/dashboard.sh     (after make; skipped without chromium)

cd "$(dirname "$0")/../.." || exit 1
. test/metrics/lib.sh

need_chromium

write_conf "" "
    upstream api_pool {
        routini_balancer round_robin;
        server 127.0.0.1:$BACKEND weight=2;
        server 127.0.0.1:1 backup;
    }" "
    location = /routini/status { routini_status; }
    location /routini/api/ { routini_api; }
    location / {
        routini_route \"/api/{*rest}\" api_pool name=api strip_prefix;
        routini_route /users/:id 127.0.0.1:$BACKEND methods=GET,HEAD;
        proxy_pass http://\$routini_upstream;
    }"

trap 'stop_nginx; [ -n "${KEEP:-}" ] || rm -rf "$PREFIX"' EXIT
start_nginx || exit 1

base=http://127.0.0.1:$PORT

for _ in $(seq 20); do curl -s -o /dev/null "$base/api/x"; done
curl -s -o /dev/null "$base/users/7"
curl -s -o /dev/null "$base/nope"
curl -s -o /dev/null -X PATCH -H 'Content-Type: application/json' \
    -d '{"strategy":"fewest_connections"}' \
    "$base/routini/api/upstreams/api_pool"

# traffic while the page polls, so the rate chart has something to show
( for _ in $(seq 60); do curl -s -o /dev/null "$base/api/y"; sleep 0.05; done ) &
load=$!

chrome() {
    "$CHROMIUM" --headless --no-sandbox --disable-gpu \
        --disable-background-networking --disable-component-update \
        --disable-sync --no-first-run --user-data-dir="$(mktemp -d)" \
        --virtual-time-budget=4000 "$@" 2>/dev/null
}

echo "1..9"

headers=$(curl -s -D - -o "$PREFIX/page.html" "$base/routini/status")
echo "$headers" | grep -qi '^Content-Type: text/html' \
    && ok "Content-Type text/html" || not_ok "Content-Type: $headers"

grep -Eqi '(src|href)=["'"'"']?(https?:)?//' "$PREFIX/page.html" \
    && not_ok "page refers to external URLs" || ok "no external URLs"

chrome --dump-dom "$base/routini/status" > "$PREFIX/dom.html"

check() {
    if grep -Eq "$2" "$PREFIX/dom.html"; then ok "$1"; else not_ok "$1"; fi
}

check "route table shows the api route" \
    '<td>api</td><td>/api/\{\*rest\}</td><td>api_pool</td><td>any</td><td>yes</td>'
check "route table shows /users/:id with its methods" \
    '<td>/users/:id</td><td>/users/:id</td><td>127.0.0.1:[0-9]+</td><td>GET,HEAD</td>'
check "upstream with its active strategy" \
    'api_pool <span class="badge strategy">fewest_connections</span>'
check "peer states" \
    '<span class="badge up">up</span>'
check "unmatched counts" 'unmatched: [1-9][0-9]* not found, 0 method not allowed'
check "rate chart has points" 'id="rate-line" points="[0-9.]+,[0-9.]+ [0-9.]+,'

mkdir -p build/artefacts
chrome --screenshot="$PWD/build/artefacts/dashboard.png" \
    --window-size=1280,900 "$base/routini/status" > /dev/null

[ -s build/artefacts/dashboard.png ] \
    && ok "screenshot build/artefacts/dashboard.png" \
    || not_ok "no screenshot"

wait $load

[ $failed = 0 ] || cp "$PREFIX/dom.html" build/artefacts/dashboard-dom.html

exit $failed
