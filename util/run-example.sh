#!/usr/bin/env bash
# Start or stop nginx with the routini module on docs/examples/nginx.conf.
#
#   util/run-example.sh start|stop
#
# The prefix is build/run: logs, pid and temp files stay there.

set -eu

cd "$(dirname "$0")/.."

root=$PWD
prefix=$root/build/run
conf=$root/docs/examples/nginx.conf
module=$root/build/nginx/objs/ngx_http_routini_module.so
nginx=${NGINX_BIN:-/usr/sbin/nginx}

stop() {
    [ -f "$prefix/logs/nginx.pid" ] || return 0

    pid=$(cat "$prefix/logs/nginx.pid")
    kill -QUIT "$pid" 2>/dev/null || return 0

    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done

    kill -TERM "$pid" 2>/dev/null || true
}

case "${1:-start}" in
start)
    mkdir -p "$prefix/logs" "$prefix/tmp" "$prefix/modules"
    ln -sf "$module" "$prefix/modules/ngx_http_routini_module.so"

    stop
    "$nginx" -p "$prefix" -c "$conf" -t -q
    "$nginx" -p "$prefix" -c "$conf"

    # wait until it answers
    for _ in $(seq 50); do
        curl -s -o /dev/null http://127.0.0.1:3500/ && break
        sleep 0.1
    done

    cat <<MSG
routini is running on http://127.0.0.1:3500 (config: docs/examples/nginx.conf)

  curl http://127.0.0.1:3500/api/hello?x=1    # /api/* -> api_pool, prefix stripped
  curl http://127.0.0.1:3500/users/42         # param route, GET/HEAD only
  curl -X POST http://127.0.0.1:3500/users/42 # 405 with Allow
  curl http://127.0.0.1:3500/metrics          # Prometheus metrics
  open http://127.0.0.1:3500/routini/status   # dashboard
  curl http://127.0.0.1:3500/routini/api/upstreams

logs: build/run/logs/   stop: make stop
MSG
    ;;
stop)
    stop
    echo "routini example stopped"
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
