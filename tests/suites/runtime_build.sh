#!/bin/sh
# How libacrt is built (runtime/runtime.mk): where the compiler can keep
# jumps off 32-byte boundaries (x86-64), the runtime is built so, since a
# jump that crosses or ends on one runs from the legacy decoders on Intel
# CPUs with the JCC erratum's microcode (docs/runtime.md §11).  A few may
# stay (gas cannot pad every one: a tail call right after a label it must
# not move), so the check is a share: at most 1 in 100, where a build
# without the flag has about 1 in 9.
. "$ROOT/tests/lib.sh"
set -u

lib="$BUILD/libacrt.a"
flag=$(sh "$ROOT/mk/jump_align.sh")
if [ -z "$flag" ]; then
  ok "the compiler cannot align jumps: nothing to check"
elif ! command -v objdump >/dev/null; then
  ok "no objdump: nothing to check"
else
  set -- $(objdump -d -w "$lib" | perl "$ROOT/tests/tools/jumps_at_boundaries.pl")
  jumps=$1 bad=$2
  [ "$jumps" -gt 100 ] && [ $((bad * 100)) -le "$jumps" ] &&
    ok "libacrt's jumps keep off 32-byte boundaries ($bad of $jumps do not)" ||
    bad "libacrt's jumps keep off 32-byte boundaries" \
      "$bad of $jumps cross or end on one (built with $flag?)"
fi
summary runtime_build
