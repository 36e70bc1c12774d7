# The two commands a new machine needs: `make run` and `make test`. Both install what is
# missing (scripts/bootstrap), build, then run.
BUILD_DIR  ?= build
ASAN_DIR   ?= build-asan
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=
LISTEN     ?= 127.0.0.1:8181

.PHONY: all bootstrap configure build test test-sanitize run install bench clean

all: build

bootstrap:
	@scripts/bootstrap

configure:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: bootstrap
	$(MAKE) build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

# The test suite under AddressSanitizer and UBSan. Excluded: browser tests (they exercise
# the same daemon code the daemon tests cover) and tests labelled slow (the multi-process
# crash test, the install test, 10 MB inputs), which run in the Release suite.
test-sanitize: bootstrap
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DARBITER_SANITIZE=ON \
	  -DARBITER_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(ASAN_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS) -LE 'browser|slow'

run: bootstrap
	$(MAKE) build
	@scripts/run-daemon $(BUILD_DIR) $(LISTEN)

install: build
	cmake --install $(BUILD_DIR) $(if $(PREFIX),--prefix $(PREFIX),)

bench: build
	@echo "Benchmarks are in $(BUILD_DIR)/bench; see bench/README.md for the commands."

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
