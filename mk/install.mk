# `make install PREFIX=...`: the CLI, ac.h, libacrt, acrt.pc, acc.mk, acc.1.
# DESTDIR stages the tree elsewhere (for packaging); the prefix written into
# acrt.pc is PREFIX made absolute.  `make uninstall PREFIX=...` removes
# exactly these files.

INSTALL     ?= install
INST_PREFIX  = $(abspath $(PREFIX))
INST_ROOT    = $(DESTDIR)$(INST_PREFIX)
INST_FILES   = bin/acc include/ac.h lib/libacrt.a lib/libacrt.so \
               lib/$(LIBACRT_SONAME) lib/$(LIBACRT_REAL) \
               lib/pkgconfig/acrt.pc share/acc/acc.mk share/man/man1/acc.1 \
               share/acc/gdb/acc.py

.PHONY: uninstall

install: all
	$(INSTALL) -d $(INST_ROOT)/bin $(INST_ROOT)/include $(INST_ROOT)/lib/pkgconfig \
	  $(INST_ROOT)/share/acc $(INST_ROOT)/share/man/man1
	$(INSTALL) -m 755 $(ACC) $(INST_ROOT)/bin/acc
	$(INSTALL) -m 644 runtime/include/ac.h $(INST_ROOT)/include/ac.h
	$(INSTALL) -m 644 $(LIBACRT) $(INST_ROOT)/lib/libacrt.a
	$(INSTALL) -m 755 $(BUILD)/$(LIBACRT_REAL) $(INST_ROOT)/lib/$(LIBACRT_REAL)
	ln -sf $(LIBACRT_REAL) $(INST_ROOT)/lib/$(LIBACRT_SONAME)
	ln -sf $(LIBACRT_REAL) $(INST_ROOT)/lib/libacrt.so
	sed -e 's|@PREFIX@|$(INST_PREFIX)|g' -e 's|@VERSION@|$(ACC_VERSION)|g' \
	  -e 's|@LIBS@|$(RT_LIBS)|g' mk/acrt.pc.in > $(INST_ROOT)/lib/pkgconfig/acrt.pc
	$(INSTALL) -m 644 mk/acc.mk $(INST_ROOT)/share/acc/acc.mk
	$(INSTALL) -m 644 docs/acc.1 $(INST_ROOT)/share/man/man1/acc.1
	$(INSTALL) -d $(INST_ROOT)/share/acc/gdb
	$(INSTALL) -m 644 gdb/acc.py $(INST_ROOT)/share/acc/gdb/acc.py

uninstall:
	rm -f $(addprefix $(INST_ROOT)/,$(INST_FILES))
