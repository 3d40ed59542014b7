// Differential tests of the query engine: random events in the shape of the
// shared workload, and thousands of random queries (filters, sorts, pages,
// cursors, aggregations) answered by the embedded store, the reference
// evaluator (query/matcher.h) and SQLite. Results, order and totals must
// agree exactly. Run with the data only in the memtable, only in segments,
// and in both.
//
// AL_DIFF_SEED=<n> replays one run; AL_DIFF_QUERIES=<n> sets the number of
// queries per data layout (default 3,400: over 10,000 per run).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <random>

#include "env/mem_file_system.h"
#include "event/fields.h"
#include "query/cursor.h"
#include "query/matcher.h"
#include "query/tokenizer.h"
#include "sqlite_oracle.h"
#include "storage/embedded_store.h"
#include "testing/event_builder.h"

namespace auditlog {
namespace {

using event::Event;
using event::FieldSpec;
using event::FieldType;
using query::Filter;
using query::Scalar;

const FieldSpec* F(std::string_view path) {
  const FieldSpec* field = event::FindField(path);
  EXPECT_NE(field, nullptr) << path;
  return field;
}

uint64_t SeedFromEnv() {
  if (const char* text = std::getenv("AL_DIFF_SEED")) return std::strtoull(text, nullptr, 10);
  return std::random_device{}();
}

size_t QueriesFromEnv() {
  if (const char* text = std::getenv("AL_DIFF_QUERIES")) return std::strtoull(text, nullptr, 10);
  return 3400;
}

// The events: two tenants, the builder's vocabularies, plus IPv6 addresses
// and nested details so CIDR and details paths have something to find.
std::vector<Event> MakeEvents(uint64_t seed, size_t count) {
  testing::EventBuilder builder(seed);
  std::vector<Event> events;
  for (size_t i = 0; i < count; ++i) {
    Event event = builder.Next();
    event.tenant = i % 3 == 0 ? "globex" : "acme";
    if (i % 9 == 4) event.ip = fmt::format("2001:db8:{:x}::{:x}", i % 4, i % 50);
    if (i % 11 == 5) event.ip = fmt::format("::ffff:10.{}.{}.{}", i % 4, i % 8, i % 250);
    if (i % 7 == 3)
      event.details = fmt::format(
          R"({{"connection":"{}","request":{{"channel":"https://manage.example.com/{}","n":{}}},"mfa":{}}})",
          i % 2 ? "email" : "sms", i % 5, i % 6, i % 4 ? "true" : "false");
    events.push_back(std::move(event));
  }
  return events;
}

class QueryGenerator {
 public:
  QueryGenerator(uint64_t seed, const std::vector<Event>& events) : random_(seed), events_(events) {
    int64_t low = INT64_MAX, high = INT64_MIN;
    for (const Event& event : events) {
      low = std::min(low, *event.timestamp);
      high = std::max(high, *event.timestamp);
    }
    time_low_ = low;
    time_high_ = high;
  }

  uint64_t Uniform(uint64_t n) { return random_() % n; }
  bool Chance(int percent) { return Uniform(100) < static_cast<uint64_t>(percent); }
  const Event& AnyEvent() { return events_[Uniform(events_.size())]; }

  int64_t AnyTime() {
    return time_low_ +
           static_cast<int64_t>(Uniform(static_cast<uint64_t>(time_high_ - time_low_ + 1)));
  }

  // A present value of `field` from some event (tries a few), or nullopt.
  std::optional<Scalar> SomeValue(const FieldSpec& field) {
    for (int attempt = 0; attempt < 8; ++attempt)
      if (auto value = query::FieldValue(field, AnyEvent())) return value;
    return std::nullopt;
  }

  std::string SomeWord(const FieldSpec& field) {
    auto value = SomeValue(field);
    if (!value) return "login";
    std::vector<std::string> words = query::PhraseWords(std::get<std::string>(*value));
    if (words.empty()) return "login";
    return words[Uniform(words.size())];
  }

  Filter Leaf() {
    static const std::vector<const FieldSpec*> kFields = {
        F("type"),         F("actor.id"),         F("actor.name"),  F("client.id"),
        F("ip"),           F("result"),           F("description"), F("name"),
        F("user_agent"),   F("timestamp"),        F("received_at"), F("seq"),
        F("geo.latitude"), F("ua.is_mobile"),     F("details"),     F("actor.email"),
        F("request_id"),   F("geo.country_code"), F("client.name"), F("result_message")};
    const FieldSpec& field = *kFields[Uniform(kFields.size())];
    if (Chance(8)) return Filter::Exists(field);
    switch (field.type) {
      case FieldType::kKeyword:
        return KeywordLeaf(field);
      case FieldType::kText:
        return TextLeaf(field);
      case FieldType::kTime: {
        if (Chance(20)) {
          if (auto value = SomeValue(field)) return Filter::Eq(field, *value);
        }
        return Range(field, Scalar(AnyTime()), Scalar(AnyTime()));
      }
      case FieldType::kUint64: {
        const int64_t a = static_cast<int64_t>(1 + Uniform(events_.size()));
        const int64_t b = static_cast<int64_t>(1 + Uniform(events_.size()));
        if (Chance(20)) return Filter::Eq(field, Scalar(a));
        return Range(field, Scalar(a), Scalar(b));
      }
      case FieldType::kDouble: {
        auto a = SomeValue(field), b = SomeValue(field);
        if (!a || !b) return Filter::Exists(field);
        if (Chance(30)) return Filter::Eq(field, *a);
        return Range(field, *a, *b);
      }
      case FieldType::kBool:
        return Filter::Eq(field, Scalar(Chance(50)));
      case FieldType::kOutcome:
        if (Chance(70))
          return Filter::Eq(field, Scalar(std::string(Chance(50) ? "success" : "failure")));
        return Filter::In(field, {Scalar(std::string("success")), Scalar(std::string("failure"))});
      case FieldType::kJson:
        return DetailsLeaf(field);
    }
    return Filter::All();
  }

  Filter Range(const FieldSpec& field, Scalar a, Scalar b) {
    if (query::CompareScalars(a, b) > 0) std::swap(a, b);
    std::optional<query::RangeBound> lower, upper;
    if (!Chance(20)) lower = query::RangeBound{a, Chance(50)};
    if (!Chance(20)) upper = query::RangeBound{b, Chance(50)};
    return Filter::Range(field, lower, upper);
  }

  Filter KeywordLeaf(const FieldSpec& field) {
    auto value = SomeValue(field);
    if (!value) return Filter::Exists(field);
    const std::string& text = std::get<std::string>(*value);
    const uint64_t pick = Uniform(100);
    if (field.path == "ip" && pick < 20) {
      static const char* kNetworks[] = {
          "10.0.0.0/8",      "10.1.0.0/16", "10.2.3.0/24", "2001:db8::/32",
          "2001:db8:1::/48", "10.3.4.5",    "0.0.0.0/0",   "::/0"};
      return Filter::Cidr(field, kNetworks[Uniform(std::size(kNetworks))]);
    }
    if (pick < 35) return Filter::Eq(field, Chance(90) ? *value : Scalar(text + "x"));
    if (pick < 50) {
      std::vector<Scalar> values;
      for (uint64_t i = 0, n = 1 + Uniform(3); i < n; ++i)
        if (auto more = SomeValue(field)) values.push_back(*more);
      if (values.empty()) values.push_back(*value);
      return Filter::In(field, values);
    }
    if (pick < 65) return Filter::Prefix(field, text.substr(0, Uniform(text.size() + 1)));
    if (pick < 80) {
      // Keep a prefix and a suffix of a real value, star in between (or around).
      const size_t cut = Uniform(text.size() + 1);
      const size_t resume = cut + Uniform(text.size() - cut + 1);
      std::string pattern = text.substr(0, cut) + "*" + text.substr(resume);
      if (Chance(20)) pattern = "*" + pattern;
      return Filter::Wildcard(field, pattern);
    }
    auto other = SomeValue(field);
    return Range(field, *value, other ? *other : *value);
  }

  Filter TextLeaf(const FieldSpec& field) {
    const uint64_t pick = Uniform(100);
    if (pick < 40)
      return Filter::Text(field, SomeWord(field) + (Chance(30) ? " " + SomeWord(field) : ""));
    if (pick < 60) {
      auto value = SomeValue(field);
      if (value) {
        std::vector<std::string> words = query::PhraseWords(std::get<std::string>(*value));
        if (!words.empty()) {
          const size_t begin = Uniform(words.size());
          const size_t length = 1 + Uniform(std::min<size_t>(3, words.size() - begin));
          std::string phrase;
          for (size_t i = begin; i < begin + length; ++i)
            phrase += (phrase.empty() ? "" : " ") + words[i];
          return Filter::Phrase(field, phrase);
        }
      }
      return Filter::Phrase(field, "logged in");
    }
    if (pick < 75) {
      std::string word = SomeWord(field);
      return Filter::Wildcard(field, word.substr(0, 1 + Uniform(word.size())) + "*");
    }
    if (pick < 90) {
      if (auto value = SomeValue(field)) return Filter::Eq(field, *value);
    }
    auto a = SomeValue(field), b = SomeValue(field);
    if (!a || !b) return Filter::Exists(field);
    return Range(field, *a, *b);
  }

  Filter DetailsLeaf(const FieldSpec& field) {
    static const char* kPaths[] = {"connection", "country", "request.channel", "request.n",
                                   "mfa",        "request", "missing.path"};
    const std::string path = kPaths[Uniform(std::size(kPaths))];
    std::string value;
    for (int attempt = 0; attempt < 8 && value.empty(); ++attempt)
      if (auto found = query::DetailsValue(AnyEvent().details, path)) value = *found;
    if (value.empty()) value = "email";
    const uint64_t pick = Uniform(100);
    if (pick < 40) return Filter::AtDetailsPath(path, Filter::Eq(field, Scalar(value)));
    if (pick < 55) return Filter::AtDetailsPath(path, Filter::Exists(field));
    if (pick < 70)
      return Filter::AtDetailsPath(
          path, Filter::Prefix(field, value.substr(0, Uniform(value.size() + 1))));
    if (pick < 85)
      return Filter::AtDetailsPath(path,
                                   Filter::Wildcard(field, "*" + value.substr(value.size() / 2)));
    return Filter::AtDetailsPath(path, Range(field, Scalar(value), Scalar(std::string("t"))));
  }

  Filter AnyFilter(int depth) {
    if (depth >= 3 || Chance(45)) return Leaf();
    const uint64_t pick = Uniform(100);
    if (pick < 15) return Filter::Not(AnyFilter(depth + 1));
    std::vector<Filter> children;
    for (uint64_t i = 0, n = 1 + Uniform(3); i < n; ++i) children.push_back(AnyFilter(depth + 1));
    return pick < 60 ? Filter::And(std::move(children)) : Filter::Or(std::move(children));
  }

  query::Query AnyQuery() {
    query::Query query;
    const uint64_t tenant = Uniform(10);
    query.tenant = tenant < 6 ? "acme" : tenant < 9 ? "globex" : "*";
    query.filter = Chance(10) ? Filter::All() : AnyFilter(0);
    if (Chance(40)) {
      int64_t a = AnyTime(), b = AnyTime();
      if (a > b) std::swap(a, b);
      if (!Chance(15)) query.time.from = a;
      if (!Chance(15)) query.time.to = b;
    }
    if (Chance(35)) {
      static const std::vector<const FieldSpec*> kSortable = {
          F("type"),        F("actor.id"), F("result"),       F("timestamp"),
          F("received_at"), F("seq"),      F("geo.latitude"), F("ua.is_mobile"),
          F("client.name"), F("ip"),       F("actor.email"),  F("description")};
      for (uint64_t i = 0, n = 1 + Uniform(2); i < n; ++i)
        query.sort.push_back({kSortable[Uniform(kSortable.size())], Chance(50)});
    } else if (Chance(40)) {
      query.sort.push_back({F("timestamp"), Chance(30) ? false : true});
    }
    query.limit = static_cast<uint32_t>(1 + Uniform(Chance(80) ? 30 : 120));
    if (Chance(50)) query.offset = Chance(80) ? Uniform(200) : Uniform(3000);
    query.include_totals = Chance(70);
    if (Chance(20)) {
      static const std::vector<const FieldSpec*> kProjectable = {
          F("type"), F("timestamp"), F("actor.id"), F("details"), F("result"), F("geo.latitude")};
      for (const FieldSpec* field : kProjectable)
        if (Chance(50)) query.fields.push_back(field);
    }
    return query;
  }

  query::AggSpec AnyAggSpec(bool utc_only) {
    static const std::vector<const FieldSpec*> kGroupable = {
        F("type"),         F("actor.id"),    F("result"), F("ip"),        F("ua.is_mobile"),
        F("geo.latitude"), F("client.name"), F("seq"),    F("timestamp"), F("actor.email")};
    const FieldSpec* field = kGroupable[Uniform(kGroupable.size())];
    const uint64_t pick = Uniform(100);
    if (pick < 35) return query::CountBy{field, static_cast<uint32_t>(1 + Uniform(8))};
    if (pick < 55) return query::DistinctCount{field};
    query::DateHistogram histogram;
    if (Chance(20)) histogram.field = F("received_at");
    if (Chance(50)) {
      static const int64_t kIntervals[] = {60'000'000, 300'000'000, 3'600'000'000, 86'400'000'000};
      histogram.interval_micros = kIntervals[Uniform(std::size(kIntervals))];
    } else {
      static const query::CalendarUnit kUnits[] = {
          query::CalendarUnit::kDay, query::CalendarUnit::kWeek, query::CalendarUnit::kMonth};
      histogram.calendar = kUnits[Uniform(std::size(kUnits))];
    }
    if (!utc_only && Chance(50)) histogram.time_zone = Chance(50) ? "Asia/Shanghai" : "+05:30";
    const uint64_t sub = Uniform(3);
    if (sub == 1)
      histogram.per_bucket = query::CountBy{field, static_cast<uint32_t>(1 + Uniform(5))};
    if (sub == 2) histogram.per_bucket = query::DistinctCount{field};
    return histogram;
  }

 private:
  std::mt19937_64 random_;
  const std::vector<Event>& events_;
  int64_t time_low_ = 0, time_high_ = 0;
};

std::vector<std::string> IdsOf(const std::vector<Event>& events) {
  std::vector<std::string> ids;
  for (const Event& event : events) ids.push_back(event.id);
  return ids;
}

enum class Layout { kMemtableOnly, kSegmentsOnly, kMixed };

class DifferentialTest : public ::testing::TestWithParam<Layout> {
 protected:
  void SetUp() override {
    seed_ = SeedFromEnv();
    std::cout << "AL_DIFF_SEED=" << seed_ << "\n";
    events_ = MakeEvents(seed_, 1800);
    storage::EmbeddedStoreOptions options;
    options.dir = "/store";
    options.fs = &fs_;
    options.background = false;
    options.memtable_bytes = size_t{1} << 30;
    options.window_micros = int64_t{600} * 1'000'000;  // ten-minute windows: many segments
    options.max_segment_rows = 150;
    options.compaction_min_rows = 100;
    auto store = storage::EmbeddedStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    const size_t half = events_.size() / 2;
    std::mt19937_64 random(seed_);
    for (size_t begin = 0; begin < events_.size();) {
      const size_t end = std::min(events_.size(), begin + 1 + random() % 120);
      std::span<Event> batch(events_.data() + begin, end - begin);
      // A batch holds one tenant's events: append each tenant's part.
      for (const char* tenant : {"acme", "globex"}) {
        std::vector<Event> part;
        std::vector<size_t> where;
        for (size_t i = 0; i < batch.size(); ++i)
          if (batch[i].tenant == tenant) {
            part.push_back(batch[i]);
            where.push_back(begin + i);
          }
        if (part.empty()) continue;
        auto outcomes = store_->Append(tenant, part);
        ASSERT_TRUE(outcomes.ok()) << outcomes.status().ToString();
        for (size_t i = 0; i < part.size(); ++i) events_[where[i]] = part[i];
      }
      const bool flush_here = (GetParam() == Layout::kMixed && begin < half && end >= half) ||
                              (GetParam() == Layout::kSegmentsOnly && random() % 4 == 0);
      if (flush_here) {
        ASSERT_TRUE(store_->Flush().ok());
      }
      begin = end;
    }
    if (GetParam() == Layout::kSegmentsOnly) {
      ASSERT_TRUE(store_->Flush().ok());
      bool did_work = true;
      for (int i = 0; i < 3 && did_work; ++i) ASSERT_TRUE(store_->CompactOnce(&did_work).ok());
    }
    oracle_.Insert(events_);
  }

  uint64_t seed_ = 0;
  env::MemFileSystem fs_;
  std::unique_ptr<storage::EmbeddedStore> store_;
  std::vector<Event> events_;
  testing::SqliteOracle oracle_;
};

std::string Describe(const query::Query& query) {
  std::string text = fmt::format("filter={} ", query::DebugString(query.filter)) +
                     fmt::format("tenant={} offset={} limit={} totals={} sort=", query.tenant,
                                 query.offset, query.limit, query.include_totals);
  for (const auto& key : query.sort)
    text += fmt::format("{}{} ", key.field->path, key.descending ? "↓" : "↑");
  if (query.time.from) text += fmt::format(" from={}", *query.time.from);
  if (query.time.to) text += fmt::format(" to={}", *query.time.to);
  return text;
}

TEST_P(DifferentialTest, StoreReferenceAndSqliteAgree) {
  QueryGenerator generator(seed_ * 31 + static_cast<uint64_t>(GetParam()), events_);
  const query::CursorCodec codec(std::string(32, 'k'));
  const size_t count = QueriesFromEnv();
  size_t nonempty = 0, failures = 0;
  for (size_t n = 0; n < count && failures < 5; ++n) {
    query::Query query = generator.AnyQuery();
    SCOPED_TRACE(fmt::format("AL_DIFF_SEED={} query #{}: {}", seed_, n, Describe(query)));
    ASSERT_TRUE(query::ValidateQuery(query).ok()) << query::ValidateQuery(query).ToString();

    if (generator.Chance(25)) {
      const query::AggSpec spec = generator.AnyAggSpec(/*utc_only=*/generator.Chance(60));
      auto from_store = store_->Aggregate(query, spec);
      ASSERT_TRUE(from_store.ok()) << from_store.status().ToString();
      const query::AggResult expected = query::ReferenceAggregate(query, spec, events_);
      if (*from_store != expected) ++failures;
      EXPECT_EQ(*from_store, expected) << "store vs reference (aggregation)";
      const auto* histogram = std::get_if<query::DateHistogram>(&spec);
      if (!histogram || histogram->time_zone == "UTC") {
        const query::AggResult from_sqlite = oracle_.Aggregate(query, spec);
        if (from_sqlite != expected) ++failures;
        EXPECT_EQ(from_sqlite, expected) << "sqlite vs reference (aggregation)\n"
                                         << oracle_.last_sql();
      }
      continue;
    }

    auto from_store = store_->Search(query);
    ASSERT_TRUE(from_store.ok()) << from_store.status().ToString();
    const query::SearchResult expected = query::ReferenceSearch(query, events_);
    const testing::SqliteOracle::Page from_sqlite = oracle_.Search(query);
    if (!expected.events.empty()) ++nonempty;
    const bool same = from_store->events == expected.events &&
                      from_store->total == expected.total && from_store->last == expected.last &&
                      from_sqlite.ids == IdsOf(expected.events) &&
                      (!expected.total || from_sqlite.total == *expected.total);
    if (!same) ++failures;
    EXPECT_EQ(IdsOf(from_store->events), IdsOf(expected.events)) << "store vs reference: page";
    EXPECT_EQ(from_store->events, expected.events) << "store vs reference: event contents";
    EXPECT_EQ(from_store->total, expected.total) << "store vs reference: total";
    EXPECT_EQ(from_store->last, expected.last) << "store vs reference: last position";
    EXPECT_EQ(from_sqlite.ids, IdsOf(expected.events)) << "sqlite vs reference: page\n"
                                                       << oracle_.last_sql();
    if (expected.total) {
      EXPECT_EQ(from_sqlite.total, *expected.total) << "sqlite vs reference: total";
    }

    // Now and then, walk the whole result with cursors and compare it with
    // SQLite's full ordered list.
    if (generator.Chance(8) && !query::IsAllTenants(query.tenant)) {
      query::Query walk = query;
      walk.offset = 0;
      walk.fields.clear();
      query::Query all = walk;
      all.limit = query::kMaxLimit;
      const testing::SqliteOracle::Page everything = oracle_.Search(all);
      std::vector<std::string> seen;
      auto page = store_->Search(walk);
      ASSERT_TRUE(page.ok());
      const uint64_t watermark = page->watermark;
      for (int pages = 0; pages < 3000; ++pages) {
        for (const Event& event : page->events) seen.push_back(event.id);
        if (page->events.size() < walk.limit || !page->last) break;
        const std::string token = codec.Encode(walk, *page->last, watermark);
        query::Query next = walk;
        ASSERT_TRUE(codec.Apply(token, &next).ok());
        page = store_->Search(next);
        ASSERT_TRUE(page.ok()) << page.status().ToString();
      }
      EXPECT_EQ(seen, everything.ids) << "cursor walk vs sqlite";
      if (seen != everything.ids) ++failures;
    }
  }
  EXPECT_GT(nonempty, count / 10) << "too few queries found anything: the generator is off";
}

INSTANTIATE_TEST_SUITE_P(Layouts, DifferentialTest,
                         ::testing::Values(Layout::kMemtableOnly, Layout::kSegmentsOnly,
                                           Layout::kMixed),
                         [](const ::testing::TestParamInfo<Layout>& layout) {
                           switch (layout.param) {
                             case Layout::kMemtableOnly:
                               return std::string("MemtableOnly");
                             case Layout::kSegmentsOnly:
                               return std::string("SegmentsOnly");
                             default:
                               return std::string("Mixed");
                           }
                         });

}  // namespace
}  // namespace auditlog
