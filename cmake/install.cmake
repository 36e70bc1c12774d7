# `make install`: the public headers (include/arbiter), the static libraries the API needs,
# a CMake package (find_package(arbiter) -> target arbiter::arbiter) and a pkg-config file
# (arbiter.pc). Both locate the install relative to themselves, so `cmake --install --prefix
# DIR` works for any DIR. Included OPTIONAL by the top-level CMakeLists.txt.
include(GNUInstallDirs)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/arbiter
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")

# Link order matters for static libraries: users first.
set(ARBITER_INSTALL_LIBS arbiter_engine arbiter_dsl arbiter_common)
set(ARBITER_INSTALL_LIB_FILES "")
foreach(lib ${ARBITER_INSTALL_LIBS})
  get_target_property(_type ${lib} TYPE)
  if(_type STREQUAL "STATIC_LIBRARY")
    install(FILES $<TARGET_FILE:${lib}> DESTINATION ${CMAKE_INSTALL_LIBDIR})
    list(APPEND ARBITER_INSTALL_LIB_FILES "lib${lib}.a")
  endif()
endforeach()

set(ARBITER_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/arbiter)
file(RELATIVE_PATH ARBITER_CONFIG_TO_PREFIX "/prefix/${ARBITER_CMAKE_DIR}" "/prefix")
set(ARBITER_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH ARBITER_PC_TO_PREFIX "/prefix/${ARBITER_PC_DIR}" "/prefix")
set(ARBITER_PC_LIBS "")
foreach(lib ${ARBITER_INSTALL_LIBS})
  get_target_property(_type ${lib} TYPE)
  if(_type STREQUAL "STATIC_LIBRARY")
    string(APPEND ARBITER_PC_LIBS " -l${lib}")
  endif()
endforeach()

configure_file(${PROJECT_SOURCE_DIR}/cmake/arbiterConfig.cmake.in
               ${PROJECT_BINARY_DIR}/arbiterConfig.cmake @ONLY)
include(CMakePackageConfigHelpers)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/arbiterConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/arbiterConfig.cmake
              ${PROJECT_BINARY_DIR}/arbiterConfigVersion.cmake
        DESTINATION ${ARBITER_CMAKE_DIR})
configure_file(${PROJECT_SOURCE_DIR}/cmake/arbiter.pc.in ${PROJECT_BINARY_DIR}/arbiter.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/arbiter.pc DESTINATION ${ARBITER_PC_DIR})
