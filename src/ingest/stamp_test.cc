#include "ingest/stamp.h"

#include <gtest/gtest.h>

#include "common/random.h"

namespace auditlog::ingest {
namespace {

TEST(StampAccepted, KeepsClientIdsAndTimesAndFillsTheRest) {
  SeededRandom random(9);
  event::EventIdGenerator ids(random);
  std::vector<event::Event> events(3);
  events[0].id = "client-key-1";
  events[0].timestamp = 1000;
  events[1].timestamp = 2000;
  const event::UnixMicros now = 1742083302549123;
  StampAccepted(events, now, ids);
  EXPECT_EQ(events[0].id, "client-key-1");
  EXPECT_EQ(events[0].timestamp, 1000);
  ASSERT_TRUE(event::IsUlid(events[1].id));
  EXPECT_EQ(event::UlidTimeMs(events[1].id), 1742083302549u);
  EXPECT_LT(events[1].id, events[2].id) << "made ids follow arrival order";
  EXPECT_EQ(events[2].timestamp, now);
  for (const auto& stamped : events) EXPECT_EQ(stamped.received_at, now);
}

}  // namespace
}  // namespace auditlog::ingest
