# protogen.cmake: sluice_protogen(), the build rule that runs tools/protogen/protogen.py.
#
# sluice_protogen(OUT_DIR <dir> INCLUDE_DIR <include path of the outputs> SCHEMAS <.sch files>
#                 [MACRO_PREFIX <prefix>] [NO_API_TABLE]
#                 CODEC_SOURCES <var> SAMPLE_SOURCES <var>)
# Sets <CODEC_SOURCES> to the generated codec sources and headers (for the library) and
# <SAMPLE_SOURCES> to the generated make_sample sources (for a test-support library). One
# generator run writes everything; it reruns when protogen's sources or any schema change, and it
# rewrites only files whose content changed, so editing one schema recompiles one codec.
set(SLUICE_PROTOGEN_DIR ${CMAKE_CURRENT_LIST_DIR})
if(NOT SLUICE_PYTHON)
  if(EXISTS /usr/bin/python3)
    set(SLUICE_PYTHON /usr/bin/python3)  # Debian's python: the generator needs only the stdlib
  else()
    find_package(Python3 REQUIRED COMPONENTS Interpreter)
    set(SLUICE_PYTHON ${Python3_EXECUTABLE})
  endif()
endif()

function(sluice_protogen)
  cmake_parse_arguments(PG "NO_API_TABLE" "OUT_DIR;INCLUDE_DIR;MACRO_PREFIX;CODEC_SOURCES;SAMPLE_SOURCES"
                        "SCHEMAS" ${ARGN})
  if(NOT PG_MACRO_PREFIX)
    set(PG_MACRO_PREFIX SLUICE_PROTOCOL)
  endif()
  file(GLOB protogen_sources CONFIGURE_DEPENDS ${SLUICE_PROTOGEN_DIR}/*.py)
  set(codec)
  set(samples)
  foreach(schema IN LISTS PG_SCHEMAS)
    get_filename_component(stem ${schema} NAME_WLE)
    list(APPEND codec ${PG_OUT_DIR}/${stem}.h ${PG_OUT_DIR}/${stem}.cc)
    list(APPEND samples ${PG_OUT_DIR}/${stem}_samples.cc)
  endforeach()
  set(extra_args)
  if(PG_NO_API_TABLE)
    list(APPEND extra_args --no-api-table)
  else()
    list(APPEND codec ${PG_OUT_DIR}/api_table.h ${PG_OUT_DIR}/api_table.cc)
  endif()
  list(APPEND codec ${PG_OUT_DIR}/all_messages.h)
  list(APPEND samples ${PG_OUT_DIR}/samples.h)
  add_custom_command(
    OUTPUT ${codec} ${samples}
    COMMAND ${SLUICE_PYTHON} ${SLUICE_PROTOGEN_DIR}/protogen.py
            --out-dir ${PG_OUT_DIR} --include-dir ${PG_INCLUDE_DIR}
            --macro-prefix ${PG_MACRO_PREFIX} --source-root ${PROJECT_SOURCE_DIR}
            ${extra_args} ${PG_SCHEMAS}
    DEPENDS ${protogen_sources} ${PG_SCHEMAS}
    COMMENT "protogen: generating ${PG_INCLUDE_DIR} from ${CMAKE_CURRENT_SOURCE_DIR}"
    VERBATIM)
  set(${PG_CODEC_SOURCES} ${codec} PARENT_SCOPE)
  set(${PG_SAMPLE_SOURCES} ${samples} PARENT_SCOPE)
endfunction()
