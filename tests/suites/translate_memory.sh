#!/bin/sh
# A ceiling on acc's memory per input byte, on generated inputs
# (bench/translate/gen.c): its peak RSS (bench/translate/rusage.c) less
# that of a one-line file, per byte of the .ac.  The bounds are above
# what acc takes now and below what it took before the lowering freed
# each statement's copy and the parser each block's scope, each local's
# references went once its interval was known, and the output of one
# function went out as it grew (plain 2048: 91 bytes a byte before, 89
# after; `funcs 4000`: 199 before, 180 after, 186 with the references
# kept, 171 once the output's own strings went with each function's
# output; `awaits 10000`, one function with 10,000 awaits: 285 before,
# 253 after, 236 once the debug table also went out as it grew; earlier,
# before the token map's records went from 36 to 24 bytes and the
# oracle's body indexes were kept for one function at a time, 108 and
# 252); docs/benchmarks.md, "Translation", has the figures.  And
# no leak, under valgrind, from what runs for every statement of every
# async body.  Skipped under sanitizers and valgrind, which change the
# memory.
. "$ROOT/tests/lib.sh"
set -u

BUILD=${BUILD:-$ROOT/build}
ACC=${ACC:-$BUILD/acc}
if [ -n "${SAN:-}" ] || [ "${ACC_TEST_VALGRIND:-0}" = 1 ]; then
  echo "translate_memory: skipped under a sanitizer or valgrind"
  summary translate_memory
  exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cc -std=gnu11 -O2 -o "$T/gen" "$ROOT/bench/translate/gen.c" &&
  cc -std=gnu11 -O2 -o "$T/rusage" "$ROOT/bench/translate/rusage.c" ||
  { bad "gen and rusage build"; summary translate_memory; exit 1; }

# rss_kb FILE.ac: acc's peak RSS in KB translating it (empty on failure).
rss_kb() {
  "$T/rusage" "$ACC" "$1" -o "$T/out.c" 2>"$T/err" >/dev/null &&
    sed -nE 's/^rusage:.*maxrss_kb=([0-9]+).*/\1/p' "$T/err" | tail -n 1
}

printf 'async int main(void) { return 0; }\n' >"$T/tiny.ac"
base=$(rss_kb "$T/tiny.ac")
[ -n "$base" ] && ok "a one-line file translates ($base KB)" ||
  bad "a one-line file translates" "$(cat "$T/err")"

# check SHAPE N MAX: bytes of RSS over the base per input byte <= MAX.
check() {
  "$T/gen" "$1" "$2" >"$T/in.ac"
  size=$(wc -c <"$T/in.ac")
  kb=$(rss_kb "$T/in.ac")
  if [ -z "$kb" ] || [ -z "$base" ]; then
    bad "$1 $2 translates" "$(head -c 300 "$T/err")"
    return
  fi
  per=$(( (kb - base) * 1024 / size ))
  [ "$per" -le "$3" ] &&
    ok "$1 $2 ($size bytes): $per bytes of memory a byte, at most $3" ||
    bad "$1 $2 ($size bytes): $per bytes of memory a byte, at most $3"
}

check plain 2048 95
check funcs 4000 176
check awaits 10000 242

# What runs for every statement of every async body must not leave what
# it allocates for itself behind: the copy of the user's text
# (tokcopy.c), the poll's body indented line by line (emit_c.c), the
# oracle's spelling of the type of every name the lowering moves and the
# lowering's spelling of that name in the frame (one copy of each kept),
# the statements' copies the lowering formats into its steps, a block's
# scope, the oracle's edited erasure, the states' names in the debug
# tables, the signatures, declarations and operands each function's
# output formats for its lines (emit_c.c's scratch list), the debug
# tables' pointers to their children's tables.
# Each block valgrind finds lost is named by the first frame that is not
# the allocator or util.c's strings.
cat >"$T/copies.ac" <<'AC'
#include <ac.h>
#define TWICE(x) ((x) * 2)
static async int leaf(int x) { return x + 1; }
async int main(void) {
  int v = await leaf(TWICE(3));
  int w = TWICE(v) + await leaf(v);
  return v + w - 19;
}
AC
if command -v valgrind >/dev/null; then
  valgrind --leak-check=full --show-leak-kinds=definite "$ACC" \
    "$T/copies.ac" -o "$T/copies.c" 2>"$T/vg" >/dev/null
  lost=$(awk '/definitely lost in/ { want = 1; next }
    want && /by 0x[0-9A-F]+: / {
      if ($0 ~ /\(util\.c:/) next
      fn = $0; sub(/.*: /, "", fn); sub(/:[0-9]+\)$/, ")", fn)
      print fn; want = 0 }' "$T/vg" | sort | uniq -c)
  for f in 'ask (tokcopy.c)' 'add_repl (tokcopy.c)' 'out (emit_c.c)' \
           'leading_marks (emit_c.c)' 'drop_mark (oracle.c)' \
           'name_subst (lower_names.c)' 'slot_text (lower_names.c)' \
           'put_unit_with (tokcopy.c)' 'lower_copy (lower_copy.c)' \
           'lower_emit (lower_ir.c)' 'lower_find_rewrites (lower_copy.c)' \
           'ast_scope_open (ast_decl.c)' 'apply_edits (oracle.c)' \
           'camel (emit_names.c)' 'one_line (emit_names.c)' \
           'arg_names (emit_c.c)' 'await_seq (emit_c.c)' \
           'drop_sig (emit_c.c)' 'now_sig (emit_c.c)' 'mark_at (emit_c.c)' \
           'slot_decl (emit_c.c)' 'steps_text (emit_c.c)' \
           'typed_params (emit_c.c)' 'vtable (emit_c.c)' \
           'states (emit_debug.c)' 'emit_debug_table (emit_debug.c)' \
           'emit_debug_name (emit_debug.c)'; do
    if ! grep -q 'ERROR SUMMARY' "$T/vg"; then
      bad "no block lost from $f" "valgrind did not run: $(head -3 "$T/vg")"
    elif echo "$lost" | grep -qF "$f"; then
      bad "no block lost from $f" "$(echo "$lost" | grep -F "$f")"
    else ok "no block lost from $f"; fi
  done
fi
summary translate_memory
