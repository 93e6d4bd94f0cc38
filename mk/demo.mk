# `make demo`: translate, compile and run the seed program, then show the
# state machine acc made of it.

DEMO_DIR := $(BUILD)/demo

demo: all
	@mkdir -p $(DEMO_DIR)
	@echo "== samples/hello.ac"
	@cat samples/hello.ac
	@echo "== acc samples/hello.ac -o $(DEMO_DIR)/hello.c"
	$(ACC) samples/hello.ac -o $(DEMO_DIR)/hello.c
	$(CC) -std=c11 -Wall -Wextra -Iruntime/include -o $(DEMO_DIR)/hello \
	  $(DEMO_DIR)/hello.c $(LIBACRT) $(RT_LIBS)
	@echo "== running it"
	$(DEMO_DIR)/hello
	@echo "== its state machines (acc --emit=states samples/hello.ac)"
	$(ACC) --emit=states samples/hello.ac
