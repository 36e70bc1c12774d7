# The two commands a new machine needs: `make run` and `make test`. Both install what is
# missing (scripts/bootstrap), build, then run.
BUILD_DIR  ?= build
ASAN_DIR   ?= build-asan
TSAN_DIR   ?= build-tsan
FUZZ_DIR   ?= build-fuzz
# `make fuzz` (the long run): seconds per target. `make fuzz-smoke` (CI): mutation runs per
# target from a fixed seed after the seeds and regressions (0 replays those alone); every
# target has run 20,000 and more mutations clean, so CI's 5,000 should not find by chance.
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_RUNS ?= 5000
FUZZ_TARGETS ?= policy schema decide bundle http ledger
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=
LISTEN     ?= 127.0.0.1:8181
# `make run DATA_DIR=DIR`: where the development daemon keeps its ledger, signing key and token
# (default ${XDG_STATE_HOME:-$HOME/.local/state}/arbiter/dev; see scripts/run-daemon).
DATA_DIR   ?=

.PHONY: all bootstrap configure build test test-sanitize test-tsan fuzz-build fuzz fuzz-smoke \
	run install bench clean

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
# crash test, the install tests, 10 MB inputs), which run in the Release suite.
test-sanitize: bootstrap
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DARBITER_SANITIZE=ON \
	  -DARBITER_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(ASAN_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS) -LE 'browser|slow'

# The tests that run threads — the ledger's writer and its callers, the engine's concurrent
# decisions, the daemon's server, pipeline and integration tests — under ThreadSanitizer.
TSAN_TESTS = ledger_tests|ledger_fault_tests|recorder_tests|engine_tests|daemon_core_tests|daemon_decide_body_tests|daemon_integration_tests
test-tsan: bootstrap
	cmake -S . -B $(TSAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DARBITER_TSAN=ON \
	  -DARBITER_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(TSAN_DIR) -j $(JOBS) --target arbiter ledger_tests ledger_fault_tests recorder_tests \
	  engine_tests daemon_core_tests daemon_decide_body_tests daemon_integration_tests
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	  ctest --test-dir $(TSAN_DIR) --output-on-failure -j $(JOBS) -R '^($(TSAN_TESTS))$$'

# libFuzzer targets (fuzz/, clang with ASan and UBSan); see spec/security.md. A crash leaves
# its input in $(FUZZ_DIR)/artifacts/TARGET/; once fixed it belongs in fuzz/regressions/TARGET/.
fuzz-build: bootstrap
	cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DARBITER_FUZZ=ON \
	  -DARBITER_BUILD_TESTS=OFF -DARBITER_BUILD_BENCH=OFF
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))

fuzz: fuzz-build
	fuzz/run $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# CI's smoke: a fixed number of runs from a fixed seed per target, so it is reproducible.
fuzz-smoke: fuzz-build
	FUZZ_RUNS=$(FUZZ_SMOKE_RUNS) fuzz/run $(FUZZ_DIR) 0 $(FUZZ_TARGETS)

run: bootstrap
	$(MAKE) build
	@$(if $(DATA_DIR),ARBITER_DATA_DIR='$(DATA_DIR)' ,)scripts/run-daemon $(BUILD_DIR) $(LISTEN)

install: build
	cmake --install $(BUILD_DIR) $(if $(PREFIX),--prefix $(PREFIX),)

bench: build
	@echo "Benchmarks are in $(BUILD_DIR)/bench; see bench/README.md for the commands."

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR) $(FUZZ_DIR)
