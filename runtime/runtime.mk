# libacrt: runtime/src/*.c behind runtime/include/ac.h, built as a static and
# a shared library.
#
# The shared library is named as Debian's are: the file carries the full
# version (libacrt.so.0.3.0), its SONAME the ABI version (libacrt.so.1, what
# programs record and the loader looks for), and libacrt.so is the link-time
# name.  RT_ABI changes when ac.h changes in a way that breaks programs
# built against the old one (a struct users embed, a function's signature,
# an inline function's view of a runtime struct, an exported symbol gone).
# 1: the futures' structs and inline polls and drops of issue 15 (0.2.0).
# 0.3.0 keeps ABI 1 for programs built before and adds what new programs
# need (ac.h's inline recv completion reads the channel's layout and the
# handle's address bits): the name ac__mpsc_recv_poll_030, so that a new
# program refuses to load on an older libacrt.so.1 instead of misreading.

RT_ABI      := 1
LIBACRT     := $(BUILD)/libacrt.a
LIBACRT_SONAME := libacrt.so.$(RT_ABI)
LIBACRT_REAL   := libacrt.so.$(ACC_VERSION)
LIBACRT_SO  := $(BUILD)/libacrt.so
RT_CPPFLAGS := -Iruntime/include -Iruntime/src -D_GNU_SOURCE
RT_SRCS     := $(wildcard runtime/src/*.c)
RT_OBJS     := $(RT_SRCS:%.c=$(BUILD)/%.o)
RT_PIC_OBJS := $(RT_SRCS:%.c=$(BUILD)/pic/%.o)
RT_LIBS     := -lpthread
# Jumps kept off 32-byte boundaries where the compiler can (x86-64; the
# flag comes from mk/jump_align.sh, which the runtime_build suite asks
# too).  Intel's microcode for the JCC erratum (Skylake and its
# successors) keeps a jump that crosses or ends on such a boundary out of
# the decoded-uop cache; where the run loop's jumps happen to fall there,
# a yield cost 40% more for the same instructions (docs/runtime.md §11).
RT_ALIGN    := $(shell CC='$(CC)' sh mk/jump_align.sh)
# The run loop's two copies (sched.c) start on a cache line: with the same
# instructions, where the loop happened to fall moved W2a and W2b by 4-15%
# between builds (docs/benchmarks.md, "the yield ring").
$(BUILD)/runtime/src/sched.o $(BUILD)/pic/runtime/src/sched.o: RT_ALIGN += -falign-loops=64

libacrt: $(LIBACRT) $(LIBACRT_SO)

$(LIBACRT): $(RT_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/$(LIBACRT_REAL): $(RT_PIC_OBJS)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,$(LIBACRT_SONAME) -o $@ $^ $(RT_LIBS)

$(LIBACRT_SO): $(BUILD)/$(LIBACRT_REAL)
	ln -sf $(LIBACRT_REAL) $(BUILD)/$(LIBACRT_SONAME)
	ln -sf $(LIBACRT_REAL) $@

$(BUILD)/runtime/%.o: runtime/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(RT_ALIGN) $(RT_CPPFLAGS) -c -o $@ $<

$(BUILD)/pic/runtime/%.o: runtime/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(RT_ALIGN) -fPIC $(RT_CPPFLAGS) -c -o $@ $<
