#!/usr/bin/env bash
# Install the Debian packages routini needs, only those missing.
#
#   util/deps.sh build   nginx, its module build tree, pcre2, compiler
#   util/deps.sh test    the above, plus the Perl modules Test::Nginx needs
#                        and the tools the test suite calls (promtool from
#                        prometheus, headless chromium for the dashboard,
#                        xxd for the dashboard header's check)

set -eu

build_pkgs="nginx-light nginx-dev libpcre2-dev gcc make curl"
test_pkgs="libtest-base-perl libtest-longstring-perl libtext-diff-perl
           liblist-moreutils-perl libhttp-message-perl liburi-perl
           libipc-run-perl libnginx-mod-http-echo python3 prometheus
           chromium xxd openssl"

case "${1:-build}" in
build) want=$build_pkgs ;;
test)  want="$build_pkgs $test_pkgs" ;;
*)     echo "usage: $0 build|test" >&2; exit 2 ;;
esac

missing=
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
         | grep -q 'install ok installed'
    then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "routini: missing packages:$missing (run as root or install them)" >&2
    exit 1
fi

echo "routini: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# nginx's postinst starts the packaged service on port 80; it is not ours
# to keep running, and a policy-rc.d stops it from starting at all
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends $missing > /dev/null
