#!/usr/bin/env bash
# CPU flame graphs of the nginx workers under wrk load, plain nginx vs nginx
# + routini (the configurations of scenario a: /api/* strip_prefix to four
# peers), plus the module's hottest functions as text.
#
#   bench/flamegraph.sh                  FG_SECONDS=10 CONNS=64 by default
#   CALLGRAPH=dwarf bench/flamegraph.sh  DWARF unwinding (bigger, slower,
#                                        better stacks through -O2 code)
#
# Writes build/bench/flame/{plain,routini}.html (interactive, d3-flame-graph
# template, no network needed to view), {plain,routini}.perf.data and
# routini-hot.txt.  Installs linux-perf (apt) and d3-flame-graph 4.x (npm,
# into build/bench/node_modules) when missing.

set -eu
. "$(dirname "$0")/lib.sh"
for s in "$BENCH_ROOT"/bench/scenarios/a.sh; do . "$s"; done

FG_SECONDS=${FG_SECONDS:-10}
FREQ=${FREQ:-999}
CALLGRAPH=${CALLGRAPH:-fp}
out=$BENCH_OUT/flame
template=$BENCH_OUT/node_modules/d3-flame-graph/dist/templates/d3-flamegraph-base.html

if ! command -v perf > /dev/null || ! perf version > /dev/null 2>&1; then
    apt-get install -y linux-perf > /dev/null
fi
if [ ! -f "$template" ]; then
    mkdir -p "$BENCH_OUT"
    npm install --prefix "$BENCH_OUT" --no-audit --no-fund --silent \
        'd3-flame-graph@4' > /dev/null
fi
if [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -gt 1 ] && [ "$(id -u)" != 0 ]; then
    echo "perf_event_paranoid is $(cat /proc/sys/kernel/perf_event_paranoid):" \
         "run as root or: sysctl kernel.perf_event_paranoid=1" >&2
    exit 1
fi

bench_need
mkdir -p "$out"
BENCH_LOG=$out/wrk.log
: > "$BENCH_LOG"
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

entries=()
A_NO_HAPROXY=1 A_NO_VARIABLE=1
scenario_a_setup

# the worker PIDs of the nginx whose prefix dir is $1
workers() {
    pgrep -P "$(cat "$1/logs/nginx.pid")" | paste -sd, -
}

for e in "${entries[@]}"; do
    IFS='|' read -r name url lua <<< "$e"
    case $name in
    plain*)   tag=plain ;;
    *routini) tag=routini ;;
    *)        continue ;;
    esac
    pids=$(workers "$BENCH_OUT/a/$tag")
    echo "$tag: workers $pids, wrk -c$CONNS for $((FG_SECONDS + 2)) s, perf $FG_SECONDS s" >&2
    wrk -t"$THREADS" -c"$CONNS" -d"$((FG_SECONDS + 2))s" "$url" >> "$BENCH_LOG" 2>&1 &
    wrk_pid=$!
    sleep 1
    perf record -q -e cpu-clock -F "$FREQ" --call-graph "$CALLGRAPH" -p "$pids" \
        -o "$out/$tag.perf.data" -- sleep "$FG_SECONDS" 2> "$out/$tag.perf.log" || {
        cat "$out/$tag.perf.log" >&2; exit 1; }
    wait "$wrk_pid" || true
    (cd "$out" && rm -f perf.data && ln -s "$tag.perf.data" perf.data \
        && perf script report flamegraph --template "$template" \
               -o "$tag.html" > /dev/null 2>> "$out/$tag.perf.log" \
        && rm -f perf.data)
    echo "$out/$tag.html" >&2
done

# the module's hottest functions, self time, share of all worker samples
{
    echo "routini module functions, self time (perf report --no-children), share of all worker samples:"
    perf report -i "$out/routini.perf.data" --no-children --sort dso,sym \
        --stdio 2> /dev/null \
        | awk '/ngx_http_routini_module.so/ && $1 ~ /%$/ {
                  printf "  %7s  %s\n", $1, $NF; n++ } n == 25 { exit }'
    for tag in plain routini; do
        perf report -i "$out/$tag.perf.data" --no-children --sort dso \
            --stdio 2> /dev/null \
            | awk -v t="$tag" '$1 ~ /%$/ { printf "%s%s %s", (n++ ? ", " : t ": by object: "), $1, $2 }
                               END { print "" }' | cut -c1-300
    done
} | tee "$out/routini-hot.txt"
