#!/bin/sh
# Foreign C through `acc cc`: each tests/foreign/NAME.ac (programs that use
# libraries as their users do, libuv's uv.h among them) is built with
# CC=gcc and with CC=clang under -Wall -Wextra -Werror, run, and must print
# NAME.out and exit 0 with both.  A line `acc-test: libs ...` in the
# program names the libraries it links.
. "$ROOT/tests/lib.sh"
set -u

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# Under the sanitizers (check-asan) libacrt is built by gcc with them, and
# a program must be too: clang's sanitizer runtime cannot load beside
# gcc's, so the clang builds are left out there.
ccs="gcc clang"
[ -n "${SAN:-}" ] && ccs=gcc
for src in "$ROOT"/tests/foreign/*.ac; do
  name=$(basename "$src" .ac)
  libs=$(sed -n 's/.*acc-test: libs \([^*]*\).*/\1/p' "$src" | head -n 1)
  for cc in $ccs; do
    # shellcheck disable=SC2086
    if ! CC=$cc "$ACC" cc ${SAN:-} -Wall -Wextra -Werror "$src" $libs \
         -o "$T/$name-$cc" 2> "$T/$name-$cc.err"; then
      bad "$name ($cc): builds" "$(head -c 300 "$T/$name-$cc.err")"
      continue
    fi
    if ! (cd "$T" && timeout 20 "./$name-$cc" > "$name-$cc.out" 2>&1); then
      bad "$name ($cc): runs" "exit status $?: $(head -c 200 "$T/$name-$cc.out")"
    elif ! cmp -s "$T/$name-$cc.out" "$ROOT/tests/foreign/$name.out"; then
      bad "$name ($cc): output" "$(diff "$ROOT/tests/foreign/$name.out" "$T/$name-$cc.out" | head -n 4)"
    else
      ok "$name ($cc)"
    fi
  done
done
summary foreign
