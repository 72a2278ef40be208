#!/usr/bin/env bash
# Run every libFuzzer harness, one after the other, FUZZ_SECONDS each
# (default 60), and print what each did and found.
#
#   util/fuzz-all.sh [SECONDS]
#
# Harnesses are the fuzz-* targets of the test/unit/*.mk fragments:
#   tree     test/unit/unit.mk fuzz-tree     route tree: patterns and paths
#   json     test/unit/json.mk fuzz-json     control API JSON reader
#   escape   test/unit/escape.mk fuzz-escape Prometheus/JSON output escaping
#            (run when that fragment exists)
# Each runs on the seeds in test/fuzz/corpus/NAME plus the corpus it grew
# in build/fuzz; crashes, leaks and timeouts land in build/fuzz/artifacts*
# (reproduce: build/fuzz/NAME_fuzz ARTIFACT).  Logs: build/fuzz/NAME.log.
# Exit status 1 when a harness fails or leaves an artifact.

set -u

cd "$(dirname "$0")/.."

secs=${1:-${FUZZ_SECONDS:-60}}
harnesses="tree:test/unit/unit.mk:fuzz-tree:build/fuzz/artifacts
json:test/unit/json.mk:fuzz-json:build/fuzz/artifacts-json
escape:test/unit/escape.mk:fuzz-escape:build/fuzz/artifacts-escape"

mkdir -p build/fuzz
rc=0
summary=

for h in $harnesses; do
    IFS=: read -r name mk target artifacts <<< "$h"
    if [ ! -f "$mk" ]; then
        summary="$summary$name: not run ($mk missing)\n"
        continue
    fi
    log=build/fuzz/$name.log
    before=$(ls "$artifacts" 2>/dev/null | wc -l)
    echo "== fuzz $name for ${secs}s ($(date -u '+%F %T') UTC, log in $log)"
    make --no-print-directory -f "$mk" "$target" FUZZ_SECONDS="$secs" \
        > "$log" 2>&1
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
