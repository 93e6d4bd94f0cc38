#!/bin/sh
# The runtime's toolbox from .ac code (tests/runtime/ac/*.ac): each program
# checks its own results and exits 0.  Every program runs on both
# executors: as written (multi-thread, 2 workers) and with
# `#pragma acc main(current_thread)` appended.
. "$ROOT/tests/lib.sh"
work="$BUILD/runtime-ac-test"
rm -rf "$work" && mkdir -p "$work"
for src in "$ROOT"/tests/runtime/ac/*.ac; do
  name=$(basename "$src" .ac)
  cp "$src" "$work/$name.ac"
  { cat "$src"; echo '#pragma acc main(current_thread)'; } >"$work/${name}_ct.ac"
  for variant in "$name" "${name}_ct"; do
    flavor=multi-thread
    [ "$variant" = "$name" ] || flavor=current-thread
    # shellcheck disable=SC2086
    if ! log=$("$ACC" cc -std=gnu11 -O2 -g -Wall -Wextra -Werror $SAN \
                -I"$ROOT/tests/runtime/ac" "$work/$variant.ac" \
                -o "$work/$variant" 2>&1); then
      bad "$name builds ($flavor)" "$(echo "$log" | head -5)"
      continue
    fi
    # shellcheck disable=SC2086
    if out=$(cd "$work" && AC_WORKERS=2 timeout 60 ${ACC_TEST_WRAP:-} \
             "./$variant" 2>&1); then
      ok "$name ($flavor): $(echo "$out" | tail -n 1)"
    else
      bad "$name ($flavor)" "$(echo "$out" | tail -n 3)"
    fi
  done
done
summary runtime_ac
