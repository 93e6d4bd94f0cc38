# The translator `acc`: translator/*.c plus the flex lexer and bison parser
# generated from grammar/.  Generated sources live in $(BUILD)/grammar.

ACC         := $(BUILD)/acc
LLVM_DIR    := /usr/lib/llvm-14
TR_CPPFLAGS := -Itranslator -I$(BUILD)/grammar -I$(LLVM_DIR)/include \
               -DACC_CLANG='"$(LLVM_DIR)/bin/clang"' \
               -DACC_RUNTIME_INCLUDE='"$(abspath runtime/include)"' \
               -DACC_RUNTIME_LIB='"$(abspath $(BUILD))"' \
               -DACC_GDB_SCRIPT='"$(abspath gdb/acc.py)"'
# The preprocessor runs inside acc through clang's C++ libraries
# (translator/preprocess.cc); Debian ships libclang-cpp without its .so
# link, so it is named by path.
TR_LIBS     := -L$(LLVM_DIR)/lib -Wl,-rpath,$(LLVM_DIR)/lib -lclang \
               $(LLVM_DIR)/lib/libclang-cpp.so.14 -lLLVM-14 -ljansson -lstdc++
CXX         ?= g++
TR_CXXFLAGS := -std=c++17 $(OPT) $(SAN) -MMD -MP -fno-rtti -fno-exceptions \
               -Wall -Wextra -Werror -Itranslator -isystem $(LLVM_DIR)/include \
               -DACC_CLANG='"$(LLVM_DIR)/bin/clang"'

TR_SRCS  := $(wildcard translator/*.c)
TR_OBJS  := $(TR_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/translator/preprocess.o
GR_Y     := $(wildcard grammar/*.y)
GR_L     := $(wildcard grammar/*.l)
GR_OBJS  := $(GR_Y:grammar/%.y=$(BUILD)/grammar/%.o) \
            $(GR_L:grammar/%.l=$(BUILD)/grammar/%.o)
# The generated scanner and parser are not held to our warning list.
GR_CFLAGS := $(CSTD) $(OPT) $(SAN) -MMD -MP -Wno-unused-function

acc: $(ACC)

$(ACC): $(TR_OBJS) $(GR_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(TR_LIBS)

# Objects of the translator depend on the generated parser header.
$(TR_OBJS): | $(GR_Y:grammar/%.y=$(BUILD)/grammar/%.c)

$(BUILD)/translator/%.o: translator/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TR_CPPFLAGS) -c -o $@ $<

$(BUILD)/translator/%.o: translator/%.cc
	@mkdir -p $(@D)
	$(CXX) $(TR_CXXFLAGS) -c -o $@ $<

$(BUILD)/grammar/%.c $(BUILD)/grammar/%.h: grammar/%.y
	@mkdir -p $(@D)
	bison -Wall -Werror --defines=$(BUILD)/grammar/$*.h -o $(BUILD)/grammar/$*.c $<

$(BUILD)/grammar/%.c: grammar/%.l $(GR_Y:grammar/%.y=$(BUILD)/grammar/%.h)
	@mkdir -p $(@D)
	flex --header-file=$(BUILD)/grammar/$*.h -o $@ $<

# Keep the generated sources: make would otherwise delete the scanner as an
# intermediate file, and a debugger stepping into it wants it there.
.SECONDARY: $(GR_Y:grammar/%.y=$(BUILD)/grammar/%.c) \
            $(GR_L:grammar/%.l=$(BUILD)/grammar/%.c)

$(BUILD)/grammar/%.o: $(BUILD)/grammar/%.c
	$(CC) $(GR_CFLAGS) $(TR_CPPFLAGS) -c -o $@ $<
