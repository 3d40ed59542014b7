#include "event/json_writer.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>

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

// Values that need escaping throughout, written into exactly the room they
// may take (on the heap, so that writing or reading past it is caught under
// ASan), at lengths around the sixteen-byte blocks the scan reads.
TEST(WriteJsonStringTest, FillsAtMostItsRoom) {
  for (const char fill : {'\x01', '"', '\\', 'x'}) {
    for (const size_t length : {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100}) {
      // The value in a heap block of its own size too: a read past it is
      // caught under ASan.
      auto source = std::make_unique<char[]>(std::max<size_t>(length, 1));
      for (size_t i = 0; i < length; ++i)
        source[i] = i % 3 == 0 ? fill : static_cast<char>('a' + i % 26);
      const std::string_view value(source.get(), length);
      const size_t room = JsonStringRoom(length);
      auto bytes = std::make_unique<char[]>(room);
      std::memset(bytes.get(), '"', room);
      const char* end = WriteJsonString(bytes.get(), value);
      ASSERT_LE(static_cast<size_t>(end - bytes.get()), room);
      std::string want;
      AppendJsonString(&want, value);
      EXPECT_EQ(std::string_view(bytes.get(), static_cast<size_t>(end - bytes.get())), want)
          << int(fill) << " x " << length;
    }
  }
}

}  // namespace
}  // namespace auditlog::event

namespace auditlog::event {
namespace {

// The scan of sixteen bytes at a time (with its padded tail) must agree with
// escaping byte by byte wherever the bytes that need escaping fall, and
// must not take bytes from 0x80 up for control characters.
TEST(AppendJsonStringTest, AgreesWithBytewiseEscaping) {
  auto bytewise = [](std::string_view value) {
    std::string out = "\"";
    for (const char ch : value) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '"') {
        out += "\\\"";
      } else if (c == '\\') {
        out += "\\\\";
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '\b') {
        out += "\\b";
      } else if (c == '\f') {
        out += "\\f";
      } else if (c < 0x20) {
        out += fmt::format("\\u{:04x}", c);
      } else {
        out.push_back(ch);
      }
    }
    return out + "\"";
  };
  const std::string alphabet = std::string("ab\"\\\n\x01\x1f \x7f\xc3\xa9~\x80\x9f\xff") + '\0';
  uint64_t state = 12345;
  for (int round = 0; round < 20000; ++round) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const size_t length = (state >> 33) % 73;
    std::string value;
    for (size_t i = 0; i < length; ++i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      // Mostly plain letters, so long safe runs occur, with a special byte now and then.
      value.push_back((state >> 40) % 8 == 0 ? alphabet[(state >> 20) % alphabet.size()] : 'x');
    }
    std::string out;
    AppendJsonString(&out, value);
    ASSERT_EQ(out, bytewise(value)) << round;
    // WriteJsonString into a room of leftovers that need escaping: what lies
    // past the value must not be taken for part of it.
    std::string room(JsonStringRoom(value.size()), '"');
    const char* end = WriteJsonString(room.data(), value);
    ASSERT_EQ(std::string_view(room.data(), static_cast<size_t>(end - room.data())),
              bytewise(value))
        << round;
  }
}

}  // namespace
}  // namespace auditlog::event
