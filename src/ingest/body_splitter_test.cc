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
  EXPECT_EQ(*DetectBodyFormat("{broken\n{\"type\":\"f\"}\n"), BodyFormat::kNdjson)
      << "a truncated first record must not hide the good lines after it";
  EXPECT_EQ(*DetectBodyFormat("{\n  \"a\": {\"b\": 1}\n}\n"), BodyFormat::kObject);
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
              StatusIs(StatusCode::kInvalidArgument,
                       "body: malformed JSON array at line 1, column 9: unexpected end of input"));
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
              StatusIs(StatusCode::kInvalidArgument,
                       "body: malformed JSON array at line 1, column 2: unterminated string"));
  // Lines count from the array's own line within a larger body.
  EXPECT_THAT(SplitJsonArray("[1,\n 2,\n {\"a\" 3}", 40, 7),
              StatusIs(StatusCode::kInvalidArgument,
                       "body: malformed JSON array at line 9, column 7: expected ':' after an "
                       "object key"));
  // Deeper than the scanner follows: no position, as before.
  EXPECT_THAT(SplitJsonArray(std::string(2000, '[')),
              StatusIs(StatusCode::kInvalidArgument,
                       "body: malformed JSON array (truncated or unbalanced)"));
}

TEST(FindEnvelopeArray, ByStructureAlone) {
  const std::string_view body =
      R"( {"code":200,"msg":"a\"}","data":{"total":[1],"list":[{"x":"\xff"},2]}} )";
  const auto found = FindEnvelopeArray(body, "/data/list");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(body.substr(found->first, found->second), R"([{"x":"\xff"},2])");
  EXPECT_FALSE(FindEnvelopeArray(body, "/data/total/x").has_value());
  EXPECT_FALSE(FindEnvelopeArray(body, "/code").has_value()) << "not an array";
  EXPECT_FALSE(FindEnvelopeArray(body, "/logs").has_value());
  EXPECT_FALSE(FindEnvelopeArray(R"({"logs":[1,2]}, "x")", "/logs").has_value()) << "trailing text";
  EXPECT_FALSE(FindEnvelopeArray(R"({"logs":[1,2], "x": [1,})", "/logs").has_value())
      << "unbalanced";
  EXPECT_FALSE(FindEnvelopeArray(R"([{"logs":[1]}])", "/logs").has_value());
}

TEST(SplitJsonArray, OffsetsAreRelativeToTheEnclosingBody) {
  AL_ASSERT_OK_AND_ASSIGN(auto spans, SplitJsonArray("[7]", 100, 9));
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].offset, 101u);
  EXPECT_EQ(spans[0].line, 9u);
}

}  // namespace
}  // namespace auditlog::ingest

#include <rapidcheck/gtest.h>

namespace auditlog::ingest {
namespace {

// The obvious byte-at-a-time splitter: the oracle for the vectorised one.
Result<std::vector<RecordSpan>> ReferenceSplit(std::string_view text) {
  auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  std::vector<RecordSpan> spans;
  size_t pos = 0;
  size_t line = 1;
  while (pos < text.size() && is_space(text[pos])) line += text[pos++] == '\n';
  if (pos == text.size() || text[pos] != '[') return Status::InvalidArgument("not an array");
  ++pos;
  int depth = 0;
  bool in_string = false;
  bool closed = false;
  size_t start = std::string_view::npos;
  size_t start_line = line;
  size_t end = 0;
  auto finish = [&]() -> bool {
    if (start == std::string_view::npos) return false;
    spans.push_back(RecordSpan{start, end - start, start_line});
    start = std::string_view::npos;
    return true;
  };
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (c == '\n') ++line;
    if (in_string) {
      if (c == '\\') {
        ++pos;
        if (pos < text.size() && text[pos] == '\n') ++line;
      } else if (c == '"') {
        in_string = false;
      }
      end = pos + 1;
      continue;
    }
    if (is_space(c)) continue;
    if (depth == 0 && c == ',') {
      if (!finish()) return Status::InvalidArgument("empty");
      continue;
    }
    if (depth == 0 && c == ']') {
      if ((start != std::string_view::npos || !spans.empty()) && !finish()) {
        return Status::InvalidArgument("empty");
      }
      closed = true;
      ++pos;
      break;
    }
    if (start == std::string_view::npos) {
      start = pos;
      start_line = line;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth < 0) {
      return Status::InvalidArgument("unbalanced");
    }
    end = pos + 1;
  }
  if (!closed) return Status::InvalidArgument("truncated");
  while (pos < text.size()) {
    if (!is_space(text[pos++])) return Status::InvalidArgument("trailing");
  }
  return spans;
}

RC_GTEST_PROP(SplitJsonArrayProperty, AgreesWithByteAtATimeReference, ()) {
  const auto text = *rc::gen::container<std::string>(
      rc::gen::element('[', ']', '{', '}', '"', '\\', ',', ' ', '\n', 'a', '1', ':'));
  const std::string body = "[" + text;
  const auto fast = SplitJsonArray(body);
  const auto reference = ReferenceSplit(body);
  RC_ASSERT(fast.ok() == reference.ok());
  if (!fast.ok()) return;
  RC_ASSERT(fast->size() == reference->size());
  for (size_t span_idx = 0; span_idx < fast->size(); ++span_idx) {
    RC_ASSERT((*fast)[span_idx].offset == (*reference)[span_idx].offset);
    RC_ASSERT((*fast)[span_idx].length == (*reference)[span_idx].length);
    RC_ASSERT((*fast)[span_idx].line == (*reference)[span_idx].line);
  }
}

TEST(SplitJsonArray, LongBodiesCrossChunkBoundaries) {
  std::string body = "[";
  for (int element_idx = 0; element_idx < 200; ++element_idx) {
    if (element_idx > 0) body += element_idx % 3 == 0 ? ",\n" : ", ";
    body += R"({"k":"a\"b\\","n":[1,{"x":"]"}]})";
  }
  body += "]";
  AL_ASSERT_OK_AND_ASSIGN(auto fast, SplitJsonArray(body));
  AL_ASSERT_OK_AND_ASSIGN(auto reference, ReferenceSplit(body));
  ASSERT_EQ(fast.size(), 200u);
  for (size_t span_idx = 0; span_idx < fast.size(); ++span_idx) {
    EXPECT_EQ(fast[span_idx].offset, reference[span_idx].offset);
    EXPECT_EQ(fast[span_idx].length, reference[span_idx].length);
    EXPECT_EQ(fast[span_idx].line, reference[span_idx].line);
  }
}

}  // namespace
}  // namespace auditlog::ingest
