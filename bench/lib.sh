# Shared helpers for the side-by-side benchmarks (sourced by bench/run.sh
# and bench/flamegraph.sh).  Loopback only; everything started here is
# recorded and stopped by bench_cleanup (installed as an EXIT trap).
#
# Environment (all optional):
#   ROUNDS=5            interleaved rounds per proxy
#   DURATION=5          seconds per wrk run
#   CONNS=64            wrk connections (the same for every proxy)
#   THREADS=2           wrk threads
#   WORKERS=N           nginx worker_processes / HAProxy nbthread, every proxy;
#                       default half the CPUs (at least 1), so that the
#                       proxy, not the client or the backends, saturates
#   BACKEND_WORKERS=1   worker_processes of the demo backends' nginx
#   BENCH_PORT=18100    first port used (backends BENCH_PORT+1..+4, proxies above)
#   MODULE=...          the routini .so (default build/nginx/objs/..., built if missing)
#   NGINX_BIN=...       nginx binary (default /usr/sbin/nginx)
#   HAPROXY_BIN=...     haproxy binary (default: haproxy from PATH; skipped if absent)
#   ROUTINI_ROUTES_DIR= route sets (default test/data/routes)

set -eu

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
WORKERS=${WORKERS:-$(( $(nproc) / 2 > 0 ? $(nproc) / 2 : 1 ))}
BACKEND_WORKERS=${BACKEND_WORKERS:-1}
BENCH_PORT=${BENCH_PORT:-18100}
NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}
MODULE=${MODULE:-$BENCH_ROOT/build/nginx/objs/ngx_http_routini_module.so}
HAPROXY_BIN=${HAPROXY_BIN:-$(command -v haproxy || true)}
ROUTES_DIR=${ROUTINI_ROUTES_DIR:-$BENCH_ROOT/test/data/routes}
BENCH_OUT=${BENCH_OUT:-$BENCH_ROOT/build/bench}
ECHO_MODULE=${ECHO_MODULE:-/usr/lib/nginx/modules/ngx_http_echo_module.so}

BACKEND_PORTS="$((BENCH_PORT + 1)) $((BENCH_PORT + 2)) $((BENCH_PORT + 3)) $((BENCH_PORT + 4))"

_started_nginx=()    # prefix dirs of nginx instances we started
_started_pids=()     # other pids we started (haproxy)

bench_need() {
    mkdir -p "$BENCH_OUT"
    command -v wrk > /dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
    command -v curl > /dev/null || { echo "curl is needed" >&2; exit 1; }
    # the default module is brought up to date (a no-op when it is);
    # MODULE=... is used as given
    if [ "$MODULE" = "$BENCH_ROOT/build/nginx/objs/ngx_http_routini_module.so" ]; then
        if ! make -s -C "$BENCH_ROOT" module > "$BENCH_OUT/make.log" 2>&1; then
            [ -f "$MODULE" ] || { cat "$BENCH_OUT/make.log" >&2; exit 1; }
            echo "warning: make module failed (see $BENCH_OUT/make.log); using the existing $MODULE" >&2
        fi
    fi
    [ -f "$MODULE" ] || { echo "no module $MODULE" >&2; exit 1; }
    bench_routini_pass_detect
}

bench_cleanup() {
    local d pid
    for d in "${_started_nginx[@]+"${_started_nginx[@]}"}"; do
        if [ -f "$d/logs/nginx.pid" ]; then
            pid=$(cat "$d/logs/nginx.pid" 2>/dev/null || true)
            [ -n "$pid" ] && kill -QUIT "$pid" 2>/dev/null || true
        fi
    done
    for pid in "${_started_pids[@]+"${_started_pids[@]}"}"; do
        kill "$pid" 2>/dev/null || true
    done
    sleep 0.3
    for d in "${_started_nginx[@]+"${_started_nginx[@]}"}"; do
        if [ -f "$d/logs/nginx.pid" ]; then
            pid=$(cat "$d/logs/nginx.pid" 2>/dev/null || true)
            [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    _started_nginx=()
    _started_pids=()
}

# does the module accept routini_balancer / routini_metrics?  (nginx -t)
bench_has_directive() {
    local what=$1 d=$BENCH_OUT/probe
    mkdir -p "$d/logs"
    case $what in
    balancer) body="upstream u { routini_balancer round_robin; server 127.0.0.1:1; }
                server { listen 127.0.0.1:1; location / { return 200; } }" ;;
    metrics)  body="server { listen 127.0.0.1:1; location = /metrics { routini_metrics; } }" ;;
    dispatch) body="upstream u { server 127.0.0.1:1; }
                server { listen 127.0.0.1:1; location / {
                    routini_route /a u; proxy_pass http://routini; } }" ;;
    esac
    cat > "$d/nginx.conf" <<CONF
load_module $MODULE;
error_log logs/error.log;
pid logs/nginx.pid;
events {}
http { $body }
CONF
    "$NGINX_BIN" -q -t -p "$d" -c nginx.conf > /dev/null 2>&1
}

# how routini configs proxy: ROUTINI_PASS=routini (proxy_pass http://routini,
# the route's upstream{} directly, when the module has it) or variable
# (proxy_pass http://$routini_upstream)
bench_routini_pass_detect() {
    if [ -z "${ROUTINI_PASS:-}" ]; then
        if bench_has_directive dispatch; then ROUTINI_PASS=routini; else ROUTINI_PASS=variable; fi
    fi
}

bench_routini_pass() {
    case $ROUTINI_PASS in
    routini) echo 'proxy_pass http://routini;' ;;
    *)       echo 'proxy_pass http://$routini_upstream;' ;;
    esac
}

# wait until a TCP port answers HTTP (any status), at most ~30 s
bench_wait_port() {
    local port=$1 i
    for i in $(seq 300); do
        if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "nothing answers on port $port" >&2
    return 1
}

# start an nginx with prefix dir $1 (conf in $1/nginx.conf)
bench_start_nginx() {
    local d=$1
    mkdir -p "$d/logs"
    rm -f "$d/logs/nginx.pid"
    if ! "$NGINX_BIN" -p "$d" -c nginx.conf 2> "$d/logs/start.log"; then
        echo "nginx failed to start in $d:" >&2
        cat "$d/logs/start.log" "$d/logs/error.log" 2>/dev/null | tail -5 >&2
        return 1
    fi
    _started_nginx+=("$d")
}

bench_start_haproxy() {
    local d=$1
    mkdir -p "$d"
    "$HAPROXY_BIN" -c -q -f "$d/haproxy.cfg" || return 1
    "$HAPROXY_BIN" -f "$d/haproxy.cfg" > "$d/haproxy.log" 2>&1 &
    _started_pids+=($!)
}

# the demo backends: one nginx serving a fixed small response on 4 ports.
# $1 = delays in seconds per port ("" = no delay), e.g. "0.001 0.001 0.001 0.02"
bench_start_backends() {
    local delays=${1:-} d=$BENCH_OUT/backends i=0 p servers="" load=""
    set -- $delays
    for p in $BACKEND_PORTS; do
        i=$((i + 1))
        local delay=${1:-}
        [ $# -gt 0 ] && shift
        if [ -n "$delay" ] && [ "$delay" != 0 ]; then
            load="load_module $ECHO_MODULE;"
            servers="$servers
    server { listen 127.0.0.1:$p; keepalive_requests 10000000;
             location / { default_type text/plain; echo_sleep $delay; echo \"peer $i\"; } }"
        else
            servers="$servers
    server { listen 127.0.0.1:$p; keepalive_requests 10000000;
             location / { default_type text/plain; return 200 \"peer $i\\n\"; } }"
        fi
    done
    mkdir -p "$d/logs"
    cat > "$d/nginx.conf" <<CONF
$load
worker_processes $BACKEND_WORKERS;
error_log logs/error.log;
pid logs/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
$servers
}
CONF
    bench_start_nginx "$d"
    bench_wait_port "$((BENCH_PORT + 1))"
}

# upstream{} block NAME [BALANCER-LINE] [extra lines]; keepalive CONNS: room
# for every client connection's upstream connection in one worker, so that
# no configuration opens and closes backend connections under load, whatever
# its number of upstream{} blocks and workers
bench_upstream() {
    local name=$1 bal=${2:-} p
    echo "    upstream $name {"
    [ -n "$bal" ] && echo "        $bal"
    for p in $BACKEND_PORTS; do
        echo "        server 127.0.0.1:$p;"
    done
    echo "        keepalive $CONNS;"
    echo "        keepalive_requests 10000000;"
    echo "    }"
}

# head of a proxy nginx.conf; $1 = "routini" to load the module
bench_nginx_head() {
    [ "${1:-}" = routini ] && echo "load_module $MODULE;"
    cat <<CONF
worker_processes $WORKERS;
pcre_jit on;
error_log logs/error.log;
pid logs/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    keepalive_requests 10000000;
CONF
}

# head of a haproxy.cfg, proxying on port $1
bench_haproxy_head() {
    cat <<CONF
global
    nbthread $WORKERS
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    option http-keep-alive
    http-reuse always
frontend fe
    bind 127.0.0.1:$1
CONF
}

# haproxy backend section NAME [balance]
bench_haproxy_backend() {
    local name=$1 bal=${2:-roundrobin} p i=0
    echo "backend $name"
    echo "    balance $bal"
    for p in $BACKEND_PORTS; do
        i=$((i + 1))
        echo "    server s$i 127.0.0.1:$p"
    done
}

# run wrk once: bench_wrk URL [LUA] -> "rps p50_ms p99_ms errors"
bench_wrk() {
    local url=$1 lua=${2:-} out
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 10s --latency \
          ${lua:+-s "$lua"} "$url" 2>&1) || true
    echo "$out" >> "$BENCH_LOG"
    echo "$out" | awk '
        function ms(v) {
            if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
            if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
            if (v ~ /m$/)  { sub(/m$/, "", v);  return v * 60000 }
            if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
            return v + 0 }
        /Requests\/sec:/ { rps = $2 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /Non-2xx or 3xx responses:/ { err += $NF }
        /Socket errors:/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) { v = $i; sub(",", "", v); err += v } }
        END { printf "%s %s %s %d\n", rps + 0, p50 + 0, p99 + 0, err + 0 }'
}

# the processes listening on a port (an nginx's master and workers, a
# HAProxy), for the CPU they use; empty without ss (iproute2)
bench_listen_pids() {
    command -v ss > /dev/null || return 0
    ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 \
        | sort -u
}

# user + system CPU ticks used so far by the pids given
bench_cpu_ticks() {
    local p t=0
    for p in "$@"; do
        [ -r "/proc/$p/stat" ] || continue
        t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
    done
    echo "$t"
}

# bench_rounds TITLE ENTRY...   where ENTRY is "name|url|lua-or-empty"
# The first entry is the reference (ratio 1.0).  Runs ROUNDS interleaved
# rounds (A B C A B C ...), prints the table, writes raw results.
bench_rounds() {
    local title=$1; shift
    local raw=$BENCH_OUT/results/$BENCH_SCENARIO.tsv r e name url lua res
    local port pids t0 t1 cpu hz
    hz=$(getconf CLK_TCK)
    mkdir -p "$BENCH_OUT/results"
    : > "$raw"
    for r in $(seq "$ROUNDS"); do
        for e in "$@"; do
            IFS='|' read -r name url lua <<< "$e"
            port=${url#http://127.0.0.1:}; port=${port%%/*}
            pids=$(bench_listen_pids "$port")
            t0=$(bench_cpu_ticks $pids)
            res=$(bench_wrk "$url" "$lua")
            t1=$(bench_cpu_ticks $pids)
            # the proxy's CPU (user + system) per request, microseconds
            cpu=$(echo "$res" | awk -v t=$((t1 - t0)) -v hz="$hz" -v d="$DURATION" \
                      -v known="${pids:+1}" '{ n = $1 * d
                      printf "%.2f", (known && n > 0) ? t * 1e6 / hz / n : 0 }')
            res="$res $cpu"
            printf '%s\t%s\t%s\n' "$r" "$name" "$(echo "$res" | tr ' ' '\t')" >> "$raw"
            printf '  round %d %-28s %s\n' "$r" "$name" "$res" >&2
        done
    done
    {
        echo
        echo "## $title"
        echo "wrk -t$THREADS -c$CONNS, $ROUNDS interleaved rounds x ${DURATION}s, $WORKERS workers per proxy;"
        echo "medians over rounds; x = ratio to ${1%%|*}, the median of the per-round"
        echo "ratios (each round's run against the same round's reference run: paired,"
        echo "so that load drifting between rounds cancels); cpu = the proxy's own CPU"
        echo "time (user + system, all its processes) per request, and its paired ratio;"
        echo "errors = non-2xx + socket errors."
        echo
        local order=""
        for e in "$@"; do order="$order|${e%%|*}"; done
        bench_table "$raw" "$order"
    } | tee -a "$BENCH_OUT/results/$BENCH_SCENARIO.md"
}

# check that URL answers 200 before measuring
bench_check() {
    local name=$1 url=$2 code
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url" || true)
    if [ "$code" != 200 ]; then
        echo "$name: $url answered $code, expected 200" >&2
        return 1
    fi
}

# wait for and check every "name|url|lua" entry (the first sample path
# of a Lua path list when there is one)
bench_check_all() {
    local e name url lua port
    for e in "$@"; do
        IFS='|' read -r name url lua <<< "$e"
        port=${url#http://127.0.0.1:}; port=${port%%/*}
        bench_wait_port "$port"
        if [ -n "$lua" ] && [ -f "$lua.first" ]; then
            url=${url%/}$(cat "$lua.first")
        fi
        bench_check "$name" "$url"
    done
}

# the four upstreams pool0..pool3 (each over the four backends) used by the
# route-set scenarios; $1 = balancer line for routini ("" = nginx's own)
bench_pools() {
    local k
    for k in 0 1 2 3; do bench_upstream "pool$k" "${1:-}"; done
}

bench_haproxy_pools() {
    local k
    for k in 0 1 2 3; do bench_haproxy_backend "pool$k"; done
    echo "backend notfound"
    echo "    http-request return status 404"
}

# generate routini / nginx regex / HAProxy configs and the wrk script for a
# route file $1 into dir $2 (see bench/routes-gen.py); more arguments go to
# routes-gen.py conf (--variants K: K variants of every sample path)
bench_gen_routes() {
    mkdir -p "$2"
    python3 "$BENCH_ROOT/bench/routes-gen.py" conf "$@" >&2
}

# nginx + routini on port $2 with the routes of gen dir $1 (a prefix dir $3)
bench_conf_routini_routes() {
    local gen=$1 port=$2 d=$3 bal="" metrics="" pass
    pass=$(bench_routini_pass)
    bench_has_directive balancer && bal="routini_balancer round_robin;"
    bench_has_directive metrics && metrics="location = /metrics { routini_metrics; }"
    mkdir -p "$d"
    { bench_nginx_head routini; bench_pools "$bal"; cat <<CONF
    server {
        listen 127.0.0.1:$port reuseport;
        location / {
            include $gen/routini.conf;
            $pass
        }
        $metrics
    }
}
CONF
    } > "$d/nginx.conf"
}

# plain nginx with the same routes as regex locations
bench_conf_regex_routes() {
    local gen=$1 port=$2 d=$3
    mkdir -p "$d"
    { bench_nginx_head; bench_pools; cat <<CONF
    server {
        listen 127.0.0.1:$port reuseport;
        include $gen/regex.conf;
        location / { return 404; }
    }
}
CONF
    } > "$d/nginx.conf"
}

# HAProxy with the routing lines $4 of the gen dir (default haproxy.cfg:
# path_reg ACLs; haproxy-map.cfg: map_str + map_reg) and the backends
# printed by $5 (default bench_haproxy_pools)
bench_conf_haproxy_routes() {
    local gen=$1 port=$2 d=$3 rules=${4:-haproxy.cfg} pools=${5:-bench_haproxy_pools}
    mkdir -p "$d"
    { bench_haproxy_head "$port"; cat "$gen/$rules"
      echo "    default_backend notfound"; "$pools"; } > "$d/haproxy.cfg"
}

# backends pool0..3 and notfound that answer their own name
bench_haproxy_stub_pools() {
    local k
    for k in pool0 pool1 pool2 pool3 notfound; do
        echo "backend $k"
        echo "    http-request return status 200 content-type text/plain string $k"
    done
}

# bench_check_haproxy_routes GEN RULES PORT DIR: route every path of gen dir
# GEN's paths.expect (the sample paths, and their variants if any) through a
# HAProxy on PORT with the routing lines RULES of bench_conf_haproxy_routes
# and stub backends answering their own name; fails if any path reaches
# another backend.  The check HAProxy is stopped again.
bench_check_haproxy_routes() {
    local gen=$1 rules=$2 port=$3 d=$4 pid bad rc=0
    bench_conf_haproxy_routes "$gen" "$port" "$d" "$rules" bench_haproxy_stub_pools
    bench_start_haproxy "$d" || return 1
    pid=${_started_pids[${#_started_pids[@]} - 1]}
    bench_wait_port "$port" || rc=1
    if [ $rc = 0 ]; then
        awk -v base="http://127.0.0.1:$port" '{ print "url = \"" base $1 "\"" }' \
            "$gen/paths.expect" > "$d/curl.conf"
        curl -s --max-time 120 -w '\n' -K "$d/curl.conf" > "$d/got" || true
        bad=$(paste -d ' ' "$gen/paths.expect" "$d/got" |
              awk '$2 != $3 { print "  " $1 " reached " ($3 == "" ? "nothing" : $3) ", expected " $2 }')
        if [ -n "$bad" ] || [ "$(wc -l < "$d/got")" != "$(wc -l < "$gen/paths.expect")" ]; then
            echo "haproxy $rules routes paths to the wrong backend:" >&2
            echo "${bad:-  (answers and paths.expect differ in length)}" >&2
            rc=1
        else
            echo "haproxy $rules: all $(wc -l < "$gen/paths.expect") paths of paths.expect reach their pool" >&2
        fi
    fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    local keep=() p
    for p in "${_started_pids[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
    _started_pids=("${keep[@]+"${keep[@]}"}")
    return $rc
}

# bench_table TSV "|name1|name2..."  the table of bench_rounds from its raw
# rounds (round, name, rps, p50, p99, errors, cpu); the first name is the
# reference
bench_table() {
    awk -F'\t' -v order="$2" '
        function median(s,   a, n, i, j, t) {
            n = split(s, a, " ")
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
                if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        { rps[$2] = rps[$2] " " $3; p50[$2] = p50[$2] " " $4;
          p99[$2] = p99[$2] " " $5; err[$2] += $6; cpu[$2] = cpu[$2] " " ($7 + 0)
          R1[$1, $2] = $3; P1[$1, $2] = $5; C1[$1, $2] = $7 + 0; rounds[$1] = 1 }
        END {
            n = split(substr(order, 2), names, "|")
            ref = names[1]
            printf "| %-28s | %10s | %8s | %8s | %9s | %9s | %8s | %7s | %7s |\n",
                "proxy", "req/s", "p50 ms", "p99 ms", "req/s x", "p99 x",
                "cpu us", "cpu x", "errors"
            printf "|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", "------------------------------",
                "-----------:", "---------:", "---------:", "----------:",
                "----------:", "---------:", "--------:", "--------:"
            for (i = 1; i <= n; i++) {
                k = names[i]; rr = ""; pr = ""; cr = ""
                for (r in rounds) {
                    if (R1[r, ref] > 0 && (r, k) in R1) rr = rr " " R1[r, k] / R1[r, ref]
                    if (P1[r, ref] > 0 && (r, k) in P1) pr = pr " " P1[r, k] / P1[r, ref]
                    if (C1[r, ref] > 0 && (r, k) in C1) cr = cr " " C1[r, k] / C1[r, ref]
                }
                printf "| %-28s | %10.0f | %8.2f | %8.2f | %8.3fx | %8.3fx | %8.2f | %6.3fx | %7d |\n",
                    k, median(rps[k]), median(p50[k]), median(p99[k]),
                    median(rr), median(pr), median(cpu[k]),
                    cr == "" ? 0 : median(cr), err[k]
            }
        }' "$1"
}
