#!/bin/bash -eu
# ClusterFuzzLite build: the OSS-Fuzz build script, one copy (its header says
# what goes into $OUT and why MSan is not supported).
exec "$SRC/fencefuzz/fuzz/oss-fuzz/build.sh"
