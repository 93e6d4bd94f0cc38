#!/bin/sh
# The translator's criterion tests (tests/translator/*.c), one binary.  Under
# TSan, Criterion itself cannot start (Snaipe/Criterion#274): the same test
# files run against the stand-in in tests/tsan/, built by tests/tests.mk.
. "$ROOT/tests/lib.sh"
case "${SAN:-}" in
*thread*)
  TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}" \
    run_criterion translator "$BUILD/tests/translator_tests_tsan"
  ;;
*)
  run_criterion translator "$BUILD/tests/translator_tests"
  ;;
esac
