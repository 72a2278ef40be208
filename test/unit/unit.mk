# Route tree: unit tests, fuzzing and micro-benchmark.
#
# Included by the top Makefile, or on its own from the repository root:
#     make -f test/unit/unit.mk unit-test
#
# unit-test        C unit tests (gcc -O2 -Wall -Wextra -Werror), also with
#                  the lookup's switch instead of labels as values
# unit-test-asan   the same under AddressSanitizer and UBSan
# fuzz-tree        libFuzzer for FUZZ_SECONDS (default 60)
# bench-tree       timings and callgrind instructions per lookup, counted
#                  whole (see below)

# the benchmark route sets; ROUTINI_ROUTES_DIR (environment) may point
# elsewhere, the default is the copy in this repository
ROUTINI_ROUTES_DIR ?= test/data/routes
FUZZ_SECONDS ?= 60
BENCH_ITERATIONS ?= 2000000

UNIT_CC ?= gcc
UNIT_CFLAGS ?= -O2 -g -Wall -Wextra -Werror -std=c99 -D_POSIX_C_SOURCE=200809L
FUZZ_CC ?= clang
FUZZ_CFLAGS ?= -g -O1 -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=all

TREE_SRC = src/ngx_routini_tree.c src/ngx_routini_tree_freeze.c \
           src/ngx_routini_tree_lookup.c
TREE_DEPS = $(TREE_SRC) src/ngx_routini_tree.h src/ngx_routini_tree_private.h

.PHONY: unit-test unit-test-asan fuzz-tree bench-tree

build/unit/tree_test: test/unit/tree_test.c $(TREE_DEPS)
	@mkdir -p build/unit
	$(UNIT_CC) $(UNIT_CFLAGS) -Isrc -o $@ test/unit/tree_test.c $(TREE_SRC)

build/unit/tree_test_switch: test/unit/tree_test.c $(TREE_DEPS)
	@mkdir -p build/unit
	$(UNIT_CC) $(UNIT_CFLAGS) -DNGX_ROUTINI_GOTO=0 -Isrc -o $@ \
		test/unit/tree_test.c $(TREE_SRC)

build/unit/tree_test_asan: test/unit/tree_test.c $(TREE_DEPS)
	@mkdir -p build/unit
	$(UNIT_CC) $(UNIT_CFLAGS) -O1 -fsanitize=address,undefined \
		-fno-sanitize-recover=all -fno-omit-frame-pointer -Isrc -o $@ \
		test/unit/tree_test.c $(TREE_SRC)

unit-test: build/unit/tree_test build/unit/tree_test_switch
	build/unit/tree_test $(ROUTINI_ROUTES_DIR)
	build/unit/tree_test_switch $(ROUTINI_ROUTES_DIR)

unit-test-asan: build/unit/tree_test_asan
	build/unit/tree_test_asan $(ROUTINI_ROUTES_DIR)

build/fuzz/tree_fuzz: test/fuzz/tree_fuzz.c $(TREE_DEPS)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Isrc -o $@ test/fuzz/tree_fuzz.c $(TREE_SRC)

# new inputs go to build/fuzz/corpus; the seeds in git stay untouched
fuzz-tree: build/fuzz/tree_fuzz
	@mkdir -p build/fuzz/corpus build/fuzz/artifacts
	build/fuzz/tree_fuzz -max_total_time=$(FUZZ_SECONDS) \
		-dict=test/fuzz/tree.dict -artifact_prefix=build/fuzz/artifacts/ \
		build/fuzz/corpus test/fuzz/corpus/tree

build/bench/tree_bench: bench/tree_bench.c $(TREE_DEPS)
	@mkdir -p build/bench
	$(UNIT_CC) $(UNIT_CFLAGS) -Isrc -o $@ bench/tree_bench.c $(TREE_SRC)

# Callgrind counts the instructions of bench_lookup(), a jump to the lookup
# that is not inlined: all of the lookup, the helpers inlined into it from
# headers included.  The check: two runs of the whole program, with R and
# 2R rounds of the paths, differ by N lookups and N turns of the loop
# around them; less the loop's own instructions, the same count.
BENCH_SETS = $(ROUTINI_ROUTES_DIR)/github.routes \
             $(ROUTINI_ROUTES_DIR)/static.routes "--generate 10000" \
             "--generate 100000" --single --affix --misses

bench-tree: build/bench/tree_bench
	@for f in github static; do \
		build/bench/tree_bench $(ROUTINI_ROUTES_DIR)/$$f.routes \
			$(BENCH_ITERATIONS) || exit 1; \
	done
	@for n in 10000 100000; do \
		build/bench/tree_bench --generate $$n $(BENCH_ITERATIONS) \
			|| exit 1; \
	done
	@for a in --single --affix --misses; do \
		build/bench/tree_bench $$a $(BENCH_ITERATIONS) || exit 1; \
	done
	@echo "callgrind, instructions per lookup (check: whole program," \
		"2R less R rounds, less the loop):"
	@cg="valgrind --tool=callgrind --callgrind-out-file=build/bench/cg.out"; \
	total() { sed -n 's/^totals: *//p' build/bench/cg.out; }; \
	loop() { callgrind_annotate build/bench/cg.out \
		| sed -n 's/^ *\([0-9,]*\) .*:bench_lookup_loop .*/\1/p' \
		| head -1 | tr -d ,; }; \
	for a in $(BENCH_SETS); do \
		$$cg --toggle-collect=bench_lookup build/bench/tree_bench \
			--callgrind $$a > build/bench/cg.txt 2>/dev/null || exit 1; \
		ir=$$(total); \
		n=$$(sed -n 's/^lookups: *//p' build/bench/cg.txt); \
		r=$$(sed -n 's/^rounds: *//p' build/bench/cg.txt); \
		$$cg build/bench/tree_bench --callgrind $$a $$r \
			> /dev/null 2>&1 || exit 1; \
		t1=$$(total); l1=$$(loop); \
		$$cg build/bench/tree_bench --callgrind $$a $$((2 * r)) \
			> /dev/null 2>&1 || exit 1; \
		t2=$$(total); l2=$$(loop); \
		awk -v a="$$a" -v ir=$$ir -v n=$$n -v d=$$((t2 - t1 - l2 + l1)) \
			'BEGIN { printf "  %s: %.1f (check %.1f)\n", \
			a, ir / n, d / n }'; \
	done

