# Scenario d: slow peer.  Four peers (echo_sleep from libnginx-mod-http-echo),
# one 20x slower: SLOW_DELAYS (default "0.001 0.001 0.001 0.02" seconds).
#   plain nginx round robin (reference), least_conn, random two least_conn
#   nginx + routini: routini_balancer round_robin, fewest_connections,
#   fastest, adaptive (routini_adaptive interval=1s so that it decides
#   within a round; other parameters default)
# Requests: /api/x through routini_route "/api/{*rest}" (routini) or
# location /api/ (plain).

scenario_run() {
    local d=$BENCH_OUT/d port=$((BENCH_PORT + 40)) entries=() s
    local delays=${SLOW_DELAYS:-0.001 0.001 0.001 0.02}
    [ -f "$ECHO_MODULE" ] || {
        echo "scenario d needs $ECHO_MODULE (apt-get install libnginx-mod-http-echo)" >&2
        return 1; }
    mkdir -p "$d"
    bench_start_backends "$delays"

    for s in "round robin|" "least_conn|least_conn;" \
             "random two least_conn|random two least_conn;"; do
        mkdir -p "$d/plain$port"
        { bench_nginx_head; bench_upstream pool "${s#*|}"; cat <<CONF
    server {
        listen 127.0.0.1:$port reuseport;
        location /api/ { proxy_pass http://pool/; }
    }
}
CONF
        } > "$d/plain$port/nginx.conf"
        bench_start_nginx "$d/plain$port"
        entries+=("nginx ${s%%|*}|http://127.0.0.1:$port/api/x|")
        port=$((port + 1))
    done

    for s in round_robin fewest_connections fastest adaptive; do
        local bal="routini_balancer $s;"
        [ $s = adaptive ] && bal="$bal routini_adaptive interval=1s;"
        mkdir -p "$d/routini$port"
        { bench_nginx_head routini; bench_upstream pool "$bal"; cat <<CONF
    server {
        listen 127.0.0.1:$port reuseport;
        location / {
            routini_route "/api/{*rest}" pool strip_prefix;
            proxy_pass http://routini;
        }
        location = /metrics { routini_metrics; }
    }
}
CONF
        } > "$d/routini$port/nginx.conf"
        bench_start_nginx "$d/routini$port"
        entries+=("routini $s|http://127.0.0.1:$port/api/x|")
        port=$((port + 1))
    done
    bench_check_all "${entries[@]}"
    bench_rounds "d: slow peer (delays $delays s)" "${entries[@]}"
}
