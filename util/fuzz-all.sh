#!/usr/bin/env bash
# Run every libFuzzer harness, one after the other, FUZZ_SECONDS each
# (default 60), and print what each did and found.
#
#   util/fuzz-all.sh [SECONDS]
#
# Harnesses are the fuzz-NAME targets of mk/unit.mk:
#   tree     route tree: patterns and paths
#   json     control API JSON reader
#   escape   Prometheus/JSON output escaping
#   convert  routini-convert: config.json to nginx.conf
# Each runs on the seeds in test/fuzz/corpus/NAME plus the corpus it grew
# in build/fuzz/corpus-NAME; crashes, leaks and timeouts land in
# build/fuzz/artifacts-NAME (reproduce: build/fuzz/NAME_fuzz ARTIFACT).
# Logs: build/fuzz/NAME.log.
# Exit status 1 when a harness fails or leaves an artifact.

set -u

cd "$(dirname "$0")/.."

secs=${1:-${FUZZ_SECONDS:-60}}

mkdir -p build/fuzz
rc=0
summary=

for name in tree json escape convert; do
    artifacts=build/fuzz/artifacts-$name
    log=build/fuzz/$name.log
    before=$(ls "$artifacts" 2>/dev/null | wc -l)
    echo "== fuzz $name for ${secs}s ($(date -u '+%F %T') UTC, log in $log)"
    make --no-print-directory "fuzz-$name" FUZZ_SECONDS="$secs" > "$log" 2>&1
    st=$?
    after=$(ls "$artifacts" 2>/dev/null | wc -l)
    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' \
        "$log" | tail -1)
    cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -1 \
        | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*')
    if [ $st != 0 ] || [ "$after" != "$before" ]; then
        rc=1
        summary="$summary$name: FAILED (exit $st, $((after - before)) new artifacts in $artifacts) ${runs:-}\n"
        grep -E 'ERROR|SUMMARY|artifact|^    #[0-9]' "$log" | head -30
    else
        summary="$summary$name: ${runs:-?}, ${cov:-?}, no findings\n"
    fi
done

printf "== fuzz-all, %ss each\n$summary" "$secs"
exit $rc
