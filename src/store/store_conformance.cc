#include "store/store_conformance.h"

#include <fmt/format.h>
#include <gmock/gmock.h>

#include "event/fields.h"
#include "event/json_codec.h"
#include "query/matcher.h"
#include "testing/event_builder.h"
#include "testing/status_matchers.h"

namespace auditlog::store {
namespace {

using event::Event;
using event::FindField;
using query::Filter;
using query::Query;
using query::Scalar;

const event::FieldSpec& F(std::string_view path) { return *FindField(path); }

std::vector<AppendOutcome> AppendOk(Store& store, const std::string& tenant,
                                    std::vector<Event>& batch) {
  auto outcomes = store.Append(tenant, batch);
  EXPECT_TRUE(outcomes.ok()) << outcomes.status().ToString();
  return outcomes.ok() ? *outcomes : std::vector<AppendOutcome>();
}

TEST_P(StoreConformanceTest, SeqIsGapFreePerTenantInAcceptOrder) {
  testing::EventBuilder builder(1);
  std::vector<Event> a = {builder.Next(), builder.Next()}, b = {builder.Next()},
                     c = {builder.Next(), builder.Next()};
  auto first = AppendOk(store(), "acme", a);
  auto other = AppendOk(store(), "globex", b);
  auto second = AppendOk(store(), "acme", c);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].seq, 1u);
  EXPECT_EQ(first[1].seq, 2u);
  EXPECT_EQ(other[0].seq, 1u);
  EXPECT_EQ(second[0].seq, 3u);
  EXPECT_EQ(second[1].seq, 4u);
  EXPECT_EQ(c[1].seq, 4u);
  EXPECT_EQ(c[1].tenant, "acme");
  harness_->Reopen();
  std::vector<Event> d = {builder.Next()};
  EXPECT_EQ(AppendOk(store(), "acme", d)[0].seq, 5u);
}

TEST_P(StoreConformanceTest, MissingIdAndTimesAreFilled) {
  Event event;
  event.type = "s";
  std::vector<Event> batch = {event};
  auto outcomes = AppendOk(store(), "acme", batch);
  ASSERT_TRUE(outcomes[0].status.ok());
  EXPECT_FALSE(batch[0].id.empty());
  ASSERT_TRUE(batch[0].received_at.has_value());
  EXPECT_EQ(batch[0].timestamp, batch[0].received_at);
  AL_ASSERT_OK_AND_ASSIGN(auto stored, store().Get("acme", batch[0].id));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(*stored, batch[0]);
}

TEST_P(StoreConformanceTest, ResendingAnEventIsIdempotent) {
  testing::EventBuilder builder(2);
  Event original = builder.Next();
  std::vector<Event> batch = {original};
  AppendOk(store(), "acme", batch);
  const Event stored = batch[0];
  for (int round = 0; round < 3; ++round) {
    if (round == 1) harness_->Flush();
    if (round == 2) harness_->Reopen();
    Event again = original;
    again.received_at = *original.received_at + 5'000'000;  // a retry arrives later
    std::vector<Event> retry = {again};
    auto outcomes = AppendOk(store(), "acme", retry);
    ASSERT_EQ(outcomes.size(), 1u);
    EXPECT_TRUE(outcomes[0].status.ok()) << outcomes[0].status.ToString();
    EXPECT_TRUE(outcomes[0].duplicate);
    EXPECT_EQ(outcomes[0].seq, 1u);
    EXPECT_EQ(retry[0], stored) << "round " << round;
  }
  AL_ASSERT_OK_AND_ASSIGN(auto stats, store().Stats());
  EXPECT_EQ(stats.events, 1u);
}

TEST_P(StoreConformanceTest, SameIdWithAnotherPayloadIsRejected) {
  testing::EventBuilder builder(3);
  Event original = builder.Next();
  std::vector<Event> batch = {original};
  AppendOk(store(), "acme", batch);
  for (int round = 0; round < 2; ++round) {
    if (round == 1) harness_->Flush();
    Event changed = original;
    changed.description = "something else";
    Event fresh = builder.Next();
    std::vector<Event> next = {changed, fresh};
    auto outcomes = AppendOk(store(), "acme", next);
    EXPECT_EQ(outcomes[0].status.code(), StatusCode::kAlreadyExists);
    EXPECT_THAT(outcomes[0].status.message(), ::testing::HasSubstr(original.id));
    EXPECT_TRUE(outcomes[1].status.ok()) << "the good event of the batch is kept";
  }
  // The same id under another tenant is another event.
  std::vector<Event> elsewhere = {original};
  elsewhere[0].tenant.clear();
  auto outcomes = AppendOk(store(), "globex", elsewhere);
  EXPECT_TRUE(outcomes[0].status.ok());
  EXPECT_FALSE(outcomes[0].duplicate);
}

TEST_P(StoreConformanceTest, RetryEnrichedDifferentlyIsADuplicate) {
  // The server enriches a retry again; after a GeoIP database or uap-core
  // update it may derive other geo/ua values. The retry is still the event.
  testing::EventBuilder builder(7);
  Event original = builder.Next();
  original.geo.country_code = "DE";
  original.ua.name = "Chrome";
  std::vector<Event> batch = {original};
  AppendOk(store(), "acme", batch);
  for (int round = 0; round < 2; ++round) {
    if (round == 1) harness_->Flush();
    Event retry = original;
    retry.geo = {};
    retry.geo.country_code = "AT";
    retry.geo.city_name = "Vienna";
    retry.ua.name = "Chrome Mobile";
    std::vector<Event> next = {retry};
    auto outcomes = AppendOk(store(), "acme", next);
    EXPECT_TRUE(outcomes[0].status.ok()) << outcomes[0].status.ToString();
    EXPECT_TRUE(outcomes[0].duplicate);
  }
  AL_ASSERT_OK_AND_ASSIGN(auto stored, store().Get("acme", original.id));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->geo.country_code, "DE") << "the stored event is kept as it was";
}

TEST_P(StoreConformanceTest, DuplicateInsideOneBatch) {
  testing::EventBuilder builder(4);
  Event event = builder.Next();
  Event changed = event;
  changed.type = "f";
  std::vector<Event> batch = {event, event, changed};
  auto outcomes = AppendOk(store(), "acme", batch);
  EXPECT_TRUE(outcomes[0].status.ok());
  EXPECT_TRUE(outcomes[1].duplicate);
  EXPECT_EQ(outcomes[1].seq, outcomes[0].seq);
  EXPECT_EQ(outcomes[2].status.code(), StatusCode::kAlreadyExists);
}

TEST_P(StoreConformanceTest, EventOfAnotherTenantIsRejectedAlone) {
  testing::EventBuilder builder(5);
  std::vector<Event> batch = {builder.Next(), builder.Next()};
  batch[0].tenant = "globex";
  auto outcomes = AppendOk(store(), "acme", batch);
  EXPECT_EQ(outcomes[0].status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(outcomes[1].status.ok());
  EXPECT_EQ(outcomes[1].seq, 1u);
  EXPECT_EQ(store().Append("", batch).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, TenantsAreIsolated) {
  testing::EventBuilder builder(6);
  std::vector<Event> a = {builder.Next()}, b = {builder.Next()};
  AppendOk(store(), "acme", a);
  AppendOk(store(), "globex", b);
  AL_ASSERT_OK_AND_ASSIGN(auto missing, store().Get("acme", b[0].id));
  EXPECT_FALSE(missing.has_value());
  Query query;
  query.tenant = "acme";
  query.include_totals = true;
  AL_ASSERT_OK_AND_ASSIGN(auto result, store().Search(query));
  EXPECT_EQ(result.total, 1u);
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].id, a[0].id);
}

TEST_P(StoreConformanceTest, CjkDescriptionIsFoundByWordAndBigram) {
  Event event;
  event.type = "createUser";
  event.description = "创建「 shxbxpbodj 」共 1 个用户";
  std::vector<Event> batch = {event};
  AppendOk(store(), "acme", batch);
  for (int round = 0; round < 2; ++round) {
    if (round == 1) harness_->Flush();
    for (std::string text : {"创建", "shxbxpbodj", "个用户", "SHXBXPBODJ"}) {
      Query query;
      query.tenant = "acme";
      query.filter = Filter::Text(F("description"), text);
      AL_ASSERT_OK_AND_ASSIGN(auto result, store().Search(query));
      EXPECT_EQ(result.events.size(), 1u) << text << " round " << round;
    }
    Query query;
    query.tenant = "acme";
    query.filter = Filter::Text(F("description"), "删除");
    AL_ASSERT_OK_AND_ASSIGN(auto result, store().Search(query));
    EXPECT_TRUE(result.events.empty());
  }
}

TEST_P(StoreConformanceTest, BadQueriesAreInvalidArgument) {
  Query query;
  query.tenant = "acme";
  query.limit = 0;
  EXPECT_EQ(store().Search(query).status().code(), StatusCode::kInvalidArgument);
  query.limit = 10;
  query.filter = Filter::Eq(F("timestamp"), Scalar(std::string("yesterday")));
  EXPECT_EQ(store().Search(query).status().code(), StatusCode::kInvalidArgument);
  query.filter = Filter::Text(F("ip"), "10");
  EXPECT_EQ(store().Search(query).status().code(), StatusCode::kInvalidArgument);
  query.filter = Filter::Range(F("seq"), query::RangeBound{Scalar(int64_t{9})},
                               query::RangeBound{Scalar(int64_t{3})});
  EXPECT_EQ(store().Search(query).status().code(), StatusCode::kInvalidArgument);
  query.filter = Filter::All();
  query.tenant.clear();
  EXPECT_EQ(store().Search(query).status().code(), StatusCode::kInvalidArgument);
}

// ---- Differential: every answer equals the reference matcher's.

// Random queries over the builder's vocabulary.
class QueryMaker {
 public:
  explicit QueryMaker(uint64_t seed) : random_(seed) {}

  Filter Leaf() {
    switch (Pick(12)) {
      case 0:
        return Filter::Eq(F("type"), Scalar(Choose({"s", "f", "createUser", "login", "nope"})));
      case 1:
        return Filter::In(F("actor.id"), {Scalar(Id()), Scalar(Id()), Scalar(Id())});
      case 2:
        return Filter::Prefix(F("ip"), Choose({"10.1.", "10.3.7", "10.", "11."}));
      case 3:
        return Filter::Eq(F("result"), Scalar(Choose({"success", "failure"})));
      case 4:
        return Filter::Text(F("description"), Choose({"logged", "failed", "创建", "个用户",
                                                      "Console 3", "nicole barnes"}));
      case 5:
        return Filter::Text(F("user_agent"), Choose({"chrome", "iphone", "curl", "mozilla"}));
      case 6:
        return Filter::Exists(F(Choose({"actor.email", "request_id", "details", "geo.latitude",
                                        "ua.is_mobile", "result_message"})));
      case 7: {
        int64_t low = base_ + static_cast<int64_t>(Pick(400)) * 1'000'000;
        return Filter::Range(F("timestamp"), query::RangeBound{Scalar(low), Pick(2) == 0},
                             query::RangeBound{Scalar(low + 200'000'000), Pick(2) == 0});
      }
      case 8:
        return Filter::Range(F("seq"), query::RangeBound{Scalar(int64_t(Pick(200))), true},
                             std::nullopt);
      case 9:
        return Filter::Range(F("geo.latitude"), std::nullopt,
                             query::RangeBound{Scalar(double(Pick(100)) - 50.0), Pick(2) == 0});
      case 10:
        return Filter::Eq(F("ua.is_mobile"), Scalar(Pick(2) == 0));
      default:
        return Filter::Range(F("actor.name"), query::RangeBound{Scalar(std::string("K")), true},
                             query::RangeBound{Scalar(std::string("Omar Sato")), Pick(2) == 0});
    }
  }

  Filter Any(int depth = 0) {
    uint64_t kind = depth > 2 ? 0 : Pick(6);
    if (kind <= 2) return Leaf();
    if (kind == 3) return Filter::Not(Any(depth + 1));
    std::vector<Filter> children;
    for (uint64_t i = 0, n = 1 + Pick(3); i < n; ++i) children.push_back(Any(depth + 1));
    return kind == 4 ? Filter::And(std::move(children)) : Filter::Or(std::move(children));
  }

  Query Make(const std::string& tenant) {
    Query query;
    query.tenant = tenant;
    query.filter = Any();
    query.include_totals = true;
    query.limit = static_cast<uint32_t>(1 + Pick(30));
    query.offset = Pick(4) == 0 ? Pick(100) : 0;
    if (Pick(3) == 0) query.time.from = base_ + static_cast<int64_t>(Pick(300)) * 1'000'000;
    if (Pick(3) == 0) query.time.to = base_ + static_cast<int64_t>(300 + Pick(300)) * 1'000'000;
    switch (Pick(5)) {
      case 0:
        break;  // default: timestamp descending
      case 1:
        query.sort = {{&F("timestamp"), false}};
        break;
      case 2:
        query.sort = {{&F("actor.name"), Pick(2) == 0}, {&F("timestamp"), true}};
        break;
      case 3:
        query.sort = {{&F("geo.latitude"), Pick(2) == 0}};
        break;
      default:
        query.sort = {{&F("seq"), Pick(2) == 0}};
        break;
    }
    if (Pick(4) == 0) query.fields = {&F("type"), &F("actor.name"), &F("geo.latitude")};
    if (Pick(8) == 0) query.fields = {&F("id"), &F("tenant")};
    return query;
  }

  uint64_t Pick(uint64_t n) { return random_.Next64() % n; }

 private:
  std::string Choose(std::initializer_list<const char*> options) {
    return *(options.begin() + Pick(options.size()));
  }
  std::string Id() { return fmt::format("u_{:04}", Pick(45)); }

  SeededRandom random_;
  const int64_t base_ = 1'740'787'200'000'000;
};

void ExpectSameAnswers(Store& store, const std::vector<Event>& events, uint64_t seed, int queries) {
  QueryMaker maker(seed);
  for (int i = 0; i < queries; ++i) {
    Query query = maker.Make(maker.Pick(3) == 0 ? "globex" : "acme");
    auto want = query::ReferenceSearch(query, events);
    AL_ASSERT_OK_AND_ASSIGN(auto got, store.Search(query));
    ASSERT_EQ(got.total, want.total) << "seed " << seed << " query " << i;
    ASSERT_EQ(got.events.size(), want.events.size()) << "seed " << seed << " query " << i;
    for (size_t e = 0; e < want.events.size(); ++e)
      ASSERT_EQ(got.events[e], want.events[e]) << "seed " << seed << " query " << i << " #" << e;
    // The same page rendered by the store: the JSON of the same events.
    query.render_json = true;
    AL_ASSERT_OK_AND_ASSIGN(auto rendered, store.Search(query));
    std::string want_json;
    for (const Event& event : want.events) {
      if (!want_json.empty()) want_json += ',';
      event::AppendEventJson(event, &want_json);
    }
    ASSERT_EQ(rendered.events_json, want_json) << "seed " << seed << " query " << i;
    ASSERT_EQ(rendered.events_rendered, want.events.size());
    ASSERT_TRUE(rendered.events.empty());
    ASSERT_EQ(rendered.total, got.total);
    ASSERT_EQ(rendered.last, got.last);
    ASSERT_EQ(rendered.watermark, got.watermark);

    query::CountBy count_by{
        &F(std::vector<std::string_view>{"type", "actor.id", "geo.latitude", "ua.is_mobile",
                                         "result", "timestamp"}[maker.Pick(6)]),
        static_cast<uint32_t>(1 + maker.Pick(6))};
    auto want_agg = query::ReferenceAggregate(query, count_by, events);
    AL_ASSERT_OK_AND_ASSIGN(auto got_agg, store.Aggregate(query, count_by));
    ASSERT_EQ(got_agg, want_agg) << "seed " << seed << " query " << i << " by "
                                 << count_by.field->path;
  }
}

TEST_P(StoreConformanceTest, SearchAndAggregateAgreeWithTheReference) {
  testing::EventBuilder builder(7);
  std::vector<Event> stored;
  auto add = [&](int count) {
    for (int i = 0; i < count; i += 50) {
      std::vector<Event> batch;
      for (int j = 0; j < 50; ++j) batch.push_back(builder.Next());
      const std::string tenant = i % 150 == 0 ? "globex" : "acme";
      auto outcomes = AppendOk(store(), tenant, batch);
      for (size_t j = 0; j < batch.size(); ++j)
        if (outcomes[j].status.ok() && !outcomes[j].duplicate) stored.push_back(batch[j]);
    }
  };
  add(400);
  ExpectSameAnswers(store(), stored, 100, 150);  // memtable only
  harness_->Flush();
  ExpectSameAnswers(store(), stored, 200, 150);  // segments only
  add(300);
  ExpectSameAnswers(store(), stored, 300, 150);  // both
  harness_->Flush();
  add(100);
  harness_->Reopen();
  ExpectSameAnswers(store(), stored, 400, 150);  // after recovery
}

TEST_P(StoreConformanceTest, StatsCountEventsPerTenant) {
  testing::EventBuilder builder(8);
  std::vector<Event> a = {builder.Next(), builder.Next(), builder.Next()}, b = {builder.Next()};
  AppendOk(store(), "acme", a);
  AppendOk(store(), "globex", b);
  harness_->Flush();
  std::vector<Event> c = {builder.Next()};
  AppendOk(store(), "acme", c);
  AL_ASSERT_OK_AND_ASSIGN(auto stats, store().Stats());
  EXPECT_EQ(stats.events, 5u);
  ASSERT_EQ(stats.tenants.size(), 2u);
  EXPECT_EQ(stats.tenants[0].tenant, "acme");
  EXPECT_EQ(stats.tenants[0].events, 4u);
  EXPECT_EQ(stats.tenants[0].last_seq, 4u);
  EXPECT_EQ(stats.tenants[0].memtable_events, 1u);
  EXPECT_EQ(stats.tenants[1].events, 1u);
  EXPECT_TRUE(stats.write_status.ok());
  AL_EXPECT_OK(store().WriteStatus());
}

}  // namespace
}  // namespace auditlog::store
