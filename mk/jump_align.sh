#!/bin/sh
# Prints the flag that makes the compiler $CC (default cc; a command with
# arguments is fine) keep jumps off 32-byte boundaries (gas's
# -mbranches-within-32B-boundaries through -Wa, or clang's driver flag of
# that name), the first form it takes; nothing where neither works (not
# x86-64).  runtime/runtime.mk builds libacrt with it and the
# runtime_build suite checks the library when it is not empty
# (docs/runtime.md §11).
for f in -Wa,-mbranches-within-32B-boundaries -mbranches-within-32B-boundaries; do
  if printf 'int x;\n' | ${CC:-cc} "$f" -x c -c -o /dev/null - 2>/dev/null; then
    echo "$f"
    exit 0
  fi
done
