# Helpers that give every kiln target the same flags: C++20, warnings as errors,
# optional sanitizers. No -march flags: SIMD kernels are compiled per file with
# their own target flags and chosen at run time (see src/kiln/simd).

set(KILN_WARNINGS -Wall -Wextra -Wpedantic -Werror -Wno-missing-field-initializers)
set(KILN_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)

function(kiln_apply_flags target)
  target_compile_options(${target} PRIVATE ${KILN_WARNINGS})
  if(KILN_SANITIZE)
    target_compile_options(${target} PRIVATE ${KILN_SANITIZER_FLAGS})
    target_link_options(${target} PRIVATE ${KILN_SANITIZER_FLAGS})
  endif()
endfunction()

# kiln_library(NAME kiln_base SOURCES a.cc b.cc DEPS kiln_x ... [PRIVATE_DEPS ...])
function(kiln_library)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${ARG_NAME} STATIC ${ARG_SOURCES})
  target_include_directories(${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${ARG_NAME} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  kiln_apply_flags(${ARG_NAME})
  if(KILN_SANITIZE)
    target_compile_options(${ARG_NAME} PUBLIC ${KILN_SANITIZER_FLAGS})
    target_link_options(${ARG_NAME} PUBLIC ${KILN_SANITIZER_FLAGS})
  endif()
endfunction()

# kiln_test(NAME kiln_base_test SOURCES x_test.cc DEPS kiln_base [LABELS unit])
# One gtest binary per layer; every TEST becomes a ctest entry.
function(kiln_test)
  if(NOT KILN_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  kiln_apply_flags(${ARG_NAME})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  gtest_discover_tests(${ARG_NAME}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES LABELS "${ARG_LABELS}" ENVIRONMENT "KILN_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    DISCOVERY_TIMEOUT 60)
endfunction()
