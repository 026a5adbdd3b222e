# cmake -DCORE=<core/> -DOUT=<dir> -DPATCH=<file> -DFILES=<a;b> -DPATCH_EXE=<patch> -P ZooApply.cmake
#
# Copies the files a zoo patch touches from the clean core into OUT and
# applies the patch there (cmake/FencefuzzZoo.cmake). Fails, with patch's output,
# if a hunk does not apply: a zoo bug must be rebased when the core moves.
file(REMOVE_RECURSE ${OUT})
foreach(_f IN LISTS FILES)
  get_filename_component(_d ${OUT}/${_f} DIRECTORY)
  file(MAKE_DIRECTORY ${_d})
  file(COPY_FILE ${CORE}/${_f} ${OUT}/${_f})
endforeach()
execute_process(COMMAND ${PATCH_EXE} -p1 --forward --batch --no-backup-if-mismatch
                        -r - -d ${OUT} -i ${PATCH}
                RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
if(NOT _rc EQUAL 0)
  file(REMOVE_RECURSE ${OUT})
  message(FATAL_ERROR "zoo: ${PATCH} does not apply to the core:\n${_out}")
endif()
