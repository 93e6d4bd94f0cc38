#!/bin/sh
# A short run of `make check-stress` (tests/stress/run.sh smoke): every
# stress program with small counts, on both executors.
sh "$ROOT/tests/stress/run.sh" smoke
