#!/bin/sh
# The fault campaign (tests/faults/):
#
#   run.sh full    what `make check-faults` runs: program.ac with allocation
#                  failure injected at every allocation it makes, on both
#                  executors; fd exhaustion; signals during sleeps; SIGPIPE
#                  on pipes and sockets; the timer heap that cannot grow;
#                  every misuse of a handle
#   run.sh smoke   the same with failure injected at a sample of the
#                  allocations (the faults_smoke suite of `make test`)
#
# Environment: ACC, BUILD, ROOT, SAN (compiler flags: an ASan or TSan run
# builds the programs with them).  Ends "faults: N passed, M failed".
. "$ROOT/tests/lib.sh"
mode=${1:-smoke}
work="$BUILD/faults"
mkdir -p "$work"
CC=${CC:-cc}
CFLAGS="-std=gnu11 -O1 -g -Wall -Wextra -Werror ${SAN:-}"
WRAP="-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=aligned_alloc"
WRAP="$WRAP,--wrap=posix_memalign,--wrap=pthread_create"
case "${SAN:-}" in *thread*) sanitized=tsan ;; ?*) sanitized=asan ;; *) sanitized= ;; esac
# The programs run with these: a sanitizer's report is a failure (exit 66)
# even in a run that would exit 0, and a leak is one.  (Not for acc.)
san_env() {
  ASAN_OPTIONS="detect_leaks=1:exitcode=66${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=66" \
  TSAN_OPTIONS="halt_on_error=1:exitcode=66${TSAN_OPTIONS:+:$TSAN_OPTIONS}" \
    "$@"
}

# build NAME: tests/faults/NAME.ac with the failing allocator, against the
# static runtime (the wrap must reach libacrt's own calls).
build() {
  if "$ACC" cc $CFLAGS -c "$ROOT/tests/faults/$1.ac" -o "$work/$1.o" \
       >"$work/$1.build.log" 2>&1 &&
     $CC $CFLAGS -I"$ROOT/tests/faults" -c "$ROOT/tests/faults/failalloc.c" \
       -o "$work/failalloc.o" >>"$work/$1.build.log" 2>&1 &&
     $CC $CFLAGS $WRAP -o "$work/$1" "$work/$1.o" "$work/failalloc.o" \
       "$BUILD/libacrt.a" -lpthread >>"$work/$1.build.log" 2>&1; then
    ok "$1 builds warning-free"
  else
    bad "$1 builds warning-free" "$(tail -5 "$work/$1.build.log")"
  fi
}

for p in program faults; do build $p; done

# ==== allocation failure at every allocation of program.ac ====

# alloc_run FLAVOR AT: runs program with the ATth allocation failing and
# judges the outcome.  Sets $verdict to "" (good) or the reason.
alloc_run() {
  out=$(FAULT_AT=$2 san_env timeout 60 "$work/program" "$1" 2>"$work/err.$1")
  rc=$?
  verdict=
  if [ $rc -eq 0 ]; then
    [ "$out" = "$expect" ] || verdict="exit 0 but printed '$out' (want '$expect')"
  elif [ $rc -eq 3 ]; then
    echo "$out" | grep -q '^failed: ' || verdict="exit 3 without a failed: line"
  elif [ $rc -eq 124 ]; then
    verdict="hung (killed after 60 s)"
  else
    verdict="exit $rc: $(tail -n 3 "$work/err.$1" | tr '\n' ' ')"
  fi
}

for fl in current multi; do
  rm -f "$work/count"
  expect=$(FAULT_LOG="$work/count" san_env timeout 60 "$work/program" $fl 2>&1)
  rc=$?
  total=$(cat "$work/count" 2>/dev/null || echo 0)
  case "$expect" in
    ok\ *) [ $rc -eq 0 ] && ok "program $fl runs clean: $expect ($total allocations)" ;;
    *) bad "program $fl runs clean" "exit $rc: $expect"; continue ;;
  esac
  # Every allocation fails once in turn (full), or a sample (smoke).
  if [ "$mode" = full ]; then step=1; else step=$((total / 25 + 1)); fi
  i=1 tried=0 clean=0 failed_runs=""
  while [ $i -le "$total" ]; do
    alloc_run $fl $i
    tried=$((tried + 1))
    if [ -z "$verdict" ]; then
      clean=$((clean + 1))
    else
      failed_runs="$failed_runs
    allocation $i: $verdict"
    fi
    i=$((i + step))
  done
  if [ -z "$failed_runs" ]; then
    ok "program $fl: $tried runs, allocation n failing for each n (step $step), all clean"
  else
    bad "program $fl: $clean of $tried runs clean" "$failed_runs"
  fi
  # And every allocation from the nth on failing (the machine out of memory
  # for good), at a few points.
  for at in 1 $((total / 3)) $((2 * total / 3)) "$total"; do
    out=$(FAULT_AT=$at FAULT_COUNT=-1 san_env timeout 60 "$work/program" $fl 2>"$work/err.$fl")
    rc=$?
    if [ $rc -eq 0 ] || [ $rc -eq 3 ]; then
      ok "program $fl, out of memory for good from allocation $at: exit $rc"
    else
      bad "program $fl, out of memory for good from allocation $at" \
          "exit $rc: $(tail -n 3 "$work/err.$fl" | tr '\n' ' ')"
    fi
  done
done

# ==== the targeted faults: each prints PASS/FAIL lines ====

for fl in current multi; do
  for t in fds signals sigpipe timer_heap misuse frame; do
    out=$(san_env timeout 120 "$work/faults" $fl $t 2>"$work/err.faults")
    rc=$?
    # Each check is a line "PASS what" or "FAIL what: why".
    npass=0
    while IFS= read -r line; do
      case "$line" in
        PASS*) ok "$fl $t: ${line#PASS }"; npass=$((npass + 1)) ;;
        FAIL*) bad "$fl $t: ${line#FAIL }" ;;
      esac
    done <<EOF
$out
EOF
    if [ $rc -ne 0 ] || [ "$npass" -eq 0 ]; then
      bad "faults $fl $t exits 0" "exit $rc: $(tail -n 3 "$work/err.faults" | tr '\n' ' ')"
    fi
  done
done
summary faults
