#!/bin/sh
# The runtime's criterion tests (tests/runtime/*.c), one binary.  Under
# TSan, Criterion itself cannot start (Snaipe/Criterion#274): the same test
# files run against the stand-in in tests/tsan/, built by tests/tests.mk, and
# a data race fails the test it occurs in.
. "$ROOT/tests/lib.sh"
case "${SAN:-}" in
*thread*)
  TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}" \
    run_criterion runtime "$BUILD/tests/runtime_tests_tsan"
  ;;
*)
  run_criterion runtime "$BUILD/tests/runtime_tests"
  ;;
esac
