#pragma once

// A deterministic workload in the shape of the peer benchmark's generator
// (canonical events of an identity platform: logins, token exchanges, admin
// operations; ~750-900 bytes of NDJSON each), so the micro benchmarks need no
// external file. Set AL_BENCH_NDJSON to a file from that generator to measure
// on it instead.

#include <cstdint>
#include <filesystem>
#include <string>

namespace auditlog::bench {

// `count` native events, one JSON object per line.
std::string SyntheticNdjson(size_t count, uint64_t seed);

// The same events in Auth0's log object shape, as one JSON array.
std::string SyntheticAuth0Array(size_t count, uint64_t seed);

// The same events as Authing raw log lines.
std::string SyntheticAuthingLines(size_t count, uint64_t seed);

// AL_BENCH_NDJSON's contents if set (empty string otherwise).
std::string NdjsonFromEnvironment();

// Where benchmarks put the stores they build: AL_BENCH_DIR if set, else the
// system's temp directory.
std::filesystem::path BenchRoot();

}  // namespace auditlog::bench
