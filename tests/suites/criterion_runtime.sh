#!/bin/sh
# The runtime's criterion tests (tests/runtime/*.c), one binary.
. "$ROOT/tests/lib.sh"
run_criterion runtime "$BUILD/tests/runtime_tests"
