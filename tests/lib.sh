# Helpers shared by the suites in tests/suites/.  Sourced, not run.

# run_criterion NAME BIN: runs a criterion binary and turns its synthesis
# line into "NAME: N passed, M failed".  A missing binary (no test sources
# yet) counts as zero tests.  ACC_TEST_WRAP (e.g. valgrind) runs the
# binary under that command.
run_criterion() {
  name=$1 bin=$2
  if [ ! -x "$bin" ]; then
    echo "$name: 0 passed, 0 failed"
    return 0
  fi
  out=$(mktemp)
  # shellcheck disable=SC2086
  ${ACC_TEST_WRAP:-} "$bin" --jobs=2 2>&1 | tee "$out"
  syn=$(grep 'Synthesis:' "$out" | tail -n 1)
  rm -f "$out"
  pass=$(echo "$syn" | sed -E 's/.*Passing: ([0-9]+).*/\1/')
  fail=$(echo "$syn" | sed -E 's/.*Failing: ([0-9]+).*/\1/')
  crash=$(echo "$syn" | sed -E 's/.*Crashing: ([0-9]+).*/\1/')
  [ -n "$syn" ] || { pass=0; fail=1; crash=0; }
  echo "$name: $pass passed, $((fail + crash)) failed"
  [ $((fail + crash)) -eq 0 ]
}

# Counters for hand-rolled suites: ok NAME / bad NAME WHY / summary NAME.
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "[PASS] $1"; }
bad() { FAIL=$((FAIL + 1)); echo "[FAIL] $1${2:+: $2}"; }
summary() { echo "$1: $PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; }

# Memcheck, for `make check-valgrind` (ACC_TEST_VALGRIND=1) and the
# valgrind_smoke suite: any error or definite leak makes the binary exit 99.
VALGRIND_CMD="valgrind -q --error-exitcode=99 --leak-check=full
  --errors-for-leak-kinds=definite --show-leak-kinds=definite"
if [ "${ACC_TEST_VALGRIND:-0}" = 1 ]; then
  ACC_TEST_WRAP=$(echo $VALGRIND_CMD)
  export ACC_TEST_WRAP
fi
