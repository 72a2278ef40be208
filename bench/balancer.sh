#!/usr/bin/env bash
# Balancer benchmark: prints figures, is not a test.
#
#   bash bench/balancer.sh [seconds]        (after `make`)
#
# 1. Slow-peer scenario: four peers (echo_sleep), one 20x slower than the
#    others; a 2-worker nginx in front with one upstream per strategy:
#    routini round_robin, fewest_connections, fastest, adaptive, and nginx's
#    own least_conn and "random two least_conn".  wrk --latency per
#    strategy: throughput, p50, p99 (after a warm-up run that lets the
#    latency averages and the adaptive engine settle).
# 2. callgrind: instructions per balancer decision (get) and release (free)
#    with 10 peers.  (nginx's own balancers are not measured: Debian's
#    binary is stripped, callgrind cannot find their functions.)
# 3. No usable peer: 200 peers of weight 10, all "down", so every request
#    ends in 502; consistent and round_robin, wall time per request and
#    callgrind instructions per get.
#
# Environment: NGINX_BIN (/usr/sbin/nginx), MODULE (the built .so),
# ECHO_MODULE (Debian's echo module), FAST (s, 0.002), SLOW (s, 0.04),
# CONNS (wrk connection counts, "8 32"), PORT (first port, 18080),
# SKIP_WRK=1 / SKIP_CG=1 skip sections 1 / 2, DOWN_REQUESTS (section 3,
# 200).

set -eu

cd "$(dirname "$0")/.."

SECONDS_RUN=${1:-10}
NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}
MODULE=${MODULE:-$PWD/build/nginx/objs/ngx_http_routini_module.so}
ECHO_MODULE=${ECHO_MODULE:-/usr/lib/nginx/modules/ngx_http_echo_module.so}
FAST=${FAST:-0.002}
SLOW=${SLOW:-0.04}
CONNS=${CONNS:-8 32}
PORT=${PORT:-18080}
CG_REQUESTS=${CG_REQUESTS:-2000}
DOWN_REQUESTS=${DOWN_REQUESTS:-200}

DIR=$PWD/build/bench/balancer
FRONT=$((PORT + 20))

for tool in valgrind curl $([ "${SKIP_WRK:-0}" = 1 ] || echo wrk); do
    command -v $tool >/dev/null || { echo "needs $tool" >&2; exit 1; }
done
[ -f "$MODULE" ] || { echo "build the module first: make" >&2; exit 1; }

rm -rf "$DIR"
mkdir -p "$DIR/back/logs" "$DIR/front/logs" "$DIR/cg/logs"

stop() {
    for p in "$DIR"/back/logs/nginx.pid "$DIR"/front/logs/nginx.pid; do
        [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true
    done
}
trap stop EXIT

# backends: peers 1..3 fast, peer 4 slow; peers 5..10 for callgrind

{
    echo "load_module $ECHO_MODULE;"
    echo "worker_processes 1; error_log logs/error.log warn;"
    echo "pid logs/nginx.pid;"
    echo "events { worker_connections 4096; }"
    echo "http { access_log off; keepalive_requests 100000;"
    for i in 1 2 3 4 5 6 7 8 9 10; do
        d=$FAST
        [ $i = 4 ] && d=$SLOW
        echo "  server { listen 127.0.0.1:$((PORT + i)) backlog=4096;"
        echo "    location /busy { echo_sleep 0.05; echo -n peer$i; }"
        echo "    location / { echo_sleep $d; echo -n peer$i; } }"
    done
    echo "}"
} > "$DIR/back/nginx.conf"

peers4() {
    for i in 1 2 3 4; do echo "    server 127.0.0.1:$((PORT + i));"; done
}

{
    echo "load_module $MODULE;"
    echo "worker_processes 2; error_log logs/error.log notice;"
    echo "pid logs/nginx.pid;"
    echo "events { worker_connections 4096; }"
    echo "http { access_log off;"
    for s in round_robin fewest_connections fastest adaptive; do
        echo "  upstream $s { routini_balancer $s;"
        [ $s = adaptive ] && echo "    routini_adaptive interval=1s;"
        peers4
        echo "    keepalive 64; }"
    done
    echo "  upstream least_conn { least_conn;"
    peers4
    echo "    keepalive 64; }"
    echo "  upstream random_two { random two least_conn;"
    peers4
    echo "    keepalive 64; }"
    echo "  server { listen 127.0.0.1:$FRONT backlog=4096;"
    echo "    proxy_http_version 1.1; proxy_set_header Connection \"\";"
    echo "    location ~ ^/(\\w+)\$ { proxy_pass http://\$1; } }"
    echo "}"
} > "$DIR/front/nginx.conf"

"$NGINX_BIN" -p "$DIR/back/" -c nginx.conf
"$NGINX_BIN" -p "$DIR/front/" -c nginx.conf
sleep 0.5

if [ "${SKIP_WRK:-0}" != 1 ]; then
echo "== slow-peer scenario: 4 peers, 3 at ${FAST}s, 1 at ${SLOW}s;"
echo "   wrk -t2 -d${SECONDS_RUN}s after a 3 s warm-up, front nginx with 2"
echo "   workers, keepalive; on 2 cores wrk, nginx and the peers share CPUs"

for c in $CONNS; do
    printf "\n%-20s %12s %10s %10s   (%s connections)\n" strategy "req/s" \
        p50 p99 "$c"

    for s in round_robin fewest_connections fastest adaptive least_conn \
             random_two
    do
        wrk -t2 -c"$c" -d3s "http://127.0.0.1:$FRONT/$s" > /dev/null
        wrk -t2 -c"$c" -d"${SECONDS_RUN}s" --latency \
            "http://127.0.0.1:$FRONT/$s" > "$DIR/wrk-$s-$c.txt"
        rps=$(awk '/^Requests\/sec/ { print $2 }' "$DIR/wrk-$s-$c.txt")
        p50=$(awk '$1 == "50%" { print $2 }' "$DIR/wrk-$s-$c.txt")
        p99=$(awk '$1 == "99%" { print $2 }' "$DIR/wrk-$s-$c.txt")
        printf "%-20s %12s %10s %10s\n" "$s" "$rps" "$p50" "$p99"
    done
done

echo
grep "routini: upstream" "$DIR/front/logs/error.log" | sed 's/^/   /' | tail -5
fi

stop
sleep 0.5
"$NGINX_BIN" -p "$DIR/back/" -c nginx.conf
sleep 0.3

# callgrind: one nginx process, 10 fast peers, CG_REQUESTS requests each

peers10() {
    for i in 1 2 3 4 5 6 7 8 9 10; do
        echo "    server 127.0.0.1:$((PORT + i));"
    done
}

# nothing listens there: every peer is down
peers200down() {
    for i in $(seq 200); do
        echo "    server 127.0.0.2:$((PORT + 100 + i)) weight=10 down;"
    done
}

PEERS=peers10

cg_conf() {
    local balancer=$1 daemon=$2
    {
        echo "load_module $MODULE;"
        echo "daemon $daemon; master_process off;"
        echo "error_log logs/error.log warn;"
        echo "pid logs/nginx.pid; events { worker_connections 1024; }"
        echo "http { access_log off;"
        echo "  upstream pool { $balancer"
        $PEERS
        echo "    keepalive 16; }"
        echo "  server { listen 127.0.0.1:$FRONT;"
        echo "    proxy_http_version 1.1; proxy_set_header Connection \"\";"
        echo "    location / { proxy_pass http://pool; } }"
        echo "}"
    } > "$DIR/cg/nginx.conf"
}

cg() {
    local name=$1 balancer=$2 get=$3 free=$4

    cg_conf "$balancer" off

    for fn in "$get" "$free"; do
        valgrind --tool=callgrind --callgrind-out-file="$DIR/cg/$name.$fn.out" \
            --toggle-collect="$fn" \
            "$NGINX_BIN" -p "$DIR/cg/" -c nginx.conf 2>/dev/null &
        local vg=$!
        for _ in $(seq 100); do
            curl -s -o /dev/null "http://127.0.0.1:$FRONT/" && break
            sleep 0.2
        done
        # the probe request above is one more decision: counted below
        # a fixed number of requests on keep-alive connections: one
        # client (peers idle at each decision), or 20 in parallel on
        # slower peers (BUSY: every peer has tries in flight)
        if [ "${BUSY:-0}" = 1 ]; then
            local pids=()
            for _ in $(seq 20); do
                curl -s --max-time 600 \
                    $(for _ in $(seq $((CG_REQUESTS / 20))); do \
                        echo "http://127.0.0.1:$FRONT/busy"; done) \
                    > /dev/null &
                pids+=($!)
            done
            wait "${pids[@]}"
        else
            curl -s --max-time 600 \
                $(for _ in $(seq "$CG_REQUESTS"); do \
                    echo "http://127.0.0.1:$FRONT/"; done) > /dev/null
        fi
        kill "$vg"
        wait "$vg" 2>/dev/null || true
    done

    local ig if calls
    ig=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$DIR/cg/$name.$get.out")
    if=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$DIR/cg/$name.$free.out")
    printf "%-34s get %6s  free %6s instructions\n" "$name" \
        "$((ig / (CG_REQUESTS + 1)))" "$((if / (CG_REQUESTS + 1)))"
}

if [ "${SKIP_CG:-0}" != 1 ]; then
echo
echo "== callgrind: instructions per decision, 10 peers, $CG_REQUESTS requests"

cg "routini round_robin" "routini_balancer round_robin;" \
   ngx_http_routini_upstream_get_peer ngx_http_routini_upstream_free_peer
cg "routini fewest_connections" "routini_balancer fewest_connections;" \
   ngx_http_routini_upstream_get_peer ngx_http_routini_upstream_free_peer
cg "routini fastest" "routini_balancer fastest;" \
   ngx_http_routini_upstream_get_peer ngx_http_routini_upstream_free_peer
BUSY=1 cg "routini fewest_connections, busy" \
   "routini_balancer fewest_connections;" \
   ngx_http_routini_upstream_get_peer ngx_http_routini_upstream_free_peer
BUSY=1 cg "routini fastest, busy" "routini_balancer fastest;" \
   ngx_http_routini_upstream_get_peer ngx_http_routini_upstream_free_peer
cg "routini random" "routini_balancer random;" \
   ngx_http_routini_upstream_get_peer ngx_http_routini_upstream_free_peer
cg "routini consistent" "routini_balancer consistent;" \
   ngx_http_routini_upstream_get_peer ngx_http_routini_upstream_free_peer
fi

# no usable peer: each request is one get that finds nothing (then 502)

PEERS=peers200down

echo
echo "== no usable peer: 200 peers of weight 10, all down, $DOWN_REQUESTS" \
     "requests"

down() {
    local name=$1 balancer=$2 t0 t1

    cg_conf "$balancer" on
    "$NGINX_BIN" -p "$DIR/cg/" -c nginx.conf
    for _ in $(seq 100); do
        curl -s -o /dev/null "http://127.0.0.1:$FRONT/" && break
        sleep 0.1
    done
    t0=$(date +%s%N)
    curl -s --max-time 600 \
        $(for _ in $(seq "$DOWN_REQUESTS"); do \
            echo "http://127.0.0.1:$FRONT/"; done) > /dev/null
    t1=$(date +%s%N)
    kill "$(cat "$DIR/cg/logs/nginx.pid")"
    sleep 0.3
    printf "%-34s %10s ms per request (wall, curl included)\n" "$name" \
        "$(awk -v d=$((t1 - t0)) -v n="$DOWN_REQUESTS" \
            'BEGIN { printf "%.3f", d / n / 1e6 }')"
}

down "routini consistent" "routini_balancer consistent;"
down "routini round_robin" "routini_balancer round_robin;"

CG_REQUESTS=${CG_DOWN_REQUESTS:-20}
cg "routini consistent, all down" "routini_balancer consistent;" \
   ngx_http_routini_upstream_get_peer ngx_http_routini_upstream_free_peer
cg "routini round_robin, all down" "routini_balancer round_robin;" \
   ngx_http_routini_upstream_get_peer ngx_http_routini_upstream_free_peer
