#!/bin/sh
# A short run of `make check-valgrind`: the rt group of the differential
# suite (translated programs on the real runtime) under memcheck.  Skipped
# in instrumented builds: valgrind cannot run ASan or TSan binaries.
. "$ROOT/tests/lib.sh"
if [ -n "${SAN:-}" ]; then
  echo "valgrind_smoke: skipped under SAN='$SAN'"
  summary valgrind_smoke
  exit 0
fi
if ! command -v valgrind >/dev/null 2>&1; then
  bad "valgrind is installed" "run make deps"
  summary valgrind_smoke
  exit 1
fi
ACC_DIFF_ONLY='^rt/' ACC_DIFF_TIMEOUT=120 ACC_TEST_WRAP=$(echo $VALGRIND_CMD) \
  sh "$ROOT/tests/suites/diff.sh" | sed 's/^diff: \([0-9]* passed\)/valgrind_smoke: \1/'
