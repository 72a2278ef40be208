# Hardening: the suite under valgrind and under ASan + UBSan, and all the
# fuzzers.  Included by the top Makefile (include mk/hardening.mk).
#
# test-valgrind   the Test::Nginx suite, every nginx process under valgrind
#                 memcheck (util/valgrind.sh, logs in build/valgrind/logs)
# test-asan       nginx 1.22.1 from Debian's source tarball built with
#                 -fsanitize=address,undefined, the module linked in, and
#                 the suite run against it (util/asan.sh, build/asan)
# fuzz-all        every libFuzzer harness for FUZZ_SECONDS each, one after
#                 the other (util/fuzz-all.sh)
#
# docs/HARDENING.md says what each checks, what is suppressed and why.
# FUZZ_SECONDS and the harnesses' targets are in mk/unit.mk.

.PHONY: test-valgrind test-asan asan-nginx fuzz-all

test-valgrind: test-deps
	@$(MAKE) --no-print-directory module
	@bash util/valgrind.sh

asan-nginx:
	@bash util/asan.sh build

test-asan: test-deps
	@bash util/asan.sh test

fuzz-all:
	@bash util/fuzz-all.sh $(FUZZ_SECONDS)
