# turns PID URL LOG: "median longest" ms of the worker PID's turns while
# it answers one fetch of URL: from the end of an epoll_wait() to the
# start of the next, in wall time, so an upper bound (the machine may
# preempt the worker).  perf trace does not stop the worker as strace
# would; "- -" without perf.  Sourced by bench/scale.sh and
# bench/status-page.sh.

turns() {
    local tpid

    command -v perf > /dev/null || { echo "- -"; return; }

    perf trace -p "$1" -e epoll_wait -o "$3" 2> /dev/null &
    tpid=$!
    sleep 2
    curl -s -o /dev/null --max-time 600 "$2"
    sleep 1
    kill -INT "$tpid"
    wait "$tpid" 2> /dev/null || true

    # a line: "START ( DURATION ms): epoll_wait(...) = N", in ms
    sed -n 's/^ *\([0-9.]*\) ( *\([0-9.]*\) ms): epoll_wait.*/\1 \2/p' "$3" \
        | awk '{ if (end) print $1 - end; end = $1 + $2 }' \
        | sort -n \
        | awk '{ v[NR] = $1 }
               END { if (NR) printf "%.2f %.2f\n", v[int((NR + 1) / 2)], v[NR]
                     else print "- -" }'
}
