# libacrt: runtime/src/*.c behind runtime/include/ac.h, built as a static and
# a shared library.

LIBACRT     := $(BUILD)/libacrt.a
LIBACRT_SO  := $(BUILD)/libacrt.so
RT_CPPFLAGS := -Iruntime/include -Iruntime/src -D_GNU_SOURCE
RT_SRCS     := $(wildcard runtime/src/*.c)
RT_OBJS     := $(RT_SRCS:%.c=$(BUILD)/%.o)
RT_PIC_OBJS := $(RT_SRCS:%.c=$(BUILD)/pic/%.o)
RT_LIBS     := -lpthread

libacrt: $(LIBACRT) $(LIBACRT_SO)

$(LIBACRT): $(RT_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(LIBACRT_SO): $(RT_PIC_OBJS)
	$(CC) $(LDFLAGS) -shared -o $@ $^ $(RT_LIBS)

$(BUILD)/runtime/%.o: runtime/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(RT_CPPFLAGS) -c -o $@ $<

$(BUILD)/pic/runtime/%.o: runtime/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC $(RT_CPPFLAGS) -c -o $@ $<
