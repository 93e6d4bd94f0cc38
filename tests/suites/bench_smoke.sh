#!/bin/sh
# The .ac benchmarks of bench/ac/ (W1-W4), built as bench/ac/run.sh builds
# them (acc, cc -O2, libacrt.a) for both executors and run with tiny counts:
# each result line must be well-formed, name the executor it was built for,
# and carry the checks (every task joined, every yield and round trip done,
# every sleeper asleep at the measurement and woken after); and
# bench/fnptr's rows, which must compute the same sums.  A few seconds.
. "$ROOT/tests/lib.sh"
set -u

BUILD=${BUILD:-$ROOT/build}
ACC=${ACC:-$BUILD/acc}
CC=${CC:-cc}
SRC=$ROOT/bench/ac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
inc="-I$ROOT/runtime/include -I$SRC"

# build PROG EXEC: $T/PROG-EXEC, and whether acc chose the executor.
build() {
  prog=$1 exec=$2 def=
  [ "$exec" = current ] && def=-DCURRENT_THREAD
  if ! "$ACC" $def $inc "$SRC/$prog.ac" -o "$T/$prog-$exec.c" 2>"$T/err"; then
    bad "$prog ($exec) translates" "$(head -c 400 "$T/err")"
    return
  fi
  flavor=AC_RT_MULTI_THREAD
  [ "$exec" = current ] && flavor=AC_RT_CURRENT_THREAD
  if grep -q "ac_runtime_main($flavor," "$T/$prog-$exec.c"; then
    ok "$prog ($exec): the pragma under #ifdef selects $flavor"
  else
    bad "$prog ($exec): the pragma under #ifdef selects $flavor" \
      "$(grep -o 'ac_runtime_main([A-Z_]*' "$T/$prog-$exec.c")"
  fi
  if $CC -std=gnu11 -O2 -Wall -Wextra ${SAN:-} $def $inc -o "$T/$prog-$exec" \
       "$T/$prog-$exec.c" "$BUILD/libacrt.a" -lpthread 2>"$T/err"; then
    ok "$prog ($exec) compiles"
  else
    bad "$prog ($exec) compiles" "$(head -c 400 "$T/err")"
  fi
}

# check NAME REGEX BIN ARGS...: runs BIN (20 s at most); it must exit 0 and
# print exactly one line matching REGEX.
check() {
  name=$1 re=$2 bin=$3
  shift 3
  if [ ! -x "$bin" ]; then
    bad "$name" "not built"
    return
  fi
  timeout 20 "$bin" "$@" >"$T/out" 2>"$T/err"
  rc=$?
  if [ $rc -eq 0 ] && [ "$(wc -l <"$T/out")" -eq 1 ] && grep -Eq "$re" "$T/out"; then
    ok "$name"
  else
    bad "$name" "exit $rc: $(head -c 300 "$T/out") $(head -c 300 "$T/err")"
  fi
}

num='[0-9]+(\.[0-9]+)?'
for exec in current multi; do
  for p in w1_spawn w2_yield w3_pingpong w4_sleep_memory; do build $p $exec; done
  check "W1 ($exec): 1000 tasks spawned and joined" \
    "^W1 exec=$exec tasks=1000 cpu_ns=$num wall_ns=$num sum=499500 check=ok\$" \
    "$T/w1_spawn-$exec" 1000 1
  check "W2a ($exec): 1 task x 1000 yields" \
    "^W2a exec=$exec tasks=1 yields=1000 cpu_ns=$num wall_ns=$num total=1000 check=ok\$" \
    "$T/w2_yield-$exec" 1 1000
  check "W2b ($exec): 20 tasks x 50 yields, all joined" \
    "^W2b exec=$exec tasks=20 yields=50 cpu_ns=$num wall_ns=$num total=1000 check=ok\$" \
    "$T/w2_yield-$exec" 20 50
  check "W3 ($exec): 1000 round trips, all echoed" \
    "^W3 exec=$exec trips=1000 cpu_ns=$num wall_ns=$num echoed=1000 check=ok\$" \
    "$T/w3_pingpong-$exec" 1000
  check "W4 ($exec): 1000 sleepers asleep at the measurement, all woken" \
    "^W4 exec=$exec tasks=1000 sleep_ms=300 bytes_per_task=-?$num peak_bytes_per_task=-?$num alloc=[1-9][0-9]* settle_ms=$num woke=1000 sum=499500 check=ok\$" \
    "$T/w4_sleep_memory-$exec" 1000 300
done
# bench/fnptr: an await through an async function pointer computes what
# the direct await computes, for an inline and a heap frame.
if "$ACC" -I"$ROOT/runtime/include" "$ROOT/bench/fnptr/awaits.ac" \
     -o "$T/awaits.c" 2>"$T/err" &&
   $CC -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror ${SAN:-} \
     -I"$ROOT/runtime/include" -o "$T/awaits" "$T/awaits.c" 2>>"$T/err"; then
  ok "fnptr: awaits.ac builds"
  for size in small big; do
    d=$("$T/awaits" direct-$size 1000 | sed -E 's/.*\(sum (.*)\)/\1/')
    p=$("$T/awaits" pointer-$size 1000 | sed -E 's/.*\(sum (.*)\)/\1/')
    if [ -n "$d" ] && [ "$d" = "$p" ]; then
      ok "fnptr ($size frame): through a pointer as direct ($p)"
    else
      bad "fnptr ($size frame): through a pointer as direct" "$d against $p"
    fi
  done
else
  bad "fnptr: awaits.ac builds" "$(head -c 400 "$T/err")"
fi

# A bad count is refused (exit 2, a message, no result line).
if [ -x "$T/w1_spawn-current" ]; then
  "$T/w1_spawn-current" 0 >"$T/out" 2>"$T/err"
  rc=$?
  if [ $rc -eq 2 ] && [ ! -s "$T/out" ] && [ -s "$T/err" ]; then
    ok "a bad count is refused"
  else
    bad "a bad count is refused" "exit $rc: $(cat "$T/out" "$T/err")"
  fi
fi

summary bench_smoke
