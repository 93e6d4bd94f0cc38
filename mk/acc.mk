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
#   ACCFLAGS   extra acc options, e.g. --no-line.  The preprocessor options
#              of CPPFLAGS and CFLAGS go to acc as well, as the compiler
#              gets them: -I, -D, -U, -include, -imacros, -isystem,
#              -iquote, -idirafter (glued or as two words) and -std=; shell
#              quoting holds, so -D'MSG="a b"' reaches both alike
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

# A shell command that leaves in "$@" the preprocessor options of CPPFLAGS
# and CFLAGS, each with its value.  The shell splits the flags, not make,
# so quoted values with spaces stay whole and a two-word option keeps its
# second word.
acc_pp_args = set -- $(CPPFLAGS) $(CFLAGS); n=$$\#; \
  while [ $$n -gt 0 ]; do \
    a=$$1; shift; n=$$((n - 1)); \
    case $$a in \
    -I|-D|-U|-include|-imacros|-isystem|-iquote|-idirafter) \
      [ $$n -gt 0 ] || break; \
      set -- "$$@" "$$a" "$$1"; shift; n=$$((n - 1)) ;; \
    -I*|-D*|-U*|-std=*|-include*|-imacros*|-isystem*|-iquote*|-idirafter*) \
      set -- "$$@" "$$a" ;; \
    esac; \
  done

# acc writes its output atomically, so an interrupted or failed run never
# leaves a half-written .c for the next make to trust.  The command is
# echoed with the options acc gets (make -s silences it, as any rule).
%.c: %.ac
	@$(acc_pp_args); \
	  set -- $(ACC) "$$@" $(ACCFLAGS) -MD -MF $*.ac.d -MT $@ -o $@ $<; \
	  $(acc_echo) "$$@"; "$$@"

acc_echo = $(if $(findstring s,$(firstword -$(MAKEFLAGS))),:,echo)

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
