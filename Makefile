# forge-exec — the two commands a newcomer needs:
#   make run    install what is missing, build, start forge-execd on 127.0.0.1:50051
#   make test   install what is missing, build, run every test
# Others: make build, make bench, make fuzz, make soak, make image, make format,
# make clean.
# make test ends with a short fuzzing run (FUZZ_TEST_SECONDS per fuzzer);
# make fuzz runs each fuzzer for FUZZ_SECONDS.

BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CTEST_ARGS ?=
RUN_ARGS ?=
FUZZ_SECONDS ?= 300
FUZZ_TEST_SECONDS ?= 30

.PHONY: all deps build run test bench fuzz soak image format clean

all: build

# Runs scripts/install-deps only when its quick check finds something missing.
deps:
	@scripts/install-deps --check || scripts/install-deps

$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	$(BUILD_DIR)/server/forge-execd $(RUN_ARGS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS) $(CTEST_ARGS)
	scripts/run-fuzzers --seconds $(FUZZ_TEST_SECONDS)

# 10,000 executions at concurrency 16, one in ten hostile; then counts of
# leaked processes, cgroups, mounts, fds, threads, shared memory, RSS growth
# and audit completeness (tests/soak/soak.cc). SOAK_ARGS to change.
SOAK_ARGS ?=
soak: build
	FORGE_BUILD_DIR=$(abspath $(BUILD_DIR)) FORGE_SOURCE_DIR=$(CURDIR) \
	  $(BUILD_DIR)/tests/soak/forge_soak $(SOAK_ARGS)

fuzz: deps
	scripts/run-fuzzers --seconds $(FUZZ_SECONDS)

bench: build
	cd $(BUILD_DIR) && FORGE_BUILD_DIR=$(abspath $(BUILD_DIR)) ./tests/bench/execute_bench $(BENCH_ARGS)
	cd $(BUILD_DIR) && ./tests/bench/privacy_bench
	cd $(BUILD_DIR) && ./tests/bench/cars_bench
	cd $(BUILD_DIR) && ./tests/bench/audit_bench --seconds 3

# Builds the container image when a container engine answers; otherwise
# says so and checks the Dockerfile's inputs exist (tests/deploy).
IMAGE ?= forge-exec:latest
image:
	@if docker info >/dev/null 2>&1; then \
	  docker build -t $(IMAGE) . ; \
	elif podman info >/dev/null 2>&1; then \
	  podman build -t $(IMAGE) . ; \
	else \
	  echo "make image: no container engine answers (docker info / podman info failed);" \
	       "checking the Dockerfile instead"; \
	  /usr/bin/python3 tests/deploy/dockerfile_test.py $(CURDIR); \
	fi

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
