#include "event/json_syntax.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <random>
#include <string>
#include <vector>

namespace auditlog::event {
namespace {

// Bytes as C++ escapes, so that a failing case can be pasted back into a test.
std::string Printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && c != '\\') {
      out.push_back(c);
    } else {
      out += fmt::format("\\x{:02x}", byte);
    }
  }
  return out;
}

bool SimdjsonAccepts(std::string_view text) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(text);
  simdjson::dom::element root;
  return parser.parse(padded).get(root) == simdjson::SUCCESS;
}

TEST(FindJsonSyntaxError, ValidDocumentsPass) {
  const std::vector<std::string> valid = {
      "{}",
      "[]",
      "0",
      "-0",
      "1e5",
      "1E+5",
      "-1.25e-3",
      "0.5",
      "123456789",
      "true",
      "false",
      "null",
      R"("")",
      R"("plain")",
      " \t\r\n{ \"a\" : [ 1 , 2 , { } , [ ] ] } \n",
      R"({"a":{"b":{"c":[null,true,false]}}})",
      R"(["\"\\\/\b\f\n\r\t"])",
      R"("\u0000\u001f\u00e9\uFFFF\ud83d\ude00\uDBFF\uDFFF")",
      "\"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf\"",
      "\"\x7f\"",  // DEL is not a control character in JSON
      R"({"":""})",
      R"({"a":1,"a":2})",  // duplicate names: the grammar allows them
      R"([1,"x",{"k":[-0.0e0]}])",
      std::string(kMaxJsonNestingDepth, '[') + std::string(kMaxJsonNestingDepth, ']'),
  };
  for (const std::string& text : valid) {
    EXPECT_EQ(FindJsonSyntaxError(text), std::nullopt) << Printable(text);
    EXPECT_TRUE(SimdjsonAccepts(text)) << "simdjson disagrees on " << Printable(text);
  }
}

struct BadCase {
  std::string text;
  size_t offset;
  std::string reason;
};

void ExpectError(const BadCase& bad) {
  const auto error = FindJsonSyntaxError(bad.text);
  ASSERT_TRUE(error.has_value()) << Printable(bad.text);
  EXPECT_EQ(error->offset, bad.offset) << Printable(bad.text);
  EXPECT_EQ(error->reason, bad.reason) << Printable(bad.text);
  EXPECT_FALSE(error->nesting_limit) << Printable(bad.text);
  EXPECT_FALSE(SimdjsonAccepts(bad.text)) << "simdjson accepts " << Printable(bad.text);
}

TEST(FindJsonSyntaxError, StructuralErrorsAtTheirByte) {
  const std::vector<BadCase> cases = {
      {"", 0, "unexpected end of input"},
      {"  \n ", 4, "unexpected end of input"},
      {"{", 1, "unexpected end of input"},
      {R"({"a")", 4, "unexpected end of input"},
      {R"({"a":)", 5, "unexpected end of input"},
      {R"({"a":1)", 6, "unexpected end of input"},
      {"[1,", 3, "unexpected end of input"},
      {"{\"type\":\"s\",\n  oops}", 15, "unexpected character 'o'"},
      {R"({"a" 1})", 5, "expected ':' after an object key"},
      {R"({"a":1 "b":2})", 7, "expected ',' or '}' after an object member"},
      {R"({"a":1])", 6, "expected ',' or '}' after an object member"},
      {"[1 2]", 3, "expected ',' or ']' after an array element"},
      {"[1}", 2, "expected ',' or ']' after an array element"},
      {"[1,]", 3, "unexpected character ']'"},
      {R"({"a":1,})", 7, "unexpected character '}'"},
      {"{,}", 1, "unexpected character ','"},
      {"{1:2}", 1, "unexpected character '1'"},
      {"[,1]", 1, "unexpected character ','"},
      {"]", 0, "unexpected character ']'"},
      {"'a'", 0, "unexpected character '''"},
      {"\f1", 0, "unexpected byte 0x0c"},  // form feed is not JSON whitespace
      {"[\xc3\xa9]", 1, "unexpected byte 0xc3"},
      {"[1]x", 3, "trailing characters after the value"},
      {"{} {}", 3, "trailing characters after the value"},
      {"1 2", 2, "trailing characters after the value"},
      {"truex", 4, "trailing characters after the value"},
      {"[1]\n]", 4, "trailing characters after the value"},
      {std::string("[1]\0", 4), 3, "trailing characters after the value"},
      {"tru", 3, "invalid literal (expected true)"},
      {"[nul]", 4, "invalid literal (expected null)"},
      {"fals e", 4, "invalid literal (expected false)"},
      {"nULL", 1, "invalid literal (expected null)"},
  };
  for (const BadCase& bad : cases) ExpectError(bad);
}

TEST(FindJsonSyntaxError, StringErrorsAtTheirByte) {
  const std::vector<BadCase> cases = {
      {R"(["abc)", 1, "unterminated string"},
      {R"({"a":"b\)", 5, "unterminated string"},
      {R"("\u12)", 0, "unterminated string"},
      {R"("\ud800)", 0, "unterminated string"},
      {R"("\ud800\udc)", 0, "unterminated string"},
      {"[\"ab\ncd\"]", 4, "unterminated string: line break before the closing quote"},
      {"\"ab\r\n\"", 3, "unterminated string: line break before the closing quote"},
      {"\"a\tb\"", 2, "control character in a string"},
      {std::string("\"a\0b\"", 5), 2, "control character in a string"},
      {"\"\x1f\"", 1, "control character in a string"},
      {R"({"a":"\q"})", 6, "invalid escape \\q"},
      {R"("x\'")", 2, "invalid escape \\'"},
      {"\"\\\x01\"", 1, "invalid escape: byte 0x01 after '\\'"},
      {"\"\\\xc3\xa9\"", 1, "invalid escape: byte 0xc3 after '\\'"},
      {R"("\U0041")", 1, "invalid escape \\U"},
      {R"("\u12G4")", 1, "invalid \\u escape (expected 4 hex digits)"},
      {R"("\u12")", 1, "invalid \\u escape (expected 4 hex digits)"},
      {R"("ok\ud800\u0041")", 3, "unpaired surrogate \\ud800"},
      {R"("\uD800x")", 1, "unpaired surrogate \\uD800"},
      {R"("\ud800\ud800")", 1, "unpaired surrogate \\ud800"},
      {R"("\ud800\n")", 1, "unpaired surrogate \\ud800"},
      {R"("\udc00")", 1, "unpaired surrogate \\udc00"},
      {R"("\ud800\uzzzz")", 7, "invalid \\u escape (expected 4 hex digits)"},
  };
  for (const BadCase& bad : cases) ExpectError(bad);
}

TEST(FindJsonSyntaxError, Utf8InStrings) {
  const std::vector<BadCase> cases = {
      {"\"\x80\"", 1, "invalid UTF-8"},                  // lone continuation byte
      {"\"ab\xc3\"", 3, "invalid UTF-8"},                // truncated 2-byte sequence
      {"\"\xc3\x28\"", 1, "invalid UTF-8"},              // bad continuation
      {"\"\xc0\xaf\"", 1, "invalid UTF-8"},              // overlong '/'
      {"\"\xc1\xbf\"", 1, "invalid UTF-8"},              // overlong
      {"\"\xe0\x80\xaf\"", 1, "invalid UTF-8"},          // overlong 3-byte
      {"\"\xed\xa0\x80\"", 1, "invalid UTF-8"},          // U+D800 encoded
      {"\"\xf0\x80\x80\xaf\"", 1, "invalid UTF-8"},      // overlong 4-byte
      {"\"\xf4\x90\x80\x80\"", 1, "invalid UTF-8"},      // past U+10FFFF
      {"\"\xf5\x80\x80\x80\"", 1, "invalid UTF-8"},      // lead byte never used
      {"\"\xff\"", 1, "invalid UTF-8"},                  // never in UTF-8
      {"\"\xe6\x97\xa5\xe6\x97\"", 4, "invalid UTF-8"},  // second character cut short
      {"\"\xf0\x9f\x98", 1, "invalid UTF-8"},            // cut at the end of the text
  };
  for (const BadCase& bad : cases) ExpectError(bad);
  // The largest and smallest of each length are fine.
  EXPECT_EQ(FindJsonSyntaxError("\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\""),
            std::nullopt);
  EXPECT_EQ(FindJsonSyntaxError("\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\""), std::nullopt);
}

TEST(FindJsonSyntaxError, Numbers) {
  for (const std::string_view text :
       {"-0", "0", "0.0", "-0.0", "1e5", "1E5", "1e+5", "1e-5", "1.5E-05", "10", "9007199254740993",
        "[0,-1,2.5]", "{\"n\":-0e0}"}) {
    EXPECT_EQ(FindJsonSyntaxError(text), std::nullopt) << text;
  }
  const std::vector<BadCase> cases = {
      {"01", 1, "invalid number"},
      {"-01", 2, "invalid number"},
      {"00", 1, "invalid number"},
      {"1.", 2, "invalid number"},
      {"1.e5", 2, "invalid number"},
      {"1e", 2, "invalid number"},
      {"1e+", 3, "invalid number"},
      {"1E-x", 3, "invalid number"},
      {"-", 1, "invalid number"},
      {"-x", 1, "invalid number"},
      {"[-]", 2, "invalid number"},
      {"[1.]", 3, "invalid number"},
      {".5", 0, "unexpected character '.'"},
      {"+1", 0, "unexpected character '+'"},
      {"[1.5.2]", 4, "expected ',' or ']' after an array element"},
      {"0x10", 1, "trailing characters after the value"},
  };
  for (const BadCase& bad : cases) ExpectError(bad);
  // Grammar, not range: simdjson refuses these, the scanner does not.
  EXPECT_EQ(FindJsonSyntaxError("1e400"), std::nullopt);
  EXPECT_EQ(FindJsonSyntaxError("123456789012345678901234567890"), std::nullopt);
}

TEST(FindJsonSyntaxError, NestingIsLimitedWithoutRecursion) {
  const std::string too_deep =
      std::string(kMaxJsonNestingDepth + 1, '[') + std::string(kMaxJsonNestingDepth + 1, ']');
  auto error = FindJsonSyntaxError(too_deep);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->offset, kMaxJsonNestingDepth);
  EXPECT_EQ(error->reason, "nesting deeper than 1024");
  EXPECT_TRUE(error->nesting_limit);
  EXPECT_FALSE(SimdjsonAccepts(too_deep));

  // Objects count as levels too; the limit holds for any mix.
  std::string objects;
  for (size_t level = 0; level < kMaxJsonNestingDepth; ++level) objects += "{\"k\":";
  EXPECT_EQ(FindJsonSyntaxError(objects + "[1]" + std::string(kMaxJsonNestingDepth, '}')),
            (JsonSyntaxError{objects.size(), "nesting deeper than 1024", true}));
  EXPECT_EQ(FindJsonSyntaxError(objects + "1" + std::string(kMaxJsonNestingDepth, '}')),
            std::nullopt);

  // A million open brackets: a recursive parser would overflow its stack.
  error = FindJsonSyntaxError(std::string(1'000'000, '['));
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->offset, kMaxJsonNestingDepth);
  // Closing brackets beyond the open ones are an error, not an underflow.
  EXPECT_EQ(FindJsonSyntaxError("[]]"),
            (JsonSyntaxError{2, "trailing characters after the value", false}));
}

TEST(LineAndColumn, CountsLinesAndBytes) {
  const std::string_view text = "ab\ncd\r\n\n\xc3\xa9x";
  EXPECT_EQ(LineAndColumn(text, 0), std::make_pair(size_t{1}, size_t{1}));
  EXPECT_EQ(LineAndColumn(text, 2), std::make_pair(size_t{1}, size_t{3}));  // the '\n'
  EXPECT_EQ(LineAndColumn(text, 3), std::make_pair(size_t{2}, size_t{1}));
  EXPECT_EQ(LineAndColumn(text, 5), std::make_pair(size_t{2}, size_t{3}));  // the '\r'
  EXPECT_EQ(LineAndColumn(text, 7), std::make_pair(size_t{3}, size_t{1}));
  EXPECT_EQ(LineAndColumn(text, 10), std::make_pair(size_t{4}, size_t{3}));  // 'x' after 'é'
  EXPECT_EQ(LineAndColumn(text, text.size()), std::make_pair(size_t{4}, size_t{4}));
  EXPECT_EQ(LineAndColumn(text, 1000), std::make_pair(size_t{4}, size_t{4}));
  EXPECT_EQ(LineAndColumn("", 0), std::make_pair(size_t{1}, size_t{1}));
}

// A random JSON document: every construct of the grammar, whitespace between
// tokens, strings with escapes and multi-byte UTF-8. Numbers stay small (three
// digits before the point, two after, a one-digit exponent), so that one
// mutation cannot push them out of simdjson's range: "123.45" edited to
// "123e45" is still a double.
class DocumentGenerator {
 public:
  explicit DocumentGenerator(uint32_t seed) : rng_(seed) {}

  std::string Document() {
    std::string out;
    Space(&out);
    Value(&out, 0);
    Space(&out);
    return out;
  }

  // One random edit: delete, insert, replace a byte, or cut the tail.
  std::string Mutate(std::string text) {
    static constexpr std::string_view kAlphabet =
        "{}[]:,\"\\ \n\t0123456789-+.eEtrufalsn/bu\x01\x1f\x7f\x80\xbf\xc3\xe2\xed\xf0\xff";
    const size_t pos = Below(text.size() + 1);
    const char byte = kAlphabet[Below(kAlphabet.size())];
    switch (Below(4)) {
      case 0:
        if (pos < text.size()) text.erase(pos, 1);
        break;
      case 1:
        text.insert(text.begin() + static_cast<ptrdiff_t>(pos), byte);
        break;
      case 2:
        if (pos < text.size()) text[pos] = byte;
        break;
      default:
        text.resize(pos);
    }
    return text;
  }

 private:
  size_t Below(size_t bound) { return std::uniform_int_distribution<size_t>(0, bound - 1)(rng_); }

  void Space(std::string* out) {
    static constexpr std::string_view kSpace = " \t\r\n";
    while (Below(4) == 0) out->push_back(kSpace[Below(kSpace.size())]);
  }

  void Digits(std::string* out, size_t max_count) {
    const size_t count = 1 + Below(max_count);
    for (size_t digit_idx = 0; digit_idx < count; ++digit_idx) {
      out->push_back(static_cast<char>('0' + Below(10)));
    }
  }

  void Number(std::string* out) {
    if (Below(2) == 0) out->push_back('-');
    if (Below(4) == 0) {
      out->push_back('0');
    } else {
      out->push_back(static_cast<char>('1' + Below(9)));
      if (Below(2) == 0) Digits(out, 2);
    }
    if (Below(3) == 0) {
      out->push_back('.');
      Digits(out, 2);
    }
    if (Below(3) == 0) {
      out->push_back(Below(2) == 0 ? 'e' : 'E');
      if (Below(2) == 0) out->push_back(Below(2) == 0 ? '+' : '-');
      Digits(out, 1);
    }
  }

  void String(std::string* out) {
    static constexpr std::string_view kPieces[] = {"a",
                                                   "Z",
                                                   " ",
                                                   "\\\"",
                                                   "\\\\",
                                                   "\\/",
                                                   "\\b",
                                                   "\\f",
                                                   "\\n",
                                                   "\\r",
                                                   "\\t",
                                                   "\\u00e9",
                                                   "\\u0000",
                                                   "\\uFFFF",
                                                   "\\ud83d\\ude00",
                                                   "\xc3\xa9",
                                                   "\xe6\x97\xa5",
                                                   "\xf0\x9f\x98\x80",
                                                   "\x7f",
                                                   "{",
                                                   "]",
                                                   ":",
                                                   ","};
    out->push_back('"');
    const size_t count = Below(6);
    for (size_t piece_idx = 0; piece_idx < count; ++piece_idx) {
      out->append(kPieces[Below(std::size(kPieces))]);
    }
    out->push_back('"');
  }

  void Value(std::string* out, int depth) {
    const size_t kind = Below(depth < 4 ? 8 : 6);
    switch (kind) {
      case 0:
        out->append("true");
        return;
      case 1:
        out->append("false");
        return;
      case 2:
        out->append("null");
        return;
      case 3:
        Number(out);
        return;
      case 4:
      case 5:
        String(out);
        return;
      case 6:
      case 7: {
        const bool object = kind == 6;
        out->push_back(object ? '{' : '[');
        const size_t count = Below(4);
        for (size_t member_idx = 0; member_idx < count; ++member_idx) {
          if (member_idx > 0) out->push_back(',');
          Space(out);
          if (object) {
            String(out);
            Space(out);
            out->push_back(':');
            Space(out);
          }
          Value(out, depth + 1);
          Space(out);
        }
        if (count == 0) Space(out);
        out->push_back(object ? '}' : ']');
        return;
      }
    }
  }

  std::mt19937 rng_;
};

TEST(FindJsonSyntaxError, AgreesWithSimdjsonOnGeneratedDocuments) {
  size_t valid_count = 0;
  size_t invalid_count = 0;
  for (uint32_t seed = 1; seed <= 400; ++seed) {
    DocumentGenerator generator(seed);
    const std::string document = generator.Document();
    std::vector<std::string> texts = {document};
    for (int mutation_idx = 0; mutation_idx < 4; ++mutation_idx) {
      texts.push_back(generator.Mutate(document));
    }
    for (const std::string& text : texts) {
      const auto error = FindJsonSyntaxError(text);
      const bool simdjson_accepts = SimdjsonAccepts(text);
      ASSERT_EQ(!error.has_value(), simdjson_accepts)
          << "seed " << seed << ": " << Printable(text) << "\nscanner: "
          << (error ? fmt::format("{} at {}", error->reason, error->offset) : "valid");
      if (error) {
        EXPECT_LE(error->offset, text.size()) << "seed " << seed;
        ++invalid_count;
      } else {
        ++valid_count;
      }
    }
    ASSERT_EQ(FindJsonSyntaxError(document), std::nullopt)
        << "seed " << seed << ": the generator made " << Printable(document);
  }
  // Both sides of the comparison are exercised, not just one.
  EXPECT_GE(valid_count, 400u);
  EXPECT_GT(invalid_count, 600u);
}

}  // namespace
}  // namespace auditlog::event
