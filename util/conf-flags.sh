#!/usr/bin/env bash
# Print, shell-quoted, the configure flags that make a module binary
# compatible with the nginx we load it into.
#
#   util/conf-flags.sh NGINX_SRC [NGINX_BIN]
#
# Debian's nginx-dev tree ships them in conf_flags; any other tree is
# configured --with-compat, which is what dynamic module compatibility needs.

set -eu

src=$1

if [ -f "$src/conf_flags" ]; then
    # shellcheck disable=SC1091
    . "$src/conf_flags"
    printf '%q ' "${NGX_CONF_FLAGS[@]}"
else
    printf '%q ' --with-compat --with-threads
fi
