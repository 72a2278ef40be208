#!/usr/bin/env bash
# The Test::Nginx suite with every nginx process under valgrind memcheck.
#
#   util/valgrind.sh          run the suite (PROVE_ARGS, default -r t), then
#                             scan the logs
#   util/valgrind.sh scan     scan the logs of the last run again
#
# TEST_NGINX_BINARY is util/nginx-valgrind, which runs the nginx of
# util/nginx-test under valgrind with util/valgrind.supp, one log per
# process in build/valgrind/logs/vg.PID.  Our t/lib runner has no
# TEST_NGINX_USE_VALGRIND (openresty's runs nginx in the foreground under
# valgrind itself); the wrapper works with both runners.
#
# Exit status 1 when a report has a frame in module code (ngx_http_routini*,
# ngx_routini*) or a test fails.  Reports elsewhere are counted and listed
# but do not fail the run: a suppression belongs in util/valgrind.supp only
# once the report is understood to be nginx's, libc's or a library's own.
#
# Environment: TEST_NGINX_PORT, TEST_NGINX_SERVROOT (default 1995 and
# build/valgrind/servroot), TEST_NGINX_TIMEOUT (default 20),
# ROUTINI_VALGRIND_ORIGINS=yes for --track-origins.

set -u

cd "$(dirname "$0")/.."
root=$PWD

logs=$root/build/valgrind/logs
module_re='ngx_http_routini|ngx_routini'

# one report a line, its lines joined by \037: an error, a crash (a
# process killed by a signal it did not handle) or a definite leak, from
# its first line to the next empty "==PID== " line
reports() {
    awk '
        { sub(/^==[0-9]+== ?/, "") }
        /^$/ { if (r != "") print r; r = ""; inrep = 0; next }
        inrep { r = r "\037" $0; next }
        /^(Invalid|Conditional|Use of uninit|Syscall param|Mismatched|Source and destination|Argument|Jump to|Process terminating)/ \
            || / are definitely lost in loss record / {
            r = $0; inrep = 1 }
        END { if (r != "") print r }' "$1"
}

scan() {
    local f report n_files=0 n_err=0 n_mod=0 n_leak=0 n_leak_mod=0 n_supp=0
    local s

    for f in "$logs"/vg.*; do
        [ -f "$f" ] || continue
        n_files=$((n_files + 1))
        s=$(sed -n 's/.*ERROR SUMMARY: .* (suppressed: \([0-9]*\) from.*/\1/p' \
            "$f" | tail -1)
        n_supp=$((n_supp + ${s:-0}))
        while IFS= read -r report; do
            report=${report//$'\037'/$'\n'}
            case $report in
            *"definitely lost"*) n_leak=$((n_leak + 1)) ;;
            *)                   n_err=$((n_err + 1)) ;;
            esac
            if grep -qE "$module_re" <<< "$report"; then
                case $report in
                *"definitely lost"*) n_leak_mod=$((n_leak_mod + 1)) ;;
                *)                   n_mod=$((n_mod + 1)) ;;
                esac
                echo "---- module code, in $f:"
                head -45 <<< "$report"
            else
                echo "---- outside module code, in $f:"
                head -12 <<< "$report"
            fi
        done < <(reports "$f")
    done

    echo "valgrind.sh: $n_files process logs; errors: $n_err ($n_mod in" \
         "module code); definite leaks: $n_leak ($n_leak_mod in module" \
         "code); suppressed: $n_supp (logs in $logs)"
    [ "$n_files" -gt 0 ] && [ $((n_mod + n_leak_mod)) = 0 ]
}

run() {
    local rc=0

    bash util/deps.sh test || exit 1
    if ! command -v valgrind > /dev/null; then
        [ "$(id -u)" = 0 ] || { echo "valgrind.sh: install valgrind" >&2; exit 1; }
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind \
            > /dev/null || exit 1
    fi

    rm -rf "$logs"
    mkdir -p "$logs"

    export ROUTINI_VALGRIND_LOGS=$logs
    export TEST_NGINX_BINARY=$root/util/nginx-valgrind
    export TEST_NGINX_LOAD_MODULES=${TEST_NGINX_LOAD_MODULES-$root/build/nginx/objs/ngx_http_routini_module.so}
    export TEST_NGINX_PORT=${TEST_NGINX_PORT:-1995}
    export TEST_NGINX_SERVROOT=${TEST_NGINX_SERVROOT:-$root/build/valgrind/servroot}
    # valgrind runs nginx 20 to 50 times slower
    export TEST_NGINX_TIMEOUT=${TEST_NGINX_TIMEOUT:-20}

    ROUTINI_SKIP_UNIT=1 bash util/test.sh || rc=1

    # the last nginx is stopped by the runner's END block; its processes
    # write their leak reports on the way out
    sleep 2
    scan || rc=1
    return $rc
}

case "${1:-run}" in
run)  run ;;
scan) scan ;;
*)    echo "usage: $0 [run|scan]" >&2; exit 2 ;;
esac
