#!/bin/sh
# `make bench-peers`: W1-W6 (docs/benchmarks.md) as acc's translated .ac programs and
# as peers written in this folder -- tokio (current-thread and 2 workers),
# C++20 coroutines on a minimal single-thread executor, libuv, and the
# hand-written epoll echo server -- run interleaved in one session: for each
# workload, RUNS rounds, each round one fresh process of every contender.
# Prints every contender's median, then one table with each workload's best
# peer and acc's ratio to it.  docs/benchmarks.md says what each row means.
#
#   sh bench/peers/run.sh [RUNS]          RUNS per contender, default 5
#   env: BUILD, ACC, CC, CXX, SAN (flags of the runtime's build, for the .ac
#        programs); PEERS_SIZE=smoke (tiny counts: the harness
#        check of tests/suites/bench_smoke.sh); PEERS_ONLY="W1 W3" (some
#        workloads); PEERS_SKIP_BUILD=1 (reuse the binaries)
#
# A peer whose toolchain is missing (Debian's cargo and librust-tokio-dev,
# libuv1-dev, g++) is left out with a note; `make bench-peers` installs them
# first (mk/deps.sh peers).  A contender whose run fails twice is left out
# of that workload and named under the tables; the script then ends with
# status 1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$root/build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
ACC=${ACC:-$BUILD/acc}
CC=${CC:-cc}
CXX=${CXX:-g++}
runs=${1:-5}
size=${PEERS_SIZE:-full}
only=${PEERS_ONLY:-W1 W2a W2b W3 W4 W5 W6}
out=$BUILD/bench/peers
mkdir -p "$out"
log=$out/build.log
: > "$log"
note() { echo "peers: $*" >&2; }

# ---- sizes ----
if [ "$size" = smoke ]; then
  W1_N=1000 W2A_N=1000 W2B_T=20 W2B_N=50 W3_N=1000 W4_N=1000 W4_MS=200
  W5_N=10000 W6_N=640
else
  W1_N=1000000 W2A_N=10000000 W2B_T=1000 W2B_N=10000 W3_N=1000000
  W4_N=1000000 W4_MS=2000 W5_N=10000000 W6_N=1200000
fi

# ---- building ----
ccflags="-std=gnu11 -O2 -Wall -Wextra"
inc="-I$root/runtime/include -I$root/bench/ac"
have_cpp=0 have_uv=0 have_tokio=0

build_acc() { # NAME: $out/NAME-current, $out/NAME-multi from bench/ac/NAME.ac
  for exec in current multi; do
    def=
    [ $exec = current ] && def=-DCURRENT_THREAD
    "$ACC" $def $inc "$root/bench/ac/$1.ac" -o "$out/$1-$exec.c" >>"$log" 2>&1 &&
      $CC $ccflags ${SAN:-} $def $inc -o "$out/$1-$exec" "$out/$1-$exec.c" \
        "$BUILD/libacrt.a" -lpthread >>"$log" 2>&1 ||
      { note "cannot build $1 ($exec), see $log"; exit 1; }
  done
}

build_all() {
  for p in w1_spawn w2_yield w3_pingpong w4_sleep_memory w6_echo; do
    build_acc $p
  done
  # W5: the chain, translated; polls kept out of line as the plain chain's
  # calls are (-fno-inline-*: ac.h's static inline helpers still inline).
  "$ACC" -I"$root/runtime/include" "$root/bench/w5/chain.ac" -o "$out/chain.c" \
    >>"$log" 2>&1 || { note "acc failed on chain.ac, see $log"; exit 1; }
  noinl="-fno-inline-functions -fno-inline-small-functions -fno-inline-functions-called-once"
  $CC -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -I"$root/runtime/include" \
    -o "$out/chain" "$out/chain.c" >>"$log" 2>&1 &&
    $CC -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra $noinl \
      -I"$root/runtime/include" -o "$out/chain-noinline" "$out/chain.c" >>"$log" 2>&1 &&
    $CC -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -o "$out/plain" \
      "$root/bench/w5/plain.c" >>"$log" 2>&1 ||
    { note "cannot build the W5 chains, see $log"; exit 1; }
  $CC $ccflags -o "$out/w6_load" "$here/w6_load.c" >>"$log" 2>&1 &&
    $CC $ccflags -D_GNU_SOURCE -I"$root/runtime/include" -o "$out/echo_epoll" \
      "$here/echo_epoll_main.c" "$root/bench/echo_epoll.c" >>"$log" 2>&1 ||
    { note "cannot build w6_load or echo_epoll, see $log"; exit 1; }
  if command -v "$CXX" >/dev/null 2>&1 &&
     $CXX -std=c++20 -O2 -Wall -Wextra -o "$out/peer-cpp" "$here/cpp/peer.cc" >>"$log" 2>&1
  then have_cpp=1; else note "no C++20 peer ($CXX missing or failed, see $log)"; fi
  if [ -f /usr/include/uv.h ] &&
     $CC $ccflags -o "$out/peer-uv" "$here/uv/peer.c" -luv >>"$log" 2>&1
  then have_uv=1; else note "no libuv peer (libuv1-dev missing or build failed)"; fi
  build_tokio
}

# tokio: Debian's cargo and rustc, offline, with crates.io replaced by the
# directory source of librust-*-dev.  The crate is copied to the build tree
# so Cargo.lock (resolved against whatever versions Debian ships) stays there.
build_tokio() {
  cargo=/usr/bin/cargo reg=/usr/share/cargo/registry
  if [ ! -x $cargo ] || [ ! -d $reg/tokio-1.24.2 ] && ! ls -d $reg/tokio-1.* >/dev/null 2>&1; then
    note "no tokio peer (Debian's cargo or librust-tokio-dev missing)"
    return
  fi
  home=$out/cargo-home src=$out/tokio-src
  mkdir -p "$home" "$src/src"
  cat > "$home/config.toml" <<EOF
[source.crates-io]
replace-with = "debian"
[source.debian]
directory = "$reg"
[net]
offline = true
EOF
  cmp -s "$here/tokio/Cargo.toml" "$src/Cargo.toml" || cp "$here/tokio/Cargo.toml" "$src/"
  cmp -s "$here/tokio/src/main.rs" "$src/src/main.rs" || cp "$here/tokio/src/main.rs" "$src/src/"
  if (cd "$src" && CARGO_HOME=$home RUSTC=/usr/bin/rustc $cargo build --release \
        --offline --quiet --target-dir "$out/tokio-target") >>"$log" 2>&1; then
    cp "$out/tokio-target/release/peer-tokio" "$out/peer-tokio"
    have_tokio=1
  else
    note "no tokio peer (cargo build failed, see $log)"
  fi
}

if [ "${PEERS_SKIP_BUILD:-0}" = 1 ]; then
  [ -x "$out/peer-cpp" ] && have_cpp=1
  [ -x "$out/peer-uv" ] && have_uv=1
  [ -x "$out/peer-tokio" ] && have_tokio=1
else
  build_all
fi

# ---- running ----

# contenders ID: the lines "NAME COMMAND..." for workload ID.
contenders() {
  case $1 in
    W1) a="$W1_N" t="$W1_N" c="$W1_N" ;;
    W2a) a="1 $W2A_N" t="$W2A_N" c="$W2A_N" ;;
    W2b) a="$W2B_T $W2B_N" t="$W2B_T $W2B_N" c="$W2B_T $W2B_N" ;;
    W3) a="$W3_N" t="$W3_N" c="$W3_N" ;;
    W4) a="$W4_N $W4_MS" t="$W4_N $W4_MS" c="$W4_N $W4_MS" ;;
  esac
  prog=
  case $1 in
    W1) prog=w1_spawn ;; W2a|W2b) prog=w2_yield ;; W3) prog=w3_pingpong ;;
    W4) prog=w4_sleep_memory ;;
  esac
  case $1 in
    W5)
      echo "acc $out/chain-noinline $W5_N"
      echo "acc-inlined $out/chain $W5_N"
      echo "plain-C $out/plain $W5_N"
      [ $have_tokio = 1 ] && echo "tokio $out/peer-tokio W5 none $W5_N"
      [ $have_cpp = 1 ] && echo "cpp $out/peer-cpp W5 $W5_N"
      ;;
    W6)
      l="$out/w6_load $W6_N"
      echo "acc-current $l $out/w6_echo-current {fd} {conns}"
      echo "acc-multi $l $out/w6_echo-multi {fd} {conns}"
      echo "epoll $l $out/echo_epoll {fd} {conns}"
      [ $have_tokio = 1 ] && echo "tokio-current $l $out/peer-tokio W6 current {fd} {conns}"
      [ $have_tokio = 1 ] && echo "tokio-multi $l $out/peer-tokio W6 multi {fd} {conns}"
      [ $have_cpp = 1 ] && echo "cpp $l $out/peer-cpp W6 {fd} {conns}"
      [ $have_uv = 1 ] && echo "uv $l $out/peer-uv W6 {fd} {conns}"
      ;;
    *)
      echo "acc-current $out/$prog-current $a"
      echo "acc-multi $out/$prog-multi $a"
      [ $have_tokio = 1 ] && echo "tokio-current $out/peer-tokio $1 current $t"
      [ $have_tokio = 1 ] && echo "tokio-multi $out/peer-tokio $1 multi $t"
      [ $have_cpp = 1 ] && echo "cpp $out/peer-cpp $1 $c"
      case $1 in W2a|W2b|W4) [ $have_uv = 1 ] && echo "uv $out/peer-uv $1 $c" ;; esac
      ;;
  esac
  return 0
}

# value ID LINE: the figure of one result line ("-" if it has none).
# W1-W3: CPU ns of the process per operation; W4: peak resident bytes per
# task; W5: ns per chain; W6: the server's user CPU ns per round trip, then
# round trips per second.
value() {
  echo "$2" | awk -v id="$1" '
    function get(k,   i, kv) { for (i = 1; i <= NF; i++) { split($i, kv, "=");
                                 if (kv[1] == k) return kv[2] } return "-" }
    id == "W4" { print get("peak_bytes_per_task"); next }
    id == "W5" && / ns\/call / { print $1; next }
    id == "W5" { print get("wall_ns"); next }
    id == "W6" { print get("user_ns"), get("trips_per_s"); next }
    { print get("cpu_ns") }'
}

# runone ID NAME CMD...: one run; appends "NAME VALUE..." to $out/ID.runs.
# A run whose check fails is run once more (on a loaded machine W4's
# sleepers can wake before the last one is spawned); after a second failure
# the contender sits out the workload's remaining rounds and is named in
# $out/failed: the tables still print, and the script ends with status 1.
runone() {
  id=$1 name=$2
  shift 2
  grep -qx "$id $name" "$out/failed" && return
  for try in 1 2; do
    res=$("$@" 2>"$out/stderr" | grep -E '^(W[0-9]|[0-9.]+ ns/call)' | tail -n 1)
    case $res in
      *check=ok*|*" ns/call "*)
        echo "$name $(value "$id" "$res")" >> "$out/$id.runs"
        return ;;
    esac
    note "$id $name failed (try $try): $* -> ${res:-no result} $(head -c 300 "$out/stderr")"
  done
  echo "$id $name" >> "$out/failed"
}

# reads ID NAME CMD...: read(2)-family calls of the W6 server per round
# trip, counted by strace in one extra run (not timed).  strace slows the
# server several times over, so that run makes a tenth of the trips, and
# the count is divided by the trips w6_load reports it made (it stops at
# its time limit); "-" when it made none.
reads() {
  name=$2
  shift 2
  load=$1 n=$(( $2 / 10 > 0 ? $2 / 10 : 1 ))
  shift 2
  if ! command -v strace >/dev/null 2>&1; then
    echo "$name -" >> "$out/W6.reads"
    return
  fi
  trips=$("$load" "$n" strace -f -qq -c -e trace=read,recvfrom,recvmsg,readv \
    -o "$out/strace.txt" "$@" 2>/dev/null | sed -n 's/^W6 trips=\([0-9]*\) .*/\1/p')
  awk -v name="$name" -v n="${trips:-0}" '
    $NF == "total" { calls = $4 }
    END { if (n > 0 && calls != "") printf "%s %.2f\n", name, calls / n
          else printf "%s -\n", name }' "$out/strace.txt" >> "$out/W6.reads"
}

: > "$out/failed"
for id in $only; do
  : > "$out/$id.runs"
  contenders "$id" > "$out/$id.who"
  r=0
  while [ $r -lt "$runs" ]; do
    while read -r name cmd; do
      # shellcheck disable=SC2086
      runone "$id" "$name" $cmd
    done < "$out/$id.who"
    r=$((r + 1))
  done
  if [ "$id" = W6 ]; then
    : > "$out/W6.reads"
    while read -r name cmd; do
      # shellcheck disable=SC2086
      reads W6 "$name" $cmd
    done < "$out/W6.who"
  fi
done

# ---- reporting ----

# medians ID: "NAME median min max [median2]" per contender, in order.
medians() {
  awk '
    function med(a, n) { return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    function sort(a, n,   i, j, t) {
      for (i = 2; i <= n; i++)
        for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t } }
    { if (!($1 in cnt)) order[++k] = $1
      c = ++cnt[$1]; v[$1, c] = $2; w[$1, c] = $3 }
    END { for (i = 1; i <= k; i++) { nm = order[i]; n = cnt[nm]
            for (j = 1; j <= n; j++) { a[j] = v[nm, j]; b[j] = w[nm, j] }
            sort(a, n); sort(b, n)
            printf "%s %s %s %s %s\n", nm, med(a, n), a[1], a[n], b[1] == "" ? "-" : med(b, n) } }' \
    "$out/$1.runs"
}

what() {
  case $1 in
    W1) echo "spawn+join $W1_N tasks, CPU ns/task" ;;
    W2a) echo "1 task yields $W2A_N times, CPU ns/yield" ;;
    W2b) echo "$W2B_T tasks x $W2B_N yields, CPU ns/yield" ;;
    W3) echo "ping-pong, 2 capacity-1 channels, $W3_N trips, CPU ns/trip" ;;
    W4) echo "$W4_N tasks asleep ${W4_MS} ms, peak RSS bytes/task" ;;
    W5) echo "10-level await chain, leaf ready, $W5_N calls, ns/chain" ;;
    W6) echo "echo, 64 conns x 64 B, $W6_N trips or 10 s: server user CPU ns/trip" ;;
  esac
}

echo
echo "bench-peers: $(date -u '+%Y-%m-%d %H:%M UTC'), median of $runs interleaved runs (min-max); load $(cut -d' ' -f1-3 /proc/loadavg)"
for id in $only; do
  echo
  echo "$id: $(what "$id")"
  medians "$id" | while read -r nm m lo hi m2; do
    extra=
    [ "$id" = W6 ] && extra=$(awk -v n="$nm" -v r="$m2" '$1 == n { printf "  %8.0f trips/s  %s reads/trip", r, $2 }' "$out/W6.reads")
    printf '  %-14s %10.2f  (%s-%s)%s\n' "$nm" "$m" "$lo" "$hi" "$extra"
  done
done

# The summary: per workload the best peer, acc on each executor, the ratio.
echo
echo "| workload | best peer | acc current | acc multi | acc/best |"
echo "|---|---|---|---|---|"
for id in $only; do
  medians "$id" | awk -v id="$id" '
    $1 ~ /^acc/ { acc[$1] = $2; next }
    $1 == "plain-C" { plain = $2; next }
    best == "" || $2 < best { best = $2; who = $1 }
    END {
      if (id == "W5") { cur = acc["acc"]; mul = "" }
      else if (id == "W6" || id == "W1" || id == "W2a" || id == "W2b" || id == "W3" || id == "W4") {
        cur = acc["acc-current"]; mul = acc["acc-multi"] }
      if (cur == "") cur = "failed"
      if (mul == "" && id != "W5") mul = "failed"
      r = ""
      if (best != "" && best > 0 && cur != "failed") {
        r = sprintf("%.2f", cur / best)
        if (mul != "") r = r (mul == "failed" ? " / -" : sprintf(" / %.2f", mul / best))
      }
      extra = id == "W5" && plain > 0 && cur != "failed" ? sprintf(" (plain C %.2f: acc %.2fx)", plain, cur / plain) : ""
      printf "| %s | %s %s | %s | %s | %s%s |\n", id, who == "" ? "-" : who, best, cur,
             mul == "" ? "-" : mul, r == "" ? "-" : r, extra }'
done

if [ -s "$out/failed" ]; then
  echo
  echo "failed twice in a round, left out of the medians above:"
  sed 's/^/  /' "$out/failed"
  exit 1
fi
