# routini: build, run and test the nginx module.
#
#   make              build build/nginx/objs/ngx_http_routini_module.so
#                     and build/routini-convert (mk/convert.mk)
#   make run          install what is missing, build, start the example
#   make stop         stop the example
#   make test         install test dependencies, build, run the whole suite
#   make test-docs    every nginx block of README.md and docs/ through nginx -t
#   make test-real    the Test::Nginx files under the real Test::Nginx
#                     (TEST_NGINX_LIB, default ../shared/test-nginx/lib)
#   make unit         C unit tests of the pure C parts (mk/unit.mk), and
#                     the dashboard header checked against its page
#   make status-asset regenerate the dashboard header from its page
#   make unit-NAME, fuzz-NAME, bench-tree, bench-balancer
#                     one component: see mk/unit.mk
#   make bench        side-by-side benchmarks (SCENARIOS="a b c d")
#   make bench-flame, bench-callgrind      see docs/PROFILING.md
#   make bench-build  nginx -t time and memory per route (BUILD_ROUTES="N ...")
#   make test-valgrind, test-asan, fuzz-all    see docs/HARDENING.md
#   make test-matrix  the suite against other nginx versions (MATRIX="1.26.3")
#   make deb          build/libnginx-mod-http-routini_VERSION_amd64.deb
#   make test-deb     install, upgrade and purge that package (root; changes
#                     the system)       see docs/PACKAGING.md
#
# NGINX_SRC selects the nginx tree to build against.  By default it is
# Debian's nginx-dev tree (/usr/share/nginx/src) configured with Debian's own
# flags, so the module loads into Debian's packaged /usr/sbin/nginx.  Any
# nginx source tree configured --with-compat works:
#
#   make NGINX_SRC=/path/to/nginx-1.22.1 NGINX_BIN=/path/to/objs/nginx

NGINX_SRC   ?= /usr/share/nginx/src
NGINX_BIN   ?= /usr/sbin/nginx
BUILD       ?= build
NGX_BUILD   := $(BUILD)/nginx
MODULE      := $(NGX_BUILD)/objs/ngx_http_routini_module.so
ROOT        := $(CURDIR)

# module sources compile with -Wall -Wextra -Werror (nginx adds -W -Wall
# -Wpointer-arith -Wno-unused-parameter -Werror itself)
MOD_CC_OPT  ?= -g -O2 -Wall -Wextra -Wno-unused-parameter \
               -Wno-missing-field-initializers -Werror

SRCS        := $(wildcard src/*.c src/*.h src/*.inc)

export ROUTINI_NGINX           ?= $(NGINX_BIN)
export TEST_NGINX_BINARY       ?= $(ROOT)/util/nginx-test
export TEST_NGINX_LOAD_MODULES ?= $(ROOT)/$(MODULE)

.PHONY: all module run stop test test-real test-deps deps unit bench \
        bench-flame bench-callgrind bench-build clean distclean \
        status-asset check-status-asset

all: module convert

module: $(MODULE)

# configure once, again only when config (which lists every source)
# changes; then only recompile
$(NGX_BUILD)/objs/Makefile: config util/conf-flags.sh
	@rm -rf $(NGX_BUILD)
	@mkdir -p $(BUILD)
	cp -a $(NGINX_SRC)/. $(NGX_BUILD)
	cd $(NGX_BUILD) && util_flags=$$(bash $(ROOT)/util/conf-flags.sh \
	    $(NGINX_SRC) $(NGINX_BIN)) && eval "set -- $$util_flags" \
	    && ./configure "$$@" --with-cc-opt="$(MOD_CC_OPT)" \
	    --add-dynamic-module=$(ROOT) > configure.log \
	    || { tail -30 configure.log; exit 1; }

$(MODULE): $(NGX_BUILD)/objs/Makefile $(SRCS)
	$(MAKE) -C $(NGX_BUILD) -f objs/Makefile modules

deps:
	@bash util/deps.sh build

test-deps:
	@bash util/deps.sh test

run: deps
	@$(MAKE) --no-print-directory module
	@bash util/run-example.sh start

stop:
	@bash util/run-example.sh stop

test: test-deps
	@$(MAKE) --no-print-directory module convert
	@bash util/test.sh

# every nginx block of README.md and docs/ through nginx -t
.PHONY: test-docs
test-docs: module
	@prove --source Executable test/docs/nginx-blocks.sh

# openresty's Test::Nginx is not packaged for Debian: point TEST_NGINX_LIB
# at its lib/ directory (a checkout of openresty/test-nginx)
TEST_NGINX_LIB ?= ../shared/test-nginx/lib

test-real: test-deps
	@test -f $(TEST_NGINX_LIB)/Test/Nginx/Socket.pm || { echo "routini:" \
	    "no Test::Nginx in TEST_NGINX_LIB=$(TEST_NGINX_LIB): set it to" \
	    "the lib/ directory of an openresty/test-nginx checkout" >&2; \
	    exit 1; }
	@$(MAKE) --no-print-directory module convert
	@bash util/test-real.sh $(TEST_NGINX_LIB)

# the suite against each nginx version in MATRIX, built from Debian's orig
# tarballs in build/matrix/VERSION (util/nginx-matrix.sh)
MATRIX      ?= 1.26.3

.PHONY: test-matrix deb test-deb

test-matrix: test-deps
	@for v in $(MATRIX); do bash util/nginx-matrix.sh $$v || exit 1; done

deb: deps
	@bash util/deb.sh

test-deb: deb
	@bash util/deb-test.sh

# routini-convert, routini's config.json to nginx.conf (before unit.mk,
# whose fuzzer rule lists its sources)
include mk/convert.mk

# C unit tests, fuzzers and micro-benchmarks of the pure C parts
include mk/unit.mk

# valgrind and sanitizer runs of the suite, all fuzzers
include mk/hardening.mk

UNIT_TARGETS ?= unit-tree unit-json unit-balancer unit-escape \
                check-status-asset

unit: $(UNIT_TARGETS)

# The dashboard page is compiled in as a C array; both files are in git,
# so building needs no xxd.  After editing the page: make status-asset.
STATUS_HTML := src/ngx_http_routini_status.html
STATUS_H    := src/ngx_http_routini_status_html.h

status-asset:
	xxd -i < $(STATUS_HTML) > $(STATUS_H)

check-status-asset:
	@xxd -i < $(STATUS_HTML) | cmp -s - $(STATUS_H) || { echo "routini:" \
	    "$(STATUS_H) does not match $(STATUS_HTML): make status-asset" >&2; \
	    exit 1; }

# side-by-side benchmarks (prints tables; not part of the suite)
bench: deps
	@$(MAKE) --no-print-directory module
	@bash bench/run.sh $(SCENARIOS)

# flame graphs of plain nginx and routini workers under load
bench-flame: deps
	@$(MAKE) --no-print-directory module
	@bash bench/flamegraph.sh

# instructions per request, plain vs routini, per module function
bench-callgrind: deps
	@$(MAKE) --no-print-directory module
	@CG_ROUTES="$(CG_ROUTES)" bash bench/callgrind-router.sh

# nginx -t time and peak memory for N generated routes (default 1000 10000
# 100000), see docs/BENCHMARKS.md
bench-build: deps
	@$(MAKE) --no-print-directory module
	@NGINX_BIN="$(NGINX_BIN)" bash bench/router-build.sh $(BUILD_ROUTES)

clean:
	rm -rf $(BUILD)/nginx/objs/addon t/servroot

distclean:
	rm -rf $(BUILD) t/servroot
