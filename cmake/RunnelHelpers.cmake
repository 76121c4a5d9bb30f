# Helper functions shared by every CMakeLists.txt of the project.

set(RUNNEL_WARNINGS -Wall -Wextra -Wno-unused-parameter)
# GCC 12 reports -Wrestrict on std::string concatenation at -O2 (GCC bug 105329).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND RUNNEL_WARNINGS -Wno-restrict)
endif()
if(RUNNEL_WERROR)
  list(APPEND RUNNEL_WARNINGS -Werror)
endif()
if(RUNNEL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# runnel_library(NAME SRCS ... DEPS ...): a static library with the project's warnings.
function(runnel_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;PUBLIC_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  add_library(runnel::${name} ALIAS ${name})
  target_compile_options(${name} PRIVATE ${RUNNEL_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} PUBLIC ${ARG_PUBLIC_DEPS})
endfunction()

# runnel_plugin(NAME KIND SRCS ... DEPS ...): a built-in plugin. KIND is input, filter or output.
# The plugin's register.cc defines Register<Camel>(PluginRegistry&), collected into
# RegisterBuiltinPlugins() by plugins/CMakeLists.txt. RUNNEL_PLUGIN_<NAME> turns it off.
function(runnel_plugin name kind)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  string(TOUPPER "${name}" upper)
  option(RUNNEL_PLUGIN_${upper} "Build the ${name} ${kind} plugin" ON)
  if(NOT RUNNEL_PLUGIN_${upper})
    return()
  endif()
  set(target runnel_${kind}_${name})
  add_library(${target} STATIC ${ARG_SRCS})
  target_compile_options(${target} PRIVATE ${RUNNEL_WARNINGS})
  target_link_libraries(${target} PUBLIC runnel::core PRIVATE ${ARG_DEPS})
  # Register<Camel>: snake_case name to CamelCase, plus the kind, e.g. RegisterTailInput.
  string(REPLACE "_" ";" parts "${name}_${kind}")
  set(camel "")
  foreach(part IN LISTS parts)
    string(SUBSTRING "${part}" 0 1 first)
    string(TOUPPER "${first}" first)
    string(SUBSTRING "${part}" 1 -1 rest)
    string(APPEND camel "${first}${rest}")
  endforeach()
  set_property(GLOBAL APPEND PROPERTY RUNNEL_PLUGIN_TARGETS ${target})
  set_property(GLOBAL APPEND PROPERTY RUNNEL_PLUGIN_REGISTRARS Register${camel})
endfunction()

# runnel_test(NAME SRCS ... DEPS ... [LABELS ...]): a GoogleTest binary registered with ctest.
function(runnel_test name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_compile_options(${name} PRIVATE ${RUNNEL_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} runnel_testing GTest::gtest GTest::gmock
                        GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "RUNNEL_SOURCE_DIR=${PROJECT_SOURCE_DIR};RUNNEL_BINARY_DIR=${PROJECT_BINARY_DIR}")
  if(ARG_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()
