#!/usr/bin/env bash
# Time and memory to build N routes through `nginx -t` (prints figures).
#
#   bench/router-build.sh [N ...]        default: 1000 10000 100000
#   make bench-build BUILD_ROUTES="N ..."  the same, module built first
#
# Generates an include file of N parameterised routes in groups of five
# per resource (/rI, /rI/:id GET and PUT, /rI/:id/items,
# /rI/:id/items/:item), runs `nginx -t` on it and on an empty route set,
# and reports wall time and the difference in peak RSS per route.  With
# the metrics module loaded the figure includes each route's counters'
# share of the zone's bookkeeping, not the zone itself (it is mmap'ed).

set -eu

cd "$(dirname "$0")/.."

module=$PWD/build/nginx/objs/ngx_http_routini_module.so
nginx=${NGINX_BIN:-/usr/sbin/nginx}
dir=$PWD/build/bench/router-build
counts=${*:-1000 10000 100000}

[ -f "$module" ] || make -s module

[ -x /usr/bin/time ] \
    || { echo "GNU time is needed (apt-get install time)" >&2; exit 1; }

mkdir -p "$dir/logs" "$dir/conf"

gen() {
    n=$1 out=$2
    awk -v n="$n" 'BEGIN {
        for (i = 0; i < n; i++) {
            r = int(i / 5); k = i % 5;
            if (k == 0) p = "/r" r;
            else if (k == 1) p = "/r" r "/:id methods=GET";
            else if (k == 2) p = "/r" r "/:id methods=PUT";
            else if (k == 3) p = "/r" r "/:id/items";
            else p = "/r" r "/:id/items/:item";
            split(p, a, " ");
            printf "routini_route %s pool%d %s;\n", a[1], i % 4, a[2];
        }
    }' > "$out"
}

conf() {
    cat > "$dir/conf/nginx.conf" <<CONF
load_module $module;
error_log logs/error.log;
pid logs/nginx.pid;
events {}
http {
    server {
        listen 127.0.0.1:3999;
        location / {
            include $dir/conf/routes.conf;
            proxy_pass http://\$routini_upstream;
        }
    }
}
CONF
}

# peak RSS in kB and wall seconds of nginx -t
measure() {
    /usr/bin/time -f '%M %e' "$nginx" -q -t -p "$dir" -c conf/nginx.conf \
        2>&1 >/dev/null | tail -1
}

conf
echo 'routini_route /base pool0;' > "$dir/conf/routes.conf"
read -r base_rss base_t < <(measure)

printf '%-8s %10s %12s %14s\n' routes "nginx -t s" "peak RSS MB" "bytes/route"
printf '%-8s %10s %12s %14s\n' 1 "$base_t" "$((base_rss / 1024))" -

for n in $counts; do
    gen "$n" "$dir/conf/routes.conf"
    read -r rss t < <(measure)
    per=$(( (rss - base_rss) * 1024 / n ))
    printf '%-8s %10s %12s %14s\n' "$n" "$t" "$((rss / 1024))" "$per"
done
