#!/bin/sh
# csmith programs made async (tests/diff/gen/csmith2ac.pl), run through the
# differential runner in three modes; their checksums must agree, and the
# erasure's must be csmith's own.  A short smoke set by default; `make
# fuzz-csmith` runs many seeds through this same script.
#
# Environment: ACC_CSMITH_SEEDS (default: the smoke set below), and the
# variables of tests/suites/diff.sh (ACC_DIFF_EXPECT_ASYNC, ACC_DIFF_JOBS).
# A seed whose original csmith program does not finish within 5 s is skipped
# (csmith does not promise termination), and counted as skipped.
. "$ROOT/tests/lib.sh"
: "${BUILD:=$ROOT/build}" "${ACC:=$BUILD/acc}" "${SAN:=}"
export ROOT BUILD ACC SAN
here="$ROOT/tests/diff"
out="$BUILD/diff/csmith-src"
# Seeds checked to finish in milliseconds with csmith 2.3.0 (Debian 12).
seeds=${ACC_CSMITH_SEEDS:-1 2 3 4 5 6 8 10}
opts="--max-funcs 4 --no-packed-struct"

if ! command -v csmith >/dev/null 2>&1 || [ ! -f /usr/include/csmith/csmith.h ]; then
  echo "[SKIP] csmith: needs the Debian packages csmith and libcsmith-dev"
  echo "csmith: 0 passed, 0 failed, 1 skipped"
  exit 0
fi
mkdir -p "$out"

list="$out/list"
: > "$list"
skipped=0
for s in $seeds; do
  src="$out/csmith_$s"
  # csmith writes platform.info into the current folder: run it in $out.
  if ! (cd "$out" && csmith --seed "$s" $opts -o "$src.c" > /dev/null 2>&1) ||
     ! ${CC:-cc} -w -I/usr/include/csmith -o "$src.orig" "$src.c" 2> /dev/null; then
    echo "[SKIP] csmith/seed_$s: csmith's own program did not build"
    skipped=$((skipped + 1)); continue
  fi
  if ! timeout 5 "$src.orig" > "$src.orig.out" 2>/dev/null; then
    echo "[SKIP] csmith/seed_$s: csmith's own program does not finish in 5 s"
    skipped=$((skipped + 1)); continue
  fi
  perl "$here/gen/csmith2ac.pl" "$src.c" > "$src.ac"
  echo "$src.ac csmith/seed_$s csmith" >> "$list"
done

xargs -P "${ACC_DIFF_JOBS:-2}" -n 3 sh "$here/run_one.sh" < "$list"

xfail=0
while read -r f n p; do
  st=$(cat "$BUILD/diff/$n/status" 2>/dev/null || echo fail)
  # The oracle itself must be csmith's program: same checksum line.
  if [ "$st" != fail ] &&
     ! grep -q "^$(cat "${f%.ac}.orig.out")\$" "$BUILD/diff/$n/erasure.out"; then
    echo "[FAIL] $n: the erasure's checksum is not csmith's ($(cat "${f%.ac}.orig.out"))"
    st=fail
  fi
  case $st in
    pass) PASS=$((PASS + 1)) ;;
    xfail) xfail=$((xfail + 1)) ;;
    skip) skipped=$((skipped + 1)) ;;
    *) FAIL=$((FAIL + 1)) ;;
  esac
done < "$list"
[ "$xfail" -gt 0 ] &&
  echo "csmith: $xfail programs failed in an async mode, expected (ACC_DIFF_EXPECT_ASYNC=0): their erasure passed"
echo "csmith: $PASS passed, $FAIL failed, $skipped skipped"
[ "$FAIL" -eq 0 ]
