#!/usr/bin/env bash
# Build and test routini against another nginx version, in a build
# directory of its own (build/matrix/VERSION): nginx and the echo module
# (which the balancer tests use for slow backends) from Debian's orig
# tarballs, the module with -Werror against that tree, then the suite with
# that nginx binary and that echo module.
#
#   util/nginx-matrix.sh [VERSION]      (default 1.26.3, Debian 13's)
#
# The sources come from Debian's trixie pool through `apt-get source
# --download-only`, with a private apt state under build/ (a deb-src entry
# for trixie, its lists and cache there), so the system's apt sources and
# package lists are left alone.  A second run reuses what it built.
#
# Environment: TEST_NGINX_PORT (default 2402, apart from make test's),
# ROUTINI_MATRIX_SUITE (default trixie), PROVE_ARGS as for make test.

set -euo pipefail

cd "$(dirname "$0")/.."

root=$PWD
version=${1:-1.26.3}
suite=${ROUTINI_MATRIX_SUITE:-trixie}
dir=$root/build/matrix/$version
prefix=$dir/prefix
nginx=$prefix/sbin/nginx
echo_so=$prefix/modules/ngx_http_echo_module.so

log() { echo "== nginx $version: $*"; }

# what building nginx from its sources needs beyond make test's packages
need_pkgs() {
    local missing= p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
            | grep -q 'install ok installed' || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "routini: missing packages:$missing (run as root or install them)" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends $missing > /dev/null
}

apt_private() {
    apt-get -q -o Dir::Etc::SourceList=/dev/null \
        -o Dir::Etc::SourceParts="$dir/apt/sources.list.d" \
        -o Dir::State::Lists="$dir/apt/lists" \
        -o Dir::Cache="$dir/apt/cache" \
        -o APT::Sandbox::User=root "$@"
}

apt_cache_private() {
    apt-cache -o Dir::Etc::SourceList=/dev/null \
        -o Dir::Etc::SourceParts="$dir/apt/sources.list.d" \
        -o Dir::State::Lists="$dir/apt/lists" \
        -o Dir::Cache="$dir/apt/cache" "$@"
}

# newest source version of package $1 whose upstream part starts with $2
src_version() {
    apt_cache_private showsrc "$1" | sed -n 's/^Version: //p' \
        | grep -E "^([0-9]+:)?$2-" | sort -V | tail -1
}

fetch() {
    [ -f "$dir/dl/nginx_$version.orig.tar.gz" ] \
        && ls "$dir"/dl/libnginx-mod-http-echo_*.orig.tar.gz >/dev/null 2>&1 \
        && return 0

    log "fetching sources from Debian $suite"
    mkdir -p "$dir/apt/sources.list.d" "$dir/apt/lists/partial" \
             "$dir/apt/cache/archives/partial" "$dir/dl"
    cat > "$dir/apt/sources.list.d/$suite-src.sources" <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    apt_private update > "$dir/apt/update.log" 2>&1 \
        || { cat "$dir/apt/update.log"; exit 1; }

    local nv ev
    nv=$(src_version nginx "$version")
    ev=$(src_version libnginx-mod-http-echo "${ROUTINI_MATRIX_ECHO:-0.63}")
    if [ -z "$nv" ] || [ -z "$ev" ]; then
        echo "routini: Debian $suite has no nginx $version source" \
             "(nginx: '${nv}', echo: '${ev}')" >&2
        exit 1
    fi
    log "nginx=$nv libnginx-mod-http-echo=$ev"
    # only the orig tarballs are used: apt checks them against the signed
    # Sources index; a mirror that lacks the .dsc or Debian diff only fails
    # the other downloads
    (cd "$dir/dl" && apt_private source --download-only \
        "nginx=$nv" "libnginx-mod-http-echo=$ev") > "$dir/dl/source.log" 2>&1 \
        || true
    if [ ! -f "$dir/dl/nginx_$version.orig.tar.gz" ] \
       || ! ls "$dir"/dl/libnginx-mod-http-echo_*.orig.tar.gz >/dev/null 2>&1
    then
        cat "$dir/dl/source.log"
        exit 1
    fi
}

build_nginx() {
    [ -x "$nginx" ] && [ -f "$echo_so" ] && return 0

    local echo_tgz echo_src
    echo_tgz=$(echo "$dir"/dl/libnginx-mod-http-echo_*.orig.tar.gz)

    log "building nginx and the echo module into $prefix"
    rm -rf "$dir/src" "$dir/nginx-build" "$prefix"
    mkdir -p "$dir/src/echo"
    tar -C "$dir/src" -xzf "$dir/dl/nginx_$version.orig.tar.gz"
    tar -C "$dir/src/echo" --strip-components=1 -xzf "$echo_tgz"
    echo_src=$dir/src/echo

    # built in a copy: the module build below copies the pristine tree
    # the modules Debian's nginx-light has that the suite may use
    cp -a "$dir/src/nginx-$version" "$dir/nginx-build"
    (cd "$dir/nginx-build" && ./configure --prefix="$prefix" \
        --with-compat --with-debug --with-threads --with-pcre-jit \
        --with-http_ssl_module --with-http_stub_status_module \
        --with-http_realip_module --with-http_auth_request_module \
        --with-http_v2_module --with-http_sub_module \
        --add-dynamic-module="$echo_src" > "$dir/configure.log" 2>&1 \
        && make -j"$(nproc)" > "$dir/make.log" 2>&1 \
        && make install > "$dir/install.log" 2>&1) \
        || { tail -30 "$dir"/*.log; exit 1; }
}

need_pkgs gcc make libpcre2-dev zlib1g-dev libssl-dev
fetch
build_nginx
"$nginx" -V 2>&1 | sed -n 1p

# the module against this tree (configured --with-compat, so it loads into
# $nginx), compiled with make's -Werror flags, in its own build directory;
# then the suite (the C unit tests do not depend on nginx and are skipped)
log "module and suite"
export TEST_NGINX_PORT=${TEST_NGINX_PORT:-2402}
export TEST_NGINX_SERVROOT=$dir/servroot
export TEST_NGINX_ECHO_MODULE=$echo_so
export ROUTINI_SKIP_UNIT=1
unset TEST_NGINX_BINARY TEST_NGINX_LOAD_MODULES ROUTINI_NGINX
make --no-print-directory test NGINX_SRC="$dir/src/nginx-$version" \
    NGINX_BIN="$nginx" BUILD="build/matrix/$version/routini"
