# Test tools of the front end.  parse_check runs cpp -> parse -> oracle ->
# sema on one file, as `acc -fsyntax-only` will, so the parse corpus and the
# diagnostics suite can run before (and independently of) the CLI.

PARSE_CHECK := $(BUILD)/tests/tools/parse_check

test-bins: $(PARSE_CHECK)

$(PARSE_CHECK): $(BUILD)/tests/tools/parse_check.o $(TR_LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(TR_LIBS)

$(BUILD)/tests/tools/%.o: tests/tools/%.c | $(GR_Y:grammar/%.y=$(BUILD)/grammar/%.c)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TR_CPPFLAGS) -c -o $@ $<
