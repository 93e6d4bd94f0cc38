#!/bin/sh
# The gdb extension (gdb/acc.py, docs/cli.md "Debugging with gdb"), driven
# in batch mode over samples/pipeline.ac built by `acc cc -g -O0`: a
# breakpoint in `consume`, then acc-locals (source names, values, the live
# marks), acc-print with source names, the frame pretty-printer, acc-bt of
# the running task and of a stored task handle, acc-tasks (4 tasks, their
# states and innermost awaits), and acc-tasks again on a core file, where
# nothing can be called in the program.
. "$ROOT/tests/lib.sh"
set -u

if ! command -v gdb >/dev/null 2>&1; then
  bad "gdb is installed (mk/deps.sh installs it)"
  summary gdb
  exit 1
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
cp "$ROOT/samples/pipeline.ac" .
# shellcheck disable=SC2086
if ! "$ACC" cc -g -O0 $SAN pipeline.ac -o pipeline >build.log 2>&1; then
  bad "pipeline builds with -g" "$(tail -5 build.log)"
  summary gdb
  exit 1
fi
core_cmd="generate-core-file $T/core"
[ -n "$SAN" ] && core_cmd="echo"
sed "s|CORE_COMMAND|$core_cmd|" "$ROOT/tests/gdb/pipeline.gdb" >script.gdb
AC_WORKERS=1 timeout 120 gdb -nx -q -batch -ex "$("$ACC" --gdb-init)" \
  -x script.gdb ./pipeline >out.txt 2>&1

# part NAME: the output between the marker NAME and the next marker.
part() {
  awk -v m="==== $1" '$0 == m {on = 1; next} /^==== / {on = 0} on' out.txt
}
# want NAME PART REGEX: a line of that part matches the extended regex.
want() {
  if part "$2" | grep -Eq -- "$3"; then ok "$1"; else
    bad "$1" "no /$3/ in: $(part "$2" | head -c 600)"
  fi
}
# session_ended SESSION SHORT: out.txt's gdb session reached its last
# command ("==== end") and printed no Python error on the way.
session_ended() {
  if ! grep -q '^==== end' out.txt; then
    bad "$1 ran to its end" "$(tail -5 out.txt)"
  elif grep -E 'Python Exception|Error occurred in Python' out.txt; then
    bad "no Python errors in $2"
  else
    ok "$1 ran to its end without Python errors"
  fi
}
# value PART NAME: the value acc-locals printed for NAME.
value() {
  part "$1" | sed -nE "s/^[* ] $2 += (-?[0-9]+) .*/\\1/p" | head -n 1
}

want "acc-locals names the function, the .ac line and the resumed state" \
  locals-first '^consume running at pipeline\.ac:31, frame 0x[0-9a-f]+, resumed from AwaitingMpscRecv \(await ac_mpsc_recv\(ch, &v\) at pipeline\.ac:30:10\)'
want "acc-locals: a parameter by its source name, live" locals-first \
  '^\* ch +=  ?0x[0-9a-f]+  \(param, ac_mpsc_t \*\)$'
want "acc-locals: sum is 0 before the first value is added" locals-first \
  '^\* sum += 0  \(local, long\)$'
want "acc-locals: v, live across the recv" locals-first \
  '^\* v += -?[0-9]+  \(local, int\)$'
v1=$(value locals-first v)
s2=$(value locals-second sum)
v2=$(value locals-second v)
if [ -n "$v1" ] && [ "$s2" = "$v1" ]; then
  ok "acc-locals: after one more value, sum is the first v ($v1)"
else
  bad "acc-locals: after one more value, sum is the first v" "v1=$v1 sum2=$s2"
fi
want "acc-locals -a: the child future by what it awaits" locals-all \
  '^\* future of await ac_mpsc_recv_t at 30:10 += \{.*\}  \(child, ac_mpsc_recv_t\)$'
want "acc-locals -a: the await's value" locals-all \
  '^\* value of await ac_mpsc_recv_t at 30:10 += 0  \(temp, int\)$'
if [ -n "$s2" ] && [ -n "$v2" ] &&
   part print-source | grep -qx "$((s2 + v2))"; then
  ok "acc-print evaluates sum + v by source names ($((s2 + v2)))"
else
  bad "acc-print evaluates sum + v by source names" "$(part print-source)"
fi
want "print *ac__F shows the state and the live locals by source name" \
  print-frame "^\\\$[0-9]+ = consume frame, state AwaitingMpscRecv \\(await ac_mpsc_recv\\(ch, &v\\) at pipeline\\.ac:30:10\\) = \\{ch = 0x[0-9a-f]+, sum = $s2, v = $v2\\}"
want "acc-bt: the running level with its .ac line" bt-running \
  '^#0  consume running at pipeline\.ac:31  \(frame 0x[0-9a-f]+\)$'
want "acc-bt: the caller, its state and the await it is suspended at" \
  bt-running '^#1  main in AwaitingConsume, await consume\(ch\) at pipeline\.ac:45:14  \(frame 0x[0-9a-f]+\)$'
want "acc-tasks: main is running, in consume at line 31 (past its recv)" tasks \
  '^[0-9]+ +0x[0-9a-f]+ +running \(thread [0-9]+\) +main +consume: running at pipeline\.ac:31$'
n=$(part tasks | grep -Ec '^[0-9]+ +0x[0-9a-f]+ +(ready|waiting) +produce +produce: (Start|await (ac_mpsc_send\(ch, &v\) at pipeline\.ac:18:9|ac_yield_now\(\) at pipeline\.ac:21:7))$')
[ "$n" -eq 3 ] && ok "acc-tasks: three producers, each at Start or one of its awaits" ||
  bad "acc-tasks: three producers, each at Start or one of its awaits" "$(part tasks)"
want "acc-locals in main: an outer level, polling its child at its await" \
  main-locals '^main polling its child, frame 0x[0-9a-f]+, state AwaitingConsume \(await consume\(ch\) at pipeline\.ac:45:14\)$'
want "acc-locals in main: the task handles, live" main-locals \
  '^\* tasks += \{0x[0-9a-f]+, 0x[0-9a-f]+, 0x[0-9a-f]+\}  \(local, ac_task_t \*\[3\]\)$'
want "acc-locals in main: sum, set after the await of consume, is not live there" \
  main-locals '^  sum += <not live>  \(local, long\)$'
if part main-locals | grep -Eq '^[* ] n += '; then
  bad "acc-locals in main: n, used after every await, has no frame field"
else
  ok "acc-locals in main: n, used after every await, has no frame field"
fi
want "acc-bt of a stored task handle (a source name) shows its await" \
  bt-task '^#0  produce in Awaiting(MpscSend|Yield), await (ac_mpsc_send\(ch, &v\)|ac_yield_now\(\)) at pipeline\.ac:(18:9|21:7) on ac_(mpsc_send|yield)_t  \(frame 0x[0-9a-f]+\)$'
want "acc-locals of a stored task: its locals by name, live in its state" \
  task-locals '^#0 produce suspended, frame 0x[0-9a-f]+, state (Start|Awaiting(MpscSend|Yield) .*)$'
want "acc-locals of a stored task: a parameter's value" task-locals \
  '^\* ch +=  ?0x[0-9a-f]+  \(param, ac_mpsc_t \*\)$'
want "acc-bt of a frame address and its function" bt-frame \
  '^#0  consume in AwaitingMpscRecv, await ac_mpsc_recv\(ch, &v\) at pipeline\.ac:30:10 on ac_mpsc_recv_t'
session_ended "the gdb session" "the session"

# A core file: the same walk without a live process (not under the
# sanitizers, whose shadow memory would make the core file huge).
if [ -n "$SAN" ]; then
  ok "acc-tasks on a core file: skipped under $SAN"
elif [ -s core ]; then
  timeout 120 gdb -nx -q -batch -ex "$("$ACC" --gdb-init)" -ex acc-tasks \
    ./pipeline core >core.txt 2>&1
  n=$(grep -Ec '^[0-9]+ +0x[0-9a-f]+ +(ready|waiting|running \(thread [0-9]+\)) +(produce|main) ' core.txt)
  [ "$n" -eq 4 ] && ok "acc-tasks on a core file lists the 4 tasks" ||
    bad "acc-tasks on a core file lists the 4 tasks" "$(head -c 600 core.txt)"
else
  bad "gdb wrote a core file"
fi

# Combinators: tests/gdb/combinators.ac stops with one task in an ac_first
# (an async call against a sleep) and one in an ac_all (an async call two
# levels deep, a call through an async function pointer, and a sleep that
# is done); acc-bt and acc-tasks walk into each branch.
cp "$ROOT/tests/gdb/combinators.ac" .
# shellcheck disable=SC2086
if ! "$ACC" cc -g -O0 $SAN combinators.ac -o combinators >build2.log 2>&1; then
  bad "combinators.ac builds with -g" "$(tail -5 build2.log)"
  summary gdb
  exit 1
fi
AC_WORKERS=1 timeout 120 gdb -nx -q -batch -ex "$("$ACC" --gdb-init)" \
  -x "$ROOT/tests/gdb/combinators.gdb" ./combinators >out.txt 2>&1
want "acc-bt: an ac_first await, with its position" comb-bt-first \
  '^#0  race in AwaitingFirst, await ac_first\(v = wait_go\(10\), ac_sleep_ms\(600000\)\) at combinators\.ac:34:13  '
want "acc-bt: its first branch, an async call, and where that waits" \
  comb-bt-first '^    branch 0: v = wait_go\(10\) at combinators\.ac:34:28, waits in wait_go$'
want "acc-bt: the branch's own chain, indented" comb-bt-first \
  '^      #0  wait_go in AwaitingNotified, await ac_notified\(go\) at combinators\.ac:11:3 on ac_notified_t  '
want "acc-bt: a hand-written branch" comb-bt-first \
  '^    branch 1: ac_sleep_ms\(600000\) at combinators\.ac:34:45, on ac_sleep_t$'
want "acc-bt: the levels above the combinator" comb-bt-first \
  '^#1  outer in AwaitingRace, await race\(\) at combinators\.ac:38:40  '
want "acc-bt: an ac_all branch two levels deep, innermost first" comb-bt-all \
  '^      #1  deeper in AwaitingWaitGo, await wait_go\(x\) at combinators\.ac:15:43  '
want "acc-bt: a branch through an async function pointer" comb-bt-all \
  '^    branch 1: b = op\(2\) at combinator.\.ac:27:31, waits in wait_go$'
want "acc-bt: an ac_all branch that completed is done" comb-bt-all \
  '^    branch 2: c = nap\(0\) at combinators\.ac:27:42, done$'
want "acc-tasks: the innermost await of each running branch" comb-tasks \
  'outer +race: await ac_first\(.*\) at combinators\.ac:34:13 -> \[wait_go: await ac_notified\(go\) at combinators\.ac:11:3 \| ac_sleep_ms\(600000\) on ac_sleep_t\]$'
want "acc-locals of a task: the frames of every branch" comb-locals \
  '^#2 wait_go suspended, frame 0x[0-9a-f]+, state AwaitingNotified'
session_ended "the combinators gdb session" "the combinators session"

# A function without an await runs in f__now, on a frame of its own C
# stack, called from its awaits as the erasure calls it (docs/lowering.md
# §4): tests/gdb/dbg.ac stopped inside `one`, which fetch awaits.
cp "$ROOT/tests/gdb/dbg.ac" .
one=$(grep -n 'static async long one' dbg.ac | cut -d: -f1)
await_one=$(grep -n '// stmt awaits leaf_sum$' dbg.ac | cut -d: -f1)
# shellcheck disable=SC2086
if ! "$ACC" cc -g -O0 $SAN dbg.ac -o dbg >build3.log 2>&1; then
  bad "dbg.ac builds with -g" "$(tail -5 build3.log)"
  summary gdb
  exit 1
fi
printf 'break dbg.ac:%s\nrun\necho ==== now-bt\\n\nacc-bt\necho ==== now-locals\\n\nacc-locals\necho ==== end\\n\nkill\n' \
  "$one" > now.gdb
timeout 120 gdb -nx -q -batch -ex "$("$ACC" --gdb-init)" -x now.gdb ./dbg \
  >out.txt 2>&1
# Under ASan the frame lives on a fake stack that the function's prologue
# makes, and the breakpoint on its one line stops before it.
now_frame='frame 0x[0-9a-f]+'
[ -n "$SAN" ] && now_frame='frame not set up yet'
want "acc-bt in a function without an await: it runs at its line" now-bt \
  "^#0  one running at dbg\\.ac:$one  \\($now_frame\\)\$"
want "acc-bt in a function without an await: its caller awaits it" now-bt \
  "^#1  fetch in AwaitingOne, await one\\(n\\) at dbg\\.ac:$await_one:[0-9]+  "
if [ -n "$SAN" ]; then
  want "acc-locals in a function without an await: not set up yet under $SAN" \
    now-locals "frame is not set up yet"
else
  want "acc-locals in a function without an await: its parameter" now-locals \
    '^\* x += 3  \(param, long\)$'
fi
session_ended "the dbg.ac gdb session" "the dbg.ac session"

# Optimized: gcc -O1 inlines an f__run or f__now awaited once (the debug
# table does not take its address, emit_debug.c) and may keep no copy of
# a poll's frame pointer; acc-bt names the levels it finds, by name, and
# says so where a frame pointer is gone.
# shellcheck disable=SC2086
if ! "$ACC" cc -g -O1 $SAN dbg.ac -o dbg1 >build4.log 2>&1; then
  bad "dbg.ac builds with -g -O1" "$(tail -5 build4.log)"
  summary gdb
  exit 1
fi
timeout 120 gdb -nx -q -batch -ex "$("$ACC" --gdb-init)" -x now.gdb ./dbg1 \
  >out.txt 2>&1
want "acc-bt at -O1 in an inlined function without an await" now-bt \
  "^#0  one running at dbg\\.ac:$one  "
want "acc-bt at -O1: main awaits fetch" now-bt \
  "^#[0-9]+  main in AwaitingFetch, await fetch\\(3\\) at dbg\\.ac:[0-9]+:[0-9]+  "
session_ended "the dbg.ac -O1 gdb session" "the dbg.ac -O1 session"
summary gdb
