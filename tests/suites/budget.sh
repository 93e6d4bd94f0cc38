#!/bin/sh
# Frame budgets and the layout manifest: --max-frame=N (an error naming
# the function, its size and the limit, then the layout of its largest
# state, a combinator's branches each by what it awaits; nothing
# written), the same through acc cc, a program under its
# budget untouched; --emit=json's largest live set; acc layout-diff of two
# builds (exit 0 when equal, 1 with the changes, 2 on bad input).  The
# pragma form is in tests/diag (frame_over_its_max_frame_pragma).
. "$ROOT/tests/lib.sh"
set -u

# Programs are built as the runtime was: check-asan sets SAN.
export CC="cc ${SAN:-}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
cat >big.ac <<'AC'
#include <string.h>
#include <ac.h>
static async int work(int n) {
  char buf[4096];
  memset(buf, n, sizeof buf);
  await ac_yield_now();
  return buf[n];
}
async int main(void) { return await work(1) == 1 ? 0 : 1; }
AC
sed 's/buf\[4096\]/buf[512]/' big.ac >smaller.ac

"$ACC" --max-frame=1024 big.ac -o big.c 2>err.txt
rc=$?
[ $rc -eq 1 ] && [ ! -e big.c ] && ok "--max-frame: a frame over it fails, nothing written" ||
  bad "--max-frame: a frame over it fails, nothing written" "exit $rc"
grep -qx "big.ac:3:18: error: the frame of async function 'work' is 4108 bytes, over its limit of 1024 bytes (--max-frame=1024)" err.txt &&
  ok "--max-frame: the error names the function, its size and the limit" ||
  bad "--max-frame: the error names the function, its size and the limit" "$(cat err.txt)"
grep -qx "big.ac:6:3: note: its largest state, AwaitingYield (await ac_yield_now() at 6:3), keeps 4108 bytes live:" err.txt &&
  grep -Eqx ' +8 +4096  local buf \(line 4\)' err.txt &&
  ok "--max-frame: the largest state's layout follows, by source name" ||
  bad "--max-frame: the largest state's layout follows, by source name" "$(cat err.txt)"
grep -q "'main' is 4120 bytes" err.txt &&
  ok "--max-frame: every function over it is reported (main embeds work)" ||
  bad "--max-frame: every function over it is reported (main embeds work)" "$(cat err.txt)"
"$ACC" --max-frame=8192 big.ac -o big.c 2>err.txt && [ -s big.c ] && [ ! -s err.txt ] &&
  ok "--max-frame: frames under it translate as before" ||
  bad "--max-frame: frames under it translate as before" "$(cat err.txt)"
"$ACC" cc --max-frame=1024 big.ac -o big 2>err.txt
[ $? -eq 1 ] && [ ! -e big ] && grep -q "over its limit of 1024 bytes" err.txt &&
  ok "acc cc --max-frame: fails before cc" ||
  bad "acc cc --max-frame: fails before cc" "$(cat err.txt)"
"$ACC" cc --max-frame=8192 big.ac -o big 2>err.txt && ./big &&
  ok "acc cc --max-frame under the limit: builds and runs (cc never sees it)" ||
  bad "acc cc --max-frame under the limit: builds and runs" "$(cat err.txt)"
"$ACC" --max-frame=0 big.ac 2>err.txt
[ $? -eq 2 ] && grep -q "'--max-frame=' takes a positive number of bytes" err.txt &&
  ok "--max-frame=0: usage error" || bad "--max-frame=0: usage error" "$(cat err.txt)"

cat >race.ac <<'AC'
#include <string.h>
#include <ac.h>
static async int big(int n) {
  char buf[2048];
  memset(buf, n, sizeof buf);
  await ac_yield_now();
  return buf[n];
}
async int main(void) {
  int v = 0;
  return await ac_first(v = big(1), ac_sleep_ms(10));
}
AC
"$ACC" --max-frame=1024 race.ac -o race.c 2>err.txt
grep -Eqx ' +[0-9]+ +20[0-9][0-9]  future of await big \(line 11\)' err.txt &&
  grep -Eqx ' +[0-9]+ +[0-9]+  future of await ac_sleep_t \(line 11\)' err.txt &&
  ok "--max-frame: a combinator's branches are named by what each awaits" ||
  bad "--max-frame: a combinator's branches are named by what each awaits" "$(cat err.txt)"

"$ACC" --emit=json big.ac >a.json && "$ACC" --emit=json smaller.ac >b.json
[ "$(jq '.functions[] | select(.name == "work") | .frame.largest_live_bytes' a.json)" = 4108 ] &&
  [ "$(jq '.functions[] | select(.name == "work") | .frame.largest_live_state' a.json)" = 1 ] &&
  ok "--emit=json: each frame's largest live set and its state" ||
  bad "--emit=json: each frame's largest live set and its state"
[ "$(jq -r '.functions[] | select(.name == "work") | .frame.fields[] | select(.kind == "local") | .source' a.json)" = buf ] &&
  ok "--emit=json: fields carry their source name" ||
  bad "--emit=json: fields carry their source name"
"$ACC" --emit=json big.ac >a2.json && cmp -s a.json a2.json &&
  ok "--emit=json is the same from run to run" ||
  bad "--emit=json is the same from run to run"

"$ACC" layout-diff a.json a2.json >diff.txt
[ $? -eq 0 ] && grep -qx '0 changed, 2 unchanged' diff.txt &&
  ok "layout-diff of equal builds: exit 0" || bad "layout-diff of equal builds: exit 0" "$(cat diff.txt)"
"$ACC" layout-diff -v a.json b.json >diff.txt
[ $? -eq 1 ] &&
  grep -qx '  ~ work: frame 4108 -> 524 (-3584), align 4, largest live set 4108 -> 524 (-3584), states 3' diff.txt &&
  grep -qx '      ~ buf 4096 -> 512 bytes' diff.txt &&
  grep -qx '2 changed, 0 unchanged' diff.txt &&
  ok "layout-diff: sizes before and after, and (-v) the field that shrank" ||
  bad "layout-diff: sizes before and after, and (-v) the field that shrank" "$(cat diff.txt)"
jq 'del(.functions[0])' a.json >one.json
"$ACC" layout-diff one.json a.json | grep -qx '  + work: new (frame 4108 bytes)' &&
  ok "layout-diff: a new function" || bad "layout-diff: a new function"
"$ACC" layout-diff big.ac a.json 2>err.txt
[ $? -eq 2 ] && ok "layout-diff of a file that is not JSON: exit 2" ||
  bad "layout-diff of a file that is not JSON: exit 2" "$(cat err.txt)"
summary budget
