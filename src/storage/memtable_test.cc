#include "storage/memtable.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "event/event_codec.h"
#include "event/fields.h"
#include "testing/event_builder.h"
#include "testing/status_matchers.h"

namespace auditlog::storage {
namespace {

using ::auditlog::testing::StatusIs;
using event::Event;

// `count` events of `tenant` as the store keeps them: id, timestamp and seq set.
std::vector<Event> MakeEvents(size_t count, uint64_t first_seq, uint64_t seed = 1) {
  testing::EventBuilder builder(seed);
  std::vector<Event> events;
  for (size_t i = 0; i < count; ++i) {
    Event event = builder.Next();
    event.tenant = "acme";
    event.seq = first_seq + i;
    events.push_back(std::move(event));
  }
  return events;
}

std::string Encode(const std::vector<Event>& events) {
  std::string out;
  for (const Event& event : events) event::AppendEncodedEvent(event, &out);
  return out;
}

TEST(Memtable, ServesWhatWasAddedByIdInOrderAndByTime) {
  Memtable memtable(7);
  const std::vector<Event> events = MakeEvents(500, 1);
  AL_ASSERT_OK(memtable.Add("acme", Encode(events), events.size()));
  EXPECT_EQ(memtable.events(), 500u);
  EXPECT_EQ(memtable.CountFor("acme"), 500u);
  EXPECT_EQ(memtable.CountFor("other"), 0u);
  EXPECT_EQ(memtable.Tenants(), std::vector<std::string>{"acme"});
  EXPECT_GE(memtable.approximate_bytes(), Encode(events).size());

  for (const Event& event : events) {
    auto found = memtable.Get("acme", event.id);
    ASSERT_TRUE(found.has_value()) << event.id;
    EXPECT_EQ(*found, event);
  }
  EXPECT_FALSE(memtable.Get("acme", "no such id").has_value());
  EXPECT_FALSE(memtable.Get("other", events[0].id).has_value());

  std::vector<Event> visited;
  memtable.ForEach("acme", [&](uint32_t row, const Event& event) {
    EXPECT_EQ(row, visited.size());
    visited.push_back(event);
  });
  EXPECT_EQ(visited, events);

  // [from, to) on timestamp, as a query's time range.
  const int64_t from = *events[100].timestamp, to = *events[300].timestamp;
  size_t in_range = 0;
  memtable.ForEach("acme", from, to, [&](uint32_t row, const Event& event) {
    EXPECT_GE(*event.timestamp, from);
    EXPECT_LT(*event.timestamp, to);
    EXPECT_EQ(event, events[row]);
    ++in_range;
  });
  EXPECT_EQ(in_range,
            static_cast<size_t>(std::count_if(events.begin(), events.end(), [&](const Event& e) {
              return *e.timestamp >= from && *e.timestamp < to;
            })));

  auto [earliest, latest] = std::minmax_element(
      events.begin(), events.end(),
      [](const Event& a, const Event& b) { return *a.timestamp < *b.timestamp; });
  EXPECT_EQ(memtable.TimeBoundsFor("acme"), std::pair(*earliest->timestamp, *latest->timestamp));
  EXPECT_FALSE(memtable.TimeBoundsFor("other").has_value());
}

TEST(Memtable, SortedRowsDecodeToTheSegmentOrder) {
  Memtable memtable(1);
  const std::vector<Event> events = MakeEvents(300, 10);
  AL_ASSERT_OK(memtable.Add("acme", Encode(events), events.size()));
  const std::vector<Memtable::RowKey> keys = memtable.SortedRows("acme");
  ASSERT_EQ(keys.size(), events.size());
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    return std::pair(a.timestamp, a.seq) < std::pair(b.timestamp, b.seq);
  }));
  // Rows located in place read as the events added.
  std::vector<event::EncodedEventFields> located;
  memtable.LocateRows("acme", std::span(keys).subspan(5, 200), &located);
  ASSERT_EQ(located.size(), 200u);
  const size_t id_index = event::FieldIndexOf(*event::FindField("id"));
  for (size_t i = 0; i < located.size(); ++i) {
    const Event& added = events[keys[5 + i].row];
    EXPECT_EQ(located[i].string(id_index), added.id);
    EXPECT_EQ(located[i].seq(), added.seq);
  }
}

TEST(Memtable, SkipsRowsAtOrBelowSkipThroughAndReportsTheRest) {
  Memtable memtable(1);
  const std::vector<Event> events = MakeEvents(10, 1);
  std::vector<std::pair<std::string, uint64_t>> added;
  AL_ASSERT_OK(memtable.Add(
      "acme", Encode(events), events.size(), /*skip_through=*/4,
      [&](std::string_view id, uint64_t seq) { added.emplace_back(std::string(id), seq); }));
  ASSERT_EQ(added.size(), 6u);
  EXPECT_EQ(added.front(), std::pair(events[4].id, uint64_t{5}));
  EXPECT_EQ(memtable.CountFor("acme"), 6u);
  EXPECT_FALSE(memtable.Get("acme", events[3].id).has_value());
  EXPECT_TRUE(memtable.Get("acme", events[4].id).has_value());
}

TEST(Memtable, BadBytesAddNothing) {
  Memtable memtable(1);
  const std::vector<Event> events = MakeEvents(3, 1);
  const std::string encoded = Encode(events);
  // Truncated, a count that does not match, trailing bytes.
  EXPECT_THAT(memtable.Add("acme", std::string_view(encoded).substr(0, encoded.size() - 1), 3),
              StatusIs(StatusCode::kCorruption, ::testing::_));
  EXPECT_THAT(memtable.Add("acme", encoded, 4), StatusIs(StatusCode::kCorruption, ::testing::_));
  EXPECT_THAT(memtable.Add("acme", encoded + "x", 3),
              StatusIs(StatusCode::kCorruption, ::testing::_));
  // An event without seq cannot be a stored one.
  std::vector<Event> unsequenced = events;
  unsequenced[1].seq = 0;
  EXPECT_THAT(memtable.Add("acme", Encode(unsequenced), 3),
              StatusIs(StatusCode::kCorruption, ::testing::_));
  EXPECT_EQ(memtable.events(), 0u);
  EXPECT_EQ(memtable.CountFor("acme"), 0u);
  EXPECT_EQ(memtable.approximate_bytes(), 0u);
}

TEST(Memtable, LargeAndSmallBatchesShareNoBytes) {
  Memtable memtable(1);
  uint64_t seq = 1;
  std::vector<Event> all;
  // Small batches fill shared blocks; a ~600 KB batch gets a block of its own
  // between them, and the shared block keeps taking small ones after it.
  for (size_t batch_size : {10, 20, 1000, 5, 2000, 7}) {
    std::vector<Event> batch = MakeEvents(batch_size, seq, seq);
    for (Event& event : batch) event.id += "-" + std::to_string(seq);  // unique across batches
    seq += batch_size;
    AL_ASSERT_OK(memtable.Add("acme", Encode(batch), batch.size()));
    all.insert(all.end(), batch.begin(), batch.end());
  }
  std::vector<Event> visited;
  memtable.ForEach("acme", [&](uint32_t, const Event& event) { visited.push_back(event); });
  EXPECT_EQ(visited, all);
}

TEST(Memtable, ReadersRunWhileBatchesAreAdded) {
  Memtable memtable(1);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (uint64_t batch = 0; batch < 50; ++batch) {
      std::vector<Event> events = MakeEvents(100, 1 + batch * 100, batch + 1);
      for (Event& event : events) event.id += "-" + std::to_string(batch);
      ASSERT_TRUE(memtable.Add("acme", Encode(events), events.size()).ok());
    }
    done = true;
  });
  size_t last_count = 0;
  while (!done) {
    size_t count = 0;
    uint64_t previous_seq = 0;
    memtable.ForEach("acme", [&](uint32_t, const Event& event) {
      EXPECT_GT(event.seq, previous_seq);  // rows stay in the order added
      previous_seq = event.seq;
      ++count;
    });
    EXPECT_GE(count, last_count);
    last_count = count;
  }
  writer.join();
  EXPECT_EQ(memtable.CountFor("acme"), 5000u);
}

}  // namespace
}  // namespace auditlog::storage
