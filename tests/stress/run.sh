#!/bin/sh
# The reliability stress runs (tests/stress/*.ac), built through acc on the
# runtime of $BUILD:
#
#   run.sh full    what `make check-stress` runs: 1M tasks, the mpsc matrix
#                  (~10M messages on each executor), 100k timers, plain-
#                  thread senders, TCP echo of 64 x 4 MB in pieces of
#                  every size; each run prints its figures
#   run.sh smoke   the same programs with small counts (the stress_smoke
#                  suite of `make test`)
#
# Environment: ACC, BUILD, ROOT, SAN (compiler flags: an ASan or TSan run
# builds the programs with them).  Ends "stress: N passed, M failed".
. "$ROOT/tests/lib.sh"
mode=${1:-smoke}
work="$BUILD/stress"
mkdir -p "$work"
CFLAGS="-std=gnu11 -O2 -g -Wall -Wextra -Werror ${SAN:-}"
case "${SAN:-}" in *thread*) sanitized=tsan ;; ?*) sanitized=asan ;; *) sanitized= ;; esac
export AC_STRESS_SANITIZED="$sanitized" # tasks.ac: RSS shown, not judged

build() {
  if "$ACC" cc $CFLAGS "$ROOT/tests/stress/$1.ac" -o "$work/$1" \
       >"$work/$1.build.log" 2>&1; then
    ok "$1 builds warning-free"
  else
    bad "$1 builds warning-free" "$(tail -5 "$work/$1.build.log")"
  fi
}

# run NAME ARGS...: runs a program, shows its figures line, passes on 0.
run() {
  prog=$1
  shift
  if out=$(timeout 600 "$work/$prog" "$@" 2>&1); then
    ok "$(echo "$out" | tail -n 1)"
  else
    bad "$prog $*" "$(echo "$out" | tail -n 3)"
  fi
}

for p in tasks mpsc timers thread_send echo; do build $p; done

if [ "$mode" = full ]; then
  ntasks=1000000 per_run=320000 ntimers=100000 nsend=200000 nstep=20000
  nconns=64 nbytes=4000000
else
  ntasks=20000 per_run=4000 ntimers=2000 nsend=20000 nstep=500
  nconns=16 nbytes=200000
fi
# Sanitized builds are slower and bigger per task: fewer of everything.
if [ -n "$sanitized" ] && [ "$mode" = full ]; then
  ntasks=100000 per_run=40000 ntimers=20000 nsend=20000 nstep=2000
  nconns=32 nbytes=1000000
fi

for fl in current multi; do
  run tasks $fl $ntasks
  # Producers below, at and above every capacity from 1 to 8, and the
  # unbounded channel.
  for cap in 1 2 3 4 5 6 7 8; do
    for p in 1 $((cap > 1 ? cap - 1 : 2)) $((cap + 1)) $((2 * cap + 1)); do
      run mpsc $fl $p $cap $per_run
    done
  done
  for p in 1 2 4 9; do run mpsc $fl $p 0 $per_run; done
  run timers $fl $ntimers
  run thread_send $fl 2 $nsend
  run thread_send $fl 1 $nstep lockstep
  run echo $fl $nconns $nbytes
done
summary stress
