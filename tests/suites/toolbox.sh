#!/bin/sh
# The toolbox suite: .ac programs that use the runtime through acc's own
# forms (combinators, spawn, async function pointers, headers for C) and
# whose behaviour needs the real runtime, so no sync erasure stands beside
# them.  Each tests/toolbox/NAME.ac, or each folder NAME/ of .ac and .c
# files linked together, is translated, compiled warning-free with
# -Wall -Wextra -Werror by $CC and checked by the other compiler, and run
# with one and with two workers; its stdout must equal NAME.out (or
# NAME/expected.out) and it must exit 0.  A folder's .ac files also get
# `acc --emit=header` beside them (NAME.h), for the .c files to include.
. "$ROOT/tests/lib.sh"

CC=${CC:-cc}
other=clang
case $($CC --version 2>/dev/null) in *clang*) other=gcc ;; esac
warn="-Wall -Wextra -Werror"
inc="-I$ROOT/runtime/include"
work="$BUILD/toolbox-test"
rm -rf "$work" && mkdir -p "$work"

# build NAME SRCDIR FILES...: translates and compiles into $work/NAME/prog.
# In a folder, every .ac gets its header first (other .ac files of the
# folder may include it, as .c files do).
build() {
  name=$1 srcdir=$2
  shift 2
  dir="$work/$name"
  mkdir -p "$dir"
  csrcs=""
  for f in "$@"; do
    b=$(basename "$f")
    case $b in
    *.ac)
      [ "$srcdir" = "$ROOT/tests/toolbox" ] && continue
      if ! "$ACC" --emit=header -I"$dir" -I"$srcdir" "$f" -o "$dir/${b%.ac}.h" \
           2>"$dir/header.err"; then
        bad "$name" "acc --emit=header failed: $(head -3 "$dir/header.err")"
        return 1
      fi ;;
    esac
  done
  for f in "$@"; do
    b=$(basename "$f")
    case $b in
    *.ac)
      if ! "$ACC" -I"$dir" -I"$srcdir" "$f" -o "$dir/${b%.ac}.c" \
           2>"$dir/translate.err"; then
        bad "$name" "acc failed: $(head -3 "$dir/translate.err")"
        return 1
      fi
      csrcs="$csrcs $dir/${b%.ac}.c" ;;
    *.c) cp "$f" "$dir/$b"; csrcs="$csrcs $dir/$b" ;;
    esac
  done
  # shellcheck disable=SC2086
  if ! $CC -std=c11 -g $warn $SAN $inc -I"$dir" -I"$srcdir" -o "$dir/prog" \
       $csrcs "$BUILD/libacrt.a" -lpthread 2>"$dir/compile.err"; then
    bad "$name" "$CC: $(head -5 "$dir/compile.err")"
    return 1
  fi
  # shellcheck disable=SC2086
  if command -v $other >/dev/null &&
     ! $other -std=c11 $warn $inc -I"$dir" -I"$srcdir" -fsyntax-only $csrcs \
       2>"$dir/compile-$other.err"; then
    bad "$name" "$other: $(head -5 "$dir/compile-$other.err")"
    return 1
  fi
}

# check NAME EXPECTED: runs $work/NAME/prog with 1 and 2 workers.
check() {
  name=$1 want=$2
  for workers in 1 2; do
    # shellcheck disable=SC2086
    AC_WORKERS=$workers timeout 60 ${ACC_TEST_WRAP:-} "$work/$name/prog" \
      >"$work/$name/out.$workers" 2>"$work/$name/err.$workers"
    rc=$?
    if [ "$rc" -ne 0 ]; then
      bad "$name ($workers workers)" "exit status $rc: $(head -3 "$work/$name/err.$workers")"
    elif ! diff -u "$want" "$work/$name/out.$workers" >"$work/$name/diff"; then
      bad "$name ($workers workers)" "output differs"
      head -20 "$work/$name/diff"
    else
      ok "$name ($workers workers)"
    fi
  done
}

for src in "$ROOT"/tests/toolbox/*.ac; do
  [ -e "$src" ] || continue
  name=$(basename "$src" .ac)
  build "$name" "$ROOT/tests/toolbox" "$src" && check "$name" "${src%.ac}.out"
done
for d in "$ROOT"/tests/toolbox/*/; do
  [ -d "$d" ] || continue
  name=$(basename "$d")
  # shellcheck disable=SC2046
  build "$name" "${d%/}" $(ls "$d"*.ac "$d"*.c 2>/dev/null) &&
    check "$name" "$d/expected.out"
done
summary toolbox
