# `make bench-translate`: acc's translation time and peak memory at growing
# sizes against clang -fsyntax-only, and gcc -O1 on the generated C against
# the sync erasure (see bench/translate/run.sh and docs/benchmarks.md).
# Not part of `make test`.  Options: BENCH_RUNS (default 3),
# TRANSLATE_ONLY="funcs awaits".

.PHONY: bench-translate

bench-translate: $(ACC)
	BUILD=$(abspath $(BUILD)) ACC=$(abspath $(ACC)) CC='$(CC)' \
	  nice -n 10 sh bench/translate/run.sh $(or $(BENCH_RUNS),3)
