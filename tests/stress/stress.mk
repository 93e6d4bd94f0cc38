# `make check-stress`: the reliability stress runs of tests/stress/ at full
# size (1M tasks, the mpsc matrix, 100k timers, plain-thread senders), each
# printing its figures.  SAN='...' builds them instrumented, e.g.
#   make check-stress SAN='-fsanitize=address,undefined'
# (check-asan and check-tsan run the smoke version inside `make test`).

.PHONY: check-stress
check-stress: all
	@ACC=$(abspath $(ACC)) BUILD=$(abspath $(BUILD)) SAN='$(SAN)' \
	  ROOT=$(CURDIR) nice -n 10 sh tests/stress/run.sh full
