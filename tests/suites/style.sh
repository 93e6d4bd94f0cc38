#!/bin/sh
# The C sources keep the whitespace rules of docs/internals.md §7 (code
# style): indentation by spaces, no tab, no trailing blank, a newline at the
# end.  Layout beyond that is kept by review (§7 says why there is no
# formatter).  Fixtures that are a test's input keep what the test needs.
. "$ROOT/tests/lib.sh"
set -u

cd "$ROOT" || exit 1
files=$(git ls-files -- 'translator/*.[ch]' 'translator/*.cc' 'runtime/*.[ch]' \
  'tests/translator/*.[ch]' 'tests/runtime/*.[ch]' 'tests/tools/*.[ch]' \
  'bench/*.[ch]' 'grammar/*.l' 'grammar/*.y' 2>/dev/null |
  grep -v '^tests/runtime/ac/')
if [ -z "$files" ]; then
  ok "not a git checkout: nothing to check"
  summary style
  exit 0
fi
n=$(echo "$files" | wc -l)
tab=$(printf '\t')
hits=$(echo "$files" | xargs grep -nE "$tab" | head -n 5)
[ -z "$hits" ] && ok "no tab in $n C sources" || bad "no tab in C sources" "$hits"
hits=$(echo "$files" | xargs grep -nE ' +$' | head -n 5)
[ -z "$hits" ] && ok "no trailing blank in $n C sources" ||
  bad "no trailing blank in C sources" "$hits"
noeol=""
for f in $files; do
  [ -s "$f" ] && [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" != '\n' ] &&
    noeol="$noeol $f"
done
[ -z "$noeol" ] && ok "every C source ends with a newline" ||
  bad "every C source ends with a newline" "$noeol"
summary style
