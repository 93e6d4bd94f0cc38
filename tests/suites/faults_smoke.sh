#!/bin/sh
# A short run of `make check-faults` (tests/faults/run.sh smoke): allocation
# failure at a sample of program.ac's allocations, and every targeted
# fault, on both executors.
sh "$ROOT/tests/faults/run.sh" smoke
