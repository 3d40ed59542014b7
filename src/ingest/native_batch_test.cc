// Native bodies: object, array, NDJSON, and the bad-input cases of the
// ingest contract (docs/dialects/README.md): a bad record is reported by
// index and line, the good ones are kept.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>

#include "ingest/decoder_test_util.h"
#include "testing/status_matchers.h"

namespace auditlog::ingest {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

TEST(NativeBatch, SingleObjectArrayAndNdjson) {
  AL_ASSERT_OK_AND_ASSIGN(auto object, DecodeText(Dialect::kNative, "{\n  \"type\": \"s\"\n}\n"));
  EXPECT_EQ(object.format, BodyFormat::kObject);
  EXPECT_EQ(object.events.size(), 1u);
  AL_ASSERT_OK_AND_ASSIGN(auto array,
                          DecodeText(Dialect::kNative, R"([{"type":"s"},{"type":"f"}])"));
  EXPECT_EQ(array.format, BodyFormat::kArray);
  ASSERT_EQ(array.events.size(), 2u);
  EXPECT_EQ(array.events[1].type, "f");
  AL_ASSERT_OK_AND_ASSIGN(auto ndjson,
                          DecodeText(Dialect::kNative, "{\"type\":\"s\"}\r\n\n{\"type\":\"f\"}"));
  EXPECT_EQ(ndjson.format, BodyFormat::kNdjson);
  EXPECT_EQ(ndjson.events.size(), 2u);
  AL_ASSERT_OK_AND_ASSIGN(auto empty_array, DecodeText(Dialect::kNative, "[]"));
  EXPECT_EQ(empty_array.record_count, 0u);
}

TEST(NativeBatch, BadLinesAreReportedAndGoodLinesKept) {
  const std::string body =
      "{\"type\":\"s\",\"id\":\"a\"}\n"
      "{\"type\":\"s\",\"actor\":{\"email\":42}}\n"  // wrong type
      "{\"type\":\"s\",\"actor\":{\"id\":\"x\"\n"    // truncated
      "\n"
      "{\"type\":\"s\",\"timestamp\":\"99999-01-01T00:00:00Z\"}\n"
      "{\"type\":\"s\xc3\x28\"}\n"  // invalid UTF-8
      "{\"type\":\"s\",\"id\":\"b\"}\n";
  AL_ASSERT_OK_AND_ASSIGN(auto batch, DecodeText(Dialect::kNative, body));
  EXPECT_EQ(batch.format, BodyFormat::kNdjson);
  EXPECT_EQ(batch.record_count, 6u);
  ASSERT_EQ(batch.events.size(), 2u);
  EXPECT_EQ(batch.events[0].id, "a");
  EXPECT_EQ(batch.events[1].id, "b");
  EXPECT_EQ(batch.event_indexes, (std::vector<size_t>{0, 5}));
  ASSERT_EQ(batch.errors.size(), 4u);
  EXPECT_EQ(batch.errors[0], (RecordError{1, 2, "actor.email: not a string"}));
  EXPECT_EQ(
      batch.errors[1],
      (RecordError{2, 3, "event: malformed JSON at line 3, column 30: unexpected end of input"}));
  EXPECT_EQ(batch.errors[2], (RecordError{3, 5, "timestamp: year 99999 out of range 1970..9999"}));
  EXPECT_EQ(batch.errors[3],
            (RecordError{4, 6, "event: malformed JSON at line 6, column 11: invalid UTF-8"}));
}

TEST(NativeBatch, MalformedJsonNamesLineAndColumnInAMultiLineArray) {
  // Records span lines; lines and columns count from the start of the body.
  const std::string body =
      "[\n"
      "  {\"type\": \"s\"},\n"
      "  {\"type\": \"s\",\n"
      "   \"id\" \"x\"},\n"
      "  {\"type\": \"f\"},\n"
      "  {\"type\": \"s\", \"id\": \"\\q\"}\n"
      "]\n";
  AL_ASSERT_OK_AND_ASSIGN(auto batch, DecodeText(Dialect::kNative, body));
  EXPECT_EQ(batch.format, BodyFormat::kArray);
  EXPECT_EQ(batch.events.size(), 2u);
  ASSERT_EQ(batch.errors.size(), 2u);
  EXPECT_EQ(batch.errors[0],
            (RecordError{1, 3,
                         "event: malformed JSON at line 4, column 9: expected ':' after an "
                         "object key"}));
  EXPECT_EQ(batch.errors[1],
            (RecordError{3, 6, "event: malformed JSON at line 6, column 24: invalid escape \\q"}));
}

TEST(NativeBatch, MalformedJsonNamesLineAndColumnInNdjson) {
  const std::string body =
      "{\"type\":\"s\"}\n"
      "  {\"type\":\"s\",\"id\":\"a\" \"b\"}\r\n"  // indented, CRLF
      "\n"
      "{\"type\":\"s\",\"actor\":{\"id\":tru}}\n"
      "{\"type\":\"s\",\"details\":{\"a\":01}}\n"
      "{\"type\":7}\n";
  AL_ASSERT_OK_AND_ASSIGN(auto batch, DecodeText(Dialect::kNative, body));
  EXPECT_EQ(batch.format, BodyFormat::kNdjson);
  EXPECT_EQ(batch.events.size(), 1u);
  ASSERT_EQ(batch.errors.size(), 4u);
  EXPECT_EQ(batch.errors[0],
            (RecordError{1, 2,
                         "event: malformed JSON at line 2, column 24: expected ',' or '}' after "
                         "an object member"}));
  // On-Demand reads "tru" as a boolean and would say "actor.id: not a string";
  // the text is not JSON, and that is what the sender has to fix first.
  EXPECT_EQ(batch.errors[1],
            (RecordError{2, 4,
                         "event: malformed JSON at line 4, column 30: invalid literal (expected "
                         "true)"}));
  EXPECT_EQ(batch.errors[2],
            (RecordError{3, 5, "event: malformed JSON at line 5, column 29: invalid number"}));
  // Valid JSON with wrong content keeps the decoder's message.
  EXPECT_EQ(batch.errors[3], (RecordError{4, 6, "type: not a string"}));
}

TEST(NativeBatch, MalformedJsonColumnsOfRecordsSharingALine) {
  AL_ASSERT_OK_AND_ASSIGN(
      auto batch,
      DecodeText(Dialect::kNative, R"([{"type":1},{"type":"s","id":x},{"type":"s","id":y}])"));
  ASSERT_EQ(batch.errors.size(), 3u);
  EXPECT_EQ(batch.errors[0].message, "type: not a string");
  EXPECT_EQ(batch.errors[1].message,
            "event: malformed JSON at line 1, column 30: unexpected character 'x'");
  EXPECT_EQ(batch.errors[2].message,
            "event: malformed JSON at line 1, column 50: unexpected character 'y'");
}

TEST(NativeBatch, MalformedSingleObjectNamesLineAndColumn) {
  AL_ASSERT_OK_AND_ASSIGN(auto batch, DecodeText(Dialect::kNative, "{\"type\":\"s\",\n  oops}"));
  EXPECT_EQ(batch.format, BodyFormat::kObject);
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(
      batch.errors[0],
      (RecordError{0, 1, "event: malformed JSON at line 2, column 3: unexpected character 'o'"}));
}

TEST(NativeBatch, OversizedMalformedRecordReportsItsSize) {
  std::string body = "{\"type\":\"s\",\"description\":\"";
  body.append(event::kMaxEventBytes, 'x');  // and no closing quote
  AL_ASSERT_OK_AND_ASSIGN(auto batch, DecodeText(Dialect::kNative, body));
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].message, fmt::format("event is {} bytes, over the limit of {}",
                                                 body.size(), event::kMaxEventBytes));
}

TEST(NativeBatch, TenMegabyteLineIsRejectedWithItsSize) {
  std::string body = "{\"type\":\"s\"}\n{\"type\":\"s\",\"description\":\"";
  body.append(10 * 1024 * 1024, 'x');
  body.append("\"}\n{\"type\":\"f\"}\n");
  AL_ASSERT_OK_AND_ASSIGN(auto batch, DecodeText(Dialect::kNative, body));
  EXPECT_EQ(batch.events.size(), 2u);
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].line, 2u);
  EXPECT_EQ(batch.errors[0].message, "event is 10485789 bytes, over the limit of 262144");
}

TEST(NativeBatch, DeeplyNestedDetails) {
  const std::string deep =
      "{\"type\":\"s\",\"details\":" + std::string(5000, '[') + std::string(5000, ']') + "}";
  AL_ASSERT_OK_AND_ASSIGN(auto batch,
                          DecodeText(Dialect::kNative, "{\"type\":\"s\"}\n" + deep + "\n"));
  EXPECT_EQ(batch.events.size(), 1u);
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_THAT(batch.errors[0].message, HasSubstr("details"));
}

TEST(NativeBatch, UnsplittableBodiesAreRejectedWhole) {
  EXPECT_THAT(DecodeText(Dialect::kNative, ""),
              StatusIs(StatusCode::kInvalidArgument, "body: empty"));
  EXPECT_THAT(DecodeText(Dialect::kNative, "[{\"type\":\"s\"},\n{\"type\":\"f\"}"),
              StatusIs(StatusCode::kInvalidArgument,
                       "body: malformed JSON array at line 2, column 13: unexpected end of input"));
  EXPECT_THAT(DecodeText(Dialect::kNative, "\"just a string\""),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected a JSON object")));
}

TEST(NativeBatch, TruncatedSingleObjectIsOneBadRecord) {
  AL_ASSERT_OK_AND_ASSIGN(auto batch, DecodeText(Dialect::kNative, "{\"type\":\"s\",\"actor\":{"));
  EXPECT_EQ(batch.format, BodyFormat::kObject);
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].index, 0u);
}

TEST(NativeBatch, ExplicitFormatOverridesDetection) {
  // A one-line object decoded as NDJSON, and log lines refused by a JSON-only dialect.
  AL_ASSERT_OK_AND_ASSIGN(auto batch,
                          DecodeText(Dialect::kNative, "{\"type\":\"s\"}", BodyFormat::kNdjson));
  EXPECT_EQ(batch.events.size(), 1u);
  AL_ASSERT_OK_AND_ASSIGN(batch,
                          DecodeText(Dialect::kNative, "[2021-01-01T00:00:00Z] eventType=x"));
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].message, "record: not a JSON object (native records are JSON)");
}

TEST(Dialects, NamesRoundTrip) {
  for (Dialect dialect : {Dialect::kNative, Dialect::kAuthing, Dialect::kEnos, Dialect::kAuth0}) {
    AL_ASSERT_OK_AND_ASSIGN(Dialect parsed, DialectFromName(DialectName(dialect)));
    EXPECT_EQ(parsed, dialect);
    EXPECT_EQ(MakeRecordDecoder(dialect)->dialect(), dialect);
  }
  EXPECT_THAT(DialectFromName("okta"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown dialect")));
}

}  // namespace
}  // namespace auditlog::ingest
