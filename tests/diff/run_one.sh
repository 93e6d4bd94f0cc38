#!/bin/sh
# run_one.sh: runs one program of the differential suite in every mode and
# prints exactly one result line:
#   [PASS] NAME
#   [FAIL] NAME: MODE: what differed, with a diff excerpt
#   [XFAIL] NAME: MODE: ...   (an async mode failed while ACC_DIFF_EXPECT_ASYNC=0)
#   [SKIP] NAME: why          (the rt group without the runtime's support)
#
#   sh run_one.sh PROGRAM.ac NAME PROFILE
#
# PROGRAM may be a folder (PROFILE "multi", or "rt"): every .ac in it is one
# translation unit, headers beside them are shared.
# PROFILE: "selftest" (a hand-translated C program: checks the harness and
# the leaves without acc), "diff" (tests/diff and generated programs: -Wall -Wextra -Werror,
# own harness), "rt" (same, linked with libacrt, real async main), "csmith"
# (csmith's runtime headers, warnings off: csmith's code is not ours).
# Every translation is built with $CC (default cc) and with the other of
# gcc and clang, and both builds run.
# Environment: ROOT, BUILD, ACC, SAN, ACC_DIFF_EXPECT_ASYNC (default 1),
# ACC_DIFF_ACC_SYNC (1: also run acc --emit=sync's erasure), ACC_DIFF_SEEDS
# (the suspending seeds, default "1 2 3"), ACC_DIFF_RT_OK (1: the runtime
# supports the rt group), ACC_DIFF_TIMEOUT (seconds per run, default 10),
# ACC_DIFF_DROPS (drop test_main after K polls, for each K; default
# "1 2 5 13"; not for the rt group, whose main is the runtime's), ACC_TEST_WRAP
# (a command to run each translated binary under, e.g. valgrind).
set -u
src=$1 name=$2 profile=$3
expect_async=${ACC_DIFF_EXPECT_ASYNC:-1}
seeds=${ACC_DIFF_SEEDS:-1 2 3}
tmo=${ACC_DIFF_TIMEOUT:-10}
CC=${CC:-cc}
dir="$BUILD/diff/$name"
rm -rf "$dir" && mkdir -p "$dir"
here="$ROOT/tests/diff"
status="$dir/status"

case $profile in
  csmith)
    warn="-w"
    incs="-I$here -I/usr/include/csmith -I$ROOT/runtime/include"
    libs="" ;;
  rt)
    warn="-Wall -Wextra -Werror"
    incs="-I$here -I$here/rt -I$ROOT/runtime/include"
    libs="$BUILD/libacrt.a -lpthread" ;;
  multi)
    warn="-Wall -Wextra -Werror"
    incs="-I$src -I$here -I$ROOT/runtime/include"
    libs="" ;;
  *)
    warn="-Wall -Wextra -Werror"
    incs="-I$here -I$ROOT/runtime/include"
    libs="" ;;
esac
[ -d "$src" ] && [ "$profile" != multi ] && incs="-I$src $incs"
cflags="-std=c11 $warn $incs ${SAN:-}"

# excerpt FILE: the first lines of a file, indented and cut short, for a
# result line.
excerpt() { sed -n '1,12p' "$1" | cut -c1-200 | sed 's/^/    /'; }

# Each result is written with one printf (under 4 KiB, so one atomic write
# to the pipe): the lines of programs run in parallel do not interleave.
pass() { echo "[PASS] $name"; echo pass > "$status"; exit 0; }
fail() {
  msg=$(printf '[FAIL] %s: %s' "$name" "$1"
        [ -n "${2:-}" ] && printf '\n%s' "$(excerpt "$2")")
  printf '%s\n' "$msg"
  echo fail > "$status"; exit 0
}
skip() { echo "[SKIP] $name: $1"; echo skip > "$status"; exit 0; }
# An async-mode failure: a failure, or an expected one when the translator
# is not yet required to work.
afail() {
  if [ "$expect_async" = 0 ]; then
    printf '[XFAIL] %s: %s\n' "$name" "$1"; echo xfail > "$status"; exit 0
  fi
  fail "$1" "${2:-}"
}

# run MODE BIN SEED [DROP [MIN]]: runs BIN with ACC_TEST_SEED=SEED,
# ACC_TEST_DROP_AFTER=DROP and ACC_TEST_MIN_SUSPEND=MIN (each unset when
# empty): stdout in $dir/MODE.out,
# stderr in MODE.err, the exit status in MODE.rc.
run() {
  mode=$1 bin=$2 seed=$3 drop=${4:-} least=${5:-}
  (
    unset ACC_TEST_SEED ACC_TEST_DROP_AFTER ACC_TEST_MIN_SUSPEND
    [ -n "$seed" ] && export ACC_TEST_SEED="$seed"
    [ -n "$drop" ] && export ACC_TEST_DROP_AFTER="$drop"
    [ -n "$least" ] && export ACC_TEST_MIN_SUSPEND="$least"
    # ACC_TEST_WRAP (e.g. valgrind) runs acc's translations, not the
    # erasures: the point is the generated code and the runtime.
    # A program marked "acc-test: no-valgrind" runs natively under it.
    wrap=${ACC_TEST_WRAP:-}
    case $mode in erasure|acc-sync) wrap="" ;; esac
    case $wrap in
      valgrind*) grep -qs 'acc-test: no-valgrind' "$src" && wrap="" ;;
    esac
    # shellcheck disable=SC2086
    exec timeout "$tmo" $wrap "$bin" > "$dir/$mode.out" 2> "$dir/$mode.err"
  )
  rc=$?
  [ "$rc" = 124 ] && echo "(timed out after ${tmo}s)" >> "$dir/$mode.err"
  echo "exit status $rc" > "$dir/$mode.rc"
}

# compare MODE: the mode's output against the erasure's.
compare() {
  if ! cmp -s "$dir/erasure.out" "$dir/$1.out" ||
     ! cmp -s "$dir/erasure.rc" "$dir/$1.rc"; then
    { diff "$dir/erasure.out" "$dir/$1.out" | sed -n '1,8p'
      cmp -s "$dir/erasure.rc" "$dir/$1.rc" ||
        echo "erasure: $(cat "$dir/erasure.rc"), $1: $(cat "$dir/$1.rc")"
      sed -n '1,4p' "$dir/$1.err"; } > "$dir/$1.diff"
    afail "$1: output differs from the erasure's" "$dir/$1.diff"
  fi
}

# 1. The oracle: the sync erasure, compiled and run.
esrc="$dir/erasure.c"
if [ "$profile" = selftest ]; then
  cp "$src" "$dir/erasure.c"   # hand-written for both modes
elif [ -d "$src" ]; then
  # Every file of the program's folder is erased, headers included (their
  # async prototypes become plain ones), and the erased folder is searched
  # first for includes.
  mkdir -p "$dir/erasure-src"
  for f in "$src"/*; do
    b=$(basename "$f")
    perl "$here/erase.pl" "$f" > "$dir/erasure-src/${b%.ac}$([ "${b%.ac}" != "$b" ] && echo .c)" ||
      fail "erasure: erase.pl failed on $b"
  done
  esrc=$(ls "$dir"/erasure-src/*.c)
else
  perl "$here/erase.pl" "$src" > "$dir/erasure.c" || fail "erasure: erase.pl failed"
fi
# shellcheck disable=SC2086
if ! $CC -I"$dir/erasure-src" $cflags -DACC_SYNC -o "$dir/erasure" $esrc \
     2> "$dir/erasure.cc.err"; then
  fail "erasure: does not compile" "$dir/erasure.cc.err"
fi
run erasure "$dir/erasure" ""
if ! grep -q '^exit status [0-9]$\|^exit status [0-9][0-9]$' "$dir/erasure.rc"; then
  fail "erasure: did not finish ($(cat "$dir/erasure.rc"))" "$dir/erasure.err"
fi
[ "$profile" = rt ] || grep -q '^exit status 0$' "$dir/erasure.rc" ||
  fail "erasure: exit status is not 0" "$dir/erasure.err"

if [ "$profile" = rt ] && [ "${ACC_DIFF_RT_OK:-0}" != 1 ]; then
  skip "needs libacrt's async main entry, ac_yield_now and ac_sleep_ms (not built yet); erasure ran"
fi

# 2. acc's own erasure, when it has one, must compute the same.
if [ "${ACC_DIFF_ACC_SYNC:-0}" = 1 ] && [ "$profile" != selftest ] &&
   [ ! -d "$src" ]; then
  if ! "$ACC" --emit=sync -DACC_SYNC $incs "$src" > "$dir/acc-sync.c" \
       2> "$dir/acc-sync.acc.err"; then
    afail "acc-sync: acc --emit=sync failed" "$dir/acc-sync.acc.err"
  fi
  if ! $CC $cflags -DACC_SYNC -o "$dir/acc-sync" "$dir/acc-sync.c" \
       2> "$dir/acc-sync.cc.err"; then
    afail "acc-sync: acc's erasure does not compile" "$dir/acc-sync.cc.err"
  fi
  run acc-sync "$dir/acc-sync" ""
  compare acc-sync
fi

# 3. The translation, compiled as users compile it.
asrc="$dir/async.c"
if [ "$profile" = selftest ]; then
  cp "$src" "$dir/async.c"     # already C: checks the harness, not acc
  expect_async=1
elif [ -d "$src" ]; then
  mkdir -p "$dir/async-src"
  for f in "$src"/*.ac; do
    b=$(basename "$f" .ac)
    "$ACC" $incs "$f" -o "$dir/async-src/$b.c" > "$dir/translate.out" 2> "$dir/translate.err" ||
      afail "translate: acc failed on $b.ac" "$dir/translate.err"
    [ -s "$dir/async-src/$b.c" ] || afail "translate: acc wrote no output for $b.ac" "$dir/translate.err"
  done
  asrc=$(ls "$dir"/async-src/*.c)
elif ! "$ACC" $incs "$src" -o "$dir/async.c" > "$dir/translate.out" 2> "$dir/translate.err"; then
  afail "translate: acc failed" "$dir/translate.err"
fi
[ -d "$src" ] || [ -s "$dir/async.c" ] || afail "translate: acc wrote no output" "$dir/translate.err"
# shellcheck disable=SC2086
if ! $CC $cflags -o "$dir/async" $asrc $libs 2> "$dir/compile.err"; then
  afail "compile: the translated C does not compile warning-free" "$dir/compile.err"
fi
# The other compiler too: every translation is built with gcc and with
# clang, warning-free, and both binaries must compute the erasure's output
# (the output is the user's text, macros unexpanded, so each compiler
# expands them with its own headers).  A warning that compiler also gives on
# the program's own erasure is the program's, not acc's (a generated
# program's `10ul ^ 2ul` under clang): then only the first build runs.
other=clang
case $($CC --version 2>/dev/null) in *clang*) other=gcc ;; esac
other_bin=""
if [ "$profile" != selftest ]; then
  # shellcheck disable=SC2086
  if $other $cflags -o "$dir/async-$other" $asrc $libs 2> "$dir/compile-$other.err"; then
    other_bin="$dir/async-$other"
  elif $other -std=c11 $warn $incs -I"$dir/erasure-src" -DACC_SYNC -fsyntax-only $esrc 2>/dev/null; then
    afail "compile: the translated C does not build warning-free under $other" "$dir/compile-$other.err"
  else
    echo "$other warns about the erasure too" > "$dir/other-skipped"
  fi
fi

# 4. Ready leaves (mode 2), then suspending leaves (mode 3), one seed each;
# the same with the other compiler's build.
run ready "$dir/async" ""
compare ready
for s in $seeds; do
  run "seed$s" "$dir/async" "$s"
  compare "seed$s"
done
# Every await of a leaf suspends at least once (ACC_TEST_MIN_SUSPEND=1).
run always "$dir/async" 4 "" 1
compare always
# (Under ACC_TEST_WRAP, valgrind, one compiler's build is checked.)
if [ -n "$other_bin" ] && [ -z "${ACC_TEST_WRAP:-}" ]; then
  run "ready-$other" "$other_bin" ""
  compare "ready-$other"
  for s in $seeds; do
    run "seed$s-$other" "$other_bin" "$s"
    compare "seed$s-$other"
  done
  run "always-$other" "$other_bin" 4 "" 1
  compare "always-$other"
fi

# 5. Cancellation: dropped while pending after K polls (seed 1), the output
# so far must be a prefix of the erasure's, and nothing may stay in flight.
[ "$profile" = rt ] && pass
for k in ${ACC_DIFF_DROPS:-1 2 5 13}; do
  run "drop$k" "$dir/async" 1 "$k"
  size=$(wc -c < "$dir/drop$k.out")
  if ! grep -q '^exit status 0$' "$dir/drop$k.rc" ||
     ! cmp -s -n "$size" "$dir/drop$k.out" "$dir/erasure.out"; then
    { cat "$dir/drop$k.rc"; sed -n '1,4p' "$dir/drop$k.err"; } > "$dir/drop$k.diff"
    afail "drop$k: dropped after $k polls: not a clean prefix of the erasure's run" "$dir/drop$k.diff"
  fi
done
pass
