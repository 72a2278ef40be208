#!/usr/bin/env bash
# The Test::Nginx suite against an nginx built with AddressSanitizer and
# UndefinedBehaviorSanitizer, the module compiled in (--add-module).
#
#   util/asan.sh build   fetch Debian's nginx sources into build/, configure
#                        and build build/asan/objs/nginx
#   util/asan.sh test    build if needed, run the suite, scan the reports
#
# Environment: PROVE_ARGS (default -r t), TEST_NGINX_PORT and
# TEST_NGINX_SERVROOT (default 1994 and build/asan/servroot), ASAN_CC
# (default clang: gcc's separate libubsan ignores log_path).  Reports go to build/asan/logs/san.PID and are
# summarised at the end; exit status 1 when any report names module code
# (src/, a frame ngx_http_routini* or ngx_routini*) or when a test fails.
#
# The sources come from Debian's source package (same version and patches
# as /usr/sbin/nginx): a deb-src entry for the suites of
# /etc/apt/sources.list.d/debian.sources is added when none exists.

set -u

cd "$(dirname "$0")/.."
root=$PWD

asan=$root/build/asan
srcdir=$root/build/nginx-src
cc=${ASAN_CC:-clang}
# as the module's own build: its positional initializers leave fields out
san_cflags="-fsanitize=address,undefined -fno-omit-frame-pointer -O1 -g"
san_cflags="$san_cflags -Wno-missing-field-initializers"
san_lflags="-fsanitize=address,undefined"

die() { echo "asan.sh: $*" >&2; exit 1; }

# Debian's nginx_VERSION.orig.tar.gz into build/nginx-src
fetch_sources() {
    local tgz

    tgz=$(ls "$srcdir"/nginx_*.orig.tar.gz 2>/dev/null | head -1)
    [ -n "$tgz" ] && { echo "$tgz"; return; }

    [ "$(id -u)" = 0 ] || die "Debian's nginx sources are not in $srcdir; run as root to fetch them"

    if ! grep -rqs -e '^Types:.*deb-src' -e '^deb-src' \
         /etc/apt/sources.list /etc/apt/sources.list.d/
    then
        [ -f /etc/apt/sources.list.d/debian.sources ] \
            || die "no deb-src entry and no debian.sources to derive one"
        sed 's/^Types:.*/Types: deb-src/' \
            /etc/apt/sources.list.d/debian.sources \
            > /etc/apt/sources.list.d/routini-src.sources
        echo "asan.sh: added /etc/apt/sources.list.d/routini-src.sources" >&2
    fi

    apt-get update -qq >&2 || die "apt-get update failed"
    mkdir -p "$srcdir"
    # only the upstream tarball is needed: a mirror missing the .dsc or the
    # Debian patches is not an error as long as it arrived
    (cd "$srcdir" && apt-get source --download-only -qq nginx >&2) \
        || echo "asan.sh: apt-get source reported errors" >&2
    tgz=$(ls "$srcdir"/nginx_*.orig.tar.gz 2>/dev/null | head -1)
    [ -n "$tgz" ] || die "no nginx_*.orig.tar.gz in $srcdir"
    echo "$tgz"
}

build() {
    local tgz dir

    bash util/deps.sh build || exit 1
    if ! command -v "$cc" > /dev/null; then
        [ "$(id -u)" = 0 ] || die "$cc not found"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends "$cc" > /dev/null || die "cannot install $cc"
    fi

    tgz=$(fetch_sources) || exit 1

    if [ ! -f "$asan/objs/Makefile" ] || [ config -nt "$asan/objs/Makefile" ] \
       || ! grep -qE "^CC =[[:space:]]*$cc\$" "$asan/objs/Makefile"
    then
        rm -rf "$asan/objs" "$asan/src" "$asan/auto"
        mkdir -p "$asan"
        dir=$(tar -tzf "$tgz" | head -1 | cut -d/ -f1)
        tar -xzf "$tgz" -C "$asan" --strip-components=1 "$dir" \
            || die "cannot unpack $tgz"
        echo "asan.sh: configure (log in build/asan/configure.log)"
        (cd "$asan" && ./configure --with-cc="$cc" \
            --with-compat --with-debug --with-threads \
            --with-cc-opt="$san_cflags" --with-ld-opt="$san_lflags" \
            --add-module="$root" > configure.log 2>&1) \
            || { tail -30 "$asan/configure.log"; die "configure failed"; }
    fi

    echo "asan.sh: make (log in build/asan/make.log)"
    make -C "$asan" -f objs/Makefile -j2 > "$asan/make.log" 2>&1 \
        || { grep -E 'error|Error' "$asan/make.log" | head -30; die "build failed"; }
    echo "asan.sh: built $asan/objs/nginx"
}

# reports naming module code, out of the ASan and UBSan logs
scan() {
    local logs=$1 sym f n_asan=0 n_ubsan=0 n_mod=0 report other=

    # reports are symbolized here, after the run: a symbolizer started by
    # the master at its first report is inherited by the workers it forks,
    # and a worker then waits on it forever.  All logs go through one
    # asan_symbolize, each after a "@@@ FILE" line.
    sym=$(command -v asan_symbolize || command -v asan_symbolize-14) \
        || die "asan_symbolize not found (package clang)"

    for f in "$logs"/san.*; do
        [ -f "$f" ] && { echo "@@@ $f"; cat "$f"; echo; }
    done | "$sym" > "$logs/all.sym" 2> /dev/null

    # one report a line: its file, then its lines joined by \037
    while IFS= read -r report; do
        f=${report%%$'\037'*}
        report=${report#*$'\037'}
        report=${report//$'\037'/$'\n'}
        case $report in
        *"runtime error:"*) n_ubsan=$((n_ubsan + 1)) ;;
        *)                  n_asan=$((n_asan + 1)) ;;
        esac
        if grep -qE 'ngx_http_routini|ngx_routini' <<< "$report"; then
            n_mod=$((n_mod + 1))
            echo "---- module code, in $f:"
            head -40 <<< "$report"
        else
            # the site: the report's line and its first frame
            other="$other$(head -1 <<< "$report" | sed 's/.*runtime error/runtime error/')"
            other="$other $(grep -m1 -oE ' in [^ ]+ [^ ]+' <<< "$report")"$'\n'
        fi
    done < <(awk '
        /^@@@ / {
            if (r != "") print r
            r = ""; file = $2; next }
        /==[0-9]+==ERROR: / || /runtime error:/ {
            if (r != "") print r
            sub(/.*==[0-9]+==ERROR: /, "ERROR: ")
            sub(/.*SUMMARY: [^.]*\./, "")
            r = file "\037" $0; next }
        r != "" { r = r "\037" $0 }
        END { if (r != "") print r }' "$logs/all.sym")

    if [ -n "$other" ]; then
        echo "asan.sh: reports outside module code, by site:"
        printf '%s' "$other" | sort | uniq -c | sort -rn
    fi
    echo "asan.sh: ASan/LSan reports: $n_asan, UBSan reports: $n_ubsan," \
         "in module code: $n_mod (logs in $logs, symbolized in all.sym)"
    [ "$n_mod" = 0 ]
}


test_suite() {
    local logs rc=0

    build || exit 1
    bash util/deps.sh test || exit 1

    logs=$asan/logs
    rm -rf "$logs"
    mkdir -p "$logs"

    # leaks at exit are nginx's (pools are freed wholesale, the master
    # never frees its cycle): memory errors are what is checked
    # one log_path for both: with gcc's runtimes the one in UBSAN_OPTIONS
    # wins, a different one in ASAN_OPTIONS would be ignored
    export ASAN_OPTIONS="detect_leaks=0:symbolize=0:log_path=$logs/san"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=0:symbolize=0:log_path=$logs/san"
    export ROUTINI_NGINX=$asan/objs/nginx
    export TEST_NGINX_BINARY=$root/util/nginx-test
    # the module is linked in: nothing to load
    export TEST_NGINX_LOAD_MODULES=
    export TEST_NGINX_PORT=${TEST_NGINX_PORT:-1994}
    export TEST_NGINX_SERVROOT=${TEST_NGINX_SERVROOT:-$asan/servroot}
    # ASan makes start-up and requests slower
    export TEST_NGINX_TIMEOUT=${TEST_NGINX_TIMEOUT:-10}

    # the script tests are left out: they load the .so when
    # TEST_NGINX_LOAD_MODULES is empty (test/metrics/lib.sh)
    ROUTINI_SKIP_UNIT=1 PROVE_ARGS=${PROVE_ARGS:--r t} bash util/test.sh \
        || rc=1

    scan "$logs" || rc=1
    return $rc
}

case "${1:-test}" in
build) build ;;
test)  test_suite ;;
scan)  scan "${2:-$asan/logs}" ;;
*)     echo "usage: $0 build|test|scan [LOGDIR]" >&2; exit 2 ;;
esac
