#!/bin/sh
# Task tracing: AC_TRACE=FILE makes a program write, per await, its polls,
# time running and time pending, and per task its totals; `acc trace FILE`
# prints the slowest awaits with their .ac positions.  Without AC_TRACE
# nothing is written.  Programs: tests/trace/fetch.ac (sleeps of known
# lengths), tests/trace/dyn.ac (the same through an async function
# pointer) and samples/pipeline.ac.
. "$ROOT/tests/lib.sh"
set -u

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
cp "$ROOT/tests/trace/fetch.ac" "$ROOT/tests/trace/dyn.ac" "$ROOT/samples/pipeline.ac" .
for p in fetch dyn pipeline; do
  # shellcheck disable=SC2086
  "$ACC" cc -O2 $SAN $p.ac -o $p >build.log 2>&1 ||
    { bad "$p builds" "$(tail -3 build.log)"; summary trace; exit 1; }
done

./fetch >out.txt 2>&1
[ "$(cat out.txt)" = "30 60" ] && [ ! -e fetch.trace ] &&
  ok "without AC_TRACE: the right output and no trace file" ||
  bad "without AC_TRACE: the right output and no trace file" "$(cat out.txt)"

AC_TRACE=fetch.trace ./fetch >out.txt 2>&1
[ "$(cat out.txt)" = "30 60" ] && ok "with AC_TRACE: the same output" ||
  bad "with AC_TRACE: the same output" "$(cat out.txt)"
head -n 1 fetch.trace | grep -qx '# acc trace 1' &&
  ok "the trace file starts with its version" ||
  bad "the trace file starts with its version" "$(head -n 3 fetch.trace)"
# await<TAB>file<TAB>line<TAB>col<TAB>function<TAB>state<TAB>expr<TAB>polls<TAB>run<TAB>waits<TAB>pending<TAB>max
line=$(grep -P '^await\tfetch\.ac\t8\t3\tfetch\tAwaitingSleep\tac_sleep_ms\(ms\)\t' fetch.trace)
waits=$(echo "$line" | cut -f 10)
pending=$(echo "$line" | cut -f 11)
longest=$(echo "$line" | cut -f 12)
# Pending time runs from the end of the poll that armed a sleep, so a
# thread preempted between arming it and returning sees a shorter wait
# (85.8 of the 90 ms on a loaded machine): the bounds leave room for that.
if [ "$waits" = 5 ] && [ "${pending:-0}" -ge 60000000 ] &&
   [ "${longest:-0}" -ge 20000000 ]; then
  ok "the sleep in fetch: 5 waits, >= 60 of 90 ms pending, longest >= 20 of 30 ms"
else
  bad "the sleep in fetch: 5 waits, >= 60 of 90 ms pending, longest >= 20 of 30 ms" \
    "$line"
fi
grep -qP '^await\tfetch\.ac\t16\t3\twork\tAwaitingYield\tac_yield_now\(\)\t2\t' fetch.trace &&
  ok "the yield in work: polled twice (once per task)" ||
  bad "the yield in work: polled twice (once per task)" "$(cat fetch.trace)"
[ "$(grep -cP '^task\t[0-9]+\t(main|work)\tdone\t' fetch.trace)" = 2 ] &&
  ok "two tasks, main and work, both done" ||
  bad "two tasks, main and work, both done" "$(grep ^task fetch.trace)"

"$ACC" trace fetch.trace >report.txt 2>&1
sed -n 3p report.txt | grep -Eq ' 5 +[0-9.]+ ms .* fetch\.ac:8:3  fetch: await ac_sleep_ms\(ms\)$' &&
  ok "acc trace: the slowest await first, with its .ac position" ||
  bad "acc trace: the slowest await first, with its .ac position" \
    "$(cat report.txt)"
grep -Eq '^  work +1 +1 +[0-9]+ ' report.txt &&
  ok "acc trace: per function, the tasks that ran it" ||
  bad "acc trace: per function, the tasks that ran it" "$(cat report.txt)"
"$ACC" trace -n 1 fetch.trace | grep -c 'fetch\.ac:' | grep -qx 1 &&
  ok "acc trace -n 1: one await" || bad "acc trace -n 1: one await"
"$ACC" trace out.txt >/dev/null 2>err.txt
[ $? -eq 1 ] && grep -q "is not a trace written by AC_TRACE" err.txt &&
  ok "acc trace of another file: an error" ||
  bad "acc trace of another file: an error" "$(cat err.txt)"

AC_TRACE=dyn.trace ./dyn >out.txt 2>&1
if [ "$(cat out.txt)" = 60 ] &&
   grep -qP '^await\tdyn\.ac\t8\t3\tslow\tAwaitingSleep\tac_sleep_ms\(ms\)\t3\t[0-9]+\t3\t' dyn.trace &&
   ! grep -qP '\tAwaitingFp\t' dyn.trace; then
  ok "through an async function pointer: the waits go to the callee's sleep"
else
  bad "through an async function pointer: the waits go to the callee's sleep" \
    "$(cat out.txt dyn.trace)"
fi

AC_WORKERS=2 AC_TRACE=pipeline.trace ./pipeline >out.txt 2>&1 &&
  grep -q '^received 3000 numbers' out.txt &&
  ok "pipeline runs traced on two workers" ||
  bad "pipeline runs traced on two workers" "$(cat out.txt)"
grep -qP '^await\tpipeline\.ac\t30\t10\tconsume\tAwaitingMpscRecv\tac_mpsc_recv\(ch, &v\)\t' pipeline.trace &&
  grep -qP '^await\tpipeline\.ac\t18\t9\tproduce\tAwaitingMpscSend\t' pipeline.trace &&
  ok "pipeline's trace has the recv in consume and the send in produce" ||
  bad "pipeline's trace has the recv in consume and the send in produce" \
    "$(cat pipeline.trace)"
[ "$(grep -cP '^task\t[0-9]+\tproduce\tdone\t' pipeline.trace)" = 3 ] &&
  ok "pipeline's trace: three producer tasks" ||
  bad "pipeline's trace: three producer tasks" "$(grep ^task pipeline.trace)"
summary trace
