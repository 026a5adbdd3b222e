#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build script (the fmt projects/fmt/build.sh shape):
# set only the project's own options; the engine comes from $LIB_FUZZING_ENGINE
# and the sanitizer flags from $CXXFLAGS.
cmake -S "$SRC/fencefuzz" -B build -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFENCEFUZZ_FUZZ_ENGINE=external \
  -DFENCEFUZZ_FUZZ_LDFLAGS="$LIB_FUZZING_ENGINE" \
  -DFENCEFUZZ_BUILD_TESTS=OFF
cmake --build build --target api_fuzz module_fuzz
for h in api_fuzz module_fuzz; do
  cp "build/fuzz/$h" "$OUT/"
  cp "$SRC/fencefuzz/fuzz/dict/$h.dict" "$OUT/"
  (cd "$SRC/fencefuzz/corpora/$h/seeds" && zip -q "$OUT/${h}_seed_corpus.zip" ./*)
done
