#!/bin/sh
# -Wblocking from the command line: on by default in `acc` and `acc cc`
# (which still translates, compiles and links), off with -Wno-blocking, an
# error with -Werror=blocking (nothing written, cc not run).  The warning
# texts and the cases that stay silent are in tests/diag
# (blocking_calls_in_async_body, ok_blocking_calls_where_they_do_not_block).
. "$ROOT/tests/lib.sh"
set -u

# Programs are built as the runtime was: check-asan sets SAN.
export CC="cc ${SAN:-}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
cat >nap.ac <<'AC'
#include <stdio.h>
#include <unistd.h>
#include <ac.h>
static async int nap(void) {
  usleep(1000);
  await ac_yield_now();
  return 7;
}
async int main(void) { printf("%d\n", await nap()); return 0; }
AC

# check NAME RC WARNINGS CMD...: exit status RC and WARNINGS lines that
# say [-Wblocking] (or [-Werror=blocking]) on stderr.
check() {
  name=$1 want_rc=$2 want_n=$3
  shift 3
  "$@" >"$T/out" 2>"$T/err"
  rc=$?
  n=$(grep -c 'usleep.*blocks the thread.*\[-W\(error=\)\{0,1\}blocking\]' "$T/err")
  if [ "$rc" -eq "$want_rc" ] && [ "$n" -eq "$want_n" ]; then ok "$name"; else
    bad "$name" "exit $rc (want $want_rc), $n warnings (want $want_n): $(head -c 400 "$T/err")"
  fi
}

check "acc warns about usleep in an async body and still translates" 0 1 \
  "$ACC" nap.ac -o nap.c
[ -s nap.c ] && ok "the translation is written despite the warning" ||
  bad "the translation is written despite the warning"
check "-Wno-blocking silences it" 0 0 "$ACC" -Wno-blocking nap.ac -o nap2.c
check "-Wblocking after -Wno-blocking turns it back on" 0 1 \
  "$ACC" -Wno-blocking -Wblocking -fsyntax-only nap.ac
rm -f nap3.c
check "-Werror=blocking makes it an error" 1 1 \
  "$ACC" -Werror=blocking nap.ac -o nap3.c
grep -q 'error: .usleep. blocks' "$T/err" && [ ! -e nap3.c ] &&
  ok "-Werror=blocking: reported as an error, nothing written" ||
  bad "-Werror=blocking: reported as an error, nothing written"
check "acc cc warns by default and builds" 0 1 "$ACC" cc nap.ac -o nap
[ "$(./nap)" = 7 ] && ok "the program acc cc built runs" ||
  bad "the program acc cc built runs"
check "acc cc -Wno-blocking: silent, and cc does not see the option" 0 0 \
  "$ACC" cc -Wno-blocking -Wall nap.ac -o nap
rm -f nap
check "acc cc -Werror=blocking fails before cc runs" 1 1 \
  "$ACC" cc -Werror=blocking nap.ac -o nap
[ ! -e nap ] && ok "acc cc -Werror=blocking: no program" ||
  bad "acc cc -Werror=blocking: no program"
check "acc cc -Werror applies to acc's warnings too" 1 1 \
  "$ACC" cc -Werror nap.ac -o nap
summary lint
