# Metrics output escaping: unit tests and fuzzing.
#
#     make -f test/unit/escape.mk unit-test-escape
#
# unit-test-escape   C unit tests (gcc -O2 -Wall -Wextra -Werror)
# fuzz-escape        libFuzzer for FUZZ_SECONDS (default 60)

FUZZ_SECONDS ?= 60

ESCAPE_CC ?= gcc
ESCAPE_CFLAGS ?= -O2 -g -Wall -Wextra -Werror -std=c99
ESCAPE_FUZZ_CC ?= clang
ESCAPE_FUZZ_CFLAGS ?= -g -O1 -fsanitize=fuzzer,address,undefined \
                      -fno-sanitize-recover=all

ESCAPE_DEPS = src/ngx_routini_escape.c src/ngx_routini_escape.h

.PHONY: unit-test-escape fuzz-escape

build/unit/escape_test: test/unit/escape_test.c $(ESCAPE_DEPS)
	@mkdir -p build/unit
	$(ESCAPE_CC) $(ESCAPE_CFLAGS) -Isrc -o $@ test/unit/escape_test.c \
		src/ngx_routini_escape.c

unit-test-escape: build/unit/escape_test
	build/unit/escape_test

build/fuzz/escape_fuzz: test/fuzz/escape_fuzz.c $(ESCAPE_DEPS)
	@mkdir -p build/fuzz
	$(ESCAPE_FUZZ_CC) $(ESCAPE_FUZZ_CFLAGS) -Isrc -o $@ \
		test/fuzz/escape_fuzz.c src/ngx_routini_escape.c

# new inputs go to build/fuzz/corpus-escape; the seeds in git stay as they are
fuzz-escape: build/fuzz/escape_fuzz
	@mkdir -p build/fuzz/corpus-escape build/fuzz/artifacts-escape
	build/fuzz/escape_fuzz -max_total_time=$(FUZZ_SECONDS) \
		-artifact_prefix=build/fuzz/artifacts-escape/ \
		build/fuzz/corpus-escape test/fuzz/corpus/escape
