#!/usr/bin/env bash
# Run the whole routini test suite: C unit tests, then the Test::Nginx
# files in t/.  openresty's Test::Nginx is used when installed; otherwise
# the project's compatible runner in t/lib.
#
# Environment: TEST_NGINX_BINARY, TEST_NGINX_LOAD_MODULES (set by make),
# PROVE_ARGS (default -r t), ROUTINI_SKIP_UNIT=1 to skip the C unit tests.

set -u

cd "$(dirname "$0")/.."

failed=0

if [ "${ROUTINI_SKIP_UNIT:-0}" != 1 ]; then
    echo "== C unit tests"
    make --no-print-directory unit || failed=1
fi

inc=
if ! perl -MTest::Nginx::Socket -e1 2>/dev/null; then
    inc="-I t/lib"
    echo "== Test::Nginx not installed: using the runner in t/lib"
fi

# the Test::Nginx files, and the script tests that need a running nginx
# between requests (reload), a browser, or nginx -t of the docs' blocks:
# executables printing TAP
scripts="test/metrics/promtool.sh test/metrics/reload.sh test/metrics/status-pages.sh
         test/browser/dashboard.sh test/browser/dashboard-paging.sh
         test/browser/csrf.sh
         test/docs/nginx-blocks.sh"

echo "== Test::Nginx suite and script tests"
# shellcheck disable=SC2086
prove $inc --source Perl --source Executable ${PROVE_ARGS:--r t $scripts} \
    || failed=1

if [ $failed != 0 ]; then
    echo "routini: tests FAILED" >&2
fi

exit $failed
