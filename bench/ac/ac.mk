# `make bench-ac`: W1-W4 (docs/benchmarks.md) as translated .ac programs, each row
# beside the hand-written future of bench/ measured in the same run (see
# bench/ac/run.sh).  Options: BENCH_RUNS (default 5), AC_WORKERS.
# Included from the top Makefile after bench/bench.mk; `bench` depends on
# bench-ac.

.PHONY: bench-ac

bench-ac: $(ACC) $(LIBACRT) $(BUILD)/bench/acbench
	BUILD=$(abspath $(BUILD)) ACC=$(abspath $(ACC)) CC='$(CC)' \
	  sh bench/ac/run.sh $(or $(BENCH_RUNS),5)
