#include "api/auth0/params.h"

#include <gmock/gmock.h>

#include "query/matcher.h"
#include "testing/status_matchers.h"

namespace auditlog::api::auth0 {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;
using Params = std::vector<http::NameValue>;

constexpr std::chrono::milliseconds kTimeout{1000};

Result<LogsRequest> Logs(const Params& params) { return ParseLogsParams(params, "acme", kTimeout); }

void ExpectInvalid(const Params& params, std::string_view message_part) {
  EXPECT_THAT(Logs(params), StatusIs(StatusCode::kInvalidArgument, HasSubstr(message_part)))
      << "params: " << (params.empty() ? "" : params[0].first + "=" + params[0].second);
}

TEST(Auth0Params, Defaults) {
  auto parsed = Logs({});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->mode, LogsMode::kSearch);
  EXPECT_EQ(parsed->query.tenant, "acme");
  EXPECT_EQ(parsed->query.limit, 50u);
  EXPECT_EQ(parsed->query.offset, 0u);
  EXPECT_FALSE(parsed->include_totals);
  EXPECT_FALSE(parsed->query.include_totals);
  ASSERT_EQ(parsed->query.sort.size(), 1u);
  EXPECT_EQ(parsed->query.sort[0].field->path, "timestamp");
  EXPECT_TRUE(parsed->query.sort[0].descending);
  EXPECT_EQ(parsed->query.filter.op, query::FilterOp::kAll);
  EXPECT_EQ(parsed->query.timeout, kTimeout);
}

TEST(Auth0Params, PagingSortAndTotals) {
  auto parsed = Logs(
      {{"page", "3"}, {"per_page", "20"}, {"sort", "user_name:1"}, {"include_totals", "true"}});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->query.offset, 60u);
  EXPECT_EQ(parsed->query.limit, 20u);
  EXPECT_EQ(parsed->per_page, 20u);
  EXPECT_TRUE(parsed->include_totals);
  EXPECT_TRUE(parsed->query.include_totals);
  EXPECT_EQ(parsed->query.sort[0].field->path, "actor.name");
  EXPECT_FALSE(parsed->query.sort[0].descending);
}

TEST(Auth0Params, PagesBeyondAuth0sThousandResultsAreServed) {
  auto parsed = Logs({{"page", "500"}, {"per_page", "100"}});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->query.offset, 50'000u);
}

TEST(Auth0Params, DeepPagesNeedADateLedSort) {
  auto by_date = Logs({{"page", "100000"}, {"per_page", "100"}, {"sort", "date:1"}});
  ASSERT_TRUE(by_date.ok()) << by_date.status();
  EXPECT_EQ(by_date->query.offset, 10'000'000u);
  auto at_cap = Logs({{"page", "1000"}, {"per_page", "100"}, {"sort", "type:1"}});
  ASSERT_TRUE(at_cap.ok()) << at_cap.status();
  EXPECT_EQ(at_cap->query.offset, kMaxOffsetUnlessByDate);
  ExpectInvalid({{"page", "1001"}, {"per_page", "100"}, {"sort", "type:1"}},
                "past 100000, the deepest offset a sort other than date serves");
  ExpectInvalid({{"page", "1001"}, {"per_page", "100"}, {"sort", "type:1"}},
                "checkpoint (from, take)");
}

TEST(Auth0Params, PageMustBeAWholeNumber) {
  ExpectInvalid({{"page", "-1"}},
                "Query validation error: 'Expected a whole number >= 0 but found -1' on property "
                "page.");
  ExpectInvalid({{"per_page", "x"}}, "Expected a whole number >= 1 but found x");
}

TEST(Auth0Params, SortByMembersKeptInDetailsIsRefusedWithTheReason) {
  ExpectInvalid({{"sort", "strategy_type:1"}},
                "Field strategy_type cannot be sorted on: it is kept in details");
  ExpectInvalid({{"sort", "details.x:1"}}, "kept in details");
}

TEST(Auth0Params, EmptyFieldsEntriesAreIgnored) {
  auto trailing = Logs({{"fields", "date,log_id,"}});
  ASSERT_TRUE(trailing.ok()) << trailing.status();
  EXPECT_TRUE(trailing->fields.Wants("log_id"));
  EXPECT_FALSE(trailing->fields.Wants("type"));
  auto doubled = Logs({{"fields", ",date,,type"}});
  ASSERT_TRUE(doubled.ok()) << doubled.status();
  EXPECT_TRUE(doubled->fields.Wants("type"));
  EXPECT_FALSE(doubled->fields.Wants("log_id"));
  auto only_commas = Logs({{"fields", ","}, {"include_fields", "false"}});
  ASSERT_TRUE(only_commas.ok()) << only_commas.status();
  EXPECT_TRUE(only_commas->fields.Wants("type"));
}

TEST(Auth0Params, EmptyValuesAreAbsent) {
  auto parsed = Logs({{"q", ""}, {"page", ""}, {"per_page", ""}, {"sort", ""}});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->query.limit, 50u);
}

TEST(Auth0Params, ValidationErrors) {
  ExpectInvalid({{"per_page", "0"}},
                "Query validation error: 'Value 0 is less than minimum 1' "
                "on property per_page.");
  ExpectInvalid({{"per_page", "101"}},
                "'Value 101 is greater than maximum 100' on property per_page");
  ExpectInvalid({{"per_page", "ten"}}, "on property per_page");
  ExpectInvalid({{"page", "-1"}}, "on property page");
  ExpectInvalid({{"page", "1.5"}}, "on property page");
  ExpectInvalid({{"page", "99999999999"}}, "greater than maximum");
  ExpectInvalid({{"sort", "date"}}, "String does not match pattern");
  ExpectInvalid({{"sort", "date:2"}}, "on property sort");
  ExpectInvalid({{"sort", "date:-1,type:1"}}, "on property sort");
  ExpectInvalid({{"sort", "da te:1"}}, "on property sort");
  ExpectInvalid({{"sort", "nope:1"}}, "Field nope cannot be sorted on");
  ExpectInvalid({{"sort", "details:1"}}, "Field details cannot be sorted on");
  ExpectInvalid({{"include_totals", "yes"}}, "Expected type boolean");
  ExpectInvalid({{"include_fields", "1"}}, "on property include_fields");
  ExpectInvalid({{"fields", "date,nope"}}, "on property fields");
  ExpectInvalid({{"q", "nope:1"}}, "Query validation error: 'q: at 1: unknown field");
  ExpectInvalid({{"q", "type:(s"}}, "on property q");
  ExpectInvalid({{"search", "nope:1"}},
                "'search: at 1: unknown field \"nope\"' on property search");
  ExpectInvalid({{"lmit", "1"}}, "Additional properties not allowed: lmit");
  ExpectInvalid({{"take", "0"}}, "on property take");
  ExpectInvalid({{"take", "101"}}, "on property take");
  ExpectInvalid({{"from", "x"}, {"take", "abc"}}, "on property take");
}

TEST(Auth0Params, QAndSearchBothHold) {
  auto parsed = Logs({{"q", "type:s"}, {"search", "user_name:ana"}});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  event::Event event;
  event.type = "s";
  event.actor.name = "ana@x";
  EXPECT_TRUE(query::Matches(parsed->query.filter, event));
  event.type = "f";
  EXPECT_FALSE(query::Matches(parsed->query.filter, event));
}

TEST(Auth0Params, FieldsIncludeOrExclude) {
  auto included = Logs({{"fields", "date,log_id"}});
  ASSERT_TRUE(included.ok());
  EXPECT_TRUE(included->fields.Wants("date"));
  EXPECT_FALSE(included->fields.Wants("type"));
  auto excluded = Logs({{"fields", "details"}, {"include_fields", "false"}});
  ASSERT_TRUE(excluded.ok());
  EXPECT_FALSE(excluded->fields.Wants("details"));
  EXPECT_TRUE(excluded->fields.Wants("type"));
  EXPECT_TRUE(FieldSelection().Wants("anything"));
}

TEST(Auth0Params, FromOrTakeSelectCheckpointAndOthersAreIgnored) {
  // What npm auth0 7.x sends for logs.list({}, {queryParams: {from, take}}).
  auto parsed = Logs({{"page", "0"},
                      {"per_page", "50"},
                      {"include_totals", "true"},
                      {"from", "01JABC"},
                      {"take", "3"},
                      {"q", "broken:("},
                      {"whatever", "x"}});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->mode, LogsMode::kCheckpoint);
  EXPECT_EQ(parsed->from, "01JABC");
  EXPECT_EQ(parsed->take, 3u);

  auto take_only = Logs({{"take", "10"}});
  ASSERT_TRUE(take_only.ok());
  EXPECT_EQ(take_only->mode, LogsMode::kCheckpoint);
  EXPECT_EQ(take_only->from, "");
  EXPECT_EQ(take_only->take, 10u);

  auto from_only = Logs({{"from", "x"}});
  ASSERT_TRUE(from_only.ok());
  EXPECT_EQ(from_only->take, kDefaultTake);
}

TEST(Auth0Params, UserLogsFilterOnTheUserAndTakeOnlyPagingParams) {
  auto parsed = ParseUserLogsParams(
      {{"page", "1"}, {"per_page", "10"}, {"sort", "date:-1"}, {"include_totals", "true"}}, "acme",
      "auth0|56c7", kTimeout);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->query.offset, 10u);
  event::Event event;
  event.actor.id = "auth0|56c7";
  EXPECT_TRUE(query::Matches(parsed->query.filter, event));
  event.actor.id = "auth0|56c8";
  EXPECT_FALSE(query::Matches(parsed->query.filter, event));
  EXPECT_THAT(ParseUserLogsParams({{"q", "type:s"}}, "acme", "u", kTimeout),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("Additional properties")));
  EXPECT_THAT(ParseUserLogsParams({{"per_page", "101"}}, "acme", "u", kTimeout),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("per_page")));
}

}  // namespace
}  // namespace auditlog::api::auth0
