#!/usr/bin/env bash
# A page of another origin, opened in headless Chromium, cannot change a
# strategy through routini_api.  The page sends the two writes a page may
# send to another origin without a CORS preflight, with a JSON body of no
# content type: fetch() with mode "no-cors" and a Blob body, and
# navigator.sendBeacon() of a Blob.  It is opened twice: from another port
# of 127.0.0.1 (Sec-Fetch-Site: same-site) and from localhost
# (cross-site).  nginx's access log shows that the requests arrived and were
# refused; the API shows the strategy unchanged.  Before routini refused
# writes without application/json, this page pinned the strategy.
#
#     bash test/browser/csrf.sh     (after make; skipped without chromium)

cd "$(dirname "$0")/../.." || exit 1
. test/metrics/lib.sh

need_chromium

EVIL=$(free_port)

write_conf "" "
    log_format writes '\$status \$request_method \$uri'
                      ' site=[\$http_sec_fetch_site] origin=[\$http_origin]'
                      ' type=[\$content_type]';

    upstream api_pool {
        routini_balancer round_robin;
        server 127.0.0.1:$BACKEND;
    }

    server {
        listen 127.0.0.1:$EVIL;
        root html;
    }" "
    location /routini/api/ {
        access_log logs/api.log writes;
        routini_api;
    }
    location / {
        routini_route \"/api/{*rest}\" api_pool strip_prefix;
        proxy_pass http://\$routini_upstream;
    }"

mkdir -p "$PREFIX/html"
cat > "$PREFIX/html/evil.html" <<HTML
<!DOCTYPE html>
<title>loading</title>
<script>
var api = "http://127.0.0.1:$PORT/routini/api/";

function blob(strategy) {
    return new Blob([JSON.stringify({path: "/api/x", strategy: strategy})]);
}

var beacon = navigator.sendBeacon(api + "strategy", blob("fewest_connections"));

fetch(api + "strategy", {method: "POST", mode: "no-cors", body: blob("random")})
    .then(function () { document.title = "sent, beacon " + beacon; },
          function (e) { document.title = "fetch failed: " + e; });
</script>
HTML

# the workers may run as another user than mktemp's owner
chmod 755 "$PREFIX" "$PREFIX/html"
chmod 644 "$PREFIX/html/evil.html"

trap 'stop_nginx; [ -n "${KEEP:-}" ] || rm -rf "$PREFIX"' EXIT
start_nginx || exit 1

api=http://127.0.0.1:$PORT/routini/api

chrome() {
    local profile
    profile=$(mktemp -d)
    "$CHROMIUM" --headless --no-sandbox --disable-gpu \
        --disable-background-networking --disable-component-update \
        --disable-sync --no-first-run --user-data-dir="$profile" \
        --virtual-time-budget=4000 "$@" 2>/dev/null
    rm -rf "$profile"
}

# the writes logged so far whose status is $1
writes() {
    grep -c "^$1 POST /routini/api/strategy " "$PREFIX/logs/api.log" 2>/dev/null
}

# wait up to 10 s for $1 writes in the access log (beacons may arrive late)
wait_writes() {
    for _ in $(seq 100); do
        [ "$(grep -c ' POST /routini/api/strategy ' "$PREFIX/logs/api.log" 2>/dev/null)" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

echo "1..8"

curl -s "$api/upstreams/api_pool" | grep -q '"strategy":"round_robin",.*"pinned":false' \
    && ok "starts with round_robin, not pinned" || not_ok "starts pinned"

n=0
for origin in "http://127.0.0.1:$EVIL" "http://localhost:$EVIL"; do
    title=$(chrome --dump-dom "$origin/evil.html" | sed -n 's:.*<title>\(.*\)</title>.*:\1:p')
    n=$((n + 2))

    [ "$title" = "sent, beacon true" ] \
        && ok "page of $origin sent its writes ($title)" \
        || not_ok "page of $origin: \"$title\""

    wait_writes $n \
        && ok "the writes of $origin reached nginx" \
        || not_ok "the writes of $origin did not reach nginx: $(cat "$PREFIX/logs/api.log" 2>/dev/null)"
done

refused=$(( $(writes 403) + $(writes 415) ))
[ "$refused" = 4 ] && [ "$(writes 200)" = 0 ] \
    && ok "all 4 writes refused" \
    || not_ok "writes not all refused: $(cat "$PREFIX/logs/api.log")"

grep -q "^403 POST /routini/api/strategy site=\[cross-site\] origin=\[http://localhost:$EVIL\]" \
        "$PREFIX/logs/api.log" \
    && ok "Chromium sent Sec-Fetch-Site and Origin, refused with 403" \
    || not_ok "no 403 for the cross-site page: $(cat "$PREFIX/logs/api.log")"

curl -s "$api/upstreams/api_pool" | grep -q '"strategy":"round_robin",.*"pinned":false' \
    && ok "the strategy did not change" \
    || not_ok "the strategy changed: $(curl -s "$api/upstreams/api_pool")"

exit $failed
