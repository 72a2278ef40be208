# Scenario a: one prefix route /api/* with strip_prefix to 4 peers.
#   plain    location /api/ { proxy_pass http://pool/; }  (round robin, keepalive)
#   routini  routini_route "/api/{*rest}" pool strip_prefix; proxy_pass
#            http://routini (the route's upstream directly) and, as a
#            separate row, proxy_pass http://$routini_upstream;
#            routini_balancer round_robin; /metrics location;
#            one more row with nginx's round robin instead of routini_balancer
#   haproxy  path_beg /api/ -> backend whose set-path strips /api, roundrobin

# writes the configs, starts backends and proxies, fills the array entries
# ("name|url|"); also used by bench/flamegraph.sh
scenario_a_setup() {
    local d=$BENCH_OUT/a p_plain=$((BENCH_PORT + 10)) p_routini=$((BENCH_PORT + 11))
    local p_ha=$((BENCH_PORT + 12)) bal="routini_balancer round_robin;"
    local path=/api/users/42?x=1
    mkdir -p "$d"/{plain,routini,haproxy}

    bench_start_backends

    { bench_nginx_head; bench_upstream pool; cat <<CONF
    server {
        listen 127.0.0.1:$p_plain reuseport;
        location /api/ { proxy_pass http://pool/; }
    }
}
CONF
    } > "$d/plain/nginx.conf"

    routini_conf() {
        { bench_nginx_head routini; bench_upstream pool "$bal"; cat <<CONF
    server {
        listen 127.0.0.1:$1 reuseport;
        location / {
            routini_route "/api/{*rest}" pool strip_prefix;
            $2
        }
        location = /metrics { routini_metrics; }
    }
}
CONF
        }
    }
    routini_conf "$p_routini" 'proxy_pass http://routini;' \
        > "$d/routini/nginx.conf"

    bench_start_nginx "$d/plain"
    bench_start_nginx "$d/routini"
    entries=("plain nginx|http://127.0.0.1:$p_plain$path|"
             "nginx + routini|http://127.0.0.1:$p_routini$path|")
    if [ -z "${A_NO_VARIABLE:-}" ]; then
        # the router with nginx's own round robin: isolates the balancer
        local keep=$bal
        bal=""
        mkdir -p "$d/nginx-rr"
        routini_conf "$((BENCH_PORT + 14))" 'proxy_pass http://routini;' \
            > "$d/nginx-rr/nginx.conf"
        bal=$keep
        bench_start_nginx "$d/nginx-rr"
        entries+=("routini, nginx round robin|http://127.0.0.1:$((BENCH_PORT + 14))$path|")

        mkdir -p "$d/variable"
        routini_conf "$((BENCH_PORT + 13))" 'proxy_pass http://$routini_upstream;' \
            > "$d/variable/nginx.conf"
        bench_start_nginx "$d/variable"
        entries+=("routini \$routini_upstream|http://127.0.0.1:$((BENCH_PORT + 13))$path|")
    fi

    if [ -n "$HAPROXY_BIN" ] && [ -z "${A_NO_HAPROXY:-}" ]; then
        { bench_haproxy_head "$p_ha"; cat <<CONF
    acl api path_beg /api/
    http-request return status 404 unless api
    use_backend pool if api
CONF
          bench_haproxy_backend pool
          echo "    http-request set-path %[path,regsub(^/api/,/)]"; } > "$d/haproxy/haproxy.cfg"
        bench_start_haproxy "$d/haproxy"
        entries+=("haproxy|http://127.0.0.1:$p_ha$path|")
    elif [ -z "$HAPROXY_BIN" ]; then
        echo "note: haproxy not installed (apt-get install haproxy); skipped" >&2
    fi

    bench_check_all "${entries[@]}"
}

scenario_run() {
    local entries=()
    scenario_a_setup
    bench_rounds "a: /api/* strip_prefix -> 4 peers (routini_balancer round_robin), routini_metrics on, proxy_pass http://routini" "${entries[@]}"
}
