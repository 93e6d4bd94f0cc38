# acc: async/await for C.  One Makefile for the whole tree; each part keeps
# its rules in a fragment beside its sources (runtime/runtime.mk,
# translator/translator.mk, tests/tests.mk), included below, so the parts can
# grow without editing each other's rules.  Every build output goes to
# $(BUILD) (ignored by git); `make clean` removes it and nothing else.

BUILD   ?= build
CC      ?= cc
PREFIX  ?= /usr/local
ACC_VERSION := $(shell sed -n 's/^\#define ACC_VERSION "\(.*\)"/\1/p' translator/acc.h)

# Warnings for our own code.  -Werror keeps the tree warning-free on both gcc
# and clang; generated C is held to -Wall -Wextra by the tests, not by this.
CWARNS  := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter
CSTD    := -std=gnu11
OPT     ?= -O2 -g
SAN     ?=
CFLAGS  := $(CSTD) $(OPT) $(CWARNS) $(SAN) -MMD -MP $(EXTRA_CFLAGS)
LDFLAGS := $(SAN) $(EXTRA_LDFLAGS)

.PHONY: all deps demo test check check-asan check-tsan check-valgrind check-stress check-faults bench install clean

all: acc libacrt

include mk/deps.mk
include runtime/runtime.mk
include translator/translator.mk
include tests/tests.mk
include mk/demo.mk
include mk/install.mk
include bench/bench.mk
include bench/ac/ac.mk
include bench/peers/peers.mk
include bench/translate/translate.mk
include tests/diff/diff.mk
include tests/stress/stress.mk
include tests/faults/faults.mk

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
