#!/usr/bin/env bash
# The Test::Nginx files under the real Test::Nginx (make test-real).
#
#   util/test-real.sh LIB        LIB: the lib/ directory of openresty's
#                                test-nginx
#
# The real runner draws $TEST_NGINX_RAND_PORT_N from 1988-65535, across
# the kernel's ephemeral range: a port free when drawn can be taken by an
# outgoing connection before nginx binds it, and the runner then stops the
# whole run ("Cannot start nginx").  A run that stopped so, with nginx's
# "Address already in use" in the error log, is run once more, and said
# so; any other failure stands.

set -u

cd "$(dirname "$0")/.."

lib=$1
servroot=${TEST_NGINX_SERVROOT:-t/servroot}

prove -I "$lib" -r t && exit 0

if ! grep -qs "Address already in use" "$servroot/logs/error.log"; then
    exit 1
fi

echo "routini: nginx could not bind a port the real runner drew" \
     "(Address already in use): the run once more" >&2
exec prove -I "$lib" -r t
