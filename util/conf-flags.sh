#!/usr/bin/env bash
# Print, shell-quoted, the configure flags that make a module binary
# compatible with the nginx we load it into.
#
#   util/conf-flags.sh NGINX_SRC [NGINX_BIN]
#
# Debian's nginx-dev tree ships them in conf_flags; any other tree is
# configured --with-compat, which is what dynamic module compatibility
# needs, plus the flags of NGINX_BIN's own build that change the module's
# code: --with-debug (without it the module's debug log lines compile to
# nothing, though the binary logs at debug level) and --with-threads.

set -eu

src=$1
bin=${2:-}

if [ -f "$src/conf_flags" ]; then
    # shellcheck disable=SC1091
    . "$src/conf_flags"
    printf '%q ' "${NGX_CONF_FLAGS[@]}"
elif [ -n "$bin" ] && [ -x "$bin" ]; then
    built=" $("$bin" -V 2>&1 | sed -n 's/^configure arguments: //p') "
    printf '%q ' --with-compat
    for f in --with-debug --with-threads; do
        case $built in *" $f "*) printf '%q ' "$f" ;; esac
    done
else
    printf '%q ' --with-compat --with-threads
fi
