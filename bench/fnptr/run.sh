#!/bin/sh
# The cost of an await through a pointer to an async function against a
# direct await of the same function, for a callee whose frame fits inline
# in the awaiting frame and one whose frame goes to the heap (awaits.ac
# says what is measured).  Builds awaits.ac at -O2, runs each row RUNS
# times (default 5) in turn, and prints the median ns per await, the spread
# (min-max) and the ratio of the medians, pointer / direct.
#
#   sh bench/fnptr/run.sh [RUNS]      env: ACC, BUILD, CC, FNPTR_N (awaits)
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$root/build}
ACC=${ACC:-$BUILD/acc}
CC=${CC:-cc}
runs=${1:-5}
n=${FNPTR_N:-10000000}
out="$BUILD/bench/fnptr"
mkdir -p "$out"

if ! "$ACC" -I"$root/runtime/include" "$here/awaits.ac" -o "$out/awaits.c" \
     >"$out/acc.log" 2>&1 ||
   ! $CC -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra \
     -I"$root/runtime/include" -o "$out/awaits" "$out/awaits.c" \
     2>"$out/cc.log"; then
  echo "fnptr: not measurable (see $out/acc.log, $out/cc.log)"
  exit 0
fi

# Rows interleaved run by run, so load that comes and goes hits them alike.
rows="direct-small pointer-small direct-big pointer-big"
i=0
while [ "$i" -lt "$runs" ]; do
  for r in $rows; do
    printf '%s ' "$r"
    "$out/awaits" "$r" "$n"
  done
  i=$((i + 1))
done >"$out/runs.txt"

# stats ROW: "median min max sum"
stats() {
  grep "^$1 " "$out/runs.txt" |
    sed -E 's/^[a-z-]+ ([0-9.]+) ns\/await \(sum (-?[0-9]+)\)$/\1 \2/' |
    sort -n | awk '{ a[NR] = $1; s = $2 }
      END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2;
            printf "%.3f %.3f %.3f %s\n", m, a[1], a[NR], s }'
}

echo "fnptr: await through an async function pointer against a direct await, $n awaits, median of $runs runs (min-max)"
for size in small big; do
  set -- $(stats "direct-$size")
  direct=$1 dsum=$4
  printf '  direct await, %-5s frame:     %8.3f ns/await  (%s-%s)\n' "$size" "$1" "$2" "$3"
  set -- $(stats "pointer-$size")
  where=inline
  [ "$size" = big ] && where=heap
  printf '  through a pointer, %-6s:     %8.3f ns/await  (%s-%s)\n' "$where" "$1" "$2" "$3"
  [ "$4" = "$dsum" ] || echo "  WARNING: the pointer row computed $4, the direct one $dsum"
  awk -v a="$1" -v d="$direct" -v w="$where" \
    'BEGIN { printf "  ratio pointer (%s) / direct:  %8.2fx  (+%.1f ns)\n", w, a / d, a - d }'
done
