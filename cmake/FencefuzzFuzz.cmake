# fencefuzz_add_fuzzer(<name> SOURCES <files...> [LIBS <libs...>])
#
# One harness source, three builds (STYLE.md B9):
#   <name>_replay  in every preset: replay_main.cpp + the harness, plain main()
#   <name>         for FENCEFUZZ_FUZZ_ENGINE libfuzzer/afl (-fsanitize=fuzzer,
#                  which afl-clang-fast++ turns into libAFLDriver) and external
#                  ($LIB_FUZZING_ENGINE via FENCEFUZZ_FUZZ_LDFLAGS)
function(fencefuzz_add_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name}_replay ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/fuzz/replay_main.cpp)
  target_link_libraries(${name}_replay PRIVATE ${ARG_LIBS})
  if(FENCEFUZZ_FUZZ_ENGINE MATCHES "^(libfuzzer|afl)$")
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_LIBS})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    if(FENCEFUZZ_CUSTOM_MUTATOR)
      target_compile_definitions(${name} PRIVATE FENCEFUZZ_CUSTOM_MUTATOR)
    endif()
  elseif(FENCEFUZZ_FUZZ_ENGINE STREQUAL "external")
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_LIBS})
    separate_arguments(_ff_ld UNIX_COMMAND "${FENCEFUZZ_FUZZ_LDFLAGS}")
    target_link_options(${name} PRIVATE ${_ff_ld})
  endif()
endfunction()

# fencefuzz_add_corpus_tests(<name>)
#
# One ctest per file in corpora/<name>/{seeds,crashes}, named
# corpus.<name>.<kind>.<file> with labels corpus;<kind>. Globbed with
# CONFIGURE_DEPENDS: a new file is a new test on the next build, no CMake edit.
function(fencefuzz_add_corpus_tests name)
  foreach(kind seeds crashes)
    file(GLOB _files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/corpora/${name}/${kind}/*)
    foreach(_f IN LISTS _files)
      get_filename_component(_base ${_f} NAME)
      if(_base MATCHES "\\.txt$") # sidecar descriptions of binary inputs
        continue()
      endif()
      add_test(NAME corpus.${name}.${kind}.${_base}
               COMMAND ${name}_replay --quiet ${_f})
      set_tests_properties(corpus.${name}.${kind}.${_base} PROPERTIES
               LABELS "corpus;${kind}" TIMEOUT 60)
    endforeach()
  endforeach()
endfunction()
