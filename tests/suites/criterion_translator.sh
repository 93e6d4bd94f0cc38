#!/bin/sh
# The translator's criterion tests (tests/translator/*.c), one binary.
. "$ROOT/tests/lib.sh"
run_criterion translator "$BUILD/tests/translator_tests"
