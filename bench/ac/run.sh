#!/bin/sh
# W1-W4 (docs/benchmarks.md) as translated .ac programs, beside the hand-written C
# futures of bench/ (build/bench/acbench) measured in the same run.
#
#   sh bench/ac/run.sh [RUNS]     RUNS per row, default 5
#   env: BUILD (default build), ACC (default $BUILD/acc), CC (default cc),
#        HAND=0 to skip the hand-written rows, FORMAT=md for a markdown
#        table, AC_WORKERS (the multi-thread executor's workers; default:
#        the number of CPUs, as acbench)
#
# Each program is translated by acc and compiled twice with cc -O2, once
# with -DCURRENT_THREAD (which selects `#pragma acc main(current_thread)`)
# and once without (multi-thread), linked with $BUILD/libacrt.a -lpthread.
# Each row: the median of RUNS fresh processes and the spread (min-max),
# the wall-clock median, then the median and spread of the hand-written
# future for the same workload and executor, measured the same way: RUNS
# fresh acbench processes with BENCH_RUNS=1, run just before the .ac rows
# of that workload; and the ratio of the medians, .ac / hand-written.
# W1-W3 are CPU time of the process (all threads) per operation, as
# acbench reports them; W4 is resident bytes per sleeping task.  A run whose
# result line does not say check=ok stops the script with status 1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$root/build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
ACC=${ACC:-$BUILD/acc}
CC=${CC:-cc}
HAND=${HAND:-1}
FORMAT=${FORMAT:-text}
runs=${1:-5}
out=$BUILD/bench/ac
mkdir -p "$out"
inc="-I$root/runtime/include -I$here"

# build NAME: $out/NAME-current and $out/NAME-multi from $here/NAME.ac.
build() {
  for exec in current multi; do
    def=
    [ $exec = current ] && def=-DCURRENT_THREAD
    "$ACC" $def $inc "$here/$1.ac" -o "$out/$1-$exec.c" ||
      { echo "run.sh: acc failed on $1.ac ($exec)" >&2; exit 1; }
    $CC -std=gnu11 -O2 -Wall -Wextra $def $inc -o "$out/$1-$exec" \
      "$out/$1-$exec.c" "$BUILD/libacrt.a" -lpthread ||
      { echo "run.sh: cc failed on $1-$exec.c" >&2; exit 1; }
  done
}
for p in w1_spawn w2_yield w3_pingpong w4_sleep_memory; do build $p; done

# stats KEY: reads result lines, prints "median min max wall_median" of
# KEY=... (and of wall_ns=..., or - when absent).
stats() {
  awk -v key="$1" '
    function med(a, n) { return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    function sort(a, n,   i, j, t) {
      for (i = 2; i <= n; i++)
        for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    }
    { for (i = 1; i <= NF; i++) {
        split($i, kv, "=")
        if (kv[1] == key) v[++n] = kv[2]
        if (kv[1] == "wall_ns") w[++m] = kv[2]
      } }
    END { sort(v, n); sort(w, m)
          printf "%s %s %s %s\n", med(v, n), v[1], v[n], m ? med(w, m) : "-" }'
}

# hand ID EXEC: "median min max" of acbench's rows ID/EXEC in $hand_out
# (one row per acbench process).
hand_out=$out/acbench.out
hand() {
  awk -v id="$1" -v ex="$2" '
    $1 == id { for (i = 2; i < NF; i++) if ($i == ex) { v[++n] = $(i + 1); break } }
    END { if (!n) exit
          for (i = 2; i <= n; i++)
            for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
          m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
          print m, v[1], v[n] }' "$hand_out" 2>/dev/null
}

if [ "$FORMAT" = md ]; then
  echo "| id | workload | exec | .ac median | .ac spread | .ac wall | hand-written C median | C spread | ratio .ac/C | unit |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
else
  printf 'median of %s runs; spread min-max; W1-W3: CPU ns of the process per operation, wall median beside\n' "$runs"
  printf '%-4s %-30s %-7s | %9s %-13s %7s | %9s %-13s | %6s %s\n' id workload exec \
    ".ac" "spread" "wall" "C" "spread" "ratio" unit
fi

# row ID WHAT UNIT KEY PROGRAM ARGS...: RUNS runs per executor, one row each.
row() {
  id=$1 what=$2 unit=$3 key=$4 prog=$5
  shift 5
  for exec in current multi; do
    res=$out/$id-$exec.runs
    : > "$res"
    i=0
    while [ $i -lt "$runs" ]; do
      line=$("$out/$prog-$exec" "$@")
      case $line in
        *check=ok*) echo "$line" >> "$res" ;;
        *) echo "run.sh: $prog-$exec $*: failed: $line" >&2; exit 1 ;;
      esac
      i=$((i + 1))
    done
    s=$(stats "$key" < "$res")
    h=
    [ "$HAND" = 1 ] && h=$(hand "$id" $exec)
    echo "$s ${h:-- - -}" | awk -v id="$id" -v what="$what" -v ex=$exec -v unit="$unit" -v fmt="$FORMAT" '
      { r = ($5 != "-" && $5 > 0) ? sprintf("%.2f", $1 / $5) : "-"
        cs = $5 == "-" ? "-" : sprintf("%.1f-%.1f", $6, $7)
        cm = $5 == "-" ? "-" : sprintf("%.1f", $5)
        wl = $4 == "-" ? "-" : sprintf("%.1f", $4)
        if (fmt == "md")
          printf "| %s | %s | %s | %.1f | %.1f-%.1f | %s | %s | %s | %s | %s |\n", id, what, ex, $1, $2, $3, wl, cm, cs, r, unit
        else
          printf "%-4s %-30s %-7s | %9.1f %-13s %7s | %9s %-13s | %6s %s\n", id, what, ex, $1, sprintf("%.1f-%.1f", $2, $3), wl, cm, cs, r, unit }'
  done
}

# acbench ONLY: the hand-written rows of the workloads matching ONLY, each
# from its own acbench process run once (BENCH_RUNS=1), as the .ac
# programs are: a fresh process, a fresh runtime, a cold heap.
acbench() {
  : > "$hand_out"
  [ "$HAND" = 1 ] || return 0
  if [ ! -x "$BUILD/bench/acbench" ]; then
    echo "run.sh: no $BUILD/bench/acbench (make bench-ac builds it): .ac rows only" >&2
    return 0
  fi
  for exec in current multi; do
    i=0
    while [ $i -lt "$runs" ]; do
      BENCH_ONLY=$1 BENCH_FLAVOR=$exec BENCH_RUNS=1 "$BUILD/bench/acbench" \
        >> "$hand_out" || echo "run.sh: acbench BENCH_ONLY=$1 failed" >&2
      i=$((i + 1))
    done
  done
}

acbench W1
row W1 "spawn+join 1M trivial tasks" ns/task cpu_ns w1_spawn
acbench W2
row W2a "yield_now, 1 task x 10M" ns/yield cpu_ns w2_yield 1
row W2b "yield_now, 1000 tasks x 10k" ns/yield cpu_ns w2_yield 1000
acbench W3
row W3 "ping-pong, 2 cap-1 chans, 1M" "ns/round trip" cpu_ns w3_pingpong
acbench W4
row W4 "1M tasks asleep 2 s, RSS" bytes/task bytes_per_task w4_sleep_memory
exit 0
