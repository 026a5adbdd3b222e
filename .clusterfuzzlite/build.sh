#!/bin/bash -eu
# ClusterFuzzLite build: the OSS-Fuzz build script, one copy (its header says
# what goes into $OUT and why MSan is not supported). ci/oss-fuzz-check runs
# the build through this file, as ClusterFuzzLite would.
exec "${FENCEFUZZ_SRC:-$SRC/fencefuzz}/fuzz/oss-fuzz/build.sh"
