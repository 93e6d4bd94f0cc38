#!/bin/sh
# The harnesses of `make bench-peers` and `make bench-translate`, run with
# tiny sizes and one run each: they must build what they measure, run every
# contender with its check passing, and print their tables in full.  No
# figure is judged (speed is for the benchmarks themselves).  A peer whose
# toolchain is not installed (tokio, libuv, g++: `make bench-peers`
# installs them) is left out by the harness; the rows of acc, the plain C
# chain and the epoll server are always there.
. "$ROOT/tests/lib.sh"
set -u

BUILD=${BUILD:-$ROOT/build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# ---- bench-peers ----
PEERS_SIZE=smoke BUILD=$BUILD ACC=${ACC:-$BUILD/acc} \
  sh "$ROOT/bench/peers/run.sh" 1 >"$T/peers" 2>"$T/peers.err"
rc=$?
if [ $rc -eq 0 ]; then
  ok "bench-peers runs every contender of W1-W6 with its checks passing"
else
  bad "bench-peers runs every contender of W1-W6 with its checks passing" \
    "exit $rc: $(tail -c 600 "$T/peers.err")"
fi
# One median row per contender under each workload's heading.
rows() { awk -v id="$1" '$1 == id ":" { on = 1; next } /^$/ { on = 0 } on { print $1 }' "$T/peers" | tr '\n' ' '; }
expect_rows() {
  id=$1
  shift
  got=" $(rows "$id")"
  for name in "$@"; do
    case $got in
      *" $name "*) ;;
      *) bad "bench-peers $id has a row for $name" "rows: $got"; return ;;
    esac
  done
  ok "bench-peers $id has a row for each of: $*"
}
opt=
grep -q "no C++20 peer" "$T/peers.err" || opt="$opt cpp"
grep -q "no tokio peer" "$T/peers.err" || opt="$opt tokio-current tokio-multi"
expect_rows W1 acc-current acc-multi $opt
expect_rows W2b acc-current acc-multi $opt
expect_rows W3 acc-current acc-multi $opt
expect_rows W4 acc-current acc-multi $opt
expect_rows W5 acc acc-inlined plain-C
expect_rows W6 acc-current acc-multi epoll $opt
# W6's rows carry the reads per round trip (strace) when strace is there.
if command -v strace >/dev/null 2>&1; then
  if awk '$1 == "W6:" { on = 1; next } on && /^$/ { exit } on && !/reads\/trip/ { bad = 1 } END { exit bad }' "$T/peers"; then
    ok "bench-peers W6 counts the server's reads per round trip"
  else
    bad "bench-peers W6 counts the server's reads per round trip" "$(grep -A8 '^W6:' "$T/peers")"
  fi
fi
# A W6 run cut by its time limit (a slow loopback) stops sending, waits
# for the echoes in flight and still counts: the servers see a clean end.
P=$BUILD/bench/peers
for srv in w6_echo-current w6_echo-multi echo_epoll; do
  line=$(W6_SECONDS=0.3 W6_MIN_TRIPS=1 "$P/w6_load" 100000000 "$P/$srv" '{fd}' '{conns}' 2>&1)
  case $line in
    *"cut=time check=ok"*) ok "a W6 run cut at its time limit ends clean: $srv" ;;
    *) bad "a W6 run cut at its time limit ends clean: $srv" "$line" ;;
  esac
done
n=$(grep -cE '^\| W(1|2a|2b|3|4|5|6) \|' "$T/peers")
if [ "$n" -eq 7 ]; then
  ok "bench-peers prints the summary table, one row per workload"
else
  bad "bench-peers prints the summary table, one row per workload" "$n rows: $(tail -n 10 "$T/peers")"
fi

# A contender that fails both tries sits out and is named; the table still
# prints and the status says so.  The smoke run's binaries are reused with
# acc's multi-thread W3 program replaced by one that fails.
mkdir -p "$T/b/bench"
cp -r "$BUILD/bench/peers" "$T/b/bench/" 2>/dev/null
printf '#!/bin/sh\necho "W3 check=FAIL"\nexit 1\n' > "$T/b/bench/peers/w3_pingpong-multi"
chmod +x "$T/b/bench/peers/w3_pingpong-multi"
PEERS_SIZE=smoke PEERS_SKIP_BUILD=1 PEERS_ONLY="W2a W3" BUILD=$T/b \
  sh "$ROOT/bench/peers/run.sh" 2 >"$T/peers-f" 2>"$T/peers-f.err"
rc=$?
if [ $rc -eq 1 ] && grep -q '^| W3 | .* | failed | ' "$T/peers-f" &&
   grep -q '^| W2a |' "$T/peers-f" && grep -qx '  W3 acc-multi' "$T/peers-f" &&
   [ "$(grep -c 'W3 acc-multi failed' "$T/peers-f.err")" -eq 2 ]; then
  ok "bench-peers prints its tables when a contender fails, names it and exits 1"
else
  bad "bench-peers prints its tables when a contender fails, names it and exits 1" \
    "exit $rc: $(tail -n 8 "$T/peers-f") $(tail -c 300 "$T/peers-f.err")"
fi

# ---- bench-translate ----
TRANSLATE_SIZE=smoke BUILD=$BUILD ACC=${ACC:-$BUILD/acc} \
  sh "$ROOT/bench/translate/run.sh" 1 >"$T/tr" 2>"$T/tr.err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$T/tr.err" ]; then
  ok "bench-translate generates, translates and compiles every input"
else
  bad "bench-translate generates, translates and compiles every input" \
    "exit $rc: $(tail -c 600 "$T/tr.err")"
fi
# Every row has figures in each column (a failed or timed-out command
# leaves "fail" or "timeout").
for input in "funcs 32" "funcs 64" "plain 16" "callees 40" "awaits 50"; do
  line=$(grep "^| $input |" "$T/tr")
  if echo "$line" | awk -F'|' '{ for (i = 3; i <= 13; i++) if ($i !~ /^ *[0-9.]+( MB|\/[a-zA-Z]+)? *$/) exit 1 }'; then
    ok "bench-translate row '$input' has every figure"
  else
    bad "bench-translate row '$input' has every figure" "${line:-no row}"
  fi
done
# TRANSLATE_GCC=0: translation alone, the gcc columns left empty.
line=$(TRANSLATE_SIZE=smoke TRANSLATE_CASES=funcs:32 TRANSLATE_GCC=0 \
  BUILD=$BUILD ACC=${ACC:-$BUILD/acc} sh "$ROOT/bench/translate/run.sh" 1 2>&1 |
  grep '^| funcs 32 |')
if echo "$line" | awk -F'|' '$4 ~ /^ *[0-9.]+ *$/ && $11 $12 $13 ~ /^ *- *- *- *$/ { ok = 1 } END { exit !ok }'; then
  ok "bench-translate with TRANSLATE_GCC=0 measures acc and clang only"
else
  bad "bench-translate with TRANSLATE_GCC=0 measures acc and clang only" "${line:-no row}"
fi

summary bench_harness
