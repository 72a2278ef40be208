# JSON reader of the control API: unit tests and fuzzing.
#
# Included by the top Makefile, or on its own from the repository root:
#     make -f test/unit/json.mk unit-test-json
#
# unit-test-json   C unit tests (plain, then ASan + UBSan)
# fuzz-json        libFuzzer for FUZZ_SECONDS (default 60)
# status-asset     regenerate src/ngx_http_routini_status_html.h from
#                  src/ngx_http_routini_status.html (both are in git)

FUZZ_SECONDS ?= 60

JSON_CC ?= gcc
JSON_CFLAGS ?= -O2 -g -Wall -Wextra -Werror -std=c99
JSON_FUZZ_CC ?= clang
JSON_FUZZ_CFLAGS ?= -g -O1 -fsanitize=fuzzer,address,undefined \
                    -fno-sanitize-recover=all

JSON_DEPS = src/ngx_routini_json.c src/ngx_routini_json.h

.PHONY: unit-test-json fuzz-json status-asset

build/unit/json_test: test/unit/json_test.c $(JSON_DEPS)
	@mkdir -p build/unit
	$(JSON_CC) $(JSON_CFLAGS) -Isrc -o $@ test/unit/json_test.c \
		src/ngx_routini_json.c

build/unit/json_test_asan: test/unit/json_test.c $(JSON_DEPS)
	@mkdir -p build/unit
	$(JSON_CC) $(JSON_CFLAGS) -O1 -fsanitize=address,undefined \
		-fno-sanitize-recover=all -fno-omit-frame-pointer -Isrc -o $@ \
		test/unit/json_test.c src/ngx_routini_json.c

unit-test-json: build/unit/json_test build/unit/json_test_asan
	build/unit/json_test
	build/unit/json_test_asan

build/fuzz/json_fuzz: test/fuzz/json_fuzz.c $(JSON_DEPS)
	@mkdir -p build/fuzz
	$(JSON_FUZZ_CC) $(JSON_FUZZ_CFLAGS) -Isrc -o $@ test/fuzz/json_fuzz.c \
		src/ngx_routini_json.c

# new inputs go to build/fuzz/corpus-json; the seeds in git stay untouched
fuzz-json: build/fuzz/json_fuzz
	@mkdir -p build/fuzz/corpus-json build/fuzz/artifacts-json
	build/fuzz/json_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=20000 \
		-artifact_prefix=build/fuzz/artifacts-json/ \
		build/fuzz/corpus-json test/fuzz/corpus/json

status-asset:
	xxd -i < src/ngx_http_routini_status.html \
		> src/ngx_http_routini_status_html.h
