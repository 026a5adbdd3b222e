#!/bin/bash -eu
# fuzz/oss-fuzz/build.sh - the OSS-Fuzz / ClusterFuzzLite build of fencefuzz's
# fuzz targets (.clusterfuzzlite/build.sh runs this same file).
#
# Everything about instrumentation comes from the environment the base
# builder sets, nothing from the presets: $CC $CXX $CFLAGS $CXXFLAGS (one
# sanitizer per build, address or undefined, and for libFuzzer
# -fsanitize=fuzzer-no-link) and $LIB_FUZZING_ENGINE (-fsanitize=fuzzer, or
# the AFL++ driver library with CC=afl-clang-fast). The project's own options
# only: the "external" engine, no tests, no kernel tree backend (ktree/ is not
# a fuzz target), no CMAKE_BUILD_TYPE (the builder's -O1 -gline-tables-only
# rule). ci/oss-fuzz-check runs this script in each engine x sanitizer
# combination without Docker.
#
# Into $OUT, per target T (api_fuzz, module_fuzz, concurrent_fuzz, parse_fuzz):
#   T                 the fuzzer
#   T.dict            fuzz/dict/T.dict
#   T.options         [libfuzzer] dict = T.dict, max_len = (below)
#   T_seed_corpus.zip corpora/T/seeds as the fuzzer reads them: binary programs
#                     (fence-prog to-binary, ci/lib.sh seeds_to_binary) for the
#                     three program harnesses, the text itself for parse_fuzz
# Nothing is loaded at run time besides libc, libm, libstdc++ and libgcc_s:
# module_fuzz's modules are in-process images (core/src/module.cpp), not the
# .so files of core/modules/ (only stress/ and core/tests dlopen those), and
# liburcu is linked statically, so the base runner image needs no packages.
#
# MSan (SANITIZER=memory) is not supported, and project.yaml does not list
# it: MSan needs every instruction that touches memory instrumented, and
# libstdc++, liburcu and the .so modules here are Debian's or built without
# it; an uninstrumented store makes MSan report its reads as uninitialized
# (false reports on the first std::string or urcu call).
#
# Environment: SRC (the checkout is $SRC/fencefuzz, or FENCEFUZZ_SRC), OUT,
# WORK (the build folder goes to $WORK/fencefuzz-build), CC, CXX, CFLAGS,
# CXXFLAGS, LIB_FUZZING_ENGINE; optional FENCEFUZZ_BUILD_JOBS (ninja -j).
src="${FENCEFUZZ_SRC:-$SRC/fencefuzz}"
build="${WORK:-/tmp}/fencefuzz-build"
targets=(api_fuzz module_fuzz concurrent_fuzz parse_fuzz)

# max_len per target: a binary program holds at most 64 ops (256 bytes is
# ci/fuzz's default); four threads and a schedule need 512; parse_fuzz's
# inputs are text programs (the largest seed is well under 1 KiB).
max_len() {
  case "$1" in concurrent_fuzz) echo 512 ;; parse_fuzz) echo 4096 ;; *) echo 256 ;; esac
}

# liburcu statically: the runner image has no liburcu. The archives replace
# the .so files pkg_check_modules would find (its pkgcfg_lib_* cache
# entries); pkg-config lists -lurcu-common before -lurcu-memb, which needs
# it, so the common archive goes once more at the end of every link line.
urcu=$(pkg-config --variable=libdir liburcu-memb)

cmake -S "$src" -B "$build" -G Ninja \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_BUILD_TYPE= \
  -DFENCEFUZZ_SANITIZER= \
  -DFENCEFUZZ_FUZZ_ENGINE=external \
  -DFENCEFUZZ_FUZZ_LDFLAGS="$LIB_FUZZING_ENGINE" \
  -DFENCEFUZZ_BUILD_TESTS=OFF \
  -DFENCEFUZZ_KTREE=OFF \
  -Dpkgcfg_lib_URCU_urcu-memb="$urcu/liburcu-memb.a" \
  -Dpkgcfg_lib_URCU_urcu-common="$urcu/liburcu-common.a" \
  -DCMAKE_CXX_STANDARD_LIBRARIES="$urcu/liburcu-common.a"
cmake --build "$build" ${FENCEFUZZ_BUILD_JOBS:+-j "$FENCEFUZZ_BUILD_JOBS"} \
  --target "${targets[@]}" fence-prog

. "$src/ci/lib.sh" # seeds_to_binary
for t in "${targets[@]}"; do
  cp "$build/fuzz/$t" "$OUT/"
  cp "$src/fuzz/dict/$t.dict" "$OUT/"
  printf '[libfuzzer]\ndict = %s.dict\nmax_len = %s\n' "$t" "$(max_len "$t")" >"$OUT/$t.options"
  seeds="$build/seeds/$t"
  rm -rf "$seeds"
  if [ "$t" = parse_fuzz ]; then
    mkdir -p "$seeds" && cp "$src/corpora/$t/seeds/"*.prog "$seeds/"
  else
    (cd "$src" && seeds_to_binary "$build/tools/fence-prog" "$t" "$seeds")
  fi
  rm -f "$OUT/${t}_seed_corpus.zip"
  (cd "$seeds" && zip -q -j "$OUT/${t}_seed_corpus.zip" ./*)
done
