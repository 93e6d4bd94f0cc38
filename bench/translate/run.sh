#!/bin/sh
# `make bench-translate`: acc's translation time and peak memory at growing
# sizes against `clang -fsyntax-only` on the sync erasure of the same file,
# and gcc -O1's compile time of the generated C against the erasure's.
#
#   sh bench/translate/run.sh [RUNS]       RUNS per measure, default 3
#   env: BUILD, ACC, CC; TRANSLATE_SIZE=smoke (tiny inputs: the harness
#        check of tests/suites/bench_smoke.sh); TRANSLATE_ONLY="funcs plain"
#        (some shapes); TRANSLATE_CASES="funcs:1000 awaits:10000" (exactly
#        these inputs); TRANSLATE_TIMEOUT (s per command, default 900);
#        TRANSLATE_GCC=0 (no gcc columns: translation alone, for the
#        largest inputs, where gcc -O1 takes many minutes)
#
# Inputs come from bench/translate/gen.c (its comment shows each shape):
# funcs N (1,000 to 64,000 async functions), plain KB (plain C with one
# async function, up to 50 MB), callees 4000 (one function awaiting 4,000
# different callees), awaits 10000 (one function with 10,000 awaits).
# The erasure is `acc --emit=sync` of the input.  CPU time is user +
# system of the process (and its children: acc runs the preprocessor);
# memory is the peak resident set size (ru_maxrss), both from wait4().
# Each figure is the median of RUNS runs.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$root/build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
ACC=${ACC:-$BUILD/acc}
CC=${CC:-cc}
GCC=${GCC:-gcc}
runs=${1:-3}
limit=${TRANSLATE_TIMEOUT:-900}
out=$BUILD/bench/translate
mkdir -p "$out"
inc="-I$root/runtime/include"

if [ "${TRANSLATE_SIZE:-full}" = smoke ]; then
  cases="funcs:32 funcs:64 plain:16 callees:40 awaits:50"
else
  cases="funcs:1000 funcs:2000 funcs:4000 funcs:8000 funcs:16000 funcs:32000
funcs:64000 plain:1024 plain:10240 plain:51200 callees:4000 awaits:10000"
fi
[ -n "${TRANSLATE_CASES:-}" ] && cases=$TRANSLATE_CASES
only=${TRANSLATE_ONLY:-funcs plain callees awaits}

$CC -std=gnu11 -O2 -Wall -Wextra -o "$out/gen" "$here/gen.c" &&
  $CC -std=gnu11 -O2 -Wall -Wextra -o "$out/rusage" "$here/rusage.c" ||
  { echo "bench-translate: cannot build gen or rusage" >&2; exit 1; }

# measure CMD...: RUNS runs; prints "cpu_median rss_median_kb", or
# "timeout -" / "fail -" when a run exceeds the limit or fails.
measure() {
  i=0
  : > "$out/m"
  while [ $i -lt "$runs" ]; do
    timeout "$limit" "$out/rusage" "$@" >/dev/null 2>"$out/err"
    rc=$?
    if [ $rc -eq 124 ]; then echo "timeout -"; return; fi
    if [ $rc -ne 0 ]; then
      echo "bench-translate: failed ($rc): $*" >&2
      grep -v '^rusage:' "$out/err" | head -5 >&2
      echo "fail -"
      return
    fi
    grep '^rusage:' "$out/err" | tail -n 1 |
      sed -E 's/.*cpu_s=([0-9.]+) maxrss_kb=([0-9]+).*/\1 \2/' >> "$out/m"
    i=$((i + 1))
  done
  awk '{ c[NR] = $1; m[NR] = $2 }
       function sort(a, n,   i, j, t) {
         for (i = 2; i <= n; i++)
           for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t } }
       function med(a, n) { return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
       END { sort(c, NR); sort(m, NR); print med(c, NR), med(m, NR) }' "$out/m"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else printf "-" }'; }

echo "bench-translate: $(date -u '+%Y-%m-%d %H:%M UTC'), median of $runs runs; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "CPU s (user+sys) and peak RSS MB; erasure = acc --emit=sync; gcc -O1 -c"
echo
echo "| input | size | acc s | clang s | acc/clang | acc MB | clang MB | mem ratio | acc us per unit | gcc gen s | gcc erasure s | gen/erasure |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for c in $cases; do
  shape=${c%%:*} n=${c#*:}
  case " $only " in *" $shape "*) ;; *) continue ;; esac
  f=$out/$shape-$n
  "$out/gen" "$shape" "$n" > "$f.ac" &&
    "$ACC" --emit=sync "$f.ac" > "$f.sync.c" ||
    { echo "bench-translate: cannot make $f.ac or its erasure" >&2; exit 1; }
  bytes=$(wc -c < "$f.ac")
  set -- $(measure "$ACC" $inc "$f.ac" -o "$f.c")
  acc_s=$1 acc_kb=$2
  set -- $(measure clang -fsyntax-only $inc -x c "$f.sync.c")
  clang_s=$1 clang_kb=$2
  gen_s=- era_s=-
  if [ "${TRANSLATE_GCC:-1}" != 0 ]; then
    if [ -s "$f.c" ] && [ "$acc_s" != timeout ] && [ "$acc_s" != fail ]; then
      set -- $(measure "$GCC" -O1 -w $inc -c "$f.c" -o "$f.o")
      gen_s=$1
    fi
    set -- $(measure "$GCC" -O1 -w $inc -x c -c "$f.sync.c" -o "$f.sync.o")
    era_s=$1
  fi
  case $shape in
    plain) unit=$((bytes / 1024)) what=KB ;;
    funcs) unit=$n what=fn ;; callees) unit=$n what=callee ;; *) unit=$n what=await ;;
  esac
  awk -v input="$shape $n" -v bytes="$bytes" -v as="$acc_s" -v cs="$clang_s" \
      -v am="$acc_kb" -v cm="$clang_kb" -v gs="$gen_s" -v es="$era_s" \
      -v unit="$unit" -v what="$what" \
      -v r1="$(ratio "$acc_s" "$clang_s")" -v r2="$(ratio "$acc_kb" "$clang_kb")" \
      -v r3="$(ratio "$gen_s" "$era_s")" '
    function mb(k) { return k ~ /^[0-9.]+$/ ? sprintf("%.0f", k / 1024) : k }
    BEGIN {
      per = as ~ /^[0-9.]+$/ ? sprintf("%.1f/%s", as * 1e6 / unit, what) : "-"
      printf "| %s | %.1f MB | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
             input, bytes / 1048576, as, cs, r1, mb(am), mb(cm), r2, per, gs, es, r3 }'
  rm -f "$f.o" "$f.sync.o"
done
