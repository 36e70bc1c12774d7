# `make install`: the public headers (include/arbiter), the libraries a program embedding
# Arbiter links (ARBITER_LIBRARIES in the top-level CMakeLists.txt; static, or shared with
# ARBITER_SHARED), the arbiter command, a CMake package exporting the libraries as targets
# arbiter::<name> (cmake/arbiterConfig.cmake.in) and pkg-config files: arbiter (C++, the engine),
# arbiter-ledger (C++, the ledger) and arbiter-c (the C API). Both kinds of package locate the
# install relative to themselves, so `cmake --install --prefix DIR` works for any DIR. Included
# OPTIONAL by the top-level CMakeLists.txt.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/arbiter
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")

list(TRANSFORM ARBITER_LIBRARIES PREPEND arbiter_ OUTPUT_VARIABLE _arbiter_targets)
if(ARBITER_SHARED)
  # Installed, the libraries find each other next to themselves and the command finds them in
  # ../lib, wherever the prefix is.
  set_target_properties(${_arbiter_targets} PROPERTIES INSTALL_RPATH "$ORIGIN")
  file(RELATIVE_PATH _bin_to_lib "/prefix/${CMAKE_INSTALL_BINDIR}"
       "/prefix/${CMAKE_INSTALL_LIBDIR}")
  set_target_properties(arbiter PROPERTIES INSTALL_RPATH "$ORIGIN/${_bin_to_lib}")
endif()
install(TARGETS ${_arbiter_targets} EXPORT arbiterTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The CMake package.
set(ARBITER_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/arbiter)
install(EXPORT arbiterTargets NAMESPACE arbiter:: DESTINATION ${ARBITER_CMAKE_DIR})
if(ARBITER_SHARED)
  set(ARBITER_CONFIG_STATIC FALSE)
else()
  set(ARBITER_CONFIG_STATIC TRUE)
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/arbiterConfig.cmake.in
               ${PROJECT_BINARY_DIR}/arbiterConfig.cmake @ONLY)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/arbiterConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/arbiterConfig.cmake
              ${PROJECT_BINARY_DIR}/arbiterConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/Findsodium.cmake
        DESTINATION ${ARBITER_CMAKE_DIR})

# pkg-config. What each library links besides other Arbiter libraries, as linker flags; keep in
# step with the target_link_libraries of each folder. Only a static install lists them: a
# shared library records its own dependencies.
set(_pc_uses_common -lcrypto)
set(_pc_uses_dsl -lfmt)
set(_pc_uses_ledger -lrocksdb -lsodium -lfmt -pthread)
set(ARBITER_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH ARBITER_PC_TO_PREFIX "/prefix/${ARBITER_PC_DIR}" "/prefix")

# Writes and installs NAME.pc for the given Arbiter libraries (in link order, users first).
# A static install puts everything a program needs in Libs, not Libs.private: there is no shared
# library to carry it, and `pkg-config --libs` (without --static) must give a complete link line.
# RUNTIME: what a program linked by the C compiler needs besides (the C++ runtime). REQUIRES:
# pkg-config modules the headers need.
function(arbiter_pkg_config name description cflags libraries runtime requires)
  set(libs "-L\${libdir}")
  set(uses "")
  foreach(lib ${libraries})
    string(APPEND libs " -larbiter_${lib}")
    list(APPEND uses ${_pc_uses_${lib}})
  endforeach()
  if(NOT ARBITER_SHARED)
    list(APPEND uses ${runtime})
    # Keep the last mention of each flag: a library must come after the ones that use it.
    list(REVERSE uses)
    list(REMOVE_DUPLICATES uses)
    list(REVERSE uses)
    list(JOIN uses " " uses)
    string(APPEND libs " ${uses}")
  endif()
  set(PC_NAME ${name})
  set(PC_DESCRIPTION ${description})
  set(PC_CFLAGS "-I\${includedir}")
  if(cflags)
    string(APPEND PC_CFLAGS " ${cflags}")
  endif()
  set(PC_LIBS ${libs})
  set(PC_REQUIRES ${requires})
  configure_file(${PROJECT_SOURCE_DIR}/cmake/arbiter.pc.in ${PROJECT_BINARY_DIR}/${name}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/${name}.pc DESTINATION ${ARBITER_PC_DIR})
endfunction()

arbiter_pkg_config(arbiter "Arbiter policy engine: compile policies and decide (C++ API)"
                   "-std=c++20" "engine;dsl;common" "" "")
# arbiter/ledger.h includes nlohmann/json.hpp.
arbiter_pkg_config(arbiter-ledger "Arbiter audit ledger (C++ API, arbiter/ledger.h)"
                   "-std=c++20" "ledger;common" "" "nlohmann_json")
arbiter_pkg_config(arbiter-c "Arbiter policy engine and audit ledger (C API, arbiter/arbiter_c.h)"
                   "" "ledger_c;recorder;engine;dsl;ledger;common" "-lstdc++;-lm" "")
