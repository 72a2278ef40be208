#!/usr/bin/env bash
# The Debian package on this machine, as a user would have it: install,
# route, upgrade, purge.  It changes the system (root only, not part of
# make test) and puts everything back:
#
#   util/deb-test.sh [build/libnginx-mod-http-routini_VERSION_amd64.deb]
#
# 1. apt-get install ./PACKAGE: the module in /usr/lib/nginx/modules,
#    enabled through /etc/nginx/modules-enabled; nginx -t on the system's
#    own configuration;
# 2. a test site (sites-available/routini-deb-test, 127.0.0.1:24080 and a
#    backend on :24081); the system nginx with it routes /users/ID;
# 3. the package rebuilt with a bumped version (VERSION+debtest1) and
#    installed over it: a reload still runs the old module, a binary
#    upgrade (USR2, then QUIT to the old master) runs the new one;
# 4. the site removed, the package purged, nothing of either left.
#
# The system nginx is run with a top-level configuration of its own that
# includes the system's modules-enabled/ and the test site, so the default
# site's port 80 is not needed.  ROUTINI_DEB_PORT (24080) moves the ports.

set -euo pipefail

cd "$(dirname "$0")/.."

root=$PWD
pkg=libnginx-mod-http-routini
port=${ROUTINI_DEB_PORT:-24080}
backend=$((port + 1))
site=/etc/nginx/sites-available/routini-deb-test
link=/etc/nginx/sites-enabled/routini-deb-test
apt_opts=(-y -q -o DPkg::Lock::Timeout=600)

version=$(sed -n 's/^#define NGX_HTTP_ROUTINI_VERSION *"\(.*\)"$/\1/p' \
          src/ngx_http_routini.h)
deb=${1:-build/${pkg}_${version}_$(dpkg --print-architecture).deb}
bumped=$version+debtest1

if [ "$(id -u)" != 0 ]; then
    echo "routini: $0 installs a package and runs nginx: run it as root" >&2
    exit 1
fi

if [ ! -f "$deb" ]; then
    echo "routini: no $deb (make deb)" >&2
    exit 1
fi

if dpkg-query -W -f='${Status}' $pkg 2>/dev/null | grep -q installed; then
    echo "routini: $pkg is installed already; this test purges it at the" \
         "end, so it does not start (apt-get purge $pkg first)" >&2
    exit 1
fi

tmp=$(mktemp -d /tmp/routini-deb-test.XXXXXX)
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }

master() { cat "$tmp/nginx.pid" 2>/dev/null; }

stop_nginx() {
    local pid
    for f in "$tmp/nginx.pid.oldbin" "$tmp/nginx.pid"; do
        pid=$(cat "$f" 2>/dev/null) || continue
        kill -QUIT "$pid" 2>/dev/null || continue
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    done
}

cleanup() {
    stop_nginx
    rm -f "$link" "$site"
    if dpkg-query -W -f='${Status}' $pkg 2>/dev/null | grep -q installed; then
        apt-get purge "${apt_opts[@]}" $pkg > "$tmp/purge.log" 2>&1 \
            || cat "$tmp/purge.log"
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# the version the running module answers with
running_version() {
    curl -s -o /dev/null -D - "http://127.0.0.1:$port/routini/status" \
        | tr -d '\r' | sed -n 's/^X-Routini-Version: //p'
}

# poll (no fixed sleep) until the running module says $1
wait_version() {
    for _ in $(seq 100); do
        [ "$(running_version)" = "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

wait_pidfile() {
    for _ in $(seq 100); do
        [ -s "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

install_deb() {
    apt-get install "${apt_opts[@]}" "$1" > "$tmp/install.log" 2>&1 \
        || { cat "$tmp/install.log"; return 1; }
}

echo "# $deb"

# 1. install
check "apt-get install $deb" install_deb "./${deb#./}"
check "the module is in /usr/lib/nginx/modules" \
    test -f /usr/lib/nginx/modules/ngx_http_routini_module.so
check "mod-http-routini.conf is in /usr/share/nginx/modules-available" \
    grep -qx 'load_module modules/ngx_http_routini_module.so;' \
    /usr/share/nginx/modules-available/mod-http-routini.conf
check "the postinst enabled it in /etc/nginx/modules-enabled" \
    test "$(readlink /etc/nginx/modules-enabled/50-mod-http-routini.conf)" \
    = /usr/share/nginx/modules-available/mod-http-routini.conf
abi=$(dpkg-query -W -f='${Depends}' $pkg)
check "Depends: $abi (the installed nginx's ABI)" \
    grep -q "$(sed -n 's/^nginx:abi=//p' \
               /usr/share/nginx/src/debian/libnginx-mod.abisubstvars)" \
    <<< "$abi"

# 2. a routed location on the system nginx
cat > "$site" <<EOF
# routini's package test (util/deb-test.sh), removed when it ends
server {
    listen 127.0.0.1:$backend;
    location / { return 200 "backend \$uri id=\$http_x_id\n"; }
}
server {
    listen 127.0.0.1:$port;
    location /routini/status { routini_status; }
    location / {
        routini_route /users/:id 127.0.0.1:$backend;
        proxy_set_header X-Id \$routini_param_id;
        proxy_pass http://\$routini_upstream;
    }
}
EOF
ln -s "$site" "$link"

check "nginx -t on the system configuration" \
    /usr/sbin/nginx -t -q -c /etc/nginx/nginx.conf

cat > "$tmp/nginx.conf" <<EOF
include /etc/nginx/modules-enabled/*.conf;
pid $tmp/nginx.pid;
error_log $tmp/error.log notice;
events { worker_connections 64; }
http {
    access_log off;
    include $link;
}
EOF

check "the system nginx starts with the test site" \
    /usr/sbin/nginx -c "$tmp/nginx.conf"
wait_pidfile "$tmp/nginx.pid" || true
check "the module answers with version $version" wait_version "$version"

body=$(curl -s "http://127.0.0.1:$port/users/42")
check "GET /users/42 is routed (got: $body)" \
    test "$body" = "backend /users/42 id=42"
code=$(curl -s -o /dev/null -w '%{http_code}' \
       "http://127.0.0.1:$port/nothing/here")
check "an unrouted path gets 404 (got: $code)" test "$code" = 404

# 3. upgrade to a rebuilt package with a bumped version
mkdir -p "$tmp/bump"
cp -a config src README.md pkg util "$tmp/bump/"
sed -i "s/^\(#define NGX_HTTP_ROUTINI_VERSION *\)\".*\"$/\1\"$bumped\"/" \
    "$tmp/bump/src/ngx_http_routini.h"
newdeb=$(cd "$tmp/bump" && bash util/deb.sh | tail -1)
check "package $bumped built" test -f "$tmp/bump/$newdeb"
check "apt-get install the $bumped package over $version" \
    install_deb "$tmp/bump/$newdeb"
check "dpkg has $bumped" \
    test "$(dpkg-query -W -f='${Version}' $pkg)" = "$bumped"

check "still running $version right after the upgrade" \
    test "$(running_version)" = "$version"

/usr/sbin/nginx -c "$tmp/nginx.conf" -s reload 2>/dev/null
# the new workers are up once the old ones log their shutdown
for _ in $(seq 100); do
    grep -q 'gracefully shutting down' "$tmp/error.log" && break
    sleep 0.1
done
after_reload=$(running_version)
check "after a reload: $after_reload (the master keeps the loaded .so)" \
    test "$after_reload" = "$version"

# binary upgrade: a new master loads the module from disk afresh
old=$(master)
kill -USR2 "$old"
wait_pidfile "$tmp/nginx.pid" || true
for _ in $(seq 100); do
    [ "$(master)" != "$old" ] && [ -s "$tmp/nginx.pid" ] && break
    sleep 0.1
done
kill -QUIT "$old"
check "after a binary upgrade (USR2, QUIT): $bumped" wait_version "$bumped"

body=$(curl -s "http://127.0.0.1:$port/users/7")
check "GET /users/7 is routed by $bumped (got: $body)" \
    test "$body" = "backend /users/7 id=7"

# 4. remove the site, purge the package
stop_nginx
rm -f "$link" "$site"
check "apt-get purge $pkg" \
    bash -c "apt-get purge ${apt_opts[*]} $pkg > '$tmp/purge.log' 2>&1"
check "dpkg knows nothing of $pkg" \
    bash -c "! dpkg-query -W -f='\${Status}' $pkg 2>/dev/null | grep -q installed"
left=$(ls -d /usr/lib/nginx/modules/ngx_http_routini_module.so \
             /usr/share/nginx/modules-available/mod-http-routini.conf \
             /etc/nginx/modules-enabled/*routini* \
             /etc/nginx/sites-*/routini-deb-test \
             /usr/share/doc/$pkg 2>/dev/null || true)
check "nothing left behind${left:+: $left}" test -z "$left"
check "nginx -t on the system configuration without the module" \
    /usr/sbin/nginx -t -q -c /etc/nginx/nginx.conf

echo "1..$n"
[ $failed = 0 ] && echo "# deb test passed" || echo "# deb test FAILED"
exit $failed
