# Scenario b: the GitHub API route set (203 routes, 142 distinct patterns),
# wrk cycling over the sample paths of its GET routes.
#   plain nginx  the patterns as regex locations, ordered for routini's
#                precedence (location ~ "^/repos/[^/]+/[^/]+/issues$" ...)
#   routini      the 203 routini_route lines (with methods=)
#   haproxy      use_backend ... if { path_reg ... }, same order
# Each distinct pattern k goes to upstream pool(k % 4) in all three.

scenario_run() {
    local d=$BENCH_OUT/b routes=$ROUTES_DIR/github.routes
    local p_regex=$((BENCH_PORT + 20)) p_routini=$((BENCH_PORT + 21)) p_ha=$((BENCH_PORT + 22))
    [ -f "$routes" ] || { echo "no $routes (set ROUTES_DIR)" >&2; return 1; }
    bench_gen_routes "$routes" "$d/gen"
    local lua=$d/gen/paths.lua

    bench_start_backends
    bench_conf_regex_routes "$d/gen" "$p_regex" "$d/regex"
    bench_conf_routini_routes "$d/gen" "$p_routini" "$d/routini"
    bench_start_nginx "$d/regex"
    bench_start_nginx "$d/routini"
    local entries=("nginx regex locations|http://127.0.0.1:$p_regex|$lua"
                   "nginx + routini|http://127.0.0.1:$p_routini|$lua")
    if [ -n "$HAPROXY_BIN" ]; then
        bench_conf_haproxy_routes "$d/gen" "$p_ha" "$d/haproxy"
        bench_start_haproxy "$d/haproxy"
        entries+=("haproxy path_reg|http://127.0.0.1:$p_ha|$lua")
    else
        echo "note: haproxy not installed (apt-get install haproxy); skipped" >&2
    fi
    bench_check_all "${entries[@]}"
    bench_rounds "b: GitHub API, 203 routes, $(awk 'NR == 1 { print $2 }' "$lua") sample paths (GET)" "${entries[@]}"
}
