#!/bin/bash
# Soak and fault test: routini under steady wrk load on 2 workers, with
#
#   (a) 20 "nginx -s reload" in a row: no failed request, counters never
#       go backwards;
#   (b) kill -9 of one worker: the master respawns it, the zone is not left
#       locked (requests and the API keep answering), counters go on; the
#       requests that fail are counted (only those in flight on that worker
#       should);
#   (c) one of four backends stopped (health checks + proxy_next_upstream):
#       no client error; started again, it gets traffic again;
#   (d) the zone filled to its limit: a reload that needs more records than
#       an explicit routini_zone holds fails with a clear log line, the
#       zone metrics show it full, and the running workers keep serving.
#
# Not part of "make test".  Loopback only, bounded in time (about 2
# minutes), stops everything it started.  Prints a report; exits 1 when a
# check fails.
#
#   make module && util/soak.sh
#
# The long mode, util/soak.sh long [SECONDS] (default SOAK_SECONDS or
# 1800), runs instead: mixed traffic with long requests (the backends
# sleep SOAK_SLOW seconds, default 20), a reload every 5 s that renames
# 100 routes and an upstream, a reload that fails (a listen that cannot
# bind) every minute, backend 4 stopped or started and peer 3 drained or
# restored through the API every 20 s.  At the end: the master is the
# one started, the route counters equal the responses the client
# received, no peer has a request left in flight, the log has no zone
# poison report and no crash, no sanitizer report was written, and the
# zone's use does not grow after its first reclaim.  SOAK_ZONE sets the
# zone size (default 1m).  Under ASan:
#
#   util/asan.sh build && ROUTINI_NGINX=build/asan/objs/nginx \
#       ROUTINI_MODULE= util/soak.sh long
#
# Environment: ROUTINI_NGINX (nginx binary, default /usr/sbin/nginx),
# ROUTINI_MODULE (the .so; empty when linked in), SOAK_PORT (first of 5 ports, default 18600),
# SOAK_DIR (work directory, default a new /tmp/routini-soak.XXXXXX),
# SOAK_CONNS (wrk connections, default 16), SOAK_BACKEND_NGINX (the
# backends' nginx, default /usr/sbin/nginx; the long mode loads Debian's
# echo module into it, SOAK_ECHO_MODULE).

set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NGINX=${ROUTINI_NGINX:-/usr/sbin/nginx}
MODULE=${ROUTINI_MODULE-$ROOT/build/nginx/objs/ngx_http_routini_module.so}
PORT=${SOAK_PORT:-18600}
CONNS=${SOAK_CONNS:-16}
DIR=${SOAK_DIR:-$(mktemp -d /tmp/routini-soak.XXXXXX)}
BACKEND_NGINX=${SOAK_BACKEND_NGINX:-/usr/sbin/nginx}
ECHO_MODULE=${SOAK_ECHO_MODULE:-/usr/lib/nginx/modules/ngx_http_echo_module.so}
SLOW=${SOAK_SLOW:-20}
# api_pool's strategy and health checks: the long mode sets its own
BALANCER=round_robin
HEALTH="interval=500ms timeout=500ms"

PROXY=$DIR/proxy
WRK_PIDS=()
FAILED=0
REPORT=()

for tool in wrk curl python3 "$NGINX"; do
    command -v "$tool" >/dev/null || { echo "soak: $tool not found (apt-get install wrk curl)" >&2; exit 2; }
done
# an empty ROUTINI_MODULE: the module is linked in (util/asan.sh's nginx)
[ -z "$MODULE" ] || [ -f "$MODULE" ] || { echo "soak: $MODULE not found, run make first" >&2; exit 2; }
LOAD_MODULE=${MODULE:+load_module $MODULE;}

say() { printf '%s\n' "$*"; }
report() { REPORT+=("$*"); say "  => $*"; }
check() {   # check NAME CONDITION-EXIT-STATUS
    if [ "$2" -eq 0 ]; then report "PASS $1"; else report "FAIL $1"; FAILED=1; fi
}
# finish TITLE WHAT: the report, where WHAT is kept, and the exit status
finish() {
    local l
    say ""
    say "== $1 =="
    for l in "${REPORT[@]}"; do say "$l"; done
    say "$2: $DIR"
    [ "$FAILED" -eq 0 ] && say "RESULT: PASS" || say "RESULT: FAIL"
    exit "$FAILED"
}

# --- processes ---------------------------------------------------------------

master_pid() { cat "$1/logs/nginx.pid" 2>/dev/null; }

stop_nginx() {  # prefix
    local pid i
    pid=$(master_pid "$1") || return 0
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -QUIT "$pid" 2>/dev/null
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -TERM "$pid" 2>/dev/null
    sleep 0.5
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    return 0
}

cleanup() {
    local p
    for p in "${WRK_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    stop_nginx "$PROXY"
    for p in 1 2 3 4; do stop_nginx "$DIR/backend$p"; done
    wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_nginx() {  # prefix
    "$NGINX" -p "$1/" -c conf/nginx.conf -e logs/error.log
}

workers() { ps -o pid= --ppid "$(master_pid "$PROXY")" 2>/dev/null | tr -d ' ' | sort -n; }

wait_workers() {  # n: wait until the proxy has n workers, at most 5 s
    local i
    for i in $(seq 50); do
        [ "$(workers | wc -l)" -eq "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

# --- configuration -----------------------------------------------------------

# conf_head LOAD_MODULE WORKERS LOG_LEVEL CONNECTIONS: an nginx.conf up
# to the inside of http{}
conf_head() {
    cat <<EOF
$1
worker_processes $2;
error_log logs/error.log $3;
pid logs/nginx.pid;
events { worker_connections $4; }
http {
    access_log off;
    client_body_temp_path /tmp; proxy_temp_path /tmp; fastcgi_temp_path /tmp;
    uwsgi_temp_path /tmp; scgi_temp_path /tmp;
EOF
}

# backend_conf N [SLOW]: backend N answers "backend N URI"; with SLOW
# (the long mode), /slow/ answers after SLOW seconds (the echo module)
backend_conf() {
    local slow=""
    [ -n "${2:-}" ] && slow="location /slow/ { echo_sleep $2; echo \"backend $1 slow\"; }"
    mkdir -p "$DIR/backend$1/logs" "$DIR/backend$1/conf"
    conf_head "${2:+load_module $ECHO_MODULE;}" 1 warn 1024 \
        > "$DIR/backend$1/conf/nginx.conf"
    cat >> "$DIR/backend$1/conf/nginx.conf" <<EOF
    server {
        listen 127.0.0.1:$((PORT + $1));
        $slow
        location / { return 200 "backend $1 \$request_uri\n"; }
    }
}
EOF
}

start_backend() {  # n
    "$BACKEND_NGINX" -p "$DIR/backend$1/" -c conf/nginx.conf -e logs/error.log
}

# proxy_conf ZONE_LINE EXTRA_ROUTES [EXTRA_HTTP]: the proxy, api_pool's
# strategy and health checks as the mode sets them (BALANCER, HEALTH)
proxy_conf() {
    mkdir -p "$PROXY/logs" "$PROXY/conf"
    conf_head "$LOAD_MODULE" 2 notice 4096 > "$PROXY/conf/nginx.conf"
    cat >> "$PROXY/conf/nginx.conf" <<EOF
    $1

    upstream api_pool {
        routini_balancer $BALANCER;
        routini_health_check $HEALTH fall=1 rise=1;
        server 127.0.0.1:$((PORT + 1));
        server 127.0.0.1:$((PORT + 2));
        server 127.0.0.1:$((PORT + 3));
        server 127.0.0.1:$((PORT + 4));
        keepalive 16;
    }
${3:-}

    server {
        listen 127.0.0.1:$PORT backlog=4096;

        location / {
            routini_route "/api/{*rest}"  api_pool  strip_prefix name=api;
            routini_route /users/:id      api_pool  methods=GET,HEAD name=users;
$2
            proxy_pass              http://\$routini_upstream;
            proxy_http_version      1.1;
            proxy_set_header        Connection "";
            proxy_connect_timeout   1s;
            proxy_read_timeout      $((SLOW * 3))s;
            proxy_next_upstream     error timeout http_502 http_503;
            proxy_next_upstream_tries 4;
        }

        location = /metrics { routini_metrics; }
        location /routini/api/ { allow 127.0.0.1; deny all; routini_api; }
    }
}
EOF
}

# start_all: the four backends and the proxy, configured; a request goes
# through
start_all() {
    local n
    for n in 1 2 3 4; do
        start_backend "$n" || exit 2
    done
    start_nginx "$PROXY" || { tail "$PROXY/logs/error.log"; exit 2; }
    wait_workers 2
    sleep 1
    curl -s -m 5 "http://127.0.0.1:$PORT/api/hello" | grep -q '^backend' \
        || { say "proxy does not answer"; tail "$PROXY/logs/error.log"; exit 2; }
}

many_routes() {  # prefix count
    local i
    for i in $(seq "$2"); do
        printf '            routini_route /%s%d/:id api_pool;\n' "$1" "$i"
    done
}

# --- load and metrics ----------------------------------------------------------

# start_wrk NAME SECONDS [WRK ARGS]: wrk in the background, output in
# $DIR/wrk-NAME.txt
start_wrk() {
    local name=$1 secs=$2
    shift 2
    wrk -t2 -c"$CONNS" -d"$secs"s --timeout 5s "$@" \
        "http://127.0.0.1:$PORT/api/soak" > "$DIR/wrk-$name.txt" 2>&1 &
    WRK_PIDS+=($!)
    WRK_LAST=$!
    sleep 1
}

# wrk_result NAME: sets REQS ERRS (non-2xx + socket errors) and ERRDETAIL
wrk_result() {
    local f=$DIR/wrk-$1.txt non2xx sock
    REQS=$(awk '/requests in/ {print $1}' "$f")
    non2xx=$(awk -F': ' '/Non-2xx/ {print $2}' "$f")
    sock=$(sed -n 's/.*Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 \2 \3 \4/p' "$f")
    set -- ${sock:-0 0 0 0}
    ERRS=$(( ${non2xx:-0} + $1 + $2 + $3 + $4 ))
    ERRDETAIL="non-2xx ${non2xx:-0}, connect $1, read $2, write $3, timeout $4"
    REQS=${REQS:-0}
}

scrape() { curl -s -m 2 "http://127.0.0.1:$PORT/metrics"; }

# the sum of a metric's series (optionally filtered by a label substring)
metric_sum() {  # text metric [filter]
    printf '%s\n' "$1" | awk -v m="$2" -v f="${3:-}" '
        index($0, m "{") == 1 && index($0, f) { s += $NF } END { printf "%d\n", s }'
}

peer_requests() {  # text port
    metric_sum "$1" routini_upstream_requests_total "peer=\"127.0.0.1:$2\""
}

api_ok() {
    curl -s -m 2 -o /dev/null -w '%{http_code}' \
        "http://127.0.0.1:$PORT/routini/api/upstreams/api_pool" | grep -q 200
}

# --- long mode ---------------------------------------------------------------

# long_proxy_conf TAG [BAD]: 100 routes and an upstream named after TAG;
# BAD adds a listen on backend 1's port, which fails the reload after the
# zone was initialized for it
long_proxy_conf() {
    local i routes="" more
    for i in $(seq 100); do
        routes="$routes            routini_route /$1$i/:id u_$1 name=$1$i;
"
    done
    more="
    upstream u_$1 {
        routini_balancer round_robin;
        server 127.0.0.1:$((PORT + 1));
        server 127.0.0.1:$((PORT + 2));
    }"
    [ -n "${2:-}" ] && more="$more
    server { listen 127.0.0.1:$((PORT + 1)); }"
    proxy_conf "routini_zone soak ${SOAK_ZONE:-1m};" "$routes" "$more"
}

# the client: threads sending short requests (api, users) and long ones
# (api, to the backends' sleeping location), each on a new connection;
# counts the responses it received, by route and status class
long_client() {  # seconds out
    python3 - "$PORT" "$1" "$2" "$SLOW" <<'PY'
import http.client, json, sys, threading, time
port, secs, out, slow = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
end = time.time() + secs
lock = threading.Lock()
counts = {"api": {}, "users": {}, "errors": {}}

def add(route, key):
    with lock:
        c = counts[route]
        c[key] = c.get(key, 0) + 1

def run(kind):
    i = 0
    while time.time() < end:
        i += 1
        if kind == "slow":
            route, path = "api", "/api/slow/%d" % i
        elif i % 2:
            route, path = "api", "/api/fast/%d?x=%d" % (i, i)
        else:
            route, path = "users", "/users/%d" % i
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=slow * 6)
            c.request("GET", path, headers={"Connection": "close"})
            r = c.getresponse()
            r.read()
            c.close()
            add(route, "%dxx" % (r.status // 100))
        except Exception as e:
            add("errors", type(e).__name__)
            time.sleep(0.05)

threads = [threading.Thread(target=run, args=(k,))
           for k in ["fast"] * 4 + ["slow"] * 2]
for t in threads:
    t.start()
for t in threads:
    t.join()
with open(out, "w") as f:
    json.dump(counts, f)
PY
}

# the sum of the series of route R's routini_requests_total
route_total() {  # text route
    metric_sum "$1" routini_requests_total "route=\"$2\","
}

# least-squares slope of "t used" lines, bytes per hour
zone_slope() {
    awk '{ n++; sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2 }
         END { d = n * sxx - sx * sx
               if (n < 2 || d == 0) { print 0; exit }
               printf "%d\n", (n * sxy - sx * sy) / d * 3600 }' "$1"
}

long_mode() {
    local secs=${1:-${SOAK_SECONDS:-1800}} start now n=0 bad=0 master
    local toggles=0 down=0 drained=0 state m used t0 logdir client_pid i
    local api_c users_c api_n users_n errs active poison san crashes
    local reloads_ok reloads_bind reloads_room reclaim post first second
    local slope=""

    logdir=$DIR/sanitizer
    mkdir -p "$logdir"
    # where the proxy writes ASan/UBSan reports when it has the runtimes
    export ASAN_OPTIONS="detect_leaks=0:symbolize=0:log_path=$logdir/san"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=0:symbolize=0:log_path=$logdir/san"

    say "routini soak, long mode: $secs s, $DIR, proxy 127.0.0.1:$PORT ($NGINX), zone ${SOAK_ZONE:-1m}, slow requests $SLOW s"

    [ -f "$ECHO_MODULE" ] || { say "soak: $ECHO_MODULE not found (apt-get install libnginx-mod-http-echo)"; exit 2; }

    for i in 1 2 3 4; do
        backend_conf "$i" "$SLOW"
    done
    long_proxy_conf r0
    # start_all's request is counted in route api too
    start_all
    master=$(master_pid "$PROXY")

    long_client "$secs" "$DIR/client.json" &
    client_pid=$!

    start=$(date +%s)
    t0=$start
    : > "$DIR/zone.txt"

    while :; do
        now=$(date +%s)
        [ $((now - start)) -ge "$secs" ] && break
        n=$((n + 1))

        if [ $((n % 12)) = 0 ]; then
            # once a minute: a reload that fails on its listen
            bad=$((bad + 1))
            long_proxy_conf "r$n" bad
        else
            long_proxy_conf "r$n"
        fi
        kill -HUP "$master" 2>/dev/null || { say "   the master is gone"; break; }

        if [ $((n % 4)) = 0 ]; then
            # every 20 s: backend 4 stopped or started, peer 3 drained or
            # restored
            toggles=$((toggles + 1))
            if [ "$down" = 0 ]; then
                stop_nginx "$DIR/backend4"; down=1
            else
                start_backend 4; down=0
            fi
            if [ "$drained" = 0 ]; then state=drain; drained=1; else state=up; drained=0; fi
            curl -s -m 5 -o /dev/null -X PATCH \
                -H 'Content-Type: application/json' \
                -d "{\"state\":\"$state\"}" \
                "http://127.0.0.1:$PORT/routini/api/upstreams/api_pool/peers/127.0.0.1:$((PORT + 3))"
        fi

        sleep 4
        used=$(metric_sum "$(scrape)" routini_zone_used_bytes)
        echo "$(( $(date +%s) - t0 )) $used" >> "$DIR/zone.txt"
        sleep 1

        if [ $((n % 60)) = 0 ]; then
            say "   $(( $(date +%s) - start )) s: $n reloads, zone $used bytes"
        fi
    done

    say "   waiting for the client and the old workers"
    wait "$client_pid"
    [ "$down" = 1 ] && start_backend 4
    for i in $(seq $((SLOW * 4))); do
        [ "$(workers | wc -l)" -eq 2 ] && break
        sleep 1
    done

    m=$(scrape)
    api_n=$(route_total "$m" api)
    users_n=$(route_total "$m" users)
    read -r api_c users_c errs < <(python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
print(sum(c["api"].values()) + 1, sum(c["users"].values()),
      " ".join("%s=%d" % kv for kv in sorted(c["errors"].items())) or "none")' "$DIR/client.json")
    active=$(metric_sum "$m" routini_upstream_active_connections)
    poison=$(grep -c "poison" "$PROXY/logs/error.log")
    crashes=$(grep -c "exited on signal" "$PROXY/logs/error.log")
    reloads_ok=$(( $(grep -c "start worker processes" "$PROXY/logs/error.log") - 1 ))
    reloads_bind=$(grep -c "still could not bind" "$PROXY/logs/error.log")
    reloads_room=$(grep -c "has no room\|is too small" "$PROXY/logs/error.log")

    # records are freed only when a reload finds the zone full, so its use
    # is a saw tooth: after each reclaim (a sample lower than the one
    # before it) it holds what live workers still use.  A leak shows as
    # rising troughs: compare the mean trough of each half of the run
    awk 'NR > 1 && $2 < prev { print } { prev = $2 }' "$DIR/zone.txt" \
        > "$DIR/zone-troughs.txt"
    reclaim=$(wc -l < "$DIR/zone-troughs.txt")
    if [ "$reclaim" -ge 2 ]; then
        first=$(head -n $((reclaim / 2)) "$DIR/zone-troughs.txt" | awk '{ s += $2 } END { printf "%d\n", s / NR }')
        second=$(tail -n $((reclaim - reclaim / 2)) "$DIR/zone-troughs.txt" | awk '{ s += $2 } END { printf "%d\n", s / NR }')
        slope=$(zone_slope "$DIR/zone-troughs.txt")
    fi

    san=$(ls "$logdir"/san.* 2>/dev/null | wc -l)
    if [ "$san" -gt 0 ]; then
        san=$(bash "$ROOT/util/asan.sh" scan "$logdir" 2>&1 | tail -1)
        say "   sanitizers: $san"
    fi

    say ""
    say "   client: api $api_c, users $users_c responses received; errors: $errs"
    say "   routini_requests_total: api $api_n, users $users_n"
    say "   reloads: $n sent, $reloads_ok done, $reloads_bind failed on the listen ($bad sent), $reloads_room refused for want of zone room"
    say "   peers: $toggles times backend 4 stopped or started and peer 3 drained or restored"
    say "   zone: $(wc -l < "$DIR/zone.txt") samples from $(sort -n -k2 "$DIR/zone.txt" | head -1 | cut -d' ' -f2) to $(sort -n -k2 "$DIR/zone.txt" | tail -1 | cut -d' ' -f2) bytes; $reclaim reclaims, the use after them: mean ${first:-?} bytes in the first half, ${second:-?} in the second, slope ${slope:-?} bytes/hour"

    check "the master is the one started ($master)" \
        "$([ "$(master_pid "$PROXY")" = "$master" ] && kill -0 "$master"; echo $?)"
    check "route api: counted $api_n, the client received $api_c" $((api_n != api_c))
    check "route users: counted $users_n, the client received $users_c" $((users_n != users_c))
    check "no request left in flight on any peer ($active)" $((active != 0))
    check "the reloads meant to fail failed, the others were done ($reloads_bind of $bad; $reloads_ok + $reloads_room of $((n - bad)))" \
        $(( reloads_bind != bad || reloads_ok + reloads_room != n - bad ))
    check "no zone poison report ($poison)" $((poison != 0))
    check "no crash ($crashes)" $((crashes != 0))
    # reports outside module code (nginx's own UBSan reports at start-up)
    # are listed by asan.sh scan but do not fail the run
    check "no ASan report, no sanitizer report in module code ($san)" \
        "$(case $san in 0|*"ASan/LSan reports: 0,"*"in module code: 0 "*) echo 0 ;; *) echo 1 ;; esac)"
    check "the zone's use after a reclaim does not grow (mean ${first:-?} -> ${second:-?}, 10% allowed)" \
        "$([ "$reclaim" -ge 2 ] && [ "$second" -le $((first + first / 10)) ]; echo $?)"

    stop_nginx "$PROXY"
    finish "routini soak report (long mode)" \
        "logs, zone samples (zone.txt) and the client's counts"
}

if [ "${1:-}" = long ]; then
    BALANCER=fewest_connections
    HEALTH="interval=1s timeout=1s"
    long_mode "${2:-}"
fi

# --- start -------------------------------------------------------------------

say "routini soak: $DIR, proxy 127.0.0.1:$PORT, backends $((PORT + 1))-$((PORT + 4)), wrk $CONNS connections"

for n in 1 2 3 4; do
    backend_conf "$n"
done
proxy_conf "routini_zone routini 4m;" ""
start_all

# --- (a) 20 reloads under load ------------------------------------------------

say ""
say "(a) 20 nginx -s reload under load, twice"

# Run twice: with keepalive clients, a request sent on an idle connection
# just as the old worker closes it (nginx's graceful shutdown closes idle
# keepalive connections) fails with a read error; that is nginx's reload
# behaviour with or without routini, and clients retry it.  With
# "Connection: close" clients nothing may fail.

reload_run() {  # NAME [WRK ARGS]
    local name=$1 i m r p
    shift
    start_wrk "$name" 28 "$@"
    prev_routes=0; prev_peers=0; backwards=0; reloads_ok=0
    for i in $(seq 20); do
        m=$(scrape)
        r=$(metric_sum "$m" routini_requests_total)
        p=$(metric_sum "$m" routini_upstream_requests_total)
        if [ "$r" -lt "$prev_routes" ] || [ "$p" -lt "$prev_peers" ]; then
            backwards=$((backwards + 1))
            say "   reload $i: counters went backwards: routes $prev_routes -> $r, peers $prev_peers -> $p"
        fi
        prev_routes=$r; prev_peers=$p
        "$NGINX" -p "$PROXY/" -c conf/nginx.conf -e logs/error.log -s reload \
            && reloads_ok=$((reloads_ok + 1))
        sleep 1.2
    done
    m=$(scrape)
    r=$(metric_sum "$m" routini_requests_total)
    [ "$r" -lt "$prev_routes" ] && backwards=$((backwards + 1))
    wait "$WRK_LAST"
    wrk_result "$name"
    say "   $name: wrk $REQS requests, $ERRDETAIL; $reloads_ok reloads; routini_requests_total $r at the end"
}

reload_run reload-close -H "Connection: close"
check "(a) zero failed requests over 20 reloads, Connection: close clients ($ERRS failed of $REQS)" $((ERRS != 0))
check "(a) counters never went backwards ($backwards times)" $((backwards != 0))
sleep 2
reload_run reload-keepalive
report "INFO (a) keepalive clients: $ERRS of $REQS requests failed ($ERRDETAIL): idle connections closed by exiting workers"
check "(a) counters never went backwards, keepalive run ($backwards times)" $((backwards != 0))

# --- (b) kill -9 of one worker ------------------------------------------------

say ""
say "(b) kill -9 of one worker under load"

wait_workers 2 || say "   (old workers still exiting)"
sleep 1
start_wrk kill 12
sleep 2
before=$(metric_sum "$(scrape)" routini_requests_total)
victim=$(workers | head -1)
old_workers=$(workers | tr '\n' ' ')
kill -KILL "$victim"
respawned=1
for i in $(seq 50); do
    new=$(workers | tr '\n' ' ')
    if [ "$(workers | wc -l)" -eq 2 ] && ! workers | grep -qx "$victim"; then
        respawned=0; break
    fi
    sleep 0.1
done
sleep 1
api_ok; api=$?
after=$(metric_sum "$(scrape)" routini_requests_total)
wait "$WRK_LAST"
wrk_result kill
sleep 0.5
after2=$(metric_sum "$(scrape)" routini_requests_total)
locked=$(grep -c "was locked by\|shared memory zone.*locked" "$PROXY/logs/error.log")
say "   workers before: $old_workers killed: $victim after: $(workers | tr '\n' ' ')"
say "   wrk: $REQS requests, $ERRDETAIL"
say "   routini_requests_total: $before before the kill, $after 1 s after, $after2 at the end"
say "   master log: $(grep -c "exited on signal 9" "$PROXY/logs/error.log") 'exited on signal 9', $locked 'was locked by'"
check "(b) the master respawned the worker" $respawned
check "(b) the API answers after the kill" $api
check "(b) counters continue ($before -> $after -> $after2)" $(( after < before || after2 <= after ))
check "(b) failed requests no more than the connections in flight ($ERRS, at most $CONNS)" $(( ERRS > CONNS ))
KILL_ERRS=$ERRS

# --- (c) one of four backends stopped, then started -----------------------------

say ""
say "(c) backend 4 stopped, then started, under load"

start_wrk backend 16
m=$(scrape); b4_before=$(peer_requests "$m" $((PORT + 4)))
stop_nginx "$DIR/backend4"
sleep 6
m=$(scrape); b4_down=$(peer_requests "$m" $((PORT + 4)))
state_down=$(curl -s -m 2 "http://127.0.0.1:$PORT/routini/api/upstreams/api_pool/peers/127.0.0.1:$((PORT + 4))" | grep -o '"state":"[a-z]*"')
start_backend 4
sleep 3
m=$(scrape); b4_up1=$(peer_requests "$m" $((PORT + 4)))
sleep 3
m=$(scrape); b4_up2=$(peer_requests "$m" $((PORT + 4)))
state_up=$(curl -s -m 2 "http://127.0.0.1:$PORT/routini/api/upstreams/api_pool/peers/127.0.0.1:$((PORT + 4))" | grep -o '"state":"[a-z]*"')
wait "$WRK_LAST"
wrk_result backend
say "   wrk: $REQS requests, $ERRDETAIL"
say "   backend 4 requests: $b4_before when stopped, $b4_down 6 s later ($state_down), $b4_up1 -> $b4_up2 after the restart ($state_up)"
say "   log: $(grep -c 'is unhealthy' "$PROXY/logs/error.log") unhealthy, $(grep -c 'is healthy' "$PROXY/logs/error.log") healthy notices"
check "(c) zero client errors with a backend down ($ERRS of $REQS)" $((ERRS != 0))
check "(c) the restarted backend gets traffic again ($b4_up1 -> $b4_up2)" $(( b4_up2 <= b4_up1 ))

# --- (d) the zone filled to its limit ---------------------------------------------

say ""
say "(d) routini_zone filled to its limit"

stop_nginx "$PROXY"
: > "$PROXY/logs/error.log"

# the smallest explicit zone that holds 400 routes, as nginx -t computes it
proxy_conf "routini_zone soak 32k;" "$(many_routes a 400)"
need=$("$NGINX" -t -p "$PROXY/" -c conf/nginx.conf -e stderr 2>&1 \
       | sed -n 's/.*need at least \([0-9]*\)k.*/\1/p')
[ -n "$need" ] || { say "   could not find the zone size needed"; need=1024; }
zone="routini_zone soak ${need}k;"
proxy_conf "$zone" "$(many_routes a 400)"
start_nginx "$PROXY" || { tail "$PROXY/logs/error.log"; exit 2; }
wait_workers 2
sleep 1
m=$(scrape)
used0=$(metric_sum "$m" routini_zone_used_bytes); size=$(metric_sum "$m" routini_zone_size_bytes)

start_wrk zone 10
# 400 other routes: the records of the first 400 are kept for two reloads,
# so the zone would need about twice its size
proxy_conf "$zone" "$(many_routes b 400)"
"$NGINX" -p "$PROXY/" -c conf/nginx.conf -e logs/error.log -s reload
sleep 2
m=$(scrape)
used1=$(metric_sum "$m" routini_zone_used_bytes)
served_old=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/a1/x")
served_new=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/b1/x")
wait "$WRK_LAST"
wrk_result zone
line=$(grep -m1 "too small" "$PROXY/logs/error.log")
say "   zone ${need}k: used $used0 of $size bytes with 400 routes, $used1 after the reload to 400 other routes"
say "   log: ${line:-<nothing>}"
say "   /a1/x (old routes): $served_old, /b1/x (new routes): $served_new"
say "   wrk: $REQS requests, $ERRDETAIL"
check "(d) a clear log line names the zone and what to do" $([ -n "$line" ]; echo $?)
check "(d) the metrics show the zone (used $used1 of $size)" $(( size == 0 || used1 == 0 ))
check "(d) requests still served during and after ($ERRS failed of $REQS)" $((ERRS != 0))
check "(d) the running configuration keeps serving (/a1/x $served_old)" $([ "$served_old" = 200 ]; echo $?)

crashes=$(grep -c "exited on signal [^9]\|\[crit\]\|\[alert\].*\(signal 11\|core\)" "$PROXY/logs/error.log")
check "no crash, no [crit] in the last phase's log ($crashes)" $((crashes != 0))

finish "routini soak report" "logs and wrk outputs"
