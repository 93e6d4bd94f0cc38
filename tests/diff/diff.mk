# The differential suite's long runs (the short ones are in `make test`
# through tests/suites/diff.sh and tests/suites/csmith.sh).  Included by the
# top Makefile: `include tests/diff/diff.mk`.
#
#   make fuzz-csmith                     csmith seeds 1..500 in three modes
#   make fuzz-csmith FUZZ_SEEDS="$(seq 1000 1999)"
#   make fuzz-gen FUZZ_GEN=1000          1000 programs from tests/diff/gen/gen.pl
#   make fuzz-gen FUZZ_GEN_FROM=3000     ... from seed 3000 on
#   make diff-asan                       the diff suite with ASan + UBSan
#
# Seeds whose csmith program does not finish in 5 s are skipped and counted.

FUZZ_SEEDS ?= $(shell seq 1 500)
FUZZ_GEN   ?= 1000
FUZZ_GEN_FROM ?= 1

.PHONY: fuzz-csmith fuzz-gen diff-asan

fuzz-csmith: acc libacrt
	@ROOT=$(CURDIR) ACC=$(abspath $(ACC)) BUILD=$(abspath $(BUILD)) SAN='$(SAN)' \
	  ACC_CSMITH_SEEDS='$(strip $(FUZZ_SEEDS))' sh tests/suites/csmith.sh

fuzz-gen: acc libacrt
	@ROOT=$(CURDIR) ACC=$(abspath $(ACC)) BUILD=$(abspath $(BUILD)) SAN='$(SAN)' \
	  ACC_DIFF_GEN=$(FUZZ_GEN) ACC_DIFF_GEN_FROM=$(FUZZ_GEN_FROM) ACC_DIFF_ONLY='gen/' sh tests/suites/diff.sh

diff-asan: acc libacrt
	@ROOT=$(CURDIR) ACC=$(abspath $(ACC)) BUILD=$(abspath $(BUILD)) \
	  SAN='-fsanitize=address,undefined -fno-sanitize-recover=undefined' \
	  sh tests/suites/diff.sh
