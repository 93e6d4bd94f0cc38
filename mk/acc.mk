# acc.mk: build `.ac` files (C with async/await) with make.
#
# Include it from your Makefile, then build as for C:
#
#   include /usr/local/share/acc/acc.mk   # or: $(shell pkg-config --variable=accmk acrt)
#   CPPFLAGS += $(ACC_CFLAGS)
#   LDLIBS   += $(ACC_LIBS)
#   server: server.o util.o               # server.ac, util.c
#
# `server.c` is made from `server.ac` by the rule below.  acc writes a
# dependency file beside it (`server.ac.d`), which is included here, so
# editing a header that `server.ac` includes retranslates it.
#
# Variables (set them before the include line to change them):
#   ACC        the translator (default: acc on the PATH)
#   ACCFLAGS   extra acc options, e.g. --no-line; the -I, -D, -U and -std=
#              words of CPPFLAGS and CFLAGS are passed to acc as well
#   ACC_SRCS   the .ac files whose dependency files to read
#              (default: the .ac files in the current folder)
#   ACC_CFLAGS, ACC_LIBS  the runtime's compile and link flags, from
#              `acc --cflags` and `acc --libs`

ACC      ?= acc
ACCFLAGS ?=
ACC_SRCS ?= $(wildcard *.ac)

ifndef ACC_CFLAGS
ACC_CFLAGS := $(shell $(ACC) --cflags 2>/dev/null)
endif
ifndef ACC_LIBS
ACC_LIBS := $(shell $(ACC) --libs 2>/dev/null)
endif

ACC_CPPFLAGS = $(filter -I% -D% -U% -std=%,$(CPPFLAGS) $(CFLAGS))

# acc writes its output atomically, so an interrupted or failed run never
# leaves a half-written .c for the next make to trust.
%.c: %.ac
	$(ACC) $(ACC_CPPFLAGS) $(ACCFLAGS) -MD -MF $*.ac.d -MT $@ -o $@ $<

# Keep the translations (they are what gdb and compiler messages show
# beside the #line-mapped .ac lines).  An empty .SECONDARY would mean every
# target, hence the guard.
ifneq ($(strip $(ACC_SRCS)),)
.SECONDARY: $(ACC_SRCS:.ac=.c)
endif

# The dependency files name targets; they must not become the default goal
# of a Makefile that includes this before its first rule.
acc_goal := $(.DEFAULT_GOAL)
-include $(wildcard $(ACC_SRCS:.ac=.ac.d))
.DEFAULT_GOAL := $(acc_goal)
