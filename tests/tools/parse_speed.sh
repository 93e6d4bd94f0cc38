#!/bin/sh
# Parsing speed of the front end: a file including 36 system headers is
# preprocessed by each parse_check run (not timed), then parsed; the median
# of 5 parse times and the preprocessed lines per second, then the wall
# time of one full run (cpp, parse, libclang oracle, sema) for reference.
# Usage: sh tests/tools/parse_speed.sh [BUILD]
build=${1:-build}
check=$build/tests/tools/parse_check
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for h in stdio.h stdlib.h string.h math.h pthread.h signal.h unistd.h \
         fcntl.h errno.h time.h sys/socket.h netinet/in.h arpa/inet.h netdb.h \
         sys/stat.h sys/types.h sys/mman.h sys/wait.h sys/epoll.h sys/ioctl.h \
         poll.h dirent.h locale.h wchar.h wctype.h ctype.h stdint.h \
         inttypes.h complex.h regex.h termios.h sched.h semaphore.h setjmp.h \
         glob.h; do
  echo "#include <$h>"
done > "$tmp/big.ac"
echo 'int main(void) { return 0; }' >> "$tmp/big.ac"
lines=$(clang -E -x c "$tmp/big.ac" | wc -l)
for i in 1 2 3 4 5; do
  "$check" --time --no-oracle "$tmp/big.ac" 2>&1 | sed 's/parse: //; s/ ms//'
done | sort -n > "$tmp/times"
median=$(sed -n 3p "$tmp/times")
echo "preprocessed lines: $lines"
echo "parse times (ms): $(tr '\n' ' ' < "$tmp/times")"
echo "median parse: $median ms, $(awk -v l="$lines" -v m="$median" "BEGIN { printf \"%d\", l / (m / 1000) }") lines/s"
start=$(date +%s%N)
"$check" "$tmp/big.ac"
end=$(date +%s%N)
echo "full run (cpp + parse + oracle + sema): $(( (end - start) / 1000000 )) ms"
