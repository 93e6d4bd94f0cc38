#!/bin/sh
# Runs every suite in tests/suites/ (or the ones named as arguments), shows
# each one's output, and ends with one line: "test: N passed, M failed".
# A suite is a shell script whose last line of output is
# "NAME: N passed, M failed"; it may exit non-zero on failures.
# Before the total it repeats each failing suite's failure lines, so the
# tail of a long log (all a CI page may show) names what failed.
# Environment: ACC (the translator), BUILD (the build folder), SAN.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export ACC BUILD SAN
export ROOT="$(cd "$here/.." && pwd)"

if [ $# -gt 0 ]; then
  suites=""
  for s in "$@"; do suites="$suites $here/suites/$s.sh"; done
else
  suites=$(ls "$here"/suites/*.sh 2>/dev/null)
fi

total_pass=0 total_fail=0 f=0
failures=$(mktemp)
for s in $suites; do
  name=$(basename "$s" .sh)
  echo "==== $name"
  log=$(mktemp)
  sh "$s" 2>&1 | tee "$log"
  last=$(grep -E '^[A-Za-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  if [ -z "$last" ]; then
    echo "$name: suite ended without a summary line; counted as 1 failure"
    total_fail=$((total_fail + 1))
  else
    p=$(echo "$last" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/')
    f=$(echo "$last" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/')
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
  fi
  if [ -z "$last" ] || [ "$f" -ne 0 ]; then
    echo "-- $name:" >> "$failures"
    lines=$(grep -E '\[FAIL\]|^FAIL |Assertion|failed|error:' "$log" | grep -v \
      -E '^[A-Za-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' | head -n 20)
    [ -n "$lines" ] || lines=$(tail -n 5 "$log")
    echo "$lines" >> "$failures"
  fi
  f=0
  rm -f "$log"
done

if [ -s "$failures" ]; then
  echo "==== failures"
  cat "$failures"
fi
rm -f "$failures"

echo "test: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
