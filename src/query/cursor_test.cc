#include "query/cursor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "event/fields.h"
#include "testing/status_matchers.h"

namespace auditlog::query {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

Query SomeQuery() {
  Query query;
  query.tenant = "acme";
  query.filter = Filter::Eq(*event::FindField("type"), std::string("s"));
  query.sort = {{event::FindField("type"), false}, {event::FindField("timestamp"), true}};
  query.limit = 20;
  return query;
}

const Position kPosition{{Scalar(std::string("s")), Scalar(int64_t{1'740'787'200'000'000})}, 77};

TEST(Cursor, RoundTripsPositionAndWatermark) {
  const CursorCodec codec(std::string(32, 'k'));
  const Query query = SomeQuery();
  const std::string token = codec.Encode(query, kPosition, 12345);
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos)
      << "URL-safe";
  Query next = SomeQuery();
  next.limit = 5;  // page size and fields may change between pages
  AL_ASSERT_OK(codec.Apply(token, &next));
  ASSERT_TRUE(next.after);
  EXPECT_EQ(*next.after, kPosition);
  EXPECT_EQ(next.max_seq, 12345u);
  AL_EXPECT_OK(ValidateQuery(next));
}

TEST(Cursor, AbsentKeysAndEveryScalarType) {
  const CursorCodec codec(std::string(16, 'x'));
  Query query = SomeQuery();
  query.sort = {{event::FindField("geo.latitude"), true},
                {event::FindField("ua.is_mobile"), false},
                {event::FindField("actor.id"), false}};
  const Position position{{Scalar(-12.5), Scalar(true), std::nullopt}, 3};
  Query next = query;
  AL_ASSERT_OK(codec.Apply(codec.Encode(query, position, 9), &next));
  EXPECT_EQ(*next.after, position);
}

TEST(Cursor, AnyAlteredByteIsRejected) {
  const CursorCodec codec(std::string(32, 'k'));
  const std::string token = codec.Encode(SomeQuery(), kPosition, 12345);
  for (size_t i = 0; i < token.size(); ++i) {
    std::string altered = token;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    Query query = SomeQuery();
    EXPECT_THAT(codec.Apply(altered, &query),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr("cursor")))
        << "byte " << i;
    EXPECT_FALSE(query.after);
  }
  Query query = SomeQuery();
  for (const char* garbage : {"", "!!!", "AAAA", "a"})
    EXPECT_THAT(codec.Apply(garbage, &query),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr("cursor")));
}

TEST(Cursor, BelongsToItsTenantQueryAndKey) {
  const CursorCodec codec(std::string(32, 'k'));
  const std::string token = codec.Encode(SomeQuery(), kPosition, 12345);
  Query other_tenant = SomeQuery();
  other_tenant.tenant = "globex";
  EXPECT_THAT(codec.Apply(token, &other_tenant),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("another query")));
  Query other_filter = SomeQuery();
  other_filter.filter = Filter::Eq(*event::FindField("type"), std::string("f"));
  EXPECT_THAT(codec.Apply(token, &other_filter),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("another query")));
  Query other_sort = SomeQuery();
  other_sort.sort[1].descending = false;
  EXPECT_THAT(codec.Apply(token, &other_sort),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("another query")));
  Query other_time = SomeQuery();
  other_time.time.from = 1;
  EXPECT_THAT(codec.Apply(token, &other_time),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("another query")));
  const CursorCodec other_key(std::string(32, 'z'));
  Query query = SomeQuery();
  EXPECT_THAT(other_key.Apply(token, &query),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("another query")));
}

}  // namespace
}  // namespace auditlog::query
