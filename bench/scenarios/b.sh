# Scenario b: the GitHub API route set (203 routes, 142 distinct patterns),
# wrk cycling over the 131 sample paths of its GET routes and B_VARIANTS
# (default 300) variants of each in which every param value differs
# (/repos/own42/rep42/events, /repos/own1001/rep1001/events, ...,
# /repos/own1300/rep1300/events): 31,331 distinct paths, more than a
# per-thread lookup cache of 10,000 entries holds (HAProxy's
# tune.pattern.cache-size); B_VARIANTS=0 gives the 131 sample paths alone.
#   plain nginx  the patterns as regex locations, ordered for routini's
#                precedence (location ~ "^/repos/[^/]+/[^/]+/issues$" ...)
#   routini      the 203 routini_route lines (with methods=)
#   haproxy      use_backend ... if { path_reg ... }, same order
#   haproxy map  the static patterns in a map_str map looked up first, the
#                others in a map_reg map, same order:
#                use_backend %[path,map_reg(regex.map,notfound)]
# Each distinct pattern k goes to upstream pool(k % 4) everywhere.  Before
# measuring, both HAProxy routing tables are checked on a stub HAProxy whose
# backends answer their names: every distinct path of the cycle (sample
# paths and variants) must reach its pool.

scenario_run() {
    local d=$BENCH_OUT/b routes=$ROUTES_DIR/github.routes
    local p_regex=$((BENCH_PORT + 20)) p_routini=$((BENCH_PORT + 21)) p_ha=$((BENCH_PORT + 22))
    local p_hamap=$((BENCH_PORT + 23)) p_check=$((BENCH_PORT + 24))
    [ -f "$routes" ] || { echo "no $routes (set ROUTINI_ROUTES_DIR)" >&2; return 1; }
    bench_gen_routes "$routes" "$d/gen" --variants "${B_VARIANTS:-300}"
    local lua=$d/gen/paths.lua

    bench_start_backends
    bench_conf_regex_routes "$d/gen" "$p_regex" "$d/regex"
    bench_conf_routini_routes "$d/gen" "$p_routini" "$d/routini"
    bench_start_nginx "$d/regex"
    bench_start_nginx "$d/routini"
    local entries=("nginx regex locations|http://127.0.0.1:$p_regex|$lua"
                   "nginx + routini|http://127.0.0.1:$p_routini|$lua")
    if [ -n "$HAPROXY_BIN" ]; then
        bench_check_haproxy_routes "$d/gen" haproxy.cfg "$p_check" "$d/check-haproxy"
        bench_check_haproxy_routes "$d/gen" haproxy-map.cfg "$p_check" "$d/check-haproxy-map"
        bench_conf_haproxy_routes "$d/gen" "$p_ha" "$d/haproxy"
        bench_conf_haproxy_routes "$d/gen" "$p_hamap" "$d/haproxy-map" haproxy-map.cfg
        bench_start_haproxy "$d/haproxy"
        bench_start_haproxy "$d/haproxy-map"
        entries+=("haproxy path_reg|http://127.0.0.1:$p_ha|$lua"
                  "haproxy map_str + map_reg|http://127.0.0.1:$p_hamap|$lua")
    else
        echo "note: haproxy not installed (apt-get install haproxy); skipped" >&2
    fi
    bench_check_all "${entries[@]}"
    bench_rounds "b: GitHub API, 203 routes, $(awk 'NR == 1 { print $2 }' "$lua") sample paths (GET) + ${B_VARIANTS:-300} variants each, $(wc -l < "$d/gen/paths.expect") distinct paths" "${entries[@]}"
}
