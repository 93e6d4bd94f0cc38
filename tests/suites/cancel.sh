#!/bin/sh
# The cancel-safety harness, `acc test --cancel`, on tests/cancel/leaky.ac:
# its worker holds a descriptor and a buffer across a sleep, so dropping it
# there leaks them; dropping it before its first poll does not.  tidy()
# holds nothing across its awaits: every drop passes.  Also: the count of
# polls it makes (AC_CANCEL_AT=0); tests/cancel/stuck.ac, where a drop
# leaves main waiting for ever (a hang caught by the timeout); usage.
. "$ROOT/tests/lib.sh"
set -u

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
cp "$ROOT/tests/cancel/leaky.ac" "$ROOT/tests/cancel/stuck.ac" .
for p in leaky stuck; do
  # shellcheck disable=SC2086
  "$ACC" cc -g $SAN $p.ac -o $p >build.log 2>&1 ||
    { bad "$p builds" "$(tail -3 build.log)"; summary cancel; exit 1; }
done

./leaky >out.txt 2>err.txt
[ "$(cat out.txt)" = "joined 1" ] && [ ! -s err.txt ] &&
  ok "without AC_CANCEL_AT the program runs as written, silently" ||
  bad "without AC_CANCEL_AT the program runs as written, silently" \
    "$(cat out.txt err.txt)"
AC_CANCEL_AT=0 ./leaky >out.txt 2>err.txt
grep -qx 'ac-cancel: polls 2' err.txt && [ "$(cat out.txt)" = "joined 1" ] &&
  ok "AC_CANCEL_AT=0 counts the worker's 2 polls and drops nothing" ||
  bad "AC_CANCEL_AT=0 counts the worker's 2 polls and drops nothing" \
    "$(cat out.txt err.txt)"

"$ACC" test --cancel ./leaky >report.txt 2>&1
rc=$?
[ $rc -eq 1 ] && ok "a leaking program fails the harness (exit 1)" ||
  bad "a leaking program fails the harness (exit 1)" "exit $rc: $(cat report.txt)"
grep -Eq '^drop at poll 1: worker in Start at leaky\.ac:11: ok; output differs$' report.txt &&
  ok "a drop before the first poll leaks nothing" ||
  bad "a drop before the first poll leaks nothing" "$(cat report.txt)"
grep -Eq '^drop at poll 2: worker in AwaitingSleep at leaky\.ac:14: FAIL; LEAK: 1 fd still open at exit' report.txt &&
  ok "a drop during the sleep: the leaked fd, with the state and .ac line" ||
  bad "a drop during the sleep: the leaked fd, with the state and .ac line" \
    "$(cat report.txt)"
case "$SAN" in
*address*)
  grep -q '^drop at poll 2: .*LEAK: memory' report.txt &&
    ok "under ASan: the leaked buffer too" ||
    bad "under ASan: the leaked buffer too" "$(cat report.txt)" ;;
esac
grep -Eq '^summary: 2 drops, 1 leaked, 0 hung, 0 crashed; 2 with output other than the uncancelled run.s$' report.txt &&
  ok "the summary counts the drops and the leak" ||
  bad "the summary counts the drops and the leak" "$(cat report.txt)"

"$ACC" test --cancel ./leaky tidy >report.txt 2>&1
rc=$?
[ $rc -eq 0 ] && [ "$(grep -c ': ok; ' report.txt)" = 3 ] &&
  grep -q '^drop at poll 3: tidy in AwaitingYield at leaky\.ac:25: ok' report.txt &&
  ok "a program that holds nothing across awaits passes every drop" ||
  bad "a program that holds nothing across awaits passes every drop" \
    "exit $rc: $(cat report.txt)"

"$ACC" test --cancel --task nosuch ./leaky >report.txt 2>&1
grep -q '^acc test --cancel: ./leaky: 0 polls of task .nosuch.' report.txt &&
  grep -q '^summary: 0 drops' report.txt &&
  ok "--task names the task to drop (none here)" ||
  bad "--task names the task to drop (none here)" "$(cat report.txt)"

"$ACC" test --cancel --timeout 3 ./stuck >report.txt 2>&1
rc=$?
[ $rc -eq 1 ] &&
  grep -Eq '^drop at poll 1: holder in Start at stuck\.ac:15: ok$' report.txt &&
  grep -Eq '^drop at poll 2: holder in AwaitingSleep at stuck\.ac:17: FAIL; HANG: no exit within the timeout$' report.txt &&
  grep -q '^summary: 2 drops, 0 leaked, 1 hung, 0 crashed' report.txt &&
  ok "a drop that leaves another task waiting for ever: a hang, with where it was dropped" ||
  bad "a drop that leaves another task waiting for ever: a hang, with where it was dropped" \
    "exit $rc: $(cat report.txt)"

printf '#!/bin/sh\nexec sleep 30\n' >hangs && chmod +x hangs
"$ACC" test --cancel --timeout 1 ./hangs >report.txt 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q 'did not finish within the timeout' report.txt &&
  ok "a program that hangs uncancelled: reported, exit 1" ||
  bad "a program that hangs uncancelled: reported, exit 1" "exit $rc: $(cat report.txt)"
"$ACC" test ./leaky >/dev/null 2>err.txt
[ $? -eq 2 ] && grep -q 'acc test has one mode: --cancel' err.txt &&
  ok "acc test without --cancel: usage error" ||
  bad "acc test without --cancel: usage error" "$(cat err.txt)"
summary cancel
