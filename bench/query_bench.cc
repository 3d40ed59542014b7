// query_bench: runs the peer benchmark's query set (Q1-Q12, Q5 in two forms)
// in-process on an embedded store loaded by store_load, and prints each
// query's cold and warm latency and its check string — the same string the
// peer harness prints for ClickHouse, PostgreSQL and SQLite, so answers can be
// compared engine to engine (bench/RESULTS.md, issue #4).
//
//   query_bench --dir DIR --params params_N.json [--warm 5] [--json]
//
// The params file is the one the peer harness writes for its dataset (the
// same tenant, actors, clients, ip, words, time ranges and id). Queries are
// built as the harness's native-API plugin builds them: pages ordered by
// timestamp then id (the peers' order), queries without a tenant run over
// all tenants. Pages return the columns the peers select (the harness's
// ROW_COLS: id, tenant, timestamp, type, ..., request_id, details), so each
// engine materializes the same values. "cold" is the first run after Open (segment sections not yet
// decoded, files in the page cache); "warm" the median of the next runs.
// Compaction the load left to do is finished before the first query.

#include <fmt/format.h>
#include <openssl/sha.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "event/fields.h"
#include "query/query.h"
#include "storage/embedded_store.h"

namespace auditlog::bench {
namespace {

using query::Filter;
using query::Scalar;

const event::FieldSpec& F(std::string_view path) { return *event::FindField(path); }

std::string Digest(const std::vector<std::string>& items) {
  std::string joined;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) joined += '\n';
    joined += items[i];
  }
  unsigned char hash[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(joined.data()), joined.size(), hash);
  std::string hex;
  for (unsigned char byte : hash) hex += fmt::format("{:02x}", byte);
  return hex.substr(0, 10);
}

std::string CheckPage(std::optional<uint64_t> total, const std::vector<std::string>& ids) {
  return fmt::format("total={} rows={} first={} h={}",
                     total ? std::to_string(*total) : std::string("None"), ids.size(),
                     ids.empty() ? "-" : ids[0], Digest(ids));
}

std::string CheckAgg(const std::vector<std::pair<std::string, uint64_t>>& groups) {
  std::vector<std::string> rows;
  uint64_t sum = 0;
  for (const auto& [key, count] : groups) {
    rows.push_back(fmt::format("{}={}", key, count));
    sum += count;
  }
  return fmt::format("groups={} sum={} h={}", rows.size(), sum, Digest(rows));
}

struct Params {
  std::string tenant;
  std::vector<std::string> actors_q2, clients_q3, types_q3;
  int64_t q3_from_ms = 0, q3_to_ms = 0, q7_from_ms = 0, q7_to_ms = 0, q8_from_ms = 0, q8_to_ms = 0;
  std::string ip_q4, word_common, word_rare, actor_q6, id_q12;
};

Result<Params> ReadParams(const std::string& path) {
  simdjson::padded_string json;
  if (simdjson::padded_string::load(path).get(json))
    return Status::InvalidArgument("cannot read " + path);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document document;
  simdjson::ondemand::object root;
  if (parser.iterate(json).get(document) || document.get_object().get(root))
    return Status::InvalidArgument(path + " is not a JSON object");
  Params params;
  std::map<std::string_view, std::string*> texts = {
      {"tenant", &params.tenant},           {"ip_q4", &params.ip_q4},
      {"word_common", &params.word_common}, {"word_rare", &params.word_rare},
      {"actor_q6", &params.actor_q6},       {"id_q12", &params.id_q12}};
  std::map<std::string_view, std::vector<std::string>*> lists = {{"actors_q2", &params.actors_q2},
                                                                 {"clients_q3", &params.clients_q3},
                                                                 {"types_q3", &params.types_q3}};
  std::map<std::string_view, int64_t*> numbers = {
      {"q3_from_ms", &params.q3_from_ms}, {"q3_to_ms", &params.q3_to_ms},
      {"q7_from_ms", &params.q7_from_ms}, {"q7_to_ms", &params.q7_to_ms},
      {"q8_from_ms", &params.q8_from_ms}, {"q8_to_ms", &params.q8_to_ms}};
  size_t found = 0;
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return Status::InvalidArgument(path + ": bad key");
    simdjson::ondemand::value value = field.value();
    if (auto it = texts.find(key); it != texts.end()) {
      std::string_view text;
      if (value.get_string().get(text))
        return Status::InvalidArgument(path + ": bad " + std::string(key));
      *it->second = std::string(text);
      ++found;
    } else if (auto list = lists.find(key); list != lists.end()) {
      simdjson::ondemand::array array;
      if (value.get_array().get(array))
        return Status::InvalidArgument(path + ": bad " + std::string(key));
      for (auto item : array) {
        std::string_view text;
        if (item.get_string().get(text))
          return Status::InvalidArgument(path + ": bad " + std::string(key));
        list->second->emplace_back(text);
      }
      ++found;
    } else if (auto number = numbers.find(key); number != numbers.end()) {
      if (value.get_int64().get(*number->second))
        return Status::InvalidArgument(path + ": bad " + std::string(key));
      ++found;
    }
  }
  if (found != texts.size() + lists.size() + numbers.size())
    return Status::InvalidArgument(path + ": not a peer benchmark params file");
  return params;
}

std::vector<Scalar> Strings(const std::vector<std::string>& values) {
  return {values.begin(), values.end()};
}

// The registry fields of the peer harness's row columns (ROW_COLS).
std::vector<const event::FieldSpec*> PeerColumns() {
  std::vector<const event::FieldSpec*> fields;
  for (std::string_view path : {"id",
                                "tenant",
                                "timestamp",
                                "type",
                                "name",
                                "description",
                                "result",
                                "result_message",
                                "actor.id",
                                "actor.name",
                                "actor.email",
                                "actor.type",
                                "client.id",
                                "client.name",
                                "ip",
                                "user_agent",
                                "resource.type",
                                "resource.id",
                                "resource.name",
                                "operation.type",
                                "operation.mode",
                                "request_id",
                                "details"})
    fields.push_back(&F(path));
  return fields;
}

// What a query returned, as the peer harness fetches it: a page's total and
// ids, or an aggregation's groups. Its check string is made after the clock
// stops, as the harness makes its own (hashing took a fifth of Q12's time).
struct Answer {
  bool aggregation = false;
  std::optional<uint64_t> total;
  std::vector<std::string> ids;
  std::vector<std::pair<std::string, uint64_t>> groups;
};

std::string CheckOf(const Answer& answer) {
  return answer.aggregation ? CheckAgg(answer.groups) : CheckPage(answer.total, answer.ids);
}

struct BenchQuery {
  std::string name;
  std::string title;
  std::function<Result<Answer>()> run;
};

// `all_fields`: every event whole (the native API's default) instead of the
// peers' 23 columns.
std::vector<BenchQuery> BuildQueries(storage::EmbeddedStore& store, const Params& p,
                                     bool all_fields) {
  const std::vector<query::SortKey> by_time = {{&F("timestamp"), true}, {&F("id"), true}};
  auto page = [&store](query::Query query) -> std::function<Result<Answer>()> {
    return [&store, query]() -> Result<Answer> {
      AL_ASSIGN_OR_RETURN(query::SearchResult result, store.Search(query));
      Answer answer;
      answer.total = result.total;
      for (const auto& event : result.events) answer.ids.push_back(event.id);
      return answer;
    };
  };
  auto make = [&](std::string tenant, Filter filter, uint32_t limit, uint64_t offset, bool totals,
                  std::vector<query::SortKey> sort) {
    query::Query query;
    query.tenant = std::move(tenant);
    query.filter = std::move(filter);
    query.limit = limit;
    query.offset = offset;
    query.include_totals = totals;
    query.sort = std::move(sort);
    if (!all_fields) query.fields = PeerColumns();
    return query;
  };
  auto micros = [](int64_t ms) { return ms * 1000; };
  std::vector<BenchQuery> queries;
  queries.push_back({"Q1", "latest 10 of tenant + total",
                     page(make(p.tenant, Filter::All(), 10, 0, true, by_time))});
  queries.push_back(
      {"Q2", "3 actors (hot/med/rare) newest p1/20 + total",
       page(make("*", Filter::In(F("actor.id"), Strings(p.actors_q2)), 20, 0, true, by_time))});
  {
    query::Query q3 = make("*",
                           Filter::And({Filter::In(F("client.id"), Strings(p.clients_q3)),
                                        Filter::In(F("type"), Strings(p.types_q3))}),
                           50, 100, true, by_time);
    q3.time.from = micros(p.q3_from_ms);
    q3.time.to = micros(p.q3_to_ms);
    queries.push_back({"Q3", "2 clients x 3 types x 7d, p3/50 + total", page(q3)});
  }
  queries.push_back({"Q4", "one ip, newest p1/50 + total",
                     page(make("*", Filter::Eq(F("ip"), p.ip_q4), 50, 0, true, by_time))});
  queries.push_back(
      {"Q5a", "text: common word p1/20 + total",
       page(make("*", Filter::Text(F("description"), p.word_common), 20, 0, true, by_time))});
  queries.push_back(
      {"Q5b", "text: rare word p1/20 + total",
       page(make("*", Filter::Text(F("description"), p.word_rare), 20, 0, true, by_time))});
  queries.push_back({"Q6", "actor log by type asc, ts desc, p5/100 + total",
                     page(make("*", Filter::Eq(F("actor.id"), p.actor_q6), 100, 400, true,
                               {{&F("type"), false}, {&F("timestamp"), true}, {&F("id"), true}}))});
  auto aggregate = [&store](query::Query query, query::AggSpec spec,
                            std::function<std::string(const Scalar&)> key) {
    return [&store, query, spec, key]() -> Result<Answer> {
      AL_ASSIGN_OR_RETURN(query::AggResult result, store.Aggregate(query, spec));
      Answer answer;
      answer.aggregation = true;
      for (size_t i = 0; i < result.buckets.size(); ++i) {
        const uint64_t count =
            result.per_bucket.empty() ? result.buckets[i].count : *result.per_bucket[i].distinct;
        answer.groups.emplace_back(key(result.buckets[i].value), count);
      }
      return answer;
    };
  };
  auto as_text = [](const Scalar& value) { return query::ScalarToString(value); };
  {
    query::Query q7 = make(p.tenant, Filter::All(), 1, 0, false, {});
    q7.time.from = micros(p.q7_from_ms);
    q7.time.to = micros(p.q7_to_ms);
    queries.push_back({"Q7", "tenant counts by type, last 7d",
                       aggregate(q7, query::CountBy{&F("type"), 1000}, as_text)});
  }
  {
    query::Query q8 = make(p.tenant, Filter::All(), 1, 0, false, {});
    q8.time.from = micros(p.q8_from_ms);
    q8.time.to = micros(p.q8_to_ms);
    query::DateHistogram hourly;
    hourly.interval_micros = int64_t{3'600'000'000};
    queries.push_back(
        {"Q8", "tenant events/hour, 30d", aggregate(q8, hourly, [](const Scalar& value) {
           return std::to_string(std::get<int64_t>(value) / 3'600'000'000);
         })});
  }
  queries.push_back(
      {"Q9", "top 10 ips by failures",
       aggregate(make("*", Filter::Eq(F("result"), std::string("failure")), 1, 0, false, {}),
                 query::CountBy{&F("ip"), 10}, as_text)});
  queries.push_back({"Q10", "tenant page 1000 of 50 (offset 49950)",
                     page(make(p.tenant, Filter::All(), 50, 49950, false, by_time))});
  {
    query::DateHistogram daily;
    daily.calendar = query::CalendarUnit::kDay;
    daily.per_bucket = query::DistinctCount{&F("actor.id")};
    queries.push_back(
        {"Q11", "tenant distinct actors/day",
         aggregate(make(p.tenant, Filter::All(), 1, 0, false, {}), daily, [](const Scalar& value) {
           return std::to_string(std::get<int64_t>(value) / 86'400'000'000);
         })});
  }
  queries.push_back({"Q12", "event by id", [&store, id = p.id_q12]() -> Result<Answer> {
                       AL_ASSIGN_OR_RETURN(auto event, store.Get(query::kAllTenants, id));
                       Answer answer;
                       if (event) answer.ids.push_back(event->id);
                       return answer;
                     }});
  return queries;
}

double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

int Main(int argc, char** argv) {
  std::string dir, params_path;
  int warm_runs = 5;
  bool json = false;
  bool all_fields = false;
  std::string only;  // comma-separated query names
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (arg == "--params" && i + 1 < argc) {
      params_path = argv[++i];
    } else if (arg == "--warm" && i + 1 < argc) {
      warm_runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "--all-fields") {
      all_fields = true;
    } else if (arg == "--only" && i + 1 < argc) {
      only = "," + std::string(argv[++i]) + ",";
    } else {
      std::fprintf(
          stderr,
          "usage: query_bench --dir DIR --params params_N.json [--warm 5] [--json] [--only Q1,Q4]\n"
          "                   [--all-fields]\n"
          "Runs Q1-Q12 of the peer benchmark on a store loaded by store_load. Pages hold\n"
          "the peers' 23 columns, or with --all-fields whole events.\n");
      return arg == "--help" ? 0 : 2;
    }
  }
  if (dir.empty() || params_path.empty()) {
    std::fprintf(stderr, "query_bench: --dir and --params are required (see --help)\n");
    return 2;
  }
  auto params = ReadParams(params_path);
  if (!params.ok()) {
    std::fprintf(stderr, "query_bench: %s\n", params.status().ToString().c_str());
    return 1;
  }
  // No background thread: compaction left over from the load is finished
  // first, so queries meet a settled store and nothing else runs beside them.
  storage::EmbeddedStoreOptions options;
  options.dir = dir;
  options.background = false;
  if (const char* mb = std::getenv("QB_CACHE_MB"))
    options.cache_bytes = std::strtoull(mb, nullptr, 10) << 20;
  auto store = storage::EmbeddedStore::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "query_bench: %s\n", store.status().ToString().c_str());
    return 1;
  }
  const auto settle_start = std::chrono::steady_clock::now();
  int compactions = 0;
  for (bool did_work = true; did_work; ++compactions) {
    if (Status status = (*store)->CompactOnce(&did_work); !status.ok()) {
      std::fprintf(stderr, "query_bench: %s\n", status.ToString().c_str());
      return 1;
    }
  }
  auto stats = (*store)->Stats();
  std::fprintf(stderr, "settled: %d compactions in %.1f s, %llu segments\n", compactions - 1,
               MillisSince(settle_start) / 1000,
               stats.ok() ? static_cast<unsigned long long>(stats->segments) : 0ull);
  std::vector<BenchQuery> queries = BuildQueries(**store, *params, all_fields);
  std::string out = "{";
  if (!json) fmt::print("{:<4} {:>10} {:>10}  {}\n", "q", "cold ms", "warm ms", "check");
  for (size_t q = 0; q < queries.size(); ++q) {
    const BenchQuery& query = queries[q];
    if (!only.empty() && only.find("," + query.name + ",") == std::string::npos) continue;
    auto start = std::chrono::steady_clock::now();
    Result<Answer> answer = query.run();
    const double cold_ms = MillisSince(start);
    std::vector<double> warm_ms;
    for (int run = 0; run < warm_runs && answer.ok(); ++run) {
      start = std::chrono::steady_clock::now();
      answer = query.run();
      warm_ms.push_back(MillisSince(start));
    }
    std::sort(warm_ms.begin(), warm_ms.end());
    const double median = warm_ms.empty() ? 0 : warm_ms[warm_ms.size() / 2];
    const std::string check_text =
        answer.ok() ? CheckOf(*answer) : "ERROR " + answer.status().ToString();
    if (std::getenv("QB_CACHE_STATS"))
      if (auto now = (*store)->Stats(); now.ok())
        std::fprintf(stderr, "%s: section cache %.1f MiB\n", query.name.c_str(),
                     static_cast<double>(now->cache_bytes) / (1 << 20));
    if (json) {
      out += fmt::format(
          "{}\"{}\":{{\"title\":\"{}\",\"check\":\"{}\",\"cold_ms\":{:.3f},"
          "\"warm_median_ms\":{:.3f},\"warm_ms\":[{:.3f}]}}",
          out.size() == 1 ? "" : ",", query.name, query.title, check_text, cold_ms, median,
          fmt::join(warm_ms, ","));
    } else {
      fmt::print("{:<4} {:>10.3f} {:>10.3f}  {}\n", query.name, cold_ms, median, check_text);
    }
  }
  if (json) fmt::print("{}}}\n", out);
  return 0;
}

}  // namespace
}  // namespace auditlog::bench

int main(int argc, char** argv) { return auditlog::bench::Main(argc, argv); }
