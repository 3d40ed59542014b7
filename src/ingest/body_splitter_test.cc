#include "ingest/body_splitter.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace auditlog::ingest {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

std::vector<std::string_view> Texts(std::string_view body, const std::vector<RecordSpan>& spans) {
  std::vector<std::string_view> texts;
  for (const RecordSpan& span : spans) texts.push_back(body.substr(span.offset, span.length));
  return texts;
}

TEST(DetectBodyFormat, ByFirstBytes) {
  EXPECT_EQ(*DetectBodyFormat(R"({"type":"s"})"), BodyFormat::kObject);
  EXPECT_EQ(*DetectBodyFormat("  {\"type\":\"s\"}\n\n"), BodyFormat::kObject);
  EXPECT_EQ(*DetectBodyFormat("{\n  \"type\": \"s\"\n}\n"), BodyFormat::kObject);
  EXPECT_EQ(*DetectBodyFormat("{\"type\":\"s\"}\n{\"type\":\"f\"}\n"), BodyFormat::kNdjson);
  EXPECT_EQ(*DetectBodyFormat("{\"type\":\"s\"}\r\n{broken\n"), BodyFormat::kNdjson);
  EXPECT_EQ(*DetectBodyFormat("{broken\n{\"type\":\"f\"}\n"), BodyFormat::kObject);
  EXPECT_EQ(*DetectBodyFormat("[{\"type\":\"s\"}]"), BodyFormat::kArray);
  EXPECT_EQ(*DetectBodyFormat(" [ ]"), BodyFormat::kArray);
  EXPECT_EQ(*DetectBodyFormat("[2021-09-22T07:47:21.559-0000] logId=x"), BodyFormat::kLogLines);
  EXPECT_EQ(*DetectBodyFormat("[1,2]"), BodyFormat::kArray);
  EXPECT_EQ(*DetectBodyFormat("[2021]"), BodyFormat::kArray);
  EXPECT_THAT(DetectBodyFormat(" \n"), StatusIs(StatusCode::kInvalidArgument, "body: empty"));
  EXPECT_THAT(DetectBodyFormat("42"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected a JSON object")));
}

TEST(SplitLines, SkipsBlankLinesButCountsThem) {
  const std::string_view body = "{\"a\":1}\r\n\n  \n{\"b\":2}  \n{\"c\":3}";
  const std::vector<RecordSpan> spans = SplitLines(body);
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(Texts(body, spans),
            (std::vector<std::string_view>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"}));
  EXPECT_EQ(spans[0].line, 1u);
  EXPECT_EQ(spans[1].line, 4u);
  EXPECT_EQ(spans[2].line, 5u);
  EXPECT_TRUE(SplitLines("").empty());
}

TEST(SplitJsonArray, ElementsWithBracketsAndQuotesInStrings) {
  const std::string_view body = "[ {\"a\":\"]},[\\\"\"} ,\n [1,[2]], \"x,y\" , 3 ]";
  AL_ASSERT_OK_AND_ASSIGN(auto spans, SplitJsonArray(body));
  EXPECT_EQ(Texts(body, spans),
            (std::vector<std::string_view>{"{\"a\":\"]},[\\\"\"}", "[1,[2]]", "\"x,y\"", "3"}));
  EXPECT_EQ(spans[0].line, 1u);
  EXPECT_EQ(spans[1].line, 2u);
}

TEST(SplitJsonArray, EmptyArrayHasNoElements) {
  AL_ASSERT_OK_AND_ASSIGN(auto spans, SplitJsonArray(" [ \n ] "));
  EXPECT_TRUE(spans.empty());
}

TEST(SplitJsonArray, StructuralErrorsRejectTheWholeBody) {
  EXPECT_THAT(SplitJsonArray("[{\"a\":1}"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("truncated")));
  EXPECT_THAT(SplitJsonArray("[1,,2]"),
              StatusIs(StatusCode::kInvalidArgument, "body: empty array element at byte 3"));
  EXPECT_THAT(SplitJsonArray("[1,]"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty array element")));
  EXPECT_THAT(SplitJsonArray("[1}]"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unbalanced '}'")));
  EXPECT_THAT(SplitJsonArray("[1] x"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("after the JSON array")));
  EXPECT_THAT(SplitJsonArray("{}"),
              StatusIs(StatusCode::kInvalidArgument, "body: expected a JSON array"));
  EXPECT_THAT(SplitJsonArray("[\"open"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("truncated")));
}

TEST(SplitJsonArray, OffsetsAreRelativeToTheEnclosingBody) {
  AL_ASSERT_OK_AND_ASSIGN(auto spans, SplitJsonArray("[7]", 100, 9));
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].offset, 101u);
  EXPECT_EQ(spans[0].line, 9u);
}

}  // namespace
}  // namespace auditlog::ingest
