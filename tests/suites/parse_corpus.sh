#!/bin/sh
# The parse corpus: every header under /usr/include, in all its folders,
# that `clang -fsyntax-only` accepts as the only #include of a C file must
# pass the front end (parse, oracle, sema) as an .ac file.  A header is
# included as `#include <REL>`, REL its path under /usr/include (or under
# the multiarch folder).  Prints "N of M" and fails on any header that
# clang accepts and acc does not.  mk/deps.sh installs the headers the
# issues named (libuv1-dev: uv.h names members and parameters `async`);
# whatever else /usr/include holds is covered as found.
# tests/parse_corpus.known may list a header ("REL issue N: why") that a
# machine may have and an open issue is about: reported, not counted; one
# that passes again is a failure until its line is removed.
#
# Batches keep it fast on a machine with thousands of headers:
# - clang's verdicts: one clang run checks 25 files (one per header), and
#   its messages say which failed.  A verdict does not change while the
#   header and clang do not, so they are kept in
#   build/parse_corpus/clang-verdicts (by path and mtime; ACC_CORPUS_CACHE
#   names another folder), shared by the plain and sanitizer builds, and
#   only new or changed headers are asked again;
# - acc: one run reads 25 accepted headers together when clang accepts
#   them together; when acc rejects a batch, or clang rejects the
#   combination, each of its headers is checked alone, so a failure
#   always names its header.
# ACC_CORPUS_JOBS runs at a time (default 2).
. "$ROOT/tests/lib.sh"

check="$ACC -fsyntax-only"
jobs=${ACC_CORPUS_JOBS:-2}
cache_dir=${ACC_CORPUS_CACHE:-$ROOT/build/parse_corpus}
cache="$cache_dir/clang-verdicts"
mkdir -p "$cache_dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "checker: $check"

# The headers: "REL MTIME", one per line.
multi=$(gcc -print-multiarch 2>/dev/null)
find /usr/include -name '*.h' -type f -printf '%P %T@\n' 2>/dev/null |
  sed "s|^${multi:-x86_64-linux-gnu}/||" | sort -u -k1,1 > "$tmp/headers"

# Verdicts still valid in the cache; the headers to ask clang about.
clang_id=$(clang --version 2>/dev/null | head -n 1)
[ -f "$cache" ] && [ "$(head -n 1 "$cache")" = "$clang_id" ] ||
  echo "$clang_id" > "$cache"
awk -v known="$tmp/known" -v ask="$tmp/ask" '
  NR == FNR { if (FNR > 1) { v[$3] = $1; t[$3] = $2 } next }
  ($1 in v) && t[$1] == $2 { print v[$1], $1 > known; next }
  { print $1 > ask }' "$cache" "$tmp/headers"
touch "$tmp/known" "$tmp/ask"

# ask.sh TMP REL...: "ok REL" or "no REL" for each header, from one clang
# run over one file per header (in its own folder).  The root file of each
# error says which header failed; if clang dies, each is asked alone.
cat > "$tmp/ask.sh" <<'EOF'
dir=$(mktemp -d -p "$1")
shift
i=0
for rel; do
  i=$((i + 1))
  printf '#include <%s>\n' "$rel" > "$dir/h$i.c"
  echo "h$i.c $rel" >> "$dir/names"
done
(cd "$dir" && clang -fsyntax-only -x c h*.c > /dev/null 2> errors)
rc=$?
if [ "$rc" -gt 1 ]; then
  while read -r f rel; do
    if (cd "$dir" && clang -fsyntax-only -x c "$f" > /dev/null 2>&1); then
      echo "ok $rel"; else echo "no $rel"; fi
  done < "$dir/names"
else
  awk '
    /^In file included from / { if (!chain) root = $5; chain = 1; next }
    /: (fatal )?error: / { split($1, a, ":"); r = a[1] ~ /^h[0-9]+\.c$/ ? a[1] : root
                           sub(/:.*/, "", r); bad[r] = 1 }
    { chain = 0 }
    END { for (r in bad) print r }' "$dir/errors" > "$dir/bad"
  awk 'FILENAME == ARGV[1] { bad[$1] = 1; next }
       { print ($1 in bad ? "no" : "ok"), $2 }' "$dir/bad" "$dir/names"
fi
rm -rf "$dir"
EOF
if [ -s "$tmp/ask" ]; then
  echo "parse corpus: asking clang about $(wc -l < "$tmp/ask") headers"
  xargs -P"$jobs" -n 25 sh "$tmp/ask.sh" "$tmp" < "$tmp/ask" > "$tmp/asked"
fi
touch "$tmp/asked"
{ echo "$clang_id"
  awk 'NR == FNR { m[$1] = $2; next } { print $1, m[$2], $2 }' \
    "$tmp/headers" "$tmp/known" "$tmp/asked"
} > "$cache.new" && mv "$cache.new" "$cache"

# check.sh TMP CHECK REL...: "ok REL" or "FAIL REL" and acc's first lines,
# for each header.
cat > "$tmp/check.sh" <<'EOF'
dir=$(mktemp -d -p "$1")
check=$2
shift 2
one() {
  printf '#include <%s>\n' "$1" > "$dir/one.ac"
  if $check "$dir/one.ac" > "$dir/one.out" 2>&1; then
    echo "ok $1"
  else
    echo "FAIL $1"
    head -n 5 "$dir/one.out"
  fi
}
for rel; do printf '#include <%s>\n' "$rel"; done > "$dir/all.ac"
if clang -fsyntax-only -x c "$dir/all.ac" > /dev/null 2>&1 &&
   $check "$dir/all.ac" > /dev/null 2>&1; then
  for rel; do echo "ok $rel"; done
else
  for rel; do one "$rel"; done
fi
rm -rf "$dir"
EOF
awk '$1 == "ok" { print $2 }' "$tmp/known" "$tmp/asked" | sort > "$tmp/accepted"
xargs -P"$jobs" -n 25 sh "$tmp/check.sh" "$tmp" "$check" < "$tmp/accepted" \
  > "$tmp/results"

total=$(wc -l < "$tmp/accepted")
good=$(grep -c '^ok ' "$tmp/results")
rejected=$(awk '$1 == "no"' "$tmp/known" "$tmp/asked" | wc -l)
grep -v '^ok ' "$tmp/results"
echo "parse corpus: $good of $total headers clang accepts ($rejected it rejects)"
PASS=$good FAIL=$((total - good))

# Known failures (tests/parse_corpus.known, see above): "known REL" for
# one that fails, "again REL" for one that passes.
awk 'NR == FNR { if ($1 !~ /^#/) k[$1] = 1; next }
     ($1 == "FAIL" || $1 == "ok") && ($2 in k) {
       print ($1 == "FAIL" ? "known" : "again"), $2 }' \
  "$ROOT/tests/parse_corpus.known" "$tmp/results" > "$tmp/listed"
while read -r verdict name; do
  if [ "$verdict" = known ]; then
    FAIL=$((FAIL - 1))
    echo "known: $(grep "^$name " "$ROOT/tests/parse_corpus.known")"
  else
    bad "$name passes now: remove it from tests/parse_corpus.known"
  fi
done < "$tmp/listed"
summary parse_corpus
