#!/usr/bin/env bash
# Side-by-side benchmarks: plain nginx vs nginx + routini vs HAProxy.
#
#   bench/run.sh [SCENARIO...]        default: a b c d
#   ROUNDS=5 DURATION=5 CONNS=64 bench/run.sh a
#
# Scenarios (bench/scenarios/*.sh):
#   a  one prefix route /api/* with strip_prefix to 4 peers
#   b  the GitHub API route set (203 routes): routini vs nginx regex
#      locations vs HAProxy path_reg ACLs and HAProxy map_str + map_reg
#   c  1,000 and 10,000 parameterised routes: routini vs nginx regex
#      locations (ROUTES_C="1000 10000" to change the sizes)
#   d  slow peer (one of four 20x slower): routini strategies vs nginx
#      round robin, least_conn, random two least_conn (needs routini_balancer)
#
# Loopback only.  Demo backends are a separate nginx (4 ports), every proxy
# runs WORKERS (half the CPUs) workers, wrk runs in interleaved rounds (A B C A B C ...)
# at the same connection count; one table per scenario with medians and
# ratios to the first row (plain nginx).  Tables are appended to
# build/bench/results/SCENARIO.md, raw rounds in SCENARIO.tsv, wrk output in
# build/bench/results/wrk.log.  Everything started is stopped on exit.

set -eu
. "$(dirname "$0")/lib.sh"

scenarios=${*:-a b c d}
bench_need
mkdir -p "$BENCH_OUT/results"
BENCH_LOG=$BENCH_OUT/results/wrk.log
: > "$BENCH_LOG"
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

echo "# routini benchmarks $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, commit $(git -C "$BENCH_ROOT" rev-parse --short HEAD 2>/dev/null || echo ?)"
echo "# module: $MODULE"
echo "# nginx: $("$NGINX_BIN" -v 2>&1 | sed 's/.*: //'), haproxy: $([ -n "$HAPROXY_BIN" ] && "$HAPROXY_BIN" -v | head -1 | awk '{print $3}' || echo absent)"

for s in $scenarios; do
    f=$BENCH_ROOT/bench/scenarios/$s.sh
    [ -f "$f" ] || { echo "unknown scenario $s" >&2; exit 2; }
    BENCH_SCENARIO=$s
    : > "$BENCH_OUT/results/$s.md"
    (
        . "$f"
        trap bench_cleanup EXIT
        scenario_run
    )
done
