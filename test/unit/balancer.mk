# Balancer arithmetic: unit tests of the ketama ring and the adaptive rule.
#
#     make -f test/unit/balancer.mk unit-test-balancer

UNIT_CC ?= gcc
UNIT_CFLAGS ?= -O2 -g -Wall -Wextra -Werror -std=c99 -D_POSIX_C_SOURCE=200809L

BALANCER_SRC = src/ngx_http_routini_upstream_calc.c
BALANCER_DEPS = $(BALANCER_SRC) src/ngx_http_routini_upstream_calc.h

.PHONY: unit-test-balancer

build/unit/balancer_test: test/unit/balancer_test.c $(BALANCER_DEPS)
	@mkdir -p build/unit
	$(UNIT_CC) $(UNIT_CFLAGS) -Isrc -o $@ test/unit/balancer_test.c \
		$(BALANCER_SRC)

unit-test-balancer: build/unit/balancer_test
	build/unit/balancer_test
