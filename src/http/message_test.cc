#include "http/message.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace auditlog::http {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using testing::StatusIs;

TEST(ParseTargetTest, SplitsPathAndDecodesParameters) {
  AL_ASSERT_OK_AND_ASSIGN(ParsedTarget parsed,
                          ParseTarget("/v1/events?q=type%3As+AND+ip%3A1.2.3.4&limit=5&&flag"));
  EXPECT_EQ(parsed.path, "/v1/events");
  EXPECT_THAT(parsed.query, ElementsAre(Pair("q", "type:s AND ip:1.2.3.4"), Pair("limit", "5"),
                                        Pair("flag", "")));
}

TEST(ParseTargetTest, DecodesThePathButKeepsPlus) {
  AL_ASSERT_OK_AND_ASSIGN(ParsedTarget parsed, ParseTarget("/v1/events/a%2Fb+c"));
  EXPECT_EQ(parsed.path, "/v1/events/a/b+c");
  EXPECT_TRUE(parsed.query.empty());
}

TEST(ParseTargetTest, RejectsWhatIsNotOriginForm) {
  EXPECT_THAT(ParseTarget("http://x/y").status(),
              StatusIs(StatusCode::kInvalidArgument, "request target must start with /"));
  EXPECT_THAT(ParseTarget("").status(), StatusIs(StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_THAT(ParseTarget("/a%2").status(),
              StatusIs(StatusCode::kInvalidArgument, "malformed %-escape in the path"));
  EXPECT_THAT(ParseTarget("/a%zz").status(),
              StatusIs(StatusCode::kInvalidArgument, "malformed %-escape in the path"));
  EXPECT_THAT(ParseTarget("/a%00b").status(),
              StatusIs(StatusCode::kInvalidArgument, "NUL byte in the path"));
  EXPECT_THAT(ParseTarget("/a?x=%0").status(),
              StatusIs(StatusCode::kInvalidArgument, "malformed %-escape in the query string"));
  EXPECT_THAT(ParseTarget("/a?x=%00").status(),
              StatusIs(StatusCode::kInvalidArgument, "NUL byte in the query string"));
}

TEST(PercentEncodeTest, RoundTripsEveryByte) {
  std::string all;
  for (int c = 1; c < 256; ++c) all.push_back(static_cast<char>(c));
  const std::string encoded = PercentEncode(all);
  EXPECT_EQ(encoded.find_first_of(" /?&=+%#", 0), encoded.find('%'));  // only escapes use '%'
  EXPECT_EQ(PercentDecode(encoded, /*plus_is_space=*/true), all);
  EXPECT_EQ(PercentEncode("a b/c~"), "a%20b%2Fc~");
}

TEST(RequestTest, FindsHeadersAndParameters) {
  Request request;
  request.headers = {{"authorization", "Bearer x"}, {"x-a", "1"}, {"x-a", "2"}};
  request.query = {{"app_id", "a"}, {"app_id[]", "b"}, {"app_idx", "c"}, {"limit", "3"}};
  request.path_params = {{"id", "e1"}};
  EXPECT_EQ(request.Header("x-a"), "1");
  EXPECT_EQ(request.Header("missing"), std::nullopt);
  EXPECT_EQ(request.Param("limit"), "3");
  EXPECT_EQ(request.Param("nope"), std::nullopt);
  EXPECT_THAT(request.Params("app_id"), ElementsAre("a", "b"));
  EXPECT_EQ(request.PathParam("id"), "e1");
  EXPECT_EQ(request.PathParam("other"), "");
}

}  // namespace
}  // namespace auditlog::http
