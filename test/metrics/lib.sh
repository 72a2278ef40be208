# Helpers for the script tests of test/metrics and test/browser: start a
# throw-away nginx with the routini module on free ports.
#
# Environment: TEST_NGINX_BINARY (default /usr/sbin/nginx),
# TEST_NGINX_LOAD_MODULES (default build/nginx/objs/ngx_http_routini_module.so)

NGINX=${TEST_NGINX_BINARY:-/usr/sbin/nginx}
MODULE=${TEST_NGINX_LOAD_MODULES:-$PWD/build/nginx/objs/ngx_http_routini_module.so}
PREFIX=$(mktemp -d /tmp/routini-test.XXXXXX)

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

PORT=$(free_port)
BACKEND=$(free_port)

# write_conf MAIN HTTP SERVER: nginx.conf with a backend on $BACKEND
write_conf() {
    mkdir -p "$PREFIX/conf" "$PREFIX/logs"
    cat > "$PREFIX/conf/nginx.conf" <<CONF
load_module $MODULE;
error_log logs/error.log notice;
pid logs/nginx.pid;
$1
events { worker_connections 256; }
http {
    access_log off;
    default_type text/plain;
    $2
    server {
        listen 127.0.0.1:$BACKEND;
        location / { return 200 "ok\n"; }
        location /fail { return 502; }
    }
    server {
        listen 127.0.0.1:$PORT;
        $3
    }
}
CONF
}

start_nginx() {
    "$NGINX" -p "$PREFIX/" -c conf/nginx.conf -e logs/error.log || {
        cat "$PREFIX/logs/error.log"; return 1; }
    for _ in $(seq 50); do
        curl -s -o /dev/null "http://127.0.0.1:$PORT/" && return 0
        sleep 0.1
    done
    echo "nginx did not start" >&2
    return 1
}

stop_nginx() {
    [ -f "$PREFIX/logs/nginx.pid" ] && kill "$(cat "$PREFIX/logs/nginx.pid")" 2>/dev/null
    sleep 0.3
}

# test/browser: headless Chromium, or a TAP skip
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

need_chromium() {
    if [ ! -x "$CHROMIUM" ]; then
        echo "1..0 # SKIP chromium not installed (apt-get install chromium)"
        exit 0
    fi
}

failed=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failed=1; }
