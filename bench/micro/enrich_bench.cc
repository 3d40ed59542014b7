// Enrichment micro benchmarks (issue #6).
//
// User agents (UserAgentParser over uap-core's regexes.yaml, Debian package
// uap-core), on the distinct user agent strings of uap-core's test files
// (tests/test_ua.yaml, test_os.yaml, test_device.yaml: about 17,600 real
// browser, bot, app and device strings):
//   BM_UserAgentParseDistinct      every parse a different string, no cache: the
//                                  cost of a cache miss. Target: >= 100,000 per
//                                  second per core.
//   BM_UserAgentParseDistinctFreshParser  the same, right after loading: every
//                                  string new to the DFAs as well.
//   BM_UserAgentParseDistinctCommonBrowsers  as BM_UserAgentParseDistinct, on
//                                  20,000 generated strings in the shapes that
//                                  dominate real traffic (current Chrome, Edge,
//                                  Firefox, Safari; Windows, macOS, Linux, iOS,
//                                  Android): uap-core's test files
//                                  over-represent rare devices and bots, whose
//                                  rules are the costly ones.
//   BM_UserAgentParseCacheHit/N    N distinct strings, all already cached: the
//                                  steady state of repeat clients, parsed into
//                                  one reused result. Target: >= 5,000,000 per
//                                  second per core. (The hit ratio counted
//                                  includes the N misses that fill the cache.)
//   BM_UserAgentParseCacheHitByValue/N  the same, a new result returned each time.
//   BM_UserAgentLoadRules          loading and compiling regexes.yaml.
//
// Run: build/release/bench/micro/enrich_bench [--benchmark_repetitions=3]

#include <benchmark/benchmark.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "enrich/user_agent_parser.h"

namespace auditlog::bench {
namespace {

// --- user agents ---

constexpr const char* kUapTestFiles[] = {
    "/usr/share/uap-core/tests/test_ua.yaml",
    "/usr/share/uap-core/tests/test_os.yaml",
    "/usr/share/uap-core/tests/test_device.yaml",
};

// The distinct user agent strings of uap-core's test files, in a fixed
// shuffled order (sorted strings would put near-identical ones side by side);
// empty when the files are missing.
const std::vector<std::string>& DistinctUserAgents() {
  static const std::vector<std::string>* user_agents = [] {
    auto* loaded = new std::vector<std::string>();
    try {
      for (const char* path : kUapTestFiles) {
        for (const YAML::Node& test_case : YAML::LoadFile(path)["test_cases"]) {
          loaded->push_back(test_case["user_agent_string"].as<std::string>());
        }
      }
    } catch (const YAML::Exception&) {
      loaded->clear();
      return loaded;
    }
    std::sort(loaded->begin(), loaded->end());
    loaded->erase(std::unique(loaded->begin(), loaded->end()), loaded->end());
    // A fixed permutation: stride through the sorted list by a prime step,
    // which visits every index unless the size is a multiple of it.
    constexpr size_t kStep = 7919;
    if (loaded->size() % kStep == 0) return loaded;
    std::vector<std::string> shuffled;
    shuffled.reserve(loaded->size());
    size_t pick = 0;
    for (size_t taken = 0; taken < loaded->size(); ++taken) {
      shuffled.push_back((*loaded)[pick]);
      pick = (pick + kStep) % loaded->size();
    }
    *loaded = std::move(shuffled);
    return loaded;
  }();
  return *user_agents;
}

// Distinct strings in the shapes that dominate real traffic: current Chrome,
// Edge, Firefox and Safari on Windows, macOS, Linux, iOS and Android (with
// many phone models), versions varied so that no two are equal. A fixed
// generator, so runs compare.
const std::vector<std::string>& CommonBrowserUserAgents() {
  static const std::vector<std::string>* user_agents = [] {
    constexpr const char* kAndroidModels[] = {
        "SM-S918B",      "SM-A546B",   "SM-G991B", "Pixel 7",    "Pixel 8 Pro",
        "Redmi Note 12", "M2101K20AG", "CPH2451",  "moto g(60)", "V2111",
        "RMX3501",       "2201117TG",  "SM-T870"};
    auto* generated = new std::vector<std::string>();
    uint64_t state = 20250301;
    const auto next = [&state](uint64_t bound) {  // a 64-bit LCG; the high bits are good enough
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      return (state >> 33) % bound;
    };
    for (int idx = 0; idx < 20000; ++idx) {
      const uint64_t major = 100 + next(21);
      const uint64_t build = 4000 + next(3000);
      const uint64_t patch = next(200);
      std::string user_agent;
      switch (idx % 7) {
        case 0:
          user_agent =
              "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
              "Gecko) Chrome/" +
              std::to_string(major) + ".0." + std::to_string(build) + "." + std::to_string(patch) +
              " Safari/537.36";
          break;
        case 1:
          user_agent = "Mozilla/5.0 (Linux; Android " + std::to_string(10 + next(5)) + "; " +
                       kAndroidModels[next(std::size(kAndroidModels))] +
                       ") AppleWebKit/537.36 (KHTML, like Gecko) Chrome/" + std::to_string(major) +
                       ".0." + std::to_string(build) + "." + std::to_string(patch) +
                       " Mobile Safari/537.36";
          break;
        case 2:
          user_agent = "Mozilla/5.0 (iPhone; CPU iPhone OS " + std::to_string(15 + next(3)) + "_" +
                       std::to_string(next(8)) +
                       " like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/" +
                       std::to_string(15 + next(3)) + "." + std::to_string(next(8)) +
                       " Mobile/15E" + std::to_string(100 + next(900)) + " Safari/604.1";
          break;
        case 3:
          user_agent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_" + std::to_string(next(8)) +
                       ") AppleWebKit/605.1.15 (KHTML, like Gecko) Version/" +
                       std::to_string(15 + next(3)) + "." + std::to_string(next(8)) +
                       " Safari/605.1.15 (" + std::to_string(idx) + ")";
          break;
        case 4:
          user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:" + std::to_string(major) +
                       ".0) Gecko/20100101 Firefox/" + std::to_string(major) + "." +
                       std::to_string(next(10)) + "." + std::to_string(patch);
          break;
        case 5:
          user_agent =
              "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
              "Gecko) Chrome/" +
              std::to_string(major) + ".0.0.0 Safari/537.36 Edg/" + std::to_string(major) + ".0." +
              std::to_string(build) + "." + std::to_string(patch);
          break;
        default:
          user_agent =
              "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/" +
              std::to_string(major) + ".0." + std::to_string(build) + "." + std::to_string(patch) +
              " Safari/537.36";
          break;
      }
      generated->push_back(std::move(user_agent));
    }
    std::sort(generated->begin(), generated->end());
    generated->erase(std::unique(generated->begin(), generated->end()), generated->end());
    return generated;
  }();
  return *user_agents;
}

std::unique_ptr<enrich::UserAgentParser> LoadParser(
    benchmark::State& state, const enrich::UserAgentParser::Options& options) {
  auto parser =
      enrich::UserAgentParser::LoadFile(std::string(enrich::kDefaultUapRegexesPath), options);
  if (!parser.ok()) {
    state.SkipWithError(parser.status().ToString().c_str());
    return nullptr;
  }
  if (DistinctUserAgents().empty()) {
    state.SkipWithError("uap-core's test files are missing: install the Debian package uap-core");
    return nullptr;
  }
  return std::move(parser).value();
}

// Parses every string of `user_agents` in turn, with no cache.
void UserAgentParseDistinct(benchmark::State& state, const std::vector<std::string>& user_agents) {
  enrich::UserAgentParser::Options options;
  options.cache_entries = 0;
  const auto parser = LoadParser(state, options);
  if (parser == nullptr) return;
  // One pass first: the prefilter's and the rules' DFAs build their states
  // lazily, and a long-running server has them built.
  for (const std::string& user_agent : user_agents) {
    benchmark::DoNotOptimize(parser->Parse(user_agent));
  }
  size_t next = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(parser->Parse(user_agents[next]));
    next = next + 1 == user_agents.size() ? 0 : next + 1;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["distinct_user_agents"] = static_cast<double>(user_agents.size());
}

void BM_UserAgentParseDistinct(benchmark::State& state) {
  UserAgentParseDistinct(state, DistinctUserAgents());
}
BENCHMARK(BM_UserAgentParseDistinct);

void BM_UserAgentParseDistinctCommonBrowsers(benchmark::State& state) {
  UserAgentParseDistinct(state, CommonBrowserUserAgents());
}
BENCHMARK(BM_UserAgentParseDistinctCommonBrowsers);

// Each string parsed for the first time by a freshly loaded parser, whose
// DFAs have built no states yet: the first minutes after a restart.
void BM_UserAgentParseDistinctFreshParser(benchmark::State& state) {
  enrich::UserAgentParser::Options options;
  options.cache_entries = 0;
  const std::vector<std::string>& user_agents = DistinctUserAgents();
  for (auto _ : state) {
    state.PauseTiming();
    const auto parser = LoadParser(state, options);
    state.ResumeTiming();
    if (parser == nullptr) return;
    for (const std::string& user_agent : user_agents) {
      benchmark::DoNotOptimize(parser->Parse(user_agent));
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * user_agents.size()));
}
BENCHMARK(BM_UserAgentParseDistinctFreshParser)->Unit(benchmark::kMillisecond);

// `reuse_result`: parse into one ParsedUserAgent kept across iterations (no
// allocation on a hit) rather than return a new one each time.
void UserAgentParseCacheHit(benchmark::State& state, bool reuse_result) {
  static enrich::UserAgentParser* shared_parser = nullptr;  // one per run, for the threads
  const size_t working_set = static_cast<size_t>(state.range(0));
  if (state.thread_index() == 0) {
    enrich::UserAgentParser::Options options;
    options.cache_entries = working_set * 2;
    shared_parser = LoadParser(state, options).release();
    if (shared_parser != nullptr) {
      for (size_t idx = 0; idx < working_set; ++idx) {
        benchmark::DoNotOptimize(shared_parser->Parse(DistinctUserAgents()[idx]));
      }
    }
  }
  // The loop's opening barrier holds the other threads until thread 0 is set up.
  const std::vector<std::string>& user_agents = DistinctUserAgents();
  size_t next = static_cast<size_t>(state.thread_index()) * 997 % std::max<size_t>(working_set, 1);
  enrich::ParsedUserAgent parsed;
  for (auto _ : state) {
    if (shared_parser == nullptr) break;
    if (reuse_result) {
      shared_parser->Parse(user_agents[next], &parsed);
      benchmark::DoNotOptimize(parsed);
    } else {
      benchmark::DoNotOptimize(shared_parser->Parse(user_agents[next]));
    }
    next = next + 1 == working_set ? 0 : next + 1;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  // After the loop's closing barrier no thread uses the parser any more.
  if (state.thread_index() == 0 && shared_parser != nullptr) {
    const enrich::UserAgentParser::Stats stats = shared_parser->stats();
    state.counters["hit_ratio"] = static_cast<double>(stats.cache_hits) /
                                  static_cast<double>(stats.cache_hits + stats.cache_misses);
    delete shared_parser;
    shared_parser = nullptr;
  }
}

void BM_UserAgentParseCacheHit(benchmark::State& state) { UserAgentParseCacheHit(state, true); }
BENCHMARK(BM_UserAgentParseCacheHit)->Arg(1000)->Arg(10000);
BENCHMARK(BM_UserAgentParseCacheHit)->Arg(1000)->Threads(2)->UseRealTime();

void BM_UserAgentParseCacheHitByValue(benchmark::State& state) {
  UserAgentParseCacheHit(state, false);
}
BENCHMARK(BM_UserAgentParseCacheHitByValue)->Arg(1000);

void BM_UserAgentLoadRules(benchmark::State& state) {
  for (auto _ : state) {
    auto parser = enrich::UserAgentParser::LoadFile(std::string(enrich::kDefaultUapRegexesPath),
                                                    enrich::UserAgentParser::Options());
    if (!parser.ok()) {
      state.SkipWithError(parser.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(parser->get());
  }
}
BENCHMARK(BM_UserAgentLoadRules)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace auditlog::bench

BENCHMARK_MAIN();
