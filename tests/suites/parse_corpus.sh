#!/bin/sh
# The parse corpus: every header directly under /usr/include and
# /usr/include/x86_64-linux-gnu/sys that `clang -fsyntax-only` accepts as the
# only #include of a C file must pass the front end (parse + oracle + sema)
# as an .ac file.  Prints "N of M" and fails on any header that clang
# accepts and we do not, unless tests/parse_corpus.known lists it.  Runs two files at a time.
. "$ROOT/tests/lib.sh"

check="$ACC -fsyntax-only"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "checker: $check"

for h in /usr/include/*.h /usr/include/x86_64-linux-gnu/sys/*.h; do
  rel=${h#/usr/include/}
  rel=${rel#x86_64-linux-gnu/}
  name=$(echo "$rel" | tr '/' '_')
  printf '#include <%s>\n' "$rel" > "$tmp/$name.ac"
done

# One line per header: "ok NAME", "skip NAME" (clang rejects it) or "FAIL".
ls "$tmp" | grep '\.h\.ac$' | xargs -P2 -I{} sh -c '
  f="$1/$2"
  if ! clang -fsyntax-only -x c "$f" >/dev/null 2>&1; then
    echo "skip $2"
  elif $3 "$f" >"$f.out" 2>&1; then
    echo "ok $2"
  else
    echo "FAIL $2"; head -n 5 "$f.out"
  fi' sh "$tmp" {} "$check" > "$tmp/results"

# Known failures (tests/parse_corpus.known: "NAME.h.ac issue N: why"), for
# a header a machine may have that an open issue is about: reported, not
# counted; one that passes again is a failure until its line is removed.
known="$ROOT/tests/parse_corpus.known"
is_known() { grep -q "^$1 " "$known" 2>/dev/null; }

total=$(grep -c '^ok \|^FAIL ' "$tmp/results")
good=$(grep -c '^ok ' "$tmp/results")
skipped=$(grep -c '^skip ' "$tmp/results")
grep -v '^ok \|^skip ' "$tmp/results"
echo "parse corpus: $good of $total headers clang accepts ($skipped it rejects)"
PASS=$good FAIL=$((total - good))
for name in $(sed -n 's/^FAIL //p' "$tmp/results"); do
  if is_known "$name"; then
    FAIL=$((FAIL - 1))
    echo "known: $(grep "^$name " "$known")"
  fi
done
for name in $(sed -n 's/^ok //p' "$tmp/results"); do
  is_known "$name" && bad "$name passes now: remove it from tests/parse_corpus.known"
done
summary parse_corpus
