// The request bodies of the EnOS endpoints: what is accepted, and every way
// one is refused (each answered with code 31400 by the handlers).

#include "api/enos/request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"
#include "testing/testdata.h"

namespace auditlog::api::enos {
namespace {

using ::testing::HasSubstr;

std::string Rejection(std::string_view body) {
  auto parsed = ParseLogQueryBody(body);
  EXPECT_FALSE(parsed.ok()) << body;
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  return std::string(parsed.status().message());
}

TEST(EnosLogQuery, SeedSampleRequestAsPrinted) {
  AL_ASSERT_OK_AND_ASSIGN(
      auto request, ParseLogQueryBody(testing::ReadTestData("seeds/enos_query_request.json")));
  EXPECT_EQ(request.start_ms, 1626796800000);
  EXPECT_EQ(request.end_ms, 1631980799000);
  EXPECT_EQ(request.page_no, 0u);
  EXPECT_EQ(request.page_size, 2u);
}

TEST(EnosLogQuery, TimesAsDigitStringsAsTheTableSays) {
  AL_ASSERT_OK_AND_ASSIGN(
      auto request, ParseLogQueryBody(R"({"startTime":"1626796800000","endTime":"1631980799000",
                            "pagination":{"pageNo":"3","pageSize":"20"}})"));
  EXPECT_EQ(request.start_ms, 1626796800000);
  EXPECT_EQ(request.end_ms, 1631980799000);
  EXPECT_EQ(request.page_no, 3u);
  EXPECT_EQ(request.page_size, 20u);
}

TEST(EnosLogQuery, WithoutPaginationPageZeroOfAThousand) {
  AL_ASSERT_OK_AND_ASSIGN(auto request, ParseLogQueryBody(R"({"startTime":1,"endTime":2})"));
  EXPECT_EQ(request.page_no, 0u);
  EXPECT_EQ(request.page_size, kDefaultPageSize);
  AL_ASSERT_OK_AND_ASSIGN(auto null_pagination,
                          ParseLogQueryBody(R"({"startTime":1,"endTime":2,"pagination":null})"));
  EXPECT_EQ(null_pagination.page_size, 1000u);
  AL_ASSERT_OK_AND_ASSIGN(
      auto only_page_no,
      ParseLogQueryBody(R"({"startTime":1,"endTime":2,"pagination":{"pageNo":4}})"));
  EXPECT_EQ(only_page_no.page_no, 4u);
  EXPECT_EQ(only_page_no.page_size, 1000u);
}

TEST(EnosLogQuery, EqualStartAndEndIsOneMillisecond) {
  AL_ASSERT_OK_AND_ASSIGN(auto request, ParseLogQueryBody(R"({"startTime":5,"endTime":5})"));
  const query::Query query = ToQuery(request, "acme");
  EXPECT_EQ(query.time.from, 5000);
  EXPECT_EQ(query.time.to, 6000) << "endTime is inclusive: its whole millisecond is in";
}

TEST(EnosLogQuery, UnknownMembersAreIgnored) {
  AL_EXPECT_OK(
      ParseLogQueryBody(R"({"startTime":1,"endTime":2,"orgId":"x","extra":[1]})").status());
}

TEST(EnosLogQuery, MissingTimes) {
  EXPECT_EQ(Rejection(R"({"endTime":2})"), "startTime: required");
  EXPECT_EQ(Rejection(R"({"startTime":1})"), "endTime: required");
  EXPECT_EQ(Rejection(R"({"startTime":null,"endTime":2})"), "startTime: required");
  EXPECT_EQ(Rejection(R"({})"), "startTime: required");
}

TEST(EnosLogQuery, TimesThatAreNotEpochMilliseconds) {
  EXPECT_EQ(Rejection(R"({"startTime":"yesterday","endTime":2})"),
            "startTime: not a number: \"yesterday\" (send epoch milliseconds or a count as "
            "digits)");
  EXPECT_EQ(Rejection(R"({"startTime":"","endTime":2})"),
            "startTime: not a number: \"\" (send epoch milliseconds or a count as digits)");
  EXPECT_EQ(Rejection(R"({"startTime":"12a","endTime":2})"),
            "startTime: not a number: \"12a\" (send epoch milliseconds or a count as digits)");
  EXPECT_EQ(Rejection(R"({"startTime":1,"endTime":-5})"), "endTime: must not be negative, got -5");
  EXPECT_EQ(Rejection(R"({"startTime":"-5","endTime":1})"),
            "startTime: must not be negative, got \"-5\"");
  EXPECT_EQ(Rejection(R"({"startTime":1.5,"endTime":2})"),
            "startTime: must be a whole number, got 1.5");
  EXPECT_EQ(Rejection(R"({"startTime":true,"endTime":2})"),
            "startTime: expected a number or a string of digits");
  EXPECT_EQ(Rejection(R"({"startTime":1,"endTime":{"ms":2}})"),
            "endTime: expected a number or a string of digits");
  EXPECT_THAT(Rejection(R"({"startTime":1,"endTime":253402300800000})"),
              HasSubstr("endTime: 253402300800000 is past the latest time"));
  EXPECT_THAT(Rejection(R"({"startTime":1,"endTime":"99999999999999999999999"})"),
              HasSubstr("endTime: not a number"));
}

TEST(EnosLogQuery, StartAfterEnd) {
  EXPECT_EQ(Rejection(R"({"startTime":1631980799000,"endTime":1626796800000})"),
            "startTime: 1631980799000 is after endTime 1626796800000");
}

TEST(EnosLogQuery, BadPagination) {
  EXPECT_EQ(Rejection(R"({"startTime":1,"endTime":2,"pagination":{"pageNo":-1,"pageSize":2}})"),
            "pagination.pageNo: must not be negative, got -1");
  EXPECT_EQ(Rejection(R"({"startTime":1,"endTime":2,"pagination":{"pageNo":0,"pageSize":0}})"),
            "pagination.pageSize: must be 1..10000, got 0");
  EXPECT_EQ(Rejection(R"({"startTime":1,"endTime":2,"pagination":{"pageSize":10001}})"),
            "pagination.pageSize: must be 1..10000, got 10001");
  EXPECT_EQ(Rejection(R"({"startTime":1,"endTime":2,"pagination":{"pageNo":"first"}})"),
            "pagination.pageNo: not a number: \"first\" (send epoch milliseconds or a count as "
            "digits)");
  EXPECT_EQ(Rejection(R"({"startTime":1,"endTime":2,"pagination":{"pageNo":1000000001}})"),
            "pagination.pageNo: 1000000001 is over the largest, 1000000000");
  EXPECT_EQ(Rejection(R"({"startTime":1,"endTime":2,"pagination":[0,2]})"),
            "pagination: expected an object {\"pageNo\": <from 0>, \"pageSize\": <1..10000>}");
}

TEST(EnosLogQuery, BodiesThatAreNotAJsonObject) {
  EXPECT_EQ(Rejection(""), "body: expected a JSON object, got nothing");
  EXPECT_EQ(Rejection("[1,2]"), "body: expected a JSON object");
  EXPECT_THAT(Rejection(R"({"startTime": 1,)"), HasSubstr("body: malformed JSON at line 1"));
  EXPECT_THAT(Rejection("startTime=1&endTime=2"), HasSubstr("body: malformed JSON"));
}

TEST(EnosLogQuery, ToQueryPagesNewestFirstWithTotals) {
  const LogQueryRequest request{.start_ms = 1000, .end_ms = 2000, .page_no = 3, .page_size = 25};
  const query::Query query = ToQuery(request, "acme");
  EXPECT_EQ(query.tenant, "acme");
  EXPECT_EQ(query.offset, 75u);
  EXPECT_EQ(query.limit, 25u);
  EXPECT_TRUE(query.include_totals);
  EXPECT_TRUE(query.sort.empty()) << "the default order: timestamp descending";
  AL_EXPECT_OK(query::ValidateQuery(query));
}

std::string ProduceRejection(std::string_view body) {
  auto parsed = ParseProduceBody(body);
  EXPECT_FALSE(parsed.ok()) << body;
  return parsed.ok() ? "" : std::string(parsed.status().message());
}

TEST(EnosProduce, AllMembers) {
  AL_ASSERT_OK_AND_ASSIGN(
      auto request,
      ParseProduceBody(
          R"({"subjectId":"menu-1","subjectType":"menu","upstreamId":"app-9","upstreamType":"app"})"));
  EXPECT_EQ(request.subject_id, "menu-1");
  EXPECT_EQ(request.subject_type, "menu");
  EXPECT_EQ(request.upstream_id, "app-9");
  EXPECT_EQ(request.upstream_type, "app");
}

TEST(EnosProduce, RequiredMembersAndLengths) {
  EXPECT_EQ(ProduceRejection(R"({"subjectType":"menu"})"), "subjectId: required");
  EXPECT_EQ(ProduceRejection(R"({"subjectId":"","subjectType":"menu"})"), "subjectId: required");
  EXPECT_EQ(ProduceRejection(R"({"subjectId":"m"})"), "subjectType: required");
  EXPECT_EQ(ProduceRejection(R"({"subjectId":7,"subjectType":"menu"})"), "subjectId: not a string");
  const std::string long_id(65, 'a');
  EXPECT_EQ(ProduceRejection(R"({"subjectId":")" + long_id + R"(","subjectType":"menu"})"),
            "subjectId: 65 characters, over the limit of 64");
  EXPECT_EQ(ProduceRejection(R"({"subjectId":"m","subjectType":"menu","upstreamType":")" + long_id +
                             R"("})"),
            "upstreamType: 65 characters, over the limit of 64");
  EXPECT_THAT(ProduceRejection("nope"), ::testing::StartsWith("body: malformed JSON at line 1"));
}

TEST(EnosProduce, LengthsCountCharactersNotBytes) {
  std::string chinese;
  for (int i = 0; i < 64; ++i) chinese += "菜";
  AL_EXPECT_OK(
      ParseProduceBody(R"({"subjectId":")" + chinese + R"(","subjectType":"menu"})").status());
}

}  // namespace
}  // namespace auditlog::api::enos
