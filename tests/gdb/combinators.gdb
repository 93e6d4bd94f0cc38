# Drives gdb over tests/gdb/combinators.ac (tests/suites/gdb.sh checks what
# it prints).  Markers (echo ==== NAME) split the output per command.
set pagination off
set confirm off
break checkpoint
run
up
echo ==== comb-tasks\n
acc-tasks
echo ==== comb-bt-first\n
acc-bt tasks[0]
echo ==== comb-bt-all\n
acc-bt tasks[1]
echo ==== comb-locals\n
acc-locals tasks[1]
echo ==== end\n
kill
