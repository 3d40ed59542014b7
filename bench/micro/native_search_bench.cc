// What a native search costs the server, without the network: the handler of
// GET /v1/events from routing to the rendered body (BM_Handler*), and the
// store's part of it alone (BM_Store*), so the rest is parsing, rendering
// and the cursor. One thread, so the figures are the CPU a request takes;
// bench/http_load.py measures the same requests over sockets under load.
//
// The store is built once from the synthetic workload (or AL_BENCH_NDJSON),
// flushed into segments, in AL_BENCH_DIR or the temp directory; set
// AL_BENCH_STORE to the data directory of a store loaded by store_load to
// measure on that one instead (opened read-only in effect: nothing is
// written to it).
//
//   Newest: GET /v1/events?tenant=T&limit=10          (the peer benchmark's Q1)
//   ByIp:   GET /v1/events?tenant=*&q=ip:"A"&sort=timestamp:-1,id:-1&limit=50  (Q4)
// T is the tenant with the most events, A the address seen most often, unless
// AL_BENCH_TENANT or AL_BENCH_IP name others (the peer benchmark's parameters).

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "api/native/native_api.h"
#include "bench/micro/synthetic_events.h"
#include "event/fields.h"
#include "event/json_buffer.h"
#include "http/router.h"
#include "ingest/batch_decoder.h"
#include "ingest/record_decoder.h"
#include "query/cursor.h"
#include "query/query.h"
#include "storage/embedded_store.h"

namespace auditlog::bench {
namespace {

constexpr size_t kEvents = 200'000;
constexpr uint64_t kSeed = 20250301;
constexpr std::string_view kAdminToken = "bench-admin-token";

struct Fixture {
  std::filesystem::path built_dir;  // removed at exit; empty with AL_BENCH_STORE
  std::unique_ptr<storage::EmbeddedStore> store;
  std::unique_ptr<query::CursorCodec> cursors;
  api::native::NativeApiOptions options;
  http::Router router;
  std::string top_tenant;
  std::string top_ip;

  ~Fixture() {
    store.reset();
    if (!built_dir.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(built_dir, ignored);
    }
  }
};

[[noreturn]] void Fail(std::string_view what, const Status& status) {
  fmt::print(stderr, "native_search_bench: {}: {}\n", what, status.ToString());
  std::exit(1);
}

// Loads the workload into a fresh store, flushed into segments.
void Build(storage::EmbeddedStore& store) {
  std::string text = NdjsonFromEnvironment();
  if (text.empty()) text = SyntheticNdjson(kEvents, kSeed);
  const event::PaddedBuffer body(text);
  auto decoder = ingest::MakeRecordDecoder(ingest::Dialect::kNative);
  auto batch = ingest::DecodeBody(*decoder, body.view());
  if (!batch.ok()) Fail("decoding the workload", batch.status());
  std::map<std::string, std::vector<event::Event>> by_tenant;
  for (event::Event& decoded : batch->events) by_tenant[decoded.tenant].push_back(decoded);
  for (auto& [tenant, events] : by_tenant) {
    for (size_t begin = 0; begin < events.size(); begin += 1000) {
      const size_t end = std::min(events.size(), begin + 1000);
      std::vector<event::Event> chunk(events.begin() + static_cast<ptrdiff_t>(begin),
                                      events.begin() + static_cast<ptrdiff_t>(end));
      auto appended = store.Append(tenant, chunk);
      if (!appended.ok()) Fail("appending", appended.status());
    }
  }
  if (Status settled = store.FlushAndSettle(); !settled.ok()) Fail("flushing", settled);
}

// The most frequent value of `field` over every tenant, by aggregation.
std::string TopValue(storage::EmbeddedStore& store, std::string_view field) {
  query::Query query;
  query.tenant = std::string(query::kAllTenants);
  query::CountBy spec;
  spec.field = event::FindField(field);
  spec.top_n = 1;
  auto answer = store.Aggregate(query, spec);
  if (!answer.ok()) Fail("finding the busiest value", answer.status());
  if (answer->buckets.empty()) Fail("finding the busiest value", Status::NotFound(field));
  return query::ScalarToString(answer->buckets.front().value);
}

Fixture& Shared() {
  // Destroyed at exit, which removes a store it built. (On the heap: the
  // router's handlers hold the address of `options`.)
  static const std::unique_ptr<Fixture> fixture = [] {
    auto f = std::make_unique<Fixture>();
    storage::EmbeddedStoreOptions options;
    options.background = false;
    if (const char* dir = std::getenv("AL_BENCH_STORE"); dir != nullptr && *dir != '\0') {
      options.dir = dir;
    } else {
      f->built_dir = BenchRoot() / fmt::format("native_search_bench.{}", getpid());
      std::filesystem::remove_all(f->built_dir);
      options.dir = f->built_dir.string();
    }
    auto store = storage::EmbeddedStore::Open(options);
    if (!store.ok()) Fail("opening the store", store.status());
    f->store = std::move(*store);
    if (!f->built_dir.empty()) Build(*f->store);
    const char* tenant = std::getenv("AL_BENCH_TENANT");
    const char* ip = std::getenv("AL_BENCH_IP");
    f->top_tenant = tenant != nullptr && *tenant != '\0' ? tenant : TopValue(*f->store, "tenant");
    f->top_ip = ip != nullptr && *ip != '\0' ? ip : TopValue(*f->store, "ip");
    f->cursors = std::make_unique<query::CursorCodec>(std::string(32, 'k'));
    f->options.store = f->store.get();
    f->options.cursors = f->cursors.get();
    f->options.admin_token = std::string(kAdminToken);
    api::native::RegisterNativeApi(f->router, f->options);
    return f;
  }();
  return *fixture;
}

std::string NewestTarget(const Fixture& f) {
  return fmt::format("/v1/events?tenant={}&limit=10", f.top_tenant);
}

std::string ByIpTarget(const Fixture& f) {
  return fmt::format(
      "/v1/events?tenant=*&q=ip:%22{}%22&sort=timestamp:-1,id:-1&limit=50&offset=0"
      "&include_totals=true",
      f.top_ip);
}

void RunHandler(benchmark::State& state, const std::string& target) {
  Fixture& f = Shared();
  auto parsed = http::ParseTarget(target);
  if (!parsed.ok()) Fail("parsing the target", parsed.status());
  size_t bytes = 0;
  for (auto _ : state) {
    http::Request request;
    request.method = "GET";
    request.target = target;
    request.path = parsed->path;
    request.query = parsed->query;
    request.headers.emplace_back("authorization", fmt::format("Bearer {}", kAdminToken));
    http::Response response = f.router.Dispatch(request);
    if (response.status != 200) {
      state.SkipWithError(response.body.c_str());
      break;
    }
    bytes += response.body.size();
    benchmark::DoNotOptimize(response.body.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void RunStore(benchmark::State& state, query::Query query) {
  Fixture& f = Shared();
  for (auto _ : state) {
    auto result = f.store->Search(query);
    if (!result.ok()) {
      state.SkipWithError(result.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(result->events.data());
  }
}

void BM_HandlerNewest(benchmark::State& state) { RunHandler(state, NewestTarget(Shared())); }
void BM_HandlerByIp(benchmark::State& state) { RunHandler(state, ByIpTarget(Shared())); }

void BM_StoreNewest(benchmark::State& state) {
  query::Query query;
  query.tenant = Shared().top_tenant;
  query.limit = 10;
  RunStore(state, std::move(query));
}

void BM_StoreByIp(benchmark::State& state) {
  query::Query query;
  query.tenant = std::string(query::kAllTenants);
  query.filter = query::Filter::Eq(*event::FindField("ip"), Shared().top_ip);
  query.sort = {{event::FindField("timestamp"), true}, {event::FindField("id"), true}};
  query.limit = 50;
  RunStore(state, std::move(query));
}

}  // namespace
}  // namespace auditlog::bench

// AL_BENCH_ITERATIONS=N runs each benchmark exactly N times: with
// `perf stat -e instructions` around it, a measure the host's noise does not
// move (this machine is shared; times of one binary vary by 2x).
int main(int argc, char** argv) {
  using namespace auditlog::bench;
  const char* iterations = std::getenv("AL_BENCH_ITERATIONS");
  const int64_t fixed = iterations != nullptr ? std::strtoll(iterations, nullptr, 10) : 0;
  for (auto [name, function] : {std::pair{"BM_HandlerNewest", &BM_HandlerNewest},
                                {"BM_StoreNewest", &BM_StoreNewest},
                                {"BM_HandlerByIp", &BM_HandlerByIp},
                                {"BM_StoreByIp", &BM_StoreByIp}}) {
    auto* registered = benchmark::RegisterBenchmark(name, function);
    registered->Unit(benchmark::kMicrosecond);
    if (fixed > 0) registered->Iterations(fixed);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
