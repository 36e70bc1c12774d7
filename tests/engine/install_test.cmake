# The installed package, from a fresh install into a temporary prefix. Run by ctest
# (tests/engine/CMakeLists.txt) as one test per STEP, with
#   -DBINARY_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DSHARED=ON|OFF -DSOVERSION=... -DVERSION=...
# STEP=install        installs into WORK_DIR/prefix and checks what is there (the other steps
#                     need it: ctest fixture arbiter_install)
# STEP=cmake          find_package(arbiter): a C++ program deciding (arbiter::engine), one
#                     recording and verifying a ledger (arbiter::ledger), a C one
#                     (arbiter::ledger_c)
# STEP=pkgconfig_cxx  the same C++ programs built by c++ with pkg-config arbiter / arbiter-ledger
# STEP=pkgconfig_c    a C program built by `cc prog.c $(pkg-config --cflags --libs arbiter-c)`,
#                     run against a ledger keyed by the installed `arbiter keygen`
set(prefix ${WORK_DIR}/prefix)
set(consumer_src ${SOURCE_DIR}/tests/engine/install_consumer)
set(policy ${SOURCE_DIR}/tests/engine/testdata/docs.arbiter)
set(schema ${SOURCE_DIR}/tests/engine/testdata/docs.arbiterschema)
set(entities ${SOURCE_DIR}/tests/engine/testdata/docs-entities.json)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "failed (${rc}): ${command}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

function(expect output pattern what)
  if(NOT output MATCHES "${pattern}")
    message(FATAL_ERROR "${what}: no match for ${pattern} in:\n${output}")
  endif()
endfunction()

if(STEP STREQUAL "install")
  file(REMOVE_RECURSE ${WORK_DIR})
  run(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${prefix})
endif()

# Where the libraries went (lib, or lib/<multiarch> when configured for /usr).
file(GLOB_RECURSE c_pc LIST_DIRECTORIES false ${prefix}/*/arbiter-c.pc)
if(NOT c_pc)
  message(FATAL_ERROR "not installed: arbiter-c.pc (pkg-config for the C API) under ${prefix}")
endif()
list(GET c_pc 0 c_pc)
get_filename_component(pc_dir ${c_pc} DIRECTORY)
get_filename_component(libdir ${pc_dir} DIRECTORY)
set(ENV{PKG_CONFIG_PATH} ${pc_dir})
# Installed shared libraries are found through RUNPATH ($ORIGIN) from each other, and from a
# program built with pkg-config through the loader's path.
if(SHARED)
  set(ENV{LD_LIBRARY_PATH} ${libdir})
endif()
set(libraries common dsl engine ledger recorder ledger_c)

if(STEP STREQUAL "install")
  foreach(f include/arbiter/arbiter.h include/arbiter/arbiter_c.h include/arbiter/engine.h
            include/arbiter/ledger.h include/arbiter/status.h bin/arbiter)
    if(NOT EXISTS ${prefix}/${f})
      message(FATAL_ERROR "not installed: ${f}")
    endif()
  endforeach()
  foreach(f cmake/arbiter/arbiterConfig.cmake cmake/arbiter/arbiterConfigVersion.cmake
            cmake/arbiter/arbiterTargets.cmake cmake/arbiter/Findsodium.cmake
            pkgconfig/arbiter.pc pkgconfig/arbiter-ledger.pc pkgconfig/arbiter-c.pc)
    if(NOT EXISTS ${libdir}/${f})
      message(FATAL_ERROR "not installed: ${libdir}/${f}")
    endif()
  endforeach()
  # Every library a public header needs, the ledger's included.
  if(SHARED)
    find_program(READELF readelf REQUIRED)
    foreach(lib ${libraries})
      set(name libarbiter_${lib}.so)
      foreach(f ${name} ${name}.${SOVERSION} ${name}.${VERSION})
        if(NOT EXISTS ${libdir}/${f})
          message(FATAL_ERROR "not installed: ${libdir}/${f}")
        endif()
      endforeach()
      if(NOT IS_SYMLINK ${libdir}/${name} OR NOT IS_SYMLINK ${libdir}/${name}.${SOVERSION})
        message(FATAL_ERROR "${name}, ${name}.${SOVERSION}: not links to ${name}.${VERSION}")
      endif()
      run(${READELF} -d ${libdir}/${name}.${VERSION})
      expect("${last_output}" "\\(SONAME\\)[^\n]*\\[${name}\\.${SOVERSION}\\]" "soname of ${name}")
    endforeach()
  else()
    foreach(lib ${libraries})
      if(NOT EXISTS ${libdir}/libarbiter_${lib}.a)
        message(FATAL_ERROR "not installed: ${libdir}/libarbiter_${lib}.a")
      endif()
    endforeach()
  endif()
  message(STATUS "installed into ${prefix}")
  return()
endif()

if(STEP STREQUAL "cmake")
  run(${CMAKE_COMMAND} -S ${consumer_src} -B ${WORK_DIR}/consumer -G Ninja
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix})
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
  run(${WORK_DIR}/consumer/consumer ${policy} ${entities})
  expect("${last_output}" "\"decision\":\"allow\"" "consumer (arbiter::engine)")
  run(${WORK_DIR}/consumer/ledger_consumer ${WORK_DIR}/ledger-cmake)
  expect("${last_output}" "\"ok\":true" "ledger_consumer (arbiter::ledger)")
  run(${prefix}/bin/arbiter keygen --name cmake-c --out ${WORK_DIR}/keys-cmake-c)
  run(${WORK_DIR}/consumer/consumer_c ${policy} ${schema} ${entities} ${WORK_DIR}/ledger-cmake-c
      ${WORK_DIR}/keys-cmake-c/cmake-c.key ${WORK_DIR}/keys-cmake-c/cmake-c.pub)
  expect("${last_output}" "verify: \\{[^\n]*\"ok\":true" "consumer_c (arbiter::ledger_c)")
  message(STATUS "find_package(arbiter): arbiter::engine, arbiter::ledger, arbiter::ledger_c work")
  return()
endif()

find_program(PKG_CONFIG pkg-config REQUIRED)

if(STEP STREQUAL "pkgconfig_cxx")
  find_program(CXX NAMES c++ g++ REQUIRED)
  run(${PKG_CONFIG} --cflags --libs arbiter)
  separate_arguments(flags UNIX_COMMAND "${last_output}")
  run(${CXX} ${consumer_src}/consumer.cc -o ${WORK_DIR}/consumer_pc ${flags})
  run(${WORK_DIR}/consumer_pc ${policy} ${entities})
  expect("${last_output}" "\"decision\":\"allow\"" "consumer (pkg-config arbiter)")
  run(${PKG_CONFIG} --cflags --libs arbiter-ledger)
  separate_arguments(flags UNIX_COMMAND "${last_output}")
  run(${CXX} ${consumer_src}/ledger_consumer.cc -o ${WORK_DIR}/ledger_consumer_pc ${flags})
  run(${WORK_DIR}/ledger_consumer_pc ${WORK_DIR}/ledger-pc)
  expect("${last_output}" "\"ok\":true" "ledger_consumer (pkg-config arbiter-ledger)")
  message(STATUS "pkg-config arbiter and arbiter-ledger: C++ programs build and run")
  return()
endif()

if(STEP STREQUAL "pkgconfig_c")
  find_program(CC NAMES cc gcc REQUIRED)
  run(${PKG_CONFIG} --cflags arbiter-c)
  if(last_output MATCHES "std=|\\+\\+")
    message(FATAL_ERROR "C++ flags in pkg-config --cflags arbiter-c: ${last_output}")
  endif()
  # Exactly what a C user types; -Werror also turns a C++-only option into a failure.
  run(${PKG_CONFIG} --cflags --libs arbiter-c)
  separate_arguments(flags UNIX_COMMAND "${last_output}")
  run(${CC} -Wall -Wextra -Werror ${consumer_src}/consumer_c.c -o ${WORK_DIR}/consumer_c_pc
      ${flags})
  run(${prefix}/bin/arbiter keygen --name pc-c --out ${WORK_DIR}/keys-pc-c)
  run(${WORK_DIR}/consumer_c_pc ${policy} ${schema} ${entities} ${WORK_DIR}/ledger-pc-c
      ${WORK_DIR}/keys-pc-c/pc-c.key ${WORK_DIR}/keys-pc-c/pc-c.pub)
  set(out "${last_output}")
  expect("${out}" "version: ${VERSION}\n" "consumer_c: arbiter_version")
  expect("${out}" "decision: \\{\"decision\":\"allow\"[^\n]*\"explain\":\\[" "consumer_c: explain")
  expect("${out}" "receipt: \\{\"seq\":1,\"entry_hash\":\"[0-9a-f]+\",\"decision_id\":\""
         "consumer_c: receipt")
  expect("${out}" "verify: \\{[^\n]*\"ok\":true" "consumer_c: verify")
  message(STATUS "pkg-config arbiter-c: a C program built by cc alone runs")
  return()
endif()

message(FATAL_ERROR "unknown STEP '${STEP}'")
