#!/usr/bin/env bash
# Instructions per proxied request, plain nginx prefix location vs routini
# route, counted by callgrind (prints figures; not a test).
#
#   bench/callgrind-router.sh [REQUESTS]       default 2000
#
# nginx runs under valgrind with master_process off and proxies to a
# backend nginx (not under valgrind) with keepalive.  Each configuration is
# measured at N and 2N requests; the difference divided by N is the cost of
# one request without start-up.  The routini figure is split into the
# router (ngx_http_routini_handler, inclusive) and the rest of the module.
# routini is measured with both proxy_pass http://routini (the route's
# upstream{} directly) and proxy_pass http://$routini_upstream, and as
# "full": http://routini with routini_balancer round_robin in the
# upstream{} and a routini_metrics location (the configuration of
# bench/run.sh scenario a).  Then the module's functions
# (from its source files), instructions per request, self and inclusive,
# for each routini configuration.
#
#   CG_ROUTES="1000 10000"  also measure routini with that many
#                  parameterised routes (bench/routes-gen.py synth), requests
#                  cycling over one sample path per route, against one
#                  catch-all route on the same paths, and against the same
#                  routes as nginx regex locations (scenario c of run.sh)
#   CG_PORT=3990   port of nginx under valgrind (the backend uses CG_PORT+1)
#   MODULE=...     the .so to load (default build/nginx/objs/...)

set -eu

cd "$(dirname "$0")/.."

n=${1:-2000}
module=${MODULE:-$PWD/build/nginx/objs/ngx_http_routini_module.so}
nginx=${NGINX_BIN:-/usr/sbin/nginx}
dir=$PWD/build/bench/callgrind
port=${CG_PORT:-3990}
backend=$((port + 1))

[ -f "$module" ] || make -s module
command -v valgrind > /dev/null || { echo "valgrind is needed"; exit 1; }

mkdir -p "$dir/logs"

cat > "$dir/backend.conf" <<CONF
error_log logs/backend.log;
pid logs/backend.pid;
events {}
http {
    access_log off;
    server {
        listen 127.0.0.1:$backend;
        keepalive_requests 100000;
        location / { return 200 "ok\n"; }
    }
}
CONF

common() {
    cat <<CONF
load_module $module;
master_process off;
daemon off;
error_log logs/error.log;
pid logs/nginx.pid;
events {}
http {
    access_log off;
    upstream backend {
        server 127.0.0.1:$backend;
        keepalive 8;
    }
    server {
        listen 127.0.0.1:$port;
        keepalive_requests 100000;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
CONF
}

common > "$dir/plain.conf"
cat >> "$dir/plain.conf" <<'CONF'
        location /api/ {
            proxy_pass http://backend/;
        }
    }
}
CONF

common > "$dir/routini.conf"
cat >> "$dir/routini.conf" <<'CONF'
        location / {
            routini_route "/api/{*rest}" backend strip_prefix;
            proxy_pass http://routini;
        }
    }
}
CONF

common > "$dir/variable.conf"
cat >> "$dir/variable.conf" <<'CONF'
        location / {
            routini_route "/api/{*rest}" backend strip_prefix;
            proxy_pass http://$routini_upstream;
        }
    }
}
CONF

# same: one configuration with both a plain prefix location and a routini
# route; "sameplain" requests the first, "sameroute" the second, with paths
# of the same length: the one difference is the location the request takes,
# so start-up (and the heap it leaves to glibc's allocator) is the same
common > "$dir/sameplain.conf"
cat >> "$dir/sameplain.conf" <<'CONF'
        location /api/ {
            proxy_pass http://backend/;
        }
        location /rtr/ {
            routini_route "/rtr/{*rest}" backend strip_prefix;
            proxy_pass http://routini;
        }
    }
}
CONF
cp "$dir/sameplain.conf" "$dir/sameroute.conf"

# full: routini_balancer round_robin and a metrics location
configs="plain routini variable sameplain sameroute full"
common | sed 's/^\( *upstream backend {\)$/\1\n        routini_balancer round_robin;/' \
    > "$dir/full.conf"
cat >> "$dir/full.conf" <<'CONF'
        location / {
            routini_route "/api/{*rest}" backend strip_prefix;
            proxy_pass http://routini;
        }
        location = /metrics { routini_metrics; }
    }
}
CONF

# routesN: N parameterised routes; routes1: one catch-all, the same paths
rm -f "$dir"/*.paths
echo "/api/users/42?x=1" > "$dir/sameplain.paths"
echo "/rtr/users/42?x=1" > "$dir/sameroute.paths"
if [ -n "${CG_ROUTES:-}" ]; then
    largest=""
    for nr in $CG_ROUTES; do
        python3 bench/routes-gen.py synth "$nr" "$dir/routes.$nr"
        mkdir -p "$dir/gen.$nr"
        python3 bench/routes-gen.py conf "$dir/routes.$nr" "$dir/gen.$nr" > /dev/null
        sed 's/ pool[0-9]* / backend /' "$dir/gen.$nr/routini.conf" \
            > "$dir/gen.$nr/routes.conf"
        sed -n 's/^  "\(.*\)",$/\1/p' "$dir/gen.$nr/paths.lua" > "$dir/routes$nr.paths"
        largest=$nr
    done
    mkdir -p "$dir/gen.1"
    echo 'routini_route "/{*path}" backend;' > "$dir/gen.1/routes.conf"
    cp "$dir/routes$largest.paths" "$dir/routes1.paths"
    configs="$configs routes1"
    for nr in $CG_ROUTES; do
        # the same routes as nginx regex locations (pcre_jit on)
        configs="$configs regex$nr"
        cp "$dir/routes$nr.paths" "$dir/regex$nr.paths"
        sed 's/http:\/\/pool[0-9]*;/http:\/\/backend;/' "$dir/gen.$nr/regex.conf" \
            > "$dir/gen.$nr/regex-backend.conf"
        common | sed 's/^daemon off;$/daemon off;\npcre_jit on;/' > "$dir/regex$nr.conf"
        cat >> "$dir/regex$nr.conf" <<CONF
        include $dir/gen.$nr/regex-backend.conf;
        location / { return 404; }
    }
}
CONF
    done
    for nr in 1 $CG_ROUTES; do
        [ "$nr" = 1 ] || configs="$configs routes$nr"
        common > "$dir/routes$nr.conf"
        cat >> "$dir/routes$nr.conf" <<CONF
        location / {
            include $dir/gen.$nr/routes.conf;
            proxy_pass http://routini;
        }
    }
}
CONF
    done
fi

"$nginx" -p "$dir" -c backend.conf
trap '"$nginx" -p "$dir" -c backend.conf -s stop' EXIT

# one keepalive connection, REQUESTS requests, each fully read
client() {
    python3 - "$port" "$1" "${2:-}" <<'PY'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
paths = [b"/api/users/42?x=1"]
if sys.argv[3]:
    paths = [l.strip().encode() for l in open(sys.argv[3]) if l.strip()]
for _ in range(600):
    try:
        s = socket.create_connection(("127.0.0.1", port))
        break
    except OSError:
        time.sleep(0.1)
reqs = [b"GET " + p + b" HTTP/1.1\r\nHost: bench\r\n\r\n" for p in paths]
f = s.makefile("rb")
for i in range(n):
    s.sendall(reqs[i % len(reqs)])
    status = f.readline()
    assert b" 200 " in status, status
    length = 0
    while True:
        line = f.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    f.read(length)
s.close()
PY
}

run() {
    conf=$1 reqs=$2 out=$dir/$1.$2.out
    valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$nginx" -p "$dir" -c "$conf.conf" 2> "$dir/valgrind.log" &
    vpid=$!
    paths=""
    [ -f "$dir/$conf.paths" ] && paths=$dir/$conf.paths
    client "$reqs" "$paths"
    kill -QUIT $vpid
    wait $vpid || true
    sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$out"
}

# inclusive Ir of one function in a callgrind output
incl() {
    callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null \
        | awk -v f="$2" '$0 ~ f"[ (]" || $0 ~ f"$" {
              gsub(",", "", $1); print $1; exit }'
}

# glibc's allocator (self Ir of malloc, free and their helpers in libc):
# nginx allocates the same sizes in the same order per request in every
# configuration here, but what glibc spends on them depends on the heap's
# layout left by start-up (configuration parsing), which differs between
# configurations by a few hundred instructions per request either way
alloc_ir() {
    callgrind_annotate --threshold=100 "$1" 2>/dev/null \
        | awk '/libc\.so/ && /malloc|free|memalign|unlink_chunk|alloc_perturb|consolidate|tcache|arena/ {
              gsub(",", "", $1); s += $1 } END { print s + 0 }'
}

printf 'requests per run: %d and %d\n' "$n" $((2 * n))
printf '%-8s %8s %10s %10s\n' "" "total" "allocator" "without"

for c in $configs; do
    a=$(run $c "$n")
    b=$(run $c $((2 * n)))
    per=$(( (b - a) / n ))
    al=$(( ($(alloc_ir "$dir/$c.$((2 * n)).out") - $(alloc_ir "$dir/$c.$n.out")) / n ))
    eval "per_$c=$per net_$c=$((per - al))"
    printf '%-8s %8d %10d %10d instructions per request\n' "$c" "$per" "$al" \
        $((per - al))
done

ra=$(incl "$dir/routini.$n.out" ngx_http_routini_handler)
rb=$(incl "$dir/routini.$((2 * n)).out" ngx_http_routini_handler)
router=$(( (rb - ra) / n ))

printf 'router (ngx_http_routini_handler, inclusive): %d per request\n' \
    "$router"
awk -v p="$per_plain" -v r="$per_routini" -v v="$per_variable" \
    -v np="$net_plain" -v nr="$net_routini" -v nv="$net_variable" \
    -v h="$router" 'BEGIN {
    printf "routini (proxy_pass http://routini) / plain: %.4f, without the allocator %.4f\n",
           r / p, nr / np;
    printf "routini (proxy_pass http://$routini_upstream) / plain: %.4f, without the allocator %.4f\n",
           v / p, nv / np;
    printf "router share of a plain request: %.2f%%\n", 100 * h / p }'
awk -v p="$per_sameplain" -v r="$per_sameroute" 'BEGIN {
    printf "one configuration, routini route / plain prefix location: %.4f (%+d instructions per request)\n",
           r / p, r - p }'
for nr in ${CG_ROUTES:-}; do
    eval "a=\$per_routes1 b=\$per_routes$nr"
    awk -v a="$a" -v b="$b" -v n="$nr" 'BEGIN {
        printf "routini %d routes / 1 route: %.4f instructions per request (%d vs %d)\n",
               n, b / a, b, a }'
    eval "r=\$per_regex$nr"
    awk -v r="$r" -v b="$b" -v n="$nr" 'BEGIN {
        printf "nginx %d regex locations / routini %d routes: %.2f instructions per request (%d vs %d)\n",
               n, n, r / b, r, b }'
done

# per function of the module (ngx_http_routini_* and ngx_routini_*, the
# module's naming; callgrind does not always know the source file): instructions per request
# (difference between the 2N and N runs divided by N), self and inclusive
funcs() {
    callgrind_annotate --inclusive="$2" --threshold=100 "$1" 2>/dev/null \
        | awk -v incl="$2" '{ for (i = 2; i <= NF; i++)
                     if ($i ~ /:ngx_(http_)?routini_/) {
                         f = $i; sub(/.*:/, "", f); v = $1; gsub(",", "", v)
                         # self: parts add up; inclusive: callgrind may
                         # list a function twice (with and without its
                         # file), take the larger
                         if (incl == "no") t[f] += v
                         else if (v + 0 > t[f] + 0) t[f] = v
                         break } }
               END { for (f in t) print f, t[f] }'
}

for c in $configs; do
    case $c in plain|regex*) continue ;; esac
    echo
    echo "module functions, $c configuration (instructions per request):"
    printf '  %8s %10s  %s\n' self inclusive function
    {
        funcs "$dir/$c.$n.out" no | sed 's/^/sa /'
        funcs "$dir/$c.$((2 * n)).out" no | sed 's/^/sb /'
        funcs "$dir/$c.$n.out" yes | sed 's/^/ia /'
        funcs "$dir/$c.$((2 * n)).out" yes | sed 's/^/ib /'
    } | awk -v n="$n" '
        { v[$1, $2] = $3; seen[$2] = 1 }
        END {
            for (f in seen) {
                s = (v["sb", f] - v["sa", f]) / n
                i = (v["ib", f] - v["ia", f]) / n
                if (s >= 1 || i >= 1) printf "  %8.0f %10.0f  %s\n", s, i, f
            }
        }' | sort -k1,1nr | head -25
done
