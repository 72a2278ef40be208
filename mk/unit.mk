# The pure C parts outside nginx: unit tests, libFuzzer harnesses and the
# route tree's micro-benchmark.  Included by the top Makefile.  One target
# per component:
#
#   unit-tree       route tree (test/unit/tree_test.c), also with the
#                   lookup's switch instead of labels as values
#   unit-tree-asan  the same under AddressSanitizer and UBSan
#   unit-json       the control API's JSON reader, plain and under ASan+UBSan
#   unit-balancer   balancer arithmetic: the ketama ring, the draws of the
#                   set of usable peers, the adaptive rule
#   unit-escape     Prometheus label and JSON string escaping
#   fuzz-tree, fuzz-json, fuzz-escape, fuzz-convert
#                   libFuzzer on test/fuzz/NAME_fuzz.c for FUZZ_SECONDS
#                   (convert: routini-convert's conversion, mk/convert.mk)
#   bench-tree      timings and callgrind instructions per lookup, counted
#                   whole (see below)
#   bench-balancer  callgrind instructions per decision of every strategy
#                   at 10, 100 and 1,000 peers, and per rebuild of the
#                   usable set after a change of flags (needs the module's
#                   build tree: make first)

# the route sets of the tree's tests and benchmark; ROUTINI_ROUTES_DIR
# (environment) may point elsewhere, the default is the copy in this
# repository
ROUTINI_ROUTES_DIR ?= test/data/routes
FUZZ_SECONDS ?= 60
BENCH_ITERATIONS ?= 2000000

UNIT_CC ?= gcc
UNIT_CFLAGS ?= -O2 -g -Wall -Wextra -Werror -std=c99 -D_POSIX_C_SOURCE=200809L
UNIT_ASAN_CFLAGS ?= -O1 -fsanitize=address,undefined \
                    -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CC ?= clang
FUZZ_CFLAGS ?= -g -O1 -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=all

# each component's sources, linked into its tests, fuzzer and benchmark
tree_SRC = src/ngx_routini_tree.c src/ngx_routini_tree_freeze.c \
           src/ngx_routini_tree_lookup.c
json_SRC = src/ngx_routini_json.c
balancer_SRC = src/ngx_http_routini_upstream_calc.c
escape_SRC = src/ngx_routini_escape.c

build/unit/tree_test build/unit/tree_test_switch build/unit/tree_test_asan \
build/fuzz/tree_fuzz build/bench/tree_bench: $(tree_SRC) \
        src/ngx_routini_tree.h src/ngx_routini_tree_private.h
build/unit/json_test build/unit/json_test_asan build/fuzz/json_fuzz: \
        $(json_SRC) src/ngx_routini_json.h
build/unit/balancer_test: $(balancer_SRC) src/ngx_http_routini_upstream_calc.h
build/unit/escape_test build/fuzz/escape_fuzz: $(escape_SRC) \
        src/ngx_routini_escape.h
build/fuzz/convert_fuzz: $(convert_SRC) tools/convert/rc.h \
        src/ngx_routini_json.h

.PHONY: unit-tree unit-tree-asan unit-json unit-balancer unit-escape \
        fuzz-tree fuzz-json fuzz-escape fuzz-convert bench-tree

build/unit/%_test: test/unit/%_test.c
	@mkdir -p $(@D)
	$(UNIT_CC) $(UNIT_CFLAGS) -Isrc -o $@ $< $($*_SRC)

build/unit/%_test_asan: test/unit/%_test.c
	@mkdir -p $(@D)
	$(UNIT_CC) $(UNIT_CFLAGS) $(UNIT_ASAN_CFLAGS) -Isrc -o $@ $< $($*_SRC)

build/unit/tree_test_switch: test/unit/tree_test.c
	@mkdir -p $(@D)
	$(UNIT_CC) $(UNIT_CFLAGS) -DNGX_ROUTINI_GOTO=0 -Isrc -o $@ $< $(tree_SRC)

unit-tree: build/unit/tree_test build/unit/tree_test_switch
	build/unit/tree_test $(ROUTINI_ROUTES_DIR)
	build/unit/tree_test_switch $(ROUTINI_ROUTES_DIR)

unit-tree-asan: build/unit/tree_test_asan
	build/unit/tree_test_asan $(ROUTINI_ROUTES_DIR)

unit-json: build/unit/json_test build/unit/json_test_asan
	build/unit/json_test
	build/unit/json_test_asan

unit-balancer: build/unit/balancer_test
	build/unit/balancer_test

unit-escape: build/unit/escape_test
	build/unit/escape_test

build/fuzz/%_fuzz: test/fuzz/%_fuzz.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Isrc -Itools/convert -o $@ $< $($*_SRC) \
		$($*_FUZZ_LIBS)

# libFuzzer options of a harness beyond the common ones
tree_FUZZ_OPTS = -dict=test/fuzz/tree.dict
json_FUZZ_OPTS = -max_len=20000
convert_FUZZ_OPTS = -max_len=20000 -dict=test/fuzz/convert.dict

# new inputs go to build/fuzz/corpus-NAME, findings to
# build/fuzz/artifacts-NAME; the seeds in git stay untouched
fuzz-tree fuzz-json fuzz-escape fuzz-convert: fuzz-%: build/fuzz/%_fuzz
	@mkdir -p build/fuzz/corpus-$* build/fuzz/artifacts-$*
	build/fuzz/$*_fuzz -max_total_time=$(FUZZ_SECONDS) $($*_FUZZ_OPTS) \
		-artifact_prefix=build/fuzz/artifacts-$*/ \
		build/fuzz/corpus-$* test/fuzz/corpus/$*

build/bench/tree_bench: bench/tree_bench.c
	@mkdir -p $(@D)
	$(UNIT_CC) $(UNIT_CFLAGS) -Isrc -o $@ $< $(tree_SRC)

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

# The balancer's decision through ngx_http_routini_choose(), the strategy
# file compiled with nginx's headers from the module's build tree:
# callgrind instructions per decision of each strategy at BENCH_PEERS
# peers, with none and half of them unusable, then per rebuild of the set
# of usable peers (bench/balancer_bench.c).
BENCH_PEERS ?= 10 100 1000
BENCH_DECISIONS ?= 20000
balancer_bench_SRC = src/ngx_http_routini_upstream_strategies.c $(balancer_SRC)
balancer_bench_INC = $(addprefix -I$(NGX_BUILD)/, objs src/core src/event \
                     src/event/modules src/os/unix src/http src/http/modules \
                     src/http/v2)

build/bench/balancer_bench: bench/balancer_bench.c $(balancer_bench_SRC) \
        src/ngx_http_routini_upstream_module.h \
        src/ngx_http_routini_upstream_calc.h $(NGX_BUILD)/objs/Makefile
	@mkdir -p $(@D)
	$(UNIT_CC) -O2 -g -Wall -Wextra -Wno-unused-parameter -Werror \
		-Isrc $(balancer_bench_INC) -o $@ $< $(balancer_bench_SRC)

.PHONY: bench-balancer
bench-balancer: build/bench/balancer_bench
	@echo "callgrind, instructions per decision ($(BENCH_DECISIONS)" \
		"decisions; half: of the peers unusable):"
	@printf '%-20s %6s %9s %14s %11s\n' strategy peers none \
		"half unhealthy" "half failed"
	@for s in round_robin random fnv_hash consistent fewest_connections \
			fastest adaptive; do \
		for n in $(BENCH_PEERS); do \
			line=$$(printf '%-20s %6s' $$s $$n); \
			for k in none unhealthy failed; do \
				valgrind --tool=callgrind \
					--callgrind-out-file=build/bench/cgb.out \
					--toggle-collect=bench_decide \
					build/bench/balancer_bench $$s $$n $$k \
					$(BENCH_DECISIONS) > build/bench/cgb.txt \
					2>/dev/null || { echo "$$s $$n $$k failed"; \
					cat build/bench/cgb.txt; exit 1; }; \
				ir=$$(sed -n 's/^totals: *//p' build/bench/cgb.out); \
				line="$$line $$(awk -v ir=$$ir -v n=$(BENCH_DECISIONS) \
					'BEGIN { printf "%9.0f", ir / n }')"; \
			done; \
			echo "$$line"; \
		done; \
	done
	@echo "the usable set rebuilt after a change of flags (once per" \
		"change, per worker), instructions:"
	@printf '%-20s %6s %9s %14s\n' "" peers none "half unhealthy"
	@for n in $(BENCH_PEERS); do \
		line=$$(printf '%-20s %6s' refresh $$n); \
		for k in none unhealthy; do \
			valgrind --tool=callgrind \
				--callgrind-out-file=build/bench/cgb.out \
				--toggle-collect=bench_refresh \
				build/bench/balancer_bench refresh $$n $$k 1000 \
				> build/bench/cgb.txt 2>/dev/null \
				|| { echo "refresh $$n $$k failed"; \
				cat build/bench/cgb.txt; exit 1; }; \
			ir=$$(sed -n 's/^totals: *//p' build/bench/cgb.out); \
			line="$$line $$(awk -v ir=$$ir \
				'BEGIN { printf "%9.0f", ir / 1000 }')"; \
		done; \
		echo "$$line"; \
	done
