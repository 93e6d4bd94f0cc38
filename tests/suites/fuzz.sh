#!/bin/sh
# A short run of the translator fuzzer (tests/fuzz/run.sh); `make fuzz`
# runs thousands of cases.
sh "$ROOT/tests/fuzz/run.sh" 200 1
