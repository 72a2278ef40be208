#!/usr/bin/env bash
# Costs that grow with the route count (prints figures; not a test).
#
#   bench/scale.sh [N ...]               default: 1000 10000 100000
#
# For each N, a configuration of N routes `routini_route "/rI/{id}" pool;`
# (one upstream, WORKERS workers) is measured:
#
#   nginx -t    wall seconds, and peak RSS per route: the difference from a
#               one-route configuration, divided by N
#   zone        routini_zone_used_bytes per route, the same difference
#   scrapes     GET /metrics (Prometheus) and /metrics.json: seconds
#               (curl's time_total), the worker's CPU time spent on the
#               scrape (/proc/PID/schedstat) and bytes, medians of RUNS
#   steady      a request every millisecond on one keepalive connection
#               (bench/steady.pl), in windows taken in turn during a
#               Prometheus scrape and as long without, until the scrapes
#               took 3 s: the p99 and p90 of their latencies, the longest
#               the worker kept the stream waiting (gap between two answers
#               beyond 1 ms), and how many scrapes; with one worker, the stream
#               and the scrape share it.  With taskset and two CPUs or more,
#               the worker runs on the first CPU, the stream and curl on the
#               others, so that the client's own work does not count
#               against the worker
#   turns       the worker's time out of epoll_wait() between two calls,
#               during one more Prometheus scrape (perf trace, when
#               installed): median and longest, wall time, so an upper
#               bound (the machine may preempt the worker)
#
# Then, for 10, 100 and 1,000 peers in one upstream (BENCH_PEERS), the
# instructions per decision of every strategy, with none and half of the
# peers unusable: make bench-balancer (docs/BENCHMARKS.md).
#
# Environment:
#   SCALE_PORT=18900   loopback port of the nginx it starts
#   RUNS=3             scrapes of each kind per N (the median is printed)
#   WORKERS=1          worker_processes: the zone's route records depend on it
#   BUCKETS=           routini_metrics_buckets' arguments, e.g. "off" or
#                      "0.1 1" (default: the directive is absent)
#   MODULE=...         the routini .so (default build/nginx/objs/..., built
#                      if missing)
#   NGINX_BIN=...      nginx binary (default /usr/sbin/nginx)
#
# Everything it starts is stopped on exit.

set -eu

cd "$(dirname "$0")/.."

port=${SCALE_PORT:-18900}
runs=${RUNS:-3}
workers=${WORKERS:-1}
buckets=${BUCKETS:+routini_metrics_buckets $BUCKETS;}
module=${MODULE:-$PWD/build/nginx/objs/ngx_http_routini_module.so}
nginx=${NGINX_BIN:-/usr/sbin/nginx}
dir=$PWD/build/bench/scale
counts=${*:-1000 10000 100000}

[ -f "$module" ] || make -s module

. bench/turns.sh

[ -x /usr/bin/time ] \
    || { echo "GNU time is needed (apt-get install time)" >&2; exit 1; }
command -v curl > /dev/null || { echo "curl is needed" >&2; exit 1; }

mkdir -p "$dir/logs" "$dir/conf"

stop() {
    if [ -s "$dir/logs/nginx.pid" ]; then
        "$nginx" -q -p "$dir" -c conf/nginx.conf -e logs/error.log -s stop \
            2> /dev/null || true
        for _ in $(seq 100); do
            [ -s "$dir/logs/nginx.pid" ] || break
            sleep 0.1
        done
    fi
}

trap stop EXIT

gen() {
    awk -v n="$1" 'BEGIN {
        for (i = 1; i <= n; i++) printf "routini_route \"/r%d/{id}\" pool;\n", i
    }' > "$dir/conf/routes.conf"
}

cat > "$dir/conf/nginx.conf" <<CONF
load_module $module;
worker_processes $workers;
error_log logs/error.log;
pid logs/nginx.pid;
events {}
http {
    access_log off;
    $buckets
    upstream pool { server 127.0.0.1:1; }
    server {
        listen 127.0.0.1:$port;
        location / {
            include $dir/conf/routes.conf;
            proxy_pass http://\$routini_upstream;
        }
        location = /metrics { routini_metrics; }
        location = /metrics.json { routini_metrics json; }
        location = /ping { keepalive_requests 1000000000; return 200 "ok"; }
    }
}
CONF

# peak RSS in kB and wall seconds of nginx -t
measure() {
    /usr/bin/time -f '%M %e' "$nginx" -q -t -p "$dir" -c conf/nginx.conf \
        -e logs/error.log 2>&1 >/dev/null | tail -1
}

start() {
    rm -f "$dir/logs/nginx.pid"
    "$nginx" -p "$dir" -c conf/nginx.conf -e logs/error.log
    for _ in $(seq 600); do
        curl -s -o /dev/null "http://127.0.0.1:$port/" && return
        sleep 0.1
    done
    echo "nginx did not answer on port $port" >&2
    exit 1
}

# CPU nanoseconds of the worker processes listed in $1, together
worker_ns() {
    local pid ns=0

    for pid in $1; do
        ns=$(( ns + $(cut -d' ' -f1 "/proc/$pid/schedstat") ))
    done

    echo "$ns"
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# one kind of scrape RUNS times: "seconds cpu_ms bytes", medians
scrape() {
    local url=$1 wpid=$2 t0 out times="" cpus="" size=0

    for _ in $(seq "$runs"); do
        t0=$(worker_ns "$wpid")
        out=$(curl -s -o /dev/null --max-time 600 \
                   -w '%{time_total} %{size_download}' "$url")
        times="$times ${out% *}"
        cpus="$cpus $(( ($(worker_ns "$wpid") - t0) / 1000000 ))"
        size=${out#* }
    done

    echo "$(echo $times | tr ' ' '\n' | median)" \
         "$(echo $cpus | tr ' ' '\n' | median)" "$size"
}

# bench/steady.pl against the worker(s) $1: the worker on the first CPU,
# the stream and its curl on the others, when there are two or more
stream() {
    local cpus

    cpus=$(nproc)

    if command -v taskset > /dev/null && [ "$cpus" -ge 2 ] \
       && [ "$1" = "${1%% *} " ]
    then
        taskset -pc 0 "${1%% *}" > /dev/null
        taskset -c "1-$((cpus - 1))" perl bench/steady.pl "$port" /metrics
        taskset -pc "0-$((cpus - 1))" "${1%% *}" > /dev/null

    else
        perl bench/steady.pl "$port" /metrics
    fi
}

zone_used() {
    curl -s "http://127.0.0.1:$port/metrics" \
        | awk '/^routini_zone_used_bytes/ { print $2 }'
}

gen 1
read -r base_rss _ < <(measure)
start
base_zone=$(zone_used)
stop

echo "worker_processes $workers${buckets:+, $buckets}"
printf '%-7s %9s %9s %9s | %9s %7s %9s | %9s %7s %9s\n' \
    routes "nginx -t" "RSS B/rt" "zone B/rt" "prom s" "cpu ms" "bytes" \
    "json s" "cpu ms" "bytes"

steady=

for n in $counts; do
    gen "$n"
    read -r rss t < <(measure)
    start
    wpid=$(pgrep -P "$(cat "$dir/logs/nginx.pid")" | tr '\n' ' ')
    zone=$(zone_used)
    read -r pt pc ps < <(scrape "http://127.0.0.1:$port/metrics" "$wpid")
    read -r jt jc js < <(scrape "http://127.0.0.1:$port/metrics.json" "$wpid")

    read -r si ss gi gs st sn qi qs < <(stream "$wpid")
    read -r tm tx < <(turns "${wpid%% *}" "http://127.0.0.1:$port/metrics" \
                             "$dir/logs/turns.txt")
    ratio=$(awk -v i="$si" -v s="$ss" \
                'BEGIN { printf "%.2f", (i > 0 ? s / i : 0) }')
    steady="$steady$(printf '%-7s %8s %8s %6s | %8s %8s | %8s %8s %8s %7s | %8s %8s' \
                            "$n" "$si" "$ss" "$ratio" "$qi" "$qs" "$gi" \
                            "$gs" "$st" "$sn" "$tm" "$tx")
"
    stop

    printf '%-7s %9s %9s %9s | %9s %7s %9s | %9s %7s %9s\n' \
        "$n" "$t" "$(( (rss - base_rss) * 1024 / n ))" \
        "$(( (zone - base_zone) / n ))" "$pt" "$pc" "$ps" "$jt" "$jc" "$js"
done

echo
echo "a request every 1 ms on the worker, without and during a scrape (ms):"
printf '%-7s %8s %8s %6s | %8s %8s | %8s %8s %8s %7s | %8s %8s\n' \
    routes "p99 idle" "p99 scr" "ratio" "p90 idle" "p90 scr" "gap idle" \
    "gap scr" "scrape s" scrapes "turn med" "turn max"
printf '%s' "$steady"

make -s bench-balancer
