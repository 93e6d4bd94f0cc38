#!/bin/sh
# The runtime's criterion tests (tests/runtime/*.c), one binary.  Under
# TSan, Criterion itself cannot start (Snaipe/Criterion#274), so the same
# test files are built against a small stand-in (tests/tsan/) and
# the TSan build of libacrt, and a data race fails the test it occurs in.
. "$ROOT/tests/lib.sh"
case "${SAN:-}" in
*thread*)
  bin="$BUILD/tests/runtime_tests_tsan"
  mkdir -p "$BUILD/tests"
  if ! ${CC:-cc} -std=gnu11 -O1 -g $SAN -D_GNU_SOURCE \
      -I"$ROOT/tests/tsan" -I"$ROOT/runtime/include" \
      -I"$ROOT/runtime/src" -o "$bin" "$ROOT"/tests/runtime/*.c \
      "$ROOT/tests/tsan/runner.c" "$BUILD/libacrt.a" -lpthread; then
    echo "runtime: 0 passed, 1 failed"
    exit 1
  fi
  TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}" \
    run_criterion runtime "$bin"
  ;;
*)
  run_criterion runtime "$BUILD/tests/runtime_tests"
  ;;
esac
