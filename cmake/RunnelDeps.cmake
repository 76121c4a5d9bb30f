# Every dependency is a Debian package installed by packaging/deps.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(simdjson REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)  # the HTTP outputs (plugins/http_client)
pkg_check_modules(SNAPPY REQUIRED IMPORTED_TARGET snappy)  # the loki output's push bodies
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)  # the journald input
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)  # the kafka input and output
find_package(ZLIB REQUIRED)
find_package(OpenSSL REQUIRED)
# Standalone Asio (libasio-dev): header-only, no Boost. An imported target, so its headers are
# included as SYSTEM headers and their warnings do not trip -Werror.
find_path(ASIO_INCLUDE_DIR asio.hpp REQUIRED)
if(NOT TARGET asio::asio)
  add_library(asio::asio INTERFACE IMPORTED)
  target_include_directories(asio::asio SYSTEM INTERFACE ${ASIO_INCLUDE_DIR})
  target_compile_definitions(asio::asio INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED)
endif()
find_package(CLI11 CONFIG QUIET)
if(NOT CLI11_FOUND)
  find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 INTERFACE ${CLI11_INCLUDE_DIR})
endif()
if(RUNNEL_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(RUNNEL_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
