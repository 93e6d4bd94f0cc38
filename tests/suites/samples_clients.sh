#!/bin/sh
# The server samples against real clients from Debian packages: http.ac
# with curl (and nc for what curl will not send), chat.ac with several nc
# and socat clients, echo.ac with nc under a low fd limit.  Every reply is
# checked.  Servers listen on 127.0.0.1 at a port the kernel picks and run
# with 2 workers (AC_WORKERS); each check is bounded in time.
. "$ROOT/tests/lib.sh"
work="$BUILD/samples-clients"
rm -rf "$work" && mkdir -p "$work"
cp "$ROOT"/samples/*.ac "$ROOT"/samples/Makefile "$work"/
if ! make -s -C "$work" ROOT="$ROOT" ACC="$ACC" http chat echo \
     CFLAGS="-std=c11 -O2 -g -Wall -Wextra -Werror $SAN" \
     LDFLAGS="$SAN" >"$work/build.log" 2>&1; then
  bad "server samples build" "$(tail -5 "$work/build.log")"
  summary samples_clients
  exit 1
fi
for tool in curl nc socat; do
  command -v $tool >/dev/null 2>&1 || { bad "$tool is installed (mk/deps.sh)"; }
done
export AC_WORKERS=2
H=127.0.0.1
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT

# wait_for FILE REGEX [TENTHS]: until FILE matches (default 10 s).
wait_for() {
  i=0
  while [ $i -lt "${3:-100}" ]; do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}

# start NAME ARGS...: runs a sample in the background; sets PORT and SPID.
start() {
  name=$1
  shift
  # shellcheck disable=SC2086
  ${ACC_TEST_WRAP:-} "$work/$name" "$@" >"$work/$name.log" 2>&1 &
  SPID=$!
  pids="$pids $SPID"
  if wait_for "$work/$name.log" '^listening on' 300; then
    PORT=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/$name.log")
  else
    PORT=0
    bad "$name starts" "$(tail -3 "$work/$name.log")"
  fi
}

alive() { kill -0 "$1" 2>/dev/null; }

# check NAME COND...: ok if the command succeeds.  A client's output file
# fills in after the server sent it: wait_for each file a check reads
# before checking it (a busy machine delays some clients more than others).
check() {
  name=$1
  shift
  if "$@"; then ok "$name"; else bad "$name"; fi
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# ==== http.ac and curl ====
start http 0 500
HP=$PORT
URL="http://$H:$HP"
c="$work/curl"
curl -sv --max-time 10 "$URL/" "$URL/" "$URL/nope" "$URL/" \
  >"$c.out" 2>"$c.err"
check "http: three GETs and a 404 over one connection (curl reuses it)" \
  sh -c "[ \"\$(cat '$c.out')\" = \"\$(printf 'hello\nhello\nnot found\nhello\n')\" ] &&
         [ \$(grep -c 'Re-using existing connection' '$c.err') -eq 3 ] &&
         [ \$(grep -c '^< HTTP/1.1 200 OK' '$c.err') -eq 3 ] &&
         grep -q '^< HTTP/1.1 404 Not Found' '$c.err'"
head -c 200000 /dev/urandom >"$work/body.bin"
curl -s --max-time 10 --data-binary @"$work/body.bin" "$URL/echo" \
  -o "$work/echoed.bin"
check "http: POST of 200 kB comes back byte for byte" \
  cmp -s "$work/body.bin" "$work/echoed.bin"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X DELETE "$URL/")
check "http: DELETE / is 405 ($code)" [ "$code" = 405 ]
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
       -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)" "$URL/")
check "http: a 9 kB header is 431 ($code)" [ "$code" = 431 ]
printf 'THIS IS NOT HTTP\r\n\r\n' | timeout 10 nc -N $H "$HP" >"$work/bad.out"
check "http: a malformed request line gets 400 and the connection closes" \
  grep -q '^HTTP/1.1 400 Bad Request' "$work/bad.out"
printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcdeGET / HTTP/1.1\r\nConnection: close\r\n\r\n' |
  timeout 10 nc -N $H "$HP" >"$work/pipe.out"
check "http: four pipelined requests answered in order, then closed" \
  sh -c "[ \"\$(grep -o 'HTTP/1.1 [0-9]*' '$work/pipe.out' | cut -d' ' -f2 | tr '\n' ' ')\" = '200 404 200 200 ' ] &&
         grep -q 'abcde' '$work/pipe.out'"
t0=$(date +%s%N)
timeout 10 nc -d $H "$HP" >/dev/null 2>&1
ms=$((($(date +%s%N) - t0) / 1000000))
check "http: an idle connection is closed after the 500 ms timeout ($ms ms)" \
  [ "$ms" -ge 400 ] && [ "$ms" -lt 8000 ]
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$URL/")
check "http: still up and answering after all that ($code)" [ "$code" = 200 ]
kill -TERM "$SPID" 2>/dev/null
wait "$SPID"
rc=$?
check "http: SIGTERM stops it cleanly (exit $rc)" \
  sh -c "[ $rc -eq 0 ] && grep -q 'http: stopped' '$work/http.log'"

# ==== chat.ac with nc and socat clients ====
start chat 0
CP=$PORT
# client NAME: nc reading commands from a fifo, its output in NAME.out.
client() {
  mkfifo "$work/$1.in"
  timeout 60 nc -N $H "$CP" <"$work/$1.in" >"$work/$1.out" 2>&1 &
  pids="$pids $!"
  eval "exec ${2}>\"$work/$1.in\""
}
client a 5
wait_for "$work/a.out" 'welcome, guest1'
client b 6
wait_for "$work/b.out" 'welcome, guest2'
client c 7
wait_for "$work/c.out" 'welcome, guest3'
echo "/nick alice" >&5
echo "/nick bob" >&6
wait_for "$work/c.out" 'guest2 is now known as bob'
echo "hello from alice" >&5
wait_for "$work/c.out" '^alice: hello from alice'
wait_for "$work/b.out" '^alice: hello from alice'
check "chat: a line goes to every other client, not back to its sender" \
  sh -c "grep -q '^alice: hello from alice' '$work/b.out' &&
         grep -q '^alice: hello from alice' '$work/c.out' &&
         ! grep -q '^alice:' '$work/a.out'"
printf 'half a line' >&7
sleep 0.3
exec 7>&-   # c disconnects in the middle of its line
wait_for "$work/a.out" '\* guest3 left'
wait_for "$work/b.out" '\* guest3 left'
check "chat: a client cut off mid-line leaves, its half line is not sent" \
  sh -c "grep -q '\* guest3 left' '$work/b.out' && ! grep -q 'half a line' '$work/a.out' '$work/b.out'"
# d never reads: socat -u only copies its stdin to the server.
mkfifo "$work/d.in"
timeout 60 socat -u STDIN "TCP:$H:$CP" <"$work/d.in" >/dev/null 2>&1 &
pids="$pids $!"
exec 8>"$work/d.in"
wait_for "$work/a.out" 'guest4 joined'
rss0=$(rss_kb "$SPID")
line=$(head -c 300 /dev/zero | tr '\0' x)
i=0
while [ $i -lt 3000 ]; do echo "$i $line"; i=$((i + 1)); done >&5
wait_for "$work/b.out" "^alice: 2999 " 300
rss1=$(rss_kb "$SPID")
wait_for "$work/b.out" 'guest4 was dropped'
check "chat: a client that never reads is dropped after its backlog" \
  grep -q '\* guest4 was dropped (not reading)' "$work/b.out"
check "chat: the others got all 3000 lines, in order" \
  sh -c "[ \$(grep -c '^alice: [0-9]* x' '$work/b.out') -eq 3000 ] &&
         grep '^alice: [0-9]* x' '$work/b.out' | cut -d' ' -f2 | sort -n -c"
check "chat: server memory stays flat under the flood ($rss0 -> $rss1 kB)" \
  [ $((rss1 - rss0)) -lt 4096 ]
exec 8>&-
client e 9
wait_for "$work/e.out" 'welcome'
echo "hi from e" >&9
wait_for "$work/b.out" 'guest5: hi from e'
wait_for "$work/a.out" 'guest5: hi from e'
check "chat: still up: a new client talks to the others" \
  grep -q 'guest5: hi from e' "$work/a.out"
echo "/quit" >&5
wait_for "$work/b.out" '\* alice left'
wait_for "$work/a.out" '^\* bye'
wait_for "$work/e.out" '\* alice left'
check "chat: /quit says bye and the others see alice leave" \
  sh -c "grep -q '^\* bye' '$work/a.out' && grep -q '\* alice left' '$work/e.out'"
kill -TERM "$SPID" 2>/dev/null
wait "$SPID"
rc=$?
wait_for "$work/b.out" 'shutting down'
check "chat: SIGTERM tells everyone and exits cleanly (exit $rc)" \
  sh -c "[ $rc -eq 0 ] && grep -q 'shutting down' '$work/b.out'"
exec 5>&- 6>&- 9>&-

# ==== echo.ac: idle clients dropped, accepting again after EMFILE ====
( ulimit -n 20; exec "$work/echo" 0 400 ) >"$work/echo.log" 2>&1 &
SPID=$!
pids="$pids $SPID"
wait_for "$work/echo.log" '^listening on' 300
EP=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/echo.log")
got=$(echo ping | timeout 10 nc -N $H "$EP")
check "echo: echoes a line ($got)" [ "$got" = ping ]
t0=$(date +%s%N)
timeout 10 nc -d $H "$EP" >/dev/null 2>&1
ms=$((($(date +%s%N) - t0) / 1000000))
check "echo: a silent client is dropped after 400 ms ($ms ms)" \
  [ "$ms" -ge 300 ] && [ "$ms" -lt 8000 ]
# 30 clients that talk every 200 ms, against 20 fds: some wait in the backlog.
holders=""
i=0
while [ $i -lt 30 ]; do
  (while :; do echo x; sleep 0.2; done) | timeout 3 nc $H "$EP" >/dev/null 2>&1 &
  holders="$holders $!"
  i=$((i + 1))
done
sleep 1
got=$(echo late | timeout 10 nc -N $H "$EP")
check "echo: past EMFILE it keeps accepting and serves a new client ($got)" \
  sh -c "[ '$got' = late ] && kill -0 $SPID"
pids="$pids $holders"
summary samples_clients
