// Ingest decoding micro benchmarks.
//
// Workloads (each over the same synthetic events, ~20k per iteration):
//   BM_DecodeNdjson/N        native NDJSON bodies of N events -> Events (split,
//                            parse, validate): the ingest hot path. Target:
//                            >= 500 MB/s per core. N=1000 is a typical request.
//   BM_SimdjsonWalkNdjson    the same bytes parsed by simdjson On-Demand, every
//                            member visited, nothing kept: the ceiling for the above.
//   BM_DecodeAuth0Array      an Auth0 log array -> Events.
//   BM_DecodeAuthingLines    Authing raw log lines -> Events.
//   BM_EncodeNativeJson      Events -> native JSON.
//
// Run: build/release/bench/micro/decode_bench [--benchmark_repetitions=5]
// With AL_BENCH_NDJSON=<file from the peer generator> the NDJSON benchmarks
// read that file instead of the synthetic events.

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <vector>

#include "bench/micro/synthetic_events.h"
#include "common/no_destructor.h"
#include "event/json_buffer.h"
#include "event/json_codec.h"
#include "ingest/batch_decoder.h"
#include "ingest/record_decoder.h"

namespace auditlog::bench {
namespace {

constexpr size_t kEventsPerIteration = 20000;
constexpr uint64_t kSeed = 20250301;

const event::PaddedBuffer& NdjsonBody() {
  static const event::PaddedBuffer* body = [] {
    std::string text = NdjsonFromEnvironment();
    if (text.empty()) text = SyntheticNdjson(kEventsPerIteration, kSeed);
    return new event::PaddedBuffer(text);
  }();
  return *body;
}

void RunDecode(benchmark::State& state, ingest::Dialect dialect,
               const std::vector<event::PaddedBuffer>& bodies) {
  auto decoder = ingest::MakeRecordDecoder(dialect);
  size_t events = 0;
  size_t bytes = 0;
  for (auto _ : state) {
    events = 0;
    bytes = 0;
    for (const event::PaddedBuffer& body : bodies) {
      auto batch = ingest::DecodeBody(*decoder, body.view());
      if (!batch.ok() || !batch->errors.empty()) {
        state.SkipWithError(batch.ok() ? batch->errors[0].message.c_str() : "body rejected");
        return;
      }
      events += batch->events.size();
      bytes += body.size();
      benchmark::DoNotOptimize(batch->events.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * events));
  state.counters["bytes_per_event"] = static_cast<double>(bytes) / static_cast<double>(events);
}

void RunDecode(benchmark::State& state, ingest::Dialect dialect, const event::PaddedBuffer& body) {
  std::vector<event::PaddedBuffer> bodies;
  bodies.emplace_back(body.view().text());
  RunDecode(state, dialect, bodies);
}

// The NDJSON corpus cut into request bodies of `events_per_body` lines.
std::vector<event::PaddedBuffer> RequestBodies(size_t events_per_body) {
  std::vector<event::PaddedBuffer> bodies;
  const std::string_view text = NdjsonBody().view().text();
  size_t start = 0;
  while (start < text.size()) {
    size_t end = start;
    for (size_t line = 0; line < events_per_body && end < text.size(); ++line) {
      const size_t newline = text.find('\n', end);
      end = newline == std::string_view::npos ? text.size() : newline + 1;
    }
    bodies.emplace_back(text.substr(start, end - start));
    start = end;
  }
  return bodies;
}

// Arg: events per request body (1000 is a typical batch; 20000 one big body).
void BM_DecodeNdjson(benchmark::State& state) {
  const std::vector<event::PaddedBuffer> bodies =
      RequestBodies(static_cast<size_t>(state.range(0)));
  RunDecode(state, ingest::Dialect::kNative, bodies);
}
BENCHMARK(BM_DecodeNdjson)->Arg(1000)->Arg(20000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_DecodeAuth0Array(benchmark::State& state) {
  static const NoDestructor<event::PaddedBuffer> body(
      SyntheticAuth0Array(kEventsPerIteration, kSeed));
  RunDecode(state, ingest::Dialect::kAuth0, *body);
}
BENCHMARK(BM_DecodeAuth0Array)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_DecodeAuthingLines(benchmark::State& state) {
  static const NoDestructor<event::PaddedBuffer> body(
      SyntheticAuthingLines(kEventsPerIteration, kSeed));
  RunDecode(state, ingest::Dialect::kAuthing, *body);
}
BENCHMARK(BM_DecodeAuthingLines)->Unit(benchmark::kMillisecond)->UseRealTime();

// Visits every member of every object recursively, keeping nothing.
size_t Walk(simdjson::ondemand::value value) {
  size_t visited = 0;
  switch (value.type().value_unsafe()) {
    case simdjson::ondemand::json_type::object:
      for (auto field : value.get_object().value_unsafe()) {
        visited += field.unescaped_key().value_unsafe().size();
        visited += Walk(field.value().value_unsafe());
      }
      break;
    case simdjson::ondemand::json_type::string:
      visited += value.get_string().value_unsafe().size();
      break;
    default:
      visited += value.raw_json_token().size();
  }
  return visited;
}

void BM_SimdjsonWalkNdjson(benchmark::State& state) {
  const event::PaddedBuffer& body = NdjsonBody();
  simdjson::ondemand::parser parser;
  for (auto _ : state) {
    size_t visited = 0;
    const std::string_view text = body.view().text();
    size_t line_start = 0;
    while (line_start < text.size()) {
      size_t line_end = text.find('\n', line_start);
      if (line_end == std::string_view::npos) line_end = text.size();
      if (line_end > line_start) {
        auto doc = parser.iterate(text.data() + line_start, line_end - line_start,
                                  line_end - line_start + event::kJsonPadding);
        visited += Walk(doc.get_value().value_unsafe());
      }
      line_start = line_end + 1;
    }
    benchmark::DoNotOptimize(visited);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_SimdjsonWalkNdjson)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_EncodeNativeJson(benchmark::State& state) {
  auto decoder = ingest::MakeRecordDecoder(ingest::Dialect::kNative);
  auto batch = ingest::DecodeBody(*decoder, NdjsonBody().view());
  if (!batch.ok()) {
    state.SkipWithError("decode failed");
    return;
  }
  size_t bytes = 0;
  std::string out;
  for (auto _ : state) {
    out.clear();
    for (const auto& decoded : batch->events) {
      event::AppendEventJson(decoded, &out);
      out.push_back('\n');
    }
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch->events.size()));
}
BENCHMARK(BM_EncodeNativeJson)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace auditlog::bench

BENCHMARK_MAIN();
