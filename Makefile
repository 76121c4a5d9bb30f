# The two commands of the README: `make run` and `make test`.
# Everything else here is a helper for them.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test bench asan deb clean

all: build

deps:
	@packaging/deps

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	@RUNNEL_BUILD_DIR=$(BUILD_DIR) conf/demo/run-demo

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

bench: build
	@bench/run-all $(BUILD_DIR)

# The Debian package (cmake/RunnelPackaging.cmake, docs/operations.md), from the Release build.
deb: build
	@cd $(BUILD_DIR) && out=$$(cpack -G DEB 2>&1) || { echo "$$out" >&2; exit 1; }; \
		echo "$$out" | sed -n 's|^CPack: - package: \(.*\) generated\.$$|\1|p'

# Sanitizer build of everything, tests included. Any UBSan report fails the run.
asan:
	@UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
		$(MAKE) test BUILD_DIR=build-asan BUILD_TYPE=Debug \
		CMAKE_FLAGS="-DRUNNEL_SANITIZE=ON -DRUNNEL_BUILD_BENCH=OFF $(CMAKE_FLAGS)"

clean:
	@rm -rf $(BUILD_DIR) build-asan
