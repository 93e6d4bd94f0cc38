#!/bin/sh
# A short run of `make check-valgrind`: the samples, the toolbox programs
# and the rt group of the differential suite (translated programs on the
# real runtime) under memcheck.  Skipped in instrumented builds: valgrind cannot run ASan or
# TSan binaries.
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
ACC_TEST_VALGRIND=1 ACC_DIFF_TIMEOUT=120 ACC_DIFF_ONLY='^rt/' \
  sh "$ROOT/tests/run.sh" samples diff toolbox | sed 's/^test: /valgrind_smoke: /'
