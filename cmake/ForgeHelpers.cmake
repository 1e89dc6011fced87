# Helpers shared by every folder's CMakeLists.txt.

# forge_add_subdirectories(<dir>): adds every immediate subdirectory of <dir>
# that has a CMakeLists.txt, so areas (tests/cars, server/privacy, ...) plug in
# without editing a shared list.
function(forge_add_subdirectories dir)
  file(GLOB children LIST_DIRECTORIES true ${dir}/*)
  list(SORT children)
  foreach(child ${children})
    if(IS_DIRECTORY ${child} AND EXISTS ${child}/CMakeLists.txt)
      add_subdirectory(${child})
    endif()
  endforeach()
endfunction()

# forge_add_test(<name> SOURCES <files...> LIBS <targets...>
#                [LABELS <labels...>] [TIMEOUT <seconds>])
# Builds a GoogleTest binary and registers it with CTest as one test.
# Tests find the build tree through FORGE_BUILD_DIR and the repository through
# FORGE_SOURCE_DIR (both set in the environment).
function(forge_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES
    TIMEOUT ${ARG_TIMEOUT}
    LABELS "${ARG_LABELS}"
    ENVIRONMENT "FORGE_BUILD_DIR=${CMAKE_BINARY_DIR};FORGE_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()

# forge_add_tests_in_dir(LIBS <targets...> [LABELS ...] [TIMEOUT s])
# Makes one test binary per *_test.cc in the calling directory, named after
# the file, so an area adds a test by adding a file.
function(forge_add_tests_in_dir)
  cmake_parse_arguments(ARG "" "TIMEOUT" "LIBS;LABELS" ${ARGN})
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  foreach(test ${tests})
    get_filename_component(name ${test} NAME_WE)
    get_filename_component(area ${CMAKE_CURRENT_SOURCE_DIR} NAME)
    forge_add_test(${area}_${name} SOURCES ${test} LIBS ${ARG_LIBS}
                   LABELS ${ARG_LABELS} TIMEOUT ${ARG_TIMEOUT})
  endforeach()
endfunction()
