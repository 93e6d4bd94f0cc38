# `make install PREFIX=...`: the CLI, ac.h, libacrt, acrt.pc, acc.mk, acc.1.

install: all
	@echo "install: not written yet" >&2; exit 1
