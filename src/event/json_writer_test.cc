#include "event/json_writer.h"

#include <gtest/gtest.h>

namespace auditlog::event {
namespace {

TEST(JsonWriter, NestsAndSeparates) {
  std::string out;
  JsonWriter writer(&out);
  writer.BeginObject();
  writer.Member("a", "x");
  writer.Key("b");
  writer.BeginArray();
  writer.Int(-1);
  writer.Uint(2);
  writer.Double(0.5);
  writer.Bool(true);
  writer.Null();
  writer.BeginObject();
  writer.EndObject();
  writer.EndArray();
  writer.Key("c");
  writer.Raw("{\"d\":1}");
  writer.EndObject();
  EXPECT_EQ(out, R"({"a":"x","b":[-1,2,0.5,true,null,{}],"c":{"d":1}})");
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControls) {
  std::string out;
  AppendJsonString(&out, std::string("q\"b\\n\n\t\x01\x1f\x7f\xe4\xb8\xad", 13));
  EXPECT_EQ(out, "\"q\\\"b\\\\n\\n\\t\\u0001\\u001f\x7f\xe4\xb8\xad\"");
}

TEST(JsonWriter, DoublesAreShortestRoundTrip) {
  std::string out;
  JsonWriter writer(&out);
  writer.Double(39.9288);
  EXPECT_EQ(out, "39.9288");
}

}  // namespace
}  // namespace auditlog::event
