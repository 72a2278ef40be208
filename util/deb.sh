#!/usr/bin/env bash
# Build the Debian package of the module, the way Debian builds its
# libnginx-mod-* packages (debhelper, dh's nginx sequence from nginx-dev):
#
#   util/deb.sh        -> build/libnginx-mod-http-routini_VERSION_ARCH.deb
#
# VERSION is NGX_HTTP_ROUTINI_VERSION in src/ngx_http_routini.h, the one
# place it is written.  The packaging is pkg/debian; the source package is
# staged in build/deb (the module's sources, pkg/debian as debian/ and a
# changelog entry for VERSION), so nothing is written outside build/.
# The package depends on the ABI of the nginx-dev installed here
# (nginx-abi-1.22.1-7 on Debian 12).

set -euo pipefail

cd "$(dirname "$0")/.."

root=$PWD
pkg=libnginx-mod-http-routini
version=$(sed -n 's/^#define NGX_HTTP_ROUTINI_VERSION *"\(.*\)"$/\1/p' \
          src/ngx_http_routini.h)

if [ -z "$version" ]; then
    echo "routini: no NGX_HTTP_ROUTINI_VERSION in src/ngx_http_routini.h" >&2
    exit 1
fi

missing=
for p in debhelper dpkg-dev nginx-dev libpcre2-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
        | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "routini: missing packages:$missing (run as root or install them)" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends $missing > /dev/null
fi

stage=$root/build/deb
src=$stage/$pkg-$version

rm -rf "$stage"
mkdir -p "$src"
cp -a config src README.md "$src/"
cp -a pkg/debian "$src/debian"

# the entry's date and note come from the commit, so a rebuild of one
# commit gives the same changelog
rev=$(git describe --always --dirty 2>/dev/null || echo unknown)
date=$(git log -1 --format=%cD 2>/dev/null || date -R)
cat > "$src/debian/changelog" <<CHANGELOG
$pkg ($version) unstable; urgency=medium

  * routini $version, built from the repository at $rev.

 -- routini authors <routini@localhost>  $date
CHANGELOG

(cd "$src" && dpkg-buildpackage -b -us -uc) > "$stage/build.log" 2>&1 \
    || { tail -40 "$stage/build.log"; exit 1; }

deb=$(ls "$stage"/${pkg}_"$version"_*.deb)
mv "$deb" "$root/build/"
echo "build/$(basename "$deb")"
