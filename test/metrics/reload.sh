#!/usr/bin/env bash
# Counters survive `nginx -s reload` when the zone keeps its name and size:
# master process, 2 workers, requests before and after a reload.
# (Test::Nginx cannot send HUP between the requests of one block, hence a
# script.)
#
#     bash test/metrics/reload.sh        (after make; exits 0 if all pass)

cd "$(dirname "$0")/../.." || exit 1
. test/metrics/lib.sh

write_conf "worker_processes 2;" "routini_zone stats 1m;" "
    location = /metrics { routini_metrics; }
    location / {
        routini_route \"/api/{*rest}\" 127.0.0.1:$BACKEND name=api;
        proxy_pass http://\$routini_upstream;
    }"

trap 'stop_nginx; [ -n "${KEEP:-}" ] || rm -rf "$PREFIX"' EXIT
start_nginx || exit 1

count() {
    curl -s "http://127.0.0.1:$PORT/metrics" \
        | sed -n 's/^routini_requests_total{route="api",.*code="2xx"} //p'
}

workers() {
    pgrep -P "$(cat "$PREFIX/logs/nginx.pid")" | sort | tr '\n' ' '
}

echo "1..4"

for _ in $(seq 20); do curl -s -o /dev/null "http://127.0.0.1:$PORT/api/x"; done

before=$(count)
[ "$before" = 20 ] && ok "20 requests counted by 2 workers" \
    || not_ok "before reload: '$before', expected 20"

old=$(workers)
"$NGINX" -p "$PREFIX/" -c conf/nginx.conf -s reload 2>/dev/null

# the reload is done when the old workers are gone
for _ in $(seq 50); do
    new=$(workers)
    [ -n "$new" ] && ! echo " $old " | grep -q " ${new%% *} " && break
    sleep 0.1
done

[ "$new" != "$old" ] && ok "new workers after reload" \
    || not_ok "workers unchanged: $old"

after=$(count)
[ "$after" = 20 ] && ok "counters adopted after reload" \
    || not_ok "after reload: '$after', expected 20"

for _ in $(seq 10); do curl -s -o /dev/null "http://127.0.0.1:$PORT/api/x"; done

after=$(count)
[ "$after" = 30 ] && ok "counters keep counting after reload" \
    || not_ok "after reload + 10: '$after', expected 30"

exit $failed
