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

TEST(Auth0Checkpoint, UnsafeOrMissingHostGivesARelativeLink) {
  for (const char* host : {"evil.test/x?", "a b", "h>; rel=\"x\"", "user@h", "h,i", "h;x", "h#",
                           "\"h\"", "h:", "h:123456", "h:8a", "[zz::1]", "[::1", "", ":80"}) {
    EXPECT_EQ(NextLink(RequestWithHost(host, true), "cp.5", 3),
              "</api/v2/logs?from=cp.5&take=3>; rel=\"next\"")
        << host;
  }
  http::Request no_host;
  EXPECT_EQ(NextLink(no_host, "", 7), "</api/v2/logs?take=7>; rel=\"next\"");
  EXPECT_EQ(NextLink(RequestWithHost("[2001:db8::1]:8443", true), "", 7),
            "<https://[2001:db8::1]:8443/api/v2/logs?take=7>; rel=\"next\"");
  EXPECT_EQ(NextLink(RequestWithHost("logs_1.example-2.test~", false), "", 7),
            "<http://logs_1.example-2.test~/api/v2/logs?take=7>; rel=\"next\"");
}

TEST(Auth0Checkpoint, TokensRoundTripAndMalformedOnesAreRefused) {
  EXPECT_EQ(CheckpointToken(42), "cp.42");
  auto token = ParseCheckpointFrom("cp.42");
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->after_seq, 42u);
  EXPECT_TRUE(token->log_id.empty());
  auto zero = ParseCheckpointFrom("cp.0");
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->after_seq, 0u);
  auto id = ParseCheckpointFrom("90020211201185132572079310688835925971249535794074878050");
  ASSERT_TRUE(id.ok());
  EXPECT_FALSE(id->after_seq.has_value());
  EXPECT_EQ(id->log_id, "90020211201185132572079310688835925971249535794074878050");
  for (const char* bad : {"cp.", "cp.x", "cp.-1", "cp.01", "cp.1a", "cp. 1",
                          "cp.9223372036854775808", "cp.99999999999999999999"}) {
    auto parsed = ParseCheckpointFrom(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), ::testing::HasSubstr("on property from."));
  }
  EXPECT_TRUE(ParseCheckpointFrom("cp.9223372036854775807").ok());
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
  // For one tenant, 0 means nothing is visible yet.
  result.watermark = 0;
  TrimToWatermark(&result);
  EXPECT_TRUE(result.events.empty());
}

TEST(Auth0Checkpoint, PublicUrlIsTheLinksBaseWhenSet) {
  // Behind a TLS-terminating proxy the request arrives over plain HTTP with
  // the proxy's Host; the configured URL is what clients reach.
  EXPECT_EQ(
      NextLink(RequestWithHost("10.0.0.5:8080", false), "cp.9", 100, "https://logs.example.com"),
      "<https://logs.example.com/api/v2/logs?from=cp.9&take=100>; rel=\"next\"");
  http::Request no_host;
  EXPECT_EQ(NextLink(no_host, "", 7, "https://logs.example.com:8443"),
            "<https://logs.example.com:8443/api/v2/logs?take=7>; rel=\"next\"");
}

}  // namespace
}  // namespace auditlog::api::auth0
