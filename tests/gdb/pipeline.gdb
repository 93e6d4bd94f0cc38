# Drives gdb over samples/pipeline.ac (tests/suites/gdb.sh checks what it
# prints).  Markers (echo ==== NAME) split the output per command.
# acc-tasks runs with main's frame selected: acc-locals after it must
# still see main (acc-tasks visits every thread and comes back).
set pagination off
set confirm off
break pipeline.ac:31
run
echo ==== locals-first\n
acc-locals
continue
echo ==== locals-second\n
acc-locals
echo ==== locals-all\n
acc-locals -a
echo ==== print-source\n
acc-print sum + v
echo ==== print-frame\n
print *ac__F
echo ==== bt-running\n
acc-bt
up
echo ==== tasks\n
acc-tasks
echo ==== main-locals\n
acc-locals
echo ==== bt-task\n
acc-bt tasks[1]
echo ==== task-locals\n
acc-locals tasks[1]
echo ==== bt-frame\n
acc-bt &ac__F->ac__c1 consume
CORE_COMMAND
echo ==== end\n
kill
