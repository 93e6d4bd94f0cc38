#!/bin/sh
# The diagnostics suite: each tests/diag/NAME.ac is checked as
# `acc -fsyntax-only NAME.ac` would (the front end's parse_check until the
# CLI has -fsyntax-only), from inside tests/diag so file names print as
# written.  Its stderr must equal NAME.err exactly, and the exit status must
# be 1 if NAME.err is not empty, 0 if it is (ok_*.ac: accepted programs).
. "$ROOT/tests/lib.sh"

check=$BUILD/tests/tools/parse_check
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Switch to `acc -fsyntax-only` once the CLI runs the whole front end: it
# must reject a syntax error and an await outside an async function (sema),
# and accept a correct file.
printf 'int x = ;\n' > "$tmp/bad.ac"
printf 'async int f(void) { return 1; }\nint g(void) { return await f(); }\n' \
  > "$tmp/sema.ac"
printf 'int x = 1;\n' > "$tmp/good.ac"
if [ -x "$ACC" ] && ! "$ACC" -fsyntax-only "$tmp/bad.ac" 2>/dev/null &&
   ! "$ACC" -fsyntax-only "$tmp/sema.ac" 2>/dev/null &&
   "$ACC" -fsyntax-only "$tmp/good.ac" 2>/dev/null; then
  check="$ACC -fsyntax-only"
fi

echo "checker: $check"
cd "$ROOT/tests/diag" || exit 1
for ac in *.ac; do
  name=${ac%.ac}
  $check "$ac" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  want=1
  [ -s "$name.err" ] || want=0
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
