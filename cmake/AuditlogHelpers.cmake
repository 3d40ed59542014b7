# al_add_library(NAME SOURCES ... DEPS ...)
#   One library per component, named al_<component>. Includes are by path from src/.
function(al_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# al_add_test(NAME SOURCES ... DEPS ... LABELS unit|integration|crash|slow)
#   A GoogleTest executable whose tests ctest discovers one by one.
function(al_add_test name)
  if(NOT AL_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} al_testing GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE AL_TESTDATA_DIR="${PROJECT_SOURCE_DIR}/tests/testdata"
                                            AL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()

# al_add_fuzzer(NAME SOURCES ... DEPS ...)
function(al_add_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endfunction()

# al_check_headers(): a target (not built by default) that compiles every
# header under src/ alone, so each one includes what it uses (STYLE.md §1).
# CI builds it: `cmake --build <dir> --target check_headers`.
function(al_check_headers)
  file(GLOB_RECURSE headers RELATIVE ${PROJECT_SOURCE_DIR}/src CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/src/*.h)
  set(sources)
  foreach(header ${headers})
    if(header MATCHES "^testing/")
      continue()  # test helpers need gtest, which release builds do not find
    endif()
    string(MAKE_C_IDENTIFIER ${header} stem)
    set(source ${PROJECT_BINARY_DIR}/check_headers/${stem}.cc)
    file(CONFIGURE OUTPUT ${source} CONTENT "#include \"${header}\"\n")
    list(APPEND sources ${source})
  endforeach()
  add_library(check_headers OBJECT EXCLUDE_FROM_ALL ${sources})
  target_include_directories(check_headers PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(check_headers PRIVATE simdjson::simdjson fmt::fmt)
endfunction()
