# `make bench-peers`: W1-W6 as acc's .ac programs beside tokio, C++20
# coroutine, libuv and hand-written epoll peers, run interleaved (see
# bench/peers/run.sh and docs/benchmarks.md).  Not part of `make test`;
# installs the peers' Debian packages first (mk/deps.sh peers).
# Options: BENCH_RUNS (default 5), PEERS_ONLY="W1 W3".

.PHONY: bench-peers

bench-peers: $(ACC) $(LIBACRT)
	@sh mk/deps.sh -q peers
	BUILD=$(abspath $(BUILD)) ACC=$(abspath $(ACC)) CC='$(CC)' \
	  nice -n 10 sh bench/peers/run.sh $(or $(BENCH_RUNS),5)
