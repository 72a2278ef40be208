#!/usr/bin/env bash
# Throughput with metrics counting on vs off (prints figures; not a test).
#
#   bench/metrics-overhead.sh            ROUNDS=10 DURATION=3 CONNS=64
#
# "off" is the same module built without the metrics module (a copy of the
# tree without src/ngx_http_routini_metrics*, _api*, _status* and the JSON
# reader): nothing is counted per request.  Both proxies run 2 workers with
# the same routes and upstream, against the same backend nginx; wrk runs
# them in interleaved rounds (on off off on on off ...) and the ratio is the median
# of the per-round ratios on/off.  Loopback only; stops what it starts.

set -eu

cd "$(dirname "$0")/.."

root=$PWD
rounds=${ROUNDS:-10}
duration=${DURATION:-3}
conns=${CONNS:-64}
nginx=${NGINX_BIN:-/usr/sbin/nginx}
dir=$root/build/bench/metrics-overhead
on_so=$root/build/nginx/objs/ngx_http_routini_module.so
off_src=$dir/src-off
off_so=$off_src/build/nginx/objs/ngx_http_routini_module.so
port=18300

command -v wrk > /dev/null || { echo "wrk is needed" >&2; exit 1; }

make -s module

# the module without its metrics module
rm -rf "$off_src"
mkdir -p "$off_src"
git ls-files | grep -v -e '^t/' -e '^docs/' | tar -cf - -T - | tar -C "$off_src" -xf -
cp -r src/. "$off_src/src/"
rm -f "$off_src"/src/ngx_http_routini_metrics* "$off_src"/src/ngx_http_routini_api* \
      "$off_src"/src/ngx_http_routini_status* "$off_src"/src/ngx_routini_json*
make -s -C "$off_src" module > /dev/null

mkdir -p "$dir/logs"

cat > "$dir/backend.conf" <<CONF
worker_processes 1;
error_log logs/backend.log;
pid logs/backend.pid;
events { worker_connections 4096; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$((port + 1));
        keepalive_requests 100000;
        location / { return 200 "ok\n"; }
    }
}
CONF

proxy_conf() {   # NAME MODULE PORT
    cat > "$dir/$1.conf" <<CONF
load_module $2;
worker_processes 2;
error_log logs/$1.log;
pid logs/$1.pid;
events { worker_connections 4096; }
http {
    access_log off;
    upstream api_pool {
        routini_balancer round_robin;
        server 127.0.0.1:$((port + 1));
        keepalive 64;
    }
    server {
        listen 127.0.0.1:$3;
        keepalive_requests 100000;
        location / {
            routini_route "/api/{*rest}" api_pool strip_prefix;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass http://routini;
        }
    }
}
CONF
}

proxy_conf on "$on_so" $((port + 2))
proxy_conf off "$off_so" $((port + 3))

cleanup() {
    for c in backend on off; do
        "$nginx" -p "$dir" -c "$c.conf" -s stop 2> /dev/null || true
    done
}
trap cleanup EXIT

for c in backend on off; do
    "$nginx" -p "$dir" -c "$c.conf"
done

for p in $((port + 2)) $((port + 3)); do
    for _ in $(seq 50); do
        curl -sf -o /dev/null "http://127.0.0.1:$p/api/x" && break
        sleep 0.1
    done
done

rps() {
    wrk -t2 -c"$conns" -d"${duration}s" "http://127.0.0.1:$1/api/users/42" \
        | awk '/^Requests\/sec/ { print $2 }'
}

printf 'round  on req/s  off req/s  on/off\n'
ratios=
for i in $(seq "$rounds"); do
    # alternate which goes first, so that neither always runs warmer
    if [ $((i % 2)) = 1 ]; then
        on=$(rps $((port + 2)))
        off=$(rps $((port + 3)))
    else
        off=$(rps $((port + 3)))
        on=$(rps $((port + 2)))
    fi
    r=$(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.4f", a / b }')
    ratios="$ratios $r"
    printf '%5d %9.0f %10.0f  %s\n' "$i" "$on" "$off" "$r"
done

echo "$ratios" | tr ' ' '\n' | sed '/^$/d' | sort -n \
    | awk '{ a[NR] = $1 } END {
          m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2;
          printf "median on/off: %.4f over %d rounds\n", m, NR }'
