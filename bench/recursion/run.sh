#!/bin/sh
# Async recursion depth: C stack per level of a boxed recursive poll
# (depth.ac) against the same recursion as plain calls (plain.c), both at
# -O2, and the deepest recursion each runs in a default 8 MiB stack
# (found by bisection, each run under `ulimit -s 8192`).
#
#   sh bench/recursion/run.sh        env: ACC, BUILD, CC
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$root/build}
ACC=${ACC:-$BUILD/acc}
CC=${CC:-cc}
out="$BUILD/bench/recursion"
mkdir -p "$out"
"$ACC" -I"$root/runtime/include" "$here/depth.ac" -o "$out/depth.c" || exit 1
$CC -std=c11 -O2 -Wall -Wextra -I"$root/runtime/include" -o "$out/async" \
  "$out/depth.c" "$BUILD/libacrt.a" -lpthread || exit 1
$CC -std=c11 -O2 -Wall -Wextra -o "$out/plain" "$here/plain.c" || exit 1

# deepest BIN: the most levels BIN completes under an 8 MiB stack.
deepest() {
  lo=1000 hi=100000000
  while [ $((hi - lo)) -gt $((lo / 100)) ]; do
    mid=$(((lo + hi) / 2))
    if (ulimit -s 8192; "$1" "$mid" >/dev/null 2>&1); then lo=$mid; else hi=$mid; fi
  done
  echo "$lo"
}

echo "Async recursion on an 8 MiB C stack ($CC -O2)"
for k in plain async; do
  per=$( (ulimit -s 8192; "$out/$k" 100000) | sed -E 's/.*, ([0-9.]+) bytes.*/\1/')
  printf '  %-6s %6s bytes of C stack per level, deepest about %s levels\n' \
    "$k" "$per" "$(deepest "$out/$k" 2>/dev/null)"
done
