#!/bin/sh
# The command line as a user meets it: every option, the exit codes and
# usage messages, each --emit view (the DOT through `dot -Tsvg`, the JSON
# through jq), atomic output, `acc cc` on a multi-file program, `make
# install` into a temporary prefix and builds against it with pkg-config
# and acc.mk (a project handing acc.mk every kind of preprocessor flag
# among them), a header edit retranslating through acc.mk, and a
# relocatable install: built in a tree of its own, installed, the tree
# deleted, the prefix moved, and `acc cc` still builds.
# Inputs are in tests/cli/; everything runs in a temporary folder.
. "$ROOT/tests/lib.sh"
set -u

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
IN="$ROOT/tests/cli"
cp "$ROOT/samples/hello.ac" "$IN"/*.ac "$IN"/*.c "$IN"/*.h "$T"/
mkdir -p "$T/inc" && cp "$IN/inc/"*.h "$T/inc/"
cd "$T" || exit 1

# run CMD...: runs it, keeping stdout in $T/out, stderr in $T/err, status
# in $rc.
run() {
  "$@" >"$T/out" 2>"$T/err"
  rc=$?
}

# expect NAME RC CMD...: the command exits with RC.
expect() {
  name=$1 want=$2
  shift 2
  run "$@"
  if [ "$rc" -eq "$want" ]; then ok "$name"; else
    bad "$name" "exit $rc, expected $want: $(head -c 300 "$T/err")"
  fi
}

# usage NAME MESSAGE ARGS...: bad usage exits 2 with exactly two lines.
usage() {
  name=$1 msg=$2
  shift 2
  run "$ACC" "$@"
  printf 'acc: error: %s\nacc: try '\''acc --help'\''\n' "$msg" >"$T/want"
  if [ "$rc" -eq 2 ] && cmp -s "$T/err" "$T/want" && [ ! -s "$T/out" ]; then
    ok "$name"
  else
    bad "$name" "exit $rc, stderr: $(cat "$T/err")"
  fi
}

# has NAME FILE PATTERN: FILE has a line matching the extended regex.
has() {
  if grep -Eq -- "$3" "$2"; then ok "$1"; else
    bad "$1" "no /$3/ in $2: $(head -c 300 "$2")"
  fi
}

# ==== information and usage (no translation needed)

expect "--help exits 0" 0 "$ACC" --help
has "--help shows the synopsis" "$T/out" '^usage: acc \[options\] FILE\.ac'
expect "--version exits 0" 0 "$ACC" --version
has "--version prints the version" "$T/out" '^acc [0-9]+\.[0-9]+\.[0-9]+$'

usage "no input: exit 2" "no input file"
usage "unknown option: exit 2" "unknown option '--frobnicate'" --frobnicate hello.ac
usage "two inputs: exit 2" "more than one input file ('hello.ac' and 'ok.ac')" hello.ac ok.ac
usage "-o without a file: exit 2" "missing argument to '-o'" hello.ac -o
usage "-I without a folder: exit 2" "missing argument to '-I'" hello.ac -I
usage "unknown --emit kind: exit 2" \
  "unknown --emit kind 'svg' (expected c, states, layout, dot, json, sync or header)" \
  --emit=svg hello.ac
usage "input without .ac needs -o: exit 2" \
  "input 'util.c' does not end in .ac; name the output with -o" util.c
usage "output over the input: exit 2" \
  "the output 'hello.ac' would overwrite the input" hello.ac -o hello.ac

expect "missing input file: exit 1" 1 "$ACC" nosuch.ac
has "missing input file: message" "$T/err" \
  "^acc: error: cannot read 'nosuch.ac': No such file or directory$"

run "$ACC" --cflags
inc=$(sed -n 's/^-I//p' "$T/out")
if [ "$rc" -eq 0 ] && [ -f "$inc/ac.h" ]; then ok "--cflags names the folder of ac.h"
else bad "--cflags names the folder of ac.h" "$(cat "$T/out")"; fi
run "$ACC" --libs
has "--libs links libacrt" "$T/out" '^-L[^ ]+ .*-lacrt'
libdir=$(sed -n 's/^-L\([^ ]*\) .*/\1/p' "$T/out")
if [ -f "$libdir/libacrt.a" ]; then ok "--libs names the folder of libacrt.a"
else bad "--libs names the folder of libacrt.a" "$libdir"; fi

expect "acc cc passes cc's failure on" 1 "$ACC" cc -c nosuch.c

# ==== translation: output files

# Programs are built as the runtime was: an ASan libacrt.so needs ASan
# programs (check-asan sets SAN).
CCS="cc ${SAN:-}"
CFLAGS_RT=$("$ACC" --cflags)
LIBS_RT=$("$ACC" --libs)

expect "translate hello.ac" 0 "$ACC" hello.ac
if [ -s hello.c ]; then ok "default output is hello.c beside the input"
else bad "default output is hello.c beside the input"; fi
expect "hello.c compiles and links" 0 \
  $CCS -std=c11 $CFLAGS_RT -o hello hello.c $LIBS_RT
run ./hello
if [ "$(cat "$T/out")" = "Hello, async world!" ]; then ok "hello runs"
else bad "hello runs" "$(cat "$T/out" "$T/err")"; fi

mkdir -p sub
expect "-o into another folder" 0 "$ACC" hello.ac -o sub/h.c
[ -s sub/h.c ] && ok "-o wrote sub/h.c" || bad "-o wrote sub/h.c"
expect "-oFILE glued" 0 "$ACC" -osub/g.c hello.ac
[ -s sub/g.c ] && ok "-oFILE wrote sub/g.c" || bad "-oFILE wrote sub/g.c"
expect "-o - writes to stdout" 0 "$ACC" hello.ac -o -
has "-o -: C on stdout" "$T/out" '^#line [0-9]+ "hello\.ac"'
expect "--no-line" 0 "$ACC" --no-line hello.ac -o -
if grep -q '^#line' "$T/out" || [ ! -s "$T/out" ]; then
  bad "--no-line leaves out #line"; else ok "--no-line leaves out #line"; fi

# ==== preprocessor options (flags.ac #errors unless ANSWER == EXPECT)

expect "-I DIR finds a header" 0 "$ACC" -I inc flags.ac -o -
expect "without -I the header is missing" 1 "$ACC" flags.ac -o -
expect "-D NAME=VALUE" 0 "$ACC" -I inc -D ANSWER=42 -D EXPECT=42 flags.ac -o -
expect "-D value reaches the preprocessor" 1 "$ACC" -I inc -D ANSWER=7 -D EXPECT=8 flags.ac -o -
expect "-IDIR and -DNAME glued" 0 "$ACC" -Iinc -DANSWER=7 -DEXPECT=7 flags.ac -o -
expect "-U NAME" 0 "$ACC" -I inc -DANSWER=1 -U ANSWER -DEXPECT=0 flags.ac -o -
expect "-UNAME glued" 0 "$ACC" -I inc -DANSWER=1 -UANSWER -DEXPECT=0 flags.ac -o -
expect "-include FILE" 0 "$ACC" -I inc -include forced.h -DEXPECT=99 flags.ac -o -
expect "-std=c11" 0 "$ACC" -std=c11 hello.ac -o -
expect "--cpp=CMD runs that preprocessor" 0 \
  "$ACC" "--cpp=clang -E -DANSWER=5" -I inc -DEXPECT=5 flags.ac -o -
expect "__ACC__ is defined while acc preprocesses" 0 \
  "$ACC" -I inc -DCHECK_ACC flags.ac -o -
expect "--cpp=false fails" 1 "$ACC" --cpp=false hello.ac -o none.c
[ -e none.c ] && bad "--cpp failure leaves no output" || ok "--cpp failure leaves no output"
# A --cpp that is not a clang runs (its errors count), and acc's analysis
# reads clang's preprocessing with its options.
expect "--cpp='gcc -E' on glibc's <stdio.h>" 0 \
  "$ACC" "--cpp=gcc -E" gcc_cpp.ac -o gcc_cpp.c
if grep -q 'assert(v == 42)' gcc_cpp.c && grep -q 'errno = 0;' gcc_cpp.c &&
   gcc -Wall -Wextra -Werror ${SAN:-} $("$ACC" --cflags) gcc_cpp.c \
     $("$ACC" --libs) -o gcc_cpp 2>"$T/err" && [ "$(./gcc_cpp)" = "42 0" ]; then
  ok "--cpp='gcc -E': the body as written, built by gcc, runs"
else
  bad "--cpp='gcc -E': the body as written, built by gcc, runs" \
    "$(head -c 300 "$T/err")"
fi
expect "--cpp='gcc -E': gcc's own #error stops it" 1 \
  "$ACC" "--cpp=gcc -E -DFAIL_UNDER_GCC" gcc_cpp.ac -o none.c
if grep -q 'gcc preprocessed this file' "$T/err" && [ ! -e none.c ]; then
  ok "--cpp='gcc -E': gcc's message, no output"
else
  bad "--cpp='gcc -E': gcc's message, no output" "$(head -c 300 "$T/err")"
fi

# ==== -fsyntax-only and errors

rm -f ok.c
expect "-fsyntax-only on a good file" 0 "$ACC" -fsyntax-only ok.ac
[ -e ok.c ] && bad "-fsyntax-only writes nothing" || ok "-fsyntax-only writes nothing"
expect "-fsyntax-only on a bad file" 1 "$ACC" -fsyntax-only broken.ac
has "errors in gcc's form" "$T/err" '^broken\.ac:[0-9]+:[0-9]+: error: '

# ==== atomic output

expect "a failing translation exits 1" 1 "$ACC" broken.ac
[ -e broken.c ] && bad "a failed run leaves no output file" \
  || ok "a failed run leaves no output file"
printf 'old contents\n' >old.c
touch -d '2001-01-01 00:00:00' old.c
expect "failing over an old output exits 1" 1 "$ACC" broken.ac -o old.c
if [ "$(cat old.c)" = "old contents" ] && [ "$(stat -c %Y old.c)" = \
  "$(date -d '2001-01-01 00:00:00' +%s)" ]; then
  ok "a failed run leaves the old output untouched"
else bad "a failed run leaves the old output untouched"; fi
if ls -a | grep -q '^\.old\.c\.\|^\.broken'; then
  bad "no temporary files left behind" "$(ls -a)"
else ok "no temporary files left behind"; fi

# The C goes to a temporary beside the output as it is made: a write that
# fails midway (the file size limit, its signal ignored: write() says
# EFBIG) leaves the old output and no temporary.
i=0
while [ $i -lt 300 ]; do
  printf 'async int f%d(int x) { return x + %d; }\n' $i $i
  i=$((i + 1))
done >many.ac
printf 'async int main(void) { return await f0(0); }\n' >>many.ac
run sh -c 'trap "" XFSZ; ulimit -f 64; exec "$0" many.ac -o old.c' "$ACC"
[ "$rc" = 1 ] && grep -q "cannot write 'old.c'" "$T/err" &&
  [ "$(cat old.c)" = "old contents" ] &&
  ok "a write failing midway: exit 1, the old output kept" ||
  bad "a write failing midway: exit 1, the old output kept" \
    "rc=$rc $(cat "$T/err") $(wc -c <old.c)"
if ls -a | grep -q '^\.old\.c\.'; then
  bad "a write failing midway leaves no temporary" "$(ls -a)"
else ok "a write failing midway leaves no temporary"; fi
expect "the same file translates without the limit" 0 "$ACC" many.ac -o many.c
[ "$(wc -c <many.c)" -gt 65536 ] && ok "its output is over the limit" ||
  bad "its output is over the limit" "$(wc -c <many.c) bytes"

# An output that is not a plain file is written into, never replaced: a
# link keeps pointing where it did, a FIFO stays a FIFO and gets the text,
# a device stays a device (as root, `-o /dev/null` once replaced the
# machine's /dev/null with a file).  Their temporaries go to $TMPDIR.
"$ACC" hello.ac -o ref.c 2>/dev/null
sed '/^#line/d' ref.c >ref.nolines
mkdir -p tmpd special
lines_of() { sed '/^#line/d' "$1" | cmp -s - ref.nolines; }
mkfifo special/fifo
# The reader gives up after a while: with the FIFO replaced it waits forever.
timeout 30 cat special/fifo >special/from_fifo &
reader=$!
run env TMPDIR="$T/tmpd" "$ACC" hello.ac -o special/fifo
wait $reader
[ "$rc" = 0 ] && [ -p special/fifo ] && lines_of special/from_fifo &&
  ok "-o FIFO: the FIFO stays and its reader gets the C" ||
  bad "-o FIFO: the FIFO stays and its reader gets the C" \
    "rc=$rc $(ls -l special) $(cat "$T/err")"
echo old >special/real.c
ln -s real.c special/link.c
ln -s made.d special/dangling.d
run env TMPDIR="$T/tmpd" "$ACC" hello.ac -o special/link.c -MD -MF special/dangling.d
[ "$rc" = 0 ] && [ -L special/link.c ] && lines_of special/real.c &&
  ok "-o LINK: the link stays, the file it names gets the C" ||
  bad "-o LINK: the link stays, the file it names gets the C" \
    "rc=$rc $(ls -l special) $(cat "$T/err")"
[ -L special/dangling.d ] && grep -q 'hello\.ac' special/made.d &&
  ok "-MF to a dangling link: the link stays, its name is made" ||
  bad "-MF to a dangling link: the link stays, its name is made" "$(ls -l special)"
# /proc/self/fd/1 rather than /dev/stdout: the code that replaced the link
# would have replaced the machine's /dev/stdout; /proc refuses it.
run sh -c 'env TMPDIR="$1/tmpd" "$0" hello.ac -o /proc/self/fd/1 | cat >special/piped' \
  "$ACC" "$T"
[ "$rc" = 0 ] && lines_of special/piped &&
  ok "-o /proc/self/fd/1 writes into the pipe" ||
  bad "-o /proc/self/fd/1 writes into the pipe" "rc=$rc $(cat "$T/err")"
if mknod special/null c 1 3 2>/dev/null; then
  run env TMPDIR="$T/tmpd" "$ACC" hello.ac -o special/null
  [ "$rc" = 0 ] && [ -c special/null ] &&
    ok "-o a device: the device stays" ||
    bad "-o a device: the device stays" "rc=$rc $(ls -l special/null)"
fi
[ -z "$(ls -A tmpd)" ] && ok "writing into a special file leaves no temporary" ||
  bad "writing into a special file leaves no temporary" "$(ls -A tmpd)"
if ls -A special | grep -q '^\.'; then
  bad "no temporary beside a special output" "$(ls -a special)"
else ok "no temporary beside a special output"; fi

# ==== the views

expect "--emit=states" 0 "$ACC" --emit=states hello.ac
cp "$T/out" states.txt
has "states: main awaits hello" states.txt 'AwaitingHello'
has "states: hello awaits print_async" states.txt 'AwaitingPrint'
has "states: Start" states.txt 'Start'
has "states: Done" states.txt 'Done'
expect "--emit=layout" 0 "$ACC" --emit=layout hello.ac
has "layout: a frame size" "$T/out" '[0-9]+'
expect "--emit=sync" 0 "$ACC" --emit=sync hello.ac -o sync.c
if grep -Eq 'async (int|void)|await [a-z_]+\(' sync.c || [ ! -s sync.c ]; then
  bad "sync: no async or await left" "$(cat sync.c)"
else ok "sync: no async or await left"; fi
expect "sync erasure compiles" 0 $CCS -std=c11 $CFLAGS_RT -o sync sync.c $LIBS_RT
run ./sync
[ "$(cat "$T/out")" = "Hello, async world!" ] && ok "sync erasure runs alike" \
  || bad "sync erasure runs alike" "$(cat "$T/out")"

# --emit=header (a C program calling one is in tests/toolbox/)
cat >lib.ac <<'END'
#include <ac.h>
static async long twice(long x) { return 2 * x; }
async long quad(long x) { return await twice(await twice(x)); }
END
expect "--emit=header" 0 "$ACC" --emit=header lib.ac
has "header: beside the input, guarded" lib.h '^#ifndef ACC_LIB_H'
has "header: the async prototype for acc" lib.h '^async long quad\(long x\);'
has "header: the frame functions for C" lib.h \
  '^ac_poll_t quad__poll\(quad__frame \*ac__F, ac_context_t \*ac__cx, long \*ac__out\);'
has "header: block_on for C" lib.h \
  '^static inline int quad__block_on\(long x, long \*ac__out\) \{'
if grep -q twice lib.h; then bad "header: no static function" "$(cat lib.h)"
else ok "header: no static function"; fi
cat >quad_main.c <<'END'
#include <stdio.h>
#include "lib.h"
int main(void) {
  long v = 0;
  int rc = quad__block_on(5, &v);
  printf("%d %ld\n", rc, v);
  return rc;
}
END
expect "a C main calls the library" 0 sh -c \
  "'$ACC' lib.ac && $CCS -std=c11 -Wall -Wextra -Werror $CFLAGS_RT -o quad quad_main.c lib.c $LIBS_RT && ./quad"
[ "$(cat "$T/out")" = "0 20" ] && ok "it blocks on quad(5)" \
  || bad "it blocks on quad(5)" "$(cat "$T/out")"
cat >ptrlib.ac <<'END'
#include <ac.h>
async long apply(async long (*f)(long),
                 long x) { return await f(x); }
END
expect "--emit=header: async function pointer parameters" 0 \
  "$ACC" --emit=header ptrlib.ac
has "header: the pointer is plain in C, no blank where async was" ptrlib.h \
  '^long apply__shim\(long \(\*f\)\(long\), long x\);'
has "header: the .ac prototype on one line, in the comment" ptrlib.h \
  '^/\* async long apply\(async long \(\*f\)\(long\), long x\) \*/$'
if sed -n '/^#else/,/^#endif/p' ptrlib.h | grep -Eq '\( |[^ ]  +[^ /]'; then
  bad "header: the C part reads as clean C" "$(sed -n '/^#else/,$p' ptrlib.h)"
else ok "header: the C part reads as clean C"; fi
cat >local.ac <<'END'
struct local { int a; };
async int uses_local(struct local l) { return l.a; }
END
expect "--emit=header: a type only the .ac file sees" 1 \
  "$ACC" --emit=header local.ac -o local.h
has "it says which and where" "$T/err" \
  "error: 'uses_local' uses the type 'struct local', which local.ac defines itself"
[ ! -e local.h ] && ok "and writes no header" || bad "and writes no header"

expect "--emit=dot" 0 "$ACC" --emit=dot hello.ac -o hello.dot
has "dot: a digraph" hello.dot '^digraph '
has "dot: a cluster per function" hello.dot 'subgraph cluster_'
expect "dot -Tsvg renders it" 0 dot -Tsvg hello.dot -o hello.svg
has "dot: an SVG came out" hello.svg '<svg'

expect "--emit=json" 0 "$ACC" --emit=json hello.ac -o hello.json
expect "json parses" 0 jq -e . hello.json
expect "json: version, file, functions" 0 jq -e \
  '.version == 1 and .file == "hello.ac" and
   ([.functions[].name] | sort) == ["hello", "main", "print_async"]' hello.json
expect "json: main goes Start, AwaitingHello, Done" 0 jq -e \
  '.functions[] | select(.name == "main") |
   [.states[].name] == ["Start", "AwaitingHello", "Done"]' hello.json
expect "json: every state has the documented fields" 0 jq -e \
  '[.functions[].states[] | has("id") and has("name") and has("kind") and
    has("line") and has("await") and has("successors")] | all' hello.json
expect "json: the await text and line" 0 jq -e \
  '.functions[] | select(.name == "main") | .states[1] |
   .await == "hello()" and .line == 17 and .kind == "await"' hello.json
expect "json: frames and fields" 0 jq -e \
  '[.functions[].frame | has("size") and has("align") and
    (.fields | map(has("name") and has("type") and has("offset") and
      has("size") and has("live_in_states") and has("union")) | all)] | all' \
  hello.json
expect "json: boxed children and notes" 0 jq -e \
  '[.functions[] | has("boxed") and has("notes") and has("recursive")] | all' \
  hello.json

expect "--emit=json with awaits through macros" 0 \
  "$ACC" --emit=json macro_awaits.ac -o macro_awaits.json
expect "json: an await as the .ac writes it (macros invoked, no comments)" 0 \
  jq -e '[.functions[] | select(.name == "main") | .states[].await] ==
         [null, "NAP(TWICE(1))", "leaf(TWICE(3))", "leaf(v)", null]' \
  macro_awaits.json
run "$ACC" macro_awaits.ac -o -
if grep -q '"AwaitingSleep", "NAP(TWICE(1))"' "$T/out" &&
   grep -q '"AwaitingLeaf2", "leaf(TWICE(3))"' "$T/out"; then
  ok "debug tables: the await text as the .ac writes it"
else
  bad "debug tables: the await text as the .ac writes it" \
    "$(grep -m3 '"Awaiting' "$T/out")"
fi

expect "--emit=json on loops, switch, goto" 0 "$ACC" --emit=json flow.ac -o flow.json
expect "json: transitions through a loop" 0 jq -e \
  '.functions[] | select(.name == "f") | [.states[].successors] ==
   [[1], [2, 3], [2, 3], [4], []]' flow.json
expect "json: transitions through switch, && and goto" 0 jq -e \
  '.functions[] | select(.name == "g") | [.states[].successors] ==
   [[1, 2, 3, 4, 5], [4, 5], [3, 4, 5], [4, 5], [4, 5], []]' flow.json
expect "dot -Tsvg renders flow.ac" 0 sh -c "'$ACC' --emit=dot flow.ac | dot -Tsvg >/dev/null"

expect "--emit=json on combinators" 0 "$ACC" --emit=json "$ROOT/samples/jobs.ac" -o jobs.json
expect "json: a combinator's branches, in polling order" 0 jq -e \
  '.functions[] | select(.name == "attempt") | .states[1] |
   .child == "combinator" and
   [.branches[] | [.callee, .child, .output, (.field | type)]] ==
   [["run", "pointer", "long", "string"], ["ac_cancel_wait_t", "leaf", "void", "string"],
    ["ac_sleep_t", "leaf", "void", "string"]]' jobs.json
fp_ac="$ROOT/tests/diff/async_function_pointers_in_frame_structs_and_arrays.ac"
expect "--emit=json on async function pointers" 0 \
  "$ACC" -I "$ROOT/tests/diff" --emit=json "$fp_ac" -o fp.json
expect "json: an await through an async function pointer is a \"pointer\"" 0 \
  jq -e '[.functions[] | select(.name == "run_all") | .states[] |
          select(.kind == "await") | [.callee, .child]] ==
         [["ac_dyn_t", "pointer"]]' fp.json
run "$ACC" -I "$ROOT/tests/diff" --emit=states "$fp_ac"
has "states: it says what it is" "$T/out" \
  'await ac_dyn_t at 45:9 -> long \(call through an async function pointer'
expect "json: ac_within's deadline is its last branch" 0 jq -e \
  '.functions[] | select(.name == "main") | .states[2] |
   .callee == "ac_within" and [.branches[].callee] ==
   ["ac_task_set_join_t", "ac_sleep_t"]' jobs.json

# The views hold for real programs: every tenth differential test program
# (loops, switch, goto, recursion, leaves, future values).
views=0 broken_views=""
i=0
for f in "$ROOT"/tests/diff/*.ac; do
  i=$((i + 1))
  [ $((i % 10)) -eq 1 ] || continue
  views=$((views + 1))
  "$ACC" -I "$ROOT/tests/diff" --emit=json "$f" -o v.json 2>/dev/null &&
    jq -e . v.json >/dev/null &&
    "$ACC" -I "$ROOT/tests/diff" --emit=dot "$f" -o v.dot 2>/dev/null &&
    dot -Tsvg v.dot >/dev/null 2>&1 || broken_views="$broken_views $(basename "$f")"
done
if [ -z "$broken_views" ] && [ "$views" -gt 0 ]; then
  ok "json parses and dot renders for $views tests/diff programs"
else bad "json parses and dot renders for $views tests/diff programs" "$broken_views"; fi

# ==== dependencies

expect "-MD -MF -MT" 0 "$ACC" -I inc -MD -MF flags.dep -MT my-target flags.ac -o flags.c
has "dep file names the target and the .ac" flags.dep '^my-target: flags\.ac'
has "dep file names the included header" flags.dep 'inc/answer\.h'
has "dep file has a rule per header (-MP)" flags.dep '^inc/answer\.h:'
expect "-MD alone" 0 "$ACC" -I inc -MD flags.ac -o flags2.c
has "-MD names the file after the output" flags2.d '^flags2\.c: flags\.ac'
rm -f broken.d
expect "-MD on a failing file" 1 "$ACC" -MD broken.ac
[ -e broken.d ] && bad "no dep file after a failure" || ok "no dep file after a failure"

# ==== acc cc

mkdir -p ccdir
export TMPDIR="$T/ccdir" CC="$CCS"
expect "acc cc: one .ac and one .c" 0 "$ACC" cc -std=c11 -Wall prog.ac util.c -o prog
run ./prog
[ "$(cat "$T/out")" = "21" ] && ok "acc cc: the program runs" \
  || bad "acc cc: the program runs" "$(cat "$T/out" "$T/err")"
rm -f prog.o util.o prog2
expect "acc cc -c x.ac" 0 "$ACC" cc -std=c11 -c prog.ac
[ -f prog.o ] && ok "acc cc -c x.ac writes x.o" || bad "acc cc -c x.ac writes x.o" "$(ls)"
expect "acc cc -c x.c" 0 "$ACC" cc -std=c11 -c util.c
expect "acc cc links objects" 0 "$ACC" cc prog.o util.o -o prog2
run ./prog2
[ "$(cat "$T/out")" = "21" ] && ok "acc cc: -c then link runs" \
  || bad "acc cc: -c then link runs" "$(cat "$T/out" "$T/err")"
expect "acc cc -c -o" 0 "$ACC" cc -std=c11 -c prog.ac -o sub/p.o
[ -f sub/p.o ] && ok "acc cc keeps -o" || bad "acc cc keeps -o"
expect "acc cc -D and -I reach acc" 0 "$ACC" cc -std=c11 -Iinc -DANSWER=3 -DEXPECT=3 -c flags.ac
expect "acc cc: a -D that fails acc's #error" 1 "$ACC" cc -std=c11 -Iinc -DANSWER=3 -DEXPECT=4 -c flags.ac
expect "acc cc -MD" 0 "$ACC" cc -std=c11 -Iinc -MD -c flags.ac -o flags.o
has "acc cc -MD names the .ac" flags.d '^flags\.o: flags\.ac'
if grep -q "$T/ccdir" flags.d; then bad "acc cc -MD: no temporary paths"
else ok "acc cc -MD: no temporary paths"; fi
expect "acc cc -MM" 0 "$ACC" cc -Iinc -MM flags.ac
has "acc cc -MM prints the .ac's rule" "$T/out" '^flags\.o: flags\.ac'
has "acc cc -MM lists the header" "$T/out" 'inc/answer\.h'
expect "acc cc: compiler warnings" 0 "$ACC" cc -std=c11 -Wall -c warn.ac
has "acc cc: messages point at .ac lines" "$T/err" '^warn\.ac:9:[0-9]+: warning: unused variable'
expect "acc cc: a failing translation" 1 "$ACC" cc -c broken.ac
[ -e broken.o ] && bad "acc cc: no object after a failure" \
  || ok "acc cc: no object after a failure"
if [ -z "$(ls -A ccdir)" ]; then ok "acc cc removes its temporaries"
else bad "acc cc removes its temporaries" "$(ls -A ccdir)"; fi

# A signal during the compile: acc removes its temporaries, then dies of it.
mkdir -p sig
printf '#!/bin/sh\nsleep 2\n' >slowcc && chmod +x slowcc
TMPDIR="$T/sig" CC="$T/slowcc" "$ACC" cc -c prog.ac &
pid=$!
sleep 1
kill -TERM $pid
wait $pid
rc=$?
if [ "$rc" -eq 143 ] && [ -z "$(ls -A sig)" ]; then
  ok "acc cc killed: temporaries removed, died of the signal"
else bad "acc cc killed: temporaries removed, died of the signal" \
  "status $rc, left: $(ls -A sig)"; fi
unset TMPDIR CC

# ==== make install, pkg-config, acc.mk

P="$T/prefix"
# The ABI version the library's SONAME carries (runtime/runtime.mk).
abi=$(sed -n 's/^RT_ABI *:= *//p' "$ROOT/runtime/runtime.mk")
case $abi in
  ''|*[!0-9]*) bad "runtime/runtime.mk names the ABI version" "RT_ABI '$abi'" ;;
  *) ok "runtime/runtime.mk names the ABI version" ;;
esac
run make -C "$ROOT" BUILD="$BUILD" install PREFIX="$P"
if [ "$rc" -eq 0 ]; then ok "make install PREFIX"
else bad "make install PREFIX" "$(tail -5 "$T/err")"; fi
missing=""
for f in bin/acc include/ac.h lib/libacrt.a lib/libacrt.so "lib/libacrt.so.$abi" \
  lib/pkgconfig/acrt.pc share/acc/acc.mk share/man/man1/acc.1; do
  [ -f "$P/$f" ] || missing="$missing $f"
done
[ -z "$missing" ] && ok "install: every file in place" \
  || bad "install: every file in place" "missing$missing"
run readelf -d "$P/lib/libacrt.so"
has "libacrt.so has a SONAME" "$T/out" "SONAME.*\\[libacrt\\.so\\.$abi\\]"
pcver=$(PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --modversion acrt)
accver=$("$P/bin/acc" --version | sed 's/^acc //')
[ -n "$pcver" ] && [ -f "$P/lib/libacrt.so.$pcver" ] && [ "$pcver" = "$accver" ] \
  && ok "pkg-config's version is the library's and acc's" \
  || bad "pkg-config's version is the library's and acc's" \
    "pc $pcver, acc $accver: $(ls "$P/lib")"
run env PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --cflags --libs acrt
has "pkg-config names the prefix" "$T/out" "^-I$P/include -L$P/lib .*-lacrt"
run "$P/bin/acc" --cflags --libs
has "installed acc --cflags --libs names the prefix" "$T/out" "^-I$P/include -L$P/lib "
accflags=$(cat "$T/out")
pcflags=$(PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --cflags --libs acrt)
[ "$(echo $pcflags)" = "$(echo $accflags)" ] \
  && ok "pkg-config gives the flags acc --cflags --libs gives" \
  || bad "pkg-config gives the flags acc --cflags --libs gives" "'$pcflags' vs '$accflags'"
expect "man page formats" 0 man --warnings -l "$P/share/man/man1/acc.1"

mkdir -p pc && cp hello.ac pc/
expect "installed acc translates" 0 "$P/bin/acc" pc/hello.ac
expect "build with pkg-config" 0 sh -c "$CCS -std=c11 \
  \$(PKG_CONFIG_PATH='$P/lib/pkgconfig' pkg-config --cflags acrt) \
  -o pc/hello pc/hello.c \$(PKG_CONFIG_PATH='$P/lib/pkgconfig' pkg-config --libs acrt)"
run pc/hello
[ "$(cat "$T/out")" = "Hello, async world!" ] && ok "pkg-config build runs" \
  || bad "pkg-config build runs" "$(cat "$T/out" "$T/err")"

# The user's make below must not inherit this run's make flags: under
# `make -s test` acc.mk rightly stops echoing acc's command, which the
# header-edit check reads.
unset MAKEFLAGS MFLAGS MAKELEVEL
mkdir -p mk && cp "$IN/mk/"* mk/
MKARGS="ACC=$P/bin/acc ACCMK=$P/share/acc/acc.mk"
export CC="$CCS"
expect "build with the installed acc.mk" 0 make -C mk $MKARGS
run mk/greet
[ "$(cat "$T/out")" = "Hello, async world!" ] && ok "acc.mk build runs" \
  || bad "acc.mk build runs" "$(cat "$T/out" "$T/err")"
[ -f mk/greet.ac.d ] && ok "acc.mk writes greet.ac.d" || bad "acc.mk writes greet.ac.d"
expect "acc.mk: up to date after a build" 0 make -q -C mk $MKARGS
sleep 1
touch mk/greeting.h
expect "acc.mk: a header edit makes it out of date" 1 make -q -C mk $MKARGS
run make -C mk $MKARGS
has "acc.mk: a header edit reruns acc" "$T/out" 'acc .*-MD -MF greet\.ac\.d'
sleep 1
touch mk/greeting.h
run make -s -C mk $MKARGS
if [ "$rc" -eq 0 ] && ! grep -q 'MF greet' "$T/out" && [ mk/greet.c -nt mk/greeting.h ]; then
  ok "acc.mk: make -s retranslates without echoing acc"
else bad "acc.mk: make -s retranslates without echoing acc" "$(cat "$T/out" "$T/err")"; fi

# Every kind of preprocessor flag through acc.mk (tests/cli/mkflags).
cp -r "$IN/mkflags" mkflags
expect "acc.mk passes every preprocessor flag to acc" 0 make -C mkflags $MKARGS
run mkflags/flags
printf 'two words|glued words|12\n1 2 3 4 5 6\n' >"$T/want"
cmp -s "$T/out" "$T/want" && ok "acc.mk: each flag reached acc and cc" \
  || bad "acc.mk: each flag reached acc and cc" "$(cat "$T/out" "$T/err")"

unset CC

# ==== a relocatable install: built, installed, build tree deleted, moved

# A build tree of its own (so it can be deleted), unoptimised to be quick,
# instrumented as this run is.
run make -C "$ROOT" -j2 BUILD="$T/relbuild" OPT=-O0 SAN="${SAN:-}" \
  install PREFIX="$T/rel"
if [ "$rc" -eq 0 ]; then ok "relocatable: make install from a fresh build tree"
else bad "relocatable: make install from a fresh build tree" "$(tail -5 "$T/err")"; fi
rm -rf "$T/relbuild"
mv "$T/rel" "$T/moved"
R="$T/moved"
mkdir -p reloc && cp hello.ac reloc/
expect "relocatable: moved acc cc builds with the build tree gone" 0 \
  env CC="$CCS" "$R/bin/acc" cc -MD -o reloc/hello reloc/hello.ac
run reloc/hello
[ "$(cat "$T/out")" = "Hello, async world!" ] && ok "relocatable: the program runs" \
  || bad "relocatable: the program runs" "$(cat "$T/out" "$T/err")"
has "relocatable: cc compiled against the moved ac.h" reloc/hello.d "$R/include/ac\.h"
run "$R/bin/acc" -MD reloc/hello.ac -o reloc/h2.c
has "relocatable: acc preprocesses with the moved ac.h" reloc/h2.d "$R/include/ac\.h"
run "$R/bin/acc" --cflags --libs
has "relocatable: --cflags --libs name the moved prefix" "$T/out" \
  "^-I$R/include -L$R/lib -Wl,-rpath,$R/lib -lacrt"
run readelf -d reloc/hello
has "relocatable: the program needs libacrt by its SONAME" "$T/out" \
  "NEEDED.*\\[libacrt\\.so\\.$abi\\]"
# A program whose channel recv completes in ac.h's inline code (which
# reads the channel's layout) needs the name only libacrt 0.3.0 and later
# export, so an older libacrt.so.1 refuses to load it (runtime/include/ac.h).
cp "$ROOT/samples/pipeline.ac" reloc/
expect "relocatable: moved acc cc builds a channel program" 0 \
  env CC="$CCS" "$R/bin/acc" cc -o reloc/pipeline reloc/pipeline.ac
run readelf -W --dyn-syms reloc/pipeline
has "a channel program needs the recv poll of the layout it was built for" \
  "$T/out" "UND ac__mpsc_recv_poll_030"
run readelf -W --dyn-syms "$R/lib/libacrt.so.$abi"
has "libacrt exports the recv poll of the layout ac.h reads" "$T/out" \
  "FUNC .* ac__mpsc_recv_poll_030"

# ==== samples/Makefile

mkdir -p samples && cp "$ROOT"/samples/*.ac "$ROOT/samples/Makefile" samples/
expect "samples/Makefile builds the samples" 0 \
  make -C samples ROOT="$ROOT" ACC="$ACC" CC="$CCS"
[ -x samples/hello ] && ok "samples/Makefile built hello" \
  || bad "samples/Makefile built hello"

summary cli
