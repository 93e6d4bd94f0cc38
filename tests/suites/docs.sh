#!/bin/sh
# The docs stay true to the code: every checked example (a ```console
# block) of docs/*.md runs, and prints what the page shows
# (tests/tools/doc_examples.pl says how to write one); and no page or
# comment points outside the repository for its reference (the design
# notes the project started from are not part of it).
. "$ROOT/tests/lib.sh"
set -u

perl "$ROOT/tests/tools/doc_examples.pl" "$ROOT" "$BUILD" "$ACC" \
  "$ROOT"/docs/*.md > "$BUILD/docs-examples.log" 2>&1
cat "$BUILD/docs-examples.log"
line=$(tail -n 1 "$BUILD/docs-examples.log")
p=$(echo "$line" | sed -n 's/^docs: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
f=$(echo "$line" | sed -n 's/^docs: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
if [ -z "$p" ]; then bad "doc examples ran" "$line"; else
  PASS=$((PASS + p)) FAIL=$((FAIL + f))
  [ "$p" -gt 0 ] || bad "docs hold checked examples"
fi

outside=$(cd "$ROOT" && git grep -n 'DESIGN §\|DESIGN\.md\|/work/shared' 2>/dev/null \
  | grep -v '^tests/suites/docs.sh:')
[ -z "$outside" ] && ok "no reference points outside the repository" \
  || bad "no reference points outside the repository" "$outside"

summary docs
