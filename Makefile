# auditlog's entry points. `make run` and `make test` work on a fresh Debian 12
# machine: both install what is missing first (scripts/install-deps.sh).
#
#   make build   release binary at build/auditlog
#   make test    debug build with ASan+UBSan, every test through ctest
#   make run     build, then start the server with a demo tenant, key and data, and
#                the GeoIP databases in data/geoip if there are any (install-deps.sh --geoip)
#                (RUN_ARGS adds options: make run RUN_ARGS="--listen 0.0.0.0:8080")
#   make bench   release build, then the micro benchmarks (bench/RESULTS.md)
#   make fuzz    clang-16 libFuzzer targets, each run FUZZ_SECONDS (default 60)
#   make fmt     clang-format every source file

JOBS ?= 2
FUZZ_SECONDS ?= 60
# CI=true turns warnings into errors (set either way: it is a cached option).
CMAKE_EXTRA := -DAL_WERROR=$(if $(filter true 1,$(CI)),ON,OFF)

.PHONY: all deps build test run bench fuzz fmt clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	cmake --preset release $(CMAKE_EXTRA)
	cmake --build build/release -j$(JOBS)
	cp build/release/src/server/auditlog build/auditlog
	@echo "built build/auditlog"

test: deps
	cmake --preset debug $(CMAKE_EXTRA)
	cmake --build build/debug -j$(JOBS)
	ctest --preset debug

RUN_ARGS ?=
# The GeoIP databases `scripts/install-deps.sh --geoip` puts in data/geoip, if any.
GEOIP_ARGS := $(foreach db,$(wildcard data/geoip/*.mmdb),--geoip-db $(db))

run: build
	build/auditlog serve --demo --data data $(GEOIP_ARGS) $(RUN_ARGS)

bench: deps
	cmake --preset release $(CMAKE_EXTRA)
	cmake --build build/release -j$(JOBS)
	build/release/bench/micro/decode_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	build/release/bench/micro/store_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
	build/release/bench/micro/geoip_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
	build/release/bench/micro/enrich_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
	build/release/bench/micro/native_search_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true

fuzz: deps
	cmake --preset fuzz $(CMAKE_EXTRA)
	cmake --build build/fuzz -j$(JOBS)
	scripts/run-fuzzers.sh build/fuzz/fuzz $(FUZZ_SECONDS)

fmt:
	clang-format -i $$(git ls-files '*.h' '*.cc')

clean:
	rm -rf build
