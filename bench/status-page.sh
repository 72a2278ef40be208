#!/usr/bin/env bash
# The dashboard's data at many routes (prints figures; not a test).
#
#   bench/status-page.sh [N]             default: 10000
#
# A configuration of N routes `routini_route "/rI/{id}" pool;` (one worker)
# with traffic on a few hundred of them, then, for each kind of fetch of
# routini_status (the full ?format=json, and pages of ?routes=page by name,
# by hits, in the middle of the order, with a filter), RUNS fetches: the
# worker's CPU time per fetch (/proc/PID/schedstat, the fetches' total
# divided by RUNS), the answer's bytes, and the worker's longest turn
# (bench/turns.sh, with perf) during one more fetch.
#
# Environment:
#   STATUS_PORT=18950   loopback port of the nginx it starts
#   RUNS=50             fetches of each kind
#   MODULE=...          the routini .so (default build/nginx/objs/...)
#   NGINX_BIN=...       nginx binary (default /usr/sbin/nginx)
#
# Everything it starts is stopped on exit.

set -eu

cd "$(dirname "$0")/.."

n=${1:-10000}
port=${STATUS_PORT:-18950}
runs=${RUNS:-50}
module=${MODULE:-$PWD/build/nginx/objs/ngx_http_routini_module.so}
nginx=${NGINX_BIN:-/usr/sbin/nginx}
dir=$PWD/build/bench/status-page

[ -f "$module" ] || make -s module

. bench/turns.sh

mkdir -p "$dir/logs" "$dir/conf"

stop() {
    if [ -s "$dir/logs/nginx.pid" ]; then
        "$nginx" -q -p "$dir" -c conf/nginx.conf -e logs/error.log -s stop \
            2> /dev/null || true
    fi
}

trap stop EXIT

seq -f 'routini_route "/r%.0f/{id}" pool;' "$n" > "$dir/conf/routes.conf"

cat > "$dir/conf/nginx.conf" <<CONF
load_module $module;
worker_processes 1;
error_log logs/error.log warn;
pid logs/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    upstream pool {
        routini_balancer round_robin;
        server 127.0.0.1:$((port + 1));
    }
    server {
        listen 127.0.0.1:$((port + 1));
        location / { return 200; }
    }
    server {
        listen 127.0.0.1:$port;
        location = /routini/status { routini_status; }
        location /r { include routes.conf; proxy_pass http://\$routini_upstream; }
    }
}
CONF

"$nginx" -p "$dir" -c conf/nginx.conf -e logs/error.log

for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/r1/x" && break
    sleep 0.1
done

worker=$(pgrep -P "$(cat "$dir/logs/nginx.pid")" | head -1)

for i in $(seq 1 37 $((n < 11100 ? n : 11100))); do
    printf 'url = "http://127.0.0.1:%d/r%d/x"\noutput = /dev/null\n' "$port" "$i"
done | curl -s -K -

cpu() { cut -d' ' -f1 "/proc/$worker/schedstat"; }

base="http://127.0.0.1:$port/routini/status?format=json"

printf '%d routes, %d fetches each\n' "$n" "$runs"
printf '%-58s %12s %10s %9s\n' "fetch" "CPU ms each" "bytes" "turn max"

for q in "" "&routes=page" "&routes=page&sort=name&order=desc&offset=$((n / 2))" \
         "&routes=page&sort=hits&order=desc" \
         "&routes=page&sort=p99&order=desc&offset=$((n / 2))&limit=500" \
         "&routes=page&sort=pattern&offset=$((n - 50))" \
         "&routes=page&sort=hits&filter=r12"
do
    bytes=$(curl -s "$base$q" | wc -c)
    before=$(cpu)

    for _ in $(seq "$runs"); do
        printf 'url = "%s"\noutput = /dev/null\n' "$base$q"
    done | curl -s -K -

    after=$(cpu)

    read -r _ longest < <(turns "$worker" "$base$q" "$dir/logs/turns.txt")

    printf '%-58s %12.3f %10d %9s\n' "${q:-(full document)}" \
        "$(echo "($after - $before) / $runs / 1000000" | bc -l)" "$bytes" \
        "$longest"
done
