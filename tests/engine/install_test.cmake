# Installs the build into a temporary prefix, then builds and runs a small program against it
# twice: with find_package(arbiter) and with pkg-config. Run by ctest with
#   -DBINARY_DIR=... -DSOURCE_DIR=... -DWORK_DIR=...
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${prefix})
foreach(f include/arbiter/arbiter.h include/arbiter/arbiter_c.h include/arbiter/engine.h)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()

set(policy ${SOURCE_DIR}/tests/engine/testdata/docs.arbiter)
set(entities ${SOURCE_DIR}/tests/engine/testdata/docs-entities.json)

# 1. CMake package.
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/engine/install_consumer -B ${WORK_DIR}/consumer
    -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
run(${WORK_DIR}/consumer/consumer ${policy} ${entities})
if(NOT last_output MATCHES "\"decision\":\"allow\"")
  message(FATAL_ERROR "unexpected output: ${last_output}")
endif()

# 2. pkg-config.
find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
file(GLOB pc_dirs ${prefix}/lib*/pkgconfig ${prefix}/lib/*/pkgconfig)
string(REPLACE ";" ":" pc_path "${pc_dirs}")
set(ENV{PKG_CONFIG_PATH} "${pc_path}")
run(${PKG_CONFIG} --cflags --libs arbiter)
string(STRIP "${last_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
find_program(CXX NAMES c++ g++ REQUIRED)
run(${CXX} ${SOURCE_DIR}/tests/engine/install_consumer/consumer.cc -o ${WORK_DIR}/consumer_pc ${flags})
run(${WORK_DIR}/consumer_pc ${policy} ${entities})
message(STATUS "installed package: find_package and pkg-config consumers both work")
