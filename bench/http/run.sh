#!/bin/sh
# `make bench-http`: samples/http.ac against the plain epoll server of
# http_epoll.c under wrk, in the same run: requests/s (wrk) and the
# server's CPU time per request (utime + stime from /proc/PID/stat around
# each wrk run).  RUNS runs per server (default 3), median printed; wrk
# with 1 thread and 64 connections for 5 s, keep-alive GET /.
# Environment: BUILD, ACC, CC; WRK_SECONDS, WRK_CONNS.
set -eu
RUNS=${1:-3}
SECS=${WRK_SECONDS:-5}
CONNS=${WRK_CONNS:-64}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$BUILD/bench/http"
mkdir -p "$out"
command -v wrk >/dev/null || { echo "bench-http: wrk is not installed (mk/deps.sh)"; exit 1; }
"$ACC" cc -O2 -g "$root/samples/http.ac" -o "$out/http_acrt"
${CC:-cc} -O2 -g "$here/http_epoll.c" -o "$out/http_epoll"
tck=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# measure LABEL CMD...: prints "LABEL req/s cpu-us/req" medians of RUNS.
measure() {
  label=$1
  shift
  "$@" >"$out/server.log" 2>&1 &
  pid=$!
  i=0
  until grep -q '^listening on' "$out/server.log" 2>/dev/null; do
    sleep 0.1; i=$((i + 1)); [ $i -lt 100 ] || { echo "$label did not start"; kill $pid; return 1; }
  done
  port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$out/server.log")
  wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:$port/" >/dev/null # warm up
  r=0
  : >"$out/rows"
  while [ $r -lt "$RUNS" ]; do
    c0=$(cpu_ticks $pid)
    wrk -t1 -c"$CONNS" -d"${SECS}s" "http://127.0.0.1:$port/" >"$out/wrk.out"
    c1=$(cpu_ticks $pid)
    rps=$(awk '/^Requests\/sec/ {print $2}' "$out/wrk.out")
    reqs=$(awk '/requests in/ {print $1}' "$out/wrk.out")
    errs=$(awk '/Non-2xx|Socket errors/ {print}' "$out/wrk.out")
    [ -z "$errs" ] || echo "  $label: $errs"
    awk -v rps="$rps" -v reqs="$reqs" -v dt=$((c1 - c0)) -v tck="$tck" \
      'BEGIN { printf "%.0f %.2f\n", rps, dt / tck * 1e6 / reqs }' >>"$out/rows"
    r=$((r + 1))
  done
  kill $pid
  wait $pid 2>/dev/null || true
  mid=$(((RUNS + 1) / 2))
  rps=$(cut -d' ' -f1 "$out/rows" | sort -n | sed -n "${mid}p")
  cpu=$(cut -d' ' -f2 "$out/rows" | sort -n | sed -n "${mid}p")
  all=$(tr '\n' ';' <"$out/rows")
  printf '%-32s %8s req/s  %6s us CPU/req   (runs: %s)\n' "$label" "$rps" "$cpu" "$all"
}

echo "bench-http: wrk -t1 -c$CONNS -d${SECS}s, GET / keep-alive, median of $RUNS runs ($(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg))"
measure "plain epoll server (1 thread)" "$out/http_epoll"
measure "samples/http.ac, 1 worker" env AC_WORKERS=1 "$out/http_acrt"
measure "samples/http.ac, 2 workers" env AC_WORKERS=2 "$out/http_acrt"
