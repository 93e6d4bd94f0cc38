#!/bin/sh
# The translator's files call each other in layers (docs/internals.md §6):
# the cross-file call graph of translator/*.c, from `nm` on the objects
# (tests/tools/callgraph.pl), has one cycle only, statement <-> expression
# lowering (a statement expression holds statements); the internal
# headers include each other without a cycle; and the graph that §6 shows
# is the one the objects have.  The checker itself is tried first on two
# objects that call each other, so that a cycle is shown to be found.
. "$ROOT/tests/lib.sh"
set -u

graph="perl $ROOT/tests/tools/callgraph.pl"
omit=util,diag,source,map   # acc.h's utilities, called from everywhere
tmp="$BUILD/tests/layering"
mkdir -p "$tmp"

# A planted back-call: a.c calls b.c, which calls a.c again.
printf 'int b(int);\nint a(int x) { return x ? b(x - 1) : 0; }\n' > "$tmp/a.c"
printf 'int a(int);\nint b(int x) { return a(x); }\n' > "$tmp/b.c"
${CC:-cc} -c -o "$tmp/a.o" "$tmp/a.c" && ${CC:-cc} -c -o "$tmp/b.o" "$tmp/b.c"
out=$($graph "$tmp/a.o" "$tmp/b.o" 2>&1 | tr -s ' ')
[ "$out" = "$(printf 'a -> b\nb -> a\ncycle: a b')" ] &&
  ok "the checker finds a planted back-call" ||
  bad "the checker finds a planted back-call" "$out"

objs=$(ls "$BUILD"/translator/*.o 2>/dev/null)
n=$(echo "$objs" | grep -c '\.o$')
if [ "$n" -lt 40 ]; then
  bad "translator objects in $BUILD/translator" "$n found"
  summary layering
  exit 1
fi
# shellcheck disable=SC2086
$graph -x $omit $objs > "$tmp/graph.txt" 2>&1 ||
  bad "callgraph.pl runs" "$(cat "$tmp/graph.txt")"
cycles=$(grep '^cycle: ' "$tmp/graph.txt" | grep -vx 'cycle: lower_expr lower_stmt')
[ -z "$cycles" ] &&
  ok "no call cycle among $n translator files but lower_stmt <-> lower_expr" ||
  bad "no call cycle but lower_stmt <-> lower_expr" "$cycles"

incl=$($graph -i "$ROOT"/translator/*.h | grep '^cycle: ')
[ -z "$incl" ] && ok "the translator's headers include each other without a cycle" ||
  bad "the translator's headers include each other without a cycle" "$incl"

# §6's graph: the lines between its two marker comments, blanks squeezed.
sed -n '/<!-- callgraph:begin -->/,/<!-- callgraph:end -->/p' \
  "$ROOT/docs/internals.md" | grep -v '^<!--\|^```' |
  awk '/^ / { sub(/^ +/, " "); line = line $0; next }
       { if (line != "") print line; line = $0 } END { if (line != "") print line }' |
  tr -s ' ' > "$tmp/doc.txt"
awk '/^ / { sub(/^ +/, " "); line = line $0; next }
     { if (line != "") print line; line = $0 } END { if (line != "") print line }' \
  "$tmp/graph.txt" | tr -s ' ' > "$tmp/code.txt"
if [ ! -s "$tmp/doc.txt" ]; then
  bad "docs/internals.md §6 shows the call graph" "no block between the callgraph markers"
elif diff -u "$tmp/doc.txt" "$tmp/code.txt" > "$tmp/doc.diff"; then
  ok "docs/internals.md §6 shows the call graph the objects have"
else
  bad "docs/internals.md §6 shows the call graph the objects have" \
    "$(cat "$tmp/doc.diff"; echo "(write in its place what this prints:"
       echo " perl tests/tools/callgraph.pl -x $omit $BUILD/translator/*.o)")"
fi
summary layering
