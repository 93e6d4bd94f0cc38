#!/bin/sh
# Liveness by last use (translator/live_locals.c): locals that live across
# no await get no frame field; a local is live only from its first write
# to its last read across a suspension (wider in loops, the whole scope
# when its address is taken); --emit=layout says why, in words.  Frame
# sizes of a reference program are checked exactly; tests/diff's
# locals_live_by_last_use checks that the programs still compute what
# their erasure computes.
. "$ROOT/tests/lib.sh"
set -u

# Programs are built as the runtime was: check-asan sets SAN.
export CC="cc ${SAN:-}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
cat >live.ac <<'AC'
#include <stdio.h>
#include <ac.h>
struct big { char bytes[1024]; long n; };
static struct big fill(long n) { struct big b = {{0}, n}; b.bytes[0] = 'a'; return b; }
static async long before_only(long n) {
  struct big b = fill(n);          /* used only before the first await */
  long a = b.n + b.bytes[0];
  printf("%ld\n", a);
  await ac_yield_now();
  long c = n + 1;                  /* set and used between two awaits */
  printf("%ld\n", c);
  await ac_yield_now();
  return n;
}
static async long across(long n) {
  long kept = n * 2;               /* set before the await, read after */
  long gone = n * 3;               /* last read before the await */
  printf("%ld\n", gone);
  await ac_yield_now();
  long sum = 0;
  for (int i = 0; i < 3; i++) {    /* i: read by the step after the await */
    sum += i;
    await ac_yield_now();
  }
  return kept + sum;
}
async int main(void) { return (int)(await before_only(1) + await across(2)) == 8 ? 0 : 1; }
AC
"$ACC" --emit=json live.ac >live.json 2>err.txt ||
  { bad "live.ac translates" "$(cat err.txt)"; summary liveness; exit 1; }
fields() {
  jq -r ".functions[] | select(.name == \"$1\") | [.frame.fields[] | select(.kind == \"local\") | .source] | join(\" \")" live.json
}
size() {
  jq -r ".functions[] | select(.name == \"$1\") | .frame.size" live.json
}
[ "$(fields before_only)" = "" ] &&
  ok "locals used only between awaits have no frame field" ||
  bad "locals used only between awaits have no frame field" "$(fields before_only)"
[ "$(size before_only)" -lt 64 ] &&
  ok "so the 1 KiB struct used before the first await is not in the frame ($(size before_only) bytes)" ||
  bad "so the 1 KiB struct used before the first await is not in the frame" "$(size before_only) bytes"
[ "$(fields across)" = "kept sum i" ] &&
  ok "kept, sum and the loop's i keep fields; gone does not" ||
  bad "kept, sum and the loop's i keep fields; gone does not" "$(fields across)"
live() {
  jq -c ".functions[] | select(.name == \"across\") | .frame.fields[] | select(.source == \"$1\") | .live_in_states" live.json
}
[ "$(live kept)" = "[1,2]" ] && [ "$(live sum)" = "[2]" ] && [ "$(live i)" = "[2]" ] &&
  ok "live sets by use: kept in 1 and 2, sum and i in 2" ||
  bad "live sets by use: kept in 1 and 2, sum and i in 2" "kept $(live kept) sum $(live sum) i $(live i)"

"$ACC" --emit=layout live.ac >layout.txt
grep -qx '    kept: state 1 AwaitingYield1 (await ac_yield_t at 19:3): set at line 16, used at line 25 after the await at 19:3' layout.txt &&
  ok "--emit=layout says which await a local crosses, where it is set and used" ||
  bad "--emit=layout says which await a local crosses, where it is set and used" "$(grep -A20 'why live' layout.txt | head -30)"
grep -Eq '^    i: state 2 AwaitingYield2 \(await ac_yield_t at 23:5\): used in the loop at lines 21-24 around the await at 23:5$' layout.txt &&
  ok "--emit=layout: a loop variable is live through its loop" ||
  bad "--emit=layout: a loop variable is live through its loop" "$(grep -A20 'why live' layout.txt | head -30)"
grep -q '^    n (param): in every state' layout.txt &&
  ok "--emit=layout: parameters live everywhere" ||
  bad "--emit=layout: parameters live everywhere"
"$ACC" cc live.ac -o live 2>err.txt && ./live >out.txt &&
  [ "$(cat out.txt)" = "$(printf '98\n2\n6\n')" ] &&
  ok "the program runs and prints what its locals held" ||
  bad "the program runs and prints what its locals held" "$(cat err.txt out.txt)"
summary liveness
