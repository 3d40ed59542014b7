#include "api/auth0/checkpoint.h"

#include <gmock/gmock.h>

#include "query/matcher.h"

namespace auditlog::api::auth0 {
namespace {

http::Request RequestWithHost(std::string host, bool tls) {
  http::Request request;
  request.headers.emplace_back("host", std::move(host));
  request.tls = tls;
  return request;
}

TEST(Auth0Checkpoint, LinkNamesTheLastIdAndTake) {
  EXPECT_EQ(NextLink(RequestWithHost("127.0.0.1:8443", true), "01JABC", 3),
            "<https://127.0.0.1:8443/api/v2/logs?from=01JABC&take=3>; rel=\"next\"");
  EXPECT_EQ(NextLink(RequestWithHost("logs.example.com", false), "a|b c", 50),
            "<http://logs.example.com/api/v2/logs?from=a%7Cb%20c&take=50>; rel=\"next\"");
}

TEST(Auth0Checkpoint, LinkWithoutFromHasOnlyTake) {
  EXPECT_EQ(NextLink(RequestWithHost("h", true), "", 7),
            "<https://h/api/v2/logs?take=7>; rel=\"next\"");
}

TEST(Auth0Checkpoint, QueryIsAscendingSeqAfterTheCheckpoint) {
  const query::Query query = CheckpointQuery("acme", 41, 25, std::chrono::milliseconds(100));
  EXPECT_EQ(query.tenant, "acme");
  EXPECT_EQ(query.limit, 25u);
  ASSERT_EQ(query.sort.size(), 1u);
  EXPECT_EQ(query.sort[0].field->path, "seq");
  EXPECT_FALSE(query.sort[0].descending);
  EXPECT_TRUE(query::ValidateQuery(query).ok());
  event::Event event;
  event.seq = 41;
  EXPECT_FALSE(query::Matches(query.filter, event));
  event.seq = 42;
  EXPECT_TRUE(query::Matches(query.filter, event));
  EXPECT_EQ(CheckpointQuery("acme", 0, 5, std::chrono::milliseconds(1)).filter.op,
            query::FilterOp::kAll);
}

TEST(Auth0Checkpoint, TrimToWatermarkDropsEventsNotYetVisible) {
  query::SearchResult result;
  for (uint64_t seq = 5; seq <= 8; ++seq) {
    event::Event event;
    event.seq = seq;
    result.events.push_back(event);
  }
  result.watermark = 6;
  TrimToWatermark(&result);
  ASSERT_EQ(result.events.size(), 2u);
  EXPECT_EQ(result.events.back().seq, 6u);
}

}  // namespace
}  // namespace auditlog::api::auth0
