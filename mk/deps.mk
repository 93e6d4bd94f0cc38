# Debian packages.  Every make that builds something checks for them while
# the makefiles are read, before any rule runs: a prerequisite would race the
# compiler rules under `make -j` (flex used before apt-get installed it).
# `make deps` reports; sub-makes inherit ACC_DEPS_CHECKED and skip the check.

DEPS_FREE_GOALS := clean deps

ifndef ACC_DEPS_CHECKED
ifneq ($(filter-out $(DEPS_FREE_GOALS),$(or $(MAKECMDGOALS),all)),)
DEPS_STATUS := $(shell sh mk/deps.sh -q >&2; echo $$?)
ifneq ($(DEPS_STATUS),0)
$(error deps: the Debian packages above are missing (see mk/deps.sh))
endif
endif
export ACC_DEPS_CHECKED := 1
endif

deps:
	@sh mk/deps.sh
