# `make bench`: the workloads (docs/benchmarks.md) W1-W4 and W6 on both
# executors as hand-made futures in the shape acc generates (the runtime
# alone), then W5 (bench/w5/) and W1-W4 as translated .ac programs
# (bench/ac/).  Options: BENCH_RUNS (default 5), BENCH_ONLY=W3.

BENCH_SRCS := $(wildcard bench/*.c)
BENCH_OBJS := $(BENCH_SRCS:%.c=$(BUILD)/%.o)
BENCH_BIN  := $(BUILD)/bench/acbench

bench: $(BENCH_BIN) bench-w5 bench-fnptr bench-ac bench-recursion bench-http bench-fileio
	$(BENCH_BIN)

# samples/http.ac against a plain epoll HTTP server under wrk (bench/http/).
bench-http: acc libacrt
	BUILD=$(abspath $(BUILD)) ACC=$(abspath $(ACC)) CC='$(CC)' \
	  sh bench/http/run.sh $(or $(BENCH_RUNS),3)

# File reads through the blocking pool against io_uring (bench/fileio/).
bench-fileio: $(BUILD)/bench/fileio
	$(BUILD)/bench/fileio $(or $(BENCH_RUNS),5)

$(BUILD)/bench/fileio: bench/fileio/fileio.c $(LIBACRT)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(RT_CPPFLAGS) -o $@ $< $(LIBACRT) -luring $(RT_LIBS)

.PHONY: bench-http bench-fileio

# W5: the translated chain of 10 async functions against plain calls.
bench-w5: acc libacrt
	ACC=$(abspath $(ACC)) BUILD=$(abspath $(BUILD)) sh bench/w5/run.sh

# An await through an async function pointer against a direct await.
bench-fnptr: acc
	ACC=$(abspath $(ACC)) BUILD=$(abspath $(BUILD)) sh bench/fnptr/run.sh \
	  $(or $(BENCH_RUNS),5)

.PHONY: bench-w5 bench-fnptr

# Async recursion: C stack per level and the deepest run in 8 MiB.
bench-recursion: acc libacrt
	ACC=$(abspath $(ACC)) BUILD=$(abspath $(BUILD)) sh bench/recursion/run.sh

.PHONY: bench-recursion

$(BENCH_BIN): $(BENCH_OBJS) $(LIBACRT)
	$(CC) $(LDFLAGS) -o $@ $(BENCH_OBJS) $(LIBACRT) $(RT_LIBS)

$(BUILD)/bench/%.o: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(RT_CPPFLAGS) -c -o $@ $<
