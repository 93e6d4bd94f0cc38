#!/bin/sh
# The parse corpus: every header directly under /usr/include and
# /usr/include/x86_64-linux-gnu/sys that `clang -fsyntax-only` accepts as the
# only #include of a C file must pass the front end (parse + oracle + sema)
# as an .ac file.  Prints "N of M" and fails on any header that clang
# accepts and we do not.  Runs two files at a time.
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

total=$(grep -c '^ok \|^FAIL ' "$tmp/results")
good=$(grep -c '^ok ' "$tmp/results")
skipped=$(grep -c '^skip ' "$tmp/results")
grep -v '^ok \|^skip ' "$tmp/results"
echo "parse corpus: $good of $total headers clang accepts ($skipped it rejects)"
PASS=$good FAIL=$((total - good))
summary parse_corpus
