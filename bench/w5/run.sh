#!/bin/sh
# W5 (docs/benchmarks.md): a chain of 10 async functions whose leaf is ready at once,
# awaited 10M times, against the same chain as plain functions.  Builds both
# at -O2, runs each RUNS times (default 5) and prints the median ns per call
# of the chain's top, the spread (min-max) and the ratio of the medians.
#
#   sh bench/w5/run.sh [RUNS]        env: ACC, BUILD, CC, W5_N (calls)
#
# chain.ac and plain.c explain what is measured and why it is fair.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$root/build}
ACC=${ACC:-$BUILD/acc}
CC=${CC:-cc}
runs=${1:-5}
n=${W5_N:-10000000}
# clock_gettime under -std=c11.  On the command line, not in chain.ac: acc
# puts #include <ac.h> before the first line of its output, where a feature
# macro defined in the file would come too late.
posix=-D_POSIX_C_SOURCE=200809L
out="$BUILD/bench/w5"
mkdir -p "$out"

# measure BIN: "median min max sum" of ns/call over $runs runs.
measure() {
  i=0
  while [ "$i" -lt "$runs" ]; do "$1" "$n"; i=$((i + 1)); done |
    sed -E 's/^([0-9.]+) ns\/call \(sum (-?[0-9]+)\)$/\1 \2/' | sort -n |
    awk '{ a[NR] = $1; s = $2 }
         END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2;
               printf "%.3f %.3f %.3f %s\n", m, a[1], a[NR], s }'
}

echo "W5: chain of 10 functions, leaf ready at once, $n calls, median of $runs runs (min-max)"
$CC -std=c11 $posix -O2 -Wall -Wextra -o "$out/plain" "$here/plain.c" || exit 1
set -- $(measure "$out/plain")
plain_med=$1
plain_sum=$4
printf '  plain chain (noinline calls): %8.3f ns/call  (%s-%s)\n' "$1" "$2" "$3"
$CC -std=c11 $posix -O2 -Wall -Wextra -DW5_INLINE -o "$out/plain-inline" "$here/plain.c" || exit 1
set -- $(measure "$out/plain-inline")
printf '  plain chain, folded (floor):  %8.3f ns/call  (%s-%s)\n' "$1" "$2" "$3"

if ! "$ACC" -I"$root/runtime/include" "$here/chain.ac" -o "$out/chain.c" \
     > "$out/acc.log" 2>&1 || [ ! -s "$out/chain.c" ]; then
  echo "  async chain: not measurable: $ACC could not translate chain.ac (see $out/acc.log)"
  exit 0
fi
if ! $CC -std=c11 $posix -O2 -Wall -Wextra -I"$root/runtime/include" -o "$out/chain" \
     "$out/chain.c" 2> "$out/cc.log"; then
  echo "  async chain: not measurable: the translated chain does not compile (see $out/cc.log)"
  exit 0
fi
set -- $(measure "$out/chain")
printf '  async chain (acc):            %8.3f ns/call  (%s-%s)\n' "$1" "$2" "$3"
[ "$4" = "$plain_sum" ] ||
  echo "  WARNING: the async chain computed $4, the plain chain $plain_sum"
awk -v a="$1" -v p="$plain_med" 'BEGIN { printf "  ratio async/plain:            %8.2fx\n", a / p }'
