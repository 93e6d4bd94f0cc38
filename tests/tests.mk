# `make test`: builds the criterion binaries, then tests/run.sh runs every
# suite in tests/suites/ (each prints "NAME: N passed, M failed" last) and
# ends with the total.  check-asan and check-tsan run the same suite from an
# instrumented build in its own folder.

TEST_RT_SRCS := $(wildcard tests/runtime/*.c)
TEST_RT_BIN  := $(BUILD)/tests/runtime_tests
TEST_TR_SRCS := $(wildcard tests/translator/*.c)
TEST_TR_BIN  := $(BUILD)/tests/translator_tests
TEST_BINS    := $(if $(TEST_RT_SRCS),$(TEST_RT_BIN)) \
                $(if $(TEST_TR_SRCS),$(TEST_TR_BIN))
TEST_RT_OBJS := $(TEST_RT_SRCS:%.c=$(BUILD)/%.o)
TEST_TR_OBJS := $(TEST_TR_SRCS:%.c=$(BUILD)/%.o)
# The translator's objects minus its main(), for white-box tests.
TR_LIB_OBJS  := $(filter-out $(BUILD)/translator/main.o,$(TR_OBJS)) $(GR_OBJS)

# Under TSan, Criterion cannot start (tests/tsan/criterion/criterion.h says
# why): both test binaries are also built against that stand-in.
TEST_RT_TSAN_BIN  := $(BUILD)/tests/runtime_tests_tsan
TEST_RT_TSAN_OBJS := $(TEST_RT_SRCS:tests/runtime/%.c=$(BUILD)/tests/runtime_tsan/%.o) \
                     $(BUILD)/tests/tsan/runner.o
TEST_TR_TSAN_BIN  := $(BUILD)/tests/translator_tests_tsan
TEST_TR_TSAN_OBJS := $(TEST_TR_SRCS:tests/translator/%.c=$(BUILD)/tests/translator_tsan/%.o) \
                     $(BUILD)/tests/tsan/runner.o
ifneq ($(findstring thread,$(SAN)),)
TEST_BINS += $(TEST_RT_TSAN_BIN) $(TEST_TR_TSAN_BIN)
endif

test-bins: $(TEST_BINS)

test: all test-bins
	@ACC=$(abspath $(ACC)) BUILD=$(abspath $(BUILD)) SAN='$(SAN)' \
	  sh tests/run.sh $(SUITES)

$(TEST_RT_BIN): $(TEST_RT_OBJS) $(LIBACRT)
	$(CC) $(LDFLAGS) -o $@ $(TEST_RT_OBJS) $(LIBACRT) -lcriterion $(RT_LIBS)

$(TEST_TR_BIN): $(TEST_TR_OBJS) $(TR_LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ -lcriterion $(TR_LIBS)

$(TEST_RT_TSAN_BIN): $(TEST_RT_TSAN_OBJS) $(LIBACRT)
	$(CC) $(LDFLAGS) -o $@ $(TEST_RT_TSAN_OBJS) $(LIBACRT) $(RT_LIBS)

$(BUILD)/tests/runtime_tsan/%.o: tests/runtime/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-missing-prototypes -Itests/tsan $(RT_CPPFLAGS) \
	  -c -o $@ $<

$(TEST_TR_TSAN_BIN): $(TEST_TR_TSAN_OBJS) $(TR_LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(TR_LIBS)

$(BUILD)/tests/translator_tsan/%.o: tests/translator/%.c | $(GR_Y:grammar/%.y=$(BUILD)/grammar/%.c)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-missing-prototypes -Itests/tsan \
	  $(TR_CPPFLAGS) -c -o $@ $<

$(BUILD)/tests/tsan/runner.o: tests/tsan/runner.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/tsan -c -o $@ $<

$(BUILD)/tests/runtime/%.o: tests/runtime/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-missing-prototypes $(RT_CPPFLAGS) -c -o $@ $<

$(BUILD)/tests/translator/%.o: tests/translator/%.c | $(GR_Y:grammar/%.y=$(BUILD)/grammar/%.c)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-missing-prototypes $(TR_CPPFLAGS) -c -o $@ $<

ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=undefined
TSAN_FLAGS := -fsanitize=thread

check-asan:
	$(MAKE) BUILD=$(BUILD)-asan SAN='$(ASAN_FLAGS)' OPT='-O1 -g' test

check-tsan:
	$(MAKE) BUILD=$(BUILD)-tsan SAN='$(TSAN_FLAGS)' OPT='-O1 -g' test

# Memcheck (tests/lib.sh) over what runs acc's output and the runtime: the
# runtime's criterion tests, the samples and every translated program of
# the differential suite (its erasures run natively).
VALGRIND_SUITES ?= criterion_runtime samples diff toolbox runtime_ac samples_clients
check-valgrind: all test-bins
	@ACC=$(abspath $(ACC)) BUILD=$(abspath $(BUILD)) SAN= \
	  ACC_TEST_VALGRIND=1 ACC_DIFF_TIMEOUT=120 \
	  sh tests/run.sh $(VALGRIND_SUITES)

check: test
include tests/tools/tools.mk

# The translator fuzzer, long run: FUZZ_CASES mutated programs.
FUZZ_CASES ?= 5000
fuzz: acc
	ACC=$(abspath $(ACC)) BUILD=$(abspath $(BUILD)) \
	  sh tests/fuzz/run.sh $(FUZZ_CASES) $(or $(FUZZ_FIRST),1000)

.PHONY: fuzz
