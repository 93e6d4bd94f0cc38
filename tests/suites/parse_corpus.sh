#!/bin/sh
# The parse corpus: every header under /usr/include, in all its folders,
# that `clang -fsyntax-only` accepts as the only #include of a C file must
# pass the front end (parse, oracle, sema) as an .ac file.  A header is
# included as `#include <REL>`, REL its path under /usr/include (or under
# the multiarch folder).  Prints "N of M" and fails on any header that
# clang accepts and acc does not.  mk/deps.sh installs the headers the
# issues named (libuv1-dev: uv.h names members and parameters `async`);
# whatever else /usr/include holds is covered as found.
#
# clang's verdict on a header does not change while the header and clang
# do not, so verdicts are kept in build/parse_corpus/clang-verdicts (by
# path and mtime; ACC_CORPUS_CACHE names another folder), shared by the
# plain and the sanitizer builds, and only new or changed headers are
# asked again; acc runs on every accepted header every time.
# ACC_CORPUS_JOBS at a time (default 2).
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
if [ -s "$tmp/ask" ]; then
  echo "parse corpus: asking clang about $(wc -l < "$tmp/ask") headers"
  xargs -P"$jobs" -n 25 sh -c '
    for rel; do
      f=$(mktemp -p "$0" XXXXXX.c)
      printf "#include <%s>\n" "$rel" > "$f"
      if clang -fsyntax-only -x c "$f" >/dev/null 2>&1; then
        echo "ok $rel"
      else
        echo "no $rel"
      fi
      rm -f "$f"
    done' "$tmp" < "$tmp/ask" > "$tmp/asked"
fi
touch "$tmp/asked"
{ echo "$clang_id"
  awk 'NR == FNR { m[$1] = $2; next } { print $1, m[$2], $2 }' \
    "$tmp/headers" "$tmp/known" "$tmp/asked"
} > "$cache.new" && mv "$cache.new" "$cache"

# acc on every header clang accepts: "ok REL" or "FAIL REL" and its
# first lines.
awk '$1 == "ok" { print $2 }' "$tmp/known" "$tmp/asked" | sort > "$tmp/accepted"
xargs -P"$jobs" -n 25 sh -c '
  check=$1 dir=$2
  shift 2
  for rel; do
    f=$(mktemp -p "$dir" XXXXXX.ac)
    printf "#include <%s>\n" "$rel" > "$f"
    if $check "$f" > "$f.out" 2>&1; then
      echo "ok $rel"
    else
      echo "FAIL $rel"
      head -n 5 "$f.out"
    fi
    rm -f "$f" "$f.out"
  done' sh "$check" "$tmp" < "$tmp/accepted" > "$tmp/results"

total=$(wc -l < "$tmp/accepted")
good=$(grep -c '^ok ' "$tmp/results")
rejected=$(awk '$1 == "no"' "$tmp/known" "$tmp/asked" | wc -l)
grep -v '^ok ' "$tmp/results"
echo "parse corpus: $good of $total headers clang accepts ($rejected it rejects)"
PASS=$good FAIL=$((total - good))
summary parse_corpus
