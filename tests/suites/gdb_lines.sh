#!/bin/sh
# gdb_lines: line mapping as a debugger sees it (docs/lowering.md, "Line mapping"):
# tests/gdb/dbg.ac built with `acc cc -g -O0`, once with gcc and once with
# clang, then under gdb in batch mode:
# - `break dbg.ac:N` on every statement line of fetch() (the lines marked
#   `// stmt`) resolves to fetch__run (fetch returns a long, so its body
#   returns it: docs/lowering.md §4) at that line and nowhere else, and
#   the run stops at each of them, there;
# - from a breakpoint in the innermost of three nested awaits, `bt` shows
#   each async level's body function at dbg.ac and the line of its await;
# - no line of dbg.ac past its end is in the line table, and no temporary
#   path of `acc cc` is in the debug information;
# - a plain function of the .ac is at its .ac line.
. "$ROOT/tests/lib.sh"
set -u

if ! command -v gdb >/dev/null 2>&1; then
  bad "gdb" "gdb is not installed (mk/deps.sh lists it)"
  summary gdb_lines
  exit 1
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cp "$ROOT/tests/gdb/dbg.ac" "$T/"
cd "$T" || exit 1
src=dbg.ac
nlines=$(wc -l < "$src")
stmts=$(grep -n '[;{,] *// stmt' "$src" | cut -d: -f1)
deep=$(grep -n '// deepest$' "$src" | cut -d: -f1)
await_leaf=$(grep -n '// stmt awaits leaf_sum$' "$src" | cut -d: -f1)
await_fetch=$(grep -n '// awaits fetch$' "$src" | cut -d: -f1)
plain=$(grep -n '^static long plain_helper' "$src" | cut -d: -f1)

# Under the sanitizers (check-asan) libacrt is built by gcc with them, and
# the program must be too: clang's sanitizer runtime cannot load beside
# gcc's, so the clang build is left out there.
ccs="gcc clang"
[ -n "${SAN:-}" ] && ccs=gcc
for cc in $ccs; do
  # shellcheck disable=SC2086
  if ! CC=$cc "$ACC" cc -g -O0 ${SAN:-} -Wall -Wextra -Werror "$src" -o "dbg-$cc" \
       2> "build-$cc.err"; then
    bad "$cc: acc cc builds dbg.ac" "$(head -c 300 "build-$cc.err")"
    continue
  fi
  ok "$cc: acc cc builds dbg.ac"

  # Where each breakpoint resolves, and where the run stops.
  { for n in $stmts; do echo "break $src:$n"; done
    echo "info breakpoints"
    echo "run"
    for n in $stmts $stmts $stmts $stmts; do echo "frame"; echo "continue"; done
  } > stmts.gdb
  gdb -q -batch -x stmts.gdb "./dbg-$cc" > "stmts-$cc.out" 2>&1
  for n in $stmts; do
    locs=$(grep -E "(in|at) [^ ]+ at [^ ]*$src:$n\$" "stmts-$cc.out" |
           grep -cE "breakpoint|^[0-9]+\.[0-9]+ ")
    elsewhere=$(grep -E "^[0-9]+(\.[0-9]+)? .* in .* at " "stmts-$cc.out" |
                grep -E "$src:$n\$" | grep -vc " in fetch__run at ")
    hits=$(grep -cE "^#0  .*fetch__run \(.*\) at [^ ]*$src:$n\$" \
           "stmts-$cc.out")
    if [ "$locs" -ge 1 ] && [ "$elsewhere" -eq 0 ] && [ "$hits" -ge 1 ]; then
      ok "$cc: break $src:$n stops in fetch__run at line $n"
    else
      bad "$cc: break $src:$n" \
          "$locs location(s) at it, $elsewhere outside fetch__run, $hits stop(s) there"
    fi
  done
  wrong=$(grep -E "^#0 " "stmts-$cc.out" | grep -vcE "fetch__run .* at [^ ]*$src:")
  if [ "$wrong" -eq 0 ]; then
    ok "$cc: every stop is in fetch__run at a line of $src"
  else
    bad "$cc: every stop is in fetch__run" \
        "$(grep -E '^#0 ' "stmts-$cc.out" | grep -vE "fetch__run" | head -n 2)"
  fi

  # The backtrace from the innermost await.
  printf 'break %s:%s\nrun\nbt\n' "$src" "$deep" > bt.gdb
  gdb -q -batch -x bt.gdb "./dbg-$cc" > "bt-$cc.out" 2>&1
  f0=$(grep -cE "^#0  .*leaf_sum__run \(.*\) at [^ ]*$src:$deep\$" "bt-$cc.out")
  f1=$(grep -cE "^#1  .* in fetch__run \(.*\) at [^ ]*$src:$await_leaf\$" "bt-$cc.out")
  f2=$(grep -cE "^#2  .* in main__poll \(.*\) at [^ ]*$src:$await_fetch\$" "bt-$cc.out")
  if [ "$f0$f1$f2" = 111 ]; then
    ok "$cc: bt shows leaf_sum ($src:$deep), fetch ($src:$await_leaf), main ($src:$await_fetch)"
  else
    bad "$cc: bt through three awaits" "$(grep '^#[0-3] ' "bt-$cc.out" | head -n 4)"
  fi

  # The line table and the names in the debug information.
  readelf --debug-dump=decodedline "dbg-$cc" > "lines-$cc.out" 2>/dev/null
  past=$(awk -v f="$src" -v n="$nlines" '$1 == f && $2 ~ /^[0-9]+$/ && $2 > n' \
         "lines-$cc.out" | wc -l)
  if [ "$past" -eq 0 ]; then
    ok "$cc: no line of $src past its end ($nlines lines) in the line table"
  else
    bad "$cc: lines past the end of $src" "$past entries"
  fi
  if readelf --debug-dump=info,line "dbg-$cc" 2>/dev/null | grep -q '/acc-'; then
    bad "$cc: no temporary path in the debug information" \
        "$(readelf --debug-dump=info,line "dbg-$cc" | grep -m1 '/acc-')"
  else
    ok "$cc: no temporary path in the debug information"
  fi
  printf 'info line plain_helper\n' > plain.gdb
  gdb -q -batch -x plain.gdb "./dbg-$cc" > "plain-$cc.out" 2>&1
  if grep -qE "^Line $plain of \"[^\"]*$src\"" "plain-$cc.out"; then
    ok "$cc: the plain function plain_helper is at $src:$plain"
  else
    bad "$cc: plain_helper at $src:$plain" "$(head -n 1 "plain-$cc.out")"
  fi
done
summary gdb_lines
