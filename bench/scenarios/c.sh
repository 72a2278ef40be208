# Scenario c: many parameterised routes (ROUTES_C, default "1000 10000"),
# 5 per resource (/rI, /rI/{id}, /rI/{id}/items, /rI/{id}/items/{item},
# /rI/{id}/tags/{tag}); wrk cycles over one sample path per route.
#   plain nginx          location / (no routing at all: the floor), paths of
#                        the largest table
#   routini 1 route      routini_route "/{*path}" pool0: the same paths,
#                        one route
#   routini N / nginx regex N   the N routes (nginx: N regex locations,
#                        first match wins, so cost grows with N)
# Every row proxies to pool0 only: the rows differ in routing alone, not in
# how many upstream{} blocks (and idle backend connections) they keep.

scenario_run() {
    local d=$BENCH_OUT/c sizes=${ROUTES_C:-1000 10000} n port=$((BENCH_PORT + 30))
    local largest="" entries=()
    mkdir -p "$d"
    bench_start_backends
    for n in $sizes; do
        python3 "$BENCH_ROOT/bench/routes-gen.py" synth "$n" "$d/routes.$n"
        bench_gen_routes "$d/routes.$n" "$d/gen.$n" --pools 1
        largest=$n
    done
    local lua=$d/gen.$largest/paths.lua

    mkdir -p "$d/plain" "$d/routini1"
    { bench_nginx_head; bench_pools; cat <<CONF
    server {
        listen 127.0.0.1:$port reuseport;
        location / { proxy_pass http://pool0; }
    }
}
CONF
    } > "$d/plain/nginx.conf"
    bench_start_nginx "$d/plain"
    entries+=("plain nginx (no routing)|http://127.0.0.1:$port|$lua")

    port=$((port + 1))
    mkdir -p "$d/gen.1"
    echo 'routini_route "/{*path}" pool0;' > "$d/gen.1/routini.conf"
    bench_conf_routini_routes "$d/gen.1" "$port" "$d/routini1"
    bench_start_nginx "$d/routini1"
    entries+=("routini 1 route|http://127.0.0.1:$port|$lua")

    for n in $sizes; do
        port=$((port + 1))
        bench_conf_routini_routes "$d/gen.$n" "$port" "$d/routini.$n"
        bench_start_nginx "$d/routini.$n"
        entries+=("routini $n routes|http://127.0.0.1:$port|$d/gen.$n/paths.lua")
        port=$((port + 1))
        bench_conf_regex_routes "$d/gen.$n" "$port" "$d/regex.$n"
        local t0=$(date +%s.%N)
        bench_start_nginx "$d/regex.$n"
        printf 'nginx with %d regex locations started in %.1f s\n' "$n" \
            "$(echo "$(date +%s.%N) - $t0" | bc)" >&2
        entries+=("nginx $n regex locs|http://127.0.0.1:$port|$d/gen.$n/paths.lua")
    done
    bench_check_all "${entries[@]}"
    bench_rounds "c: parameterised routes ($sizes), requests spread over the table" "${entries[@]}"
    {
        local raw=$BENCH_OUT/results/c.tsv order="|routini 1 route"
        for n in $sizes; do order="$order|routini $n routes"; done
        echo
        echo "routini against routini with one route (paired ratios):"
        echo
        bench_table "$raw" "$order"
        for n in $sizes; do
            echo
            echo "routini against nginx regex locations, $n routes (paired ratios):"
            echo
            bench_table "$raw" "|nginx $n regex locs|routini $n routes"
        done
    } | tee -a "$BENCH_OUT/results/c.md"
}
