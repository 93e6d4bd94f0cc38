# `make check-faults`: the fault campaign of tests/faults/ at full size
# (allocation failure injected at every allocation of program.ac, fd
# exhaustion, signals during sleeps, SIGPIPE, the timer heap without
# memory, every misuse of a handle).  SAN='...' builds it instrumented:
#   make check-faults SAN='-fsanitize=address,undefined'
# (the faults_smoke suite runs a sample of it inside `make test`).

.PHONY: check-faults
check-faults: all
	@ACC=$(abspath $(ACC)) BUILD=$(abspath $(BUILD)) SAN='$(SAN)' \
	  ROOT=$(CURDIR) nice -n 10 sh tests/faults/run.sh full
