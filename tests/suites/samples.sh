#!/bin/sh
# Every program in samples/ builds through acc.mk, as a user's project would,
# runs on both executors and exits 0 (each sample checks its own result).
# Servers (marked `acc-sample: server`) only build here: samples_clients
# runs them against real clients.
. "$ROOT/tests/lib.sh"
work="$BUILD/samples-test"
rm -rf "$work" && mkdir -p "$work"
cp "$ROOT"/samples/*.ac "$ROOT"/samples/Makefile "$work"/
if ! make -s -C "$work" ROOT="$ROOT" ACC="$ACC" \
     CFLAGS="-std=c11 -O2 -g -Wall -Wextra -Werror $SAN" \
     LDFLAGS="$SAN" >"$work/build.log" 2>&1; then
  bad "samples build warning-free through acc.mk" "$(tail -5 "$work/build.log")"
  summary samples
  exit 1
fi
ok "samples build warning-free through acc.mk"
for src in "$ROOT"/samples/*.ac; do
  name=$(basename "$src" .ac)
  grep -q 'acc-sample: server' "$src" && continue
  for workers in 1 2; do
    # shellcheck disable=SC2086
    if out=$(AC_WORKERS=$workers timeout 120 ${ACC_TEST_WRAP:-} "$work/$name" 2>&1); then
      ok "$name runs with $workers worker(s): $(echo "$out" | tail -n 1)"
    else
      bad "$name runs with $workers worker(s)" "$(echo "$out" | tail -n 3)"
    fi
  done
done
summary samples
