#!/bin/sh
# run.sh COUNT [FIRST_SEED]: the translator fuzzer.  Each case mutates one
# of the corpus programs (tests/diff, tests/diag, samples) and runs acc on
# it.  Whatever the input, acc must exit 0 or 1 (never crash, never 2),
# an exit 1 must come with a `file:line:col: error:` diagnostic, a failed
# run must leave no output file, and a translation that succeeds must
# compile with cc.  Failing inputs are kept in $BUILD/fuzz/failed/.
set -u
count=${1:-200}
first=${2:-1}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/tests/lib.sh"
BUILD=${BUILD:-$root/build}
ACC=${ACC:-$BUILD/acc}
work="$BUILD/fuzz"
rm -rf "$work" && mkdir -p "$work/failed"
set -- "$root"/tests/diff/*.ac "$root"/tests/diag/*.ac "$root"/samples/*.ac
nfiles=$#
crashes=0 nodiag=0 partial=0 nocompile=0 translated=0
seed=$first
while [ "$seed" -lt $((first + count)) ]; do
  idx=$(( (seed * 7919) % nfiles + 1 ))
  eval "src=\${$idx}"
  case_ac="$work/case.ac"
  perl "$here/mutate.pl" "$seed" "$src" > "$case_ac"
  rm -f "$work/case.c"
  "$ACC" -I"$root/tests/diff" "$case_ac" -o "$work/case.c" 2> "$work/err" >/dev/null
  rc=$?
  why=""
  if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
    why="exit $rc"; crashes=$((crashes + 1))
  elif [ $rc -eq 1 ] && ! grep -Eq '^[^:]*:[0-9]+:[0-9]+: (fatal )?error: ' "$work/err"; then
    why="exit 1 without a diagnostic"; nodiag=$((nodiag + 1))
  elif [ $rc -eq 1 ] && [ -e "$work/case.c" ]; then
    why="failed run left an output file"; partial=$((partial + 1))
  elif [ $rc -eq 0 ]; then
    translated=$((translated + 1))
    # harness_main.h's driver is hidden from acc (#ifndef __ACC__) and
    # names test_main__frame: errors only there mean the mutation renamed
    # or broke test_main, which acc cannot see, so they are not acc's.
    if ! cc -std=gnu11 -fsyntax-only -w -I"$root/tests/diff" \
         -I"$root/runtime/include" "$work/case.c" 2> "$work/ccerr" &&
       grep ': error:' "$work/ccerr" | grep -qv '/harness_main\.h:'; then
      why="translated, but cc rejects the output"; nocompile=$((nocompile + 1))
    fi
  fi
  if [ -n "$why" ]; then
    cp "$case_ac" "$work/failed/seed_$seed.ac"
    bad "seed $seed ($(basename "$src")): $why" "$(head -3 "$work/err" "$work/ccerr" 2>/dev/null | tr '\n' ' ' | cut -c1-300)"
  else
    PASS=$((PASS + 1))
  fi
  seed=$((seed + 1))
done
echo "fuzz: $count cases from seed $first; $translated translated, the rest rejected with a diagnostic"
summary fuzz
