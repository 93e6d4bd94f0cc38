#!/bin/sh
# The diagnostics suite: each tests/diag/NAME.ac is checked as
# `acc -fsyntax-only NAME.ac`, from inside tests/diag so file names print
# as written.  Its stderr must equal NAME.err exactly, and the exit status must
# be 1 if NAME.err has an error, 0 if it has none (ok_*.ac: accepted
# programs; a program that only gets warnings).
. "$ROOT/tests/lib.sh"

check="$ACC -fsyntax-only"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "checker: $check"
cd "$ROOT/tests/diag" || exit 1
for ac in *.ac; do
  name=${ac%.ac}
  $check "$ac" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  want=0
  grep -q ': error: ' "$name.err" && want=1
  if [ "$rc" -ne "$want" ]; then
    bad "$name" "exit status $rc, expected $want"
  elif ! diff -u "$name.err" "$tmp/err" >"$tmp/diff"; then
    bad "$name" "stderr differs"
    cat "$tmp/diff"
  elif [ -s "$tmp/out" ]; then
    bad "$name" "wrote to stdout"
  else
    ok "$name"
  fi
done
summary diagnostics
